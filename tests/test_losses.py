"""Loss engine against exact references (closed forms, FFT/Panjer brackets, Markov chain).

Tolerances are Monte Carlo standard errors: an empirical CDF value F_n(z) has standard
error sqrt(F (1 - F) / n); we accept 4.5 of them (a false alarm about once in 150,000
comparisons). Lattice losses (whole satellites) are compared by CDF between lattice
points, never by quantiles.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskengine.config import Exponential, Lognormal, Poisson, Policy
from riskengine.losses import HazardSet, hazard_set_from_rows, simulate_arrays
from riskengine.core.sources import CompoundSource
from tests._loss_refs import (
    bracket_pmfs,
    fleet_lost_pmf,
    fleet_max_occurrence_cdf,
    poisson_compound_pmf,
)

Z = 4.5


def _ecdf(x, z):
    return np.searchsorted(np.sort(x), z, side="right") / len(x)


def _check_cdf(sample, z, lo, hi=None):
    """lo <= F <= hi (exact bounds) within Z Monte Carlo standard errors."""
    hi = lo if hi is None else hi
    n = len(sample)
    f = _ecdf(sample, z)
    mid = (np.asarray(lo) + np.asarray(hi)) / 2
    se = np.sqrt(np.clip(mid * (1 - mid), 1 / n, None) / n)
    bad = (f < lo - Z * se) | (f > hi + Z * se)
    assert not bad.any(), (z[bad], f[bad], np.asarray(lo)[bad], np.asarray(hi)[bad])


def _compound(sev, lam=3.0, pol=None, years=200_000, seed=11):
    hs = HazardSet(np.zeros(0), np.zeros(0, int), [], [
        CompoundSource("c", Poisson(distribution="poisson", mean=lam), sev)])
    return simulate_arrays(hs, pol or Policy(), seed=seed, years=years)


def _bracket_cdf(lam, cdf, h, m, z, left=None):
    down, up = bracket_pmfs(cdf, h, m, left)
    Fd = np.cumsum(poisson_compound_pmf(lam, down))  # X rounded down: CDF upper bound
    Fu = np.cumsum(poisson_compound_pmf(lam, up))
    k = np.floor(np.asarray(z) / h + 1e-9).astype(int)
    return Fu[k], Fd[k]


def test_poisson_exponential_exact_cdf_aal_oep():
    lam, theta = 3.0, 2e6
    r = _compound(Exponential(distribution="exponential", mean=theta), lam)
    z = np.array([1e5, 1e6, 3e6, 6e6, 1e7, 2e7, 3e7])
    # closed form: P(S <= z) = e^-lam + sum_n Pois(n) Gamma(n, theta).cdf(z)
    n = np.arange(1, 80)
    exact = np.exp(-lam) + (stats.poisson.pmf(n, lam)[:, None]
                            * stats.gamma.cdf(z[None, :], n[:, None], scale=theta)).sum(0)
    _check_cdf(r.gross, z, exact)
    assert abs(r.gross.mean() - lam * theta) < Z * r.gross.std() / np.sqrt(len(r.gross))
    # OEP: P(max occurrence <= x) = exp(-lam P(X > x))
    _check_cdf(r.oep, z[:5], np.exp(-lam * np.exp(-z[:5] / theta)))
    assert np.array_equal(r.gross, r.ground_up)


def test_poisson_lognormal_bracketed_by_fft():
    lam, mu, sigma = 3.0, 0.0, 1.0
    r = _compound(Lognormal(distribution="lognormal", mu=mu, sigma=sigma), lam)
    z = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0])
    ln = stats.lognorm(sigma, scale=np.exp(mu))
    lo, hi = _bracket_cdf(lam, ln.cdf, 0.005, 60_000, z)
    assert np.all(hi - lo < 0.02)
    _check_cdf(r.gross, z, lo, hi)
    assert abs(r.gross.mean() - lam * np.exp(mu + sigma**2 / 2)) < Z * r.gross.std() / np.sqrt(len(r.gross))


def test_layered_cover_occurrence_and_aggregate_terms():
    lam, theta = 3.0, 1.0
    d, l, D, L = 0.3, 2.0, 1.0, 4.0
    pol = Policy(occurrence_deductible=d, occurrence_limit=l, aggregate_deductible=D,
                 aggregate_limit=L)
    r = _compound(Exponential(distribution="exponential", mean=theta), lam, pol)
    h, m = 0.002, int(l / 0.002)
    F = stats.expon(scale=theta).cdf
    # Y = min((X - d)+, l): atoms at 0 and l
    cdf_y = lambda y: np.where(y >= l - 1e-12, 1.0, F(y + d))  # noqa: E731
    left_y = lambda y: np.where(y <= 0, 0.0, F(np.minimum(y, l) + d))  # noqa: E731
    down, up = bracket_pmfs(cdf_y, h, m, left_y)
    Fd = np.cumsum(poisson_compound_pmf(lam, down))
    Fu = np.cumsum(poisson_compound_pmf(lam, up))
    z = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 3.9])  # annual loss after aggregate terms
    k = np.floor((z + D) / h + 1e-9).astype(int)
    _check_cdf(r.gross, z, Fu[k], Fd[k])
    assert r.gross.max() <= L and np.isclose(r.gross.max(), L)
    assert np.mean(r.gross >= L) > 0  # the limit is reached in some years
    # occurrence terms: OEP = P(max Y <= y) = exp(-lam P(Y > y)). The gross OEP is taken
    # after the aggregate terms too (each occurrence pays its share of them in order), so
    # the closed form is that of the same cover without aggregate terms (same seed)
    r_occ = _compound(Exponential(distribution="exponential", mean=theta), lam,
                      Policy(occurrence_deductible=d, occurrence_limit=l))
    y = np.array([0.2, 0.7, 1.5, 1.99])
    _check_cdf(r_occ.oep, y, np.exp(-lam * (1 - F(y + d))))
    assert r_occ.oep.max() <= l
    assert (r.oep <= r_occ.oep + 1e-12).all()    # aggregate terms never raise an occurrence


@pytest.mark.parametrize("n, p, rate, s, years", [
    (1000, 0.01, 0.3, 0.02, 40_000),   # sparse hit sampling
    (40, 0.05, 1.0, 0.3, 40_000),      # dense hit sampling (high hit probability)
])
def test_constellation_failures_and_common_shocks(n, p, rate, s, years):
    si = 2e7
    hs = HazardSet(np.full(n, si), np.zeros(n, int), ["shell"], [])
    hs.add_independent_failure("hardware", p)
    hs.add_common_shock("storm", rate, s)
    r = simulate_arrays(hs, Policy(), seed=5, years=years)
    lost = fleet_lost_pmf(n, -np.log1p(-p), rate, s)
    ks = np.array([k for k in (0, 2, 5, 10, 15, 20, 30, 40, 60) if k < n])
    _check_cdf(r.gross, (ks + 0.5) * si, np.cumsum(lost)[ks])
    for k in (1, 3, 10, 25, 40):
        if k >= n:
            continue
        _check_cdf(r.oep, np.array([(k + 0.5) * si]),
                   np.array([fleet_max_occurrence_cdf(n, -np.log1p(-p), rate, s, k)]))
    # depletion: never more satellites lost than the fleet has, losses are whole satellites
    assert r.gross.max() <= n * si
    assert np.allclose(r.gross / si, np.round(r.gross / si))


def test_posterior_draws_one_draw_per_year():
    """Rows with a draw index: each year uses one draw for every satellite, so annual
    counts are a mixture of binomials, not the binomial of the mean rate."""
    n, rates = 200, (0.01, 0.08)
    base = HazardSet(np.full(n, 1.0), np.zeros(n, int), ["g"], [])
    rows = {"fleet_group": ["g", "g"], "satellite_id": [None, None],
            "peril": ["hardware", "hardware"], "scope": ["satellite"] * 2,
            "annual_rate": list(rates), "hit_probability": [1.0, 1.0],
            "severity": ["total"] * 2, "severity_a": [None] * 2, "severity_b": [None] * 2,
            "draw": [0, 1]}
    hs = hazard_set_from_rows(rows, base)
    assert hs.n_draws == 2
    r = simulate_arrays(hs, Policy(ctl_threshold=1.0), seed=3, years=60_000)
    k = np.array([0, 2, 4, 8, 12, 16, 20, 25])
    mix = np.mean([stats.binom.cdf(k, n, 1 - np.exp(-lam)) for lam in rates], axis=0)
    _check_cdf(r.gross, k + 0.5, mix)


def test_event_scope_hazard_rows_with_beta_severity():
    n = 500
    base = HazardSet(np.full(n, 1e6), np.zeros(n, int), ["g"], [])
    rows = {"fleet_group": ["g"], "satellite_id": [None], "peril": ["breakup"],
            "scope": ["event"], "annual_rate": [0.5], "hit_probability": [0.04],
            "severity": ["beta"], "severity_a": [2.0], "severity_b": [3.0], "draw": [None]}
    hs = hazard_set_from_rows(rows, base)
    pol = Policy(ctl_threshold=0.75, deductible=1e4)
    r = simulate_arrays(hs, pol, seed=9, years=40_000)
    # expected insured loss per hit (depletion negligible: 0.04 hit prob, 0.5 events/yr
    # -> second hits on a satellite in a year are rare, ~1e-3 of hits)
    b = stats.beta(2, 3)
    ctl = 1 - b.cdf(0.75)
    x = np.linspace(0.0, 0.75, 20001)
    part = np.trapezoid(np.maximum(x * 1e6 - 1e4, 0) * b.pdf(x), x)
    per_hit = ctl * (1e6 - 1e4) + part
    aal = 0.5 * n * 0.04 * per_hit
    assert abs(r.gross.mean() - aal) < Z * r.gross.std() / np.sqrt(len(r.gross)) + 2e-3 * aal


def test_failure_draws_per_group_mixture():
    """Posterior draws per fleet group (as the Bayesian stage gives them): the same draw
    is used for all groups in a year, so the groups' losses are correlated."""
    n = 100
    hs = HazardSet(np.full(2 * n, 1.0), np.repeat([0, 1], n), ["a", "b"], [])
    draws = {"a": np.array([0.01, 0.1]), "b": np.array([0.01, 0.1])}
    hs.add_failure_draws("hardware", draws)
    r = simulate_arrays(hs, Policy(), seed=8, years=40_000)
    k = np.array([1, 3, 6, 10, 20, 25, 30])
    mix = np.mean([stats.binom.cdf(k, 2 * n, p) for p in (0.01, 0.1)], axis=0)
    _check_cdf(r.gross, k + 0.5, mix)
    ga, gb = r.by_group[:, 0], r.by_group[:, 1]
    assert np.corrcoef(ga, gb)[0, 1] > 0.5


