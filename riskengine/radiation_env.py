"""Radiation environment of a circular orbit and the yearly dose behind Al (the edge).

This module does the I/O around the pure kernels of :mod:`riskengine.core.dose` and
:mod:`riskengine.core.spe`: it evaluates NASA's AE-8/AP-8 trapped-particle models through
the ``aep8`` package (IRBEM), reads the vendored NIST tables and the SPE parameters with
``importlib.resources``, and caches orbit-averaged spectra on disk.

Public API
----------
``dose_rate(altitude_km, inclination_deg, shielding_mm, *, solar=None, strict=True)``
    -> :class:`DoseResult`: yearly dose in rad(Si) behind Al spheres, split into
    ``trapped_protons``, ``trapped_electrons``, ``bremsstrahlung`` and ``solar_protons``
    (the expected yearly SPE dose), with ``valid`` / ``outside_validity``.
``spe_event_dose(fluence_scale, inclination_deg, altitude_km, shield_mm)``
    -> rad(Si) of one event of ``fluence_scale`` x the August 1972 event (King 1974).
``spe_inputs(altitude_km, inclination_deg, shielding_mm)``
    -> ``(SPEModel, dose_per_unit_fluence)`` for :func:`riskengine.core.spe.sample_spe_year`.
``dose_rate_batch(altitudes, inclinations, shielding_mm, ...)``
    -> the same for many orbits, ``(n_orbits, n_t)`` arrays, kernels run once.
``geomagnetic_transmission(altitude_km, inclination_deg, energy_mev)``
    -> share of the orbit open to solar protons of energy E (Stormer cut-off).
``orbit_environment(altitude_km, inclination_deg, solar=None)``
    -> :class:`OrbitEnvironment`, the cached orbit-averaged spectra and cut-offs.

Orbit averaging
    Positions on a circle of radius ``R_eq + h`` (WGS-84 equatorial radius) at argument of
    latitude ``u_j = 2 pi (j + 1/2)/48`` and Earth-fixed node longitude
    ``Omega_k = 2 pi (k + 1/2)/48``: ``u`` advances uniformly in time and, over many days,
    Earth rotation sweeps the node over all longitudes, so equal weights are uniform in time
    for a non-repeating orbit. ``u`` and ``pi - u`` lie on the same latitude, and the node
    grid sweeps each latitude ring at 48 longitudes whichever of the two it starts from, so
    one of each pair suffices (latitude rings: 24 x 48 = 1,152 equally weighted samples, half
    the IRBEM field-line tracing of the full 48 x 48 grid). Convergence (issue #19, trapped
    dose at 1-10 mm against a 144 x 144 = 20,736-point average, 11 orbits 300-2,000 km,
    20-99.5 deg): rings within 1.2 %, full 48 x 48 within 0.9 %, 32 x 32 within 5.7 %.
    J(>E) is averaged over the samples (linear, so average first and difference after).

Models
    ``solar=None`` (default, "standard"): AP-8 MIN protons + AE-8 MAX electrons, the
    conservative pairing of ECSS-E-ST-10-04C 9.2.1.1 and SPENVIS practice; ``"min"``: AP-8 MIN
    + AE-8 MIN; ``"max"``: AP-8 MAX + AE-8 MAX. Each map is evaluated in the field model it
    was built with (aep8: Jensen & Cain 1960 for AE-8 and AP-8 MIN, GSFC 12/66 for AP-8 MAX);
    the date does not enter these fixed-epoch models. Energy grids stay inside the models'
    ranges (protons 0.1-300 MeV, electrons 0.05-7 MeV; 61 log-spaced points each) and
    spectra are differences of ``integral_flux`` (aep8's ``differential_flux`` is a +-1 keV
    finite difference). Positions where IRBEM finds no closed drift shell give NaN: 0 flux.

Earth-radius correction (aep8 1.1.0)
    ``aep8.Model.geomagnetic_coordinates`` converts the location to
    ``u.Quantity(location.geocentric).to_value(u.earthRad)``, i.e. divides geocentric
    metres by astropy's ``earthRad`` (IAU 2015 nominal equatorial radius, 6,378.1 km), and
    hands the numbers to IRBEM as GEO cartesian coordinates (``sysaxes = 1``). IRBEM reads
    GEO cartesian coordinates in units of ``ERA = 6371.2 km`` (``INITIZE`` in
    ``source/init_nouveau.f``). Every position would therefore sit 0.11 % (~7.5 km at LEO)
    too close to the Earth, and the dose at 550 km would be ~5 % low. We hand IRBEM
    ``r / 6371.2 km`` ourselves, calling the compiled ufuncs aep8 wraps (:func:`_irbem`,
    :func:`_geomagnetic_coordinates`; this also spares the ~1 s astropy import of a new
    orbit; ``tests/test_dose.py`` checks it against aep8's public API).

Validity
    300-2,000 km altitude, 0-180 deg inclination, 0.1-50 mm Al. Outside it ``dose_rate``
    raises :class:`DoseValidityError` naming the argument, the value and the range; with
    ``strict=False`` it computes anyway and returns ``valid=False`` with the reasons in
    ``outside_validity`` (a run that uses such a dose should write a ``run_flags`` row).

Cache
    Orbit-averaged spectra and cut-offs are kept per (altitude, inclination, solar phase,
    grid, model version, aep8 version) as ``.npz`` files under ``$RISKENGINE_DOSE_CACHE``,
    else ``$XDG_CACHE_HOME/riskengine/dose``, else ``~/.cache/riskengine/dose``, and in
    memory; nothing is downloaded. Delete the folder to recompute.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from riskengine.core import dose as core_dose
from riskengine.core import spe as core_spe
from riskengine.core.constants import WGS84_RE_KM
from riskengine.errors import RiskEngineError

DOSE_MODEL_VERSION = "2"
"""Bump when the orbit sampling or the environment evaluation changes (invalidates caches)."""
RE_IRBEM_KM = 6371.2
"""IRBEM's unit of GEO cartesian coordinates (ERA in source/init_nouveau.f)."""
GRID = 48
"""Argument-of-latitude x node-longitude samples per axis; with the latitude-ring pairing of
:func:`sample_circular_orbit` the orbit average uses 24 x 48 = 1,152 positions."""
PROTON_ENERGIES_MEV = np.geomspace(0.1, 300.0, 61)
ELECTRON_ENERGIES_MEV = np.geomspace(0.05, 7.0, 61)
VALID_ALTITUDE_KM = (300.0, 2000.0)
VALID_INCLINATION_DEG = (0.0, 180.0)
VALID_SHIELDING_MM = (0.1, 50.0)
SOLAR_PHASES = {
    None: ("min", "max", "standard: AP-8 MIN protons + AE-8 MAX electrons"),
    "min": ("min", "min", "solar minimum: AP-8 MIN + AE-8 MIN"),
    "max": ("max", "max", "solar maximum: AP-8 MAX + AE-8 MAX"),
}
_EPOCH = "2000-01-01T00:00:00"  # irrelevant for the fixed-epoch field models; fixed anyway
_DATA = ("riskengine", "data/radiation")


