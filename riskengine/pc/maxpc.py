"""Maximum Pc when the covariance is unknown or only partly known (Alfano 2005; Frisbee).

* :func:`max_pc_scaled` — Alfano (2005): the combined covariance's *shape* is trusted, its
  size is not; maximise the 2D Pc over a scale factor ``k²`` on the whole covariance.
* :func:`max_pc_one_sided` — Frisbee: one object's covariance is known, the other's is not
  (or is not trusted); scale only the unknown part, ``C = C_known + k² C_unknown``.
* :func:`max_pc_unknown` — no covariance at all: the worst case over every Gaussian, which is
  the 1D one collapsed along the miss vector, ``max_σ [Φ((R−d)/σ) + Φ((R+d)/σ) − 1]``.

Each returns the maximum Pc, the maximising scale and a ``dilution`` flag: True when the
actual covariance is *larger* than the maximising one (``k² < 1``), i.e. the event sits in
the dilution region where poorer tracking lowers the Pc, so a low Pc there is no comfort.

Lengths in metres (any unit, consistently); the scale search runs on a log grid of
``k²`` over [1e-8, 1e8] then a golden-section refinement, vectorised over events.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from riskengine.pc.encounter import eig2x2
from riskengine.pc.foster import log_pc_circle

__all__ = ["max_pc_scaled", "max_pc_one_sided", "max_pc_unknown"]

_GRID = np.linspace(np.log(1e-8), np.log(1e8), 65)
_GOLD = 0.5 * (np.sqrt(5.0) - 1.0)


def _maximise(logf, n, iters=40):
    """Maximise logf(log_k2) (vectorised over n events) on a grid, then golden section."""
    vals = np.stack([logf(np.full(n, g)) for g in _GRID], axis=1)
    vals = np.where(np.isnan(vals), -np.inf, vals)
    j = np.argmax(vals, axis=1)
    a = _GRID[np.clip(j - 1, 0, len(_GRID) - 1)]
    b = _GRID[np.clip(j + 1, 0, len(_GRID) - 1)]
    a = np.where(j == 0, _GRID[0], a)
    b = np.where(j == len(_GRID) - 1, _GRID[-1], b)
    c = b - _GOLD * (b - a)
    d = a + _GOLD * (b - a)
    fc, fd = logf(c), logf(d)
    for _ in range(iters):
        left = fc > fd                      # maximum in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        keep, fkeep = np.where(left, c, d), np.where(left, fc, fd)
        p = np.where(left, b - _GOLD * (b - a), a + _GOLD * (b - a))
        fp = logf(p)
        c, fc = np.where(left, p, keep), np.where(left, fp, fkeep)
        d, fd = np.where(left, keep, p), np.where(left, fkeep, fp)
    x = 0.5 * (a + b)
    fx = logf(x)
    best_grid = vals[np.arange(n), j]
    use_grid = best_grid > fx
    x = np.where(use_grid, _GRID[j], x)
    fx = np.where(use_grid, best_grid, fx)
    return x, fx


def _principal(miss, cov):
    lam, vec = eig2x2(cov)
    proj = np.einsum("nij,ni->nj", vec, miss)
    return proj, lam


def max_pc_scaled(miss, cov, hbr):
    """Alfano (2005) maximum Pc over a scale factor on the combined covariance.

    Parameters
    ----------
    miss : array_like (n, 2)
        Encounter-plane miss vector [m].
    cov : array_like (n, 2, 2)
        Combined encounter-plane covariance [m²] (its shape is used, its size is free).
    hbr : float or array_like (n,)
        Combined hard-body radius [m].

    Returns
    -------
    dict
        ``pc_max``, ``k2`` (maximising scale on the covariance), ``dilution`` (k2 < 1).

    Examples
    --------
    For a round covariance and R ≪ d the maximum is R²/(e·d²) (Alfano 2005):

    >>> import numpy as np
    >>> out = max_pc_scaled([[1000.0, 0.0]], np.eye(2)[None] * 1e4, 10.0)
    >>> round(float(out["pc_max"][0] * np.e * 1000.0 ** 2 / 10.0 ** 2), 3), bool(out["dilution"][0])
    (1.0, False)
    """
    miss = np.atleast_2d(np.asarray(miss, float))
    cov = np.asarray(cov, float).reshape(-1, 2, 2)
    n = miss.shape[0]
    R = np.broadcast_to(np.asarray(hbr, float), (n,))
    proj, lam = _principal(miss, cov)
    s = np.sqrt(np.maximum(lam, 0.0))

    def logf(lk):
        k = np.exp(0.5 * lk)
        return log_pc_circle(proj[:, 0], proj[:, 1], k * s[:, 0], k * s[:, 1], R)

    lk, lp = _maximise(logf, n)
    with np.errstate(under="ignore"):
        return {"pc_max": np.exp(lp), "k2": np.exp(lk), "dilution": np.exp(lk) < 1.0}


def max_pc_one_sided(miss, cov_known, cov_unknown, hbr):
    """Frisbee's one-sided maximum Pc: scale only the unknown object's covariance.

    ``cov_unknown`` gives the shape of the untrusted object's encounter-plane covariance
    (a TLE-model covariance, say); the Pc is maximised over ``k²`` in
    ``C = cov_known + k² cov_unknown``.  Same returns as :func:`max_pc_scaled`.

    Examples
    --------
    >>> import numpy as np
    >>> out = max_pc_one_sided([[500.0, 0.0]], np.eye(2)[None] * 100.0, np.eye(2)[None] * 1e4, 10.0)
    >>> bool(out["pc_max"][0] > 0), bool(out["dilution"][0])
    (True, False)
    """
    miss = np.atleast_2d(np.asarray(miss, float))
    ck = np.asarray(cov_known, float).reshape(-1, 2, 2)
    cu = np.asarray(cov_unknown, float).reshape(-1, 2, 2)
    n = miss.shape[0]
    R = np.broadcast_to(np.asarray(hbr, float), (n,))

    def logf(lk):
        C = ck + np.exp(lk)[:, None, None] * cu
        proj, lam = _principal(miss, C)
        s = np.sqrt(np.maximum(lam, 1e-300))
        return log_pc_circle(proj[:, 0], proj[:, 1], s[:, 0], s[:, 1], R)

    lk, lp = _maximise(logf, n)
    with np.errstate(under="ignore"):
        return {"pc_max": np.exp(lp), "k2": np.exp(lk), "dilution": np.exp(lk) < 1.0}


def max_pc_unknown(miss_distance, hbr, sigma=None):
    """Maximum Pc with no covariance information at all.

    The worst Gaussian collapses onto the miss line; ``Pc(σ) = Φ((R−d)/σ) + Φ((R+d)/σ) − 1``
    is maximised over σ.  If ``sigma`` (the actual 1D sigma along the miss, m) is given,
    ``dilution`` says whether it exceeds the maximising one.

    Examples
    --------
    d = 100 m, R = 10 m: σ² = 2dR / ln((d+R)/(d−R)) = 9966 m², Pc = Φ(−0.902) − Φ(−1.102):

    >>> out = max_pc_unknown([100.0], 10.0)
    >>> round(float(out["pc_max"][0]), 4), round(float(out["sigma"][0]), 1)
    (0.0484, 99.8)
    """
    d = np.atleast_1d(np.asarray(miss_distance, float))
    n = d.size
    R = np.broadcast_to(np.asarray(hbr, float), (n,))

    def logf(lk):
        sg = np.exp(0.5 * lk) * np.maximum(d, R)
        lo = (-R - d) / sg
        hi = (R - d) / sg
        # Φ(hi) − Φ(lo) = Φ(-lo) − Φ(-hi), without cancellation
        with np.errstate(divide="ignore"):
            a = special.log_ndtr(-lo)
            b = special.log_ndtr(-hi)
            return a + np.log1p(-np.exp(b - a))

    lk, lp = _maximise(logf, n)
    sg = np.exp(0.5 * lk) * np.maximum(d, R)
    out = {"pc_max": np.exp(lp), "sigma": sg}
    if sigma is not None:
        out["dilution"] = np.asarray(sigma, float) > sg
    return out
