"""Loss engine benchmarks (issue 7), each against a baseline or a target measured here.

1. 1,000,000 years of Poisson(3) x lognormal, everything the engine writes (ylt, elt,
   ep_curve, metrics, in one run transaction) vs a bare NumPy + DuckDB script doing the
   same draws and the same ylt/elt writes. Target: ratio <= 2. Best of N, interleaved.
2. 1,000,000 years of the 1,000-satellite example fleet with its perils
   (portfolios/quick.toml), tables included. Target: <= 120 s on 2 cores.
3. (--big) 10,000,000 years of the Poisson x lognormal peril in a child process; its peak
   RSS must stay under 8 GB.

Usage: python benchmarks/bench_losses.py [--years N] [--reps R] [--big] [--skip-fleet]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from riskengine.config import load_portfolio, parse_portfolio
from riskengine.losses import write_simulation
from riskengine.store import connect, run

REPO = Path(__file__).resolve().parents[1]
CFG = {"simulation": {"seed": 1}, "perils": [
    {"type": "compound", "name": "misc", "frequency": {"distribution": "poisson", "mean": 3},
     "severity": {"distribution": "lognormal", "mu": 13, "sigma": 1.5}}]}


def ours(db: Path, years: int, cfg=CFG) -> int:
    p = parse_portfolio({**cfg, "simulation": {"seed": 1, "years": years}})
    con = connect(db)
    with run(con, "simulate", seed=1, years=years) as r:
        res = write_simulation(p, r)
    con.close()
    return res.n_events


def baseline(db: Path, years: int) -> int:
    """Same draws and the same ylt + elt rows with plain NumPy and DuckDB."""
    rng = np.random.default_rng(1)
    n = rng.poisson(3.0, years)
    yr = np.repeat(np.arange(1, years + 1), n)
    x = rng.lognormal(13, 1.5, len(yr))
    annual = np.bincount(yr, weights=x, minlength=years + 1)[1:]
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE ylt (run_id VARCHAR, year BIGINT, loss DOUBLE, ground_up_loss DOUBLE)")
    con.execute("CREATE TABLE elt (run_id VARCHAR, event_id BIGINT, year BIGINT, peril VARCHAR, "
                "satellites BIGINT, loss DOUBLE, ground_up_loss DOUBLE)")
    con.execute("BEGIN")
    ylt = pa.table({"run_id": pa.array(["b"] * years), "year": np.arange(1, years + 1),
                    "loss": annual, "ground_up_loss": annual})
    elt = pa.table({"run_id": pa.array(["b"] * len(yr)), "event_id": np.arange(1, len(yr) + 1),
                    "year": yr, "peril": pa.array(["misc"] * len(yr)),
                    "satellites": np.zeros(len(yr), np.int64), "loss": x, "ground_up_loss": x})
    con.register("ylt_a", ylt)
    con.register("elt_a", elt)
    con.execute("INSERT INTO ylt SELECT * FROM ylt_a")
    con.execute("INSERT INTO elt SELECT * FROM elt_a")
    con.execute("COMMIT")
    con.close()
    return len(yr)


def _big(years: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        ours(Path(d) / "big.duckdb", years)
        dt = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB
    print(f"  {years:,} years in {dt:.1f} s, peak RSS {rss:.2f} GiB "
          f"({'PASS' if rss < 8 else 'FAIL'} < 8 GB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--big", action="store_true", help="also run 10,000,000 years (RSS check)")
    ap.add_argument("--skip-fleet", action="store_true")
    ap.add_argument("--_child-big", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._child_big:
        _big(a._child_big)
        return
    t_o, t_b = [], []
    with tempfile.TemporaryDirectory() as d:
        for k in range(a.reps):
            t = time.perf_counter()
            nb = baseline(Path(d) / f"b{k}.duckdb", a.years)
            t_b.append(time.perf_counter() - t)
            t = time.perf_counter()
            no = ours(Path(d) / f"o{k}.duckdb", a.years)
            t_o.append(time.perf_counter() - t)
    r = min(t_o) / min(t_b)
    print(f"1. Poisson(3) x lognormal, {a.years:,} years ({no:,} events; baseline {nb:,}):")
    print(f"   engine {min(t_o):.2f} s, bare NumPy+DuckDB {min(t_b):.2f} s, "
          f"ratio {r:.2f} ({'PASS' if r <= 2 else 'FAIL'} <= 2)")
    if not a.skip_fleet:
        p = load_portfolio(REPO / "portfolios/quick.toml")
        with tempfile.TemporaryDirectory() as d:
            con = connect(Path(d) / "f.duckdb")
            t = time.perf_counter()
            with run(con, "simulate", seed=1, years=a.years) as rr:
                res = write_simulation(p, rr, years=a.years)
            dt = time.perf_counter() - t
        print(f"2. 1,000-satellite example fleet, {a.years:,} years ({res.n_events:,} events): "
              f"{dt:.1f} s ({'PASS' if dt <= 120 else 'FAIL'} <= 120 s)")
    if a.big:
        print("3. 10,000,000 years (child process):", flush=True)
        subprocess.run([sys.executable, __file__, "--_child-big", "10000000"], check=True)


if __name__ == "__main__":
    main()
