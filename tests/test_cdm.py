"""CCSDS CDM (KVN) reader and writer."""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.cdm import CDMError, conjunction_to_cdm, parse_cdm, read_cdm, write_cdm


def _nine(shared):
    files = sorted((shared / "fixtures/cdm").glob("*.cdm"))
    assert len(files) == 9
    return files


def test_all_shared_cdms_parse_and_round_trip(shared, tmp_path):
    for f in _nine(shared):
        c = read_cdm(f)
        text = write_cdm(c)
        out = tmp_path / f.name
        out.write_text(text)
        back = read_cdm(out)
        assert back == c, f.name
        assert write_cdm(back) == text
        np.testing.assert_array_equal(back.covariance(2), c.covariance(2))
        assert c.covariance(1).shape == (6, 6)


def test_operator_formats(shared):
    t01 = read_cdm(shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm")
    assert t01.hbr() == (20.0, "COMMENT HBR")
    r, v = t01.state(1)
    np.testing.assert_allclose(r, [-1818.269382, 1040.563930, -6772.707308])
    assert t01.covariance(1)[1, 1] == 1190.0                  # CT_T [m**2]
    assert ("CR_R", "1.858000000000000e+01", "m**2") in t01.sections["object1"]
    ion = read_cdm(shared / "fixtures/cdm/ION_SCV8_vs_STARLINK_1233.cdm")
    assert ion.hbr() == (10.0, "exclusion volume radii (object1 + object2)")
    assert "=CDM_ID:519959713" in ion.comments("header")
    assert ion.frame(2) == "ITRF"
    assert read_cdm(shared / "fixtures/cdm/OmitronTestCase_Test08_3DNc.cdm").hbr() == (None, None)


def _text(shared):
    return (shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm").read_text()


def test_missing_required_keyword_refused(shared):
    lines = _text(shared).splitlines()
    second = [i for i, ln in enumerate(lines) if ln.startswith("CN_T ")][1]
    broken = "\n".join(lines[:second] + lines[second + 1:])
    with pytest.raises(CDMError, match=r"x\.cdm: required keyword CN_T missing from OBJECT2"):
        parse_cdm(broken, source="x.cdm")
    no_tca = "\n".join(ln for ln in lines if not ln.startswith("TCA"))
    with pytest.raises(CDMError, match="TCA missing"):
        parse_cdm(no_tca, source="x.cdm")


def test_errors_name_line_and_keyword(shared):
    lines = _text(shared).splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("X_DOT"))
    bad = lines[:i] + ["X_DOT                              = fast  [km/s]"] + lines[i + 1:]
    with pytest.raises(CDMError, match=rf"x\.cdm:{i + 1}: keyword X_DOT = 'fast' is not a number"):
        parse_cdm("\n".join(bad), source="x.cdm")
    garbage = lines[:3] + ["this is not kvn"] + lines[3:]
    with pytest.raises(CDMError, match=r"x\.cdm:4: not a 'KEYWORD = value \[unit\]' line"):
        parse_cdm("\n".join(garbage), source="x.cdm")
    nan = lines[:i] + ["X_DOT = NaN [km/s]"] + lines[i + 1:]
    with pytest.raises(CDMError, match="must be finite"):
        parse_cdm("\n".join(nan), source="x.cdm")
    frame = [ln.replace("EME2000", "MOON_FIXED") for ln in lines]
    with pytest.raises(CDMError, match="REF_FRAME"):
        parse_cdm("\n".join(frame), source="x.cdm")


def test_hbr_keyword_and_comment_variants(shared):
    lines = [ln for ln in _text(shared).splitlines() if not ln.startswith("COMMENT HBR")]
    i = next(k for k, ln in enumerate(lines) if ln.startswith("OBJECT "))
    for extra, expected in (("HBR = 12.5 [m]", 12.5), ("COMMENT HBR = 10 [m]", 10.0),
                            ("COMMENT HBR = 0.015 [km]", 15.0), ("COMMENT HBR 7", 7.0)):
        c = parse_cdm("\n".join(lines[:i] + [extra] + lines[i:]))
        assert c.hbr()[0] == pytest.approx(expected), extra


def test_xml_and_unreadable_files_are_refused(tmp_path):
    p = tmp_path / "a.xml"
    p.write_text("<?xml version='1.0'?><cdm/>")
    with pytest.raises(CDMError, match="XML"):
        read_cdm(p)
    with pytest.raises(CDMError, match="cannot read"):
        read_cdm(tmp_path / "missing.cdm")


def test_conjunction_to_cdm_round_trip_and_geometry(tmp_path):
    from riskengine.pc import pc_from_states

    r1, v1 = np.array([6928.0, 10.0, -3.0]), np.array([0.1, 7.5, 1.2])
    r2, v2 = r1 + np.array([0.12, -0.05, 0.3]), np.array([-0.3, -1.1, 7.5])
    c1, c2 = np.diag([1e4, 9e4, 4e3]), np.diag([2.5e5, 4e6, 1e5])
    pc = float(pc_from_states(r1[None], v1[None], c1[None], r2[None], v2[None], c2[None], 12.0)["pc"][0])
    cdm = conjunction_to_cdm("2026-03-01T12:00:00.000", r1, v1, r2, v2, c1, c2, hbr_m=12.0, pc=pc,
                             object1_id=70001, object2_id=25544, creation_date="2026-02-27T00:00:00")
    p = tmp_path / "out.cdm"
    p.write_text(write_cdm(cdm))
    back = read_cdm(p)
    assert back == cdm
    assert back.hbr() == (12.0, "HBR keyword")
    rr1, vv1 = back.state(1)
    np.testing.assert_array_equal(rr1, r1)
    np.testing.assert_array_equal(back.covariance(2)[:3, :3], c2)
    assert float(back.get("relative", "MISS_DISTANCE")) == pytest.approx(np.linalg.norm(r1 - r2) * 1e3)
    rel = np.array([float(back.get("relative", f"RELATIVE_POSITION_{a}")) for a in "RTN"])
    assert np.linalg.norm(rel) == pytest.approx(np.linalg.norm(r1 - r2) * 1e3)
    again = pc_from_states(*(np.asarray(a)[None] for a in (*back.state(1), back.covariance(1),
                                                           *back.state(2), back.covariance(2))), 12.0)
    assert again["pc"][0] == pytest.approx(pc, rel=1e-12)


def test_exported_relative_state_follows_operator_convention(shared):
    """Re-export the states of a JSpOC CDM: the RTN relative position/velocity must match."""
    c = read_cdm(shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm")
    (r1, v1), (r2, v2) = c.state(1), c.state(2)
    out = conjunction_to_cdm(c.tca, r1, v1, r2, v2, c.covariance(1), c.covariance(2), hbr_m=20.0)
    for key, tol in (("RELATIVE_POSITION", 1e-3), ("RELATIVE_VELOCITY", 1e-3)):
        for ax in "RTN":
            ours = float(out.get("relative", f"{key}_{ax}"))
            theirs = float(c.get("relative", f"{key}_{ax}"))
            assert abs(ours - theirs) < tol + 1e-6 * abs(theirs), (key, ax, ours, theirs)
