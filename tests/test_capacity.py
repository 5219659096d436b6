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


def test_spares_used_before_the_year_follow_a_poisson_count():
    """A satellite of age a has used K0 ~ Poisson(n rate a) of its spares before the
    insured year: the lost-units pmf is the binomial formula averaged over what is left,
    checked against a direct simulation of the same process."""
    n, s, p, used = 16, 3, 0.08, 2.2
    pmf = lost_units_pmf(n, s, p, 0.0, used)
    rng = np.random.default_rng(5)
    m = 400_000
    left = np.maximum(0, s - rng.poisson(used, m))
    lost = np.maximum(0, rng.binomial(n, p, m) - left)
    emp = np.bincount(lost, minlength=n + 1) / m
    tol = 4 * np.sqrt(pmf * (1 - pmf) / m) + 1e-12
    assert np.all(np.abs(pmf - emp) <= tol), np.c_[pmf, emp, tol]
    # exact at the extremes: nothing used = fresh spares; everything used = no spares
    np.testing.assert_allclose(lost_units_pmf(n, s, p, 0.0, 0.0), lost_units_pmf(n, s, p))
    np.testing.assert_allclose(lost_units_pmf(n, s, p, 0.0, 1e6), stats.binom.pmf(
        np.arange(n + 1), n, p), atol=1e-12)


def test_batch_defect_expected_loss_and_correlation():
    """A batch defect (BatchSource): E[annual loss] = batches x q x m x E[A] x SI x
    (E[T] + (1 - E[T]) d); satellites of one batch are hit together, batches independently."""
    from riskengine.core.sources import HazardSet

    n_sat, size, si, d = 120, 40, 1e8, 0.33
    hs = HazardSet(np.full(n_sat, si), np.zeros(n_sat, int), ["g"], [])
    draws = {k: np.array([v]) for k, v in dict(defect_probability=0.1, affected_a=3.0,
             affected_b=1.0, lost_a=1.0, lost_b=3.0).items()}
    hs.add_batch_defects("batch_defect", size, draws, d)
    years = 60_000
    r = simulate_arrays(hs, Policy(), seed=2, years=years)
    ea, et = 3.0 / 4.0, 1.0 / 4.0
    exact = 3 * 0.1 * size * ea * si * (et + (1 - et) * d)
    se = r.gross.std(ddof=1) / np.sqrt(years)
    assert abs(r.gross.mean() - exact) < 4 * se, (r.gross.mean(), exact, se)
    # one occurrence per defective batch: at most 3 a year, each within one batch
    assert r.n_events <= 3 * years
    # correlated within a batch: the annual loss variance is far above independent failures
    # with the same mean (each satellite lost independently with the same probability)
    p_equiv = exact / (n_sat * si)
    assert r.gross.var() > 10 * n_sat * si**2 * p_equiv * (1 - p_equiv)


def test_capacity_claim_is_one_per_satellite_and_year():
    """Random and dose failures of one satellite in one year are ONE claim (one
    deductible), booked under one cause in proportion to the causes' probabilities."""
    from riskengine.core.sources import HazardSet

    hs = HazardSet(np.full(200, 1e8), np.zeros(200, int), ["g"], [])
    hs.add_capacity_draws("accelerator", "radiation", {"g": np.array([0.2])},
                          {"g": np.array([0.2])}, {"g": 8}, {"g": 0}, {"g": 0.5})
    years = 5000
    r = simulate_arrays(hs, Policy(), seed=9, years=years)
    p_any = 1 - (1 - 0.2) ** 2
    claims_per_year = 200 * (1 - (1 - p_any) ** 8)
    assert r.n_events / years == pytest.approx(claims_per_year, rel=0.01)
    by = dict(zip(r.perils, r.by_peril.mean(axis=0)))
    # a unit fails from dose w.p. 0.2, otherwise at random w.p. 0.2: causes 0.2 : 0.16
    assert by["radiation"] / by["accelerator"] == pytest.approx(0.2 / 0.16, rel=0.05)


@pytest.mark.parametrize("labels", [("accelerator", "radiation"), ("accelerator", None),
                                    (None, "radiation")])
