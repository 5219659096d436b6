"""``type = "deployment"``: losses between release and station — a storm while the new
satellites are low, and buses failing while they raise their orbits.

For a deployment plan under ``[policy] cover = "launch_plus_one_year"``, after each launch:

* **checkout at the insertion orbit** (``checkout_days`` at ``insertion_altitude_km``): a
  damaging geomagnetic storm destroys each satellite still low with the space-weather
  loss probability at that altitude (Feb 2022: 38 of 49 Starlinks released at ~210 km
  re-entered after a G1-G2 storm, SpaceX 8 Feb 2022). Storms arrive in calendar time over
  the campaign, and one storm is ONE occurrence for every launch it catches low
  (:class:`riskengine.core.campaign.StormWindowSource`);
* **raising** (``raising_days`` from release to station): each bus fails independently
  with the infant mortality of the hardware posterior over those days,
  ``1 - exp(-H1 t^k)`` for the group's bus family
  (:class:`riskengine.core.campaign.RaisingFailureSource`), or ``bus_failure_probability``.

Then the satellites are handed over to the in-orbit perils for the rest of their first
year. So that the first year's bus hazard is counted once, the in-orbit ``hardware``
peril's first-year bus-failure probability of a launched group ``p`` becomes the
probability of failing after raising given survival to station,
``(p - p_raise) / (1 - p_raise)`` (same posterior draw): raising and orbit together fail
with ``p``, as the Weibull says.

Examples
--------
>>> from riskengine.perils import get
>>> P = get("deployment").Params()
>>> P.raising_days, P.checkout_days
(30.0, 5.0)
"""

from __future__ import annotations

import numpy as np

from riskengine.core import reliability as rel
from riskengine.core import spaceweather as sw
from riskengine.core.campaign import DAYS_PER_YEAR, RaisingFailureSource, StormWindowSource
from riskengine.core.sources import SatelliteSource
from riskengine.perils import register
from riskengine.perils.base import KeyAssumption, Params, Peril, param


class DeploymentParams(Params):
    insertion_altitude_km: float = param(
        300.0, ge=150, le=2000, allow_inf_nan=False, unit="km",
        description="altitude of the insertion orbit where the satellites are released and "
                    "checked out",
        source="J. McDowell, GCAT (CC BY 4.0): first orbits of Starlink v1.0 L1 (2019-11-14) "
               "at ~300 km; the Feb 2022 batch was released at ~210 km (SpaceX, 8 Feb 2022)")
    checkout_days: float = param(
        5.0, ge=0, le=365, allow_inf_nan=False, unit="days",
        description="days at the insertion altitude before raising starts (exposed to "
                    "storm drag)",
        assumption="operators check new satellites out at the insertion orbit for days "
                   "before raising; the Feb 2022 storm struck the day after release. 5 days "
                   "taken; the storm exposure scales with it (see the sensitivity section)")
    raising_days: float = param(
        30.0, gt=0, le=365, allow_inf_nan=False, unit="days",
        description="days from release to station (checkout and raising): the window of the "
                    "raising bus-failure hazard",
        source="Starlink v0.9 (launched 2019-05-23): about a month later 45 of 60 had raised "
               "from 440 to 550 km (SpaceX update, June 2019)")
    storm_rate: float = param(
        sw.STORM_RATE, ge=0, le=100, allow_inf_nan=False, unit="storms/yr",
        description="damaging storms per year (as the space_weather peril)",
        assumption="NOAA's G-scale puts G2 storms at ~360 storm days per 11-year cycle; "
                   "storms with a multi-day drag surge like February 2022 taken as one every "
                   "two years (the space_weather peril's rate)")
    bus_failure_probability: float | None = param(
        None, ge=0, le=1, allow_inf_nan=False, unit="probability",
        description="fix the probability that a bus fails while raising (default: the bus "
                    "posterior's infant mortality over raising_days)",
        source="default: Weibull bus posterior (Castet & Saleh 2009 infant mortality, early "
               "Starlink), riskengine fit")


