"""CCSDS Orbit Mean-elements Messages as CelesTrak/Space-Track publish GP data: CSV, JSON, XML.

Field names are the CelesTrak GP names (``OBJECT_NAME``, ``NORAD_CAT_ID``, ``EPOCH``,
``MEAN_MOTION`` [rev/day], ``ECCENTRICITY``, ``INCLINATION``, ``RA_OF_ASC_NODE``,
``ARG_OF_PERICENTER``, ``MEAN_ANOMALY`` [deg], ``BSTAR`` [1/ER], ``MEAN_MOTION_DOT``
[rev/day^2], ``MEAN_MOTION_DDOT`` [rev/day^3]); Space-Track GP adds ``OBJECT_TYPE`` and
``RCS_SIZE``, which are used when present.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import numpy as np

from riskengine.catalog.tle import RecordProblem

REQUIRED = ("NORAD_CAT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION",
            "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY")
OPTIONAL_FLOAT = ("BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
RANGES = {
    "ECCENTRICITY": (0.0, 1.0, "0 <= e < 1"),
    "INCLINATION": (0.0, 180.0, "0..180 deg"),
    "RA_OF_ASC_NODE": (0.0, 360.0, "0..360 deg"),
    "ARG_OF_PERICENTER": (0.0, 360.0, "0..360 deg"),
    "MEAN_ANOMALY": (0.0, 360.0, "0..360 deg"),
    "MEAN_MOTION": (0.0, 20.0, "0..20 rev/day"),
}


def _rows_csv(text: str):
    reader = csv.DictReader(io.StringIO(text))
    for k, row in enumerate(reader):
        yield k + 2, {(key or "").strip().upper(): (v or "").strip() for key, v in row.items()
                      if key is not None}


def _rows_json(text: str, file: str):
    data = json.loads(text)
    if isinstance(data, dict):
        data = [data]
    for k, row in enumerate(data):
        yield k + 1, {str(key).upper(): "" if v is None else str(v) for key, v in row.items()}


def _rows_xml(text: str):
    root = ET.fromstring(text)
    k = 0
    for omm in root.iter():
        if omm.tag.split("}")[-1] != "omm":
            continue
        k += 1
        row = {}
        for el in omm.iter():
            tag = el.tag.split("}")[-1].upper()
            if el.text and el.text.strip() and len(el) == 0:
                row[tag] = el.text.strip()
        yield k, row


def parse_omm_text(text: str, file: str = "<omm>", fmt: str = "omm-csv"):
    """Parse OMM CSV/JSON/XML into columnar fields plus problems.

    Returns
    -------
    fields : dict of numpy arrays
        ``norad_id``, ``name``, ``intl_designator``, ``epoch`` (datetime64[us]), the mean
        elements, ``object_type`` and ``rcs_size`` (may be empty strings), ``line_no``.
    problems : list of RecordProblem
        Rows refused (missing keyword, bad number, out of range) with row number.

    Examples
    --------
    >>> txt = ("OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,"
    ...        "RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY,NORAD_CAT_ID,BSTAR\\n"
    ...        "ISS,1998-067A,2026-07-10T03:44:00.383136,15.5,.0006,51.6,10,20,30,25544,.0001\\n")
    >>> f, problems = parse_omm_text(txt)
    >>> int(f["norad_id"][0]), float(f["inclination_deg"][0]), problems
    (25544, 51.6, [])
    """
    problems: list[RecordProblem] = []
    try:
        if fmt == "omm-json":
            rows = list(_rows_json(text, file))
        elif fmt == "omm-xml":
            rows = list(_rows_xml(text))
        else:
            rows = list(_rows_csv(text))
    except (json.JSONDecodeError, ET.ParseError, csv.Error) as exc:
        return _empty(), [RecordProblem(file, getattr(exc, "lineno", 1) or 1,
                                        f"not valid {fmt}: {exc}")]
    out = {k: [] for k in ("norad_id", "name", "intl_designator", "epoch", "mean_motion",
                           "eccentricity", "inclination_deg", "raan_deg", "arg_perigee_deg",
                           "mean_anomaly_deg", "bstar", "mean_motion_dot", "mean_motion_ddot",
                           "classification", "element_set_no", "rev_at_epoch", "object_type",
                           "rcs_size", "line_no")}
    if rows and fmt == "omm-csv":
        missing = [c for c in REQUIRED if c not in rows[0][1]]
        if missing:
            return _empty(), [RecordProblem(file, 1, f"header lacks required column(s) "
                                            f"{', '.join(missing)}")]
    for line, row in rows:
        why = []
        miss = [c for c in REQUIRED if not row.get(c)]
        if miss:
            why.append(f"missing {', '.join(miss)}")
        vals = {}
        for c in REQUIRED[2:] + OPTIONAL_FLOAT:
            if c in miss:
                continue
            raw = row.get(c, "") or "0"
            try:
                vals[c] = float(raw)
            except ValueError:
                why.append(f"{c}={raw!r} is not a number")
        for c, (lo, hi, txt) in RANGES.items():
            v = vals.get(c)
            if v is not None and not (lo <= v < hi or (c == "INCLINATION" and v == hi)) \
                    or (c == "MEAN_MOTION" and v is not None and v <= 0):
                why.append(f"{c}={row.get(c)} outside {txt}")
        try:
            nid = int(row.get("NORAD_CAT_ID", "") or -1)
            if nid <= 0:
                raise ValueError
        except ValueError:
            if "NORAD_CAT_ID" not in miss:
                why.append(f"NORAD_CAT_ID={row.get('NORAD_CAT_ID')!r} is not a positive integer")
            nid = -1
        try:
            ep = np.datetime64(row.get("EPOCH", "").rstrip("Z"), "us")
        except ValueError:
            if "EPOCH" not in miss:
                why.append(f"EPOCH={row.get('EPOCH')!r} is not an ISO timestamp")
            ep = np.datetime64("NaT")
        if why:
            problems.append(RecordProblem(file, line, "; ".join(why),
                                          ",".join(f"{k}={v}" for k, v in row.items())[:300]))
            continue
        out["norad_id"].append(nid)
        out["name"].append(row.get("OBJECT_NAME", ""))
        out["intl_designator"].append(row.get("OBJECT_ID", ""))
        out["epoch"].append(ep)
        out["mean_motion"].append(vals["MEAN_MOTION"])
        out["eccentricity"].append(vals["ECCENTRICITY"])
        out["inclination_deg"].append(vals["INCLINATION"])
        out["raan_deg"].append(vals["RA_OF_ASC_NODE"])
        out["arg_perigee_deg"].append(vals["ARG_OF_PERICENTER"])
        out["mean_anomaly_deg"].append(vals["MEAN_ANOMALY"])
        out["bstar"].append(vals.get("BSTAR", 0.0))
        out["mean_motion_dot"].append(vals.get("MEAN_MOTION_DOT", 0.0))
        out["mean_motion_ddot"].append(vals.get("MEAN_MOTION_DDOT", 0.0))
        out["classification"].append(row.get("CLASSIFICATION_TYPE", "U") or "U")
        out["element_set_no"].append(_int(row.get("ELEMENT_SET_NO")))
        out["rev_at_epoch"].append(_int(row.get("REV_AT_EPOCH")))
        out["object_type"].append(row.get("OBJECT_TYPE", "").upper())
        out["rcs_size"].append(row.get("RCS_SIZE", "").upper())
        out["line_no"].append(line)
    return _arrays(out), problems


def _int(s) -> int:
    try:
        return int(float(s))
    except (TypeError, ValueError):
        return 0


def _arrays(out: dict) -> dict:
    res = {}
    for k, v in out.items():
        if k == "epoch":
            res[k] = np.array(v, dtype="datetime64[us]")
        elif k in ("norad_id", "element_set_no", "rev_at_epoch", "line_no"):
            res[k] = np.array(v, dtype=np.int64)
        elif k in ("name", "intl_designator", "classification", "object_type", "rcs_size"):
            res[k] = np.array(v, dtype=object)
        else:
            res[k] = np.array(v, dtype=np.float64)
    return res


def _empty() -> dict:
    return _arrays({k: [] for k in ("norad_id", "name", "intl_designator", "epoch",
                                    "mean_motion", "eccentricity", "inclination_deg",
                                    "raan_deg", "arg_perigee_deg", "mean_anomaly_deg", "bstar",
                                    "mean_motion_dot", "mean_motion_ddot", "classification",
                                    "element_set_no", "rev_at_epoch", "object_type",
                                    "rcs_size", "line_no")})