@pytest.mark.parametrize("n_acc", [8, 80])
def test_compiled_one_year_claims_are_the_numpy_steps(labels, n_acc, monkeypatch):
    """A one-year block's capacity claims (a large fleet's every block) come from one
    compiled pass: the same claims as the NumPy steps to the bit (years, satellites,
    damages, labels) and the generator left in the same state, for each labelling, for a
    CDF row searched by count (<= 64 units) and by bisection, and with the draws of
    several parameter sets."""
    from riskengine.core import engine
    from riskengine.core.sources import HazardSet

    rng = np.random.default_rng(4)
    hs = HazardSet(np.full(3000, 1e8), np.repeat([0, 1], 1500), ["g", "h"], [])
    nd = 7
    hs.add_capacity_draws(labels[0], labels[1],
                          {"g": rng.random(nd) * 0.3, "h": rng.random(nd) * 0.05},
                          {"g": rng.random(nd) * 0.2, "h": np.zeros(nd)},
                          {"g": n_acc, "h": 4}, {"g": 2, "h": 0}, {"g": 0.6, "h": 0.3})
    src = hs.sources[0]
    for block in range(6):
        draw = np.array([block % nd])
        a_rng, b_rng = np.random.default_rng(block), np.random.default_rng(block)
        monkeypatch.setattr(engine, "_CAPACITY_KERNEL", True)
        got = engine._capacity_claims(src, draw, a_rng)
        monkeypatch.setattr(engine, "_CAPACITY_KERNEL", False)
        want = engine._capacity_claims(src, draw, b_rng)
        for x, y in zip(got[:4], want[:4]):
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes()
        assert len(got[0]) > 100
        assert a_rng.bit_generator.state == b_rng.bit_generator.state


@pytest.mark.parametrize("labels", [("accelerator", "radiation"), ("accelerator", None),
                                    (None, "radiation")])
def test_compiled_one_year_claims_with_solar_dose_are_the_numpy_steps(labels, monkeypatch):
    """A one-year block with solar particle events (a million-satellite year has them in
    ~40 % of its years) takes its capacity claims from the compiled pass too: the claims
    (years, satellites, damages, labels), the hits booked to the solar events and the
    generator's state after them are those of the NumPy steps to the bit, with 0, 1 and
    several events in the year."""
    from riskengine.core import engine
    from riskengine.core.radiation import conditional_failure_probability
    from riskengine.core.sources import HazardSet, SolarDose
    from riskengine.core.spe import SPEModel

    rng = np.random.default_rng(8)
    hs = HazardSet(np.full(3000, 1e8), np.repeat([0, 1], 1500), ["g", "h"], [])
    nd, mu, sigma = 5, np.log(300.0), 0.5
    hs.add_solar_events("solar_particle_event", SPEModel(2.0, 9.0, 0.3))
    p_static = conditional_failure_probability(100.0, 50.0, mu, sigma)
    hs.add_capacity_draws(
        labels[0], labels[1],
        {"g": rng.random(nd) * 0.2, "h": rng.random(nd) * 0.05},
        {"g": np.full(nd, p_static), "h": np.full(nd, p_static)},
        {"g": 8, "h": 80}, {"g": 1, "h": 0}, {"g": 0.6, "h": 0.3},
        solar=SolarDose("solar_particle_event", {"g": 2e-7, "h": 1e-7},
                        {"g": np.full(nd, mu), "h": np.full(nd, mu + 0.2)},
                        {"g": np.full(nd, sigma), "h": np.full(nd, sigma)},
                        {"g": 100.0, "h": 100.0}, {"g": 50.0, "h": 50.0}))
    src = next(s for s in hs.sources if isinstance(s, engine.CapacitySource))
    booked = 0
    for block, k in enumerate([0, 1, 3, 1, 2, 5]):
        draw = np.array([block % nd])
        solar = (np.zeros(k, np.int64), 10 ** rng.normal(9.0, 0.3, k))
        a_rng, b_rng = np.random.default_rng(block), np.random.default_rng(block)
        monkeypatch.setattr(engine, "_CAPACITY_KERNEL", True)
        got = engine._capacity_claims(src, draw, a_rng, solar)
        monkeypatch.setattr(engine, "_CAPACITY_KERNEL", False)
        want = engine._capacity_claims(src, draw, b_rng, solar)
        for x, y in zip(got[:4] + got[4], want[:4] + want[4]):
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes()
        assert len(got[0]) > 100
        assert a_rng.bit_generator.state == b_rng.bit_generator.state
        booked += len(got[4][0])
    assert booked > 0 or labels[1] is None        # (some claims went to the solar events)
