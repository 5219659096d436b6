"""The insured fleet: Walker-delta shells and element-set groups turned into SGP4 objects.

A Walker-delta shell ``i: t/p/f`` (``inclination_deg``: ``planes * per_plane`` /
``planes`` / ``phasing``) puts plane ``j`` at RAAN ``raan0 + 360 j / p`` and satellite
``k`` of that plane at mean anomaly ``360 k / s + 360 f j / t`` (``s = per_plane``),
argument of perigee 0 (Walker 1984, J. Br. Interplanet. Soc. 37, 559).

**Mean motion.** ``altitude_km`` is the *mean* altitude above the WGS-72 equatorial
radius (6378.135 km, the radius SGP4 itself uses), i.e. SGP4's Brouwer mean semi-major
axis ``a = 6378.135 + altitude_km``. SGP4 takes the *Kozai* mean motion (what a TLE
carries) and converts it to Brouwer's inside ``sgp4init``; we invert that conversion
(Hoots & Roehrich 1980, Spacetrack Report #3, eqs. for ``a1``, ``delta1``, ``a0``,
``delta0``) by fixed-point iteration, so that the satellite's SGP4 ``no_unkozai`` is
exactly ``sqrt(mu / a^3)`` (to 1e-13 relative). Using ``sqrt(mu/a^3)`` directly as the
Kozai value would place a 53° shell ~0.5 km off its nominal altitude. Walker satellites
carry ``bstar = 0`` (station-kept: no drag decay).

Walker satellites get synthetic ids ``900_000_000 + 1_000_000 * group_index + k``
(never a real NORAD id); groups read from a TLE/3LE/OMM file or given by ``norad_ids``
keep their NORAD ids (and are therefore never screened against themselves in the catalog).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from riskengine.errors import ConfigError

# WGS-72, the constants SGP4 uses (sgp4.earth_gravity.wgs72; Vallado et al. 2006)
from riskengine.core.constants import WGS72_J2 as J2
from riskengine.core.constants import WGS72_MU_KM3_S2 as MU_KM3_S2
from riskengine.core.constants import WGS72_RE_KM as RE_KM
from riskengine.core.constants import WGS72_XKE as XKE

MIN_PERIGEE_KM = 150.0

SYNTHETIC_ID_BASE = 900_000_000
SYNTHETIC_ID_GROUP_STRIDE = 1_000_000


def kozai_mean_motion(n_brouwer_rad_min, eccentricity, inclination_rad, iterations: int = 8):
    """Kozai mean motion (rad/min) whose SGP4 ``no_unkozai`` is ``n_brouwer_rad_min``.

    Inverts the conversion in SGP4's initialisation (Spacetrack Report #3):
    ``a1 = (xke / n_k)^(2/3)``, ``d1 = 1.5 J2 (3 cos^2 i - 1) / (a1^2 (1 - e^2)^1.5)``,
    ``a0 = a1 (1 - d1/3 - d1^2 - 134/81 d1^3)``, ``d0 = d1 a1^2 / a0^2``,
    ``n_b = n_k / (1 + d0)``.

    Examples
    --------
    >>> from sgp4.api import Satrec, WGS72
    >>> nb = np.sqrt(MU_KM3_S2 / (RE_KM + 550.0) ** 3) * 60.0
    >>> nk = kozai_mean_motion(nb, 0.0, np.radians(53.0))
    >>> s = Satrec()
    >>> s.sgp4init(WGS72, "i", 0, 25000.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    ...            np.radians(53.0), 0.0, float(nk), 0.0)
    >>> bool(abs(s.a * RE_KM - (RE_KM + 550.0)) < 1e-9)   # SGP4's mean a, km
    True
    """
    nb = np.asarray(n_brouwer_rad_min, float)
    e = np.asarray(eccentricity, float)
    cosi = np.cos(np.asarray(inclination_rad, float))
    k = 0.75 * J2 * (3 * cosi**2 - 1) / (1 - e**2) ** 1.5  # d1 * a1^2 (earth radii)
    nk = nb.copy()
    for _ in range(iterations):
        a1 = (XKE / nk) ** (2.0 / 3.0)
        d1 = k / a1**2
        a0 = a1 * (1 - d1 / 3 - d1**2 - 134.0 / 81.0 * d1**3)
        d0 = k / a0**2
        nk = nb * (1 + d0)
    return nk


@dataclass
class Fleet:
    """The insured satellites: one entry per satellite.

    Attributes
    ----------
    catalog : riskengine.catalog.Catalog
        Their element sets (``norad_id`` is the satellite id; Walker ones are synthetic).
    group : ndarray of str
        Fleet group name per satellite.
    sum_insured, area_m2, mass_kg : ndarray of float
        Per-satellite insurance attributes from the group.
    """

    catalog: object
    group: np.ndarray
    sum_insured: np.ndarray
    area_m2: np.ndarray
    mass_kg: np.ndarray

    def __len__(self) -> int:
        return len(self.group)

    @property
    def sat_id(self) -> np.ndarray:
        return self.catalog.norad_id

    @property
    def hard_body_radius_m(self) -> np.ndarray:
        """Radius of a sphere with the group's cross-section: ``sqrt(area / pi)``."""
        return np.sqrt(self.area_m2 / np.pi)

    def table(self) -> dict[str, np.ndarray]:
        """Columns of the ``fleet`` table (without run_id)."""
        c = self.catalog
        line1 = np.array([x if isinstance(x, str) and x else None for x in c.line1], object)
        line2 = np.array([x if isinstance(x, str) and x else None for x in c.line2], object)
        return {
            "fleet_group": self.group.astype(object), "satellite_id": c.norad_id,
            "name": c.name.astype(object),
            "epoch": c.epoch, "mean_motion_rev_day": c.mean_motion,
            "eccentricity": c.eccentricity, "inclination_deg": c.inclination_deg,
            "raan_deg": c.raan_deg, "arg_perigee_deg": c.arg_perigee_deg,
            "mean_anomaly_deg": c.mean_anomaly_deg, "bstar": c.bstar,
            "perigee_alt_km": c.perigee_alt_km, "apogee_alt_km": c.apogee_alt_km,
            "line1": line1, "line2": line2,
            "sum_insured": self.sum_insured, "area_m2": self.area_m2, "mass_kg": self.mass_kg,
            "hard_body_radius_m": self.hard_body_radius_m,
        }


