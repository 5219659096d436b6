"""Loss-engine throughput on Dask with 1 and 2 workers (scaling ratio), plus a projection
to a cluster from the measured per-block costs.

Both runs use the same portfolio, seed and years and produce identical tables; the ratio
is years/s with 2 workers over years/s with 1 worker (target >= 1.7 on this 2-core box).

Usage: python benchmarks/bench_scale.py [YEARS]   (default 200,000)
       python benchmarks/bench_scale.py --million [YEARS]   (default 2,000)

``--million`` measures the same ratio on ``portfolios/million.toml`` (1,000,000 satellites,
flux hazards, Bayesian posteriors; needs the shared catalog): a store with its catalog,
hazards and fit is built first (``RISKENGINE_FIT_DRAWS`` defaults to 300 here: the draw
count does not change the loss engine's cost per year), then the loss engine runs with 1
and 2 Dask workers.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from riskengine import stages
from riskengine.config import load_portfolio
from riskengine.store import connect

CONFIG = Path(__file__).resolve().parent.parent / "portfolios" / "quick.toml"


def one(years: int, workers: int, tmp: Path) -> tuple[float, str, object]:
    db = tmp / f"w{workers}.duckdb"
    t = time.perf_counter()
    con = connect(db)
    rid = stages.simulate(con, load_portfolio(CONFIG), stages.Options(years=years,
                                                                      workers=workers))
    dt = time.perf_counter() - t
    loss = con.execute("select loss from ylt where run_id=? order by year", [rid]).fetchnumpy()["loss"]
    n_events = con.execute("select count(*) from elt where run_id=?", [rid]).fetchall()[0][0]
    con.close()
    return dt, loss, n_events


def main() -> None:
    years = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    tmp = Path(tempfile.mkdtemp())
    t1, l1, n_events = one(years, 1, tmp)   # single process (no Dask)
    # Dask with 1 worker vs 2 workers (same cluster machinery, only the worker count differs)
    from riskengine.losses.distributed import write_simulation_dask  # noqa: F401
    tw, tc = {}, {}
    for w in (1, 2):
        db = tmp / f"dask{w}.duckdb"
        from riskengine.scale import Cluster
        from riskengine.store import run

        p = load_portfolio(CONFIG)
        con = connect(db)
        hs, _, _ = stages.build_hazard_set(con, p)
        with Cluster(workers=w) as cl:
            cl.client.submit(sum, [1]).result()  # workers up before timing
            t = time.perf_counter()
            last = [0.0]

            def prog(done, total, t=t, last=last):
                last[0] = time.perf_counter() - t   # when the last block came back

            with run(con, "simulate", seed=p.simulation.seed, years=years) as r:
                write_simulation_dask(p, r, hs, cl.client, years=years, seed=p.simulation.seed,
                                      progress=prog)
            tw[w] = time.perf_counter() - t
            tc[w] = last[0]
            rid = r.run_id
        loss = con.execute("select loss from ylt where run_id=? order by year", [rid]).fetchnumpy()["loss"]
        assert np.array_equal(loss, l1), "Dask result differs from the single-process run"
        con.close()
    blocks = -(-years // 10_000)
    per_block = tw[1] / blocks
    print(f"loss engine, {CONFIG.name}, {years:,} years, {n_events:,} events, {blocks} blocks")
    print(f"  single process (no Dask) : {t1:6.2f} s  {years / t1:,.0f} years/s")
    print(f"  Dask, 1 worker           : {tw[1]:6.2f} s  {years / tw[1]:,.0f} years/s")
    print(f"  Dask, 2 workers          : {tw[2]:6.2f} s  {years / tw[2]:,.0f} years/s")
    print(f"  scaling 2 vs 1 worker    : {tw[1] / tw[2]:.2f}x end to end (target >= 1.7x); "
          f"simulation phase (blocks on the workers, until the last one is back) "
          f"{tc[1]:.2f} s vs {tc[2]:.2f} s = {tc[1] / tc[2]:.2f}x; the rest is the serial "
          f"Parquet -> DuckDB load and summaries in the client "
          f"({tw[1] - tc[1]:.2f} s / {tw[2] - tc[2]:.2f} s)")
    # projection: tasks = blocks; each block ships its Parquet (ylt+elt) to shared storage
    ev_per_block = n_events / blocks
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
    screening_scaling()


def screening_scaling(days: float = 1.0) -> None:
    """Screening on Dask: the example shell (1,000 satellites) against the shared 2023-10
    catalog for ``days``, with 1 and 2 local workers (same events)."""
    from riskengine import settings
    from riskengine.catalog import read_catalog
    from riskengine.config import load_portfolio
    from riskengine.scale import Cluster
    from riskengine.screen import screen_portfolio

    shared = settings.shared_dir()
    if shared is None:
        print("screening on Dask: skipped (no shared catalog)")
        return
    cat = read_catalog(shared / "catalogs/full-catalog/"
                       "spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt")
    p = load_portfolio(CONFIG.parent / "example.toml")
    ts, ev = {}, {}
    for w in (1, 2):
        with Cluster(workers=w) as cl:
            cl.client.submit(sum, [1]).result()
            t = time.perf_counter()
            res = screen_portfolio(p, cat, days=days, client=cl.client)
            ts[w] = time.perf_counter() - t
            ev[w] = res.conjunctions["miss_km"]
    assert np.array_equal(ev[1], ev[2])
    print(f"screening on Dask, 1,000 satellites vs {len(cat):,} objects, {days:g} d: "
          f"1 worker {ts[1]:.1f} s, 2 workers {ts[2]:.1f} s = {ts[1] / ts[2]:.2f}x "
          f"({len(ev[1]):,} events, identical)")


def million(years: int = 2_000) -> None:
    import os

    os.environ.setdefault("RISKENGINE_FIT_DRAWS", "300")
    from riskengine import settings
    from riskengine.losses.distributed import write_simulation_dask
    from riskengine.scale import Cluster
    from riskengine.store import connect, run

    shared = settings.shared_dir()
    if shared is None and not settings.catalog_override():
        sys.exit("--million needs the shared catalog (RISKENGINE_SHARED) or RISKENGINE_CATALOG")
    if not settings.catalog_override():
        os.environ["RISKENGINE_CATALOG"] = str(
            shared / "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt")
    cfg = CONFIG.parent / "million.toml"
    db = Path(tempfile.mkdtemp()) / "million.duckdb"
    t = time.perf_counter()
    p = load_portfolio(cfg)
    con = connect(db)
    stages.price(con, p, stages.Options(years=200, workers=1))
    print(f"million.toml store (catalog, hazards, fit, 200-year price): "
          f"{time.perf_counter() - t:.0f} s")
    hs, _, _ = stages.build_hazard_set(con, p)
    tw, tc, ylt = {}, {}, {}
    for w in (1, 2):
        with Cluster(workers=w) as cl:
            cl.client.submit(sum, [1]).result()
            t = time.perf_counter()
            last = [0.0]

            def prog(done, total, t=t, last=last):
                last[0] = time.perf_counter() - t

            with run(con, "simulate", seed=p.simulation.seed, years=years) as r:
                write_simulation_dask(p, r, hs, cl.client, years=years, seed=p.simulation.seed,
                                      progress=prog)
            tw[w], tc[w] = time.perf_counter() - t, last[0]
            ylt[w] = con.execute("select loss from ylt where run_id=? order by year",
                                 [r.run_id]).fetchnumpy()["loss"]
    assert np.array_equal(ylt[1], ylt[2]), "2 workers differ from 1"
    print(f"loss engine, million.toml ({hs.n_sats:,} satellites), {years:,} years:")
    print(f"  Dask, 1 worker  : {tw[1]:6.1f} s  {years / tw[1]:,.1f} years/s")
    print(f"  Dask, 2 workers : {tw[2]:6.1f} s  {years / tw[2]:,.1f} years/s")
    print(f"  scaling 2 vs 1 worker: {tw[1] / tw[2]:.2f}x end to end (target >= 1.7x), "
          f"simulation phase {tc[1] / tc[2]:.2f}x; identical ylt")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--million":
        million(*(int(a) for a in sys.argv[2:3]))
    else:
        main()
