"""Accelerator capacity shared by the perils that damage the compute payload.

Random unit failures (``hardware``, ``accelerator_attrition``) and radiation damage
(``radiation``, and the correlated ``solar_particle_event`` shock) draw on the same
accelerators and the same spares of each satellite: each peril registers what it knows
here, and :func:`finalize` adds ONE :class:`~riskengine.core.sources.CapacitySource` for all
of them after every peril has spoken (:func:`riskengine.stages.build_hazard_set` calls it).

Dose, without and with simulated solar particle events
    The ``radiation`` peril registers per group and posterior draw the probability that an
    accelerator reaches its failure dose in the insured year at the EXPECTED yearly dose
    (trapped + mean solar protons), and the pieces it came from (``dose_response``: the
    lognormal failure dose, the dose taken before the year, the trapped and the mean solar
    dose of the year). When the ``solar_particle_event`` peril is present too, the year's
    solar dose is sampled instead of averaged: :func:`finalize` recomputes the static part
    at the trapped dose only and hands the engine what it needs to add each simulated year's
    sampled solar dose (:class:`~riskengine.core.sources.SolarDose`) — the mean solar dose is
    never counted twice.
"""

from __future__ import annotations

import numpy as np

from riskengine.core.radiation import conditional_failure_probability
from riskengine.errors import ConfigError

KEY = "capacity"


def register(ctx, cause: str, label: str, probabilities: dict[str, np.ndarray],
             used_before: dict[str, np.ndarray] | None = None, *,
             dose_response: dict[str, dict] | None = None) -> None:
    """Register ``{group: per-unit annual failure probability per draw}`` for ``cause``
    (``"random"`` or ``"dose"``) under the loss label ``label``; ``used_before``: expected
    unit failures per satellite before the insured year (they used spares).

    ``dose_response`` (cause ``"dose"``): ``{group: dict(mu, sigma, dose_before, trapped,
    solar_mean)}`` — the lognormal failure dose per draw (ln rad(Si)), the dose taken before
    the year and the trapped and expected solar dose of the year (rad(Si)), from which
    ``probabilities`` were computed; needed when solar events are simulated.
    """
    reg = ctx.shared.setdefault(KEY, {})
    if cause in reg:
        raise ValueError(f"two perils model {cause} accelerator failures ({reg[cause][0]!r} and "
                         f"{label!r}); list only one of them")
    reg[cause] = (label, probabilities)
    if dose_response is not None:
        ctx.shared[KEY + "_dose_response"] = dose_response
    if used_before:
        used = ctx.shared.setdefault(KEY + "_used", {})
        for g, v in used_before.items():
            used[g] = used.get(g, 0.0) + np.asarray(v, float)


def register_solar_events(ctx, label: str, rad_per_fluence: dict[str, float]) -> None:
    """Register the solar-particle-event peril ``label`` (its events were added to the
    engine input as a :class:`~riskengine.core.sources.SolarEventSource`) and each group's
    dose per unit event fluence (rad(Si) per proton/cm^2 above 30 MeV)."""
    if KEY + "_solar" in ctx.shared:
        raise ValueError(f"two solar-particle-event perils ({ctx.shared[KEY + '_solar'][0]!r} "
                         f"and {label!r}); list only one of them")
    ctx.shared[KEY + "_solar"] = (label, dict(rad_per_fluence))


def spares(group) -> int:
    """Cold spares of one satellite: ``round(accelerators x accelerator_spares)``."""
    return int(round(int(group.accelerators) * float(group.accelerator_spares)))


def finalize(hs, ctx) -> None:
    reg = ctx.shared.get(KEY, {})
    solar = ctx.shared.get(KEY + "_solar")
    response = ctx.shared.get(KEY + "_dose_response")
    if solar is not None and "dose" not in reg:
        raise ConfigError(f"peril {solar[0]!r} (solar_particle_event) raises the accelerators' "
                          "failure probability through the radiation peril's failure dose: "
                          "add [[perils]] type = \"radiation\" to the portfolio")
    if not reg:
        return
    groups = [g for g in ctx.fleet.groups if getattr(g, "accelerators", 0)]
    if not groups:
        return
    rand = reg.get("random", (None, {}))
    dose = reg.get("dose", (None, {}))
    names = [g.name for g in groups]
    p_dose = {n: np.asarray(dose[1].get(n, 0.0), float) for n in names}
    solar_dose = None
    if solar is not None and response is not None:
        from riskengine.core.sources import SolarDose

        names_r = [n for n in names if n in response]
        # the static part without the mean solar dose: the sampled events replace it
        for n in names_r:
            r = response[n]
            p_dose[n] = conditional_failure_probability(r["dose_before"], r["trapped"],
                                                        r["mu"], r["sigma"])
        solar_dose = SolarDose(
            peril=solar[0],
            rad_per_fluence={n: float(solar[1].get(n, 0.0)) for n in names_r},
            mu={n: np.asarray(response[n]["mu"], float) for n in names_r},
            sigma={n: np.asarray(response[n]["sigma"], float) for n in names_r},
            dose_before={n: float(response[n]["dose_before"]) for n in names_r},
            dose_year={n: float(response[n]["trapped"]) for n in names_r})
    hs.add_capacity_draws(
        rand[0], dose[0],
        {n: np.asarray(rand[1].get(n, 0.0), float) for n in names},
        p_dose,
        {g.name: int(g.accelerators) for g in groups},
        {g.name: spares(g) for g in groups},
        {g.name: float(g.payload_share) for g in groups},
        ctx.shared.get(KEY + "_used"), solar=solar_dose)
