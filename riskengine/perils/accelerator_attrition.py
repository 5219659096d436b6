"""``type = "accelerator_attrition"``: accelerators fail at a fixed rate (instead of the
posterior of the ``hardware`` peril).

Semantics (GUIDE contract, checked exactly by ``tests/test_capacity.py``): in a policy year
each active unit fails with probability ``1 - exp(-rate_per_unit_year)``, independently;
failed units are replaced from the satellite's own spares (``round(accelerators x
accelerator_spares)``) while they last, and replacements do not fail again that year;
capacity lost is ``max(0, K - spares) / accelerators`` with
``K ~ Binomial(accelerators, p)``, a partial loss of ``payload_share`` of the sum insured
in that proportion — one claim per satellite and year, after the per-satellite deductible.

Examples
--------
>>> from riskengine.perils import validate_entry
>>> validate_entry({"type": "accelerator_attrition",
...                 "params": {"rate_per_unit_year": 0.02}}).params.rate_per_unit_year
0.02
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from riskengine.perils import _capacity as capacity
from riskengine.perils import register
from riskengine.perils.base import Entry, Params, Peril


class AttritionParams(Params):
    rate_per_unit_year: float = Field(..., ge=0, le=100, allow_inf_nan=False,
                                      description="permanent failures per accelerator-year")


class AttritionEntry(Entry):
    type: Literal["accelerator_attrition"]
    params: AttritionParams = Field(..., description="the fixed unit failure rate")
    groups: list[str] | None = Field(None, description="fleet groups (default: all with "
                                     "accelerators)")


@register
class AcceleratorAttrition(Peril):
    type = "accelerator_attrition"
    kind = "generic"
    order = 40
    summary = ("accelerators failing at a fixed rate per unit-year, replaced from each "
               "satellite's spares; capacity lost beyond them is a partial loss")
    EntryModel = AttritionEntry

    def add_sources(self, hs, ctx) -> None:
        p = -np.expm1(-self.entry.params.rate_per_unit_year)
        names = self.entry.groups or [g.name for g in ctx.fleet.groups]
        capacity.register(ctx, "random", self.name, {n: np.array([p]) for n in names})
