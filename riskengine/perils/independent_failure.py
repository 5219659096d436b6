"""``type = "independent_failure"``: each fleet satellite lost with a fixed annual probability.

The simplest hardware or infant-mortality model an underwriter writes down directly:
every satellite of the listed groups (default: all) is a total loss with
``annual_probability`` a year, independently (Poisson rate ``-ln(1 - p)``).

Examples
--------
>>> from riskengine.perils import validate_entry
>>> validate_entry({"type": "independent_failure", "annual_probability": 0.01}).annual_probability
0.01
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from riskengine.perils import register
from riskengine.perils.base import Entry, Peril


class IndependentFailureEntry(Entry):
    type: Literal["independent_failure"]
    annual_probability: float = Field(..., ge=0, le=1, allow_inf_nan=False,
                                      description="probability that a satellite is lost in a year")
    groups: list[str] | None = Field(None, description="fleet groups hit (default: all)")


@register
class IndependentFailure(Peril):
    type = "independent_failure"
    order = 20
    kind = "generic"
    summary = "each fleet satellite lost (total loss) with a fixed annual probability"
    EntryModel = IndependentFailureEntry

    def add_sources(self, hs, ctx) -> None:
        hs.add_independent_failure(self.name, self.entry.annual_probability, self.entry.groups)
