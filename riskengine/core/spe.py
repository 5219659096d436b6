"""Solar particle events (SPE): event statistics, geomagnetic cut-off, dose per event.

Pure NumPy, fixed units: energy MeV, rigidity GV, fluence protons/cm^2 (interplanetary,
outside the magnetosphere, unless stated), dose rad(Si). Parameters come in as an
:class:`SPEModel` (read by ``riskengine.radiation_env.spe_model`` from
``riskengine/data/radiation/spe_model.toml``, where every number carries its source or is
named as an engineering assumption).

Event statistics (JPL form, ECSS-E-ST-10-04C Annex I.2.3, eqs. I-5 and I-6; Feynman et al.
1993, JGR 98, 13281)
    In a solar-active year the number of events is Poisson with mean ``w``; each event's
    fluence above 30 MeV is log-normal, ``log10 F(>30 MeV) ~ Normal(mu, sigma)`` (the JPL
    models and ECSS Table I-2 give parameters for >10 and >30 MeV; we use >30 MeV because
    the dose behind 1-10 mm Al comes from 15-150 MeV protons: normalised at 30 MeV, King's
    spectrum gives 0.73-1.12 x the dose of SPENVIS's ESP-PSYCHIC spectrum at 3-10 mm, at
    10 MeV 1.5-2.3 x). Large events are confined to the 7 active years of the 11-year
    cycle (ECSS Annex I.2.1), so a year of unknown phase is active with probability 7/11.
    Each event has the exponential spectrum of King (1974) with e-folding energy ``E0``:
    ``F(>E) = F(>30 MeV) exp(-(E - 30)/E0)`` for E >= 10 MeV (protons below 10 MeV stop in
    0.63 mm of Al and are left out, so the SPE dose behind thinner shields is low).

Geomagnetic cut-off (Stormer, dipole)
    A proton reaches a point of McIlwain shell ``L`` from the vertical if its rigidity
    exceeds ``Rc = C / L^2`` GV with ``C = 14.9 GV`` (quiet magnetosphere; Smart & Shea 2005,
    Adv. Space Res. 36, 2012, the Stormer vertical cut-off with ``cos^4(lat)/r^2 = 1/L^2``).
    Proton rigidity ``R = sqrt(E (E + 2 m_p c^2)) / 1000`` GV. The orbit-averaged
    transmission ``T(E)`` is the share of (time-uniform) orbit samples where ``R(E) > Rc``;
    open field lines (IRBEM returns no L) have ``Rc = 0``. Earth shadowing is not applied
    (conservative by the ~27-30 % of the sky the Earth blocks at 500-1,000 km).

Dose
    The transmitted spectrum ``F_T(>E_i) = sum_j>=i T(E_j') dN_j`` goes through the proton
    kernel of :mod:`riskengine.core.dose`. With a fixed spectral shape the dose is linear in
    the event's F(>30 MeV), so one number per thickness, ``dose_per_unit_fluence`` (rad per
    proton/cm^2 above 30 MeV), turns sampled fluences into doses.

Examples
--------
>>> from riskengine.core.spe import proton_rigidity_gv
>>> round(float(proton_rigidity_gv(100.0)), 4)
0.4446
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskengine.core import dose as _dose

PROTON_MASS_MEV = 938.272_088_16
"""Proton rest energy, MeV (CODATA 2018)."""
REFERENCE_ENERGY_MEV = 30.0
"""Event sizes are fluences above this energy (the JPL models' >30 MeV channel; King's
reference energy)."""
MIN_EVENT_ENERGY_MEV = 10.0
"""Lowest energy of the event spectra (King's model covers 10-100 MeV and beyond)."""


@dataclass(frozen=True)
class SPEModel:
    """Parameters of the solar-particle-event model (see the module docstring).

    Attributes
    ----------
    rate_per_active_year : w, mean number of events in a solar-active year.
    log10_fluence_mean, log10_fluence_sd : mu, sigma of log10 F(>30 MeV) [cm^-2] per event.
    active_year_fraction : share of years that are solar-active (7/11).
    rate_per_quiet_year : mean events in a solar-minimum year (0: ESP/ECSS count none).
    spectrum_e0_mev : e-folding energy of the event spectrum (King 1974: 26.5 MeV).
    king_1972_fluence_gt30 : F(>30 MeV) of the August 1972 event (King 1974: 7.9e9 cm^-2),
        the unit of ``fluence_scale``.
    cutoff_coefficient_gv : C in ``Rc = C / L^2`` (14.9 GV quiet; lower it for storms).
    """

    rate_per_active_year: float
    log10_fluence_mean: float
    log10_fluence_sd: float
    active_year_fraction: float = 7.0 / 11.0
    rate_per_quiet_year: float = 0.0
    spectrum_e0_mev: float = 26.5
    king_1972_fluence_gt30: float = 7.9e9
    cutoff_coefficient_gv: float = 14.9

    def mean_event_fluence(self) -> float:
        """E[F(>30 MeV)] per event: ``10^mu exp((sigma ln 10)^2 / 2)`` (log-normal mean).

        Examples
        --------
        >>> m = SPEModel(6.0, 8.0, 0.0)
        >>> m.mean_event_fluence()
        100000000.0
        """
        s = self.log10_fluence_sd * np.log(10.0)
        return float(10.0**self.log10_fluence_mean * np.exp(0.5 * s * s))

    def mean_events_per_year(self) -> float:
        """Mean number of events per year over the solar cycle.

        Examples
        --------
        >>> round(SPEModel(6.0, 8.0, 0.0).mean_events_per_year(), 3)    # 6 x 7/11
        3.818
        """
        p = self.active_year_fraction
        return float(p * self.rate_per_active_year + (1 - p) * self.rate_per_quiet_year)

    def mean_annual_fluence(self, active: bool | None = True) -> float:
        """Mean F(>30 MeV) per year: active, quiet (``False``) or cycle-averaged (``None``).

        Examples
        --------
        >>> SPEModel(6.0, 8.0, 0.0).mean_annual_fluence(True)
        600000000.0
        """
        f = self.mean_event_fluence()
        act, quiet = self.rate_per_active_year * f, self.rate_per_quiet_year * f
        if active is None:
            p = self.active_year_fraction
            return float(p * act + (1 - p) * quiet)
        return float(act if active else quiet)


@dataclass(frozen=True)
class SPEYears:
    """Sampled solar-particle-event years (see :func:`sample_spe_year`).

    Attributes
    ----------
    active : (n_years,) bool, solar-active year.
    counts : (n_years,) int, events in the year.
    event_year : (n_events,) int, index of each event's year (sorted).
    fluence_gt30 : (n_events,) F(>30 MeV) outside the magnetosphere, cm^-2.
    event_dose : (n_events, n_t) rad(Si) behind each shielding.
    annual_dose : (n_years, n_t) rad(Si), sum over the year's events.
    """

    active: np.ndarray
    counts: np.ndarray
    event_year: np.ndarray
    fluence_gt30: np.ndarray
    event_dose: np.ndarray
    annual_dose: np.ndarray


# --------------------------------------------------------------------------- cut-off
def proton_rigidity_gv(energy_mev) -> np.ndarray:
    """Magnetic rigidity of a proton, GV: ``sqrt(E (E + 2 m_p c^2)) / 1000``.

    Examples
    --------
    >>> [round(float(r), 3) for r in proton_rigidity_gv([10.0, 1000.0])]
    [0.137, 1.696]
    """
    e = np.asarray(energy_mev, float)
    return np.sqrt(e * (e + 2.0 * PROTON_MASS_MEV)) / 1000.0


def stormer_cutoff_gv(l_shell, coefficient_gv: float = 14.9) -> np.ndarray:
    """Vertical Stormer cut-off rigidity ``C / L^2`` in GV; 0 where L is not a closed shell.

    Examples
    --------
    >>> stormer_cutoff_gv([1.0, 2.0, np.nan, -1e31]).tolist()
    [14.9, 3.725, 0.0, 0.0]
    """
    lv = np.asarray(l_shell, float)
    closed = np.isfinite(lv) & (lv > 0)
    return np.where(closed, coefficient_gv / np.where(closed, lv, 1.0) ** 2, 0.0)


def geomagnetic_transmission(cutoff_gv, energy_mev, *, cutoff_scale: float = 1.0) -> np.ndarray:
    """Orbit-averaged share of samples a proton of energy E reaches, ``(n_E,)``.

    Parameters
    ----------
    cutoff_gv : (n_samples,) cut-off rigidity at equally weighted orbit samples.
    energy_mev : (n_E,) proton energies.
    cutoff_scale : multiply the cut-offs (e.g. 0.75 as a storm sensitivity).

    Examples
    --------
    >>> geomagnetic_transmission([0.0, 0.5, 5.0, 20.0], [10.0, 1000.0]).tolist()
    [0.25, 0.5]
    """
    rc = np.sort(np.asarray(cutoff_gv, float).ravel() * cutoff_scale)
    r = proton_rigidity_gv(energy_mev)
    return np.searchsorted(rc, r, side="left") / rc.size


# --------------------------------------------------------------------------- spectra
def event_fluence_spectrum(energy_mev, fluence_gt30, e0_mev: float = 26.5) -> np.ndarray:
    """Exponential event spectrum ``F(>E) = F(>30) exp(-(E - 30)/E0)``, ``(..., n_E)``.

    With ``F(>30) = 7.9e9`` and ``E0 = 26.5 MeV`` it is King's (1974) August 1972 event,
    ``F(>E) = 7.9e9 exp((30 - E)/26.5)`` (F(>10 MeV) = 1.68e10).

    Examples
    --------
    >>> f = event_fluence_spectrum([10.0, 30.0], 7.9e9)
    >>> round(float(f[0]) / 1e10, 2)
    1.68
    """
    e = np.asarray(energy_mev, float)
    f30 = np.asarray(fluence_gt30, float)[..., None]
    return f30 * np.exp(-(e - REFERENCE_ENERGY_MEV) / e0_mev)


def transmitted_spectrum(energy_mev, integral, transmission) -> tuple[np.ndarray, np.ndarray]:
    """Apply an energy-dependent transmission to an integral spectrum.

    ``F_T(>E_i) = sum_{j>=i} T(E_j') (F(>E_j) - F(>E_j+1)) + T(E_n) F(>E_n)``, with
    ``E_j'`` the geometric bin centre and ``T`` interpolated linearly in energy.

    Returns the grid and ``F_T`` (same shapes as the inputs).

    Examples
    --------
    >>> e = np.array([10.0, 20.0]); f = np.array([3.0, 1.0])
    >>> transmitted_spectrum(e, f, np.array([0.5, 1.0]))[1].round(4).tolist()
    [2.4142, 1.0]
    """
    e = np.asarray(energy_mev, float)
    f = np.asarray(integral, float)
    t = np.asarray(transmission, float)
    e_mid = np.sqrt(e[1:] * e[:-1])
    dn = np.maximum(f[..., :-1] - f[..., 1:], 0.0) * np.interp(e_mid, e, t)
    tail = f[..., -1:] * t[-1]
    ft = np.concatenate([np.cumsum(dn[..., ::-1], axis=-1)[..., ::-1] + tail, tail], axis=-1)
    return e, ft


def dose_per_unit_fluence(cutoff_gv, shielding_mm, tables: _dose.ShieldTables, *,
                          e0_mev: float = 26.5, cutoff_scale: float = 1.0,
                          energy_mev=None) -> np.ndarray:
    """Dose behind Al spheres per proton/cm^2 above 30 MeV of an event, rad(Si), ``(n_t,)``.

    The event spectrum is :func:`event_fluence_spectrum` (shape ``E0``) on a 10-1,000 MeV
    grid, attenuated by :func:`geomagnetic_transmission` of the orbit's cut-offs, through
    the proton kernel of :func:`riskengine.core.dose.proton_dose`. Passing
    ``cutoff_gv=[0.0]`` gives the dose outside the magnetosphere.

    Examples
    --------
    >>> from riskengine.radiation_env import shield_tables
    >>> k = dose_per_unit_fluence([0.0], [3.0, 10.0], shield_tables())
    >>> bool(k[0] > k[1] > 0)
    True
    """
    e = np.geomspace(MIN_EVENT_ENERGY_MEV, 1000.0, 121) if energy_mev is None else \
        np.asarray(energy_mev, float)
    f = event_fluence_spectrum(e, 1.0, e0_mev)
    t = geomagnetic_transmission(cutoff_gv, e, cutoff_scale=cutoff_scale)
    e, ft = transmitted_spectrum(e, f, t)
    return _dose.proton_dose(e, ft, shielding_mm, tables, above_max=ft[-1],
                             lump_mev=1.2 * e[-1])


# --------------------------------------------------------------------------- sampling
def sample_spe_year(rng: np.random.Generator, n_years: int, model: SPEModel,
                    dose_per_fluence, *, active=None) -> SPEYears:
    """Sample solar-particle-event years: events per year and each event's dose.

    Parameters
    ----------
    rng : numpy Generator (the only source of randomness; same seed, same years).
    n_years : number of simulated years.
    model : the event model.
    dose_per_fluence : (n_t,) rad(Si) per proton/cm^2 above 30 MeV for the orbit and
        shielding (:func:`dose_per_unit_fluence`).
    active : None (each year active with probability ``model.active_year_fraction``), a bool
        for all years, or an ``(n_years,)`` bool array (a known solar-cycle phase).

    Returns
    -------
    SPEYears

    Examples
    --------
    >>> m = SPEModel(6.0, 8.0, 1.0)
    >>> s = sample_spe_year(np.random.default_rng(1), 1000, m, [1e-8, 2e-9], active=True)
    >>> s.annual_dose.shape, round(float(s.counts.mean()))
    ((1000, 2), 6)
    """
    n_years = int(n_years)
    k = np.atleast_1d(np.asarray(dose_per_fluence, float))
    if active is None:
        act = rng.random(n_years) < model.active_year_fraction
    else:
        act = np.broadcast_to(np.asarray(active, bool), (n_years,)).copy()
    lam = np.where(act, model.rate_per_active_year, model.rate_per_quiet_year)
    counts = rng.poisson(lam)
    year = np.repeat(np.arange(n_years), counts)
    log10f = model.log10_fluence_mean + model.log10_fluence_sd * rng.standard_normal(year.size)
    fluence = 10.0**log10f
    ev = fluence[:, None] * k[None, :]
    annual = np.zeros((n_years, k.size))
    np.add.at(annual, year, ev)
    return SPEYears(active=act, counts=counts, event_year=year, fluence_gt30=fluence,
                    event_dose=ev, annual_dose=annual)


def mean_annual_dose(model: SPEModel, dose_per_fluence, active: bool | None = True) -> np.ndarray:
    """Expected SPE dose per year, rad(Si), ``(n_t,)``: mean annual fluence x dose per unit.

    Heavy-tailed: the median year is far below the mean (sample with
    :func:`sample_spe_year` for the distribution).

    Examples
    --------
    >>> mean_annual_dose(SPEModel(6.0, 8.0, 0.0), [1e-8]).tolist()
    [6.0]
    """
    return model.mean_annual_fluence(active) * np.atleast_1d(np.asarray(dose_per_fluence, float))
