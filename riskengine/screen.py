"""Conjunction screening: every fleet satellite against the catalog and the rest of the fleet.

Filter cascade (numeric core, no I/O; km, s, km/s; arrays ``(n_objects, n_times, 3)`` as
in :mod:`riskengine.propagate`):

1. **Apogee/perigee filter.** A secondary whose [perigee, apogee] band (widened by the
   threshold plus :data:`APSIS_MARGIN_KM` for SGP4 short-period oscillation) misses the
   union of the fleet's bands can never come within the threshold: dropped.
2. **Coarse grid + spatial index.** SGP4 states every ``step_s`` seconds. For each interval
   ``[t_k, t_k+1]`` the midpoint positions are cubic-Hermite interpolated (positions and
   velocities at both ends; error ~ dt^4 |r''''| / 384, 3e-4 km for LEO at 60 s) and a
   ``cKDTree`` of all objects is queried around each fleet satellite with radius
   ``threshold + V dt / 2 + 2 * interpolation margin``, ``V`` the largest relative speed in
   the step (sum of the two largest speeds). By the triangle inequality
   ``|dr(t)| >= |dr(mid)| - V |t - mid|``, so no pair that comes under the threshold
   anywhere in the interval is missed.
3. **Linear + curvature prune.** For candidates, the closest approach of straight-line
   relative motion about the midpoint, minus a bound on the curvature error
   (``0.5 * 3 mu / r_min^3 * |dr|_max * (dt/2)^2``, gravity-gradient bound on the relative
   acceleration), must be under the threshold.
4. **Hermite minimum.** The relative cubic is minimised on the interval (dense sampling then
   Newton); pairs whose minimum is under ``threshold + margin`` go on.
5. **TCA refinement** on the range-rate root ``dr . dv = 0`` by Newton iteration with fresh
   SGP4 states (``Satrec.sgp4`` for each object at each iterate) to 1e-5 s; the event is
   kept when the refined miss is under the threshold.

Stale element sets (epoch more than ``stale_days`` outside the window) and objects whose
SGP4 fails at the window start (decayed, bad elements) are excluded and counted; objects
that fail later in the window drop out of the index from that step (NaN) and are counted.
A satellite never conjuncts with itself: fleet members are removed from the catalog side
and fleet-vs-fleet pairs are taken once (lower id as primary).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskengine.executor import Executor
from riskengine.propagate import _as_satrecs, julian

from riskengine.core.constants import WGS72_MU_KM3_S2 as MU_KM3_S2
from riskengine.core.constants import WGS72_RE_KM as RE_KM
#: SGP4 short-period radius oscillation plus mean-to-osculating apsis differences (J2
#: short-period terms reach ~10 km in LEO; Vallado 2013 §9.6): band widening, km.
APSIS_MARGIN_KM = 25.0
#: Allowance for Hermite interpolation error (per object), km; the bound for LEO at 60 s is
#: 3e-4 km, 1e-2 km for a 200 km-perigee e=0.7 orbit.
INTERP_MARGIN_KM = 0.5
#: Smallest radius any object may have on the grid (for the gravity-gradient bound), km.
R_MIN_KM = RE_KM + 80.0


@dataclass
class ScreenResult:
    """Events (one entry per conjunction) plus exclusion counts.

    ``primary``/``secondary`` index the combined object list: fleet objects first
    (``0 .. n_fleet-1``), then catalog secondaries (``n_fleet ..``).
    """

    primary: np.ndarray
    secondary: np.ndarray
    tca_s: np.ndarray            # seconds after window start
    miss_km: np.ndarray
    rel_speed_km_s: np.ndarray
    rtn_km: np.ndarray           # (n_events, 3): radial, in-track, cross-track
    r1: np.ndarray               # (n_events, 3) primary TEME position at TCA, km
    v1: np.ndarray
    r2: np.ndarray
    v2: np.ndarray
    stats: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.primary)


# --------------------------------------------------------------------------- helpers
def rtn_components(r1, v1, dr):
    """Components of ``dr`` in the RTN frame of the state (r1, v1).

    R = r/|r|, N = r x v/|r x v|, T = N x R. Shapes (n, 3) -> (n, 3).

    Examples
    --------
    >>> rtn_components(np.array([[7000.0, 0, 0]]), np.array([[0, 7.5, 0]]),
    ...                np.array([[1.0, 2.0, 3.0]])).tolist()
    [[1.0, 2.0, 3.0]]
    """
    r1, v1, dr = (np.atleast_2d(np.asarray(a, float)) for a in (r1, v1, dr))
    R = r1 / np.linalg.norm(r1, axis=1, keepdims=True)
    N = np.cross(r1, v1)
    N /= np.linalg.norm(N, axis=1, keepdims=True)
    T = np.cross(N, R)
    return np.stack([(dr * R).sum(1), (dr * T).sum(1), (dr * N).sum(1)], axis=1)


def apsis_filter(fleet_perigee, fleet_apogee, perigee, apogee, threshold_km,
                 margin_km=APSIS_MARGIN_KM):
    """Mask of objects whose apsis band overlaps the union of the fleet's bands.

    Examples
    --------
    >>> apsis_filter([540.0], [560.0], np.array([100.0, 590.0, 700.0]),
    ...              np.array([400.0, 800.0, 900.0]), 5.0).tolist()
    [False, True, False]
    """
    w = threshold_km + margin_km
    lo = np.asarray(fleet_perigee, float) - w
    hi = np.asarray(fleet_apogee, float) + w
    order = np.argsort(lo)
    lo, hi = lo[order], np.maximum.accumulate(hi[order])
    # merged intervals: a new one starts where lo exceeds every previous hi
    starts = np.r_[True, lo[1:] > hi[:-1]]
    mlo = lo[starts]
    mhi = np.r_[hi[np.flatnonzero(starts)[1:] - 1], hi[-1]]
    p = np.asarray(perigee, float)
    a = np.asarray(apogee, float)
    k = np.searchsorted(mlo, a, side="right") - 1  # last band starting at or below apogee
    ok = k >= 0
    out = np.zeros(len(p), bool)
    out[ok] = mhi[k[ok]] >= p[ok]
    return out


def _hermite_mid(r0, v0, r1, v1, dt):
    """Cubic-Hermite position at the midpoint of [0, dt]."""
    return 0.5 * (r0 + r1) + dt / 8.0 * (v0 - v1)


def _hermite_coeffs(r0, v0, r1, v1, dt):
    """p(s) = c0 + c1 s + c2 s^2 + c3 s^3, s in [0, 1] (position per unit s)."""
    m0, m1 = v0 * dt, v1 * dt
    c2 = -3 * r0 - 2 * m0 + 3 * r1 - m1
    c3 = 2 * r0 + m0 - 2 * r1 + m1
    return r0, m0, c2, c3


def _hermite_min(dr0, dv0, dr1, dv1, dt, n_samples=33):
    """Minimum of |dr(s)| for a relative cubic on [0, dt]: (s_min in [0,1], d_min)."""
    c0, c1, c2, c3 = _hermite_coeffs(dr0, dv0, dr1, dv1, dt)
    s = np.linspace(0, 1, n_samples)
    p = (c0[:, None] + s[None, :, None] * (c1[:, None] + s[None, :, None]
                                           * (c2[:, None] + s[None, :, None] * c3[:, None])))
    d2 = (p * p).sum(-1)
    k = d2.argmin(1)
    sm = s[k]
    for _ in range(4):  # Newton on d(|p|^2)/ds
        pp = c0 + sm[:, None] * (c1 + sm[:, None] * (c2 + sm[:, None] * c3))
        dp = c1 + sm[:, None] * (2 * c2 + 3 * sm[:, None] * c3)
        ddp = 2 * c2 + 6 * sm[:, None] * c3
        g = (pp * dp).sum(1)
        h = (dp * dp).sum(1) + (pp * ddp).sum(1)
        step = np.where(h > 0, g / np.where(h > 0, h, 1), 0.0)
        sm = np.clip(sm - step, 0.0, 1.0)
    pp = c0 + sm[:, None] * (c1 + sm[:, None] * (c2 + sm[:, None] * c3))
    dmin = np.sqrt(np.minimum((pp * pp).sum(1), d2.min(1)))
    return sm, dmin


# --------------------------------------------------------------------------- block worker
#: Per-process screening jobs: token -> job dict (SGP4 records built once per process, the
#: SatrecArray caches of its blocks). One screening at a time per process.
_JOBS: dict = {}


def _job(shared: dict) -> dict:
    """This process's job for the screening ``shared`` describes (built on first use).

    ``shared`` carries either the SGP4 records themselves (serial and forked workers
    inherit them) or the two catalogs (Dask workers: element sets travel, SGP4 records are
    built once per worker).
    """
    tok = shared["token"]
    job = _JOBS.get(tok)
    if job is None:
        _JOBS.clear()   # one screening at a time per process: free the previous one
        job = _JOBS[tok] = {k: v for k, v in shared.items() if k != "cats"}
        if "satrecs" not in job:
            job["satrecs"] = _CatalogSatrecs(*shared["cats"])
    return job


def _screen_task(shared: dict, task):
    return _screen_block(task, _job(shared))


class _CatalogSatrecs:
    """Fleet + catalog SGP4 records by global index, built on demand (a worker that screens
    only some object blocks never builds the others)."""

    def __init__(self, fleet_cat, sec_cat):
        self.parts = (fleet_cat, sec_cat)
        self.n_f = len(fleet_cat)

    def __len__(self):
        return self.n_f + len(self.parts[1])

    def __getitem__(self, i):
        i = int(i)
        return self.parts[0].satrec(i) if i < self.n_f else self.parts[1].satrec(i - self.n_f)


def _block_objects(job, task):
    """Global indices of a task's primaries and secondaries, and its SGP4 array."""
    from sgp4.api import SatrecArray

    n_f, n_all = job["n_fleet"], len(job["satrecs"])
    (pa, pb), (sa, sb) = (task[2], task[3]) if len(task) > 2 else ((0, n_f), (0, n_all))
    if (pa, pb, sa, sb) == (0, n_f, 0, n_all):
        objs = np.arange(n_all)
        arr = job.get("array")
        if arr is None:
            arr = job["array"] = SatrecArray([job["satrecs"][i] for i in range(n_all)])
    else:
        objs = np.union1d(np.arange(pa, pb), np.arange(sa, sb))
        cache = job.setdefault("arrays", {})
        arr = cache.get((pa, pb, sa, sb))
        if arr is None:
            cache.clear()    # one object block at a time: bounded memory
            arr = cache[(pa, pb, sa, sb)] = SatrecArray([job["satrecs"][i] for i in objs])
    lp = np.searchsorted(objs, np.arange(pa, pb))
    ls = np.searchsorted(objs, np.arange(sa, sb))
    return objs, lp, ls, arr


