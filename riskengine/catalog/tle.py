"""Two-line element sets: TLE, Space-Track 3LE (``0 NAME``) and CelesTrak name-line TLE.

Parsing is vectorised: record structure is found in one pass over the lines, then every
fixed-width field of every record is decoded with NumPy at once. Validation covers the
mod-10 checksum (``-`` counts as 1), field syntax and ranges, matching catalog numbers on
both lines, and Alpha-5 catalog numbers (``A0000`` = 100000, letters I and O unused).
Blank-padded (``1     5U``) and ``+``-signed fields, as found in real files, are accepted.

Column positions follow the CelesTrak "NORAD Two-Line Element Set Format" page (1-based):
line 1: 3-7 satnum, 8 classification, 10-17 international designator, 19-20 epoch year,
21-32 epoch day, 34-43 ndot/2, 45-52 nddot/6, 54-61 B*, 63 ephemeris type, 65-68 element
set number, 69 checksum; line 2: 3-7 satnum, 9-16 i, 18-25 RAAN, 27-33 e, 35-42 argp,
44-51 M, 53-63 n (rev/day), 64-68 revolution number, 69 checksum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHA5 = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are skipped
#: Checksum value of each byte: digits their value, ``-`` one, everything else zero.
_CHECKSUM_VALUE = np.zeros(256, np.uint8)
_CHECKSUM_VALUE[48:58] = np.arange(10)
_CHECKSUM_VALUE[ord("-")] = 1
_ALPHA5_VALUE = {c: 10 + i for i, c in enumerate(ALPHA5)}


@dataclass(frozen=True)
class RecordProblem:
    """One rejected record: where it is and why."""

    file: str
    line: int
    reason: str
    record: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class TLERecords:
    """Raw decoded TLE fields, one entry per *valid* record (columnar)."""

    name: np.ndarray
    line1: np.ndarray
    line2: np.ndarray
    line_no: np.ndarray  # 1-based line number of line 1 (or of the name line)
    norad_id: np.ndarray
    classification: np.ndarray
    intl_designator: np.ndarray
    epoch: np.ndarray  # datetime64[us]
    mean_motion_dot: np.ndarray
    mean_motion_ddot: np.ndarray
    bstar: np.ndarray
    element_set_no: np.ndarray
    inclination_deg: np.ndarray
    raan_deg: np.ndarray
    eccentricity: np.ndarray
    arg_perigee_deg: np.ndarray
    mean_anomaly_deg: np.ndarray
    mean_motion: np.ndarray
    rev_at_epoch: np.ndarray


def _kinds(lines: list[str]) -> np.ndarray:
    """0 blank, 1 line-1, 2 line-2, 3 anything else (a name line)."""
    heads = np.array([ln[:2] for ln in lines], dtype="U2")
    kind = np.full(len(lines), 3, np.int8)
    kind[heads == "1 "] = 1
    kind[heads == "2 "] = 2
    blank = np.char.str_len(np.char.strip(heads)) == 0
    if blank.any():  # a line that starts with two blanks may still hold text
        for k in np.flatnonzero(blank):
            kind[k] = 0 if not lines[k].strip() else 3
    return kind


def _empty_records() -> TLERecords:
    kw = {}
    for f in TLERecords.__dataclass_fields__:
        if f == "epoch":
            kw[f] = np.zeros(0, "datetime64[us]")
        elif f in ("name", "line1", "line2", "classification", "intl_designator"):
            kw[f] = np.zeros(0, object)
        elif f in ("line_no", "norad_id", "element_set_no", "rev_at_epoch"):
            kw[f] = np.zeros(0, np.int64)
        else:
            kw[f] = np.zeros(0)
    return TLERecords(**kw)


def split_records(lines: list[str], file: str):
    """Group lines into (name, line1, line2, line_no) records and structural problems.

    Accepts 2-line TLE, 3LE (``0 NAME``) and CelesTrak name lines (padded, any text).
    Well-formed files take a vectorised path; anything irregular falls back to a
    line-by-line scan that reports each structural problem.
    """
    kind = _kinds(lines)
    i1 = np.flatnonzero(kind == 1)
    i2 = np.flatnonzero(kind == 2)
    i3 = np.flatnonzero(kind == 3)
    n = len(lines)
    if (len(i1) == len(i2) and np.array_equal(i1 + 1, i2)
            and (len(i3) == 0 or (np.all(i3 + 1 < n) and np.all(kind[np.minimum(i3 + 1, n - 1)] == 1)))):
        has_name = np.zeros(len(i1), bool)
        name_idx = np.searchsorted(i1, i3 + 1)
        has_name[name_idx] = True
        names = [""] * len(i1)
        for k, li in zip(name_idx, i3):
            ln = lines[li].rstrip()
            names[k] = ln[2:].strip() if ln.startswith("0 ") else ln.strip()
        nos = np.where(has_name, i1, i1 + 1)  # 1-based line of the record's first line
        l1s = [lines[k].rstrip() for k in i1]
        l2s = [lines[k].rstrip() for k in i2]
        return names, l1s, l2s, nos.tolist(), []
    return _split_records_slow(lines, file)


def _split_regular(text: str):
    """Record split for well-formed files, vectorised; ``None`` when the file is not.

    "Well-formed": ASCII without control characters other than ``\\n`` / ``\\r\\n`` line
    ends, every element line exactly 69 columns ending in a non-blank, every name line
    followed by a line 1 and every line 1 by its line 2 (blank lines allowed). Such files
    split exactly as :func:`split_records` splits them; anything else returns ``None`` and
    takes that path, which also reports the structural problems.

    Returns ``(names, line1, line2, line_no, m1, m2)``: object arrays of the names and
    lines, the 1-based line numbers, and the ``(n, 69)`` byte matrices of both lines.
    """
    if not text or not text.isascii():
        return None
    buf = np.frombuffer(text.encode("ascii"), np.uint8)
    nl = np.flatnonzero(buf == 10)
    n_ctrl = np.count_nonzero(buf < 32)
    if n_ctrl != len(nl):                    # CRs must all be CRLF; no tabs, FF, VT...
        cr = np.flatnonzero(buf == 13)
        if len(cr) != n_ctrl - len(nl) or cr[-1] + 1 >= len(buf) or (buf[cr + 1] != 10).any():
            return None
    lines = text.splitlines()                # splits exactly at nl (checked above)
    ends = nl if buf[-1] == 10 else np.append(nl, len(buf))
    starts = np.concatenate(([0], nl + 1))[:len(ends)]
    if len(starts) != len(lines):
        return None
    ends = ends - ((ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13))
    length = ends - starts
    last = len(buf) - 1
    b0 = np.where(length >= 1, buf[np.minimum(starts, last)], 0)
    b1 = np.where(length >= 2, buf[np.minimum(starts + 1, last)], 0)
    kind = np.full(len(starts), 3, np.int8)
    kind[(b0 == 49) & (b1 == 32)] = 1
    kind[(b0 == 50) & (b1 == 32)] = 2
    for k in np.flatnonzero((length == 0) | (b0 == 32)).tolist():   # blank or indented
        if not lines[k].strip():
            kind[k] = 0
    i1 = np.flatnonzero(kind == 1)
    i2 = np.flatnonzero(kind == 2)
    i3 = np.flatnonzero(kind == 3)
    n, nlines = len(i1), len(kind)
    if (n == 0 or len(i2) != n or not np.array_equal(i1 + 1, i2)
            or (len(i3) and (i3[-1] + 1 >= nlines or (kind[i3 + 1] != 1).any()))):
        return None
    if ((length[i1] != 69).any() or (length[i2] != 69).any()
            or (buf[starts[i1] + 68] == 32).any() or (buf[starts[i2] + 68] == 32).any()):
        return None                          # short, long or blank-padded lines
    obj = np.array(lines, dtype=object)
    line1, line2 = obj[i1], obj[i2]
    m1 = np.frombuffer("".join(line1).encode("ascii"), np.uint8).reshape(n, 69)
    m2 = np.frombuffer("".join(line2).encode("ascii"), np.uint8).reshape(n, 69)
    names = np.empty(n, dtype=object)
    names.fill("")
    at = np.searchsorted(i1, i3 + 1)
    # as split_records: line.rstrip(), less a leading "0 ", stripped ("0   " is "0")
    names[at] = [(ln[2:].strip() or "0") if ln[:2] == "0 " else ln.strip()
                 for ln in obj[i3].tolist()]
    has_name = np.zeros(n, bool)
    has_name[at] = True
    line_no = np.where(has_name, i1, i1 + 1)
    return names, line1, line2, line_no, m1, m2


def _split_records_slow(lines: list[str], file: str):
    names, l1s, l2s, nos, problems = [], [], [], [], []
    pending_name: tuple[int, str] | None = None
    i, n = 0, len(lines)
    while i < n:
        raw = lines[i]
        s = raw.rstrip()
        if not s.strip():
            i += 1
            continue
        if s.startswith("1 ") or (s.startswith("1") and len(s) >= 60 and s[1:2] == " "):
            nxt = lines[i + 1].rstrip() if i + 1 < n else ""
            if nxt.startswith("2 "):
                if pending_name is not None:
                    nm, start = pending_name[1], pending_name[0]
                else:
                    nm, start = "", i + 1
                names.append(nm)
                l1s.append(s)
                l2s.append(nxt)
                nos.append(start)
                pending_name = None
                i += 2
                continue
            problems.append(RecordProblem(file, pending_name[0] if pending_name else i + 1,
                                          "truncated record: line 1 is not followed by a "
                                          "line 2", s))
            pending_name = None
            i += 1
            continue
        if s.startswith("2 "):
            problems.append(RecordProblem(file, i + 1, "line 2 without a preceding line 1", s))
            pending_name = None
            i += 1
            continue
        # a name line (3LE "0 NAME" or a CelesTrak name padded to 24 characters)
        if pending_name is not None:
            problems.append(RecordProblem(file, pending_name[0], "name line not followed "
                                          "by a TLE (truncated record or unknown format)",
                                          pending_name[1]))
        nm = s[2:].strip() if s.startswith("0 ") else s.strip()
        pending_name = (i + 1, nm)
        i += 1
    if pending_name is not None:
        problems.append(RecordProblem(file, pending_name[0], "name line at end of file "
                                      "without its two element lines (truncated record)",
                                      pending_name[1]))
    return names, l1s, l2s, nos, problems


def _as_bytes(lines: list[str], ascii_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(n, 69) uint8 matrix of the lines, space-padded/truncated to 69 columns, and a mask
    of lines shorter than 69 columns."""
    if not lines:
        return np.zeros((0, 69), np.uint8), np.zeros(0, bool)
    if ascii_only:
        mat = np.array(lines, dtype="S69").view(np.uint8).reshape(len(lines), 69).copy()
    else:
        enc = [ln.encode("ascii", "replace")[:69] for ln in lines]
        mat = np.array(enc, dtype="S69").view(np.uint8).reshape(len(lines), 69).copy()
    short = mat[:, 68] == 0
    mat[mat == 0] = 32
    return mat, short


