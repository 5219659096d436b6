"""Hall's 3D-Nc: expected number of collisions along curvilinear two-body trajectories.

Hall, D. T. (2021), "Expected Collision Rates for Tracked Satellites", J. Spacecraft
Rockets 58(3), 715-728 (doi:10.2514/1.A34919), section VII; Hall, Baars & Casali (2023),
"A Multistep Probability of Collision Computational Algorithm", AAS 23-398.  The method
of NASA CARA's ``Pc3D_Hall``, implemented here from the published equations:

* each object's TCA state and covariance become a Gaussian in equinoctial elements
  (Hall eq. 36; elements of :mod:`riskengine.core.pc.twobody`), moved by two-body motion;
* at each time ``t`` the motion is linearised about the *peak-overlap* states (eqs.
  39-44, 55-56, iterated to convergence: step 7, ``Δμᵀ Σp⁻¹ Δμ ≤ 1e-6``; Jacobians of the
  element-to-state map in closed form, :func:`~riskengine.core.pc.twobody.equinoctial_jacobian`),
  giving the relative state mean ``X̆ = (r̆, v̆)`` and covariance ``P̃ = [[A, Bᵀ], [B, C]]``
  (eq. 47);
* the collision rate is the flux into the hard-body sphere (eqs. 51e, 52):

      Ṅc(t) = R² ∮ dr̂ N(R r̂; r̆, A) · σ/√(2π) · H(ν̃),   H(x) = e^{-x²} − √π x erfc(x),
      σ² = r̂ᵀ (C − B A⁻¹ Bᵀ) r̂,   ν̃ = r̂·[v̆ + B A⁻¹ (R r̂ − r̆)] / (√2 σ)

  The flux factor has a kink where ``r̂ ⟂ v̆`` (it tends to ``max(−r̂·v̆, 0)`` without velocity
  uncertainty), so where the density varies little over the sphere (catalog conjunctions)
  a product rule in the frame of ``v̆`` splits the sphere there (:func:`_aligned_rule`);
  denser peaks use Lebedev rules (:func:`scipy.integrate.lebedev_rule`, the degree from
  how much the density varies over the sphere), chosen per time node (:func:`_sphere_rule`);
* ``Nc = ∫ Ṅc dt`` over the encounter (eq. 58).  Short encounters (the rectilinear
  conjunction ``T' ± √2 erfc⁻¹(γ) w'`` neither extended nor offset, Hall et al. 2023, and
  velocity uncertainty moving the position covariance little over the window): the
  trapezoid rule in ``τ = (t − T')/w'`` with its nested error check, the relative state
  and covariance at its nodes interpolated from five linearisations at Chebyshev points of
  the window (:data:`SHORT_LIN_NODES`), each peak-overlap iteration started where linear
  motion from ``T'`` puts the overlap (:func:`_integrate_short`).  Otherwise: adaptive Gauss-Kronrod panels over the union of
  the rectilinear bounds (γ = 1e-16), the linear-motion density scan and, for extended or
  offset encounters, ± a quarter period (:func:`_integrate_adaptive`).

For a single, temporally isolated encounter the collision probability equals Nc (Hall
2021 §III.E); :func:`pc_nc3d` reports ``min(Nc, 1)`` as ``pc``.

Units: positions km, velocities km/s at the API (as CDMs give them), covariances m²,
m²/s, m²/s² (RTN by default, or inertial); HBR m.  Internally SI.  Axis convention:
events on the first axis, time nodes on the second, sphere nodes on the third.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from riskengine.core.pc.encounter import rtn_to_eci
from riskengine.core.pc.twobody import (MU, cartesian_to_equinoctial, equinoctial_jacobian,
                                        equinoctial_to_cartesian, retrograde_factor)

__all__ = ["nc3d", "pc_nc3d", "equinoctial_covariance", "relative_state_at", "usage_violations_2d"]

GAMMA = 1e-16
"""Fraction of Nc allowed outside the integration bounds (CARA ``params.gamma``)."""
POP_TOL = 1e-6
"""Peak-overlap convergence: ``Δμpᵀ Σp⁻¹ Δμp`` below this (Hall 2021 step 7).  Against
iterations to 1e-12: catalog-like Nc within 6e-5 (1e-8 would give 6e-6 at 10 % more
cost), CARA's Test08 and Alfano cases within 1e-9."""
POP_MAX_ITER = 30
_H_STEP = 1e-20                 # complex step (relative to each element's scale)

_LEB = {}


def _lebedev(order):
    if order not in _LEB:
        from scipy.integrate import lebedev_rule   # here: scipy.integrate costs ~0.3 s to import

        x, w = lebedev_rule(order)
        _LEB[order] = (np.ascontiguousarray(x.T), w)
    return _LEB[order]


#: (max variation of the log-density over the sphere, Lebedev degree); checked against the
#: degree-131 rule on CARA's and Alfano's cases (tests/test_pc_nc3d.py)
SPHERE_TIERS = ((0.01, 7), (0.1, 17), (0.5, 35), (2.0, 65), (np.inf, 131))


def _jacobian(E, dt, fr):
    """X(t) and ψ = ∂X(t)/∂E(T) (..., 6, 6), analytic (:func:`~riskengine.core.pc.twobody.equinoctial_jacobian`)."""
    return equinoctial_jacobian(E, dt, fr=fr)


def _jacobian_complex_step(E, dt, fr):
    """The same by complex-step differentiation (exact to rounding; the check of the analytic one)."""
    scale = np.ones(E.shape)
    scale[..., 0] = np.abs(E[..., 0])
    h = _H_STEP * scale
    Ec = np.repeat(E[..., None, :].astype(complex), 6, axis=-2)       # (..., 6 dirs, 6)
    idx = np.arange(6)
    Ec[..., idx, idx] += 1j * h
    Xc = equinoctial_to_cartesian(Ec, dt[..., None], fr=fr[..., None])                   # (..., 6 dirs, 6)
    X = Xc[..., 0, :].real
    J = np.swapaxes(Xc.imag, -1, -2) / h[..., None, :]                 # [comp, dir]
    return X, J


def equinoctial_covariance(X, P):
    """Mean equinoctial elements, their covariance and ``fr`` from a Cartesian Gaussian (SI).

    ``P_E = J P Jᵀ`` with ``J = ∂E/∂X = (∂X/∂E)⁻¹`` at the mean (Hall 2021 eq. 33-36).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([7.0e6, 0, 0, 0, 7546.05, 10.0])
    >>> E, PE, fr = equinoctial_covariance(X, np.eye(6))
    >>> bool(np.all(np.linalg.eigvalsh(PE) > 0))
    True
    """
    fr = retrograde_factor(X)
    E = cartesian_to_equinoctial(X, fr=fr)
    _, psi = _jacobian(E, np.zeros(E.shape[:-1]), fr)
    J = np.linalg.inv(psi)
    PE = J @ P @ np.swapaxes(J, -1, -2)
    return E, 0.5 * (PE + np.swapaxes(PE, -1, -2)), fr


def _inv3(A):
    """Batched 3×3 inverse by cofactors (non-finite rows stay non-finite, never raise)."""
    a, b, c = A[:, 0, 0], A[:, 0, 1], A[:, 0, 2]
    d, e, f = A[:, 1, 0], A[:, 1, 1], A[:, 1, 2]
    g, h, i = A[:, 2, 0], A[:, 2, 1], A[:, 2, 2]
    co = np.empty((len(A), 3, 3))          # written entry by entry (no stacks of 3-long axes)
    co[:, 0, 0], co[:, 0, 1], co[:, 0, 2] = e * i - f * h, c * h - b * i, b * f - c * e
    co[:, 1, 0], co[:, 1, 1], co[:, 1, 2] = f * g - d * i, a * i - c * g, c * d - a * f
    co[:, 2, 0], co[:, 2, 1], co[:, 2, 2] = d * h - e * g, b * g - a * h, a * e - b * d
    det = a * co[:, 0, 0] + b * co[:, 1, 0] + c * co[:, 2, 0]
    co /= det[:, None, None]
    return co


def _mv(M, x):
    """Batched matrix-vector product ``M (n, i, j) @ x (n, j)`` (matmul; einsum is slower)."""
    return (M @ x[:, :, None])[:, :, 0]