def _screen_block(task, job):
    """Candidate (primary, secondary, interval start time) triples in one block.

    ``task`` is ``(k0, k1)`` (grid intervals; every fleet satellite against every object) or
    ``(k0, k1, (pa, pb), (sa, sb))``: fleet satellites ``pa..pb-1`` against objects
    ``sa..sb-1`` of the combined list (fleet first), so that a large screening can be cut
    into fleet x catalog blocks as well as time blocks. Runs in a forked worker (or a Dask
    worker): propagates the block's objects over its grid, then the index / prune / Hermite
    stages of the cascade. Returned indices are global.
    """
    from scipy.spatial import cKDTree

    k0, k1 = task[0], task[1]
    objs, lp, ls, arr = _block_objects(job, task)
    if not len(lp) or not len(ls):   # no fleet satellite (or nothing to meet): no pairs
        nothing = np.zeros(0, np.int64)
        return nothing, nothing, nothing, np.zeros(0), nothing, 0
    n_f, thr, dt = job["n_fleet"], job["threshold_km"], job["step_s"]
    fr = job["fr0"] + job["grid_s"][k0:k1 + 1] / 86400.0
    jd = np.full(len(fr), job["jd0"])
    e, r, v = arr.sgp4(jd, fr)
    bad = e != 0
    r[bad] = np.nan
    v[bad] = np.nan
    failed = objs[np.flatnonzero(bad.any(1))]
    out_p, out_s, out_k, out_sm = [], [], [], []
    pairs_checked = 0
    speed = np.linalg.norm(v, axis=2)  # (n_obj, n_t)
    for j in range(k1 - k0):
        ra, va, rb, vb = r[:, j], v[:, j], r[:, j + 1], v[:, j + 1]
        mid = _hermite_mid(ra, va, rb, vb, dt)
        ok = ~np.isnan(mid[:, 0])
        fidx = lp[ok[lp]]
        idx = ls[ok[ls]]
        if not len(fidx) or not len(idx):
            continue
        sp = np.fmax(speed[:, j], speed[:, j + 1])
        # relative speed of any pair <= fastest primary + fastest secondary
        radius = thr + (np.nanmax(sp[lp]) + np.nanmax(sp[ls])) * dt / 2 + 2 * INTERP_MARGIN_KM
        pairs = cKDTree(mid[fidx]).sparse_distance_matrix(
            cKDTree(mid[idx]), radius, output_type="ndarray")
        if not len(pairs):
            continue
        p = fidx[pairs["i"].astype(np.int64)]
        s = idx[pairs["j"].astype(np.int64)]
        gp, gs = objs[p], objs[s]
        # never self; fleet-vs-fleet once (p < s)
        keep = (gs != gp) & ~((gs < n_f) & (gs < gp))
        p, s = p[keep], s[keep]
        if not len(p):
            continue
        pairs_checked += len(p)
        dr = mid[s] - mid[p]
        dvm = 0.5 * ((va[s] + vb[s]) - (va[p] + vb[p]))
        dmid = np.linalg.norm(dr, axis=1)
        vv = (dvm * dvm).sum(1)
        tau = np.clip(-(dr * dvm).sum(1) / np.where(vv > 0, vv, 1), -dt / 2, dt / 2)
        dlin = np.linalg.norm(dr + tau[:, None] * dvm, axis=1)
        vrel = np.fmax(np.linalg.norm(vb[s] - vb[p], axis=1),
                       np.linalg.norm(va[s] - va[p], axis=1))
        dmax = dmid + vrel * dt / 2
        curv = 0.5 * 3 * MU_KM3_S2 / R_MIN_KM**3 * dmax * (dt / 2) ** 2
        # the midpoint velocity is itself an estimate: allow its error over half a step
        dv_err = np.linalg.norm((vb[s] - vb[p]) - (va[s] - va[p]), axis=1) * dt / 4
        cand = dlin - curv - dv_err - 2 * INTERP_MARGIN_KM < thr
        p, s = p[cand], s[cand]
        if not len(p):
            continue
        sm, dmin = _hermite_min(ra[s] - ra[p], va[s] - va[p], rb[s] - rb[p], vb[s] - vb[p], dt)
        hit = dmin < thr + 2 * INTERP_MARGIN_KM
        out_p.append(objs[p[hit]])
        out_s.append(objs[s[hit]])
        out_k.append(np.full(int(hit.sum()), k0 + j))
        out_sm.append(sm[hit])
    cat = (lambda xs, dt_: np.concatenate(xs) if xs else np.zeros(0, dt_))
    return (cat(out_p, np.int64), cat(out_s, np.int64), cat(out_k, np.int64),
            cat(out_sm, float), failed, pairs_checked)


