"""Accelerator capacity loss per satellite (issue #18): the fixed-rate attrition peril
against the exact binomial formula, spares per satellite, the per-satellite deductible,
cumulative constructive total loss, no attrition after a total loss, damage never above the
sum insured, and random failures and radiation drawing on the same units."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskengine.config import Policy, parse_portfolio
from riskengine.core.engine import deplete
from riskengine.core.sources import lost_units_pmf
from riskengine.losses import generic_hazard_set, simulate_arrays

YEARS = 40_000


def _portfolio(n_sat=50, acc=16, spares=0.125, rate=0.05, share=0.5, si=1e8, extra=(),
               deductible=0.0, ctl=0.75):
    return parse_portfolio({
        "simulation": {"years": YEARS, "seed": 7},
        "fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53, "planes": 1,
                   "per_plane": n_sat, "sum_insured": si, "accelerators": acc,
                   "accelerator_spares": spares, "payload_share": share}],
        "perils": [{"type": "accelerator_attrition", "params": {"rate_per_unit_year": rate}},
                   *extra],
        "policy": {"deductible": deductible, "ctl_threshold": ctl}})


def _exact_aal(n_sat, acc, spares, rate, share, si, deductible):
    """AAL of the GUIDE semantics: K ~ Bin(acc, 1 - exp(-rate)); claim per satellite =
    max(0, share * si * max(0, K - spares) / acc - deductible)."""
    p = -np.expm1(-rate)
    k = np.arange(acc + 1)
    lost = np.maximum(0, k - spares)
    claim = np.maximum(0.0, share * si * lost / acc - deductible)
    return n_sat * float((stats.binom.pmf(k, acc, p) * claim).sum())


@pytest.mark.parametrize("rate, deductible", [(0.05, 0.0), (0.15, 0.0), (0.15, 4e6)])
def test_fixed_rate_attrition_matches_the_binomial_formula(rate, deductible):
    p = _portfolio(rate=rate, deductible=deductible)
    r = simulate_arrays(generic_hazard_set(p), p.policy, seed=3, years=YEARS)
    exact = _exact_aal(50, 16, 2, rate, 0.5, 1e8, deductible)
    se = r.gross.std(ddof=1) / np.sqrt(YEARS)
    assert abs(r.gross.mean() - exact) < 4 * se + 1e-9 * exact, (r.gross.mean(), exact, se)


def test_a_deductible_above_one_unit_pays_nothing_for_single_failures():
    """No spares, one unit is worth 0.5 * 1e8 / 16 = $3.125 m, the deductible $3.2 m: one
    failed unit pays nothing, two pay 2 x 3.125 - 3.2."""
    p = _portfolio(spares=0.0, rate=0.01, deductible=3.2e6)
    r = simulate_arrays(generic_hazard_set(p), p.policy, seed=4, years=YEARS)
    exact = _exact_aal(50, 16, 0, 0.01, 0.5, 1e8, 3.2e6)
    single_only = _exact_aal(50, 16, 0, 0.01, 0.5, 1e8, 0.0) - exact
    assert single_only > 0
    se = r.gross.std(ddof=1) / np.sqrt(YEARS)
    assert abs(r.gross.mean() - exact) < 4 * se


def test_spares_belong_to_each_satellite():
    """The share of satellite-years with a claim is P(K > spares) of ONE satellite, not a
    fleet-wide pool reset every year."""
    p = _portfolio(n_sat=20, acc=8, spares=0.25, rate=0.2)
    r = simulate_arrays(generic_hazard_set(p), p.policy, seed=5, years=20_000)
    q = 1 - np.exp(-0.2)
    per_sat = stats.binom.sf(2, 8, q)                 # more than 2 of 8 fail
    claims = r.ground_up / (0.5 * 1e8 / 8)            # lost units summed over the fleet
    exact_mean_units = 20 * float(sum(stats.binom.pmf(k, 8, q) * max(0, k - 2)
                                      for k in range(9)))
    assert claims.mean() == pytest.approx(exact_mean_units, rel=0.03)
    assert per_sat > 0.1


def test_no_attrition_after_a_total_loss_and_never_above_the_sum_insured():
    lost_for_sure = {"type": "independent_failure", "annual_probability": 1.0}
    p = _portfolio(rate=2.0, extra=[lost_for_sure])
    r = simulate_arrays(generic_hazard_set(p), p.policy, seed=6, years=2_000)
    assert np.allclose(r.gross, 50 * 1e8)            # each satellite paid once, in full
    acc = r.components["peril"]
    assert acc.names == ["independent_failure", "accelerator_attrition"]
    assert acc.mean()[1] == 0.0                       # attrition after the loss pays nothing


def test_damage_accumulates_to_a_constructive_total_loss():
    rem, ctl = deplete(np.array([7, 7, 7]), np.array([0.4, 0.4, 0.3]), 0.75)
    assert rem.tolist() == [1.0, pytest.approx(0.6), 0.0] and ctl.tolist() == [False, True, False]
    # two partial hits of 40 % each: the second takes the satellite past 75 %: paid in full
    shock = {"type": "common_shock", "rate": 50.0, "satellite_probability": 1.0,
             "damage_fraction": 0.4}
    p = parse_portfolio({"fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53,
                                    "planes": 1, "per_plane": 1, "sum_insured": 1e8}],
                         "perils": [shock], "policy": {"ctl_threshold": 0.75}})
    r = simulate_arrays(generic_hazard_set(p), p.policy, seed=1, years=500)
    assert r.gross.max() <= 1e8 * (1 + 1e-12) and np.mean(np.isclose(r.gross, 1e8)) > 0.99


def test_random_and_dose_failures_share_units_and_spares():
    """Lost units L = max(0, K - S): K ~ Bin(n, 1 - (1-pa)(1-pd)), usable spares
    S ~ Bin(s, 1 - pd) (irradiated too)."""
    n, s, pa, pd = 10, 3, 0.1, 0.2
    pmf = lost_units_pmf(n, s, pa, pd)
    q = 1 - (1 - pa) * (1 - pd)
    rng = np.random.default_rng(0)
    k = rng.binomial(n, q, 400_000)
    sp = rng.binomial(s, 1 - pd, 400_000)
    emp = np.bincount(np.maximum(0, k - sp), minlength=n + 1) / 400_000
    assert np.allclose(pmf, emp, atol=3e-3) and pmf.sum() == pytest.approx(1.0)
