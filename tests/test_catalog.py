"""Catalog parsing and ingest: counts and epochs from ../shared/catalogs/README.md,
validation errors with file/line/reason, and the database left unchanged on bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sgp4.api import Satrec

from riskengine.catalog import detect_format, parse_tle_text, read_catalog, read_files
from riskengine.catalog.ingest import catalog_from_db, load_files
from riskengine.catalog.omm import parse_omm_text
from riskengine.errors import CatalogError
from riskengine.store import connect

ISS = ("ISS (ZARYA)\n"
       "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\n"
       "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n")

# (relative path, objects, epoch min, epoch median, epoch max, DEB, R/B) — README tables
EXPECTED = [
    ("full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt", 26140,
     "2023-07-12", "2023-10-09", "2023-10-18", 11535, 2135),
    ("full-catalog/spacetrack_3le_2023-09_zigcloud-engine.txt", 25587,
     "2023-08-06", "2023-09-04", "2023-09-09", 11337, 2110),
    ("full-catalog/spacetrack_3le_2022-07_person2-0.txt", 24132,
     "2022-06-15", "2022-07-14", "2022-07-22", 12357, 2065),
    ("payloads/spacetrack_3le_payloads_2026-06_ever-m1ss.txt", 16032,
     "2026-05-13", "2026-06-10", "2026-06-10", 1, 0),
    ("groups/celestrak_starlink_2026-05-30.tle", 10395, "2026-05-28", "2026-05-30", "2026-05-30", 0, 0),
    ("groups/celestrak_oneweb_2026-05-30.tle", 651, "2026-05-29", "2026-05-30", "2026-05-30", 0, 0),
    ("groups/celestrak_geo_2026-05-30.tle", 574, "2026-05-16", "2026-05-30", "2026-05-30", 0, 0),
    ("groups/celestrak_stations_2026-05-30.tle", 25, "2026-05-28", "2026-05-30", "2026-05-30", 1, 0),
    ("debris-groups/fengyun-1c-debris.txt", 1918, "2025-01-19", "2025-02-15", "2025-02-15", 1917, 0),
    ("debris-groups/cosmos-2251-debris.txt", 641, "2025-01-18", "2025-02-15", "2025-02-15", 640, 0),
    ("debris-groups/iridium-33-debris.txt", 119, "2025-01-21", "2025-02-15", "2025-02-15", 118, 0),
    ("debris-groups/cosmos-1408-debris.txt", 10, "2025-02-14", "2025-02-15", "2025-02-15", 10, 0),
]


@pytest.mark.parametrize("rel,n,emin,emed,emax,deb,rb", EXPECTED, ids=[e[0].split("/")[-1] for e in EXPECTED])
def test_shared_tle_files_match_readme(catalogs, rel, n, emin, emed, emax, deb, rb):
    res = read_files([catalogs / rel])
    cat, src = res.catalog, res.sources[0]
    assert len(cat) == n and src.records == n and not res.problems
    assert str(src.epoch_min)[:10] == emin and str(src.epoch_max)[:10] == emax
    # README medians are of the sorted epochs; ours is the same order statistic (+-1 day for even n)
    med = np.datetime64(str(src.epoch_median)[:10])
    assert abs((med - np.datetime64(emed)).astype(int)) <= 1
    # the README counts on the raw name line, which is "0 NAME" in 3LE files
    raw = np.char.add("0 " if src.format == "3le" else "", cat.name.astype(str))
    assert int(np.sum(np.char.find(raw, " DEB") >= 0)) == deb
    assert int(np.sum(np.char.find(raw, " R/B") >= 0)) == rb


def test_omm_csv_matches_readme(catalogs):
    res = read_files([catalogs / "omm/celestrak_gp_active_2026-07_midexplorer529.csv"])
    assert res.sources[0].format == "omm-csv"
    assert len(res.catalog) == 15985 and not res.problems
    assert str(res.sources[0].epoch_min)[:10] == "2026-06-16"
    assert str(res.sources[0].epoch_max)[:10] == "2026-07-12"
    assert int(np.sum(np.char.startswith(res.catalog.name.astype(str), "STARLINK"))) == 10743


def test_satcat_classes(catalogs):
    res = read_files([catalogs / "full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt",
                      catalogs / "satcat/spacetrack_satcat_leo_subset_2025-04.csv"])
    sc = res.satcat
    assert len(sc["norad_id"]) == 24062
    counts = {t: int(np.sum(sc["object_type"] == t)) for t in ("PAYLOAD", "DEBRIS", "ROCKET BODY", "UNKNOWN")}
    assert counts == {"PAYLOAD": 11695, "DEBRIS": 10810, "ROCKET BODY": 976, "UNKNOWN": 581}
    # the SATCAT subset is LEO-only (README): most LEO objects of the 3LE get its class
    assert (res.catalog.class_source == "satcat").sum() > 18000


def test_fields_identical_to_sgp4(catalogs):
    """Every decoded field equals python-sgp4's own parse of the same lines (exact)."""
    cat = read_catalog(catalogs / "full-catalog/spacetrack_3le_2022-07_person2-0.txt")
    for k in range(0, len(cat), 97):
        s = Satrec.twoline2rv(cat.line1[k], cat.line2[k])
        assert s.satnum == cat.norad_id[k]
        assert s.ecco == cat.eccentricity[k]
        assert s.bstar == pytest.approx(cat.bstar[k], rel=1e-15, abs=1e-20)
        assert s.no_kozai == pytest.approx(cat.mean_motion[k] / 720 * np.pi, rel=1e-15)
        assert s.inclo == pytest.approx(np.radians(cat.inclination_deg[k]), rel=1e-15)
        jd = s.jdsatepoch + s.jdsatepochF
        ours = (cat.epoch[k] - np.datetime64("2000-01-01T12:00:00")).astype(np.int64) / 86400e6 + 2451545.0
        assert abs(jd - ours) * 86400 < 1e-3  # epoch within 1 ms (TLE resolution is ~0.9 ms)