def screen_tasks(n_steps: int, block_steps: int, n_fleet: int, n_all: int,
                 object_block: int | None = None) -> list[tuple]:
    """Blocks of a screening: time blocks, optionally crossed with fleet x object blocks.

    Without ``object_block`` each task is ``(k0, k1)``. With it, fleet satellites and all
    objects (fleet first) are cut into ranges of ``object_block``; a task
    ``(k0, k1, (pa, pb), (sa, sb))`` screens fleet range ``pa..pb`` against object range
    ``sa..sb``. Blocks that can only hold fleet pairs already counted (every secondary a
    fleet satellite before every primary) are left out, so each pair is examined once.

    Examples
    --------
    >>> screen_tasks(10, 5, 2, 6)
    [(0, 5), (5, 10)]
    >>> [t[2:] for t in screen_tasks(5, 5, 4, 8, object_block=2)]
    [((0, 2), (0, 2)), ((0, 2), (2, 4)), ((0, 2), (4, 6)), ((0, 2), (6, 8)), ((2, 4), (2, 4)), ((2, 4), (4, 6)), ((2, 4), (6, 8))]
    """
    if object_block is not None and int(object_block) < 1:
        raise ValueError(f"object_block = {object_block}: must be a positive number of objects "
                         "(or None for time blocks only)")
    times = [(k, min(n_steps, k + block_steps)) for k in range(0, n_steps, block_steps)]
    if not object_block or object_block >= n_all:
        return times
    b = int(object_block)
    prim = [(a, min(n_fleet, a + b)) for a in range(0, n_fleet, b)]
    sec = [(a, min(n_all, a + b)) for a in range(0, n_all, b)]
    return [(k0, k1, pr, se) for k0, k1 in times for pr in prim for se in sec
            if not (se[1] <= n_fleet and se[1] <= pr[0])]


