"""Event-based Monte Carlo over simulated years, in fixed-size blocks of years.

Every block of :data:`BLOCK_YEARS` years draws from its own random stream,
``SeedSequence(seed, spawn_key=(block,))``, so the same seed gives the same tables bit for
bit whatever the write chunk size or the number of worker processes (a Dask scale-out maps
:func:`simulate_block` over block indices the same way).

Inside a block everything is vectorised over events and hits (no Python loop over years or
satellites): event counts per year per source, hits per event, damage per hit, depletion
within the year (hits sorted by year, satellite and time of the event; a satellite's
remaining capacity is one minus what earlier hits that year removed), then the financial
module of :mod:`riskengine.core.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskengine.core import policy as fm
from riskengine.core.sources import (
    CapacitySource,
    CompoundSource,
    EventSource,
    HazardSet,
    SatelliteSource,
    sample_counts,
    sample_damage,
    sample_severity,
)

BLOCK_YEARS = 10_000
#: Expected satellite hits plus occurrences simulated per block: bounds a block's memory
#: (~200 bytes each) whatever the fleet size; a million-satellite fleet gets short blocks.
HITS_PER_BLOCK = 2_000_000
#: cells of the dense hit matrix per batch (bounded memory for high hit probabilities)
_DENSE_CELLS = 4_000_000


def _sum(idx, weights, n: int) -> np.ndarray:
    """Float sums of ``weights`` by ``idx`` into ``n`` bins (float even when empty)."""
    return np.bincount(idx, weights=weights, minlength=n).astype(float, copy=False)


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The random stream of block ``block`` (independent of chunking and workers)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(block),)))


@dataclass
class BlockResult:
    """Outputs of one block. Year index ``y`` is 0-based within the block.

    Year arrays (n_years,): ``gross`` (after all policy terms), ``ground_up``, ``oep``
    (largest occurrence loss after occurrence terms), ``ceded`` (n_layers, n_years),
    ``by_peril`` (n_years, n_perils) and ``by_group`` (n_years, n_groups + 1; the last
    column is losses not tied to a satellite) — the annual loss allocated pro rata.
    Event arrays (n_events,), sorted by year then time: ``ev_year``, ``ev_peril``,
    ``ev_sats``, ``ev_loss`` (after satellite + occurrence terms), ``ev_ground_up``.
    """

    n_years: int
    gross: np.ndarray
    ground_up: np.ndarray
    oep: np.ndarray
    ceded: np.ndarray
    by_peril: np.ndarray
    by_group: np.ndarray
    ev_year: np.ndarray
    ev_peril: np.ndarray
    ev_sats: np.ndarray
    ev_loss: np.ndarray
    ev_ground_up: np.ndarray
    ev_count: np.ndarray | None = None  # occurrences per row (None: one each)
    #: launch campaigns: :meth:`riskengine.core.campaign.Campaign.block_summary`
    campaign: dict | None = None

    def occurrences(self) -> np.ndarray:
        return np.ones(len(self.ev_year), np.int64) if self.ev_count is None else self.ev_count


def _pick_distinct(n_pick: np.ndarray, m: int, rng: np.random.Generator):
    """For each event e choose ``n_pick[e]`` distinct positions in 0..m-1.

    Returns (event index, position) of every pick. Draws with replacement and redraws the
    duplicates (cheap when picks are a small share of m).
    """
    ev = np.repeat(np.arange(len(n_pick)), n_pick)
    pos = rng.integers(0, m, size=len(ev))
    order = np.lexsort((pos, ev))
    ev, pos = ev[order], pos[order]
    dup = np.zeros(len(ev), bool)
    dup[1:] = (ev[1:] == ev[:-1]) & (pos[1:] == pos[:-1])
    while dup.any():
        pos[dup] = rng.integers(0, m, size=int(dup.sum()))
        # re-sort only the events that had duplicates (each is a contiguous run of rows)
        rows = np.flatnonzero(np.isin(ev, np.unique(ev[dup])))
        pe, pp = ev[rows], pos[rows]
        o = np.lexsort((pp, pe))
        pos[rows] = pp[o]
        pp = pos[rows]
        d = (pe[1:] == pe[:-1]) & (pp[1:] == pp[:-1])
        dup[:] = False
        dup[rows[1:][d]] = True
    return ev, pos


def _event_hits(src: EventSource, ev_draw: np.ndarray, rng: np.random.Generator):
    """(event index, satellite) of every hit of shared events."""
    out_e, out_s = [], []
    for u in range(len(src.units.size)):
        m = int(src.units.size[u])
        sats = src.units.sats[src.units.offset[u]:src.units.offset[u] + m]
        q = src.hit_probability[ev_draw % src.n_draws, u]
        if m == 0 or not len(ev_draw):
            continue
        if np.all(q <= 0.1):
            k = rng.binomial(m, q)
            e, p = _pick_distinct(k, m, rng)
        else:  # dense Bernoulli matrix in batches of events
            step = max(1, _DENSE_CELLS // m)
            es, ps = [], []
            for a in range(0, len(ev_draw), step):
                hit = rng.random((min(step, len(ev_draw) - a), m)) < q[a:a + step, None]
                e_, p_ = np.nonzero(hit)
                es.append(e_ + a)
                ps.append(p_)
            e, p = np.concatenate(es), np.concatenate(ps)
        out_e.append(e)
        out_s.append(sats[p])
    if not out_e:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_e), np.concatenate(out_s)


def deplete(key: np.ndarray, damage: np.ndarray, ctl_threshold: float):
    """Capacity left before each hit and whether the hit is a constructive total loss.

    ``key`` groups hits (same satellite and year), already sorted by key and time. A
    satellite's damage in a year accumulates; the first hit whose cumulative damage reaches
    ``ctl_threshold`` is a constructive total loss and removes all that is left; hits after
    it find nothing.

    Returns ``(remaining, ctl)``: capacity fraction left before each hit, and the CTL flag.

    Examples
    --------
    >>> rem, ctl = deplete(np.array([0, 0, 0, 1]), np.array([0.4, 0.4, 0.3, 0.5]), 0.75)
    >>> rem.round(2).tolist(), ctl.tolist()
    ([1.0, 0.6, 0.0, 1.0], [False, True, False, False])
    """
    n = len(key)
    if n == 0:
        return np.zeros(0), np.zeros(0, bool)
    d = np.clip(np.asarray(damage, float), 0.0, 1.0)
    start = np.ones(n, bool)
    start[1:] = key[1:] != key[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    csum = np.cumsum(d)
    incl = csum - (csum[first] - d[first])          # cumulative damage incl. this hit
    crossed = incl >= ctl_threshold - 1e-12
    c = np.cumsum(crossed)
    before = c - crossed - (c[first] - crossed[first])   # crossings earlier in the group
    after_ctl = before > 0
    ctl = crossed & ~after_ctl
    remaining = np.where(after_ctl, 0.0, np.clip(1.0 - (incl - d), 0.0, 1.0))
    return remaining, ctl


def _capacity_claims(src: CapacitySource, draw: np.ndarray, rng: np.random.Generator):
    """Capacity-loss claims of a block: ``(year, satellite, damage, label index)``, at most
    one per satellite, year and cause (random failure: label 0, dose: label 1)."""
    n_years = len(draw)
    d = draw % src.n_draws
    out_y, out_s, out_d, out_l = [], [], [], []
    for u in range(len(src.units.size)):
        m = int(src.units.size[u])
        n = int(src.accelerators[u])
        if m == 0 or n == 0:
            continue
        sats = src.units.sats[src.units.offset[u]:src.units.offset[u] + m]
        k = rng.binomial(m, np.clip(1.0 - src.p0[d, u], 0.0, 1.0))   # satellites with a loss
        yr, pos = _pick_distinct(k, m, rng)
        dd = d[yr]
        cdf = src.cdf[:, u, :n + 1]
        flat = (cdf + np.arange(src.n_draws)[:, None] * 2.0).ravel()
        lost = np.searchsorted(flat, rng.random(len(yr)) + dd * 2.0, side="right") - dd * (n + 1)
        lost = np.clip(lost, 1, n)
        frac = src.payload_share[u] * lost / n
        ds = src.dose_share[dd, u]
        for lab, part in ((0, frac * (1.0 - ds)), (1, frac * ds)):
            if (src.peril if lab == 0 else src.dose_peril) is None:
                continue
            keep = part > 0
            out_y.append(yr[keep])
            out_s.append(sats[pos[keep]])
            out_d.append(part[keep])
            out_l.append(np.full(int(keep.sum()), lab if src.peril else 0, np.int64))
    if not out_y:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0), z
    del n_years
    return (np.concatenate(out_y), np.concatenate(out_s), np.concatenate(out_d),
            np.concatenate(out_l))


def simulate_block(hs: HazardSet, pol, seed: int, block: int, n_years: int = BLOCK_YEARS) -> BlockResult:
    """Simulate ``n_years`` years of block ``block`` (pure: no I/O).

    Parameters
    ----------
    hs : HazardSet
    pol : riskengine.config.Policy
    seed : int
        Root seed of the run.
    block : int
        Block index; its years are ``block * BLOCK_YEARS + 1 ...``.

    Examples
    --------
    >>> import numpy as np
    >>> from riskengine.config import Policy
    >>> hs = HazardSet(np.full(100, 1e8), np.zeros(100, int), ["s"], [])
    >>> hs.add_independent_failure("hardware", 0.02)
    >>> r = simulate_block(hs, Policy(), seed=1, block=0, n_years=1000)
    >>> bool(abs(r.gross.mean() / 1e8 - 2.0) < 0.2)
    True
    """
    rng = block_rng(seed, block)
    perils = hs.perils
    n_groups = len(hs.group_names)
    draw = (rng.integers(0, hs.n_draws, size=n_years) if hs.n_draws > 1
            else np.zeros(n_years, np.int64))

    ev_year, ev_peril, ev_direct = [], [], []  # direct: USD loss of compound events
    hit_ev, hit_sat, hit_dmg = [], [], []
    year_end = []  # events dated at the end of the policy year (capacity claims)
    fixed_time = []  # (events, times): sources that date their own events (launch campaigns)
    launch_fail = []  # (events, years, launches, source): failed launches, no satellite hits
    n_ev = 0
    for src in hs.sources:
        pc = perils.index(src.peril)
        if hasattr(src, "sample_failures"):  # riskengine.core.campaign.LaunchFailureSource
            yrs, lu = src.sample_failures(draw, rng)
            idx = n_ev + np.arange(len(yrs))
            launch_fail.append((idx, yrs, lu, src))
            ev_direct.append(np.zeros(len(yrs)))
            fixed_time.append((idx, np.zeros(len(yrs))))
        elif hasattr(src, "sample_events"):  # riskengine.core.campaign sources
            yrs, e, sat, dmg, t = src.sample_events(draw, rng)
            hit_ev.append(n_ev + e)
            hit_sat.append(sat)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
            fixed_time.append((n_ev + np.arange(len(yrs)), t))
        elif isinstance(src, CompoundSource):
            counts = sample_counts(src.frequency, n_years, rng)
            yrs = np.repeat(np.arange(n_years), counts)
            ev_direct.append(sample_severity(src.severity, len(yrs), rng))
        elif isinstance(src, CapacitySource):
            e, sat, dmg, lab = _capacity_claims(src, draw, rng)
            codes = np.array([perils.index(x) for x in src.labels], np.int16)
            yrs = e.astype(np.int64)
            hit_ev.append(n_ev + np.arange(len(yrs)))
            hit_sat.append(sat)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
            year_end.append(n_ev + np.arange(len(yrs)))
            ev_year.append(yrs)
            ev_peril.append(codes[lab])
            n_ev += len(yrs)
            continue
        elif isinstance(src, SatelliteSource):
            d = draw % src.n_draws
            w = src.rates * src.units.size[None, :]  # (n_draws, n_units)
            lam = w.sum(axis=1)
            counts = rng.poisson(lam[d])
            yrs = np.repeat(np.arange(n_years), counts)
            dd = d[yrs]
            cw = np.cumsum(w, axis=1) / np.where(lam > 0, lam, 1)[:, None]
            cw[:, -1] = 1.0
            flat = (cw + np.arange(src.n_draws)[:, None]).ravel()
            u = np.searchsorted(flat, rng.random(len(yrs)) + dd, side="right")
            u = np.minimum(u - dd * len(src.units.size), len(src.units.size) - 1)
            pos = src.units.offset[u] + (rng.random(len(yrs)) * src.units.size[u]).astype(np.int64)
            hit_ev.append(n_ev + np.arange(len(yrs)))
            hit_sat.append(src.units.sats[pos])
            hit_dmg.append(sample_damage(src.severity, src.sev_a[dd % len(src.sev_a)],
                                         src.sev_b[dd % len(src.sev_b)], rng))
            ev_direct.append(np.zeros(len(yrs)))
        else:  # EventSource
            d = draw % src.n_draws
            counts = rng.poisson(src.rate[d])
            yrs = np.repeat(np.arange(n_years), counts)
            dd = d[yrs]
            e, s = _event_hits(src, dd, rng)
            hit_ev.append(n_ev + e)
            hit_sat.append(s)
            de = dd[e]
            hit_dmg.append(sample_damage(src.severity, src.sev_a[de % len(src.sev_a)],
                                         src.sev_b[de % len(src.sev_b)], rng))
            ev_direct.append(np.zeros(len(yrs)))
        ev_year.append(yrs)
        ev_peril.append(np.full(len(yrs), pc, np.int16))
        n_ev += len(yrs)

    cat = (lambda xs, dt: np.concatenate(xs).astype(dt, copy=False) if xs else np.zeros(0, dt))
    ev_year = cat(ev_year, np.int64)
    ev_peril = cat(ev_peril, np.int16)
    ev_direct = cat(ev_direct, float)
    ev_time = rng.random(n_ev)
    if year_end:
        ev_time[np.concatenate(year_end)] = 1.0
    for idx, t in fixed_time:
        ev_time[idx] = t
    hit_ev, hit_sat, hit_dmg = cat(hit_ev, np.int64), cat(hit_sat, np.int64), cat(hit_dmg, float)
    # failed launches: every other hit that year on a satellite of the launch is void (it
    # never reached orbit); the launch's own loss is added per occurrence below
    for _idx, yrs, lu, src in launch_fail:
        if not len(yrs) or not len(hit_sat):
            continue
        owner = src.sat_launch(hs.n_sats)[hit_sat]
        failed = np.zeros(n_years * src.n_launches + 1, bool)
        failed[yrs * src.n_launches + lu] = True
        key = np.where(owner >= 0, ev_year[hit_ev] * src.n_launches + owner, len(failed) - 1)
        keep = ~failed[key]
        hit_ev, hit_sat, hit_dmg = hit_ev[keep], hit_sat[keep], hit_dmg[keep]

    # ---- depletion: order hits by (year, satellite, event time); a satellite's damage in a
    # year accumulates, and the hit that takes it to ctl_threshold is a constructive total
    # loss (it removes everything left); later hits that year find nothing left
    order = np.lexsort((ev_time[hit_ev], hit_sat, ev_year[hit_ev]))
    hit_ev, hit_sat, hit_dmg = hit_ev[order], hit_sat[order], hit_dmg[order]
    remaining, ctl = deplete(ev_year[hit_ev] * max(hs.n_sats, 1) + hit_sat, hit_dmg,
                             pol.ctl_threshold)
    si = hs.sum_insured[hit_sat] if len(hit_sat) else np.zeros(0)
    gu_hit, ins_hit, _ = fm.satellite_terms(hit_dmg, remaining, si, deductible=pol.deductible,
                                            ctl_threshold=pol.ctl_threshold,
                                            partial_loss=pol.partial_loss, ctl=ctl)

    # ---- occurrence level
    ev_sats = _sum(hit_ev, remaining > 0, n_ev).astype(np.int64)
    ev_gu = ev_direct + _sum(hit_ev, gu_hit, n_ev)
    ev_ins = ev_direct + _sum(hit_ev, ins_hit, n_ev)
    launch_ev = []   # (events, years, launches, insured, satellites, group)
    for idx, yrs, lu, src in launch_fail:
        if not len(yrs):
            continue
        gu_l, ins_l, k_l = src.launch_losses(hs.sum_insured, lambda d, r, si: fm.satellite_terms(
            d, r, si, deductible=pol.deductible, ctl_threshold=pol.ctl_threshold,
            partial_loss=pol.partial_loss, ctl=np.ones(len(si), bool)))
        ev_gu[idx] += gu_l[lu]
        ev_ins[idx] += ins_l[lu]
        ev_sats[idx] += k_l[lu]
        grp = hs.group[src.units.sats[src.units.offset[lu]]]
        launch_ev.append((idx, yrs, lu, ins_l[lu], k_l[lu], grp))
    ev_loss = fm.occurrence_terms(ev_ins, pol)

    # ---- aggregate level
    pre = _sum(ev_year, ev_loss, n_years)
    gross = fm.aggregate_terms(pre, pol)
    ground_up = _sum(ev_year, ev_gu, n_years)
    oep = np.zeros(n_years)
    if n_ev:
        np.maximum.at(oep, ev_year, ev_loss)
    ceded = fm.reinsurance(gross, pol.reinsurance, ev_loss, ev_year, n_years)

    # ---- pro-rata allocation of the annual loss to perils and fleet groups
    factor = np.divide(gross, pre, out=np.zeros(n_years), where=pre > 0)
    ev_alloc = ev_loss * factor[ev_year]
    n_p = len(perils)
    by_peril = _sum(ev_year * n_p + ev_peril, ev_alloc, n_years * n_p).reshape(n_years, n_p)
    share = np.divide(ev_alloc, ev_ins, out=np.zeros(n_ev), where=ev_ins > 0)
    g = n_groups + 1
    hit_grp = hs.group[hit_sat] if len(hit_sat) else np.zeros(0, np.int64)
    by_group = _sum(ev_year[hit_ev] * g + hit_grp, ins_hit * share[hit_ev], n_years * g)
    direct_grp = np.full(n_ev, n_groups, np.int64)
    by_group += _sum(ev_year * g + direct_grp, ev_direct * share, n_years * g)
    for idx, yrs, _lu, ins, _k, grp in launch_ev:
        by_group += _sum(yrs * g + grp, ins * share[idx], n_years * g)
    by_group = by_group.reshape(n_years, g)

    camp = None
    if getattr(hs, "campaign", None) is not None:
        le = None
        if launch_ev:
            le = tuple(np.concatenate(x) for x in zip(*[
                (yrs, lu, ins * share[idx], k) for idx, yrs, lu, ins, k, _g in launch_ev]))
        camp = hs.campaign.block_summary(n_years, perils, ev_year, ev_peril, hit_ev, hit_sat,
                                         ins_hit * share[hit_ev], ctl, ev_direct * share, le)

    eo = np.lexsort((ev_time, ev_year))
    return BlockResult(n_years, gross, ground_up, oep, ceded, by_peril, by_group,
                       ev_year[eo], ev_peril[eo], ev_sats[eo], ev_loss[eo], ev_gu[eo],
                       campaign=camp)


def compact_events(r: BlockResult, min_loss: float) -> BlockResult:
    """Sum the occurrences with ground-up loss below ``min_loss`` into one row per year and
    peril (``ev_count`` says how many); larger ones keep their own rows. In place.

    Year-level results are untouched: only the event table gets shorter. A million-satellite
    fleet has ~30,000 attritional satellite losses a year; 20,000 years of them one row
    each would be a 6e8-row ELT.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.zeros(2)
    >>> r = BlockResult(2, z, z, z, np.zeros((0, 2)), z[:, None], z[:, None],
    ...                 np.array([0, 0, 0, 1]), np.array([0, 0, 1, 0], np.int16),
    ...                 np.array([1, 1, 1, 1]), np.array([5., 50., 7., 6.]),
    ...                 np.array([5., 50., 7., 6.]))
    >>> c = compact_events(r, 10.0)
    >>> c.ev_year.tolist(), c.ev_loss.tolist(), c.occurrences().tolist()
    ([0, 0, 0, 1], [50.0, 5.0, 7.0, 6.0], [1, 1, 1, 1])
    """
    if min_loss <= 0 or not len(r.ev_year):
        return r
    small = r.ev_ground_up < min_loss
    if not small.any():
        return r
    n_p = int(r.ev_peril.max()) + 1
    key = r.ev_year[small].astype(np.int64) * n_p + r.ev_peril[small]
    uk, inv = np.unique(key, return_inverse=True)
    cnt = r.occurrences()
    agg = lambda x: np.bincount(inv, weights=x[small], minlength=len(uk))  # noqa: E731
    big = ~small
    year = np.concatenate([r.ev_year[big], uk // n_p])
    order = np.argsort(year, kind="stable")
    r.ev_year = year[order].astype(r.ev_year.dtype)
    r.ev_peril = np.concatenate([r.ev_peril[big], (uk % n_p).astype(r.ev_peril.dtype)])[order]
    r.ev_sats = np.concatenate([r.ev_sats[big], agg(r.ev_sats).astype(np.int64)])[order]
    r.ev_loss = np.concatenate([r.ev_loss[big], agg(r.ev_loss)])[order]
    r.ev_ground_up = np.concatenate([r.ev_ground_up[big], agg(r.ev_ground_up)])[order]
    r.ev_count = np.concatenate([cnt[big], np.bincount(inv, weights=cnt[small],
                                                        minlength=len(uk)).astype(np.int64)])[order]
    return r


def expected_hits_per_year(hs: HazardSet) -> float:
    """Mean number of satellite hits plus occurrences per simulated year (over draws).

    Examples
    --------
    >>> import numpy as np
    >>> hs = HazardSet(np.full(1000, 1e8), np.zeros(1000, int), ["s"], [])
    >>> hs.add_independent_failure("hardware", 0.02)
    >>> round(expected_hits_per_year(hs), 1)  # 2 x 1000 x -log(1 - 0.02): hit + occurrence
    40.4
    """
    total = 0.0
    for src in hs.sources:
        if hasattr(src, "expected_hits"):  # riskengine.core.campaign sources
            total += src.expected_hits()
        elif isinstance(src, CompoundSource):
            m = getattr(src.frequency, "mean", 1.0)
            total += float(m) if isinstance(m, (int, float)) else 1.0
        elif isinstance(src, CapacitySource):
            p_hit = 1.0 - src.p0.mean(axis=0)
            total += 2.0 * len(src.labels) * float((p_hit * src.units.size).sum())
        elif isinstance(src, SatelliteSource):
            total += 2.0 * float(np.mean((src.rates * src.units.size[None, :]).sum(axis=1)))
        else:
            hits = (src.hit_probability * src.units.size[None, :]).sum(axis=1)
            total += float(np.mean(src.rate * (1.0 + hits)))
    return total


def block_years(hs: HazardSet, max_years: int = BLOCK_YEARS) -> int:
    """Years per block: :data:`BLOCK_YEARS`, fewer when a year holds many hits.

    A function of the hazard set only, so the blocks (and the tables) are the same
    whatever the number of workers.

    Examples
    --------
    >>> import numpy as np
    >>> hs = HazardSet(np.full(1_000_000, 3e6), np.zeros(1_000_000, int), ["s"], [])
    >>> hs.add_independent_failure("hardware", 0.02)
    >>> block_years(hs)  # 2e6 // 40,405 expected hits and occurrences a year
    49
    """
    e = expected_hits_per_year(hs)
    return int(max(1, min(max_years, HITS_PER_BLOCK // max(e, 1.0))))


def blocks(years: int, size: int = BLOCK_YEARS) -> list[tuple[int, int]]:
    """(block index, years in block) covering ``years`` years in blocks of ``size``."""
    return [(b, min(size, years - b * size)) for b in range((years + size - 1) // size)]


def run_block(shared, task) -> BlockResult:
    """Executor task: ``shared = (hazard_set, policy, seed)``, ``task = (block, n_years)``."""
    hs, pol, seed = shared
    b, n = task
    return simulate_block(hs, pol, seed, b, n)
