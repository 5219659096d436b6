"""Physical constants, declared once. Units: km, s, rad.

Two Earth models are in use and must not be mixed:

* **WGS-72** — the gravity model of SGP4 and therefore of every TLE / OMM mean element set
  (Vallado, Crawford, Hujsak & Kelso 2006, "Revisiting Spacetrack Report #3", AIAA
  2006-6753; ``sgp4.earth_gravity.wgs72``). Use it to turn mean motion into a semi-major
  axis, to build element sets SGP4 will propagate, and for altitudes of SGP4 objects.
* **WGS-84** — the geodetic reference (NIMA TR8350.2, 3rd ed., 2000). Use it for
  physics that is not tied to SGP4's mean elements: flux shells, circular speeds,
  atmosphere and radiation altitudes.

Examples
--------
>>> from riskengine.core import constants as c
>>> round(c.WGS84_RE_KM - c.WGS72_RE_KM, 3)
0.002
"""

from __future__ import annotations

import math

# WGS-72: SGP4's model (sgp4.earth_gravity.wgs72)
WGS72_MU_KM3_S2 = 398_600.8
"""Gravitational parameter of SGP4's WGS-72, km^3/s^2."""
WGS72_RE_KM = 6_378.135
"""Equatorial radius of SGP4's WGS-72, km."""
WGS72_J2 = 0.001_082_616
"""Second zonal harmonic of SGP4's WGS-72."""
WGS72_XKE = 60.0 / math.sqrt(WGS72_RE_KM**3 / WGS72_MU_KM3_S2)
"""sqrt(mu) in Earth radii^1.5 per minute, as SGP4 uses it."""

# WGS-84: the geodetic reference (NIMA TR8350.2)
WGS84_MU_KM3_S2 = 398_600.4418
"""Gravitational parameter (EGM96 / WGS-84), km^3/s^2."""
WGS84_RE_KM = 6_378.137
"""Equatorial radius of WGS-84, km."""

OMEGA_EARTH_RAD_S = 7.292_115_146_706_979e-5
"""Earth rotation rate, rad/s (IERS conventional value, as NASA CARA and Orekit use)."""

SECONDS_PER_DAY = 86_400.0
DAYS_PER_YEAR = 365.25
SECONDS_PER_YEAR = DAYS_PER_YEAR * SECONDS_PER_DAY
