"""The PyMC models of the Bayesian hardware and radiation stage (built here, sampled by
:mod:`riskengine.bayes`).

The numeric core they share with the loss engine lives in :mod:`riskengine.core.reliability`
and :mod:`riskengine.core.radiation` (pure NumPy); this module holds only the model
builders, so that the core never imports PyMC. Priors and their justification are in
those modules' docstrings.
"""

from __future__ import annotations

import numpy as np

from riskengine.core.radiation import (MIN_SHIELD_MM, RAD_PRIORS, REF_ALT_KM, REF_SHIELD_MM,
                                       inclination_factor)
from riskengine.core.reliability import ACCEL_PRIORS, BATCH_PRIORS, BUS_PRIORS

def build_bus_model(ev, priors=None):
    """PyMC model of bus failure from a :class:`riskengine.evidence.BusEvidence`.

    Free parameters: ``mu_h, sigma_h, mu_k, sigma_k, z_h[family], z_k[family]``;
    deterministic ``log_h1[family]``, ``shape[family]``, ``r1[family]`` (reliability at 1 yr).

    Likelihood: first-year failures of each constellation batch,
    ``failed ~ Binomial(launched, 1 - exp(-H1))``; individual unit histories
    (``log h(t) - H(t)`` for failures, ``-H(t)`` for censored units); and for a family
    with a borrowed published fit (``ev.borrowed``: Castet & Saleh 2009 for
    ``conventional``) a normal term on ``(log H1, log k)`` with the Fisher information of
    its named effective sample size (:func:`riskengine.core.reliability.borrowed_weibull_prior`).

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> m = build_bus_model(load_evidence().bus)
    >>> sorted(m.coords["family"])[:2]
    ['conventional', 'iridium_next']
    """
    import pymc as pm
    import pytensor.tensor as pt

    from riskengine.core.reliability import borrowed_weibull_prior

    p = {**BUS_PRIORS, **(priors or {})}
    with pm.Model(coords={"family": ev.families}) as model:
        mu_h = pm.Normal("mu_h", *p["mu_h"])
        sigma_h = pm.HalfNormal("sigma_h", p["sigma_h"])
        mu_k = pm.Normal("mu_k", *p["mu_k"])
        sigma_k = pm.HalfNormal("sigma_k", p["sigma_k"])
        z_h = pm.Normal("z_h", 0, 1, dims="family")
        z_k = pm.Normal("z_k", 0, 1, dims="family")
        log_h1 = pm.Deterministic("log_h1", mu_h + sigma_h * z_h, dims="family")
        log_k = mu_k + sigma_k * z_k
        shape = pm.Deterministic("shape", pt.exp(log_k), dims="family")
        pm.Deterministic("r1", pt.exp(-pt.exp(log_h1)), dims="family")
        h1 = pt.exp(log_h1)
        for fam, spec in (ev.borrowed or {}).items():
            if not spec or fam not in ev.families:
                continue
            mean, cov = borrowed_weibull_prior(spec["shape"], spec["scale_years"],
                                               spec["effective_satellites"],
                                               spec["follow_up_years"])
            j = ev.families.index(fam)
            x = pt.stack([log_h1[j], log_k[j]])
            pm.Potential(f"borrowed_{fam}",
                         pm.logp(pm.MvNormal.dist(mu=mean, cov=cov), x))
        if len(ev.batch_failed):
            f = ev.batch_family
            p_fail = -pt.expm1(-h1[f])
            pm.Binomial("first_year", n=ev.batch_launched,
                        p=pt.clip(p_fail, 1e-12, 1 - 1e-12), observed=ev.batch_failed)
        if len(ev.unit_time):
            f, t = ev.unit_family, ev.unit_time
            kk, hh = shape[f], h1[f]
            cum = hh * pt.power(t, kk)
            log_haz = pt.log(hh) + pt.log(kk) + (kk - 1) * np.log(t)
            pm.Potential("units", pt.sum(np.where(ev.unit_failed, 1.0, 0.0) * log_haz - cum))
    return model


