"""Total ionising dose behind a solid aluminium sphere, from omnidirectional particle spectra.

Pure NumPy, fixed units: energy MeV, integral flux J(>E) in cm^-2 s^-1 (or an integral
fluence in cm^-2), shielding in mm of Al, dose in rad(Si). The stopping-power and
attenuation tables are passed in as arrays (:class:`ShieldTables`); the edge module
``riskengine.radiation_env`` reads them from ``riskengine/data/radiation/*.csv``.

Geometry
    The dose at the **centre of a solid Al sphere of radius T** ("4 pi dose at centre of Al
    spheres", the SHIELDOSE-2 / SPENVIS convention). For an isotropic omnidirectional flux
    every ray into the centre crosses the same areal thickness ``t = rho_Al * T``
    (``rho_Al = 2.699 g/cm^3``, the density ESTAR/PSTAR use), so the centre dose equals the
    straight-ahead depth dose at depth ``t`` integrated over the omnidirectional spectrum
    (Seltzer, "SHIELDOSE: a computer code for space-shielding radiation dose calculations",
    NBS Technical Note 1116, 1980, section 2; Seltzer, NISTIR 5477, 1994).

Spectrum
    From J(>E) on an energy grid E_0 < ... < E_n: the grid is refined ``n_sub`` times with
    log-linear interpolation of J, particles per bin ``N_i = J(E_i) - J(E_i+1)`` (differences
    of the integral flux, never a finite-difference derivative), each bin at its geometric
    centre ``E_i' = sqrt(E_i E_i+1)`` (:func:`spectrum_bins`). Flux above the last grid
    energy may be added as one lump (for AP-8: J(>300 MeV) at 350 MeV).

Kernels (each a response matrix ``R[t, bin]`` in rad(Si) per particle/cm^2, so that a dose
is ``N @ R.T`` for any number of spectra at once)

1. Protons, straight-ahead continuous slowing down: a proton of energy E leaves a path t
   with ``E' = R_Al^-1(R_Al(E) - t)`` (0 if ``R_Al(E) <= t``) and deposits the silicon
   stopping power ``S_Si(E')`` per g/cm^2: ``D = K sum_i N_i S_Si(E'_i)``. ``R_Al`` is the
   PSTAR CSDA range in Al, ``S_Si`` the PSTAR total stopping power in Si (Berger, Coursey,
   Zucker & Chang, NIST SRD 124; data of ICRU Report 49, 1993). Nuclear attenuation is
   neglected, as in SHIELDOSE-2 with INUC = 1 (<= 3 % at 10 mm: the inelastic mean free
   path of protons in Al is ~100 g/cm^2).
2. Electrons, the same construction along the empirical **maximum range** of Katz & Penfold
   (Rev. Mod. Phys. 24, 28, 1952), ``R_KP(E) = 0.412 E^(1.265 - 0.0954 ln E)`` g/cm^2 for
   E < 2.5 MeV and ``0.530 E - 0.106`` above (:func:`katz_penfold_range_al`), with the ESTAR
   Si collision stopping power (NIST SRD 124; ICRU Report 37, 1984). Scattering shortens
   the penetration with respect to the CSDA path; on AE-8 orbit spectra this kernel is
   within +-10 % of SHIELDOSE-2 from 1 to 8 mm and low beyond ~9 mm, where electrons give
   < 1 % of the LEO dose (research note of issue #19).
3. Bremsstrahlung, thick-target: an electron of energy E stopping in the shell radiates
   ``E Y(E)`` (ESTAR radiation yield in Al) with Kramers' thick-target spectrum
   ``I(k) = 2 (E - k) / E^2`` (Kramers, Phil. Mag. 46, 836, 1923); the photons are taken to
   go inward from a thin outer layer, giving an energy-fluence rate at the centre
   ``Psi(k) = 1/2 sum_i N_i E_i Y(E_i) I(k) exp(-mu_en,Al(k) t)`` and
   ``D = K int Psi(k) mu_en,Si(k) dk`` (mass energy-absorption coefficients of Hubbell &
   Seltzer, NIST SRD 126 / NISTIR 5632). Attenuating with mu_en instead of mu is a crude
   broad-beam (build-up) allowance. Known weakness: 0.3-0.7 x SHIELDOSE-2's bremsstrahlung;
   the term is <= 2 % of the LEO total at 3-10 mm.

``K = 1.602176634e-8 rad g/MeV`` (1 MeV/g = 1.602e-10 Gy = 1.602e-8 rad).

Axis convention (documented once): spectra ``(..., n_E)`` on a shared energy grid; shielding
``(n_t,)``; every dose ``(..., n_t)``.

Examples
--------
>>> import numpy as np
>>> from riskengine.core.dose import katz_penfold_range_al
>>> round(float(katz_penfold_range_al(1.0)), 3)
0.412
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskengine.core.constants import SECONDS_PER_YEAR

RHO_AL_G_CM3 = 2.699
"""Density of aluminium used by NIST ESTAR/PSTAR, g/cm^3."""
MEV_PER_G_TO_RAD = 1.602176634e-8
"""1 MeV deposited per gram, in rad (1 MeV = 1.602176634e-13 J; 1 rad = 0.01 J/kg)."""
PROTON_LUMP_MEV = 350.0
"""Energy at which AP-8's J(>300 MeV) is deposited as one lump (SHIELDOSE-2 practice of
ending the spectrum at the model's top energy; AP-8 itself extends to 400 MeV)."""


