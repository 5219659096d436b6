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


def tail_size(n_years: int, q: float) -> int:
    """Number of years in the top ``1 - q`` share (at least one)."""
    return max(int(np.floor(n_years * (1 - q) + 1e-9)), 1)


class ComponentAccumulator:
    """Per-year loss components (perils, fleet groups) summarised block by block, so the
    loss engine's memory does not grow with the number of years.

    Keeps, per component, the sum and sum of squares of its annual losses (mean and Monte
    Carlo standard error) and the component rows of the ``tail_size(n_years, q)`` years
    with the largest annual loss (ties: the earlier year), which is all the co-TVaR
    allocation at level ``q`` needs.

    Examples
    --------
    >>> acc = ComponentAccumulator(["a", "b"], n_years=4, q=0.75)
    >>> x = np.array([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0], [0.0, 0.0]])
    >>> acc.add(x[:2].sum(1), x[:2], 0); acc.add(x[2:].sum(1), x[2:], 2)
    >>> acc.mean().tolist(), acc.co_tvar().tolist()
    ([1.5, 1.75], [5.0, 5.0])
    """

    def __init__(self, names: list[str], n_years: int, q: float):
        self.names = list(names)
        self.n_years = int(n_years)
        self.m = tail_size(self.n_years, q)
        k = len(self.names)
        self.sum = np.zeros(k)
        self.sumsq = np.zeros(k)
        self.n = 0
        self._annual = np.zeros(0)
        self._year = np.zeros(0, np.int64)
        self._rows = np.zeros((0, k))

    def add(self, annual: np.ndarray, rows: np.ndarray, first_year: int) -> None:
        """Add the years ``first_year, first_year + 1, ...`` of a block."""
        rows = np.asarray(rows, float).reshape(len(annual), len(self.names))
        self.sum += rows.sum(axis=0)
        self.sumsq += (rows * rows).sum(axis=0)
        self.n += len(annual)
        a = np.concatenate([self._annual, annual])
        y = np.concatenate([self._year, first_year + np.arange(len(annual))])
        r = np.concatenate([self._rows, rows])
        if len(a) > self.m:
            keep = np.lexsort((y, -a))[:self.m]
            a, y, r = a[keep], y[keep], r[keep]
        self._annual, self._year, self._rows = a, y, r

    def mean(self) -> np.ndarray:
        return self.sum / max(self.n, 1)

    def se(self) -> np.ndarray:
        if self.n < 2:
            return np.zeros(len(self.names))
        var = (self.sumsq - self.sum**2 / self.n) / (self.n - 1)
        return np.sqrt(np.maximum(var, 0.0) / self.n)

    def co_tvar(self) -> np.ndarray:
        """``E[component | the year is in the top 1 - q]``."""
        return self._rows.mean(axis=0) if len(self._rows) else np.zeros(len(self.names))


def price(annual: np.ndarray, pricing, policy, total_sum_insured: float,
          components: dict[str, tuple[list[str], np.ndarray] | ComponentAccumulator]
          | None = None) -> Price:
    """Price the annual loss sample ``annual`` (after policy terms).

    Parameters
    ----------
    annual : (n_years,) array, USD
    pricing : riskengine.config.Pricing
    policy : riskengine.config.Policy
    total_sum_insured : float
    components : {dimension: (names, (n_years, n_names) array) or ComponentAccumulator}, optional
        Allocated annual losses (rows sum to ``annual``) to allocate premium to; an
        accumulator summarised them block by block at ``pricing.capital_quantile``.

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
    for dim, comp in (components or {}).items():
        if not isinstance(comp, ComponentAccumulator):
            names, arr = comp
            comp = ComponentAccumulator(names, len(annual), q)
            comp.add(annual, arr, 0)
        names = comp.names
        if not names:
            continue
        ct = comp.co_tvar()
        tot = ct.sum()
        cap = out.capital * (ct / tot if tot > 0 else np.zeros_like(ct))
        elj, sej = comp.mean(), comp.se()
        for k, name in enumerate(names):
            pj = (elj[k] + pricing.cost_of_capital * cap[k]) / (1 - pricing.expense_ratio)
            out.allocations.append(dict(dimension=dim, name=name, expected_loss=float(elj[k]),
                                        co_tvar=float(ct[k]), capital=float(cap[k]),
                                        premium=float(pj), aal_std_error=float(sej[k])))
    return out
