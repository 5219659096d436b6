"""Loss-engine throughput on Dask with 1 and 2 workers (scaling ratio), plus a projection
to a cluster from the measured per-block costs.

Both runs use the same portfolio, seed and years and produce identical tables; the ratio
is years/s with 2 workers over years/s with 1 worker (target >= 1.7 on this 2-core box).

Usage: python benchmarks/bench_scale.py [YEARS]   (default 200,000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from riskengine.cli.simulate import run_simulation

CONFIG = Path(__file__).resolve().parent.parent / "portfolios" / "quick.toml"


def one(years: int, workers: int, tmp: Path) -> tuple[float, str, object]:
    db = tmp / f"w{workers}.duckdb"
    t = time.perf_counter()
    rid, con, res, _ = run_simulation(CONFIG, str(db), years=years, workers=workers,
                                      kind="simulate")
    dt = time.perf_counter() - t
    loss = con.execute("select loss from ylt where run_id=? order by year", [rid]).fetchnumpy()["loss"]
    con.close()
    return dt, loss, res


def main() -> None:
    years = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    tmp = Path(tempfile.mkdtemp())
    t1, l1, res = one(years, 1, tmp)   # single process (no Dask)
    # Dask with 1 worker vs 2 workers (same cluster machinery, only the worker count differs)
    from riskengine.losses.distributed import write_simulation_dask  # noqa: F401
    tw = {}
    for w in (1, 2):
        db = tmp / f"dask{w}.duckdb"
        from riskengine.config import load_portfolio
        from riskengine.losses import load_hazard_set
        from riskengine.scale import Cluster
        from riskengine.store import connect, run

        p = load_portfolio(CONFIG)
        con = connect(db)
        hs, _ = load_hazard_set(con, p)
        with Cluster(workers=w) as cl:
            cl.client.submit(sum, [1]).result()  # workers up before timing
            t = time.perf_counter()
            with run(con, "simulate", seed=p.simulation.seed, years=years) as r:
                write_simulation_dask(p, r, hs, cl.client, years=years, seed=p.simulation.seed)
            tw[w] = time.perf_counter() - t
            rid = r.run_id
        loss = con.execute("select loss from ylt where run_id=? order by year", [rid]).fetchnumpy()["loss"]
        assert np.array_equal(loss, l1), "Dask result differs from the single-process run"
        con.close()
    blocks = -(-years // 10_000)
    per_block = tw[1] / blocks
    print(f"loss engine, {CONFIG.name}, {years:,} years, {res.n_events:,} events, {blocks} blocks")
    print(f"  single process (no Dask) : {t1:6.2f} s  {years / t1:,.0f} years/s")
    print(f"  Dask, 1 worker           : {tw[1]:6.2f} s  {years / tw[1]:,.0f} years/s")
    print(f"  Dask, 2 workers          : {tw[2]:6.2f} s  {years / tw[2]:,.0f} years/s")
    print(f"  scaling 2 vs 1 worker    : {tw[1] / tw[2]:.2f}x  (target >= 1.7x)")
    # projection: tasks = blocks; each block ships its Parquet (ylt+elt) to shared storage
    ev_per_block = res.n_events / blocks
    print("  projection to a cluster (measured per-block costs):")
    print(f"    per block of 10,000 years: {per_block:.2f} s on one core, "
          f"{ev_per_block:,.0f} events, ~{ev_per_block * 40 / 1e6 + 0.3:.1f} MB Parquet")
    for cores in (16, 64, 256):
        for yrs in (10_000_000,):
            nb = yrs // 10_000
            print(f"    {yrs:,} years on {cores} cores: {nb:,} tasks, "
                  f"~{nb * per_block / cores / 60:.1f} min compute, "
                  f"~{nb * (ev_per_block * 40 / 1e6 + 0.3) / 1e3:.1f} GB Parquet to load, "
                  f"memory per worker ~{(ev_per_block * 120 + 10_000 * 200) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
