"""The exact path: compound perils' aggregate distributions by FFT beside the simulation.

A generic ``type = "compound"`` peril (frequency x severity in USD) has an annual loss whose
distribution :func:`riskengine.core.aggregate.compound_fft` computes exactly (bracketed by
the rounded-down and rounded-up severity). For every compound peril of a run this module
compares that distribution with the run's own simulated years of the peril (its occurrences
after the occurrence terms, the ``elt``): the convergence check of the Monte Carlo that
the report shows. When every peril of the portfolio is compound, the whole portfolio's
annual loss is exact too (the perils are independent, their transforms multiply), after
the aggregate terms and — for quota shares and aggregate layers — after reinsurance.

Rows go to the ``ep_exact`` table (one per peril, perspective and return period; return
period 0 holds the mean).
"""

from __future__ import annotations

import numpy as np

from riskengine.core.aggregate import (N_DEFAULT, Aggregate, compound_fft,
                                       mean_occurrence_loss, occurrence_terms_dist,
                                       severity_dist)
from riskengine.core.ep import RETURN_PERIODS, var_tvar
from riskengine.core.policy import layer

PORTFOLIO = "(portfolio)"
#: |z| above this is a failed check (the simulation disagrees with the exact bracket)
Z_FAIL = 4.0


def _freq(entry):
    f = entry.frequency
    if f.distribution == "poisson":
        return "poisson", {"mean": f.mean}
    return "negative_binomial", {"mean": f.mean, "variance": f.variance}


def peril_aggregates(entry, policy, n: int = N_DEFAULT, h: float | None = None,
                     which=("ground_up", "gross")):
    """``{"ground_up": Aggregate, "gross": Aggregate}`` of one compound peril (gross: its
    occurrences after the policy's occurrence terms)."""
    kind, params = _freq(entry)
    cdf, left, ppf = severity_dist(entry.severity)
    out = {}
    if "ground_up" in which:
        out["ground_up"] = compound_fft(kind, params, cdf, ppf, cdf_left=left, n=n, h=h)
    if "gross" in which:
        franchise = getattr(policy, "occurrence_deductible_type", "straight") == "franchise"
        c, cl, q = occurrence_terms_dist(cdf, left, ppf, policy.occurrence_deductible,
                                         policy.occurrence_limit, franchise)
        out["gross"] = compound_fft(kind, params, c, q, cdf_left=cl, n=n, h=h,
                                    cap=policy.occurrence_limit)
    return out


def peril_means(entry, policy) -> dict:
    """Exact annual means ``E[N] E[Y]`` of a compound peril, ground-up and gross."""
    en = entry.frequency.moments()[0]
    franchise = getattr(policy, "occurrence_deductible_type", "straight") == "franchise"
    return {"ground_up": en * mean_occurrence_loss(entry.severity),
            "gross": en * mean_occurrence_loss(entry.severity, policy.occurrence_deductible,
                                               policy.occurrence_limit, franchise)}


def _rows(peril: str, persp: str, agg: Aggregate, sim: np.ndarray, f=None,
          mean: float | None = None) -> list[dict]:
    xs = np.sort(np.asarray(sim, float))
    n = len(xs)
    rows = []
    lo_m, hi_m = (mean, mean) if mean is not None and np.isfinite(mean) else agg.mean(f)
    m = float(xs.mean()) if n else float("nan")
    se_m = float(xs.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    rows.append(dict(peril=peril, perspective=persp, return_period=0.0,
                     exact=(lo_m + hi_m) / 2, exact_low=lo_m, exact_high=hi_m, simulated=m,
                     std_error=se_m))
    ps = np.array([1 - 1 / rp for rp in RETURN_PERIODS])
    lo, hi = agg.quantile(ps, f)
    for rp, p, a, b in zip(RETURN_PERIODS, ps, lo, hi):
        v, _, se, _ = var_tvar(xs, p)
        rows.append(dict(peril=peril, perspective=persp, return_period=float(rp),
                         exact=(a + b) / 2, exact_low=float(a), exact_high=float(b),
                         simulated=v, std_error=se))
    for r in rows:
        lo_, hi_, s, se = r["exact_low"], r["exact_high"], r["simulated"], r["std_error"]
        gap = 0.0 if lo_ <= s <= hi_ else min(abs(s - lo_), abs(s - hi_))
        r["z"] = gap / se if se and np.isfinite(se) and se > 0 else (0.0 if gap == 0 else np.inf)
        r["seconds"] = agg.seconds
    return rows


def exact_rows(portfolio, res, peril_years) -> list[dict]:
    """Rows of ``ep_exact`` for a run.

    Parameters
    ----------
    portfolio : riskengine.config.Portfolio
    res : riskengine.losses.SimulationResult
    peril_years : callable(peril) -> (loss, ground_up_loss)
        The peril's simulated annual losses (every year, zero years included).
    """
    from riskengine import perils as registry

    objs = registry.instantiate(portfolio.perils) if portfolio.perils is not None else []
    compound = [x for x in objs if x.type == "compound"]
    if not compound:
        return []
    pol = portfolio.policy
    rows: list[dict] = []
    for x in compound:
        a = peril_aggregates(x.entry, pol)
        loss, gu = peril_years(x.name)
        means = peril_means(x.entry, pol)
        rows += _rows(x.name, "ground_up", a["ground_up"], gu, mean=means["ground_up"])
        rows += _rows(x.name, "gross", a["gross"], loss, mean=means["gross"])
    if len(compound) == len(objs):
        rows += portfolio_rows(compound, pol, res)
    return rows


def portfolio_rows(compound, pol, res) -> list[dict]:
    """The portfolio's exact annual loss when all its perils are compound: their sum on a
    common lattice (:func:`riskengine.core.aggregate.compound_sum`), then the aggregate
    terms, then quota shares and aggregate layers."""
    from riskengine.core.aggregate import compound_sum
    from riskengine.core.reinsurance import kind_of

    out = []
    franchise = getattr(pol, "occurrence_deductible_type", "straight") == "franchise"
    for persp in ("ground_up", "gross"):
        parts = []
        for x in compound:
            kind, params = _freq(x.entry)
            cdf, left, ppf = severity_dist(x.entry.severity)
            if persp == "gross":
                cdf, left, ppf = occurrence_terms_dist(cdf, left, ppf, pol.occurrence_deductible,
                                                       pol.occurrence_limit, franchise)
            parts.append((kind, params, cdf, ppf, left,
                          pol.occurrence_limit if persp == "gross" else None))
        total = compound_sum(parts)
        if persp == "ground_up":
            m = sum(peril_means(x.entry, pol)["ground_up"] for x in compound)
            out += _rows(PORTFOLIO, "ground_up", total, res.ground_up, mean=m)
            continue

        def gross_of(s):
            return layer(s, pol.aggregate_deductible, pol.aggregate_limit)

        out += _rows(PORTFOLIO, "gross", total, res.gross, gross_of)
        kinds = {kind_of(ly) for ly in pol.reinsurance}
        if kinds <= {"quota_share", "aggregate"}:
            def net_of(s):
                from riskengine.core.reinsurance import cede

                g = gross_of(s)
                return g - cede(pol.reinsurance, g, np.arange(len(g)), len(g)).ceded.sum(axis=0)

            out += _rows(PORTFOLIO, "net", total, res.net, net_of)
    return out
