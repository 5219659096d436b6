"""One executor for block-parallel work: in this process, local processes, or Dask.

Screening (time x object blocks), batched propagation (object x time blocks) and the loss
engine (blocks of years) all cut their work into *tasks* and map one pure function over
them. :class:`Executor` runs that map the same way for all three:

* ``workers=1``: in this process, in task order;
* ``workers=N``: a local process pool. With the ``fork`` start method (Linux) the
  ``shared`` object is inherited by the workers without pickling (SGP4 ``Satrec`` objects
  and shared-memory output arrays cannot be pickled); with ``spawn`` it is pickled once
  per worker through the pool initializer;
* ``client=``: a Dask client. ``shared`` is broadcast to every worker as one object
  under a key of its own map (it must pickle) and released when the map ends; each task
  is retried on another worker if its worker dies (a retried block is bit-identical, as
  each task draws from its own random stream).

Results come back **in task order** whatever the backend (the process pool keeps at
most ``2 x workers`` tasks in flight, for bounded memory; Dask is given every task at once
and releases each result on the workers once it has it), so the caller's output does not
depend on the number of workers. ``progress(done, total)`` is called after each task with
the summed task weights.

Examples
--------
>>> def square_plus(shared, task):
...     return task * task + shared
>>> list(Executor(1).map(square_plus, [1, 2, 3], shared=10))
[11, 14, 19]
>>> list(Executor(2).map(square_plus, range(5), shared=1))
[1, 2, 5, 10, 17]
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: shared objects of the maps running in this process, by token (inherited by forked
#: workers, set by the initializer in spawned ones)
_SHARED: dict[int, Any] = {}
_TOKENS = itertools.count(1)


def default_workers() -> int:
    """CPUs this process may use (``sched_getaffinity``), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(token: int, fn: Callable, shared: Any) -> None:
    _SHARED.clear()
    _SHARED[token] = (fn, shared)


def _call(token: int, task: Any) -> Any:
    fn, shared = _SHARED[token]
    return fn(shared, task)


def _call_dask(fn: Callable, shared: Any, task: Any) -> Any:
    return fn(shared, task)


def _scatter(client, shared: Any, key: str, attempts: int = 6, wait_s: float = 0.5):
    """Broadcast ``shared`` to every worker as one object under ``key``; None stays None.

    One key per map (and per re-scatter) keeps two maps on one client apart: a dict
    scattered as is would be stored under its own keys (``"jd0"``, ``"step_s"``...), shared
    by every map that uses the same names. A broadcast that meets a worker just lost
    (``CommClosedError``, an ``OSError``) is tried again after a short wait, up to
    ``attempts`` times (waits of ``wait_s``, doubling), while the cluster replaces the
    worker.
    """
    if shared is None:
        return None
    for attempt in range(attempts):
        try:
            fut = client.scatter({key: shared}, broadcast=True)[key]
        except OSError:
            if attempt == attempts - 1:
                raise
            time.sleep(wait_s * 2 ** attempt)
            continue
        return fut


