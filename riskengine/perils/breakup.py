"""``type = "breakup"``: fragment clouds of catastrophic collisions near a fleet shell.

Catastrophic collisions among all objects within ``band_km`` of the group's altitude
(catalog x catalog, catalog x fleet, fleet x fleet; :func:`riskengine.core.collision.breakup_rate_in_band`)
are shared events (scope ``event``): each event's NASA Standard Breakup Model cloud
(fragments larger than the shield's critical diameter) hits each satellite of the group
over the cloud's exposure — the correlated peril of a constellation book.

Exposure: a breakup happens at a uniformly distributed time ``t`` of the policy year, and
its cloud threatens the fleet from then to the year's end, thinning as fragments decay
(e-folding lifetime ``tau`` of cm-size fragments at the shell's altitude): exposure
``tau (1 - exp(-(1 - t) / tau))`` years, about half a year on average, not a whole one
(:func:`riskengine.core.debris.cloud_exposure_to_year_end`). The hazards row carries the
hit probability averaged over ``t`` and the lifetime; the loss engine gives every event
the hit probability of its own time.

Severity: a penetrating fragment at or above the catastrophic 40 J/g energy destroys the
satellite, a smaller one destroys part of it (Beta) — the mixture itself (severity
``mixture``), which keeps the share of hits at or above the constructive-total-loss
threshold that a Beta matched to its first two moments misstates
(:func:`breakup_severity`).

Examples
--------
>>> from riskengine.perils import get
>>> get("breakup").Params().band_km
25.0
"""

from __future__ import annotations

import numpy as np

from riskengine.core import debris as dbr
from riskengine.core.collision import breakup_rate_in_band
from riskengine.core.flux import CLASSES, R_EARTH_KM, Population, collision_rates
from riskengine.perils import register
from riskengine.perils._flux import flux_setup, satellite_id
from riskengine.perils.base import KeyAssumption, Params, Peril, param


class BreakupParams(Params):
    avoidance: float | None = param(
        None, ge=0, le=1, allow_inf_nan=False, unit="share",
        description="share of the band's collisions involving a manoeuvrable party (payload "
                    "or fleet) removed by manoeuvres (default: the collision peril's derived "
                    "share of each group, and its shell geometry for fleet-vs-fleet pairs)",
        assumption="as the collision peril's avoidance: without it a dense band of active "
                   "satellites shows several random catastrophic collisions a year (the "
                   "physics upper bound, which manoeuvres remove)")
    payload_avoidance: float | None = param(
        None, ge=0, le=1, allow_inf_nan=False, unit="share",
        description="share of the collisions between catalog payloads and other catalog "
                    "objects in the band that the payloads' operators remove (default: the "
                    "collision peril's derived share for the fleet's own conjunctions)",
        assumption="the band's active payloads (mostly Starlink at 550 km) screen with their "
                   "own ephemerides and coordinate within their shells, as the insured "
                   "operator does among its own satellites; treating them like a single "
                   "CDM-grade operator would price several random catastrophic collisions a "
                   "year in the 550 km band, none of which is on record")
    band_km: float = param(
        25.0, gt=0, le=500, allow_inf_nan=False, unit="km",
        description="half-width of the altitude band whose catastrophic collisions count",
        assumption="fragments of a breakup spread ~±25 km in mean altitude within months "
                   "(order of the SBM delta-v spread); a wider band counts more, weaker events")
    spread_km: float = param(
        100.0, gt=0, le=2000, allow_inf_nan=False, unit="km",
        description="radial spread of the fragment cloud",
        assumption="cloud orbits spread ~±100 km (eccentricity) from the breakup altitude, "
                   "as the Iridium-Cosmos and Fengyun-1C clouds did in their first year")
    projectile_mass_kg: float | None = param(
        None, gt=0, le=1e6, allow_inf_nan=False, unit="kg",
        description="mass of the impactor (default: the group's satellite mass)",
        assumption="a collision between two objects of the shell's own class")


