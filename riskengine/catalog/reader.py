"""Read catalog files of any supported format into one :class:`Catalog`.

Formats are recognised from the content, not the file name: TLE / 3LE / CelesTrak
name-line TLE, OMM CSV, OMM JSON, OMM XML and SATCAT CSV. A SATCAT file among the inputs
supplies object class and size for the element sets read with it.

Input is bounded, whatever it is (a file, a pipe, a FIFO, ``/dev/stdin``): a file is read
up to :func:`max_catalog_bytes` (``$RISKENGINE_MAX_CATALOG_BYTES``, default 1 GiB) and
refused past it; TLE text is parsed in pieces of :data:`CHUNK_BYTES` cut at record
boundaries; strict mode stops after :data:`MAX_PROBLEMS` bad records and lists the first
:data:`MAX_LISTED`; lenient mode refuses input with more than :data:`LENIENT_MAX_PROBLEMS`
bad records. Every problem names the file, the 1-based line of the offending line and
that line's text.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from riskengine import settings
from riskengine.catalog import omm as _omm
from riskengine.catalog import satcat as _satcat
from riskengine.catalog.model import (Catalog, classify_names, dedupe_newest, default_hbr_m,
                                     empty_catalog, filled)
from riskengine.catalog.tle import Problems, RecordProblem, parse_tle_text
from riskengine.errors import CatalogError, ConfigError

#: A strict-mode refusal lists this many bad records (``CatalogError.problems`` has all
#: that were collected).
MAX_LISTED = 20
#: Strict mode stops reading after this many bad records: the input is refused anyway,
#: and garbage fails in a second instead of minutes (``--lenient`` reads everything).
MAX_PROBLEMS = 1000
#: Lenient mode refuses a load with more bad records than this: such input is not a
#: catalog (every tracked object is ~30k records), and listing it would take unbounded
#: memory.
LENIENT_MAX_PROBLEMS = 100_000
#: TLE text is parsed in pieces of about this size, so that memory stays bounded (by
#: the piece, the good records and the problems) however large or endless the input.
CHUNK_BYTES = 4 << 20
#: Default of ``$RISKENGINE_MAX_CATALOG_BYTES``: the largest catalog file read. Every
#: tracked object is ~5 MB of 3LE; 1 GiB leaves room for any real catalog while an endless
#: pipe or a runaway file stops with a clear error.
DEFAULT_MAX_CATALOG_BYTES = 1 << 30
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def max_catalog_bytes() -> int:
    """The largest catalog file a load reads: ``$RISKENGINE_MAX_CATALOG_BYTES`` (bytes, or
    with a unit: ``500MiB``, ``4GiB``; powers of 1024), default 1 GiB.

    Examples
    --------
    >>> os.environ["RISKENGINE_MAX_CATALOG_BYTES"] = "4GiB"
    >>> max_catalog_bytes()
    4294967296
    >>> del os.environ["RISKENGINE_MAX_CATALOG_BYTES"]
    >>> max_catalog_bytes() == DEFAULT_MAX_CATALOG_BYTES
    True
    """
    raw = os.environ.get("RISKENGINE_MAX_CATALOG_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_CATALOG_BYTES
    m = re.fullmatch(r"(\d+)\s*(?:([KMGT])(?:i?B)?|B)?", raw, re.IGNORECASE)
    if m is None or int(m.group(1)) == 0:
        raise ConfigError(f"RISKENGINE_MAX_CATALOG_BYTES={raw!r}: must be a positive size "
                          "in bytes, e.g. 1073741824 or 4GiB (K/M/G/T are powers of 1024); "
                          "unset it for the default of 1 GiB")
    return int(m.group(1)) * _UNITS[(m.group(2) or "").upper()]


def _size_text(n: int) -> str:
    for unit, k in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << k and n % (1 << k) == 0:
            return f"{n >> k:,} {unit}"
    return f"{n:,} bytes"


class _Input:
    """A catalog file read in pieces, never past ``max_bytes``, hashed as it is read.

    Works for files, pipes, FIFOs and ``/dev/stdin``: an input larger than the limit (or
    endless) stops with a :class:`CatalogError` that names the limit and how to raise it.
    """

    def __init__(self, path: Path, max_bytes: int):
        self.file = str(path)
        self.max_bytes = max_bytes
        self.size = 0
        self.eof = False
        self.sha = hashlib.sha256()
        try:
            self.f = open(path, "rb")
            if str(path).endswith((".xz", ".gz")):    # compressed catalogs (the default)
                import gzip
                import lzma

                self.f = (lzma.open if str(path).endswith(".xz") else gzip.open)(self.f, "rb")
        except FileNotFoundError:
            raise CatalogError(f"{path}: catalog file not found") from None
        except IsADirectoryError:
            raise CatalogError(f"{path}: is a folder; name the catalog file(s) inside "
                               "it") from None
        except PermissionError:
            raise CatalogError(f"{path}: permission denied; make the file readable or copy "
                               "it somewhere you can read it") from None
        except OSError as exc:
            raise CatalogError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        st = os.fstat(self.f.fileno())
        if stat.S_ISDIR(st.st_mode):
            self.f.close()
            raise CatalogError(f"{path}: is a folder; name the catalog file(s) inside it")
        if stat.S_ISREG(st.st_mode) and st.st_size > max_bytes:
            self.f.close()
            raise self._too_big(st.st_size)

    def _too_big(self, size: int | None = None) -> CatalogError:
        what = (f"is {_size_text(size)}" if size is not None
                else f"goes on past {_size_text(self.max_bytes)} (an endless pipe?)")
        return CatalogError(
            f"{self.file}: {what}, more than the {_size_text(self.max_bytes)} a catalog file "
            "may have (every tracked object is ~5 MB of 3LE). If the file is right, raise the "
            "limit with the environment setting RISKENGINE_MAX_CATALOG_BYTES, e.g. "
            "RISKENGINE_MAX_CATALOG_BYTES=4GiB")

    def read(self, n: int) -> bytes:
        """Up to ``n`` more bytes (fewer only at the end of the input)."""
        if self.eof:
            return b""
        want = min(n, self.max_bytes + 1 - self.size)
        try:
            data = self.f.read(want)
        except OSError as exc:
            raise CatalogError(f"{self.file}: read failed ({exc.strerror or exc})") from None
        self.size += len(data)
        if self.size > self.max_bytes:
            raise self._too_big()
        if len(data) < want:
            self.eof = True
        self.sha.update(data)
        return data

    def read_all(self, head: bytes) -> bytes:
        parts = [head]
        while not self.eof:
            parts.append(self.read(CHUNK_BYTES))
        return b"".join(parts)

    def close(self) -> None:
        self.f.close()

    def __enter__(self) -> "_Input":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _decode(raw: bytes, file: str, first_line: int = 1, final: bool = True) -> str:
    """UTF-8 text of ``raw`` (a piece of ``file`` starting at line ``first_line``); a
    byte sequence that is not UTF-8 is a :class:`CatalogError` naming its line."""
    try:
        if final:
            return raw.decode("utf-8")
        return codecs.getincrementaldecoder("utf-8")().decode(raw, False)
    except UnicodeDecodeError as exc:
        line = first_line + raw[: exc.start].count(b"\n")
        start = raw.rfind(b"\n", 0, exc.start) + 1
        end = raw.find(b"\n", exc.start)
        shown = raw[start:end if end >= 0 else len(raw)]
        raise CatalogError(
            f"{file}:{line}: not a text catalog: byte {raw[exc.start]:#04x} in column "
            f"{exc.start - start + 1} is not UTF-8/ASCII (a binary or wrongly encoded file; "
            f"catalogs are plain text): {shown[:80]!r}",
            [RecordProblem(file, line, "binary or non-UTF-8 content", "",
                           shown.decode("utf-8", "replace"))]) from None


def _tle_cut(buf: bytes) -> int:
    """Where to end a piece of TLE text so that no record is split: before the last line
    starting ``1 `` and the name line before it (over blank lines); 0 if there is none."""
    p = buf.rfind(b"\n1 ")
    if p < 0:
        return 0
    start = p + 1
    q = p                                   # the line end before the line 1
    for _ in range(1000):                   # blank lines between a name and its line 1
        prev = buf.rfind(b"\n", 0, q) + 1
        line = buf[prev:q]
        if line.strip():
            return start if line[:2] in (b"1 ", b"2 ") else prev
        if prev == 0:
            return start
        q = prev - 1
    return start


def _tle_pieces(inp: _Input, head: bytes, first_line: int = 1):
    """``(bytes, first line, final)`` pieces of at most about :data:`CHUNK_BYTES` that
    end at record boundaries (``head``, the bytes read already, starts at ``first_line``)."""
    buf = head
    while True:
        while not inp.eof and len(buf) < CHUNK_BYTES:
            buf += inp.read(CHUNK_BYTES - len(buf))
        if inp.eof:
            yield buf, first_line, True
            return
        cut = _tle_cut(buf) or buf.rfind(b"\n") + 1
        if cut <= 0:
            raise CatalogError(
                f"{inp.file}:{first_line}: a line longer than {_size_text(len(buf))}: not a "
                "catalog of element sets (TLE lines have 69 characters)")
        piece, buf = buf[:cut], buf[cut:]
        yield piece, first_line, False
        first_line += piece.count(b"\n")


@dataclass
class SourceSummary:
    """What one file contributed."""

    source_file: str
    format: str
    sha256: str
    records: int
    rejected: int
    epoch_min: np.datetime64 | None
    epoch_median: np.datetime64 | None
    epoch_max: np.datetime64 | None


@dataclass
class ReadResult:
    catalog: Catalog
    satcat: dict | None
    problems: list[RecordProblem]
    sources: list[SourceSummary]


def detect_format(text: str, file: str = "<text>") -> str:
    """``tle`` | ``3le`` | ``omm-csv`` | ``omm-json`` | ``omm-xml`` | ``satcat-csv``."""
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if not head:
        raise CatalogError(f"{file}: file is empty — expected TLE/3LE, OMM (CSV/JSON/XML) or "
                           "SATCAT CSV")
    if head[0] in "[{":
        return "omm-json"
    if head[0] == "<":
        return "omm-xml"
    first = head.splitlines()[0]
    if "," in first and "NORAD_CAT_ID" in first.upper():
        hdr = [c.strip().upper() for c in first.split(",")]
        if "MEAN_MOTION" in hdr:
            return "omm-csv"
        if _satcat.is_satcat_header(hdr):
            return "satcat-csv"
    lines = [ln for ln in head.splitlines() if ln.strip()][:6]
    if any(ln.startswith(("1 ", "2 ")) for ln in lines):
        return "3le" if any(ln.startswith("0 ") for ln in lines) else "tle"
    raise CatalogError(
        f"{file}:1: unknown format (first line {first[:60]!r}): expected TLE/3LE lines "
        "starting with '1 '/'2 ', an OMM CSV/JSON/XML with NORAD_CAT_ID and MEAN_MOTION, or a "
        "SATCAT CSV with NORAD_CAT_ID and OBJECT_TYPE")


def _tle_catalog(rec, file: str) -> Catalog:
    n = len(rec.norad_id)
    cls = classify_names(rec.name)
    return Catalog(
        norad_id=rec.norad_id, name=rec.name, intl_designator=rec.intl_designator,
        object_class=cls, class_source=filled(n, "name pattern"), epoch=rec.epoch,
        mean_motion=rec.mean_motion, eccentricity=rec.eccentricity,
        inclination_deg=rec.inclination_deg, raan_deg=rec.raan_deg,
        arg_perigee_deg=rec.arg_perigee_deg, mean_anomaly_deg=rec.mean_anomaly_deg,
        bstar=rec.bstar, mean_motion_dot=rec.mean_motion_dot,
        mean_motion_ddot=rec.mean_motion_ddot, classification=rec.classification,
        element_set_no=rec.element_set_no, rev_at_epoch=rec.rev_at_epoch,
        rcs_size=filled(n, None), rcs_m2=np.full(n, np.nan),
        hard_body_radius_m=default_hbr_m(cls), line1=rec.line1, line2=rec.line2,
        source_file=filled(n, file), source_line=rec.line_no)


def _from_omm(text: str, file: str, fmt: str, max_problems: int | None = None):
    f, problems = _omm.parse_omm_text(text, file, fmt, max_problems=max_problems)
    n = len(f["norad_id"])
    typ = f["object_type"]
    has_type = np.array([bool(t) for t in typ], bool)
    cls = classify_names(f["name"])
    cls[has_type] = [_satcat.TYPE_MAP.get(t, "UNKNOWN") for t in typ[has_type]]
    src = np.where(has_type, "omm", "name pattern").astype(object)
    size = np.array([s or None for s in f["rcs_size"]], object)
    cat = Catalog(
        norad_id=f["norad_id"], name=f["name"], intl_designator=f["intl_designator"],
        object_class=cls, class_source=src, epoch=f["epoch"], mean_motion=f["mean_motion"],
        eccentricity=f["eccentricity"], inclination_deg=f["inclination_deg"],
        raan_deg=f["raan_deg"], arg_perigee_deg=f["arg_perigee_deg"],
        mean_anomaly_deg=f["mean_anomaly_deg"], bstar=f["bstar"],
        mean_motion_dot=f["mean_motion_dot"], mean_motion_ddot=f["mean_motion_ddot"],
        classification=f["classification"], element_set_no=f["element_set_no"],
        rev_at_epoch=f["rev_at_epoch"], rcs_size=size, rcs_m2=np.full(n, np.nan),
        hard_body_radius_m=default_hbr_m(cls, size), line1=np.full(n, None, object),
        line2=np.full(n, None, object), source_file=np.full(n, file, object),
        source_line=f["line_no"])
    return cat, problems


def apply_satcat(cat: Catalog, sc: dict) -> Catalog:
    """Take object class and size from SATCAT rows where the NORAD id matches."""
    if not sc or len(cat) == 0 or len(sc["norad_id"]) == 0:
        return cat
    order = np.argsort(sc["norad_id"])
    ids = sc["norad_id"][order]
    pos = np.clip(np.searchsorted(ids, cat.norad_id), 0, len(ids) - 1)
    hit = ids[pos] == cat.norad_id
    j = order[pos[hit]]
    cat.object_class = cat.object_class.copy()
    cat.object_class[hit] = sc["object_type"][j]
    cat.class_source = cat.class_source.copy()
    cat.class_source[hit] = "satcat"
    cat.rcs_size = cat.rcs_size.copy()
    cat.rcs_size[hit] = sc["rcs_size"][j]
    cat.rcs_m2 = cat.rcs_m2.copy()
    cat.rcs_m2[hit] = sc["rcs_m2"][j]
    cat.hard_body_radius_m = default_hbr_m(cat.object_class, cat.rcs_size, cat.rcs_m2)
    return cat


def refusal(problems: list[RecordProblem], stopped: str | None = None,
            lenient: bool = False) -> CatalogError:
    """The error for bad records: every file named, the first :data:`MAX_LISTED` records
    listed with line, reason and text, ``.problems`` holding all that were collected.

    ``stopped`` says where reading stopped (after :data:`MAX_PROBLEMS` bad records, or
    :data:`LENIENT_MAX_PROBLEMS` with ``lenient``), if it did.
    """
    total = len(problems) + getattr(problems, "unlisted", 0)
    files = ", ".join(sorted(set(p.file for p in problems)))
    cap = LENIENT_MAX_PROBLEMS if lenient else MAX_PROBLEMS
    if lenient:
        head = (f"more than {cap:,} bad records in {files}: these are not catalogs of "
                "element sets — nothing was loaded. Check that you named the right files:")
    else:
        head = (f"{'at least ' if stopped else ''}{total:,} bad record(s) in {files} — "
                "nothing was loaded (strict mode). Fix or remove these records, or load with "
                "--lenient to keep the good ones (every bad one is then listed in table "
                "catalog_rejects):")
    lines = [f"  {p}" for p in problems[:MAX_LISTED]]
    more = total - len(lines)
    note = f" (stopped after {cap:,}: {stopped})" if stopped else ""
    if more:
        lines.append(f"  ... and {more:,} more bad record(s){note}")
    elif stopped:
        lines.append(f"  {note.strip()}")
    return CatalogError(head + "\n" + "\n".join(lines), list(problems))


def read_files(paths, lenient: bool = False, sgp4=None) -> ReadResult:
    """Parse catalog files; strict mode refuses everything if any record is bad.

    Files are read through a size limit (:func:`max_catalog_bytes`); TLE text in pieces of
    :data:`CHUNK_BYTES`, so memory stays bounded by the good records and the problems.
    Strict mode stops reading after :data:`MAX_PROBLEMS` bad records, lenient mode refuses
    the load after :data:`LENIENT_MAX_PROBLEMS`.

    ``sgp4`` (a :class:`~riskengine.catalog.sgp4check.Sgp4Check`) gets every TLE file's
    records as soon as a piece is split, to validate them with SGP4 meanwhile.

    Raises
    ------
    CatalogError
        Strict mode and at least one bad record (``.problems`` lists those collected), or
        an unreadable, too large or unknown-format file.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise CatalogError("no catalog files given")
    max_bytes = max_catalog_bytes()
    cap = LENIENT_MAX_PROBLEMS if lenient else MAX_PROBLEMS
    parts, sources = [], []
    problems = Problems()
    satcat_parts: list[dict] = []
    for i, path in enumerate(paths):
        file = str(path)
        sc = None
        cat = empty_catalog()
        with _Input(path, max_bytes) as inp:
            head, blank_lines = _head(inp)
            fmt = detect_format(_decode(head[:1 << 16], file, first_line=blank_lines + 1,
                                        final=inp.eof and len(head) <= 1 << 16), file)
            room = max(0, cap - len(problems))           # problems still to list
            if fmt in ("tle", "3le"):
                refusing = not lenient and problems.total > 0
                cat, probs, stopped = _read_tle(inp, head, blank_lines + 1, file,
                                                None if refusing else sgp4, room,
                                                keep=lenient, cap=cap - problems.total)
            else:
                text = _decode(inp.read_all(head), file, blank_lines + 1)
                if text.startswith("\ufeff"):
                    text = text[1:]
                text = "\n" * blank_lines + text          # line numbers as in the file
                if fmt == "satcat-csv":
                    sc, probs = _satcat.parse_satcat_text(text, file, max_problems=room)
                else:
                    cat, probs = _from_omm(text, file, fmt, room)
                stopped = None if probs.stopped_at is None else \
                    f"{file} was not read past line {probs.stopped_at:,}"
            sha = inp.sha.hexdigest()
        problems += probs
        problems.unlisted += probs.unlisted
        if fmt == "satcat-csv":
            if sc is not None:
                satcat_parts.append({**sc, "source_file": np.full(len(sc["norad_id"]), file,
                                                                  object)})
            sources.append(SourceSummary(file, fmt, sha, 0 if sc is None else len(sc["norad_id"]),
                                         probs.total, None, None, None))
        else:
            if len(cat) == 0 and not probs.total:
                problems.append(RecordProblem(file, 1, "no element sets found"))
                probs = Problems(problems[-1:])
            ep = np.sort(cat.epoch)
            sources.append(SourceSummary(
                file, fmt, sha, len(cat) + probs.total, probs.total,
                ep[0] if len(ep) else None, ep[len(ep) // 2] if len(ep) else None,
                ep[-1] if len(ep) else None))
            if lenient or not problems:
                parts.append(cat)
        if problems.total >= cap:
            rest = [str(p) for p in paths[i + 1:]]
            if stopped is None and rest:
                stopped = f"not read: {', '.join(rest)}"
            raise refusal(problems, stopped, lenient)
    if problems and not lenient:
        raise refusal(problems)
    cat = dedupe_newest(Catalog.concat(parts)) if parts else empty_catalog()
    if satcat_parts:
        sc = {k: np.concatenate([s[k] for s in satcat_parts]) for k in satcat_parts[0]}
        cat = apply_satcat(cat, sc)
    cat.sources = sources
    return ReadResult(cat, sc if satcat_parts else None, list(problems), sources)


def _head(inp: _Input) -> tuple[bytes, int]:
    """The first bytes of the input with content (a piece's worth, :data:`CHUNK_BYTES`,
    unless it is shorter: a typical catalog in one read) and how many blank lines came
    before them (skipped without holding them)."""
    head, blank_lines = inp.read(CHUNK_BYTES), 0
    while (not head or head.isspace()) and not inp.eof:   # isspace: no copy
        cut = head.rfind(b"\n") + 1
        blank_lines += head.count(b"\n")
        if len(head) - cut > 1 << 20:
            raise CatalogError(f"{inp.file}:{blank_lines + 1}: a line of more than 1 MiB of "
                               "blanks: not a catalog")
        head = head[cut:] + inp.read(1 << 20)
    return head, blank_lines


def _read_tle(inp: _Input, head: bytes, first_line: int, file: str, sgp4, room: int,
              keep: bool, cap: int):
    """Read a TLE file in pieces: ``(catalog, problems, stopped)``.

    ``room``: problems still to list; ``cap``: bad records after which reading stops
    (``stopped`` then says where); ``keep``: keep the good records of a file with bad ones
    (lenient mode; in strict mode they are dropped at the first problem, as the load is
    refused anyway). Repeated objects are merged (newest epoch) as the pieces come, so an
    input that repeats itself does not grow memory.
    """
    cats: list[Catalog] = []
    held = merged = 0                 # entries in cats, entries after the last merge
    probs = Problems()
    start = first_line
    for piece, first_line, final in _tle_pieces(inp, head, first_line):
        text = _decode(piece, file, first_line)
        if first_line == start and text.startswith("\ufeff"):
            text = text[1:]
        on_records = None if sgp4 is None or (probs.total and not keep) else (
            lambda nos, l1, l2: sgp4.submit(file, nos, l1, l2))
        rec, pp = parse_tle_text(text, file, on_records, first_line=first_line,
                                 max_problems=max(0, room - len(probs)), final=final)
        probs += pp
        probs.unlisted += pp.unlisted
        if keep or not probs.total:
            cats.append(_tle_catalog(rec, file))
            held += len(rec.norad_id)
            if len(cats) > 1 and held > 2 * merged + 100_000:
                cats = [dedupe_newest(Catalog.concat(cats))]
                held = merged = len(cats[0])
        else:
            cats = []
        if not final and probs.total >= cap:
            last = first_line + piece.count(b"\n") - 1
            return empty_catalog(), probs, f"{file} was not read past line {last:,}"
    return (Catalog.concat(cats) if cats else empty_catalog()), probs, None


def read_catalog(paths, lenient: bool = False) -> Catalog:
    """Read catalog files into one :class:`Catalog` (newest epoch per object).

    Parameters
    ----------
    paths : path or list of paths
        TLE/3LE/OMM/SATCAT files, any mix.
    lenient : bool
        Keep the good records of files with bad ones (default: refuse the lot).

    Examples
    --------
    >>> cat = read_catalog(["catalogs/full.txt"])   # doctest: +SKIP
    >>> len(cat), cat.reference_epoch               # doctest: +SKIP
    (26140, numpy.datetime64('2023-10-09T...'))
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return read_files(paths, lenient=lenient).catalog


def catalog_source(con=None, files=None) -> tuple[str, list[Path]]:
    """Where a command's catalog comes from: ``(kind, paths)``.

    Order: ``$RISKENGINE_CATALOG`` (``"override"``, always wins), then ``files`` (e.g. the
    config's ``[catalog] files``; ``"files"``), then the store's ``catalog_objects`` when
    ``con`` holds any (``"store"``, no paths), then the download cache (``"cache"``,
    ``riskengine catalog fetch``), then the embedded default population (``"default"``,
    :func:`default_catalog`). Raises a :class:`CatalogError` that says how to get a
    catalog when none is found.
    """
    override = settings.catalog_override()
    if override:
        return "override", [Path(f) for f in override]
    if files:
        return "files", [Path(f) for f in files]
    if con is not None:
        try:
            n = con.execute("SELECT count(*) FROM catalog_objects").fetchall()[0][0]
        except Exception:  # noqa: BLE001 - a connection without the schema: no store catalog
            n = 0
        if n:
            return "store", []
    cached = cached_catalog_files()
    if cached:
        return "cache", cached
    default = default_catalog()
    if default is not None:
        return "default", [default["path"]]
    raise CatalogError(NO_CATALOG_HELP)


def default_catalog() -> dict | None:
    """The embedded default catalog (``catalogs/default/``): its manifest plus ``path``, or
    ``None`` when the checkout has none.

    A dated population of orbit summaries from a redistributable source (see
    ``catalogs/README.md``): good for the long-term collision flux, never for screening
    (its orbit phases are synthetic).
    """
    import tomllib

    d = settings.REPO_ROOT / "catalogs" / "default"
    man = d / "MANIFEST.toml"
    if not man.is_file():
        return None
    info = tomllib.loads(man.read_text(encoding="utf-8"))
    path = d / info["file"]
    if not path.is_file():
        return None
    return {**info, "path": path}


def resolve_catalog(con=None, files=None, lenient: bool = False) -> Catalog:
    """The catalog a command should use, in the order of :func:`catalog_source`.

    Downloaded (cache) files are read leniently: a bad record in a file we did not write
    is skipped and reported, not fatal.
    """
    kind, paths = catalog_source(con, files)
    if kind == "store":
        from riskengine.catalog.ingest import catalog_from_db

        return catalog_from_db(con)
    return read_catalog(paths, lenient=lenient or kind == "cache")


def screenable(kind: str) -> None:
    """Refuse to screen against a catalog without measured element sets (the default)."""
    if kind == "default":
        info = default_catalog() or {}
        raise CatalogError(
            f"{info.get('path', 'catalogs/default')}: the embedded default catalog is a "
            f"{info.get('snapshot', '')} population of orbit summaries whose orbit phases are "
            "synthetic, so it cannot be screened for conjunctions. Screen against real "
            "element sets: set RISKENGINE_CATALOG=FILE, load one (`riskengine catalog load "
            "FILE`) or download the current catalog (`make catalog`)")


NO_CATALOG_HELP = (
    "no debris catalog available. Get one in any of these ways:\n"
    "  * point RISKENGINE_CATALOG at TLE/3LE/OMM file(s), e.g.\n"
    "      RISKENGINE_CATALOG=../shared/catalogs/full-catalog/"
    "spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt make price\n"
    "  * download the current catalog: `make catalog` (needs network access to CelesTrak)\n"
    "  * load files you have: `riskengine catalog load FILE... --db riskengine.duckdb`")


def cached_catalog_files() -> list[Path]:
    """Element-set files in the download cache (``riskengine catalog fetch``)."""
    d = settings.cache_dir()
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix in (".tle", ".txt", ".csv", ".json")
                  and not p.name.startswith("satcat") and p.stat().st_size > 0)
