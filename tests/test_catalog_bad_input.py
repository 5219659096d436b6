"""Hostile catalog input (issue #17): every probe is refused through the CLI with exit code 2
and one message naming the file, the 1-based line of the offending line, its value and the
fix, and the store is left exactly as it was (no new ``runs`` row either); lenient loads
skip and report each bad record in ``catalog_rejects``; garbage and endless input fail fast
in bounded memory; and mutated records of every format never escape as anything but a
:class:`CatalogError`, while what is accepted is finite and in range.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from xml.sax.saxutils import escape

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskengine.catalog import reader
from riskengine.catalog.reader import read_files
from riskengine.cli import main
from riskengine.errors import CatalogError
from riskengine.store import connect

L1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
L2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"


def cks(line: str) -> str:
    """``line`` (68 or 69 columns) with its mod-10 checksum in column 69."""
    s = sum(int(c) if c.isdigit() else c == "-" for c in line[:68])
    return line[:68] + str(s % 10)


def record(satnum: int = 25544, name: str = "ISS (ZARYA)", l1=None, l2=None) -> list[str]:
    """A 3LE record of the ISS elements under catalog number ``satnum``."""
    num = f"{satnum:05d}"
    a = cks(L1.replace("25544U", num + "U")) if l1 is None else l1
    b = cks(L2.replace("25544 ", num + " ")) if l2 is None else l2
    return ["0 " + name, a, b]


GOOD = record(11111, "GOOD SAT")          # first record of every probe file: lines 1-3

# -- running the CLI and looking at the store ----------------------------------------------

TABLES = ("runs", "catalog_objects", "catalog_sources", "catalog_rejects", "satcat")


def run_cli(args, capsys) -> tuple[int, str]:
    """``riskengine ARGS`` in-process with the console entry point's semantics: (exit
    code, stderr)."""
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


def snapshot(db) -> dict:
    """Everything a load could change: row counts and the rows that identify runs and
    objects."""
    con = connect(db)
    try:
        out = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
        out["run_rows"] = con.execute("SELECT run_id, status FROM runs ORDER BY 1").fetchall()
        out["objects"] = con.execute("SELECT norad_id, epoch, loaded_run_id FROM "
                                     "catalog_objects ORDER BY 1").fetchall()
    finally:
        con.close()
    return out


@pytest.fixture
def store(tmp_path, capsys):
    """A store that already holds one good catalog load."""
    db = tmp_path / "store.duckdb"
    first = tmp_path / "first.tle"
    first.write_text("\n".join(record(22222, "FIRST")) + "\n")
    code, err = run_cli(["catalog", "load", first, "--db", db], capsys)
    assert code == 0, err
    capsys.readouterr()
    return db


def refused(store, capsys, path, *extra) -> str:
    """Load ``path`` strictly through the CLI: exit code 2, one ``error:`` message, the
    store unchanged; returns the message."""
    before = snapshot(store)
    code, err = run_cli(["catalog", "load", path, "--db", store, *extra], capsys)
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err and "internal error" not in err
    assert snapshot(store) == before
    return err


# -- TLE / 3LE -----------------------------------------------------------------------------

TLE_PROBES = {
    # id: (bad record lines, offending line in the file, text expected in the message)
    "line-1-49-extra-columns": (record(33333, l1=cks(L1.replace("25544U", "33333U")) + "X" * 49),
                                5, "line 1 is 118 columns long; element lines have 69"),
    "sign-blank-digits": (record(33333, l1=cks(L1.replace("25544U", "33333U")
                                               .replace("-.00002182", "- 00002182"))),
                          5, "line 1 bad mean motion derivative field '- 00002182'"),
    "inclination-on-line-2": (record(33333, l2=cks(L2.replace("25544 ", "33333 ")
                                                   .replace(" 51.6416", "191.6416"))),
                              6, "line 2 inclination 191.6416 outside 0..180 deg"),
    "checksum-line-1": (record(33333, l1=L1.replace("25544U", "33333U")), 5,
                        "line 1 checksum mismatch"),
    "truncated-line-2": (record(33333)[:2] + [record(33333)[2][:50]], 6,
                         "line 2 is 50 columns long, shorter than 69"),
    "control-character": (record(33333, l1=cks(L1.replace("25544U", "33333U")
                                               .replace("98067A  ", "98067A\x1b "))),
                          5, r"'\x1b' at column 16"),
    "name-with-nul": (record(33333, name="IS\x00S"), 4, "name line has a control character"),
}


@pytest.mark.parametrize("probe", TLE_PROBES, ids=list(TLE_PROBES))
def test_tle_probe_refused_names_offending_line(store, capsys, tmp_path, probe):
    bad, line, why = TLE_PROBES[probe]
    path = tmp_path / "probe.tle"
    lines = GOOD + bad
    path.write_text("\n".join(lines) + "\n")
    err = refused(store, capsys, path)
    assert f"{path}:{line}: " in err and why in err, err
    shown = lines[line - 1]
    assert repr(shown if len(shown) <= 80 else shown[:77] + "...") in err   # the line's text
    assert "--lenient" in err                                                # the way out


def test_tle_probes_lenient_skip_and_report_every_bad_record(store, capsys, tmp_path):
    """Lenient: the good records load, each bad one is in catalog_rejects with its file,
    offending line and reason."""
    path = tmp_path / "mixed.tle"
    lines = list(GOOD)
    expected = {}
    for bad, line, why in TLE_PROBES.values():
        expected[len(lines) + line - 3] = why
        lines += bad
    path.write_text("\n".join(lines) + "\n")
    code, err = run_cli(["catalog", "load", path, "--db", store, "--lenient"], capsys)
    assert code == 0, err
    con = connect(store)
    rejects = con.execute("SELECT source_file, line, reason, record FROM catalog_rejects "
                          "ORDER BY line").fetchall()
    ids = {r[0] for r in con.execute("SELECT norad_id FROM catalog_objects").fetchall()}
    con.close()
    assert [(f, n) for f, n, _, _ in rejects] == [(str(path), n) for n in sorted(expected)]
    for _, n, reason, rec in rejects:
        assert expected[n] in reason and rec
    assert ids == {11111, 22222}


def test_sgp4_refusal_names_line_2(store, capsys, tmp_path):
    """Fields in range but below the Earth's surface (n = 19 rev/day): SGP4 error 6, named
    at line 2 (the mean elements) with its text; no run row is left."""
    l2 = cks(L2.replace("25544 ", "44444 ").replace("15.72125391", "19.00000000"))
    path = tmp_path / "sunk.tle"
    path.write_text("\n".join(GOOD + record(44444, l2=l2)) + "\n")
    err = refused(store, capsys, path)
    assert f"{path}:6: SGP4 initialisation failed with error code 6" in err and repr(l2) in err


def test_non_utf8_names_line(store, capsys, tmp_path):
    path = tmp_path / "bin.tle"
    path.write_bytes(("\n".join(GOOD) + "\n").encode() + b"0 \xff\xfeX\n")
    err = refused(store, capsys, path)
    assert f"{path}:4: not a text catalog: byte 0xff in column 3" in err


# -- OMM: CSV, JSON, XML -------------------------------------------------------------------

OMM = dict(OBJECT_NAME="ISS (ZARYA)", OBJECT_ID="1998-067A", EPOCH="2026-07-10T03:44:00.383136",
           MEAN_MOTION="15.49", ECCENTRICITY=".0006", INCLINATION="51.64", RA_OF_ASC_NODE="10.5",
           ARG_OF_PERICENTER="20.5", MEAN_ANOMALY="30.5", EPHEMERIS_TYPE="0",
           CLASSIFICATION_TYPE="U", NORAD_CAT_ID="25544", ELEMENT_SET_NO="999",
           REV_AT_EPOCH="1", BSTAR=".0001", MEAN_MOTION_DOT=".0001", MEAN_MOTION_DDOT="0")


def omm_text(fmt: str, records: list[dict]) -> str:
    """OMM records as the publishers lay them out: CSV rows, JSON one field per line, XML
    one element per line."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(records[0])
        for r in records:
            w.writerow([r.get(k, "") for k in records[0]])
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(records, indent=2) + "\n"
    return ("<?xml version=\"1.0\"?>\n<ndm>\n" + "".join(
        "<omm>\n<body><segment><data><meanElements>\n"
        + "".join(f"<{k}>{escape(v)}</{k}>\n" for k, v in r.items())
        + "</meanElements></data></segment></body>\n</omm>\n" for r in records) + "</ndm>\n")


