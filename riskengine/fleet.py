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
from riskengine.core.constants import WGS84_RE_KM as R_EARTH_FLUX_KM

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
    lift = plane_lift_km(planes, altitude_spread_km)[j]
    a = RE_KM + altitude_km + lift
    nb = np.sqrt(MU_KM3_S2 / a**3) * 60.0  # rad/min
    nk = kozai_mean_motion(nb, eccentricity, np.radians(inclination_deg))
    return {
        "mean_motion": np.broadcast_to(nk * 1440.0 / (2 * np.pi), (t,)).astype(float),
        "eccentricity": np.full(t, float(eccentricity)),
        "inclination_deg": np.full(t, float(inclination_deg)),
        "raan_deg": raan, "arg_perigee_deg": np.zeros(t), "mean_anomaly_deg": ma,
    }


def plane_lift_km(planes: int, altitude_spread_km: float) -> np.ndarray:
    """Altitude of each plane of a Walker shell above its nominal altitude (km): the planes
    spread evenly over ``altitude_spread_km``, plane 0 lowest.

    Examples
    --------
    >>> plane_lift_km(4, 1.0).tolist()
    [-0.375, -0.125, 0.125, 0.375]
    """
    j = np.arange(planes)
    return altitude_spread_km * ((j + 0.5) / planes - 0.5) if planes > 1 else np.zeros(planes)


def _walker_catalog(g, gi: int, epoch: np.datetime64, where: str):
    from riskengine.catalog.model import _ARRAYS, Catalog, empty_catalog

    _check_walker(g, where)
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


