"""Geomagnetic-storm losses: a correlated, altitude-dependent common shock.

Evidence (GUIDE.md): in February 2022 a G1–G2 storm raised thermospheric drag by up to
50 % and 38 of 49 newly launched Starlinks, released at ~210 km, re-entered. Satellites at
operational altitudes see the same storms but far less drag, because density falls off
with a scale height of ~50–60 km in the 300–500 km thermosphere under storm conditions.

Model (defaults declared with their sources in :mod:`riskengine.perils.space_weather`,
overridable through ``[[perils]] type="space_weather" params``):

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