@dataclass(frozen=True)
class ShieldTables:
    """Stopping powers, ranges and photon coefficients for Al (shield) and Si (target).

    All arrays 1-D and increasing in energy; units MeV, g/cm^2, MeV cm^2/g, cm^2/g.
    Built by :func:`riskengine.radiation_env.shield_tables` from the vendored NIST tables.
    """

    proton_energy_mev: np.ndarray
    proton_al_csda_range_g_cm2: np.ndarray
    proton_si_stopping_mev_cm2_g: np.ndarray
    electron_energy_mev: np.ndarray
    electron_si_collision_mev_cm2_g: np.ndarray
    electron_al_radiation_yield: np.ndarray
    photon_energy_mev: np.ndarray
    photon_al_muen_cm2_g: np.ndarray
    photon_si_muen_cm2_g: np.ndarray


@dataclass(frozen=True)
class TrappedDose:
    """Yearly dose behind Al spheres, rad(Si)/yr, each array ``(..., n_t)``."""

    shielding_mm: np.ndarray
    trapped_protons: np.ndarray
    trapped_electrons: np.ndarray
    bremsstrahlung: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """Sum of the three trapped components."""
        return self.trapped_protons + self.trapped_electrons + self.bremsstrahlung


# --------------------------------------------------------------------------- helpers
def _loglog(x, xp, fp):
    """Log-log interpolation in a table (fp > 0), clamped at the table ends."""
    return np.exp(np.interp(np.log(x), np.log(xp), np.log(fp)))


def areal_thickness_g_cm2(shielding_mm) -> np.ndarray:
    """Areal density of an Al thickness: ``t = rho_Al * T`` with T in cm.

    Examples
    --------
    >>> round(float(areal_thickness_g_cm2(10.0)[0]), 4)
    2.699
    """
    return np.atleast_1d(np.asarray(shielding_mm, float)) * 0.1 * RHO_AL_G_CM3


def katz_penfold_range_al(energy_mev) -> np.ndarray:
    """Maximum (extrapolated) range of electrons in Al, g/cm^2.

    Katz & Penfold (1952), Rev. Mod. Phys. 24, 28, eqs. (9)-(10):
    ``R = 0.412 E^(1.265 - 0.0954 ln E)`` for 0.01 <= E < 2.5 MeV, ``R = 0.530 E - 0.106``
    for E >= 2.5 MeV.

    Examples
    --------
    >>> [round(float(r), 3) for r in katz_penfold_range_al([0.5, 2.5, 5.0])]
    [0.164, 1.219, 2.544]
    """
    e = np.asarray(energy_mev, float)
    n = 1.265 - 0.0954 * np.log(e)
    return np.where(e < 2.5, 0.412 * e**n, 0.530 * e - 0.106)


