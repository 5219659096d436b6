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
    from riskengine.core.pc import pc_from_states

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


# -- issue #17: units, frames, consistency, covariance ------------------------------------

T01 = "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm"
ION = "fixtures/cdm/ION_SCV8_vs_STARLINK_1233.cdm"

#: alternative unit of each standard one and the factor value_alt = value_std * factor
_ALT = {"km": ("m", 1e3), "km/s": ("m/s", 1e3), "m": ("km", 1e-3), "m/s": ("km/s", 1e-3),
        "m**2": ("km**2", 1e-6), "m**2/s": ("km**2/s", 1e-6), "m**2/s**2": ("km**2/s**2", 1e-6)}


def _pc(text, source="x.cdm", **kw):
    from riskengine.cli.pc import evaluate_cdm

    return evaluate_cdm(parse_cdm(text, source=source, strict=kw.pop("strict", True)), **kw)


def _reexpress(text, keys):
    """The same message with ``keys`` given in the alternative unit (value converted)."""
    from riskengine.cdm import STANDARD_UNITS

    out = []
    for ln in text.splitlines():
        k = ln.split("=")[0].strip()
        if k in keys and "[" in ln:
            std = STANDARD_UNITS[k]
            alt, f = _ALT[std]
            v = float(ln.split("=")[1].split("[")[0])
            ln = f"{k:<34} = {v * f!r:<24} [{alt}]"
        out.append(ln)
    return "\n".join(out)


def test_units_converted_same_pc(shared):
    """A CDM in metres and the same CDM in km give the same Pc (issue #17: X/Y/Z in [m]
    were read as km: Pc 0, miss 7.1e9 m)."""
    from riskengine.cdm import COV_KEYS, STATE_KEYS

    for name in (T01, ION):
        text = (shared / name).read_text()
        ref = _pc(text)
        for keys in (STATE_KEYS[:3], STATE_KEYS, COV_KEYS, ("MISS_DISTANCE", "RELATIVE_SPEED"),
                     STATE_KEYS + COV_KEYS + ("MISS_DISTANCE",)):
            got = _pc(_reexpress(text, keys))
            assert got["pc"] == pytest.approx(ref["pc"], rel=1e-9), (name, keys)
            assert got["miss_distance_m"] == pytest.approx(ref["miss_distance_m"], rel=1e-9)


def test_unknown_and_wrong_dimension_units_refused_with_line(shared):
    lines = (shared / T01).read_text().splitlines()
    for key, unit in (("X", "furlong"), ("CR_R", "m**2/s"), ("Y_DOT", "km"), ("MISS_DISTANCE", "s"),
                      ("CTDOT_TDOT", "m**2")):
        i = next(k for k, ln in enumerate(lines) if ln.split("=")[0].strip() == key)
        bad = lines[:i] + [lines[i].split("[")[0] + f"[{unit}]"] + lines[i + 1:]
        with pytest.raises(CDMError) as e:
            _pc("\n".join(bad))
        msg = str(e.value)
        assert msg.startswith(f"x.cdm:{i + 1}: {key} = ") and f"[{unit}]" in msg, msg
        assert "CCSDS 508.0-B-1" in msg and "fix the unit" in msg


@pytest.mark.parametrize("key", ["X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"])
def test_state_unit_label_lies_are_refused(shared, key):
    """Swapping km <-> m (or km/s <-> m/s) on a state without converting the value gives a
    non-orbit or a message that contradicts MISS_DISTANCE: refused, never a wrong Pc."""
    lines = (shared / T01).read_text().splitlines()
    for obj in (0, 1):
        i = [k for k, ln in enumerate(lines) if ln.split("=")[0].strip() == key][obj]
        unit = "m" if key in "XYZ" else "m/s"
        bad = lines[:i] + [lines[i].split("[")[0] + f"[{unit}]"] + lines[i + 1:]
        with pytest.raises(CDMError, match=r"x\.cdm:\d+: OBJECT\d|MISS_DISTANCE|RELATIVE_SPEED"):
            _pc("\n".join(bad))


def test_positions_in_metres_labelled_km_refused(shared):
    text = _reexpress((shared / T01).read_text(), ("X", "Y", "Z"))
    lied = "\n".join(ln.replace("[m]", "[km]") if ln.split("=")[0].strip() in ("X", "Y", "Z") else ln
                     for ln in text.splitlines())
    with pytest.raises(CDMError, match=r"x\.cdm:47: OBJECT1 position .*not an Earth orbit.*metres labelled km"):
        _pc(lied)


def test_relative_velocity_m_quirk_accepted(shared):
    """CARA's Omitron CDMs label RELATIVE_VELOCITY_* [m]: read as m/s."""
    c = read_cdm(shared / T01)
    assert c.number("relative", "RELATIVE_VELOCITY_T") == pytest.approx(13928.205451)


