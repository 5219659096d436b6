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
module of :mod:`riskengine.core.policy` and the reinsurance of
:mod:`riskengine.core.reinsurance`.

Three financial perspectives are kept apart, year by year and occurrence by occurrence:
*ground-up* (the damage at the agreed value, before any term), *gross* (after the policy's
satellite, occurrence and aggregate terms; each occurrence pays its share of the aggregate
terms in the order occurrences happen) and *net* (gross minus what the reinsurance
recovers). OEP and AEP are taken on the same perspective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskengine.core import policy as fm
from riskengine.core.derelict import exposure_in_year
from riskengine.core.debris import cloud_hit_probability
from riskengine.core.reinsurance import cede, erode, kind_of
from riskengine.core.sources import (
    BatchSource,
    CapacitySource,
    ClusterSource,
    CompoundSource,
    DerelictSource,
    EventSource,
    HazardSet,
    SatelliteSource,
    SolarEventSource,
    lost_units_pmf,
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
#: one-year capacity claims in one compiled pass (False: the NumPy steps, the reference)
_CAPACITY_KERNEL = True
#: one-year satellite-source hits' satellites in one compiled pass (False: the NumPy steps)
_UNIT_KERNEL = True


def _memo(obj, key, make):
    """``make()`` computed once per source object and key (a block's draws are years; what
    depends only on the source and the policy is the same in every block of a run)."""
    memo = obj.__dict__.setdefault("_engine_memo", {})
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _unit_cdf(src) -> tuple[np.ndarray, np.ndarray]:
    """Per draw: the expected events of a :class:`SatelliteSource` and the flattened,
    draw-offset CDF over its units (the searchsorted table of :func:`simulate_block`)."""
    w = src.rates * src.units.size[None, :]  # (n_draws, n_units)
    lam = w.sum(axis=1)
    cw = np.cumsum(w, axis=1) / np.where(lam > 0, lam, 1)[:, None]
    cw[:, -1] = 1.0
    return lam, (cw + np.arange(src.n_draws)[:, None]).ravel()


def _sum(idx, weights, n: int) -> np.ndarray:
    """Float sums of ``weights`` by ``idx`` into ``n`` bins (float even when empty)."""
    return np.bincount(idx, weights=weights, minlength=n).astype(float, copy=False)


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The random stream of block ``block`` (independent of chunking and workers)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(block),)))


def source_labels(hs: HazardSet) -> list[str]:
    """Each source's label (its perils' labels joined): what keys its random stream
    (:func:`source_rngs`), so two hazard sets with the same list draw each source from the
    same stream.

    Examples
    --------
    >>> hs = HazardSet(np.full(2, 1e6), np.zeros(2, int), ["g"], [])
    >>> hs.add_independent_failure("hardware", 0.01)
    >>> source_labels(hs)
    ['hardware']
    """
    return ["\x00".join(getattr(src, "labels", None) or [src.peril]) for src in hs.sources]


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
    streams = _Streams(seed, block, labels)
    return [streams[i] for i in range(len(labels))]


class _Streams:
    """:func:`source_rngs`, each stream made when first asked for (a source whose draws a
    memo holds needs none)."""

    def __init__(self, seed: int, block: int, labels: list[str]):
        import zlib

        self.seed, self.keys, self.made = int(seed), [], {}
        seen: dict[str, int] = {}
        for lab in labels:
            k = seen.get(lab, 0)
            seen[lab] = k + 1
            self.keys.append((int(block), zlib.crc32(lab.encode("utf-8")), k))

    def __getitem__(self, i: int) -> np.random.Generator:
        g = self.made.get(i)
        if g is None:
            g = self.made[i] = np.random.default_rng(
                np.random.SeedSequence(self.seed, spawn_key=self.keys[i]))
        return g


@dataclass
class BlockResult:
    """Outputs of one block. Year index ``y`` is 0-based within the block.

    Year arrays (n_years,): ``gross`` (after all policy terms), ``ground_up``, ``net``
    (gross minus ceded), the largest occurrence of the year on each perspective
    (``oep_ground_up``, ``oep`` gross, ``oep_net``), ``ceded`` and ``rho`` (n_layers,
    n_years: recovered per layer, and each layer's reinstatement premium as a multiple of
    its upfront premium), ``draw`` (parameter draw of each year), ``by_peril`` (n_years,
    n_perils) and ``by_group`` (n_years, n_groups + 1; the last column is losses not tied
    to a satellite) — the net annual loss split by the occurrences' net losses — and
    ``by_peril_gross`` / ``by_group_gross``, the same on the gross.
    Event arrays (n_events,), sorted by year then time: ``ev_year``, ``ev_peril``,
    ``ev_sats``, ``ev_loss`` (after satellite + occurrence terms), ``ev_ground_up``,
    ``ev_gross`` (after the aggregate terms too), ``ev_net`` (after reinsurance).
    ``n_occ_limit`` / ``n_agg_limit``: years with an occurrence at the occurrence limit /
    with the aggregate limit reached.
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
    ev_gross: np.ndarray | None = None
    ev_net: np.ndarray | None = None
    oep_ground_up: np.ndarray | None = None
    oep_net: np.ndarray | None = None
    rho: np.ndarray | None = None
    by_peril_gross: np.ndarray | None = None
    by_group_gross: np.ndarray | None = None
    draw: np.ndarray | None = None
    n_occ_limit: int = 0
    n_agg_limit: int = 0
    #: launch campaigns: :meth:`riskengine.core.campaign.Campaign.block_summary`
    campaign: dict | None = None

    def occurrences(self) -> np.ndarray:
        return np.ones(len(self.ev_year), np.int64) if self.ev_count is None else self.ev_count

    @property
    def net(self) -> np.ndarray:
        return self.gross - (self.ceded.sum(axis=0) if self.ceded.shape[0] else 0.0)


def _pick_distinct(n_pick: np.ndarray, m: int, rng: np.random.Generator):
    """For each event e choose ``n_pick[e]`` distinct positions in 0..m-1.

    Returns (event index, position) of every pick. Draws with replacement and redraws the
    duplicates (cheap when picks are a small share of m).
    """
    ev = np.repeat(np.arange(len(n_pick)), n_pick)
    pos = rng.integers(0, m, size=len(ev))
    # by event, then position: one sort of one integer key (equal keys are equal picks, so
    # the sort need not be stable, nor an argsort); as 32-bit integers when the keys fit
    # (the vectorised sort takes twice as many at once: a million-satellite year's
    # breakup hits sort in 3.1 ms, not 5.3)
    key = ev * np.int64(m) + pos
    if len(n_pick) * int(m) <= np.iinfo(np.int32).max:
        key = np.sort(key.astype(np.int32)).astype(np.int64)
    else:
        key = np.sort(key)
    ev, pos = key // m, key % m
    dup = np.zeros(len(ev), bool)
    dup[1:] = (ev[1:] == ev[:-1]) & (pos[1:] == pos[:-1])
    while dup.any():
        pos[dup] = rng.integers(0, m, size=int(dup.sum()))
        # re-sort only the events that had duplicates (each is a contiguous run of rows:
        # found by bisection in the sorted events, not by a pass over all of them)
        ue = np.unique(ev[dup])
        lo, hi = np.searchsorted(ev, ue, "left"), np.searchsorted(ev, ue, "right")
        rows = _ranges(lo, hi - lo)
        pe = ev[rows]
        pp = np.sort(pe * np.int64(m) + pos[rows]) % m
        pos[rows] = pp
        d = (pe[1:] == pe[:-1]) & (pp[1:] == pp[:-1])
        dup[:] = False
        dup[rows[1:][d]] = True
    return ev, pos


def _ranges(start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """``start[i] .. start[i] + size[i] - 1`` of every ``i``, back to back.

    Examples
    --------
    >>> _ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    return np.repeat(start - np.cumsum(size) + size, size) + np.arange(int(size.sum()))


def _stable_argsort(x: np.ndarray) -> np.ndarray:
    """``np.argsort(x, kind="stable")`` of a NaN-free array, four times faster on a few
    hundred thousand random floats: the unstable (introsort) argsort, then the runs of
    equal values (rare for event times, but there are some: every failed launch is at
    time 0) put back in index order.

    Examples
    --------
    >>> x = np.array([0.5, 0.0, 0.2, 0.0, 0.5, 0.0])
    >>> _stable_argsort(x).tolist() == np.argsort(x, kind="stable").tolist()
    True
    """
    o = np.argsort(x)
    if len(o) < 2:
        return o
    s = x[o]
    eq = s[1:] == s[:-1]
    if eq.any():
        tied = np.zeros(len(o), bool)
        tied[1:] = eq
        tied[:-1] |= eq
        pos = np.flatnonzero(tied)
        run = np.cumsum(np.concatenate([[True], ~eq]))[pos]   # its run of equal values
        n = np.int64(len(o))
        o[pos] = np.sort(run * n + o[pos]) % n                # each run by index
    return o


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
    from riskengine.core._kernels import below

    step = max(1, _DENSE_CELLS // m)
    rs, ps = [], []
    for a in range(0, len(q), step):
        # np.nonzero(uniforms < q) of the batch, compiled (no boolean matrix)
        r_, p_ = below(rng.random((min(step, len(q) - a), m)), q[a:a + step])
        rs.append(r_ + a)
        ps.append(p_)
    return np.concatenate(rs), np.concatenate(ps)


def _event_hits(src: EventSource, ev_draw: np.ndarray, rng: np.random.Generator,
                q_event: np.ndarray | None = None):
    """(event index, satellite) of every hit of shared events (``q_event``: the hit
    probability of each event and unit, when it depends on the event)."""
    out_e, out_s = [], []
    for u in range(len(src.units.size)):
        m = int(src.units.size[u])
        sats = src.units.sats[src.units.offset[u]:src.units.offset[u] + m]
        q = (src.hit_probability[ev_draw % src.hit_probability.shape[0], u]
             if q_event is None else q_event[:, u])
        if m == 0 or not len(ev_draw):
            continue
        e, p = _select(q, m, rng)
        out_e.append(e)
        out_s.append(sats[p])
    if not out_e:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_e), np.concatenate(out_s)