def build_accelerator_model(ev, assumptions, priors=None):
    """PyMC model of permanent accelerator failures per device-year
    (:class:`riskengine.evidence.AcceleratorEvidence`).

    ``log lambda_f = mu_l + sigma_l z_f`` over device families (permanent failures per
    device-year on the ground); in orbit ``lambda_f x phi``. A record of permanent failures
    counts ``Poisson(E lambda_f phi**orbit)``; a record of interruptions (every fault that
    stopped a job) ``Poisson(E lambda_f phi**orbit / pi)``, where ``pi`` is the share of
    faults that are permanent. Fault-outcome splits inform ``pi`` as
    ``Binomial(permanent + recoverable, pi)``. Each record's log-likelihood is multiplied
    by its power-prior weight. Priors of ``phi`` and ``pi`` are named assumptions
    (``assumptions.toml [accelerator]``).

    Free parameters: ``mu_l, sigma_l, z_l[family], permanent_share, log_phi``;
    deterministic ``rate_ground[family]``, ``rate_orbit[family]`` (permanent failures per
    device-year).

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> ev = load_evidence()
    >>> m = build_accelerator_model(ev.accelerator, ev.assumptions)
    >>> sorted(v.name for v in m.free_RVs)
    ['log_phi', 'mu_l', 'permanent_share', 'sigma_l', 'z_l']
    """
    import pymc as pm
    import pytensor.tensor as pt

    p = {**ACCEL_PRIORS, **(priors or {})}
    a = assumptions.get("accelerator", {})
    phi_mu = np.log(float(a.get("in_orbit_factor_median", 2.0)))
    phi_sd = float(a.get("in_orbit_factor_log_sd", 0.7))
    pa, pb = (float(x) for x in a.get("permanent_share_prior", (2.0, 2.0)))
    with pm.Model(coords={"family": ev.families}) as model:
        mu_l = pm.Normal("mu_l", *p["mu_l"])
        sigma_l = pm.HalfNormal("sigma_l", p["sigma_l"])
        z_l = pm.Normal("z_l", 0, 1, dims="family")
        pi = pm.Beta("permanent_share", pa, pb)
        log_phi = pm.Normal("log_phi", phi_mu, phi_sd)
        log_rate = pm.Deterministic("log_rate_ground", mu_l + sigma_l * z_l, dims="family")
        pm.Deterministic("rate_ground", pt.exp(log_rate), dims="family")
        pm.Deterministic("rate_orbit", pt.exp(log_rate + log_phi), dims="family")
        if len(ev.faults):
            log_mu = (np.log(ev.device_years) + log_rate[ev.family] + log_phi * ev.in_orbit
                      - pt.log(pi) * (1 - ev.kind))
            ll = pm.logp(pm.Poisson.dist(mu=pt.exp(log_mu)), ev.faults)
            pm.Potential("failures", pt.sum(ev.weight * ll))
        if len(ev.split_permanent):
            n = ev.split_permanent + ev.split_recoverable
            ll = pm.logp(pm.Binomial.dist(n=n, p=pi), ev.split_permanent)
            pm.Potential("permanence", pt.sum(ev.split_weight * ll))
    return model


