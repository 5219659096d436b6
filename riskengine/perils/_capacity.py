"""Accelerator capacity shared by the perils that damage the compute payload.

Random unit failures (``hardware``, ``accelerator_attrition``) and radiation damage
(``radiation``) draw on the same accelerators and the same spares of each satellite: each
peril registers its per-unit failure probabilities here, and :func:`finalize` adds ONE
:class:`~riskengine.core.sources.CapacitySource` for all of them after every peril has
spoken (:func:`riskengine.stages.build_hazard_set` calls it).
"""

from __future__ import annotations

import numpy as np

KEY = "capacity"


def register(ctx, cause: str, label: str, probabilities: dict[str, np.ndarray],
             used_before: dict[str, np.ndarray] | None = None) -> None:
    """Register ``{group: per-unit annual failure probability per draw}`` for ``cause``
    (``"random"`` or ``"dose"``) under the loss label ``label``; ``used_before``: expected
    unit failures per satellite before the insured year (they used spares)."""
    reg = ctx.shared.setdefault(KEY, {})
    if cause in reg:
        raise ValueError(f"two perils model {cause} accelerator failures ({reg[cause][0]!r} and "
                         f"{label!r}); list only one of them")
    reg[cause] = (label, probabilities)
    if used_before:
        used = ctx.shared.setdefault(KEY + "_used", {})
        for g, v in used_before.items():
            used[g] = used.get(g, 0.0) + np.asarray(v, float)


def spares(group) -> int:
    """Cold spares of one satellite: ``round(accelerators x accelerator_spares)``."""
    return int(round(int(group.accelerators) * float(group.accelerator_spares)))


def finalize(hs, ctx) -> None:
    reg = ctx.shared.get(KEY)
    if not reg:
        return
    groups = [g for g in ctx.fleet.groups if getattr(g, "accelerators", 0)]
    if not groups:
        return
    rand = reg.get("random", (None, {}))
    dose = reg.get("dose", (None, {}))
    names = [g.name for g in groups]
    hs.add_capacity_draws(
        rand[0], dose[0],
        {n: np.asarray(rand[1].get(n, 0.0), float) for n in names},
        {n: np.asarray(dose[1].get(n, 0.0), float) for n in names},
        {g.name: int(g.accelerators) for g in groups},
        {g.name: spares(g) for g in groups},
        {g.name: float(g.payload_share) for g in groups},
        ctx.shared.get(KEY + "_used"))