def walker_elements(altitude_km: float, inclination_deg: float, planes: int, per_plane: int,
                    phasing: int = 0, eccentricity: float = 0.0, raan0_deg: float = 0.0,
                    altitude_spread_km: float = 0.0):
    """Mean elements of a Walker-delta shell (degrees; mean motion Kozai, rev/day).

    Returns a dict of arrays of length ``planes * per_plane``, plane-major. With
    ``altitude_spread_km`` the planes' mean altitudes are spread evenly over that band,
    centred on ``altitude_km`` (plane 0 lowest), so crossing planes pass at different heights.

    Examples
    --------
    >>> el = walker_elements(550, 53, 4, 3, phasing=1)
    >>> el["raan_deg"][:4].tolist(), el["mean_anomaly_deg"][3:6].tolist()
    ([0.0, 0.0, 0.0, 90.0], [30.0, 150.0, 270.0])
    >>> round(float(el["mean_motion"][0]), 4)
    15.0558
    >>> el = walker_elements(550, 53, 3, 1, altitude_spread_km=1.0)
    >>> bool(el["mean_motion"][0] > el["mean_motion"][1] > el["mean_motion"][2])
    True
    """
    t = planes * per_plane
    j = np.repeat(np.arange(planes), per_plane)
    k = np.tile(np.arange(per_plane), planes)
    raan = np.mod(raan0_deg + 360.0 * j / planes, 360.0)
    ma = np.mod(360.0 * k / per_plane + 360.0 * phasing * j / t, 360.0)
    lift = (altitude_spread_km * ((j + 0.5) / planes - 0.5)) if planes > 1 else np.zeros(t)
    a = RE_KM + altitude_km + lift
    nb = np.sqrt(MU_KM3_S2 / a**3) * 60.0  # rad/min
    nk = kozai_mean_motion(nb, eccentricity, np.radians(inclination_deg))
    return {
        "mean_motion": np.broadcast_to(nk * 1440.0 / (2 * np.pi), (t,)).astype(float),
        "eccentricity": np.full(t, float(eccentricity)),
        "inclination_deg": np.full(t, float(inclination_deg)),
        "raan_deg": raan, "arg_perigee_deg": np.zeros(t), "mean_anomaly_deg": ma,
    }


