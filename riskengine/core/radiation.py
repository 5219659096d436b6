"""Radiation damage: the dose to functional failure of a device and what a year's dose does.

Numeric core in fixed units — dose rad(Si), age years. No I/O here; the PyMC model is built
in :mod:`riskengine.models`.

The yearly dose itself comes from physics, not from a fit: trapped protons and electrons of
NASA's AP-8/AE-8 averaged over the orbit and carried through spherical Al shielding
(:mod:`riskengine.core.dose`, environment in :mod:`riskengine.radiation_env`), and solar
particle events of the JPL form with a geomagnetic cut-off (:mod:`riskengine.core.spe`).
The hazards stage computes each fleet group's dose once and stores it in the ``hazards``
table; the radiation perils combine it here with the posterior failure dose.

Dose to failure (hierarchical over device families)
    Lognormal: ``ln D_fail ~ Normal(mu_f[family], sigma)`` for functional failure (HBM
    irregularities, the insured functional failure) and ``Normal(mu_f[family] + gap,
    sigma)`` for hard failure, with ``mu_f[family] = mu_f0 + tau_f z[family]``. Tests are
    interval-censored (failure dose in (low, high]) or right-censored (survived to
    ``low``): ``tid_devices.csv`` plus a user's beam tests. A family without records of
    its own draws ``mu_f = mu_f0 + tau_f z`` with a new ``z`` (the hyperprior) and the run
    is flagged.

    * ``mu_f0 ~ Normal(ln 10 krad, 1.5)``: deep-submicron commercial CMOS typically
      tolerates ~5-50 krad(Si) TID (NASA NEPP COTS test reports); wide on purpose.
    * ``tau_f ~ HalfNormal(1.0)``: spread of the family medians; commercial device families
      range from ~1-2 krad (HBM functional onset, Suncatcher 2025) to >50 krad (Raspberry Pi
      Zero W board, Hanson & Hayes 2025): a factor ~e per family is the prior's scale.
    * ``sigma ~ LogNormal(ln 0.3, 0.5)``: part-to-part TID spread of one part type is a
      lognormal sigma of ~0.1-0.6 (ECSS-Q-ST-60-15C radiation hardness assurance
      practice; JPL/NEPP lot-variability data), shared by the families.
    * ``gap ~ LogNormal(ln 1, 0.75)``: hard failure comes after functional degradation;
      median ratio e ≈ 2.7 in dose.

A year's failure probability
    A device that works at the start of the insured year has taken ``D0`` (its age times
    the yearly dose); it fails in the year when its failure dose lies in ``(D0, D0 + D]``
    (:func:`conditional_failure_probability`). ``D`` is the trapped dose plus the year's
    solar-proton dose: its expectation when the solar events are not simulated, the
    sampled events' dose when they are (the ``solar_particle_event`` peril).

Single-event upsets are an availability rate (upsets per device-day), reported, not insured.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr, ndtr

RAD_PRIORS = dict(mu_f0=(np.log(10_000.0), 1.5), tau_f=1.0, sigma=(np.log(0.3), 0.5),
                  gap=(0.0, 0.75))


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


def conditional_failure_probability(dose_before, dose_added, mu, sigma):
    """Probability that a device working after ``dose_before`` (rad) fails while it takes
    ``dose_added`` more: ``(F(D0 + D) - F(D0)) / (1 - F(D0))`` for the lognormal failure
    dose ``F`` (computed from survival functions in log space: exact in both tails).

    Arguments broadcast (e.g. per-draw ``mu``, ``sigma`` against per-year doses).

    Examples
    --------
    >>> p = conditional_failure_probability(0.0, 2000.0, np.log(2000.0), 0.3)
    >>> round(float(p), 3)
    0.5
    >>> p = conditional_failure_probability(2000.0, 0.0, np.log(2000.0), 0.3)
    >>> float(p)
    0.0
    """
    d0 = np.maximum(np.asarray(dose_before, float), 1e-12)
    d1 = d0 + np.maximum(np.asarray(dose_added, float), 0.0)
    mu, sigma = np.asarray(mu, float), np.asarray(sigma, float)
    ls0 = log_ndtr(-(np.log(d0) - mu) / sigma)
    ls1 = log_ndtr(-(np.log(d1) - mu) / sigma)
    return np.clip(-np.expm1(ls1 - ls0), 0.0, 1.0) + 0.0   # no -0.0


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
    rate = np.asarray(dose_rate, float)
    return conditional_failure_probability(np.asarray(age_yr, float) * rate, rate, mu, sigma)


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