def residual_energy(energy_mev, path_g_cm2, table_energy_mev, table_range_g_cm2) -> np.ndarray:
    """Energy left after a straight path through Al, from a range-energy table.

    ``E' = R^-1(R(E) - t)``; 0 where the particle stops (``R(E) - t`` below the table's
    smallest range). Broadcasts ``energy_mev`` against ``path_g_cm2``.

    Examples
    --------
    >>> e = np.array([1.0, 10.0]); r = np.array([0.01, 1.0])
    >>> residual_energy(e, 0.0, e, r).round(9).tolist()
    [1.0, 10.0]
    >>> residual_energy(e, 0.5, e, r).round(3).tolist()     # 10 MeV after 0.5 g/cm^2
    [0.0, 7.071]
    """
    r = _loglog(np.asarray(energy_mev, float), table_energy_mev, table_range_g_cm2)
    rest = r - np.asarray(path_g_cm2, float)
    rest = np.broadcast_to(rest, np.broadcast_shapes(np.shape(r), np.shape(path_g_cm2)))
    out = np.zeros(rest.shape)
    ok = rest > table_range_g_cm2[0]
    out[ok] = _loglog(rest[ok], table_range_g_cm2, table_energy_mev)
    return out


def spectrum_bins(energy_mev, integral, n_sub: int = 20):
    """Bin centres and particles per bin from an integral spectrum J(>E).

    The grid is refined ``n_sub`` times (log-spaced) with log-linear interpolation of J,
    then ``N_i = max(J(E_i) - J(E_i+1), 0)`` at ``E_i' = sqrt(E_i E_i+1)``.

    Parameters
    ----------
    energy_mev : (n_E,) increasing energies.
    integral : (..., n_E) J(>E) (any time unit, or a fluence); zeros allowed.
    n_sub : refinement of each grid interval.

    Returns
    -------
    e_mid : ((n_E - 1) * n_sub,) bin centres, MeV.
    counts : (..., (n_E - 1) * n_sub) particles per bin, same unit as ``integral``.

    Examples
    --------
    >>> e = np.array([1.0, 10.0]); j = np.array([10.0, 1.0])
    >>> e_mid, n = spectrum_bins(e, j, n_sub=1)
    >>> round(float(n.sum()), 9)
    9.0
    """
    e = np.asarray(energy_mev, float)
    j = np.asarray(integral, float)
    n_e = e.size
    fine = np.exp(np.interp(np.linspace(0, n_e - 1, (n_e - 1) * n_sub + 1),
                            np.arange(n_e), np.log(e)))
    # fine points sit between grid points: interpolate log J with shared weights
    idx = np.clip(np.searchsorted(e, fine, side="right") - 1, 0, n_e - 2)
    w = (np.log(fine) - np.log(e[idx])) / (np.log(e[idx + 1]) - np.log(e[idx]))
    logj = np.log(np.maximum(j, 1e-300))
    lf = (1.0 - w) * logj[..., idx] + w * logj[..., idx + 1]
    jf = np.exp(lf)
    jf = np.where(jf < 1e-200, 0.0, jf)
    counts = np.maximum(jf[..., :-1] - jf[..., 1:], 0.0)
    return np.sqrt(fine[:-1] * fine[1:]), counts