def _walker_catalog(g, gi: int, epoch: np.datetime64, where: str):
    from riskengine.catalog.model import _ARRAYS, Catalog, empty_catalog

    a = RE_KM + g.altitude_km
    perigee = a * (1 - g.eccentricity) - RE_KM
    if perigee < MIN_PERIGEE_KM:
        raise ConfigError(f"{where}.eccentricity: perigee altitude {perigee:.1f} km (altitude_km "
                          f"{g.altitude_km}, eccentricity {g.eccentricity}) is below "
                          f"{MIN_PERIGEE_KM:.0f} km, where an orbit decays within days; lower "
                          "the eccentricity or raise altitude_km")
    if g.count > SYNTHETIC_ID_GROUP_STRIDE:
        raise ConfigError(f"{where}: {g.count} satellites in one shell; at most "
                          f"{SYNTHETIC_ID_GROUP_STRIDE:,} (split planes x per_plane over groups)")
    el = walker_elements(g.altitude_km, g.inclination_deg, g.planes, g.per_plane, g.phasing,
                         g.eccentricity, g.raan0_deg, g.altitude_spread_km)
    n = g.count
    base = empty_catalog()
    kw = {}
    for name in _ARRAYS:
        proto = getattr(base, name)
        kw[name] = np.zeros(n, proto.dtype) if proto.dtype != object else np.full(n, "", object)
    kw.update(el)
    ids = SYNTHETIC_ID_BASE + SYNTHETIC_ID_GROUP_STRIDE * gi + np.arange(n)
    kw["norad_id"] = ids.astype(np.int64)
    kw["name"] = np.array([f"{g.name}-P{j:02d}-S{k:02d}" for j in range(g.planes)
                           for k in range(g.per_plane)], object)
    kw["object_class"] = np.full(n, "PAYLOAD", object)
    kw["class_source"] = np.full(n, "walker", object)
    kw["epoch"] = np.full(n, np.datetime64(epoch, "us"))
    kw["hard_body_radius_m"] = np.full(n, float(np.sqrt(g.area_m2 / np.pi)))
    kw["source_file"] = np.full(n, f"walker:{g.name}", object)
    return Catalog(**kw)


def build_fleet(portfolio, epoch, catalog=None) -> Fleet:
    """Satellites of every ``[[fleet]]`` group.

    Parameters
    ----------
    portfolio : riskengine.config.Portfolio
    epoch : datetime64
        Element epoch for Walker shells without their own ``epoch`` (use the screening
        window start so the synthetic elements are fresh).
    catalog : Catalog, optional
        Needed for ``norad_ids`` groups (their element sets come from it).

    Raises
    ------
    ConfigError
        Naming ``fleet[i].key`` for impossible orbits, unreadable element files or ids
        missing from the catalog.

    Examples
    --------
    >>> from riskengine.config import parse_portfolio
    >>> p = parse_portfolio({"fleet": [{"name": "dc", "altitude_km": 550,
    ...     "inclination_deg": 53, "planes": 2, "per_plane": 3, "sum_insured": 1e7}]})
    >>> f = build_fleet(p, np.datetime64("2023-10-01"))
    >>> len(f), f.sat_id[:2].tolist()
    (6, [900000000, 900000001])
    """
    from riskengine.catalog import Catalog, read_catalog
    from riskengine.errors import CatalogError

    parts, groups, si, area, mass = [], [], [], [], []
    for gi, g in enumerate(portfolio.fleet):
        where = f"{portfolio.source_path or '<config>'}: fleet[{gi}]"
        if g.is_walker:
            ep = np.datetime64(g.epoch.replace(tzinfo=None), "us") if g.epoch else epoch
            cat = _walker_catalog(g, gi, ep, where)
        elif g.elements is not None:
            if not Path(g.elements).exists():
                raise ConfigError(f"{where}.elements: file {g.elements!r} not found (paths are "
                                  "relative to the config file)")
            try:
                cat = read_catalog([g.elements])
            except CatalogError as exc:
                raise ConfigError(f"{where}.elements: {exc}") from None
            if len(cat) == 0:
                raise ConfigError(f"{where}.elements: {g.elements!r} holds no element sets")
        else:
            if catalog is None:
                raise ConfigError(f"{where}.norad_ids: needs a catalog to take elements from")
            ids = np.asarray(g.norad_ids, np.int64)
            missing = ids[~np.isin(ids, catalog.norad_id)]
            if len(missing):
                raise ConfigError(f"{where}.norad_ids: {missing[:10].tolist()} not in the "
                                  "catalog; load a catalog that has them or give an elements "
                                  "file")
            order = np.argsort(catalog.norad_id)
            idx = order[np.searchsorted(catalog.norad_id[order], ids)]
            cat = catalog.subset(idx)
        n = len(cat)
        parts.append(cat)
        groups.append(np.full(n, g.name, object))
        si.append(np.full(n, g.sum_insured))
        area.append(np.full(n, g.area_m2))
        mass.append(np.full(n, g.mass_kg))
    if not parts:
        raise ConfigError(f"{portfolio.source_path or '<config>'}: no [[fleet]] group to screen")
    cat = Catalog.concat(parts)
    cat.hard_body_radius_m = np.sqrt(np.concatenate(area) / np.pi)
    dup = np.unique(cat.norad_id, return_counts=True)
    if (dup[1] > 1).any():
        raise ConfigError(f"{portfolio.source_path or '<config>'}: satellite ids "
                          f"{dup[0][dup[1] > 1][:10].tolist()} appear in more than one fleet "
                          "group; insure each satellite once")
    return Fleet(catalog=cat, group=np.concatenate(groups), sum_insured=np.concatenate(si),
                 area_m2=np.concatenate(area), mass_kg=np.concatenate(mass))
