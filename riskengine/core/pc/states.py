"""Pc from TCA states and RTN covariances (the path CDMs and screening events take)."""

from __future__ import annotations

import numpy as np

from riskengine.core.pc.encounter import encounter_plane, remediate_2x2, rtn_to_eci, usage_flags
from riskengine.core.pc.foster import log_pc_circle

__all__ = ["pc_from_states"]


def pc_from_states(r1, v1, cov1_rtn, r2, v2, cov2_rtn, hbr_m, fclip=1e-4):
    """Foster 2D Pc for a batch of conjunctions given inertial states at TCA.

    Parameters
    ----------
    r1, v1, r2, v2 : array_like, shape (n, 3)
        Inertial states at TCA [km, km/s] (inertialise ITRF velocities first).
    cov1_rtn, cov2_rtn : array_like, shape (n, 3, 3) or (n, 6, 6)
        Position (or full 6×6) covariances in each object's RTN frame [m², m²/s, m²/s²];
        the Pc uses the position block, the velocity block feeds the
        ``velocity_uncertainty`` usage flag.
    hbr_m : float or array_like (n,)
        Combined hard-body radius [m].
    fclip : float
        CARA eigenvalue-clip factor for non-positive-definite covariances.

    Returns
    -------
    dict of arrays (n,)
        ``pc``, ``log10_pc`` (finite below the double range too), ``miss_distance_m``,
        ``relative_speed_m_s``, ``sigma_major_m``, ``sigma_minor_m``, ``npd_remediated``,
        ``low_relative_speed``, ``long_encounter``, ``velocity_uncertainty``,
        ``encounter_half_duration_s``,
        plus ``miss`` (n, 2) and ``cov`` (n, 2, 2) in the encounter plane [m, m²].

    Examples
    --------
    >>> import numpy as np
    >>> out = pc_from_states([[7000.0, 0, 0]], [[0, 7.5, 0]], np.diag([1e4, 1e4, 1e4])[None],
    ...                      [[7000.0, 0, 0.05]], [[0, 0, 7.5]], np.diag([1e4, 1e4, 1e4])[None], 10.0)
    >>> round(float(out["pc"][0]), 4)   # ≈ R²/(2σ²)·exp(-d²/2σ²) = 0.00235, σ² = 2e4 m²
    0.0024
    """
    r1 = np.atleast_2d(np.asarray(r1, float))
    n = r1.shape[0]
    c1 = np.asarray(cov1_rtn, float).reshape(n, *np.shape(cov1_rtn)[-2:])
    c2 = np.asarray(cov2_rtn, float).reshape(n, *np.shape(cov2_rtn)[-2:])
    if c1.shape[-1] != c2.shape[-1]:
        c1, c2 = c1[:, :3, :3], c2[:, :3, :3]
    e1 = rtn_to_eci(c1, r1, v1)
    e2 = rtn_to_eci(c2, r2, v2)
    enc = encounter_plane(r1, v1, e1, r2, v2, e2)
    hbr = np.broadcast_to(np.asarray(hbr_m, float), (n,))
    cov, npd, lam, vec = remediate_2x2(enc["cov"], hbr, fclip)
    proj = np.einsum("nij,ni->nj", vec, enc["miss"])
    s = np.sqrt(lam)
    lp = log_pc_circle(proj[:, 0], proj[:, 1], s[:, 0], s[:, 1], hbr)
    with np.errstate(under="ignore"):
        pc = np.exp(lp)
    flags = usage_flags(enc["relative_speed"], enc["sigma_along"], hbr,
                        sigma_vel_plane=enc["sigma_vel_plane"], sigma_minor=s[:, 0])
    return {
        "pc": pc, "log10_pc": lp / np.log(10.0),
        "miss_distance_m": enc["miss_distance"], "relative_speed_m_s": enc["relative_speed"],
        "sigma_major_m": s[:, 1], "sigma_minor_m": s[:, 0], "npd_remediated": npd,
        **flags, "miss": enc["miss"], "cov": cov,
    }
