"""Independent adaptive-quadrature reference for the 2D Pc (used by tests and the benchmark).

Integrates ``f(θ) = φ(R sinθ; xm, sx) · P(|Y - ym| < R cosθ) · R cosθ`` over θ with
``scipy.integrate.quad`` (QUADPACK QAGS, epsrel 1e-11), the inner probability from
``scipy.special.log_ndtr`` (not the erfc/erfcx forms of the kernel), break points where
the chord edge crosses the mean and at the Gaussian peak, and the integrand scaled by
its maximum on a dense grid so that values down to 1e-300 and below do not underflow.
Returns the natural log of Pc.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, special


def _log_interval(lo, hi):
    """log(Φ(hi) - Φ(lo)) for lo < hi without cancellation."""
    if lo > 0:   # both in the upper tail: use the reflected form
        lo, hi = -hi, -lo
    a, b = special.log_ndtr(lo), special.log_ndtr(hi)
    return b + np.log1p(-np.exp(a - b)) if b > -np.inf else -np.inf


def log_pc_reference(xm, ym, sx, sy, R):
    def logf(t):
        x, h = R * np.sin(t), R * np.cos(t)
        if h <= 0:
            return -np.inf
        return (-0.5 * ((x - xm) / sx) ** 2 - np.log(np.sqrt(2 * np.pi) * sx)
                + _log_interval((-h - ym) / sy, (h - ym) / sy) + np.log(h))

    grid = np.linspace(-np.pi / 2, np.pi / 2, 4001)[1:-1]
    lg = np.array([logf(t) for t in grid])
    shift = np.max(lg)
    if not np.isfinite(shift):
        return -np.inf
    pts = set()
    if abs(ym) < R:
        te = np.arccos(abs(ym) / R)
        pts |= {-te, te}
    if abs(xm) < R:
        pts.add(np.arcsin(xm / R))
    k = int(np.argmax(lg))
    pts |= {grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]}
    above = np.flatnonzero(lg > shift - 60)
    lo, hi = grid[max(above[0] - 1, 0)], grid[min(above[-1] + 1, len(grid) - 1)]
    lo = -np.pi / 2 if above[0] == 0 else lo
    hi = np.pi / 2 if above[-1] == len(grid) - 1 else hi
    pts = sorted(p for p in pts if lo < p < hi)
    val, _ = integrate.quad(lambda t: np.exp(logf(t) - shift), lo, hi, points=pts or None,
                            epsabs=0.0, epsrel=1e-10, limit=2000)
    return shift + np.log(val)


def random_geometries(n, rng):
    """Encounter geometries spanning Pc from ~1e-300 to ~1 (R = 1, lengths in R units)."""
    sx = 10.0 ** rng.uniform(-1.5, 3.0, n)
    sy = sx * 10.0 ** rng.uniform(-3.0, 0.0, n)
    m = rng.uniform(0.0, 36.0, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    xm = m * sx * np.cos(phi) + rng.uniform(-3, 3, n)
    ym = m * sy * np.sin(phi) + rng.uniform(-3, 3, n)
    R = np.ones(n)
    return xm, ym, sx, sy, R
