"""Event-based Monte Carlo over simulated years, in fixed-size blocks of years.

Every block of :data:`BLOCK_YEARS` years draws from its own random stream,
``SeedSequence(seed, spawn_key=(block,))``, so the same seed gives the same tables bit for
bit whatever the write chunk size or the number of worker processes (a Dask scale-out maps
:func:`simulate_block` over block indices the same way).

Inside a block everything is vectorised over events and hits (no Python loop over years or
satellites): event counts per year per source, hits per event, damage per hit, then the
collisions with the fleet's own derelicts, drawn from that year's failures
(:class:`riskengine.core.sources.DerelictSource`: a year with more failures has more), depletion
within the year (hits sorted by year, satellite and time of the event; a satellite's
remaining capacity is one minus what earlier hits that year removed), then the financial
module of :mod:`riskengine.core.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskengine.core import policy as fm
from riskengine.core.derelict import exposure_in_year
from riskengine.core.sources import (
    BatchSource,
    CapacitySource,
    CompoundSource,
    DerelictSource,
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


def source_rngs(seed: int, block: int, labels: list[str]) -> list[np.random.Generator]:
    """One random stream per loss source of block ``block``, keyed by the source's label
    (and its rank among sources of the same label), not by its position: adding, removing
    or changing one peril leaves every other peril's draws unchanged — the common random
    numbers of the sensitivity analysis.

    Examples
    --------
    >>> a = source_rngs(1, 0, ["storm", "hardware"])[1].random()
    >>> b = source_rngs(1, 0, ["hardware"])[0].random()
    >>> a == b
    True
    """
    import zlib

    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        k = seen.get(lab, 0)
        seen[lab] = k + 1
        key = (int(block), zlib.crc32(lab.encode("utf-8")), k)
        out.append(np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=key)))
    return out


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


def _select(q: np.ndarray, m: int, rng: np.random.Generator):
    """Each of ``m`` positions is selected independently with probability ``q[r]`` in row
    ``r``: ``(row, position)`` of every selection, by row.

    Sparse rows (small ``q``) draw a binomial count and distinct positions
    (:func:`_pick_distinct`); dense ones a Bernoulli matrix in batches of rows (bounded
    memory) — the same distribution, without the redraws of a near-full pick.
    """
    q = np.clip(np.asarray(q, float), 0.0, 1.0)
    if m == 0 or not len(q):
        z = np.zeros(0, np.int64)
        return z, z
    if np.all(q <= 0.1):
        return _pick_distinct(rng.binomial(m, q), m, rng)
    step = max(1, _DENSE_CELLS // m)
    rs, ps = [], []
    for a in range(0, len(q), step):
        hit = rng.random((min(step, len(q) - a), m)) < q[a:a + step, None]
        r_, p_ = np.nonzero(hit)
        rs.append(r_ + a)
        ps.append(p_)
    return np.concatenate(rs).astype(np.int64), np.concatenate(ps).astype(np.int64)


def _event_hits(src: EventSource, ev_draw: np.ndarray, rng: np.random.Generator):
    """(event index, satellite) of every hit of shared events."""
    out_e, out_s = [], []
    for u in range(len(src.units.size)):
        m = int(src.units.size[u])
        sats = src.units.sats[src.units.offset[u]:src.units.offset[u] + m]
        q = src.hit_probability[ev_draw % src.n_draws, u]
        if m == 0 or not len(ev_draw):
            continue
        e, p = _select(q, m, rng)
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
    one per satellite and year. A claim's lost units come from random failure and dose
    together; it is booked under one cause (label 0 random, 1 dose), drawn with the dose
    share of the satellite's failure probability, so the perils' expected losses are
    exact while one satellite's year stays one claim with one deductible."""
    d = draw % src.n_draws
    out_y, out_s, out_d, out_l = [], [], [], []
    for u in range(len(src.units.size)):
        m = int(src.units.size[u])
        n = int(src.accelerators[u])
        if m == 0 or n == 0:
            continue
        sats = src.units.sats[src.units.offset[u]:src.units.offset[u] + m]
        yr, pos = _select(1.0 - src.p0[d, u], m, rng)          # satellites with a loss
        dd = d[yr]
        cdf = src.cdf[:, u, :n + 1]
        flat = (cdf + np.arange(src.n_draws)[:, None] * 2.0).ravel()
        lost = np.searchsorted(flat, rng.random(len(yr)) + dd * 2.0, side="right") - dd * (n + 1)
        lost = np.clip(lost, 1, n)
        dose = rng.random(len(yr)) < src.dose_share[dd, u]
        if src.peril is None:
            dose[:] = True
        elif src.dose_peril is None:
            dose[:] = False
        out_y.append(yr)
        out_s.append(sats[pos])
        out_d.append(src.payload_share[u] * lost / n)
        out_l.append(dose.astype(np.int64) if src.peril else np.zeros(len(yr), np.int64))
    if not out_y:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0), z
    return (np.concatenate(out_y), np.concatenate(out_s), np.concatenate(out_d),
            np.concatenate(out_l))


