"""Geomagnetic-storm losses: a correlated, altitude-dependent common shock.

Evidence (GUIDE.md): in February 2022 a G1–G2 storm raised thermospheric drag by up to
50 % and 38 of 49 newly launched Starlinks, released at ~210 km, re-entered. Satellites at
operational altitudes see the same storms but far less drag, because density falls off
with a scale height of ~50–60 km in the 300–500 km thermosphere under storm conditions.

Model (documented defaults, all overridable through ``[[perils]] type="space_weather"``
``params``):

* damaging storms arrive as Poisson events, ``rate`` = 0.5 per year (G2-or-stronger storms
  with sustained drag enhancement, averaged over a solar cycle);
* each storm destroys each satellite of a group independently with probability
  ``p(h) = p_ref * exp(-(h - h_ref) / scale_height)``, anchored at the Feb 2022 loss
  fraction ``p_ref = 38/49`` at ``h_ref = 210`` km, ``scale_height = 55`` km; capped at
  ``p_ref`` below ``h_ref``;
* a hit is a total loss (re-entry or loss of control).

At 550 km this gives 1.6e-3 per storm (8e-4 per satellite-year); above ~900 km it is
negligible, as the physics says it should be.
"""

from __future__ import annotations

import numpy as np

P_REF = 38 / 49
H_REF_KM = 210.0
SCALE_HEIGHT_KM = 55.0
STORM_RATE = 0.5


def storm_hit_probability(altitude_km, p_ref: float = P_REF, h_ref_km: float = H_REF_KM,
                          scale_height_km: float = SCALE_HEIGHT_KM) -> np.ndarray:
    """Probability that one damaging storm destroys a satellite at ``altitude_km``.

    Examples
    --------
    >>> storm_hit_probability([210, 550]).round(4).tolist()
    [0.7755, 0.0016]
    """
    h = np.asarray(altitude_km, float)
    return np.minimum(p_ref, p_ref * np.exp(-(h - h_ref_km) / scale_height_km))


def storm_rows(groups: list[str], altitude_km, params: dict | None = None) -> list[dict]:
    """``hazards`` rows (scope ``event``) for each fleet group at its mean altitude."""
    params = params or {}
    rate = float(params.get("rate", STORM_RATE))
    p = storm_hit_probability(altitude_km, float(params.get("p_ref", P_REF)),
                              float(params.get("h_ref_km", H_REF_KM)),
                              float(params.get("scale_height_km", SCALE_HEIGHT_KM)))
    if rate < 0:
        raise ValueError(f"space_weather rate = {rate}: must be >= 0 storms per year")
    return [dict(fleet_group=g, satellite_id=None, peril="space_weather", scope="event",
                 annual_rate=rate, hit_probability=float(pi), severity="total",
                 severity_a=None, severity_b=None, draw=None, method="model",
                 altitude_km=float(h),
                 notes=f"Feb 2022 anchor {P_REF:.3f} at {H_REF_KM:.0f} km, H={SCALE_HEIGHT_KM:.0f} km")
            for g, h, pi in zip(groups, np.atleast_1d(altitude_km), np.atleast_1d(p))]
