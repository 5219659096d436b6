"""Scale-out on Dask distributed: blocks of work with reproducible random streams.

The unit of work is a *block* (a range of simulated years, or a fleet x catalog tile).
Each block draws from its own stream ``SeedSequence(seed, spawn_key=(block,))``, so the
result of a block does not depend on which worker ran it or how many workers there are:
the same config and seed give the same tables on 1 process, 2 workers or a cluster.

Workers write each block's tables as Parquet files into a run folder; the client then
loads all files into DuckDB inside the run's single transaction (``load_parquet``), so a
run that cannot complete leaves no visible rows. Dask retries tasks whose worker died
(``retries``), and a retried block is bit-identical to the lost one.

Examples
--------
>>> import numpy as np
>>> def block(task):  # a pure function of the task: picklable, no globals
...     rng = np.random.default_rng(block_seed(task["seed"], task["block"]))
...     return {"ylt": {"year": np.arange(task["start"], task["start"] + task["n"]),
...                     "loss": rng.exponential(1.0, task["n"])}}
>>> tasks = [dict(seed=1, **b) for b in block_plan(10, 4)]
>>> [t["n"] for t in tasks]
[4, 4, 2]
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np


def block_plan(total: int, block_size: int) -> list[dict]:
    """Split ``total`` units (years) into blocks: ``[{"block", "start", "n"}, ...]``.

    ``start`` is 1-based (year numbers in the ``ylt`` start at 1).
    """
    if total <= 0 or block_size <= 0:
        raise ValueError(f"total ({total}) and block_size ({block_size}) must be positive")
    out = []
    for b, s in enumerate(range(0, total, block_size)):
        out.append({"block": b, "start": s + 1, "n": min(block_size, total - s)})
    return out


def block_seed(seed: int, block: int) -> np.random.SeedSequence:
    """The random stream of one block, independent of worker count and order."""
    return np.random.SeedSequence(int(seed), spawn_key=(int(block),))


def _as_arrow(data) -> "Any":
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    return pa.table({k: np.asarray(v) for k, v in data.items()})


def _run_and_write(fn: Callable, task: dict, out_dir: str) -> dict[str, str]:
    """Worker side: run one block and write its tables as Parquet; return the paths."""
    import pyarrow.parquet as pq

    result = fn(task)
    paths = {}
    for table, data in result.items():
        d = Path(out_dir) / table
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"block-{task['block']:07d}.parquet"
        tmp = path.with_suffix(".part")
        pq.write_table(_as_arrow(data), tmp, compression="zstd")
        os.replace(tmp, path)  # a retried block overwrites atomically
        paths[table] = str(path)
    return paths


class Cluster:
    """A Dask client: a local cluster of ``workers`` processes, or ``scheduler`` address.

    Use as a context manager; the local cluster is shut down on exit.
    """

    def __init__(self, workers: int = 2, scheduler: str | None = None,
                 memory_limit: str = "auto", connect_timeout_s: float = 10.0):
        from distributed import Client, LocalCluster

        self._cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=connect_timeout_s)
            except (OSError, TimeoutError, ValueError) as exc:
                from riskengine.errors import ClusterError

                waited = "" if isinstance(exc, ValueError) else f" within {connect_timeout_s:g} s"
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {scheduler!r}{waited} "
                    f"({type(exc).__name__}: {exc}); start one "
                    "(`dask scheduler` and `dask worker ADDRESS` on the machines), fix the "
                    "address (--scheduler / [simulation] scheduler), or leave it out to use "
                    "a local cluster") from exc
        else:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                         processes=True, memory_limit=memory_limit,
                                         dashboard_address=None)
            self.client = Client(self._cluster)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def run_blocks(fn: Callable[[dict], dict], tasks: Iterable[dict], out_dir: str | Path, *,
               client=None, retries: int = 3, progress: Callable[[int, int], None] | None = None
               ) -> dict[str, list[str]]:
    """Run ``fn`` on every task (on Dask when ``client`` is given, else in this process).

    Returns ``{table: [parquet paths sorted by block]}``. ``fn`` must be a module-level
    function (picklable) that returns ``{table: dict of arrays | pyarrow.Table}``.
    """
    tasks = list(tasks)
    out_dir = str(out_dir)
    results: list[dict[str, str]] = []
    if client is None:
        for k, t in enumerate(tasks):
            results.append(_run_and_write(fn, t, out_dir))
            if progress:
                progress(k + 1, len(tasks))
    else:
        from distributed import as_completed

        futs = client.map(_run_and_write, [fn] * len(tasks), tasks, [out_dir] * len(tasks),
                          retries=retries, pure=False)
        for k, fut in enumerate(as_completed(futs)):
            fut.result()  # raises if the block failed after all retries
            if progress:
                progress(k + 1, len(tasks))
        results = [f.result() for f in futs]
    tables: dict[str, list[str]] = {}
    for r in results:
        for table, path in r.items():
            tables.setdefault(table, []).append(path)
    return {t: sorted(p) for t, p in tables.items()}


def load_parquet(run, table: str, paths: list[str]) -> int:
    """Insert Parquet files into ``table`` inside the run's transaction (run_id filled in)."""
    from riskengine.store import TABLES

    if not paths:
        return 0
    spec = TABLES[table]
    cols = [c for c in spec.column_names if c != "run_id"]
    quoted = ", ".join(f'"{c}"' for c in cols)
    files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
    n = run.con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchall()[0][0]
    run.execute(f"INSERT INTO {table} (run_id, {quoted}) "
                f"SELECT ?, {quoted} FROM read_parquet({files})", [run.run_id])
    run.rows[table] = run.rows.get(table, 0) + n
    return n


def scratch_dir(prefix: str = "riskengine-") -> Path:
    """A fresh folder for a run's Parquet blocks (removed by :func:`cleanup`)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def cleanup(path: str | Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
