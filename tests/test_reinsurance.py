"""Reinsurance and the terms the market uses, each against an exact small case.

* excess of loss with one reinstatement on a compound Poisson peril: expected ceded loss and
  reinstatement premium by hand (a two-point severity whose large losses exhaust the layer)
  and by the FFT aggregate distribution (exponential severity), against the simulation;
* quota share, and its inurement to an excess-of-loss layer, by hand;
* per-risk (per-satellite) excess of loss with and without a reinstatement, exact through
  the binomial number of satellites lost;
* agreed value by age (depreciation), exact mean;
* net = gross - ceded, year by year.

Monte Carlo comparisons accept 4.5 standard errors (a false alarm about once in 150,000).
"""

from __future__ import annotations

from types import SimpleNamespace as L

import numpy as np
import pytest
from scipy import stats

from riskengine.config import Empirical, Exponential, Poisson, Policy, Pricing, ReinsuranceLayer
from riskengine.core.aggregate import compound_fft, occurrence_terms_dist
from riskengine.core.pricing import price, price_layers
from riskengine.core.reinsurance import cede, erode, reinstatement_factor
from riskengine.core.sources import CompoundSource
from riskengine.losses import HazardSet, simulate_arrays

Z = 4.5


def _close(est, se, exact, tol=0.0):
    assert abs(est - exact) <= Z * se + tol, (est, exact, se)


def _compound(sev, lam, pol, years=200_000, seed=3):
    hs = HazardSet(np.zeros(0), np.zeros(0, int), [], [
        CompoundSource("c", Poisson(distribution="poisson", mean=lam), sev)])
    return simulate_arrays(hs, pol, seed=seed, years=years)


# ---------------------------------------------------------------- core, by hand
def test_erode_uses_the_aggregate_layer_in_order():
    # a 50 xs 40 annual layer: the first loss erodes the deductible, the next ones the limit
    x = np.array([30.0, 30.0, 30.0, 30.0, 100.0])
    y = np.array([0, 0, 0, 0, 1])
    assert erode(x, y, 40.0, 50.0).tolist() == [0.0, 20.0, 30.0, 0.0, 50.0]


def test_reinstatement_factor_pro_rata_to_amount():
    # two reinstatements at 100 % and 50 % of a 10 limit: a loss of 25 reinstates 10 at
    # 100 % and 10 at 50 % (the last 5 is the second reinstatement's own cover)
    assert reinstatement_factor(np.array([25.0]), 10.0, [1.0, 0.5]).tolist() == [1.5]
    assert reinstatement_factor(np.array([4.0]), 10.0, [1.0, 0.5]).tolist() == [0.4]


def test_occurrence_layer_with_one_reinstatement_by_hand():
    ly = L(type="xol", basis="occurrence", attachment=40.0, limit=60.0, share=0.5,
           reinstatements=1, reinstatement_premium=[1.0])
    # year 0: three losses of 100 (the layer's 2 x 60 is used up by the first two);
    # year 1: one loss of 70 (30 to the layer)
    ev = np.array([100.0, 100.0, 100.0, 70.0])
    c = cede([ly], ev, np.array([0, 0, 0, 1]), 2)
    assert c.layer_loss.tolist() == [[120.0, 30.0]]
    assert c.ceded.tolist() == [[60.0, 15.0]]
    assert c.ev_net.tolist() == [70.0, 70.0, 100.0, 55.0]
    assert c.rho.tolist() == [[1.0, 0.5]]
    # the price: E[P (1 + rho)] = (1 + m) E[ceded]
    lp = price_layers([L(name="xl", basis="occurrence", margin=0.2)], c.ceded.sum(1),
                      (c.ceded ** 2).sum(1), 2, c.rho)[0]
    assert lp.upfront_premium == pytest.approx(1.2 * 37.5 / 1.75)
    assert lp.upfront_premium + lp.expected_reinstatement_premium == pytest.approx(1.2 * 37.5)


def test_quota_share_inures_to_the_excess_of_loss():
    qs = L(type="quota_share", share=0.25)
    xl = L(type="xol", basis="occurrence", attachment=30.0, limit=100.0, share=1.0)
    c = cede([qs, xl], np.array([40.0, 200.0]), np.array([0, 0]), 1)
    # quota share 10 + 50; the XoL sees 30 and 150: 0 + 100
    assert c.ceded.tolist() == [[60.0], [100.0]]
    assert c.ev_net.tolist() == [30.0, 50.0]


