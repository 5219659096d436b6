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
from riskengine.core.reliability import ACCEL_PRIORS, BUS_PRIORS

def build_bus_model(ev, priors=None):
    """PyMC model of bus failure from a :class:`riskengine.evidence.BusEvidence`.

    Free parameters: ``mu_h, sigma_h, mu_k, sigma_k, z_h[family], z_k[family]``;
    deterministic ``log_h1[family]``, ``shape[family]``, ``r1[family]`` (reliability at 1 yr).

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> m = build_bus_model(load_evidence().bus)
    >>> sorted(m.coords["family"])
    ['conventional', 'starlink']
    """
    import pymc as pm
    import pytensor.tensor as pt

    p = {**BUS_PRIORS, **(priors or {})}
    with pm.Model(coords={"family": ev.families}) as model:
        mu_h = pm.Normal("mu_h", *p["mu_h"])
        sigma_h = pm.HalfNormal("sigma_h", p["sigma_h"])
        mu_k = pm.Normal("mu_k", *p["mu_k"])
        sigma_k = pm.HalfNormal("sigma_k", p["sigma_k"])
        z_h = pm.Normal("z_h", 0, 1, dims="family")
        z_k = pm.Normal("z_k", 0, 1, dims="family")
        log_h1 = pm.Deterministic("log_h1", mu_h + sigma_h * z_h, dims="family")
        shape = pm.Deterministic("shape", pt.exp(mu_k + sigma_k * z_k), dims="family")
        pm.Deterministic("r1", pt.exp(-pt.exp(log_h1)), dims="family")
        h1 = pt.exp(log_h1)
        if len(ev.lt_failed):
            f = ev.lt_family
            dh = h1[f] * (pt.power(ev.lt_end, shape[f]) - pt.power(ev.lt_start, shape[f]))
            p_fail = -pt.expm1(-dh)
            pm.Binomial("life_table", n=ev.lt_at_risk, p=pt.clip(p_fail, 1e-12, 1 - 1e-12),
                        observed=ev.lt_failed)
        if len(ev.unit_time):
            f, t = ev.unit_family, ev.unit_time
            kk, hh = shape[f], h1[f]
            cum = hh * pt.power(t, kk)
            log_haz = pt.log(hh) + pt.log(kk) + (kk - 1) * np.log(t)
            pm.Potential("units", pt.sum(np.where(ev.unit_failed, 1.0, 0.0) * log_haz - cum))
    return model


def build_accelerator_model(ev, priors=None):
    """PyMC model of accelerator faults per device-year (:class:`AcceleratorEvidence`).

    Free parameters: ``mu_l, sigma_l, z_l[family], log_phi``; deterministic
    ``rate_ground[family]`` and ``rate_orbit[family]`` (faults per device-year).

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> m = build_accelerator_model(load_evidence().accelerator)
    >>> "log_phi" in m.named_vars
    True
    """
    import pymc as pm
    import pytensor.tensor as pt

    p = {**ACCEL_PRIORS, **(priors or {})}
    with pm.Model(coords={"family": ev.families}) as model:
        mu_l = pm.Normal("mu_l", *p["mu_l"])
        sigma_l = pm.HalfNormal("sigma_l", p["sigma_l"])
        z_l = pm.Normal("z_l", 0, 1, dims="family")
        log_phi = pm.Normal("log_phi", *p["log_phi"])
        log_rate = mu_l + sigma_l * z_l
        pm.Deterministic("rate_ground", pt.exp(log_rate), dims="family")
        pm.Deterministic("rate_orbit", pt.exp(log_rate + log_phi), dims="family")
        mu = ev.device_years * pt.exp(log_rate[ev.family] + log_phi * ev.in_orbit)
        pm.Poisson("faults", mu=mu, observed=ev.faults)
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
