"""Breakups happen during the year: a cloud exposes the fleet from its event to the year's
end, and a penetrating fragment is a total loss or a partial one (the mixture, not a Beta
matched to its moments). Exact references: closed forms of the exposure integral and of
the annual hit count's mean and variance (a Poisson mixture of binomials over the event
time), and the mixture's tail."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from riskengine.config import Policy
from riskengine.core import debris as dbr
from riskengine.core.sources import EventSource, HazardSet, Units
from riskengine.losses import simulate_arrays
from riskengine.perils.breakup import breakup_severity

Z = 4.5


def test_mean_exposure_is_half_a_year_for_long_lived_clouds():
    # tau -> infinity: int_0^1 (1 - e^{-r (1 - t)}) dt = 1 - (1 - e^{-r}) / r
    for r in (1e-3, 0.1, 2.0):
        assert dbr.mean_cloud_hit_probability(r, 1e12) == pytest.approx(
            1 - (1 - np.exp(-r)) / r, rel=1e-9)
    # finite tau: against adaptive quadrature of the definition
    r, tau = 0.7, 0.4
    ref = integrate.quad(lambda t: 1 - np.exp(-r * tau * (1 - np.exp(-(1 - t) / tau))), 0, 1,
                         epsabs=1e-14)[0]
    assert dbr.mean_cloud_hit_probability(r, tau) == pytest.approx(ref, rel=1e-12)
    assert dbr.cloud_exposure_to_year_end(0.25, 1e12) == pytest.approx(0.75)


def _cloud_fleet(n, rate, hit_rate, tau, timed=True):
    hs = HazardSet(np.full(n, 1.0), np.zeros(n, int), ["g"], [])
    p_mean = float(dbr.mean_cloud_hit_probability(hit_rate, tau))
    src = EventSource("breakup", Units.from_lists([np.arange(n)]), np.array([rate]),
                      np.array([[p_mean]]), "fixed", np.array([0.01]), np.ones(1))
    if timed:
        src.exposure_tau = np.array([tau])
        src.exposure_rate = np.array([[hit_rate]])
    hs.sources.append(src)
    return hs, p_mean


def test_hits_depend_on_when_the_cloud_is_born():
    """Annual hits H: Poisson(rate) events, each Binomial(n, p(t)) at a uniform time t, so
    E[H] = rate n E[p] and Var[H] = rate (n E[p] + n (n - 1) E[p^2]); a time-independent
    p = E[p] would give the smaller rate (n E[p] + n (n - 1) E[p]^2)."""
    n, rate, hr, tau = 400, 0.5, 0.2, 1.5
    hs, p_mean = _cloud_fleet(n, rate, hr, tau)
    r = simulate_arrays(hs, Policy(), seed=2, years=100_000)
    hits = r.ground_up / 0.01                 # each hit costs 1 % of a unit value
    p = lambda t: dbr.cloud_hit_probability(hr, tau, t)            # noqa: E731
    ep = integrate.quad(p, 0, 1)[0]
    ep2 = integrate.quad(lambda t: p(t) ** 2, 0, 1)[0]
    assert ep == pytest.approx(p_mean, rel=1e-10)
    mean, var = rate * n * ep, rate * (n * ep + n * (n - 1) * ep2)
    m = hits.mean()
    assert abs(m - mean) < Z * np.sqrt(var / len(hits))
    v = hits.var(ddof=1)
    # the sample variance's standard error from the fourth moment
    se_v = np.sqrt(max(np.mean((hits - m) ** 4) - v ** 2, 0) / len(hits))
    assert abs(v - var) < Z * se_v
    flat = rate * (n * ep + n * (n - 1) * ep ** 2)
    assert var - flat > 6 * se_v               # the test tells the two models apart


def test_mixture_severity_keeps_the_tail():
    """A penetrating fragment: total loss w.p. pt, else Beta(a, b). Share of hits at or
    above the 75 % constructive-total-loss threshold: pt + (1 - pt) P(Beta >= 0.75); the
    engine's expected loss per hit is exact through the Beta integrals."""
    dm = dbr.untracked_damage(10.0, 1500.0, beta=dbr.SBM_SLOPE, d_max_cm=100.0)
    pt, a, b = breakup_severity(dm)
    beta = stats.beta(a, b)
    tail = pt + (1 - pt) * beta.sf(0.75)
    # the moment-matched Beta this replaces misstates that tail
    mu = pt + (1 - pt) * a / (a + b)
    ex2 = pt + (1 - pt) * (a / (a + b)) * (a + 1) / (a + b + 1)
    kappa = mu * (1 - mu) / (ex2 - mu ** 2) - 1
    mm_tail = stats.beta(mu * kappa, (1 - mu) * kappa).sf(0.75)
    assert tail == pytest.approx(0.0278, abs=5e-4) and mm_tail == pytest.approx(0.0243, abs=5e-4)
    n = 2000
    hs = HazardSet(np.full(n, 1.0), np.zeros(n, int), ["g"], [])
    src = EventSource("breakup", Units.from_lists([np.arange(n)]), np.array([2.0]),
                      np.array([[0.002]]), "mixture", np.array([a]), np.array([b]),
                      sev_total=np.array([pt]))
    hs.sources.append(src)
    r = simulate_arrays(hs, Policy(ctl_threshold=0.75), seed=5, years=40_000)
    part = a / (a + b) * stats.beta(a + 1, b).cdf(0.75)     # E[D; D < 0.75]
    per_hit = tail * 1.0 + (1 - pt) * part       # CTL pays the whole value
    hits = 2.0 * n * 0.002
    assert abs(r.gross.mean() - hits * per_hit) < Z * r.gross.std() / np.sqrt(r.years)
