"""Altitude resolution of flux profiles (riskengine.core.altitude).

References: Kozai (1959) short-period J2 term of the semi-major axis; Aida & Kirschner (2013)
TLE radial error (248 m at epoch, +114 m/day).
"""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.core import altitude as al
from riskengine.core.constants import WGS72_J2, WGS72_RE_KM


def test_mean_osculating_amplitude_is_the_brief_s_ten_km():
    # (3/2) J2 Re^2 / a sin^2 i: ~9.4 km in SSO at 550 km, 6.1 km at 53 deg, 0 equatorial
    a = WGS72_RE_KM + 550.0
    assert al.mean_osculating_amplitude_km(550.0, 90.0) == pytest.approx(1.5 * WGS72_J2 * WGS72_RE_KM ** 2 / a)
    assert 9.0 < al.mean_osculating_amplitude_km(550.0, 97.6) < 10.0
    assert al.mean_osculating_amplitude_km(550.0, 0.0) == 0.0


def test_resolution_combines_in_quadrature():
    s = al.resolution_sigma_km(550.0, 53.0, eccentricity=1e-4, tle_age_days=2.0)
    osc = al.mean_osculating_amplitude_km(550.0, 53.0) / np.sqrt(2)
    ecc = (WGS72_RE_KM + 550.0) * 1e-4 / np.sqrt(2)
    rad = 0.248 + 2 * 0.114
    assert s == pytest.approx(np.sqrt(osc ** 2 + ecc ** 2 + rad ** 2))


def test_smoothing_keeps_constants_and_lines():
    h = np.arange(400.0, 701.0, 2.0)
    np.testing.assert_allclose(al.smooth_profile(h, np.full(h.size, 3.0), 8.0), 3.0)
    line = 1e-4 * (h - 400.0)
    sm = al.smooth_profile(h, line, 5.0)
    inner = (h > 430) & (h < 670)
    np.testing.assert_allclose(sm[inner], line[inner], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(al.smooth_profile(h, line, 0.0), line)


@pytest.mark.shared
def test_a_shell_between_starlink_shells(full_3le):
    """53 deg, HBR 10 m, 2023-10 catalog: at 550 km the raw rate (0.0021 /yr) is a gap
    between the Starlink shells at ~540 and ~560 km; at the 4.3 km that mean elements resolve
    against physical altitudes the rate at 550 km is 0.015 /yr (7x), and 555 km stays a
    (shallower) minimum: 0.0106 vs 0.0150 / 0.0120."""
    from riskengine.catalog.reader import read_catalog
    from riskengine.core.flux import altitude_profile, population_from_catalog

    pop = population_from_catalog(read_catalog([full_3le]))
    h = np.arange(520.0, 591.0, 1.0)
    r = altitude_profile(pop, h, 53.0, 10.0)
    fine = al.rate_near(h, r, 550.0, 0.25)
    coarse = al.rate_near(h, r, 550.0, float(al.resolution_sigma_km(550.0, 53.0)))
    assert fine["rates"][1] == pytest.approx(0.0021, rel=0.2)
    assert coarse["rates"][1] / fine["rates"][1] > 4.0
    m = al.rate_near(h, r, 555.0, float(al.resolution_sigma_km(555.0, 53.0)))
    assert m["in_minimum"] and m["contrast"] < 0.9
