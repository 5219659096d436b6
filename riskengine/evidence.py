"""Evidence records for the Bayesian hardware and radiation models: read, validate, combine.

The shipped evidence lives in ``riskengine/data/evidence/`` as reviewable CSV/TOML files;
every record carries its ``source`` and what it ``measures``. Users add their own fleet
experience and beam tests in the same shapes:

* fleet experience CSV — ``unit, group, start, end, status, failure_mode`` with ``start`` and
  ``end`` ISO dates (or numbers plus a ``time_unit`` column: days | months | years) and
  ``status`` ``failed`` or ``censored``; ``group`` is the bus family.
* beam-test CSV — ``unit_id, family, mode, dose_low, dose_high, dose_unit, outcome``;
  ``mode`` functional | hard, ``outcome`` failed (dose in (low, high]) or survived
  (right-censored at ``dose_low``), ``dose_unit`` rad | krad | Gy (Si implied).
* accelerator-fault CSV — ``family, environment, device_years, faults``.

Bad files are refused with :class:`EvidenceError` naming the file, the row and the reason.
All doses are returned in rad(Si), all times in years.
"""

from __future__ import annotations

import csv
import datetime as dt
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

EVIDENCE_FILES = ("bus_life_table.csv", "accelerator_faults.csv", "dose_depth.csv",
                  "beam_tests.csv", "seu_rates.csv", "assumptions.toml")


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
    """Bus-failure evidence: grouped life-table records and individual unit histories.

    Times in years. ``family`` indexes into ``families``.
    """

    families: list[str]
    lt_family: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    lt_start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lt_end: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lt_at_risk: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    lt_failed: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    unit_family: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    unit_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    unit_failed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    unit_mode: list[str] = field(default_factory=list)


@dataclass
class AcceleratorEvidence:
    """Accelerator-fault counts: exposure (device-years) and faults per record."""

    families: list[str]
    family: np.ndarray
    in_orbit: np.ndarray
    device_years: np.ndarray
    faults: np.ndarray


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
    """Beam tests: dose intervals (rad(Si)); ``dose_high`` inf for survivors (right-censored)."""

    mode: np.ndarray          # 'functional' | 'hard'
    family: list[str]
    dose_low: np.ndarray
    dose_high: np.ndarray


@dataclass
class Evidence:
    """Everything the models read, plus the content hash of the files it came from."""

    bus: BusEvidence
    accelerator: AcceleratorEvidence
    dose_depth: DoseDepthEvidence
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
def read_bus_life_table(path) -> list[dict]:
    """Life-table records: family, age interval [t_start, t_end) yr, at risk, failed.

    Examples
    --------
    >>> rows = read_bus_life_table(evidence_dir() / "bus_life_table.csv")
    >>> rows[0]["family"]
    'conventional'
    """
    out = []
    for line, r in _read_csv(path, ("source", "measures", "family", "t_start_yr", "t_end_yr",
                                    "n_at_risk", "n_failed")):
        a = _num(path, line, r, "t_start_yr", minimum=0)
        b = _num(path, line, r, "t_end_yr", minimum=0)
        if b <= a:
            raise EvidenceError(f"{path}: row {line}: t_end_yr {b:g} is not after "
                                f"t_start_yr {a:g} (negative duration)")
        n = _num(path, line, r, "n_at_risk", minimum=0)
        k = _num(path, line, r, "n_failed", minimum=0)
        if k > n:
            raise EvidenceError(f"{path}: row {line}: n_failed {k:g} exceeds n_at_risk {n:g}")
        out.append(dict(family=r["family"], t_start=a, t_end=b, n=int(n), k=int(k),
                        source=r["source"]))
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


def read_accelerator_faults(path) -> list[dict]:
    """Fault counts per exposure: ``family, environment (ground|orbit), device_years, faults``.

    Examples
    --------
    >>> rows = read_accelerator_faults(evidence_dir() / "accelerator_faults.csv")
    >>> rows[0]["faults"], rows[0]["in_orbit"]
    (220, False)
    """
    out = []
    for line, r in _read_csv(path, ("family", "environment", "device_years", "faults")):
        env = _choice(path, line, r, "environment", {"ground", "orbit"})
        ex = _num(path, line, r, "device_years", minimum=0)
        if ex == 0:
            raise EvidenceError(f"{path}: row {line}: device_years is 0 (no exposure)")
        k = _num(path, line, r, "faults", minimum=0)
        out.append(dict(family=r["family"], in_orbit=env == "orbit", device_years=ex,
                        faults=int(k)))
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
    """Beam tests (interval-censored dose to failure), doses converted to rad(Si).

    Examples
    --------
    >>> rows = read_beam_tests(evidence_dir() / "beam_tests.csv")
    >>> rows[0]["dose_low"], rows[0]["dose_high"]
    (1500.0, 2500.0)
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
        out.append(dict(unit=r["unit_id"], family=r["family"], mode=mode, dose_low=lo,
                        dose_high=hi))
    return out


def read_assumptions(path) -> dict:
    """The engineering assumptions (TOML)."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise EvidenceError(f"{path}: {exc}") from None


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
    ['conventional', 'starlink']
    """
    d = Path(directory) if directory else evidence_dir()
    files = [d / f for f in EVIDENCE_FILES]
    lt = read_bus_life_table(d / "bus_life_table.csv")
    units = [u for p in fleet_experience for u in read_fleet_experience(p)]
    fams = list(dict.fromkeys([r["family"] for r in lt] + [u["family"] for u in units]))
    fi = {f: i for i, f in enumerate(fams)}
    bus = BusEvidence(
        families=fams,
        lt_family=np.array([fi[r["family"]] for r in lt], int),
        lt_start=np.array([r["t_start"] for r in lt], float),
        lt_end=np.array([r["t_end"] for r in lt], float),
        lt_at_risk=np.array([r["n"] for r in lt], int),
        lt_failed=np.array([r["k"] for r in lt], int),
        unit_family=np.array([fi[u["family"]] for u in units], int),
        unit_time=np.array([u["time"] for u in units], float),
        unit_failed=np.array([u["failed"] for u in units], bool),
        unit_mode=[u["mode"] for u in units])
    acc = read_accelerator_faults(d / "accelerator_faults.csv")
    acc += [a for p in accelerator_faults for a in read_accelerator_faults(p)]
    afams = list(dict.fromkeys(["gpu", "tpu"] + [a["family"] for a in acc]))
    ai = {f: i for i, f in enumerate(afams)}
    accel = AcceleratorEvidence(
        families=afams, family=np.array([ai[a["family"]] for a in acc], int),
        in_orbit=np.array([a["in_orbit"] for a in acc], bool),
        device_years=np.array([a["device_years"] for a in acc], float),
        faults=np.array([a["faults"] for a in acc], int))
    beams = read_beam_tests(d / "beam_tests.csv")
    beams += [b for p in beam_tests for b in read_beam_tests(p)]
    beam = BeamEvidence(mode=np.array([b["mode"] for b in beams]),
                        family=[b["family"] for b in beams],
                        dose_low=np.array([b["dose_low"] for b in beams], float),
                        dose_high=np.array([b["dose_high"] for b in beams], float))
    seu = [r for _, r in _read_csv(d / "seu_rates.csv", ("source", "measures", "device",
                                                           "rate", "unit"))]
    files += [Path(p) for p in (*fleet_experience, *beam_tests, *accelerator_faults)]
    return Evidence(bus=bus, accelerator=accel, dose_depth=read_dose_depth(d / "dose_depth.csv"),
                    beam=beam, seu=seu, assumptions=read_assumptions(d / "assumptions.toml"),
                    files=files)
