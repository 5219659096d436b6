"""The hazards stage's results: hazard rows plus per-group diagnostics, and the screening
summary the collision peril reads.

Which rows exist is up to the perils (:mod:`riskengine.perils`): the stage
(:func:`riskengine.stages.hazards`) asks every configured peril for its rows
(contract: :mod:`riskengine.store.tables_hazards`) and stores them as one run, with the
per-group diagnostics of :func:`hazard_stats` in the run's ``stats``.

:func:`compute_hazards` is the same computation without a store (notebooks, benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskengine.core.collision import (breakup_rate_in_band, compare_rates,  # noqa: F401
                                       screening_annual_rate)
from riskengine.core.flux import FleetOrbits


@dataclass
class HazardResult:
    """Hazard rows (column -> list) plus per-orbit diagnostics for summaries and plots."""

    rows: dict[str, list] = field(default_factory=dict)
    orbits: FleetOrbits | None = None
    shared: dict = field(default_factory=dict)
    #: ``(code, message)`` warnings the hazards run records in ``run_flags`` (e.g. a group
    #: outside the dose model's validated range)
    flags: list = field(default_factory=list)
    atmosphere: object = None

    def add(self, **kw):
        for k in ("fleet_group", "satellite_id", "peril", "scope", "annual_rate",
                  "hit_probability", "severity", "severity_a", "severity_b", "draw", "method",
                  "altitude_km", "notes", "dose_rad_per_year", "solar_dose_rad_per_year",
                  "spe_rad_per_fluence", "severity_p_total", "cloud_lifetime_years",
                  "source_group", "delay_years", "dwell_years", "lifetime_years"):
            self.rows.setdefault(k, []).append(kw.get(k))

    def _get(self, peril: str, key: str):
        return self.shared.get(peril, {}).get(key)

    @property
    def collision_by_class(self) -> np.ndarray | None:
        """(n_orbits, n_classes) collision rate per satellite-year after avoidance."""
        return self._get("collision", "by_class")

    @property
    def collision_unmitigated_by_class(self) -> np.ndarray | None:
        """The same before avoidance and self-coordination (what screening Pc sums count)."""
        return self._get("collision", "unmitigated_by_class")

    @property
    def screening_rate(self) -> dict | None:
        return self._get("collision", "screening_rate")

    @property
    def screening_fleet_rate(self) -> dict | None:
        return self._get("collision", "screening_fleet_rate")

    @property
    def untracked_rate(self) -> np.ndarray | None:
        """1-10 cm hits per satellite-year per orbit."""
        return self._get("untracked_debris", "rate")

    @property
    def breakup_rate(self) -> np.ndarray | None:
        """Breakup events per year in each orbit's band."""
        return self._get("breakup", "rate")

    @property
    def breakup_hit_probability(self) -> np.ndarray | None:
        return self._get("breakup", "hit_probability")


def compute_hazards(portfolio, catalog=None, *, screening: dict | None = None,
                    exclude_names: tuple[str, ...] = ()) -> HazardResult:
    """Hazard rows of the portfolio's perils from a catalog, without a store.

    Parameters
    ----------
    portfolio : riskengine.config.Portfolio
    catalog : riskengine.catalog.Catalog, optional
        Tracked population (needed by the flux perils and ``norad_ids`` groups).
    screening : dict, optional
        ``{group: (sum_pc, window_days, n_satellites[, sum_pc_fleet])}``
        (:func:`screening_from_store`).
    exclude_names : tuple of str
        Upper-case name fragments dropped from the catalog (e.g. ``("STARLINK",)``).
    """
    from riskengine.fleet import resolve_fleet
    from riskengine.stages import compute_hazards as _compute

    return _compute(portfolio, resolve_fleet(portfolio, catalog), catalog, screening=screening,
                    exclude_names=exclude_names)


#: An element-set group whose satellites span more than this in altitude (km), or an orbit
#: more eccentric than :data:`DOSE_MAX_ECCENTRICITY`, gets a dose flag: the dose model
#: averages ONE circular orbit (the group's mean).
DOSE_MAX_ALTITUDE_SPREAD_KM = 50.0
DOSE_MAX_ECCENTRICITY = 0.01


