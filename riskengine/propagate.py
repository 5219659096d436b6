"""Batched SGP4 propagation: objects x times -> error codes, TEME positions and velocities.

Axis convention (used by every array in :mod:`riskengine.propagate` and
:mod:`riskengine.screen`): **(n_objects, n_times, 3)** for vectors and
**(n_objects, n_times)** for per-state scalars such as error codes. Units: km, km/s,
times as split Julian dates (``jd + fr``, UTC, as :mod:`sgp4` takes them).

The work is done by :class:`sgp4.api.SatrecArray` (C++, holds the GIL), split into
object blocks x time chunks so that no single call allocates more than
``max_chunk_states`` states, and spread over processes (``workers``) by
:class:`riskengine.executor.Executor`. Workers are forked, inherit the ``Satrec`` objects
(which cannot be pickled) and write straight into shared-memory output arrays, so nothing
is pickled per chunk and the results are bit-identical to one single-process
``SatrecArray.sgp4`` call: each object is propagated independently and exactly the same
C++ code runs on it.

Failures (decay, eccentricity out of range, bad elements) never raise: the state is NaN
and the error code is the one ``sgp4`` defines (1 mean eccentricity, 2 mean motion,
3 perturbed eccentricity, 4 semi-latus rectum, 6 decayed).

Examples
--------
>>> from sgp4.api import Satrec
>>> s = Satrec.twoline2rv(*EXAMPLE_TLE)
>>> import numpy as np
>>> jd, fr = np.full(2, s.jdsatepoch), s.jdsatepochF + np.array([0.0, 360.0]) / 1440.0
>>> e, r, v = propagate([s], jd, fr, workers=1)
>>> r.shape, int(e.max())
((1, 2, 3), 0)
>>> np.round(r[0, 0], 5).tolist()
[7022.46529, -1400.08297, 0.03995]
"""

from __future__ import annotations

import mmap
from typing import Iterator

import numpy as np

from riskengine.executor import Executor, default_workers  # noqa: F401  (re-exported)

#: Largest number of (object, time) states one ``SatrecArray.sgp4`` call produces
#: (7 float64/uint8 values each: ~50 MB at the default).
MAX_CHUNK_STATES = 1_000_000

ERROR_MESSAGES = {
    0: "ok",
    1: "mean eccentricity out of range",
    2: "mean motion below zero",
    3: "perturbed eccentricity out of range",
    4: "semi-latus rectum below zero",
    5: "(unused)",
    6: "orbit decayed",
}

_UNIX_JD = 2440587.5  # Julian date of 1970-01-01T00:00 UTC

#: Vanguard 1 (00005), the first case of Vallado's SGP4 verification set: the examples' TLE.
EXAMPLE_TLE = ("1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753",
               "2 00005  34.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667")


def julian(times) -> tuple[np.ndarray, np.ndarray]:
    """Split Julian dates ``(jd, fr)`` for UTC ``datetime64`` times.

    ``jd`` is the whole-day part at midnight (…​.5) and ``fr`` the fraction of the day,
    which keeps microsecond resolution (a single float64 Julian date only holds ~40 µs).

    Examples
    --------
    >>> jd, fr = julian(np.array(["2000-01-01T12:00"], "datetime64[us]"))
    >>> float(jd[0] + fr[0])
    2451545.0
    """
    t = np.asarray(times, dtype="datetime64[us]").astype(np.int64)
    day_us = 86_400_000_000
    days = np.floor_divide(t, day_us)
    rem = t - days * day_us
    return days.astype(np.float64) + _UNIX_JD, rem.astype(np.float64) / day_us


def _as_satrecs(sats) -> list:
    if hasattr(sats, "satrecs"):
        return list(sats.satrecs())
    return list(sats)


# ----------------------------------------------------------------------- block worker
def _shared_empty(shape, dtype) -> np.ndarray:
    """An array in anonymous shared memory: visible to forked children and the parent."""
    n = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buf = mmap.mmap(-1, max(n, 1))
    return np.frombuffer(buf, dtype=dtype, count=int(np.prod(shape))).reshape(shape)


def _run_block(job: dict, task) -> int:
    """Worker body: propagate objects [a, b) over time chunk [t0, t1) into the outputs."""
    from sgp4.api import SatrecArray

    a, b, t0, t1 = task
    cache = job.setdefault("arrays", {})
    arr = cache.get((a, b))
    if arr is None:
        arr = cache[(a, b)] = SatrecArray(job["satrecs"][a:b])
    jd, fr = job["jd"][t0:t1], job["fr"][t0:t1]
    if t0 == 0 and t1 == len(job["jd"]):
        # contiguous rows: the C++ code writes straight into the (shared) outputs
        e = job["e"][a:b]
        arr._sgp4(jd, fr, e, job["r"][a:b], job["v"][a:b])
    else:
        e, r, v = arr.sgp4(jd, fr)
        job["e"][a:b, t0:t1] = e
        job["r"][a:b, t0:t1] = r
        job["v"][a:b, t0:t1] = v
    bad = e != 0
    if bad.any():  # sgp4 leaves some failed states (e.g. decayed) finite: blank them all
        job["r"][a:b, t0:t1][bad] = np.nan
        job["v"][a:b, t0:t1][bad] = np.nan
    return int(np.count_nonzero(bad))