def test_per_risk_layer_by_hand():
    pr = L(type="xol", basis="risk", attachment=40.0, limit=50.0, share=1.0,
           reinstatements=0, reinstatement_premium=[])
    # one occurrence hitting three satellites (30, 80, 150) then another (150): the layer's
    # single limit of 50 a year is used up by the first two risks that reach it
    c = cede([pr], np.array([260.0, 150.0]), np.array([0, 0]), 1,
             hit_ev=np.array([0, 0, 0, 1]), hit_gross=np.array([30.0, 80.0, 150.0, 150.0]))
    assert c.ceded.tolist() == [[50.0]]
    assert c.hit_net.tolist() == [30.0, 40.0, 140.0, 150.0]
    assert c.ev_net.tolist() == [210.0, 150.0]
    unlimited = L(type="xol", basis="risk", attachment=40.0, limit=50.0, share=1.0)
    c = cede([unlimited], np.array([260.0]), np.array([0]), 1, hit_ev=np.array([0, 0, 0]),
             hit_gross=np.array([30.0, 80.0, 150.0]))
    assert c.ceded.tolist() == [[90.0]]


# ------------------------------------------------ compound Poisson under an XoL layer
def test_xol_one_reinstatement_two_point_severity_exact():
    """Losses of 10 (p 0.6) and 30 (p 0.4), Poisson(1.5) a year; per-occurrence layer 10 xs
    15 with one reinstatement at 100 %. Only losses of 30 reach the layer, each for its
    whole limit: their number is Poisson(0.6), so by hand
    E[ceded] = 10 (P(N'=1) + 2 P(N'>=2)) and E[rho] = P(N' >= 1)."""
    lam, q = 1.5, 0.4
    sev = Empirical(distribution="empirical", values=[10.0, 30.0], probabilities=[0.6, 0.4])
    ly = ReinsuranceLayer(name="xl", attachment=15, limit=10, basis="occurrence",
                          reinstatements=1, reinstatement_premium=1.0, margin=0.25)
    r = _compound(sev, lam, Policy(reinsurance=[ly]))
    mu = lam * q
    p0, p1 = np.exp(-mu), mu * np.exp(-mu)
    e_ceded = 10 * (p1 + 2 * (1 - p0 - p1))
    e_rho = 1 - p0
    ceded = r.ceded
    _close(ceded.mean(), ceded.std() / np.sqrt(len(ceded)), e_ceded)
    _close(r.rho[0].mean(), r.rho[0].std() / np.sqrt(len(ceded)), e_rho)
    lp = price_layers([ly], r.layer_ceded, r.layer_ceded_sq, r.years, r.rho, 1.0)[0]
    exact_p = 1.25 * e_ceded / (1 + e_rho)
    # the upfront premium and the expected reinstatement premium, exact vs simulated
    assert lp.margin == 0.25
    assert lp.upfront_premium == pytest.approx(exact_p, rel=0.02)
    assert lp.expected_reinstatement_premium == pytest.approx(exact_p * e_rho, rel=0.02)
    # net = gross - ceded year by year; the ceded never exceeds 2 limits
    np.testing.assert_array_equal(r.net, r.gross - r.ceded)
    assert ceded.max() == 20.0


def test_xol_one_reinstatement_exponential_severity_by_fft():
    """Exponential(2) losses, Poisson(3); 2 xs 1 per occurrence, one reinstatement at 50 %:
    the layer's annual loss S is compound Poisson with the layer severity; its exact
    distribution (FFT, bracketed) gives E[min(S, 2L)] and E[rho] = 0.5 E[min(S, L)] / L."""
    lam, theta, a, lim = 3.0, 2.0, 1.0, 2.0
    ly = ReinsuranceLayer(name="xl", attachment=a, limit=lim, basis="occurrence",
                          reinstatements=1, reinstatement_premium=0.5)
    r = _compound(Exponential(distribution="exponential", mean=theta), lam,
                  Policy(reinsurance=[ly]))
    d = stats.expon(scale=theta)
    c, cl, q = occurrence_terms_dist(d.cdf, d.cdf, d.ppf, a, lim)
    agg = compound_fft("poisson", {"mean": lam}, c, q, cdf_left=cl, n=1 << 16)
    lo, hi = agg.mean(lambda s: np.minimum(s, 2 * lim))
    assert hi - lo < 1e-3
    n = r.years
    _close(r.ceded.mean(), r.ceded.std() / np.sqrt(n), (lo + hi) / 2, (hi - lo) / 2)
    rlo, rhi = agg.mean(lambda s: 0.5 * np.minimum(s, lim) / lim)
    _close(r.rho[0].mean(), r.rho[0].std() / np.sqrt(n), (rlo + rhi) / 2, (rhi - rlo) / 2)


