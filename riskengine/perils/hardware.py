"""``type = "hardware"``: bus failures by subsystem and accelerator attrition from the
Bayesian posterior.

Loss sources per fleet group, one draw of the posterior per simulated year:

* ``hardware:<subsystem>`` — the bus fails (total loss) in the insured year
  ``[age, age + 1)`` with the Weibull probability of the group's bus family (public
  constellation batches, Castet & Saleh 2009 borrowed with a named weight), split by
  subsystem (power, attitude control, payload, propulsion, data handling, thermal, TT&C,
  other) in the shares of ``subsystems.csv`` — published for power (> 25 %), attitude
  control (<= 20 %) and payload (28 %), labelled placeholders for the rest;
* ``accelerator`` — each compute accelerator fails permanently with the in-orbit rate of
  its device family (ground permanent-failure rate x the in-orbit factor ``phi``); a
  failed accelerator lowers the satellite's capacity once its own cold spares
  (``round(accelerators x accelerator_spares)``, less those used since launch) are used
  up: a partial loss of ``payload_share x lost / accelerators`` of its sum insured, one
  claim per satellite and year (:class:`riskengine.core.sources.CapacitySource`;
  radiation damage draws on the same units and spares).

``phi`` is a named assumption (``assumptions.toml [accelerator]``): no in-orbit evidence
informs it and the fit flags it as prior-dominated. ``params = { in_orbit_factor = 1 }``
fixes it; the sensitivity analysis prices phi = 1, 2 and 4.

The posterior comes from ``riskengine fit`` (reused while evidence and model code are
unchanged); see :mod:`riskengine.core.reliability` and :mod:`riskengine.models`.

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
from riskengine.perils.base import KeyAssumption, Params, Peril, param

#: subsystems of the split when the posterior carries none (an older fit)
DEFAULT_SUBSYSTEMS = [{"subsystem": "bus", "share": 1.0, "status": "published",
                       "source": "Castet & Saleh 2009 (all subsystems)"}]


class HardwareParams(Params):
    in_orbit_factor: float | None = param(
        None, unit="x", ge=0.01, le=100,
        description="factor on the ground permanent-failure rate of accelerators in orbit "
                    "(default: its posterior, which is its prior)",
        assumption="named assumption phi: prior median 2 (90 % 0.6-6.3) in assumptions.toml "
                   "[accelerator]; no repair in orbit, thermal cycling, radiation stress; "
                   "the in-orbit record (Starcloud-1, HPE SBC-1) cannot inform it")
    subsystems: bool = param(
        True, description="split bus failures by subsystem (subsystems.csv) in the loss "
                          "tables; false: one 'hardware' label",
        source="subsystem shares: Saleh group EPS paper (power > 25 %), Castet & Saleh ACS "
               "paper (<= 20 %), Frost & Sullivan via TU Delft (payload 28 %), ESA NRPM "
               "Annex A counts for the placeholder rest")


@register
class Hardware(Peril):
    type = "hardware"
    order = 50
    kind = "physical"
    summary = ("bus failure by subsystem (Weibull: constellation batches, Castet & Saleh "
               "borrowed) and permanent accelerator failures (ground GPU fleets x in-orbit "
               "factor) from the Bayesian posterior")
    Params = HardwareParams
    default = True
    needs = frozenset({"fleet", "posterior"})
    key_assumptions = (
        KeyAssumption("in_orbit_factor", (1.0, 2.0, 4.0),
                      "in-orbit accelerator factor phi (x ground permanent-failure rate)"),
    )

    def _subsystems(self, ctx) -> list[dict]:
        if not self.params.subsystems:
            return []
        post = ctx.posterior
        return list(getattr(post, "subsystems", None) or DEFAULT_SUBSYSTEMS)

    def accelerator_label(self) -> str:
        return "accelerator" if self.name == self.type else f"{self.name}_accelerator"

    def labels(self, ctx=None) -> list[str]:
        subs = self._subsystems(ctx) if ctx is not None else []
        bus = [f"{self.name}:{s['subsystem']}" for s in subs] or [self.name]
        return bus + [self.accelerator_label()]

    def add_sources(self, hs, ctx) -> None:
        draws = group_draws(ctx)
        names = [g.name for g in ctx.fleet.groups]
        subs = self._subsystems(ctx)
        if subs:
            for s in subs:
                hs.add_failure_draws(f"{self.name}:{s['subsystem']}", {
                    n: float(s["share"]) * draws["hardware"][:, j] for j, n in enumerate(names)})
        else:
            hs.add_failure_draws(self.name, {n: draws["hardware"][:, j]
                                             for j, n in enumerate(names)})
        phi = self.params.in_orbit_factor
        log_phi = (np.full(len(draws["log_phi"]), np.log(phi)) if phi is not None
                   else np.asarray(draws["log_phi"]))
        rate = draws["accelerator_ground_rate"] * np.exp(log_phi)[:, None]
        if np.any(rate > 0):
            p = -np.expm1(-rate)
            used = {}
            for j, g in enumerate(ctx.fleet.groups):
                if getattr(g, "accelerators", 0):
                    used[g.name] = int(g.accelerators) * rate[:, j] * draws["age"][:, j]
            capacity.register(ctx, "random", self.accelerator_label(),
                              {n: p[:, j] for j, n in enumerate(names)}, used_before=used)
