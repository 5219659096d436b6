"""Position covariance for TLE-based conjunctions (TLEs carry none).

Base model (LEO payloads): Aida & Kirschner (2013) fitted the growth of SGP4/TLE
position errors with propagation age ``t`` (days from the TLE epoch to TCA, either sign):

    σ_R = 248 m + 114 m/day · |t|,   σ_T = 1188 m + 316.5 m/day · |t|,   σ_N = 164 m

(RTN, one sigma; see GUIDE "Evidence").  Flohrer et al. (2008, ESA) tabulate TLE errors by
orbit regime and show larger, along-track-dominated errors for high-drag, eccentric,
MEO/GEO and debris/rocket-body populations.  We do not have their tables in this repo;
the regime and class multipliers below are *our engineering assumptions* in that
direction, documented here so a user can replace them (``REGIME_FACTORS`` /
``CLASS_FACTORS`` are plain dicts of (radial, along-track, cross-track) factors).

Units: age in days, sigmas in m, covariances in m² (diagonal in RTN).
"""

from __future__ import annotations

import numpy as np

from riskengine.core.constants import WGS84_RE_KM

__all__ = ["AIDA_KIRSCHNER_2013", "REGIME_FACTORS", "CLASS_FACTORS", "regime_of",
           "tle_sigmas_rtn", "tle_covariance_rtn", "covariance_health", "clip_to_psd"]

AIDA_KIRSCHNER_2013 = {
    "sigma0_m": np.array([248.0, 1188.0, 164.0]),      # R, T, N at epoch
    "growth_m_per_day": np.array([114.0, 316.5, 0.0]),  # R, T, N per day of |age|
}

REGIME_FACTORS = {
    # assumption (Flohrer 2008 trend): LEO base; below 500 km drag mismodelling doubles
    # along-track growth; MEO/HEO/GEO errors larger in absolute terms (longer arcs, fewer
    # sensors).  Factors multiply (σ_R, σ_T, σ_N).
    "LEO": (1.0, 1.0, 1.0),
    "LEO_LOW": (1.5, 2.0, 1.0),
    "MEO": (2.0, 2.0, 2.0),
    "HEO": (3.0, 3.0, 2.0),
    "GEO": (3.0, 3.0, 3.0),
}

CLASS_FACTORS = {
    # assumption: debris and rocket bodies have poorer, sparser tracking and unknown
    # area-to-mass ratios; unknown objects are treated like debris.
    "PAYLOAD": (1.0, 1.0, 1.0),
    "ROCKET_BODY": (1.2, 1.3, 1.2),
    "DEBRIS": (1.5, 2.0, 1.5),
    "UNKNOWN": (1.5, 2.0, 1.5),
}

_ALIASES = {"ROCKET BODY": "ROCKET_BODY", "R/B": "ROCKET_BODY", "RB": "ROCKET_BODY",
            "DEB": "DEBRIS", "TBA": "UNKNOWN", "PAY": "PAYLOAD", "": "UNKNOWN"}

R_EARTH_KM = WGS84_RE_KM


def regime_of(r_km):
    """Orbit regime from the geocentric distance at TCA [km] (vectorised).

    LEO_LOW < 500 km altitude ≤ LEO < 2000 km ≤ MEO < 34,000 km ≤ GEO ≤ 37,600 km < HEO.

    Examples
    --------
    >>> regime_of([6378.137 + 450, 6378.137 + 550, 42164.0]).tolist()
    ['LEO_LOW', 'LEO', 'GEO']
    """
    alt = np.asarray(r_km, float) - R_EARTH_KM
    out = np.full(alt.shape, "HEO", dtype=object)
    out[alt < 37600] = "GEO"
    out[alt < 34000] = "MEO"
    out[alt < 2000] = "LEO"
    out[alt < 500] = "LEO_LOW"
    return out.astype(str)


def _factors(keys, table, what):
    keys = np.atleast_1d(np.asarray(keys, dtype=object))
    out = np.empty((keys.size, 3))
    for i, k in enumerate(keys.ravel()):
        kk = str(k).strip().upper()
        kk = _ALIASES.get(kk, kk.replace(" ", "_"))
        if kk not in table:
            raise ValueError(f"unknown {what} {k!r}; expected one of {', '.join(table)}")
        out[i] = table[kk]
    return out


