"""Radiation damage: total ionising dose (TID) rate, solar particle events, dose to failure.

Numeric core in fixed units — altitude km, inclination deg, shielding mm Al, dose rad(Si),
age years — plus the PyMC model builder. No I/O here.

Dose rate
    ``log D(h, i, t) = a + b x + c x**2 + beta_alt (h - 550 km) / 100 km + log f_inc(i)``
    with ``x = ln(t / 3 mm)``. The depth curve (a, b, c) is fitted to the SPENVIS 550 km
    dose-depth evidence (AP-8/AE-8 trapped particles; each published range read as a 90 %
    interval, plus a model-error term ``sigma_d``). Outside the evidence's shielding range
    the curve is extended linearly in ``ln t`` with its end slope (never rising with
    thickness); below 0.5 mm it is held at 0.5 mm.

    Altitude dependence: trapped-particle dose in LEO roughly doubles per 100 km between
    500 and 800 km (AP-8 curves, SPENVIS; Barth et al. 2003), so ``beta_alt ~ Normal(ln 2,
    0.25)`` per 100 km (``assumptions.toml``); evidence at other altitudes updates it.
    Inclination: a fixed piecewise-linear factor (0.6 below 30°, 1.0 at the 53° evidence
    orbit, 1.2 polar/SSO above 80°), from ``assumptions.toml``.

Solar particle events (SPE)
    Shared events (all satellites of high-inclination orbits at once): Poisson rate per
    year, lognormal dose per event behind 1 mm Al scaled as ``t**-n``; absent below the
    geomagnetic-cutoff inclination. Their mean annual dose adds to the trapped dose.

Dose to failure
    Lognormal: ``ln D_fail ~ Normal(mu_f, sigma)`` for functional failure (HBM
    irregularities, the insured functional failure) and ``Normal(mu_f + gap, sigma)`` for
    hard failure. Beam tests are interval-censored (failure dose in (low, high]) or
    right-censored (survived to ``low``).

    * ``mu_f ~ Normal(ln 10 krad, 1.5)``: deep-submicron commercial CMOS typically
      tolerates ~5-50 krad(Si) TID (NASA NEPP COTS test reports); wide on purpose.
    * ``sigma ~ LogNormal(ln 0.3, 0.5)``: part-to-part TID spread of one part type is a
      lognormal sigma of ~0.1-0.6 (ECSS-Q-ST-60-15C radiation hardness assurance
      practice; JPL/NEPP lot-variability data).
    * ``gap ~ LogNormal(ln 1, 0.75)``: hard failure comes after functional degradation;
      median ratio e ≈ 2.7 in dose.

Single-event upsets are an availability rate (upsets per device-day), reported, not insured.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

REF_ALT_KM = 550.0
REF_SHIELD_MM = 3.0
MIN_SHIELD_MM = 0.5
RAD_PRIORS = dict(a=(np.log(1000.0), 2.0), b=(-1.5, 1.0), c=(0.0, 0.5), sigma_d=0.3,
                  mu_f=(np.log(10_000.0), 1.5), sigma=(np.log(0.3), 0.5), gap=(0.0, 0.75))


# --------------------------------------------------------------------------- dose rate
def inclination_factor(inclination_deg, assumptions):
    """Multiplicative dose factor for the orbit inclination (1 at the 53° evidence orbit).

    Retrograde orbits fold onto prograde (98° SSO acts as 82°).

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> a = load_evidence().assumptions
    >>> float(inclination_factor(98.0, a)), float(inclination_factor(53.0, a))
    (1.2, 1.0)
    """
    inc = np.asarray(inclination_deg, float)
    inc = np.where(inc > 90, 180 - inc, inc)
    s = assumptions["inclination"]
    return np.interp(inc, [s["low_inclination_deg"], 53.0, s["polar_inclination_deg"]],
                     [s["low_inclination_factor"], 1.0, s["polar_factor"]])


def _log_depth_curve(shield_mm, a, b, c, x_range):
    """ln dose at the reference orbit vs shielding, linear extension outside ``x_range``."""
    x = np.log(np.maximum(np.asarray(shield_mm, float), MIN_SHIELD_MM) / REF_SHIELD_MM)
    a, b, c = (np.asarray(v, float)[..., None] if np.ndim(v) else v for v in (a, b, c))
    lo, hi = x_range
    xc = np.clip(x, lo, hi)
    q = a + b * xc + c * xc**2
    slope_hi = np.minimum(b + 2 * c * hi, 0.0)
    slope_lo = np.minimum(b + 2 * c * lo, 0.0)
    return q + np.where(x > hi, slope_hi * (x - hi), 0.0) + np.where(x < lo, slope_lo * (x - lo),
                                                                     0.0)


def trapped_dose_rate(altitude_km, inclination_deg, shield_mm, a, b, c, beta_alt, assumptions,
                      x_range=(np.log(1 / 3), np.log(10 / 3))):
    """Annual trapped-particle TID, rad(Si)/yr.

    Scalars or per-draw parameter arrays ``(n_draws,)`` with per-satellite orbit arrays
    ``(n,)`` give ``(n_draws, n)``.

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> a = load_evidence().assumptions
    >>> d = trapped_dose_rate(550.0, 53.0, 3.0, np.log(940.0), -1.6, 0.1, np.log(2), a)
    >>> round(float(d))
    940
    """
    logd = _log_depth_curve(shield_mm, a, b, c, x_range)
    beta = np.asarray(beta_alt, float)
    beta = beta[..., None] if beta.ndim else beta
    alt = (np.asarray(altitude_km, float) - REF_ALT_KM) / 100.0
    return np.exp(logd + beta * alt) * inclination_factor(inclination_deg, assumptions)


def spe_mean_annual_dose(inclination_deg, shield_mm, assumptions):
    """Mean SPE dose per year, rad(Si): rate × mean lognormal dose × shielding scaling.

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> a = load_evidence().assumptions
    >>> float(spe_mean_annual_dose(30.0, 3.0, a))
    0.0
    """
    s = assumptions["solar_particle_events"]
    inc = np.asarray(inclination_deg, float)
    inc = np.where(inc > 90, 180 - inc, inc)
    per_event = s["median_dose_rad_1mm"] * np.exp(s["log_sd"] ** 2 / 2) * np.power(
        np.maximum(np.asarray(shield_mm, float), MIN_SHIELD_MM), -s["shielding_exponent"])
    return np.where(inc >= s["min_inclination_deg"], s["events_per_year"] * per_event, 0.0)


def simulate_spe_doses(rng, years, inclination_deg, shield_mm, assumptions):
    """Simulated SPE dose per year (rad(Si)), shared by every satellite of the orbit.

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> a = load_evidence().assumptions
    >>> d = simulate_spe_doses(np.random.default_rng(1), 1000, 98.0, 3.0, a)
    >>> d.shape
    (1000,)
    """
    s = assumptions["solar_particle_events"]
    n = rng.poisson(s["events_per_year"], size=years)
    out = np.zeros(years)
    idx = np.repeat(np.arange(years), n)
    doses = s["median_dose_rad_1mm"] * np.exp(s["log_sd"] * rng.standard_normal(idx.size))
    np.add.at(out, idx, doses)
    inc = inclination_deg if inclination_deg <= 90 else 180 - inclination_deg
    scale = max(shield_mm, MIN_SHIELD_MM) ** -s["shielding_exponent"]
    return out * scale * (inc >= s["min_inclination_deg"])


# --------------------------------------------------------------------------- failure
def failure_probability(dose, mu, sigma):
    """Lognormal CDF: probability that a device has failed by cumulative ``dose`` (rad).

    Examples
    --------
    >>> round(float(failure_probability(2000.0, np.log(2000.0), 0.3)), 3)
    0.5
    """
    d = np.maximum(np.asarray(dose, float), 1e-12)
    return ndtr((np.log(d) - np.asarray(mu)) / np.asarray(sigma))


def failure_probability_by_age(age_yr, dose_rate, mu, sigma):
    """Probability of functional failure by ``age_yr`` at a constant annual ``dose_rate``.

    Examples
    --------
    >>> p = failure_probability_by_age(np.array([1.0, 5.0]), 150.0, np.log(2000.0), 0.3)
    >>> bool(p[1] > p[0])
    True
    """
    return failure_probability(np.asarray(dose_rate) * np.asarray(age_yr), mu, sigma)


def annual_failure_probability(age_yr, dose_rate, mu, sigma):
    """Probability of failing in ``[age, age+1)`` given no failure by ``age`` (rad dose).

    Examples
    --------
    >>> p = annual_failure_probability(4.0, 150.0, np.log(2000.0), 0.3)
    >>> bool(0 <= p < 1)
    True
    """
    f0 = failure_probability_by_age(age_yr, dose_rate, mu, sigma)
    f1 = failure_probability_by_age(np.asarray(age_yr) + 1.0, dose_rate, mu, sigma)
    return np.clip((f1 - f0) / np.maximum(1.0 - f0, 1e-300), 0.0, 1.0)


def seu_upsets_per_day(memory_gib, rate_per_bit_day):
    """Raw (pre-ECC) single-event upsets per device-day: an availability figure, not a loss.

    Examples
    --------
    >>> round(seu_upsets_per_day(1.0, 4.04e-7))
    3470
    """
    return float(memory_gib) * 8 * 2**30 * float(rate_per_bit_day)


def simulate_beam_intervals(rng, n_units, mu, sigma, step_rad=1000.0, max_rad=15_000.0):
    """Simulate a stepped beam test: failure dose intervals (low, high], inf = survived.

    Examples
    --------
    >>> lo, hi = simulate_beam_intervals(np.random.default_rng(0), 5, np.log(5000), 0.4)
    >>> lo.shape
    (5,)
    """
    d = np.exp(mu + sigma * rng.standard_normal(n_units))
    hi = np.ceil(d / step_rad) * step_rad
    survived = d > max_rad
    lo = np.where(survived, max_rad, hi - step_rad)
    return lo, np.where(survived, np.inf, hi)
