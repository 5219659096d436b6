"""``type = "solar_particle_event"``: solar proton events, a correlated radiation shock.

In each simulated year ONE set of solar particle events hits every exposed satellite of the
fleet at once (:class:`riskengine.core.sources.SolarEventSource`): the year is solar-active
with probability 7/11, the number of events is Poisson, each event's fluence above 30 MeV is
log-normal (JPL form; :func:`riskengine.core.spe.sample_spe_year`). A group's dose from an
event is the fluence times its dose per unit fluence, computed by the hazards stage from the
event spectrum (King 1974), the geomagnetic cut-off along the group's orbit (Stormer) and its
shielding, and stored in the ``hazards`` table (``spe_rad_per_fluence``, one
``scope='event'`` row per group). Heavy-tailed: the year's dose is sampled, never averaged.

What the dose does: it adds to the trapped dose of the year in the radiation peril's
lognormal failure dose, raising the probability that an accelerator fails in THAT year for
every satellite at once (correlated radiation damage on the same accelerators and spares,
:mod:`riskengine.perils._capacity`). Failures due to the solar dose are hits of the year's
events (one occurrence per event, each failure assigned to an event in proportion to its
fluence). The radiation peril then prices the trapped dose only, so the mean solar dose is not
counted twice; without this peril it adds the expected solar dose instead. Needs the
``radiation`` peril (its failure dose). With the ``space_weather`` peril, each event also
brings a damaging geomagnetic storm in its year with that peril's ``spe_driven_share`` (the
same eruption; :func:`riskengine.perils.space_weather.drive_storms`).

The parameters are those of ``riskengine/data/radiation/spe_model.toml`` (where every number
carries its source); the spectrum shape and the cut-off enter through the hazards stage.

Examples
--------
>>> from riskengine.perils import get
>>> p = get("solar_particle_event").Params()
>>> round(p.rate_per_active_year * p.active_year_fraction, 2)   # events per year
3.82
"""

from __future__ import annotations

from riskengine.core.spe import SPEModel
from riskengine.errors import ConfigError
from riskengine.perils import _capacity as capacity
from riskengine.perils import register, space_weather
from riskengine.perils.base import KeyAssumption, Params, Peril, param

_FIT = ("Fitted (w = 6) to SPENVIS 4.6.13 ESP-PSYCHIC 95 % fluences over 2 and 3 active years "
        "(Xapsos et al., NASA/TP-1999-209763 model; SPENVIS output in tdloveless/me-radfx); "
        "riskengine/data/radiation/spe_model.toml. Not the JPL-91 value")


class SolarParticleEventParams(Params):
    rate_per_active_year: float = param(
        6.0, gt=0, le=100, allow_inf_nan=False, unit="events per solar-active year",
        description="mean number of events in a solar-active year (Poisson)",
        assumption="order of the JPL models' event rate (JPL-91 / ECSS-E-ST-10-04C Table I-2 "
                   "values not retrieved); the fluence parameters are fitted given it "
                   "(spe_model.toml). Moving it alone scales the mean yearly fluence: the "
                   "sensitivity table prices 3 and 12")
    log10_fluence_mean: float = param(
        6.90, ge=3, le=12, allow_inf_nan=False, unit="log10(cm^-2)",
        description="mean of log10 F(>30 MeV) of one event", source=_FIT)
    log10_fluence_sd: float = param(
        1.23, gt=0, le=5, allow_inf_nan=False, unit="log10(cm^-2)",
        description="standard deviation of log10 F(>30 MeV) of one event", source=_FIT)
    active_year_fraction: float = param(
        7.0 / 11.0, ge=0, le=1, allow_inf_nan=False, unit="share of years",
        description="probability that a simulated year is solar-active",
        source="ECSS-E-ST-10-04C Annex I.2.1: large events confined to a 7-year "
               "solar-maximum period of the 11-year cycle (7/11)")
    rate_per_quiet_year: float = param(
        0.0, ge=0, le=100, allow_inf_nan=False, unit="events per solar-minimum year",
        description="mean number of events in a solar-minimum year",
        source="ESP (Xapsos et al. 1999) and SPENVIS count no solar-proton fluence in "
               "solar-minimum years (ECSS-E-ST-10-04C 9.2.2.2, Annex I.2.1)")


@register
class SolarParticleEvent(Peril):
    type = "solar_particle_event"
    order = 61
    kind = "physical"
    summary = ("solar proton events: one sampled set per year hits every satellite at once "
               "(geomagnetic cut-off by orbit, dose by shielding) and raises that year's "
               "accelerator failures of the radiation peril")
    Params = SolarParticleEventParams
    default = True
    needs = frozenset({"fleet", "posterior", "dose"})
    key_assumptions = (
        KeyAssumption("rate_per_active_year", (3.0, 12.0), "solar particle events per active "
                      "year"),
    )

    def model(self) -> SPEModel:
        """The event model of this peril's parameters (spectrum and cut-off: the hazards
        stage's; they do not enter the sampling)."""
        p = self.params
        return SPEModel(p.rate_per_active_year, p.log10_fluence_mean, p.log10_fluence_sd,
                        active_year_fraction=p.active_year_fraction,
                        rate_per_quiet_year=p.rate_per_quiet_year)

    def hazard_rows(self, ctx) -> list[dict]:
        if "radiation" not in ctx.perils:
            raise ConfigError("the solar_particle_event peril raises the accelerators' failure "
                              "probability through the radiation peril's failure dose: add "
                              "[[perils]] type = \"radiation\" to the portfolio")
        m = self.model()
        rate = m.mean_events_per_year()
        rows = []
        f72 = m.king_1972_fluence_gt30
        doses = ctx.shared.get("dose") or {}
        for g in ctx.fleet.groups:
            d = doses.get(g.name)
            if d is None:
                continue
            rows.append(dict(
                fleet_group=g.name, satellite_id=None, peril=self.name, scope="event",
                annual_rate=float(rate), method="model", altitude_km=d["altitude_km"],
                spe_rad_per_fluence=d["spe_rad_per_fluence"],
                notes=(f"one 1972-class event (F(>30 MeV) = {f72:.2g} cm^-2) gives "
                       f"{f72 * d['spe_rad_per_fluence']:.3g} rad(Si) behind "
                       f"{d['shielding_mm']:g} mm Al at {d['inclination_deg']:.1f} deg "
                       "(Stormer cut-off, King 1974 spectrum)")))
        return rows

    def add_sources(self, hs, ctx) -> None:
        k = {ctx.rows["fleet_group"][i]: float(ctx.rows["spe_rad_per_fluence"][i])
             for i in ctx.rows_for(self.name)}
        missing = [g.name for g in ctx.fleet.groups
                   if getattr(g, "accelerators", 0) and g.name not in k]
        if missing:
            raise ConfigError(f"the stored hazards run has no solar-particle-event dose of "
                              f"fleet group(s) {', '.join(map(repr, missing))}: re-run "
                              "`riskengine hazards` (or `riskengine price`) for this portfolio")
        m = self.model()
        hs.add_solar_events(self.name, m)
        capacity.register_solar_events(ctx, self.name, k)
        # the same eruptions drive part of the geomagnetic storms (space_weather)
        space_weather.drive_storms(hs, ctx, self.name, m.mean_events_per_year())
