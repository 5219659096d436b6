"""SATCAT CSV (CelesTrak and Space-Track column sets): object type, size class, decay.

CelesTrak: ``OBJECT_NAME,OBJECT_ID,NORAD_CAT_ID,OBJECT_TYPE,OPS_STATUS_CODE,OWNER,
LAUNCH_DATE,LAUNCH_SITE,DECAY_DATE,PERIOD,INCLINATION,APOGEE,PERIGEE,RCS,...`` (RCS in m²).
Space-Track: ``INTLDES,NORAD_CAT_ID,OBJECT_TYPE,SATNAME,COUNTRY,LAUNCH,SITE,DECAY,PERIOD,
INCLINATION,APOGEE,PERIGEE,...,RCSVALUE,RCS_SIZE,...`` (RCSVALUE is 0 since Space-Track
stopped publishing numeric RCS; RCS_SIZE is SMALL/MEDIUM/LARGE).
"""

from __future__ import annotations

import csv
import io

import numpy as np

from riskengine.catalog.tle import RecordProblem

TYPE_MAP = {"PAY": "PAYLOAD", "PAYLOAD": "PAYLOAD", "DEB": "DEBRIS", "DEBRIS": "DEBRIS",
            "R/B": "ROCKET BODY", "ROCKET BODY": "ROCKET BODY", "UNK": "UNKNOWN",
            "UNKNOWN": "UNKNOWN", "TBA": "UNKNOWN", "": "UNKNOWN"}


def is_satcat_header(header: list[str]) -> bool:
    h = {c.strip().upper() for c in header}
    return "NORAD_CAT_ID" in h and "OBJECT_TYPE" in h and "MEAN_MOTION" not in h


def _f(s):
    try:
        return float(s) if s not in ("", None) else np.nan
    except ValueError:
        return np.nan


def _date(s):
    s = (s or "").strip()
    if not s:
        return np.datetime64("NaT", "us")
    try:
        return np.datetime64(s[:10], "us")
    except ValueError:
        return np.datetime64("NaT", "us")


def parse_satcat_text(text: str, file: str = "<satcat>"):
    """Parse a SATCAT CSV into columnar fields plus problems (one per bad row).

    Examples
    --------
    >>> txt = "OBJECT_NAME,OBJECT_ID,NORAD_CAT_ID,OBJECT_TYPE,RCS\\nISS,1998-067A,25544,PAY,400\\n"
    >>> f, problems = parse_satcat_text(txt)
    >>> f["object_type"][0], float(f["rcs_m2"][0])
    ('PAYLOAD', 400.0)
    """
    reader = csv.DictReader(io.StringIO(text))
    cols = {(c or "").strip().upper(): c for c in (reader.fieldnames or [])}
    if "NORAD_CAT_ID" not in cols or "OBJECT_TYPE" not in cols:
        return None, [RecordProblem(file, 1, "not a SATCAT CSV: header needs NORAD_CAT_ID "
                                    "and OBJECT_TYPE columns")]
    g = lambda row, *names: next(((row.get(cols[n]) or "").strip() for n in names  # noqa: E731
                                  if n in cols), "")
    out = {k: [] for k in ("norad_id", "object_name", "intl_designator", "object_type", "owner",
                           "launch_date", "decay_date", "period_min", "inclination_deg",
                           "apogee_km", "perigee_km", "rcs_m2", "rcs_size")}
    problems = []
    for k, row in enumerate(reader):
        line = k + 2
        try:
            nid = int(g(row, "NORAD_CAT_ID"))
        except ValueError:
            problems.append(RecordProblem(file, line, f"NORAD_CAT_ID={g(row, 'NORAD_CAT_ID')!r}"
                                          " is not an integer"))
            continue
        typ = g(row, "OBJECT_TYPE").upper()
        if typ not in TYPE_MAP:
            problems.append(RecordProblem(file, line, f"OBJECT_TYPE={typ!r} unknown (expected "
                                          "PAY/DEB/R/B/UNK or PAYLOAD/DEBRIS/ROCKET BODY/UNKNOWN)"))
            continue
        rcs = _f(g(row, "RCS", "RCSVALUE"))
        out["norad_id"].append(nid)
        out["object_name"].append(g(row, "OBJECT_NAME", "SATNAME"))
        out["intl_designator"].append(g(row, "OBJECT_ID", "INTLDES"))
        out["object_type"].append(TYPE_MAP[typ])
        out["owner"].append(g(row, "OWNER", "COUNTRY"))
        out["launch_date"].append(_date(g(row, "LAUNCH_DATE", "LAUNCH")))
        out["decay_date"].append(_date(g(row, "DECAY_DATE", "DECAY")))
        out["period_min"].append(_f(g(row, "PERIOD")))
        out["inclination_deg"].append(_f(g(row, "INCLINATION")))
        out["apogee_km"].append(_f(g(row, "APOGEE")))
        out["perigee_km"].append(_f(g(row, "PERIGEE")))
        out["rcs_m2"].append(rcs if rcs and rcs > 0 else np.nan)
        out["rcs_size"].append(g(row, "RCS_SIZE").upper() or None)
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
