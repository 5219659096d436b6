"""The fleet's derelicts in the loss engine: which losses leave one, and how many are
already in orbit at inception.

The collision peril stores one ``derelict`` hazard row per (failing group, band it
crosses). Once every peril has added its loss sources (:func:`finalize`, called by the
stage after them, like :func:`riskengine.perils._capacity.finalize`), the trigger labels are
known: every source whose total losses leave a dead satellite in orbit (the collision
peril's ``derelict_causes``). The engine then draws derelict collisions from the trigger
hits of each simulated year (:class:`riskengine.core.sources.DerelictSource`).

**Carry-over of earlier years.** The engine simulates independent policy years, so the
derelicts of earlier years cannot come from earlier simulated years. They are modelled as
derelicts present at inception: each group's failure rate of the insured year (per
posterior draw, from the trigger sources) carried back over the group's age (launch date
to inception); a satellite that failed ``s`` years ago is in a band while its decay puts
it there (:func:`riskengine.core.derelict.inception_exposure`). Their collisions are
Poisson with that expectation per draw: correlated with the hardware losses through the
posterior draw the year shares. Carrying the insured year's rate back understates the
infant mortality of a young fleet (Weibull shape < 1): a named approximation.
"""

from __future__ import annotations

import numpy as np

from riskengine.core import derelict as drl
from riskengine.core.campaign import _expand
from riskengine.core.posterior import group_age_years
from riskengine.core.sources import BatchSource, EventSource, SatelliteSource


def trigger_labels(labels, causes, exclude) -> list[str]:
    """Labels whose total losses leave a derelict: equal to a cause or ``cause:...``.

    Examples
    --------
    >>> trigger_labels(["hardware:power", "hardware:payload", "batch_defect",
    ...                 "untracked_debris_partial", "untracked_debris", "accelerator"],
    ...                ("hardware", "batch_defect", "untracked_debris"), ("hardware:payload",))
    ['hardware:power', 'batch_defect', 'untracked_debris']
    """
    out = []
    for lab in labels:
        if lab in exclude:
            continue
        if any(lab == c or lab.startswith(c + ":") for c in causes):
            out.append(lab)
    return out


def unit_group_counts(units, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Satellites of each fleet group in each unit of a source: ``(n_units, n_groups)``.

    One ``bincount`` over every unit's satellites (a batch source of a million-satellite
    deployment has ~17,000 units: one ``bincount`` per unit took seconds).

    Examples
    --------
    >>> from riskengine.core.sources import Units
    >>> u = Units(np.array([0, 1, 2, 3]), np.array([0, 3]), np.array([3, 1]))
    >>> unit_group_counts(u, np.array([0, 1, 1, 0]), 2)
    array([[1, 2],
           [1, 0]])
    """
    nu = len(units.size)
    unit, sats = _expand(units, np.arange(nu))    # every unit's satellites, unit by unit
    return np.bincount(unit * n_groups + group[sats],
                       minlength=nu * n_groups).reshape(nu, n_groups)


def failure_rates(hs, labels, n_draws: int) -> np.ndarray:
    """Annual rate per satellite of losses that leave a derelict, per draw and fleet group:
    ``(n_draws, n_groups)`` (mean over the group's satellites)."""
    ng = len(hs.group_names)
    out = np.zeros((n_draws, ng))
    counts = np.bincount(hs.group, minlength=ng).astype(float)
    d = np.arange(n_draws)
    for src in hs.sources:
        if src.peril not in labels:
            continue
        if isinstance(src, SatelliteSource):
            if src.severity != "total":
                continue
            r = src.rates[d % src.n_draws]                               # (n_draws, n_units)
            g = unit_group_counts(src.units, hs.group, ng)
            for u in range(len(src.units.size)):
                out += r[:, u:u + 1] * g[u][None, :]
        elif isinstance(src, EventSource):
            if src.severity != "total":
                continue
            rate = src.rate[d % src.n_draws]
            hp = src.hit_probability[d % src.n_draws]
            g = unit_group_counts(src.units, hs.group, ng)
            for u in range(len(src.units.size)):
                out += (rate * hp[:, u])[:, None] * g[u][None, :]
        elif isinstance(src, BatchSource):
            dd = d % src.n_draws
            a = src.affected_a[dd] / (src.affected_a[dd] + src.affected_b[dd])
            t = src.lost_a[dd] / (src.lost_a[dd] + src.lost_b[dd])
            per_sat = src.defect_probability[dd] * a * t
            # the same rate for every unit: one product with the units' group counts
            out += per_sat[:, None] * unit_group_counts(src.units, hs.group, ng).sum(0)[None, :]
    return out / np.where(counts > 0, counts, 1.0)[None, :]


def finalize(hs, ctx) -> None:
    """Add the derelict sources the collision peril registered (``ctx.shared["derelicts"]``)."""
    specs = ctx.shared.get("derelicts") or []
    summary = ctx.shared.setdefault("derelict_summary", {})
    for spec in specs:
        trig = trigger_labels(hs.perils, spec["causes"], spec["exclude"])
        nd = hs.n_draws
        q = failure_rates(hs, trig, nd)                                # (n_draws, n_groups)
        counts = np.bincount(hs.group, minlength=len(hs.group_names)).astype(float)
        groups = {g.name: g for g in ctx.fleet.groups}
        base: dict[str, np.ndarray] = {}
        for pr in spec["pairs"]:
            gs, gt = pr["source"], pr["target"]
            if gs not in hs.group_names or gt not in hs.group_names:
                continue
            i = hs.group_names.index(gs)
            age = group_age_years(groups.get(gs), ctx.as_of) if gs in groups else 0.0
            expo = drl.inception_exposure(age, pr["delay"], pr["dwell"])
            base[gt] = base.get(gt, np.zeros(nd)) + counts[i] * q[:, i] * expo * pr["rate"]
        for gname in hs.group_names:
            i = hs.group_names.index(gname)
            age = group_age_years(groups.get(gname), ctx.as_of) if gname in groups else 0.0
            life = next((pr.get("lifetime", np.inf) for pr in spec["pairs"]
                         if pr["source"] == gname), np.inf)
            summary[gname] = {
                "derelict_failure_rate": float(q[:, i].mean()), "age_years": age,
                "derelict_lifetime_years": float(life) if np.isfinite(life) else None,
                "derelicts_at_inception": float(drl.derelicts_at_inception(
                    counts[i], q[:, i].mean(), age, life)),
                "inception_derelict_collisions_per_year": float(np.mean(base.get(gname, 0.0)))}
        if spec["pairs"] or base:
            hs.add_derelicts(spec["peril"], trig, [dict(pr) for pr in spec["pairs"]], base)
