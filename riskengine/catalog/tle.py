"""Two-line element sets: TLE, Space-Track 3LE (``0 NAME``) and CelesTrak name-line TLE.

Parsing is vectorised: record structure is found in one pass over the lines, then every
fixed-width field of every record is decoded with NumPy at once. Validation covers the
mod-10 checksum (``-`` counts as 1), field syntax and ranges, matching catalog numbers on
both lines, and Alpha-5 catalog numbers (``A0000`` = 100000, letters I and O unused).
Blank-padded (``1     5U``) and ``+``-signed fields, as found in real files, are accepted;
element lines must be 69 columns of printable ASCII (trailing blanks and CR aside). A bad
record is reported at its first offending line (line 1 or line 2, not the name line), with
that line's text, the bad values and their columns.

Column positions follow the CelesTrak "NORAD Two-Line Element Set Format" page (1-based):
line 1: 3-7 satnum, 8 classification, 10-17 international designator, 19-20 epoch year,
21-32 epoch day, 34-43 ndot/2, 45-52 nddot/6, 54-61 B*, 63 ephemeris type, 65-68 element
set number, 69 checksum; line 2: 3-7 satnum, 9-16 i, 18-25 RAAN, 27-33 e, 35-42 argp,
44-51 M, 53-63 n (rev/day), 64-68 revolution number, 69 checksum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

ALPHA5 = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are skipped
#: Checksum value of each byte: digits their value, ``-`` one, everything else zero.
_CHECKSUM_VALUE = np.zeros(256, np.uint8)
_CHECKSUM_VALUE[48:58] = np.arange(10)
_CHECKSUM_VALUE[ord("-")] = 1
_ALPHA5_VALUE = {c: 10 + i for i, c in enumerate(ALPHA5)}
#: Alpha-5 value of each leading byte (0: not an Alpha-5 letter).
_ALPHA5_BYTE_VALUE = np.zeros(256, np.int64)
_ALPHA5_BYTE_VALUE[[ord(c) for c in ALPHA5]] = list(_ALPHA5_VALUE.values())


#: Problem messages show at most this many characters of the offending line.
SHOWN_CHARS = 80
#: ``catalog_rejects.record`` keeps at most this many characters of a rejected record.
RECORD_CHARS = 1000


def clip(text: str, n: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``n`` characters, ``...`` marking a cut."""
    return text if len(text) <= n else text[:n - 3] + "..."


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """One rejected record: where it is, why, and the text of the offending line.

    ``line`` is the 1-based number of the offending line (line 1 or line 2 of an element
    set, the row of a CSV, the line of a JSON/XML record or field); ``text`` is that
    line as read (shown clipped to :data:`SHOWN_CHARS`); ``record`` the raw record.
    """

    file: str
    line: int
    reason: str
    record: str = ""
    text: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: {self.reason}"
        return where if self.text is None else f"{where}: {clip(self.text)!r}"


class Problems(list):
    """A list of :class:`RecordProblem` that may stop short of listing every bad record.

    Attributes
    ----------
    unlisted : int
        Bad records found but not listed (past a parser's ``max_problems``).
    stopped_at : int or None
        1-based line where a parser stopped reading because ``max_problems`` was reached
        (the rest of its input was not checked); ``None`` when it read everything.
    """

    unlisted: int = 0
    stopped_at: int | None = None

    @property
    def total(self) -> int:
        """Bad records found: listed plus unlisted."""
        return len(self) + self.unlisted

    def full(self, max_problems: int | None) -> bool:
        """Whether ``max_problems`` are listed already (never with ``None``)."""
        return max_problems is not None and len(self) >= max_problems

    def add(self, problem: RecordProblem, max_problems: int | None) -> None:
        """List ``problem``, or only count it once ``max_problems`` are listed."""
        if self.full(max_problems):
            self.unlisted += 1
        else:
            self.append(problem)


@dataclass
class TLERecords:
    """Raw decoded TLE fields, one entry per *valid* record (columnar)."""

    name: np.ndarray
    line1: np.ndarray
    line2: np.ndarray
    line_no: np.ndarray  # 1-based line number of line 1 (line 2 follows it)
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