# --------------------------------------------------------------------------- responses
def proton_response(e_mid_mev, shielding_mm, tables: ShieldTables) -> np.ndarray:
    """Dose per proton/cm^2 at the centre of Al spheres, rad(Si), shape ``(n_t, n_bins)``.

    Straight-ahead CSDA (kernel 1 of the module docstring):
    ``R[t, i] = K S_Si(R_Al^-1(R_Al(E_i) - t))``, 0 for stopped protons.

    Examples
    --------
    >>> from riskengine.radiation_env import shield_tables
    >>> r = proton_response(np.array([10.0, 100.0]), [1.0], shield_tables())
    >>> r.shape
    (1, 2)
    """
    tab = tables
    t = areal_thickness_g_cm2(shielding_mm)[:, None]
    e_out = residual_energy(np.asarray(e_mid_mev, float)[None, :], t,
                            tab.proton_energy_mev, tab.proton_al_csda_range_g_cm2)
    s = _loglog(np.maximum(e_out, tab.proton_energy_mev[0]), tab.proton_energy_mev,
                tab.proton_si_stopping_mev_cm2_g)
    return np.where(e_out > 0, s, 0.0) * MEV_PER_G_TO_RAD


def electron_response(e_mid_mev, shielding_mm, tables: ShieldTables) -> np.ndarray:
    """Dose per electron/cm^2 (collision losses), rad(Si), shape ``(n_t, n_bins)``.

    Straight-ahead slowing down along the Katz-Penfold maximum range (kernel 2):
    ``R[t, i] = K S_col,Si(R_KP^-1(R_KP(E_i) - t))``.
    """
    tab = tables
    e_tab = np.geomspace(0.01, 20.0, 400)
    r_tab = katz_penfold_range_al(e_tab)
    t = areal_thickness_g_cm2(shielding_mm)[:, None]
    e_out = residual_energy(np.asarray(e_mid_mev, float)[None, :], t, e_tab, r_tab)
    s = _loglog(np.maximum(e_out, tab.electron_energy_mev[0]), tab.electron_energy_mev,
                tab.electron_si_collision_mev_cm2_g)
    return np.where(e_out > 0, s, 0.0) * MEV_PER_G_TO_RAD


def bremsstrahlung_response(e_mid_mev, shielding_mm, tables: ShieldTables,
                            n_k: int = 200) -> np.ndarray:
    """Bremsstrahlung dose per electron/cm^2, rad(Si), shape ``(n_t, n_bins)``.

    Thick-target model (kernel 3): ``R[t, i] = K/2 E_i Y(E_i) int_0^E_i I(k)
    mu_en,Si(k) exp(-mu_en,Al(k) t) dk`` with ``I(k) = 2 (E - k)/E^2`` (midpoint rule in
    ``k/E`` with ``n_k`` points).
    """
    tab = tables
    e = np.asarray(e_mid_mev, float)
    y = _loglog(np.maximum(e, tab.electron_energy_mev[0]), tab.electron_energy_mev,
                tab.electron_al_radiation_yield)
    x = (np.arange(n_k) + 0.5) / n_k                        # k / E
    k = np.maximum(e[:, None] * x[None, :], tab.photon_energy_mev[0])
    mu_al = _loglog(k, tab.photon_energy_mev, tab.photon_al_muen_cm2_g)
    mu_si = _loglog(k, tab.photon_energy_mev, tab.photon_si_muen_cm2_g)
    spec = 2.0 * (1.0 - x) / n_k                             # I(k) dk / E, sums to 1
    t = areal_thickness_g_cm2(shielding_mm)
    per_mev = np.einsum("k,ik,tik->ti", spec, mu_si,
                        np.exp(-mu_al[None, :, :] * t[:, None, None]))
    return 0.5 * (e * y)[None, :] * per_mev * MEV_PER_G_TO_RAD


