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
