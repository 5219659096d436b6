"""``type = "compound"``: frequency × severity in USD per occurrence, not tied to satellites.

For claims an underwriter prices from a rate and a size distribution (ground segment,
third-party liability, launch services): ``frequency = {distribution = "poisson", mean = …}``
(or ``negative_binomial``) and ``severity = {distribution = "lognormal", mu = …, sigma = …}``
(or exponential, gamma, pareto, weibull, uniform, empirical). Every occurrence is its own
event: the per-satellite deductible does not apply, occurrence and aggregate terms do.

Examples
--------
>>> from riskengine.perils import validate_entry
>>> e = validate_entry({"type": "compound", "name": "misc",
...     "frequency": {"distribution": "poisson", "mean": 3},
...     "severity": {"distribution": "exponential", "mean": 1e6}})
>>> e.frequency.moments()
(3.0, 3.0)
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from riskengine.core.sources import CompoundSource
from riskengine.perils import register
from riskengine.perils.base import Entry, Peril
from riskengine.perils.distributions import Frequency, Severity


class CompoundEntry(Entry):
    type: Literal["compound"]
    frequency: Frequency = Field(..., description="occurrences per year")
    severity: Severity = Field(..., description="USD per occurrence")


@register
class Compound(Peril):
    type = "compound"
    order = 10
    kind = "generic"
    summary = "frequency x severity in USD per occurrence (not tied to fleet satellites)"
    EntryModel = CompoundEntry
    needs = frozenset()

    def add_sources(self, hs, ctx) -> None:
        hs.sources.append(CompoundSource(self.name, self.entry.frequency, self.entry.severity))