def _damage(src, dd, rng: np.random.Generator, n: int | None = None) -> np.ndarray:
    """Damage of hits whose parameter draws are ``dd`` (or ``n`` hits of the one draw
    ``dd``); severity ``mixture`` is a total loss with probability ``sev_total`` and
    Beta(a, b) otherwise."""
    if np.ndim(dd) == 0:               # one draw for n hits: no array of it
        dd, n = np.full(1, dd), int(n)
    else:
        n = len(dd)
    if src.severity == "total":        # (no parameters to look up)
        return np.ones(n)
    if len(dd) and dd[0] == dd.min() == dd.max():
        # one draw for every hit (a one-year block): scalar parameters, the same draws
        pick = lambda x: np.asarray(x)[dd[0] % len(x)]  # noqa: E731
    else:
        pick = lambda x: np.asarray(x)[dd % len(x)]  # noqa: E731
    a, b = pick(src.sev_a), pick(src.sev_b)
    if src.severity == "mixture":
        total = rng.random(n) < pick(src.sev_total if src.sev_total is not None else [0.0])
        return np.where(total, 1.0, rng.beta(a, b, size=n))
    if src.severity == "beta":
        return rng.beta(a, b, size=n)
    return sample_damage(src.severity, np.broadcast_to(a, n), np.broadcast_to(b, n), rng)


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


def deplete_hits(key: np.ndarray, time: np.ndarray, damage: np.ndarray, ctl_threshold: float,
                 n_keys: int | None = None):
    """:func:`deplete` of hits in any order: ``(remaining, ctl)`` in the hits' own order.

    ``key`` (satellite and year) groups the hits, ``time`` orders a group's hits (ties: the
    hits' order). A hit alone in its group keeps everything (``remaining`` 1, a constructive
    total loss when its own damage reaches ``ctl_threshold``); only the hits of satellites
    hit more than once in a year are sorted, by one integer key, and depleted (a
    million-satellite year has ~1.7 M hits: a 3-key lexsort of all of them took 0.4-0.7 s).
    ``n_keys`` (keys lie in ``[0, n_keys)``) lets the groups be counted without sorting.

    Examples
    --------
    >>> rem, ctl = deplete_hits(np.array([1, 0, 0, 0]), np.array([0.1, 0.9, 0.2, 0.5]),
    ...                         np.array([0.5, 0.3, 0.4, 0.4]), 0.75)
    >>> rem.round(2).tolist(), ctl.tolist()
    ([1.0, 0.0, 1.0, 0.6], [False, False, False, True])
    """
    d = np.clip(np.asarray(damage, float), 0.0, 1.0)
    if n_keys is not None and _counting_sort_fits(len(key), n_keys):
        # (every hit its own occurrence in year 0 of a fleet of n_keys: the key itself)
        n = len(key)
        return _deplete_compiled(np.arange(n), np.asarray(key), np.zeros(n, np.int64),
                                 np.asarray(time, float), d, n_keys, n_keys, ctl_threshold)
    return _deplete_hits_sorted(key, time, d, ctl_threshold, n_keys)


def deplete_event_hits(hit_ev: np.ndarray, hit_sat: np.ndarray, ev_year: np.ndarray,
                       ev_time: np.ndarray, damage: np.ndarray, n_sats: int, n_years: int,
                       ctl_threshold: float):
    """:func:`deplete_hits` of a block's hits, keyed by satellite and year of their
    occurrence ``hit_ev`` and ordered by its time: the compiled kernel looks both up
    itself (no key or time array of ~a million hits is made, nor counted by a bincount).

    Examples
    --------
    Occurrence 1 hits satellite 0 twice at time 0.9, after occurrence 2 hit it at 0.5:

    >>> rem, ctl = deplete_event_hits(np.array([0, 1, 1, 2]), np.array([1, 0, 0, 0]),
    ...                               np.array([0, 0, 0]), np.array([0.1, 0.9, 0.5]),
    ...                               np.array([0.5, 0.3, 0.4, 0.4]), 2, 1, 0.75)
    >>> rem.round(2).tolist(), ctl.tolist()
    ([1.0, 0.6, 0.3, 1.0], [False, False, True, False])
    """
    n_keys = n_years * max(n_sats, 1)
    if _counting_sort_fits(len(hit_ev), n_keys):   # (the kernel clips the damage itself)
        return _deplete_compiled(hit_ev, hit_sat, ev_year, ev_time, np.asarray(damage, float),
                                 max(n_sats, 1), n_keys, ctl_threshold)
    d = np.clip(np.asarray(damage, float), 0.0, 1.0)
    return _deplete_hits_sorted(ev_year[hit_ev] * max(n_sats, 1) + hit_sat, ev_time[hit_ev], d,
                                ctl_threshold, n_keys)


def _counting_sort_fits(n: int, n_keys: int) -> bool:
    """Whether ``n`` hits with keys in ``[0, n_keys)`` are grouped by a counting sort (a
    pass over the keys' slots: worth it while there are not many more slots than hits, and
    4-byte keys) rather than by sorting."""
    return n >= 2 and n_keys <= min(8 * n + 10_000_000, 2 ** 31)


def _deplete_compiled(hit_ev, sat, ev_year, ev_time, d, n_sats, n_keys, ctl_threshold):
    """The compiled depletion (:func:`riskengine.core._kernels.deplete_grouped`): a
    counting sort by key instead of an argsort, the same numbers. The kernel checks the
    keys before it writes to the slot of each; a bad one is reported here."""
    from riskengine.core._kernels import deplete_grouped

    try:
        return deplete_grouped(np.asarray(hit_ev, np.int64), np.asarray(sat, np.int64),
                               np.asarray(ev_year, np.int64), np.asarray(ev_time, float),
                               np.asarray(d, float), int(n_sats), int(n_keys),
                               float(ctl_threshold))
    except ValueError:
        raise ValueError(f"hit keys outside [0, {n_keys}): satellites {sat.min()}.."
                         f"{sat.max()} of {n_sats}, years up to {ev_year.max(initial=0)}"
                         ) from None


def _deplete_hits_sorted(key, time, d, ctl_threshold, n_keys=None):
    """:func:`deplete_hits` by sorting (``d`` clipped): the reference of the compiled
    kernel, and its path for key ranges too large for a counting sort."""
    n = len(key)
    remaining = np.ones(n)
    ctl = d >= ctl_threshold - 1e-12
    if n < 2:
        return remaining, ctl
    if n_keys is not None and n_keys <= 8 * n + 10_000_000:   # (counted, not sorted)
        multi = (np.bincount(key, minlength=n_keys) > 1)[key]
    else:
        o = np.argsort(key, kind="stable")
        ks = key[o]
        dup = np.zeros(n, bool)
        dup[1:] = ks[1:] == ks[:-1]
        dup[:-1] |= dup[1:]
        multi = np.zeros(n, bool)
        multi[o] = dup
    m = np.flatnonzero(multi)
    if m.size:
        km = key[m]
        if int(km.max()) < 2 ** 31:
            # one integer sort: key, then time to 2^-31 of a year (15 ms; closer hits of a
            # satellite count as simultaneous and keep their order)
            tq = np.floor(np.clip(time[m], 0.0, 1.0) * 2.0 ** 31).astype(np.int64)
            order = m[_stable_argsort(km * 2 ** 32 + tq)]
        else:
            order = m[np.lexsort((time[m], km))]
        remaining[order], ctl[order] = deplete(key[order], d[order], ctl_threshold)
    return remaining, ctl


def _solar_year(sol, u: int, n: int, d: np.ndarray, annual_fluence: np.ndarray):
    """A capacity unit's distribution in the years with solar-proton dose: ``(years,
    p0, cdf, dose share, solar share)`` for the years ``years`` whose sampled fluence is
    positive, with the dose failure probability at the trapped dose plus that year's solar
    dose (:func:`riskengine.core.radiation.conditional_failure_probability`)."""
    from riskengine.core.radiation import conditional_failure_probability

    s_dose = annual_fluence * sol.rad_per_fluence[u]
    sy = np.flatnonzero(s_dose > 0)
    if not len(sy):
        return sy, None, None, None, None
    ds = d[sy]
    pr, pd0 = sol.p_random[ds, u], sol.p_dose[ds, u]
    pd = np.maximum(conditional_failure_probability(
        sol.dose_before[u], sol.dose_year[u] + s_dose[sy], sol.mu[ds, u], sol.sigma[ds, u]), pd0)
    pmf = lost_units_pmf(n, int(sol.spares[u]), pr, pd, sol.used_before[ds, u])
    tail = pmf.copy()
    tail[:, 0] = 0.0
    tot = tail.sum(axis=1, keepdims=True)
    cdf = np.cumsum(tail, axis=1) / np.where(tot > 0, tot, 1.0)
    cdf[:, -1] = 1.0
    q_any = 1.0 - (1.0 - pr) * (1.0 - pd)
    share = np.divide(pd, q_any, out=np.zeros(len(sy)), where=q_any > 0)
    solar_share = np.divide(pd - pd0, pd, out=np.zeros(len(sy)), where=pd > 0)
    return sy, pmf[:, 0], cdf, share, solar_share


