"""3D-Nc and two-body Monte Carlo throughput, and the per-CDM cost of `riskengine pc`.

* 3D-Nc (:func:`riskengine.core.pc.nc3d.nc3d`) on catalog-like conjunctions (550 km, TLE-model
  covariances with velocity terms from a 1-day along-track drift model, HBR 5-20 m),
  vectorised over events: events/s (target issue #23: >= 10,000 /s on 2 cores).
* Two-body Monte Carlo (:func:`riskengine.core.pc.montecarlo.pc_montecarlo_twobody`): trials/s.
* `riskengine pc` per CDM: the nine shared fixtures evaluated in a loop in this process
  (no Python start-up), ms per file, for --method 2d and nc3d.

Usage: RISKENGINE_SHARED=../shared python benchmarks/bench_pc_nc3d.py [N]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pc import geometries  # noqa: E402

from riskengine.core.pc.montecarlo import pc_montecarlo_twobody  # noqa: E402
from riskengine.core.pc.nc3d import nc3d  # noqa: E402


def six(c3):
    """3x3 RTN position covariances + velocity terms consistent with along-track growth."""
    n = c3.shape[0]
    C = np.zeros((n, 6, 6))
    C[:, :3, :3] = c3
    C[:, 3, 3] = C[:, 5, 5] = 1e-4 * c3[:, 0, 0] / 248.0 ** 2
    C[:, 4, 4] = 1e-4 * c3[:, 1, 1] / 1188.0 ** 2
    return C


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rng = np.random.default_rng(7)
    r1, v1, c1, r2, v2, c2, hbr = geometries(n, rng)
    C1, C2 = six(c1), six(c2)
    nc3d(r1[:50], v1[:50], C1[:50], r2[:50], v2[:50], C2[:50], hbr[:50])       # warm up
    t, c = time.perf_counter(), time.process_time()
    out = nc3d(r1, v1, C1, r2, v2, C2, hbr)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    from riskengine.core.pc import pc_from_states

    p2 = pc_from_states(r1, v1, C1, r2, v2, C2, hbr)["pc"]
    ok = p2 > 1e-12
    print(f"3D-Nc, {n:,} catalog-like conjunctions: {dt:.2f} s wall, {dc:.2f} s CPU -> "
          f"{n / dt:,.0f} events/s ({n / dc:,.0f} /s per CPU-second); converged {out['converged'].mean():.1%}; "
          f"sphere degrees {dict(zip(*np.unique(out['sphere_order'], return_counts=True)))}; "
          f"median |Nc/Pc2D - 1| where Pc2D > 1e-12: {np.median(np.abs(out['nc'][ok] / p2[ok] - 1)):.2e}; "
          f"load average {os.getloadavg()[0]:.1f}")
    k = 200_000
    t = time.perf_counter()
    mc = pc_montecarlo_twobody(r1[0], v1[0], C1[0], r2[0], v2[0], C2[0], 20.0, np.random.default_rng(1),
                               n_samples=k)
    dt = time.perf_counter() - t
    print(f"two-body Monte Carlo: {k:,} trials in {dt:.2f} s -> {k / dt:,.0f} trials/s (one event)")
    shared = Path(os.environ.get("RISKENGINE_SHARED", "../shared"))
    files = sorted((shared / "fixtures/cdm").glob("*.cdm"))
    if files:
        from riskengine.cli.pc import evaluate_cdm_file

        for method in ("2d", "nc3d"):
            evaluate_cdm_file(str(files[0]), 20.0, method, 1000, 0)
            t = time.perf_counter()
            for f in files:
                evaluate_cdm_file(str(f), 20.0, method, 1000, 0)
            print(f"riskengine pc --method {method}: {1e3 * (time.perf_counter() - t) / len(files):.1f} ms per CDM "
                  f"({len(files)} fixtures, in-process loop)")


if __name__ == "__main__":
    main()
