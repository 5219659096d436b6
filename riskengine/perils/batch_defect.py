"""``type = "batch_defect"``: serial defects shared by the satellites of a production batch.

Constellations accumulate losses through common causes: a design or manufacturing flaw
in one production lot (Orbcomm AIS 2008: all six affected, four lost; Boeing 702 solar
concentrators; O3b mPOWER power modules; ``serial_defects.csv``). The fleet is cut into
batches of ``batch_size`` consecutive satellites per group (a launch cohort); in a policy
year each batch reveals a defect with probability ``q`` independently of the others; a
defect is ONE occurrence that affects a share ``A`` of its batch and loses a share ``T``
of the affected satellites, the rest keep flying with a partial loss of
``partial_damage`` of their value (:class:`riskengine.core.sources.BatchSource`).

``A`` and ``T`` come from the documented defects, ``q`` from the unselected constellation
record and its prior (the Bayesian ``batch`` model, :func:`riskengine.models.build_batch_model`);
the record barely informs ``q``, so the fit flags it as prior-dominated and the
sensitivity analysis moves it.

Examples
--------
>>> from riskengine.perils import validate_entry
>>> validate_entry({"type": "batch_defect", "params": {"batch_size": 40}}).params.batch_size
40
"""

from __future__ import annotations

import numpy as np

from riskengine.core.posterior import batch_draws
from riskengine.perils import register
from riskengine.perils.base import KeyAssumption, Params, Peril, param


class BatchDefectParams(Params):
    batch_size: int = param(
        60, unit="satellites", ge=1, le=100_000,
        description="satellites per production batch / launch cohort (consecutive "
                    "satellites of a fleet group); a defect is shared within a batch",
        assumption="named assumption: a launch cohort of 60, the Starlink v1.0 batch size "
                   "(bus_batches.csv); set the operator's production lot size")
    defect_probability: float | None = param(
        None, unit="1/batch-year", ge=0, le=1,
        description="probability that a batch reveals a serial defect in a year (default: "
                    "the posterior of the batch model)",
        assumption="prior Beta(1, 19) per batch-year in assumptions.toml [batch_defect]; the "
                   "constellation record barely informs it (flagged prior-dominated)")
    partial_damage: float | None = param(
        None, unit="share of value", ge=0, le=1,
        description="value lost by an affected satellite that keeps flying (default: "
                    "assumptions.toml [batch_defect] partial_damage)",
        source="Boeing 702 concentrator power fade 18 -> 12 kW (a third; Flight Global); "
               "PAS-7 CTL after a >25 % power loss (Flight Global)")


@register
class BatchDefect(Peril):
    type = "batch_defect"
    order = 55
    kind = "physical"
    summary = ("serial defects per production batch: one occurrence that affects a share "
               "of the batch's satellites, total or partial (Bayesian batch model)")
    Params = BatchDefectParams
    default = True
    needs = frozenset({"fleet", "posterior"})
    key_assumptions = (
        KeyAssumption("defect_probability", (0.01, 0.2),
                      "serial-defect probability per batch-year"),
    )

    def add_sources(self, hs, ctx) -> None:
        post = ctx.posterior
        if post is None:
            raise ValueError("the batch_defect peril needs the Bayesian posterior (the fit "
                             "stage)")
        n = post.n_draws
        draws = batch_draws(post, n)
        q = self.params.defect_probability
        if q is not None:
            draws["defect_probability"] = np.full(n, float(q))
        partial = self.params.partial_damage
        if partial is None:
            partial = float(post.assumptions.get("batch_defect", {}).get("partial_damage", 0.33))
        hs.add_batch_defects(self.name, self.params.batch_size, draws, partial)