def _row_search(flat: np.ndarray, width: int, row: np.ndarray, r: np.ndarray,
                step: float = 2.0) -> np.ndarray:
    """Index in its row of each ``r`` (uniforms) in a flattened table of CDF rows of
    ``width`` entries, row ``i`` offset by ``step * i`` (so one ``searchsorted`` serves
    every row): ``searchsorted(flat, r + step * row, "right") - row * width``. When every
    query is in one row (a large fleet's one-year blocks) only that row is searched: the
    same index (the rows before it are below every query of the row, those after it above;
    ``step`` 1 leaves a query rounded up to the next row's first entry to the caller's clip).

    Examples
    --------
    >>> flat = (np.array([[0.5, 1.0], [0.2, 1.0]]) + np.array([[0.0], [2.0]])).ravel()
    >>> _row_search(flat, 2, np.array([0, 1, 1]), np.array([0.3, 0.3, 0.1])).tolist()
    [0, 1, 0]
    >>> _row_search(flat, 2, np.array([1, 1]), np.array([0.3, 0.1])).tolist()
    [1, 0]
    """
    if len(row) and row[0] == row.min() == row.max():
        from riskengine.core._kernels import search_row

        lo = int(row[0]) * width
        return search_row(flat[lo:lo + width], float(row[0] * step), np.asarray(r, float))
    return np.searchsorted(flat, r + row * step, side="right") - row * width


def _capacity_claims(src: CapacitySource, draw: np.ndarray, rng: np.random.Generator,
                     solar=None):
    """Capacity-loss claims of a block: ``(year, satellite, damage, label index)``, at most
    one per satellite and year. A claim's lost units come from random failure and dose
    together; it is booked under one cause (label 0 random, 1 dose), drawn with the dose
    share of the satellite's failure probability, so the perils' expected losses are
    exact while one satellite's year stays one claim with one deductible.

    With ``solar = (event_year, fluence)`` (the block's sampled solar particle events) and
    ``src.solar``, each year's dose adds that year's solar dose; a dose claim is booked to
    the solar events with the solar share of its dose-failure probability and becomes a hit
    of one of the year's events (chosen in proportion to their fluences): the fifth element
    ``(event index, satellite, damage)`` of those hits (``None`` without solar events)."""
    d = draw % src.n_draws
    n_years = len(draw)
    sol = src.solar if solar is not None else None
    if sol is not None:
        ev_year, fluence = solar
        annual = np.bincount(ev_year, weights=fluence, minlength=n_years)
        cum = np.cumsum(fluence)
        first = np.searchsorted(ev_year, np.arange(n_years), side="left")
        cum_before = np.concatenate([[0.0], cum])[first]
        last = np.searchsorted(ev_year, np.arange(n_years), side="right") - 1

        def solar_event(y_s):
            """The solar event each claim of years ``y_s`` is booked to: one of its year's
            events, in proportion to their fluences (one uniform each)."""
            target = cum_before[y_s] + rng.random(len(y_s)) * annual[y_s]
            return np.minimum(np.searchsorted(cum, target, side="right"), last[y_s])
    out_y, out_s, out_d, out_l = [], [], [], []
    sp_e, sp_s, sp_d = [], [], []
    for u in range(len(src.units.size)):
        m = int(src.units.size[u])
        n = int(src.accelerators[u])
        if m == 0 or n == 0:
            continue
        sats = src.units.sats[src.units.offset[u]:src.units.offset[u] + m]
        p0 = src.p0[d, u]
        sy = np.zeros(0, np.int64)
        if sol is not None:
            sy, p0_s, cdf_s, share_s, solar_s = _solar_year(sol, u, n, d, annual)
            if len(sy):
                p0 = p0.copy()
                p0[sy] = p0_s
                row = np.full(n_years, -1, np.int64)
                row[sy] = np.arange(len(sy))
        yr, pos = _select(1.0 - p0, m, rng)                    # satellites with a loss
        flat = _memo(src, ("flat_cdf", u), lambda: (
            src.cdf[:, u, :n + 1] + np.arange(src.n_draws)[:, None] * 2.0).ravel())
        if _CAPACITY_KERNEL and n_years == 1 and len(yr):
            # a one-year block (a large fleet's blocks): the same draws in the same order,
            # and the steps below in one compiled pass; in a year with solar dose, from
            # that year's distribution (row 0 of its table, offset 0), its dose share, and
            # the claims booked to the solar events taken out after it, as below
            from riskengine.core._kernels import capacity_claims

            d0 = int(d[0])
            if len(sy):
                row_c, off, sh = cdf_s[0], 0.0, float(share_s[0])
            else:
                row_c, off, sh = (flat[d0 * (n + 1):(d0 + 1) * (n + 1)], float(d[0] * 2.0),
                                  float(src.dose_share[d0, u]))
            r_lost = rng.random(len(yr))
            u_dose = rng.random(len(yr))
            dmg, lab, hit = capacity_claims(row_c, off, r_lost, u_dose, sh, n,
                                            float(src.payload_share[u]), pos, sats)
            both = bool(src.peril and src.dose_peril)
            if len(sy):
                # (dose: the label with both causes; every claim without a random cause,
                # none without a dose cause)
                dose = lab == 1 if both else np.full(len(yr), src.peril is None)
                cand = np.flatnonzero(dose)
                from_sun = np.zeros(len(yr), bool)
                from_sun[cand] = rng.random(len(cand)) < solar_s[0]
                if from_sun.any():
                    sp_e.append(solar_event(yr[from_sun]))
                    sp_s.append(hit[from_sun])
                    sp_d.append(dmg[from_sun])
                    keep = ~from_sun
                    yr, hit, dmg, lab = yr[keep], hit[keep], dmg[keep], lab[keep]
            if not both:    # (one label: random, or dose alone)
                lab[:] = 0
            out_y.append(yr)
            out_s.append(hit)
            out_d.append(dmg)
            out_l.append(lab)
            continue
        dd = d[yr]
        r_lost = rng.random(len(yr))
        share = src.dose_share[dd, u]
        in_sy = np.zeros(len(yr), bool)
        if len(sy):
            rr = row[yr]
            in_sy = rr >= 0
        if not in_sy.any():
            lost = _row_search(flat, n + 1, dd, r_lost)
        else:   # the claims of years with solar dose draw from that year's distribution
            lost = np.zeros(len(yr), np.int64)
            rest = ~in_sy
            if rest.any():
                lost[rest] = _row_search(flat, n + 1, dd[rest], r_lost[rest])
            k = rr[in_sy]
            flat_s = (cdf_s + np.arange(len(sy))[:, None] * 2.0).ravel()
            lost[in_sy] = _row_search(flat_s, n + 1, k, r_lost[in_sy])
            share = share.copy()
            share[in_sy] = share_s[k]
        lost = np.clip(lost, 1, n)
        dose = rng.random(len(yr)) < share
        if src.peril is None:
            dose[:] = True
        elif src.dose_peril is None:
            dose[:] = False
        dmg = src.payload_share[u] * lost / n
        if sol is not None:
            from_sun = np.zeros(len(yr), bool)
            if in_sy.any():
                cand = np.flatnonzero(dose & in_sy)
                from_sun[cand] = rng.random(len(cand)) < solar_s[row[yr[cand]]]
            if from_sun.any():
                sp_e.append(solar_event(yr[from_sun]))
                sp_s.append(sats[pos[from_sun]])
                sp_d.append(dmg[from_sun])
                keep = ~from_sun
                yr, pos, dmg, dose = yr[keep], pos[keep], dmg[keep], dose[keep]
        out_y.append(yr)
        out_s.append(sats[pos])
        out_d.append(dmg)
        out_l.append(dose.astype(np.int64) if src.peril else np.zeros(len(yr), np.int64))
    z = np.zeros(0, np.int64)
    solar_hits = None
    if sol is not None:
        solar_hits = ((np.concatenate(sp_e), np.concatenate(sp_s), np.concatenate(sp_d))
                      if sp_e else (z, z, np.zeros(0)))
    if not out_y:
        return z, z, np.zeros(0), z, solar_hits
    return (np.concatenate(out_y), np.concatenate(out_s), np.concatenate(out_d),
            np.concatenate(out_l), solar_hits)


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
        trigger = np.zeros(len(perils) + 1, bool)     # by peril code (-1: the last, none)
        trigger[codes] = True
        # each (year, satellite)'s first such loss, by key (compiled: no sort of them all)
        from riskengine.core._kernels import first_losses

        n_sats = max(hs.n_sats, 1)
        h = first_losses(np.asarray(hit_ev, np.int64), np.asarray(hit_sat, np.int64),
                         np.asarray(hit_dmg, float), np.asarray(ev_peril),
                         np.asarray(ev_year, np.int64), np.asarray(ev_time, float), trigger,
                         n_sats, n_years * n_sats)
        fy, fs, ft = ev_year[hit_ev[h]], hit_sat[h], ev_time[hit_ev[h]]
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


