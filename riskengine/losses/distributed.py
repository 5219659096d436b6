"""The loss engine on Dask: blocks of years run on workers, tables travel as Parquet.

Each task runs :func:`riskengine.core.engine.run_block` for a few consecutive blocks
(:func:`task_groups`; each block its own random stream, as in the single-process path),
writes their ``ylt`` and ``elt`` rows as one Parquet file per table into the run's scratch
folder, and returns only the year-level
arrays that EP curves, metrics and pricing need (``ylt_net`` is written from them once
the layers are priced). The client then inserts all
Parquet files into the run's tables inside its single DuckDB transaction; event ids are
numbered in (year, time) order exactly as the single-process writer numbers them. The
tables are therefore identical to ``workers=1``, whatever the number of workers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from riskengine.core.engine import block_years, blocks, run_block


#: Most blocks of years one Dask task runs (a million-satellite run's 20,000 one-year blocks
#: as 625 tasks, not 20,000: per-task scheduling and two Parquet files per task, not per
#: block; the 20,000-year deployment priced in 2,318 s with a task per block)
BLOCKS_PER_TASK = 32


def task_groups(todo: list, n_workers: int, most: int = BLOCKS_PER_TASK) -> list[tuple]:
    """Consecutive blocks grouped into tasks: at most ``most`` each, and at least 8 tasks
    per worker while there are blocks for them (load balance; a retried task reruns few
    blocks).

    Examples
    --------
    >>> [len(t) for t in task_groups([(b, 1) for b in range(100)], 2)]
    [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 4]
    >>> task_groups([(0, 10), (1, 5)], 2)
    [((0, 10),), ((1, 5),)]
    """
    k = max(1, min(most, len(todo) // (8 * max(1, n_workers))))
    return [tuple(todo[i:i + k]) for i in range(0, len(todo), k)]


def _block_task(shared: dict, task: tuple):
    """Worker side: simulate a task's blocks (each from its own stream), write their rows
    as one Parquet file per table, return each block's year arrays."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    hs, pol, seed = shared["hs"], shared["pol"], shared["seed"]
    out_dir, peril_names, size = shared["out_dir"], shared["perils"], shared["size"]
    names = np.asarray(peril_names or ["-"], object)
    ylt, elt, out = [], [], []
    for block, n in task:
        r = run_block((hs, pol, seed, shared["elt_min_loss"]), (block, n))  # simulated, compacted
        a = block * size
        ylt.append({"year": np.arange(a + 1, a + n + 1), "loss": r.gross,
                    "ground_up_loss": r.ground_up})
        if len(r.ev_year):
            elt.append({"block": np.full(len(r.ev_year), block, np.int64),
                        "ev": np.arange(len(r.ev_year), dtype=np.int64),
                        "year": a + 1 + r.ev_year, "peril": names[r.ev_peril].astype(str),
                        "satellites": r.ev_sats, "loss": r.ev_loss,
                        "ground_up_loss": r.ev_ground_up, "occurrences": r.occurrences(),
                        "gross_loss": r.ev_gross, "net_loss": r.ev_net})
        n_ev = len(r.ev_year)
        r.ev_year = r.ev_peril = r.ev_sats = r.ev_loss = r.ev_ground_up = None  # stay on worker
        r.ev_count = r.ev_gross = r.ev_net = None
        out.append((block, r, n_ev))

    def put(table, parts):
        d = Path(out_dir) / table
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"block-{task[0][0]:07d}.parquet"      # named by the task's first block
        tmp = path.with_suffix(".part")
        data = {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
        pq.write_table(pa.table(data), tmp, compression="zstd")
        os.replace(tmp, path)  # a retried task replaces its file atomically

    put("ylt", ylt)
    if elt:
        put("elt", elt)
    return out


def write_simulation_dask(portfolio, handle, hs, client, *, years: int, seed: int,
                          progress=None, scratch: str | Path | None = None):
    """Dask version of :func:`riskengine.losses.write_simulation` (same tables, same result)."""
    from riskengine import scale
    from riskengine.executor import Executor
    from riskengine.losses import ResultBuilder, write_summaries

    pol = portfolio.policy
    size = block_years(hs)
    todo = blocks(years, size)
    out = Path(scratch) if scratch else scale.scratch_dir("riskengine-sim-")
    try:
        shared = dict(hs=hs, pol=pol, seed=seed, out_dir=str(out), perils=list(hs.perils),
                      size=size, elt_min_loss=portfolio.simulation.elt_min_loss)
        acc = ResultBuilder(hs, pol, years, seed, portfolio.pricing.capital_quantile,
                            psept_samples=portfolio.simulation.psept_samples)
        done = 0
        ev_count = np.zeros(len(todo), np.int64)
        tasks = task_groups(todo, len(client.scheduler_info()["workers"]))
        for part in Executor(client=client).map(_block_task, tasks, shared=shared):
            for b, r, n_ev in part:
                ev_count[b] = n_ev
                acc.add(b * size, r)
                done += r.n_years
            if progress is not None:
                progress(done, years)
        # all blocks done: load the Parquet parts inside the run's transaction
        ylt = sorted(str(p) for p in (out / "ylt").glob("*.parquet"))
        scale.load_parquet(handle, "ylt", ylt)
        elt = sorted(str(p) for p in (out / "elt").glob("*.parquet")) if (out / "elt").exists() else []
        n_events = 0
        if elt:
            files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in elt) + "]"
            n_events = handle.con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchall()[0][0]
            # event ids continue block after block, as the single-process writer numbers them
            import pyarrow as pa

            offsets = pa.table({"block": np.arange(len(todo), dtype=np.int64),
                                "off": np.concatenate([[0], np.cumsum(ev_count)[:-1]])})
            handle.con.register("_block_offsets", offsets)
            try:
                handle.execute(
                    "INSERT INTO elt (run_id, event_id, year, peril, satellites, loss, "
                    "ground_up_loss, occurrences, gross_loss, net_loss) SELECT ?, "
                    "o.off + e.ev + 1, e.year, e.peril, e.satellites, e.loss, e.ground_up_loss, "
                    "e.occurrences, e.gross_loss, e.net_loss "
                    f"FROM read_parquet({files}) e "
                    "JOIN _block_offsets o USING (block)", [handle.run_id])
            finally:
                handle.con.unregister("_block_offsets")
            handle.rows["elt"] = handle.rows.get("elt", 0) + n_events
    finally:
        scale.cleanup(out)
    res = acc.result(n_events)
    write_summaries(handle, res)
    handle.stats.update(years=years, seed=seed, events=res.n_events, perils=res.perils,
                        fleet_groups=res.groups, satellites=int(hs.n_sats),
                        draws=int(hs.n_draws), block_years=size,
                        dask_workers=len(client.scheduler_info()["workers"]))
    return res
