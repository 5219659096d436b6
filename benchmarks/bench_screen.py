"""Screening: completeness vs brute force, full-catalog timing, memory and scaling.

1. ``--completeness``: 100 Walker satellites x 2,000 catalog LEO objects x 1 day at 5 km
   against :func:`riskengine.screen.brute_force` (targets: none missed, TCA within 0.1 s,
   miss within 10 m).
2. ``--scale``: a 1,000-satellite Walker shell (550 km, 53 deg, 40 x 25, f=1) against the
   full 2023-10 catalog for ``--days`` (7) at 5 km: wall time (target <= 120 s on 2 cores)
   and peak memory of this process plus its workers (target < 4 GB); then the catalog plus a
   copy with mean anomalies shifted by 180 deg (ids + 500,000): time ratio (target <= ~2.5).

    python benchmarks/bench_screen.py [--completeness] [--scale] [--days 7] [--workers 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from riskengine import settings  # noqa: E402
from riskengine.catalog import Catalog, read_catalog  # noqa: E402
from riskengine.config import parse_portfolio  # noqa: E402
from riskengine.fleet import build_fleet  # noqa: E402
from riskengine.core.screening import apsis_filter  # noqa: E402
from riskengine.screen import (brute_force, screen, screen_portfolio,  # noqa: E402
                               window_exclusions)


def peak_mb() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (me + kids) / 1024.0  # KiB -> MiB (self + largest child, both bounded)


def cpu_s() -> float:
    """CPU seconds of this process and its (finished) workers: comparable on a busy machine."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def shifted_copy(cat: Catalog, shift_deg: float = 180.0) -> Catalog:
    c = cat.subset(np.arange(len(cat)))
    c.mean_anomaly_deg = np.mod(c.mean_anomaly_deg + shift_deg, 360.0)
    c.norad_id = c.norad_id + 500_000
    c.line1 = np.full(len(c), "", object)
    c.line2 = np.full(len(c), "", object)
    c._satrecs = None
    return c


def completeness(cat, workers):
    t0 = cat.reference_epoch
    p = parse_portfolio({"fleet": [{"name": "w", "altitude_km": 550, "inclination_deg": 53,
                                    "planes": 10, "per_plane": 10, "phasing": 3,
                                    "sum_insured": 1e7}]})
    fleet = build_fleet(p, t0)
    keep, _ = window_exclusions(cat, t0, 1.0, 30.0)
    leo = keep & (cat.apogee_alt_km < 2000) & apsis_filter(
        [545.0], [555.0], cat.perigee_alt_km, cat.apogee_alt_km, 5.0)
    sec = cat.subset(np.random.default_rng(1).choice(np.flatnonzero(leo), 2000, replace=False))
    t = time.perf_counter()
    res = screen(fleet.catalog, sec, t0, 1.0, 5.0, workers=workers)
    ts = time.perf_counter() - t
    t = time.perf_counter()
    bp, bs, bt, bm = brute_force(fleet.catalog, sec, t0, 1.0, 5.0)
    tb = time.perf_counter() - t
    got = {}
    for a, b, tc, m in zip(res.primary, res.secondary, res.tca_s, res.miss_km):
        got.setdefault((int(a), int(b)), []).append((tc, m))
    missed, dt_max, dm_max = 0, 0.0, 0.0
    for a, b, tc, m in zip(bp, bs, bt, bm):
        best = min(got.get((int(a), int(b)), []), key=lambda x: abs(x[0] - tc), default=None)
        if best is None or abs(best[0] - tc) > 1.0:
            missed += 1
            continue
        dt_max = max(dt_max, abs(best[0] - tc))
        dm_max = max(dm_max, abs(best[1] - m))
    print(f"completeness 100 x 2,000 x 1 d @ 5 km: reference {len(bp)} events "
          f"({tb:.1f} s), screen {len(res)} events ({ts:.1f} s); missed {missed}; "
          f"max |dTCA| {dt_max * 1e3:.3f} ms (target < 100 ms); "
          f"max |dmiss| {dm_max * 1e3:.3f} m (target < 10 m)")


def scale(cat, days, workers):
    p = parse_portfolio({"fleet": [{"name": "dc", "altitude_km": 550, "inclination_deg": 53,
                                    "planes": 40, "per_plane": 25, "phasing": 1,
                                    "sum_insured": 1e7}]})
    cat.satrecs()
    t, c = time.perf_counter(), cpu_s()
    r1 = screen_portfolio(p, cat, days=days, threshold_km=5.0, workers=workers)
    t1, c1 = time.perf_counter() - t, cpu_s() - c
    st = r1.stats
    print(f"1,000-sat Walker vs {len(cat):,} objects, {days:g} d @ 5 km: {t1:.1f} s "
          f"(target <= 120 s for 7 d), {st['events']:,} events "
          f"({st['events_fleet_vs_catalog']:,} vs catalog, {st['events_fleet_vs_fleet']:,} "
          f"fleet-fleet); {st['secondaries_after_apsis_filter']:,} after apsis filter; "
          f"excluded stale {st['stale']}, decayed {st['decayed']}, errors {st['sgp4_error']}; "
          f"peak RSS ~{peak_mb():,.0f} MiB (target < 4096)")
    big = Catalog.concat([cat, shifted_copy(cat)])
    big.satrecs()
    t, c = time.perf_counter(), cpu_s()
    r2 = screen_portfolio(p, big, start=r1.start, days=days, threshold_km=5.0, workers=workers)
    t2, c2 = time.perf_counter() - t, cpu_s() - c
    print(f"doubled catalog ({len(big):,} objects): {t2:.1f} s wall, {c2:.1f} CPU-s, "
          f"{r2.stats['events']:,} events; time ratio {t2 / t1:.2f}x wall, {c2 / c1:.2f}x CPU "
          f"(target <= ~2.5x); "
          f"peak RSS ~{peak_mb():,.0f} MiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--completeness", action="store_true")
    ap.add_argument("--scale", action="store_true")
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--workers", type=int, default=None)
    a = ap.parse_args()
    if not (a.completeness or a.scale):
        a.completeness = a.scale = True
    cats = settings.shared_dir() / "catalogs"
    cat = read_catalog([cats / "full-catalog" /
                        "spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"])
    if a.completeness:
        completeness(cat, a.workers)
    if a.scale:
        scale(cat, a.days, a.workers)


if __name__ == "__main__":
    main()