@dataclass
class ResolvedFleet:
    """The insured fleet resolved once: which satellites each ``[[fleet]]`` group holds.

    Screening (:meth:`screening_fleet`: SGP4 element sets), the hazards stage
    (:meth:`orbits`: distinct orbits) and the loss engine (:meth:`satellite_arrays`: one
    entry per satellite) all read this one object, built by :func:`resolve_fleet`.

    Attributes
    ----------
    groups : list of riskengine.config.FleetGroup
    members : list of riskengine.catalog.Catalog or None
        The element sets of each group (``None`` for a Walker shell, whose elements are
        synthesised on demand).
    source : str
        The config file, for messages.
    """

    groups: list
    members: list
    source: str = "<config>"

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.groups]

    @property
    def counts(self) -> np.ndarray:
        """Satellites per group."""
        return np.array([g.count if m is None else len(m) for g, m in
                         zip(self.groups, self.members)], np.int64)

    @property
    def n_satellites(self) -> int:
        return int(self.counts.sum())

    def __len__(self) -> int:
        return self.n_satellites

    # ------------------------------------------------------------------ loss engine
    def satellite_group(self) -> np.ndarray:
        """Group index of every satellite (groups in config order)."""
        return np.repeat(np.arange(len(self.groups)), self.counts)

    @property
    def satellite_altitude_km(self) -> np.ndarray:
        """Mean altitude of every satellite, km (a Walker shell's nominal altitude; an
        element set's mean semi-major axis above the WGS-72 radius)."""
        out = [np.full(g.count, float(g.altitude_km)) if m is None
               else np.asarray(m.semi_major_axis_km, float) - RE_KM
               for g, m in zip(self.groups, self.members)]
        return np.concatenate(out) if out else np.zeros(0)

    def satellite_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(sum_insured, group index, altitude km)`` per satellite: the engine's fleet."""
        si = np.repeat([float(g.sum_insured) for g in self.groups], self.counts) \
            if self.groups else np.zeros(0)
        return si.astype(float), self.satellite_group().astype(np.int64), \
            self.satellite_altitude_km

    def group_orbits(self) -> dict[str, tuple[float, float]]:
        """``{group: (mean altitude km, mean inclination deg)}``, satellite-weighted."""
        orb = self.orbits()
        out = {}
        for name in self.names:
            m = np.array([g == name for g in orb.group])
            if not m.any():
                continue
            w = orb.count[m].astype(float)
            out[name] = (float(np.average(orb.alt_km[m], weights=w)),
                         float(np.average(orb.inc_deg[m], weights=w)))
        return out

    # ------------------------------------------------------------------ hazards
    def orbits(self):
        """Distinct orbits (:class:`riskengine.core.flux.FleetOrbits`): one row per Walker
        shell (all its satellites share (a, e, i)), one per element-set satellite."""
        from riskengine.core.flux import FleetOrbits

        rows: dict[str, list] = {k: [] for k in FleetOrbits.__dataclass_fields__}
        for g, m in zip(self.groups, self.members):
            if m is None:
                sub = dict(a_km=[R_EARTH_FLUX_KM + g.altitude_km], e=[g.eccentricity],
                           inc_deg=[g.inclination_deg], count=[g.count], satellite_id=[-1],
                           norad_id=[-1])
            else:
                n = len(m)
                sub = dict(a_km=list(m.semi_major_axis_km), e=list(m.eccentricity),
                           inc_deg=list(m.inclination_deg), count=[1] * n,
                           satellite_id=list(range(n)), norad_id=list(np.asarray(m.norad_id)))
            n = len(sub["a_km"])
            for k, v in sub.items():
                rows[k].extend(v)
            rows["group"].extend([g.name] * n)
            rows["radius_m"].extend([float(np.sqrt(g.area_m2 / np.pi))] * n)
            rows["mass_kg"].extend([g.mass_kg] * n)
            rows["shielding_mm"].extend([g.shielding_mm_al] * n)
            rows["spread_km"].extend([float(g.altitude_spread_km)] * n)
        ints = ("satellite_id", "norad_id", "count")
        return FleetOrbits(rows["group"], *[np.asarray(rows[k], dtype=np.int64 if k in ints
                                                       else float)
                                            for k in list(FleetOrbits.__dataclass_fields__)[1:]])

    def shell_elements(self, name: str) -> dict | None:
        """Circular elements of every satellite of the Walker group ``name`` (the shell's
        geometry for :func:`riskengine.core.shellgeometry.shell_close_approaches`):
        ``raan_deg``, ``arglat_deg``, ``inc_deg``, ``alt_km``, ``plane`` (arrays), the same
        slots as the screened element sets; ``None`` for an element-set group.

        Examples
        --------
        >>> from riskengine.config import parse_portfolio
        >>> p = parse_portfolio({"fleet": [{"name": "dc", "altitude_km": 550,
        ...     "inclination_deg": 53, "planes": 2, "per_plane": 2, "phasing": 1,
        ...     "altitude_spread_km": 1.0, "sum_insured": 1e7}]})
        >>> e = resolve_fleet(p).shell_elements("dc")
        >>> e["raan_deg"].tolist(), e["arglat_deg"].tolist(), e["alt_km"].tolist()
        ([0.0, 0.0, 180.0, 180.0], [0.0, 180.0, 90.0, 270.0], [549.75, 549.75, 550.25, 550.25])
        """
        g = self.groups[self.names.index(name)]
        if not g.is_walker:
            return None
        el = walker_elements(g.altitude_km, g.inclination_deg, g.planes, g.per_plane, g.phasing,
                             g.eccentricity, g.raan0_deg, g.altitude_spread_km)
        plane = np.repeat(np.arange(g.planes), g.per_plane)
        return {"raan_deg": el["raan_deg"],
                "arglat_deg": np.mod(el["arg_perigee_deg"] + el["mean_anomaly_deg"], 360.0),
                "inc_deg": el["inclination_deg"],
                "alt_km": g.altitude_km + plane_lift_km(g.planes, g.altitude_spread_km)[plane],
                "plane": plane}

    # ------------------------------------------------------------------ screening
    def screening_fleet(self, epoch) -> Fleet:
        """Every satellite as an SGP4 element set (Walker shells synthesised at ``epoch``
        unless the group has its own ``epoch``)."""
        from riskengine.catalog import Catalog

        parts, groups, si, area, mass = [], [], [], [], []
        for gi, (g, m) in enumerate(zip(self.groups, self.members)):
            if m is None:
                ep = np.datetime64(g.epoch.replace(tzinfo=None), "us") if g.epoch else epoch
                m = _walker_catalog(g, gi, ep, f"{self.source}: fleet[{gi}]")
            n = len(m)
            parts.append(m)
            groups.append(np.full(n, g.name, object))
            si.append(np.full(n, g.sum_insured))
            area.append(np.full(n, g.area_m2))
            mass.append(np.full(n, g.mass_kg))
        if not parts:
            raise ConfigError(f"{self.source}: no [[fleet]] group to screen")
        cat = Catalog.concat(parts)
        cat.hard_body_radius_m = np.sqrt(np.concatenate(area) / np.pi)
        return Fleet(catalog=cat, group=np.concatenate(groups), sum_insured=np.concatenate(si),
                     area_m2=np.concatenate(area), mass_kg=np.concatenate(mass))

    def fingerprint(self) -> str:
        """SHA-256 of what the fleet is: the groups' definitions and their element sets
        (a screening or hazards run is reused only for the same fleet)."""
        import hashlib
        import json

        h = hashlib.sha256()
        for g, m in zip(self.groups, self.members):
            h.update(json.dumps(g.model_dump(mode="json"), sort_keys=True).encode())
            if m is not None:
                for arr in (m.norad_id, m.epoch, m.mean_motion, m.eccentricity,
                            m.inclination_deg, m.raan_deg, m.mean_anomaly_deg):
                    h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()


