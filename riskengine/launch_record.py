"""The orbital launch record by vehicle family: read and validate the shipped table.

``riskengine/data/launch/launch_record.csv`` (sources and terms in its README) holds one
row per family: flights, successes, partial failures and failures to a dated ``as_of``, the
first flight's outcome, and the source. :func:`load_record` returns it as arrays for the
launch-failure model (:func:`riskengine.models.build_launch_model`).

Bad files are refused with :class:`riskengine.evidence.EvidenceError` naming the file, the
line and the fix.

Examples
--------
>>> rec = load_record()
>>> "falcon9" in rec.families and rec.row("ariane5")["flights"]
117
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from riskengine.evidence import EvidenceError

COLUMNS = ("family", "vehicle", "flights", "successes", "partial", "failures",
           "first_flight_date", "first_flight_outcome", "as_of", "orbital", "source")
OUTCOMES = ("success", "partial", "failure")


def record_path() -> Path:
    """The shipped launch record."""
    return Path(str(resources.files("riskengine") / "data" / "launch" / "launch_record.csv"))


@dataclass(frozen=True)
class LaunchRecord:
    """The launch record as arrays, one entry per family (file order)."""

    families: list
    rows: list            # dicts as read (ints and dates converted)
    path: Path

    def row(self, family: str) -> dict:
        return self.rows[self.families.index(family)]

    def array(self, key: str) -> np.ndarray:
        return np.array([r[key] for r in self.rows])

    @property
    def first_outcome(self) -> np.ndarray:
        """The first flight's outcome per family: 0 success, 1 partial, 2 failure."""
        return np.array([OUTCOMES.index(r["first_flight_outcome"]) for r in self.rows])

    def content_hash(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _int(path, line, row, key) -> int:
    raw = row.get(key, "")
    try:
        v = int(raw)
    except ValueError:
        raise EvidenceError(f"{path}: line {line}: {key} = {raw!r} is not a whole number; "
                            "write the count of flights") from None
    if v < 0:
        raise EvidenceError(f"{path}: line {line}: {key} = {v} is negative")
    return v


def _date(path, line, row, key) -> dt.date:
    raw = row.get(key, "")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise EvidenceError(f"{path}: line {line}: {key} = {raw!r} is not an ISO date "
                            "(YYYY-MM-DD)") from None


def load_record(path: str | Path | None = None) -> LaunchRecord:
    """Read and check the launch record (default: the shipped one).

    Checks: the columns of :data:`COLUMNS`; counts are whole numbers with ``successes +
    partial + failures = flights`` and at least one flight; the first flight's outcome is
    one of success / partial / failure and consistent with the counts; ``first_flight_date
    <= as_of``; families unique and lower-case keys.
    """
    path = Path(path) if path is not None else record_path()
    if not path.exists():
        raise EvidenceError(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise EvidenceError(f"{path}: line 1 (header): missing column(s) "
                                f"{', '.join(missing)}; expected {', '.join(COLUMNS)}")
        rows, fams = [], []
        for row in reader:
            line = reader.line_num
            r = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            if not any(r.values()):
                continue
            fam = r["family"]
            if not fam or not fam.replace("_", "").isalnum() or fam != fam.lower():
                raise EvidenceError(f"{path}: line {line}: family = {fam!r} must be a "
                                    "lower-case key (letters, digits, _), e.g. falcon9")
            if fam in fams:
                raise EvidenceError(f"{path}: line {line}: family {fam!r} appears twice; "
                                    "one row per family")
            for k in ("flights", "successes", "partial", "failures"):
                r[k] = _int(path, line, r, k)
            if r["flights"] < 1 or r["successes"] + r["partial"] + r["failures"] != r["flights"]:
                raise EvidenceError(
                    f"{path}: line {line}: successes + partial + failures = "
                    f"{r['successes'] + r['partial'] + r['failures']} but flights = "
                    f"{r['flights']}; the three outcomes must add up to the flights (>= 1)")
            if r["first_flight_outcome"] not in OUTCOMES:
                raise EvidenceError(f"{path}: line {line}: first_flight_outcome = "
                                    f"{r['first_flight_outcome']!r}; use one of "
                                    f"{', '.join(OUTCOMES)}")
            need = {"success": "successes", "partial": "partial",
                    "failure": "failures"}[r["first_flight_outcome"]]
            if r[need] < 1:
                raise EvidenceError(f"{path}: line {line}: the first flight was a "
                                    f"{r['first_flight_outcome']} but {need} = 0")
            r["first_flight_date"] = _date(path, line, r, "first_flight_date")
            r["as_of"] = _date(path, line, r, "as_of")
            if r["first_flight_date"] > r["as_of"]:
                raise EvidenceError(f"{path}: line {line}: first_flight_date is after as_of")
            if r["orbital"] not in ("yes", "no"):
                raise EvidenceError(f"{path}: line {line}: orbital = {r['orbital']!r}; use yes "
                                    "or no (no: suborbital test flights)")
            if not r["source"]:
                raise EvidenceError(f"{path}: line {line}: source is empty; every row cites "
                                    "where its counts come from")
            rows.append(r)
            fams.append(fam)
    if not rows:
        raise EvidenceError(f"{path}: no data rows")
    return LaunchRecord(fams, rows, path)


def record_summary(record: LaunchRecord | None = None) -> dict:
    """``{family: {flights, failures, partial, as_of, orbital, source}}`` (JSON-ready): what a
    fit was fitted to, stored with the fit and shown beside the posterior.

    Examples
    --------
    >>> record_summary()["h3"]["failures"]
    2
    """
    rec = record or load_record()
    return {f: {k: (str(r[k]) if isinstance(r[k], dt.date) else r[k])
                for k in ("vehicle", "flights", "successes", "partial", "failures",
                          "first_flight_outcome", "as_of", "orbital", "source")}
            for f, r in zip(rec.families, rec.rows)}


def posterior_table(post) -> list[dict]:
    """The launch-failure posterior per family beside the record it was fitted to: one row
    per family (flights, failures, partial, as of, source; posterior mean and 90 % interval
    of a flight's failure probability after the first, and of the first flight), then the
    new-vehicle rows.

    Examples
    --------
    >>> from riskengine.core.posterior import Posterior
    >>> post = Posterior("fit-1", {"launch": {("p", "h3"): np.full(10, 0.2),
    ...     ("p_first", "h3"): np.full(10, 0.6), ("p_new", ""): np.full(10, 0.1),
    ...     ("p_new_first", ""): np.full(10, 0.5)}},
    ...     {"launch_record": {"h3": {"flights": 7, "failures": 2, "partial": 0,
    ...                               "as_of": "2025-12-22", "source": "JAXA"}}})
    >>> [(r["family"], r["p_mean"]) for r in posterior_table(post)]
    [('h3', 0.2), ('(new vehicle)', 0.1)]
    """
    rec = (post.assumptions or {}).get("launch_record") or record_summary()
    out = []
    for fam in post.coords("launch", "p"):
        p, p1 = post.get("launch", "p", fam), post.get("launch", "p_first", fam)
        r = rec.get(fam, {})
        raw = ((r.get("failures", 0) + 0.5 * r.get("partial", 0)) / r["flights"]
               if r.get("flights") else float("nan"))
        out.append(dict(family=fam, flights=r.get("flights"), failures=r.get("failures"),
                        partial=r.get("partial"), as_of=r.get("as_of"),
                        orbital=r.get("orbital"), record_rate=raw,
                        p_mean=float(np.mean(p)), p_q05=float(np.quantile(p, 0.05)),
                        p_q95=float(np.quantile(p, 0.95)), p_first_mean=float(np.mean(p1)),
                        source=r.get("source")))
    p, p1 = post.get("launch", "p_new"), post.get("launch", "p_new_first")
    out.append(dict(family="(new vehicle)", flights=0, failures=None, partial=None,
                    as_of=None, orbital=None, record_rate=float("nan"),
                    p_mean=float(np.mean(p)), p_q05=float(np.quantile(p, 0.05)),
                    p_q95=float(np.quantile(p, 0.95)), p_first_mean=float(np.mean(p1)),
                    source="hierarchical prior: a new family, first flight with the fitted "
                           "early-flight excess"))
    return out
