"""Batched SGP4: Vallado verification vectors and parallel speed-up vs one SatrecArray call.

Prints (1) the largest position/velocity difference from ``tcppver.out`` through
:func:`riskengine.propagate.propagate` (target < 1e-6 km), and (2) the throughput ratio of
``propagate(workers=N)`` to a single-process ``SatrecArray.sgp4`` call on the same objects
and times (target >= 1.8 on 2 cores), checking the results are bit-identical. Each timing
is the best of ``--repeat`` interleaved runs (the machine is shared).

    python benchmarks/bench_propagate.py [--objects 8000] [--times 720] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sgp4.api import Satrec, SatrecArray

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from riskengine import settings  # noqa: E402
from riskengine.catalog import read_catalog  # noqa: E402
from riskengine.propagate import default_workers, propagate  # noqa: E402


def vallado(folder: Path):
    from test_propagate import EXPECTED_ERRORS, _read_vallado

    tles, blocks = _read_vallado(folder)
    worst_r = worst_v = 0.0
    n = 0
    for (l1, l2), (num, rows) in zip(tles, blocks):
        s = Satrec.twoline2rv(l1, l2)
        e, r, v = propagate([s], np.full(len(rows), s.jdsatepoch),
                            s.jdsatepochF + rows[:, 0] / 1440.0, workers=1)
        ok = e[0] == 0
        if num not in EXPECTED_ERRORS:
            assert ok.all()
        worst_r = max(worst_r, float(np.abs(r[0][ok] - rows[ok, 1:4]).max(initial=0)))
        worst_v = max(worst_v, float(np.abs(v[0][ok] - rows[ok, 4:7]).max(initial=0)))
        n += int(ok.sum())
    return n, worst_r, worst_v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=8000)
    ap.add_argument("--times", type=int, default=720)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=default_workers())
    a = ap.parse_args()
    shared = settings.shared_dir()
    cats = shared / "catalogs"
    n, wr, wv = vallado(cats / "sgp4-verification")
    print(f"Vallado vectors: {n} states, max |dr| = {wr:.2e} km (target < 1e-6), "
          f"max |dv| = {wv:.2e} km/s")
    cat = read_catalog([cats / "full-catalog" /
                        "spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"])
    sats = cat.satrecs()[: a.objects]
    jd = np.full(a.times, sats[0].jdsatepoch)
    fr = np.linspace(0, 1, a.times)
    t_single, t_par = [], []
    for _ in range(a.repeat):
        t = time.perf_counter()
        e0, r0, v0 = SatrecArray(sats).sgp4(jd, fr)
        t_single.append(time.perf_counter() - t)
        del r0, v0
        t = time.perf_counter()
        e, r, v = propagate(sats, jd, fr, workers=a.workers)
        t_par.append(time.perf_counter() - t)
    e0, r0, v0 = SatrecArray(sats).sgp4(jd, fr)
    r0[e0 != 0] = np.nan
    v0[e0 != 0] = np.nan
    same = (np.array_equal(e, e0) and np.array_equal(r, r0, equal_nan=True)
            and np.array_equal(v, v0, equal_nan=True))
    states = len(sats) * a.times
    print(f"{len(sats):,} objects x {a.times:,} times = {states:,} states")
    print(f"single SatrecArray.sgp4: best {min(t_single):.2f} s "
          f"({states / min(t_single) / 1e6:.2f} M states/s); runs {np.round(t_single, 2)}")
    print(f"propagate(workers={a.workers}): best {min(t_par):.2f} s "
          f"({states / min(t_par) / 1e6:.2f} M states/s); runs {np.round(t_par, 2)}")
    print(f"speed-up: {min(t_single) / min(t_par):.2f}x (target >= 1.8 on 2 cores); "
          f"identical results: {same}")


if __name__ == "__main__":
    main()
