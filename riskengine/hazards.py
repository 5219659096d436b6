"""Per-satellite annual hazards for the loss engine: collision, untracked debris, breakup.

Builds the rows of the ``hazards`` table (contract: :mod:`riskengine.store.tables_hazards`)
from a portfolio and a catalog:

* ``collision`` (scope ``satellite``, severity ``total``, ``method='flux'``): Kessler flux of
  every distinct fleet orbit against the tracked catalog *plus the fleet's own shells*
  (:func:`riskengine.core.flux.collision_rates`); one row per Walker group (all its satellites share
  (a, e, i)) or per satellite of an element-set group. When screening results are given,
  ``method='screening'`` rows (annualised sum of Pc) are written beside them; the loss engine
  must use ONE method (see :func:`loss_engine_rows`).
* ``untracked_debris`` (total, d >= the 40 J/g diameter) and ``untracked_debris_partial``
  (Beta severity, shield-perforating smaller hits): flux of the 1–10 cm population,
  ``UNTRACKED_RATIO`` times the tracked debris density (:mod:`riskengine.core.debris`).
* ``breakup`` (scope ``event``): catastrophic collisions in the group's altitude band (all
  pairs: catalog x catalog, catalog x fleet, fleet x fleet) at ``annual_rate``; each event's
  NASA-SBM fragment cloud hits each satellite of the group with ``hit_probability`` over the
  cloud's decaying exposure — the correlated peril of a constellation book.

The numeric core (:func:`compute_hazards`) takes a portfolio and a catalog object and does no
I/O; :func:`write_hazards` stores a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskengine.core import debris as dbr
from riskengine.core.flux import (CLASSES, R_EARTH_KM, Grid, Population, collision_rate_in_band,
                             collision_rates, population_from_catalog)

DEFAULT_PERILS = ("collision", "untracked_debris", "breakup")
SHELL_THICKNESS_KM = 1.0
"""Radial thickness of a Walker shell, km: the 2023-10 catalog has 1,322 Starlinks within
one km at 547 km (station-keeping keeps a shell about that thin)."""
FLEET = CLASSES.index("FLEET")


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
                          np.full(len(self.a_km), FLEET), self.count.astype(float))


def fleet_orbits(portfolio, catalog=None) -> FleetOrbits:
    """Distinct orbits of the portfolio's fleet groups.

    Walker shells give one orbit each (``count`` satellites); ``norad_ids`` groups take their
    elements from ``catalog``; ``elements`` groups read their file.
    """
    rows: dict[str, list] = {k: [] for k in FleetOrbits.__dataclass_fields__}
    for g in portfolio.fleet:
        r_m = float(np.sqrt(g.area_m2 / np.pi))
        if g.is_walker:
            sub = dict(a_km=[R_EARTH_KM + g.altitude_km], e=[g.eccentricity],
                       inc_deg=[g.inclination_deg], count=[g.count], satellite_id=[-1],
                       norad_id=[-1])
        else:
            if g.norad_ids is not None:
                if catalog is None:
                    raise ValueError(f"fleet group {g.name!r} lists norad_ids but no catalog was "
                                     "given; load one (riskengine catalog load) or set "
                                     "RISKENGINE_CATALOG")
                idx = []
                for nid in g.norad_ids:
                    hits = np.flatnonzero(np.asarray(catalog.norad_id) == nid)
                    if hits.size == 0:
                        raise ValueError(f"fleet group {g.name!r}: NORAD id {nid} is not in the "
                                         "catalog; remove it or load a catalog that has it")
                    idx.append(hits[-1])
                cat = catalog.subset(np.asarray(idx))
            else:
                from riskengine.catalog import read_catalog

                cat = read_catalog(g.elements)
            n = len(cat)
            sub = dict(a_km=list(cat.semi_major_axis_km), e=list(cat.eccentricity),
                       inc_deg=list(cat.inclination_deg), count=[1] * n,
                       satellite_id=list(range(n)), norad_id=list(np.asarray(cat.norad_id)))
        n = len(sub["a_km"])
        for k, v in sub.items():
            rows[k].extend(v)
        rows["group"].extend([g.name] * n)
        rows["radius_m"].extend([r_m] * n)
        rows["mass_kg"].extend([g.mass_kg] * n)
        rows["shielding_mm"].extend([g.shielding_mm_al] * n)
        rows["spread_km"].extend([float(g.altitude_spread_km)] * n)
    return FleetOrbits(rows["group"], *[np.asarray(rows[k], dtype=np.int64 if k in (
        "satellite_id", "norad_id", "count") else float) for k in (
        "satellite_id", "norad_id", "a_km", "e", "inc_deg", "count", "radius_m", "mass_kg",
        "shielding_mm", "spread_km")])


@dataclass
class HazardResult:
    """Hazard rows (column -> list) plus per-orbit diagnostics for summaries and plots."""

    rows: dict[str, list] = field(default_factory=dict)
    orbits: FleetOrbits | None = None
    collision_by_class: np.ndarray | None = None   # (n_orbits, n_classes) per satellite-year
    untracked_rate: np.ndarray | None = None        # 1–10 cm hits per satellite-year
    breakup_rate: np.ndarray | None = None          # events per year per orbit's band
    breakup_hit_probability: np.ndarray | None = None
    screening_rate: dict | None = None              # group -> per-satellite rate
    screening_fleet_rate: dict | None = None        # group -> fleet-vs-fleet part of it
    collision_unmitigated_by_class: np.ndarray | None = None   # no avoidance, self_factor 1

    def add(self, **kw):
        for k in ("fleet_group", "satellite_id", "peril", "scope", "annual_rate",
                  "hit_probability", "severity", "severity_a", "severity_b", "draw", "method",
                  "altitude_km", "notes"):
            self.rows.setdefault(k, []).append(kw.get(k))


def _peril_params(portfolio) -> dict[str, dict]:
    """Parameters per physical peril; the default set when the config lists none of them.

    (The hazards table records what the physics gives; which perils are *simulated* is the
    loss engine's choice from ``[[perils]]``.)
    """
    out = {p.type: dict(p.params) for p in (portfolio.perils or []) if p.type in DEFAULT_PERILS}
    return out or {p: {} for p in DEFAULT_PERILS}


def screening_annual_rate(pc_sum: float, window_days: float, n_satellites: int) -> float:
    """Per-satellite annual collision rate from screening: ``sum(Pc) / window / satellites``.

    ``pc_sum`` counts every event once per *fleet satellite involved* (a fleet-vs-fleet
    pair twice), so that it matches the flux rate, which is per satellite.

    Examples
    --------
    >>> round(screening_annual_rate(1e-5, 7.0, 10), 9)
    5.2179e-05
    """
    if window_days <= 0 or n_satellites <= 0:
        raise ValueError(f"window_days ({window_days}) and n_satellites ({n_satellites}) must be > 0")
    return float(pc_sum) * 365.25 / float(window_days) / float(n_satellites)


def compare_rates(flux_rate, screening_rate) -> np.ndarray:
    """Agreement factor ``max(a/b, b/a)`` (1 = equal; the issue's bar is <= 3)."""
    a = np.asarray(flux_rate, float)
    b = np.asarray(screening_rate, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a > 0) & (b > 0), np.maximum(a / b, b / a), np.inf)


def breakup_rate_in_band(pop, grid, alt_lo_km: float, alt_hi_km: float, *,
                         avoidance: float = 0.0, self_factor: float = 1.0) -> float:
    """Catastrophic collisions per year between any two objects in an altitude band.

    Pairs are split by who takes part: catalog-only pairs are avoided only when one party
    is a manoeuvrable payload; pairs with a fleet satellite are avoided with
    ``avoidance``; fleet-vs-fleet pairs also keep only ``self_factor`` of their
    random-phase rate (a coordinated shell plans its own crossings), as the collision
    peril does.

    Examples
    --------
    >>> from riskengine.core.flux import Grid, Population
    >>> from riskengine.core.flux import CLASSES
    >>> R = 6378.137
    >>> deb = Population([R + 800.0], [0.0], [98.0], [1.0], [CLASSES.index("DEBRIS")], [500.0])
    >>> g = Grid.regular(700, 900, 5, 1.0)
    >>> lam = breakup_rate_in_band(deb, g, 775, 825)
    >>> bool(lam > 0) and breakup_rate_in_band(deb, g, 775, 825, avoidance=1.0) == lam
    True
    """
    is_fleet = pop.cls == FLEET
    lam_all = collision_rate_in_band(pop, grid, alt_lo_km, alt_hi_km)
    cat = pop.subset(~is_fleet)
    cat_raw = collision_rate_in_band(cat, grid, alt_lo_km, alt_hi_km) if len(cat) else 0.0
    lam_cat = cat_raw
    if avoidance > 0 and len(cat):
        passive = (cat.cls != CLASSES.index("PAYLOAD"))
        lam_p = collision_rate_in_band(cat.subset(passive), grid, alt_lo_km, alt_hi_km)
        lam_cat = cat_raw - avoidance * (cat_raw - lam_p)
    if not is_fleet.any():
        return float(lam_cat)
    lam_ff = collision_rate_in_band(pop.subset(is_fleet), grid, alt_lo_km, alt_hi_km)
    lam_fc = max(lam_all - lam_ff - cat_raw, 0.0)
    return float(lam_cat + (1.0 - avoidance) * (lam_fc + self_factor * lam_ff))


def compute_hazards(portfolio, catalog, *, grid: Grid | None = None,
                    screening: dict | None = None, exclude_names: tuple[str, ...] = ()) -> HazardResult:
    """Hazard rows for the portfolio's physical perils (pure: no I/O besides element files).

    Parameters
    ----------
    portfolio : riskengine.config.Portfolio
    catalog : riskengine.catalog.Catalog
        Tracked population (fleet members listed by NORAD id are taken out of it and
        re-added as fleet).
    grid : Grid, optional
    screening : dict, optional
        ``{group: (sum_pc, window_days, n_satellites[, sum_pc_fleet])}`` from a screening
        run (:func:`screening_from_store`); compare the result's ``screening_rate`` with
        ``collision_unmitigated_by_class`` (both before avoidance and coordination).
    exclude_names : tuple of str
        Upper-case name fragments dropped from the catalog (e.g. ``("STARLINK",)`` to model
        a manoeuvring constellation as collision-free).

    Peril ``params`` (``[[perils]] type=... params={...}``):

    * collision: ``shell_thickness_km`` (:data:`SHELL_THICKNESS_KM`; a Walker shell's
      satellites are spread uniformly over this radial band — the self-hazard scales with
      its inverse), ``self_factor`` (1.0; share of a shell's own crossings that are not
      coordinated away), ``avoidance`` (0.0; share of collisions with tracked objects the
      satellite avoids by manoeuvring — 0 is the un-manoeuvred base case that screening Pc
      also measures).
    * breakup: ``avoidance`` (default: collision's) removes that share of the band's
      collisions that involve a manoeuvrable party (payload or fleet). Without it a dense
      band of active satellites (e.g. Starlink + fleet at 550 km) shows several random
      catastrophic collisions a year: the physics upper bound, which manoeuvres remove.
    * untracked_debris: ``ratio`` (20), ``beta`` (from the ratio).
    * breakup: ``band_km`` (25; half-width of the altitude band whose catastrophic
      collisions count), ``spread_km`` (100; radial spread of the cloud), ``horizon_years``
      (1.0), ``projectile_mass_kg`` (the group's satellite mass).
    """
    params = _peril_params(portfolio)
    grid = grid or Grid.regular(150.0, max(2_500.0, 100.0 + max(
        [g.altitude_km or 0 for g in portfolio.fleet] + [0])), 1.0, 0.5)
    orb = fleet_orbits(portfolio, catalog)
    res = HazardResult(orbits=orb)
    if len(orb.a_km) == 0:
        return res

    keep = np.ones(len(catalog), bool)
    fleet_ids = orb.norad_id[orb.norad_id >= 0]
    if fleet_ids.size:
        keep &= ~np.isin(np.asarray(catalog.norad_id), fleet_ids)
    if exclude_names:
        names = np.char.upper(np.asarray(catalog.name).astype(str))
        for frag in exclude_names:
            keep &= np.char.find(names, frag.upper()) < 0
    cp = params.get("collision", {})
    thick = float(cp.get("shell_thickness_km", SHELL_THICKNESS_KM))
    if thick < 0:
        raise ValueError(f"perils collision params.shell_thickness_km = {thick}: must be >= 0 km")
    # a Walker shell's radial thickness: its declared plane-altitude spread, else the
    # station-keeping default; element-set satellites are single orbits
    shell_thk = np.where(orb.satellite_id < 0,
                         np.where(orb.spread_km > 0, orb.spread_km, thick), 0.0)
    cat_pop = population_from_catalog(catalog.subset(keep))
    fleet_pop = orb.population()
    fleet_pop.thickness_km = shell_thk
    pop = Population.concat([cat_pop, fleet_pop])
    own = len(cat_pop) + np.arange(len(orb.a_km))
    tgt = Population(orb.a_km, orb.e, orb.inc_deg, orb.radius_m, np.full(len(orb.a_km), FLEET),
                     np.ones(len(orb.a_km)), shell_thk)

    self_factor = float(cp.get("self_factor", 1.0))
    rates = collision_rates(tgt, pop, grid, exclude_self=own, self_factor=self_factor)
    by_class = rates.rate_per_year.copy()
    # before avoidance and self-coordination: what screening Pc sums measure
    raw = by_class.copy()
    raw[:, FLEET] += (1.0 - self_factor) * rates.own_shell
    res.collision_unmitigated_by_class = raw
    avoid = float(cp.get("avoidance", 0.0))
    if not 0.0 <= avoid <= 1.0:
        raise ValueError(f"perils collision params.avoidance = {avoid}: must be a share in [0, 1]")
    by_class *= 1.0 - avoid
    res.collision_by_class = by_class
    alt = orb.alt_km

    def sid(k):
        return None if orb.satellite_id[k] < 0 else int(orb.satellite_id[k])

    if "collision" in params:
        for k in range(len(alt)):
            br = ", ".join(f"{c.lower()} {by_class[k, j]:.3g}" for j, c in enumerate(CLASSES))
            res.add(fleet_group=orb.group[k], satellite_id=sid(k), peril="collision",
                    scope="satellite", annual_rate=float(by_class[k].sum()), hit_probability=1.0,
                    severity="total", method="flux", altitude_km=float(alt[k]),
                    notes=f"Kessler flux per class /yr: {br}")
        if screening:
            res.screening_rate, res.screening_fleet_rate = {}, {}
            for gname, entry in screening.items():
                pc_sum, days, nsat = entry[:3]
                r = screening_annual_rate(pc_sum, days, nsat)
                res.screening_rate[gname] = r
                if len(entry) > 3:
                    res.screening_fleet_rate[gname] = screening_annual_rate(entry[3], days, nsat)
                ks = [k for k in range(len(alt)) if orb.group[k] == gname]
                res.add(fleet_group=gname, satellite_id=None, peril="collision",
                        scope="satellite", annual_rate=r, hit_probability=1.0,
                        severity="total", method="screening",
                        altitude_km=float(np.mean(alt[ks])) if ks else None,
                        notes=f"sum Pc {pc_sum:.3g} over {days:g} d, {nsat} satellites")

    if "untracked_debris" in params:
        up = params["untracked_debris"]
        ratio = float(up.get("ratio", dbr.UNTRACKED_RATIO))
        beta = float(up.get("beta", dbr.power_law_beta(ratio)))
        deb = (cat_pop.cls == CLASSES.index("DEBRIS")) | (cat_pop.cls == CLASSES.index("UNKNOWN"))
        small = cat_pop.subset(deb)
        small.radius_m = np.zeros(int(deb.sum()))
        hits = collision_rates(tgt, small, grid).total
        n_between = float(dbr.count_between(1.0, dbr.UNTRACKED_MIN_CM, dbr.TRACKED_MIN_CM, beta))
        res.untracked_rate = hits * n_between
        for k in range(len(alt)):
            dm = dbr.untracked_damage(orb.shielding_mm[k], orb.mass_kg[k], beta=beta)
            note = (f"1-10 cm flux {res.untracked_rate[k]:.3g}/yr ({ratio:g}:1 vs tracked debris, "
                    f"beta {beta:.3f}; ESA MASTER / NASA ORDEM); shield stops < "
                    f"{dm['d_crit_cm']:.2f} cm, total >= {dm['d_cat_cm']:.2f} cm (40 J/g)")
            res.add(fleet_group=orb.group[k], satellite_id=sid(k), peril="untracked_debris",
                    scope="satellite", annual_rate=float(res.untracked_rate[k] * dm["p_total"]),
                    hit_probability=1.0, severity="total", method="flux",
                    altitude_km=float(alt[k]), notes=note)
            res.add(fleet_group=orb.group[k], satellite_id=sid(k),
                    peril="untracked_debris_partial", scope="satellite",
                    annual_rate=float(res.untracked_rate[k] * dm["p_partial"]),
                    hit_probability=1.0, severity="beta", severity_a=dm["beta_a"],
                    severity_b=dm["beta_b"], method="flux", altitude_km=float(alt[k]),
                    notes=note + f"; partial loss mean {dm['partial_mean']:.3f}")

    if "breakup" in params:
        bp = params["breakup"]
        band = float(bp.get("band_km", 25.0))
        spread = float(bp.get("spread_km", 100.0))
        horizon = float(bp.get("horizon_years", 1.0))
        res.breakup_rate = np.zeros(len(alt))
        res.breakup_hit_probability = np.zeros(len(alt))
        walker = orb.satellite_id < 0
        for gname in dict.fromkeys(orb.group):
            ks = np.array([k for k in range(len(alt)) if orb.group[k] == gname])
            h = float(np.average(alt[ks], weights=orb.count[ks]))
            b_avoid = float(bp.get("avoidance", avoid))
            lam = breakup_rate_in_band(pop, grid, h - band, h + band, avoidance=b_avoid,
                                       self_factor=self_factor)
            m = float(orb.mass_kg[ks[0]])
            mp = float(bp.get("projectile_mass_kg", m))
            dm = dbr.untracked_damage(orb.shielding_mm[ks[0]], m, beta=dbr.SBM_SLOPE,
                                      d_max_cm=100.0)
            n_frag = float(dbr.sbm_fragment_count(m, mp, 10.0, dm["d_crit_cm"] / 100.0))
            a0 = R_EARTH_KM + h
            frag = Population([a0], [min(spread / a0, 0.5)], [float(np.average(
                orb.inc_deg[ks], weights=orb.count[ks]))], [0.0], [CLASSES.index("DEBRIS")],
                [n_frag])
            tk = tgt.subset(ks)
            hit_rate = collision_rates(tk, frag, grid).total                     # per sat-yr
            expo = float(dbr.cloud_exposure_years(dbr.fragment_lifetime_years(h), horizon))
            p_hit = 1.0 - np.exp(-hit_rate * expo)
            res.breakup_rate[ks] = lam
            res.breakup_hit_probability[ks] = p_hit
            # severity: mixture of total (p_total) and Beta partial, moment-matched to a Beta
            pt = dm["p_total"] / max(dm["p_total"] + dm["p_partial"], 1e-300)
            a, b = dm["beta_a"], dm["beta_b"]
            mu_p = a / (a + b)
            ex2_p = mu_p * (a + 1) / (a + b + 1)
            mu = pt + (1 - pt) * mu_p
            var = max(pt + (1 - pt) * ex2_p - mu ** 2, 1e-9)
            kappa = max(mu * (1 - mu) / var - 1.0, 1e-3)
            note = (f"catastrophic collisions within ±{band:g} km: {lam:.3g}/yr; SBM cloud "
                    f"{n_frag:.3g} fragments >= {dm['d_crit_cm']:.2f} cm (M={m + mp:g} kg), "
                    f"spread ±{spread:g} km, exposure {expo:.2f} yr")
            p_rep = p_hit if not walker[ks].all() else p_hit[:1]
            for j, k in enumerate(ks if not walker[ks].all() else ks[:1]):
                res.add(fleet_group=gname, satellite_id=sid(k), peril="breakup", scope="event",
                        annual_rate=lam, hit_probability=float(p_rep[j]), severity="beta",
                        severity_a=float(mu * kappa), severity_b=float((1 - mu) * kappa),
                        method="flux", altitude_km=h, notes=note)
    return res


def loss_engine_rows(rows: dict, collision_method: str = "flux") -> dict:
    """The rows the loss engine should read: one collision method only.

    ``riskengine.losses.hazard_set_from_rows`` keys sources by (peril, scope, group), so
    flux and screening collision rows must not both reach it.
    """
    n = len(rows["peril"])
    keep = [i for i in range(n) if rows["peril"][i] != "collision"
            or rows["method"][i] == collision_method]
    return {k: [v[i] for i in keep] for k, v in rows.items()}


def write_hazards(con, portfolio, catalog, result: HazardResult, *, config_path=None) -> str:
    """Store ``result`` as a ``hazards`` run; returns its run_id."""
    from riskengine.store import run

    epoch = None
    try:
        epoch = catalog.reference_epoch.astype("datetime64[us]").item()
    except Exception:  # noqa: BLE001 - an empty catalog has no epoch
        epoch = None
    cfg = portfolio.model_dump(mode="json") if hasattr(portfolio, "model_dump") else None
    with run(con, "hazards", config=cfg, config_path=config_path, portfolio=portfolio.name,
             catalog_epoch=epoch) as h:
        if result.rows.get("peril"):
            h.write("hazards", result.rows)
        h.stats["catalog_objects"] = len(catalog)
        h.stats["orbits"] = int(len(result.orbits.a_km)) if result.orbits else 0
        return h.run_id


def screening_from_store(con, run_id: str | None = None) -> tuple[str | None, dict]:
    """``{group: (sum_pc, window_days, n_satellites, sum_pc_fleet)}`` from a screening run.

    ``sum_pc_fleet`` is the fleet-vs-fleet part of ``sum_pc`` (each such pair credited to
    both satellites' groups).

    Uses the latest complete run with ``conjunctions`` rows whose ``pc`` is filled (or
    ``run_id``). The window is read from the run's config/stats (``days``), else the span
    of TCAs rounded up to whole days. Returns ``(None, {})`` when there is none.
    """
    import json

    try:
        if run_id is None:
            rows = con.execute(
                "SELECT r.run_id FROM runs r WHERE r.status = 'complete' AND EXISTS (SELECT 1 "
                "FROM conjunctions c WHERE c.run_id = r.run_id AND c.pc IS NOT NULL) "
                "ORDER BY r.created_at DESC LIMIT 1").fetchall()
            if not rows:
                return None, {}
            run_id = rows[0][0]
        cfg, stats = con.execute("SELECT config, stats FROM runs WHERE run_id = ?",
                                 [run_id]).fetchall()[0]
    except Exception:  # noqa: BLE001 - no screening tables in this store yet
        return None, {}
    days = None
    for blob in (stats, cfg):
        try:
            d = json.loads(blob) if isinstance(blob, str) else (blob or {})
        except ValueError:
            d = {}
        for key in ("days", "window_days"):
            if isinstance(d, dict) and d.get(key):
                days = float(d[key])
                break
        if days:
            break
    if days is None:
        lo, hi = con.execute("SELECT min(tca), max(tca) FROM conjunctions WHERE run_id = ?",
                             [run_id]).fetchall()[0]
        days = max(1.0, float(np.ceil((hi - lo).total_seconds() / 86400.0))) if lo else 7.0
    # a fleet-vs-fleet pair is listed once but is a collision of BOTH satellites: credit
    # its Pc to the primary's group and to the secondary's group
    pcs = {g: (tot, ff) for g, tot, ff in con.execute(
        "SELECT g, sum(p), sum(CASE WHEN ff THEN p ELSE 0 END) FROM ("
        "SELECT fleet_group AS g, coalesce(pc, 0) AS p, coalesce(secondary_in_fleet, false) AS ff "
        "FROM conjunctions WHERE run_id = $1 UNION ALL "
        "SELECT f.fleet_group, coalesce(c.pc, 0), true FROM conjunctions c "
        "JOIN fleet f ON f.run_id = c.run_id AND f.satellite_id = c.secondary_id "
        "WHERE c.run_id = $1 AND c.secondary_in_fleet) GROUP BY 1", [run_id]).fetchall()}
    try:
        nsat = dict(con.execute("SELECT fleet_group, count(*) FROM fleet WHERE run_id = ? "
                                "GROUP BY 1", [run_id]).fetchall())
    except Exception:  # noqa: BLE001
        nsat = {}
    out = {}
    for g, n in nsat.items():
        tot, ff = pcs.get(g, (0.0, 0.0))
        out[g] = (float(tot), days, int(n), float(ff))
    return run_id, out
