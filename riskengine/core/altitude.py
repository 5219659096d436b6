"""Altitude resolution of a flux profile: what the element sets can and cannot resolve.

A collision-rate profile computed from a catalog's mean elements has structure on the
kilometre scale (a Starlink shell is ~1 km thick), but the altitudes it is built from are
uncertain by more than that when the question is "where are the objects physically":

* **mean vs osculating**: TLE/OMM altitudes come from SGP4 *mean* motion; the osculating
  semi-major axis oscillates about it twice per orbit with amplitude
  ``(3/2) J2 (Re²/a) sin² i`` (Kozai 1959, *Astron. J.* 64, 367, short-period δa for a
  near-circular orbit) — 6.1 km at 550 km / 53°, 9.4 km at 97.6°: the "±10 km" between
  mean and osculating altitudes. Its RMS is the amplitude / √2.
* **eccentricity**: a near-circular orbit still sweeps ``a ± a e`` (RMS ``a e / √2``).
* **TLE radial error**: Aida & Kirschner (2013) σ_R = 248 m + 114 m/day of propagation
  (:mod:`riskengine.core.pc.covariance`).

The mean-vs-osculating term is common to objects of the same inclination at the same
argument of latitude (two co-inclined shells keep their mean separation physically), so
between such shells use ``osculating=False``; it applies when mean-element altitudes are
compared with physical ones (radar, GNSS, osculating states) or across inclinations.

:func:`resolution_sigma_km` combines them; :func:`smooth_profile` convolves a rate-vs-altitude
profile with a Gaussian of that width; :func:`rate_near` returns the smoothed rate at
``h − 5``, ``h`` and ``h + 5`` km (the offsets are parameters) and whether ``h`` sits in a
local minimum, so a report can show if a shell's chosen altitude really avoids the crowd.

Units: km, degrees; rates in whatever unit the profile has.
"""

from __future__ import annotations

import numpy as np

from riskengine.core.constants import WGS72_J2, WGS72_RE_KM

__all__ = ["mean_osculating_amplitude_km", "resolution_sigma_km", "smooth_profile", "rate_near"]


def mean_osculating_amplitude_km(alt_km, inc_deg):
    """Amplitude (km) of the short-period J2 oscillation of the osculating semi-major axis.

    ``(3/2) J2 Re² / a · sin² i`` (Kozai 1959, e → 0; SGP4's WGS-72 J2 and radius).

    Examples
    --------
    >>> round(float(mean_osculating_amplitude_km(550.0, 53.0)), 2)
    6.08
    >>> round(float(mean_osculating_amplitude_km(550.0, 97.6)), 2)
    9.37
    """
    a = WGS72_RE_KM + np.asarray(alt_km, float)
    return 1.5 * WGS72_J2 * WGS72_RE_KM ** 2 / a * np.sin(np.radians(inc_deg)) ** 2


def resolution_sigma_km(alt_km, inc_deg, *, eccentricity=0.0, tle_age_days=0.0,
                        osculating: bool = True):
    """One-sigma altitude uncertainty (km) of a catalog object's position in a profile.

    ``sqrt(σ_osc² + σ_e² + σ_R²)`` with ``σ_osc`` the RMS of the mean-vs-osculating
    oscillation (only when ``osculating``: comparing mean-element altitudes with physical
    ones), ``σ_e = a e / √2`` and ``σ_R`` the Aida & Kirschner TLE radial error at
    ``tle_age_days``.

    Examples
    --------
    >>> round(float(resolution_sigma_km(550.0, 53.0)), 2)
    4.31
    >>> round(float(resolution_sigma_km(550.0, 53.0, osculating=False)), 3)
    0.248
    """
    a = WGS72_RE_KM + np.asarray(alt_km, float)
    s_osc = (mean_osculating_amplitude_km(alt_km, inc_deg) / np.sqrt(2.0)) if osculating else 0.0
    s_e = a * np.asarray(eccentricity, float) / np.sqrt(2.0)
    s_r = (248.0 + 114.0 * np.abs(np.asarray(tle_age_days, float))) * 1e-3
    return np.sqrt(s_osc ** 2 + s_e ** 2 + s_r ** 2)


def smooth_profile(alt_km, rate, sigma_km):
    """Gaussian-smoothed profile on the same altitude grid (normalised at the edges).

    The value at ``h`` is the expected rate of an object whose altitude is ``h`` give or
    take ``sigma_km``: ``∫ rate(h') N(h'; h, σ) dh'`` (the kernel renormalised where it
    runs past the grid's ends).

    Parameters
    ----------
    alt_km : (n,) increasing altitudes (any spacing).
    rate : (..., n) values on that grid (e.g. collisions per year of a circular orbit).
    sigma_km : float
        Kernel width; 0 returns the profile unchanged.

    Examples
    --------
    A spike of one bin spreads into a Gaussian that keeps the area:

    >>> h = np.arange(500.0, 601.0, 1.0)
    >>> r = np.where(h == 550.0, 1.0, 0.0)
    >>> s = smooth_profile(h, r, 5.0)
    >>> round(float(s.sum()), 3), round(float(s.max()), 4)
    (1.0, 0.0798)
    """
    h = np.asarray(alt_km, float)
    r = np.asarray(rate, float)
    if sigma_km <= 0:
        return r.copy()
    w = np.gradient(h)                                         # bin widths
    z = (h[:, None] - h[None, :]) / sigma_km
    K = np.exp(-0.5 * z * z) * w[None, :]                      # K[i, j]: weight of j at i
    K /= K.sum(axis=1, keepdims=True)                          # edge-normalised
    return r @ K.T


def rate_near(alt_km, rate, h_km: float, sigma_km: float, offsets_km=(-5.0, 0.0, 5.0)) -> dict:
    """Smoothed rate at ``h + offsets`` and whether ``h`` sits in a local minimum.

    Parameters
    ----------
    alt_km, rate : the profile (see :func:`smooth_profile`), rate shape (n,).
    h_km : float
        The shell's altitude.
    sigma_km : float
        Resolution (:func:`resolution_sigma_km`).

    Returns
    -------
    dict
        ``altitudes_km`` (k,), ``rates`` (k,) smoothed, ``raw`` (k,) unsmoothed,
        ``in_minimum`` (the centre value below both neighbours, after smoothing),
        ``contrast`` (centre / mean of the neighbours).

    Examples
    --------
    A shell at 560 km between two crowded shells at 550 and 570 km:

    >>> h = np.arange(500.0, 621.0, 1.0)
    >>> r = np.exp(-0.5 * ((h - 550) / 1.0) ** 2) + np.exp(-0.5 * ((h - 570) / 1.0) ** 2)
    >>> out = rate_near(h, r, 560.0, 2.0)
    >>> out["in_minimum"], [round(float(x), 3) for x in out["rates"]]
    (True, [0.037, 0.0, 0.037])
    """
    h = np.asarray(alt_km, float)
    s = smooth_profile(h, rate, sigma_km)
    at = h_km + np.asarray(offsets_km, float)
    sm = np.interp(at, h, s)
    raw = np.interp(at, h, np.asarray(rate, float))
    k0 = int(np.argmin(np.abs(np.asarray(offsets_km, float))))
    others = np.delete(sm, k0)
    return {"altitudes_km": at, "rates": sm, "raw": raw,
            "in_minimum": bool(np.all(sm[k0] < others)),
            "contrast": float(sm[k0] / others.mean()) if others.mean() > 0 else float("nan")}
