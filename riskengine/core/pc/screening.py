"""Pc for catalog (TLE) conjunctions: the function the screening stage calls."""

from __future__ import annotations

import numpy as np

from riskengine.core.pc.covariance import regime_of, tle_covariance_rtn
from riskengine.core.pc.maxpc import max_pc_scaled
from riskengine.core.pc.states import pc_from_states

__all__ = ["screening_pc"]

#: Events per maximum-Pc batch (bounds the quadrature's temporary arrays to ~100 MB).
MAX_CHUNK = 50_000


def screening_pc(r1, v1, r2, v2, age1_days, age2_days, hbr_m, *, regime1=None, regime2=None,
                 class1="UNKNOWN", class2="UNKNOWN", with_max=True, nonlinear=True):
    """2D Pc, maximum Pc and the covariance used, for a batch of screened conjunctions.

    Parameters
    ----------
    r1, v1, r2, v2 : array_like, shape (n, 3)
        Inertial (TEME from SGP4 is fine) states at TCA [km, km/s].
    age1_days, age2_days : array_like (n,)
        TCA minus TLE epoch of each object [days] (sign ignored).
    hbr_m : float or array_like (n,)
        Combined hard-body radius [m] (sum of the two objects' radii).
    regime1, regime2 : str or array_like of str, optional
        ``LEO_LOW | LEO | MEO | GEO | HEO``; default from |r| at TCA (:func:`regime_of`).
    class1, class2 : str or array_like of str
        ``PAYLOAD | ROCKET_BODY | DEBRIS | UNKNOWN`` (SATCAT OBJECT_TYPE spellings accepted).
    with_max : bool
        Also compute the Alfano maximum Pc over a covariance scale (≈ 55 kernel calls
        per event near the maximum, ~20 µs; batched by :data:`MAX_CHUNK`).
    nonlinear : bool
        Events where the 2D method's assumptions fail (low relative speed or a long
        encounter: ``low_relative_speed | long_encounter`` of
        :func:`~riskengine.core.pc.states.pc_from_states`) get Hall's 3D-Nc
        (:func:`~riskengine.core.pc.nc3d.nc3d`) as their ``pc``; ``pc_2d`` keeps the 2D
        value and ``method`` says which one ``pc`` is. A TLE has no published velocity
        covariance: the 3D-Nc integral follows the curvilinear relative motion of the means
        with the position covariance held over the encounter.

    Returns
    -------
    dict of arrays (n,)
        ``pc``, ``log10_pc``, ``pc_max``, ``pc_max_k2`` (maximising covariance scale),
        ``dilution`` (bool), ``miss_distance_m``, ``relative_speed_m_s``,
        ``sigma_major_m``, ``sigma_minor_m``, ``cov_xx_m2``, ``cov_xz_m2``, ``cov_zz_m2``
        (encounter-plane covariance used), ``sigma_r1_m``, ``sigma_t1_m``, ``sigma_n1_m``,
        ``sigma_r2_m``, ``sigma_t2_m``, ``sigma_n2_m`` (TLE model), ``npd_remediated``,
        ``low_relative_speed``, ``long_encounter``, ``pc_2d`` and ``method``
        (``"foster-2d"`` or ``"hall-3d-nc"``).

    Examples
    --------
    >>> import numpy as np
    >>> out = screening_pc([[6928.0, 0, 0]], [[0, 7.585, 0]], [[6928.0, 0.2, 0.05]],
    ...                    [[0, 0, 7.585]], [1.0], [2.0], 15.0, class1="PAYLOAD", class2="DEBRIS")
    >>> bool(0 < out["pc"][0] <= out["pc_max"][0] < 1)
    True
    """
    r1 = np.atleast_2d(np.asarray(r1, float))
    r2 = np.atleast_2d(np.asarray(r2, float))
    n = r1.shape[0]
    if regime1 is None:
        regime1 = regime_of(np.linalg.norm(r1, axis=1))
    if regime2 is None:
        regime2 = regime_of(np.linalg.norm(r2, axis=1))
    c1 = tle_covariance_rtn(np.broadcast_to(np.asarray(age1_days, float), (n,)), regime1, class1)
    c2 = tle_covariance_rtn(np.broadcast_to(np.asarray(age2_days, float), (n,)), regime2, class2)
    res = pc_from_states(r1, v1, c1, r2, v2, c2, hbr_m)
    out = {k: res[k] for k in ("pc", "log10_pc", "miss_distance_m", "relative_speed_m_s",
                               "sigma_major_m", "sigma_minor_m", "npd_remediated",
                               "low_relative_speed", "long_encounter")}
    cov = res["cov"]
    out["cov_xx_m2"], out["cov_xz_m2"], out["cov_zz_m2"] = cov[:, 0, 0], cov[:, 0, 1], cov[:, 1, 1]
    for j, c in ((1, c1), (2, c2)):
        for k, ax in enumerate("rtn"):
            out[f"sigma_{ax}{j}_m"] = np.sqrt(c[:, k, k])
    out["pc_2d"] = out["pc"].copy()
    out["method"] = np.full(n, "foster-2d", object)
    flag = np.asarray(out["low_relative_speed"], bool) | np.asarray(out["long_encounter"], bool)
    if nonlinear and flag.any():
        from riskengine.core.pc.nc3d import nc3d

        idx = np.flatnonzero(flag)
        six1 = np.zeros((len(idx), 6, 6))
        six2 = np.zeros((len(idx), 6, 6))
        six1[:, :3, :3], six2[:, :3, :3] = c1[idx], c2[idx]
        hb = np.broadcast_to(np.asarray(hbr_m, float), (n,))[idx]
        res3 = nc3d(np.atleast_2d(np.asarray(r1, float))[idx],
                    np.atleast_2d(np.asarray(v1, float))[idx], six1,
                    np.atleast_2d(np.asarray(r2, float))[idx],
                    np.atleast_2d(np.asarray(v2, float))[idx], six2, hb)
        pc3 = np.asarray(res3["pc"], float)
        ok = np.isfinite(pc3)
        out["pc"] = out["pc"].copy()
        out["pc"][idx[ok]] = pc3[ok]
        out["log10_pc"] = np.where(flag & (out["pc"] > 0), np.log10(np.maximum(out["pc"],
                                                                               1e-300)),
                                   out["log10_pc"])
        out["method"][idx[ok]] = "hall-3d-nc"
    if with_max:
        hbr = np.broadcast_to(np.asarray(hbr_m, float), (n,))
        parts = [max_pc_scaled(res["miss"][a:a + MAX_CHUNK], cov[a:a + MAX_CHUNK],
                               hbr[a:a + MAX_CHUNK]) for a in range(0, n, MAX_CHUNK)]
        for k_out, k_in in (("pc_max", "pc_max"), ("pc_max_k2", "k2"), ("dilution", "dilution")):
            out[k_out] = np.concatenate([m[k_in] for m in parts]) if parts else np.zeros(0)
    return out