def relative_state_at(E1, P1, E2, P2, dt, fr1, fr2, tol=POP_TOL, max_iter=POP_MAX_ITER, start=None,
                      return_elements=False, start_mu=None, return_parts=False):
    """Relative state mean and covariance at ``dt`` linearised about the peak-overlap states.

    Hall (2021) eqs. 39-56 and the step-by-step algorithm of §VII.B.  All inputs share a
    batch shape ``(...)``: elements (..., 6), covariances (..., 6, 6), ``dt`` (...).

    ``start`` (``E1t, E2t``, the batch shape) gives the first expansion centres (default:
    the means); a converged solution at a nearby time is a warm start.  With ``start_mu``,
    the position both start centres share (a predicted peak overlap), the first iteration
    is checked against it, so a good prediction converges after one linearisation.

    Returns
    -------
    X : (..., 6)  mean relative state ``X̆2 − X̆1`` [m, m/s]
    P : (..., 6, 6)  covariance ``P̃1 + P̃2``
    converged : (...) bool
    E1t, E2t : (..., 6)  the last expansion centres (with ``return_elements``)
    parts : (X1, P1, X2, P2)  each object's linearised state and covariance (``return_parts``)
    """
    shape = dt.shape
    if start is None:
        E1t, E2t = E1.copy(), E2.copy()
    else:
        E1t, E2t = np.array(start[0], float), np.array(start[1], float)
    mu_prev = None if start_mu is None else np.array(start_mu, float).reshape(shape + (3,))
    converged = np.zeros(shape, bool)
    active = np.ones(shape, bool)
    Xb = [None, None]
    Pt = [None, None]
    out_X = np.zeros(shape + (6,))
    out_P = np.zeros(shape + (6, 6))
    if return_parts:
        parts_out = [np.zeros(shape + (6,)), np.zeros(shape + (6, 6)), np.zeros(shape + (6,)),
                     np.zeros(shape + (6, 6))]
    for it in range(max_iter):
        a = np.flatnonzero(active.ravel())
        if a.size == 0:
            break
        dta = dt.ravel()[a]
        parts = []
        # both objects' Jacobians in one call (half the per-call overhead on small batches)
        k_ = a.size
        Et_both = np.concatenate([E1t.reshape(-1, 6)[a], E2t.reshape(-1, 6)[a]])
        Xt_both, psi_both = _jacobian(Et_both, np.concatenate([dta, dta]),
                                      np.concatenate([fr1.ravel()[a], fr2.ravel()[a]]))
        for j, (Eb, PE) in enumerate(((E1, P1), (E2, P2))):
            Et_a = Et_both[j * k_:(j + 1) * k_]
            Xt, psi = Xt_both[j * k_:(j + 1) * k_], psi_both[j * k_:(j + 1) * k_]
            dE = Eb.reshape(-1, 6)[a] - Et_a
            dE[:, 5] = (dE[:, 5] + np.pi) % (2.0 * np.pi) - np.pi    # mean longitudes: no 2π jump
            Xbr = Xt + _mv(psi, dE)
            Pj = psi @ PE.reshape(-1, 6, 6)[a] @ np.swapaxes(psi, -1, -2)
            Pj = 0.5 * (Pj + np.swapaxes(Pj, -1, -2))
            parts.append((Xbr, Pj))
        (X1, Pp1), (X2, Pp2) = parts
        with np.errstate(all="ignore"):
            A1i, A2i = _inv3(Pp1[:, :3, :3]), _inv3(Pp2[:, :3, :3])
            Sp = _inv3(A1i + A2i)
        mup = _mv(Sp, _mv(A1i, X1[:, :3]) + _mv(A2i, X2[:, :3]))
        # store the current linearisation (the result when this point converges); a
        # linearisation that breaks down (non-finite) keeps the previous one
        flat_X = out_X.reshape(-1, 6)
        flat_P = out_P.reshape(-1, 6, 6)
        good = (np.isfinite(X2 - X1).all(axis=1) & np.isfinite(Pp1 + Pp2).all(axis=(1, 2))
                & np.isfinite(mup).all(axis=1))
        if not good.all():
            act = active.ravel()
            act[a[~good]] = False
            a, dta = a[good], dta[good]
            X1, X2, Pp1, Pp2, mup, Sp = X1[good], X2[good], Pp1[good], Pp2[good], mup[good], Sp[good]
            A1i, A2i = A1i[good], A2i[good]
        flat_X[a] = X2 - X1
        flat_P[a] = Pp1 + Pp2
        if return_parts:
            for q, val in zip(parts_out, (X1, Pp1, X2, Pp2)):
                q.reshape((-1,) + q.shape[len(shape):])[a] = val
        if mu_prev is not None:
            d = mup - mu_prev.reshape(-1, 3)[a]
            m2 = (d * _mv(A1i + A2i, d)).sum(axis=1)
            done = m2 <= tol
            conv_flat = converged.ravel()
            conv_flat[a[done]] = True
            act = active.ravel()
            act[a[done]] = False
        else:
            mu_prev = np.zeros(shape + (3,))
        mu_prev.reshape(-1, 3)[a] = mup
        # next expansion centres (of the points still iterating): position at the peak
        # overlap, conditional velocities
        go = active.ravel()[a]
        if not return_elements and not go.all():      # (returned centres: the converged too)
            a, dta, mup = a[go], dta[go], mup[go]
            X1, X2, Pp1, Pp2, A1i, A2i = X1[go], X2[go], Pp1[go], Pp2[go], A1i[go], A2i[go]
        k_ = a.size
        if k_ == 0:
            continue
        Xn = np.empty((2 * k_, 6))
        for j, (Xj, Pj, Ai) in enumerate(((X1, Pp1, A1i), (X2, Pp2, A2i))):
            Xn[j * k_:(j + 1) * k_, :3] = mup
            Xn[j * k_:(j + 1) * k_, 3:] = Xj[:, 3:] + _mv(Pj[:, 3:, :3] @ Ai, mup - Xj[:, :3])
        with np.errstate(all="ignore"):
            Enew_both = cartesian_to_equinoctial(Xn, np.concatenate([dta, dta]),
                                                 fr=np.concatenate([fr1.ravel()[a], fr2.ravel()[a]]))
        for j, Et in enumerate((E1t, E2t)):
            Enew = Enew_both[j * k_:(j + 1) * k_]
            bad = ~np.isfinite(Enew).all(axis=1)
            if bad.any():
                active.ravel()[a[bad]] = False
            Et.reshape(-1, 6)[a[~bad]] = Enew[~bad]
    out = (out_X, out_P, converged)
    if return_elements:
        out += (E1t, E2t)
    if return_parts:
        out += (tuple(parts_out),)
    return out


def _aligned_rule(code):
    """Product rule on the sphere in the frame whose 2nd axis is the relative velocity, for
    ``code = −(100 n_u + k)``: Gauss-Legendre in ``u = r̂·v̂`` on each hemisphere (``n_u``
    nodes; with ``k > 0`` the hemispheres' first ``10^-k`` next to the kink ``u = 0`` get
    their own 6 nodes; ``k = 0``: the inflow hemisphere ``u < 0`` only, for flux without
    velocity smoothing) times the trapezoid rule in the azimuth (``2 n_u`` nodes)."""
    if code not in _LEB:
        n_u, k = divmod(-code, 100)
        t, w = np.polynomial.legendre.leggauss(n_u)
        tl, wl = np.polynomial.legendre.leggauss(6)
        ell = 10.0 ** -k if k else 0.0
        us, ws = [], []
        # k = 0: the inflow hemisphere only (δ < 1.25e-5: outflow below 8 δ² ≈ 1e-9 of Nc)
        panels = ((-1.0, 0.0, t, w),) if k == 0 else (
            (-1.0, -ell, t, w), (-ell, 0.0, tl, wl), (0.0, ell, tl, wl), (ell, 1.0, t, w))
        for lo, hi, tt, ww in panels:
            if hi > lo:
                us.append(0.5 * (hi - lo) * tt + 0.5 * (hi + lo))
                ws.append(0.5 * (hi - lo) * ww)
        u, wu = np.concatenate(us), np.concatenate(ws)
        nb = 2 * n_u
        b = 2.0 * np.pi * np.arange(nb) / nb
        U, Bt = np.meshgrid(u, b, indexing="ij")
        sq = np.sqrt(1.0 - U * U)
        nodes = np.stack([sq * np.cos(Bt), U, sq * np.sin(Bt)], axis=-1).reshape(-1, 3)
        _LEB[code] = (np.ascontiguousarray(nodes), np.repeat(wu, nb) * (2.0 * np.pi / nb))
    return _LEB[code]


ALIGNED_MAX_V = 1.0
"""The velocity-aligned rule serves rows whose position density varies by less than e^1 over
the sphere (catalog conjunctions: HBR well below the sigmas), relative error below 3e-5
against a 96-node layered reference on catalog-like linearisations with their velocity
covariances scaled by 1 to 1e6 (δ up to 0.34), where Lebedev degrees 7-65 are 8e-4 to 8e-2
off (they straddle the kink); denser peaks (CARA's and Alfano's cases) keep the Lebedev
tiers CARA's values were matched with."""


