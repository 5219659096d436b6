"""``type = "hardware"``: bus failures and accelerator attrition from the Bayesian posterior.

Two loss sources per fleet group, one draw of the posterior per simulated year:

* ``hardware`` — the bus fails (total loss) in the insured year ``[age, age + 1)`` with the
  Weibull probability of the group's bus family (Castet & Saleh 2009 infant mortality,
  early Starlink);
* ``accelerator`` — each compute accelerator fails with the in-orbit fault rate of the
  group's device family (ground GPU fleets × an in-orbit factor); a failed accelerator
  loses ``payload_share / accelerators`` of the sum insured; the group's spares absorb the
  first ``accelerator_spares`` share of failures a year.

The posterior comes from ``riskengine fit`` (reused while evidence and model code are
unchanged); see :mod:`riskengine.core.reliability` for the models and priors.

Examples
--------
>>> from riskengine.perils import get
>>> get("hardware").needs >= {"posterior"}
True
"""

from __future__ import annotations

import numpy as np

from riskengine.perils import register
from riskengine.perils._posterior import group_draws
from riskengine.perils.base import Params, Peril


class HardwareParams(Params):
    """No parameters: the posterior carries them (``riskengine fit``)."""


@register
class Hardware(Peril):
    type = "hardware"
    order = 50
    kind = "physical"
    summary = ("bus failure (Weibull, Castet & Saleh) and accelerator attrition (ground GPU "
               "fleets x in-orbit factor) from the Bayesian posterior")
    Params = HardwareParams
    default = True
    needs = frozenset({"fleet", "posterior"})

    def labels(self) -> list[str]:
        return [self.name, "accelerator" if self.name == self.type else f"{self.name}_accelerator"]

    def add_sources(self, hs, ctx) -> None:
        draws = group_draws(ctx)
        groups = ctx.fleet.groups
        names = [g.name for g in groups]
        bus, acc = self.labels()
        hs.add_failure_draws(bus, {n: draws["hardware"][:, j] for j, n in enumerate(names)})
        if np.any(np.asarray(draws["accelerator"]) > 0):
            hs.add_attrition_draws(
                acc, {n: draws["accelerator"][:, j] for j, n in enumerate(names)},
                {g.name: g.accelerators for g in groups},
                {g.name: float(g.payload_share) for g in groups},
                {g.name: float(g.accelerator_spares) for g in groups})
