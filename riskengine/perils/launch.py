"""``type = "launch"``: the launch vehicle fails and every satellite on board is lost.

For a portfolio with a deployment plan (``[[launch]]`` / ``[[launch_schedule]]``) under
``[policy] cover = "launch_plus_one_year"``: each launch fails with the probability of its
vehicle family, and a failure is ONE occurrence losing every satellite on board (up to
hundreds: the correlated loss of a constellation build-out,
:class:`riskengine.core.campaign.LaunchFailureSource`). Without a plan, or under in-orbit
cover, the peril adds nothing.

The probability per launch, per posterior draw:

* ``failure_probability`` of the ``[[launch]]`` entry when given (fixed);
* else the family's posterior ``p`` of the launch-failure model
  (:func:`riskengine.models.build_launch_model`, fitted to the launch record
  ``riskengine/data/launch/launch_record.csv``);
* a family without flights in the record is a new vehicle: a new family from the
  hierarchical prior (``mu + sigma z`` with ``z ~ Normal(0, 1)``), its first launch with
  the fitted early-flight excess ``delta``. The run is flagged
  (``launch_vehicle_without_record``), as it is for a record of suborbital test flights
  only (``launch_record_suborbital``).

Examples
--------
>>> from riskengine.perils import get
>>> get("launch").default, get("launch").order < get("deployment").order
(True, True)
"""

from __future__ import annotations

import numpy as np

from riskengine.core.campaign import LaunchFailureSource
from riskengine.perils import register
from riskengine.perils.base import KeyAssumption, Params, Peril, param

#: a family with fewer flights than this in the record gets an info flag
FEW_FLIGHTS = 10


class LaunchParams(Params):
    """The launch record's posterior (or the plan's fixed probabilities) carries the failure
    probabilities; ``reliability_factor`` scales them for the sensitivity analysis."""

    reliability_factor: float = param(
        1.0, gt=0, le=20, allow_inf_nan=False, unit="x",
        description="multiplier on every launch's failure probability (capped at 1)",
        assumption="1 = the public launch record as fitted; moved to 0.5 and 2 in the "
                   "sensitivity section, because a new vehicle's first flights (Starship) "
                   "carry far more uncertainty than the record's posterior interval shows")


def _invlogit(x):
    return 1.0 / (1.0 + np.exp(-x))


def failure_probabilities(plan, post, seed: int):
    """``(n_draws, n_launches)`` failure probability of each launch per draw, and the flags.

    Examples
    --------
    >>> import datetime as dt
    >>> from types import SimpleNamespace as NS
    >>> L = [NS(vehicle="falcon9", failure_probability=0.1, date=dt.date(2027, 1, 1))]
    >>> p, flags = failure_probabilities(NS(launches=L), None, 0)
    >>> p.tolist(), flags
    ([[0.1]], [])
    """
    launches = plan.launches
    need = [i for i, x in enumerate(launches) if x.failure_probability is None]
    if need and post is None:
        raise ValueError("the launch peril needs the launch-failure posterior (`riskengine "
                         "fit`) for launches without failure_probability")
    n_d = post.n_draws if need else 1
    out = np.empty((n_d, len(launches)))
    flags = []
    if not need:
        out[:] = [x.failure_probability for x in launches]
        return out, flags
    fitted = set(post.coords("launch", "p"))
    record = (post.assumptions or {}).get("launch_record", {})
    mu, sigma, delta = (post.get("launch", k) for k in ("mu", "sigma", "delta"))
    rng = np.random.default_rng([int(seed), 22])
    new_z: dict = {}
    seen: set = set()
    for i, x in enumerate(launches):
        fam = x.vehicle
        if x.failure_probability is not None:
            out[:, i] = x.failure_probability
            continue
        if fam in fitted:
            out[:, i] = post.get("launch", "p", fam)
            r = record.get(fam, {})
            if r.get("orbital") == "no":
                flags.append(("launch_record_suborbital", (
                    f"vehicle {fam!r}: its record is {r.get('flights')} suborbital test "
                    f"flights ({r.get('failures')} failures, {r.get('partial')} partial, to "
                    f"{r.get('as_of')}), no orbital launch: the failure probability "
                    f"(posterior mean {out[:, i].mean():.1%}) rests on test flights, a model "
                    "outside its evidence for operational launches")))
            elif r and r.get("flights", FEW_FLIGHTS) < FEW_FLIGHTS:
                flags.append(("launch_few_flights", (
                    f"vehicle {fam!r} has flown {r.get('flights')} times ({r.get('failures')} "
                    f"failures, to {r.get('as_of')}): its failure probability (posterior mean "
                    f"{out[:, i].mean():.1%}) leans on the prior across families")))
            continue
        if fam not in new_z:
            new_z[fam] = rng.standard_normal(len(mu))
        eta = mu + sigma * new_z[fam] + (delta if fam not in seen else 0.0)
        seen.add(fam)
        out[:, i] = _invlogit(eta)
        flags.append(("launch_vehicle_without_record", (
            f"vehicle {fam!r} has no flights in the launch record: it is priced as a new "
            f"vehicle from the hierarchical prior (first flight posterior mean "
            f"{_invlogit(mu + sigma * new_z[fam] + delta).mean():.0%}, later flights "
            f"{_invlogit(mu + sigma * new_z[fam]).mean():.0%}), a model outside its "
            "evidence; set failure_probability on its [[launch]] entries or add the family "
            "to riskengine/data/launch/launch_record.csv")))
    return out, list(dict.fromkeys(flags))


@register
class Launch(Peril):
    type = "launch"
    order = 45
    kind = "physical"
    summary = ("launch failure: every satellite on board lost in one occurrence, with the "
               "vehicle family's failure probability from the public launch record "
               "(hierarchical Bayesian, new-vehicle prior from first flights)")
    Params = LaunchParams
    default = True
    needs = frozenset({"fleet"})
    key_assumptions = (KeyAssumption("reliability_factor", (0.5, 2.0),
                                     "launch failure probability x"),)

    def runtime_needs(self, portfolio) -> frozenset:
        """``posterior`` too when a covered launch has no fixed ``failure_probability``."""
        covered = getattr(portfolio.policy, "cover", "") == "launch_plus_one_year"
        if covered and any(x.failure_probability is None for x in portfolio.all_launches()):
            return self.needs | {"posterior"}
        return self.needs

    def add_sources(self, hs, ctx) -> None:
        plan = ctx.shared.get("launch_plan")
        if plan is None or not plan.covered:
            return
        # the same for every hazard set assembled from these loss inputs (the sensitivity
        # cases: ~1 s for 4,000 launches of 8,000 draws): computed once per plan
        memo = plan.__dict__.setdefault("_failure_probabilities", {})
        key = (id(ctx.posterior), ctx.seed)
        if key not in memo:
            p, flags = failure_probabilities(plan, ctx.posterior, ctx.seed)
            # (x 1, the configured factor's array: one (draws x launches) array for every
            # case but the launch peril's own, not a copy of 256 MB each)
            memo[key] = (ctx.posterior, (p, flags), np.minimum(np.asarray(p, float) * 1.0, 1.0))
        (p, flags), as_is = memo[key][1], memo[key][2]
        factor = self.params.reliability_factor
        p = as_is if factor == 1.0 else np.minimum(np.asarray(p, float) * factor, 1.0)
        for code, message in flags:
            plan.flag(code, message)
        plan.failure_probability = p
        plan.core.phase_of[self.name] = 0
        hs.sources.append(LaunchFailureSource(self.name, plan.core.units, p))