class DoseValidityError(RiskEngineError, ValueError):
    """An orbit or shielding outside the dose model's validity (names the value and range)."""


# --------------------------------------------------------------------------- data files
def _data_text(name: str) -> str:
    return (resources.files(_DATA[0]) / _DATA[1] / name).read_text(encoding="utf-8")


def _read_csv(name: str) -> dict[str, np.ndarray]:
    lines = [ln for ln in _data_text(name).splitlines() if ln.strip() and not ln.startswith("#")]
    cols = lines[0].split(",")
    arr = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
    return {c: arr[:, i] for i, c in enumerate(cols)}


@lru_cache(maxsize=1)
def shield_tables() -> core_dose.ShieldTables:
    """The NIST PSTAR / ESTAR / Hubbell-Seltzer tables for Al and Si (package data).

    Examples
    --------
    >>> t = shield_tables()
    >>> float(t.proton_energy_mev[0]), float(t.proton_energy_mev[-1])
    (0.01, 2000.0)
    """
    p = _read_csv("pstar_al_si.csv")
    e = _read_csv("estar_al_si.csv")
    x = _read_csv("xray_mu_al_si.csv")
    return core_dose.ShieldTables(
        proton_energy_mev=p["energy_mev"],
        proton_al_csda_range_g_cm2=p["al_csda_range_g_cm2"],
        proton_si_stopping_mev_cm2_g=p["si_stopping_mev_cm2_g"],
        electron_energy_mev=e["energy_mev"],
        electron_si_collision_mev_cm2_g=e["si_collision_mev_cm2_g"],
        electron_al_radiation_yield=e["al_radiation_yield"],
        photon_energy_mev=x["energy_mev"],
        photon_al_muen_cm2_g=x["al_muen_cm2_g"],
        photon_si_muen_cm2_g=x["si_muen_cm2_g"],
    )