def field_line(text: str, fmt: str, key: str) -> int:
    """The line of ``key`` in the second record (CSV: the second row)."""
    if fmt == "csv":
        return 3
    lines = text.splitlines()
    hits = [i + 1 for i, ln in enumerate(lines) if (f'"{key}"' if fmt == "json" else f"<{key}>")
            in ln]
    return hits[1]


OMM_PROBES = {
    "bstar-nan": ("BSTAR", "nan", "BSTAR='nan' is not a finite number"),
    "ndot-inf": ("MEAN_MOTION_DOT", "inf", "MEAN_MOTION_DOT='inf' is not a finite number"),
    "epoch-today": ("EPOCH", "today", "EPOCH='today' is not an ISO-8601 date-time"),
    "epoch-nat": ("EPOCH", "NaT", "EPOCH='NaT' is not an ISO-8601 date-time"),
    "epoch-no-such-date": ("EPOCH", "2026-02-30T00:00:00", "has no such date"),
    "epoch-year-2099": ("EPOCH", "2099-01-01T00:00:00", "outside the years 1957..2056"),
    "eccentricity-1.5": ("ECCENTRICITY", "1.5", "ECCENTRICITY=1.5 outside 0 <= e < 1"),
    "eccentricity-negative": ("ECCENTRICITY", "-0.1", "ECCENTRICITY=-0.1 outside"),
    "inclination-180.5": ("INCLINATION", "180.5", "INCLINATION=180.5 outside 0..180 deg"),
    "mean-motion-0": ("MEAN_MOTION", "0", "MEAN_MOTION=0 outside 0 < n <= 20 rev/day"),
    "mean-motion-text": ("MEAN_MOTION", "fast", "MEAN_MOTION='fast' is not a decimal number"),
    "raan-360": ("RA_OF_ASC_NODE", "360", "RA_OF_ASC_NODE=360 outside"),
    "norad-huge": ("NORAD_CAT_ID", "1" * 25, "is not a whole number in 1..999,999,999"),
    "rev-inf": ("REV_AT_EPOCH", "inf", "REV_AT_EPOCH='inf' is not a whole number"),
}