def build_batch_model(ev, assumptions, *, batches=None):
    """PyMC model of serial (batch) defects from a :class:`riskengine.evidence.BatchEvidence`.

    A batch reveals a serial defect in a year with probability ``q`` (a constant hazard);
    a defect affects each of the batch's satellites with a share ``A ~ Beta(a_m k_a,
    (1 - a_m) k_a)`` and an affected satellite is lost with a share ``T ~ Beta(t_m k_t,
    (1 - t_m) k_t)`` (the others keep flying with a partial loss). Likelihood:

    * serial defects documented per constellation batch over its observed batch-years,
      ``defects ~ Poisson(-log(1 - q) x batch_years)`` (prototype and storm batches
      excluded);
    * first-year failures of the batches without a documented defect,
      ``failed ~ Binomial(launched, p)``: ``p`` the independent first-year failure;
    * documented serial defects (``serial_defects.csv``, a selected sample: what a defect
      does, not how often) as beta-binomial counts of the affected and the lost.

    ``batches``: indices of the constellation batches to fit (default all; the predictive
    check fits early batches and predicts later ones).

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> ev = load_evidence()
    >>> m = build_batch_model(ev.batch, ev.assumptions)
    >>> sorted(v.name for v in m.free_RVs)
    ['affected_kappa', 'affected_mean', 'defect_probability', 'independent_failure', 'lost_kappa', 'lost_mean']
    """
    import pymc as pm
    import pytensor.tensor as pt

    qa, qb = (float(x) for x in assumptions.get("batch_defect", {}).get(
        "defect_probability_prior", (1.0, 19.0)))
    idx = np.arange(len(ev.n)) if batches is None else np.asarray(batches, int)
    idx = idx[[ev.role[i] in ("fit", "defect") for i in idx]] if len(idx) else idx
    clean = idx[ev.defects[idx] == 0] if len(idx) else idx
    with pm.Model() as model:
        p_ind = pm.Beta("independent_failure", *BATCH_PRIORS["independent_failure"])
        q = pm.Beta("defect_probability", qa, qb)
        a_m = pm.Beta("affected_mean", 1.0, 1.0)
        a_k = pm.Gamma("affected_kappa", *BATCH_PRIORS["kappa"])
        t_m = pm.Beta("lost_mean", 1.0, 1.0)
        t_k = pm.Gamma("lost_kappa", *BATCH_PRIORS["kappa"])
        k = ev.affected_known
        if k.any():
            pm.BetaBinomial("affected", n=ev.defect_units[k], alpha=a_m * a_k,
                            beta=(1 - a_m) * a_k, observed=ev.defect_affected[k])
        lk = ev.lost_known & (ev.defect_affected > 0)
        if lk.any():
            pm.BetaBinomial("lost", n=ev.defect_affected[lk], alpha=t_m * t_k,
                            beta=(1 - t_m) * t_k, observed=ev.defect_lost[lk])
        if len(idx):
            pm.Poisson("serial_defects", mu=-pt.log1p(-q) * ev.years[idx],
                       observed=ev.defects[idx])
        if len(clean):
            pm.Binomial("first_year", n=ev.n[clean], p=p_ind, observed=ev.y[clean])
        pm.Deterministic("defect_loss_share", a_m * t_m)
    return model


def build_radiation_model(dose_depth, beam, assumptions, priors=None):
    """PyMC model: dose-depth curve, altitude slope and lognormal dose to failure.

    Parameters
    ----------
    dose_depth : riskengine.evidence.DoseDepthEvidence
    beam : riskengine.evidence.BeamEvidence
    assumptions : dict
        ``assumptions.toml`` contents (altitude prior, inclination factors).

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> ev = load_evidence()
    >>> m = build_radiation_model(ev.dose_depth, ev.beam, ev.assumptions)
    >>> sorted(v.name for v in m.free_RVs)[:3]
    ['a', 'b', 'beta_alt']
    """
    import pymc as pm
    import pytensor.tensor as pt

    p = {**RAD_PRIORS, **(priors or {})}
    alt = assumptions["altitude_scaling"]
    x = np.log(np.maximum(dose_depth.shielding_mm, MIN_SHIELD_MM) / REF_SHIELD_MM)
    y = 0.5 * (np.log(dose_depth.dose_low) + np.log(dose_depth.dose_high))
    s_obs = np.log(dose_depth.dose_high / dose_depth.dose_low) / 3.29
    off = np.log(inclination_factor(dose_depth.inclination_deg, assumptions))
    dh = (dose_depth.altitude_km - REF_ALT_KM) / 100.0
    is_hard = (beam.mode == "hard").astype(float)
    lo, hi = beam.dose_low, beam.dose_high
    with pm.Model() as model:
        a = pm.Normal("a", *p["a"])
        b = pm.Normal("b", *p["b"])
        c = pm.Normal("c", *p["c"])
        sigma_d = pm.HalfNormal("sigma_d", p["sigma_d"])
        beta_alt = pm.Normal("beta_alt", alt["log_factor_per_100km_mean"],
                             alt["log_factor_per_100km_sd"])
        pm.Normal("log_dose", mu=a + b * x + c * x**2 + beta_alt * dh + off,
                  sigma=pt.sqrt(s_obs**2 + sigma_d**2), observed=y)
        mu_f = pm.Normal("mu_f", *p["mu_f"])
        sigma = pm.LogNormal("sigma", *p["sigma"])
        gap = pm.LogNormal("gap", *p["gap"])
        pm.Deterministic("median_functional_rad", pt.exp(mu_f))
        mu_row = mu_f + gap * is_hard
        dist = pm.Normal.dist(mu=0.0, sigma=1.0)
        z_lo = (np.log(np.maximum(lo, 1e-9)) - mu_row) / sigma
        hi_f = np.where(np.isfinite(hi), hi, 1.0)
        z_hi = (np.log(hi_f) - mu_row) / sigma
        interval = np.isfinite(hi) & (lo > 0)
        left = np.isfinite(hi) & (lo <= 0)
        right = ~np.isfinite(hi)
        terms = []
        if interval.any():
            terms.append(pt.sum(pm.math.logdiffexp(pm.logcdf(dist, z_hi[np.flatnonzero(interval)]),
                                                   pm.logcdf(dist, z_lo[np.flatnonzero(interval)]))))
        if left.any():
            terms.append(pt.sum(pm.logcdf(dist, z_hi[np.flatnonzero(left)])))
        if right.any():
            terms.append(pt.sum(pm.logcdf(dist, -z_lo[np.flatnonzero(right)])))
        if terms:
            pm.Potential("beam_tests", pt.add(*terms) if len(terms) > 1 else terms[0])
    return model


