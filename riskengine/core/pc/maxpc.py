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
``k²`` then a refinement, vectorised over events. The grid is local to each event, around
``k² = q/2`` (``q`` the squared Mahalanobis miss, where the maximum lies when the hard body
is small against the miss), and falls back to [1e-8, 1e8] when the maximum lies at its
edge, so the search never looks at scales where the Pc is ~1e-300.

:func:`max_pc_scaled` searches on the contour form of the 2D Pc (Patera 2001; see
:func:`riskengine.core.pc.foster._contour`): with ``t = 1/k²`` and the disk edge sampled at
fixed nodes, ``Pc(t) = −R/(2π sx sy) ∮ e^{−tρ²/2} w/ρ² dθ`` and
``dPc/dt = R/(4π sx sy) ∮ e^{−tρ²/2} w dθ`` (``ρ²`` the unscaled Mahalanobis distance of
the edge point, ``w = R − xm cos θ − ym sin θ``), so every trial scale costs one ``exp``
per node and the maximiser is a Newton root of ``dPc/dt`` (safeguarded by its grid
bracket), not a golden section over full Pc integrals.  The maximum is then evaluated once
by :func:`~riskengine.core.pc.foster.log_pc_circle`; where it disagrees with the contour
value by more than 1e-8 (nodes too few for a miss just outside the disk) the node count
grows (32, 128, 512), and beyond that the golden-section search over the full kernel
decides.  When the mean lies inside the disk, ``dPc/dt > 0`` everywhere (``w > 0``): the
maximum is at the smallest scale of the grid, ``k² = 1e-8``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from riskengine.core.pc.encounter import eig2x2
from riskengine.core.pc.foster import log_pc_circle

__all__ = ["max_pc_scaled", "max_pc_one_sided", "max_pc_unknown"]

_GRID = np.linspace(np.log(1e-8), np.log(1e8), 65)
#: Offsets (natural log of k²) of the local grid around each event's guess ``log(q/2)``:
#: for R much smaller than the miss the maximum sits at k² = q/2 (q the squared Mahalanobis
#: miss), at k² ~ q for a covariance collapsed to a line, and lower when R is comparable
#: to the miss; a maximum at either end of the local grid falls back to :data:`_GRID`.
_LOCAL = np.linspace(-4.0, 2.0, 13)
_GOLD = 0.5 * (np.sqrt(5.0) - 1.0)
#: Golden-section stops when every bracket in log k² is narrower than this: at the maximum
#: log Pc is flat, so its error is ~curvature x (1e-5)² ~ 1e-11 (the per-CDM cost of
#: `riskengine pc` is mostly this search: ~25 instead of 40 kernel calls).
_BRACKET_TOL = 1e-5