def _field(mat: np.ndarray, a: int, b: int) -> np.ndarray:
    """Columns a..b (1-based, inclusive) as an array of byte strings."""
    sub = np.ascontiguousarray(mat[:, a - 1:b])
    return sub.view(f"S{b - a + 1}").ravel()


def checksum_ok(cols: np.ndarray) -> np.ndarray:
    """Mod-10 checksum of columns 1-68 against column 69 (``-`` counts as 1).

    ``cols`` is the column-major ``(69, n)`` byte matrix of the lines (one row per column).
    """
    total = _CHECKSUM_VALUE[cols[:68]].sum(axis=0, dtype=np.uint16)   # at most 68 * 9
    return (total % 10).astype(np.int16) == cols[68].astype(np.int16) - 48


def _fixed(fields: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Vectorised decode of fixed-point fields (``[ +-]ddd.dddd``, blanks allowed around).

    The digits form an exact integer mantissa divided by an exact power of ten, so the
    result is the correctly rounded double, identical to ``float(text)``.
    """
    n = len(fields)
    if n == 0:
        return np.zeros(0)
    mat = fields.view(np.uint8).reshape(n, -1)
    w = mat.shape[1]
    isdig = (mat >= 48) & (mat <= 57)
    ispt = mat == 46
    issp = mat == 32
    issign = (mat == 43) | (mat == 45)
    ok = (isdig | ispt | issp | issign).all(axis=1) & (ispt.sum(axis=1) <= 1)
    ok &= isdig.any(axis=1) & (issign.sum(axis=1) <= 1)
    seen = np.cumsum(isdig | ispt, axis=1) > 0
    ok &= ~(issign & seen).any(axis=1)          # sign only before the number
    after = np.cumsum((isdig | ispt)[:, ::-1], axis=1)[:, ::-1] > 0
    ok &= ~(issp & seen & after).any(axis=1)    # no blanks inside the number
    pt = np.where(ispt.any(axis=1), ispt.argmax(axis=1), w)
    col = np.arange(w)
    ndec = np.where(isdig & (col > pt[:, None]), 1, 0).sum(axis=1)
    # integer mantissa: Horner over digit columns only
    mant = np.zeros(n, np.int64)
    for j in range(w):
        d = isdig[:, j]
        mant[d] = mant[d] * 10 + (mat[d, j] - 48)
    val = mant / 10.0 ** ndec
    val = np.where((mat == 45).any(axis=1), -val, val)
    if not ok.all():
        slow = _to_float_slow(fields[~ok])
        val[~ok] = slow
    bad |= ~np.isfinite(val)
    return val


def _fixed_cols(cols: np.ndarray, a: int, b: int, bad: np.ndarray, point: int | None = None,
                sign: bool = False) -> np.ndarray:
    """Decode columns ``a..b`` (1-based) of the column-major ``(69, n)`` byte matrix ``cols``.

    Fast path for the standard layout: the decimal point at column ``point`` (or no point:
    an integer), blanks then digits before it, digits after it, and with ``sign`` an
    optional ``+``/``-`` in the first column. Those rows are decoded with one integer dot
    product (exact mantissa over an exact power of ten: the correctly rounded double, as
    ``float(text)``). Other rows (blanks inside, a shifted point, exotic signs, bad
    characters) go through :func:`_fixed`, which validates and flags them.
    """
    sub = cols[a - 1:b]                 # (w, n): one contiguous row per text column
    w, n = sub.shape
    d = sub - np.uint8(48)              # wraps: non-digits land above 9
    isdig = d <= 9
    issp = sub == 32
    pre = w if point is None else point - a
    ok = isdig[:pre] | issp[:pre]
    if sign:
        ok[0] |= (sub[0] == 45) | (sub[0] == 43)
    canon = np.logical_and.reduce(ok, axis=0) & np.logical_or.reduce(isdig, axis=0)
    if pre > 1:                         # blanks only before the first non-blank
        canon &= ~np.logical_or.reduce(issp[1:pre] & ~issp[:pre - 1], axis=0)
    if point is not None:
        canon &= sub[pre] == 46
        if pre + 1 < w:
            canon &= np.logical_and.reduce(isdig[pre + 1:], axis=0)
        weights = np.r_[10.0 ** np.arange(w - 2, w - 2 - pre, -1), 0.0,
                        10.0 ** np.arange(w - pre - 2, -1, -1)]
        scale = 10.0 ** (w - 1 - pre)
    else:
        weights = 10.0 ** np.arange(w - 1, -1, -1)
        scale = 1.0
    # digit x power of ten products and their sums are integers below 2^53: exact in doubles
    val = (weights @ np.where(isdig, d, 0).astype(np.float64)) / scale
    if sign:
        val = np.where(sub[0] == 45, -val, val)
    if not canon.all():
        rows = np.flatnonzero(~canon)
        sub_bad = np.zeros(len(rows), bool)
        val[rows] = _fixed(_field(cols[:, rows].T, a, b), sub_bad)
        bad[rows[sub_bad]] = True
    return val


def _to_float_slow(fields: np.ndarray) -> np.ndarray:
    out = np.empty(len(fields))
    for k, f in enumerate(fields):
        try:
            out[k] = float(f)
        except ValueError:
            out[k] = np.nan
    return out


def _implied(fields: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Decode TLE implied-decimal exponent fields like `` 12345-3`` -> 0.12345e-3.

    The result is the correctly rounded double of the field's decimal value (as
    ``float("0.12345e-3")``), like every other decoded field.
    """
    stripped = np.char.strip(fields)
    out = np.zeros(len(fields))
    for k, f in enumerate(stripped):
        s = f.decode("ascii", "replace")
        if not s:
            bad[k] = True
            continue
        try:
            sign = -1.0 if s[0] == "-" else 1.0
            body = s[1:] if s[0] in "+-" else s
            if len(body) >= 2 and body[-2] in "+-":
                mant, exp = body[:-2], int(body[-2:])
            else:
                mant, exp = body, 0
            if not mant.isdigit():
                raise ValueError(s)
            out[k] = sign * float(f"0.{mant}e{exp}")    # correctly rounded, as OMM values
        except ValueError:
            bad[k] = True
    return out


def _implied_cols(cols: np.ndarray, a: int, b: int, bad: np.ndarray) -> np.ndarray:
    """Implied-decimal decode of columns ``a..b`` of ``cols`` (column-major), fast for the
    common 8-character layout ``SDDDDDsE``; other rows go through :func:`_implied`."""
    sub = cols[a - 1:b]
    if sub.shape[0] != 8:
        return _implied(_field(cols.T, a, b), bad)
    sign_c, dig, esign, edig = sub[0], sub[1:6], sub[6], sub[7]
    ok = (((sign_c == 32) | (sign_c == 43) | (sign_c == 45))
          & np.logical_and.reduce((dig >= 48) & (dig <= 57), axis=0)
          & ((esign == 43) | (esign == 45)) & (edig >= 48) & (edig <= 57))
    mant = (10 ** np.arange(4, -1, -1)) @ (dig.astype(np.int64) - 48)
    exp = np.where(esign == 45, -1, 1) * (edig.astype(np.int64) - 48)
    # float("0.ddddd e exp") correctly rounded: an exact integer over (or times) an exact
    # power of ten is one IEEE operation, hence one rounding
    shift = 5 - exp                                   # -4 .. 14
    val = np.where(shift >= 0, mant / 10.0 ** np.maximum(shift, 0),
                   mant * 10.0 ** np.maximum(-shift, 0))
    val = np.where(sign_c == 45, -val, val)
    if not ok.all():
        rows = np.flatnonzero(~ok)
        slow_bad = np.zeros(len(rows), bool)
        val[rows] = _implied(_field(cols[:, rows].T, a, b), slow_bad)
        bad[rows[slow_bad]] = True
    return val


def _satnum_cols(cols: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Catalog numbers (columns 3-7 of ``cols``, column-major) incl. blank padding and
    Alpha-5; per-row fallback only where needed."""
    sub = cols[2:7]
    n = sub.shape[1]
    isdig = (sub >= 48) & (sub <= 57)
    issp = (sub == 32) | (sub == 0)
    lead = np.logical_and.accumulate(issp, axis=0)
    plain = (np.logical_and.reduce(isdig | lead, axis=0)
             & np.logical_or.reduce(isdig, axis=0))
    out = np.zeros(n, np.int64)
    for j in range(sub.shape[0]):
        out = out * 10 + np.where(isdig[j], sub[j].astype(np.int64) - 48, 0)
    for k in np.flatnonzero(~plain).tolist():
        s = bytes(sub[:, k]).decode("ascii", "replace").strip()
        if len(s) == 5 and s[0] in _ALPHA5_VALUE and s[1:].isdigit():
            out[k] = _ALPHA5_VALUE[s[0]] * 10000 + int(s[1:])
        else:
            out[k] = 0
            bad[k] = True
    return out


def parse_tle_text(text: str, file: str = "<text>", on_records=None):
    """Parse TLE / 3LE / CelesTrak text into :class:`TLERecords` plus problems.

    ``on_records(line_no, line1, line2)``, if given, is called with every record's
    1-based line number and lines as soon as the text is split, before the fields are
    decoded (a load starts its SGP4 check there; see :mod:`riskengine.catalog.sgp4check`).

    Returns
    -------
    records : TLERecords
        Valid records only.
    problems : list of RecordProblem
        Every rejected record with file, line number and reason.

    Examples
    --------
    >>> txt = ("0 ISS (ZARYA)\\n"
    ...   "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\\n"
    ...   "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\\n")
    >>> rec, problems = parse_tle_text(txt)
    >>> int(rec.norad_id[0]), rec.name[0], problems
    (25544, 'ISS (ZARYA)', [])
    """
    return _parse_tle(text, file, vectorised_split=True, on_records=on_records)


def _parse_tle(text: str, file: str, vectorised_split: bool, on_records=None):
    """:func:`parse_tle_text`; ``vectorised_split=False`` forces the general record split
    (tests check that both splits give identical results)."""
    regular = _split_regular(text) if vectorised_split else None
    if regular is not None:
        names, l1s, l2s, nos, m1, m2 = regular
        problems: list[RecordProblem] = []
        n = len(l1s)
        short1 = short2 = np.zeros(n, bool)
    else:
        lines = text.splitlines()
        names, l1s, l2s, nos, problems = split_records(lines, file)
        n = len(l1s)
        if n == 0:
            return _empty_records(), problems
        ascii_only = text.isascii()
        m1, short1 = _as_bytes(l1s, ascii_only)
        m2, short2 = _as_bytes(l2s, ascii_only)
    if on_records is not None:
        on_records(nos, l1s, l2s)
    c1 = np.ascontiguousarray(m1.T)      # column-major: every text column one contiguous row
    c2 = np.ascontiguousarray(m2.T)
    reasons: dict[int, list[str]] = {}   # only records with a problem

    def flag(mask: np.ndarray, why: str) -> None:
        for k in np.flatnonzero(mask).tolist():
            reasons.setdefault(k, []).append(why)

    flag(short1, "line 1 shorter than 69 columns (truncated)")
    flag(short2, "line 2 shorter than 69 columns (truncated)")
    flag(~short1 & ~checksum_ok(c1), "line 1 checksum mismatch")
    flag(~short2 & ~checksum_ok(c2), "line 2 checksum mismatch")

    def fl(cols, a, b, what, conv=None, point=None, sign=False):
        bad = np.zeros(n, bool)
        val = (_fixed_cols(cols, a, b, bad, point, sign) if conv is None
               else conv(cols, a, b, bad))
        flag(bad, f"bad {what} field {{}}")
        return val, bad

    def satnum(cols, a, b, bad):
        return _satnum_cols(cols, bad)

    sat1, _ = fl(c1, 3, 7, "line 1 catalog number", satnum)
    sat2, _ = fl(c2, 3, 7, "line 2 catalog number", satnum)
    flag((sat1 != sat2), "catalog numbers of line 1 and line 2 differ")
    yy, _ = fl(c1, 19, 20, "epoch year")
    doy, _ = fl(c1, 21, 32, "epoch day", point=24)
    ndot, _ = fl(c1, 34, 43, "mean motion derivative", point=35, sign=True)
    nddot, _ = fl(c1, 45, 52, "second derivative", _implied_cols)
    bstar, _ = fl(c1, 54, 61, "B*", _implied_cols)
    incl, _ = fl(c2, 9, 16, "inclination", point=12)
    raan, _ = fl(c2, 18, 25, "RAAN", point=21)
    bad_e = np.zeros(n, bool)
    ecc = _fixed_cols(c2, 27, 33, bad_e) / 1e7
    ecc_cols = c2[26:33]
    bad_e |= ~np.logical_and.reduce((ecc_cols >= 48) & (ecc_cols <= 57) | (ecc_cols == 32),
                                    axis=0)
    flag(bad_e, "bad eccentricity field {}")
    argp, _ = fl(c2, 35, 42, "argument of perigee", point=38)
    ma, _ = fl(c2, 44, 51, "mean anomaly", point=47)
    mm, _ = fl(c2, 53, 63, "mean motion", point=55)
    # optional integer fields: blank is allowed
    esn_i = np.nan_to_num(_fixed_cols(c1, 65, 68, np.zeros(n, bool))).astype(np.int64)
    rev_i = np.nan_to_num(_fixed_cols(c2, 64, 68, np.zeros(n, bool))).astype(np.int64)

    flag((c1[0] != ord("1")) | (c2[0] != ord("2")), "line numbers are not 1 and 2")
    with np.errstate(invalid="ignore"):
        flag((doy < 1) | (doy >= 367), "epoch day out of range 1..366.99 ({})")
        flag((incl < 0) | (incl > 180), "inclination outside 0..180 deg")
        flag((raan < 0) | (raan >= 360), "RAAN outside 0..360 deg")
        flag((argp < 0) | (argp >= 360), "argument of perigee outside 0..360 deg")
        flag((ma < 0) | (ma >= 360), "mean anomaly outside 0..360 deg")
        flag((ecc < 0) | (ecc >= 1), "eccentricity outside 0..1")
        flag((mm <= 0) | (mm > 20), "mean motion outside 0..20 rev/day")
        flag(sat1 <= 0, "catalog number must be positive")

    yy = np.where(np.isfinite(yy), yy, 0.0)
    year = np.where(yy < 57, 2000, 1900) + yy.astype(np.int64)
    year_start = (year - 1970).astype("datetime64[Y]").astype("datetime64[us]")
    doy_ok = np.where(np.isfinite(doy) & (doy >= 1) & (doy < 367), doy, 1.0)
    day_us = np.round((doy_ok - 1.0) * 86400e6).astype(np.int64)
    epoch = year_start + day_us.astype("timedelta64[us]")

    valid = np.ones(n, bool)
    valid[list(reasons)] = False
    for k in sorted(reasons):
        problems.append(RecordProblem(file, nos[k], "; ".join(r.replace(" {}", "").replace("({})", "")
                                                             .strip() for r in reasons[k]),
                                      "\n".join(x for x in (l1s[k], l2s[k]))))
    problems.sort(key=lambda p: p.line)
    idx = np.flatnonzero(valid)
    obj = lambda seq: np.array(seq, dtype=object)[idx] if n else np.zeros(0, object)  # noqa: E731
    cls = _field(m1, 8, 8)[idx].astype("U1").astype(object)
    intl = np.strings.strip(_field(m1, 10, 17)[idx].astype("U8")).astype(object)
    rec = TLERecords(
        name=obj(names), line1=obj(l1s), line2=obj(l2s),
        line_no=np.asarray(nos, np.int64)[idx],
        norad_id=sat1[idx], classification=cls, intl_designator=intl,
        epoch=epoch[idx], mean_motion_dot=ndot[idx], mean_motion_ddot=nddot[idx],
        bstar=bstar[idx], element_set_no=esn_i[idx], inclination_deg=incl[idx],
        raan_deg=raan[idx], eccentricity=ecc[idx], arg_perigee_deg=argp[idx],
        mean_anomaly_deg=ma[idx], mean_motion=mm[idx], rev_at_epoch=rev_i[idx],
    )
    return rec, problems
