"""Derelicts: dead satellites that stop manoeuvring and sink through the shells below them.

A satellite whose bus fails (hardware, a serial defect, a lethal debris hit) can no longer
avoid anything and no longer keeps station: from its failure on it decays with the
atmosphere (:mod:`riskengine.core.lifetime`) and, while it crosses the altitude band of a
live shell, it is an uncoordinated object that the live satellites meet at random phases
(the kinetic-gas rate of :mod:`riskengine.core.flux`) and must avoid (they can: a derelict
is catalogued, so the live satellite's own CDM-grade avoidance applies; the derelict does
not manoeuvre).

This module holds the geometry in time, pure and vectorised:

* :func:`band_passage` — years from failure until a derelict enters a band (``delay``) and
  years it stays in it (``dwell``), from the King-Hele decay over the solar cycle;
* :func:`exposure_in_year` — derelict-years in the band within the rest of the policy
  year of a satellite that failed at ``t`` (what the loss engine draws hits from, so that a
  year with more failures has more derelict-collision risk);
* :func:`inception_exposure` — derelict-years in the band during the policy year from
  failures *before* inception (constant failure rate over the group's age): the carry-over
  of earlier years, which the engine's independent policy years cannot simulate;
* :func:`derelicts_at_inception` — how many dead satellites of a group are still in orbit.

Units: km, years, m²/kg; rates per year.
"""

from __future__ import annotations

import numpy as np

from riskengine.core.lifetime import CD_DEFAULT, DensityTable, SolarCycle

__all__ = ["MAX_YEARS", "descent_times", "band_passage", "exposure_in_year",
           "inception_exposure", "derelicts_at_inception"]

MAX_YEARS = 100.0
"""Decay followed for this long: a band reached later, or left later, is as good as never
reached / never left for the policy years a portfolio insures (ages of decades at most)."""


def descent_times(alt0_km, levels_km, area_to_mass_m2_kg, table: DensityTable, *,
                  cd: float = CD_DEFAULT, phases: int = 12, cycle: SolarCycle = SolarCycle(),
                  step_days: float = 30.0, max_years: float = MAX_YEARS,
                  f107_step: float = 1.0) -> np.ndarray:
    """Years until a dead satellite starting at ``alt0_km`` first reaches each altitude of
    ``levels_km``, for ``phases`` equally spaced solar-cycle phases at failure.

    The King-Hele circular decay of :func:`riskengine.core.lifetime.lifetime_years_cycle`
    (each ``step_days`` at the cycle's F10.7, exact along that F10.7's τ curve), run once
    for all levels: a level is reached within a step when ``τ(level) ≥ τ(h) − B Δt``, at
    ``t + (τ(h) − τ(level)) / B``. Levels at or above the start: 0; not reached within
    ``max_years``: ``inf``.

    Returns
    -------
    ndarray (phases, n_levels)

    Examples
    --------
    >>> from riskengine.core.lifetime import exponential_table, lifetime_years_cycle
    >>> t = exponential_table(1e-12, 400.0, 60.0)
    >>> d = descent_times(450.0, [450.0, 300.0, 120.0], 0.01, t, phases=2)
    >>> ref = lifetime_years_cycle(450.0, 0.01, t, phase_rad=[0.0, np.pi])
    >>> d[:, 0].tolist(), bool(np.allclose(d[:, 2], ref, rtol=1e-9))
    ([0.0, 0.0], True)
    """
    from riskengine.core.constants import SECONDS_PER_YEAR
    from riskengine.core.lifetime import REENTRY_ALT_KM, decay_tau

    lv = np.atleast_1d(np.asarray(levels_km, float))
    a0 = float(alt0_km)
    B = cd * float(area_to_mass_m2_kg)
    out = np.full((phases, lv.size), np.inf)
    out[:, lv >= a0] = 0.0
    if B <= 0 or a0 > table.alt_km[-1]:
        return out
    lo = max(cycle.mean - abs(cycle.amplitude), float(table.f107[0]) if table.f107.size > 1 else 0.0)
    hi = cycle.mean + abs(cycle.amplitude)
    fg = np.arange(np.floor(lo / f107_step) * f107_step, hi + f107_step, f107_step)
    curves = [decay_tau(table, f, reentry_alt_km=REENTRY_ALT_KM) for f in fg]
    h = curves[0][0]
    tau = np.stack([c[1] for c in curves])                               # (nF, K)
    tau_lv = np.stack([np.interp(lv, h, row) for row in tau])             # (nF, L)
    ph = 2.0 * np.pi * np.arange(phases) / phases
    alt = np.full(phases, a0)
    t, dt = 0.0, step_days / 365.25
    todo = lv < a0
    while t < max_years and todo.any():
        fi = np.clip(np.rint((cycle.f107(t, ph) - fg[0]) / f107_step).astype(np.int64), 0,
                     fg.size - 1)
        for j in range(phases):
            row = tau[fi[j]]
            now = float(np.interp(alt[j], h, row))
            new = now - B * dt * SECONDS_PER_YEAR
            hit = todo & ~np.isfinite(out[j]) & (tau_lv[fi[j]] >= new) & (lv < alt[j] + 1e-12)
            out[j, hit] = t + (now - tau_lv[fi[j], hit]) / B / SECONDS_PER_YEAR
            alt[j] = float(np.interp(max(new, 0.0), row, h)) if new > 0 else REENTRY_ALT_KM
        t += dt
        todo = (lv < a0) & ~np.all(np.isfinite(out), axis=0)
    return out


