"""Hardware reliability: satellite bus failure (Weibull) and accelerator faults (Poisson).

Numeric core (pure NumPy, fixed units: years) and PyMC model builders; no I/O here.

Bus model
    Weibull with cumulative hazard ``H(t) = H1 * t**k`` (t in years), so ``R(1 yr) =
    exp(-H1)``; per bus family ``log H1_f = mu_h + sigma_h z_f`` and
    ``log k_f = mu_k + sigma_k w_f`` (hierarchical, non-centred). Parametrising by the
    1-year cumulative hazard instead of the Weibull scale removes the strong shape-scale
    correlation of data concentrated near 1 yr. Evidence: first-year failures of public
    constellation batches (Starlink, OneWeb, Orbcomm OG2, Iridium NEXT;
    ``bus_batches.csv``), a user's unit histories, and for ``conventional`` the published
    Castet & Saleh 2009 fit carried with a named effective sample size
    (:func:`borrowed_weibull_prior`; ``assumptions.toml [bus.castet_saleh_2009]``).

    Priors (justification):

    * ``mu_k ~ Normal(log 0.5, 0.5)``: Castet & Saleh 2009 find infant mortality with shape
      0.45 over 1,584 satellites; the prior allows 0.2-1.3 (wear-out > 1 is possible but
      not seen in fleet data of the first decade).
    * ``mu_h ~ Normal(log 0.03, 1.0)``: ~3 % first-year failure (Castet & Saleh R(1)≈0.97,
      early Starlink 1.7 % in GCAT), with a factor-e uncertainty either way.
    * ``sigma_h ~ HalfNormal(0.5)``, ``sigma_k ~ HalfNormal(0.3)``: families/operators
      differ by tens of percent to a factor ~2 in first-year hazard (GUIDE market data:
      in-orbit rates ~2 %/yr, launch+1 yr 7-20 %).

Accelerator model
    Permanent failures per device-year, Poisson in exposure, ``log lambda_f = mu_l +
    sigma_l z_f`` over device families and an in-orbit factor ``phi``; interruption
    records are divided by the permanent share ``pi`` (see
    :func:`riskengine.models.build_accelerator_model`).

    * ``mu_l ~ Normal(log 0.01, 1.5)``: permanent GPU failures span 0.25 %/yr (Titan's
      healthy batch, Ostrouchov et al. SC20) to ~6 %/yr (every Llama 3 'faulty GPU'
      interruption counted as permanent); 1 %/yr with a factor 4.5 (1 sd) covers both.
    * ``sigma_l ~ HalfNormal(1.0)``: device generations differ by up to a factor ~30
      (Titan K20X 0.25 %/yr vs H100-class estimates 2.5-6 %/yr).
    * ``phi`` and ``pi``: named assumptions, ``assumptions.toml [accelerator]``.

    A satellite's expected capacity-loss fraction over a year is ``1 - exp(-lambda phi)``
    (each accelerator fails independently, no repair).

Batch-defect model
    See :func:`riskengine.models.build_batch_model`.

    * ``independent_failure ~ Beta(1, 30)``: first-year failure of a satellite outside a
      defect, mean 3 % (Castet & Saleh R(1) = 0.972; early Starlink 1.7 %).
    * ``affected_kappa, lost_kappa ~ Gamma(2, 0.5)``: concentration of the affected and lost
      shares across defects (mean 4: defects range from every unit affected to a third,
      and from every affected unit lost to none, serial_defects.csv).
    * ``defect_probability``: named assumption, ``assumptions.toml [batch_defect]``.
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- priors
BUS_PRIORS = dict(mu_k=(np.log(0.5), 0.5), mu_h=(np.log(0.03), 1.0), sigma_h=0.5,
                  sigma_k=0.3)
ACCEL_PRIORS = dict(mu_l=(np.log(0.01), 1.5), sigma_l=1.0)
BATCH_PRIORS = dict(independent_failure=(1.0, 30.0), kappa=(2.0, 0.5))


# --------------------------------------------------------------------------- numeric core
def weibull_survival(t, h1, k):
    """Survival ``R(t) = exp(-h1 * t**k)`` (t in years; h1 = 1-year cumulative hazard).

    Broadcasts over arrays.

    Examples
    --------
    >>> round(float(weibull_survival(1.0, 0.0285, 0.45)), 4)
    0.9719
    """
    t = np.asarray(t, float)
    return np.exp(-np.asarray(h1) * np.power(np.maximum(t, 0.0), k))


def h1_from_scale(scale_yr, shape):
    """1-year cumulative hazard from a Weibull scale (yr) and shape: ``scale**-shape``.

    Examples
    --------
    >>> round(float(h1_from_scale(2607.0, 0.4521)), 4)
    0.0285
    """
    return np.power(np.asarray(scale_yr, float), -np.asarray(shape, float))


def conditional_failure_probability(age, h1, k, horizon=1.0):
    """Probability of failure in ``[age, age + horizon)`` given survival to ``age``.

    ``1 - R(age + horizon) / R(age)``, computed stably.

    Examples
    --------
    >>> p0 = conditional_failure_probability(0.0, 0.0285, 0.45)
    >>> p5 = conditional_failure_probability(5.0, 0.0285, 0.45)
    >>> bool(p5 < p0)   # infant mortality: the hazard falls with age
    True
    """
    a = np.maximum(np.asarray(age, float), 0.0)
    dh = np.asarray(h1) * (np.power(a + horizon, k) - np.power(a, k))
    return -np.expm1(-dh)


def capacity_loss_fraction(rate_per_device_year, years=1.0):
    """Expected fraction of accelerators failed after ``years`` (no repair): ``1-exp(-r t)``.

    Examples
    --------
    >>> round(float(capacity_loss_fraction(0.1)), 4)
    0.0952
    """
    return -np.expm1(-np.asarray(rate_per_device_year, float) * years)


def simulate_bus_units(rng, n_units, h1, k, follow_up_yr):
    """Simulate unit histories from a Weibull, right-censored at ``follow_up_yr``.

    Returns ``(time, failed)``. Used for parameter-recovery studies.

    Examples
    --------
    >>> t, f = simulate_bus_units(np.random.default_rng(0), 100, 0.03, 0.5, 5.0)
    >>> t.shape, bool(t.max() <= 5.0)
    ((100,), True)
    """
    u = rng.uniform(size=n_units)
    t_fail = np.power(-np.log(u) / h1, 1.0 / k)
    follow = np.broadcast_to(np.asarray(follow_up_yr, float), (n_units,))
    failed = t_fail <= follow
    return np.where(failed, t_fail, follow), failed


# --------------------------------------------------------------------------- borrowed fits
def weibull_information(h1: float, k: float, follow_up_years: float) -> np.ndarray:
    """Expected Fisher information of ONE unit about ``(log H1, log k)`` of a Weibull with
    cumulative hazard ``H(t) = H1 t**k``, right-censored at a follow-up time uniform on
    ``[0, follow_up_years]``: a 2x2 matrix.

    The counting-process form ``I = int g g^T lambda(t) P(at risk at t) dt`` with the score
    of the log hazard ``g = (1, 1 + k log t)``, integrated in ``u = t**k`` (where
    ``lambda dt = H1 du``) so the infant-mortality singularity at ``t = 0`` is smooth.

    Examples
    --------
    For ``k = 1`` (exponential) the information on ``log H1`` is the probability that the
    unit is seen to fail: ``1 - (1 - exp(-H1 T)) / (H1 T)``.

    >>> info = weibull_information(0.1, 1.0, 10.0)
    >>> round(float(info[0, 0]), 6), round(float(1 - (1 - np.exp(-1.0)) / 1.0), 6)
    (0.367879, 0.367879)
    """
    from scipy import integrate

    T = float(follow_up_years)
    umax = T ** k

    def f(u, i, j):
        t = u ** (1.0 / k)
        g = (1.0, 1.0 + np.log(u)) if u > 0 else (1.0, 0.0)
        return g[i] * g[j] * h1 * np.exp(-h1 * u) * (1.0 - t / T)

    out = np.empty((2, 2))
    for i in range(2):
        for j in range(i, 2):
            val = integrate.quad(f, 0.0, umax, args=(i, j), limit=200, points=[min(1.0, umax)])[0]
            out[i, j] = out[j, i] = val
    return out


def borrowed_weibull_prior(shape: float, scale_years: float, effective_units: float,
                           follow_up_years: float) -> tuple[np.ndarray, np.ndarray]:
    """Normal prior on ``(log H1, log k)`` that carries a published Weibull fit with the
    weight of ``effective_units`` units: mean at the published estimate, covariance the
    inverse Fisher information of that many units (:func:`weibull_information`).

    Returns ``(mean, covariance)``.

    Examples
    --------
    Castet & Saleh 2009 counted as 400 satellites followed up over 18.8 years:

    >>> mean, cov = borrowed_weibull_prior(0.4521, 2607.0, 400, 18.8)
    >>> round(float(np.exp(-np.exp(mean[0]))), 4)     # R(1 yr)
    0.9719
    >>> bool(cov[0, 0] > 0 and np.linalg.det(cov) > 0)
    True
    """
    h1 = float(h1_from_scale(scale_years, shape))
    info = effective_units * weibull_information(h1, shape, follow_up_years)
    return np.array([np.log(h1), np.log(shape)]), np.linalg.inv(info)