def build_launch_model(record, priors=None):
    """PyMC model of the failure probability of a launch per vehicle family
    (:class:`riskengine.launch_record.LaunchRecord`), with a prior for new vehicles.

    Hierarchical over families on the log-odds scale (non-centred):
    ``logit p_f = mu + sigma z_f`` for a family's flights after its first, and
    ``logit p1_f = logit p_f + delta`` for its first flight (the early-flight excess, fitted
    from every family's first flight). Likelihood: binomial in failure-equivalents
    (``failures + partial_weight x partial``; fractional counts through a Potential).
    A new vehicle (no flights) is a new family: ``z_new ~ Normal(0, 1)``,
    ``p_new_first = invlogit(mu + sigma z_new + delta)`` for its first flight and
    ``p_new = invlogit(mu + sigma z_new)`` after it. Priors:
    :data:`riskengine.core.campaign.LAUNCH_PRIORS`.

    Deterministics per family: ``p`` (a flight after the first) and ``p_first``.

    Examples
    --------
    >>> from riskengine.launch_record import load_record
    >>> m = build_launch_model(load_record())
    >>> sorted(v.name for v in m.free_RVs)
    ['delta', 'mu', 'sigma', 'z', 'z_new']
    """
    import pymc as pm
    import pytensor.tensor as pt

    from riskengine.core.campaign import LAUNCH_PRIORS

    def _log_sigmoid(x):
        return -pt.softplus(-x)

    pr = {**LAUNCH_PRIORS, **(priors or {})}
    w = float(pr["partial_weight"])
    first = record.first_outcome                       # 0 success, 1 partial, 2 failure
    y1 = np.where(first == 2, 1.0, np.where(first == 1, w, 0.0))
    n_rest = record.array("flights").astype(float) - 1.0
    y_rest = (record.array("failures") + w * record.array("partial")) - y1
    with pm.Model(coords={"family": record.families}) as model:
        mu = pm.Normal("mu", *pr["mu"])
        sigma = pm.HalfNormal("sigma", pr["sigma"])
        delta = pm.Normal("delta", *pr["delta"])
        z = pm.Normal("z", 0.0, 1.0, dims="family")
        z_new = pm.Normal("z_new", 0.0, 1.0)
        eta = mu + sigma * z
        eta1 = eta + delta
        pm.Deterministic("p", pm.math.invlogit(eta), dims="family")
        pm.Deterministic("p_first", pm.math.invlogit(eta1), dims="family")
        pm.Deterministic("p_new", pm.math.invlogit(mu + sigma * z_new))
        pm.Deterministic("p_new_first", pm.math.invlogit(mu + sigma * z_new + delta))
        ll = (y1 * _log_sigmoid(eta1) + (1.0 - y1) * _log_sigmoid(-eta1)
              + y_rest * _log_sigmoid(eta) + (n_rest - y_rest) * _log_sigmoid(-eta))
        pm.Potential("record", pt.sum(ll))
    return model