@pytest.mark.parametrize("fmt", ["csv", "json", "xml"])
@pytest.mark.parametrize("probe", OMM_PROBES, ids=list(OMM_PROBES))
def test_omm_probe_refused_names_field_line(store, capsys, tmp_path, fmt, probe):
    key, value, why = OMM_PROBES[probe]
    text = omm_text(fmt, [OMM, {**OMM, "NORAD_CAT_ID": "33333", key: value}])
    path = tmp_path / f"gp.{fmt}"
    path.write_text(text)
    err = refused(store, capsys, path)
    line = field_line(text, fmt, key)
    assert f"{path}:{line}: " in err and why in err, err
    shown = text.splitlines()[line - 1]
    assert repr(shown if len(shown) <= 80 else shown[:77] + "...") in err


@pytest.mark.parametrize("text,line,why", [
    ("[1,2,3]", 1, "record is a JSON int (1), expected an object of OMM keywords"),
    ('[\n  {"NORAD_CAT_ID": 1},\n  "x"\n]\n', 2, "missing required keyword(s) EPOCH"),
    ('[\n  {"NORAD_CAT_ID": 1},\n  "x"\n]\n', 3, "record is a JSON str"),
    ('[\n  {"NORAD_CAT_ID": 1,\n   "EPOCH": }\n]\n', 3, "not valid JSON: Expecting value"),
    ('{"a": 1}\n{"b": 2}\n', 2, "not valid JSON: extra data after the records"),
])
def test_omm_json_structure(store, capsys, tmp_path, text, line, why):
    path = tmp_path / "gp.json"
    path.write_text(text)
    err = refused(store, capsys, path)
    assert f"{path}:{line}: {why}" in err, err


@pytest.mark.parametrize("text,line,why", [
    ("<ndm>\n<omm>\n<NORAD_CAT_ID>1</NORAD_CAT_ID>\n</ndm>\n", 4, "not valid XML: mismatched tag"),
    ('<?xml version="1.0"?>\n<!DOCTYPE ndm [\n<!ENTITY a "aaaaaaaaaa">\n]>\n<ndm/>\n', 3,
     "entity declarations are not allowed"),
])
def test_omm_xml_structure(store, capsys, tmp_path, text, line, why):
    path = tmp_path / "gp.xml"
    path.write_text(text)
    err = refused(store, capsys, path)
    assert f"{path}:{line}: {why}" in err, err


