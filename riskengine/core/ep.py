"""Exceedance-probability curves and risk metrics with Monte Carlo standard errors.

Quantiles are empirical (``inverted_cdf``: the smallest simulated loss ``x`` with
``F_n(x) >= p``). Standard errors:

* mean: ``s / sqrt(n)``;
* standard deviation: delta method, ``sqrt((m4 - s^4) / (4 s^2 n))``;
* VaR_p: order-statistic interval, half the spread between the order statistics
  ``n p -/+ sqrt(n p (1 - p))`` (distribution-free);
* TVaR_p (mean of the ``n (1 - p)`` largest losses): ``sqrt((Var(X | X >= VaR) + p (TVaR - VaR)^2) / (n (1 - p)))``.
"""

from __future__ import annotations

import numpy as np

RETURN_PERIODS = (2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
LEVELS = (0.99, 0.995, 0.999)


def _q_index(n: int, p: float) -> int:
    return int(min(n - 1, max(0, np.ceil(n * p) - 1)))


def var_tvar(sorted_x: np.ndarray, p: float) -> tuple[float, float, float, float]:
    """VaR and TVaR at level ``p`` of an ascending sample, with their standard errors.

    Examples
    --------
    >>> x = np.sort(np.random.default_rng(0).exponential(1.0, 400_000))
    >>> v, tv, _, _ = var_tvar(x, 0.99)
    >>> bool(abs(v - np.log(100)) < 0.05), bool(abs(tv - (np.log(100) + 1)) < 0.05)
    (True, True)
    """
    n = len(sorted_x)
    if n == 0:
        return 0.0, 0.0, float("nan"), float("nan")
    k = _q_index(n, p)
    v = float(sorted_x[k])
    tail = sorted_x[min(k + 1, n - 1):]  # the n(1-p) largest losses
    tv = float(tail.mean())
    j = np.sqrt(n * p * (1 - p))
    lo, hi = sorted_x[_q_index(n, p - j / n)], sorted_x[_q_index(n, p + j / n)]
    se_v = float(hi - lo) / 2
    m = max(len(tail), 1)
    se_tv = float(np.sqrt((tail.var() + p * (tv - v) ** 2) / m)) if len(tail) > 1 else float("nan")
    return v, tv, se_v, se_tv


def ep_table(annual: np.ndarray, return_periods=RETURN_PERIODS, *, is_sorted: bool = False):
    """Loss and TVaR at each return period: ``(return_periods, loss, tvar)``.

    Examples
    --------
    >>> rp, loss, tvar = ep_table(np.arange(1, 1001, dtype=float), (10, 100))
    >>> loss.tolist(), tvar.tolist()
    ([900.0, 990.0], [950.5, 995.5])
    """
    x = annual if is_sorted else np.sort(annual)
    rp = np.asarray(return_periods, float)
    out = np.array([var_tvar(x, 1 - 1 / t)[:2] for t in rp])
    return rp, out[:, 0], out[:, 1]


def metrics(annual: np.ndarray, *, is_sorted: bool = False, prefix: str = "") -> list[tuple]:
    """``(metric, value, std_error)`` rows: aal, std, var_/tvar_ at 0.99, 0.995, 0.999.

    Examples
    --------
    >>> rows = metrics(np.random.default_rng(0).exponential(1.0, 10_000))
    >>> [r[0] for r in rows][:4]
    ['aal', 'std', 'var_0.99', 'tvar_0.99']
    """
    x = annual if is_sorted else np.sort(annual)
    n = len(x)
    mu = float(x.mean()) if n else 0.0
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    m4 = float(np.mean((x - mu) ** 4)) if n else 0.0
    se_sd = float(np.sqrt(max(m4 - sd**4, 0) / (4 * sd**2 * n))) if sd > 0 else 0.0
    rows = [(prefix + "aal", mu, sd / np.sqrt(max(n, 1))), (prefix + "std", sd, se_sd)]
    for p in LEVELS:
        v, tv, sev, setv = var_tvar(x, p)
        rows += [(f"{prefix}var_{p:g}", v, sev), (f"{prefix}tvar_{p:g}", tv, setv)]
    return rows
