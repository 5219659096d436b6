"""Collision-rate maths shared by the collision and breakup perils (pure NumPy).

* :func:`screening_annual_rate` — per-satellite annual rate from a screening's sum of Pc;
* :func:`compare_rates` — the agreement factor between two estimates of a rate;
* :func:`breakup_rate_in_band` — catastrophic collisions per year among all objects of an
  altitude band, split by who can manoeuvre.
"""

from __future__ import annotations

import numpy as np

from riskengine.core.flux import CLASSES, collision_rate_in_band

FLEET = CLASSES.index("FLEET")


def screening_annual_rate(pc_sum: float, window_days: float, n_satellites: int) -> float:
    """Per-satellite annual collision rate from screening: ``sum(Pc) / window / satellites``.

    ``pc_sum`` counts every event once per *fleet satellite involved* (a fleet-vs-fleet
    pair twice), so that it matches the flux rate, which is per satellite.

    Examples
    --------
    >>> round(screening_annual_rate(1e-5, 7.0, 10), 9)
    5.2179e-05
    """
    if window_days <= 0 or n_satellites <= 0:
        raise ValueError(f"window_days ({window_days}) and n_satellites ({n_satellites}) must be > 0")
    return float(pc_sum) * 365.25 / float(window_days) / float(n_satellites)


def compare_rates(flux_rate, screening_rate) -> np.ndarray:
    """Agreement factor ``max(a/b, b/a)`` (1 = equal; the issue's bar is <= 3)."""
    a = np.asarray(flux_rate, float)
    b = np.asarray(screening_rate, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a > 0) & (b > 0), np.maximum(a / b, b / a), np.inf)


def breakup_rate_in_band(pop, grid, alt_lo_km: float, alt_hi_km: float, *,
                         avoidance: float = 0.0, self_factor: float = 1.0,
                         payload_avoidance: float | None = None) -> float:
    """Catastrophic collisions per year between any two objects in an altitude band.

    Pairs are split by who takes part: catalog-only pairs are avoided only when one party
    is a manoeuvrable payload, with ``payload_avoidance`` (default ``avoidance``); pairs
    with a fleet satellite are avoided with ``avoidance``; fleet-vs-fleet pairs also keep
    only ``self_factor`` of their random-phase rate (a coordinated shell plans its own
    crossings), as the collision peril does.

    Examples
    --------
    >>> from riskengine.core.flux import Grid, Population
    >>> from riskengine.core.flux import CLASSES
    >>> R = 6378.137
    >>> deb = Population([R + 800.0], [0.0], [98.0], [1.0], [CLASSES.index("DEBRIS")], [500.0])
    >>> g = Grid.regular(700, 900, 5, 1.0)
    >>> lam = breakup_rate_in_band(deb, g, 775, 825)
    >>> bool(lam > 0) and breakup_rate_in_band(deb, g, 775, 825, avoidance=1.0) == lam
    True
    """
    is_fleet = pop.cls == FLEET
    lam_all = collision_rate_in_band(pop, grid, alt_lo_km, alt_hi_km)
    cat = pop.subset(~is_fleet)
    cat_raw = collision_rate_in_band(cat, grid, alt_lo_km, alt_hi_km) if len(cat) else 0.0
    lam_cat = cat_raw
    a_pl = avoidance if payload_avoidance is None else payload_avoidance
    if a_pl > 0 and len(cat):
        passive = (cat.cls != CLASSES.index("PAYLOAD"))
        lam_p = collision_rate_in_band(cat.subset(passive), grid, alt_lo_km, alt_hi_km)
        lam_cat = cat_raw - a_pl * (cat_raw - lam_p)
    if not is_fleet.any():
        return float(lam_cat)
    lam_ff = collision_rate_in_band(pop.subset(is_fleet), grid, alt_lo_km, alt_hi_km)
    lam_fc = max(lam_all - lam_ff - cat_raw, 0.0)
    return float(lam_cat + (1.0 - avoidance) * (lam_fc + self_factor * lam_ff))
