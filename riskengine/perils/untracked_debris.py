"""``type = "untracked_debris"``: hits by 1–10 cm debris that cannot be tracked or avoided.

The flux of the tracked debris population through each fleet orbit, scaled by the
number of 1–10 cm objects per tracked one (``ratio``; ESA MASTER / NASA ORDEM power
laws), split by :func:`riskengine.core.debris.untracked_damage` into hits that the
shielding stops, hits that perforate (a partial loss, Beta severity: label
``<name>_partial``) and hits at or above the catastrophic 40 J/g energy (total loss).

Examples
--------
>>> from riskengine.perils import get
>>> get("untracked_debris").Params().ratio
20.0
"""

from __future__ import annotations

import numpy as np

from riskengine.core import debris as dbr
from riskengine.core.flux import CLASSES, collision_rates
from riskengine.perils import register
from riskengine.perils._flux import flux_setup, satellite_id
from riskengine.perils.base import KeyAssumption, Params, Peril, param


class UntrackedDebrisParams(Params):
    ratio: float = param(
        dbr.UNTRACKED_RATIO, gt=0, le=1e4, allow_inf_nan=False, unit="objects per tracked object",
        description="1-10 cm objects per tracked (> 10 cm) debris object",
        source="ESA Space Environment Report (MASTER-8): ~36,500 objects > 10 cm and "
               "~1,000,000 of 1-10 cm (27:1); NASA ORDEM 3.x ~18:1; GUIDE.md uses ~20:1")
    beta: float | None = param(
        None, gt=0, le=5, allow_inf_nan=False, unit="",
        description="slope of the cumulative size law N(>d) ~ d^-beta over 1-10 cm "
                    "(default: the slope that gives `ratio` over the decade)",
        source="ESA MASTER-8 / NASA ORDEM 3.x power laws (beta ~1.3-1.45 over 1-10 cm)")


@register
class UntrackedDebris(Peril):
    type = "untracked_debris"
    order = 20
    kind = "physical"
    summary = ("hits by untracked 1-10 cm debris: perforation is a partial loss, hits above "
               "40 J/g a total loss (cannot be avoided)")
    Params = UntrackedDebrisParams
    default = True
    needs = frozenset({"fleet", "catalog"})
    key_assumptions = (KeyAssumption("ratio", (10.0, 40.0), "untracked (1-10 cm) to tracked debris ratio"),)

    def labels(self) -> list[str]:
        return [self.name, f"{self.name}_partial"]

    def hazard_rows(self, ctx) -> list[dict]:
        p = self.params
        fx = flux_setup(ctx, ctx.params_of("collision").shell_thickness_km)
        orb = fx.orbits
        beta = float(p.beta if p.beta is not None else dbr.power_law_beta(p.ratio))
        cat = fx.catalog_pop
        deb = (cat.cls == CLASSES.index("DEBRIS")) | (cat.cls == CLASSES.index("UNKNOWN"))
        small = cat.subset(deb)
        small.radius_m = np.zeros(int(deb.sum()))
        hits = collision_rates(fx.targets, small, fx.grid).total
        n_between = float(dbr.count_between(1.0, dbr.UNTRACKED_MIN_CM, dbr.TRACKED_MIN_CM, beta))
        rate = hits * n_between
        ctx.shared.setdefault("untracked_debris", {})["rate"] = rate
        partial = self.labels()[1]
        rows = []
        for k in range(len(orb.alt_km)):
            dm = dbr.untracked_damage(orb.shielding_mm[k], orb.mass_kg[k], beta=beta)
            note = (f"1-10 cm flux {rate[k]:.3g}/yr ({p.ratio:g}:1 vs tracked debris, "
                    f"beta {beta:.3f}; ESA MASTER / NASA ORDEM); shield stops < "
                    f"{dm['d_crit_cm']:.2f} cm, total >= {dm['d_cat_cm']:.2f} cm (40 J/g)")
            common = dict(fleet_group=orb.group[k], satellite_id=satellite_id(orb, k),
                          scope="satellite", hit_probability=1.0, method="flux",
                          altitude_km=float(orb.alt_km[k]))
            rows.append(dict(common, peril=self.name, annual_rate=float(rate[k] * dm["p_total"]),
                             severity="total", notes=note))
            rows.append(dict(common, peril=partial, annual_rate=float(rate[k] * dm["p_partial"]),
                             severity="beta", severity_a=dm["beta_a"], severity_b=dm["beta_b"],
                             notes=note + f"; partial loss mean {dm['partial_mean']:.3f}"))
        return rows