# --------------------------------------------------------------------------- doses
def proton_dose(energy_mev, integral, shielding_mm, tables: ShieldTables, *,
                above_max=None, lump_mev: float = PROTON_LUMP_MEV) -> np.ndarray:
    """Proton dose behind Al spheres from an integral spectrum, shape ``(..., n_t)``.

    Parameters
    ----------
    energy_mev : (n_E,) grid of J(>E).
    integral : (..., n_E) J(>E) in cm^-2 s^-1 (then the dose is rad(Si)/s) or an integral
        fluence in cm^-2 (then rad(Si)).
    shielding_mm : (n_t,) Al sphere radii, mm.
    above_max : (...,) particles above the last grid energy, deposited at ``lump_mev``;
        default ``integral[..., -1]`` (J above the grid's top energy).

    Examples
    --------
    >>> from riskengine.radiation_env import shield_tables
    >>> e = np.geomspace(10, 300, 31); f = 1e9 * np.exp(-(e - 10) / 26.5)
    >>> d = proton_dose(e, f, [1.0, 10.0], shield_tables())
    >>> bool(d[0] > d[1] > 0)
    True
    """
    e_mid, n = spectrum_bins(energy_mev, integral)
    j = np.asarray(integral, float)
    top = j[..., -1] if above_max is None else np.asarray(above_max, float)
    e_mid = np.append(e_mid, lump_mev)
    n = np.concatenate([n, np.asarray(top, float)[..., None]], axis=-1)
    return n @ proton_response(e_mid, shielding_mm, tables).T


def electron_dose(energy_mev, integral, shielding_mm, tables: ShieldTables) -> np.ndarray:
    """Electron (collision) dose behind Al spheres, ``(..., n_t)``, per unit of J's time."""
    e_mid, n = spectrum_bins(energy_mev, integral)
    return n @ electron_response(e_mid, shielding_mm, tables).T


def bremsstrahlung_dose(energy_mev, integral, shielding_mm, tables: ShieldTables) -> np.ndarray:
    """Bremsstrahlung dose behind Al spheres, ``(..., n_t)``, per unit of J's time."""
    e_mid, n = spectrum_bins(energy_mev, integral)
    return n @ bremsstrahlung_response(e_mid, shielding_mm, tables).T


def trapped_dose_per_year(proton_energy_mev, proton_flux, electron_energy_mev, electron_flux,
                          shielding_mm, tables: ShieldTables) -> TrappedDose:
    """Yearly trapped-particle dose behind Al spheres, rad(Si)/yr, split by source.

    Parameters
    ----------
    proton_energy_mev, proton_flux : (n_Ep,), (..., n_Ep) orbit-averaged J(>E), cm^-2 s^-1
        (AP-8: 0.1-300 MeV; the flux above the last energy is lumped at 350 MeV).
    electron_energy_mev, electron_flux : (n_Ee,), (..., n_Ee) (AE-8: 0.05-7 MeV).
    shielding_mm : (n_t,) Al sphere radii, mm.
    tables : the NIST tables (:class:`ShieldTables`).

    Returns
    -------
    TrappedDose with ``(..., n_t)`` arrays; a year is 365.25 days.

    Examples
    --------
    >>> from riskengine.radiation_env import shield_tables
    >>> ep = np.geomspace(0.1, 300, 31); ee = np.geomspace(0.05, 7, 31)
    >>> d = trapped_dose_per_year(ep, 100 * np.exp(-ep / 30), ee, 1e5 * np.exp(-ee / 0.3),
    ...                           [1.0, 3.0], shield_tables())
    >>> d.total.shape, bool(d.total[0] > d.total[1])
    ((2,), True)
    """
    shield = np.atleast_1d(np.asarray(shielding_mm, float))
    p = proton_dose(proton_energy_mev, proton_flux, shield, tables) * SECONDS_PER_YEAR
    e_mid, n = spectrum_bins(electron_energy_mev, electron_flux)
    e = n @ electron_response(e_mid, shield, tables).T * SECONDS_PER_YEAR
    b = n @ bremsstrahlung_response(e_mid, shield, tables).T * SECONDS_PER_YEAR
    return TrappedDose(shielding_mm=shield, trapped_protons=p, trapped_electrons=e,
                       bremsstrahlung=b)