def test_blank_padded_and_plus_signs(catalogs):
    cat = read_catalog(catalogs / "full-catalog/spacetrack_3le_2022-07_person2-0.txt")
    k = cat.by_id(5)  # "1     5U" in this file
    assert cat.name[k] == "VANGUARD 1"
    assert cat.line1[k].startswith("1     5U")


def test_alpha5():
    l1 = "1 A0001U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  292"
    l2 = "2 A0001  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"

    def cks(line):
        return line + str(sum(int(c) if c.isdigit() else c == "-" for c in line) % 10)

    l2c = cks(l2[:68])
    rec, problems = parse_tle_text(cks(l1) + "\n" + l2c + "\n")
    assert problems == [] and rec.norad_id.tolist() == [100001]


def test_celestrak_crlf_padded_names():
    txt = ISS.replace("ISS (ZARYA)", "ISS (ZARYA)".ljust(24)).replace("\n", "\r\n")
    rec, problems = parse_tle_text(txt)
    assert problems == [] and rec.name.tolist() == ["ISS (ZARYA)"]
    assert rec.epoch[0] == np.datetime64("2008-09-20T12:25:40.104192")


def test_duplicates_resolve_to_newest(tmp_path):
    old = ISS
    lines = ISS.splitlines()
    # same object, later epoch (day 265): fix the checksum of line 1
    l1 = lines[1].replace("08264.51782528", "08265.51782528")[:68]
    l1 += str(sum(int(c) if c.isdigit() else c == "-" for c in l1) % 10)
    new = "\n".join([lines[0], l1, lines[2]]) + "\n"
    (tmp_path / "a.tle").write_text(new)
    (tmp_path / "b.tle").write_text(old)
    cat = read_catalog([tmp_path / "a.tle", tmp_path / "b.tle"])
    assert len(cat) == 1 and str(cat.epoch[0]).startswith("2008-09-21")


