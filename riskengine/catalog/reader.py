"""Read catalog files of any supported format into one :class:`Catalog`.

Formats are recognised from the content, not the file name: TLE / 3LE / CelesTrak
name-line TLE, OMM CSV, OMM JSON, OMM XML and SATCAT CSV. A SATCAT file among the inputs
supplies object class and size for the element sets read with it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from riskengine import settings
from riskengine.catalog import omm as _omm
from riskengine.catalog import satcat as _satcat
from riskengine.catalog.model import (Catalog, classify_names, dedupe_newest, default_hbr_m,
                                     empty_catalog, filled)
from riskengine.catalog.tle import RecordProblem, parse_tle_text
from riskengine.errors import CatalogError

MAX_LISTED = 25


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


def _read_text(path: Path) -> tuple[str, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found") from None
    except IsADirectoryError:
        raise CatalogError(f"{path}: is a folder; name the catalog file(s) inside it") from None
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError(f"{path}:{line}: not a text catalog (byte {exc.start} is not "
                           "UTF-8/ASCII)", [RecordProblem(str(path), line,
                                                          "binary or non-UTF-8 content")]) from None
    return text, sha


def _from_tle(text: str, file: str, sgp4=None):
    on_records = None if sgp4 is None else (
        lambda nos, l1, l2: sgp4.submit(file, nos, l1, l2))
    rec, problems = parse_tle_text(text, file, on_records)
    n = len(rec.norad_id)
    cls = classify_names(rec.name)
    cat = Catalog(
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
    return cat, problems


def _from_omm(text: str, file: str, fmt: str):
    f, problems = _omm.parse_omm_text(text, file, fmt)
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


def refusal(problems: list[RecordProblem]) -> CatalogError:
    """The strict-mode error for bad records: every file named, the first
    :data:`MAX_LISTED` records listed with line and reason, ``.problems`` holding all."""
    head = (f"{len(problems)} bad record(s) in {', '.join(sorted(set(p.file for p in problems)))}"
            " — nothing was loaded (strict mode). Fix or remove these records, or load with "
            "--lenient to keep the good ones:")
    lines = [f"  {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
    return CatalogError(head + "\n" + "\n".join(lines), problems)


def read_files(paths, lenient: bool = False, sgp4=None) -> ReadResult:
    """Parse catalog files; strict mode refuses everything if any record is bad.

    ``sgp4`` (a :class:`~riskengine.catalog.sgp4check.Sgp4Check`) gets every TLE file's
    records as soon as the file is split, to validate them with SGP4 meanwhile.

    Raises
    ------
    CatalogError
        Strict mode and at least one bad record (``.problems`` lists them all), or an
        unreadable / unknown-format file.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise CatalogError("no catalog files given")
    parts, problems, sources = [], [], []
    satcat_parts: list[dict] = []
    for path in paths:
        file = str(path)
        text, sha = _read_text(path)
        fmt = detect_format(text, file)
        if fmt == "satcat-csv":
            sc, probs = _satcat.parse_satcat_text(text, file)
            problems += probs
            if sc is not None:
                satcat_parts.append({**sc, "source_file": np.full(len(sc["norad_id"]), file, object)})
            sources.append(SourceSummary(file, fmt, sha, 0 if sc is None else len(sc["norad_id"]),
                                         len(probs), None, None, None))
            continue
        if fmt in ("tle", "3le"):
            cat, probs = _from_tle(text, file, sgp4)
        else:
            cat, probs = _from_omm(text, file, fmt)
        problems += probs
        if len(cat) == 0 and not probs:
            probs = [RecordProblem(file, 1, "no element sets found")]
            problems += probs
        ep = np.sort(cat.epoch)
        sources.append(SourceSummary(
            file, fmt, sha, len(cat) + len(probs), len(probs),
            ep[0] if len(ep) else None, ep[len(ep) // 2] if len(ep) else None,
            ep[-1] if len(ep) else None))
        parts.append(cat)
    if problems and not lenient:
        raise refusal(problems)
    cat = dedupe_newest(Catalog.concat(parts)) if parts else empty_catalog()
    sc = None
    if satcat_parts:
        sc = {k: np.concatenate([s[k] for s in satcat_parts]) for k in satcat_parts[0]}
        cat = apply_satcat(cat, sc)
    cat.sources = sources
    return ReadResult(cat, sc, problems, sources)


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
    ``riskengine catalog fetch``). Raises a :class:`CatalogError` that says how to get a
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
    raise CatalogError(NO_CATALOG_HELP)


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
