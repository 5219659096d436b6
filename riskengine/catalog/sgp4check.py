"""Validate element sets by initialising their SGP4 records, overlapped with the load.

A catalog load refuses element sets that SGP4 itself refuses (``Satrec.error`` after
initialisation: 1 eccentricity or semi-major axis out of range, 2 negative mean motion,
... 6 decayed). ``Satrec.twoline2rv`` is C++ that holds the GIL, so no thread can run it
next to the parse. :class:`Sgp4Check` therefore hands a file's records, as soon as the
file is split, to a helper process (a bare ``python -S`` that imports only ``sgp4``, up in
~10 ms) which sends back one error-code byte per record while this process goes on
decoding fields and writing DuckDB. For small files, for element sets without TLE lines
(OMM), where no helper can be started and if the helper fails for any reason, the same
initialisation runs in-process when the results are collected.

Examples
--------
>>> l1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
>>> l2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"
>>> sgp4_errors([l1], [l2]).tolist()
[0]
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from riskengine.catalog.tle import RecordProblem

#: Check in a helper process (needs a Python executable to start).
PARALLEL = bool(sys.executable)
#: Below this many records the helper costs more than the overlap saves.
MIN_PARALLEL_RECORDS = 2000
#: At most this many records go to the helper (about ten full catalogs); the rest are
#: checked in-process at collection, and only those still in the catalog then, so an
#: input that repeats itself neither queues nor keeps unbounded data here.
MAX_PARALLEL_RECORDS = 250_000
#: ``Satrec.error`` codes (python-sgp4 documentation, "Error codes").
ERROR_TEXT = {
    1: "mean eccentricity outside 0 <= e < 1, or semi-major axis below 0.95 Earth radii",
    2: "mean motion below zero",
    3: "perturbed eccentricity outside 0 <= e <= 1",
    4: "semi-latus rectum below zero",
    5: "epoch elements are sub-orbital",
    6: "the orbit has decayed: the position at epoch is below the Earth's surface",
}
#: The helper: per job a header "n size", then size bytes of n line-1s and n line-2s,
#: newline-separated; answers n error-code bytes. Ends at end of input.
_HELPER = """\
import sys
sys.path.insert(0, sys.argv[1])
from sgp4.api import Satrec
init, rd, wr = Satrec.twoline2rv, sys.stdin.buffer, sys.stdout.buffer
while head := rd.readline():
    n, size = map(int, head.split())
    lines = rd.read(size).decode("utf-8", "surrogatepass").split("\\n")
    wr.write(bytes([init(a, b).error for a, b in zip(lines[:n], lines[n:])]))
    wr.flush()
