"""The exact path: FFT aggregate distributions against closed forms, and the simulation's
compound perils against them (table ``ep_exact``)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from riskengine.core.aggregate import (TAIL, compound_fft, occurrence_terms_dist,
                                       severity_dist)


def _poisson_exponential_cdf(s, lam, theta):
    """P(S <= s) of a compound Poisson(lam) sum of exponential(theta) losses: the closed
    form e^-lam + sum_n Pois(n; lam) Gamma(n, theta).cdf(s) (the density is the Bessel form
    e^{-lam - s/theta} sqrt(lam / (theta s)) I_1(2 sqrt(lam s / theta)))."""
    n = np.arange(1, 200)
    return np.exp(-lam) + (stats.poisson.pmf(n, lam)[:, None]
                           * stats.gamma.cdf(np.asarray(s)[None, :], n[:, None], scale=theta)).sum(0)


def test_fft_brackets_the_poisson_exponential_closed_form():
    lam, theta = 4.0, 3.0
    d = stats.expon(scale=theta)
    agg = compound_fft("poisson", {"mean": lam}, d.cdf, d.ppf, n=1 << 18)
    s = np.array([0.5, 2.0, 5.0, 10.0, 20.0, 40.0, 60.0])
    exact = _poisson_exponential_cdf(s, lam, theta)
    hi, lo = agg.cdf(s)            # P_high(S <= s) <= F(s) <= P_low(S <= s), to TAIL
    assert np.all(hi <= exact + TAIL) and np.all(exact <= lo + TAIL)
    assert np.max(lo - hi) < 2e-3          # the bracket narrows as the lattice step h
    # the density's Bessel form agrees with the series (a check of the reference itself)
    x = 7.0
    dens = np.exp(-lam - x / theta) * np.sqrt(lam / (theta * x)) * special.iv(1, 2 * np.sqrt(lam * x / theta))
    num = (_poisson_exponential_cdf([x + 1e-4], lam, theta) - _poisson_exponential_cdf([x - 1e-4], lam, theta)) / 2e-4
    assert dens == pytest.approx(num[0], rel=1e-5)
    m_lo, m_hi = agg.mean()
    assert m_lo <= lam * theta <= m_hi and m_hi - m_lo < 5e-3 * lam * theta
    q_lo, q_hi = agg.quantile([0.995])
    assert _poisson_exponential_cdf(q_hi, lam, theta)[0] >= 0.995 - TAIL
    assert _poisson_exponential_cdf(q_lo - 1e-9, lam, theta)[0] <= 0.995 + TAIL


def test_fft_with_occurrence_terms_and_negative_binomial():
    """A geometric number (NB, r = 1, p = 1/2) of exponential(2) losses in excess of 1,
    unlimited: by memorylessness each loss exceeds 1 w.p. e^{-1/2} and the excess is again
    exponential(2), so S is a geometric sum with p' = p / (p + (1-p) e^{-1/2}) of
    exponential(2): P(S > s) = (1 - p') e^{-p' s / 2}."""
    d = stats.expon(scale=2.0)
    c, cl, q = occurrence_terms_dist(d.cdf, d.cdf, d.ppf, 1.0, None)
    agg = compound_fft("negative_binomial", {"mean": 1.0, "variance": 2.0}, c, q,
                       cdf_left=cl, n=1 << 17)
    p = 0.5
    e = np.exp(-0.5)
    pp = p / (p + (1 - p) * e)
    s = np.array([0.0, 1.0, 3.0, 8.0])
    exact = 1 - (1 - pp) * np.exp(-pp * s / 2)
    hi, lo = agg.cdf(s)
    assert np.all(hi <= exact + TAIL) and np.all(exact <= lo + TAIL)


def test_empirical_severity_is_exact_on_its_lattice():
    from types import SimpleNamespace as S

    sev = S(distribution="empirical", values=[1.0, 2.0], probabilities=[0.5, 0.5])
    cdf, left, ppf = severity_dist(sev)
    agg = compound_fft("poisson", {"mean": 1.0}, cdf, ppf, cdf_left=left, h=1.0, n=64)
    # P(S = 0) = e^-1, P(S = 1) = e^-1 x 0.5, P(S = 2) = e^-1 (0.5 + 0.25 / 2)
    e = np.exp(-1)
    np.testing.assert_allclose(agg.low[:3], [e, 0.5 * e, e * (0.5 + 0.125)], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(agg.low, agg.high, atol=1e-15)


def test_simulation_converges_to_the_exact_compound_perils(tmp_path):
    """The generic portfolio (compound perils only): every peril's exact AAL and return
    period losses, and the portfolio's after the aggregate terms, against the run."""
    from riskengine import stages
    from riskengine.config import parse_portfolio
    from riskengine.store import connect

    p = parse_portfolio({
        "name": "exact", "simulation": {"years": 40_000, "seed": 8},
        "perils": [
            {"type": "compound", "name": "a", "frequency": {"distribution": "poisson", "mean": 2},
             "severity": {"distribution": "lognormal", "mu": 14, "sigma": 1.0}},
            {"type": "compound", "name": "b",
             "frequency": {"distribution": "negative_binomial", "mean": 0.5, "variance": 1.0},
             "severity": {"distribution": "gamma", "shape": 2, "scale": 5e6}}],
        "policy": {"occurrence_deductible": 1e5, "occurrence_limit": 5e7,
                   "aggregate_deductible": 2e6, "aggregate_limit": 1.5e8,
                   "reinsurance": [{"name": "sl", "attachment": 8e7, "limit": 5e7}]}})
    con = connect(tmp_path / "x.duckdb")
    rid = stages.simulate(con, p, stages.Options())
    rows = con.execute("SELECT peril, perspective, return_period, exact_low, exact_high, "
                       "simulated, std_error, z FROM ep_exact WHERE run_id = ?", [rid]).fetchall()
    got = {(r[0], r[1]) for r in rows}
    assert got == {("a", "ground_up"), ("a", "gross"), ("b", "ground_up"), ("b", "gross"),
                   ("(portfolio)", "ground_up"), ("(portfolio)", "gross"), ("(portfolio)", "net")}
    for peril, persp, rp, lo, hi, sim, se, z in rows:
        assert lo <= hi
        if rp in (0.0, 2.0, 10.0, 50.0, 100.0):
            assert z <= 4.5, (peril, persp, rp, lo, hi, sim, se)
        if rp == 0.0 and peril != "(portfolio)":
            assert (hi - lo) / hi < 0.02                    # a tight bracket
    flags = dict(con.execute("SELECT code, severity FROM run_flags WHERE run_id = ?",
                             [rid]).fetchall())
    assert flags.get("market_rate") == "info"


