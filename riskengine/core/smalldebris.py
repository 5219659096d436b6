"""Untracked (1 mm – 10 cm) debris flux from the tracked catalog and a published size law.

The tracked catalog gives the spatial density of objects larger than ~10 cm; the number of
smaller objects per tracked one comes from the population counts the agencies publish,
**which are counts over the whole tracked population** — every object type and orbit, not
tracked debris alone:

* ESA "Space debris by the numbers" (MASTER-8, 2021 population): 36,500 objects > 10 cm,
  1,000,000 of 1–10 cm, 130 million of 1 mm–1 cm (the > 10 cm figure is the catalogue,
  active and dead payloads and rocket bodies included: ESA 2019, "34,000 … among them only
  2,000 active satellites");
* NASA ODPO (J.-C. Liou, 2023): ~27,000 tracked ≥ 10 cm, ~500,000 ≥ 1 cm (≈ 18:1), > 100
  million ≥ 1 mm.

So :func:`small_debris_flux` scales the flux of the **whole** tracked catalog (all classes)
by ``N(>d) / N(>10 cm)`` of :data:`riskengine.core.ballistic.UNTRACKED_LAW` (β = 2.10 for
1 mm–1 cm and 1.45 for 1–10 cm from ESA's counts: 27 objects of 1–10 cm and 3,590 of
1 mm–10 cm per object > 10 cm). The old peril (``perils/untracked_debris.py``) multiplied
the flux of tracked *debris* only by the ratio, which undercounts by the share of
payloads and rocket bodies in the local catalog. Two caveats, both of which the check
against ORDEM shows: small debris decays faster than the tracked population (at 300 km this
scaling is ~5× above ORDEM2000), and a mega-constellation shell adds thousands of tracked
payloads that shed almost no small debris — pass ``exclude`` (e.g. the active shells) to
:func:`tracked_flux` to keep them out of the scaling.

Flux conventions: the flux module's rates are *cross-sectional* (impacts per m² of
cross-section); ORDEM / MASTER / BUMPER tables give impacts per m² of the surface of a
randomly tumbling object, which for a convex body is a quarter of the cross-sectional flux
(Cauchy: mean projected area = surface / 4) — :func:`surface_flux`.

Reference values found (NASA/TM-2009-214785 Tables 2-3 and 2-5, ORDEM2000, debris ≥ 3 mm on
a randomly tumbling object, year 2010), impacts/m²/yr: 51.6°: 300 km 3.40e-5, 400 km
9.92e-5, 500 km 2.05e-4, 800 km 6.16e-4, 1000 km 6.97e-4; 400 km 28.5° 9.75e-5, 98°
1.49e-4. ORDEM 3.x / MASTER-8 tables for ≥ 2 orbits and sizes were not found in citable
text (the 2021 MASTER-8 / ORDEM 3.1 comparison, NTRS 20210011563, and the ECSS-E-ST-10-04C
Annex J tables are known only by their abstracts here).

Units: flux per m² per year; sizes in cm.
"""

from __future__ import annotations

import numpy as np

from riskengine.core.ballistic import UNTRACKED_LAW, SizeLaw
from riskengine.core.flux import CLASSES, R_EARTH_KM, Grid, Population, collision_rates

__all__ = ["TRACKED_MIN_CM", "ORDEM2000_3MM_2010", "tracked_flux", "small_debris_flux",
           "surface_flux", "untracked_per_tracked", "reference_orbit_flux"]

TRACKED_MIN_CM = 10.0
"""Size the tracked catalog is taken to be complete above (ESA/NASA counts use 10 cm)."""

ORDEM2000_3MM_2010 = {
    (300.0, 51.6): 3.40e-5, (400.0, 51.6): 9.92e-5, (500.0, 51.6): 2.05e-4,
    (800.0, 51.6): 6.16e-4, (1000.0, 51.6): 6.97e-4, (1500.0, 51.6): 3.02e-4,
    (400.0, 0.0): 9.13e-5, (400.0, 28.5): 9.75e-5, (400.0, 66.0): 1.08e-4,
    (400.0, 90.0): 1.35e-4, (400.0, 98.0): 1.49e-4,
}
"""ORDEM2000 debris flux ≥ 3 mm on a randomly tumbling object, year 2010, impacts/m²/yr
(Christiansen et al. 2009, NASA/TM-2009-214785, Tables 2-3 and 2-5). ORDEM2000 (Liou et
al. 2002, NASA/TP-2002-210780) predates the 2007 Fengyun-1C, 2009 Iridium 33 / Cosmos 2251
and 2021 Cosmos 1408 breakups; its 2010 values are projections."""