def group_doses(fleet, *, solar: str | None = None) -> tuple[dict, list[tuple[str, str]]]:
    """Yearly ionising dose behind each fleet group's shielding, from the AE-8/AP-8 physics
    (:mod:`riskengine.radiation_env`: the edge that reads the model data and the spectra
    cache), and the ``run_flags`` of groups outside the model's validated range.

    Returns ``({group: dose}, [(code, message)])``; ``dose`` has ``altitude_km``,
    ``inclination_deg``, ``shielding_mm`` (the thickness used), ``trapped`` (rad(Si)/yr:
    trapped protons + electrons + bremsstrahlung, standard AP-8 MIN + AE-8 MAX pairing),
    ``trapped_protons``, ``trapped_electrons``, ``bremsstrahlung``, ``solar_mean`` (the
    expected solar-proton dose of a year of unknown solar phase: the cycle average),
    ``spe_rad_per_fluence`` (rad(Si) per proton/cm^2 above 30 MeV of one event, geomagnetic
    cut-off included: what the ``solar_particle_event`` peril multiplies sampled fluences by),
    ``valid`` and ``problems``.

    Never silent outside the range: an altitude outside 300-2,000 km or a shielding outside
    0.1-50 mm is computed (the shielding clamped into the range) and flagged
    ``dose_outside_validity``, as is a group whose satellites are far from one circular orbit.

    Examples
    --------
    >>> from riskengine.config import parse_portfolio
    >>> from riskengine.fleet import resolve_fleet
    >>> p = parse_portfolio({"fleet": [dict(name="s", altitude_km=650, inclination_deg=97.98,
    ...     planes=1, per_plane=8, sum_insured=1e7, shielding_mm_al=10)]}, "x.toml")
    >>> d, flags = group_doses(resolve_fleet(p))                         # doctest: +SKIP
    >>> round(d["s"]["trapped"]), round(d["s"]["solar_mean"]), flags       # doctest: +SKIP
    (184, 49, [])
    """
    from riskengine import radiation_env as renv

    orbits = fleet.group_orbits()
    fo = fleet.orbits()
    model = renv.spe_model()
    lo, hi = renv.VALID_SHIELDING_MM
    out, flags, bad = {}, [], []
    for g in fleet.groups:
        if g.name not in orbits:
            continue
        alt, inc = orbits[g.name]
        t = float(g.shielding_mm_al)
        t_used = min(max(t, lo), hi)
        problems = []
        if t_used != t:
            problems.append(f"shielding_mm_al = {t:g} is outside {lo:g}-{hi:g} mm Al: the dose "
                            f"is computed at {t_used:g} mm")
        m = np.array([x == g.name for x in fo.group])
        h = np.asarray(fo.alt_km)[m]
        if h.size and float(h.max() - h.min()) > DOSE_MAX_ALTITUDE_SPREAD_KM:
            problems.append(f"its satellites span {h.min():.0f}-{h.max():.0f} km: the dose is "
                            f"the mean circular orbit's ({alt:.0f} km)")
        e = float(np.max(np.asarray(fo.e)[m])) if m.any() else 0.0
        if e > DOSE_MAX_ECCENTRICITY:
            problems.append(f"eccentricity up to {e:.3f}: the dose model averages a circular "
                            "orbit")
        r = renv.dose_rate(alt, inc, t_used, solar=solar, strict=False)
        problems = list(r.outside_validity) + problems
        _, k = renv.spe_inputs(alt, inc, t_used)
        out[g.name] = dict(
            altitude_km=float(alt), inclination_deg=float(inc), shielding_mm=t_used,
            trapped=float(r.trapped[0]), trapped_protons=float(r.trapped_protons[0]),
            trapped_electrons=float(r.trapped_electrons[0]),
            bremsstrahlung=float(r.bremsstrahlung[0]),
            solar_mean=float(model.mean_annual_fluence(None) * k[0]),
            spe_rad_per_fluence=float(k[0]), valid=not problems, problems=problems,
            model=f"{r.models['trapped']}; {r.models['grid']} orbit samples; dose model "
                  f"v{r.models['version']}, aep8 {r.models['aep8']}")
        if problems:
            bad.append(f"fleet group {g.name!r} ({alt:.0f} km, {inc:.1f} deg, {t:g} mm Al): "
                       + "; ".join(problems))
    if bad:
        flags.append(("dose_outside_validity", (
            ". ".join(bad) + ". The dose model (AE-8/AP-8 orbit averages, NIST kernels) is "
            "checked for circular orbits at 300-2,000 km behind 0.1-50 mm Al: outside that "
            "its dose is an extrapolation and the radiation price is indicative (`riskengine "
            "dose --extrapolate` shows the numbers)")))
    return out, flags