def _batch_hits(src: BatchSource, draw: np.ndarray, rng: np.random.Generator):
    """Serial defects of a block: ``(event year, event unit)`` of each defect and
    ``(event index, satellite, damage)`` of each satellite it affects."""
    d = draw % src.n_draws
    n_units = len(src.units.size)
    k = rng.binomial(n_units, src.defect_probability[d])        # defective batches a year
    yr, unit = _pick_distinct(k, n_units, rng)
    if not len(yr):
        z = np.zeros(0, np.int64)
        return z, z, z, z, np.zeros(0)
    dd = d[yr]
    share = rng.beta(src.affected_a[dd], src.affected_b[dd])
    lost = rng.beta(src.lost_a[dd], src.lost_b[dd])
    m = src.units.size[unit]
    width = int(m.max())
    u = rng.random((len(yr), width))
    affected = (u < share[:, None]) & (np.arange(width)[None, :] < m[:, None])
    e, pos = np.nonzero(affected)
    total = rng.random(len(e)) < lost[e]
    dmg = np.where(total, 1.0, src.partial_damage)
    sats = src.units.sats[src.units.offset[unit[e]] + pos]
    return yr, unit, e, sats, dmg


def _derelict_hits(src: DerelictSource, hs: HazardSet, ev_year, ev_peril, ev_time, hit_ev,
                   hit_sat, hit_dmg, draw, n_years: int, rng: np.random.Generator):
    """Collisions with the fleet's derelicts in a block: ``(year, satellite, time)`` of each.

    The derelicts of a year are the satellites lost (damage 1) to one of ``src.triggers``
    that year, each from the time of its first such loss; every one of them passes the
    target bands of its group and draws Poisson collisions over its exposure there
    (:func:`riskengine.core.derelict.exposure_in_year`). Derelicts present at inception add
    Poisson(``base_rate[d]``) collisions per unit and year, uniform in time.
    """
    perils = hs.perils
    codes = [perils.index(x) for x in src.triggers if x in perils]
    ys, us, ts = [], [], []
    if codes and len(hit_ev):
        m = np.isin(ev_peril[hit_ev], codes) & (hit_dmg >= 1.0 - 1e-9)
        fy, fs, ft = ev_year[hit_ev[m]], hit_sat[m], ev_time[hit_ev[m]]
        key = fy * max(hs.n_sats, 1) + fs
        o = np.lexsort((ft, key))
        first = np.ones(len(o), bool)
        first[1:] = key[o][1:] != key[o][:-1]
        fy, fs, ft = fy[o][first], fs[o][first], ft[o][first]
        fg = hs.group[fs]
        for g in np.unique(fg):
            pairs = np.flatnonzero(src.source_group == g)
            if not pairs.size:
                continue
            fi = np.flatnonzero(fg == g)
            f = np.repeat(fi, pairs.size)
            p = np.tile(pairs, fi.size)
            expo = exposure_in_year(ft[f], src.delay[p], src.dwell[p])
            cnt = rng.poisson(expo * src.rate[p])
            r = np.repeat(np.arange(f.size), cnt)
            start = np.minimum(1.0, ft[f[r]] + src.delay[p[r]])
            ys.append(fy[f[r]])
            us.append(src.target_unit[p[r]])
            ts.append(start + rng.random(r.size) * expo[r])
    nu = len(src.units.size)
    lam = src.base_rate[draw % src.n_draws]                       # (n_years, n_units)
    cnt = rng.poisson(lam).ravel()
    cell = np.repeat(np.arange(n_years * nu), cnt)
    ys.append(cell // nu)
    us.append(cell % nu)
    ts.append(rng.random(cell.size))
    y = np.concatenate(ys).astype(np.int64)
    u = np.concatenate(us).astype(np.int64)
    t = np.concatenate(ts)
    pos = src.units.offset[u] + (rng.random(u.size) * src.units.size[u]).astype(np.int64)
    return y, src.units.sats[pos], t


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
    n_ev = 0
    streams = source_rngs(seed, block, ["\x00".join(getattr(src, "labels", None) or [src.peril])
                                        for src in hs.sources])
    block_stream = rng
    deferred = []   # derelict sources: drawn from the year's failures, after all the others
    for src, rng in zip(hs.sources, streams):
        pc = perils.index(src.peril) if src.peril in perils else -1
        if isinstance(src, DerelictSource):
            deferred.append((src, rng, pc))
            continue
        if isinstance(src, CompoundSource):
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
        elif isinstance(src, BatchSource):
            yrs, _, e, sat, dmg = _batch_hits(src, draw, rng)
            hit_ev.append(n_ev + e)
            hit_sat.append(sat)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
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
    rng = block_stream
    ev_time = rng.random(n_ev)
    if year_end:
        ev_time[np.concatenate(year_end)] = 1.0
    hit_ev, hit_sat, hit_dmg = cat(hit_ev, np.int64), cat(hit_sat, np.int64), cat(hit_dmg, float)
    for src, drng, pc in deferred:   # each from its own stream: the others' draws unchanged
        y, sat, t = _derelict_hits(src, hs, ev_year, ev_peril, ev_time, hit_ev, hit_sat,
                                   hit_dmg, draw, n_years, drng)
        k = len(y)
        hit_ev = np.concatenate([hit_ev, n_ev + np.arange(k)])
        hit_sat = np.concatenate([hit_sat, sat])
        hit_dmg = np.concatenate([hit_dmg, np.ones(k)])
        ev_year = np.concatenate([ev_year, y])
        ev_peril = np.concatenate([ev_peril, np.full(k, pc, np.int16)])
        ev_direct = np.concatenate([ev_direct, np.zeros(k)])
        ev_time = np.concatenate([ev_time, t])
        n_ev += k

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
    by_group = by_group.reshape(n_years, g)

    eo = np.lexsort((ev_time, ev_year))
    return BlockResult(n_years, gross, ground_up, oep, ceded, by_peril, by_group,
                       ev_year[eo], ev_peril[eo], ev_sats[eo], ev_loss[eo], ev_gu[eo])


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
        if isinstance(src, CompoundSource):
            m = getattr(src.frequency, "mean", 1.0)
            total += float(m) if isinstance(m, (int, float)) else 1.0
        elif isinstance(src, CapacitySource):
            p_hit = 1.0 - src.p0.mean(axis=0)
            total += 2.0 * len(src.labels) * float((p_hit * src.units.size).sum())
        elif isinstance(src, BatchSource):
            mean_hit = src.affected_a / (src.affected_a + src.affected_b)
            total += float(np.mean(src.defect_probability * (1.0 + mean_hit * src.units.size.mean()))
                           ) * len(src.units.size)
        elif isinstance(src, SatelliteSource):
            total += 2.0 * float(np.mean((src.rates * src.units.size[None, :]).sum(axis=1)))
        elif isinstance(src, DerelictSource):
            total += 2.0 * float(np.mean(src.base_rate.sum(axis=1)) + src.rate.sum())
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
