"""Technical premium and co-TVaR allocation."""

from __future__ import annotations

import numpy as np

from riskengine.config import Policy, Pricing
from riskengine.core.ep import metrics, var_tvar
from riskengine.core.pricing import co_tvar, price, technical_premium


def test_premium_formula():
    prem, charge, exp = technical_premium(100.0, 600.0, cost_of_capital=0.08, expense_ratio=0.2)
    assert np.isclose(charge, 40.0)
    assert np.isclose(prem, 175.0) and np.isclose(exp, 0.2 * prem)


def test_price_exponential_against_closed_form():
    # Exp(mean m): VaR_q = -m log(1 - q); EL = m
    m, n = 1e6, 400_000
    x = np.random.default_rng(4).exponential(m, n)
    pr = price(x, Pricing(cost_of_capital=0.1, expense_ratio=0.1, capital_quantile=0.995),
               Policy(aggregate_limit=2e7), 1e9)
    var = -m * np.log(0.005)
    assert abs(pr.var - var) < 4.5 * pr.var_se
    assert abs(pr.expected_loss - m) < 4.5 * pr.expected_loss_se
    expected = (pr.expected_loss + 0.1 * (pr.var - pr.expected_loss)) / 0.9
    assert np.isclose(pr.premium, expected)
    assert np.isclose(pr.rate_on_line, pr.premium / 2e7)


def test_allocation_adds_up_and_follows_the_tail():
    rng = np.random.default_rng(1)
    n = 200_000
    steady = rng.normal(10, 1, n).clip(0)
    cat = rng.binomial(1, 0.01, n) * rng.exponential(500, n)
    total = steady + cat
    pr = price(total, Pricing(), Policy(), 1e4,
               {"peril": (["steady", "cat"], np.column_stack([steady, cat]))})
    a = {d["name"]: d for d in pr.allocations}
    assert np.isclose(a["steady"]["premium"] + a["cat"]["premium"], pr.premium)
    assert np.isclose(a["steady"]["capital"] + a["cat"]["capital"], pr.capital)
    # the cat peril drives the tail: most capital, though a small share of expected loss
    assert a["cat"]["capital"] > 5 * a["steady"]["capital"]
    assert a["cat"]["expected_loss"] < a["steady"]["expected_loss"]
    ct = co_tvar(total, np.column_stack([steady, cat]), 0.995)
    assert np.isclose(ct.sum(), var_tvar(np.sort(total), 0.995)[1])


def test_metric_standard_errors_are_calibrated():
    """Across independent replicates, the spread of VaR/TVaR estimates matches the
    reported standard error (within a factor ~1.5)."""
    rng = np.random.default_rng(2)
    reps = [dict((k, (v, s)) for k, v, s in metrics(rng.lognormal(0, 1, 20_000)))
            for _ in range(40)]
    for k in ("aal", "std", "var_0.99", "tvar_0.99", "var_0.995"):
        vals = np.array([r[k][0] for r in reps])
        se = np.mean([r[k][1] for r in reps])
        assert 0.6 < vals.std(ddof=1) / se < 1.6, (k, vals.std(ddof=1), se)