def test_posterior_draws_from_bayes_stage_shape():
    """The hardware peril turns per-draw group hazards into bus and accelerator sources."""
    from riskengine.config import FleetGroup
    from riskengine.fleet import ResolvedFleet
    from riskengine.perils import LossContext, instantiate, validate_entry

    gs = [FleetGroup(name="a", altitude_km=550, inclination_deg=53, planes=5, per_plane=10,
                     sum_insured=1e8, accelerators=16, payload_share=0.5),
          FleetGroup(name="b", altitude_km=550, inclination_deg=53, planes=2, per_plane=10,
                     sum_insured=5e7)]
    fleet = ResolvedFleet(gs, [None, None])
    hs = HazardSet(np.r_[np.full(50, 1e8), np.full(20, 5e7)], np.repeat([0, 1], [50, 20]),
                   ["a", "b"], [])
    d = {"hardware": np.array([[0.01, 0.03], [0.02, 0.05]]),
         "accelerator": np.array([[0.1, 0.1], [0.05, 0.05]]), "radiation": np.zeros((2, 2))}
    d.update(accelerator_ground_rate=-np.log1p(-d["accelerator"]), log_phi=np.zeros(2),
             age=np.zeros((2, 2)))   # phi = 1, new satellites: the rates above
    ctx = LossContext(fleet=fleet)
    ctx.shared["posterior_draws"] = d
    instantiate([validate_entry({"type": "hardware"})])[0].add_sources(hs, ctx)
    from riskengine.perils import _capacity

    _capacity.finalize(hs, ctx)
    r = simulate_arrays(hs, Policy(), seed=1, years=20_000)
    hw = np.mean([50 * 1e8 * d["hardware"][k, 0] + 20 * 5e7 * d["hardware"][k, 1] for k in (0, 1)])
    # group a: 16 accelerators, no spares: expected lost units 16 p per satellite-year, on
    # satellites whose bus survived the year (attrition is dated at the year's end)
    acc = np.mean([50 * 16 * d["accelerator"][k, 0] * (1 - d["hardware"][k, 0]) * 0.5 * 1e8
                   / 16 for k in (0, 1)])
    est = r.by_peril.mean(0)
    se = r.by_peril.std(0) / np.sqrt(20_000)
    assert abs(est[0] - hw) < 4.5 * se[0] and abs(est[1] - acc) < 4.5 * se[1]
    assert r.by_group[:, 1].sum() > 0  # group b: hardware only (no accelerators)