def hazard_stats(res: HazardResult, screening_run: str | None = None) -> dict:
    """Per-group diagnostics of a hazards result for the run's ``stats`` (JSON-ready).

    Rates per satellite-year except breakups (events per year in the group's band); the
    radiation dose in rad(Si) per year behind the group's shielding (trapped, and the
    expected solar protons).
    """
    o = res.orbits
    groups = {}
    if o is None:
        return {"groups": groups}

    def avg(x, ks, w):
        return None if x is None else float(np.average(np.asarray(x)[ks], weights=w))

    for gname in dict.fromkeys(o.group):
        ks = np.array([k for k in range(len(o.group)) if o.group[k] == gname])
        w = o.count[ks].astype(float)
        g = {"altitude_km": avg(o.alt_km, ks, w), "inclination_deg": avg(o.inc_deg, ks, w),
             "satellites": int(w.sum())}
        bc, raw = res.collision_by_class, res.collision_unmitigated_by_class
        if bc is not None:
            coll = avg(bc.sum(axis=1), ks, w)
            g["collision_flux"] = coll
            g["collision_fleet_share"] = (avg(bc[:, -1], ks, w) / coll) if coll else 0.0
            g["collision_unmitigated"] = avg(raw.sum(axis=1), ks, w)
            g["collision_unmitigated_fleet"] = avg(raw[:, -1], ks, w)
        scr = (res.screening_rate or {}).get(gname)
        if scr is not None:
            g["collision_screening_unmitigated"] = scr
            g["collision_screening_fleet"] = (res.screening_fleet_rate or {}).get(gname)
            if g.get("collision_unmitigated") is not None:
                g["screening_vs_flux"] = float(compare_rates(g["collision_unmitigated"], scr))
        if res.untracked_rate is not None:
            g["untracked_hits"] = avg(res.untracked_rate, ks, w)
        ud = res.shared.get("untracked_debris", {}).get("groups", {}).get(gname)
        if ud:
            g["untracked_debris"] = ud
        cd = res.shared.get("collision", {}).get("groups", {}).get(gname)
        if cd:   # issue #20: rates by source before/after avoidance, share, manoeuvres
            g["collision"] = cd
            g["collision_share_avoided"] = cd["share_avoided"]
            g["maneuvers_per_satellite_year"] = cd["maneuvers_per_satellite_year"]
            if cd.get("altitude"):
                g["collision_catalog_rate_at_offsets"] = dict(zip(
                    [f"{x:+g} km" for x in (-5, 0, 5)], cd["altitude"]["rates"]))
        if res.breakup_rate is not None:
            g["breakup_events"] = avg(res.breakup_rate, ks, w)
            g["breakup_hit_probability"] = avg(res.breakup_hit_probability, ks, w)
        dose = (res.shared.get("dose") or {}).get(gname)
        if dose is not None:
            g["dose_trapped_rad"] = dose["trapped"]
            g["dose_solar_mean_rad"] = dose["solar_mean"]
            g["dose_valid"] = dose["valid"]
        groups[gname] = g
    return {"groups": groups, "screening_run_id": screening_run,
            "excluded_catalog_objects": res.shared.get("excluded_catalog_objects", 0)}


#: every conjunction of a screening run once per group it concerns: ``(fleet_group, pc,
#: fleet-vs-fleet)``; a fleet-vs-fleet pair is listed once but is a collision of BOTH
#: satellites, so it comes again under the secondary's group (parameter $1: the run)
_GROUP_CONJUNCTIONS = (
    "SELECT fleet_group AS g, coalesce(pc, 0) AS p, coalesce(secondary_in_fleet, false) AS ff "
    "FROM conjunctions WHERE run_id = $1 UNION ALL "
    "SELECT f.fleet_group, coalesce(c.pc, 0), true FROM conjunctions c "
    "JOIN fleet f ON f.run_id = c.run_id AND f.satellite_id = c.secondary_id "
    "WHERE c.run_id = $1 AND c.secondary_in_fleet")


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
    # a fleet-vs-fleet pair's Pc is credited to the primary's group and to the secondary's
    pcs = {g: (tot, ff) for g, tot, ff in con.execute(
        "SELECT g, sum(p), sum(CASE WHEN ff THEN p ELSE 0 END) FROM ("
        f"{_GROUP_CONJUNCTIONS}) GROUP BY 1", [run_id]).fetchall()}
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


