"""``type = "collision"``: collisions with tracked objects and with the fleet's own satellites.

Hazard rows (scope ``satellite``, severity ``total``):

* ``method = 'flux'`` — the long-term Kessler flux of every distinct fleet orbit against
  the tracked catalog *plus the fleet's own shells* (:func:`riskengine.core.flux.collision_rates`),
  one row per Walker group or per element-set satellite, always written;
* ``method = 'screening'`` — when the store holds a screening of *this* portfolio on
  *this* catalog, the annualised sum of its conjunctions' Pc per satellite
  (:func:`riskengine.core.collision.screening_annual_rate`), one row per group.

Both are stored after avoidance and self-coordination; the unmitigated rates (what a
screening's Pc sum measures) are kept in the run's diagnostics for the comparison the
``riskengine hazards`` table prints. The loss engine uses the screening rate of a group
when there is one (``method = "auto"``), else the flux: never both.

Examples
--------
>>> from riskengine.perils import get
>>> P = get("collision").Params
>>> P().avoidance, P().self_factor
(0.99, 0.01)
>>> P(method="flux").method
'flux'
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from riskengine.core.collision import screening_annual_rate
from riskengine.core.flux import CLASSES, collision_rates
from riskengine.core.sources import hazard_set_from_rows
from riskengine.perils import register
from riskengine.perils._flux import flux_setup, satellite_id
from riskengine.perils.base import KeyAssumption, Params, Peril, param

SHELL_THICKNESS_KM = 1.0


class CollisionParams(Params):
    avoidance: float = param(
        0.99, ge=0, le=1, allow_inf_nan=False, unit="share",
        description="share of the collision rate with tracked objects (and with other fleet "
                    "satellites) that the operator removes by manoeuvring",
        assumption="operators act on conjunctions at Pc >= 1e-5..1e-4 (Starlink, NASA; "
                   "GUIDE.md); taken as removing 99 % of the tracked-object risk. Not yet "
                   "derived from the operator's threshold and covariance quality (issue #20); "
                   "the report's sensitivity section shows its effect")
    self_factor: float = param(
        0.01, ge=0, le=1, allow_inf_nan=False, unit="share",
        description="share of a shell's random-phase self-crossing rate that remains when "
                    "the Walker shell coordinates its own crossings",
        assumption="a coordinated Walker shell plans its crossings (phasing, altitude "
                   "stagger); 1 % of the kinetic-gas rate is kept")
    shell_thickness_km: float = param(
        SHELL_THICKNESS_KM, ge=0, le=100, allow_inf_nan=False, unit="km",
        description="radial thickness of a Walker shell that declares no altitude_spread_km "
                    "(its satellites are spread uniformly over it; the self-hazard scales "
                    "with its inverse)",
        source="the 2023-10 Space-Track catalog holds 1,322 Starlinks within one km of "
               "547 km (station-keeping keeps a shell about that thin)")
    method: Literal["auto", "flux", "screening"] = param(
        "auto", unit="", description="auto: this portfolio's own screening when the store "
        "holds one on the same catalog, else the flux; flux or screening force one",
        assumption="a screening measures the conjunctions of its window; the flux is the "
                   "long-term base. Both are reported side by side")


@register
class Collision(Peril):
    type = "collision"
    order = 10
    kind = "physical"
    summary = ("collisions with tracked objects and the fleet's own shells (Kessler flux, or "
               "this portfolio's screening), after avoidance; total loss")
    Params = CollisionParams
    default = True
    default_params = {"avoidance": 0.99, "self_factor": 0.01}
    needs = frozenset({"fleet", "catalog"})
    key_assumptions = (KeyAssumption("avoidance", (0.9, 0.999), "collision avoidance (share of tracked-object risk removed)"),
                       KeyAssumption("self_factor", (0.001, 0.1), "own-shell collision factor"))

    def hazard_rows(self, ctx) -> list[dict]:
        p = self.params
        fx = flux_setup(ctx, p.shell_thickness_km)
        orb = fx.orbits
        rates = collision_rates(fx.targets, fx.pop, fx.grid, exclude_self=fx.own,
                                self_factor=p.self_factor)
        by_class = rates.rate_per_year.copy()
        raw = by_class.copy()   # before avoidance and self-coordination
        raw[:, CLASSES.index("FLEET")] += (1.0 - p.self_factor) * rates.own_shell
        by_class *= 1.0 - p.avoidance
        diag = ctx.shared.setdefault("collision", {})
        diag.update(by_class=by_class, unmitigated_by_class=raw)
        alt = orb.alt_km
        rows = []
        for k in range(len(alt)):
            br = ", ".join(f"{c.lower()} {by_class[k, j]:.3g}" for j, c in enumerate(CLASSES))
            rows.append(dict(fleet_group=orb.group[k], satellite_id=satellite_id(orb, k),
                             peril=self.name, scope="satellite",
                             annual_rate=float(by_class[k].sum()), hit_probability=1.0,
                             severity="total", method="flux", altitude_km=float(alt[k]),
                             notes=f"Kessler flux per class /yr after avoidance: {br}"))
        if ctx.screening and p.method != "flux":
            diag["screening_rate"], diag["screening_fleet_rate"] = {}, {}
            for gname, entry in ctx.screening.items():
                pc_sum, days, nsat = entry[:3]
                pc_fleet = entry[3] if len(entry) > 3 else 0.0
                r = screening_annual_rate(pc_sum, days, nsat)
                r_f = screening_annual_rate(pc_fleet, days, nsat)
                diag["screening_rate"][gname] = r
                diag["screening_fleet_rate"][gname] = r_f
                mitigated = (1.0 - p.avoidance) * ((r - r_f) + p.self_factor * r_f)
                ks = [k for k in range(len(alt)) if orb.group[k] == gname]
                rows.append(dict(fleet_group=gname, satellite_id=None, peril=self.name,
                                 scope="satellite", annual_rate=float(mitigated),
                                 hit_probability=1.0, severity="total", method="screening",
                                 altitude_km=float(np.mean(alt[ks])) if ks else None,
                                 notes=f"sum Pc {pc_sum:.3g} over {days:g} d, {nsat} "
                                       f"satellites: {r:.3g}/sat-yr before avoidance "
                                       f"(fleet-vs-fleet {r_f:.3g})"))
        if p.method == "screening" and not ctx.screening:
            from riskengine.errors import ConfigError

            raise ConfigError("perils collision params.method = 'screening', but the store "
                              "holds no screening of this portfolio on this catalog: run "
                              "`riskengine screen CONFIG` first, or use method = 'auto'")
        return rows

    def add_sources(self, hs, ctx) -> None:
        idx = ctx.rows_for(self.name)
        method = {i: ctx.rows["method"][i] for i in idx}
        screened = {ctx.rows["fleet_group"][i] for i in idx if method[i] == "screening"}
        use = [i for i in idx if (method[i] == "screening") == (
            ctx.rows["fleet_group"][i] in screened and self.params.method != "flux")]
        sub = {k: [v[i] for i in use] for k, v in ctx.rows.items()}
        if use:
            hazard_set_from_rows(sub, hs, [self.name])
        ctx.shared.setdefault("collision_method", {}).update(
            {g: ("screening" if g in screened and self.params.method != "flux" else "flux")
             for g in dict.fromkeys(sub.get("fleet_group", []))})
