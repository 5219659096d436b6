"""Technical pricing from simulated annual losses.

technical premium = (EL + cost_of_capital x (VaR_q - EL)) / (1 - expense_ratio), so that
expenses are ``expense_ratio`` of the premium; capital = VaR_q - EL at
``capital_quantile`` q (99.5 %, Solvency II style). Rate on line = premium / limit,
the limit being the aggregate limit, else the occurrence limit, else the total sum insured.

Allocation to fleet groups and perils by co-TVaR: component j gets
``EL_j`` (its mean allocated loss) and capital ``(VaR - EL) x coTVaR_j / TVaR`` where
``coTVaR_j = E[X_j | X >= VaR_q]``; the components' premiums add up to the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskengine.core.ep import var_tvar


@dataclass
class Price:
    """Technical price of a portfolio (USD per year)."""

    expected_loss: float
    expected_loss_se: float
    var: float
    var_se: float
    tvar: float
    capital: float
    cost_of_capital: float
    expenses: float
    premium: float
    limit: float
    rate_on_line: float
    quantile: float
    allocations: list[dict] = field(default_factory=list)

    def metric_rows(self) -> list[tuple]:
        """``(metric, value, std_error)`` rows for the ``metrics`` table."""
        return [
            ("expected_loss", self.expected_loss, self.expected_loss_se),
            ("capital", self.capital, self.var_se),
            ("capital_charge", self.cost_of_capital, None),
            ("expenses", self.expenses, None),
            ("premium", self.premium, None),
            ("limit", self.limit, None),
            ("rate_on_line", self.rate_on_line, None),
        ]


def technical_premium(expected_loss: float, var: float, *, cost_of_capital: float,
                      expense_ratio: float) -> tuple[float, float, float]:
    """``(premium, capital charge, expenses)``.

    Examples
    --------
    >>> technical_premium(10.0, 110.0, cost_of_capital=0.1, expense_ratio=0.2)
    (25.0, 10.0, 5.0)
    """
    charge = cost_of_capital * max(var - expected_loss, 0.0)
    premium = (expected_loss + charge) / (1 - expense_ratio)
    return premium, charge, premium - expected_loss - charge


def co_tvar(annual: np.ndarray, components: np.ndarray, q: float) -> np.ndarray:
    """``E[components | annual in its top (1 - q) share]`` per component column.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0], [0.0, 0.0]])
    >>> co_tvar(x.sum(1), x, 0.75).tolist()
    [5.0, 5.0]
    """
    n = len(annual)
    m = max(int(np.floor(n * (1 - q) + 1e-9)), 1)
    top = np.argpartition(annual, n - m)[n - m:]
    return components[top].mean(axis=0)


def price(annual: np.ndarray, pricing, policy, total_sum_insured: float,
          components: dict[str, tuple[list[str], np.ndarray]] | None = None) -> Price:
    """Price the annual loss sample ``annual`` (after policy terms).

    Parameters
    ----------
    annual : (n_years,) array, USD
    pricing : riskengine.config.Pricing
    policy : riskengine.config.Policy
    total_sum_insured : float
    components : {dimension: (names, (n_years, n_names) array)}, optional
        Allocated annual losses (rows sum to ``annual``) to allocate premium to.

    Examples
    --------
    >>> from riskengine.config import Pricing, Policy
    >>> x = np.random.default_rng(0).exponential(1e6, 100_000)
    >>> p = price(x, Pricing(), Policy(), 1e9)
    >>> bool(p.premium > p.expected_loss)
    True
    """
    q = pricing.capital_quantile
    xs = np.sort(annual)
    n = len(xs)
    el = float(xs.mean())
    el_se = float(xs.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    v, tv, se_v, _ = var_tvar(xs, q)
    prem, charge, exp = technical_premium(el, v, cost_of_capital=pricing.cost_of_capital,
                                          expense_ratio=pricing.expense_ratio)
    limit = policy.aggregate_limit or policy.occurrence_limit or total_sum_insured
    out = Price(el, el_se, v, se_v, tv, max(v - el, 0.0), charge, exp, prem, float(limit),
                prem / limit if limit else float("nan"), q)
    for dim, (names, comp) in (components or {}).items():
        if comp.shape[1] == 0:
            continue
        ct = co_tvar(annual, comp, q)
        tot = ct.sum()
        cap = out.capital * (ct / tot if tot > 0 else np.zeros_like(ct))
        elj = comp.mean(axis=0)
        sej = comp.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(elj)
        for k, name in enumerate(names):
            pj = (elj[k] + pricing.cost_of_capital * cap[k]) / (1 - pricing.expense_ratio)
            out.allocations.append(dict(dimension=dim, name=name, expected_loss=float(elj[k]),
                                        co_tvar=float(ct[k]), capital=float(cap[k]),
                                        premium=float(pj), aal_std_error=float(sej[k])))
    return out