def tle_sigmas_rtn(age_days, regime="LEO", object_class="UNKNOWN"):
    """One-sigma RTN position errors [m] of a TLE propagated ``age_days`` (n, 3).

    Examples
    --------
    >>> tle_sigmas_rtn([0.0, 2.0], "LEO", "PAYLOAD").tolist()
    [[248.0, 1188.0, 164.0], [476.0, 1821.0, 164.0]]
    """
    age = np.abs(np.atleast_1d(np.asarray(age_days, float)))
    n = age.size
    base = AIDA_KIRSCHNER_2013["sigma0_m"] + AIDA_KIRSCHNER_2013["growth_m_per_day"] * age[:, None]
    fr = _factors(np.broadcast_to(np.asarray(regime, dtype=object), (n,)), REGIME_FACTORS, "orbit regime")
    fc = _factors(np.broadcast_to(np.asarray(object_class, dtype=object), (n,)), CLASS_FACTORS, "object class")
    return base * fr * fc


def tle_covariance_rtn(age_days, regime="LEO", object_class="UNKNOWN"):
    """Diagonal RTN position covariance [m²] of a TLE, shape (n, 3, 3).

    Examples
    --------
    >>> float(tle_covariance_rtn(0.0, "LEO", "PAYLOAD")[0, 0, 0])
    61504.0
    """
    s = tle_sigmas_rtn(age_days, regime, object_class)
    out = np.zeros((s.shape[0], 3, 3))
    idx = np.arange(3)
    out[:, idx, idx] = s * s
    return out


NPD_TOL = 1e-12
"""A covariance is non-positive-definite (NPD) when the smallest eigenvalue of its
correlation form ``D^-1/2 C D^-1/2`` is below ``-NPD_TOL`` (scale-free, so m² and m²/s²
blocks compare; zero-variance rows, e.g. CDMs without velocity covariance, are allowed)."""


def covariance_health(cov):
    """Checks of (n, k, k) covariances: negative variances and non-positive-definiteness.

    Hall et al. (2017), "Remediating non-positive definite state covariances for
    collision probability estimation": CDM covariances can be NPD (truncated digits,
    inconsistent cross terms); CARA checks the eigenvalues of each object's covariance.

    Returns
    -------
    dict of arrays (n,)
        ``negative_variance`` (some diagonal term < 0), ``npd`` (smallest eigenvalue of the
        correlation form < -:data:`NPD_TOL`), ``min_eigenvalue`` (of the correlation form).

    Examples
    --------
    >>> import numpy as np
    >>> h = covariance_health(np.array([np.eye(3), [[1, 2, 0], [2, 1, 0], [0, 0, 1]]]))
    >>> h["npd"].tolist(), h["negative_variance"].tolist()
    ([False, True], [False, False])
    """
    C = np.asarray(cov, float)
    C = C.reshape(-1, C.shape[-2], C.shape[-1])
    d = np.diagonal(C, axis1=1, axis2=2)
    s = np.sqrt(np.abs(d))
    s = np.where(s > 0, s, 1.0)
    R = C / (s[:, :, None] * s[:, None, :])
    with np.errstate(invalid="ignore"):
        lam = np.linalg.eigvalsh(0.5 * (R + np.transpose(R, (0, 2, 1))))[:, 0]
    return {"negative_variance": (d < 0).any(axis=1), "npd": lam < -NPD_TOL, "min_eigenvalue": lam}


def clip_to_psd(cov):
    """Nearest positive-semi-definite covariance by eigenvalue clipping at zero.

    The eigenvalue-clip remediation of Hall et al. (2017) with a zero floor, applied to a
    whole (n, k, k) covariance; returns the remediated matrices.

    Examples
    --------
    >>> import numpy as np
    >>> clip_to_psd(np.array([[[1.0, 2.0], [2.0, 1.0]]])).round(6).tolist()
    [[[1.5, 1.5], [1.5, 1.5]]]
    """
    C = np.asarray(cov, float)
    shape = C.shape
    C = C.reshape(-1, shape[-2], shape[-1])
    lam, vec = np.linalg.eigh(0.5 * (C + np.transpose(C, (0, 2, 1))))
    out = np.einsum("nij,nj,nkj->nik", vec, np.clip(lam, 0.0, None), vec)
    return out.reshape(shape)
