"""Technical pricing from simulated annual losses, gross and net of reinsurance.

The insurer keeps the net position: its net loss (gross minus what the reinsurance
recovers) plus the reinstatement premiums those losses trigger, and pays the reinsurance
premiums. So, with ``G`` the gross annual loss and ``N`` the net position,

    capital          = VaR_q(N) - E[N]                    (capital_quantile q, 99.5 %)
    reinsurance cost = sum over layers of (premiums paid - expected recoveries)
                     = sum_k margin_k x E[ceded_k]        (expected-value principle)
    premium          = (E[G] + reinsurance cost + cost_of_capital x capital)
                       / (1 - expense_ratio)

so that expenses are ``expense_ratio`` of the premium. Without reinsurance this is the
gross formula ``(EL + CoC (VaR - EL)) / (1 - e)``. Rate on line = premium / limit, the
limit being the aggregate limit, else the occurrence limit, else the total sum insured;
rate on TIV = premium / total sum insured (how space rates are quoted).

Allocation to fleet groups and perils, on the net: component j gets its mean net loss
``EL_j``, capital ``capital x coTVaR_j / sum coTVaR`` with ``coTVaR_j = E[N_j | N >= VaR_q]``
(N_j its net annual loss), and the reinsurance premiums in proportion to its expected
ceded loss; the components' premiums add up to the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskengine.core.ep import var_tvar


@dataclass
class LayerPrice:
    """A reinsurance layer priced from the simulation (USD per year)."""

    name: str
    kind: str
    expected_ceded: float
    expected_ceded_se: float
    expected_rho: float
    margin: float
    upfront_premium: float
    expected_reinstatement_premium: float

    @property
    def cost(self) -> float:
        """Premiums paid minus expected recoveries."""
        return self.upfront_premium + self.expected_reinstatement_premium - self.expected_ceded


def price_layers(layers, ceded_sum, ceded_sumsq, n_years: int, rho=None,
                 default_margin: float = 1.0) -> list[LayerPrice]:
    """Price each reinsurance layer at the expected-value principle from the simulation:
    ``P = (1 + margin) E[ceded] / (1 + E[rho])`` (:func:`riskengine.core.reinsurance.layer_premium`).

    Parameters
    ----------
    layers : list of layer specs (``name``, optional ``margin``)
    ceded_sum, ceded_sumsq : (n_layers,) sums over the years of each layer's recoveries
        and of their squares.
    n_years : int
    rho : (n_layers, n_years) array, optional
        Reinstatement factors of each year (:func:`riskengine.core.reinsurance.reinstatement_factor`).
    default_margin : float
        The reinsurer's loading where a layer sets none.

    Examples
    --------
    >>> from types import SimpleNamespace as L
    >>> lp = price_layers([L(name="xl", basis="occurrence", margin=None)], np.array([30.0]),
    ...                   np.array([900.0]), 3, np.array([[0.0, 0.0, 1.5]]), 0.5)
    >>> lp[0].upfront_premium, lp[0].expected_reinstatement_premium, lp[0].cost
    (10.0, 5.0, 5.0)
    """
    from riskengine.core.reinsurance import kind_of, layer_premium

    out = []
    n = max(int(n_years), 1)
    for k, ly in enumerate(layers):
        m = float(ceded_sum[k]) / n
        var = max(float(ceded_sumsq[k]) / n - m * m, 0.0) * n / max(n - 1, 1)
        er = float(np.mean(rho[k])) if rho is not None else 0.0
        margin = getattr(ly, "margin", None)
        margin = float(default_margin if margin is None else margin)
        p = layer_premium(m, er, margin)
        out.append(LayerPrice(str(getattr(ly, "name", f"layer{k}")), kind_of(ly), m,
                              float(np.sqrt(var / n)), er, margin, p, p * er))
    return out


@dataclass
class Price:
    """Technical price of a portfolio (USD per year).

    ``expected_loss`` is the gross expected loss; ``var``, ``tvar`` and ``capital`` are
    taken on the net position (net loss plus reinstatement premiums), equal to the gross
    without reinsurance.
    """

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
    net_expected_loss: float = float("nan")
    ceded_expected_loss: float = 0.0
    reinsurance_premium: float = 0.0        # upfront premiums
    reinstatement_premium: float = 0.0      # expected reinstatement premiums
    total_sum_insured: float = float("nan")
    layers: list = field(default_factory=list)

    @property
    def reinsurance_cost(self) -> float:
        """Premiums paid to reinsurers minus expected recoveries."""
        return self.reinsurance_premium + self.reinstatement_premium - self.ceded_expected_loss

    @property
    def rate_on_tiv(self) -> float:
        t = self.total_sum_insured
        return self.premium / t if t and np.isfinite(t) else float("nan")

    def metric_rows(self) -> list[tuple]:
        """``(perspective, metric, value, std_error)`` rows for the ``metrics`` table: the
        policy's price on the gross, capital and reinsurance on the net."""
        return [
            ("gross", "expected_loss", self.expected_loss, self.expected_loss_se),
            ("gross", "expenses", self.expenses, None),
            ("gross", "premium", self.premium, None),
            ("gross", "limit", self.limit, None),
            ("gross", "rate_on_line", self.rate_on_line, None),
            ("gross", "rate_on_tiv", self.rate_on_tiv, None),
            ("net", "expected_loss", self.net_expected_loss, None),
            ("net", "capital", self.capital, self.var_se),
            ("net", "capital_var", self.var, self.var_se),
            ("net", "capital_charge", self.cost_of_capital, None),
            ("net", "ceded_expected_loss", self.ceded_expected_loss, None),
            ("net", "reinsurance_premium", self.reinsurance_premium, None),
            ("net", "reinstatement_premium", self.reinstatement_premium, None),
            ("net", "reinsurance_cost", self.reinsurance_cost, None),
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
          | None = None, *, net: np.ndarray | None = None, layers: list | None = None,
          reinstatement_paid: np.ndarray | None = None,
          gross_components: dict | None = None) -> Price:
    """Price the annual gross loss sample ``annual`` (after policy terms).

    Parameters
    ----------
    annual : (n_years,) array, USD
        Gross annual loss.
    pricing : riskengine.config.Pricing
    policy : riskengine.config.Policy
    total_sum_insured : float
    components : {dimension: (names, (n_years, n_names) array) or ComponentAccumulator}, optional
        Net annual losses by component (rows sum to the net), to allocate premium to; an
        accumulator summarised them block by block at ``pricing.capital_quantile``.
    net : (n_years,) array, optional
        Net annual loss (default: the gross, no reinsurance).
    layers : list of :class:`LayerPrice`, optional
        The reinsurance layers priced by :func:`price_layers`.
    reinstatement_paid : (n_years,) array, optional
        Reinstatement premiums each year (part of the net position).
    gross_components : like ``components``, on the gross (to split the reinsurance premium
        by expected ceded loss).

    Examples
    --------
    >>> from riskengine.config import Pricing, Policy
    >>> x = np.random.default_rng(0).exponential(1e6, 100_000)
    >>> p = price(x, Pricing(), Policy(), 1e9)
    >>> bool(p.premium > p.expected_loss)
    True
    """
    q = pricing.capital_quantile
    annual = np.asarray(annual, float)
    n = len(annual)
    el = float(annual.mean())
    el_se = float(annual.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    net = annual if net is None else np.asarray(net, float)
    pos = net if reinstatement_paid is None else net + reinstatement_paid
    xs = np.sort(pos)
    el_pos = float(xs.mean())
    v, tv, se_v, _ = var_tvar(xs, q)
    del xs
    layers = list(layers or [])
    ri_up = float(sum(lp.upfront_premium for lp in layers))
    ri_rp = float(sum(lp.expected_reinstatement_premium for lp in layers))
    ceded = float(sum(lp.expected_ceded for lp in layers))
    ri_cost = ri_up + ri_rp - ceded
    capital = max(v - el_pos, 0.0)
    charge = pricing.cost_of_capital * capital
    prem = (el + ri_cost + charge) / (1 - pricing.expense_ratio)
    exp = prem - el - ri_cost - charge
    limit = policy.aggregate_limit or policy.occurrence_limit or total_sum_insured
    out = Price(el, el_se, v, se_v, tv, capital, charge, exp, prem, float(limit),
                prem / limit if limit else float("nan"), q,
                net_expected_loss=float(net.mean()), ceded_expected_loss=ceded,
                reinsurance_premium=ri_up, reinstatement_premium=ri_rp,
                total_sum_insured=float(total_sum_insured), layers=layers)
    ri_total = ri_up + ri_rp
    for dim, comp in (components or {}).items():
        comp = _accumulator(comp, net, q)
        names = comp.names
        if not names:
            continue
        gcomp = (gross_components or {}).get(dim)
        gross_j = _accumulator(gcomp, annual, q).mean() if gcomp is not None else comp.mean()
        ct = comp.co_tvar()
        tot = ct.sum()
        cap = out.capital * (ct / tot if tot > 0 else np.zeros_like(ct))
        elj, sej = comp.mean(), comp.se()
        ced = np.maximum(gross_j - elj, 0.0)
        ri_j = ri_total * (ced / ced.sum() if ced.sum() > 0 else np.zeros_like(ced))
        for k, name in enumerate(names):
            pj = (elj[k] + ri_j[k] + pricing.cost_of_capital * cap[k]) / (1 - pricing.expense_ratio)
            out.allocations.append(dict(dimension=dim, name=name, expected_loss=float(elj[k]),
                                        co_tvar=float(ct[k]), capital=float(cap[k]),
                                        premium=float(pj), aal_std_error=float(sej[k]),
                                        gross_expected_loss=float(gross_j[k]),
                                        ceded_expected_loss=float(ced[k]),
                                        reinsurance_premium=float(ri_j[k])))
    return out


def _accumulator(comp, annual, q) -> ComponentAccumulator:
    if isinstance(comp, ComponentAccumulator):
        return comp
    names, arr = comp
    acc = ComponentAccumulator(names, len(annual), q)
    acc.add(annual, arr, 0)
    return acc