def screening_conjunctions(con, run_id: str | None, summary: dict | None = None) -> dict | None:
    """``{group: {"pc": (n,), "fleet": (n,) bool, "satellite_years": float}}`` of a screening
    run: the Pc of every conjunction of each group's satellites (a fleet-vs-fleet pair listed
    for both satellites' groups), for the avoidance the collision peril derives from them.
    ``summary``: the run's :func:`screening_from_store` summary when the caller has it (else
    read here). ``None`` without a screening."""
    if run_id is None:
        return None
    if summary is None:
        _, summary = screening_from_store(con, run_id)
    if not summary:
        return None
    by_group: dict = {}
    for g, pc, ff in con.execute(_GROUP_CONJUNCTIONS, [run_id]).fetchall():
        by_group.setdefault(g, []).append((pc, ff))
    out = {}
    for g, (_, days, n, _) in summary.items():
        sel = by_group.get(g, [])
        out[g] = {"pc": np.array([x[0] for x in sel], float),
                  "fleet": np.array([x[1] for x in sel], bool),
                  "satellite_years": float(n) * float(days) / 365.25}
    return out


def derelict_estimate(con, portfolio, fleet, stats: dict, as_of=None) -> None:
    """Add the derelicts at inception of each group to a hazards run's ``stats`` (in place).

    ``N q min(age, lifetime)``: ``q`` is the annual rate of losses that leave a dead
    satellite in orbit — the bus-failure probability of the newest fit in the store (its
    posterior mean, without the payload subsystem's share) plus the lethal untracked-debris
    rate of the rows — ``age`` the group's age at inception, ``lifetime`` the dead
    satellite's decay time. Without a fit in the store the count is left out (the priced
    run's stats carry the exact per-draw figures, batch defects included).
    """
    from riskengine.core.derelict import derelicts_at_inception
    from riskengine.core.posterior import fleet_hazard_draws, group_age_years

    groups = stats.get("groups") or {}
    q_bus = {}
    note = "no fit in the store: run `riskengine fit` (or price) for the bus-failure rate"
    try:
        from riskengine.bayes import load_posterior

        post = load_posterior(con)
        draws = fleet_hazard_draws(post, fleet.groups, rng=np.random.default_rng(0),
                                   as_of=as_of)
        keep = sum(float(s["share"]) for s in (post.subsystems or [])
                   if s["subsystem"] != "payload") or 1.0
        q_bus = {g.name: float(draws["hardware"][:, j].mean()) * keep
                 for j, g in enumerate(fleet.groups)}
        note = (f"bus failures of fit {post.run_id} (posterior mean, without payload "
                f"failures: {keep:.0%} of them) + lethal untracked-debris hits")
    except (LookupError, KeyError, ValueError) as exc:  # no fit, or one without bus draws
        note = f"{note} ({exc})" if not isinstance(exc, LookupError) else note
    for g in fleet.groups:
        gd = groups.get(g.name)
        if gd is None:
            continue
        der = (gd.get("collision") or {}).get("sources", {}).get("derelicts") or {}
        life = der.get("derelict_lifetime_years")
        lethal = (gd.get("untracked_debris") or {}).get("lethal_per_satellite_year", 0.0)
        age = group_age_years(g, as_of)
        gd["derelicts"] = {"age_years": age, "derelict_lifetime_years": life, "basis": note}
        if g.name in q_bus and life is not None:
            q = q_bus[g.name] + lethal
            gd["derelicts"].update(derelict_failure_rate=q, derelicts_at_inception=float(
                derelicts_at_inception(gd.get("satellites", 0), q, age, life)))
        gd["derelicts_at_inception"] = gd["derelicts"].get("derelicts_at_inception")