def split_records(lines: list[str], file: str, *, first_line: int = 1,
                  max_problems: int | None = None, final: bool = True):
    """Group lines into (name, line1, line2, line_no) records and structural problems.

    Accepts 2-line TLE, 3LE (``0 NAME``) and CelesTrak name lines (padded, any text).
    Well-formed files take a vectorised path; anything irregular falls back to a
    line-by-line scan that reports each structural problem. ``line_no`` is the 1-based
    number of each record's line 1 (``lines[0]`` being line ``first_line``); ``final``
    says the lines end the input (a chunk of a larger file otherwise).
    """
    kind = _kinds(lines)
    i1 = np.flatnonzero(kind == 1)
    i2 = np.flatnonzero(kind == 2)
    i3 = np.flatnonzero(kind == 3)
    n = len(lines)
    if (len(i1) == len(i2) and np.array_equal(i1 + 1, i2)
            and (len(i3) == 0 or (np.all(i3 + 1 < n) and np.all(kind[np.minimum(i3 + 1, n - 1)] == 1)))):
        names = [""] * len(i1)
        for k, li in zip(np.searchsorted(i1, i3 + 1), i3):
            ln = lines[li].rstrip()
            names[k] = ln[2:].strip() if ln.startswith("0 ") else ln.strip()
        if not any(_CONTROL.search(nm) for nm in names):   # else reported below
            nos = i1 + first_line          # 1-based line of each line 1
            l1s = [lines[k].rstrip() for k in i1]
            l2s = [lines[k].rstrip() for k in i2]
            return names, l1s, l2s, nos.tolist(), Problems()
    return _split_records_slow(lines, file, first_line, max_problems, final)


def _split_regular(text: str):
    """Record split for well-formed files, vectorised; ``None`` when the file is not.

    "Well-formed": ASCII without control characters other than ``\\n`` / ``\\r\\n`` line
    ends, every element line exactly 69 columns ending in a non-blank, every name line
    followed by a line 1 and every line 1 by its line 2 (blank lines allowed). Such files
    split exactly as :func:`split_records` splits them; anything else returns ``None`` and
    takes that path, which also reports the structural problems.

    Returns ``(names, line1, line2, line_no, m1, m2)``: object arrays of the names and
    lines, the 1-based line numbers of the line 1s, and the ``(n, 69)`` byte matrices of
    both lines.
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
    return names, line1, line2, i1 + 1, m1, m2


def _split_records_slow(lines: list[str], file: str, first_line: int = 1,
                        max_problems: int | None = None, final: bool = True):
    names, l1s, l2s, nos, problems = [], [], [], [], Problems()
    pending_name: tuple[int, str, str] | None = None   # (line, name, raw line)
    i, n = 0, len(lines)
    base = first_line - 1
    while i < n:
        raw = lines[i]
        s = raw.rstrip()
        if not s.strip():
            i += 1
            continue
        if s.startswith("1 "):
            nxt = lines[i + 1].rstrip() if i + 1 < n else ""
            if nxt.startswith("2 "):
                bad_name = pending_name is not None and _CONTROL.search(pending_name[1])
                if bad_name:
                    c = bad_name.group()
                    problems.add(RecordProblem(
                        file, pending_name[0], f"name line has a control character ({c!r} "
                        f"at column {pending_name[2].find(c) + 1}): names are plain text",
                        clip("\n".join((pending_name[2], s, nxt)), RECORD_CHARS),
                        pending_name[2]), max_problems)
                    pending_name = None
                    i += 2
                    continue
                names.append(pending_name[1] if pending_name is not None else "")
                l1s.append(s)
                l2s.append(nxt)
                nos.append(base + i + 1)
                pending_name = None
                i += 2
                continue
            problems.add(RecordProblem(
                file, base + i + 1, "truncated record: line 1 is not followed by its line 2 "
                "(a line starting '2 ')", clip(s, RECORD_CHARS), s), max_problems)
            pending_name = None
            i += 1
            continue
        if s.startswith("2 "):
            problems.add(RecordProblem(
                file, base + i + 1, "line 2 without its line 1 before it (a line starting "
                "'1 ')", clip(s, RECORD_CHARS), s), max_problems)
            pending_name = None
            i += 1
            continue
        # a name line (3LE "0 NAME" or a CelesTrak name padded to 24 characters)
        if pending_name is not None:
            problems.add(_lone_name(file, pending_name, at_end=False), max_problems)
        nm = s[2:].strip() if s.startswith("0 ") else s.strip()
        pending_name = (base + i + 1, nm, s)
        i += 1
    if pending_name is not None:
        problems.add(_lone_name(file, pending_name, at_end=final), max_problems)
    return names, l1s, l2s, nos, problems


#: C0 and C1 control characters (a tab is allowed): not in names of a text catalog.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _lone_name(file: str, pending: tuple[int, str, str], at_end: bool) -> RecordProblem:
    line, _, raw = pending
    why = ("name line at end of file without its two element lines (truncated record)"
           if at_end else "name line not followed by a TLE (truncated record or unknown "
           "format): expected a line starting '1 ' next")
    return RecordProblem(file, line, why, clip(raw, RECORD_CHARS), raw)


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


def _rows_field(sub: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The byte strings of ``rows`` of a field given column-major (``(width, n)``)."""
    w = sub.shape[0]
    return np.ascontiguousarray(sub[:, rows].T).view(f"S{w}").ravel()


