"""SATCAT CSV (CelesTrak and Space-Track column sets): object type, size class, decay.

CelesTrak: ``OBJECT_NAME,OBJECT_ID,NORAD_CAT_ID,OBJECT_TYPE,OPS_STATUS_CODE,OWNER,
LAUNCH_DATE,LAUNCH_SITE,DECAY_DATE,PERIOD,INCLINATION,APOGEE,PERIGEE,RCS,...`` (RCS in m²).
Space-Track: ``INTLDES,NORAD_CAT_ID,OBJECT_TYPE,SATNAME,COUNTRY,LAUNCH,SITE,DECAY,PERIOD,
INCLINATION,APOGEE,PERIGEE,...,RCSVALUE,RCS_SIZE,...`` (RCSVALUE is 0 since Space-Track
stopped publishing numeric RCS; RCS_SIZE is SMALL/MEDIUM/LARGE).

A blank value is missing (NaN / NaT); any other value must be a valid ``YYYY-MM-DD`` date
or a finite number in range, else the row is a bad record named by file, line, column and
value (refused in strict mode, skipped and reported with ``--lenient``).
"""

from __future__ import annotations

import math
import re

import numpy as np

from riskengine.catalog.omm import (_NUMBER, _WHOLE, MAX_WHOLE, _Lines, _rows_csv, _SyntaxError,
                                   not_a_number)
from riskengine.catalog.tle import Problems, RecordProblem

TYPE_MAP = {"PAY": "PAYLOAD", "PAYLOAD": "PAYLOAD", "DEB": "DEBRIS", "DEBRIS": "DEBRIS",
            "R/B": "ROCKET BODY", "ROCKET BODY": "ROCKET BODY", "UNK": "UNKNOWN",
            "UNKNOWN": "UNKNOWN", "TBA": "UNKNOWN", "": "UNKNOWN"}
#: (output field, column names in CelesTrak / Space-Track order, allowed values, check)
NUMBERS = (
    ("period_min", ("PERIOD",), "> 0 minutes", lambda v: v > 0),
    ("inclination_deg", ("INCLINATION",), "0..180 deg", lambda v: 0 <= v <= 180),
    ("apogee_km", ("APOGEE",), "a finite altitude in km", lambda v: True),
    ("perigee_km", ("PERIGEE",), "a finite altitude in km", lambda v: True),
    ("rcs_m2", ("RCS", "RCSVALUE"), ">= 0 m^2", lambda v: v >= 0),
)
DATES = (("launch_date", ("LAUNCH_DATE", "LAUNCH")), ("decay_date", ("DECAY_DATE", "DECAY")))
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")


def is_satcat_header(header: list[str]) -> bool:
    h = {c.strip().upper() for c in header}
    return "NORAD_CAT_ID" in h and "OBJECT_TYPE" in h and "MEAN_MOTION" not in h


def _get(row: dict, names) -> tuple[str, str]:
    """(column name, value) of the first of ``names`` the row has, else the first name
    and ``""``."""
    for n in names:
        if n in row:
            return n, row[n]
    return names[0], ""


def _date(value: str):
    """``datetime64[us]`` of a SATCAT date (``YYYY-MM-DD``, a time after it ignored), NaT
    when blank, ``None`` when not a date."""
    if not value:
        return np.datetime64("NaT", "us")
    m = _DATE.fullmatch(value)
    if m is None:
        return None
    try:
        return np.datetime64(m.group(1), "D").astype("datetime64[us]")
    except ValueError:
        return None


