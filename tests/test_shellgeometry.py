"""Fleet-vs-fleet close approaches of a Walker shell from its geometry (riskengine.core.shellgeometry).

Checks
------
* the nominal miss at a node equals a brute-force propagation of the two circular orbits;
* random phases + random altitudes reproduce the kinetic-gas (Kessler) rate of
  :func:`riskengine.core.flux.collision_rates` for the same shell;
* designed phasing and altitude stagger reduce it, by how much (numbers in the docstring of
  :func:`test_phasing_and_stagger_against_the_kinetic_gas`).
"""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.core import shellgeometry as sg
from riskengine.core.constants import WGS84_RE_KM


def _pos(raan, inc, u, r):
    O, i = np.radians(raan), np.radians(inc)
    N = np.array([np.cos(O), np.sin(O), 0.0])
    e = np.array([-np.cos(i) * np.sin(O), np.cos(i) * np.cos(O), np.sin(i)])
    return r * (np.cos(u)[:, None] * N + np.sin(u)[:, None] * e)


@pytest.mark.parametrize("lag_deg", [0.02, 0.05, -0.03])
def test_nominal_miss_matches_propagation(lag_deg):
    """Two satellites, RAAN 0 and 40 deg, 53 deg, 550 km: min distance near the nodes."""
    r = WGS84_RE_KM + 550.0
    raan = np.array([0.0, 40.0])
    # put B at the node when A is lag_deg away from it: find the node's arguments of latitude
    from riskengine.core.shellgeometry import _arglat_of, _normals
    n = _normals(raan, np.array([53.0, 53.0]))
    d = np.cross(n[0], n[1])
    d /= np.linalg.norm(d)
    ua, ub = _arglat_of(d, 0.0, 53.0), _arglat_of(d, 40.0, 53.0)
    u0 = np.array([ua + np.radians(lag_deg), ub])
    res = sg.shell_close_approaches(raan, np.degrees(u0), [53.0, 53.0], [550.0, 550.0],
                                    plane=np.array([0, 1]), phasing="as_given")
    t = np.linspace(-0.01, 0.01, 200_001)                   # radians of argument of latitude
    pa = _pos(0.0, 53.0, u0[0] + t, r)
    pb = _pos(40.0, 53.0, u0[1] + t, r)
    dmin = np.linalg.norm(pa - pb, axis=1).min() * 1e3
    assert res["min_separation_m"][0] == pytest.approx(dmin, rel=2e-3)


def test_walker_layout_and_planes():
    w = sg.walker_elements(24, 6, 2, 53.0, 550.0, altitude_spread_km=2.5)
    assert np.unique(w["alt_km"]).size == 6
    assert w["alt_km"].min() == pytest.approx(548.75) and w["alt_km"].max() == pytest.approx(551.25)
    lab = sg.group_planes(w["raan_deg"], w["inc_deg"])
    assert np.unique(lab).size == 6
    np.testing.assert_array_equal(np.bincount(lab), np.full(6, 4))
    with pytest.raises(ValueError, match="divisible"):
        sg.walker_elements(25, 6, 1, 53.0, 550.0)


def test_random_geometry_is_the_kinetic_gas():
    """Uncoordinated (random phases, altitudes uniform over the shell): within 10 % of the
    flux module's Kessler rate (measured: 0.97 at 600 satellites / 30 planes / 2 km)."""
    r = sg.kinetic_gas_equivalent(600, 30, 53.0, 550.0, 2.0, 10.0, rng=np.random.default_rng(0))
    assert r["geometry"] / r["kinetic_gas"] == pytest.approx(1.0, abs=0.1)


def test_phasing_and_stagger_against_the_kinetic_gas():
    """Starlink-like shell (53 deg, 550 km, 72 planes x 22 = 1,584, HBR 10 m combined,
    station-keeping sigmas R/T/N = 10/50/10 m), close approaches < 10 m per satellite-year:

    ======================================================  ==================
    shell                                                   per satellite-year
    ======================================================  ==================
    kinetic gas, 1 km thick (flux module)                   0.164
    geometry, random phases, random altitudes over 1 km     0.158
    random phases, one altitude                             4.2
    planes staggered over 0.5 / 1 / 2 / 5 km, all phases    0.20 / 0.077 / 0.016 / 1.3e-6
    drifting (``phasing="random"``)
    F = 1 and planes staggered over 1 / 5 km, ``auto``:     1.8e-3 / 1.3e-6
    held where planes are < ~30 m apart, drifting beyond
    Walker F = 1 phasing held, one altitude                 0 (min miss 3.4 km)
    Walker F = 0, one altitude (a bad design)               826 (min miss 0 m)
    ======================================================  ==================

    The engine's default so far (``self_factor`` 0.01 x kinetic gas) gives 1.6e-3.
    """
    T, P = 1584, 72
    kw = dict(sigma_rtn_m=(10.0, 50.0, 10.0), hbr_m=10.0)

    def rate(F, spread, phasing="auto"):
        w = sg.walker_elements(T, P, F, 53.0, 550.0, spread)
        return sg.shell_close_approaches(w["raan_deg"], w["arglat_deg"], w["inc_deg"], w["alt_km"],
                                         plane=w["plane"], phasing=phasing, **kw)

    one_alt_random = rate(1, 0.0, "random")["mean_per_satellite_year"]
    assert one_alt_random == pytest.approx(4.19, rel=0.05)
    assert rate(1, 1.0, "random")["mean_per_satellite_year"] == pytest.approx(0.077, rel=0.1)
    assert rate(1, 1.0)["mean_per_satellite_year"] == pytest.approx(1.8e-3, rel=0.1)
    assert rate(1, 5.0)["mean_per_satellite_year"] < 1e-5
    held = rate(1, 0.0)
    assert held["mean_per_satellite_year"] < 1e-12 and held["min_separation_m"].min() > 3_000.0
    bad = rate(0, 0.0)
    assert bad["min_separation_m"].min() < 1.0 and bad["mean_per_satellite_year"] > 100.0


def test_auto_phasing_holds_same_altitude_and_randomises_drifting_planes():
    w = sg.walker_elements(40, 4, 1, 53.0, 550.0)
    a = sg.shell_close_approaches(w["raan_deg"], w["arglat_deg"], w["inc_deg"], w["alt_km"],
                                  plane=w["plane"])
    assert np.isfinite(a["min_separation_m"]).all()            # held: nominal misses known
    w2 = sg.walker_elements(40, 4, 1, 53.0, 550.0, 4.0)
    b = sg.shell_close_approaches(w2["raan_deg"], w2["arglat_deg"], w2["inc_deg"], w2["alt_km"],
                                  plane=w2["plane"])
    assert np.isinf(b["min_separation_m"]).all()               # 1.3 km apart: drifting