def _cluster_hits(src: ClusterSource, draw: np.ndarray, rng: np.random.Generator):
    """Collisions inside clusters: ``(event year)`` of each collision and ``(event index,
    satellite, damage)`` of the two colliding satellites and the fragments' hits."""
    d = draw % src.n_draws
    lam = src.rate[d]                                           # (n_years, n_units)
    counts = rng.poisson(lam)
    yr, unit = np.nonzero(counts)
    reps = counts[yr, unit]
    yr, unit = np.repeat(yr, reps), np.repeat(unit, reps)
    if not len(yr):
        z = np.zeros(0, np.int64)
        return z, z, z, np.zeros(0)
    m = src.units.size[unit]
    a = (rng.random(len(yr)) * m).astype(np.int64)
    b = (rng.random(len(yr)) * (m - 1)).astype(np.int64)
    b = b + (b >= a)                                            # a distinct partner
    width = int(m.max())
    frag = (rng.random((len(yr), width)) < src.fragment_probability) & (
        np.arange(width)[None, :] < m[:, None])
    frag[np.arange(len(yr)), a] = False
    frag[np.arange(len(yr)), b] = False
    fe, fp = np.nonzero(frag)
    e = np.concatenate([np.arange(len(yr)), np.arange(len(yr)), fe])
    pos = np.concatenate([a, b, fp])
    dmg = np.concatenate([np.full(2 * len(yr), src.pair_damage),
                          np.full(len(fe), src.fragment_damage)])
    sats = src.units.sats[src.units.offset[unit[e]] + pos]
    return yr, e, sats, dmg


