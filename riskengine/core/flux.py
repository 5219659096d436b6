"""Long-term collision flux from a catalog: Kessler spatial density x relative velocity x area.

The classic method (Kessler 1981, "Derivation of the collision probability between orbiting
objects: the lifetimes of Jupiter's outer moons", Icarus 48, 39-48; used in NASA ORDEM and
ESA MASTER "spatial density" outputs): every object is spread over the region its orbit
sweeps, with the fraction of time it spends at each radius and latitude, assuming the
argument of perigee and the node precess uniformly (so radius and latitude are independent
and longitude is uniform).

* **Radius** (Keplerian, eccentric orbit, Kepler's equation): with ``r = a (1 - e cos E)``
  and mean anomaly ``M = E - e sin E``, the fraction of time below radius ``R`` is
  ``F_r(R) = (E_R - e sin E_R) / pi`` with ``cos E_R = (1 - R/a) / e`` (clipped to
  ``[-1, 1]``). Its density is ``r / (pi a sqrt(a^2 e^2 - (r - a)^2))``.
* **Latitude**: ``sin(phi) = sin(i) sin(u)`` with the argument of latitude ``u`` uniform in
  time, so the time fraction with ``|phi| < Phi`` is ``F_phi(Phi) = (2/pi) arcsin(sin Phi /
  sin i)`` (1 above the inclination); the density ``∝ cos(phi) / sqrt(sin^2 i - sin^2 phi)``.

Binning both CDFs on an altitude x |latitude| grid and dividing by the bin volume
``V = (4 pi / 3) (r2^3 - r1^3) (sin phi2 - sin phi1)`` gives the spatial density (objects
per km^3). The collision rate of a target orbit against a population is then

    rate = sum_bins T_target(bin) * sum_objects n_obj(bin) * v_rel(bin) * pi (R_t + R_o)^2

with ``T_target`` the target's own time fraction in the bin and ``v_rel`` from the
inclination geometry: at latitude ``phi`` an orbit of inclination ``i`` heads at
``psi = arccos(cos i / cos phi)`` from east, north- or southbound with equal probability,
so two objects meet at ``|psi1 - psi2|`` or ``psi1 + psi2`` (each half of the time) and
``v_rel = 2 v sin(delta / 2)`` with the local circular speed ``v = sqrt(mu / r)``.

Units: km, s, km/s, km^2 internally; radii in metres at the API (``*_m``); rates per year.
Axis convention: ``(n_orbits, n_alt_bins)`` and ``(n_orbits, n_lat_bins)``.

All satellites of a Walker shell share (a, e, i) and therefore the same hazard, so fleet
orbits are *groups* with a ``weight`` (the satellite count): a million satellites in 20
shells cost 20 target orbits. The fleet's own shells are added to the population with their
counts: a dense shell is its own largest hazard (a coordinated Walker shell avoids most
self-crossings by design; :func:`collision_rates` takes ``self_factor`` for that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskengine.core.constants import SECONDS_PER_YEAR
from riskengine.core.constants import WGS84_MU_KM3_S2 as MU_EARTH_KM3_S2
from riskengine.core.constants import WGS84_RE_KM as R_EARTH_KM

CLASSES = ("PAYLOAD", "DEBRIS", "ROCKET BODY", "UNKNOWN", "FLEET")


@dataclass(frozen=True)
class Grid:
    """Altitude x |latitude| bins.

    Parameters
    ----------
    alt_edges_km : altitude bin edges above the equatorial radius, km (increasing).
    lat_edges_deg : absolute-latitude bin edges, degrees, from 0 to 90.

    Examples
    --------
    >>> g = Grid.regular(200, 2200, 10, 1.0)
    >>> g.n_alt, g.n_lat
    (200, 90)
    """

    alt_edges_km: np.ndarray
    lat_edges_deg: np.ndarray

    @staticmethod
    def regular(alt_min_km=150.0, alt_max_km=2_500.0, alt_step_km=1.0, lat_step_deg=0.5) -> "Grid":
        alt = np.arange(alt_min_km, alt_max_km + 0.5 * alt_step_km, alt_step_km, dtype=float)
        lat = np.linspace(0.0, 90.0, int(round(90.0 / lat_step_deg)) + 1)
        return Grid(alt, lat)

    @property
    def n_alt(self) -> int:
        return len(self.alt_edges_km) - 1

    @property
    def n_lat(self) -> int:
        return len(self.lat_edges_deg) - 1

    @property
    def r_edges_km(self) -> np.ndarray:
        return R_EARTH_KM + self.alt_edges_km

    @property
    def alt_centers_km(self) -> np.ndarray:
        return 0.5 * (self.alt_edges_km[1:] + self.alt_edges_km[:-1])

    @property
    def lat_centers_deg(self) -> np.ndarray:
        return 0.5 * (self.lat_edges_deg[1:] + self.lat_edges_deg[:-1])

    def volumes_km3(self) -> np.ndarray:
        """Bin volumes, km^3, shape ``(n_alt, n_lat)`` (both hemispheres)."""
        r = self.r_edges_km
        shell = 4.0 * np.pi / 3.0 * (r[1:] ** 3 - r[:-1] ** 3)
        s = np.sin(np.radians(self.lat_edges_deg))
        return shell[:, None] * (s[1:] - s[:-1])[None, :]


def radial_fractions(a_km, e, r_edges_km, spread_km=0.0) -> np.ndarray:
    """Fraction of each orbit's time spent in each radius bin (Kepler's equation).

    Parameters
    ----------
    a_km, e : array_like, shape (n,)
        Semi-major axis (km) and eccentricity.
    r_edges_km : array_like, shape (m + 1,)
        Geocentric radius bin edges, km.
    spread_km : float or array_like
        Orbits whose radial excursion ``a e`` is below ``spread_km / 2`` are spread
        uniformly over ``a ± spread_km / 2`` instead (station-keeping box / bin smoothing;
        0 puts an exactly circular orbit in the bin that contains ``a``).

    Returns
    -------
    ndarray, shape (n, m)
        Time fractions; rows sum to 1 when the orbit lies inside the grid, less otherwise.

    Examples
    --------
    >>> f = radial_fractions([7000.0], [0.1], np.linspace(6000, 8000, 5))
    >>> round(float(f.sum()), 12)
    1.0
    """
    a = np.asarray(a_km, float)[:, None]
    e = np.asarray(e, float)[:, None]
    R = np.asarray(r_edges_km, float)[None, :]
    spread = np.broadcast_to(np.asarray(spread_km, float), a.shape[:1])[:, None]
    # 0 below perigee, 1 above apogee; Kepler's equation only where an edge cuts the orbit
    rp, ra = a * (1.0 - e), a * (1.0 + e)
    F = (R >= ra).astype(float)
    inside = (R > rp) & (R < ra) & (e > 0)
    if inside.any():
        oi, ki = np.nonzero(inside)
        ee = e[oi, 0]
        cosE = np.clip((1.0 - R[0, ki] / a[oi, 0]) / ee, -1.0, 1.0)
        E = np.arccos(cosE)
        F[oi, ki] = (E - ee * np.sin(E)) / np.pi
    # exactly circular / nearly circular orbits: step or uniform box
    box = np.maximum(spread, 0.0)
    circ = (a * e < 0.5 * box) | (e <= 0)
    if circ.any():
        ci = np.nonzero(circ[:, 0])[0]
        ac, bc = a[ci], box[ci]
        with np.errstate(divide="ignore", invalid="ignore"):
            uni = np.clip((R - (ac - 0.5 * bc)) / np.where(bc > 0, bc, 1.0), 0.0, 1.0)
        F[ci] = np.where(bc > 0, uni, (R >= ac).astype(float))
    return np.diff(F, axis=1)


def latitude_fractions(inc_deg, lat_edges_deg) -> np.ndarray:
    """Fraction of each orbit's time spent in each |latitude| band.

    ``F(|phi| < Phi) = (2/pi) arcsin(min(1, sin Phi / sin i))``; an equatorial orbit spends
    all its time in the first band.

    Parameters
    ----------
    inc_deg : array_like, shape (n,)
    lat_edges_deg : array_like, shape (m + 1,), from 0 to 90 degrees.

    Returns
    -------
    ndarray, shape (n, m); rows sum to 1.

    Examples
    --------
    >>> f = latitude_fractions([90.0], [0, 30, 90])
    >>> np.round(f, 6).tolist()   # a polar orbit spends 1/3 of its time within 30 deg
    [[0.333333, 0.666667]]
    """
    si = np.abs(np.sin(np.radians(np.asarray(inc_deg, float))))[:, None]
    sp = np.sin(np.radians(np.asarray(lat_edges_deg, float)))[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        F = np.where(si > 1e-12, 2.0 / np.pi * np.arcsin(np.clip(sp / si, 0.0, 1.0)),
                     (sp > 0).astype(float))
    F[:, 0] = 0.0
    return np.diff(F, axis=1)


@dataclass
class Population:
    """Orbits that make up a debris/traffic population (plain arrays, one row per orbit).

    ``weight`` is the number of objects on the orbit (1 for catalog objects, the satellite
    count for a Walker shell); ``radius_m`` the hard-body radius; ``cls`` an index into
    :data:`CLASSES`; ``thickness_km`` the radial thickness over which a (near-)circular orbit
    is spread uniformly (a shell's station-keeping band; 0 = exactly at ``a``).
    """

    _FIELDS = ("a_km", "e", "inc_deg", "radius_m", "cls", "weight", "thickness_km")

    def subset(self, which) -> "Population":
        return Population(*[getattr(self, k)[which] for k in self._FIELDS])

    a_km: np.ndarray
    e: np.ndarray
    inc_deg: np.ndarray
    radius_m: np.ndarray
    cls: np.ndarray
    weight: np.ndarray
    thickness_km: np.ndarray | None = None

    def __post_init__(self):
        n = len(self.a_km)
        self.thickness_km = (np.zeros(n) if self.thickness_km is None
                             else np.broadcast_to(np.asarray(self.thickness_km, float), (n,)).copy())
        for k in ("e", "inc_deg", "radius_m", "cls", "weight"):
            v = np.asarray(getattr(self, k))
            if v.shape != (n,):
                raise ValueError(f"Population.{k} has shape {v.shape}, expected ({n},) like a_km")
        self.a_km = np.asarray(self.a_km, float)
        self.e = np.asarray(self.e, float)
        self.inc_deg = np.asarray(self.inc_deg, float)
        self.radius_m = np.asarray(self.radius_m, float)
        self.cls = np.asarray(self.cls, np.int64)
        self.weight = np.asarray(self.weight, float)

    def __len__(self):
        return len(self.a_km)

    @staticmethod
    def concat(parts: list["Population"]) -> "Population":
        return Population(*[np.concatenate([getattr(p, k) for p in parts])
                            for k in Population._FIELDS])


def spatial_density(pop: Population, grid: Grid, spread_km: float = 0.0) -> np.ndarray:
    """Spatial density per class, objects per km^3, shape ``(n_classes, n_alt, n_lat)``.

    Examples
    --------
    >>> g = Grid.regular(500, 600, 10, 1.0)
    >>> p = Population([R_EARTH_KM + 545.0], [0.0], [53.0], [1.0], [0], [100.0])
    >>> d = spatial_density(p, g)
    >>> round(float((d.sum(0) * g.volumes_km3()).sum()), 9)   # conserves the 100 objects
    100.0
    """
    fr = radial_fractions(pop.a_km, pop.e, grid.r_edges_km, np.maximum(spread_km, pop.thickness_km))
    fl = latitude_fractions(pop.inc_deg, grid.lat_edges_deg)
    out = np.zeros((len(CLASSES), grid.n_alt, grid.n_lat))
    for c in np.unique(pop.cls):
        m = pop.cls == c
        out[c] = np.einsum("n,na,nl->al", pop.weight[m], fr[m], fl[m], optimize=True)
    return out / grid.volumes_km3()[None]


def _headings(inc_deg, lat_rad):
    """Heading from east, rad, ``arccos(cos i / cos phi)`` clipped at the turning latitude."""
    return np.arccos(np.clip(np.cos(np.radians(inc_deg)) / np.cos(lat_rad), -1.0, 1.0))


def mean_relative_speed(inc1_deg, inc2_deg, lat_deg, v_km_s):
    """Mean encounter speed of two circular orbits crossing at latitude ``lat_deg``, km/s.

    Average of ``2 v sin(|psi1 - psi2| / 2)`` and ``2 v sin((psi1 + psi2) / 2)`` (same or
    opposite north/south direction, equally likely). Broadcasts over its arguments.

    Examples
    --------
    >>> round(float(mean_relative_speed(0.0, 180.0, 0.0, 7.5)), 6)   # head-on
    15.0
    >>> round(float(mean_relative_speed(90.0, 90.0, 0.0, 7.5)), 6)   # polar pair at the equator
    7.5
    """
    lat = np.radians(lat_deg)
    p1 = _headings(inc1_deg, lat)
    p2 = _headings(inc2_deg, lat)
    return v_km_s * (np.sin(np.abs(p1 - p2) / 2.0) + np.sin((p1 + p2) / 2.0))


@dataclass
class FluxResult:
    """Per-target collision rates, collisions per year, shape ``(n_targets, n_classes)``.

    ``own_shell`` (n_targets,) is the rate from each target's own shell *before*
    ``self_factor`` (zero where there is none): the un-coordinated hazard that screening
    Pc sums measure.
    """

    rate_per_year: np.ndarray
    classes: tuple = CLASSES
    own_shell: np.ndarray | None = None

    @property
    def total(self) -> np.ndarray:
        return self.rate_per_year.sum(axis=1)


def collision_rates(targets: Population, pop: Population, grid: Grid | None = None, *,
                    target_spread_km: float | None = None, combined_radius_m=None,
                    self_factor: float = 1.0, exclude_self: np.ndarray | None = None,
                    chunk: int = 4_096, max_bins: int = 64) -> FluxResult:
    """Expected collisions per year of one satellite on each target orbit, per object class.

    Parameters
    ----------
    targets : Population
        Target orbits (one row per distinct orbit; ``weight`` is ignored here).
    pop : Population
        The population hit (catalog objects and fleet shells with their counts).
    grid : Grid, optional
        Bins; default ``Grid.regular()`` (150–2,500 km in 1 km, |latitude| in 0.5°). Shells
        are thin (the 2023-10 catalog has 1,322 Starlinks within one km at 547 km), so bins
        much wider than a km smear a shell over its neighbours.
    target_spread_km : float, optional
        Radial box over which circular targets are spread (default: the target's
        ``thickness_km``, at least one altitude bin, so the density is averaged over the bin
        centred on the target).
    combined_radius_m : float or array (n_targets,), optional
        Use this combined hard-body radius instead of ``R_target + R_object``.
    self_factor : float
        Multiplier on the hazard from a target's *own* shell (``exclude_self`` marks which
        population row is each target's own shell, ``-1`` for none); 1 = fully random
        crossings, 0 = a perfectly coordinated shell. The target itself is removed from its
        shell's count (weight − 1).
    max_bins : int
        Targets crossing more altitude bins than this (eccentric orbits) are evaluated on
        a grid coarsened by an integer factor.

    Returns
    -------
    FluxResult

    Examples
    --------
    >>> pop = Population([R_EARTH_KM + 545.0] * 2, [0.0, 0.0], [28.5, 98.0],
    ...                  [1.0, 1.0], [1, 1], [1000.0, 1000.0])
    >>> tgt = Population([R_EARTH_KM + 545.0], [0.0], [28.5], [5.0], [4], [1.0])
    >>> r = collision_rates(tgt, pop, Grid.regular(400, 700, 10, 0.5))
    >>> bool(0 < r.total[0] < 1e-2)
    True
    """
    grid = grid or Grid.regular()
    nT = len(targets)
    step = float(np.median(np.diff(grid.alt_edges_km)))
    tspread = (np.maximum(targets.thickness_km, step) if target_spread_km is None
               else np.full(nT, float(target_spread_km)))
    nC = len(CLASSES)
    out = np.zeros((nT, nC))
    own_raw = np.zeros(nT)
    if nT == 0 or len(pop) == 0:
        return FluxResult(out, own_shell=own_raw)
    r_edges = grid.r_edges_km
    r_mid = R_EARTH_KM + grid.alt_centers_km                   # (A,)
    v_circ = np.sqrt(MU_EARTH_KM3_S2 / r_mid)                  # (A,)
    lat_c = grid.lat_centers_deg                               # (L,)
    vol = grid.volumes_km3()                                   # (A, L)

    ft_r = radial_fractions(targets.a_km, targets.e, r_edges, tspread)          # (T, A)
    ft_l = latitude_fractions(targets.inc_deg, grid.lat_edges_deg)               # (T, L)
    fp_l = latitude_fractions(pop.inc_deg, grid.lat_edges_deg)                   # (N, L)
    half = 0.5 * pop.thickness_km
    rp = np.minimum(pop.a_km * (1.0 - pop.e), pop.a_km - half)                   # lowest radius
    ra = np.maximum(pop.a_km * (1.0 + pop.e), pop.a_km + half)                   # highest radius
    exclude_self = (np.full(nT, -1) if exclude_self is None
                    else np.asarray(exclude_self, np.int64))
    cr = None if combined_radius_m is None else np.broadcast_to(
        np.asarray(combined_radius_m, float), (nT,))

    # eccentric targets cross many bins: evaluate them on a coarser altitude grid, at most
    # ``max_bins`` bins each (the cost is n_objects x n_lat x n_bins per target)
    nb = (ft_r > 0).sum(axis=1)
    wide = np.nonzero(nb > max_bins)[0]
    if wide.size:
        f = int(np.ceil(nb[wide].max() / max_bins))
        coarse = Grid(grid.alt_edges_km[::f] if (len(grid.alt_edges_km) - 1) % f == 0 else
                      np.append(grid.alt_edges_km[::f], grid.alt_edges_km[-1]), grid.lat_edges_deg)
        sub_cr = None if cr is None else cr[wide]
        sub_res = collision_rates(targets.subset(wide), pop, coarse,
                                  target_spread_km=target_spread_km, combined_radius_m=sub_cr,
                                  self_factor=self_factor, exclude_self=exclude_self[wide],
                                  chunk=chunk, max_bins=max_bins * f)
        out[wide] = sub_res.rate_per_year
        own_raw[wide] = sub_res.own_shell
    for t in range(nT):
        abins = np.nonzero(ft_r[t] > 0)[0]
        if abins.size == 0 or abins.size > max_bins:
            continue
        k0, k1 = abins[0], abins[-1] + 1
        lo, hi = r_edges[k0], r_edges[k1]
        # population rows whose radial range meets the target's bins (radius computed only
        # for those, only on those edges: no (N, n_alt) matrix)
        sub = np.nonzero((rp <= hi) & (ra >= lo))[0]
        if sub.size == 0:
            continue
        fr_sub = radial_fractions(pop.a_km[sub], pop.e[sub], r_edges[k0:k1 + 1],
                                  pop.thickness_km[sub])[:, abins - k0]           # (S, a)
        hit = fr_sub.sum(axis=1) > 0
        sub, fr_sub = sub[hit], fr_sub[hit]
        if sub.size == 0:
            continue
        w = pop.weight[sub].copy()
        own = exclude_self[t]
        sel = sub == own if own >= 0 else np.zeros(sub.size, bool)
        w[sel] = np.maximum(w[sel] - 1.0, 0.0)
        w_raw = w.copy()
        w[sel] *= self_factor
        if cr is None:
            rad_km = (targets.radius_m[t] + pop.radius_m[sub]) * 1e-3
        else:
            rad_km = np.full(sub.size, cr[t] * 1e-3)
        sigma = np.pi * rad_km ** 2                                         # (S,) km^2
        acc = np.zeros(sub.size)
        for s0 in range(0, sub.size, chunk):
            s = slice(s0, s0 + chunk)
            vrel_unit = mean_relative_speed(targets.inc_deg[t], pop.inc_deg[sub[s], None],
                                            lat_c[None, :], 1.0)            # (S, L)
            # sum over latitude bands of T_l * n_l(per object) * vrel, for each alt bin
            kern = fp_l[sub[s]] * vrel_unit * ft_l[t][None, :]              # (S, L)
            per_a = kern @ (1.0 / vol[abins]).T                              # (S, a)
            per_a *= fr_sub[s] * (ft_r[t, abins] * v_circ[abins])[None, :]
            acc[s] = per_a.sum(axis=1)
        contrib = acc * w * sigma * SECONDS_PER_YEAR
        out[t] = np.bincount(pop.cls[sub], weights=contrib, minlength=nC)[:nC]
        own_raw[t] = float((acc * w_raw * sigma)[sel].sum() * SECONDS_PER_YEAR)
    return FluxResult(out, own_shell=own_raw)


def population_from_catalog(cat, *, min_perigee_alt_km: float | None = None,
                            return_index: bool = False):
    """A :class:`Population` from a :class:`riskengine.catalog.Catalog` (one row per object).

    Classes follow ``cat.object_class``; hard-body radii ``cat.hard_body_radius_m``. Objects
    without a usable orbit are left out; ``return_index=True`` also returns the catalog
    row of each population row, ``(population, index)``.
    """
    cls_map = {c: k for k, c in enumerate(CLASSES)}
    cls = np.array([cls_map.get(str(c), cls_map["UNKNOWN"]) for c in cat.object_class], np.int64)
    p = Population(cat.semi_major_axis_km, cat.eccentricity, cat.inclination_deg,
                   np.nan_to_num(np.asarray(cat.hard_body_radius_m, float), nan=1.0),
                   cls, np.ones(len(cat)))
    ok = np.isfinite(p.a_km) & (p.a_km > R_EARTH_KM) & np.isfinite(p.e) & (p.e < 1)
    if min_perigee_alt_km is not None:
        ok &= p.a_km * (1 - p.e) - R_EARTH_KM >= min_perigee_alt_km
    out = Population(*[getattr(p, k)[ok] for k in ("a_km", "e", "inc_deg", "radius_m", "cls",
                                                  "weight")])
    return (out, np.flatnonzero(ok)) if return_index else out


def collision_rate_in_band(pop: Population, grid: Grid, alt_lo_km: float, alt_hi_km: float,
                           inc_step_deg: float = 1.0) -> float:
    """Total collisions per year among ``pop`` located in the altitude band, all pairs.

    ``0.5 ∫ Σ_jk n_j n_k v_jk σ_jk dV`` over the grid bins whose centres lie in
    ``[alt_lo_km, alt_hi_km]``, with the population binned by inclination
    (``inc_step_deg``) and ``σ_jk = π (R_j + R_k)^2`` expanded into radius moments so the sum
    stays exact in the radii. Used for the rate of catastrophic collisions (breakup events)
    in a shell. A shell of ``N`` satellites counts its ``N^2 / 2`` internal pairs (fully random
    crossings; scale for coordination).

    Examples
    --------
    >>> g = Grid.regular(500, 600, 10, 0.5)
    >>> p = Population([R_EARTH_KM + 555.0] * 2, [0.0] * 2, [53.0, 97.6], [5.0] * 2, [4, 1],
    ...                [1000.0, 1000.0])
    >>> bool(collision_rate_in_band(p, g, 540, 570) > 0)
    True
    """
    kb = np.nonzero((grid.alt_centers_km >= alt_lo_km) & (grid.alt_centers_km <= alt_hi_km))[0]
    if kb.size == 0 or len(pop) == 0:
        return 0.0
    fr = radial_fractions(pop.a_km, pop.e, grid.r_edges_km[kb[0]:kb[-1] + 2],
                          pop.thickness_km)[:, kb - kb[0]]                      # (N, K)
    keep = fr.sum(axis=1) > 0
    if not keep.any():
        return 0.0
    fr = fr[keep]
    fl = latitude_fractions(pop.inc_deg[keep], grid.lat_edges_deg)             # (N, L)
    inc_edges = np.arange(0.0, 180.0 + inc_step_deg, inc_step_deg)
    jb = np.clip(np.searchsorted(inc_edges, pop.inc_deg[keep], side="right") - 1, 0,
                 len(inc_edges) - 2)
    ju, jinv = np.unique(jb, return_inverse=True)
    w = pop.weight[keep]
    rk = pop.radius_m[keep] * 1e-3
    # counts (not densities) per bin: M_q[k, l, j] = sum_{o in inclination bin j} w r^q fr fl
    K, L = kb.size, grid.n_lat
    Mq = [np.zeros((K, L, ju.size)) for _ in range(3)]
    order = np.argsort(jinv, kind="stable")
    bounds = np.searchsorted(jinv[order], np.arange(ju.size + 1))
    for j in range(ju.size):
        sel = order[bounds[j]:bounds[j + 1]]
        for q in range(3):
            Mq[q][:, :, j] = ((w[sel] * rk[sel] ** q)[:, None] * fr[sel]).T @ fl[sel]
    inc_c = 0.5 * (inc_edges[ju] + inc_edges[ju + 1])
    vrel = mean_relative_speed(inc_c[:, None, None], inc_c[None, :, None],
                               grid.lat_centers_deg[None, None, :], 1.0)       # (J, J, L)
    vol = grid.volumes_km3()[kb]                                               # (K, L)
    v = np.sqrt(MU_EARTH_KM3_S2 / (R_EARTH_KM + grid.alt_centers_km[kb]))      # (K,)
    pair = (np.einsum("klj,jml,klm->kl", Mq[2], vrel, Mq[0], optimize=True) * 2.0
            + 2.0 * np.einsum("klj,jml,klm->kl", Mq[1], vrel, Mq[1], optimize=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        dens = np.where(vol > 0, pair / vol, 0.0)
    return float(0.5 * np.pi * (dens.sum(axis=1) * v).sum() * SECONDS_PER_YEAR)


def altitude_profile(pop: Population, alt_km, inc_deg: float, combined_radius_m: float,
                     grid: Grid | None = None) -> np.ndarray:
    """Collision rate per year of a circular orbit at each altitude (one inclination).

    Examples
    --------
    >>> p = Population([R_EARTH_KM + 800.0], [0.0], [98.0], [0.0], [1], [1000.0])
    >>> r = altitude_profile(p, [500.0, 800.0], 53.0, 5.0, Grid.regular(400, 900, 10, 0.5))
    >>> bool(r[0] == 0.0 and r[1] > 0.0)
    True
    """
    alt = np.asarray(alt_km, float)
    n = alt.size
    tgt = Population(R_EARTH_KM + alt, np.zeros(n), np.full(n, float(inc_deg)), np.zeros(n),
                     np.full(n, CLASSES.index("FLEET")), np.ones(n))
    return collision_rates(tgt, pop, grid, combined_radius_m=combined_radius_m).total


@dataclass
class FleetOrbits:
    """Distinct fleet orbits: one row per Walker group, or per element-set satellite."""

    group: list[str]
    satellite_id: np.ndarray        # 0-based index within the group, -1 = every satellite
    norad_id: np.ndarray            # -1 when none
    a_km: np.ndarray
    e: np.ndarray
    inc_deg: np.ndarray
    count: np.ndarray               # satellites on this orbit
    radius_m: np.ndarray
    mass_kg: np.ndarray
    shielding_mm: np.ndarray
    spread_km: np.ndarray                 # Walker altitude_spread_km (0: not declared)

    @property
    def alt_km(self) -> np.ndarray:
        return self.a_km - R_EARTH_KM

    def population(self) -> Population:
        return Population(self.a_km, self.e, self.inc_deg, self.radius_m,
                          np.full(len(self.a_km), CLASSES.index("FLEET")), self.count.astype(float))