def test_omm_lenient_reports_each_bad_record(store, capsys, tmp_path):
    text = omm_text("json", [OMM, {**OMM, "NORAD_CAT_ID": "2", "BSTAR": "nan"},
                             {**OMM, "NORAD_CAT_ID": "3", "EPOCH": "today"}])
    path = tmp_path / "gp.json"
    path.write_text(text)
    code, err = run_cli(["catalog", "load", path, "--db", store, "--lenient"], capsys)
    assert code == 0, err
    con = connect(store)
    rejects = con.execute("SELECT line, reason FROM catalog_rejects ORDER BY line").fetchall()
    epochs = con.execute("SELECT norad_id, epoch FROM catalog_objects ORDER BY 1").fetchall()
    con.close()
    assert rejects == [(field_line(text, "json", "BSTAR"), "BSTAR='nan' is not a finite number"),
                       (text.splitlines().index('    "EPOCH": "today",') + 1,
                        "EPOCH='today' is not an ISO-8601 date-time: write e.g. "
                        "2026-07-10T03:44:00.383136 (UTC; or the day-of-year form "
                        "2026-191T03:44:00)")]
    assert [n for n, _ in epochs] == [22222, 25544]


# -- SATCAT --------------------------------------------------------------------------------

SATCAT = ("INTLDES,NORAD_CAT_ID,OBJECT_TYPE,SATNAME,COUNTRY,LAUNCH,SITE,DECAY,PERIOD,"
          "INCLINATION,APOGEE,PERIGEE,RCSVALUE,RCS_SIZE\n"
          "1998-067A,25544,PAYLOAD,ISS (ZARYA),ISS,1998-11-20,TYMSC,,92.9,51.64,420,415,0,LARGE\n")


@pytest.mark.parametrize("old,new,why", [
    ("1998-11-20", "2024-13-45", "LAUNCH='2024-13-45' is not a date (expected YYYY-MM-DD"),
    ("92.9", "abc", "PERIOD='abc' is not a decimal number (expected > 0 minutes"),
    ("92.9", "nan", "PERIOD='nan' is not a finite number"),
    ("51.64", "200", "INCLINATION=200 outside 0..180 deg"),
    (",,92.9", ",yesterday,92.9", "DECAY='yesterday' is not a date"),
    (",PAYLOAD,", ",SPACESHIP,", "OBJECT_TYPE='SPACESHIP' unknown"),
])
def test_satcat_probe_strict_and_lenient(store, capsys, tmp_path, old, new, why):
    bad_row = SATCAT.splitlines()[1].replace("25544", "33333").replace(old, new)
    path = tmp_path / "satcat.csv"
    path.write_text(SATCAT + bad_row + "\n")
    err = refused(store, capsys, path)
    assert f"{path}:3: {why}" in err, err
    code, err = run_cli(["catalog", "load", path, "--db", store, "--lenient"], capsys)
    assert code == 0, err
    con = connect(store)
    assert con.execute("SELECT line, reason FROM catalog_rejects").fetchall()[0][0] == 3
    assert con.execute("SELECT norad_id FROM satcat").fetchall() == [(25544,)]
    con.close()


# -- garbage, size limits, endless input ----------------------------------------------------

def garbage_elements(n_records: int, seed: int = 1) -> bytes:
    """Lines that start like element lines and hold random characters."""
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(b"0123456789 .-+ABCxyz", np.uint8)
    body = alphabet[rng.integers(0, len(alphabet), size=(n_records, 2, 70))]
    body[:, 0, 0], body[:, 1, 0] = ord("1"), ord("2")
    body[:, :, 1], body[:, :, 69] = ord(" "), ord("\n")
    return body.tobytes()