def simulate_block(hs: HazardSet, pol, seed: int, block: int, n_years: int = BLOCK_YEARS,
                   min_loss: float = 0.0, memo: dict | None = None,
                   year_only: bool = False) -> BlockResult:
    """Simulate ``n_years`` years of block ``block`` (pure: no I/O).

    Parameters
    ----------
    hs : HazardSet
    pol : riskengine.config.Policy
    seed : int
        Root seed of the run.
    block : int
        Block index; its years are ``block * BLOCK_YEARS + 1 ...``.
    n_years : int
        Years in the block.
    min_loss : float
        Occurrences below it on the ground-up are summed into one event-table row per year
        and peril (the table of :func:`compact_events`); 0 keeps every one its own row.
    memo : dict, optional
        Each source's draws of this block, kept for the next hazard set that holds the same
        source object (the sensitivity cases: :func:`riskengine.sensitivity.run`). A source
        draws from its own stream (keyed by its label and rank), from the block's parameter
        draws and, for a source driven by solar particle events, from those events, so the
        same object draws the same in every hazard set with the same sources' labels and
        the same number of parameter draws; what the others make of its draws (the hits
        void on a failed launch, event times, depletion, terms) is done for each. Keep one
        memo per block and per list of sources' labels; it holds the block's draws until
        dropped.
    year_only : bool
        Only the year-level results on each perspective (annual losses, the years'
        largest occurrences, the layers' recoveries): no event table, no split by peril,
        fleet group or campaign phase (zeros and None). They are the same to the bit: the
        event table and the splits are made from them, after them (what pricing a case of
        the sensitivity pass needs).

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
    n_draws = hs.n_draws    # (a max over the sources: once, not in every memo key)
    draw = (rng.integers(0, n_draws, size=n_years) if n_draws > 1
            else np.zeros(n_years, np.int64))

    ev_year, ev_peril, ev_direct = [], [], []  # direct: USD loss of compound events
    hit_ev, hit_sat, hit_dmg = [], [], []
    year_end = []  # entries of ``drawn`` dated at the end of the policy year (capacity claims)
    timed = []     # (events, times): events dated before their hits (exposure to the
    #                year's end) or by their source (launch campaigns)
    launch_fail = []  # (events, years, launches, source): failed launches, no satellite hits
    drawn = []        # per source in turn: its events as drawn (int) or which of them stay
    n_ev = 0
    labels = source_labels(hs)
    streams = _Streams(seed, block, labels)
    if memo is None:   # (all at once: made in one loop, they cost half as much as one by one)
        for i in range(len(labels)):
            streams[i]
    solar_src = {}   # peril label -> the solar source whose events this block has
    launched: list = []

    def draws(i, make, *dep, tag="draws"):
        """Source ``i``'s draws, ``make()``, or those the memo has of the same source
        object (and the same sources it depends on) in the same block. With another
        ``tag``: what ``make()`` keeps of them once the hits on satellites of failed
        launches are left out (the same when the launch sources are too), and the events
        it says stay."""
        if memo is None:
            return make()
        if not launched:          # the launch sources, whose failures void hits
            launched.append([hs.sources[j] for j in failures])
            launched.append(tuple(id(x) for x in launched[0]))
        key = (tag, id(hs.sources[i]), i, labels[i], seed, block, n_years, n_draws,
               hs.n_sats) + tuple(id(x) for x in dep) + (launched[1] if tag != "draws" else ())
        got = memo.get(key)
        if got is None:
            n0 = len(drawn)
            got = memo[key] = (make(), drawn[n0:], hs.sources[i], dep,  # (objects stay alive)
                               launched[0])
        else:
            drawn.extend(got[1])
        return got[0]

    # ---- failed launches first (from their own streams: no draw changes). Every other hit
    # that year on a satellite of a failed launch is void (it never reached orbit) and is
    # left out as its source draws it; an occurrence that is its hits (a satellite's own
    # failure or claim, a storm of the deployment window) goes with them, a shared event (a
    # breakup, a storm in orbit, a solar event) stays with no loss, as when it hits nothing
    failures, failed_tables = {}, []
    for i, src in enumerate(hs.sources):
        if hasattr(src, "sample_failures"):   # riskengine.core.campaign.LaunchFailureSource
            failures[i] = src.sample_failures(draw, streams[i])
            yrs, lu = failures[i]
            if len(yrs):
                failed = np.zeros(n_years * src.n_launches + 1, bool)
                failed[yrs * src.n_launches + lu] = True
                failed_tables.append((src, failed))

    void_of_year = []   # a one-year block: which satellites were on a failed launch

    def void_table() -> np.ndarray:
        """A one-year block's table of the fleet: on a launch that failed (made once)."""
        if not void_of_year:
            void = np.zeros(max(hs.n_sats, 1), bool)
            for src, failed in failed_tables:
                # (-1, on no launch: the last cell, never failed)
                void |= failed[_memo(src, ("sat_launch", hs.n_sats),
                                     lambda s=src: s.sat_launch(hs.n_sats))]
            void_of_year.append(void)
        return void_of_year[0]

    def reached(year: np.ndarray, sat: np.ndarray):
        """``(rows, mask)`` of the (year, satellite) hits not on a launch that failed that
        year (None: all of them)."""
        if not failed_tables or not len(sat):
            return None
        if n_years == 1:    # one lookup in a table of the fleet, made once for the block
            from riskengine.core._kernels import not_void

            rows, keep = not_void(void_table(), np.asarray(sat, np.int64))
            return None if len(rows) == len(sat) else (rows, keep)
        keep = np.ones(len(sat), bool)
        for src, failed in failed_tables:
            owner = _memo(src, ("sat_launch", hs.n_sats),
                          lambda s=src: s.sat_launch(hs.n_sats))[sat]
            # (-1, on no launch: the last cell, never failed)
            keep &= ~failed[np.where(owner >= 0, year * src.n_launches + owner, len(failed) - 1)]
        return None if keep.all() else (np.flatnonzero(keep), keep)

    def own(yrs, *cols):
        """Occurrences that are one hit each: those on satellites that reached orbit."""
        k = reached(yrs, cols[0])
        drawn.append(len(yrs) if k is None else k[1])
        return (yrs,) + cols if k is None else tuple(x[k[0]] for x in (yrs,) + cols)

    def shared(ev_years, e, *cols):
        """Hits ``e`` (event index of each) of shared events whose years are ``ev_years``:
        those on satellites that reached orbit."""
        # (a one-year block's void table needs no year of each hit)
        k = reached(ev_years[e] if n_years > 1 else ev_years[:0], cols[0])
        return (e,) + cols if k is None else tuple(x[k[0]] for x in (e,) + cols)
    block_stream = rng
    solar_events: dict = {}   # label -> (first event id, event year, fluence, u) of this block
    deferred = []   # derelict sources: drawn from the year's failures, after all the others
    # solar particle events first: capacity claims and driven storms need this block's events
    # (each source keeps its own stream, so the order changes no draw)
    src_order = sorted(range(len(hs.sources)),
                       key=lambda i: not isinstance(hs.sources[i], SolarEventSource))
    for i in src_order:
        src = hs.sources[i]
        pc = perils.index(src.peril) if src.peril in perils else -1
        if isinstance(src, DerelictSource):
            deferred.append((src, i, pc))
            continue
        if isinstance(src, SolarEventSource):
            from riskengine.core.spe import sample_spe_year

            def make():
                rng = streams[i]
                sp = sample_spe_year(rng, n_years, src.model, [1.0])
                # one uniform per event decides which events drive a storm (driven_by
                # sources): the same for every storm source, so a driven storm is one storm
                # for all groups
                yrs = sp.event_year.astype(np.int64)
                return yrs, sp.fluence_gt30, rng.random(len(yrs))

            yrs, fluence, u_storm = draws(i, make)
            solar_src[src.peril] = src
            solar_events[src.peril] = (n_ev, yrs, fluence, u_storm)
            ev_direct.append(np.zeros(len(yrs)))
        elif i in failures:                    # riskengine.core.campaign.LaunchFailureSource
            yrs, lu = failures[i]
            idx = n_ev + np.arange(len(yrs))
            launch_fail.append((idx, yrs, lu, src))
            ev_direct.append(np.zeros(len(yrs)))
            timed.append((idx, np.zeros(len(yrs))))
        elif hasattr(src, "sample_events"):  # riskengine.core.campaign sources
            if getattr(src, "times_by_hit", False):
                yrs, e, sat, dmg, t, t_hit = draws(i, lambda: src.sample_events(
                    draw, streams[i], hit_times=True))
            else:
                (yrs, e, sat, dmg, t), t_hit = draws(
                    i, lambda: src.sample_events(draw, streams[i])), None
            had, n_hits = np.bincount(e, minlength=len(yrs)) > 0, len(e)
            if t_hit is None:
                e, sat, dmg = shared(yrs, e, sat, dmg)
            else:
                e, sat, dmg, t_hit = shared(yrs, e, sat, dmg, t_hit)
                if len(e) < n_hits:     # the event's time: its earliest hit that stays
                    tt = np.full(len(yrs), np.inf)
                    np.minimum.at(tt, e, t_hit)
                    t = np.where(np.isfinite(tt), tt, t)
            if getattr(src, "occurrence_is_its_hits", False) and len(e) < n_hits:
                stay = ~had | (np.bincount(e, minlength=len(yrs)) > 0)
                drawn.append(stay)
                e, yrs, t = (np.cumsum(stay) - 1)[e], yrs[stay], t[stay]
            else:
                drawn.append(len(yrs))
            hit_ev.append(n_ev + e)
            hit_sat.append(sat)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
            timed.append((n_ev + np.arange(len(yrs)), t))
        elif isinstance(src, CompoundSource):
            def make():
                rng = streams[i]
                yrs = np.repeat(np.arange(n_years), sample_counts(src.frequency, n_years, rng))
                return yrs, sample_severity(src.severity, len(yrs), rng)

            yrs, sev = draws(i, make)
            ev_direct.append(sev)
        elif isinstance(src, CapacitySource):
            sun = solar_events.get(src.solar.peril) if src.solar is not None else None
            dep = [] if sun is None else [solar_src[src.solar.peril]]
            e, sat, dmg, lab, sun_hits = draws(i, lambda: _capacity_claims(
                src, draw, streams[i], None if sun is None else sun[1:3]), *dep)
            if sun_hits is not None and len(sun_hits[0]):   # hits of the solar events
                se, ss, sd = draws(i, lambda: shared(sun[1], *sun_hits), *dep, tag="shared")
                hit_ev.append(sun[0] + se)
                hit_sat.append(ss)
                hit_dmg.append(sd)
            codes = np.array([perils.index(x) for x in src.labels], np.int16)

            def claims_own():
                """:func:`own` of the claims, with their peril codes ``codes[lab]``."""
                if n_years == 1 and failed_tables and len(sat) and _CAPACITY_KERNEL:
                    # (the void filter and the columns' gathers in one compiled pass)
                    from riskengine.core._kernels import claims_in_orbit

                    s, dm, code, keep = claims_in_orbit(
                        void_table(), np.asarray(sat, np.int64), dmg, lab, codes)
                    if len(s) == len(sat):
                        drawn.append(len(sat))
                        return e.astype(np.int64, copy=False), sat, dmg, code
                    drawn.append(keep)
                    return np.zeros(len(s), np.int64), s, dm, code
                y, s, dm, lb = own(e.astype(np.int64, copy=False), sat, dmg, lab)
                return y, s, dm, codes[lb]

            yrs, sat, dmg, code = draws(i, claims_own, *dep, tag="own")
            hit_ev.append(n_ev + np.arange(len(yrs)))
            hit_sat.append(sat)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
            year_end.append(len(drawn) - 1)     # (own's entry: all of them at 1.0)
            ev_year.append(yrs)
            ev_peril.append(code)
            n_ev += len(yrs)
            continue
        elif isinstance(src, ClusterSource):
            yrs, e, sat, dmg = draws(i, lambda: _cluster_hits(src, draw, streams[i]))
            # a collision of two satellites of a cluster needs both in orbit: one whose
            # pair has a satellite of a failed launch did not happen (the pair is uniform
            # over the cluster's pairs, so this thins the rate to the pairs in orbit), its
            # fragments with it; a fragment never hits a satellite that is not there
            k = reached(yrs[e] if n_years > 1 else yrs[:0], sat)
            if k is None:
                drawn.append(len(yrs))
            else:
                n_c = len(yrs)
                stay = k[1][:n_c] & k[1][n_c:2 * n_c]     # the pair's two hits come first
                hit = k[1] & stay[e]
                drawn.append(stay)
                e, sat, dmg = (np.cumsum(stay) - 1)[e[hit]], sat[hit], dmg[hit]
                yrs = yrs[stay]
            hit_ev.append(n_ev + e)
            hit_sat.append(sat)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
        elif isinstance(src, BatchSource):
            yrs, _, e, sat, dmg = draws(i, lambda: _batch_hits(src, draw, streams[i]))
            e, sat, dmg = draws(i, lambda: shared(yrs, e, sat, dmg), tag="shared")
            hit_ev.append(n_ev + e)
            hit_sat.append(sat)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
        elif isinstance(src, SatelliteSource):
            def make():
                rng = streams[i]
                d = draw % src.n_draws
                lam, flat = _memo(src, "unit_cdf", lambda: _unit_cdf(src))
                yrs = np.repeat(np.arange(n_years), rng.poisson(lam[d]))
                if n_years == 1 and _UNIT_KERNEL:
                    # (one draw for every hit: the steps below in one compiled pass over
                    # that draw's CDF row, the same uniforms in the same order)
                    from riskengine.core._kernels import unit_hits

                    w, d0 = len(src.units.size), int(d[0])
                    r_unit = rng.random(len(yrs))
                    sat = unit_hits(flat[d0 * w:(d0 + 1) * w], float(d0), r_unit,
                                    rng.random(len(yrs)), src.units.offset, src.units.size,
                                    src.units.sats)
                    return yrs, sat, _damage(src, d0, rng, len(yrs))
                dd = d[yrs]
                u = _row_search(flat, len(src.units.size), dd, rng.random(len(yrs)), step=1.0)
                u = np.minimum(u, len(src.units.size) - 1)
                pos = src.units.offset[u] + (rng.random(len(yrs))
                                             * src.units.size[u]).astype(np.int64)
                return yrs, src.units.sats[pos], _damage(src, dd, rng)

            yrs, sat, dmg = draws(i, lambda: own(*draws(i, make)), tag="own")
            hit_ev.append(n_ev + np.arange(len(yrs)))
            hit_sat.append(sat)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
        else:  # EventSource
            driven_by = (solar_src[src.driven_by] if src.driven_by in solar_events
                         and src.driven_probability > 0 else None)

            def make():
                rng = streams[i]
                d = draw % src.n_draws
                counts = rng.poisson(src.rate[d])
                if driven_by is not None:
                    _, sun_years, _, u_storm = solar_events[src.driven_by]
                    driven = sun_years[u_storm < src.driven_probability]
                    counts = counts + np.bincount(driven, minlength=n_years)
                yrs = np.repeat(np.arange(n_years), counts)
                dd = d[yrs]
                q_event = t = None
                if getattr(src, "exposure_tau", None) is not None:
                    # the event's time sets the exposure left until the year's end
                    t = rng.random(len(yrs))
                    er = src.exposure_rate
                    q_event = cloud_hit_probability(er[dd % er.shape[0]],
                                                    src.exposure_tau[None, :], t[:, None])
                e, s = _event_hits(src, dd, rng, q_event)
                # (a one-year block: one parameter draw for all the hits, no array of it)
                return yrs, t, e, s, _damage(src, dd[e] if n_years > 1 else d[0], rng, len(e))

            dep = [] if driven_by is None else [driven_by]
            yrs, t, e, s, dmg = draws(i, make, *dep)
            if t is not None:
                timed.append((n_ev + np.arange(len(yrs)), t))
            e, s, dmg = draws(i, lambda: shared(yrs, e, s, dmg), *dep, tag="shared")
            hit_ev.append(n_ev + e)
            hit_sat.append(s)
            hit_dmg.append(dmg)
            ev_direct.append(np.zeros(len(yrs)))
        if not isinstance(src, (SatelliteSource, ClusterSource)) \
                and not hasattr(src, "sample_events"):
            drawn.append(len(yrs))   # (those three said which of their events stay)
        ev_year.append(yrs)
        ev_peril.append(np.full(len(yrs), pc, np.int16))
        n_ev += len(yrs)

    # one entry per source in the order its events were numbered: the event times below
    # depend on it
    assert len(drawn) == len(ev_year), "every source must say which of its events stay"
    cat = (lambda xs, dt: np.concatenate(xs).astype(dt, copy=False) if xs else np.zeros(0, dt))
    ev_year = cat(ev_year, np.int64)
    ev_peril = cat(ev_peril, np.int16)
    ev_direct = cat(ev_direct, float)
    # one uniform per event as drawn (the same stream whatever was void), kept for the
    # events that stay; those at the year's end are 1.0
    ev_time = _event_times(block_stream, drawn, year_end)
    for idx, t in timed:
        ev_time[idx] = t
    hit_ev, hit_sat, hit_dmg = cat(hit_ev, np.int64), cat(hit_sat, np.int64), cat(hit_dmg, float)
    for src, i, pc in deferred:   # each from its own stream: the others' draws unchanged
        y, sat, t = _derelict_hits(src, hs, ev_year, ev_peril, ev_time, hit_ev, hit_sat,
                                   hit_dmg, draw, n_years, streams[i])
        k = reached(y, sat)   # a satellite that never reached orbit meets no derelict
        if k is not None:
            y, sat, t = y[k[0]], sat[k[0]], t[k[0]]
        k = len(y)
        hit_ev = np.concatenate([hit_ev, n_ev + np.arange(k)])
        hit_sat = np.concatenate([hit_sat, sat])
        hit_dmg = np.concatenate([hit_dmg, np.ones(k)])
        ev_year = np.concatenate([ev_year, y])
        ev_peril = np.concatenate([ev_peril, np.full(k, pc, np.int16)])
        ev_direct = np.concatenate([ev_direct, np.zeros(k)])
        ev_time = np.concatenate([ev_time, t])
        n_ev += k

    # ---- depletion: a satellite's damage in a year accumulates in the order of its hits'
    # times, and the hit that takes it to ctl_threshold is a constructive total loss (it
    # removes everything left); later hits that year find nothing left. The hits keep their
    # order (every later sum is by bincount)
    remaining, ctl = deplete_event_hits(hit_ev, hit_sat, ev_year, ev_time, hit_dmg, hs.n_sats,
                                        n_years, pol.ctl_threshold)
    ded_type = getattr(pol, "deductible_type", "straight")
    if (getattr(hs, "agreed_value", None) is None and len(hit_sat)
            and pol.partial_loss in ("proportional", "none")
            and ded_type in ("straight", "franchise")):
        # (fm.satellite_terms of the insured values, in one compiled pass: the same numbers)
        from riskengine.core._kernels import hit_terms

        gu_hit, ins_hit = hit_terms(
            np.asarray(hit_dmg, float), np.asarray(remaining, float), np.asarray(ctl, bool),
            np.asarray(hit_sat, np.int64), np.asarray(hs.sum_insured, float),
            float(pol.deductible), pol.partial_loss == "proportional", ded_type == "franchise")
    else:
        si = hs.sum_insured[hit_sat] if len(hit_sat) else np.zeros(0)
        if getattr(hs, "agreed_value", None) is not None and len(hit_sat):
            si = si * hs.agreed_value.factor(hit_sat, ev_time[hit_ev])   # value when it happens
        gu_hit, ins_hit, _ = fm.satellite_terms(hit_dmg, remaining, si,
                                                deductible=pol.deductible,
                                                ctl_threshold=pol.ctl_threshold,
                                                partial_loss=pol.partial_loss, ctl=ctl,
                                                deductible_type=ded_type)
    return _financial(hs, pol, n_years, draw, ev_year, ev_peril, ev_time, ev_direct,
                      hit_ev, hit_sat, remaining, gu_hit, ins_hit, ctl, launch_fail, min_loss,
                      year_only)