# --------------------------------------------------------------------------- refinement
def _states_at(satrecs, obj, jd0, fr0, t_s):
    """SGP4 states of ``satrecs[obj[i]]`` at ``t_s[i]`` (one sgp4_array call per object)."""
    n = len(obj)
    e = np.zeros(n, np.uint8)
    r = np.empty((n, 3))
    v = np.empty((n, 3))
    order = np.argsort(obj, kind="stable")
    so = obj[order]
    cuts = np.flatnonzero(np.r_[True, so[1:] != so[:-1], True])
    for a, b in zip(cuts[:-1], cuts[1:]):
        rows = order[a:b]
        fr = fr0 + t_s[rows] / 86400.0
        ee, rr, vv = satrecs[so[a]].sgp4_array(np.full(len(rows), jd0), fr)
        e[rows], r[rows], v[rows] = ee, rr, vv
    return e, r, v


def refine_tca_batch(satrecs, p, s, jd0, fr0, t_guess_s, t_lo_s, t_hi_s, tol_s=1e-5,
                     max_iter=20):
    """TCAs of many pairs: Newton on the range-rate root ``dr . dv = 0`` with SGP4 states.

    ``f(t) = dr . dv``, ``f'(t) = |dv|^2 + dr . da`` with two-body accelerations. A pair is
    ``ok`` when SGP4 succeeds, ``f' > 0`` (a minimum, not a maximum) and the root stays in
    ``[t_lo_s, t_hi_s]`` (else it belongs to a neighbouring interval).

    Returns ``(t, r1, v1, r2, v2, ok)`` with arrays of shape (n,) and (n, 3).

    Examples
    --------
    >>> from sgp4.api import Satrec
    >>> from riskengine.propagate import EXAMPLE_TLE
    >>> a = Satrec.twoline2rv(*EXAMPLE_TLE)
    >>> t, *_, ok = refine_tca_batch([a, a], np.array([0]), np.array([1]), a.jdsatepoch,
    ...                              a.jdsatepochF, np.array([10.0]), np.array([0.0]),
    ...                              np.array([60.0]))
    >>> bool(ok[0])   # identical objects: no isolated minimum (f' = 0)
    False
    """
    p = np.asarray(p, np.int64)
    s = np.asarray(s, np.int64)
    t = np.asarray(t_guess_s, float).copy()
    n = len(t)
    ok = np.ones(n, bool)
    active = np.ones(n, bool)
    for _ in range(max_iter):
        a = np.flatnonzero(active)
        if not len(a):
            break
        e1, r1, v1 = _states_at(satrecs, p[a], jd0, fr0, t[a])
        e2, r2, v2 = _states_at(satrecs, s[a], jd0, fr0, t[a])
        dr, dv = r2 - r1, v2 - v1
        n1 = np.linalg.norm(r1, axis=1, keepdims=True)
        n2 = np.linalg.norm(r2, axis=1, keepdims=True)
        da = -MU_KM3_S2 * (r2 / n2**3 - r1 / n1**3)
        f = (dr * dv).sum(1)
        fp = (dv * dv).sum(1) + (dr * da).sum(1)
        bad = (e1 != 0) | (e2 != 0) | ~(fp > 0)
        step = np.where(bad, 0.0, -f / np.where(fp > 0, fp, 1.0))
        t[a] += step
        ok[a[bad]] = False
        done = bad | (np.abs(step) < tol_s)
        active[a[done]] = False
    e1, r1, v1 = _states_at(satrecs, p, jd0, fr0, t)
    e2, r2, v2 = _states_at(satrecs, s, jd0, fr0, t)
    ok &= (e1 == 0) & (e2 == 0) & (t >= t_lo_s) & (t <= t_hi_s)
    return t, r1, v1, r2, v2, ok