"""


def sgp4_errors(line1, line2) -> np.ndarray:
    """``Satrec.error`` after ``Satrec.twoline2rv`` of every line pair (0 = usable)."""
    from sgp4.api import Satrec

    init = Satrec.twoline2rv
    return np.array([init(a, b).error for a, b in zip(line1, line2)], dtype=np.uint8)


def problem(file: str, line: int, code: int, text: str | None = None) -> RecordProblem:
    """The rejection of one element set that SGP4 refuses.

    ``line`` is its line 2 (the mean elements SGP4 checks at initialisation: eccentricity,
    mean motion, inclination) for a TLE, the record's line for OMM; ``text`` that line.
    """
    why = ERROR_TEXT.get(code, "see the python-sgp4 documentation of Satrec.error")
    return RecordProblem(file, line, f"SGP4 initialisation failed with error code {code} "
                         f"({why}); check the mean motion and eccentricity", text or "", text)


@dataclass
class _Job:
    file: str
    line_no: np.ndarray
    line1: object
    line2: object
    sent: Future | None = None
    errors: np.ndarray | None = None


class Sgp4Check:
    """SGP4 validation of the element sets of a load, started per file, collected once.

    Use as a context manager: leaving it stops the helper process, whether or not its
    results were collected (e.g. when the parse refuses a file).

    Parameters
    ----------
    parallel : bool, optional
        Check in a helper process (default :data:`PARALLEL`); else in-process.
    records : int, optional
        How many records the load is expected to hold; from :data:`MIN_PARALLEL_RECORDS`
        up the helper starts at once, so it is up before the first file is split.
    """

    def __init__(self, parallel: bool | None = None, records: int | None = None):
        self.parallel = PARALLEL if parallel is None else parallel
        self._jobs: list[_Job] = []
        self._partial: set[str] = set()   # files some of whose records were not submitted
        self._proc: subprocess.Popen | None = None
        self._writer: ThreadPoolExecutor | None = None
        if self.parallel and records is not None and records >= MIN_PARALLEL_RECORDS:
            self._start()

    def __enter__(self) -> "Sgp4Check":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> bool:
        import sgp4

        site = os.path.dirname(os.path.dirname(os.path.abspath(sgp4.__file__)))
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-S", "-c", _HELPER, site], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            self.parallel = False
            return False
        # writes release the GIL: this thread feeds the helper while the parse goes on
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="sgp4-check")
        return True

    def _send(self, data: bytes) -> None:
        self._proc.stdin.write(data)
        self._proc.stdin.flush()

    def submit(self, file: str, line_no, line1, line2) -> None:
        """Start checking TLE records of ``file`` (``line_no``: 1-based line numbers of
        their line 1s, as ``Catalog.source_line``); a file may come in several parts."""
        n = len(line_no)
        if (not self.parallel or n < MIN_PARALLEL_RECORDS
                or sum(len(j.line_no) for j in self._jobs) + n > MAX_PARALLEL_RECORDS):
            self._partial.add(str(file))
            return                # checked in-process by :meth:`problems`
        if self._proc is None and not self._start():
            self._partial.add(str(file))
            return
        job = _Job(str(file), np.asarray(line_no, np.int64), line1, line2)
        payload = ("\n".join(line1) + "\n" + "\n".join(line2)).encode("utf-8", "surrogatepass")
        job.sent = self._writer.submit(self._send, f"{len(job.line_no)} {len(payload)}\n"
                                       .encode() + payload)
        self._jobs.append(job)

    def _collect(self, job: _Job) -> np.ndarray:
        """The helper's answer for ``job``; in-process if the helper failed."""
        n = len(job.line_no)
        if self._proc is not None:
            try:
                job.sent.result()
                data = self._proc.stdout.read(n)
                if len(data) == n:
                    return np.frombuffer(data, np.uint8)
            except OSError:
                pass
            self.close()          # the helper is gone: the rest is checked here
        return sgp4_errors(job.line1, job.line2)

    def problems(self, cat) -> list[RecordProblem]:
        """Rejections for the entries of catalog ``cat`` that SGP4 refuses (see
        :meth:`refused`)."""
        return self.refused(cat)[0]

    def refused(self, cat) -> tuple[list[RecordProblem], np.ndarray]:
        """Rejections for the entries of ``cat`` that SGP4 refuses, and their mask.

        Waits for the helper; entries it did not check are initialised here (and their
        SGP4 records kept in ``cat``'s cache). A problem names an element set's line 2
        (``source_line + 1``) with its text, an OMM record's own line.
        """
        covered = np.zeros(len(cat), bool)
        bad = np.zeros(len(cat), bool)
        out: list[RecordProblem] = []
        files = cat.source_file
        for job in self._jobs:
            if job.errors is None:
                job.errors = self._collect(job)
            mine = files == job.file
            if job.file in self._partial:     # other parts of the file were not sent
                mine &= np.isin(cat.source_line, job.line_no)
            covered |= mine
            for k in np.flatnonzero(job.errors).tolist():
                line = int(job.line_no[k])
                # only entries still in the catalog (an older duplicate was dropped)
                hit = np.flatnonzero(mine & (cat.source_line == line))
                if len(hit):
                    bad[hit] = True
                    out.append(problem(job.file, line + 1, int(job.errors[k]), job.line2[k]))
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
        for k, code in rest_err:
            bad[k] = True
            l2 = cat.line2[k]
            tle = isinstance(l2, str) and bool(l2)
            out.append(problem(str(files[k]), int(cat.source_line[k]) + tle, code,
                               l2 if tle else None))
        return sorted(out, key=lambda p: (p.file, p.line)), bad

    def close(self) -> None:
        """Stop the helper and its feeding thread (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()       # unblocks a feeding write with a broken pipe
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None
            for f in (proc.stdin, proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            proc.wait()