def test_mixed_frames(shared):
    from riskengine.cdm import FRAME_BIAS

    text = (shared / T01).read_text()
    # object 2 in ITRF, object 1 in EME2000: refused (needs EOP), naming both lines
    i2 = [k for k, ln in enumerate(text.splitlines()) if ln.startswith("REF_FRAME")][1]
    lines = text.splitlines()
    lines[i2] = lines[i2].replace("EME2000", "ITRF")
    with pytest.raises(CDMError, match=rf"x\.cdm:{i2 + 1}: OBJECT2 is in the Earth-fixed frame ITRF and "
                                       r"OBJECT1 in the inertial frame EME2000 \(x\.cdm:23\).*Earth-orientation"):
        _pc("\n".join(lines))
    lines[i2] = lines[i2].replace("ITRF", "TEME")
    with pytest.raises(CDMError, match="TEME"):
        _pc("\n".join(lines))
    # object 2 given in GCRF: rotated by the frame bias, same Pc as all-EME2000
    c = read_cdm(shared / T01)
    r2, v2 = c.state(2)
    g_r, g_v = FRAME_BIAS.T @ r2, FRAME_BIAS.T @ v2
    lines = text.splitlines()
    lines[i2] = lines[i2].replace("EME2000", "GCRF")
    for key, val in zip(("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"), np.concatenate([g_r, g_v])):
        j = [k for k, ln in enumerate(lines) if ln.split("=")[0].strip() == key][1]
        lines[j] = f"{key:<34} = {float(val)!r} [{'km' if len(key) == 1 else 'km/s'}]"
    got = _pc("\n".join(lines))
    assert "frame_bias_applied" in got["flags"]
    assert got["pc"] == pytest.approx(_pc(text)["pc"], rel=1e-9)
    # without the bias the 0.8 m frame offset would show: the rotation is not the identity
    assert np.linalg.norm(g_r - r2) * 1e3 > 0.5


def test_both_itrf_is_consistent_after_velocity_inertialisation(shared):
    """Both ITRF: relative geometry is frame-consistent; the velocity becomes v + w x r."""
    c = read_cdm(shared / ION)
    r1, v1, r2, v2, notes = c.encounter_states()
    assert notes == ["itrf_velocity_inertialised"]
    np.testing.assert_array_equal(r1, c.state(1)[0])
    assert np.linalg.norm(v1 - c.state(1)[1]) == pytest.approx(7.2921e-5 * np.hypot(*r1[:2]), rel=1e-4)


def test_negative_variance_strict_and_lenient(shared):
    text = (shared / T01).read_text()
    neg = text.replace("CR_R                               = 1.858", "CR_R                               = -1.858")
    with pytest.raises(CDMError, match=r"x\.cdm:53: OBJECT1 CR_R = -1\.858.*cannot be negative.*--lenient"):
        parse_cdm(neg, source="x.cdm")
    out = _pc(neg, strict=False)
    assert out["covariance_remediated"] and "npd_covariance_object1" in out["flags"]
    assert 0 <= out["pc"] <= 1


def test_hbr_validation(shared):
    lines = [ln for ln in (shared / T01).read_text().splitlines() if not ln.startswith("COMMENT HBR")]
    i = next(k for k, ln in enumerate(lines) if ln.startswith("OBJECT "))
    for extra in ("HBR = -1 [m]", "HBR = 0 [m]", "HBR = 5 [s]", "HBR = 500 [km]"):
        with pytest.raises(CDMError, match=rf"x\.cdm:{i + 1}: HBR"):
            _pc("\n".join(lines[:i] + [extra] + lines[i:]))
    for extra in ("COMMENT HBR = nan", "COMMENT HBR = -4", "COMMENT HBR = 3 [furlong]"):
        with pytest.raises(CDMError, match="HBR|hard-body"):
            _pc("\n".join(lines[:i] + [extra] + lines[i:]))


# -- property test: mutated real CDMs never give a traceback or a wrong-unit Pc -----------

_VALUES = ["nan", "NaN", "inf", "-inf", "garbage", "", "1e308", "-1e308", "1e400", "-5", "0",
           "1e-320", "-0.0", "12abc", "0x10", "1,5"]
_UNITS_ANY = ["m", "km", "m/s", "km/s", "m**2", "km**2", "m**2/s", "m**2/s**2", "s", "kg", "%", "",
              "M", "KM", "m^2", "furlong"]


def _mutate(text, data):
    from hypothesis import strategies as st

    lines = text.splitlines()
    kind = data.draw(st.sampled_from(["value", "unit", "drop", "dup", "truncate", "reexpress"]))
    i = data.draw(st.integers(0, len(lines) - 1))
    ln = lines[i]
    if kind == "value" and "=" in ln:
        k, rest = ln.split("=", 1)
        unit = "[" + rest.split("[", 1)[1] if "[" in rest else ""
        lines[i] = f"{k}= {data.draw(st.sampled_from(_VALUES))} {unit}"
    elif kind == "unit" and "=" in ln:
        base = ln.split("[")[0]
        lines[i] = f"{base}[{data.draw(st.sampled_from(_UNITS_ANY))}]"
    elif kind == "drop":
        del lines[i]
    elif kind == "dup":
        lines.insert(i, ln)
    elif kind == "truncate":
        lines[i] = ln[:data.draw(st.integers(0, max(len(ln) - 1, 0)))]
    elif kind == "reexpress":
        return kind, None
    return kind, "\n".join(lines)


def test_mutated_cdms_never_crash_or_mislabel(shared):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from riskengine.cdm import COV_KEYS, STATE_KEYS

    texts = [(shared / T01).read_text(), (shared / ION).read_text()]
    refs = [_pc(t)["pc"] for t in texts]

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data):
        j = data.draw(st.integers(0, 1))
        kind, text = _mutate(texts[j], data)
        if kind == "reexpress":
            keys = data.draw(st.sets(st.sampled_from(STATE_KEYS + COV_KEYS + ("MISS_DISTANCE",)), min_size=1))
            got = _pc(_reexpress(texts[j], keys))
            assert got["pc"] == pytest.approx(refs[j], rel=1e-9)
            return
        for strict in (True, False):
            try:
                out = _pc(text, strict=strict)
            except CDMError as e:
                assert str(e).startswith("x.cdm"), str(e)
                continue
            assert out["pc"] is not None and 0.0 <= out["pc"] <= 1.0, out
            assert out["pc_max"] is not None and 0.0 <= out["pc_max"] <= 1.0, out

    check()