# --------------------------------------------------------------------------- driver
def screen(fleet_sats, catalog_sats, start, days: float = 7.0, threshold_km: float = 5.0, *,
           step_s: float = 60.0, block_steps: int = 180, workers: int | None = None,
           progress=None, client=None, object_block: int | None = None) -> ScreenResult:
    """Find every close approach under ``threshold_km`` between the fleet and the rest.

    Parameters
    ----------
    fleet_sats, catalog_sats : sequence of sgp4.api.Satrec (or Catalog)
        Primaries and secondaries, already filtered (see :func:`prepare`). Fleet objects
        must not also appear in ``catalog_sats``.
    start : datetime64
        Window start (UTC).
    days, threshold_km : float
        Window length and screening distance.
    step_s : float
        Coarse grid step, s (the cost trades propagation against index radius).
    block_steps : int
        Grid intervals per worker task (bounds memory: objects x block x 48 bytes).
    workers : int, optional
        Processes (default: CPUs available).
    progress : callable, optional
        ``progress(done, total)`` after each block (grid steps x object blocks).
    object_block : int, optional
        Also cut the fleet and the objects into ranges of this many (fleet x catalog
        blocks, :func:`screen_tasks`): each task then holds only its two ranges, so memory
        per worker no longer grows with the fleet. Same events.
    client : distributed.Client, optional
        Run the blocks as Dask tasks (retried up to 3 times if a worker dies) instead
        of a local process pool; needs :class:`~riskengine.catalog.Catalog` inputs (element
        sets travel to the workers, SGP4 records do not pickle). Same result as ``workers``.

    Returns
    -------
    ScreenResult
    """
    if client is not None and not (hasattr(fleet_sats, "satrecs")
                                   and hasattr(catalog_sats, "satrecs")):
        raise TypeError("screen(client=...) takes Catalogs for fleet_sats and catalog_sats: "
                        "element sets travel to Dask workers, sgp4 Satrec objects cannot")
    cats = (fleet_sats, catalog_sats)
    fleet_sats = _as_satrecs(fleet_sats)
    catalog_sats = _as_satrecs(catalog_sats)
    satrecs = fleet_sats + catalog_sats
    n_f = len(fleet_sats)
    jd0, fr0 = (float(x[0]) for x in julian(np.array([start], "datetime64[us]")))
    n_steps = int(np.ceil(days * 86400.0 / step_s))
    grid = np.arange(n_steps + 1) * float(step_s)
    tasks = screen_tasks(n_steps, block_steps, n_f, len(satrecs), object_block)
    import uuid

    shared = dict(token=uuid.uuid4().hex, n_fleet=n_f, threshold_km=float(threshold_km),
                  step_s=float(step_s), jd0=jd0, fr0=fr0, grid_s=grid)
    if client is not None:
        shared["cats"] = cats           # element sets travel; SGP4 records are rebuilt there
    else:
        shared["satrecs"] = satrecs     # forked workers inherit them
    ex = Executor(workers, client=client, start_method="fork")
    try:
        results = list(ex.map(_screen_task, tasks, shared=shared, progress=progress,
                              weight=lambda t: t[1] - t[0]))
    finally:
        _JOBS.clear()
    P = np.concatenate([r[0] for r in results]) if results else np.zeros(0, np.int64)
    S = np.concatenate([r[1] for r in results]) if results else np.zeros(0, np.int64)
    K = np.concatenate([r[2] for r in results]) if results else np.zeros(0, np.int64)
    SM = np.concatenate([r[3] for r in results]) if results else np.zeros(0)
    failed = np.unique(np.concatenate([r[4] for r in results])) if results else np.zeros(0, int)
    pairs_checked = int(sum(r[5] for r in results))

    t_guess = grid[K] + SM * step_s
    T, R1, V1, R2, V2, OK = refine_tca_batch(satrecs, P, S, jd0, fr0, t_guess,
                                             grid[K] - 0.5 * step_s, grid[K + 1] + 0.5 * step_s)
    OK &= (T >= 0.0) & (T <= grid[-1])
    miss = np.linalg.norm(R2 - R1, axis=1)
    sel = np.flatnonzero(OK & (miss < threshold_km))
    rows = [(int(P[i]), int(S[i]), float(T[i]), float(miss[i]), R1[i], V1[i], R2[i], V2[i])
            for i in sel]
    # the same approach may be reached from two adjacent intervals: keep one per (pair, TCA)
    rows.sort(key=lambda x: (x[0], x[1], x[2]))
    uniq = []
    for row in rows:
        if uniq and uniq[-1][0] == row[0] and uniq[-1][1] == row[1] and abs(uniq[-1][2] - row[2]) < 1.0:
            continue
        uniq.append(row)
    n = len(uniq)
    r1 = np.array([u[4] for u in uniq]).reshape(n, 3)
    v1 = np.array([u[5] for u in uniq]).reshape(n, 3)
    r2 = np.array([u[6] for u in uniq]).reshape(n, 3)
    v2 = np.array([u[7] for u in uniq]).reshape(n, 3)
    rtn = rtn_components(r1, v1, r2 - r1) if n else np.zeros((0, 3))
    stats = {"steps": n_steps, "step_s": float(step_s), "pairs_indexed": pairs_checked,
             "candidates_refined": int(len(P)), "events": n,
             "failed_in_window": int(len(failed)),
             "failed_in_window_fleet": int((failed < n_f).sum())}
    return ScreenResult(
        primary=np.array([u[0] for u in uniq], np.int64),
        secondary=np.array([u[1] for u in uniq], np.int64),
        tca_s=np.array([u[2] for u in uniq], float),
        miss_km=np.array([u[3] for u in uniq], float),
        rel_speed_km_s=np.linalg.norm(v2 - v1, axis=1) if n else np.zeros(0),
        rtn_km=rtn, r1=r1, v1=v1, r2=r2, v2=v2, stats=stats)