ALIGNED_DENSE_TIERS = ((4.0, 8), (16.0, 12), (64.0, 16))
"""(max V, n_u) of the aligned rule for short-encounter rows with ``V >= 1`` and ``δ < 2e-3``:
relative errors 1e-7 or better (median 3e-10) against a layered 96-node rule on catalog-like
linearisations with position covariances scaled by 1e-1 to 1e-3 and velocity ones by 1e2,
where Lebedev 131 (5,810 points) is up to 4.5e-4 off (median 1e-5).  Long encounters keep
Lebedev for ``V >= 1``: CARA's values were matched with it."""


_RULES = {}


def _rule_basis(order):
    """Sphere nodes (K, 3), weights (K,) and the stacked bases ``[x², y², z², 2xy, 2xz, 2yz,
    x, y, z, 1]`` (10, K) of rule ``order`` (Lebedev degree, or aligned code < 0)."""
    if order not in _RULES:
        u, w = _aligned_rule(order) if order < 0 else _lebedev(order)
        x, y, z = u[:, 0], u[:, 1], u[:, 2]
        basis = np.stack([x * x, y * y, z * z, 2 * x * y, 2 * x * z, 2 * y * z, x, y, z, np.ones_like(x)])
        _RULES[order] = (u, w, np.ascontiguousarray(basis))
    return _RULES[order]


def _sym6(M):
    """(N, 6) coefficients of ``uᵀ M u`` in the bases ``x², y², z², 2xy, 2xz, 2yz`` (M (N, 3, 3),
    symmetrised)."""
    return np.stack([M[:, 0, 0], M[:, 1, 1], M[:, 2, 2], 0.5 * (M[:, 0, 1] + M[:, 1, 0]),
                     0.5 * (M[:, 0, 2] + M[:, 2, 0]), 0.5 * (M[:, 1, 2] + M[:, 2, 1])], axis=1)


def _velocity_frame(v):
    """Rows ``(e1, v̂, e2)`` (N, 3, 3) of the frame of the relative velocities ``v`` (N, 3)."""
    y = v / np.linalg.norm(v, axis=1, keepdims=True)
    a = np.where(np.abs(y[:, :1]) < 0.6, np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 1.0, 0.0]]))
    e1 = np.cross(y, a)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    return np.stack([e1, y, np.cross(e1, y)], axis=1)


RATE_FLOOR = 1e-30
"""Nodes of the adaptive panels whose rate bound (:func:`_log_rate_bound`) is below this
fraction of the largest bound among the same event's nodes of the call get rate 0 without
a sphere rule: far in the tails of a quarter-period window the density is so peaked over
the sphere that it takes Lebedev's degree-131 rule, for rates 40 to 100 orders of magnitude
below the peak.  The bound is loose by less than ~1e6 (4πR² at the density's largest value
on the sphere against its integral), so a skipped node is below 1e-24 of the event's
largest rate, and the panels' total below 1e-20 of Nc for windows up to 1e4 rate widths."""
RATE_CHUNK = 49152
"""Rows × sphere nodes per :func:`_rate` call: arrays of ~400 kB stay in cache (2.4.x numpy,
x86: 1.7x faster than 2,048 rows of a 160-node rule)."""
Z_LIMIT = 9.0
"""Nodes with ``|z| = |m|/s`` beyond this take the flux factor's limit ``max(−m, 0)``: the
exact ``s (φ(z) − z Φc(z))`` (``z`` > 0; ``−m`` plus the same for ``z`` < 0) differs from
it by less than ``s φ(9)/81 ≈ 1.3e-20 s``, and ``s`` is at most ``δ|v|``."""
_SQRT2PI = np.sqrt(2.0 * np.pi)
_LOG_2PI3 = 3.0 * np.log(2.0 * np.pi)


def _rate(X, P, R, order):
    """Collision rate Ṅc (Hall 2021 eq. 51e-52) for relative states X (N, 6), P (N, 6, 6).

    ``order`` > 0: Lebedev degree; ``order`` < 0: the velocity-aligned product rule
    (:func:`_aligned_rule`; the quadratic forms are rotated into the frame of the relative
    velocity).  The quadratic forms in the nodes ``r̂`` are expanded in the products of
    their components, so the log-density and the flux argument are one small matrix
    product each; the error function only where ``|z|`` < :data:`Z_LIMIT`."""
    u, w, basis = _rule_basis(order)
    n = len(X)
    A = P[:, :3, :3]
    B = P[:, 3:, :3]
    Ai = _inv3(A)
    BAi = B @ Ai
    Cp = P[:, 3:, 3:] - BAi @ np.swapaxes(B, -1, -2)
    det = (A[:, 0, 0] * (A[:, 1, 1] * A[:, 2, 2] - A[:, 1, 2] * A[:, 2, 1])
           - A[:, 0, 1] * (A[:, 1, 0] * A[:, 2, 2] - A[:, 1, 2] * A[:, 2, 0])
           + A[:, 0, 2] * (A[:, 1, 0] * A[:, 2, 1] - A[:, 1, 1] * A[:, 2, 0]))
    # [A⁻¹ | BA⁻¹ | C' | A⁻¹r | v − BA⁻¹r] (N, 3, 11), rotated when the rule is aligned
    Mx = np.empty((n, 3, 11))
    Mx[:, :, 0:3], Mx[:, :, 3:6], Mx[:, :, 6:9] = Ai, BAi, Cp
    Mx[:, :, 9:10] = Ai @ X[:, :3, None]
    Mx[:, :, 10:11] = X[:, 3:, None] - BAi @ X[:, :3, None]
    with np.errstate(all="ignore"):
        c0 = np.einsum("ni,ni->n", X[:, :3], Mx[:, :, 9]) + _LOG_2PI3 + np.log(det)
        if order < 0:
            Q = _velocity_frame(X[:, 3:])
            Mx = Q @ Mx
            Mx[:, :, 0:9] = (np.concatenate([Mx[:, :, 0:3], Mx[:, :, 3:6], Mx[:, :, 6:9]], axis=1)
                             @ np.swapaxes(Q, -1, -2)).reshape(n, 3, 3, 3).transpose(0, 2, 1, 3).reshape(n, 3, 9)
        # log N(R u; r, A) = −½ (R² uᵀA⁻¹u − 2R u·A⁻¹r + c0);  m = u·(v − BA⁻¹r) + R uᵀBA⁻¹u
        cN = np.empty((n, 10))
        cN[:, :6] = (-0.5 * R * R)[:, None] * _sym6(Mx[:, :, 0:3])
        cN[:, 6:9] = R[:, None] * Mx[:, :, 9]
        cN[:, 9] = -0.5 * c0
        cm = np.empty((n, 9))
        cm[:, :6] = R[:, None] * _sym6(Mx[:, :, 3:6])
        cm[:, 6:] = Mx[:, :, 10]
        qC = _sym6(Mx[:, :, 6:9])
        val = cN @ basis
        m = cm @ basis[:9]
        nu = np.maximum(-m, 0.0)
        # s² = uᵀC'u <= tr C' at every node: the error function only where |m| < Z_LIMIT s
        smax = np.sqrt(np.maximum(qC[:, 0] + qC[:, 1] + qC[:, 2], 0.0))
        near = np.abs(m) < (Z_LIMIT * smax)[:, None]
        if near.any():
            sn = np.sqrt(np.maximum(qC @ basis[:6], 0.0))
            mid = np.flatnonzero((np.abs(m) < Z_LIMIT * sn).ravel())
            if mid.size:
                sm, mm = sn.ravel()[mid], m.ravel()[mid]
                zm = mm / sm
                nu.ravel()[mid] = (sm * np.exp(-0.5 * zm * zm) / _SQRT2PI
                                   - mm * 0.5 * special.erfc(zm / np.sqrt(2)))
        np.exp(val, out=val)
        val *= nu
        out = (R * R) * (val @ w)
    return np.where(np.isfinite(out), out, 0.0)


