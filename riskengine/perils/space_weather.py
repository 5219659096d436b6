"""``type = "space_weather"``: geomagnetic storms, a correlated and altitude-dependent shock.

Damaging storms are Poisson events (scope ``event``); each destroys each satellite of a
group independently with ``p(h) = p_ref exp(-(h - h_ref) / scale_height)``, anchored at
February 2022 (:mod:`riskengine.core.spaceweather`). One row per fleet group at its mean
altitude.

Examples
--------
>>> from riskengine.perils import get
>>> round(get("space_weather").Params().p_ref, 4)
0.7755
"""

from __future__ import annotations

from riskengine.core import spaceweather as sw
from riskengine.perils import register
from riskengine.perils.base import KeyAssumption, Params, Peril, param


class SpaceWeatherParams(Params):
    rate: float = param(
        sw.STORM_RATE, ge=0, le=100, allow_inf_nan=False, unit="storms/yr",
        description="damaging storms per year (G2 or stronger with sustained drag "
                    "enhancement), averaged over a solar cycle",
        assumption="NOAA's G-scale puts G2 storms at ~360 storm days per 11-year cycle, most "
                   "of them short; storms with a multi-day drag surge like February 2022 "
                   "taken as one every two years")
    p_ref: float = param(
        sw.P_REF, gt=0, le=1, allow_inf_nan=False, unit="probability",
        description="loss probability per storm at the reference altitude",
        source="SpaceX, 8 Feb 2022: 38 of 49 Starlinks launched 3 Feb 2022 re-entered after a "
               "G1-G2 storm raised drag by up to 50 %")
    h_ref_km: float = param(
        sw.H_REF_KM, gt=100, le=2000, allow_inf_nan=False, unit="km",
        description="altitude of the reference loss", source="SpaceX, 8 Feb 2022: the "
        "satellites were deployed at ~210 km perigee")
    scale_height_km: float = param(
        sw.SCALE_HEIGHT_KM, gt=1, le=500, allow_inf_nan=False, unit="km",
        description="e-folding height of the storm loss probability (thermospheric density "
                    "scale height)",
        source="NRLMSIS: density scale height ~50-60 km in the 300-500 km thermosphere under "
               "storm conditions (Emmert et al. 2021, NRLMSIS 2.0)")


@register
class SpaceWeather(Peril):
    type = "space_weather"
    order = 40
    kind = "physical"
    summary = ("geomagnetic storms: shared events whose loss probability falls with "
               "altitude (Feb 2022 anchor); total loss")
    Params = SpaceWeatherParams
    default = True
    key_assumptions = (KeyAssumption("rate", (0.2, 1.0), "severe geomagnetic storms per year"),)

    def hazard_rows(self, ctx) -> list[dict]:
        p = self.params
        orbits = None
        rows = []
        for g in ctx.fleet.groups:
            h = g.altitude_km
            if h is None:
                orbits = orbits or ctx.fleet.group_orbits()
                h = orbits[g.name][0]
            pi = float(sw.storm_hit_probability(h, p.p_ref, p.h_ref_km, p.scale_height_km))
            rows.append(dict(fleet_group=g.name, satellite_id=None, peril=self.name,
                             scope="event", annual_rate=p.rate, hit_probability=pi,
                             severity="total", method="model", altitude_km=float(h),
                             notes=f"Feb 2022 anchor {p.p_ref:.3f} at {p.h_ref_km:.0f} km, "
                                   f"H={p.scale_height_km:.0f} km"))
        return rows