def breakup_severity(dm: dict) -> tuple[float, float, float]:
    """``(p_total, a, b)``: the damage of a penetrating fragment, a total loss with
    probability ``p_total`` (at or above 40 J/g) and Beta(a, b) otherwise, from
    :func:`riskengine.core.debris.untracked_damage` over the SBM fragment sizes.

    Examples
    --------
    >>> from riskengine.core import debris as dbr
    >>> dm = dbr.untracked_damage(10.0, 1500.0, beta=dbr.SBM_SLOPE, d_max_cm=100.0)
    >>> pt, a, b = breakup_severity(dm)
    >>> round(pt, 4), round(a / (a + b), 4)
    (0.0275, 0.0356)
    """
    pt = dm["p_total"] / max(dm["p_total"] + dm["p_partial"], 1e-300)
    return float(pt), float(dm["beta_a"]), float(dm["beta_b"])


@register
class Breakup(Peril):
    type = "breakup"
    order = 30
    kind = "physical"
    summary = ("fragment clouds of catastrophic collisions in the shell's band (NASA "
               "Standard Breakup Model): shared events hitting many satellites")
    Params = BreakupParams
    default = True
    default_params: dict = {}
    needs = frozenset({"fleet", "catalog"})
    key_assumptions = (KeyAssumption("band_km", (10.0, 50.0), "breakup altitude band (km)"),)

    def hazard_rows(self, ctx) -> list[dict]:
        p = self.params
        coll = ctx.params_of("collision")
        fx = flux_setup(ctx, coll.shell_thickness_km)
        orb, tgt, pop, grid = fx.orbits, fx.targets, fx.pop, fx.grid
        alt = orb.alt_km
        derived = self._collision_shares(ctx)
        rate = np.zeros(len(alt))
        p_hit_all = np.zeros(len(alt))
        walker = orb.satellite_id < 0
        rows = []
        for gname in dict.fromkeys(orb.group):
            ks = np.array([k for k in range(len(alt)) if orb.group[k] == gname])
            h = float(np.average(alt[ks], weights=orb.count[ks]))
            b_avoid, sf, a_pl = derived(gname)
            lam = breakup_rate_in_band(pop, grid, h - p.band_km, h + p.band_km,
                                       avoidance=b_avoid, self_factor=sf,
                                       payload_avoidance=a_pl)
            m = float(orb.mass_kg[ks[0]])
            mp = float(p.projectile_mass_kg or m)
            dm = dbr.untracked_damage(orb.shielding_mm[ks[0]], m, beta=dbr.SBM_SLOPE,
                                      d_max_cm=100.0)
            n_frag = float(dbr.sbm_fragment_count(m, mp, 10.0, dm["d_crit_cm"] / 100.0))
            a0 = R_EARTH_KM + h
            frag = Population([a0], [min(p.spread_km / a0, 0.5)], [float(np.average(
                orb.inc_deg[ks], weights=orb.count[ks]))], [0.0], [CLASSES.index("DEBRIS")],
                [n_frag])
            hit_rate = collision_rates(tgt.subset(ks), frag, grid).total   # per sat-yr
            tau = float(dbr.fragment_lifetime_years(h))
            # exposure from a uniform time of the year to its end, decaying: averaged here,
            # the engine gives each event the probability of its own time
            p_hit = np.asarray(dbr.mean_cloud_hit_probability(hit_rate, tau), float)
            rate[ks] = lam
            p_hit_all[ks] = p_hit
            pt, a, b = breakup_severity(dm)
            note = (f"catastrophic collisions within ±{p.band_km:g} km: {lam:.3g}/yr; SBM cloud "
                    f"{n_frag:.3g} fragments >= {dm['d_crit_cm']:.2f} cm (M={m + mp:g} kg), "
                    f"spread ±{p.spread_km:g} km; exposure from the event to the year's end, "
                    f"fragment lifetime {tau:.3g} yr; severity: total w.p. {pt:.4f}, else "
                    f"Beta({a:.3f}, {b:.3f})")
            one = walker[ks].all()
            p_rep = p_hit[:1] if one else p_hit
            for j, k in enumerate(ks[:1] if one else ks):
                rows.append(dict(fleet_group=gname, satellite_id=satellite_id(orb, k),
                                 peril=self.name, scope="event", annual_rate=lam,
                                 hit_probability=float(p_rep[j]), severity="mixture",
                                 severity_a=a, severity_b=b, severity_p_total=pt,
                                 cloud_lifetime_years=tau, method="flux", altitude_km=h,
                                 notes=note))
        ctx.shared.setdefault("breakup", {}).update(rate=rate, hit_probability=p_hit_all)
        return rows

    def _collision_shares(self, ctx):
        """``group -> (avoidance, self_factor, payload_avoidance)`` for
        :func:`breakup_rate_in_band`: this
        peril's ``avoidance`` when set, else the collision peril's derived share of each
        group (its hazard rows computed first when the portfolio has no collision peril);
        the fleet-vs-fleet factor is the shell geometry's share of the random-phase rate,
        after the fleet's own avoidance, relative to the catalog's."""
        p = self.params
        coll = ctx.params_of("collision")
        cd = ctx.shared.get("collision", {})
        if "avoided_share" not in cd and (p.avoidance is None or coll.self_factor is None):
            from riskengine.perils import get, validate_entry

            c = get("collision")(validate_entry({"type": "collision",
                                                 "params": coll.model_dump()}))
            c.hazard_rows(ctx)
            cd = ctx.shared.get("collision", {})

        def shares(g):
            if p.avoidance is not None:
                a = float(p.avoidance)
                sf = (coll.self_factor if coll.self_factor is not None
                      else cd.get("self_factor", {}).get(g, 1.0))
                return a, float(sf), a
            a = float(cd.get("avoided_share", {}).get(g, 0.0))
            a_ff = float(cd.get("fleet_avoided_share", {}).get(g, a))
            ratio = float(cd.get("self_factor", {}).get(g, 1.0))
            sf = ratio * (1.0 - a_ff) / (1.0 - a) if a < 1.0 else 0.0
            a_pl = a_ff if p.payload_avoidance is None else float(p.payload_avoidance)
            return a, float(min(sf, 1e6)), a_pl

        return shares

    def add_sources(self, hs, ctx) -> None:
        """The stored rows as shared events (:meth:`Peril.add_sources`), then each event's
        exposure to the year's end and the mixture severity from the rows' extra columns
        (rows of hazards runs written before them stay time-independent)."""
        from riskengine.core.debris import cloud_hit_rate
        from riskengine.core.sources import EventSource

        before = len(hs.sources)
        super().add_sources(hs, ctx)
        idx = ctx.rows_for(self.name)
        col = ctx.rows.get
        for src in hs.sources[before:]:
            if not isinstance(src, EventSource) or not len(src.units.sats):
                continue
            gname = hs.group_names[int(hs.group[src.units.sats[0]])]
            mine = [i for i in idx if col("fleet_group")[i] == gname]
            by_sat = {}
            for i in mine:
                sid = col("satellite_id")[i]
                by_sat[-1 if sid is None or sid != sid else int(sid)] = i
            order = [by_sat[k] for k in sorted(by_sat)]     # the units' order
            taus = [(col("cloud_lifetime_years") or [None] * (max(idx) + 1))[i] for i in order]
            if all(t is not None and t == t for t in taus):
                tau = np.array(taus, float)
                src.exposure_tau = tau
                src.exposure_rate = np.asarray(cloud_hit_rate(src.hit_probability, tau[None, :]))
            pts = [(col("severity_p_total") or [None] * (max(idx) + 1))[i] for i in order]
            if src.severity == "mixture":
                pt = pts[0] if pts and pts[0] is not None and pts[0] == pts[0] else 0.0
                src.sev_total = np.array([float(pt)])
