"""Dask scale-out: identical tables with 1 process and 2 workers, a killed worker is
retried with the same result, and a failed run leaves no visible rows."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from riskengine import scale
from riskengine.store import connect, run


def poisson_lognormal_block(task):
    """A block of a Poisson(3) x lognormal(10, 1) compound (module-level: picklable)."""
    rng = np.random.default_rng(scale.block_seed(task["seed"], task["block"]))
    n = rng.poisson(3.0, task["n"])
    years = np.arange(task["start"], task["start"] + task["n"])
    sev = rng.lognormal(10.0, 1.0, int(n.sum()))
    annual = np.bincount(np.repeat(np.arange(task["n"]), n), sev, minlength=task["n"])
    if task.get("sleep"):
        time.sleep(task["sleep"])
    if task.get("fail"):
        raise RuntimeError("block failed")
    return {"ylt": {"year": years, "loss": annual, "ground_up_loss": annual}}


def _ylt(con, run_id):
    return con.execute("select year, loss from ylt where run_id=? order by year", [run_id]).fetchnumpy()


def _simulate(con, tasks, client=None):
    out = scale.scratch_dir()
    try:
        with run(con, "simulate", seed=7, years=sum(t["n"] for t in tasks)) as r:
            paths = scale.run_blocks(poisson_lognormal_block, tasks, out, client=client)
            scale.load_parquet(r, "ylt", paths["ylt"])
    finally:
        scale.cleanup(out)
    return r.run_id


def test_block_plan_and_seeds():
    plan = scale.block_plan(25_000, 10_000)
    assert [b["n"] for b in plan] == [10_000, 10_000, 5_000] and plan[2]["start"] == 20_001
    a = np.random.default_rng(scale.block_seed(1, 3)).random(3)
    b = np.random.default_rng(scale.block_seed(1, 3)).random(3)
    c = np.random.default_rng(scale.block_seed(1, 4)).random(3)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    with pytest.raises(ValueError):
        scale.block_plan(0, 10)


def test_one_process_vs_two_workers_identical(db_path):
    con = connect(db_path)
    tasks = [dict(seed=7, **b) for b in scale.block_plan(20_000, 2_500)]
    single = _simulate(con, tasks)
    with scale.Cluster(workers=2) as cl:
        dist = _simulate(con, tasks, cl.client)
    a, b = _ylt(con, single), _ylt(con, dist)
    assert len(a["year"]) == 20_000
    assert np.array_equal(a["year"], b["year"]) and np.array_equal(a["loss"], b["loss"])


def test_killed_worker_is_retried_same_result(db_path):
    con = connect(db_path)
    tasks = [dict(seed=7, sleep=0.4, **b) for b in scale.block_plan(8_000, 1_000)]
    ref = _simulate(con, tasks)
    with scale.Cluster(workers=2) as cl:
        pids = cl.client.run(os.getpid)  # {worker address: pid}
        victim = sorted(pids.values())[0]

        def kill_soon():
            time.sleep(0.6)
            os.kill(victim, 9)

        import threading

        threading.Thread(target=kill_soon, daemon=True).start()
        got = _simulate(con, tasks, cl.client)
    assert np.array_equal(_ylt(con, ref)["loss"], _ylt(con, got)["loss"])


def test_failed_block_leaves_no_rows(db_path):
    con = connect(db_path)
    tasks = [dict(seed=7, **b) for b in scale.block_plan(4_000, 1_000)]
    tasks[2]["fail"] = True
    with scale.Cluster(workers=2) as cl:
        with pytest.raises(RuntimeError, match="block failed"):
            _simulate(con, tasks, cl.client)
    assert con.execute("select count(*) from ylt").fetchone()[0] == 0
    assert con.execute("select status from runs").fetchone()[0] == "failed"


def test_unreachable_scheduler_is_a_clear_error():
    from riskengine.errors import ClusterError

    t = time.perf_counter()
    with pytest.raises(ClusterError, match="tcp://127.0.0.1:1.*dask scheduler"):
        scale.Cluster(scheduler="tcp://127.0.0.1:1", connect_timeout_s=1.0)
    assert time.perf_counter() - t < 15