def window_exclusions(catalog, start, days, stale_days, fleet_ids=()):
    """Masks of the catalog objects to screen, and counts of those excluded.

    Excluded: fleet members (screened as primaries instead), stale element sets (epoch more
    than ``stale_days`` before the window start or after its end), and objects whose SGP4
    fails at the window start (``decayed`` for error 6, ``sgp4_error`` otherwise).

    Returns ``(keep_mask, counts)``.
    """
    start = np.datetime64(start, "us")
    end = start + np.timedelta64(int(days * 86400e6), "us")
    n = len(catalog)
    in_fleet = np.isin(catalog.norad_id, np.asarray(list(fleet_ids), np.int64))
    before = (start - catalog.epoch).astype("timedelta64[us]").astype(float) / 86400e6
    after = (catalog.epoch - end).astype("timedelta64[us]").astype(float) / 86400e6
    stale = (np.fmax(before, after) > stale_days) & ~in_fleet
    e = np.zeros(n, np.uint8)
    live = ~stale & ~in_fleet
    if live.any():
        from sgp4.api import SatrecArray
        jd, fr = julian(np.array([start]))
        sats = catalog.satrecs()
        arr = SatrecArray([sats[i] for i in np.flatnonzero(live)])
        e_live, _, _ = arr.sgp4(jd, fr)
        e[live] = e_live[:, 0]
    decayed = live & (e == 6)
    err = live & (e != 0) & (e != 6)
    keep = live & (e == 0)
    return keep, {"catalog_objects": int(n), "fleet_in_catalog": int(in_fleet.sum()),
                  "stale": int(stale.sum()), "decayed": int(decayed.sum()),
                  "sgp4_error": int(err.sum())}


# --------------------------------------------------------------------------- portfolio level
@dataclass
class Screening:
    """A portfolio screening: the fleet, the events as ``conjunctions`` columns, the stats."""

    fleet: object
    start: np.datetime64
    days: float
    threshold_km: float
    conjunctions: dict
    stats: dict


def _to_time(start, seconds):
    return np.datetime64(start, "us") + np.round(np.asarray(seconds) * 1e6).astype(
        "timedelta64[us]")