@lru_cache(maxsize=1)
def spe_model() -> core_spe.SPEModel:
    """The solar-particle-event parameters of ``data/radiation/spe_model.toml``.

    Examples
    --------
    >>> m = spe_model()
    >>> round(m.active_year_fraction, 4)
    0.6364
    """
    raw = tomllib.loads(_data_text("spe_model.toml"))
    v = {k: float(d["value"]) for k, d in raw["parameters"].items()}
    return core_spe.SPEModel(**v)


def spe_model_parameters() -> dict:
    """Every SPE parameter with its value, unit and source / assumption (for reports)."""
    return tomllib.loads(_data_text("spe_model.toml"))["parameters"]


# --------------------------------------------------------------------------- orbit
def sample_circular_orbit(altitude_km: float, inclination_deg: float, n: int = GRID, *,
                          rings: bool = True) -> np.ndarray:
    """Earth-fixed positions (km) of the time-uniform grid of a circular orbit.

    ``x = r (cos O cos u - sin O sin u cos i)``, ``y = r (sin O cos u + cos O sin u cos i)``,
    ``z = r sin u sin i`` with ``r = R_eq + h``, mid-point grids of ``n`` values in the
    argument of latitude ``u`` and the node longitude ``O``: ``(n*n, 3)``. With ``rings``
    (default) only ``u`` in (0, pi/2) and (pi, 3 pi/2) is kept, ``(n*n/2, 3)``: ``pi - u``
    lies on the same latitude ring, which the node grid sweeps in the same ``n`` steps, so
    the equally weighted average is the same ring average at half the cost (``n`` a
    multiple of 4).

    Examples
    --------
    >>> xyz = sample_circular_orbit(550.0, 53.0, 4, rings=False)
    >>> xyz.shape, round(float(np.linalg.norm(xyz[0])), 3)
    ((16, 3), 6928.137)
    >>> sample_circular_orbit(550.0, 53.0, 8).shape
    (32, 3)
    """
    g = (np.arange(n) + 0.5) / n * 2 * np.pi
    uu = g
    if rings:
        if n % 4:
            raise ValueError(f"n={n}: the latitude-ring grid needs a multiple of 4")
        uu = g[(g < np.pi / 2) | ((g > np.pi) & (g < 1.5 * np.pi))]
    u, node = (a.ravel() for a in np.meshgrid(uu, g, indexing="ij"))
    i = np.radians(inclination_deg)
    r = WGS84_RE_KM + altitude_km
    x = r * (np.cos(node) * np.cos(u) - np.sin(node) * np.sin(u) * np.cos(i))
    y = r * (np.sin(node) * np.cos(u) + np.cos(node) * np.sin(u) * np.cos(i))
    z = r * np.sin(u) * np.sin(i)
    return np.stack([x, y, z], axis=-1)


#: aep8's compiled IRBEM ufuncs: (particle, solar) -> flux ufunc name, field model -> geomag
_FLUX_UFUNC = {("e", "min"): "flux1", ("e", "max"): "flux2", ("p", "min"): "flux3",
               ("p", "max"): "flux4"}
_GEOMAG_UFUNC = {"min": "geomag3", "max": "geomag4"}