def _event_times(rng: np.random.Generator, drawn: list, at_end=()) -> np.ndarray:
    """The times of the events that stay: one uniform of ``rng`` per event as drawn, entry
    ``j`` of ``drawn`` after another (an int: that many events, all staying; a boolean
    mask: which of its events stay), but 1.0 for the entries ``at_end`` (dated at the end
    of the year). The same array as ``rng.random(n)`` with those entries set to 1.0 and
    then masked, and ``rng`` left in the same state; but the uniforms of the entries at the
    end are skipped, not drawn, and those entries are not masked but counted: each double
    is one 64-bit step of PCG64, which ``advance`` jumps over (a million-satellite year's
    910,000 capacity claims).

    Examples
    --------
    >>> a, b = np.random.default_rng(7), np.random.default_rng(7)
    >>> ref = a.random(6)
    >>> ref[2:5] = 1.0
    >>> keep = np.array([True, False, True])
    >>> got = _event_times(b, [2, keep, 1], [1])
    >>> got.tolist() == ref[[0, 1, 2, 4, 5]].tolist(), a.random() == b.random()
    (True, True)
    >>> x, y = a.random(dtype=np.float32), b.random(dtype=np.float32)   # half a draw kept
    >>> _ = a.random(4), _event_times(b, [4], [0])
    >>> a.random(dtype=np.float32) == b.random(dtype=np.float32), a.random() == b.random()
    (True, True)
    """
    sizes = [x if isinstance(x, int) else len(x) for x in drawn]
    bg = rng.bit_generator
    # (PCG64's advance counts 64-bit draws; another bit generator's may count otherwise,
    # Philox's in blocks of four: those draw every uniform)
    if not at_end or type(bg) is not np.random.PCG64:
        t = rng.random(sum(sizes))
        start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        for j in at_end:
            t[start[j]:start[j + 1]] = 1.0
        if all(isinstance(x, int) for x in drawn):
            return t
        return t[_kept_mask(drawn)]
    half = bg.state
    kept = [x if isinstance(x, int) else int(np.count_nonzero(x)) for x in drawn]
    out = np.empty(sum(kept))
    end, run, k = set(at_end), [], 0

    def flush(k):          # the run of entries since the last one at the end: one draw
        n = sum(sizes[j] for j in run)
        if all(isinstance(drawn[j], int) for j in run):
            rng.random(out=out[k:k + n])
        else:
            m = sum(kept[j] for j in run)
            out[k:k + m] = rng.random(n)[_kept_mask([drawn[j] for j in run])]
            n = m
        run.clear()
        return k + n

    for j in range(len(drawn)):
        if j not in end:
            run.append(j)
            continue
        if run:
            k = flush(k)
        out[k:k + kept[j]] = 1.0
        k += kept[j]
        if sizes[j]:
            bg.advance(sizes[j])
    if run:
        k = flush(k)
    if half.get("has_uint32"):   # (advance drops a buffered 32-bit half: put it back)
        st = bg.state
        st["has_uint32"], st["uinteger"] = half["has_uint32"], half["uinteger"]
        bg.state = st
    return out


def _kept_mask(drawn: list) -> np.ndarray:
    """Which events stay, entries of ``drawn`` (an int: that many, all staying; a boolean
    mask) one after another.

    Examples
    --------
    >>> _kept_mask([2, np.array([True, False])]).tolist()
    [True, True, True, False]
    """
    return np.concatenate([np.ones(x, bool) if isinstance(x, int) else x for x in drawn])


def _time_order(ev_year: np.ndarray, ev_time: np.ndarray, n_years: int) -> np.ndarray:
    """The occurrences in the order they happen: by year, then time, ties in index order.

    Occurrences dated at the end of the policy year (``time`` 1, e.g. capacity claims,
    often most of a large fleet's) sort after every earlier one of their year in index
    order; only the others need sorting. The same permutation as a stable sort.

    Examples
    --------
    >>> _time_order(np.array([0, 0, 0, 0]), np.array([1.0, 0.5, 1.0, 0.2]), 1).tolist()
    [3, 1, 0, 2]
    """
    n = len(ev_time)
    if n == 0 or not float(ev_time.max()) <= 1.0:     # (a NaN time: the plain sort)
        return (np.argsort(ev_time, kind="stable") if n_years == 1
                else np.lexsort((ev_time, ev_year)))
    end = ev_time == 1.0
    early = np.flatnonzero(~end)
    if n_years == 1:
        return np.concatenate([early[_stable_argsort(ev_time[early])], np.flatnonzero(end)])
    if not end.any():
        return np.lexsort((ev_time, ev_year))
    # year, then early before end-of-year, then time: one lexsort of the early ones merged
    # with the end-of-year ones by a stable sort on (year, end) of the concatenation
    eo = early[np.lexsort((ev_time[early], ev_year[early]))]
    both = np.concatenate([eo, np.flatnonzero(end)])
    key = ev_year[both].astype(np.int64) * 2 + end[both]
    return both[np.argsort(key, kind="stable")]


def _launch_parts(launch_ev, sub, p_share, group, hits):
    """The satellites of failed launches as parts of their occurrences: ``hits``
    ``(occurrence, gross, group)`` of the occurrences with a loss, with one part added per
    satellite on board each failed launch among them (its insured loss x the occurrence's
    gross share; the parts of a launch add up to its gross loss). ``sub``: each
    occurrence's position among those with a loss (-1: none)."""
    ev, gross, grp = [hits[0]], [hits[1]], [hits[2]]
    for idx, _yrs, lu, _ins, _k, _g, src, ins_sat in launch_ev:
        j = sub[idx]
        on = j >= 0
        if not on.any():
            continue
        j, lu = j[on], lu[on]
        size = src.units.size[lu]
        pos = _ranges(src.units.offset[lu], size)              # rows of units.sats
        ev.append(np.repeat(j, size))
        gross.append(ins_sat[pos] * np.repeat(p_share[j], size))
        grp.append(group[src.units.sats[pos]])
    return np.concatenate(ev), np.concatenate(gross), np.concatenate(grp)


