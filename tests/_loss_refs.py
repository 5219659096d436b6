"""Exact references for the loss-engine tests (no Monte Carlo here).

* discretised severities bracketing the true one (rounded down / up), so the compound CDF
  computed from them bounds the exact CDF from above / below (Panjer 1981; Klugman,
  Panjer & Willmot, *Loss Models*, sec. 9.6);
* the Poisson compound by FFT of the pgf, ``exp(lambda (phi_X - 1))``;
* a fleet's number of satellites lost per year, and the largest single occurrence, from
  the continuous-time Markov chain of the number of satellites still alive (matrix
  exponential of its generator): exact, depletion included.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, stats


def bracket_pmfs(cdf, h: float, m: int, left=None):
    """Round-down and round-up pmfs on ``0, h, ..., m h`` (tail mass in the last cell).

    ``cdf(x)`` is P(X <= x); ``left(x)`` is P(X < x) (default: ``cdf``, no atoms).
    """
    left = left or cdf
    x = np.arange(m + 1) * h
    G = cdf(x)
    Gl = left(x)
    up = np.diff(np.concatenate([[0.0], G]))
    up[-1] = 1.0 - G[-2] if m > 0 else 1.0
    down = np.empty(m + 1)
    down[:-1] = np.concatenate([Gl[1:]]) - np.concatenate([[0.0], Gl[1:-1]])
    down[-1] = 1.0 - Gl[-1]
    return down, up


def poisson_compound_pmf(lam: float, pmf: np.ndarray, n: int = 1 << 17) -> np.ndarray:
    """pmf of a Poisson(lam) sum of iid lattice variables with ``pmf`` (FFT, length n)."""
    f = np.zeros(n)
    f[:len(pmf)] = pmf
    return np.clip(np.fft.irfft(np.exp(lam * (np.fft.rfft(f) - 1.0)), n), 0.0, None)


def fleet_chain_generator(n: int, fail_rate: float, shock_rate: float, s: float,
                          max_hits: int | None = None) -> np.ndarray:
    """Generator over alive counts 0..n: independent failures (rate per satellite) and
    shocks hitting each alive satellite w.p. ``s``. With ``max_hits``, shocks hitting more
    satellites are removed (killed): ``expm`` then gives P(no such shock)."""
    A = np.arange(n + 1)
    H = np.arange(n + 1)
    B = stats.binom.pmf(H[None, :], A[:, None], s)  # B[a, h]
    Q = np.zeros((n + 1, n + 1))
    for a in range(1, n + 1):
        hs = np.arange(1, a + 1)
        if max_hits is not None:
            hs = hs[hs <= max_hits]
        Q[a, a - hs] += shock_rate * B[a, hs]
        Q[a, a - 1] += fail_rate * a
        Q[a, a] -= shock_rate * (1 - B[a, 0]) + fail_rate * a
    return Q


def fleet_lost_pmf(n, fail_rate, shock_rate, s):
    """P(k satellites lost in a year), k = 0..n."""
    p = linalg.expm(fleet_chain_generator(n, fail_rate, shock_rate, s))[n]
    return p[::-1]  # alive n-k -> lost k


def fleet_max_occurrence_cdf(n, fail_rate, shock_rate, s, k: int) -> float:
    """P(no occurrence in the year loses more than ``k`` satellites), k >= 1."""
    return float(linalg.expm(fleet_chain_generator(n, fail_rate, shock_rate, s, k))[n].sum())
