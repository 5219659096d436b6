"""``type = "cluster_collision"``: collisions between satellites of a formation-flying
cluster.

For every fleet group with a ``formation`` (``[[fleet]] formation = { satellites = 81,
min_separation_m = 100, accuracy_m = 5 }``): clusters of ``satellites`` consecutive
satellites; each neighbour pair meets at its nominal minimum separation twice an orbit,
slowly, and collides with the expected number given by Hall's 3D-Nc for the formation's
relative position error (:mod:`riskengine.core.formation`). A collision is one occurrence:
the two satellites are lost (``pair_damage``) and the fragments hit each other satellite of
the cluster with ``fragment_probability`` (``fragment_damage``).

The price is dominated by the formation accuracy against the separation (3D-Nc falls by
orders of magnitude per metre of accuracy): the sensitivity table prices PRISMA-class
(0.1 m), TanDEM-X cross-track (5 m) and along-track (30 m) accuracy.

Examples
--------
>>> from riskengine.perils import validate_entry
>>> validate_entry({"type": "cluster_collision"}).params.fragment_probability
0.01
"""

from __future__ import annotations

import numpy as np

from riskengine.core.formation import cluster_collision_rate
from riskengine.perils import register
from riskengine.perils.base import KeyAssumption, Params, Peril, param


class ClusterCollisionParams(Params):
    accuracy_m: float | None = param(
        None, unit="m", ge=0, le=10_000,
        description="1-sigma relative position error per axis for every cluster (default: "
                    "each group's formation.accuracy_m)",
        source="formation accuracy flown: PRISMA real-time relative navigation 0.1 m, control "
               "a few tenths of metres (Gill, D'Amico & Montenbruck, JGCD 30(5) 2007); "
               "TanDEM-X 5 m RMS cross-track, 30 m along-track (SpaceOps 2012, "
               "doi 10.2514/6.2012-1275094)")
    pair_damage: float = param(
        1.0, unit="share of value", ge=0, le=1,
        description="damage to each of the two colliding satellites",
        assumption="named assumption: both lost — at the formation's relative speeds "
                   "(centimetres to decimetres per second) the impact energy is small, but "
                   "large solar arrays and radiators entangle and attitude control is lost; "
                   "the issue's loss definition")
    fragment_probability: float = param(
        0.01, unit="per satellite", ge=0, le=1,
        description="probability that the fragments of a collision hit each other "
                    "satellite of the cluster",
        assumption="named assumption: a low-speed contact sheds few fragments (the NASA "
                   "Standard Breakup Model's catastrophic threshold, 40 J/g, is far above "
                   "it), but they stay in the cluster's volume")
    fragment_damage: float = param(
        1.0, unit="share of value", ge=0, le=1,
        description="damage of a fragment hit",
        assumption="named assumption: a fragment hit on a satellite in the cluster is a total "
                   "loss (conservative)")


@register
class ClusterCollision(Peril):
    type = "cluster_collision"
    order = 15
    kind = "physical"
    summary = ("collisions inside formation-flying clusters: neighbour approaches x Hall "
               "3D-Nc from the formation accuracy; the pair lost, fragments for the rest")
    Params = ClusterCollisionParams
    needs = frozenset({"fleet"})
    key_assumptions = (
        KeyAssumption("accuracy_m", (0.1, 5.0, 30.0),
                      "formation accuracy, 1-sigma per axis (m)"),
    )

    def cluster_rates(self, fleet) -> dict:
        """``{group: cluster_collision_rate(...)}`` of the groups with a formation."""
        out = {}
        for g in fleet.groups:
            f = getattr(g, "formation", None)
            if f is None:
                continue
            if g.altitude_km is None:
                raise ValueError(f"fleet group {g.name!r}: a formation needs a Walker shell "
                                 "(altitude_km) to set the approach speed")
            sigma = f.accuracy_m if self.params.accuracy_m is None else self.params.accuracy_m
            hbr = 2.0 * float(np.sqrt(g.area_m2 / np.pi))     # combined radius of two bodies
            out[g.name] = cluster_collision_rate(f.satellites, f.neighbours, g.altitude_km,
                                                 f.min_separation_m, sigma, hbr)
        return out

    def add_sources(self, hs, ctx) -> None:
        rates = self.cluster_rates(ctx.fleet)
        sizes = {g.name: g.formation.satellites for g in ctx.fleet.groups
                 if getattr(g, "formation", None) is not None}
        p = self.params
        for name, r in rates.items():
            hs.add_cluster_collisions(self.name, sizes[name], {name: r["collisions_per_year"]},
                                      pair_damage=p.pair_damage,
                                      fragment_probability=p.fragment_probability,
                                      fragment_damage=p.fragment_damage)
