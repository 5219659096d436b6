"""Evidence records for the Bayesian hardware and radiation models: read, validate, combine.

The shipped evidence lives in ``riskengine/data/evidence/`` as reviewable CSV/TOML files;
every record carries its ``source`` and what it ``measures``. Users add their own fleet
experience and beam tests in the same shapes:

* fleet experience CSV — ``unit, group, start, end, status, failure_mode`` with ``start`` and
  ``end`` ISO dates (or numbers plus a ``time_unit`` column: days | months | years) and
  ``status`` ``failed`` or ``censored``; ``group`` is the bus family.
* beam-test CSV — ``unit_id, family, mode, dose_low, dose_high, dose_unit, outcome``;
  ``mode`` functional | hard, ``outcome`` failed (dose in (low, high]) or survived
  (right-censored at ``dose_low``), ``dose_unit`` rad | krad | Gy (Si implied); ``family``
  is the device family of the hierarchical failure-dose model (the shipped
  ``tid_devices.csv`` has the same shape).
* accelerator-fault CSV — ``family, environment, device_years, faults``.

Bad files are refused with :class:`EvidenceError` naming the file, the row and the reason.
All doses are returned in rad(Si), all times in years.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from riskengine.errors import RiskEngineError

DAYS_PER_YEAR = 365.25
DOSE_UNITS = {"rad": 1.0, "rad(si)": 1.0, "krad": 1e3, "krad(si)": 1e3, "gy": 100.0,
              "gy(si)": 100.0, "mgy": 0.1}
TIME_UNITS = {"days": 1 / DAYS_PER_YEAR, "day": 1 / DAYS_PER_YEAR, "d": 1 / DAYS_PER_YEAR,
              "months": 1 / 12, "month": 1 / 12, "years": 1.0, "year": 1.0, "yr": 1.0}
DOSE_RATE_UNITS = {"rad/yr": 1.0, "rad(si)/yr": 1.0, "krad/yr": 1e3, "gy/yr": 100.0}

EVIDENCE_FILES = ("bus_batches.csv", "accelerator_faults.csv", "fault_permanence.csv",
                  "serial_defects.csv", "subsystems.csv", "tid_devices.csv", "seu_rates.csv",
                  "assumptions.toml")
"""The files a fit reads (their bytes are part of its content hash). ``dose_depth.csv`` is
not among them: the dose comes from the AE-8/AP-8 physics (:mod:`riskengine.radiation_env`),
and its SPENVIS values are a check of that physics (``tests/test_dose.py``)."""


class EvidenceError(RiskEngineError, ValueError):
    """An evidence file is malformed; the message names the file, the row and the reason."""


def evidence_dir() -> Path:
    """Folder of the shipped evidence files (``riskengine/data/evidence``)."""
    return Path(str(resources.files("riskengine") / "data" / "evidence"))


# --------------------------------------------------------------------------- CSV reading
def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """Rows as (1-based file line number, dict); refuse missing columns or an empty file."""
    path = Path(path)
    if not path.exists():
        raise EvidenceError(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise EvidenceError(
                f"{path}: row 1 (header): missing column(s) {', '.join(missing)}; "
                f"expected at least: {', '.join(required)} (got: {', '.join(header) or 'none'})")
        rows = []
        for row in reader:
            clean = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            if not any(clean.values()):
                continue
            rows.append((reader.line_num, clean))
    if not rows:
        raise EvidenceError(f"{path}: no data rows")
    return rows


def _num(path, line, row, key, *, allow_empty=False, minimum=None) -> float:
    raw = row.get(key, "")
    if raw == "":
        if allow_empty:
            return float("nan")
        raise EvidenceError(f"{path}: row {line}: column {key!r} is empty; give a number")
    try:
        val = float(raw)
    except ValueError:
        raise EvidenceError(f"{path}: row {line}: column {key!r} = {raw!r} is not a number") \
            from None
    if minimum is not None and val < minimum:
        raise EvidenceError(f"{path}: row {line}: column {key!r} = {raw} is negative; "
                            f"it must be >= {minimum:g}")
    return val


def _choice(path, line, row, key, allowed) -> str:
    raw = row.get(key, "").lower()
    if raw not in allowed:
        raise EvidenceError(f"{path}: row {line}: unknown {key} {row.get(key, '')!r}; "
                            f"use one of {', '.join(sorted(allowed))}")
    return raw


# --------------------------------------------------------------------------- data classes
@dataclass
class BusEvidence:
    """Bus-failure evidence: public constellation batches, individual unit histories and the
    borrowed Castet & Saleh 2009 fit (a prior with a named effective sample size).

    Times in years. ``*_family`` index into ``families``. Batch records give the satellites
    launched and those failed in their first year (``batch_*``); units give one failure or
    censoring time each (``unit_*``).
    """

    families: list[str]
    batch_family: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    batch_launched: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    batch_failed: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    batch_id: list[str] = field(default_factory=list)
    unit_family: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    unit_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    unit_failed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    unit_mode: list[str] = field(default_factory=list)
    borrowed: dict = field(default_factory=dict)


@dataclass
class AcceleratorEvidence:
    """Accelerator failures per exposure and the evidence on which faults are permanent.

    ``kind`` is 1 for permanent failures (units removed), 0 for interruptions (every fault
    that stopped a job, of which a share ``pi`` is permanent); ``weight`` is the power-prior
    weight of each record (1: the family's own evidence). ``split_*`` are counts of faults
    that needed a hardware replacement vs cleared in place (evidence on ``pi``).
    """

    families: list[str]
    family: np.ndarray
    in_orbit: np.ndarray
    device_years: np.ndarray
    faults: np.ndarray
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    split_permanent: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    split_recoverable: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    split_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    record_id: list[str] = field(default_factory=list)


@dataclass
class BatchEvidence:
    """Batch (serial-defect) evidence.

    ``n, y`` — satellites launched and failed in their first year per constellation batch
    (storm losses excluded); ``defects, years`` — serial defects documented in the batch
    and the batch-years it was observed; ``defect_*`` — documented serial defects (a
    selected sample:
    they inform what a defect does, not how often one occurs): units in the batch, units
    affected, and of those the units lost.
    """

    batch_id: list[str]
    constellation: list[str]
    launch_date: list
    n: np.ndarray
    y: np.ndarray
    role: list[str]
    defects: np.ndarray
    years: np.ndarray
    defect_id: list[str]
    defect_units: np.ndarray
    defect_affected: np.ndarray
    affected_known: np.ndarray
    defect_lost: np.ndarray
    lost_known: np.ndarray
    partial_share: np.ndarray


@dataclass
class DoseDepthEvidence:
    """Annual TID (rad(Si)/yr) ranges behind Al at given orbits."""

    altitude_km: np.ndarray
    inclination_deg: np.ndarray
    shielding_mm: np.ndarray
    dose_low: np.ndarray
    dose_high: np.ndarray


@dataclass
class BeamEvidence:
    """Total-ionising-dose tests: dose intervals (rad(Si)); ``dose_high`` inf for survivors
    (right-censored). ``family`` is each record's device family (memory, tpu, soc, ...)."""

    mode: np.ndarray          # 'functional' | 'hard'
    family: list[str]
    dose_low: np.ndarray
    dose_high: np.ndarray
    record_id: list[str] = field(default_factory=list)

    @property
    def families(self) -> list[str]:
        """Device families with records, in order of first appearance.

        Examples
        --------
        >>> BeamEvidence(np.array(["hard"]), ["tpu"], np.ones(1), np.ones(1)).families
        ['tpu']
        """
        return list(dict.fromkeys(self.family))

    @property
    def family_index(self) -> np.ndarray:
        """Index of each record's family in :attr:`families`."""
        fi = {f: i for i, f in enumerate(self.families)}
        return np.array([fi[f] for f in self.family], int)


@dataclass
class Evidence:
    """Everything the models read, plus the content hash of the files it came from."""

    bus: BusEvidence
    accelerator: AcceleratorEvidence
    batch: BatchEvidence
    subsystems: list[dict]
    dose_depth: DoseDepthEvidence | None
    beam: BeamEvidence
    seu: list[dict]
    assumptions: dict
    files: list[Path]

    def content_hash(self) -> str:
        """SHA-256 over the bytes of every evidence file (names included)."""
        h = hashlib.sha256()
        for p in sorted(self.files, key=lambda p: p.name + str(p)):
            h.update(p.name.encode())
            h.update(Path(p).read_bytes())
        return h.hexdigest()


# --------------------------------------------------------------------------- readers
BATCH_ROLES = {"fit", "prototype", "storm", "defect"}


def read_bus_batches(path) -> list[dict]:
    """Constellation batches: satellites launched and failed in their first year.

    Columns ``record_id, source, measures, family, batch, launch_date, launched,
    failed_first_year, failed_total, horizon_years, role``; ``role`` is ``fit`` (bus
    reliability), ``prototype`` (a test batch: batch-defect model only), ``defect`` (a batch
    with a documented serial defect: batch-defect model only) or ``storm`` (lost to space
    weather: in neither fit).

    Examples
    --------
    >>> rows = read_bus_batches(evidence_dir() / "bus_batches.csv")
    >>> [r["launched"] for r in rows if r["record_id"] == "starlink-l1"]
    [60]
    """
    out = []
    for line, r in _read_csv(path, ("record_id", "source", "family", "batch", "launch_date",
                                    "launched", "failed_first_year", "role")):
        n = _num(path, line, r, "launched", minimum=1)
        k = _num(path, line, r, "failed_first_year", minimum=0)
        if k > n:
            raise EvidenceError(f"{path}: row {line}: failed_first_year {k:g} exceeds "
                                f"launched {n:g}")
        tot = _num(path, line, r, "failed_total", allow_empty=True, minimum=0) \
            if "failed_total" in r else float("nan")
        try:
            date = dt.date.fromisoformat(r["launch_date"][:10])
        except ValueError:
            raise EvidenceError(f"{path}: row {line}: launch_date = {r['launch_date']!r} is "
                                "not an ISO date (YYYY-MM-DD)") from None
        defect = _num(path, line, r, "serial_defect", minimum=0) if r.get("serial_defect") \
            else 0.0
        by = _num(path, line, r, "batch_years", minimum=0) if r.get("batch_years") else \
            _num(path, line, r, "horizon_years", minimum=0) if r.get("horizon_years") else 1.0
        if by == 0:
            raise EvidenceError(f"{path}: row {line}: batch_years is 0: the batch was not "
                                "observed")
        out.append(dict(record_id=r["record_id"], family=r["family"], batch=r["batch"],
                        launch_date=date, launched=int(n), failed_first_year=int(k),
                        failed_total=tot, serial_defects=int(defect), batch_years=by,
                        role=_choice(path, line, r, "role", BATCH_ROLES),
                        source=r["source"]))
    return out


def read_serial_defects(path) -> list[dict]:
    """Documented serial (batch) defects: ``units_in_batch, units_affected, units_lost``
    (empty: not reported) and the ``partial_loss_share`` of value an affected unit kept
    flying lost.

    Examples
    --------
    >>> rows = read_serial_defects(evidence_dir() / "serial_defects.csv")
    >>> rows[0]["record_id"], rows[0]["units"], rows[0]["lost"]
    ('orbcomm-ais', 6, 4)
    """
    out = []
    for line, r in _read_csv(path, ("record_id", "source", "units_in_batch", "units_affected",
                                    "units_lost")):
        n = _num(path, line, r, "units_in_batch", minimum=1)
        aff = _num(path, line, r, "units_affected", allow_empty=True, minimum=0)
        lost = _num(path, line, r, "units_lost", allow_empty=True, minimum=0)
        share = _num(path, line, r, "partial_loss_share", allow_empty=True, minimum=0)
        if np.isfinite(aff) and aff > n:
            raise EvidenceError(f"{path}: row {line}: units_affected {aff:g} exceeds "
                                f"units_in_batch {n:g}")
        if np.isfinite(lost) and lost > (aff if np.isfinite(aff) else n):
            raise EvidenceError(f"{path}: row {line}: units_lost {lost:g} exceeds the units "
                                "affected")
        if np.isfinite(share) and share > 1:
            raise EvidenceError(f"{path}: row {line}: partial_loss_share {share:g} is a "
                                "share in [0, 1]")
        out.append(dict(record_id=r["record_id"], units=int(n),
                        affected=None if np.isnan(aff) else int(aff),
                        lost=None if np.isnan(lost) else int(lost),
                        partial_share=share, source=r["source"]))
    return out


SUBSYSTEM_STATUS = {"published", "placeholder"}


def read_subsystems(path) -> list[dict]:
    """Shares of satellite (bus) failures by subsystem, each with its source and status
    (``published`` or ``placeholder``); the shares sum to 1.

    Examples
    --------
    >>> rows = read_subsystems(evidence_dir() / "subsystems.csv")
    >>> [r["subsystem"] for r in rows][:3]
    ['power', 'attitude_control', 'payload']
    """
    out = []
    for line, r in _read_csv(path, ("subsystem", "share", "status", "source")):
        share = _num(path, line, r, "share", minimum=0)
        if not r["source"]:
            raise EvidenceError(f"{path}: row {line}: subsystem {r['subsystem']!r} has no "
                                "source; cite where the share comes from")
        out.append(dict(subsystem=r["subsystem"], share=share, source=r["source"],
                        status=_choice(path, line, r, "status", SUBSYSTEM_STATUS),
                        notes=r.get("notes", "")))
    total = sum(x["share"] for x in out)
    if abs(total - 1.0) > 1e-6:
        raise EvidenceError(f"{path}: the subsystem shares sum to {total:.6g}, not 1; they "
                            "split every bus failure")
    return out


def _parse_time(path, line, row, key, unit_factor):
    raw = row.get(key, "")
    if raw == "":
        raise EvidenceError(f"{path}: row {line}: column {key!r} is empty; give an ISO date "
                            "(2024-05-01) or a number with a time_unit column")
    if unit_factor is not None:
        return _num(path, line, row, key, minimum=0) * unit_factor
    try:
        d = dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise EvidenceError(f"{path}: row {line}: {key} = {raw!r} is not an ISO date "
                            "(YYYY-MM-DD); for numbers add a time_unit column "
                            f"({', '.join(sorted(set(TIME_UNITS)))})") from None
    return d.toordinal() / DAYS_PER_YEAR


def read_fleet_experience(path) -> list[dict]:
    """A user's fleet experience: one row per unit (satellite bus).

    Columns ``unit, group, start, end, status, failure_mode`` (``status`` failed |
    censored); optional ``time_unit`` when start/end are numbers rather than dates.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "fleet.csv"
    >>> _ = p.write_text("unit,group,start,end,status,failure_mode\\n"
    ...                  "sat-1,acme,2020-01-01,2022-01-01,failed,power\\n")
    >>> round(read_fleet_experience(p)[0]["time"], 2)
    2.0
    """
    out = []
    rows = _read_csv(path, ("unit", "group", "start", "end", "status", "failure_mode"))
    for line, r in rows:
        factor = None
        if r.get("time_unit", ""):
            unit = r["time_unit"].lower()
            if unit not in TIME_UNITS:
                raise EvidenceError(f"{path}: row {line}: unknown time_unit {r['time_unit']!r};"
                                    f" use one of days, months, years")
            factor = TIME_UNITS[unit]
        t0 = _parse_time(path, line, r, "start", factor)
        t1 = _parse_time(path, line, r, "end", factor)
        if t1 < t0:
            raise EvidenceError(f"{path}: row {line}: end {r['end']} is before start "
                                f"{r['start']} (unit {r['unit']!r})")
        if t1 == t0:
            raise EvidenceError(f"{path}: row {line}: end equals start for unit "
                                f"{r['unit']!r}: zero duration carries no information")
        status = _choice(path, line, r, "status", {"failed", "censored"})
        if not r["group"]:
            raise EvidenceError(f"{path}: row {line}: column 'group' (bus family) is empty")
        out.append(dict(unit=r["unit"], family=r["group"], time=t1 - t0,
                        failed=status == "failed", mode=r["failure_mode"]))
    return out


def _weight(path, line, row, weights: dict) -> float:
    """Power-prior weight of a record: a number in (0, 1] or a name in the assumptions'
    ``[evidence_weights]`` table (empty: 1, the family's own evidence)."""
    raw = row.get("weight", "")
    if raw == "":
        return 1.0
    if raw in weights:
        w = weights[raw]
        w = float(w["weight"] if isinstance(w, dict) else w)
    else:
        try:
            w = float(raw)
        except ValueError:
            raise EvidenceError(
                f"{path}: row {line}: weight {raw!r} is neither a number nor a name in "
                f"assumptions.toml [evidence_weights] ({', '.join(sorted(weights)) or 'none'})"
            ) from None
    if not 0 < w <= 1:
        raise EvidenceError(f"{path}: row {line}: weight {raw} = {w:g} must lie in (0, 1] "
                            "(1: the family's own evidence; less: borrowed evidence)")
    return w


def read_accelerator_faults(path, weights: dict | None = None) -> list[dict]:
    """Failures per exposure: ``family, environment (ground|orbit), device_years`` and
    ``events`` with ``event_kind`` ``permanent`` (units removed) or ``interruption`` (faults
    that stopped a job, a share of them permanent); optional ``weight`` (power prior).

    A file with a ``faults`` column instead (the older form) counts permanent failures.

    Examples
    --------
    >>> rows = read_accelerator_faults(evidence_dir() / "accelerator_faults.csv")
    >>> rows[0]["faults"], rows[0]["kind"], rows[0]["in_orbit"]
    (268, 'interruption', False)
    """
    out = []
    weights = weights or {}
    for line, r in _read_csv(path, ("family", "environment", "device_years")):
        env = _choice(path, line, r, "environment", {"ground", "orbit"})
        ex = _num(path, line, r, "device_years", minimum=0)
        if ex == 0:
            raise EvidenceError(f"{path}: row {line}: device_years is 0 (no exposure)")
        key = "events" if "events" in r else "faults"
        if key not in r:
            raise EvidenceError(f"{path}: row 1 (header): missing column 'events' (or "
                                "'faults'): the failures counted in the exposure")
        k = _num(path, line, r, key, minimum=0)
        kind = (_choice(path, line, r, "event_kind", {"permanent", "interruption"})
                if r.get("event_kind") else "permanent")
        out.append(dict(record_id=r.get("record_id", f"row {line}"), family=r["family"],
                        in_orbit=env == "orbit", device_years=ex, faults=int(k), kind=kind,
                        weight=_weight(path, line, r, weights)))
    return out


def read_fault_permanence(path, weights: dict | None = None) -> list[dict]:
    """Faults that needed a hardware replacement vs faults cleared in place.

    Examples
    --------
    >>> rows = read_fault_permanence(evidence_dir() / "fault_permanence.csv",
    ...                              {"x": 1.0})
    >>> rows[0]["permanent"], rows[0]["recoverable"], rows[0]["weight"]
    (85, 40, 0.2)
    """
    out = []
    for line, r in _read_csv(path, ("record_id", "source", "family", "permanent",
                                    "recoverable")):
        out.append(dict(record_id=r["record_id"], family=r["family"],
                        permanent=int(_num(path, line, r, "permanent", minimum=0)),
                        recoverable=int(_num(path, line, r, "recoverable", minimum=0)),
                        weight=_weight(path, line, r, weights or {})))
    return out


def read_dose_depth(path) -> DoseDepthEvidence:
    """Annual dose ranges behind Al (``dose_low``, ``dose_high`` in rad(Si)/yr).

    Examples
    --------
    >>> d = read_dose_depth(evidence_dir() / "dose_depth.csv")
    >>> d.shielding_mm.tolist()
    [1.0, 3.0, 5.0, 10.0]
    """
    cols = {k: [] for k in ("altitude_km", "inclination_deg", "shielding_mm", "lo", "hi")}
    for line, r in _read_csv(path, ("source", "measures", "altitude_km", "inclination_deg",
                                    "shielding_mm_al", "dose_low", "dose_high", "unit")):
        unit = r["unit"].lower().replace(" ", "")
        if unit not in DOSE_RATE_UNITS:
            raise EvidenceError(f"{path}: row {line}: unknown unit {r['unit']!r}; use one of "
                                f"{', '.join(DOSE_RATE_UNITS)}")
        f = DOSE_RATE_UNITS[unit]
        lo = _num(path, line, r, "dose_low", minimum=0) * f
        hi = _num(path, line, r, "dose_high", minimum=0) * f
        if hi < lo or lo == 0:
            raise EvidenceError(f"{path}: row {line}: need 0 < dose_low <= dose_high "
                                f"(got {lo:g}, {hi:g})")
        cols["altitude_km"].append(_num(path, line, r, "altitude_km", minimum=0))
        cols["inclination_deg"].append(_num(path, line, r, "inclination_deg", minimum=0))
        cols["shielding_mm"].append(_num(path, line, r, "shielding_mm_al", minimum=0))
        cols["lo"].append(lo)
        cols["hi"].append(hi)
    a = {k: np.asarray(v, float) for k, v in cols.items()}
    return DoseDepthEvidence(a["altitude_km"], a["inclination_deg"], a["shielding_mm"],
                             a["lo"], a["hi"])


def read_beam_tests(path) -> list[dict]:
    """Total-ionising-dose tests (interval- or right-censored dose to failure), doses
    converted to rad(Si): the shipped ``tid_devices.csv`` or a user's beam-test file.

    Examples
    --------
    >>> rows = read_beam_tests(evidence_dir() / "tid_devices.csv")
    >>> rows[0]["family"], rows[0]["dose_low"], rows[0]["dose_high"]
    ('memory', 1500.0, 2500.0)
    """
    out = []
    for line, r in _read_csv(path, ("unit_id", "family", "mode", "dose_low", "dose_high",
                                    "dose_unit", "outcome")):
        unit = r["dose_unit"].lower().replace(" ", "")
        if unit not in DOSE_UNITS:
            raise EvidenceError(f"{path}: row {line}: unknown dose_unit {r['dose_unit']!r}; "
                                f"use one of rad, krad, Gy (silicon dose)")
        f = DOSE_UNITS[unit]
        mode = _choice(path, line, r, "mode", {"functional", "hard"})
        outcome = _choice(path, line, r, "outcome", {"failed", "survived"})
        lo = _num(path, line, r, "dose_low", minimum=0) * f
        if outcome == "survived":
            hi = np.inf
        else:
            hi = _num(path, line, r, "dose_high", minimum=0) * f
            if hi <= lo:
                raise EvidenceError(f"{path}: row {line}: dose_high {hi:g} rad is not above "
                                    f"dose_low {lo:g} rad; a failure lies in (low, high]")
        if not r["family"]:
            raise EvidenceError(f"{path}: row {line}: column 'family' is empty; name the "
                                "device family (e.g. memory, tpu, soc, gpu)")
        out.append(dict(unit=r["unit_id"], family=r["family"], mode=mode, dose_low=lo,
                        dose_high=hi, record_id=r.get("record_id") or f"row {line}"))
    return out


def read_assumptions(path) -> dict:
    """The engineering assumptions (TOML)."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise EvidenceError(f"{path}: {exc}") from None


@functools.lru_cache(maxsize=1)
def shipped_assumptions() -> dict:
    """The packaged ``assumptions.toml``, read once per process (the perils that take their
    parameter defaults from it read it when the registry is imported). Do not modify it."""
    return read_assumptions(evidence_dir() / "assumptions.toml")


# --------------------------------------------------------------------------- combine
def load_evidence(*, directory=None, fleet_experience=(), beam_tests=(),
                  accelerator_faults=()) -> Evidence:
    """Read the shipped evidence plus any user files into model-ready arrays.

    Parameters
    ----------
    directory : path, optional
        Folder with the evidence files (default: the shipped ``riskengine/data/evidence``).
    fleet_experience, beam_tests, accelerator_faults : sequence of paths
        User files added to the shipped records.

    Examples
    --------
    >>> ev = load_evidence()
    >>> ev.bus.families
    ['conventional', 'starlink', 'oneweb', 'orbcomm_og2', 'iridium_next']
    """
    d = Path(directory) if directory else evidence_dir()
    files = [d / f for f in EVIDENCE_FILES]
    assumptions = read_assumptions(d / "assumptions.toml")
    weights = assumptions.get("evidence_weights", {})
    batches = read_bus_batches(d / "bus_batches.csv")
    fit_batches = [b for b in batches if b["role"] == "fit"]
    units = [u for p in fleet_experience for u in read_fleet_experience(p)]
    fams = list(dict.fromkeys(["conventional"] + [r["family"] for r in fit_batches]
                              + [u["family"] for u in units]))
    fi = {f: i for i, f in enumerate(fams)}
    bus = BusEvidence(
        families=fams,
        batch_family=np.array([fi[r["family"]] for r in fit_batches], int),
        batch_launched=np.array([r["launched"] for r in fit_batches], int),
        batch_failed=np.array([r["failed_first_year"] for r in fit_batches], int),
        batch_id=[r["record_id"] for r in fit_batches],
        unit_family=np.array([fi[u["family"]] for u in units], int),
        unit_time=np.array([u["time"] for u in units], float),
        unit_failed=np.array([u["failed"] for u in units], bool),
        unit_mode=[u["mode"] for u in units],
        borrowed={"conventional": assumptions.get("bus", {}).get("castet_saleh_2009", {})})
    acc = read_accelerator_faults(d / "accelerator_faults.csv", weights)
    acc += [a for p in accelerator_faults for a in read_accelerator_faults(p, weights)]
    split = read_fault_permanence(d / "fault_permanence.csv", weights)
    afams = list(dict.fromkeys(["gpu", "tpu"] + [a["family"] for a in acc]))
    ai = {f: i for i, f in enumerate(afams)}
    accel = AcceleratorEvidence(
        families=afams, family=np.array([ai[a["family"]] for a in acc], int),
        in_orbit=np.array([a["in_orbit"] for a in acc], bool),
        device_years=np.array([a["device_years"] for a in acc], float),
        faults=np.array([a["faults"] for a in acc], int),
        kind=np.array([a["kind"] == "permanent" for a in acc], int),
        weight=np.array([a["weight"] for a in acc], float),
        split_permanent=np.array([x["permanent"] for x in split], int),
        split_recoverable=np.array([x["recoverable"] for x in split], int),
        split_weight=np.array([x["weight"] for x in split], float),
        record_id=[a["record_id"] for a in acc])
    defects = read_serial_defects(d / "serial_defects.csv")
    cohort = [b for b in batches if b["role"] != "storm"]
    batch = BatchEvidence(
        batch_id=[b["record_id"] for b in cohort], constellation=[b["family"] for b in cohort],
        launch_date=[b["launch_date"] for b in cohort],
        n=np.array([b["launched"] for b in cohort], int),
        y=np.array([b["failed_first_year"] for b in cohort], int),
        role=[b["role"] for b in cohort],
        defects=np.array([b["serial_defects"] for b in cohort], int),
        years=np.array([b["batch_years"] for b in cohort], float), defect_id=[x["record_id"] for x in defects],
        defect_units=np.array([x["units"] for x in defects], int),
        defect_affected=np.array([x["affected"] or 0 for x in defects], int),
        affected_known=np.array([x["affected"] is not None for x in defects], bool),
        defect_lost=np.array([x["lost"] or 0 for x in defects], int),
        lost_known=np.array([x["lost"] is not None and x["affected"] is not None
                             for x in defects], bool),
        partial_share=np.array([x["partial_share"] for x in defects], float))
    beams = read_beam_tests(d / "tid_devices.csv")
    beams += [b for p in beam_tests for b in read_beam_tests(p)]
    beam = BeamEvidence(mode=np.array([b["mode"] for b in beams]),
                        family=[b["family"] for b in beams],
                        dose_low=np.array([b["dose_low"] for b in beams], float),
                        dose_high=np.array([b["dose_high"] for b in beams], float),
                        record_id=[b["record_id"] for b in beams])
    seu = [r for _, r in _read_csv(d / "seu_rates.csv", ("source", "measures", "device",
                                                           "rate", "unit"))]
    files += [Path(p) for p in (*fleet_experience, *beam_tests, *accelerator_faults)]
    return Evidence(bus=bus, accelerator=accel, batch=batch,
                    subsystems=read_subsystems(d / "subsystems.csv"),
                    dose_depth=(read_dose_depth(d / "dose_depth.csv")
                                if (d / "dose_depth.csv").is_file() else None),
                    beam=beam, seu=seu,
                    assumptions=assumptions, files=files)