def _log_rate_bound(X, P, R):
    """Log of an upper bound of Ṅc per row: ``4πR²`` times the density's largest value on the
    sphere (``N`` at Mahalanobis distance ``max(0, |r|_A − R √tr A⁻¹)``) times the flux
    factor's (``s/√(2π) + |m|`` with ``s² <= tr C'``, ``|m| <= |v − BA⁻¹r| + R ‖BA⁻¹‖_F``)."""
    A, B, C = P[:, :3, :3], P[:, 3:, :3], P[:, 3:, 3:]
    Ai = _inv3(A)
    BAi = B @ Ai
    Cp = C - BAi @ np.swapaxes(B, -1, -2)
    r = X[:, :3, None]
    Ar = Ai @ r
    d = np.sqrt(np.maximum((r * Ar).sum(axis=(1, 2)), 0.0)) - R * np.sqrt(np.trace(Ai, axis1=1, axis2=2))
    det = A[:, 0, 0] * (A[:, 1, 1] * A[:, 2, 2] - A[:, 1, 2] * A[:, 2, 1]) \
        - A[:, 0, 1] * (A[:, 1, 0] * A[:, 2, 2] - A[:, 1, 2] * A[:, 2, 0]) \
        + A[:, 0, 2] * (A[:, 1, 0] * A[:, 2, 1] - A[:, 1, 1] * A[:, 2, 0])
    flux = (np.sqrt(np.maximum(np.trace(Cp, axis1=1, axis2=2), 0.0)) / _SQRT2PI
            + np.linalg.norm((X[:, 3:, None] - BAi @ r)[:, :, 0], axis=1)
            + R * np.sqrt((BAi * BAi).sum(axis=(1, 2))))
    return (np.log(4 * np.pi * R * R * flux) - 1.5 * np.log(2 * np.pi) - 0.5 * np.log(det)
            - 0.5 * np.maximum(d, 0.0) ** 2)


def _sphere_rule(X, P, R, short=None):
    """Sphere rule per row: the aligned product rule (``-n_u``) where the flux kink is sharp,
    else the Lebedev degree, from the density's variation over the sphere."""
    with np.errstate(all="ignore"):
        V = np.nan_to_num(_sphere_variation(X, P, R), nan=np.inf)
        delta = np.nan_to_num(_velocity_smoothing(X, P), nan=np.inf)
    orders = np.full(len(X), SPHERE_TIERS[-1][1])
    for vmax, order in reversed(SPHERE_TIERS):
        orders[V < vmax] = order
    # the flux kink max(−r̂·v, 0) is smoothed by velocity uncertainty over δ in u: below
    # 1.25e-5 the outflow hemisphere carries < 8 δ² of it (inflow only), up to 0.0125 a
    # layer of the decade >= 8 δ, above it the flux is smooth on the scale of 8 Gauss nodes
    with np.errstate(all="ignore"):
        k = np.clip(np.floor(-np.log10(8.0 * delta)), 0, 9).astype(int)
    code = np.where(delta < 1.25e-5, -400, np.where(delta < 0.0125, -(400 + k), -800))
    out = np.where(V < ALIGNED_MAX_V, code, orders)
    if short is not None:
        # short encounters: the aligned rule also for denser peaks, kink sharp or thinly smoothed
        kd = np.where(delta < 1.25e-5, 0, k)
        ok = short & (V >= ALIGNED_MAX_V) & (delta < 2e-3)
        for vmax, n_u in reversed(ALIGNED_DENSE_TIERS):
            out = np.where(ok & (V < vmax), -(100 * n_u + kd), out)
    return out


def _velocity_smoothing(X, P):
    """``δ = σ_max(C − B A⁻¹ Bᵀ)^½ / |v|``: the width in ``u = r̂·v̂`` over which velocity
    uncertainty smooths the kink of the inflow flux ``max(−r̂·v, 0)``."""
    A, B, C = P[:, :3, :3], P[:, 3:, :3], P[:, 3:, 3:]
    Cp = C - B @ _inv3(A) @ np.swapaxes(B, -1, -2)
    tr = np.trace(Cp, axis1=1, axis2=2)             # >= its largest eigenvalue
    return np.sqrt(np.maximum(tr, 0.0)) / np.linalg.norm(X[:, 3:], axis=1)


def _sphere_variation(X, P, R):
    """Rough log-variation of the position density over the sphere, per row."""
    A = P[:, :3, :3]
    ok = np.isfinite(A).all(axis=(1, 2)) & np.isfinite(X).all(axis=1)
    Ai = _inv3(A)
    g = np.linalg.norm(_mv(Ai, X[:, :3]), axis=1)
    lam_inv = np.trace(Ai, axis1=1, axis2=2)        # >= 1 / smallest eigenvalue of A
    with np.errstate(all="ignore"):
        return np.where(ok, R * g + 0.5 * R * R * lam_inv, np.inf)


def _bounds(X, P, R, gamma):
    """Rectilinear conjunction bounds (Hall et al. 2023): T' ± (√2 erfc⁻¹(γ) w' + 2R/|v|)."""
    r, v = X[:, :3], X[:, 3:]
    Ai = np.linalg.inv(P[:, :3, :3])
    a = np.einsum("ni,nij,nj->n", v, Ai, v)
    b = 2 * np.einsum("ni,nij,nj->n", r, Ai, v)
    Tp = -b / (2 * a)
    w = 1.0 / np.sqrt(a)
    half = np.sqrt(2.0) * special.erfcinv(gamma) * w + 2.0 * R / np.linalg.norm(v, axis=1)
    return Tp, half


# Gauss-Kronrod 7-15 (QUADPACK qk15 constants): nodes in [0, 1], Kronrod and Gauss weights
_XGK = np.array([0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                 0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                 0.207784955007898467600689403773245, 0.0])
_WGK = np.array([0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                 0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                 0.204432940075298892414161999234649, 0.209482141084727828012999174891714])
_WG = np.array([0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                0.381830050505118944950369775488975, 0.417959183673469387755102040816327])
_K15_X = np.concatenate([-_XGK[:-1], _XGK[::-1]])
_K15_W = np.concatenate([_WGK[:-1], _WGK[::-1]])
_G7_W = np.zeros(15)
_G7_W[[1, 3, 5]] = _WG[:3]
_G7_W[[13, 11, 9]] = _WG[:3]
_G7_W[7] = _WG[3]

EXTENDED_FRACTION = 0.02
"""Rectilinear conjunction duration over the shorter orbital period above which the
encounter is "extended" (Hall et al. 2023 usage violation V_e > 0.02): the time integral
then spans ± a quarter period, as CARA's unit tests of the Alfano (2009) cases do."""
MAX_PANELS = 256
"""Most Gauss-Kronrod panels per event (beyond: ``converged`` False)."""
OFFSET_FRACTION = 0.01
"""|T'| over the shorter period above which the peak is "offset" (Hall et al. 2023, V_o)."""


SCAN_CHUNK = 64
"""Events per block of :func:`_scan_window`: its (events × 241) arrays of ~120 kB stay in
cache (2,000 catalog events: 100 ms in one block, 18-23 ms in blocks of 32-128)."""


def _scan_window(X, P, R, period, n_scan=241, drop=45.0):
    """Where the linear-motion density at the collision sphere matters, with velocity
    uncertainty: ``r(t) = r + v t``, ``A(t) = A + t (B + Bᵀ) + t² C`` (Coppola 2012),
    scanned over ± a quarter period; keeps ``½(M(t) + ln det A(t))`` within ``drop`` of its
    minimum (e^-45 ≈ 3e-20), widened by one scan step and 2R/|v| each side."""
    n = X.shape[0]
    grid = np.linspace(-0.25, 0.25, n_scan)
    S = P[:, 3:, :3] + np.swapaxes(P[:, 3:, :3], -1, -2)
    first = np.zeros(n, int)
    last = np.zeros(n, int)
    any_ = np.zeros(n, bool)
    for s0 in range(0, n, SCAN_CHUNK):
        sl = slice(s0, s0 + SCAN_CHUNK)
        t = grid[None, :] * period[sl, None]                                      # (m, k)
        t2 = t * t
        A, Sb, C, Xs = P[sl, :3, :3], S[sl], P[sl, 3:, 3:], X[sl]
        # the six entries of the symmetric A(t), its cofactors, determinant and rᵀ adj(A) r
        a = {ij: A[:, ij[0], ij[1], None] + t * Sb[:, ij[0], ij[1], None] + t2 * C[:, ij[0], ij[1], None]
             for ij in ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))}
        r = [Xs[:, i, None] + t * Xs[:, 3 + i, None] for i in range(3)]
        c00 = a[1, 1] * a[2, 2] - a[1, 2] * a[1, 2]
        c11 = a[0, 0] * a[2, 2] - a[0, 2] * a[0, 2]
        c22 = a[0, 0] * a[1, 1] - a[0, 1] * a[0, 1]
        c01 = a[0, 2] * a[1, 2] - a[0, 1] * a[2, 2]
        c02 = a[0, 1] * a[1, 2] - a[0, 2] * a[1, 1]
        c12 = a[0, 1] * a[0, 2] - a[0, 0] * a[1, 2]
        det = a[0, 0] * c00 + a[0, 1] * c01 + a[0, 2] * c02
        q = (c00 * r[0] * r[0] + c11 * r[1] * r[1] + c22 * r[2] * r[2]
             + 2.0 * (c01 * r[0] * r[1] + c02 * r[0] * r[2] + c12 * r[1] * r[2]))
        with np.errstate(all="ignore"):
            f = 0.5 * (q / det + np.log(det))
        f = np.where(np.isfinite(f) & (det > 0), f, np.inf)
        keep = f <= (f.min(axis=1) + drop)[:, None]
        any_[sl] = keep.any(axis=1)
        first[sl] = np.argmax(keep, axis=1)
        last[sl] = n_scan - 1 - np.argmax(keep[:, ::-1], axis=1)
    step = 0.5 * period / (n_scan - 1)
    pad = step + 2.0 * R / np.maximum(np.linalg.norm(X[:, 3:], axis=1), 1e-12)
    lo = grid[first] * period - pad
    hi = grid[last] * period + pad
    return np.where(any_, lo, np.nan), np.where(any_, hi, np.nan)


