"""The posterior sample's own (MCMC) error: the draws' expected ground-up loss and the MCMC
standard error of its mean over correlated chains (ArviZ), written beside the price.

References: for independent draws the MCMC error of a mean is sd / sqrt(n); a chain with
lag-1 autocorrelation rho (AR(1)) has an effective sample size n (1 - rho) / (1 + rho)
(Geyer 1992, "Practical Markov chain Monte Carlo", Stat. Sci. 7(4)). The launch and
serial-defect expectations are checked exactly (a failed launch loses its satellites;
a defect's expected damage is E[A] (E[T] + (1 - E[T]) partial))."""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.config import Policy
from riskengine.core.campaign import LaunchFailureSource
from riskengine.core.engine import draw_expected_loss
from riskengine.bayes import mean_mcse
from riskengine.core.posterior import Posterior
from riskengine.core.sources import BatchSource, HazardSet, Units
from riskengine.losses import posterior_error_rows, simulate_arrays


def _ar1(rng, chains, n, rho):
    x = np.zeros((chains, n))
    e = rng.standard_normal((chains, n)) * np.sqrt(1 - rho ** 2)
    x[:, 0] = rng.standard_normal(chains)
    for i in range(1, n):
        x[:, i] = rho * x[:, i - 1] + e[:, i]
    return x.ravel()


def test_mcse_of_independent_and_of_autocorrelated_draws():
    rng = np.random.default_rng(2)
    se, ess = mean_mcse(rng.standard_normal(8000), chains=4)
    assert se == pytest.approx(1 / np.sqrt(8000), rel=0.1) and ess == pytest.approx(8000,
                                                                                     rel=0.2)
    rho = 0.9                                   # ESS = n (1 - rho) / (1 + rho) = n / 19
    se, ess = mean_mcse(_ar1(rng, 4, 5000, rho), chains=4)
    assert ess == pytest.approx(20_000 / 19, rel=0.25)
    assert se == pytest.approx(np.sqrt(19 / 20_000), rel=0.15)
    assert np.isnan(mean_mcse(np.ones(6), chains=4)[0])      # fewer than 4 draws a chain
    assert mean_mcse(np.full(400, 2.0), chains=4) == (0.0, 400.0)


def test_launch_and_batch_draws_are_their_exact_expectations():
    si = np.arange(1.0, 13.0) * 1e6
    hs = HazardSet(si, np.zeros(12, int), ["g"], [])
    launches = Units.from_lists([np.arange(4), np.arange(4, 8)])
    hs.sources.append(LaunchFailureSource("launch", launches,
                                          np.array([[0.1, 0.0], [0.0, 0.5]])))
    batch = Units.from_lists([np.arange(8, 12)])
    hs.sources.append(BatchSource("batch", batch, np.array([0.2, 0.4]), np.array([1.0, 3.0]),
                                  np.array([1.0, 1.0]), np.array([1.0, 1.0]),
                                  np.array([3.0, 1.0]), partial_damage=0.5))
    el = draw_expected_loss(hs, launches_and_batches=True)
    s1, s2, s3 = si[:4].sum(), si[4:8].sum(), si[8:].sum()
    e_dmg = [0.5 * (0.25 + 0.75 * 0.5), 0.75 * (0.5 + 0.5 * 0.5)]   # E[A] (E[T] + ...)
    np.testing.assert_allclose(el, [0.1 * s1 + 0.2 * e_dmg[0] * s3,
                                    0.5 * s2 + 0.4 * e_dmg[1] * s3])
    assert np.all(draw_expected_loss(hs) == 0)    # the per-sample classes leave them out


def test_the_batch_expectation_is_what_the_engine_simulates():
    """One batch of 50 satellites, one draw: the simulated ground-up AAL equals the draw's
    expected loss (a defect at most once a year per batch: no depletion between defects)."""
    hs = HazardSet(np.full(50, 1e6), np.zeros(50, int), ["g"], [])
    hs.sources.append(BatchSource("batch", Units.from_lists([np.arange(50)]),
                                  np.array([0.3]), np.array([2.0]), np.array([2.0]),
                                  np.array([1.0]), np.array([3.0]), partial_damage=0.4))
    r = simulate_arrays(hs, Policy(), seed=5, years=40_000)
    el = draw_expected_loss(hs, launches_and_batches=True)[0]
    assert abs(r.ground_up.mean() - el) < 4.5 * r.ground_up.std() / np.sqrt(40_000)


def test_posterior_error_rows_take_the_fits_chains():
    rng = np.random.default_rng(8)
    p = np.clip(0.02 + 0.01 * _ar1(rng, 4, 500, 0.8), 1e-4, 0.2)   # correlated draws
    hs = HazardSet(np.full(100, 1e6), np.zeros(100, int), ["g"], [])
    hs.add_failure_draws("hw", {"g": p})
    post = Posterior("fit-x", {"hardware": {("p", ""): p}}, chains=4)
    rows = {m: (v, e) for _, m, v, e in posterior_error_rows(hs, post)}
    el = draw_expected_loss(hs)
    assert rows["posterior_expected_loss"][0] == pytest.approx(el.mean())
    se, ess = mean_mcse(el, 4)
    assert rows["posterior_expected_loss"][1] == se and rows["posterior_ess"][0] == ess
    assert se > 2 * el.std() / np.sqrt(2000)          # correlated: above sd / sqrt(n)
    assert rows["posterior_draws"][0] == 2000 and rows["posterior_chains"][0] == 4
    # no parameter draws, or the hazard set's draws are not the fit's: no rows
    assert posterior_error_rows(hs, None) == []
    short = Posterior("fit-y", {"hardware": {("p", ""): p[:1000]}}, chains=4)
    assert posterior_error_rows(hs, short) == []
