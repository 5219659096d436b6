"""Property tests: mutated real records never crash the parsers; only CatalogError escapes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskengine.catalog import read_catalog
from riskengine.catalog.omm import parse_omm_text
from riskengine.catalog.tle import parse_tle_text
from riskengine.errors import CatalogError

REAL = [
    ("0 VANGUARD 1",
     "1     5U 58002B   22196.28486465  .00000351  00000-0  43722-3 0  9993",
     "2     5  34.2492  53.6414 1847265 162.8155 204.4542 10.84977341287669"),
    ("ISS (ZARYA)",
     "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
     "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"),
]
CHARS = st.sampled_from(list("0123456789 +-.AZ") + ["", "\r", "\n", "x", "\t", "é"])


@st.composite
def mutated(draw):
    name, l1, l2 = draw(st.sampled_from(REAL))
    lines = [name, l1, l2]
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, 2))
        ln = lines[i]
        pos = draw(st.integers(0, max(len(ln) - 1, 0)))
        op = draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
        c = draw(CHARS)
        if op == "replace":
            ln = ln[:pos] + c + ln[pos + 1:]
        elif op == "delete":
            ln = ln[:pos] + ln[pos + 1:]
        elif op == "insert":
            ln = ln[:pos] + c + ln[pos:]
        else:
            ln = ln[:pos]
        lines[i] = ln
    if draw(st.booleans()):
        lines = lines[draw(st.integers(0, 2)):]
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_tle_parser_total(text):
    rec, problems = parse_tle_text(text, "fuzz.tle")
    # every record is either accepted or reported with a line number
    for p in problems:
        assert p.line >= 1 and p.reason
    assert len(rec.norad_id) <= 1
    for k in range(len(rec.norad_id)):
        assert 0 <= rec.eccentricity[k] < 1 and 0 <= rec.inclination_deg[k] <= 180
        assert 0 < rec.mean_motion[k] <= 20


@settings(max_examples=150, deadline=None)
@given(mutated())
def test_read_catalog_only_catalog_error(tmp_path_factory, text):
    p = tmp_path_factory.mktemp("fz") / "x.tle"
    p.write_text(text, encoding="utf-8")
    try:
        cat = read_catalog(p)
    except CatalogError as exc:
        assert str(p) in str(exc)
        return
    assert len(cat) == 1


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["", "x", "-1", "1e400", "nan", "2026-13-01", "  ", "0.5", ","]),
                min_size=9, max_size=9))
def test_omm_csv_total(values):
    header = ("NORAD_CAT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
              "ARG_OF_PERICENTER,MEAN_ANOMALY,BSTAR")
    f, problems = parse_omm_text(header + "\n" + ",".join(values) + "\n", "fuzz.csv")
    assert len(f["norad_id"]) + len(problems) >= 1


# -- the vectorised paths against their reference implementations ----------------------

def _tle_file(draw, records):
    """A TLE/3LE/CelesTrak text from (name, l1, l2) records in one of the real layouts."""
    style = draw(st.sampled_from(["3le", "celestrak", "tle"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    out = []
    for name, l1, l2 in records:
        if style == "3le":
            out.append("0 " + name)
        elif style == "celestrak":
            out.append(name.ljust(24))
        out += [l1, l2]
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(["", "   "])))
    return eol.join(out) + (eol if draw(st.booleans()) else "")


@st.composite
def tle_files(draw):
    recs = [draw(st.sampled_from(REAL)) for _ in range(draw(st.integers(1, 4)))]
    if draw(st.booleans()):   # one mutated record among good ones
        k = draw(st.integers(0, len(recs) - 1))
        name, l1, l2 = recs[k]
        lines = [l1, l2]
        i = draw(st.integers(0, 1))
        pos = draw(st.integers(2, 68))
        c = draw(st.sampled_from(list("0123456789 +-.AZx")))
        lines[i] = lines[i][:pos] + c + lines[i][pos + 1:]
        recs[k] = (name, *lines)
    return _tle_file(draw, recs)


def _same_records(a, b):
    import dataclasses

    import numpy as np

    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x.dtype == y.dtype, f.name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f") if x.dtype != object \
            else list(x) == list(y), f.name


@settings(max_examples=300, deadline=None)
@given(tle_files())
def test_vectorised_split_matches_general_split(text):
    from riskengine.catalog.tle import _parse_tle

    fast, p_fast = _parse_tle(text, "f.tle", vectorised_split=True)
    ref, p_ref = _parse_tle(text, "f.tle", vectorised_split=False)
    _same_records(fast, ref)
    assert p_fast == p_ref


FIELD_CHARS = st.sampled_from(list("0123456789") * 3 + list(" .+-x"))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(FIELD_CHARS, min_size=10, max_size=10), min_size=1, max_size=8),
       st.sampled_from([None, 1, 3, 5]), st.booleans())
def test_fixed_point_fast_decode_matches_reference(fields, point, sign):
    """Column-major fast decode == the validating row decoder (values and flags)."""
    import numpy as np

    from riskengine.catalog.tle import _fixed, _fixed_cols

    text = [f.ljust(69) for f in fields]
    cols = np.ascontiguousarray(
        np.frombuffer("".join(text).encode(), np.uint8).reshape(len(text), 69).T)
    bad = np.zeros(len(fields), bool)
    val = _fixed_cols(cols, 1, 10, bad, None if point is None else point + 1, sign)
    ref_bad = np.zeros(len(fields), bool)
    ref = _fixed(np.array([f.encode() for f in fields], dtype="S10"), ref_bad)
    # what Python reads as a number is decoded exactly as float(text)
    for k, f in enumerate(fields):
        try:
            expect = float(f)
        except ValueError:
            continue
        assert not bad[k] and val[k] == expect, (f, val[k])
    assert np.array_equal(bad, ref_bad), (fields, bad, ref_bad)
    np.testing.assert_array_equal(val[~bad], ref[~bad])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from(list("0123456789") * 3 + list(" +-x")),
                        min_size=8, max_size=8), min_size=1, max_size=8))
def test_implied_decimal_fast_decode_matches_reference(fields):
    import numpy as np

    from riskengine.catalog.tle import _implied, _implied_cols

    cols = np.ascontiguousarray(
        np.frombuffer("".join(f.ljust(69) for f in fields).encode(), np.uint8)
        .reshape(len(fields), 69).T)
    bad = np.zeros(len(fields), bool)
    val = _implied_cols(cols, 1, 8, bad)
    ref_bad = np.zeros(len(fields), bool)
    ref = _implied(np.array([f.encode() for f in fields], dtype="S8"), ref_bad)
    assert np.array_equal(bad, ref_bad)
    np.testing.assert_array_equal(val[~bad], ref[~bad])
