"""Flux hazards for a 1,000,000-satellite fleet in 20 Walker shells (500–2,000 km).

Target (issue 5): all hazards (collision flux vs catalog + fleet, untracked debris, breakup
events) in <= 60 s on 2 cores with peak memory < 8 GB. All satellites of a shell share
(a, e, i), so the cost grows with the number of distinct orbits, not satellites.
Baseline in the same run: the same computation for ONE 50,000-satellite shell, to show the
time is flat in the satellite count.

Usage: python benchmarks/bench_flux.py [CATALOG]   (default: the shared 2023-10 full 3LE)
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np

from riskengine import settings
from riskengine.catalog import read_catalog
from riskengine.config import parse_portfolio
from riskengine.hazards import compute_hazards


def portfolio(n_shells: int, total: int):
    alts = np.linspace(500.0, 2_000.0, n_shells)
    incs = np.resize([53.0, 97.6, 70.0, 43.0, 33.0], n_shells)
    planes = 100
    per_plane = total // (n_shells * planes)
    fleet = [{"name": f"shell{k:02d}", "altitude_km": float(a), "inclination_deg": float(i),
              "planes": planes, "per_plane": per_plane, "sum_insured": 2e7, "area_m2": 30.0,
              "mass_kg": 1200.0, "shielding_mm_al": 3.0} for k, (a, i) in enumerate(zip(alts, incs))]
    return parse_portfolio({"name": f"bench{n_shells}", "fleet": fleet})


def main(argv):
    if len(argv) > 1:
        path = Path(argv[1])
    else:
        shared = settings.shared_dir()
        if shared is None:
            sys.exit("shared data folder not found: pass a catalog file or set RISKENGINE_SHARED")
        path = shared / "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"
    cat = read_catalog(path)
    base = portfolio(1, 50_000)
    big = portfolio(20, 1_000_000)
    t0 = time.perf_counter()
    compute_hazards(base, cat)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = compute_hazards(big, cat)
    t_big = time.perf_counter() - t0
    n_sat = sum(g.count for g in big.fleet)
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    coll = res.collision_by_class.sum(axis=1)
    print(f"catalog: {len(cat):,} objects from {path.name}")
    print(f"baseline 1 shell x 50,000 sats : {t_base:6.2f} s")
    print(f"20 shells x {n_sat // 20:,} = {n_sat:,} sats: {t_big:6.2f} s "
          f"(target <= 60 s; ratio to baseline {t_big / t_base:.1f})")
    print(f"peak RSS: {rss_gb:.2f} GB (target < 8 GB)")
    print(f"collision rate per satellite-year: min {coll.min():.3g}, max {coll.max():.3g}; "
          f"fleet-vs-fleet share {res.collision_by_class[:, -1].sum() / coll.sum():.0%}")
    ok = t_big <= 60.0 and rss_gb < 8.0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