def _financial(hs, pol, n_years, draw, ev_year, ev_peril, ev_time, ev_direct, hit_ev,
               hit_sat, remaining, gu_hit, ins_hit, ctl=None, launch_fail=(),
               min_loss: float = 0.0, year_only: bool = False) -> BlockResult:
    """Occurrence, aggregate and reinsurance terms of a block's occurrences, on the
    ground-up, gross and net perspectives.

    The occurrences arrive in the order they were drawn (index order); only those that
    reach the event table one row each are put in the order they happen. With
    ``min_loss`` those below it on the ground-up are summed into one row per year and
    peril as they are (:func:`compact_events`, the reference: the same table, but for the
    order of a few float additions), so a million-satellite year sorts and gathers its few
    thousand large occurrences, not half a million."""
    from riskengine.core._kernels import occurrence_sums

    n_ev = len(ev_year)
    if len(hit_ev) and not 0 <= int(hit_ev.min()) <= int(hit_ev.max()) < n_ev:
        raise ValueError(f"hits of occurrences outside [0, {n_ev})")
    # ---- occurrence level, in index order (three bincounts by hit_ev in one pass)
    ev_sats, gu, ins = occurrence_sums(np.asarray(hit_ev, np.int64), np.asarray(remaining, float),
                                       np.asarray(gu_hit, float), np.asarray(ins_hit, float), n_ev)
    if ev_direct.any():
        ev_gu, ev_ins = ev_direct + gu, ev_direct + ins
    else:   # (0.0 + x is x: the occurrences' sums of their hits, no new arrays)
        ev_gu, ev_ins = gu, ins
    launch_ev = []   # (events, years, launches, insured, satellites, group, source,
    #                   each satellite's insured loss)
    for idx, yrs, lu, src in launch_fail:
        if not len(yrs):
            continue
        terms = (pol.deductible, pol.ctl_threshold, pol.partial_loss,
                 getattr(pol, "deductible_type", "straight"))

        def losses():
            return src.launch_losses(hs.sum_insured, lambda d, r, si: fm.satellite_terms(
                d, r, si, deductible=terms[0], ctl_threshold=terms[1], partial_loss=terms[2],
                ctl=np.ones(len(si), bool), deductible_type=terms[3]))

        # the same in every block: memoised per policy terms and insured values
        si_ref, (gu_l, ins_l, k_l, ins_sat) = _memo(src, ("launch_losses", terms),
                                                    lambda: (hs.sum_insured, losses()))
        if si_ref is not hs.sum_insured:
            gu_l, ins_l, k_l, ins_sat = losses()
        ev_gu[idx] += gu_l[lu]
        ev_ins[idx] += ins_l[lu]
        ev_sats[idx] += k_l[lu]
        grp = hs.group[src.units.sats[src.units.offset[lu]]]
        launch_ev.append((idx, yrs, lu, ins_l[lu], k_l[lu], grp, src, ins_sat))
    ev_loss = fm.occurrence_terms(ev_ins, pol)

    def year_max(year, x):
        out = np.zeros(n_years)
        if len(x) and n_years == 1:          # (the same as maximum.at, without its pass)
            out[0] = np.maximum(0.0, x.max())
        elif len(x):
            np.maximum.at(out, year, x)
        return out

    # ---- year results that need no order
    if n_years == 1:        # (one bin: bincount's sum in index order, without the index)
        from riskengine.core._kernels import sum_in_order

        ground_up = np.array([sum_in_order(np.asarray(ev_gu, float))])
    else:
        ground_up = _sum(ev_year, ev_gu, n_years)
    oep_gu = year_max(ev_year, ev_gu)
    n_occ = n_agg = 0
    if pol.occurrence_limit is not None and n_ev:
        at = ev_loss >= pol.occurrence_limit * (1 - 1e-12)
        n_occ = int(len(np.unique(ev_year[at])))

    # ---- the rows of the event table in the order they happen (year, then time): every
    # occurrence, or with min_loss the large ones and those with a loss after the
    # occurrence terms (the aggregate terms take them in order)
    small = ev_gu < min_loss if min_loss > 0 else None
    rows = None if small is None else np.flatnonzero(~small | (ev_loss > 0))
    if rows is None:
        eo = _time_order(ev_year, ev_time, n_years)
    else:
        eo = rows[_time_order(ev_year[rows], ev_time[rows], n_years)]

    # ---- the occurrences with a loss after the occurrence terms, in the order they
    # happen: only they reach the aggregate terms, the reinsurance and the gross and net
    # splits (every other one adds zero to each of them, so leaving them out changes no
    # number and no ordering; above a per-occurrence deductible that is a few thousand of a
    # million-satellite year's million occurrences)
    pe_t = np.flatnonzero(ev_loss[eo] > 0)           # their rows in the table
    pe = eo[pe_t]                                    # their index
    sub = np.full(n_ev, -1, np.int64)                # index -> position among them
    sub[pe] = np.arange(len(pe))
    from riskengine.core._kernels import hits_of_rows, lost_or_gross

    hp, p_hit_ev = hits_of_rows(sub, np.asarray(hit_ev, np.int64))    # (one pass)
    p_year = ev_year[pe]

    # ---- aggregate level: the year's loss (its terms in index order, as the ground-up's:
    # without policy terms the two are equal to the last bit), and each occurrence's share
    # of it in order
    pi = np.flatnonzero(ev_loss > 0)
    pre = _sum(ev_year[pi], ev_loss[pi], n_years)
    gross = fm.aggregate_terms(pre, pol)
    p_gross = erode(ev_loss[pe], p_year, pol.aggregate_deductible, pol.aggregate_limit)
    p_share = np.divide(p_gross, ev_ins[pe], out=np.zeros(len(pe)), where=ev_ins[pe] > 0)
    p_hit_gross = ins_hit[hp] * p_share[p_hit_ev]
    p_hit_grp = hs.group[hit_sat[hp]] if len(hp) else np.zeros(0, np.int64)
    n_real = len(p_hit_ev)
    if launch_ev and any(kind_of(ly) == "risk" for ly in pol.reinsurance):
        # a failed launch is one occurrence of every satellite on board: for the per-risk
        # layers (and the splits by group) each satellite's part is a risk of its own
        p_hit_ev, p_hit_gross, p_hit_grp = _launch_parts(
            launch_ev, sub, p_share, hs.group, (p_hit_ev, p_hit_gross, p_hit_grp))

    # ---- reinsurance: quota share, per risk, per occurrence, aggregate
    c = cede(pol.reinsurance, p_gross, p_year, n_years, p_hit_ev, p_hit_gross)
    ceded = c.ceded
    oep, oep_net = year_max(p_year, p_gross), year_max(p_year, c.ev_net)
    if pol.aggregate_limit is not None:
        n_agg = int(np.sum(gross >= pol.aggregate_limit * (1 - 1e-12)))

    # ---- annual losses by peril and fleet group: the occurrences' own gross and net losses
    n_p = len(hs.perils)
    g = len(hs.group_names) + 1
    if year_only:   # (the splits, campaign sums and event table are made from the above)
        return BlockResult(n_years, gross, ground_up, oep, ceded, np.zeros((n_years, n_p)),
                           np.zeros((n_years, g)), np.zeros(0, np.int64), np.zeros(0, np.int16),
                           np.zeros(0, np.int64), np.zeros(0), np.zeros(0), oep_ground_up=oep_gu,
                           oep_net=oep_net, rho=c.rho, by_peril_gross=np.zeros((n_years, n_p)),
                           by_group_gross=np.zeros((n_years, g)),
                           draw=draw.astype(np.int32, copy=False), n_occ_limit=n_occ,
                           n_agg_limit=n_agg, campaign=None)
    p_peril = ev_peril[pe]
    p_grp = np.full(len(pe), g - 1, np.int64)   # the group of a loss without satellite hits
    for idx, _yrs, _lu, _ins, _k, grp, *_ in launch_ev:
        j = sub[idx]
        p_grp[j[j >= 0]] = grp[j >= 0]

    def split(ev_x, hit_x):
        by_p = _sum(p_year * n_p + p_peril, ev_x, n_years * n_p).reshape(n_years, n_p)
        direct = ev_x - _sum(p_hit_ev, hit_x, len(pe))
        # the part of an occurrence not on a satellite hit; rounding residue of the hits'
        # shares (below a micro-dollar) is no loss
        direct[direct <= 1e-9 * ev_x + 1e-6] = 0.0
        by_g = (_sum(p_year[p_hit_ev] * g + p_hit_grp, hit_x, n_years * g)
                + _sum(p_year * g + p_grp, direct, n_years * g)).reshape(n_years, g)
        return by_p, by_g

    by_peril, by_group = split(c.ev_net, c.hit_net)
    by_peril_g, by_group_g = split(p_gross, p_hit_gross)

    camp = None
    if getattr(hs, "campaign", None) is not None:
        share = np.zeros(n_ev)
        share[pe] = p_share
        le = None
        if launch_ev:
            le = tuple(np.concatenate(x) for x in zip(*[
                (yrs, lu, ins * share[idx], k) for idx, yrs, lu, ins, k, *_ in launch_ev]))
        # only the hits with a gross loss or a lost satellite add to the campaign sums (a
        # large fleet's other hits, most of them, add exactly zero): the same sums
        lost = np.zeros(len(hit_ev), bool) if ctl is None else np.asarray(ctl, bool)
        h, h_gross = lost_or_gross(np.flatnonzero(lost), hp,
                                   np.asarray(p_hit_gross[:n_real], float))
        camp = hs.campaign.block_summary(n_years, hs.perils, ev_year, ev_peril, hit_ev[h],
                                         hit_sat[h], h_gross, lost[h],
                                         ev_direct * share, le)

    # ---- the event table
    ev_gross, ev_net = np.zeros(len(eo)), np.zeros(len(eo))
    ev_gross[pe_t], ev_net[pe_t] = p_gross, c.ev_net
    table = dict(ev_year=ev_year[eo], ev_peril=ev_peril[eo], ev_sats=ev_sats[eo],
                 ev_loss=ev_loss[eo], ev_ground_up=ev_gu[eo], ev_gross=ev_gross, ev_net=ev_net)
    if small is not None and small.any():
        big = ~small[eo]
        table = {k: v[big] for k, v in table.items()}
        table["ev_count"] = np.ones(len(table["ev_year"]), np.int64)
        s_year, s_peril, n, s = _sums_by_year_and_peril(
            n_years, ev_year, ev_peril, small,
            dict(ev_sats=(None, ev_sats), ev_loss=(None, ev_loss), ev_ground_up=(None, ev_gu),
                 ev_gross=(pe, p_gross), ev_net=(pe, c.ev_net)))
        table = _with_rows(table, dict(s, ev_year=s_year, ev_peril=s_peril, ev_count=n))
    return BlockResult(n_years, gross, ground_up, oep, ceded, by_peril, by_group,
                       oep_ground_up=oep_gu, oep_net=oep_net, rho=c.rho,
                       by_peril_gross=by_peril_g, by_group_gross=by_group_g,
                       draw=draw.astype(np.int32, copy=False), n_occ_limit=n_occ,
                       n_agg_limit=n_agg, campaign=camp, **table)


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
    names = ["ev_sats", "ev_loss", "ev_ground_up"] + [
        k for k in ("ev_gross", "ev_net") if getattr(r, k) is not None]
    cnt = r.occurrences()
    s_year, s_peril, _, s = _sums_by_year_and_peril(
        r.n_years, r.ev_year, r.ev_peril, small,
        dict({k: (None, getattr(r, k)) for k in names}, ev_count=(None, cnt)))
    big = ~small
    table = {k: getattr(r, k)[big] for k in ["ev_year", "ev_peril"] + names}
    table["ev_count"] = cnt[big]
    for k, v in _with_rows(table, dict(s, ev_year=s_year, ev_peril=s_peril)).items():
        setattr(r, k, v)
    return r


