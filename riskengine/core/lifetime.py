"""Orbital lifetime of a dead (uncontrolled) satellite: King-Hele circular-orbit decay.

A circular orbit loses semi-major axis to drag at

    da/dt = −sqrt(μ a) · ρ(h) · B,        B = C_D · A / m   (m²/kg)

(D.G. King-Hele, *Satellite Orbits in an Atmosphere: Theory and Applications*, Blackie
1987, ch. 3; *Methods for predicting satellite orbital lifetimes*, RAE TR 77111, 1977; the
semi-analytic approach that ISO 27852 "Space systems — Estimation of orbit lifetime"
standardises). With the density fixed the time to fall from ``h0`` is the quadrature
``t = τ(h0) / B``, ``τ(h) = ∫_{h_re}^{h} da / (sqrt(μ a) ρ)``: one table per density profile
serves every altitude and area-to-mass ratio at once. Over a solar cycle the density
changes with F10.7; :func:`lifetime_years_cycle` steps along the τ curve of the current
F10.7 (exact for a constant F10.7 over each step).

Density: a :class:`DensityTable` of global-mean mass density vs altitude, F10.7 and Ap,
passed in — the engine ships NRLMSIS 2.1 global means computed once with ``pymsis``
(``riskengine/data/atmosphere/msis_density.csv``, read by :mod:`riskengine.atmosphere`), so
no atmosphere library is needed at run time. ``log ρ`` is interpolated linearly in altitude
and in F10.7 and Ap; outside the table's F10.7/Ap range it is clamped.

Reference values (C_D = 2.2, A/m = 0.01 m²/kg, Ap 15, this model; the research for issue #20
derived the same with its own script): 400 km 0.39 yr at F10.7 = 150, 550 km 4.7 yr, 600 km
9.8 yr, 700 km 39 yr; over an 11-yr cycle (F10.7 = 145 ± 75) 550 km 4.7 yr [2.0–7.7 by
phase]. Published anchors: NASA ODPO FAQ "debris left in orbits below 600 km normally fall
back to Earth within several years. At altitudes of 800 km, the time for orbital decay is
often measured in centuries"; SpaceX (FCC filings) non-manoeuvrable Starlinks at ~550 km
"deorbit … within 5 to 6 years, and often sooner". Typical A/m of intact objects 0.005–0.02,
mean 0.01 m²/kg (Space Academy, spaceacademy.net.au/watch/debris/orblife.htm).

Units: km, m²/kg, years; F10.7 in solar flux units (sfu); densities kg/m³.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskengine.core.constants import SECONDS_PER_YEAR
from riskengine.core.constants import WGS84_MU_KM3_S2, WGS84_RE_KM

__all__ = ["DensityTable", "SolarCycle", "CD_DEFAULT", "REENTRY_ALT_KM", "decay_tau",
           "lifetime_years", "lifetime_years_cycle", "exponential_table"]

CD_DEFAULT = 2.2
"""Drag coefficient of a satellite in free-molecular flow (the customary 2.2; ISO 27852 and
King-Hele use 2.0–2.4)."""
REENTRY_ALT_KM = 120.0
"""Altitude taken as re-entry: below ~120 km (the entry interface) a circular orbit lasts
hours."""
_MU_M3_S2 = WGS84_MU_KM3_S2 * 1e9
_RE_M = WGS84_RE_KM * 1e3


@dataclass(frozen=True)
class DensityTable:
    """Global-mean mass density on an altitude × F10.7 × Ap grid.

    Parameters
    ----------
    alt_km : (A,) increasing altitudes, km.
    f107 : (F,) increasing F10.7 values, sfu.
    ap : (P,) increasing Ap values.
    rho_kg_m3 : (F, P, A) densities, kg/m³ (> 0).
    source : where the numbers come from (shown in reports).

    Examples
    --------
    >>> t = exponential_table(rho0=1e-12, h0_km=400.0, scale_km=60.0)
    >>> round(float(t.density(460.0, 150.0, 15.0) / 1e-12), 6)
    0.367879
    """

    alt_km: np.ndarray
    f107: np.ndarray
    ap: np.ndarray
    rho_kg_m3: np.ndarray
    source: str = ""
    _log: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        alt = np.asarray(self.alt_km, float)
        f = np.atleast_1d(np.asarray(self.f107, float))
        ap = np.atleast_1d(np.asarray(self.ap, float))
        rho = np.asarray(self.rho_kg_m3, float)
        if rho.shape != (f.size, ap.size, alt.size):
            raise ValueError(f"rho_kg_m3 has shape {rho.shape}, expected (n_f107, n_ap, n_alt) "
                             f"= ({f.size}, {ap.size}, {alt.size})")
        for name, v in (("alt_km", alt), ("f107", f), ("ap", ap)):
            if v.size > 1 and not np.all(np.diff(v) > 0):
                raise ValueError(f"DensityTable.{name} must be strictly increasing")
        if not np.all(np.isfinite(rho)) or np.any(rho <= 0):
            raise ValueError("DensityTable.rho_kg_m3 must be finite and > 0")
        object.__setattr__(self, "alt_km", alt)
        object.__setattr__(self, "f107", f)
        object.__setattr__(self, "ap", ap)
        object.__setattr__(self, "rho_kg_m3", rho)
        object.__setattr__(self, "_log", np.log(rho))

    def _weights(self, grid, x):
        x = np.clip(np.asarray(x, float), grid[0], grid[-1])
        if grid.size == 1:
            return np.zeros(x.shape, np.int64), np.zeros(x.shape)
        i = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 2)
        return i, (x - grid[i]) / (grid[i + 1] - grid[i])

    def log_profile(self, f107=150.0, ap=15.0) -> np.ndarray:
        """``log ρ`` on ``alt_km`` at one F10.7 and Ap (interpolated, clamped), shape (A,)."""
        i, wf = self._weights(self.f107, f107)
        j, wa = self._weights(self.ap, ap)
        L = self._log
        i2 = min(int(i) + 1, self.f107.size - 1)
        j2 = min(int(j) + 1, self.ap.size - 1)
        lo = (1 - wa) * L[i, j] + wa * L[i, j2]
        hi = (1 - wa) * L[i2, j] + wa * L[i2, j2]
        return (1 - wf) * lo + wf * hi

    def density(self, alt_km, f107=150.0, ap=15.0):
        """Density (kg/m³) at altitudes ``alt_km`` for one F10.7 and Ap (log-linear in h)."""
        return np.exp(np.interp(np.asarray(alt_km, float), self.alt_km, self.log_profile(f107, ap)))


def exponential_table(rho0: float, h0_km: float, scale_km: float, alt_km=None,
                      f107=(150.0,), ap=(15.0,)) -> DensityTable:
    """An exponential atmosphere ``ρ0 exp(−(h − h0)/H)`` as a table (tests, quick studies).

    Examples
    --------
    >>> exponential_table(1e-12, 400.0, 60.0).rho_kg_m3.shape
    (1, 1, 191)
    """
    alt = np.arange(100.0, 2000.0 + 1.0, 10.0) if alt_km is None else np.asarray(alt_km, float)
    prof = rho0 * np.exp(-(alt - h0_km) / scale_km)
    f = np.atleast_1d(np.asarray(f107, float))
    a = np.atleast_1d(np.asarray(ap, float))
    return DensityTable(alt, f, a, np.broadcast_to(prof, (f.size, a.size, alt.size)).copy(),
                        source=f"exponential, rho0={rho0} at {h0_km} km, H={scale_km} km")


def decay_tau(table: DensityTable, f107=150.0, ap=15.0, *, step_km: float = 1.0,
              reentry_alt_km: float = REENTRY_ALT_KM):
    """Unit-ballistic-coefficient decay time ``τ(h)`` (s·m²/kg) from ``reentry_alt_km`` up.

    ``τ(h) = ∫_{h_re}^{h} da / (sqrt(μ a) ρ(a))``; a satellite with ``B = C_D A/m`` falls
    from ``h`` in ``τ(h) / B`` seconds at this F10.7 and Ap. Trapezoid rule on a
    ``step_km`` grid of the log-linear density.

    Returns
    -------
    (alt_km, tau) : arrays (K,) — altitudes from ``reentry_alt_km`` to the table's top.

    Examples
    --------
    >>> h, tau = decay_tau(exponential_table(1e-12, 400.0, 60.0))
    >>> float(tau[0]), bool(np.all(np.diff(tau) > 0))
    (0.0, True)
    """
    h = np.arange(reentry_alt_km, table.alt_km[-1] + 0.5 * step_km, step_km)
    lr = np.interp(h, table.alt_km, table.log_profile(f107, ap))
    a = _RE_M + h * 1e3
    g = 1.0 / (np.sqrt(_MU_M3_S2 * a) * np.exp(lr))
    tau = np.concatenate([[0.0], np.cumsum(0.5 * (g[1:] + g[:-1]) * np.diff(a))])
    return h, tau


def lifetime_years(alt_km, area_to_mass_m2_kg, table: DensityTable, *, cd: float = CD_DEFAULT,
                   f107=150.0, ap=15.0, reentry_alt_km: float = REENTRY_ALT_KM):
    """Years until re-entry of a dead satellite in a circular orbit, fixed solar activity.

    Parameters
    ----------
    alt_km, area_to_mass_m2_kg : array_like, broadcast together
        Initial altitude (km) and area-to-mass ratio (m²/kg; mean tumbling cross-section
        over mass).
    table : DensityTable
    cd : float
        Drag coefficient (default 2.2).
    f107, ap : float
        Fixed solar and geomagnetic activity (70 / 150 / 250 = solar min / mean / max).

    Returns
    -------
    ndarray
        Lifetime in years; ``inf`` above the table's top altitude, 0 at or below re-entry.

    Examples
    --------
    >>> t = exponential_table(1e-12, 400.0, 60.0)
    >>> float(lifetime_years(400.0, 0.01, t)) > float(lifetime_years(400.0, 0.02, t))
    True
    """
    h, tau = decay_tau(table, f107, ap, reentry_alt_km=reentry_alt_km)
    alt = np.asarray(alt_km, float)
    B = cd * np.asarray(area_to_mass_m2_kg, float)
    t = np.interp(alt, h, tau, left=0.0, right=np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(alt > h[-1], np.inf, t / B / SECONDS_PER_YEAR)


@dataclass(frozen=True)
class SolarCycle:
    """F10.7 over a solar cycle: ``mean + amplitude · sin(2π t / period + phase)``.

    Default 145 ± 75 sfu over 11 years (a sine between solar minimum 70 and maximum 220
    sfu, the issue's min/mean/max of 70/150/250 with a peak typical of recent cycles;
    an assumption, not a forecast).

    Examples
    --------
    >>> c = SolarCycle()
    >>> float(c.f107(0.0, np.pi / 2)), float(c.f107(0.0, -np.pi / 2))
    (220.0, 70.0)
    """

    mean: float = 145.0
    amplitude: float = 75.0
    period_years: float = 11.0

    def f107(self, t_years, phase_rad=0.0):
        return self.mean + self.amplitude * np.sin(2 * np.pi * np.asarray(t_years, float)
                                                   / self.period_years + phase_rad)


def lifetime_years_cycle(alt_km, area_to_mass_m2_kg, table: DensityTable, *,
                         cd: float = CD_DEFAULT, ap: float = 15.0, phase_rad=0.0,
                         cycle: SolarCycle = SolarCycle(), step_days: float = 30.0,
                         max_years: float = 500.0, f107_step: float = 1.0,
                         reentry_alt_km: float = REENTRY_ALT_KM):
    """Years until re-entry over a varying solar cycle (batch over satellites).

    Each step of ``step_days`` holds F10.7 at the cycle's value and moves every satellite
    along that F10.7's τ curve (:func:`decay_tau`): ``τ(h_new) = τ(h) − B Δt``, exact for a
    constant F10.7. F10.7 is rounded to ``f107_step`` (1 sfu: ~2 % in density at 550 km).

    Parameters
    ----------
    alt_km, area_to_mass_m2_kg, phase_rad : array_like, broadcast together
        Initial altitude (km), A/m (m²/kg) and the cycle phase at death (rad; 0 = rising
        through the mean, π/2 = maximum).
    max_years : float
        Satellites still up after this are returned as ``inf``.

    Returns
    -------
    ndarray
        Years to re-entry.

    Examples
    --------
    With no cycle (amplitude 0) this is the fixed-F10.7 lifetime:

    >>> t = exponential_table(1e-12, 400.0, 60.0)
    >>> a = float(lifetime_years(450.0, 0.01, t))
    >>> b = float(lifetime_years_cycle(450.0, 0.01, t, cycle=SolarCycle(150.0, 0.0)))
    >>> abs(a / b - 1) < 1e-3
    True
    """
    alt, am, ph = np.broadcast_arrays(*(np.asarray(x, float) for x in
                                        (alt_km, area_to_mass_m2_kg, phase_rad)))
    shape = alt.shape
    alt, am, ph = alt.ravel().copy(), am.ravel(), ph.ravel()
    B = cd * am
    lo = max(cycle.mean - abs(cycle.amplitude), float(table.f107[0]) if table.f107.size > 1 else 0.0)
    hi = cycle.mean + abs(cycle.amplitude)
    fg = np.arange(np.floor(lo / f107_step) * f107_step, hi + f107_step, f107_step)
    curves = [decay_tau(table, f, ap, reentry_alt_km=reentry_alt_km) for f in fg]
    h = curves[0][0]
    tau = np.stack([c[1] for c in curves])                              # (nF, K)
    K = h.size
    dh = h[1] - h[0]
    out = np.full(alt.size, np.inf)
    out[alt <= reentry_alt_km] = 0.0
    live = (alt > reentry_alt_km) & (alt <= h[-1]) & (B > 0)
    t = 0.0
    dt = step_days / 365.25
    while live.any() and t < max_years:
        idx = np.flatnonzero(live)
        fi = np.clip(np.rint((cycle.f107(t, ph[idx]) - fg[0]) / f107_step).astype(np.int64),
                     0, fg.size - 1)
        x = (alt[idx] - h[0]) / dh
        k = np.clip(x.astype(np.int64), 0, K - 2)
        w = x - k
        row = tau[fi]
        tau_now = (1 - w) * row[np.arange(idx.size), k] + w * row[np.arange(idx.size), k + 1]
        tau_new = tau_now - B[idx] * dt * SECONDS_PER_YEAR
        down = tau_new <= 0
        out[idx[down]] = t + tau_now[down] / B[idx[down]] / SECONDS_PER_YEAR
        live[idx[down]] = False
        up = ~down
        if up.any():
            # invert tau on each satellite's row: bisection on the (increasing) grid index
            r = row[up]
            target = tau_new[up]
            lo_i = np.zeros(target.size, np.int64)
            hi_i = np.full(target.size, K - 1, np.int64)
            ar = np.arange(target.size)
            while np.any(hi_i - lo_i > 1):
                mid = (lo_i + hi_i) // 2
                go = r[ar, mid] <= target
                lo_i = np.where(go, mid, lo_i)
                hi_i = np.where(go, hi_i, mid)
            t0, t1 = r[ar, lo_i], r[ar, hi_i]
            frac = np.where(t1 > t0, (target - t0) / np.where(t1 > t0, t1 - t0, 1.0), 0.0)
            alt[idx[up]] = h[lo_i] + frac * dh
        t += dt
    return out.reshape(shape)