def _bus_draws(post, family: str, rng) -> tuple[np.ndarray, np.ndarray]:
    """Per-draw ``(H1, k)`` of a bus family (a new family from the hyperprior)."""
    def fam(mu, s, z):
        m, sd = post.get("bus", mu), post.get("bus", s)
        if family in post.coords("bus", z):
            return m + sd * post.get("bus", z, family)
        return m + sd * rng.standard_normal(len(m))
    return np.exp(fam("mu_h", "sigma_h", "z_h")), np.exp(fam("mu_k", "sigma_k", "z_k"))


@register
class Deployment(Peril):
    type = "deployment"
    order = 55
    kind = "physical"
    summary = ("deployment: a storm while new satellites are low at the insertion orbit (one "
               "occurrence per storm across launches, Feb 2022 anchor) and bus failure while "
               "raising (hardware infant mortality); hand-over to the in-orbit perils")
    Params = DeploymentParams
    default = True
    needs = frozenset({"fleet"})
    key_assumptions = (KeyAssumption("checkout_days", (1.0, 15.0),
                                     "days of checkout at the insertion orbit"),)

    def labels(self) -> list[str]:
        return [f"{self.name}_storm", f"{self.name}_bus"]

    def runtime_needs(self, portfolio) -> frozenset:
        covered = getattr(portfolio.policy, "cover", "") == "launch_plus_one_year"
        if covered and portfolio.all_launches() and self.params.bus_failure_probability is None:
            return self.needs | {"posterior"}
        return self.needs

    def add_sources(self, hs, ctx) -> None:
        plan = ctx.shared.get("launch_plan")
        if plan is None or not plan.covered:
            return
        p = self.params
        core = plan.core
        storm, bus = self.labels()
        core.phase_of[storm] = 1
        core.phase_of[bus] = 1
        n_l = core.n_launches
        q = float(sw.storm_hit_probability(p.insertion_altitude_km))
        if p.checkout_days > 0 and q > 0 and p.storm_rate > 0:
            hs.sources.append(StormWindowSource(
                storm, core.units, np.array([p.storm_rate]), core.launch_day.copy(),
                np.full(n_l, p.checkout_days), np.full(n_l, q)))
        groups = [x.group for x in plan.launches]
        names = list(dict.fromkeys(groups))
        cls = np.array([names.index(g) for g in groups], np.int64)
        if p.bus_failure_probability is not None:
            per_group = {g: np.full(1, p.bus_failure_probability) for g in names}
        else:
            if ctx.posterior is None:
                raise ValueError("the deployment peril needs the bus posterior (`riskengine "
                                 "fit`) or params.bus_failure_probability")
            rng = np.random.default_rng([int(ctx.seed), 55])
            fams = {g.name: g.bus_family for g in ctx.fleet.groups}
            per_group = {}
            for g in dict.fromkeys(groups):
                h1, k = _bus_draws(ctx.posterior, fams[g], rng)
                per_group[g] = rel.conditional_failure_probability(
                    0.0, h1, k, horizon=p.raising_days / DAYS_PER_YEAR)
        pr = np.column_stack([per_group[g] for g in names])
        hs.sources.append(RaisingFailureSource(bus, core.units, pr,
                                               np.full(n_l, p.raising_days), cls))
        _condition_orbit_bus(hs, per_group, plan)


def _condition_orbit_bus(hs, p_raise: dict, plan) -> None:
    """Make the in-orbit ``hardware`` bus hazard of launched groups conditional on surviving
    the raising: ``p' = (p - p_raise) / (1 - p_raise)`` per draw (see the module doc)."""
    names = hs.group_names
    for src in hs.sources:
        if not isinstance(src, SatelliteSource) or src.peril != "hardware":
            continue
        p = -np.expm1(-src.rates)
        for u in range(len(src.units.size)):
            if src.units.size[u] == 0:
                continue
            g = names[int(hs.group[src.units.sats[src.units.offset[u]]])]
            if g not in p_raise:
                continue
            pr = np.asarray(p_raise[g], float)
            nd = src.rates.shape[0]
            pr = pr[np.arange(nd) % len(pr)]
            cond = np.clip((p[:, u] - pr) / np.maximum(1.0 - pr, 1e-15), 0.0, 1.0)
            src.rates[:, u] = -np.log1p(-np.minimum(cond, 1 - 1e-15))
        plan.notes["orbit_bus_conditioned"] = True
