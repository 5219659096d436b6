"""``type = "radiation"``: accelerators reaching their functional-failure dose.

The dose is physics, computed by the hazards stage and stored in the ``hazards`` table (one
``scope='dose'`` row per fleet group): trapped protons and electrons of NASA's AP-8/AE-8
averaged over the group's orbit, behind a solid Al sphere of the group's shielding
(:mod:`riskengine.radiation_env`, :mod:`riskengine.core.dose`), plus the expected dose of
solar particle events (cycle average; :mod:`riskengine.core.spe`). Nothing here
extrapolates: a group outside the dose model's checked range (300-2,000 km, 0.1-50 mm Al,
circular orbits) is flagged by the hazards stage (``dose_outside_validity``).

The failure dose is Bayesian: a lognormal per TID device family (the group's
``tid_family``, default its ``accelerator_family``), hierarchical over the families of
``tid_devices.csv`` (:func:`riskengine.models.build_radiation_model`); a family without
records draws from the hyperprior and the run is flagged (``outside_tid_evidence``).

Per posterior draw and group: the probability that an accelerator working at the start of
the insured year reaches its failure dose during it, given the dose it took before (age x
yearly dose; :func:`riskengine.core.radiation.conditional_failure_probability`). Radiation
failures draw on the same accelerators and spares as random failures (the spares are
irradiated too): :class:`riskengine.core.sources.CapacitySource`. With the
``solar_particle_event`` peril the year's solar dose is sampled (a correlated shock) instead
of its mean being added here (:mod:`riskengine.perils._capacity`).

Examples
--------
>>> from riskengine.perils import get
>>> get("radiation").default, sorted(get("radiation").needs)
(True, ['dose', 'fleet', 'posterior'])
"""

from __future__ import annotations

import numpy as np

from riskengine.core.radiation import conditional_failure_probability
from riskengine.errors import ConfigError
from riskengine.perils import _capacity as capacity
from riskengine.perils import register
from riskengine.perils._posterior import group_draws
from riskengine.perils.base import KeyAssumption, Params, Peril, param


class RadiationParams(Params):
    trapped_dose_factor: float = param(
        1.0, gt=0, le=10, allow_inf_nan=False, unit="x",
        description="factor on the trapped-particle dose of the AE-8/AP-8 physics",
        assumption="1: the models as published. AE-8/AP-8 are quoted as uncertain by about a "
                   "factor 2 (Vette 1991, NSSDC/WDC-A-R&S 91-24/29); against SPENVIS our dose "
                   "is 0.77-0.95 at 550 km (docs/radiation.md); the sensitivity table prices "
                   "0.5 and 2")
    failure_dose_factor: float = param(
        1.0, gt=0, le=100, allow_inf_nan=False, unit="x",
        description="factor on the posterior median dose to functional failure of every "
                    "device family",
        assumption="1: the posterior as fitted (tid_devices.csv: three commercial device "
                   "families, one functional failure observed). The median is the least "
                   "informed number of the radiation price; the sensitivity table prices "
                   "0.5 and 2")


@register
class Radiation(Peril):
    type = "radiation"
    order = 60
    kind = "physical"
    summary = ("total ionising dose from AE-8/AP-8 physics behind the shielding vs a lognormal "
               "failure dose by device family (Bayesian, hierarchical); partial loss of the "
               "payload")
    Params = RadiationParams
    default = True
    needs = frozenset({"fleet", "posterior", "dose"})
    key_assumptions = (
        KeyAssumption("failure_dose_factor", (0.5, 2.0), "median failure dose (x posterior)"),
        KeyAssumption("trapped_dose_factor", (0.5, 2.0), "trapped dose (x AE-8/AP-8)"),
    )

    def hazard_rows(self, ctx) -> list[dict]:
        doses = ctx.shared.get("dose") or {}
        rows = []
        for g in ctx.fleet.groups:
            d = doses.get(g.name)
            if d is None:
                continue
            rows.append(dict(
                fleet_group=g.name, satellite_id=None, peril=self.name, scope="dose",
                annual_rate=0.0, method="model", altitude_km=d["altitude_km"],
                dose_rad_per_year=d["trapped"], solar_dose_rad_per_year=d["solar_mean"],
                spe_rad_per_fluence=d["spe_rad_per_fluence"],
                notes=(f"{d['inclination_deg']:.2f} deg, {d['shielding_mm']:g} mm Al: trapped "
                       f"protons {d['trapped_protons']:.4g} + electrons "
                       f"{d['trapped_electrons']:.4g} + bremsstrahlung "
                       f"{d['bremsstrahlung']:.4g} rad(Si)/yr; {d['model']}"
                       + ("" if d["valid"] else "; OUTSIDE VALIDITY: "
                          + "; ".join(d["problems"])))))
        return rows

    def doses(self, ctx) -> dict[str, tuple[float, float]]:
        """``{group: (trapped, expected solar)}`` yearly dose, rad(Si), from this peril's
        stored hazard rows; refuses a group with accelerators but no row."""
        out = {}
        for i in ctx.rows_for(self.name):
            out[ctx.rows["fleet_group"][i]] = (float(ctx.rows["dose_rad_per_year"][i]),
                                               float(ctx.rows["solar_dose_rad_per_year"][i]))
        missing = [g.name for g in ctx.fleet.groups
                   if getattr(g, "accelerators", 0) and g.name not in out]
        if missing:
            raise ConfigError(f"the stored hazards run has no radiation dose of fleet group(s) "
                              f"{', '.join(map(repr, missing))}: re-run `riskengine hazards` "
                              "(or `riskengine price`) for this portfolio")
        return out

    def add_sources(self, hs, ctx) -> None:
        groups = [(j, g) for j, g in enumerate(ctx.fleet.groups)
                  if getattr(g, "accelerators", 0)]
        if not groups:
            return
        draws = group_draws(ctx)
        doses = self.doses(ctx)
        p = self.params
        probs, response = {}, {}
        for j, g in groups:
            trapped, solar = doses[g.name]
            trapped *= p.trapped_dose_factor
            mu = draws["radiation_mu"][:, j] + np.log(p.failure_dose_factor)
            sigma = draws["radiation_sigma"][:, j]
            before = float(draws["age"][0, j]) * (trapped + solar)
            probs[g.name] = conditional_failure_probability(before, trapped + solar, mu, sigma)
            response[g.name] = dict(mu=mu, sigma=sigma, dose_before=before, trapped=trapped,
                                    solar_mean=solar)
        capacity.register(ctx, "dose", self.name, probs, dose_response=response)