def test_strict_garbage_stops_after_max_problems(store, capsys, tmp_path, monkeypatch):
    """Strict mode stops reading after MAX_PROBLEMS bad records; the message lists 20 and
    says how many more and where reading stopped."""
    monkeypatch.setattr(reader, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(reader, "MAX_PROBLEMS", 100)
    path = tmp_path / "garbage.tle"
    path.write_bytes(garbage_elements(20_000))            # 2.8 MB: ~43 pieces
    err = refused(store, capsys, path)
    listed = [ln for ln in err.splitlines() if ln.startswith(f"  {path}:")]
    assert len(listed) == reader.MAX_LISTED
    assert "more bad record(s) (stopped after 100: " in err
    stop_line = int(err.split("was not read past line ")[1].split(")")[0].replace(",", ""))
    assert 0 < stop_line < 4_000 and err.startswith("error: at least ")


def test_strict_garbage_fails_fast(tmp_path):
    """A few MB of garbage element lines: refused in seconds (it took minutes and GBs)."""
    path = tmp_path / "garbage.tle"
    path.write_bytes(garbage_elements(60_000))            # 8.4 MB: two pieces at most
    t = time.perf_counter()
    with pytest.raises(CatalogError, match="stopped after 1,000"):
        read_files([path])
    assert time.perf_counter() - t < 15


def test_lenient_garbage_refused_past_lenient_cap(store, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(reader, "LENIENT_MAX_PROBLEMS", 300)
    path = tmp_path / "garbage.tle"
    path.write_bytes(garbage_elements(5_000))
    err = refused(store, capsys, path, "--lenient")
    assert "more than 300 bad records" in err and "not catalogs of element sets" in err


def test_file_above_size_limit(store, capsys, tmp_path, monkeypatch):
    path = tmp_path / "big.tle"
    path.write_text(("\n".join(GOOD) + "\n") * 20)        # 3.2 KB
    monkeypatch.setenv("RISKENGINE_MAX_CATALOG_BYTES", "2KiB")
    err = refused(store, capsys, path)
    assert f"{path}: is 3" in err and "more than the 2 KiB a catalog file may have" in err
    assert "RISKENGINE_MAX_CATALOG_BYTES=4GiB" in err
    monkeypatch.setenv("RISKENGINE_MAX_CATALOG_BYTES", "lots")
    err = refused(store, capsys, path)
    assert "RISKENGINE_MAX_CATALOG_BYTES='lots': must be a positive size" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_endless_fifo_stops_at_the_limit(store, tmp_path):
    """`riskengine catalog load FIFO` fed forever stops at the size limit with exit 2 (it
    grew without bound); the store is unchanged."""
    fifo = tmp_path / "endless.tle"
    os.mkfifo(fifo)
    chunk = (("\n".join(GOOD) + "\n") * 1000).encode()
    before = snapshot(store)

    def feed():
        try:
            with open(fifo, "wb") as f:
                while True:
                    f.write(chunk)
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    env = {**os.environ, "RISKENGINE_MAX_CATALOG_BYTES": "8MiB"}
    proc = subprocess.run([sys.executable, "-m", "riskengine", "catalog", "load", str(fifo),
                           "--db", str(store)], capture_output=True, text=True, env=env,
                          timeout=120)
    writer.join(10)
    assert proc.returncode == 2, proc.stderr
    assert f"{fifo}: goes on past 8 MiB (an endless pipe?)" in proc.stderr
    assert snapshot(store) == before


def test_subprocess_entry_point_omm_nat(store, tmp_path):
    """The real console entry point: EPOCH=NaT used to hit a NOT NULL constraint and leave
    a failed run row; now one line on stderr, exit 2, no new run."""
    path = tmp_path / "gp.csv"
    path.write_text(omm_text("csv", [OMM, {**OMM, "EPOCH": "NaT"}]))
    before = snapshot(store)
    proc = subprocess.run([sys.executable, "-m", "riskengine", "catalog", "load", str(path),
                           "--db", str(store)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert f"{path}:3: EPOCH='NaT' is not an ISO-8601 date-time" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(store) == before


# -- properties: mutated records of every format --------------------------------------------

def assert_sane(cat) -> None:
    """What any accepted record must be: finite, in range, with a real epoch."""
    for f in ("mean_motion", "eccentricity", "inclination_deg", "raan_deg", "arg_perigee_deg",
              "mean_anomaly_deg", "bstar", "mean_motion_dot", "mean_motion_ddot"):
        assert np.isfinite(getattr(cat, f)).all(), f
    assert ((cat.eccentricity >= 0) & (cat.eccentricity < 1)).all()
    assert ((cat.inclination_deg >= 0) & (cat.inclination_deg <= 180)).all()
    for f in ("raan_deg", "arg_perigee_deg", "mean_anomaly_deg"):
        v = getattr(cat, f)
        assert ((v >= 0) & (v < 360)).all(), f
    assert ((cat.mean_motion > 0) & (cat.mean_motion <= 20)).all()
    assert (cat.norad_id > 0).all()
    assert not np.isnat(cat.epoch).any()
    assert ((cat.epoch >= np.datetime64("1957-01-01")) & (cat.epoch < np.datetime64("2057-01-03"))).all()
    assert all(isinstance(x, str) for x in cat.name)


TRICKY = st.sampled_from([
    "nan", "NaN", "-inf", "Infinity", "1e400", "-0", "0", "", " ", "1e-320", "9" * 30, "today",
    "NaT", "now", "2026-02-30T00:00:00", "2024-366T12:00:00", "2025-366T00:00:00",
    "2026-07-10T24:00:00", "2026-07-10T03:44:00.9999999", "1957-01-01T00:00:00",
    "2056-12-31T23:59:59.999999Z", "0x10", "1_0", "+5", "-5", "5.", ".5", "1e5", "\x00", "é",
    "\ud800", "<", "&amp;", '"', ",", "\n", "[]", "{}", "null", "true", "359.99999",
    "0.99999999", "180", "20", "20.000001"])
VALUES = TRICKY | st.text(max_size=8) | st.floats().map(repr) | st.integers(-10**12, 10**12).map(str)


@st.composite
def mutated_omm(draw):
    fmt = draw(st.sampled_from(["csv", "json", "xml"]))
    rec = dict(OMM)
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(list(OMM) + ["EXTRA"]))
        op = draw(st.sampled_from(["set", "set", "delete"]))
        if op == "set":
            rec[key] = draw(VALUES)
        else:
            rec.pop(key, None)
    if fmt == "json":
        as_number = draw(st.booleans())
        recs = [{k: (float(v) if as_number and _float_or_none(v) is not None else v)
                 for k, v in rec.items()}]
        text = json.dumps(recs if draw(st.booleans()) else recs[0], indent=1)
    elif fmt == "xml":
        text = omm_text("xml", [{k: _xml_safe(v) for k, v in rec.items()}])
    else:
        text = omm_text("csv", [OMM, rec])
    if draw(st.integers(0, 4)) == 0:                      # a syntax-level mutation
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        text = text[:pos] + draw(st.sampled_from(["", "{", "]", "<", ",", '"', "\x00"])) \
            + text[pos + 1:]
    return fmt, text


def _float_or_none(v):
    try:
        return float(v)
    except (ValueError, OverflowError):
        return None


def _xml_safe(v: str) -> str:
    return escape(v.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


def _read_both_modes(path):
    for lenient in (False, True):
        try:
            res = read_files([path], lenient=lenient)
        except CatalogError as exc:
            assert str(path) in str(exc)
            continue
        assert_sane(res.catalog)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_omm())
def test_mutated_omm_only_catalog_error_and_sane(tmp_path_factory, case):
    fmt, text = case
    path = tmp_path_factory.mktemp("omm") / f"gp.{fmt}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _read_both_modes(path)


REAL = [
    ("0 VANGUARD 1",
     "1     5U 58002B   22196.28486465  .00000351  00000-0  43722-3 0  9993",
     "2     5  34.2492  53.6414 1847265 162.8155 204.4542 10.84977341287669"),
    ("ISS (ZARYA)", L1, L2),
]
CHARS = st.sampled_from(list("0123456789 +-.AZeI") + ["", "\r", "\t", "\x00", "\x1b", "é", "\n",
                                                       "X" * 49, "- ", "1e1"])


@st.composite
def mutated_tle(draw):
    records = []
    for _ in range(draw(st.integers(1, 3))):
        name, l1, l2 = draw(st.sampled_from(REAL))
        lines = [name, l1, l2]
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, 2))
            pos = draw(st.integers(0, max(len(lines[i]) - 1, 0)))
            op = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
            c = draw(CHARS)
            ln = lines[i]
            lines[i] = {"replace": ln[:pos] + c + ln[pos + 1:], "insert": ln[:pos] + c + ln[pos:],
                        "delete": ln[:pos] + ln[pos + 1:], "truncate": ln[:pos]}[op]
            if i and draw(st.booleans()):                 # keep the checksum right
                lines[i] = cks(lines[i]) if len(lines[i]) >= 68 else lines[i]
        if draw(st.booleans()):
            lines = lines[1:]                              # plain TLE, no name line
        records += lines
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return eol.join(records) + eol


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_tle())
def test_mutated_tle_only_catalog_error_and_sane(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("tle") / "x.tle"
    path.write_text(text, encoding="utf-8", newline="")
    _read_both_modes(path)
    # every problem names a line of the file and shows that line's text
    try:
        read_files([path])
    except CatalogError as exc:
        lines = text.split("\n")
        for p in exc.problems:
            assert 1 <= p.line <= len(lines)
            if p.text is not None:
                assert p.text == lines[p.line - 1].rstrip()


def test_fetch_endless_answer_stops_at_the_limit(tmp_path, monkeypatch):
    """A server that streams forever: the download stops at the catalog size limit with a
    FetchError, and nothing lands in the cache."""
    import http.server

    from riskengine.catalog import fetch
    from riskengine.errors import FetchError

    class Endless(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"1 garbage\n" * 10_000)
            except OSError:
                pass

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("RISKENGINE_CELESTRAK_URL", f"http://127.0.0.1:{srv.server_address[1]}")
        monkeypatch.setenv("RISKENGINE_MAX_CATALOG_BYTES", "1MiB")
        with pytest.raises(FetchError, match="goes on past 1 MiB"):
            fetch.fetch_celestrak(["active"], satcat=False, cache=tmp_path)
    finally:
        srv.shutdown()
    assert not list(tmp_path.iterdir())


# -- reading in pieces gives what reading whole gives -----------------------------------------

def _same_catalog(a, b) -> None:
    from riskengine.catalog.model import _ARRAYS

    for name in _ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        if x.dtype == object:
            assert list(x) == list(y), name
        else:
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


@st.composite
def tle_files_with_noise(draw):
    """Real records, some mutated, with blank lines (also between a name and its line 1),
    CRLF or LF, in 3LE, CelesTrak or plain TLE layout."""
    out = []
    for _ in range(draw(st.integers(1, 12))):
        name, l1, l2 = draw(st.sampled_from(REAL))
        lines = [draw(st.sampled_from([name, name[2:].ljust(24), None])), l1, l2]
        if draw(st.integers(0, 3)) == 0:
            i = draw(st.integers(0, 2))
            if lines[i] is not None:
                pos = draw(st.integers(0, len(lines[i])))
                lines[i] = lines[i][:pos] + draw(CHARS) + lines[i][pos + 1:]
        if lines[0] is not None and draw(st.integers(0, 4)) == 0:
            lines.insert(1, "")
        out += [ln for ln in lines if ln is not None]
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(["", "   "])))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return eol.join(out) + eol


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(tle_files_with_noise())
def test_pieces_read_as_whole(tmp_path_factory, monkeypatch, text):
    """Pieces of 1 KiB (several per file) give the same catalog and problems as one piece."""
    path = tmp_path_factory.mktemp("pieces") / "x.tle"
    path.write_text(text, encoding="utf-8", newline="")
    results = []
    for chunk in (1 << 22, 1 << 10):
        monkeypatch.setattr(reader, "CHUNK_BYTES", chunk)
        res = read_files([path], lenient=True)
        results.append((res.catalog, [(p.line, p.reason, p.text) for p in res.problems],
                        [(s.records, s.rejected) for s in res.sources]))
    (a, pa, sa), (b, pb, sb) = results
    _same_catalog(a, b)
    assert pa == pb and sa == sb