@pytest.mark.parametrize("mutate,reason,line", [
    (lambda t: t.replace("0  2927", "0  2928"), "line 1 checksum mismatch", 5),
    (lambda t: t.replace(" 51.6416", "191.6416").replace("563537", "563538"), "inclination", 6),
    (lambda t: "\n".join(t.splitlines()[:2]) + "\n", "truncated", 5),
    (lambda t: t.replace("15.72125391", "15.7212539x"), "mean motion", 6),
])
def test_bad_records_name_file_line_reason(tmp_path, mutate, reason, line):
    """The problem names the offending line (line 1 or line 2 of the element set, not the
    name line before them) and shows its text."""
    p = tmp_path / "bad.tle"
    p.write_text(ISS + mutate(ISS))
    with pytest.raises(CatalogError) as err:
        read_catalog(p)
    msg = str(err.value)
    assert str(p) in msg and reason in msg
    assert err.value.problems and err.value.problems[0].line == line
    assert f"{p}:{line}: " in msg and repr(mutate(ISS).splitlines()[line - 4]) in msg
    # lenient keeps the good record
    res = read_files([p], lenient=True)
    assert len(res.catalog) == 1 and len(res.problems) == 1


def test_unknown_format(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("hello world\nthis is not a catalog\n")
    with pytest.raises(CatalogError, match="unknown format"):
        read_catalog(p)
    assert detect_format(ISS) == "tle"
    assert detect_format("0 X\n" + ISS.split("\n", 1)[1]) == "3le"


def test_omm_json_and_xml_agree_with_csv():
    fields = dict(OBJECT_NAME="ISS (ZARYA)", OBJECT_ID="1998-067A",
                  EPOCH="2026-07-10T03:44:00.383136", MEAN_MOTION="15.49", ECCENTRICITY=".0006",
                  INCLINATION="51.64", RA_OF_ASC_NODE="10.5", ARG_OF_PERICENTER="20.5",
                  MEAN_ANOMALY="30.5", EPHEMERIS_TYPE="0", CLASSIFICATION_TYPE="U",
                  NORAD_CAT_ID="25544", ELEMENT_SET_NO="999", REV_AT_EPOCH="1", BSTAR=".0001",
                  MEAN_MOTION_DOT=".0001", MEAN_MOTION_DDOT="0")
    csv = ",".join(fields) + "\n" + ",".join(fields.values()) + "\n"
    js = json.dumps([fields])
    xml = ("<ndm><omm><body><segment><data><meanElements>"
           + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
           + "</meanElements></data></segment></body></omm></ndm>")
    a, _ = parse_omm_text(csv, fmt="omm-csv")
    b, _ = parse_omm_text(js, fmt="omm-json")
    c, _ = parse_omm_text(xml, fmt="omm-xml")
    for f in (b, c):
        for k in ("norad_id", "inclination_deg", "mean_motion", "epoch", "bstar"):
            assert f[k].tolist() == a[k].tolist()
    assert detect_format(js) == "omm-json" and detect_format(xml) == "omm-xml"


def test_omm_bad_row_named(tmp_path):
    p = tmp_path / "gp.csv"
    p.write_text("OBJECT_NAME,NORAD_CAT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,"
                 "RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY\n"
                 "A,1,2026-01-01T00:00:00,15,0.001,51,1,2,3\n"
                 "B,2,2026-01-01T00:00:00,15,1.5,51,1,2,3\n")
    with pytest.raises(CatalogError) as err:
        read_catalog(p)
    assert f"{p}:3" in str(err.value) and "ECCENTRICITY" in str(err.value)


def test_omm_satrec_matches_sgp4_omm(catalogs):
    from sgp4 import omm as sgp4_omm

    path = catalogs / "omm/celestrak_gp_active_2026-07_midexplorer529.csv"
    cat = read_catalog(path).subset(np.arange(0, 15985, 500))
    with open(path) as f:
        rows = {int(r["NORAD_CAT_ID"]): r for r in sgp4_omm.parse_csv(f)}
    for k, s in enumerate(cat.satrecs()):
        ref = Satrec()
        sgp4_omm.initialize(ref, rows[int(cat.norad_id[k])])
        e1, r1, v1 = s.sgp4(ref.jdsatepoch + 1, ref.jdsatepochF)
        e2, r2, v2 = ref.sgp4(ref.jdsatepoch + 1, ref.jdsatepochF)
        assert e1 == e2 == 0
        assert np.allclose(r1, r2, atol=1e-6)  # km, one day after epoch


def test_load_into_db_and_read_back(db_path, catalogs):
    con = connect(db_path)
    path = catalogs / "debris-groups/iridium-33-debris.txt"
    run_id, res = load_files(con, [path])
    n = con.execute("select count(*) from catalog_objects").fetchone()[0]
    assert n == 119
    src = con.execute("select records, format, epoch_min from catalog_sources where run_id=?", [run_id]).fetchone()
    assert src[0] == 119 and src[1] == "tle"
    back = catalog_from_db(con)
    assert len(back) == 119
    order = np.argsort(res.catalog.norad_id)
    assert np.array_equal(back.norad_id, res.catalog.norad_id[order])
    assert np.array_equal(back.mean_motion, res.catalog.mean_motion[order])
    assert back.satrecs()[0].error == 0


def test_strict_bad_file_leaves_db_unchanged(db_path, catalogs, tmp_path):
    con = connect(db_path)
    load_files(con, [catalogs / "debris-groups/cosmos-1408-debris.txt"])
    before = con.execute("select count(*), max(loaded_run_id) from catalog_objects").fetchone()
    runs_before = con.execute("select count(*) from runs").fetchone()[0]
    bad = tmp_path / "bad.tle"
    good = (catalogs / "debris-groups/iridium-33-debris.txt").read_text()
    bad.write_text(good + ISS.replace("0  2927", "0  2920"))
    with pytest.raises(CatalogError):
        load_files(con, [bad])
    assert con.execute("select count(*), max(loaded_run_id) from catalog_objects").fetchone() == before
    assert con.execute("select count(*) from runs").fetchone()[0] == runs_before
    # lenient: good rows in, the bad one in catalog_rejects
    run_id, res = load_files(con, [bad], lenient=True)
    assert con.execute("select count(*) from catalog_rejects where run_id=?", [run_id]).fetchone()[0] == 1
    assert con.execute("select count(*) from catalog_objects").fetchone()[0] == 10 + 119


def _with_checksum(line: str) -> str:
    s = sum(int(c) if c.isdigit() else c == "-" for c in line[:68])
    return line[:68] + str(s % 10)


# passes every field check (0 < n <= 20 rev/day) but lies below the Earth's surface:
# SGP4 refuses it at initialisation (error 6); ISS elements with n = 19 rev/day, under a
# catalog number no shared file holds
SUNK = ["SUNK", _with_checksum(ISS.splitlines()[1].replace("25544U", "99990U")),
        _with_checksum("2 99990  51.6416 247.4627 0006703 130.5360 325.0288 19.00000000563530")]


@pytest.mark.parametrize("parallel", [True, False])
def test_element_set_sgp4_refuses_is_a_bad_record(db_path, catalogs, tmp_path, monkeypatch,
                                                   parallel):
    """Strict: refused as a whole with file, line and SGP4 error code, database unchanged
    (no failed run either); lenient: the rest loads. In parallel the check runs in a helper
    process fed at the split (the full 3LE is big enough for one); else in-process."""
    from riskengine.catalog import sgp4check

    monkeypatch.setattr(sgp4check, "PARALLEL", parallel)
    started = []
    real_start = sgp4check.Sgp4Check._start
    monkeypatch.setattr(sgp4check.Sgp4Check, "_start",
                        lambda self: started.append(1) or real_start(self))
    con = connect(db_path)
    load_files(con, [catalogs / "debris-groups/cosmos-1408-debris.txt"])
    before = con.execute("select count(*), max(loaded_run_id) from catalog_objects").fetchall()
    runs_before = con.execute("select count(*) from runs").fetchall()
    full = (catalogs / "full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt")
    text = full.read_text().rstrip("\n") + "\n"      # the file has no final newline
    bad = tmp_path / "sunk.txt"
    bad.write_text(text + "\n".join(SUNK) + "\n")
    sunk_line = text.count("\n") + 3        # line 2 of SUNK: the elements SGP4 refuses
    with pytest.raises(CatalogError) as err:
        load_files(con, [bad])
    assert len(started) == (1 if parallel else 0)
    assert [(p.file, p.line) for p in err.value.problems] == [(str(bad), sunk_line)]
    assert "SGP4 initialisation failed with error code 6" in str(err.value)
    assert f"{bad}:{sunk_line}" in str(err.value) and repr(SUNK[2]) in str(err.value)
    assert con.execute("select count(*), max(loaded_run_id) from catalog_objects").fetchall() == before
    assert con.execute("select count(*) from runs").fetchall() == runs_before
    run_id, res = load_files(con, [bad], lenient=True)
    assert [(p.line, p.reason[:33]) for p in res.problems] == [
        (sunk_line, "SGP4 initialisation failed with e")]
    assert con.execute("select count(*) from catalog_rejects where run_id=?",
                       [run_id]).fetchall()[0][0] == 1
    assert con.execute("select count(*) from catalog_objects where norad_id = 99990"
                       ).fetchall()[0][0] == 0
    assert len(res.catalog) == 26140


def test_sgp4_check_helper_failure_falls_back_in_process(catalogs, monkeypatch):
    """A helper that dies (OOM killer, signal) or cannot start costs time, never a wrong
    answer; leaving the check stops the helper."""
    from riskengine.catalog import sgp4check

    monkeypatch.setattr(sgp4check, "PARALLEL", True)
    cat = read_catalog(catalogs / "full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt")
    cat.source_file = np.full(len(cat), "x", object)
    bad = cat.line2.copy()
    bad[7] = SUNK[2]
    with sgp4check.Sgp4Check() as check:                  # the helper's own answer
        check.submit("x", cat.source_line, cat.line1, bad)
        assert check._proc is not None
        cat.line2, orig = bad, cat.line2
        assert [p.line for p in check.problems(cat)] == [cat.source_line[7] + 1]
    with sgp4check.Sgp4Check() as check:                  # killed before it answers
        check.submit("x", cat.source_line, cat.line1, bad)
        check._proc.kill()
        assert [p.line for p in check.problems(cat)] == [cat.source_line[7] + 1]
        assert check._proc is None
    with sgp4check.Sgp4Check() as check:                  # never collected
        check.submit("x", cat.source_line, cat.line1, orig)
        proc = check._proc
    assert proc.poll() is not None and check._proc is None
    monkeypatch.setattr(sgp4check.sys, "executable", "/nonexistent/python")
    with sgp4check.Sgp4Check() as check:                  # cannot start at all
        check.submit("x", cat.source_line, cat.line1, bad)
        assert check._proc is None
        assert [p.line for p in check.problems(cat)] == [cat.source_line[7] + 1]


def test_newer_file_wins_older_does_not_overwrite(db_path, catalogs):
    con = connect(db_path)
    load_files(con, [catalogs / "full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"])
    load_files(con, [catalogs / "debris-groups/cosmos-2251-debris.txt"])   # 2025: newer
    load_files(con, [catalogs / "full-catalog/spacetrack_3le_2022-07_person2-0.txt"])  # older
    ep = con.execute("select epoch from catalog_objects where norad_id = 22675").fetchone()[0]
    assert ep.year == 2025
    ep5 = con.execute("select epoch from catalog_objects where norad_id = 5").fetchone()[0]
    assert ep5.year == 2023
