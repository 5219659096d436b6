"""Conjunction screening: every fleet satellite against the catalog and the rest of the fleet.

Filter cascade (numeric core, no I/O; km, s, km/s; arrays ``(n_objects, n_times, 3)`` as
in :mod:`riskengine.propagate`):

1. **Apogee/perigee filter.** A secondary whose [perigee, apogee] band (widened by the
   threshold plus :data:`riskengine.core.screening.APSIS_MARGIN_KM` for SGP4 short-period oscillation) misses the
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

from riskengine.core.screening import (apsis_filter, refine_tca_batch, rtn_components,
                                       screen_block, screen_tasks)
from riskengine.executor import Executor
from riskengine.propagate import _as_satrecs, julian
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
    return screen_block(task, _job(shared))


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
        to an array; Pc columns are null (filled by :mod:`riskengine.core.pc` when wired).
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
    """Fill the Pc columns of ``conjunctions`` with :func:`riskengine.core.pc.screening.screening_pc`.

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
        from riskengine.core.pc.screening import screening_pc
    except ImportError:
        return {"pc": "not computed (riskengine.core.pc.screening missing)"}
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
    cols["pc_method"] = np.array([f"{m}; TLE covariance (Aida & Kirschner 2013)"
                                  for m in out["method"]], object)
    n3 = int(np.sum(out["method"] == "hall-3d-nc"))
    return {"pc": "screening_pc", "pc_max": "alfano" if with_max else
            f"skipped (> {PC_MAX_EVENTS} events)", "pc_nonlinear_events": n3}


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