@lru_cache(maxsize=1)
def _irbem():
    """aep8's compiled IRBEM module ``aep8._irbem`` WITHOUT the package's astropy layer.

    ``import aep8`` imports astropy (units, coordinates, time): 0.5-2 s, most of the time of
    a new orbit in ``riskengine dose``. The orbit samples are already Earth-fixed cartesian
    coordinates, so we call the ufuncs that aep8 wraps directly (``geomag3/4(t, x, y, z) ->
    (B/B0, L)`` with x, y, z in IRBEM's unit of 6371.2 km, ``flux1-4(E_MeV, L, B/B0)``; the
    mapping is aep8 1.x's ``aep8._core.models``, checked in ``tests/test_dose.py`` against
    aep8's public API). Falls back to the ordinary import when the extension cannot be
    loaded on its own.
    """
    import importlib.machinery
    import importlib.util
    import sys

    mod = sys.modules.get("aep8._irbem")
    if mod is not None:
        return mod
    try:
        spec = importlib.util.find_spec("aep8")     # locates the package, imports nothing
        folder = Path(next(iter(spec.submodule_search_locations)))
        path = next(p for suffix in importlib.machinery.EXTENSION_SUFFIXES
                    for p in [folder / f"_irbem{suffix}"] if p.is_file())
        loader = importlib.machinery.ExtensionFileLoader("aep8._irbem", str(path))
        ext = importlib.util.spec_from_file_location("aep8._irbem", path, loader=loader)
        mod = importlib.util.module_from_spec(ext)
        loader.exec_module(mod)
        sys.modules["aep8._irbem"] = mod     # a later `import aep8` reuses this module
        return mod
    except (StopIteration, ImportError, AttributeError, TypeError, OSError):
        from aep8 import _irbem as mod       # the package's own import (astropy and all)

        return mod


def _epoch_unix() -> int:
    """Unix seconds of :data:`_EPOCH` (what aep8 hands IRBEM as the date)."""
    import datetime as dt

    t = dt.datetime.fromisoformat(_EPOCH).replace(tzinfo=dt.timezone.utc)
    return int(round(t.timestamp()))


