"""One executor for block-parallel work: identical results in this process, in local
processes and on Dask; a killed Dask worker's block is retried with the same result; a
failed block leaves no visible rows."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from riskengine import scale
from riskengine.config import Policy
from riskengine.core.engine import blocks, simulate_block
from riskengine.core.sources import HazardSet
from riskengine.executor import Executor
from riskengine.store import connect, run


def _hazard_set():
    hs = HazardSet(np.full(200, 2e7), np.zeros(200, int), ["s"], [])
    hs.add_independent_failure("hw", 0.01)
    hs.add_common_shock("storm", 0.3, 0.02)
    return hs


def block(shared, task):
    """An engine block (module-level: picklable); optional sleep and failure for the tests."""
    hs, seed, sleep, fail = shared
    b, n = task
    if sleep:
        time.sleep(sleep)
    if b in fail:
        raise RuntimeError("block failed")
    return simulate_block(hs, Policy(), seed, b, n).gross


def _all(ex, tasks, sleep=0.0, fail=()):
    return np.concatenate(list(ex.map(block, tasks, shared=(_hazard_set(), 7, sleep, fail))))


def test_serial_processes_and_dask_identical():
    tasks = blocks(20_000, 2_500)
    ref = _all(Executor(1), tasks)
    assert len(ref) == 20_000
    assert np.array_equal(ref, _all(Executor(2, start_method="fork"), tasks))
    assert np.array_equal(ref, _all(Executor(2, start_method="spawn"), tasks))
    with scale.Cluster(workers=2) as cl:
        assert np.array_equal(ref, _all(Executor(client=cl.client), tasks))


def test_progress_and_order():
    seen = []
    out = list(Executor(2).map(lambda s, t: t * s, range(6), shared=3,
                               progress=lambda d, tot: seen.append((d, tot))))
    assert out == [0, 3, 6, 9, 12, 15] and seen[-1] == (6.0, 6.0)


def test_a_lazy_task_is_made_only_when_a_worker_has_room():
    """``total=``: the tasks come from an iterator drawn as the pool takes them (at most
    2 x workers in flight), so the caller makes later tasks while the first ones run; the
    results, their order and the progress are those of the listed tasks."""
    drawn = []

    def tasks():
        for t in range(10):
            drawn.append(t)
            yield (t, 1)

    ex = Executor(2, start_method="spawn")
    seen = []
    got = ex.map(block, tasks(), shared=(_hazard_set(), 7, 0.0, ()), total=10,
                 progress=lambda d, tot: seen.append((d, tot)))
    first = next(got)
    assert len(drawn) <= 5          # the 4 in flight and the one after the first result
    rest = list(got)
    ref = list(Executor(1).map(block, [(t, 1) for t in range(10)],
                               shared=(_hazard_set(), 7, 0.0, ())))
    assert all(np.array_equal(a, b) for a, b in zip([first] + rest, ref))
    assert len(rest) == 9 and drawn == list(range(10)) and seen[-1] == (10.0, 10.0)

def test_killed_worker_is_retried_same_result():
    tasks = blocks(8_000, 1_000)
    ref = _all(Executor(1), tasks)
    with scale.Cluster(workers=2) as cl:
        victim = sorted(cl.client.run(os.getpid).values())[0]

        def kill_soon():
            time.sleep(0.6)
            os.kill(victim, 9)

        threading.Thread(target=kill_soon, daemon=True).start()
        got = _all(Executor(client=cl.client), tasks, sleep=0.4)
    assert np.array_equal(ref, got)


def test_failed_block_leaves_no_rows(db_path):
    con = connect(db_path)
    tasks = blocks(4_000, 1_000)
    with scale.Cluster(workers=2) as cl:
        with pytest.raises(RuntimeError, match="block failed"):
            with run(con, "simulate", seed=7, years=4_000) as r:
                for (b, n), g in zip(tasks, Executor(client=cl.client).map(
                        block, tasks, shared=(_hazard_set(), 7, 0.0, (2,)))):
                    r.write("ylt", {"year": b * 1000 + 1 + np.arange(n), "loss": g,
                                    "ground_up_loss": g})
    assert con.execute("select count(*) from ylt").fetchone()[0] == 0
    assert con.execute("select status from runs").fetchone()[0] == "failed"


def test_unreachable_scheduler_is_a_clear_error():
    from riskengine.errors import ClusterError

    t = time.perf_counter()
    with pytest.raises(ClusterError, match="tcp://127.0.0.1:1.*dask scheduler"):
        scale.Cluster(scheduler="tcp://127.0.0.1:1", connect_timeout_s=1.0)
    assert time.perf_counter() - t < 15


def _block_keys(dask_scheduler):
    return [k for k in dask_scheduler.tasks if str(k).startswith("block-")]


def test_dask_map_lets_go_of_each_fetched_result():
    """A block's result is released on the workers once the map has it: a long run does not
    keep every block's result in the workers' memory until the map ends (checked before
    the map is exhausted, while it still holds its state)."""
    tasks = blocks(8_000, 1_000)
    ref = _all(Executor(1), tasks)
    with scale.Cluster(workers=2) as cl:
        it = Executor(client=cl.client).map(block, tasks, shared=(_hazard_set(), 7, 0.0, ()))
        got = [next(it) for _ in tasks]           # every result, the generator not finished
        left = cl.client.run_on_scheduler(_block_keys)
        deadline = time.monotonic() + 20
        while left and time.monotonic() < deadline:   # (released asynchronously)
            time.sleep(0.2)
            left = cl.client.run_on_scheduler(_block_keys)
        assert left == []
        assert list(it) == []
    assert np.array_equal(ref, np.concatenate(got))


def _shared_keys(dask_scheduler):
    return [k for k in dask_scheduler.tasks if str(k).startswith("shared-")]


def _named(shared, task):
    return shared["a"] * 100 + task


def test_two_maps_sharing_key_names_do_not_mix_and_release_their_inputs():
    """Two maps at once on one client, each with a ``shared`` dict of the same key names:
    each map sees its own values (a dict scattered as is would be stored under ``"a"`` for
    both), and neither leaves its shared input on the workers once it is done."""
    with scale.Cluster(workers=2) as cl:
        ex = Executor(client=cl.client)
        one = ex.map(_named, range(6), shared={"a": 1})
        two = ex.map(_named, range(6), shared={"a": 2})
        got1, got2 = [next(one)], [next(two)]       # both scattered, both running
        got1 += list(one)
        got2 += list(two)
        assert got1 == [100 + k for k in range(6)]
        assert got2 == [200 + k for k in range(6)]
        left = cl.client.run_on_scheduler(_shared_keys)
        deadline = time.monotonic() + 20
        while left and time.monotonic() < deadline:   # (released asynchronously)
            time.sleep(0.2)
            left = cl.client.run_on_scheduler(_shared_keys)
        assert left == []


class _FlakyClient:
    """A client whose broadcast fails ``fails`` times as one to a worker just killed does."""

    def __init__(self, fails):
        self.fails, self.calls = fails, 0

    def scatter(self, data, broadcast=False):
        from distributed.comm.core import CommClosedError

        assert broadcast
        self.calls += 1
        if self.calls <= self.fails:
            raise CommClosedError("in <TCP (closed) ConnectionPool.scatter>: Stream is closed")
        return {k: ("future", v) for k, v in data.items()}


def test_a_broadcast_that_meets_a_lost_worker_is_tried_again():
    """CI saw a re-scatter after a killed worker fail with ``CommClosedError`` while the
    cluster replaced it: the broadcast is tried again after a wait, a bounded number of
    times, and the last error is raised as it is."""
    from distributed.comm.core import CommClosedError

    from riskengine.executor import _scatter

    client = _FlakyClient(fails=2)
    fut = _scatter(client, {"x": 1}, "shared-k", attempts=3, wait_s=0.01)
    assert fut == ("future", {"x": 1}) and client.calls == 3
    assert _scatter(client, None, "shared-n") is None and client.calls == 3
    with pytest.raises(CommClosedError, match="Stream is closed"):
        _scatter(_FlakyClient(fails=3), {"x": 1}, "shared-k", attempts=3, wait_s=0.01)


def test_clusters_closed_in_any_order_leave_dask_config_alone(tmp_path):
    """Two clusters open at once, closed in the order they were opened: dask's global
    ``scheduler`` setting is what it was, so the fit's netCDF writer (xarray asks dask
    which scheduler is active) still works. A default client left
    ``scheduler = "dask.distributed"`` behind with no client: "Requested dask.distributed
    scheduler but no Client active" in a later single-process price."""
    import dask
    import xarray as xr

    from riskengine.scale import Cluster

    before = dask.config.get("scheduler", None)
    a, b = Cluster(workers=1), Cluster(workers=1)
    assert a.client.submit(abs, -2).result() == 2 and b.client.submit(abs, -3).result() == 3
    a.__exit__(None, None, None)
    b.__exit__(None, None, None)
    assert dask.config.get("scheduler", None) == before
    xr.Dataset({"x": ("t", np.arange(3))}).to_netcdf(tmp_path / "x.nc")