def test_quota_share_in_the_engine():
    ly = ReinsuranceLayer(name="qs", type="quota_share", share=0.3)
    pol = Policy(aggregate_deductible=1.0, reinsurance=[ly])
    r = _compound(Exponential(distribution="exponential", mean=1.0), 2.0, pol, years=5000)
    np.testing.assert_allclose(r.ceded, 0.3 * r.gross, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.net, 0.7 * r.gross, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.oep_net, 0.7 * r.oep, rtol=1e-12, atol=1e-12)
    with pytest.raises(Exception, match="quota_share"):
        Policy(reinsurance=[ly, ReinsuranceLayer(name="b", type="quota_share", share=0.8)])


@pytest.mark.parametrize("n_reinst", [None, 1])
def test_per_risk_xol_on_satellite_losses_exact(n_reinst):
    """200 satellites of 100 each, lost independently w.p. 0.02 a year (total losses), a
    per-satellite layer 60 xs 20: each loss cedes 60. K ~ Binomial(200, 0.02) losses a
    year, so E[ceded] = 60 E[K], or with one reinstatement 60 E[min(K, 2)]."""
    n, p, si = 200, 0.02, 100.0
    hs = HazardSet(np.full(n, si), np.zeros(n, int), ["g"], [])
    hs.add_independent_failure("hw", p)
    ly = ReinsuranceLayer(name="pr", attachment=20, limit=60, basis="risk",
                          reinstatements=n_reinst)
    r = simulate_arrays(hs, Policy(reinsurance=[ly]), seed=9, years=100_000)
    k = np.arange(n + 1)
    pk = stats.binom.pmf(k, n, p)
    exact = 60 * (pk @ (k if n_reinst is None else np.minimum(k, 2)))
    _close(r.ceded.mean(), r.ceded.std() / np.sqrt(r.years), exact)
    np.testing.assert_allclose(r.gross, si * np.round(r.gross / si))   # whole satellites
    if n_reinst is None:
        np.testing.assert_allclose(r.net, 40 * r.gross / si, rtol=1e-12)


def test_agreed_value_depreciates_with_age_exact():
    """Satellites 1 year old at inception under the schedule 100 % new, 50 % at 2 years
    (linear): a loss at time t of the year is paid on 0.75 - 0.25 t of the sum insured;
    total losses at a uniform time: E[paid per loss] = 0.625 x sum insured."""
    import datetime as dt

    from riskengine.config import parse_portfolio
    from riskengine.losses import generic_hazard_set

    p = parse_portfolio({
        "simulation": {"years": 50_000, "seed": 4, "inception": "2026-01-01"},
        "fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53, "planes": 10,
                   "per_plane": 10, "sum_insured": 1e6, "launch_date": "2025-01-01",
                   "agreed_value": [[0, 1.0], [2, 0.5]]}],
        "perils": [{"type": "independent_failure", "name": "hw", "annual_probability": 0.03}]})
    hs = generic_hazard_set(p)
    age = (dt.date(2026, 1, 1) - dt.date(2025, 1, 1)).days / 365.25
    assert hs.agreed_value.at_inception() == pytest.approx(1 - 0.25 * age)
    r = simulate_arrays(hs, p.policy, seed=4, years=50_000)
    exact = 100 * 0.03 * 1e6 * (1 - 0.25 * age - 0.125)
    _close(r.gross.mean(), r.gross.std() / np.sqrt(r.years), exact)
    with pytest.raises(Exception, match="inception"):
        parse_portfolio({"fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53,
                                    "planes": 1, "per_plane": 1, "sum_insured": 1.0,
                                    "launch_date": "2025-01-01",
                                    "agreed_value": [[0, 1.0]]}]})


def test_capital_is_held_on_the_net_and_reinsurance_costs():
    """A layer that caps the tail lowers the capital and costs its margin on the expected
    ceded loss; without reinsurance the gross formula is unchanged."""
    rng = np.random.default_rng(5)
    gross = rng.exponential(1.0, 200_000)
    ceded = np.minimum(np.maximum(gross - 3.0, 0.0), 5.0)
    net = gross - ceded
    ly = L(name="xl", basis="aggregate", margin=0.5)
    lp = price_layers([ly], np.array([ceded.sum()]), np.array([(ceded ** 2).sum()]),
                      len(gross))
    pr = price(gross, Pricing(cost_of_capital=0.1, expense_ratio=0.2), Policy(), 1e3,
               net=net, layers=lp)
    plain = price(gross, Pricing(cost_of_capital=0.1, expense_ratio=0.2), Policy(), 1e3)
    v = np.sort(net)[int(np.ceil(len(net) * 0.995)) - 1]
    assert pr.capital == pytest.approx(v - net.mean())
    assert pr.capital < plain.capital
    assert pr.reinsurance_cost == pytest.approx(0.5 * ceded.mean())
    assert pr.premium == pytest.approx((gross.mean() + 0.5 * ceded.mean() + 0.1 * pr.capital)
                                       / 0.8)
