"""Scale-out on Dask distributed: the cluster, and Parquet parts loaded into a run.

Blocks of work run through :class:`riskengine.executor.Executor` (``client=``): each block
draws from its own random stream, so its result does not depend on which worker ran it
or how many workers there are, and a block retried after its worker died is
bit-identical to the lost one. Workers may write a block's rows as Parquet into a run's
scratch folder (:func:`scratch_dir`); the client then loads every file into DuckDB inside
the run's single transaction (:func:`load_parquet`), so a run that cannot complete leaves
no visible rows.
"""

from __future__ import annotations

import os

import shutil
import tempfile
from pathlib import Path


class Cluster:
    """A Dask client: a local cluster of ``workers`` processes, or ``scheduler`` address.

    Use as a context manager; the local cluster is shut down on exit.

    The client is not the process's default one (``set_as_default=False``): riskengine
    hands it to every map itself (:class:`riskengine.executor.Executor`), and a default
    client sets Dask's global scheduler, which two clusters closed in the order they were
    opened left set with no client behind it. Code of your own (``dask.compute`` in a
    notebook) runs on this cluster when given ``cluster.client`` (``client.compute``) or
    inside ``with cluster.client.as_current():``.
    """

    def __init__(self, workers: int = 2, scheduler: str | None = None,
                 memory_limit: str = "auto", connect_timeout_s: float = 10.0):
        from distributed import Client, LocalCluster

        self._cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=connect_timeout_s, set_as_default=False)
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
            import dask

            # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (its
            # distributed.nanny.pre-spawn-environ), which also fixes glibc's mmap threshold
            # at 128 KiB: every array of the loss engine is then mapped and unmapped afresh
            # and each of its pages faulted in. The million-satellite deployment ran 120
            # years in 66.9 s with it and 40.9 s without on 2 workers
            # (benchmarks/bench_campaign.py). The workers keep glibc's adaptive default
            # unless the variable is set in the environment.
            spawn_env = ({} if "MALLOC_TRIM_THRESHOLD_" in os.environ else
                         {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
            # no statistical profiler in the workers (a thread that samples the task's
            # stack every 10 ms, under the GIL, for a dashboard this cluster does not serve)
            spawn_env["distributed.worker.profile.enabled"] = False
            with dask.config.set(spawn_env):
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=True, memory_limit=memory_limit,
                                             dashboard_address=None)
            # not the process's default client: a default client sets dask's global
            # ``scheduler = "dask.distributed"`` and restores what it saw when it closes, so
            # two clusters closed in the order they were opened left the setting behind
            # with no client, and xarray's netCDF writer (the fit's InferenceData) then
            # failed with "Requested dask.distributed scheduler but no Client active".
            # riskengine hands its client to every map explicitly.
            self.client = Client(self._cluster, set_as_default=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


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