class Executor:
    """Map a pure function ``fn(shared, task)`` over tasks (see the module docstring).

    Parameters
    ----------
    workers : int, optional
        Local processes (default 1; ``None``: every CPU available).
    client : distributed.Client, optional
        Run on Dask instead (``workers`` is then ignored).
    start_method : {"fork", "spawn", "forkserver"}, optional
        Local process start method (default ``fork`` where the platform has it, which
        shares ``shared`` without pickling; else ``spawn``).
    retries : int
        Dask retries per task.
    """

    def __init__(self, workers: int | None = 1, *, client=None, start_method: str | None = None,
                 retries: int = 3):
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.client = client
        methods = mp.get_all_start_methods()
        self.start_method = start_method or ("fork" if "fork" in methods else "spawn")
        self.retries = retries

    @property
    def backend(self) -> str:
        if self.client is not None:
            return "dask"
        return "processes" if self.workers > 1 else "serial"

    def map(self, fn: Callable[[Any, Any], Any], tasks: Iterable, *, shared: Any = None,
            progress: Callable[[float, float], None] | None = None,
            weight: Callable[[Any], float] | None = None, total: int | None = None) -> Iterator:
        """Yield ``fn(shared, task)`` for every task, in task order.

        ``total``: the number of tasks, given when ``tasks`` is an iterator to be drawn
        only as the map needs its next task (locally: when a worker has room for it). The
        caller's work that makes a later task then runs while the workers run the earlier
        ones (without weights; Dask lists the tasks first).

        Examples
        --------
        >>> def later():     # made while the first tasks run
        ...     yield from range(4)
        >>> list(Executor(2, start_method="spawn").map(pow, later(), shared=2, total=4))
        [1, 2, 4, 8]
        """
        lazy = total is not None and self.backend == "processes" and weight is None
        if not lazy:
            tasks = list(tasks)
        w = None if lazy else [float(weight(t)) if weight else 1.0 for t in tasks]
        total_w = float(total) if lazy else sum(w)
        done = 0.0

        def tick(k):
            nonlocal done
            done += 1.0 if lazy else w[k]
            if progress is not None:
                progress(done, total_w)

        if lazy:
            yield from self._map_processes(fn, iter(tasks), shared, tick, int(total))
            return
        if self.backend == "serial" or len(tasks) <= 1:
            for k, t in enumerate(tasks):
                out = fn(shared, t)
                tick(k)
                yield out
            return
        if self.backend == "dask":
            yield from self._map_dask(fn, tasks, shared, tick)
            return
        yield from self._map_processes(fn, tasks, shared, tick)

    # ------------------------------------------------------------------ backends
    def _map_processes(self, fn, tasks, shared, tick, n_tasks: int | None = None):
        token = next(_TOKENS)
        ctx = mp.get_context(self.start_method)
        n = max(1, min(self.workers, len(tasks) if n_tasks is None else n_tasks))
        if self.start_method == "fork":
            _SHARED[token] = (fn, shared)     # inherited by the forked workers: no pickling
            pool = ProcessPoolExecutor(n, mp_context=ctx)
        else:
            pool = ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker,
                                       initargs=(token, fn, shared))
        try:
            with pool:
                pending: deque = deque()
                it = iter(enumerate(tasks))
                for k, t in itertools.islice(it, 2 * n):
                    pending.append((k, pool.submit(_call, token, t)))
                while pending:
                    k, fut = pending.popleft()
                    out = fut.result()
                    nxt = next(it, None)
                    if nxt is not None:
                        pending.append((nxt[0], pool.submit(_call, token, nxt[1])))
                    tick(k)
                    yield out
        finally:
            _SHARED.pop(token, None)

    def _map_dask(self, fn, tasks, shared, tick):
        from distributed import as_completed

        from concurrent.futures import CancelledError

        client = self.client
        tasks = list(tasks)
        token = next(_TOKENS)
        sh = _scatter(client, shared, f"shared-{os.getpid()}-{token}")
        scattered = [sh]
        try:
            futs = [client.submit(_call_dask, fn, sh, t, key=f"block-{os.getpid()}-{token}-{k}",
                                  retries=self.retries, pure=False)
                    for k, t in enumerate(tasks)]
            index = {f.key: k for k, f in enumerate(futs)}
            gen = {f.key: 0 for f in futs}      # the scatter each task was given
            scatters = 0
            results: dict[int, Any] = {}
            nxt = 0
            again = 0
            done = as_completed(futs, loop=client.loop)   # not the default client's
            for fut in done:
                k = index[fut.key]
                try:
                    results[k] = fut.result()
                    # forget the task's result on the worker as soon as it is here: a future
                    # kept for the whole map kept every result in the workers' memory until
                    # the end (the 20,000-year deployment's 625 results of ~7 MB each: workers
                    # of 3.5 GB RSS, against 1.1 GB with this)
                    futs[k] = None
                    fut.release()
                except CancelledError:
                    # a worker lost mid-run can take the scattered inputs with it and the
                    # scheduler then forgets the tasks that needed them: scatter again and
                    # resubmit the block (the same task, so the same result), a bounded number
                    # of times
                    again += 1
                    if again > (self.retries + 1) * len(tasks):
                        raise
                    if gen[fut.key] == scatters:    # once per loss, not once per block
                        scatters += 1
                        sh = _scatter(client, shared,
                                      f"shared-{os.getpid()}-{token}-again{scatters}")
                        scattered.append(sh)
                    f2 = client.submit(_call_dask, fn, sh, tasks[k], pure=False,
                                       key=f"block-{os.getpid()}-{token}-{k}-again{again}",
                                       retries=self.retries)
                    index[f2.key] = k
                    gen[f2.key] = scatters
                    done.add(f2)
                    continue
                tick(k)
                while nxt in results:
                    yield results.pop(nxt)
                    nxt += 1
        finally:
            # the shared inputs stay on the workers only as long as their map
            for f in scattered:
                if f is not None:
                    f.release()


class Background:
    """``fn(*args)`` in a process of its own (``spawn``: nothing inherited, the arguments
    and the result pickled), while the caller goes on; :meth:`result` waits for it.

    For work that uses one core beside a caller that uses the other, such as the Bayesian
    fit's sampling beside the hazards stage (:func:`riskengine.stages.price`). The process
    ends with :meth:`result` or :meth:`close` (also as a context manager); an exception in
    ``fn`` is raised again by :meth:`result`.

    Examples
    --------
    >>> with Background(pow, 2, 10) as job:
    ...     job.result()
    1024
    """

    def __init__(self, fn: Callable, *args: Any, start_method: str = "spawn"):
        self._pool = mp.get_context(start_method).Pool(1)
        self._job = self._pool.apply_async(fn, args)

    def result(self, timeout: float | None = None) -> Any:
        try:
            return self._job.get(timeout)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the process (the work is lost if it has not finished)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
