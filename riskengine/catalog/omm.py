"""CCSDS Orbit Mean-elements Messages as CelesTrak/Space-Track publish GP data: CSV, JSON, XML.

Field names are the CelesTrak GP names (``OBJECT_NAME``, ``NORAD_CAT_ID``, ``EPOCH``,
``MEAN_MOTION`` [rev/day], ``ECCENTRICITY``, ``INCLINATION``, ``RA_OF_ASC_NODE``,
``ARG_OF_PERICENTER``, ``MEAN_ANOMALY`` [deg], ``BSTAR`` [1/ER], ``MEAN_MOTION_DOT``
[rev/day^2], ``MEAN_MOTION_DDOT`` [rev/day^3]); Space-Track GP adds ``OBJECT_TYPE`` and
``RCS_SIZE``, which are used when present.

Validation: every number is a finite decimal inside the range a TLE can carry (the load
stores TLE text regenerated from the elements), ``EPOCH`` an ISO-8601 date-time
(``2026-07-10T03:44:00.383136``, ``Z`` allowed; or the CCSDS day-of-year form
``2026-191T03:44:00``) between 1957 and 2056. A problem names the 1-based line of the
offending row (CSV), field (JSON, XML; or the record when a keyword is missing) and that
line's text.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from xml.parsers import expat

import numpy as np

from riskengine.catalog.tle import RECORD_CHARS, Problems, RecordProblem, clip

REQUIRED = ("NORAD_CAT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION",
            "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY")
OPTIONAL_FLOAT = ("BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
#: keyword -> (low, high, high included, allowed range as shown in messages). The limits
#: of the last three are those of the TLE fields the values are written to.
RANGES = {
    "ECCENTRICITY": (0.0, 1.0, False, "0 <= e < 1"),
    "INCLINATION": (0.0, 180.0, True, "0..180 deg"),
    "RA_OF_ASC_NODE": (0.0, 360.0, False, "0 <= RAAN < 360 deg"),
    "ARG_OF_PERICENTER": (0.0, 360.0, False, "0 <= argument of pericenter < 360 deg"),
    "MEAN_ANOMALY": (0.0, 360.0, False, "0 <= mean anomaly < 360 deg"),
    "MEAN_MOTION": (0.0, 20.0, True, "0 < n <= 20 rev/day"),
    "BSTAR": (-1e9, 1e9, False, "|B*| < 1e9 /ER (the TLE field's range)"),
    "MEAN_MOTION_DOT": (-1.0, 1.0, False, "|ndot/2| < 1 rev/day^2 (the TLE field's range)"),
    "MEAN_MOTION_DDOT": (-1e9, 1e9, False, "|nddot/6| < 1e9 rev/day^3 (the TLE field's range)"),
}
#: Largest catalog number, element set number and revolution number accepted.
MAX_WHOLE = 999_999_999
#: Element epochs a TLE can carry (two-digit years 57..56).
EPOCH_YEARS = (1957, 2056)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WHOLE = re.compile(r"\+?\d+")
_EPOCH = re.compile(r"(\d{4})-(?:(\d{2})-(\d{2})|(\d{3}))(?:T|\s)"
                    r"(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?Z?")
_EPOCH_HELP = ("is not an ISO-8601 date-time: write e.g. 2026-07-10T03:44:00.383136 (UTC; "
               "or the day-of-year form 2026-191T03:44:00)")
_FIELDS = ("norad_id", "name", "intl_designator", "epoch", "mean_motion", "eccentricity",
           "inclination_deg", "raan_deg", "arg_perigee_deg", "mean_anomaly_deg", "bstar",
           "mean_motion_dot", "mean_motion_ddot", "classification", "element_set_no",
           "rev_at_epoch", "object_type", "rcs_size", "line_no")


class _Lines:
    """The text of a line of ``text`` by number, scanning forward (problems come in line
    order, so finding all of them costs one pass over the text)."""

    def __init__(self, text: str):
        self.text, self.line, self.pos = text, 1, 0

    def __call__(self, line: int) -> str:
        if line < self.line:
            self.line, self.pos = 1, 0
        t = self.text
        while self.line < line:
            nl = t.find("\n", self.pos)
            if nl < 0:
                return ""
            self.pos, self.line = nl + 1, self.line + 1
        end = t.find("\n", self.pos)
        return t[self.pos:end if end >= 0 else len(t)].rstrip("\r")


def parse_epoch(raw: str) -> tuple[np.datetime64 | None, str | None]:
    """An OMM ``EPOCH`` as ``datetime64[us]``, or ``(None, why)``.

    Examples
    --------
    >>> str(parse_epoch("2026-07-10T03:44:00.383136Z")[0])
    '2026-07-10T03:44:00.383136'
    >>> str(parse_epoch("2026-191T03:44:00")[0])
    '2026-07-10T03:44:00.000000'
    >>> parse_epoch("today")[1][:36]
    'is not an ISO-8601 date-time: write '
    """
    m = _EPOCH.fullmatch(raw.strip())
    if m is None:
        return None, _EPOCH_HELP
    year, month, day, doy, hh, mm, ss, frac = m.groups()
    y = int(year)
    if not EPOCH_YEARS[0] <= y <= EPOCH_YEARS[1]:
        return None, (f"is outside the years {EPOCH_YEARS[0]}..{EPOCH_YEARS[1]} that element "
                      "sets (two-digit TLE years) can carry")
    if int(hh) > 23 or int(mm) > 59 or int(ss or 0) > 59:
        return None, "has no such time of day (hh <= 23, mm <= 59, ss <= 59)"
    try:
        if doy is not None:
            leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
            if not 1 <= int(doy) <= 365 + leap:
                raise ValueError
            date = np.datetime64(f"{year}-01-01", "D") + np.timedelta64(int(doy) - 1, "D")
        else:
            date = np.datetime64(f"{year}-{month}-{day}", "D")
    except ValueError:
        return None, "has no such date"
    us = round(float(frac or 0.0) * 1e6)
    t = (date.astype("datetime64[us]") + np.timedelta64(int(hh) * 3600 + int(mm) * 60
                                                        + int(ss or 0), "s")
         + np.timedelta64(us, "us"))
    return t, None


def _rows_csv(text: str):
    """``(line, row, field_lines, raw)`` for every non-blank CSV row; ``line`` is where the
    row starts (a quoted field may span lines)."""
    consumed: list[str] = []

    def feed():
        for ln in io.StringIO(text):
            consumed.append(ln)
            yield ln

    rd = csv.reader(feed())
    try:
        header = next(rd, None)
        if header is None:
            return
        keys = [h.strip().upper() for h in header]
        yield "header", keys, None, None
        last = rd.line_num
        consumed.clear()
        for row in rd:
            start, last = last + 1, rd.line_num
            raw = "".join(consumed).rstrip("\r\n")
            consumed.clear()
            if not row:                       # an empty line
                continue
            yield start, dict(zip(keys, (v.strip() for v in row))), None, raw
    except csv.Error as exc:
        raise _SyntaxError(rd.line_num or 1, f"not valid CSV: {exc}") from None


class _SyntaxError(Exception):
    def __init__(self, line: int, why: str):
        super().__init__(why)
        self.line, self.why = line, why


_WS = re.compile(r"[ \t\n\r]*")


def _rows_json(text: str):
    """``(line, row, field_lines, raw)`` per record of a JSON array of objects (or one
    object), with the line of the record and of each field, via ``raw_decode`` per record."""
    dec = json.JSONDecoder()
    pos = _WS.match(text, 0).end()
    state = {"line": 1, "at": 0}

    def line_at(p: int) -> int:
        if p < state["at"]:
            state["line"], state["at"] = 1, 0
        state["line"] += text.count("\n", state["at"], p)
        state["at"] = p
        return state["line"]

    def one(p: int):
        try:
            obj, end = dec.raw_decode(text, p)
        except json.JSONDecodeError as exc:
            raise _SyntaxError(exc.lineno, f"not valid JSON: {exc.msg} (line {exc.lineno} "
                               f"column {exc.colno})") from None
        except RecursionError:
            raise _SyntaxError(line_at(p), "not valid OMM JSON: nested too deeply") from None
        return obj, end

    def record(obj, start: int, end: int):
        line = line_at(start)
        raw = clip(text[start:end], RECORD_CHARS)
        if not isinstance(obj, dict):
            kind = type(obj).__name__.replace("NoneType", "null").replace("dict", "object")
            return line, None, f"record is a JSON {kind} ({clip(repr(obj), 40)}), expected an " \
                               'object of OMM keywords such as {"NORAD_CAT_ID": 25544, ...}', raw
        row = {str(k).strip().upper(): "" if v is None else _json_text(v) for k, v in obj.items()}
        return line, row, _json_field_lines(text, start, end, line, row), raw

    if pos < len(text) and text[pos] == "[":
        pos = _WS.match(text, pos + 1).end()
        if pos < len(text) and text[pos] == "]":
            pos += 1
        else:
            while True:
                obj, end = one(pos)
                yield record(obj, pos, end)
                pos = _WS.match(text, end).end()
                if pos < len(text) and text[pos] == ",":
                    pos = _WS.match(text, pos + 1).end()
                    continue
                if pos < len(text) and text[pos] == "]":
                    pos += 1
                    break
                raise _SyntaxError(line_at(pos), "not valid JSON: expected ',' or ']' after "
                                   "a record")
    else:
        obj, end = one(pos)
        yield record(obj, pos, end)
        pos = end
    pos = _WS.match(text, pos).end()
    if pos < len(text):
        raise _SyntaxError(line_at(pos), "not valid JSON: extra data after the records")


def _json_text(v) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (dict, list)):
        return json.dumps(v)[:200]
    return str(v)


def _json_field_lines(text: str, start: int, end: int, line: int, row: dict):
    """A lazy ``key -> line`` of the fields of the record ``text[start:end]``."""
    def find(key: str) -> int:
        m = re.compile(r'"\s*' + re.escape(key) + r'\s*"\s*:', re.IGNORECASE).search(
            text, start, end)
        return line + text.count("\n", start, m.start()) if m else line
    return find


def _rows_xml(text: str):
    """``(line, row, field_lines, raw)`` per ``<omm>`` element, lines from expat. Leaf
    elements with text are the fields; DTD entity declarations are refused (no entity
    expansion attacks)."""
    p = expat.ParserCreate()
    rows: list = []
    stack: list[list] = []          # [name, line, text parts, has children]
    cur: dict | None = None

    def start(name, attrs):
        nonlocal cur
        if stack:
            stack[-1][3] = True
        local = name.rsplit(":", 1)[-1]
        stack.append([local, p.CurrentLineNumber, [], False])
        if local == "omm" and cur is None:
            cur = {"line": p.CurrentLineNumber, "row": {}, "lines": {}, "depth": len(stack)}

    def chars(data):
        if stack:
            stack[-1][2].append(data)

    def end(name):
        nonlocal cur
        local, line, parts, children = stack.pop()
        if cur is None:
            return
        if not children:
            value = "".join(parts).strip()
            if value:
                cur["row"][local.upper()] = value
                cur["lines"][local.upper()] = line
        if local == "omm" and len(stack) + 1 == cur["depth"]:
            rows.append(cur)
            cur = None

    def no_entities(*_):
        raise _SyntaxError(p.CurrentLineNumber, "entity declarations are not allowed in "
                           "OMM XML (remove the DTD)")

    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    p.EntityDeclHandler = no_entities
    try:
        p.Parse(text, True)
    except expat.ExpatError as exc:
        raise _SyntaxError(exc.lineno, f"not valid XML: {expat.ErrorString(exc.code)} (line "
                           f"{exc.lineno} column {exc.offset + 1})") from None
    for r in rows:
        lines = r["lines"]
        yield (r["line"], r["row"], lambda k, ln=lines, at=r["line"]: ln.get(k, at),
               ",".join(f"{k}={v}" for k, v in r["row"].items())[:RECORD_CHARS])


def parse_omm_text(text: str, file: str = "<omm>", fmt: str = "omm-csv", *,
                   max_problems: int | None = None):
    """Parse OMM CSV/JSON/XML into columnar fields plus problems.

    Parameters
    ----------
    max_problems : int, optional
        Stop reading after this many bad records (``problems.stopped_at`` is the line).

    Returns
    -------
    fields : dict of numpy arrays
        ``norad_id``, ``name``, ``intl_designator``, ``epoch`` (datetime64[us]), the mean
        elements, ``object_type`` and ``rcs_size`` (may be empty strings), ``line_no``.
    problems : Problems
        Records refused (missing keyword, not a finite number, out of range, not an
        ISO-8601 epoch, not a record at all) with the line of the offending field.

    Examples
    --------
    >>> txt = ("OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,"
    ...        "RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY,NORAD_CAT_ID,BSTAR\\n"
    ...        "ISS,1998-067A,2026-07-10T03:44:00.383136,15.5,.0006,51.6,10,20,30,25544,.0001\\n")
    >>> f, problems = parse_omm_text(txt)
    >>> int(f["norad_id"][0]), float(f["inclination_deg"][0]), problems
    (25544, 51.6, [])
    >>> _, problems = parse_omm_text(txt.replace(".0001", "nan"), "gp.csv")
    >>> print(problems[0].file, problems[0].line, problems[0].reason)
    gp.csv 2 BSTAR='nan' is not a finite number
    """
    problems = Problems()
    lines = _Lines(text)
    out = {k: [] for k in _FIELDS}
    rows = {"omm-json": _rows_json, "omm-xml": _rows_xml}.get(fmt, _rows_csv)(text)
    try:
        for line, row, field_line, raw in rows:
            if line == "header":
                missing = [c for c in REQUIRED if c not in row]
                if missing:
                    problems.append(RecordProblem(
                        file, 1, f"header lacks required column(s) {', '.join(missing)}: an "
                        "OMM CSV needs " + ", ".join(REQUIRED), lines(1)[:RECORD_CHARS],
                        lines(1)))
                    return _empty(), problems
                continue
            if row is None:          # not a record at all (JSON): the third item is why
                problems.add(RecordProblem(file, line, field_line, raw, lines(line)),
                             max_problems)
            else:
                why, at = _check_row(row, out)
                if why:
                    bad_line = field_line(at) if at and field_line is not None else line
                    problems.add(RecordProblem(file, bad_line, "; ".join(why), raw,
                                               lines(bad_line)), max_problems)
                else:
                    out["line_no"].append(line)
            if problems.full(max_problems):
                problems.stopped_at = line
                break
    except _SyntaxError as exc:
        problems.append(RecordProblem(file, exc.line, f"{exc.why} — fix the file or "
                                      "download it again", "", lines(exc.line)))
        return _empty(), problems
    return _arrays(out), problems


def not_a_number(raw: str) -> str:
    """Why ``raw`` is not a decimal number: ``'finite number'`` for NaN and infinities,
    else ``'decimal number'``."""
    word = raw.strip().lower().lstrip("+-")
    return "finite number" if word in ("nan", "inf", "infinity") else "decimal number"


def _number(row: dict, key: str, why: list) -> float | None:
    raw = row.get(key, "")
    if not _NUMBER.fullmatch(raw):
        why.append(f"{key}={raw!r} is not a {not_a_number(raw)}")
        return None
    v = float(raw)
    if not math.isfinite(v):
        why.append(f"{key}={raw!r} is not a finite number")
        return None
    lo, hi, hi_ok, allowed = RANGES[key]
    if not (lo <= v < hi or (hi_ok and v == hi)) or (key == "MEAN_MOTION" and v <= 0):
        why.append(f"{key}={raw} outside {allowed}")
        return None
    return v


def _whole(row: dict, key: str, why: list, low: int) -> int | None:
    raw = row.get(key, "")
    if not _WHOLE.fullmatch(raw) or not low <= int(raw) <= MAX_WHOLE:
        why.append(f"{key}={raw!r} is not a whole number in {low}..{MAX_WHOLE:,}")
        return None
    return int(raw)


def _check_row(row: dict, out: dict) -> tuple[list[str], str | None]:
    """Validate one record; append its fields to ``out`` when good. Returns the reasons
    and the keyword of the first bad field (``None``: the record as a whole)."""
    why: list[str] = []
    first: str | None = None

    def note(key):
        nonlocal first
        if first is None and why:
            first = key

    miss = [c for c in REQUIRED if not row.get(c)]
    if miss:      # a missing keyword has no line of its own: the record's line
        why.append(f"missing required keyword(s) {', '.join(miss)}")
        first = ""
    vals = {}
    for c in REQUIRED[2:] + OPTIONAL_FLOAT:
        if c in miss or (c in OPTIONAL_FLOAT and not row.get(c)):
            continue
        vals[c] = _number(row, c, why)
        note(c)
    nid = _whole(row, "NORAD_CAT_ID", why, 1) if "NORAD_CAT_ID" not in miss else None
    note("NORAD_CAT_ID")
    ep = None
    if "EPOCH" not in miss:
        ep, bad = parse_epoch(row["EPOCH"])
        if bad:
            why.append(f"EPOCH={row['EPOCH']!r} {bad}")
        note("EPOCH")
    extra = {}
    for c in ("ELEMENT_SET_NO", "REV_AT_EPOCH"):
        extra[c] = _whole(row, c, why, 0) if row.get(c) else 0
        note(c)
    names = {}
    for c in ("OBJECT_NAME", "OBJECT_ID", "CLASSIFICATION_TYPE", "OBJECT_TYPE", "RCS_SIZE"):
        v = row.get(c, "")
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            why.append(f"{c}={v!r} is not valid text (a lone UTF-16 surrogate)")
            note(c)
        names[c] = v
    if why:
        return why, first
    out["norad_id"].append(nid)
    out["name"].append(names["OBJECT_NAME"])
    out["intl_designator"].append(names["OBJECT_ID"])
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
    out["classification"].append(names["CLASSIFICATION_TYPE"] or "U")
    out["element_set_no"].append(extra["ELEMENT_SET_NO"])
    out["rev_at_epoch"].append(extra["REV_AT_EPOCH"])
    out["object_type"].append(names["OBJECT_TYPE"].upper())
    out["rcs_size"].append(names["RCS_SIZE"].upper())
    return why, None


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
    return _arrays({k: [] for k in _FIELDS})