def band_passage(alt0_km, lo_km, hi_km, area_to_mass_m2_kg, table: DensityTable, *,
                 cd: float = CD_DEFAULT, phases: int = 12, cycle: SolarCycle = SolarCycle(),
                 max_years: float = MAX_YEARS):
    """Years until a derelict starting at ``alt0_km`` enters ``[lo_km, hi_km]`` and years in it.

    From :func:`descent_times` to the band's top (or the start, inside the band) and
    bottom, averaged over ``phases`` equally spaced phases of the solar cycle at failure. A
    band above the start is never reached (``delay = inf``, ``dwell = 0``); a band holding
    the start is entered at once; a dwell beyond ``max_years`` is ``inf`` (the derelict
    stays for every policy year that matters).

    Parameters
    ----------
    alt0_km, lo_km, hi_km : float
        Start altitude and the band's edges (km).
    area_to_mass_m2_kg : float
        Mean tumbling cross-section over mass of the dead satellite.
    table : DensityTable
        Atmosphere (passed in: the core reads no files).

    Returns
    -------
    (delay_years, dwell_years) : floats

    Examples
    --------
    >>> from riskengine.core.lifetime import exponential_table
    >>> t = exponential_table(1e-12, 400.0, 60.0)
    >>> d, w = band_passage(550.0, 549.5, 550.5, 0.02, t)
    >>> d, 0.0 < w < 0.2
    (0.0, True)
    >>> band_passage(500.0, 549.5, 550.5, 0.02, t)
    (inf, 0.0)
    """
    a0, lo, hi = float(alt0_km), float(lo_km), float(hi_km)
    if not lo < hi:
        raise ValueError(f"band needs lo_km < hi_km, got {lo_km}, {hi_km}")
    if a0 < lo:
        return float("inf"), 0.0
    t = descent_times(a0, [min(a0, hi), lo], area_to_mass_m2_kg, table, cd=cd, phases=phases,
                      cycle=cycle, max_years=max_years)
    if not np.all(np.isfinite(t[:, 0])):
        return float("inf"), 0.0
    delay = float(np.mean(t[:, 0]))
    dwell = float(np.mean(t[:, 1] - t[:, 0]))
    return delay, (float("inf") if not np.isfinite(dwell) else dwell)


def exposure_in_year(t_fail, delay, dwell):
    """Derelict-years in a band within ``[t_fail, 1)`` of the policy year.

    ``max(0, min(1, t + delay + dwell) − min(1, t + delay))``; broadcasts.

    Examples
    --------
    >>> exposure_in_year([0.0, 0.5, 0.9], 0.0, 0.25).tolist()
    [0.25, 0.25, 0.09999999999999998]
    >>> float(exposure_in_year(0.2, 1.0, 3.0))      # enters the band after the year ends
    0.0
    """
    t = np.asarray(t_fail, float)
    start = np.minimum(1.0, t + np.asarray(delay, float))
    end = np.minimum(1.0, t + np.asarray(delay, float) + np.asarray(dwell, float))
    return np.maximum(0.0, end - start)


def inception_exposure(age_years, delay, dwell) -> float:
    """Derelict-years in a band during the policy year ``[0, 1)`` per unit failure rate,
    from failures spread uniformly over the ``age_years`` before inception.

    A satellite that failed ``s`` years before inception is in the band during
    ``[delay − s, delay + dwell − s)``; this is ``∫₀^age |that ∩ [0, 1)| ds`` (exact: the
    integrand is piecewise linear in ``s``, integrated between its breakpoints).

    Examples
    --------
    >>> inception_exposure(10.0, 0.0, 0.5)      # in band for 0.5 yr: the last 0.5 yr's failures
    0.125
    >>> inception_exposure(2.0, 0.0, 100.0)     # nothing decays: 2 yr of failures, all year
    2.0
    >>> inception_exposure(0.0, 0.0, 1.0)
    0.0
    """
    age, D, W = float(age_years), float(delay), float(dwell)
    if age <= 0 or W <= 0 or not np.isfinite(D):
        return 0.0
    W = min(W, 1e9)

    def f(s):
        return np.maximum(0.0, np.minimum(1.0, D + W - s) - np.maximum(0.0, D - s))

    knots = np.array([0.0, age, D - 1.0, D, D + W - 1.0, D + W])
    knots = np.unique(np.clip(knots, 0.0, age))
    y = f(knots)
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(knots)))


def derelicts_at_inception(n_satellites, annual_failure_probability, age_years, lifetime_years):
    """Dead satellites of a group still in orbit at inception (expected).

    ``N q min(age, lifetime)``: a constant annual failure probability ``q`` of ``N``
    satellites over their ``age``; those that died more than ``lifetime`` ago have
    re-entered. The failure probability of the insured year is carried back over the age,
    which understates infant mortality (Weibull shape < 1): a named approximation.

    Examples
    --------
    >>> float(derelicts_at_inception(1000, 0.02, 3.0, 4.7))
    60.0
    >>> float(derelicts_at_inception(1000, 0.02, 10.0, 4.7))
    94.0
    """
    return (np.asarray(n_satellites, float) * np.asarray(annual_failure_probability, float)
            * np.minimum(np.asarray(age_years, float), np.asarray(lifetime_years, float)))