def nc3d(r1, v1, cov1, r2, v2, cov2, hbr_m, *, frame="rtn", gamma=GAMMA, t_bounds=None,
         rtol=1e-6, max_rounds=12, sphere_order=None, pop_tol=None, fast=True,
         short_lin_nodes=None):
    """Hall's 3D-Nc expected number of collisions for a batch of conjunctions.

    Parameters
    ----------
    r1, v1, r2, v2 : array_like (n, 3)
        Inertial TCA states [km, km/s].
    cov1, cov2 : array_like (n, 6, 6)
        State covariances [m², m²/s, m²/s²], in each object's RTN frame (``frame="rtn"``,
        as CDMs give them) or in the inertial frame of the states (``frame="eci"``).
    hbr_m : float or array_like (n,)
        Combined hard-body radius [m].
    gamma : float
        Share of Nc allowed outside the rectilinear time bounds.
    t_bounds : (lo, hi) arrays or floats, optional
        Integration bounds [s from TCA]; default: the rectilinear conjunction bounds, or
        ± a quarter of the shorter orbital period for extended or offset encounters.
    rtol : float
        Relative accuracy of the adaptive Gauss-Kronrod (7-15) time integral.
    sphere_order : int, optional
        Fixed Lebedev degree (3..131), or ``−(100 n_u + k)`` for the velocity-aligned rule
        (:func:`_aligned_rule`); default per time node (:func:`_sphere_rule`): the aligned
        rule where the density varies by less than e over the sphere
        (:data:`ALIGNED_MAX_V`), else Lebedev (:data:`SPHERE_TIERS`).
    pop_tol : float, optional
        Peak-overlap convergence, ``Δμpᵀ Σp⁻¹ Δμp`` (default :data:`POP_TOL`).
    fast : bool
        Short encounters (not extended or offset, velocity uncertainty moving the position
        covariance by at most :data:`VELOCITY_GROWTH_MAX` over a quarter period) by the
        trapezoid rule in the rectilinear time sigma (:func:`_integrate_short`) instead of
        adaptive Gauss-Kronrod panels over the scanned window; False: panels for all.
    short_lin_nodes : int, optional
        Peak-overlap linearisations per short encounter, interpolated to its trapezoid nodes
        (odd; default :data:`SHORT_LIN_NODES`); 0: every trapezoid node linearised.

    Returns
    -------
    dict of arrays (n,)
        ``nc`` (expected number of collisions), ``pc`` (= min(nc, 1)), ``t_lo``, ``t_hi``
        (integration bounds, s from TCA), ``t_peak`` (time of the largest rate seen),
        ``converged`` (peak-overlap iteration converged wherever the rate matters and the
        time integral met ``rtol``), ``extended`` (quarter-period window used), ``short``
        (integrated by the short-encounter rule), ``sphere_order``.

    Examples
    --------
    Alfano (2009) case 3 (CARA unit test: 0.10033642320):

    >>> import numpy as np
    >>> x1 = np.array([-38.1599, 4218.8, 0.0, -4.3, -0.027, 0.0]) / 1.0
    >>> out = nc3d(x1[None, :3] + 6378.0 * np.array([1.0, 0, 0]), x1[None, 3:] + [0, 7.2, 0],
    ...            np.eye(6)[None] * 1e4, x1[None, :3] + [6378.0, 0.0, 0.05], x1[None, 3:] + [0, 0, 7.2],
    ...            np.eye(6)[None] * 1e4, 10.0)
    >>> bool(0 < out["pc"][0] < 1)
    True
    """
    r1, v1, r2, v2 = (np.atleast_2d(np.asarray(a, float)) for a in (r1, v1, r2, v2))
    n = r1.shape[0]
    pop_tol = POP_TOL if pop_tol is None else float(pop_tol)
    short_lin_nodes = SHORT_LIN_NODES if short_lin_nodes is None else int(short_lin_nodes)
    if short_lin_nodes and short_lin_nodes % 2 == 0:
        raise ValueError(f"short_lin_nodes={short_lin_nodes}; expected an odd count or 0")
    c1 = np.asarray(cov1, float).reshape(n, 6, 6)
    c2 = np.asarray(cov2, float).reshape(n, 6, 6)
    if frame == "rtn":
        c1, c2 = rtn_to_eci(c1, r1, v1), rtn_to_eci(c2, r2, v2)
    elif frame != "eci":
        raise ValueError(f"frame={frame!r}; expected 'rtn' or 'eci'")
    R = np.broadcast_to(np.asarray(hbr_m, float), (n,)).astype(float)
    if t_bounds is not None:
        t_bounds = (np.broadcast_to(np.asarray(t_bounds[0], float), (n,)),
                    np.broadcast_to(np.asarray(t_bounds[1], float), (n,)))
    X1 = np.concatenate([r1, v1], axis=1) * 1e3
    X2 = np.concatenate([r2, v2], axis=1) * 1e3
    with np.errstate(all="ignore"):
        E1, PE1, fr1 = equinoctial_covariance(X1, c1)
        E2, PE2, fr2 = equinoctial_covariance(X2, c2)
        Tp, half = _bounds(X2 - X1, c1 + c2, R, gamma)
    period = 2 * np.pi / np.minimum(E1[:, 0], E2[:, 0])
    extended = (2 * half / period > EXTENDED_FRACTION) | (np.abs(Tp) / period > OFFSET_FRACTION) | ~np.isfinite(half)
    # linearisation at the rectilinear minimum T' (TCA when offset): the sphere rule, the
    # velocity-uncertainty test and the warm start of every time node
    t0 = np.where(np.isfinite(Tp) & ~extended, Tp, 0.0)
    with np.errstate(all="ignore"):
        X0, P0, conv0, E1s, E2s, parts0 = relative_state_at(E1, PE1, E2, PE2, t0, fr1, fr2, tol=pop_tol,
                                                        return_elements=True, return_parts=True)
    if sphere_order is None:        # per time node (rate_at); reported here at T'
        orders = _sphere_rule(X0, P0, R)
    else:
        orders = np.full(n, int(sphere_order))

    def linearise(ev, t):
        """Relative state and covariance at times t (k,) of events ev (k,), warm-started at the
        T' peak overlap (short encounters: at the peak overlap predicted by linear motion
        from T')."""
        with np.errstate(all="ignore"):
            sh = is_short[ev]
            start = (E1s[ev].copy(), E2s[ev].copy())
            mu0 = None
            if sh.any():
                mu0 = np.full((ev.size, 3), np.nan)
                j = np.flatnonzero(sh)
                e_, m_ = _predict_peak_overlap(parts0, ev[j], t[j] - t0[ev[j]], t[j], fr1, fr2)
                ok_ = np.isfinite(e_[0]).all(axis=1) & np.isfinite(e_[1]).all(axis=1)
                j = j[ok_]
                start[0][j], start[1][j], mu0[j] = e_[0][ok_], e_[1][ok_], m_[ok_]
            Xt, Pt, conv = relative_state_at(E1[ev], PE1[ev], E2[ev], PE2[ev], t, fr1[ev], fr2[ev],
                                             tol=pop_tol, start=start, start_mu=mu0)
        return Xt, Pt, conv

    def rate_of(ev, Xt, Pt):
        """Ṅc of events ev (k,) from their linearisations Xt (k, 6), Pt (k, 6, 6)."""
        out = np.zeros(len(ev))
        o = orders[ev] if sphere_order is not None else _sphere_rule(Xt, Pt, R[ev], is_short[ev])
        keep = np.ones(len(ev), bool)
        far = np.flatnonzero(~is_short[ev])
        if far.size:
            # the panels' nodes whose rate cannot matter (RATE_FLOOR of the event's largest bound)
            with np.errstate(all="ignore"):
                lb = _log_rate_bound(Xt[far], Pt[far], R[ev[far]])
                top = np.full(n, -np.inf)
                np.maximum.at(top, ev[far], lb)
                keep[far] = ~(lb < top[ev[far]] + np.log(RATE_FLOOR))      # NaN: kept
        for order in np.unique(o[keep]):
            rows = np.flatnonzero((o == order) & keep)
            step = max(64, RATE_CHUNK // len(_rule_basis(int(order))[1]))
            for s0 in range(0, rows.size, step):
                rr = rows[s0:s0 + step]
                out[rr] = _rate(Xt[rr], Pt[rr], R[ev[rr]], int(order))
        return out

    def rate_at(ev, t):
        """Ṅc at times t (k,) of events ev (k,) and whether their linearisations converged."""
        Xt, Pt, conv = linearise(ev, t)
        return rate_of(ev, Xt, Pt), conv

    is_short = np.zeros(n, bool)           # rows of rate_at integrated by the short rule
    res = {k: np.zeros(n) for k in ("nc", "t_lo", "t_hi", "t_peak")}
    res["converged"] = np.zeros(n, bool)
    res["short"] = np.zeros(n, bool)
    slow = np.ones(n, bool)
    scan = None
    if t_bounds is None:
        with np.errstate(all="ignore"):
            scan = _scan_window(X2 - X1, c1 + c2, R, period)
    if t_bounds is None and fast:
        with np.errstate(all="ignore"):
            reach = np.fmax(np.abs(scan[0] - t0), np.abs(scan[1] - t0))
            eta = _velocity_growth(P0, reach)
        cand = np.flatnonzero(~extended & np.isfinite(half) & (eta <= VELOCITY_GROWTH_MAX))
        if cand.size:
            w = 1.0 / np.sqrt(np.einsum("ni,nij,nj->n", X0[cand, 3:], _inv3(P0[cand, :3, :3]), X0[cand, 3:]))
            vrel = np.linalg.norm(X0[cand, 3:], axis=1)
            L = SHORT_HALF_WIDTH * np.sqrt(1.0 + eta[cand]) + 2.0 * R[cand] / (vrel * w)
            is_short[cand] = True
            interp = None
            if short_lin_nodes:
                # the T' linearisation is the middle node of the interpolation (odd count)
                arc = np.minimum(E1[cand, 0], E2[cand, 0]) * np.ceil(L / SHORT_STEPS[0]) * w
                interp = (int(short_lin_nodes), linearise, rate_of, X0[cand], P0[cand], conv0[cand],
                          arc <= SHORT_LIN_MAX_ARC)
            done, val, lo_, hi_, tpk, conv = _integrate_short(rate_at, cand, Tp[cand], w, L, interp)
            is_short[cand[~done]] = False
            i = cand[done]
            res["nc"][i], res["t_lo"][i], res["t_hi"][i], res["t_peak"][i] = val, lo_, hi_, tpk
            res["converged"][i] = conv
            res["short"][i] = True
            slow[i] = False
    sl = np.flatnonzero(slow)
    if sl.size:
        tb = None if t_bounds is None else (t_bounds[0][sl], t_bounds[1][sl])
        sc = None if scan is None else (scan[0][sl], scan[1][sl])
        out = _integrate_adaptive(rate_at, sl, sc, Tp[sl], half[sl], period[sl], extended[sl], tb,
                                  rtol, max_rounds)
        for k in ("nc", "t_lo", "t_hi", "t_peak", "converged"):
            res[k][sl] = out[k]
    nc = np.maximum(res["nc"], 0.0)
    return {"nc": nc, "pc": np.minimum(nc, 1.0), "t_lo": res["t_lo"], "t_hi": res["t_hi"],
            "t_peak": res["t_peak"], "converged": res["converged"], "extended": extended,
            "sphere_order": orders, "short": res["short"]}


VELOCITY_GROWTH_MAX = 0.1
"""Short-encounter path only when velocity uncertainty grows the relative position
covariance by at most this fraction over the scanned window (:func:`_velocity_growth`)."""
SHORT_ACCEPT = 2e-2
"""Trapezoid steps ``h`` and ``2h`` must agree to this fraction.  For a rate
``e^{−τ²/2} g(τ)`` with ``g`` entire of exponential type ``a`` (slowly varying), the rule's
error is ~``e^{−2π²/h² + 2πa/h}``: ``|T₂ − T₁| ≤ 2e-2`` means ``πa ≲ 1`` and then
``|T₁ − Nc| ≲ e^{−2π² + 2} ≈ 2e-8`` relative (a pure Gaussian: 1.4e-2 and 5e-9)."""
SHORT_HALF_WIDTH = 6.5
"""Half-width of the short-encounter window in rectilinear time sigmas (widened by the
velocity growth and the sphere's crossing time).  The rule checks that the rate at the
window ends is below :data:`SHORT_EDGE` of its peak; for a Gaussian-like rate the
trapezoid nodes beyond then add less than ``e^{-6.5} × 1e-7 / 2.5 ≈ 6e-11`` of Nc (the
adaptive panels take the events that fail, as they take γ = 1e-16 windows)."""
SHORT_EDGE = 1e-7
SHORT_STEPS = (1.0, 0.5, 0.25)
"""Trapezoid steps tried, in units of the rectilinear time sigma ``w'``."""


def _predict_peak_overlap(parts, ev, dt, t, fr1, fr2):
    """Expansion centres at ``t`` predicted from the T' linearisation by linear motion (with
    the gravity term): each object's mean ``X(T') + V dt + ½ g dt²`` and covariance
    ``A + dt (B + Bᵀ) + dt² C`` give the peak overlap ``μ(t)``, and each centre sits there
    with its conditional velocity, as one step of Hall's iteration would put it.  Over a
    short encounter (seconds) the prediction is good to the 1e-6 convergence test, so the
    iteration stops after one linearisation.  Returns ``((E1t, E2t), μ)``."""
    X1, P1, X2, P2 = (q[ev] for q in parts)
    cen, Ai, Xs = [], [], []
    for X, P in ((X1, P1), (X2, P2)):
        r = X[:, :3]
        g = -MU * r / np.linalg.norm(r, axis=1, keepdims=True) ** 3
        Xt = np.concatenate([r + X[:, 3:] * dt[:, None] + 0.5 * g * (dt * dt)[:, None],
                             X[:, 3:] + g * dt[:, None]], axis=1)
        A, B, C = P[:, :3, :3], P[:, 3:, :3], P[:, 3:, 3:]
        At = A + dt[:, None, None] * (B + np.swapaxes(B, -1, -2)) + (dt * dt)[:, None, None] * C
        Bt = B + dt[:, None, None] * C
        Xs.append((Xt, Bt))
        Ai.append(_inv3(At))
    mu = _mv(_inv3(Ai[0] + Ai[1]), _mv(Ai[0], Xs[0][0][:, :3]) + _mv(Ai[1], Xs[1][0][:, :3]))
    for (Xt, Bt), A_i, fr in zip(Xs, Ai, (fr1[ev], fr2[ev])):
        vt = Xt[:, 3:] + _mv(Bt @ A_i, mu - Xt[:, :3])
        cen.append(cartesian_to_equinoctial(np.concatenate([mu, vt], axis=1), t, fr=fr))
    return (cen[0], cen[1]), mu


def _velocity_growth(P, T):
    """Upper bound ``η`` of ``‖A^{-1/2} (t(B + Bᵀ) + t² C) A^{-1/2}‖`` for ``|t| ≤ T``: how far
    velocity uncertainty moves the linear-motion position covariance ``A(t)`` (Coppola
    2012) from ``A``.  ``T`` is the reach of the window scan (:func:`_scan_window`, the region
    where the linear-motion density at the sphere is within e^-45 of its peak, to the scan's
    resolution).  With ``η ≤ 0.1`` over it, ``M(t) = |r + vt|²_{A(t)}`` stays above
    ``1/(1 + η)`` of its rectilinear form, so the rate is the rectilinear Gaussian in time
    widened by at most ``√(1 + η)``: the short-encounter rule's window ``T' ± L w'`` with
    ``L = √2 erfc⁻¹(γ) √(1 + η) + 2R/(|v| w')`` holds it."""
    A, B, C = P[:, :3, :3], P[:, 3:, :3], P[:, 3:, 3:]
    lam, U = np.linalg.eigh(A)
    Ah = U / np.sqrt(lam)[:, None, :] @ np.swapaxes(U, -1, -2)              # A^{-1/2}
    Bs = Ah @ (B + np.swapaxes(B, -1, -2)) @ Ah
    Cs = Ah @ C @ Ah
    nb = np.sqrt(np.einsum("nij,nij->n", Bs, Bs))      # Frobenius >= spectral norm
    nc = np.sqrt(np.einsum("nij,nij->n", Cs, Cs))
    eta = T * nb + T * T * nc
    return np.where(np.isfinite(eta) & (lam[:, 0] > 0), eta, np.inf)


SHORT_LIN_NODES = 5
"""Peak-overlap linearisations per short encounter: at the Chebyshev points of its window
``T' ± K w'`` (the middle one is T', linearised already), interpolated (degree 4) to the
trapezoid nodes (:func:`_integrate_short`).  The relative state and covariance vary on the
orbital time scale, and a short window spans a small arc of it, so the interpolation error
falls like the fifth power of the arc: against a linearisation at every node (peak overlap
to 1e-14) on 1,000 catalog-like events, Nc within 5e-8 for windows up to ±70 s (0.08 rad of
arc) and 1.6e-6 at ±200 s (0.22 rad); 3 nodes: 5e-3, 7 nodes: 3e-8.  It cuts the
linearisations per event from 15 to 4."""
SHORT_BLOCK = 512
"""Events per block of the short rule's interpolated first level: bounded temporaries
(7,680 nodes) instead of the whole batch's; blocks of 512 to 4,000 events cost the same, 128
events 20 % more, 32 events 2x (per-call overhead)."""
SHORT_LIN_MAX_ARC = 0.1
"""Windows of more orbital arc than this [rad] (mean motion × half-width; the short rule
admits about ±60 s, 0.07 rad) linearise every trapezoid node instead."""


def _lagrange(x, nodes):
    """Lagrange basis (..., k, m) of interpolation at ``nodes`` (..., m) evaluated at ``x`` (..., k)."""
    d = x[..., :, None, None] - nodes[..., None, None, :]                  # (..., k, 1, m)
    den = nodes[..., :, None] - nodes[..., None, :]                         # (..., m, m)
    m = nodes.shape[-1]
    eye = np.eye(m, dtype=bool)
    q = np.where(eye, 1.0, d / np.where(eye, 1.0, den)[..., None, :, :])   # (..., k, m, m)
    return q.prod(axis=-1)


def _integrate_short(rate_at, ev, Tp, w, L, interp=None):
    """``∫ Ṅc dt`` of short encounters by the trapezoid rule in ``τ = (t − T')/w'``.

    The rate of a short encounter is a Gaussian in ``t`` (width ``w'``) times a slowly
    varying flux factor, an entire function decaying like a Gaussian: the trapezoid rule on
    ``|τ| ≤ L`` converges like ``exp(−2π²/h²)`` and the nested step ``2h`` (every other node)
    gives its error for free.  A step is accepted when ``h`` and ``2h`` agree to
    :data:`SHORT_ACCEPT` and the rate at the window ends is below :data:`SHORT_EDGE` of its peak; steps
    :data:`SHORT_STEPS` are tried in turn, the rest goes to the adaptive panels.
    With ``interp = (n_lin, linearise, rate_of, X0, P0, conv0, use)`` the first level's
    relative states and covariances are interpolated from ``n_lin`` linearisations at the
    Chebyshev points of the window (the middle one, T', given: ``X0, P0, conv0``) for the
    events ``use`` (:data:`SHORT_LIN_NODES`); the finer steps linearise every node.
    Returns ``(accepted, nc, t_lo, t_hi, t_peak, converged)`` with ``accepted`` over ``ev``.
    """
    m = ev.size
    K = np.ceil(L / SHORT_STEPS[0]).astype(int)
    kmax = int(K.max())
    accepted = np.zeros(m, bool)
    val = np.zeros(m)
    tpk = np.zeros(m)
    conv = np.zeros(m, bool)
    # level 0: nodes k*h0, |k| <= K; the values are kept on the finest grid's index
    h0 = SHORT_STEPS[0]
    kk = np.arange(-kmax, kmax + 1)
    use = np.abs(kk)[None, :] <= K[:, None]
    rows, cols = np.nonzero(use)
    f = np.zeros((m, kk.size))
    cv = np.ones((m, kk.size), bool)
    if interp is None:
        vals, c_ = rate_at(ev[rows], Tp[rows] + w[rows] * kk[cols] * h0)
        f[rows, cols], cv[rows, cols] = vals, c_ | (vals <= 0)
    else:
        n_lin, linearise, rate_of, X0, P0, conv0, use = interp
        every = ~use[rows]
        if every.any():
            r_, c_i = rows[every], cols[every]
            vals, c_ = rate_at(ev[r_], Tp[r_] + w[r_] * kk[c_i] * h0)
            f[r_, c_i], cv[r_, c_i] = vals, c_ | (vals <= 0)
        cheb = np.cos(np.pi * (2 * np.arange(n_lin) + 1) / (2 * n_lin))
        cheb[n_lin // 2] = 0.0
        side = np.flatnonzero(cheb != 0.0)
        iu_all = np.flatnonzero(use)
        for b0 in range(0, iu_all.size, SHORT_BLOCK):          # cache-sized blocks of events
            iu = iu_all[b0:b0 + SHORT_BLOCK]
            s_ = (K[iu] * h0)[:, None] * cheb[None, :]                          # (u, n_lin) in τ
            Xs = np.empty((iu.size, n_lin, 6))
            Ps = np.empty((iu.size, n_lin, 36))
            Xs[:, n_lin // 2], Ps[:, n_lin // 2] = X0[iu], P0[iu].reshape(-1, 36)
            eu = np.repeat(iu, side.size)
            Xl, Pl, cl = linearise(ev[eu], (Tp[iu, None] + w[iu, None] * s_[:, side]).ravel())
            Xs[:, side], Ps[:, side] = Xl.reshape(iu.size, side.size, 6), Pl.reshape(iu.size, side.size, 36)
            cu = conv0[iu] & cl.reshape(iu.size, side.size).all(axis=1)
            Lb = _lagrange(np.broadcast_to(kk * h0, (iu.size, kk.size)), s_)    # (u, nodes, n_lin)
            r_, c_i = np.nonzero(np.abs(kk)[None, :] <= K[iu, None])
            Xt = (Lb @ Xs)[r_, c_i]
            Pt = (Lb @ Ps)[r_, c_i].reshape(-1, 6, 6)
            vals = rate_of(ev[iu[r_]], Xt, Pt)
            f[iu[r_], c_i], cv[iu[r_], c_i] = vals, cu[r_] | (vals <= 0)
    T_h = h0 * w * f.sum(axis=1)
    even = (kk % 2 == 0)
    T_2h = 2 * h0 * w * (f * even).sum(axis=1)
    fmax = f.max(axis=1)
    edge = np.maximum(f[np.arange(m), kmax - K], f[np.arange(m), kmax + K])
    ok = (np.abs(T_h - T_2h) <= SHORT_ACCEPT * np.abs(T_h)) & (edge <= SHORT_EDGE * fmax)
    ok |= (fmax <= 0)                       # no rate anywhere in the window: Nc = 0
    pk = np.argmax(f, axis=1)
    accepted[ok], val[ok] = True, T_h[ok]
    tpk[ok] = (Tp + w * kk[pk] * h0)[ok]
    conv[ok] = cv[ok].all(axis=1)
    # finer steps: odd nodes only
    todo = np.flatnonzero(~ok & (edge <= SHORT_EDGE * fmax))
    h_prev, F_prev, C_prev, grid_prev = h0, f[todo], cv[todo], kk * h0
    for h in SHORT_STEPS[1:]:
        if todo.size == 0:
            break
        tau = grid_prev[:-1] + 0.5 * h_prev        # the midpoints
        inside = np.abs(tau)[None, :] <= (K[todo] * h0)[:, None]
        r_, c_idx = np.nonzero(inside)
        fm = np.zeros((todo.size, tau.size))
        cm = np.ones((todo.size, tau.size), bool)
        v2, cc = rate_at(ev[todo[r_]], Tp[todo[r_]] + w[todo[r_]] * tau[c_idx])
        fm[r_, c_idx], cm[r_, c_idx] = v2, cc | (v2 <= 0)
        Fo, Co = F_prev, C_prev
        T_old = h_prev * w[todo] * Fo.sum(axis=1)
        T_new = 0.5 * T_old + h * w[todo] * fm.sum(axis=1)
        okn = np.abs(T_new - T_old) <= SHORT_ACCEPT * np.abs(T_new)
        # interleave for the next level
        Fn = np.empty((todo.size, Fo.shape[1] + fm.shape[1]))
        Fn[:, 0::2], Fn[:, 1::2] = Fo, fm
        Cn = np.empty(Fn.shape, bool)
        Cn[:, 0::2], Cn[:, 1::2] = Co, cm
        grid = np.empty(Fn.shape[1])
        grid[0::2], grid[1::2] = grid_prev, tau
        j = todo[okn]
        accepted[j], val[j] = True, T_new[okn]
        pk = np.argmax(Fn[okn], axis=1)
        tpk[j] = Tp[j] + w[j] * grid[pk]
        conv[j] = Cn[okn].all(axis=1)
        F_prev, C_prev, grid_prev, h_prev = Fn[~okn], Cn[~okn], grid, h
        todo = todo[~okn]
    half_w = K * h0 * w
    return accepted, val[accepted], (Tp - half_w)[accepted], (Tp + half_w)[accepted], tpk[accepted], \
        conv[accepted]


def _integrate_adaptive(rate_at, ev, scan, Tp, half, period, extended, t_bounds, rtol, max_rounds):
    """Adaptive Gauss-Kronrod (7-15) over panels, for the events ``ev`` (the general path).

    The bounds: the union of the rectilinear window, the linear-motion density scan
    (:func:`_scan_window`) and, for extended or offset encounters, ± a quarter period;
    or ``t_bounds``.  The initial panels cut ``[lo, hi]`` at the rectilinear window so that
    a short peak inside long bounds is never stepped over.
    """
    n = ev.size
    if t_bounds is None:
        slo, shi = scan
        rlo, rhi = Tp - half, Tp + half
        lo = np.fmin(np.fmin(slo, rlo), np.where(extended, -0.25 * period, np.inf))
        hi = np.fmax(np.fmax(shi, rhi), np.where(extended, 0.25 * period, -np.inf))
        lo = np.where(np.isfinite(lo), lo, -0.25 * period)
        hi = np.where(np.isfinite(hi), hi, 0.25 * period)
        lo = np.clip(np.minimum(lo, 0.0), -0.5 * period, 0.0)
        hi = np.clip(np.maximum(hi, 0.0), 0.0, 0.5 * period)
    else:
        lo, hi = np.array(t_bounds[0], float), np.array(t_bounds[1], float)
    wa = np.clip(Tp - half, lo, hi)
    wb = np.clip(Tp + half, lo, hi)
    wa = np.where(np.isfinite(wa), wa, lo)
    wb = np.where(np.isfinite(wb), wb, hi)
    k_out = 8
    fr_out = np.arange(k_out + 1) / k_out
    A_ = np.concatenate([lo[:, None] + (wa - lo)[:, None] * fr_out[None, :-1],
                         wa[:, None] + (wb - wa)[:, None] * np.array([[0.0, 0.5]]),
                         wb[:, None] + (hi - wb)[:, None] * fr_out[None, :-1]], axis=1)
    B_ = np.concatenate([lo[:, None] + (wa - lo)[:, None] * fr_out[None, 1:],
                         wa[:, None] + (wb - wa)[:, None] * np.array([[0.5, 1.0]]),
                         wb[:, None] + (hi - wb)[:, None] * fr_out[None, 1:]], axis=1)
    keep0 = B_ > A_
    pe = np.broadcast_to(np.arange(n)[:, None], A_.shape)[keep0]
    pa, pb = A_[keep0], B_[keep0]
    acc_val = np.zeros(n)
    acc_err = np.zeros(n)
    peak_rate = np.zeros(n)
    t_peak = np.zeros(n)
    conv_all = np.ones(n, bool)
    n_panels = np.bincount(pe, minlength=n)
    for rnd in range(max_rounds):
        if pe.size == 0:
            break
        mid, hw = 0.5 * (pa + pb), 0.5 * (pb - pa)
        tn = mid[:, None] + hw[:, None] * _K15_X[None, :]
        evn = np.repeat(pe, 15)
        f, conv = rate_at(ev[evn], tn.ravel())
        f = f.reshape(-1, 15)
        K = hw * (f @ _K15_W)
        G = hw * (f @ _G7_W)
        err = np.abs(K - G)
        # peak bookkeeping and convergence where the rate matters
        fm = f.max(axis=1)
        jm = np.argmax(f, axis=1)
        order_ = np.argsort(fm)
        upd = fm[order_] > peak_rate[pe[order_]]
        peak_rate[pe[order_][upd]] = fm[order_][upd]
        t_peak[pe[order_][upd]] = tn[order_, jm[order_]][upd]
        badc = ~conv.reshape(-1, 15) & (f > 0)
        np.logical_and.at(conv_all, pe, ~badc.any(axis=1) | (fm <= 0))
        # provisional totals: accepted + this round's panels
        tot = acc_val + np.bincount(pe, K, minlength=n)
        etot = acc_err + np.bincount(pe, err, minlength=n)
        done_ev = etot <= rtol * np.abs(tot) + 1e-300
        split = ~done_ev[pe] & (err > 0.25 * rtol * np.abs(tot[pe]))
        split &= n_panels[pe] < MAX_PANELS
        if rnd == max_rounds - 1:
            split[:] = False
        n_panels += np.bincount(pe[split], minlength=n)
        keep = ~split
        acc_val += np.bincount(pe[keep], K[keep], minlength=n)
        acc_err += np.bincount(pe[keep], err[keep], minlength=n)
        pe, pa, pb = pe[split], pa[split], pb[split]
        m_ = 0.5 * (pa + pb)
        pe, pa, pb = np.concatenate([pe, pe]), np.concatenate([pa, m_]), np.concatenate([m_, pb])
    ok = acc_err <= rtol * np.abs(acc_val) + 1e-300
    return {"nc": acc_val, "t_lo": lo, "t_hi": hi, "t_peak": t_peak, "converged": conv_all & ok}


def pc_nc3d(*args, **kwargs):
    """Alias of :func:`nc3d` (the Pc of a single encounter is ``min(Nc, 1)``)."""
    return nc3d(*args, **kwargs)



def usage_violations_2d(r1, v1, cov1, r2, v2, cov2, hbr_m, *, frame="rtn", gamma=1e-6):
    """Hall et al. (2023) 2D-Pc usage-violation indicators (vectorised).

    ``V_o = |T'| / p_min`` (offset of the rectilinear minimum-Mahalanobis time from TCA)
    and ``V_e = Δτ' / p_min`` with ``Δτ' = 2√2 erfc⁻¹(γ) w'`` (rectilinear duration,
    γ = 1e-6); violations when ``V_o > 0.01`` or ``V_e > 0.02``.  ``p_min`` is the shorter
    orbital period.

    Returns
    -------
    dict of arrays (n,)
        ``offset_indicator``, ``extended_indicator``, ``offset``, ``extended``.

    Examples
    --------
    >>> import numpy as np
    >>> u = usage_violations_2d([[7000.0, 0, 0]], [[0, 7.5, 0]], np.eye(6)[None] * 1e4,
    ...                         [[7000.0, 0, 0.05]], [[0, 0, 7.5]], np.eye(6)[None] * 1e4, 10.0)
    >>> bool(u["extended"][0]), bool(u["offset"][0])
    (False, False)
    """
    r1, v1, r2, v2 = (np.atleast_2d(np.asarray(a, float)) for a in (r1, v1, r2, v2))
    n = r1.shape[0]
    c1 = np.asarray(cov1, float).reshape(n, *np.shape(cov1)[-2:])
    c2 = np.asarray(cov2, float).reshape(n, *np.shape(cov2)[-2:])
    if frame == "rtn":
        c1, c2 = rtn_to_eci(c1, r1, v1), rtn_to_eci(c2, r2, v2)
    X = np.concatenate([r2 - r1, v2 - v1], axis=1) * 1e3
    R = np.broadcast_to(np.asarray(hbr_m, float), (n,))
    with np.errstate(all="ignore"):
        Tp, half = _bounds(X, np.pad(c1[:, :3, :3] + c2[:, :3, :3], ((0, 0), (0, 3), (0, 3))), R * 0, gamma)
        a1 = 1.0 / (2.0 / np.linalg.norm(r1, axis=1) - np.einsum("ni,ni->n", v1, v1) / (MU * 1e-9))
        a2 = 1.0 / (2.0 / np.linalg.norm(r2, axis=1) - np.einsum("ni,ni->n", v2, v2) / (MU * 1e-9))
        p = 2 * np.pi * np.sqrt(np.minimum(a1, a2) ** 3 / (MU * 1e-9))
        vo = np.abs(Tp) / p
        ve = 2 * half / p
    return {"offset_indicator": vo, "extended_indicator": ve,
            "offset": ~(vo <= 0.01), "extended": ~(ve <= 0.02)}
