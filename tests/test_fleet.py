"""Fleet building: Walker-delta geometry, Kozai mean motion, element-file groups, bad orbits."""

from __future__ import annotations

import numpy as np
import pytest
from sgp4.api import Satrec

from riskengine.config import load_portfolio, parse_portfolio
from riskengine.errors import ConfigError
from riskengine.fleet import (RE_KM, SYNTHETIC_ID_BASE, build_fleet, kozai_mean_motion,
                              walker_elements)
from riskengine.propagate import julian, propagate

EPOCH = np.datetime64("2023-10-09T12:00:00", "us")


def _p(*groups):
    return parse_portfolio({"fleet": [dict(sum_insured=1e7, **g) for g in groups]})


def test_walker_delta_geometry():
    el = walker_elements(550, 53, planes=40, per_plane=25, phasing=1)
    assert len(el["raan_deg"]) == 1000
    raan = el["raan_deg"].reshape(40, 25)
    ma = el["mean_anomaly_deg"].reshape(40, 25)
    np.testing.assert_allclose(np.diff(raan[:, 0]), 9.0)        # 360 / planes
    np.testing.assert_allclose(np.diff(ma[0]), 14.4)            # 360 / per_plane
    np.testing.assert_allclose(ma[1, 0] - ma[0, 0], 0.36)       # 360 * f / t
    assert (el["inclination_deg"] == 53).all()


@pytest.mark.parametrize("inc", [0.0, 53.0, 97.6, 140.0])
def test_kozai_inversion_gives_sgp4_mean_altitude(inc):
    nb = np.sqrt(398600.8 / (RE_KM + 550.0) ** 3) * 60.0
    nk = float(kozai_mean_motion(nb, 0.001, np.radians(inc)))
    s = Satrec()
    from sgp4.api import WGS72
    s.sgp4init(WGS72, "i", 0, 27000.0, 0.0, 0.0, 0.0, 0.001, 0.0, np.radians(inc), 0.0, nk, 0.0)
    # SGP4's Brouwer mean semi-major axis equals the nominal one to 1 mm
    assert abs(s.a * RE_KM - (RE_KM + 550.0)) < 1e-6


def test_walker_fleet_propagates_at_altitude():
    f = build_fleet(_p(dict(name="dc", altitude_km=550, inclination_deg=53, planes=4,
                            per_plane=5, phasing=1)), EPOCH)
    assert len(f) == 20 and f.sat_id[0] == SYNTHETIC_ID_BASE
    assert (f.group == "dc").all()
    t = EPOCH + np.arange(0, 86400, 60) * np.timedelta64(1, "s")
    e, r, _ = propagate(f.catalog, *julian(t), workers=1)
    alt = np.linalg.norm(r, axis=2) - RE_KM
    assert (e == 0).all()
    # mean altitude over a day within 2 km of nominal (J2 short-period terms average out;
    # the remaining offset is the WGS-72 mean-vs-osculating radius difference)
    assert abs(alt.mean() - 550) < 2.0
    # satellites of one plane keep their spacing: 360/5 = 72 deg apart
    u = r[:5, 0] / np.linalg.norm(r[:5, 0], axis=1, keepdims=True)
    ang = np.degrees(np.arccos(np.clip((u[:-1] * u[1:]).sum(1), -1, 1)))
    np.testing.assert_allclose(ang, 72.0, atol=0.5)


def test_two_groups_get_distinct_ids_and_table_columns():
    f = build_fleet(_p(dict(name="a", altitude_km=550, inclination_deg=53, planes=2, per_plane=2),
                       dict(name="b", altitude_km=650, inclination_deg=97.9, planes=1,
                            per_plane=3, area_m2=40.0)), EPOCH)
    assert len(set(f.sat_id.tolist())) == 7
    assert f.sat_id[4] == SYNTHETIC_ID_BASE + 1_000_000
    tab = f.table()
    assert set(tab) >= {"fleet_group", "satellite_id", "epoch", "sum_insured",
                        "hard_body_radius_m"}
    assert tab["hard_body_radius_m"][-1] == pytest.approx(np.sqrt(40 / np.pi))
    assert all(len(v) == 7 for v in tab.values())


def test_elements_file_group_keeps_norad_ids(catalogs, tmp_path):
    src = catalogs / "full-catalog" / "spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"
    lines = src.read_text().splitlines()[:9]  # three 3LE records
    f = tmp_path / "own.tle"
    f.write_text("\n".join(lines) + "\n")
    cfg = tmp_path / "p.toml"
    cfg.write_text('[[fleet]]\nname = "own"\nelements = "own.tle"\nsum_insured = 5e7\n')
    fl = build_fleet(load_portfolio(cfg), EPOCH)
    ids = [int(ln[2:7]) for ln in lines if ln.startswith("1 ")]
    assert fl.sat_id.tolist() == ids


@pytest.mark.parametrize("group, key", [
    (dict(altitude_km=120, inclination_deg=53, planes=2, per_plane=2), "fleet[0].altitude_km"),
    (dict(altitude_km=550, inclination_deg=190, planes=2, per_plane=2),
     "fleet[0].inclination_deg"),
    (dict(altitude_km=550, inclination_deg=53, planes=0, per_plane=2), "fleet[0].planes"),
])
def test_impossible_orbits_refused_naming_key(group, key):
    with pytest.raises(ConfigError) as exc:
        _p(dict(name="x", **group))
    assert key in str(exc.value)


def test_eccentric_orbit_below_150_km_refused():
    p = _p(dict(name="x", altitude_km=500, eccentricity=0.1, inclination_deg=53, planes=1,
                per_plane=1))
    with pytest.raises(ConfigError, match=r"fleet\[0\]\.eccentricity"):
        build_fleet(p, EPOCH)


def test_missing_elements_file_and_ids(tmp_path):
    p = _p(dict(name="x", elements=str(tmp_path / "nope.tle")))
    with pytest.raises(ConfigError, match=r"fleet\[0\]\.elements.*not found"):
        build_fleet(p, EPOCH)
    p = _p(dict(name="x", norad_ids=[25544]))
    with pytest.raises(ConfigError, match=r"fleet\[0\]\.norad_ids"):
        build_fleet(p, EPOCH)


def test_altitude_spread_staggers_planes_and_sets_flux_thickness():
    """``altitude_spread_km``: plane mean altitudes evenly over the band (SGP4 mean a to 1 mm),
    satellites of one plane share it; the flux hazard takes it as the shell's thickness."""
    from riskengine.fleet import resolve_fleet

    p = _p(dict(name="dc", altitude_km=550, inclination_deg=53, planes=4, per_plane=3,
                altitude_spread_km=1.0))
    f = build_fleet(p, EPOCH)
    a_km = np.array([s.a for s in f.catalog.satrecs()]).reshape(4, 3) * RE_KM - RE_KM
    np.testing.assert_allclose(a_km[:, 0], [549.625, 549.875, 550.125, 550.375], atol=1e-6)
    np.testing.assert_allclose(a_km, a_km[:, :1].repeat(3, 1), atol=1e-9)
    assert resolve_fleet(p).orbits().spread_km.tolist() == [1.0]
    with pytest.raises(ConfigError, match="altitude_spread_km"):
        _p(dict(name="x", altitude_km=550, inclination_deg=53, planes=2, per_plane=2,
                altitude_spread_km=-1.0))
    with pytest.raises(ConfigError, match="below 150 km"):
        _p(dict(name="x", altitude_km=200, inclination_deg=53, planes=2, per_plane=2,
                altitude_spread_km=60.0))