def _plan(n_obj: int, n_t: int, workers: int, max_states: int):
    """Object blocks (one per worker, or more when huge) x time chunks."""
    n_blocks = max(1, min(workers, n_obj))
    edges = np.linspace(0, n_obj, n_blocks + 1).astype(int)
    tasks = []
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        # within a block, chunk objects too when a single time step is already too big
        obj_step = max(1, min(b - a, max_states))
        t_step = max(1, max_states // obj_step)
        for oa in range(a, b, obj_step):
            ob = min(b, oa + obj_step)
            for t0 in range(0, n_t, t_step):
                tasks.append((oa, ob, t0, min(n_t, t0 + t_step)))
    return tasks


def propagate(sats, jd, fr=None, *, workers: int | None = None,
              max_chunk_states: int = MAX_CHUNK_STATES):
    """Propagate every object to every time with SGP4.

    Parameters
    ----------
    sats : Catalog or sequence of sgp4.api.Satrec
        The objects (a :class:`riskengine.catalog.Catalog` uses its cached ``satrecs()``).
    jd, fr : array_like, shape (n_times,)
        Split Julian dates (UTC), as :func:`julian` returns; ``fr`` defaults to zeros.
    workers : int, optional
        Processes (default: the CPUs available). ``1`` runs in this process.
    max_chunk_states : int
        Largest number of states one C++ call computes (bounds temporary memory).

    Returns
    -------
    e : ndarray of uint8, shape (n_objects, n_times)
        SGP4 error code per state (0 = ok; see :data:`ERROR_MESSAGES`).
    r, v : ndarray of float64, shape (n_objects, n_times, 3)
        TEME position (km) and velocity (km/s); NaN where ``e != 0``.

    Examples
    --------
    >>> from sgp4.api import Satrec
    >>> s = Satrec.twoline2rv(*EXAMPLE_TLE)
    >>> e, r, v = propagate([s, s], [s.jdsatepoch] * 3, [0.0, 0.5, 1.0], workers=1)
    >>> e.shape, r.shape
    ((2, 3), (2, 3, 3))
    """
    satrecs = _as_satrecs(sats)
    jd = np.ascontiguousarray(np.atleast_1d(np.asarray(jd, dtype=np.float64)))
    fr = (np.zeros_like(jd) if fr is None
          else np.ascontiguousarray(np.broadcast_to(np.asarray(fr, np.float64), jd.shape)))
    n_obj, n_t = len(satrecs), len(jd)
    workers = default_workers() if workers is None else max(1, int(workers))
    if n_obj == 0 or n_t == 0:
        return (np.zeros((n_obj, n_t), np.uint8), np.zeros((n_obj, n_t, 3)),
                np.zeros((n_obj, n_t, 3)))
    # small jobs are not worth a fork
    if n_obj * n_t < 20_000:
        workers = 1
    parallel = workers > 1
    alloc = _shared_empty if parallel else (lambda shape, dt: np.empty(shape, dt))
    e = alloc((n_obj, n_t), np.uint8)
    r = alloc((n_obj, n_t, 3), np.float64)
    v = alloc((n_obj, n_t, 3), np.float64)
    tasks = _plan(n_obj, n_t, workers, max_chunk_states)
    job = dict(satrecs=satrecs, jd=jd, fr=fr, e=e, r=r, v=v)
    # forked workers inherit the Satrec objects and write into the shared-memory outputs
    for _ in Executor(workers, start_method="fork").map(_run_block, tasks, shared=job):
        pass
    # (shared-memory outputs are ordinary arrays to the caller; the mapping is freed with them)
    return e, r, v


def iter_propagate(sats, jd, fr=None, *, times_per_chunk: int = 1440,
                   workers: int | None = None) -> Iterator[tuple[slice, np.ndarray,
                                                                   np.ndarray, np.ndarray]]:
    """:func:`propagate` over consecutive time chunks, for bounded memory.

    Yields ``(time_slice, e, r, v)`` with ``e`` of shape (n_objects, chunk) and ``r, v``
    of shape (n_objects, chunk, 3).

    Examples
    --------
    >>> from sgp4.api import Satrec
    >>> s = Satrec.twoline2rv(*EXAMPLE_TLE)
    >>> [sl.stop for sl, *_ in iter_propagate([s], [s.jdsatepoch] * 5, times_per_chunk=2,
    ...                                      workers=1)]
    [2, 4, 5]
    """
    satrecs = _as_satrecs(sats)
    jd = np.atleast_1d(np.asarray(jd, np.float64))
    fr = np.zeros_like(jd) if fr is None else np.broadcast_to(np.asarray(fr, np.float64),
                                                               jd.shape)
    for t0 in range(0, len(jd), times_per_chunk):
        sl = slice(t0, min(len(jd), t0 + times_per_chunk))
        yield (sl, *propagate(satrecs, jd[sl], fr[sl], workers=workers))


def count_failures(e: np.ndarray) -> dict[int, int]:
    """Objects per SGP4 error code (an object counts once, under its first error).

    Examples
    --------
    >>> count_failures(np.array([[0, 0], [0, 6], [1, 1]], np.uint8))
    {1: 1, 6: 1}
    """
    e = np.asarray(e)
    if e.ndim == 1:
        e = e[:, None]
    bad = e != 0
    rows = np.flatnonzero(bad.any(axis=1))
    first = e[rows, bad[rows].argmax(axis=1)]
    codes, counts = np.unique(first, return_counts=True)
    return {int(c): int(n) for c, n in zip(codes, counts)}