def _sums_by_year_and_peril(n_years: int, year: np.ndarray, peril: np.ndarray,
                            small: np.ndarray, columns: dict):
    """The occurrences flagged ``small`` summed into one row per year and peril, in key
    order: ``(year, peril, occurrences, {name: sums})``. ``columns[name] = (rows, x)``:
    the values ``x`` of the occurrences ``rows`` (None: of every occurrence, summed in one
    compiled pass over all of them; the others add nothing); each sum adds its terms in
    their order in ``x``, as ``np.bincount`` does.

    Examples
    --------
    >>> small = np.array([True, True, True, False])
    >>> y, p, n, s = _sums_by_year_and_peril(
    ...     2, np.array([0, 1, 0, 0]), np.array([1, 0, 1, 0]), small,
    ...     dict(loss=(None, np.array([1.0, 2.0, 3.0, 9.0])),
    ...          gross=(np.array([2]), np.array([5.0]))))
    >>> y.tolist(), p.tolist(), n.tolist(), s["loss"].tolist(), s["gross"].tolist()
    ([0, 1], [1, 0], [2, 1], [4.0, 2.0], [5.0, 0.0])
    """
    from riskengine.core._kernels import sums_by_key

    n_p = int(peril.max()) + 1 if len(peril) else 1
    if len(peril) and int(peril.min()) < 0:
        raise ValueError(f"peril code {int(peril.min())} of an occurrence: not a peril of the run")
    if len(year) and not 0 <= int(year.min()) <= int(year.max()) < n_years:
        raise ValueError(f"occurrence years outside the block's [0, {n_years})")
    full = [name for name, (rows, _) in columns.items() if rows is None]
    counts, sums = sums_by_key(np.asarray(small, np.bool_), np.asarray(year, np.int64),
                               np.asarray(peril), n_p, n_years * n_p,
                               tuple(np.ascontiguousarray(columns[k][1], float) for k in full))
    used = np.flatnonzero(counts)
    out = {k: sums[c][used] for c, k in enumerate(full)}
    for name, (rows, x) in columns.items():
        if rows is not None:
            s = small[rows]
            key = year[rows][s].astype(np.int64) * n_p + peril[rows][s]
            out[name] = np.bincount(key, weights=np.asarray(x, float)[s],
                                    minlength=len(counts))[used]
    return used // n_p, used % n_p, counts[used], {k: out[k] for k in columns}


def _with_rows(table: dict, extra: dict) -> dict:
    """Event-table columns ``table`` with the rows ``extra`` added, by year (a stable
    sort: each year's rows keep their order, the added ones after), in the table's
    dtypes."""
    year = np.concatenate([table["ev_year"], extra["ev_year"]])
    order = np.argsort(year, kind="stable")
    return {k: np.concatenate([v, extra[k]]).astype(v.dtype, copy=False)[order]
            for k, v in table.items()}


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
    sun = {s.peril: s.model.mean_events_per_year() for s in hs.sources
           if isinstance(s, SolarEventSource)}
    for src in hs.sources:
        if hasattr(src, "expected_hits"):  # riskengine.core.campaign sources
            total += src.expected_hits()
        elif isinstance(src, CompoundSource):
            m = getattr(src.frequency, "mean", 1.0)
            total += float(m) if isinstance(m, (int, float)) else 1.0
        elif isinstance(src, SolarEventSource):
            total += sun[src.peril]
        elif isinstance(src, CapacitySource):
            p_hit = 1.0 - src.p0.mean(axis=0)
            total += 2.0 * len(src.labels) * float((p_hit * src.units.size).sum())
        elif isinstance(src, ClusterSource):
            total += float(np.mean(src.rate.sum(axis=1))) * (
                3.0 + src.fragment_probability * float(src.units.size.mean()))
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
            rate = src.rate + src.driven_probability * sun.get(src.driven_by, 0.0)
            total += float(np.mean(rate * (1.0 + hits)))
    return total


def _mean_damage(src, nd: int) -> np.ndarray:
    """Mean damage per hit of each draw (0..nd-1) of a satellite or event source."""
    d = np.arange(nd)
    a = np.asarray(src.sev_a, float)[d % len(src.sev_a)]
    b = np.asarray(src.sev_b, float)[d % len(src.sev_b)]
    if src.severity == "total":
        return np.ones(nd)
    if src.severity == "fixed":
        return np.clip(a, 0.0, 1.0)
    m = a / (a + b)
    if src.severity == "mixture" and getattr(src, "sev_total", None) is not None:
        pt = np.asarray(src.sev_total, float)[d % len(src.sev_total)]
        return pt + (1 - pt) * m
    return m


def draw_expected_loss(hs: HazardSet, launches_and_batches: bool = False) -> np.ndarray:
    """Expected ground-up loss a year of each parameter draw, before depletion: the
    statistic that ranks the draws into the classes of the per-sample EP curves.

    Compound perils add the same to every draw and are left out; sources of kinds this
    function does not know add nothing. ``launches_and_batches`` adds the failed launches
    (every satellite on board, total) and the serial defects (affected share x (lost share
    + the others' partial damage)) of each draw: the posterior's MCMC error is taken on
    that sum (:func:`riskengine.losses.posterior_error_rows`); the per-sample EP classes
    rank the draws without them, as they always have.

    Examples
    --------
    >>> hs = HazardSet(np.full(10, 1e6), np.zeros(10, int), ["s"], [])
    >>> hs.add_failure_draws("hw", {"s": np.array([0.01, 0.05])})
    >>> (draw_expected_loss(hs) / 1e6).round(4).tolist()   # 10 sats x -log(1 - p) x 1e6
    [0.1005, 0.5129]
    """
    nd = hs.n_draws
    out = np.zeros(nd)
    d = np.arange(nd)

    def unit_si(units):
        c = np.concatenate([[0.0], np.cumsum(hs.sum_insured[units.sats])])
        return c[units.offset + units.size] - c[units.offset]

    for src in hs.sources:
        if isinstance(src, SatelliteSource):
            rates = src.rates[d % src.rates.shape[0]]
            out += (rates * unit_si(src.units)[None, :]).sum(axis=1) * _mean_damage(src, nd)
        elif isinstance(src, EventSource):
            q = src.hit_probability[d % src.hit_probability.shape[0]]
            out += (src.rate[d % len(src.rate)] * (q * unit_si(src.units)[None, :]).sum(axis=1)
                    * _mean_damage(src, nd))
        elif isinstance(src, CapacitySource):
            p0 = src.p0[d % src.n_draws]                          # (nd, n_units)
            cdf = src.cdf[d % src.n_draws]                        # (nd, n_units, n_max + 1)
            n_acc = np.asarray(src.accelerators, float)
            lmax = np.arange(cdf.shape[2])
            tail = np.where(lmax[None, None, :] < n_acc[None, :, None], 1.0 - cdf, 0.0)
            e_lost = (1.0 - p0) * tail.sum(axis=2)                # E[lost units]
            frac = e_lost / np.maximum(n_acc, 1)[None, :] * np.asarray(src.payload_share)[None, :]
            out += (frac * unit_si(src.units)[None, :]).sum(axis=1)
        elif launches_and_batches and isinstance(src, BatchSource):
            dd = d % src.n_draws
            a = src.affected_a[dd] / (src.affected_a[dd] + src.affected_b[dd])
            t = src.lost_a[dd] / (src.lost_a[dd] + src.lost_b[dd])
            out += (src.defect_probability[dd] * a * (t + (1.0 - t) * src.partial_damage)
                    * unit_si(src.units).sum())
        elif launches_and_batches and hasattr(src, "sample_failures"):
            out += src.p[d % src.n_draws] @ unit_si(src.units)    # LaunchFailureSource
    return out


def draw_classes(hs: HazardSet, n_classes: int) -> np.ndarray:
    """Class 0..k-1 of every parameter draw: the draws ranked by
    :func:`draw_expected_loss` and split into ``k = min(n_classes, n_draws)`` classes of
    (nearly) equal size, class 0 the least risky; one class per draw when ``n_draws <=
    n_classes``.

    Examples
    --------
    >>> hs = HazardSet(np.full(10, 1e6), np.zeros(10, int), ["s"], [])
    >>> hs.add_failure_draws("hw", {"s": np.array([0.05, 0.01, 0.03, 0.02])})
    >>> draw_classes(hs, 2).tolist()
    [1, 0, 1, 0]
    """
    nd = hs.n_draws
    k = max(1, min(int(n_classes), nd))
    rank = np.empty(nd, np.int64)
    rank[np.argsort(draw_expected_loss(hs), kind="stable")] = np.arange(nd)
    return (rank * k // nd).astype(np.int64)


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
    """Executor task: ``shared = (hazard_set, policy, seed[, elt_min_loss])``, ``task =
    (block, n_years)``. With ``elt_min_loss`` the block's small occurrences are summed
    here (the table of :func:`compact_events`, made as the block is simulated), in the
    worker: a million-satellite year's half a million occurrences would otherwise be
    pickled to the parent and summed there, serially."""
    hs, pol, seed, *min_loss = shared
    b, n = task
    return simulate_block(hs, pol, seed, b, n, min_loss[0] if min_loss else 0.0)
