"""Posterior draws shared by the hardware and radiation perils of one run."""

from __future__ import annotations

import numpy as np

from riskengine.core.posterior import fleet_hazard_draws


def group_draws(ctx) -> dict:
    """Per-draw hazards of the run's fleet (:func:`riskengine.core.posterior.fleet_hazard_draws`:
    ``hardware``, ``accelerator``, ``radiation_mu`` / ``radiation_sigma`` (failure dose), ...
    each ``(n_draws, n_groups)``), computed once per run (cached in ``ctx.shared``): one
    draw selection for every peril, reproducible from the run's seed."""
    if "posterior_draws" not in ctx.shared:
        if ctx.posterior is None:
            raise ValueError("the hardware and radiation perils need the Bayesian posterior "
                             "(the fit stage)")
        ctx.shared["posterior_draws"] = fleet_hazard_draws(
            ctx.posterior, ctx.fleet.groups, rng=np.random.default_rng(ctx.seed),
            as_of=ctx.as_of)
    return ctx.shared["posterior_draws"]