def screen_portfolio(portfolio, catalog, *, start=None, days: float = 7.0,
                     threshold_km: float = 5.0, step_s: float = 60.0,
                     workers: int | None = None, progress=None, client=None,
                     object_block: int | None = None) -> Screening:
    """Screen a portfolio's fleet against a catalog (no database I/O).

    Parameters
    ----------
    portfolio : riskengine.config.Portfolio
    catalog : riskengine.catalog.Catalog
    start : datetime64, optional
        Window start; default the catalog's reference epoch (median element epoch).
    days, threshold_km, step_s, workers, progress, client, object_block
        As :func:`screen`.

    Returns
    -------
    Screening
        ``conjunctions`` maps each column of the ``conjunctions`` table (without run_id)
        to an array; Pc columns are null (filled by :mod:`riskengine.pc` when wired).
    """
    from riskengine.catalog import Catalog
    from riskengine.fleet import build_fleet

    start = catalog.reference_epoch if start is None else np.datetime64(start, "us")
    fleet = build_fleet(portfolio, start, catalog)
    stale_days = portfolio.catalog.stale_days
    keep, counts = window_exclusions(catalog, start, days, stale_days, fleet.sat_id)
    # the fleet itself: stale or failing element sets cannot be screened either
    fkeep, fcounts = window_exclusions(fleet.catalog, start, days, stale_days)
    band = apsis_filter(fleet.catalog.perigee_alt_km[fkeep], fleet.catalog.apogee_alt_km[fkeep],
                        catalog.perigee_alt_km, catalog.apogee_alt_km, threshold_km) \
        if fkeep.any() else np.zeros(len(catalog), bool)
    sec_idx = np.flatnonzero(keep & band)
    fl_idx = np.flatnonzero(fkeep)
    fcat = fleet.catalog.subset(fl_idx)
    scat = catalog.subset(sec_idx)
    res = screen(fcat, scat, start, days, threshold_km, step_s=step_s, workers=workers,
                 progress=progress, client=client, object_block=object_block)
    n_f = len(fl_idx)
    both = Catalog.concat([fcat, scat]) if len(scat) else fcat
    p, s = res.primary, res.secondary
    in_fleet = s < n_f
    f_group = fleet.group[fl_idx]
    hbr = both.hard_body_radius_m
    cls = np.where(in_fleet, "FLEET", both.object_class[s].astype(object)) if len(s) else \
        np.zeros(0, object)
    cols = {
        "primary_id": both.norad_id[p], "secondary_id": both.norad_id[s],
        "fleet_group": f_group[p].astype(object), "secondary_name": both.name[s].astype(object),
        "secondary_class": np.asarray(cls, object), "secondary_in_fleet": in_fleet,
        "tca": _to_time(start, res.tca_s), "miss_km": res.miss_km,
        "rel_speed_km_s": res.rel_speed_km_s, "radial_km": res.rtn_km[:, 0],
        "in_track_km": res.rtn_km[:, 1], "cross_track_km": res.rtn_km[:, 2],
        "primary_epoch": both.epoch[p], "secondary_epoch": both.epoch[s],
        "hbr_m": hbr[p] + np.nan_to_num(hbr[s], nan=1.0),
    }
    for who, r, v in (("primary", res.r1, res.v1), ("secondary", res.r2, res.v2)):
        for k, ax in enumerate("xyz"):
            cols[f"{who}_r_{ax}"] = r[:, k]
            cols[f"{who}_v_{ax}"] = v[:, k]
    pc_stats = _fill_pc(cols)
    stats = {**counts, **pc_stats, "fleet_satellites": int(len(fleet)), "fleet_screened": n_f,
             "fleet_stale": fcounts["stale"],
             "fleet_decayed": fcounts["decayed"] + fcounts["sgp4_error"],
             "secondaries_after_apsis_filter": int(len(sec_idx)),
             "excluded_by_apsis_filter": int((keep & ~band).sum()),
             "window_start": str(start), "days": float(days), "threshold_km": float(threshold_km),
             **res.stats, "events_fleet_vs_fleet": int(in_fleet.sum()),
             "events_fleet_vs_catalog": int((~in_fleet).sum())}
    return Screening(fleet=fleet, start=start, days=days, threshold_km=threshold_km,
                     conjunctions=cols, stats=stats)


#: Above this many events the Alfano maximum Pc (~20 µs each) is skipped.
PC_MAX_EVENTS = 2_000_000


