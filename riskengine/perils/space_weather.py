"""``type = "space_weather"``: geomagnetic storms, a correlated and altitude-dependent shock.

Damaging storms are Poisson events (scope ``event``); each destroys each satellite of a
group independently with ``p(h) = p_ref exp(-(h - h_ref) / scale_height)``, anchored at
February 2022 (:mod:`riskengine.core.spaceweather`). One row per fleet group at its mean
altitude.

With the ``solar_particle_event`` peril, part of the storms come from the same eruptions as
the sampled solar particle events: each event brings a storm in its year with probability
``spe_driven_share`` (:class:`riskengine.core.sources.EventSource` ``driven_by``), and the
independent storms keep ``rate - spe_driven_share x (solar events per year)``, so the mean
storm rate stays ``rate`` while storm and radiation losses fall in the same years.

Examples
--------
>>> from riskengine.perils import get
>>> round(get("space_weather").Params().p_ref, 4)
0.7755
"""

from __future__ import annotations

import numpy as np

from riskengine.core import spaceweather as sw
from riskengine.errors import ConfigError
from riskengine.perils import register
from riskengine.perils.base import KeyAssumption, Params, Peril, param


def _spe_driven_share() -> float:
    """The named assumption ``[space_weather] spe_driven_share`` of ``assumptions.toml``."""
    from riskengine.evidence import shipped_assumptions

    return float(shipped_assumptions()["space_weather"]["spe_driven_share"])


SPE_DRIVEN_SHARE = _spe_driven_share()


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
    spe_driven_share: float = param(
        SPE_DRIVEN_SHARE, ge=0, le=1, allow_inf_nan=False, unit="probability per solar event",
        description="probability that a sampled solar particle event comes with one damaging "
                    "storm in the same year (the same eruption: the CME that accelerates the "
                    "protons reaches Earth days later); the storms without one keep the rest "
                    "of ``rate``, so the mean storm rate is unchanged. Only with the "
                    "solar_particle_event peril",
        assumption="named assumption, assumptions.toml [space_weather] spe_driven_share")
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

    def add_sources(self, hs, ctx) -> None:
        """The storm rows as event sources (the default), remembered in ``ctx.shared`` so
        that the ``solar_particle_event`` peril can drive part of them
        (:meth:`drive_storms`)."""
        first = len(hs.sources)
        super().add_sources(hs, ctx)
        if self.params.spe_driven_share > 0 and len(hs.sources) > first:
            ctx.shared[STORMS_KEY] = (self.name, self.params.spe_driven_share,
                                      float(self.params.rate), range(first, len(hs.sources)))

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


#: ``ctx.shared`` key of the storm sources a solar-particle-event peril may drive
STORMS_KEY = "space_weather_storms"


def drive_storms(hs, ctx, solar_label: str, events_per_year: float) -> None:
    """Let the solar particle events ``solar_label`` (``events_per_year`` on average) drive
    the storms registered by the space-weather peril: each storm source gets ``driven_by``
    and keeps ``rate - share x events_per_year`` for its independent storms.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from riskengine.core.sources import HazardSet
    >>> hs = HazardSet(np.full(4, 1e8), np.zeros(4, int), ["g"], [])
    >>> hs.add_common_shock("space_weather", 0.5, 0.1)
    >>> ctx = SimpleNamespace(shared={STORMS_KEY: ("space_weather", 0.05, 0.5, range(1))})
    >>> drive_storms(hs, ctx, "solar_particle_event", 4.0)
    >>> hs.sources[0].rate.round(3).tolist(), hs.sources[0].driven_by
    ([0.3], 'solar_particle_event')
    """
    reg = ctx.shared.get(STORMS_KEY)
    if reg is None:
        return
    label, share, rate, idx = reg
    driven = share * float(events_per_year)
    if driven > rate + 1e-12:
        raise ConfigError(
            f"peril {label!r}: spe_driven_share = {share:g} x {events_per_year:.3g} solar "
            f"particle events per year = {driven:.3g} storms per year from solar events, more "
            f"than its rate = {rate:g} storms per year; lower spe_driven_share to at most "
            f"{rate / max(events_per_year, 1e-300):.3g} or raise rate")
    for i in idx:
        src = hs.sources[i]
        src.rate = np.maximum(np.asarray(src.rate, float) - driven, 0.0)
        src.driven_by = solar_label
        src.driven_probability = float(share)
