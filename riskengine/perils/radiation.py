"""``type = "radiation"``: accelerators reaching their functional-failure dose.

Per posterior draw and fleet group: the annual total ionising dose behind the group's
shielding (trapped particles at its altitude and inclination, plus the mean solar
particle event dose) against a lognormal dose to functional failure (TPU v6e beam
tests), as the probability that an accelerator fails in the insured year given it had
not. Radiation failures draw on the same accelerators and spares as random failures (the
spares are irradiated too): see :class:`riskengine.core.sources.CapacitySource` and
:mod:`riskengine.core.radiation`.

Examples
--------
>>> from riskengine.perils import get
>>> get("radiation").default
True
"""

from __future__ import annotations

import numpy as np

from riskengine.perils import _capacity as capacity
from riskengine.perils import register
from riskengine.perils._posterior import group_draws
from riskengine.perils.base import Params, Peril


class RadiationParams(Params):
    """No parameters: the posterior and ``assumptions.toml`` carry them."""


@register
class Radiation(Peril):
    type = "radiation"
    order = 60
    kind = "physical"
    summary = ("total ionising dose behind the shielding vs a lognormal failure dose of the "
               "accelerators (Bayesian posterior); partial loss of the payload")
    Params = RadiationParams
    default = True
    needs = frozenset({"fleet", "posterior"})

    def add_sources(self, hs, ctx) -> None:
        draws = group_draws(ctx)
        if np.any(np.asarray(draws["radiation"]) > 0):
            capacity.register(ctx, "dose", self.name, {
                g.name: draws["radiation"][:, j] for j, g in enumerate(ctx.fleet.groups)})
