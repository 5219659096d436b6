"""``type = "common_shock"``: shared events that hit many fleet satellites at once.

Poisson(``rate``) events a year (storms, debris clouds); each event hits every satellite of
the listed groups (default: all; optionally only those at or below ``max_altitude_km``)
independently with ``satellite_probability`` and destroys ``damage_fraction`` of its
capacity (1: total loss). The correlated peril of a constellation book.

Examples
--------
>>> from riskengine.perils import validate_entry
>>> e = validate_entry({"type": "common_shock", "rate": 0.2, "satellite_probability": 0.005})
>>> e.damage_fraction
1.0
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from riskengine.perils import register
from riskengine.perils.base import Entry, Peril


class CommonShockEntry(Entry):
    type: Literal["common_shock"]
    rate: float = Field(..., ge=0, le=1e4, allow_inf_nan=False, description="events per year")
    satellite_probability: float = Field(..., ge=0, le=1, allow_inf_nan=False,
                                         description="probability an event hits a satellite")
    groups: list[str] | None = Field(None, description="fleet groups hit (default: all)")
    max_altitude_km: float | None = Field(None, gt=0, allow_inf_nan=False,
                                          description="only satellites at or below this altitude")
    damage_fraction: float = Field(1.0, gt=0, le=1, allow_inf_nan=False,
                                   description="capacity lost per hit (1: total loss)")


@register
class CommonShock(Peril):
    type = "common_shock"
    order = 30
    kind = "generic"
    summary = "shared Poisson events; each hits every fleet satellite with a probability"
    EntryModel = CommonShockEntry

    def add_sources(self, hs, ctx) -> None:
        e = self.entry
        hs.add_common_shock(self.name, e.rate, e.satellite_probability, e.groups,
                            e.damage_fraction, e.max_altitude_km, ctx.fleet.satellite_altitude_km)