def test_mean_occurrence_loss_against_limited_expected_values():
    """Pareto I (alpha, s): E[X ^ u] = alpha s / (alpha - 1) - s^alpha u^(1 - alpha) / (alpha - 1)
    for u >= s; lognormal: E[X ^ u] = e^(mu + sigma^2/2) Phi((ln u - mu - sigma^2) / sigma)
    + u (1 - Phi((ln u - mu) / sigma)) (Loss Models, appendix A)."""
    from riskengine.core.aggregate import mean_occurrence_loss
    from riskengine.perils.distributions import Lognormal, Pareto

    a, s, d, lim = 1.8, 2e7, 5e5, 2e8
    lev = lambda u: a * s / (a - 1) - s ** a * u ** (1 - a) / (a - 1)       # noqa: E731
    par = Pareto(distribution="pareto", shape=a, scale=s)
    assert mean_occurrence_loss(par, d, lim) == pytest.approx(lev(d + lim) - d, rel=1e-9)
    mu, sg = 14.0, 1.5
    Phi = stats.norm.cdf

    def lev_ln(u):
        return (np.exp(mu + sg ** 2 / 2) * Phi((np.log(u) - mu - sg ** 2) / sg)
                + u * (1 - Phi((np.log(u) - mu) / sg)))

    ln = Lognormal(distribution="lognormal", mu=mu, sigma=sg)
    assert mean_occurrence_loss(ln, d, lim) == pytest.approx(lev_ln(d + lim) - lev_ln(d), rel=1e-9)
    # franchise: E[X ^ L] - E[X ^ d] + d S(d)
    sd = 1 - Phi((np.log(d) - mu) / sg)
    assert mean_occurrence_loss(ln, d, lim, franchise=True) == pytest.approx(
        lev_ln(lim) - lev_ln(d) + d * sd, rel=1e-9)
    assert mean_occurrence_loss(Pareto(distribution="pareto", shape=0.9, scale=1.0)) == np.inf


@pytest.mark.parametrize("sev", [
    dict(distribution="exponential", mean=3.0), dict(distribution="gamma", shape=2.5, scale=2.0),
    dict(distribution="lognormal", mu=1.0, sigma=0.8), dict(distribution="pareto", shape=1.8, scale=2.0),
    dict(distribution="pareto", shape=1.0, scale=2.0), dict(distribution="weibull", shape=0.7, scale=3.0),
    dict(distribution="uniform", low=1.0, high=5.0)])
def test_limited_expected_values_closed_forms(sev):
    """E[X ^ u] = int_0^u S(x) dx, by adaptive quadrature, against the closed forms."""
    from scipy import integrate

    from riskengine.core.aggregate import limited_mean
    from riskengine.perils.base import Entry  # noqa: F401  (registry import order)
    from riskengine.perils.distributions import Severity
    from pydantic import TypeAdapter

    s = TypeAdapter(Severity).validate_python(sev)
    cdf, _, _ = severity_dist(s)
    for u in (0.5, 2.5, 7.0):
        ref = integrate.quad(lambda x: 1 - cdf(x), 0, u, points=[1, 2, 5], epsrel=1e-12,
                             limit=200)[0]
        assert limited_mean(s, u) == pytest.approx(ref, rel=1e-9, abs=1e-12)