def _fill_pc(cols: dict) -> dict:
    """Fill the Pc columns of ``conjunctions`` with :func:`riskengine.pc.screening.screening_pc`.

    States at TCA (TEME), element ages at TCA (days), object classes (fleet satellites are
    payloads) and the combined hard-body radius (m) go in; ``pc``, ``pc_max`` and the TLE
    covariance model's 1-sigma (root-sum-square of both objects' sigmas per RTN axis, km)
    come out. Columns stay null when the kernel is not installed.
    """
    n = len(cols["miss_km"])
    for k in ("pc", "pc_max", "sigma_radial_km", "sigma_in_track_km", "sigma_cross_track_km"):
        cols[k] = np.full(n, np.nan)
    cols["pc_method"] = np.full(n, None, object)
    try:
        from riskengine.pc.screening import screening_pc
    except ImportError:
        return {"pc": "not computed (riskengine.pc.screening missing)"}
    if n == 0:
        return {"pc": "screening_pc"}
    st = lambda who, x: np.stack([cols[f"{who}_{x}_{a}"] for a in "xyz"], axis=1)  # noqa: E731
    day_us = 86400e6
    age1 = (cols["tca"] - cols["primary_epoch"]).astype("timedelta64[us]").astype(float) / day_us
    age2 = (cols["tca"] - cols["secondary_epoch"]).astype("timedelta64[us]").astype(float) / day_us
    cls2 = np.where(cols["secondary_class"] == "FLEET", "PAYLOAD", cols["secondary_class"])
    with_max = n <= PC_MAX_EVENTS
    out = screening_pc(st("primary", "r"), st("primary", "v"), st("secondary", "r"),
                       st("secondary", "v"), age1, age2, cols["hbr_m"], class1="PAYLOAD",
                       class2=cls2.astype(str), with_max=with_max)
    cols["pc"] = np.asarray(out["pc"], float)
    if with_max:
        cols["pc_max"] = np.asarray(out["pc_max"], float)
    for ax, name in (("r", "radial"), ("t", "in_track"), ("n", "cross_track")):
        cols[f"sigma_{name}_km"] = np.hypot(out[f"sigma_{ax}1_m"], out[f"sigma_{ax}2_m"]) / 1e3
    cols["pc_method"] = np.full(n, "foster-2d; TLE covariance (Aida & Kirschner 2013)", object)
    return {"pc": "screening_pc", "pc_max": "alfano" if with_max else
            f"skipped (> {PC_MAX_EVENTS} events)"}


# --------------------------------------------------------------------------- reference
def brute_force(fleet_sats, catalog_sats, start, days, threshold_km, *, step_s: float = 10.0,
                block: int = 720):
    """Reference screening: every pair on a fine grid, each local minimum refined.

    For validation only (cost n_fleet x n_objects x n_steps). A sampled local minimum with
    range under ``threshold + v_rel * step / 2`` is refined by bounded Brent minimisation of
    the SGP4 range (:func:`scipy.optimize.minimize_scalar`, xatol 1e-6 s) over the two
    neighbouring steps; interior minima under the threshold are returned as
    ``(primary, secondary, tca_s, miss_km)`` arrays (indices as in :class:`ScreenResult`).
    """
    from scipy.optimize import minimize_scalar

    from riskengine.propagate import propagate

    fleet_sats = _as_satrecs(fleet_sats)
    sats = fleet_sats + _as_satrecs(catalog_sats)
    n_f = len(fleet_sats)
    jd0, fr0 = (float(x[0]) for x in julian(np.array([start], "datetime64[us]")))
    end = days * 86400.0
    # one extra step either side, so minima right at the window edges are bracketed
    grid = np.arange(-1, int(np.ceil(end / step_s)) + 2) * step_s
    found = []
    for a in range(0, len(grid) - 1, block):
        b = min(len(grid), a + block + 2)  # overlap so minima at block edges are seen
        e, r, v = propagate(sats, np.full(b - a, jd0), fr0 + grid[a:b] / 86400.0, workers=1)
        for i in range(n_f):
            js = np.arange(i + 1, len(sats))
            d = np.linalg.norm(r[js] - r[i][None], axis=2)
            vr = np.linalg.norm(v[js] - v[i][None], axis=2)
            d = np.where(np.isnan(d), np.inf, d)
            loc = (d[:, 1:-1] <= d[:, :-2]) & (d[:, 1:-1] < d[:, 2:]) & \
                  (d[:, 1:-1] < threshold_km + vr[:, 1:-1] * step_s / 2 + 0.5)
            jj, kk = np.nonzero(loc)
            for j, k in zip(js[jj].tolist(), (kk + 1 + a).tolist()):
                found.append((i, j, k))
    out = set()
    res = []
    for i, j, k in found:
        def rng(t, i=i, j=j):
            e1, r1, _ = sats[i].sgp4(jd0, fr0 + t / 86400.0)
            e2, r2, _ = sats[j].sgp4(jd0, fr0 + t / 86400.0)
            return np.inf if (e1 or e2) else float(np.linalg.norm(np.subtract(r2, r1)))
        lo, hi = grid[k] - step_s, grid[k] + step_s
        m = minimize_scalar(rng, bounds=(lo, hi), method="bounded",
                            options={"xatol": 1e-6})
        t = float(m.x)
        if m.fun < threshold_km and lo + 1e-3 < t < hi - 1e-3 and 0 <= t <= end:
            key = (i, j, round(t))
            if key not in out:
                out.add(key)
                res.append((i, j, t, float(m.fun)))
    res.sort()
    arr = np.array(res, dtype=float).reshape(-1, 4)
    return (arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2], arr[:, 3])
