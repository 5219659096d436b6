"""Validate element sets by initialising their SGP4 records, overlapped with the load.

A catalog load refuses element sets that SGP4 itself refuses (``Satrec.error`` after
initialisation: 1 eccentricity or semi-major axis out of range, 2 negative mean motion,
... 6 decayed). ``Satrec.twoline2rv`` is C++ that holds the GIL, so no thread can run it
next to the parse. Where ``os.fork`` is dependable (Linux), :class:`Sgp4Check` therefore
initialises a file's records in a forked child as soon as the file is split into
records; the child sends back one error-code byte per record while this process goes on
decoding fields and writing DuckDB. Elsewhere, for small files, for element sets without
TLE lines (OMM) and if a child fails for any reason, the same initialisation runs
in-process when the results are collected.

Examples
--------
>>> l1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
>>> l2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"
>>> sgp4_errors([l1], [l2]).tolist()
[0]
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from dataclasses import dataclass

import numpy as np

from riskengine.catalog.tle import RecordProblem

#: Fork a child for the check (Linux only: macOS system libraries are not fork-safe).
FORK = sys.platform.startswith("linux") and hasattr(os, "fork")
#: Below this many records a fork (a few ms) costs more than the overlap saves.
MIN_FORK_RECORDS = 2000
ERROR_HELP = "see sgp4 docs: 1 eccentricity, 2 mean motion, 6 decayed"


def sgp4_errors(line1, line2) -> np.ndarray:
    """``Satrec.error`` after ``Satrec.twoline2rv`` of every line pair (0 = usable)."""
    from sgp4.api import Satrec

    init = Satrec.twoline2rv
    return np.array([init(a, b).error for a, b in zip(line1, line2)], dtype=np.uint8)


def problem(file: str, line: int, code: int) -> RecordProblem:
    """The rejection of one element set that SGP4 refuses."""
    return RecordProblem(file, line, f"SGP4 initialisation failed with error code {code} "
                         f"({ERROR_HELP})")


@dataclass
class _Job:
    file: str
    line_no: np.ndarray
    line1: object
    line2: object
    pid: int | None = None
    fd: int | None = None
    errors: np.ndarray | None = None


def _fork_child(line1, line2) -> tuple[int, int]:
    """Fork a child that writes ``sgp4_errors(line1, line2)`` to a pipe; (pid, read fd)."""
    from sgp4.api import Satrec

    init = Satrec.twoline2rv      # bound before the fork: the child imports nothing
    r, w = os.pipe()
    with warnings.catch_warnings():   # Python >= 3.12 warns on fork in a threaded process
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:                  # child: C++ initialisation, one write, no cleanup
        code = 1
        try:
            os.close(r)
            view = memoryview(bytes([init(a, b).error for a, b in zip(line1, line2)]))
            while view:
                view = view[os.write(w, view):]
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def _collect(job: _Job) -> np.ndarray:
    """Wait for a job's child; on any failure of the child, check in-process instead."""
    chunks = []
    try:
        while chunk := os.read(job.fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(job.fd)
        _, status = os.waitpid(job.pid, 0)
        job.fd = job.pid = None
    data = b"".join(chunks)
    if os.waitstatus_to_exitcode(status) != 0 or len(data) != len(job.line_no):
        return sgp4_errors(job.line1, job.line2)
    return np.frombuffer(data, np.uint8)


class Sgp4Check:
    """SGP4 validation of the element sets of a load, started per file, collected once.

    Use as a context manager: leaving it stops and reaps children that were not
    collected (e.g. when the parse refuses a file).

    Parameters
    ----------
    fork : bool, optional
        Run the check in forked children (default :data:`FORK`).
    """

    def __init__(self, fork: bool | None = None):
        self.fork = FORK if fork is None else fork
        self._jobs: list[_Job] = []

    def __enter__(self) -> "Sgp4Check":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, file: str, line_no, line1, line2) -> None:
        """Start checking a file's TLE records (``line_no``: 1-based record lines)."""
        if not self.fork or len(line_no) < MIN_FORK_RECORDS:
            return                # checked in-process by :meth:`problems`
        job = _Job(str(file), np.asarray(line_no, np.int64), line1, line2)
        job.pid, job.fd = _fork_child(line1, line2)
        self._jobs.append(job)

    def problems(self, cat) -> list[RecordProblem]:
        """Rejections for the entries of catalog ``cat`` that SGP4 refuses.

        Waits for the children; entries no child checked are initialised here (and
        their SGP4 records kept in ``cat``'s cache).
        """
        covered = np.zeros(len(cat), bool)
        out: list[RecordProblem] = []
        files = cat.source_file
        for job in self._jobs:
            if job.errors is None:
                job.errors = _collect(job)
            mine = files == job.file
            covered |= mine
            for k in np.flatnonzero(job.errors).tolist():
                line = int(job.line_no[k])
                # only entries still in the catalog (an older duplicate was dropped)
                if np.any(mine & (cat.source_line == line)):
                    out.append(problem(job.file, line, int(job.errors[k])))
        rest = np.flatnonzero(~covered)
        if len(rest) == len(cat):
            sats = cat.satrecs()
            err = np.fromiter((s.error for s in sats), np.int64, len(sats))
            rest_err = [(k, int(err[k])) for k in np.flatnonzero(err).tolist()]
        elif len(rest):
            sats = [cat.satrec(int(k)) for k in rest]
            rest_err = [(int(k), s.error) for k, s in zip(rest, sats) if s.error]
        else:
            rest_err = []
        out += [problem(str(files[k]), int(cat.source_line[k]), code) for k, code in rest_err]
        return sorted(out, key=lambda p: (p.file, p.line))

    def close(self) -> None:
        """Stop and reap children whose results were not collected."""
        for job in self._jobs:
            if job.pid is not None:
                try:
                    os.kill(job.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.close(job.fd)
                os.waitpid(job.pid, 0)
                job.pid = job.fd = None
        self._jobs = []
