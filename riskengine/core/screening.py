"""Conjunction-screening kernels: the filter cascade of :mod:`riskengine.screen` as pure
array functions over SGP4 records (km, s, km/s; arrays ``(n_objects, n_times, 3)``).

* :func:`apsis_filter` — perigee/apogee band filter;
* :func:`screen_block` — one block of the coarse grid: SGP4 states, Hermite midpoints, a
  k-d tree around each fleet satellite, the linear + curvature prune and the Hermite
  minimum (candidates for refinement);
* :func:`screen_tasks` — the blocks of a screening (time x fleet x object ranges);
* :func:`refine_tca_batch` — Newton refinement of the time of closest approach.

The orchestration (processes, Dask, catalogs, the store) lives in :mod:`riskengine.screen`.
"""

from __future__ import annotations

import numpy as np

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


def screen_block(task, job):
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