def _maximise(logf, n, guess=None, iters=40):
    """Maximise ``logf(log_k2, idx)`` per event: a log grid, then golden section.

    ``logf(lk, idx)`` evaluates events ``idx`` (an index array) at ``lk`` (same length).
    With ``guess`` (per-event log k², e.g. ``log(q/2)``) the grid is :data:`_LOCAL` around
    it, which keeps the search away from tiny scales where the Pc is astronomically small
    and expensive to integrate; events whose grid maximum lands on an end of the local grid
    (inside the global range) are searched again on the global grid :data:`_GRID`.
    """
    lo, hi = _GRID[0], _GRID[-1]
    idx = np.arange(n)
    if guess is None:
        G = np.broadcast_to(_GRID, (n, len(_GRID))).copy()
    else:
        g = np.clip(np.nan_to_num(np.asarray(guess, float), nan=0.0, posinf=hi, neginf=lo), lo, hi)
        G = np.clip(g[:, None] + _LOCAL[None, :], lo, hi)
    vals = np.stack([logf(G[:, i], idx) for i in range(G.shape[1])], axis=1)
    vals = np.where(np.isnan(vals), -np.inf, vals)
    j = np.argmax(vals, axis=1)
    if guess is not None:
        m = G.shape[1] - 1
        edge = ((j == 0) & (G[:, 0] > lo)) | ((j == m) & (G[:, m] < hi))
        if edge.any():   # widen to the global grid for these events
            e = np.flatnonzero(edge)
            ve = np.stack([logf(np.full(len(e), x), e) for x in _GRID], axis=1)
            ve = np.where(np.isnan(ve), -np.inf, ve)
            G = np.concatenate([G, np.full((n, len(_GRID) - G.shape[1]), np.nan)], axis=1)
            vals = np.concatenate([vals, np.full((n, G.shape[1] - vals.shape[1]), -np.inf)],
                                  axis=1)
            G[e] = np.nan
            G[e, :len(_GRID)] = _GRID
            vals[e] = -np.inf
            vals[e, :len(_GRID)] = ve
            j = np.argmax(vals, axis=1)
    last = np.sum(np.isfinite(G), axis=1) - 1      # last valid column per event
    rows = np.arange(n)
    a = G[rows, np.maximum(j - 1, 0)]
    b = G[rows, np.minimum(j + 1, last)]
    c = b - _GOLD * (b - a)
    d = a + _GOLD * (b - a)
    fc, fd = logf(c, idx), logf(d, idx)
    for _ in range(iters):
        if np.all(b - a < _BRACKET_TOL):    # log k² known to 1e-5: log Pc to ~1e-11
            break
        left = fc > fd                      # maximum in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        keep, fkeep = np.where(left, c, d), np.where(left, fc, fd)
        p = np.where(left, b - _GOLD * (b - a), a + _GOLD * (b - a))
        fp = logf(p, idx)
        c, fc = np.where(left, p, keep), np.where(left, fp, fkeep)
        d, fd = np.where(left, keep, p), np.where(left, fkeep, fp)
    x = 0.5 * (a + b)
    fx = logf(x, idx)
    best_grid = vals[rows, j]
    use_grid = best_grid > fx
    x = np.where(use_grid, G[rows, j], x)
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
    R = np.broadcast_to(np.asarray(hbr, float), (n,)).astype(float)
    proj, lam = _principal(miss, cov)
    s = np.sqrt(np.maximum(lam, 0.0))
    xm, ym, sx, sy = proj[:, 0], proj[:, 1], s[:, 0], s[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (proj * proj / np.maximum(lam, 1e-300)).sum(1)   # squared Mahalanobis miss
    lk = np.full(n, np.nan)
    lp = np.full(n, np.nan)
    valid = (np.isfinite(proj).all(1) & (sx > 0) & (sy > 0) & np.isfinite(sx) & np.isfinite(sy)
             & (R > 0) & np.isfinite(R))
    inside = valid & (np.hypot(xm, ym) <= R)
    if inside.any():             # Pc increases as the covariance shrinks: the grid's lower end
        i = np.flatnonzero(inside)
        lk[i] = _GRID[0]
        k = np.exp(0.5 * _GRID[0])
        lp[i] = log_pc_circle(xm[i], ym[i], k * sx[i], k * sy[i], R[i])
    todo = np.flatnonzero(valid & ~inside)
    for N in _CONTOUR_NODES:
        if todo.size == 0:
            break
        u, lpk, ok = _contour_argmax(xm[todo], ym[todo], sx[todo], sy[todo], R[todo],
                                     np.log(0.5 * q[todo]), N)
        lk[todo[ok]], lp[todo[ok]] = u[ok], lpk[ok]
        todo = todo[~ok]
    if todo.size:                # the full-kernel golden-section search decides the rest
        def logf(lk_, i):
            k = np.exp(0.5 * lk_)
            return log_pc_circle(xm[todo[i]], ym[todo[i]], k * sx[todo[i]], k * sy[todo[i]], R[todo[i]])

        with np.errstate(divide="ignore", invalid="ignore"):
            lk[todo], lp[todo] = _maximise(logf, todo.size, guess=np.log(0.5 * q[todo]))
    with np.errstate(under="ignore", invalid="ignore"):
        return {"pc_max": np.exp(lp), "k2": np.exp(lk), "dilution": np.exp(lk) < 1.0}


_CONTOUR_NODES = (32, 128, 512)
#: Largest |log Pc| difference between the contour estimate and the kernel at the maximiser
#: for the contour search to be trusted (the maximiser is then exact to ~1e-4 in log k², and
#: log Pc, flat there, to ~1e-9 or better).
_CONTOUR_CHECK = 1e-8


def _contour_argmax(xm, ym, sx, sy, R, guess, N, newton_iters=40):
    """Maximiser ``log k²`` of the 2D Pc over the covariance scale, mean outside the disk.

    Contour sums at ``N`` fixed edge nodes (module docstring): a local grid of ``log k²``
    around ``guess`` (global grid when the maximum lands on its edge), then a Newton root of
    ``dPc/dt`` safeguarded by bisection in the grid bracket.  Returns ``(log k², log Pc by the
    kernel, ok)``; ``ok`` False where the contour value at the maximiser is not within
    :data:`_CONTOUR_CHECK` of the kernel's, or no bracket was found.
    """
    n = xm.size
    th = 2.0 * np.pi * np.arange(N) / N
    c, s_ = np.cos(th), np.sin(th)
    r2 = ((R[:, None] * c - xm[:, None]) / sx[:, None]) ** 2 + ((R[:, None] * s_ - ym[:, None]) / sy[:, None]) ** 2
    w = R[:, None] - xm[:, None] * c - ym[:, None] * s_
    rmin = r2.min(axis=1)
    dr = r2 - rmin[:, None]                      # >= 0: the exponentials below never overflow
    wr = w / r2
    lC = np.log(R / (sx * sy) / N)

    def logpc(u, rows):
        t = np.exp(-u)
        E = np.exp(-0.5 * t[:, None] * dr[rows])
        with np.errstate(divide="ignore", invalid="ignore"):
            return lC[rows] - 0.5 * t * rmin[rows] + np.log(-np.einsum("ij,ij->i", E, wr[rows]))

    def dlogpc(u, rows):
        """F = Σ E w (∝ dPc/dt, same sign) and dF/du, E scaled by e^{t ρ²_min/2}."""
        t = np.exp(-u)
        E = np.exp(-0.5 * t[:, None] * dr[rows]) * w[rows]
        F = E.sum(axis=1)
        dF = 0.5 * t * np.einsum("ij,ij->i", E, dr[rows])
        return F, dF

    rows = np.arange(n)
    lo, hi = _GRID[0], _GRID[-1]
    g = np.clip(np.nan_to_num(guess, nan=0.0, posinf=hi, neginf=lo), lo, hi)
    G = np.clip(g[:, None] + _LOCAL[None, :], lo, hi)
    vals = np.stack([logpc(G[:, i], rows) for i in range(G.shape[1])], axis=1)
    vals = np.where(np.isnan(vals), -np.inf, vals)
    j = np.argmax(vals, axis=1)
    m = G.shape[1] - 1
    edge = ((j == 0) & (G[:, 0] > lo)) | ((j == m) & (G[:, m] < hi))
    a = G[rows, np.maximum(j - 1, 0)]
    b = G[rows, np.minimum(j + 1, m)]
    at_end = (G[rows, j] <= lo) | (G[rows, j] >= hi)
    if edge.any():
        e = np.flatnonzero(edge)
        ve = np.stack([logpc(np.full(e.size, x), e) for x in _GRID], axis=1)
        ve = np.where(np.isnan(ve), -np.inf, ve)
        je = np.argmax(ve, axis=1)
        a[e] = _GRID[np.maximum(je - 1, 0)]
        b[e] = _GRID[np.minimum(je + 1, len(_GRID) - 1)]
        at_end[e] = (je == 0) | (je == len(_GRID) - 1)
    # dPc/du = -t dPc/dt: F < 0 below the maximiser (in log k²), F > 0 above it
    Fa, _ = dlogpc(a, rows)
    Fb, _ = dlogpc(b, rows)
    ok = (Fa < 0) & (Fb > 0)
    # a maximum at an end of the global grid [1e-8, 1e8] stays there (as the grid search did)
    end_u = np.where(np.abs(a - lo) < np.abs(b - hi), lo, hi)
    ok_end = at_end & ~ok
    u = np.where(ok_end, end_u, 0.5 * (a + b))
    a = np.where(ok_end, end_u, a)
    b = np.where(ok_end, end_u, b)
    act = np.flatnonzero(ok)
    for _ in range(newton_iters):
        if act.size == 0:
            break
        ua, aa, ba = u[act], a[act], b[act]
        F, dF = dlogpc(ua, act)
        left = F < 0
        aa = np.where(left, ua, aa)
        ba = np.where(left, ba, ua)
        with np.errstate(divide="ignore", invalid="ignore"):
            un = ua - F / dF
        bad = ~np.isfinite(un) | (un <= aa) | (un >= ba)
        un = np.where(bad, 0.5 * (aa + ba), un)
        u[act], a[act], b[act] = un, aa, ba
        act = act[np.abs(un - ua) > 1e-10]
    lp_c = logpc(u, rows)
    lp_k = log_pc_circle(xm, ym, np.exp(0.5 * u) * sx, np.exp(0.5 * u) * sy, R)
    # interior maximum: the contour value must match the kernel's (then so does its slope, and
    # the Newton root is the maximiser); end of the grid: the contour only chose the end
    tol = np.where(ok_end, _CONTOUR_CHECK * np.maximum(1.0, np.abs(lp_k)), _CONTOUR_CHECK)
    ok = (ok | ok_end) & np.isfinite(lp_c) & (np.abs(lp_c - lp_k) <= tol)
    return u, lp_k, ok


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

    def logf(lk, i):
        C = ck[i] + np.exp(lk)[:, None, None] * cu[i]
        proj, lam = _principal(miss[i], C)
        s = np.sqrt(np.maximum(lam, 1e-300))
        return log_pc_circle(proj[:, 0], proj[:, 1], s[:, 0], s[:, 1], R[i])

    proj_u, lam_u = _principal(miss, cu)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (proj_u * proj_u / np.maximum(lam_u, 1e-300)).sum(1)
        lk, lp = _maximise(logf, n, guess=np.log(0.5 * q))
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

    def logf(lk, i):
        sg = np.exp(0.5 * lk) * np.maximum(d[i], R[i])
        lo = (-R[i] - d[i]) / sg
        hi = (R[i] - d[i]) / sg
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