def resolve_fleet(portfolio, catalog=None) -> ResolvedFleet:
    """Resolve every ``[[fleet]]`` group of ``portfolio`` to its satellites, once.

    Walker shells are kept as their definition; ``elements`` groups read their file
    (TLE, 3LE or OMM; relative paths are relative to the config file); ``norad_ids``
    groups take their element sets from ``catalog``.

    Raises
    ------
    ConfigError
        Naming ``fleet[i].key``: impossible orbits, unreadable or empty element files,
        ids missing from the catalog (or no catalog for a ``norad_ids`` group), a
        satellite in two groups.

    Examples
    --------
    >>> from riskengine.config import parse_portfolio
    >>> p = parse_portfolio({"fleet": [{"name": "dc", "altitude_km": 550,
    ...     "inclination_deg": 53, "planes": 2, "per_plane": 3, "sum_insured": 1e7}]})
    >>> f = resolve_fleet(p)
    >>> f.n_satellites, f.group_orbits()["dc"][1]
    (6, 53.0)
    """
    from riskengine.catalog import read_catalog
    from riskengine.errors import CatalogError

    src = portfolio.source_path or "<config>"
    members = []
    for gi, g in enumerate(portfolio.fleet):
        where = f"{src}: fleet[{gi}]"
        if g.is_walker:
            _check_walker(g, where)
            members.append(None)
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
            members.append(cat)
        else:
            if catalog is None:
                raise ConfigError(f"{where}.norad_ids: needs a catalog to take elements from: "
                                  "load one (`riskengine catalog load FILE`) or set "
                                  "RISKENGINE_CATALOG")
            ids = np.asarray(g.norad_ids, np.int64)
            missing = ids[~np.isin(ids, catalog.norad_id)]
            if len(missing):
                raise ConfigError(f"{where}.norad_ids: {missing[:10].tolist()} not in the "
                                  "catalog; load a catalog that has them or give an elements "
                                  "file")
            order = np.argsort(catalog.norad_id)
            idx = order[np.searchsorted(catalog.norad_id[order], ids)]
            members.append(catalog.subset(idx))
    ids = [np.asarray(m.norad_id) for m in members if m is not None]
    if ids:
        u, c = np.unique(np.concatenate(ids), return_counts=True)
        if (c > 1).any():
            raise ConfigError(f"{src}: satellite ids {u[c > 1][:10].tolist()} appear more than "
                              "once in the fleet; insure each satellite once")
    return ResolvedFleet(list(portfolio.fleet), members, src)


def _check_walker(g, where: str) -> None:
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


def build_fleet(portfolio, epoch, catalog=None) -> Fleet:
    """Every satellite of ``portfolio`` as an SGP4 element set (for screening).

    Shorthand for ``resolve_fleet(portfolio, catalog).screening_fleet(epoch)``.

    Examples
    --------
    >>> from riskengine.config import parse_portfolio
    >>> p = parse_portfolio({"fleet": [{"name": "dc", "altitude_km": 550,
    ...     "inclination_deg": 53, "planes": 2, "per_plane": 3, "sum_insured": 1e7}]})
    >>> f = build_fleet(p, np.datetime64("2023-10-01"))
    >>> len(f), f.sat_id[:2].tolist()
    (6, [900000000, 900000001])
    """
    return resolve_fleet(portfolio, catalog).screening_fleet(epoch)