def tracked_flux(targets: Population, catalog: Population, grid: Grid | None = None, *,
                 exclude=None) -> np.ndarray:
    """Cross-sectional flux of tracked objects through each target orbit, per m² per year.

    The catalog objects count as points (radius 0) and the target as a 1 m² cross-section,
    so the Kessler rate of :func:`riskengine.core.flux.collision_rates` is the flux.

    Parameters
    ----------
    targets : Population
        Target orbits (radius ignored).
    catalog : Population
        The tracked population, **all classes** (the published size ratios count them all).
    exclude : array_like of bool, optional
        Catalog rows to leave out (e.g. active constellation shells: tracked, but no source of
        small debris).

    Returns
    -------
    ndarray (n_targets,)

    Examples
    --------
    100 objects spread over a 10 km shell at 550 km, target inside it:

    >>> pop = Population([R_EARTH_KM + 550.0], [0.0], [53.0], [5.0], [1], [100.0], [10.0])
    >>> tgt = Population([R_EARTH_KM + 550.0], [0.0], [97.6], [0.0], [4], [1.0])
    >>> f = tracked_flux(tgt, pop, Grid.regular(500, 600, 1, 0.5))
    >>> bool(1e-6 < f[0] < 1e-4)
    True
    """
    pop = catalog if exclude is None else catalog.subset(~np.asarray(exclude, bool))
    pop = Population(pop.a_km, pop.e, pop.inc_deg, np.zeros(len(pop)), pop.cls, pop.weight,
                     pop.thickness_km)
    r = float(np.sqrt(1.0 / np.pi))               # 1 m^2 cross-section
    return collision_rates(targets, pop, grid, combined_radius_m=r).total


def untracked_per_tracked(d_lo_cm: float = 1.0, d_hi_cm: float = TRACKED_MIN_CM,
                          law: SizeLaw = UNTRACKED_LAW) -> float:
    """Objects with ``d_lo <= d < d_hi`` per tracked (> 10 cm) object.

    Examples
    --------
    >>> round(untracked_per_tracked(1.0, 10.0), 1)       # ESA 2021: 1,000,000 / 36,500 = 27.4
    27.2
    >>> round(untracked_per_tracked(0.1, 1.0))           # ESA 2021: 130e6 / 36,500 = 3,562
    3520
    """
    f = law.fraction_above
    return float((f(d_lo_cm, d_lo_cm) - f(d_hi_cm, d_lo_cm)) / f(TRACKED_MIN_CM, d_lo_cm))


def small_debris_flux(tracked_flux_m2_yr, d_cm, law: SizeLaw = UNTRACKED_LAW):
    """Flux of objects larger than ``d_cm`` scaled from the tracked (> 10 cm) flux.

    ``F(>d) = F_tracked · N(>d) / N(>10 cm)``.

    Parameters
    ----------
    tracked_flux_m2_yr : array_like (n,)
        From :func:`tracked_flux` (cross-sectional) or any flux of > 10 cm objects.
    d_cm : array_like (m,)
        Size thresholds, cm.

    Returns
    -------
    ndarray (n, m)

    Examples
    --------
    >>> np.round(small_debris_flux([1e-6], [10.0, 1.0, 0.1]) / 1e-6, 1).tolist()
    [[1.0, 28.2, 3548.1]]
    """
    F = np.atleast_1d(np.asarray(tracked_flux_m2_yr, float))[:, None]
    d = np.atleast_1d(np.asarray(d_cm, float))[None, :]
    ratio = np.exp(law.log_n(d) - law.log_n(TRACKED_MIN_CM))
    return F * ratio


def surface_flux(cross_sectional_flux):
    """Impacts per m² of surface of a randomly tumbling convex body (ORDEM / MASTER / BUMPER
    convention): a quarter of the cross-sectional flux (Cauchy's mean projected area).

    Examples
    --------
    >>> float(surface_flux(4e-4))
    0.0001
    """
    return np.asarray(cross_sectional_flux, float) / 4.0


def reference_orbit_flux(catalog: Population, orbits, d_cm, grid: Grid | None = None, *,
                         exclude=None, law: SizeLaw = UNTRACKED_LAW) -> np.ndarray:
    """Surface flux (ORDEM convention) of debris ≥ ``d_cm`` on circular reference orbits.

    Parameters
    ----------
    orbits : sequence of (altitude_km, inclination_deg)
    d_cm : array_like (m,)

    Returns
    -------
    ndarray (n_orbits, m), impacts per m² of tumbling-object surface per year.

    Examples
    --------
    >>> pop = Population([R_EARTH_KM + 400.0], [0.0], [51.6], [1.0], [1], [1000.0], [20.0])
    >>> reference_orbit_flux(pop, [(400.0, 51.6)], [0.3, 1.0], Grid.regular(350, 450, 1, 0.5)).shape
    (1, 2)
    """
    orb = np.asarray(orbits, float).reshape(-1, 2)
    n = orb.shape[0]
    tgt = Population(R_EARTH_KM + orb[:, 0], np.zeros(n), orb[:, 1], np.zeros(n),
                     np.full(n, CLASSES.index("FLEET")), np.ones(n))
    return surface_flux(small_debris_flux(tracked_flux(tgt, catalog, grid, exclude=exclude),
                                          d_cm, law))
