"""Collision avoidance derived from the operator's practice (NASA CARA's event-rate method).

What a manoeuvre policy removes depends on *where the collision probability sits*: on a
few events with a high Pc (removable at a modest manoeuvre rate) or on many "diluted"
low-Pc events (never above the threshold, never removed). This module computes it from
the distribution of Pc over a satellite's conjunctions, either observed (a screening's Pc
values, a CARA PcTable) or modelled (:func:`synthetic_conjunctions`: encounters drawn from
the long-term flux, Pc from the covariance quality).

Method (D.T. Hall, "Determining appropriate risk remediation thresholds from empirical
conjunction data using survival probability methods", AAS 19-631, 2019; and the CARA
*EventRate* tool, D. Hall & N. Ravago, "EventRate — a program to estimate expected serious
conjunction rates for CARA missions", 2022, rev. 2026-01-05, ``nasa/CARA_Analysis_Tools``
``DistributedMatlab/EventRate/doc/EventRate_Description.pdf``):

* risk over a sequence of independent conjunctions, ``P_cum = 1 − Π (1 − Pc_i)``
  (Hall 2019 eq. 6), ``Pc_i`` the last update before the manoeuvre commit time;
* remediated Pc (Hall 2019 eq. 11, translational manoeuvre): ``Pc_i`` when
  ``Pc_i <= P_RMM``, else ``ρ_t · P_RMM`` with ``ρ_t = 0.03`` ("ρ_t = 0.03 … without
  increasing average manoeuvre rates by more than ~5 %", p. 11; EventRate's
  ``RemReduction = 0.03``). A manoeuvre that fails (share ``1 − success``) leaves ``Pc_i``;
* manoeuvre rate (Hall 2019 eq. 13): ``N_RMM = Σ U(Pc_i − P_RMM) / T``.

Sampling uncertainty: a Poisson bootstrap over conjunctions (every event's multiplicity is
an independent Poisson(1) draw — Hanley & MacGibbon 2006, *Comput. Methods Programs Biomed.*
83:57; the same as Hall 2019 eq. 8's resampling with replacement with a Poisson number of
events), percentile interval; the manoeuvre rate uses the exact Poisson (Garwood 1936)
interval on the count of above-threshold events.

Covariance quality (:data:`COVARIANCE_GRADES`). For encounters spread uniformly in the
encounter plane (the flux's assumption) the *sum* of Pc equals the collision rate whatever
the covariance — but its distribution does not: with a single combined covariance whose
peak Pc is ``Pc_max ≈ H² / (2 σx σy)``, the share of ΣPc carried by events above ``T`` is
exactly ``1 − T / Pc_max`` (the Pc-weighted miss is the Gaussian itself, and its 2-D
Mahalanobis radius is χ² with 2 degrees of freedom). TLE-grade sigmas (km) make
``Pc_max < 1e-4`` for a 10 m hard body: nothing is above a 1e-4 threshold and nothing is
removed (the "dilution region", Hejduk, Snow & Newman 2019, NTRS 20220004118).

Operator reports to compare manoeuvre rates with (per satellite-year; see
``tests/test_avoidance.py`` for this engine's numbers beside them):

================================  =========  ==========================  ========================
operator / period                 threshold  reported                    source
================================  =========  ==========================  ========================
NASA CARA "NewHST" (EventRate)    1e-4       0.71 /yr (95 %: 0.27–1.33)  EventRate_Description.pdf
                                             removes 74 % of 15-yr risk  slides 8, 19
CARA HST data, recomputed         1e-4       0.50–0.91 /yr, 71–74 %      research REPORT.md §1.3
ESA/ESOC (design)                 1e-4       1–3 /yr, 90 % risk removed  Funke et al. 2018, slide 3
ESA missions (average)            ~1e-4      2 (2020) – 3–4 (2021)       ESA blog 2020-03-19;
                                                                         ESA image 2021-02
Starlink Dec 2022–May 2023        1e-5       ≈ 12.6                      SpaceX FCC semi-annual
Starlink Dec 2023–May 2024        ~1e-6      ≈ 17.7–28                   report (via H. Lewis)
Starlink Dec 2024–May 2025        ~3e-7      ≈ 41                        same
================================  =========  ==========================  ========================

This engine with the ``"cdm"`` grade (:func:`derived_avoidance`; ``tests/test_avoidance.py``):
HST-like 540 km / 28.5° / HBR 10 m at 1e-4: 0.92 /yr removing 84 %; ESA-like 800 km SSO,
HBR 10 m, 1e-4: 5.1 /yr, 89 %; Starlink-like 550 km / 53° (other Starlinks excluded),
HBR 5–10 m: 4.3–8.4 /yr at 1e-5 and 11.8–17.8 /yr at 1e-6.

Units: Pc dimensionless, years, metres, degrees. Axis convention: one conjunction per
element of the ``pc`` array; thresholds broadcast along a leading axis of the results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from riskengine.core.pc.foster import pc_circle

__all__ = ["RESIDUAL_FACTOR", "COVARIANCE_GRADES", "CovarianceGrade", "AvoidanceResult",
           "cumulative_pc", "remediated_pc", "avoidance", "poisson_rate_interval",
           "encounter_sigmas", "sample_crossing_angles", "synthetic_conjunctions",
           "derived_avoidance", "share_removed_single_covariance"]

RESIDUAL_FACTOR = 0.03
"""Post-manoeuvre Pc as a share of the threshold, ``ρ_t`` (Hall 2019 eq. 11 and p. 11;
CARA EventRate parameter ``RemReduction = 0.03``)."""


@dataclass(frozen=True)
class CovarianceGrade:
    """Per-object one-sigma position errors at TCA, radial / along-track / cross-track (m).

    ``spread_dex`` is the standard deviation of ``log10`` of a per-object scale factor
    (each object of each conjunction draws its own), so the population of covariances is
    lognormal around ``sigma_rtn_m``.
    """

    sigma_rtn_m: tuple
    spread_dex: float
    source: str


COVARIANCE_GRADES = {
    "tle": CovarianceGrade(
        (476.0, 1821.0, 164.0), 0.0,
        "Aida & Kirschner (2013) TLE error fit propagated 2 days "
        "(riskengine.core.pc.tle_sigmas_rtn(2.0, 'LEO', 'PAYLOAD')); 2 d is the middle of "
        "CARA's 1-3.5 d decision window (EventRate HST example, LEO22_HST_Example1.m)"),
    "cdm": CovarianceGrade(
        (19.0, 351.0, 13.0), 0.5,
        "CSpOC special-perturbations covariance of a real CDM (CDM_ID 519959713, ION SCV-008 "
        "vs STARLINK-1233, 2023-07-05, 6.3 h before TCA; ../shared/fixtures/cdm): geometric "
        "mean of the two objects' sigmas (11/99/5 m and 31/1247/36 m). spread_dex 0.5 is an "
        "assumption: the combined in-track sigmas of NASA's LEO conjunctions span 2-3 "
        "decades (Narvet, Frigm & Hejduk 2011, AAS 11-432, Fig. 2, log axis)"),
    "operator": CovarianceGrade(
        (5.0, 20.0, 5.0), 0.3,
        "assumption: owner/operator GNSS ephemerides on both sides, tens of metres "
        "(issue #20 brief); e.g. 1 m-class GPS orbit knowledge grown over a 1-day "
        "prediction"),
}
"""Named covariance qualities for :func:`synthetic_conjunctions` (both objects)."""


@dataclass(frozen=True)
class AvoidanceResult:
    """What a manoeuvre threshold removes, with sampling intervals.

    All fields are arrays over the thresholds asked for (shape ``(k,)``), except the
    threshold-free ``risk_before``/``rate_before_per_year`` which are scalars.
    ``*_ci`` are ``(2, k)`` (or ``(2,)``) arrays of the interval's lower and upper bounds.
    Rates per year are Poisson-equivalent rates ``−ln(1 − P_cum) / years``: what a peril
    needs for its hazard.
    """

    threshold_pc: np.ndarray
    years: float
    n_events: int
    risk_before: float
    risk_after: np.ndarray
    rate_before_per_year: float
    rate_after_per_year: np.ndarray
    share_removed: np.ndarray
    maneuvers_per_year: np.ndarray
    risk_before_ci: np.ndarray
    rate_after_per_year_ci: np.ndarray
    share_removed_ci: np.ndarray
    maneuvers_per_year_ci: np.ndarray
    method: str = ("Poisson bootstrap over conjunctions, percentile interval; manoeuvre "
                   "rate: exact Poisson (Garwood) interval")


def cumulative_pc(pc, axis=-1):
    """``1 − Π (1 − Pc_i)`` along ``axis``, computed as ``−expm1(Σ log1p(−Pc_i))``.

    Hall (2019) AAS 19-631 eq. (6); the log form keeps 1e-12-level Pc exact.

    Examples
    --------
    >>> float(cumulative_pc([0.5, 0.5]))
    0.75
    >>> f"{float(cumulative_pc(np.full(1000, 1e-12))):.6e}"
    '1.000000e-09'
    """
    p = np.clip(np.asarray(pc, float), 0.0, 1.0)
    return -np.expm1(np.log1p(-p).sum(axis=axis))


def remediated_pc(pc, threshold_pc, residual_factor: float = RESIDUAL_FACTOR,
                  success: float = 1.0):
    """Expected Pc after the manoeuvre policy (Hall 2019 eq. 11, translational).

    ``Pc`` when ``Pc <= T``; else ``success · ρ T + (1 − success) · Pc`` (a failed or
    skipped manoeuvre leaves the event's Pc).

    Parameters
    ----------
    pc : array_like (n,)
    threshold_pc : float or array_like (k,)
        Manoeuvre thresholds; the result is ``(k, n)`` for an array, ``(n,)`` for a scalar.

    Examples
    --------
    >>> remediated_pc([1e-6, 1e-3], 1e-4).tolist()
    [1e-06, 3e-06]
    >>> remediated_pc([1e-3], 1e-4, success=0.5).round(10).tolist()
    [0.0005015]
    """
    p = np.asarray(pc, float)
    T = np.asarray(threshold_pc, float)
    Tb = T[..., None] if T.ndim else T
    above = p > Tb
    return np.where(above, success * residual_factor * Tb + (1.0 - success) * p, p)


def poisson_rate_interval(count, years, confidence: float = 0.95):
    """Exact (Garwood) interval for a Poisson rate from ``count`` events in ``years``.

    Examples
    --------
    >>> lo, hi = poisson_rate_interval(5, 9.92)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.164, 1.176)
    """
    k = np.asarray(count, float)
    a = 1.0 - confidence
    # chi2.ppf(q, 2k) / 2 as the inverse regularised gamma (the same numbers; scipy.special
    # keeps scipy.stats, ~0.6 s, out of every import of the peril registry)
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, special.gammaincinv(k, a / 2), 0.0)
    hi = special.gammaincinv(k + 1, 1 - a / 2)
    return lo / years, hi / years


def avoidance(pc, years: float, threshold_pc, *, residual_factor: float = RESIDUAL_FACTOR,
              success: float = 1.0, rng: np.random.Generator | None = None,
              n_boot: int = 2_000, confidence: float = 0.95,
              max_cells: int = 20_000_000) -> AvoidanceResult:
    """Risk before/after a manoeuvre threshold, share removed and manoeuvres per year.

    Parameters
    ----------
    pc : array_like (n,)
        Pc of each conjunction (last update before the manoeuvre decision) over ``years``
        of one satellite (or of ``N`` satellites over ``years / N`` … pass satellite-years).
    years : float
        Satellite-years the sample covers.
    threshold_pc : float or array_like (k,)
        Manoeuvre thresholds ``P_RMM``.
    residual_factor : float
        ``ρ_t``, post-manoeuvre Pc / threshold (default 0.03, Hall 2019).
    success : float
        Share of above-threshold events that are actually mitigated (manoeuvre executed and
        effective); the rest keep their Pc.
    rng : numpy.random.Generator, optional
        For the bootstrap interval; ``None`` gives NaN intervals (point estimates only).
    n_boot : int
        Bootstrap replicates.
    confidence : float
        Interval level.

    Returns
    -------
    AvoidanceResult

    Examples
    --------
    Four events in a year, one above 1e-4:

    >>> r = avoidance([1e-3, 1e-5, 1e-6, 1e-7], 1.0, 1e-4, rng=np.random.default_rng(0))
    >>> round(float(r.share_removed[0]), 3), float(r.maneuvers_per_year[0])
    (0.986, 1.0)
    >>> bool(r.share_removed_ci[0, 0] <= r.share_removed[0] <= r.share_removed_ci[1, 0])
    True
    """
    p = np.clip(np.asarray(pc, float).ravel(), 0.0, 1.0)
    if not np.isfinite(years) or years <= 0:
        raise ValueError(f"years must be a positive number of satellite-years, got {years!r}")
    if not 0.0 <= success <= 1.0:
        raise ValueError(f"success must be a share in [0, 1], got {success!r}")
    bad = ~np.isfinite(np.asarray(pc, float).ravel())
    if bad.any():
        raise ValueError(f"pc has {int(bad.sum())} non-finite values; drop or fix them first")
    T = np.atleast_1d(np.asarray(threshold_pc, float))
    rem = remediated_pc(p, T, residual_factor, success)                        # (k, n)
    lb = np.log1p(-np.minimum(p, 1 - 1e-16))                                   # (n,)
    la = np.log1p(-np.minimum(rem, 1 - 1e-16))                                 # (k, n)
    s_b, s_a = lb.sum(), la.sum(axis=1)
    risk_b, risk_a = -np.expm1(s_b), -np.expm1(s_a)
    rate_b, rate_a = -s_b / years, -s_a / years
    with np.errstate(invalid="ignore", divide="ignore"):
        # >= 0: a remediated Pc (rho T) is always below the Pc it replaces (> T)
        share = np.maximum(np.where(rate_b > 0, 1.0 - rate_a / rate_b, 0.0), 0.0)
    n_above = (p[None, :] > T[:, None]).sum(axis=1)
    mvr = n_above / years
    mlo, mhi = poisson_rate_interval(n_above, years, confidence)
    nan2 = np.full((2, T.size), np.nan)
    rb_ci, ra_ci, sh_ci = np.full(2, np.nan), nan2.copy(), nan2.copy()
    if rng is not None and p.size:
        q = [(1 - confidence) / 2, (1 + confidence) / 2]
        # Poisson bootstrap: multiplicities w_bi ~ Poisson(1), in chunks of max_cells
        sb = np.empty(n_boot)
        sa = np.empty((n_boot, T.size))
        step = max(1, max_cells // max(p.size, 1))
        for b0 in range(0, n_boot, step):
            w = rng.poisson(1.0, size=(min(step, n_boot - b0), p.size)).astype(float)
            sb[b0:b0 + w.shape[0]] = w @ lb
            sa[b0:b0 + w.shape[0]] = w @ la.T
        rb_ci = np.quantile(-np.expm1(sb), q)
        ra_ci = np.quantile(-sa / years, q, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sh = np.maximum(np.where(sb[:, None] < 0, 1.0 - sa / sb[:, None], 0.0), 0.0)
        sh_ci = np.quantile(sh, q, axis=0)
    return AvoidanceResult(threshold_pc=T, years=float(years), n_events=int(p.size),
                           risk_before=float(risk_b), risk_after=risk_a,
                           rate_before_per_year=float(rate_b), rate_after_per_year=rate_a,
                           share_removed=share, maneuvers_per_year=mvr,
                           risk_before_ci=rb_ci, rate_after_per_year_ci=ra_ci,
                           share_removed_ci=sh_ci, maneuvers_per_year_ci=np.array([mlo, mhi]))


def share_removed_single_covariance(threshold_pc, sigma_x_m, sigma_y_m, hbr_m,
                                    residual_factor: float = 0.0):
    """Share of ΣPc removed when every encounter has the same combined covariance.

    Encounters uniform in the encounter plane, small hard body (``H ≪ σ``): the events
    above ``T`` carry ``1 − T / Pc_max`` of ΣPc with ``Pc_max = H² / (2 σx σy)``; their
    residual adds back ``ρ T × (rate of events above T) / (ΣPc rate)``
    ``= ρ (T / Pc_max) ln(Pc_max / T)``.

    Examples
    --------
    >>> round(float(share_removed_single_covariance(1e-4, 100.0, 100.0, 10.0)), 3)
    0.98
    >>> float(share_removed_single_covariance(1e-4, 500.0, 2000.0, 10.0))   # TLE: diluted
    0.0
    """
    pmax = np.asarray(hbr_m, float) ** 2 / (2.0 * np.asarray(sigma_x_m, float)
                                             * np.asarray(sigma_y_m, float))
    r = np.asarray(threshold_pc, float) / pmax
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - r - residual_factor * r * np.log(1.0 / r)
    return np.where(r < 1.0, out, 0.0)


def encounter_sigmas(sigma_rtn_1_m, sigma_rtn_2_m, crossing_angle_deg):
    """Combined encounter-plane sigmas ``(σx, σy)`` of two objects with RTN-diagonal errors.

    Two near-circular orbits crossing at angle ``α`` (between the velocity vectors) with
    equal speeds: the relative velocity is horizontal, at ``90° + α/2`` from object 1's
    velocity, so the encounter plane holds the radial direction (``σx² = σR1² + σR2²``) and
    the horizontal bisector of the two velocities, onto which each object's along-track
    and cross-track errors project as ``σT² cos²(α/2) + σN² sin²(α/2)``.

    Parameters
    ----------
    sigma_rtn_1_m, sigma_rtn_2_m : array_like (..., 3)
    crossing_angle_deg : array_like (...)

    Returns
    -------
    (sigma_x_m, sigma_y_m) : arrays (...)

    Examples
    --------
    >>> sx, sy = encounter_sigmas([10, 100, 20], [10, 100, 20], 180.0)   # head-on
    >>> round(float(sx), 3), round(float(sy), 3)
    (14.142, 28.284)
    """
    s1 = np.asarray(sigma_rtn_1_m, float)
    s2 = np.asarray(sigma_rtn_2_m, float)
    h = 0.5 * np.radians(np.asarray(crossing_angle_deg, float))
    c2, s2h = np.cos(h) ** 2, np.sin(h) ** 2
    sx = np.sqrt(s1[..., 0] ** 2 + s2[..., 0] ** 2)
    sy = np.sqrt((s1[..., 1] ** 2 + s2[..., 1] ** 2) * c2 + (s1[..., 2] ** 2 + s2[..., 2] ** 2) * s2h)
    return sx, sy


def sample_crossing_angles(rng: np.random.Generator, n: int, inc_target_deg: float,
                           inc_pop_deg, weights=None, *, n_lat: int = 720,
                           inc_step_deg: float = 1.0) -> np.ndarray:
    """Crossing angles (deg) of a target's encounters with a population, as the flux sees them.

    Kessler's geometry (see :mod:`riskengine.core.flux`): the target at argument of
    latitude ``u`` (uniform in time) is at ``sin φ = sin i sin u``; an object of inclination
    ``j`` has spatial density ``∝ 1 / sqrt(sin² j − sin² φ)`` there and heads at
    ``ψ = arccos(cos j / cos φ)`` from east, north- or southbound; the two velocities meet
    at ``|ψt − ψj|`` or ``ψt + ψj``. Encounters are drawn with weight target time ×
    object density × relative speed (``∝ sin(α/2)``), as in the flux rate.

    Parameters
    ----------
    inc_pop_deg, weights : array_like (m,)
        Inclinations of the population (e.g. the catalog objects crossing the target's
        altitude) and their counts; binned to ``inc_step_deg``.

    Returns
    -------
    ndarray (n,)
        Crossing angles in degrees, ``[0, 180]``.

    Examples
    --------
    Two 53° shells meet head-on-ish at twice the inclination (106°) at the equator and
    ever more tangentially towards 53° of latitude:

    >>> a = sample_crossing_angles(np.random.default_rng(1), 2000, 53.0, [53.0])
    >>> bool(105.0 < a.max() <= 106.0 and a.min() < 20.0)
    True
    """
    inc_p = np.asarray(inc_pop_deg, float).ravel()
    w = np.ones_like(inc_p) if weights is None else np.asarray(weights, float).ravel()
    edges = np.arange(0.0, 180.0 + inc_step_deg, inc_step_deg)
    hist, _ = np.histogram(inc_p, edges, weights=w)
    keep = hist > 0
    if not keep.any():
        raise ValueError("the population has no objects (empty inc_pop_deg or zero weights)")
    # a bin's representative inclination: its mean, so a shell at 53.0 stays at 53.0
    sums, _ = np.histogram(inc_p, edges, weights=w * inc_p)
    inc_j = (sums[keep] / hist[keep])
    wj = hist[keep]
    u = (np.arange(n_lat) + 0.5) / n_lat * (np.pi / 2)          # quarter orbit (symmetric)
    it = np.radians(inc_target_deg)
    phi = np.arcsin(np.sin(it) * np.sin(u))                    # (L,)
    cphi = np.cos(phi)
    ij = np.radians(inc_j)
    sj2 = np.sin(ij)[None, :] ** 2 - np.sin(phi)[:, None] ** 2     # (L, J)
    ok = sj2 > 1e-12
    dens = np.where(ok, 1.0 / np.sqrt(np.where(ok, sj2, 1.0)), 0.0) * wj[None, :]
    psi_t = np.arccos(np.clip(np.cos(it) / cphi, -1.0, 1.0))[:, None]
    psi_j = np.arccos(np.clip(np.cos(ij)[None, :] / cphi[:, None], -1.0, 1.0))
    a1 = np.abs(psi_t - psi_j)
    a2 = psi_t + psi_j
    a2 = np.where(a2 > np.pi, 2 * np.pi - a2, a2)
    ang = np.stack([a1, a2], axis=-1)                           # (L, J, 2)
    wt = dens[..., None] * np.sin(ang / 2.0)
    tot = wt.sum()
    if not tot > 0:
        raise ValueError(f"no object of the population reaches the latitudes of an "
                         f"orbit inclined {inc_target_deg} deg with a non-zero crossing angle")
    idx = rng.choice(wt.size, size=n, p=(wt / tot).ravel())
    return np.degrees(ang.ravel()[idx])


def synthetic_conjunctions(rng: np.random.Generator, rate_per_year: float, hbr_m: float,
                           years: float, crossing_angle_deg, grade: str | CovarianceGrade = "cdm",
                           *, grade_2: str | CovarianceGrade | None = None,
                           pc_floor: float = 1e-10, pool: int = 100_000) -> dict:
    """Conjunctions of one satellite drawn from the flux, with their Pc under a covariance.

    Encounters arrive uniformly in the encounter plane at the density the long-term flux
    implies: ``rate_per_year`` collisions per year for hard-body radius ``hbr_m`` means
    ``rate / (π H²)`` encounters per m² of miss plane per year. Each gets a crossing angle
    (drawn from ``crossing_angle_deg``), both objects a covariance (``grade``, lognormal
    scatter), and its 2D Pc (:func:`riskengine.core.pc.pc_circle`, Foster). Only encounters
    whose Pc can exceed ``pc_floor`` are drawn (each covariance's ellipse out to a
    Mahalanobis radius ``sqrt(2 ln(1/pc_floor))``, widened by ``H``): the ones left out
    carry less than ``pc_floor`` each and are counted, not drawn.

    Parameters
    ----------
    rate_per_year : float
        Collisions per year at ``hbr_m`` (e.g. :func:`riskengine.core.flux.collision_rates`
        with ``combined_radius_m=hbr_m``).
    hbr_m : float
        Combined hard-body radius, m.
    years : float
        Satellite-years to simulate.
    crossing_angle_deg : array_like
        Sample of crossing angles to draw from (:func:`sample_crossing_angles`).
    grade, grade_2 : str or CovarianceGrade
        Covariance quality of the primary and the secondaries (``grade_2`` defaults to
        ``grade``); names from :data:`COVARIANCE_GRADES`.
    pc_floor : float
        Events below this Pc are not drawn (default 1e-10; CARA's "green" is 1e-7,
        Newman et al. 2019, AAS 19-668).
    pool : int
        Covariance draws the events choose from.

    Returns
    -------
    dict
        ``pc`` (n,), ``miss_m`` (n,), ``sigma_x_m``, ``sigma_y_m`` (n,), ``crossing_angle_deg``
        (n,), ``years``, ``encounters_per_m2_year`` (the flux density of encounters).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = synthetic_conjunctions(rng, 6.9e-4, 10.0, 200.0, [90.0], "cdm")
    >>> bool(0.5 < c["pc"].sum() / (6.9e-4 * 200.0) < 1.5)    # ΣPc ≈ the flux rate
    True
    """
    g1 = COVARIANCE_GRADES[grade] if isinstance(grade, str) else grade
    g2 = g1 if grade_2 is None else (COVARIANCE_GRADES[grade_2] if isinstance(grade_2, str)
                                     else grade_2)
    if rate_per_year < 0 or hbr_m <= 0 or years <= 0:
        raise ValueError(f"need rate_per_year >= 0, hbr_m > 0 and years > 0, got "
                         f"{rate_per_year}, {hbr_m}, {years}")
    H = float(hbr_m)
    f1 = 10.0 ** (g1.spread_dex * rng.standard_normal(pool))
    f2 = 10.0 ** (g2.spread_dex * rng.standard_normal(pool))
    alpha = rng.choice(np.asarray(crossing_angle_deg, float).ravel(), size=pool)
    sx, sy = encounter_sigmas(np.asarray(g1.sigma_rtn_m, float)[None, :] * f1[:, None],
                              np.asarray(g2.sigma_rtn_m, float)[None, :] * f2[:, None], alpha)
    qf = np.sqrt(2.0 * np.log(1.0 / pc_floor))
    ax, ay = sx * qf + H, sy * qf + H
    area = np.pi * ax * ay                                       # m^2 per covariance draw
    density = rate_per_year / (np.pi * H * H)                    # encounters / m^2 / yr
    n = rng.poisson(density * years * area.mean())
    k = rng.choice(pool, size=n, p=area / area.sum())            # size-biased by area
    r = np.sqrt(rng.random(n))
    th = 2.0 * np.pi * rng.random(n)
    x, y = ax[k] * r * np.cos(th), ay[k] * r * np.sin(th)
    pc = pc_circle(x, y, sx[k], sy[k], H)
    return {"pc": pc, "miss_m": np.hypot(x, y), "sigma_x_m": sx[k], "sigma_y_m": sy[k],
            "crossing_angle_deg": alpha[k], "years": float(years),
            "encounters_per_m2_year": density}


def derived_avoidance(rng: np.random.Generator, rate_per_year: float, hbr_m: float,
                      threshold_pc, crossing_angle_deg, grade: str | CovarianceGrade = "cdm",
                      *, years: float = 10.0, grade_2=None,
                      residual_factor: float = RESIDUAL_FACTOR, success: float = 1.0,
                      n_boot: int = 1_000) -> AvoidanceResult:
    """Avoidance of one satellite from its flux and covariance quality (model, not data).

    :func:`synthetic_conjunctions` over ``years`` then :func:`avoidance`; the interval is
    the sampling spread of an operator who observes ``years`` of conjunctions (10 ≈ CARA's
    HST history). Pass a large ``years`` for the model's expectation.

    Examples
    --------
    >>> r = derived_avoidance(np.random.default_rng(2), 6.9e-4, 10.0, 1e-4, [120.0], "tle",
    ...                       years=50.0)
    >>> float(r.maneuvers_per_year[0]) < 0.5 and float(r.share_removed[0]) < 0.2
    True
    """
    c = synthetic_conjunctions(rng, rate_per_year, hbr_m, years, crossing_angle_deg, grade,
                               grade_2=grade_2)
    return avoidance(c["pc"], years, threshold_pc, residual_factor=residual_factor,
                     success=success, rng=rng, n_boot=n_boot)
