"""``type = "hardware"``: bus failures and accelerator attrition from the Bayesian posterior.

Two loss sources per fleet group, one draw of the posterior per simulated year:

* ``hardware`` — the bus fails (total loss) in the insured year ``[age, age + 1)`` with the
  Weibull probability of the group's bus family (Castet & Saleh 2009 infant mortality,
  early Starlink);
* ``accelerator`` — each compute accelerator fails with the in-orbit fault rate of the
  group's device family (ground GPU fleets × an in-orbit factor); a failed accelerator
  lowers the satellite's capacity once its own cold spares
  (``round(accelerators x accelerator_spares)``) are used up: a partial loss of
  ``payload_share x lost / accelerators`` of its sum insured, one claim per satellite and
  year (:class:`riskengine.core.sources.CapacitySource`; radiation damage draws on the same
  units and spares).

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

from riskengine.perils import _capacity as capacity
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
        names = [g.name for g in ctx.fleet.groups]
        bus, acc = self.labels()
        hs.add_failure_draws(bus, {n: draws["hardware"][:, j] for j, n in enumerate(names)})
        if np.any(np.asarray(draws["accelerator"]) > 0):
            capacity.register(ctx, "random", acc,
                              {n: draws["accelerator"][:, j] for j, n in enumerate(names)})