def _geomagnetic_coordinates(xyz_km: np.ndarray, field_model: str):
    """McIlwain L and B/B0 from IRBEM (aep8's ufuncs), positions in IRBEM's unit.

    ``field_model``: ``"min"`` = Jensen & Cain 1960 (AE-8, AP-8 MIN), ``"max"`` = GSFC 12/66
    (AP-8 MAX). IRBEM reads GEO cartesian coordinates in units of 6371.2 km (see the module
    docstring for why aep8's own conversion, by 6378.1 km, is not used).
    """
    geomag = getattr(_irbem(), _GEOMAG_UFUNC[field_model])
    x, y, z = (np.asarray(xyz_km, float).T / RE_IRBEM_KM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bb0, lm = geomag(np.int64(_epoch_unix()), x, y, z)
    return np.asarray(lm, float), np.asarray(bb0, float)


def _integral_flux(lm, bb0, energies, particle: str, solar: str) -> np.ndarray:
    """Orbit-averaged J(>E), cm^-2 s^-1, ``(n_E,)``; NaN (no closed shell) counts as 0."""
    flux = getattr(_irbem(), _FLUX_UFUNC[(particle, solar)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        j = flux(np.asarray(energies, float)[None, :], lm[:, None], bb0[:, None])
    return np.nan_to_num(np.asarray(j, float), nan=0.0).mean(axis=0)


@dataclass(frozen=True)
class OrbitEnvironment:
    """Orbit-averaged trapped spectra and geomagnetic cut-offs of a circular orbit."""

    altitude_km: float
    inclination_deg: float
    solar: str | None
    proton_energy_mev: np.ndarray
    proton_flux: np.ndarray
    electron_energy_mev: np.ndarray
    electron_flux: np.ndarray
    l_shell: np.ndarray
    """McIlwain L (Jensen & Cain 1960 field) at every orbit sample; NaN: no closed shell."""
    models: str
    from_cache: bool = False

    def cutoff_gv(self, coefficient_gv: float = 14.9) -> np.ndarray:
        """Vertical Stormer cut-off ``C / L^2`` (GV) at every sample, 0 on open shells."""
        return core_spe.stormer_cutoff_gv(self.l_shell, coefficient_gv)


def dose_cache_dir() -> Path:
    """Where orbit spectra are cached (:func:`riskengine.settings.dose_cache_dir`:
    ``$RISKENGINE_DOSE_CACHE``, else the user cache)."""
    from riskengine import settings

    return settings.dose_cache_dir()


def _aep8_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aep8")
    except PackageNotFoundError:   # pragma: no cover - it is a dependency
        return "missing"


def _cache_key(altitude_km: float, inclination_deg: float, solar) -> str:
    spec = {"v": DOSE_MODEL_VERSION, "aep8": _aep8_version(), "grid": [GRID, "rings"],
            "h": round(float(altitude_km), 6), "i": round(float(inclination_deg), 6),
            "solar": solar or "standard",
            "ep": [PROTON_ENERGIES_MEV[0], PROTON_ENERGIES_MEV[-1], PROTON_ENERGIES_MEV.size],
            "ee": [ELECTRON_ENERGIES_MEV[0], ELECTRON_ENERGIES_MEV[-1], ELECTRON_ENERGIES_MEV.size]}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:24]


_MEMO: dict[str, OrbitEnvironment] = {}


def orbit_environment(altitude_km: float, inclination_deg: float, solar: str | None = None,
                      *, use_cache: bool = True) -> OrbitEnvironment:
    """Orbit-averaged AE-8/AP-8 spectra and cut-offs, from the cache when it has them.

    A new orbit costs ~0.2-0.5 s per field model (1,152 IRBEM field-line evaluations); a
    cached one a file read (or nothing, in memory).

    Examples
    --------
    >>> env = orbit_environment(550.0, 53.0)          # doctest: +SKIP
    >>> env.proton_flux.shape, env.models              # doctest: +SKIP
    ((61,), 'standard: AP-8 MIN protons + AE-8 MAX electrons')
    """
    if solar not in SOLAR_PHASES:
        raise DoseValidityError(f"solar={solar!r}: use 'min', 'max' or None (standard)")
    key = _cache_key(altitude_km, inclination_deg, solar)
    if use_cache and key in _MEMO:
        return _MEMO[key]
    path = dose_cache_dir() / f"{key}.npz"
    p_solar, e_solar, label = SOLAR_PHASES[solar]
    if use_cache and path.is_file():
        try:
            with np.load(path) as z:
                env = OrbitEnvironment(float(altitude_km), float(inclination_deg), solar,
                                       PROTON_ENERGIES_MEV, z["proton_flux"],
                                       ELECTRON_ENERGIES_MEV, z["electron_flux"],
                                       z["l_shell"], label, from_cache=True)
            _MEMO[key] = env
            return env
        except (OSError, KeyError, ValueError):
            pass  # unreadable or partial file: recompute and overwrite
    xyz = sample_circular_orbit(altitude_km, inclination_deg)
    l_jc, b_jc = _geomagnetic_coordinates(xyz, "min")
    l_p, b_p = _geomagnetic_coordinates(xyz, "max") if p_solar == "max" else (l_jc, b_jc)
    jp = _integral_flux(l_p, b_p, PROTON_ENERGIES_MEV, "p", p_solar)
    je = _integral_flux(l_jc, b_jc, ELECTRON_ENERGIES_MEV, "e", e_solar)
    l_shell = np.where(np.isfinite(l_jc) & (l_jc > 0), l_jc, np.nan)
    env = OrbitEnvironment(float(altitude_km), float(inclination_deg), solar,
                           PROTON_ENERGIES_MEV, jp, ELECTRON_ENERGIES_MEV, je, l_shell, label)
    if use_cache:
        _write_cache(path, env)
        _MEMO[key] = env
    return env


def _write_cache(path: Path, env: OrbitEnvironment) -> None:
    """Atomic write (temp file + rename); a cache that cannot be written is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, proton_flux=env.proton_flux, electron_flux=env.electron_flux,
                 l_shell=env.l_shell)
        os.replace(tmp, path)
    except OSError:
        pass


# --------------------------------------------------------------------------- validity
def _check(altitude_km, inclination_deg, shielding_mm, strict: bool) -> tuple[str, ...]:
    for name, v in (("altitude_km", altitude_km), ("inclination_deg", inclination_deg)):
        if not np.isfinite(v):
            raise DoseValidityError(f"{name}={v!r}: must be a finite number")
    t = np.atleast_1d(np.asarray(shielding_mm, float))
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise DoseValidityError(f"shielding_mm={shielding_mm!r}: must be positive finite "
                                "thicknesses of Al in mm")
    if not VALID_INCLINATION_DEG[0] <= inclination_deg <= VALID_INCLINATION_DEG[1]:
        raise DoseValidityError(f"inclination_deg={inclination_deg:g}: must be between 0 and "
                                "180 deg (retrograde orbits above 90)")
    if altitude_km < 100.0:
        raise DoseValidityError(f"altitude_km={altitude_km:g}: below 100 km there is no orbit")
    problems = []
    lo, hi = VALID_ALTITUDE_KM
    if not lo <= altitude_km <= hi:
        problems.append(f"altitude_km={altitude_km:g} is outside {lo:g}-{hi:g} km")
    lo, hi = VALID_SHIELDING_MM
    bad = t[(t < lo) | (t > hi)]
    if bad.size:
        problems.append(f"shielding_mm={', '.join(f'{b:g}' for b in bad)} is outside "
                        f"{lo:g}-{hi:g} mm Al")
    if problems and strict:
        raise DoseValidityError(
            "; ".join(problems) + ": the dose model (AE-8/AP-8 orbit averages, NIST "
            "straight-ahead kernels) is validated for 300-2,000 km and 0.1-50 mm Al; pass "
            "strict=False (CLI: --extrapolate) to compute anyway with valid=False")
    return tuple(problems)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class DoseResult:
    """Yearly dose behind Al spheres, rad(Si)/yr; arrays are ``(n_t,)`` over ``shielding_mm``.

    ``rad_si_per_year = trapped_protons + trapped_electrons + bremsstrahlung + solar_protons``;
    ``solar_protons`` is the *expected* yearly SPE dose for the phase (heavy-tailed: sample
    years with :func:`spe_inputs` and :func:`riskengine.core.spe.sample_spe_year`).
    ``valid`` is False when an input lies outside the validated domain (only possible with
    ``strict=False``); ``outside_validity`` says which.
    """

    altitude_km: float
    inclination_deg: float
    shielding_mm: np.ndarray
    solar: str | None
    trapped_protons: np.ndarray
    trapped_electrons: np.ndarray
    bremsstrahlung: np.ndarray
    solar_protons: np.ndarray
    spe_event_1972_rad: np.ndarray
    valid: bool
    outside_validity: tuple[str, ...] = ()
    models: dict = field(default_factory=dict)

    @property
    def rad_si_per_year(self) -> np.ndarray:
        """Total yearly dose, rad(Si)/yr."""
        return self.trapped_protons + self.trapped_electrons + self.bremsstrahlung \
            + self.solar_protons

    @property
    def trapped(self) -> np.ndarray:
        """Trapped-particle part (protons + electrons + bremsstrahlung), rad(Si)/yr."""
        return self.trapped_protons + self.trapped_electrons + self.bremsstrahlung

    def to_dict(self, index: int | None = None) -> dict:
        """JSON-ready dict; with ``index`` the values of one thickness as plain floats."""
        def pick(a):
            a = np.asarray(a, float)
            return float(a[index]) if index is not None else a.tolist()

        return {
            "altitude_km": self.altitude_km, "inclination_deg": self.inclination_deg,
            "shielding_mm": pick(self.shielding_mm), "solar": self.solar or "standard",
            "rad_si_per_year": pick(self.rad_si_per_year),
            "trapped_protons": pick(self.trapped_protons),
            "trapped_electrons": pick(self.trapped_electrons),
            "bremsstrahlung": pick(self.bremsstrahlung),
            "solar_protons": pick(self.solar_protons),
            "spe_event_1972_rad": pick(self.spe_event_1972_rad),
            "valid": self.valid, "outside_validity": list(self.outside_validity),
            "models": self.models,
        }


def dose_rate(altitude_km: float, inclination_deg: float, shielding_mm, *,
              solar: str | None = None, strict: bool = True) -> DoseResult:
    """Yearly total ionising dose in rad(Si) behind solid Al spheres on a circular orbit.

    Parameters
    ----------
    altitude_km : circular-orbit altitude above the equatorial radius (300-2,000 km).
    inclination_deg : 0-180 deg.
    shielding_mm : one thickness or a 1-D array of Al sphere radii (0.1-50 mm).
    solar : None (standard: AP-8 MIN + AE-8 MAX, SPE of a solar-active year), ``"min"``
        (AP-8 MIN + AE-8 MIN, no SPE: the ESP/ECSS models put no events in solar-minimum
        years) or ``"max"`` (AP-8 MAX + AE-8 MAX, SPE of an active year).
    strict : raise :class:`DoseValidityError` outside the validity domain (default);
        ``False`` computes anyway and returns ``valid=False`` with the reasons.

    Returns
    -------
    DoseResult

    Examples
    --------
    >>> r = dose_rate(550.0, 53.0, [3.0, 10.0])          # doctest: +SKIP
    >>> r.rad_si_per_year.round(-1), r.valid             # doctest: +SKIP
    (array([770., 120.]), True)
    """
    altitude_km, inclination_deg = float(altitude_km), float(inclination_deg)
    problems = _check(altitude_km, inclination_deg, shielding_mm, strict)
    t = np.atleast_1d(np.asarray(shielding_mm, float))
    env = orbit_environment(altitude_km, inclination_deg, solar)
    tables = shield_tables()
    d = core_dose.trapped_dose_per_year(env.proton_energy_mev, env.proton_flux,
                                        env.electron_energy_mev, env.electron_flux, t, tables)
    model = spe_model()
    k = core_spe.dose_per_unit_fluence(env.cutoff_gv(model.cutoff_coefficient_gv), t, tables,
                                       e0_mev=model.spectrum_e0_mev)
    spe = core_spe.mean_annual_dose(model, k, active=(solar != "min"))
    return DoseResult(
        altitude_km=altitude_km, inclination_deg=inclination_deg, shielding_mm=t, solar=solar,
        trapped_protons=d.trapped_protons, trapped_electrons=d.trapped_electrons,
        bremsstrahlung=d.bremsstrahlung, solar_protons=spe,
        spe_event_1972_rad=k * model.king_1972_fluence_gt30,
        valid=not problems, outside_validity=problems,
        models={"trapped": env.models, "grid": f"{GRID // 2}x{GRID} latitude rings",
                "solar_protons": "expected yearly dose, JPL-form events (spe_model.toml), "
                                 + ("quiet year" if solar == "min" else "solar-active year"),
                "geometry": "centre of solid Al spheres, Si target",
                "version": DOSE_MODEL_VERSION, "aep8": _aep8_version()},
    )


def dose_rate_batch(altitude_km, inclination_deg, shielding_mm, *, solar: str | None = None,
                    strict: bool = True) -> dict:
    """:func:`dose_rate` for many orbits at once (a fleet's distinct shells).

    Parameters
    ----------
    altitude_km, inclination_deg : (n_orbits,) arrays (or scalars, broadcast).
    shielding_mm : (n_t,) thicknesses shared by all orbits.
    solar, strict : as in :func:`dose_rate`; with ``strict=False`` every orbit is computed and
        ``valid`` / ``outside_validity`` say which are extrapolated.

    Returns
    -------
    dict with ``(n_orbits, n_t)`` arrays ``rad_si_per_year``, ``trapped_protons``,
    ``trapped_electrons``, ``bremsstrahlung``, ``solar_protons``, ``spe_event_1972_rad``,
    ``(n_orbits,)`` ``valid`` and a list ``outside_validity`` of tuples, plus the inputs.
    The dose kernels run once over the stacked orbit spectra.

    Examples
    --------
    >>> b = dose_rate_batch([550.0, 650.0], [53.0, 97.98], [3.0, 10.0])   # doctest: +SKIP
    >>> b["rad_si_per_year"].shape                                        # doctest: +SKIP
    (2, 2)
    """
    alt, inc = np.broadcast_arrays(np.atleast_1d(np.asarray(altitude_km, float)),
                                   np.atleast_1d(np.asarray(inclination_deg, float)))
    t = np.atleast_1d(np.asarray(shielding_mm, float))
    problems = [_check(float(a), float(i), t, strict) for a, i in zip(alt, inc)]
    envs = [orbit_environment(float(a), float(i), solar) for a, i in zip(alt, inc)]
    tables = shield_tables()
    d = core_dose.trapped_dose_per_year(
        PROTON_ENERGIES_MEV, np.stack([e.proton_flux for e in envs]),
        ELECTRON_ENERGIES_MEV, np.stack([e.electron_flux for e in envs]), t, tables)
    model = spe_model()
    k = np.stack([core_spe.dose_per_unit_fluence(e.cutoff_gv(model.cutoff_coefficient_gv), t,
                                                 tables, e0_mev=model.spectrum_e0_mev)
                  for e in envs])
    spe = model.mean_annual_fluence(solar != "min") * k
    total = d.trapped_protons + d.trapped_electrons + d.bremsstrahlung + spe
    return {"altitude_km": alt, "inclination_deg": inc, "shielding_mm": t,
            "solar": solar or "standard", "rad_si_per_year": total,
            "trapped_protons": d.trapped_protons, "trapped_electrons": d.trapped_electrons,
            "bremsstrahlung": d.bremsstrahlung, "solar_protons": spe,
            "spe_event_1972_rad": k * model.king_1972_fluence_gt30,
            "valid": np.array([not p for p in problems]), "outside_validity": problems}


def geomagnetic_transmission(altitude_km: float, inclination_deg: float, energy_mev, *,
                             cutoff_scale: float = 1.0) -> np.ndarray:
    """Share of a circular orbit's time where solar protons of energy E arrive (quiet Stormer
    cut-off; ``cutoff_scale=0.75`` as a storm sensitivity), ``(n_E,)``.

    Examples
    --------
    >>> geomagnetic_transmission(550.0, 53.0, [10.0, 30.0])             # doctest: +SKIP
    array([0., 0.])
    """
    env = orbit_environment(float(altitude_km), float(inclination_deg))
    return core_spe.geomagnetic_transmission(env.cutoff_gv(spe_model().cutoff_coefficient_gv),
                                             energy_mev, cutoff_scale=cutoff_scale)


# --------------------------------------------------------------------------- SPE
def spe_inputs(altitude_km: float, inclination_deg: float, shielding_mm,
               *, cutoff_scale: float = 1.0):
    """The SPE model and the orbit's dose per proton/cm^2 (>30 MeV) behind each thickness.

    Feed both to :func:`riskengine.core.spe.sample_spe_year`.

    Examples
    --------
    >>> import numpy as np
    >>> from riskengine.core.spe import sample_spe_year
    >>> m, k = spe_inputs(650.0, 97.98, [3.0, 10.0])                       # doctest: +SKIP
    >>> s = sample_spe_year(np.random.default_rng(1), 10_000, m, k)        # doctest: +SKIP
    """
    env = orbit_environment(float(altitude_km), float(inclination_deg))
    model = spe_model()
    k = core_spe.dose_per_unit_fluence(env.cutoff_gv(model.cutoff_coefficient_gv),
                                       shielding_mm, shield_tables(),
                                       e0_mev=model.spectrum_e0_mev, cutoff_scale=cutoff_scale)
    return model, k


def spe_event_dose(fluence_scale, inclination_deg: float, altitude_km: float, shield_mm, *,
                   cutoff_scale: float = 1.0) -> np.ndarray:
    """Dose (rad(Si)) of one solar particle event behind Al spheres, ``(..., n_t)``.

    ``fluence_scale`` is the event's F(>30 MeV) in units of the August 1972 event (King
    1974: ``F(>E) = 7.9e9 exp((30 - E)/26.5)`` cm^-2, F(>30 MeV) = 7.9e9); the spectrum
    keeps King's shape. Geomagnetic transmission by the orbit's Stormer cut-offs (quiet;
    ``cutoff_scale=0.75`` as a storm sensitivity).

    Examples
    --------
    >>> spe_event_dose(1.0, 98.8, 825.0, [1, 3, 5, 10]).round(-1)      # doctest: +SKIP
    array([1010., 610., 440., 230.])
    """
    _, k = spe_inputs(altitude_km, inclination_deg, shield_mm, cutoff_scale=cutoff_scale)
    scale = np.asarray(fluence_scale, float)[..., None]
    return scale * spe_model().king_1972_fluence_gt30 * k