def parse_satcat_text(text: str, file: str = "<satcat>", *, max_problems: int | None = None):
    """Parse a SATCAT CSV into columnar fields plus problems (one per bad row).

    Blank values are missing (NaN / NaT); anything else must be a valid date
    (``YYYY-MM-DD``) or a finite number in range, else the row is refused with its line,
    column and value. ``max_problems`` stops reading after that many bad rows
    (``problems.stopped_at``).

    Examples
    --------
    >>> txt = "OBJECT_NAME,OBJECT_ID,NORAD_CAT_ID,OBJECT_TYPE,RCS\\nISS,1998-067A,25544,PAY,400\\n"
    >>> f, problems = parse_satcat_text(txt)
    >>> f["object_type"][0], float(f["rcs_m2"][0])
    ('PAYLOAD', 400.0)
    >>> _, problems = parse_satcat_text(txt.replace("400", "abc"), "satcat.csv")
    >>> print(problems[0].line, problems[0].reason)
    2 RCS='abc' is not a decimal number (expected >= 0 m^2, or blank when unknown)
    """
    problems = Problems()
    lines = _Lines(text)
    out = {k: [] for k in ("norad_id", "object_name", "intl_designator", "object_type", "owner",
                           "launch_date", "decay_date", "period_min", "inclination_deg",
                           "apogee_km", "perigee_km", "rcs_m2", "rcs_size")}
    try:
        for line, row, _, raw in _rows_csv(text):
            if line == "header":
                if "NORAD_CAT_ID" not in row or "OBJECT_TYPE" not in row:
                    return None, Problems([RecordProblem(
                        file, 1, "not a SATCAT CSV: header needs NORAD_CAT_ID and OBJECT_TYPE "
                        "columns", lines(1)[:1000], lines(1))])
                continue
            why = _check_row(row, out)
            if why:
                problems.add(RecordProblem(file, line, "; ".join(why), raw, lines(line)),
                             max_problems)
                if problems.full(max_problems):
                    problems.stopped_at = line
                    break
    except _SyntaxError as exc:
        return None, Problems([RecordProblem(file, exc.line, exc.why, "", lines(exc.line))])
    res = {}
    for k, v in out.items():
        if k in ("launch_date", "decay_date"):
            res[k] = np.array(v, dtype="datetime64[us]")
        elif k == "norad_id":
            res[k] = np.array(v, dtype=np.int64)
        elif k in ("period_min", "inclination_deg", "apogee_km", "perigee_km", "rcs_m2"):
            res[k] = np.array(v, dtype=np.float64)
        else:
            res[k] = np.array(v, dtype=object)
    return res, problems


def _check_row(row: dict, out: dict) -> list[str]:
    """Validate one SATCAT row; append its fields to ``out`` when good; the reasons."""
    why = []
    raw_id = row.get("NORAD_CAT_ID", "")
    if not _WHOLE.fullmatch(raw_id) or not 1 <= int(raw_id) <= MAX_WHOLE:
        why.append(f"NORAD_CAT_ID={raw_id!r} is not a catalog number (a whole number "
                   f"1..{MAX_WHOLE:,})")
    typ = row.get("OBJECT_TYPE", "").upper()
    if typ not in TYPE_MAP:
        why.append(f"OBJECT_TYPE={typ!r} unknown (expected PAY/DEB/R/B/UNK or "
                   "PAYLOAD/DEBRIS/ROCKET BODY/UNKNOWN)")
    vals = {}
    for field, names in DATES:
        col, v = _get(row, names)
        vals[field] = _date(v)
        if vals[field] is None:
            why.append(f"{col}={v!r} is not a date (expected YYYY-MM-DD, or blank when "
                       "unknown)")
    for field, names, allowed, ok in NUMBERS:
        col, v = _get(row, names)
        if not v:
            vals[field] = np.nan
            continue
        x = float(v) if _NUMBER.fullmatch(v) else None
        if x is None or not math.isfinite(x):
            what = "finite number" if x is not None else not_a_number(v)
            why.append(f"{col}={v!r} is not a {what} (expected {allowed}, or blank when "
                       "unknown)")
        elif not ok(x):
            why.append(f"{col}={v} outside {allowed}")
        vals[field] = x
    texts = {}
    for field, names in (("object_name", ("OBJECT_NAME", "SATNAME")),
                         ("intl_designator", ("OBJECT_ID", "INTLDES")),
                         ("owner", ("OWNER", "COUNTRY")), ("rcs_size", ("RCS_SIZE",))):
        col, v = _get(row, names)
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            why.append(f"{col}={v!r} is not valid text")
        texts[field] = v
    if why:
        return why
    out["norad_id"].append(int(raw_id))
    out["object_type"].append(TYPE_MAP[typ])
    for field in ("object_name", "intl_designator", "owner"):
        out[field].append(texts[field])
    out["rcs_size"].append(texts["rcs_size"].upper() or None)
    out["launch_date"].append(vals["launch_date"])
    out["decay_date"].append(vals["decay_date"])
    for field, *_ in NUMBERS:
        out[field].append(vals[field])
    rcs = vals["rcs_m2"]
    out["rcs_m2"][-1] = rcs if rcs > 0 else np.nan     # 0: not published (Space-Track)
    return why