def checksum_ok(cols: np.ndarray) -> np.ndarray:
    """Mod-10 checksum of columns 1-68 against column 69 (``-`` counts as 1).

    ``cols`` is the column-major ``(69, n)`` byte matrix of the lines (one row per column).
    """
    return _checksum(cols) == cols[68].astype(np.int16) - 48


def _fixed(fields: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Vectorised decode of fixed-point fields (``[ +-]ddd.dddd``, blanks allowed around
    the number, none inside it: not between the sign and the digits either).

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
    num = isdig | ispt
    ok &= ~(issign & (np.cumsum(num, axis=1) > 0)).any(axis=1)   # sign only before the number
    started = np.cumsum(num | issign, axis=1) > 0                 # from the sign or first digit
    after = np.cumsum(num[:, ::-1], axis=1)[:, ::-1] > 0
    ok &= ~(issp & started & after).any(axis=1)   # no blanks inside the number: "- 0000" is bad
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
    val[~ok] = np.nan          # not a fixed-point number ("1e5", "1_0", "nan" included)
    bad |= ~ok
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
        val[rows] = _fixed(_rows_field(sub, rows), sub_bad)
        bad[rows[sub_bad]] = True
    return val


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
        val[rows] = _implied(_rows_field(sub, rows), slow_bad)
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
    if not plain.all():                 # Alpha-5: a letter (not I or O), then four digits
        lead_value = _ALPHA5_BYTE_VALUE[sub[0]]
        alpha = ~plain & (lead_value > 0) & np.logical_and.reduce(isdig[1:], axis=0)
        out = np.where(alpha, lead_value * 10000 + out % 10000, out)
        wrong = ~plain & ~alpha
        out[wrong] = 0
        bad |= wrong
    return out


def parse_tle_text(text: str, file: str = "<text>", on_records=None, *, first_line: int = 1,
                   max_problems: int | None = None, final: bool = True):
    """Parse TLE / 3LE / CelesTrak text into :class:`TLERecords` plus problems.

    ``on_records(line_no, line1, line2)``, if given, is called with every record's
    1-based line number (of its line 1) and lines as soon as the text is split, before
    the fields are decoded (a load starts its SGP4 check there; see
    :mod:`riskengine.catalog.sgp4check`).

    Parameters
    ----------
    text : str
        The element sets; ``first_line`` is the line number of its first line (when
        ``text`` is a chunk of a larger file) and ``final`` says whether it ends the file.
    max_problems : int, optional
        List at most this many problems; bad records past it are only counted
        (``problems.unlisted``).

    Returns
    -------
    records : TLERecords
        Valid records only.
    problems : Problems
        Every rejected record with file, the number and text of the offending line
        (line 1 or line 2 of the element set), and the reasons with the bad values.

    Examples
    --------
    >>> txt = ("0 ISS (ZARYA)\\n"
    ...   "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\\n"
    ...   "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\\n")
    >>> rec, problems = parse_tle_text(txt)
    >>> int(rec.norad_id[0]), rec.name[0], problems
    (25544, 'ISS (ZARYA)', [])
    >>> _, problems = parse_tle_text(txt.replace("51.6416", "91.6416"))
    >>> print(problems[0])        # doctest: +NORMALIZE_WHITESPACE
    <text>:3: line 2 checksum mismatch (column 69 is '7', columns 1-68 give 1):
    '2 25544  91.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537'
    """
    return _parse_tle(text, file, vectorised_split=True, on_records=on_records,
                      first_line=first_line, max_problems=max_problems, final=final)


#: At most this many reasons per element line in a problem message.
MAX_REASONS = 4


def _parse_tle(text: str, file: str, vectorised_split: bool, on_records=None,
               first_line: int = 1, max_problems: int | None = None, final: bool = True):
    """:func:`parse_tle_text`; ``vectorised_split=False`` forces the general record split
    (tests check that both splits give identical results)."""
    if not text or text.isspace():         # quick for floods of blank lines (no copy)
        return _empty_records(), Problems()
    regular = _split_regular(text) if vectorised_split else None
    if regular is not None:
        names, l1s, l2s, nos, m1, m2 = regular
        nos = nos + (first_line - 1)
        problems = Problems()
        n = len(l1s)
        len1 = len2 = None                  # all exactly 69 columns
    else:
        # split at "\n" only (a "\r" before it is stripped with the trailing blanks), so
        # that line numbers are those of editors and `sed -n Np`
        lines = text.split("\n")
        if lines and not lines[-1]:
            lines.pop()
        names, l1s, l2s, nos, problems = split_records(
            lines, file, first_line=first_line, max_problems=max_problems, final=final)
        n = len(l1s)
        if n == 0:
            return _empty_records(), problems
        ascii_only = text.isascii()
        m1, _ = _as_bytes(l1s, ascii_only)
        m2, _ = _as_bytes(l2s, ascii_only)
        len1 = np.fromiter(map(len, l1s), np.int64, n)
        len2 = np.fromiter(map(len, l2s), np.int64, n)
    if on_records is not None:
        on_records(nos, l1s, l2s)
    c1 = np.ascontiguousarray(m1.T)      # column-major: every text column one contiguous row
    c2 = np.ascontiguousarray(m2.T)
    src = {1: l1s, 2: l2s}
    # (mask, element line 1|2, reason(k)): built for every check, worded only for the
    # bad records that are listed
    checks: list[tuple[np.ndarray, int, object]] = []

    def check(mask: np.ndarray, which: int, reason) -> None:
        if mask.any():
            checks.append((mask, which, reason))

    def cols_text(which: int, a: int, b: int):
        return lambda k: src[which][k][a - 1:b]

    if len1 is not None:
        for which, lens in ((1, len1), (2, len2)):
            check(lens < 69, which, lambda k, w=which, ln=lens:
                  f"line {w} is {ln[k]} columns long, shorter than 69 (truncated)")
            check(lens > 69, which, lambda k, w=which, ln=lens:
                  f"line {w} is {ln[k]} columns long; element lines have 69 (text after "
                  f"column 69: {clip(src[w][k][69:], 24)!r})")
        full1, full2 = len1 >= 69, len2 >= 69
        for which, ls in ((1, l1s), (2, l2s)):    # the columns are ASCII text
            odd = np.fromiter((not (x.isascii() and x.isprintable()) for x in ls), bool, n)
            check(odd, which, lambda k, w=which: f"line {w} has a character that is not "
                  f"printable ASCII: {_first_odd(src[w][k])}")
    else:
        full1 = full2 = np.ones(n, bool)
    for which, cols, full in ((1, c1, full1), (2, c2, full2)):
        digit = _checksum(cols)
        check(full & (digit != cols[68].astype(np.int16) - 48), which,
              lambda k, w=which, d=digit: f"line {w} checksum mismatch (column 69 is "
              f"{src[w][k][68:69]!r}, columns 1-68 give {d[k]})")

    def fl(cols, which, a, b, what, conv=None, point=None, sign=False):
        bad = np.zeros(n, bool)
        val = (_fixed_cols(cols, a, b, bad, point, sign) if conv is None
               else conv(cols, a, b, bad))
        txt = cols_text(which, a, b)
        check(bad, which, lambda k: f"line {which} bad {what} field {txt(k)!r} "
              f"(columns {a}-{b})")
        return val, bad

    def satnum(cols, a, b, bad):
        return _satnum_cols(cols, bad)

    def out_of_range(mask, which, a, b, what, allowed):
        txt = cols_text(which, a, b)
        check(mask, which, lambda k: f"line {which} {what} {txt(k).strip()} outside "
              f"{allowed} (columns {a}-{b})")

    sat1, bad_s1 = fl(c1, 1, 3, 7, "catalog number", satnum)
    sat2, bad_s2 = fl(c2, 2, 3, 7, "catalog number", satnum)
    check((sat1 != sat2) & ~bad_s1 & ~bad_s2, 2, lambda k: "catalog number "
          f"{l2s[k][2:7]!r} differs from line 1's {l1s[k][2:7]!r}")
    yy, bad_yy = fl(c1, 1, 19, 20, "epoch year")
    yy_cols = c1[18:20]
    check(~bad_yy & ~np.logical_and.reduce((yy_cols >= 48) & (yy_cols <= 57), axis=0), 1,
          lambda k: f"line 1 bad epoch year field {l1s[k][18:20]!r} (columns 19-20: two "
          "digits)")
    doy, _ = fl(c1, 1, 21, 32, "epoch day", point=24)
    ndot, _ = fl(c1, 1, 34, 43, "mean motion derivative", point=35, sign=True)
    nddot, _ = fl(c1, 1, 45, 52, "second derivative", _implied_cols)
    bstar, _ = fl(c1, 1, 54, 61, "B*", _implied_cols)
    incl, _ = fl(c2, 2, 9, 16, "inclination", point=12)
    raan, _ = fl(c2, 2, 18, 25, "RAAN", point=21)
    bad_e = np.zeros(n, bool)
    ecc = _fixed_cols(c2, 27, 33, bad_e) / 1e7
    ecc_cols = c2[26:33]
    bad_e |= ~np.logical_and.reduce((ecc_cols >= 48) & (ecc_cols <= 57) | (ecc_cols == 32),
                                    axis=0)
    check(bad_e, 2, lambda k: f"line 2 bad eccentricity field {l2s[k][26:33]!r} (columns "
          "27-33: digits with an implied leading decimal point)")
    argp, _ = fl(c2, 2, 35, 42, "argument of perigee", point=38)
    ma, _ = fl(c2, 2, 44, 51, "mean anomaly", point=47)
    mm, _ = fl(c2, 2, 53, 63, "mean motion", point=55)
    # optional integer fields: blank is allowed, anything else must be a whole number
    esn_i = _whole_cols(c1, 65, 68, check, 1, "element set number", l1s)
    rev_i = _whole_cols(c2, 64, 68, check, 2, "revolution number", l2s)

    with np.errstate(invalid="ignore"):
        out_of_range((doy < 1) | (doy >= 367), 1, 21, 32, "epoch day", "1..366.99999999")
        out_of_range((incl < 0) | (incl > 180), 2, 9, 16, "inclination", "0..180 deg")
        out_of_range((raan < 0) | (raan >= 360), 2, 18, 25, "RAAN", "0..360 deg")
        out_of_range((argp < 0) | (argp >= 360), 2, 35, 42, "argument of perigee",
                     "0..360 deg")
        out_of_range((ma < 0) | (ma >= 360), 2, 44, 51, "mean anomaly", "0..360 deg")
        out_of_range((mm <= 0) | (mm > 20), 2, 53, 63, "mean motion", "0 < n <= 20 rev/day")
        check((sat1 <= 0) & ~bad_s1, 1, lambda k: f"line 1 catalog number {l1s[k][2:7]!r} "
              "must be positive")

    yy = np.where(np.isfinite(yy), yy, 0.0)
    year = np.where(yy < 57, 2000, 1900) + yy.astype(np.int64)
    year_start = (year - 1970).astype("datetime64[Y]").astype("datetime64[us]")
    doy_ok = np.where(np.isfinite(doy) & (doy >= 1) & (doy < 367), doy, 1.0)
    day_us = np.round((doy_ok - 1.0) * 86400e6).astype(np.int64)
    epoch = year_start + day_us.astype("timedelta64[us]")

    valid = np.ones(n, bool)
    for mask, _, _ in checks:
        valid &= ~mask
    bad_idx = np.flatnonzero(~valid)
    if len(bad_idx):
        room = len(bad_idx) if max_problems is None else max(0, max_problems - len(problems))
        for k in bad_idx[:room].tolist():
            problems.append(_record_problem(file, k, int(nos[k]), checks, l1s, l2s))
        problems.unlisted += len(bad_idx) - min(room, len(bad_idx))
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


def _first_odd(line: str) -> str:
    for j, c in enumerate(line):
        if not (c.isascii() and c.isprintable()):
            return f"{c!r} at column {j + 1}"
    return ""


def _checksum(cols: np.ndarray) -> np.ndarray:
    """The mod-10 checksum digit of columns 1-68 of the column-major byte matrix."""
    total = _CHECKSUM_VALUE[cols[:68]].sum(axis=0, dtype=np.uint16)   # at most 68 * 9
    return (total % 10).astype(np.int16)


def _whole_cols(cols: np.ndarray, a: int, b: int, check, which: int, what: str,
                lines) -> np.ndarray:
    """An optional whole-number field (columns ``a..b``): blank is 0, digits (blanks
    before them) their value; anything else is a bad field."""
    sub = cols[a - 1:b]
    isdig = (sub >= 48) & (sub <= 57)
    issp = sub == 32
    w = sub.shape[0]
    ok = np.logical_and.reduce(isdig | issp, axis=0)
    if w > 1:                                   # blanks only before the digits
        ok &= ~np.logical_or.reduce(issp[1:] & ~issp[:-1], axis=0)
    weights = 10 ** np.arange(w - 1, -1, -1, dtype=np.int64)
    val = weights @ np.where(isdig, sub.astype(np.int64) - 48, 0)
    check(~ok, which, lambda k: f"line {which} bad {what} field {lines[k][a - 1:b]!r} "
          f"(columns {a}-{b}: blank or a whole number)")
    return np.where(ok, val, 0)


def _record_problem(file: str, k: int, line1_no: int, checks, l1s, l2s) -> RecordProblem:
    """The problem of bad record ``k``: the first element line with a problem is the
    offending line (its number and text); the other line's problems follow."""
    why = {1: [], 2: []}
    for mask, which, reason in checks:
        if mask[k]:
            why[which].append(reason(k))
    first = 1 if why[1] else 2
    line_no = line1_no + first - 1
    parts = []
    for which in (first, 3 - first):
        rs = why[which]
        if not rs:
            continue
        if len(rs) > MAX_REASONS:
            rs = rs[:MAX_REASONS] + [f"and {len(rs) - MAX_REASONS} more problems on this line"]
        text = "; ".join(rs)
        if which != first:   # name the other line by its number too
            text = text.replace(f"line {which} ", f"line {which} (line {line1_no + which - 1}) ", 1)
        parts.append(text)
    record = clip(l1s[k] + "\n" + l2s[k], RECORD_CHARS)
    return RecordProblem(file, line_no, "; ".join(parts), record,
                         l1s[k] if first == 1 else l2s[k])
