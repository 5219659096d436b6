"""Per-sample EP curves (PSEPT): the parameter draws ranked by their expected loss and
split into classes; each class's simulated years give one curve. Exact reference: with
total losses, a class holding one draw p loses K ~ Binomial(n, p) satellites a year."""

from __future__ import annotations

import numpy as np
from scipy import stats

from riskengine.config import Policy
from riskengine.core.engine import draw_classes, draw_expected_loss
from riskengine.losses import HazardSet, per_sample_ep, simulate_arrays

Z = 4.5


def _fleet(n=500):
    hs = HazardSet(np.full(n, 1.0), np.zeros(n, int), ["g"], [])
    hs.add_failure_draws("hw", {"g": np.array([0.01, 0.04, 0.02, 0.08])})
    return hs


def test_classes_rank_the_draws_by_expected_loss():
    hs = _fleet()
    el = draw_expected_loss(hs)
    np.testing.assert_allclose(el, -500 * np.log1p(-np.array([0.01, 0.04, 0.02, 0.08])))
    assert draw_classes(hs, 4).tolist() == [0, 2, 1, 3]
    assert draw_classes(hs, 2).tolist() == [0, 1, 0, 1]
    assert draw_classes(hs, 10).tolist() == [0, 2, 1, 3]      # never more classes than draws


def test_one_curve_per_draw_matches_its_binomial():
    n, years = 500, 60_000
    r = simulate_arrays(_fleet(n), Policy(), seed=3, years=years, psept_samples=4)
    ps = per_sample_ep(r)
    t = ps["table"]
    sel = (t["perspective"] == "gross") & (t["curve"] == "AEP") & (t["return_period"] == 200.0)
    for sample, yrs, loss in zip(t["sample"][sel], t["years"][sel], t["loss"][sel]):
        p = [0.01, 0.02, 0.04, 0.08][sample - 1]
        assert abs(yrs - years / 4) < Z * np.sqrt(years * 0.25 * 0.75)
        k = int(round(loss))
        se = np.sqrt(0.995 * 0.005 / yrs)
        assert stats.binom.cdf(k, n, p) >= 0.995 - Z * se
        assert stats.binom.cdf(k - 1, n, p) <= 0.995 + Z * se
    m = {(p_, k): v for p_, k, v, _ in ps["metrics"]}
    # the spread is parameter uncertainty: far larger than each curve's Monte Carlo error
    assert m[("gross", "psept_var_0.995_param_sd")] > 5 * m[("gross", "psept_var_0.995_mc_se")]
    assert m[("gross", "psept_var_0.995_min")] < m[("gross", "psept_var_0.995_max")]
    assert m[("net", "psept_var_0.995_samples")] == 4


def test_no_parameter_draws_no_per_sample_curves():
    hs = HazardSet(np.full(10, 1.0), np.zeros(10, int), ["g"], [])
    hs.add_independent_failure("hw", 0.1)
    assert per_sample_ep(simulate_arrays(hs, Policy(), seed=1, years=100)) is None