def test_big_file_in_pieces_matches_whole(full_3le, tmp_path, monkeypatch):
    """The full 3LE read in 512 KiB pieces, the SGP4 check fed per piece (some pieces
    past the helper's cap, checked in-process), equals one read, line numbers included;
    an element set SGP4 refuses in the last piece is found."""
    from riskengine.catalog import sgp4check

    text = full_3le.read_text().rstrip("\n") + "\n"
    sunk = record(44444, "SUNK", l2=cks(L2.replace("25544 ", "44444 ")
                                        .replace("15.72125391", "19.00000000")))
    path = tmp_path / "big.txt"
    path.write_text(text + "\n".join(sunk) + "\n")
    whole = read_files([path]).catalog
    monkeypatch.setattr(reader, "CHUNK_BYTES", 512 << 10)
    monkeypatch.setattr(sgp4check, "MAX_PARALLEL_RECORDS", 15_000)
    with sgp4check.Sgp4Check(parallel=True, records=30_000) as check:
        pieces = read_files([path], sgp4=check).catalog
        assert 2 <= len(check._jobs) < 8 and str(path) in check._partial
        assert [(p.line, p.text) for p in check.problems(pieces)] == [
            (text.count("\n") + 3, sunk[2])]
    _same_catalog(whole, pieces)
