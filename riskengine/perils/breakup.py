"""``type = "breakup"``: fragment clouds of catastrophic collisions near a fleet shell.

Catastrophic collisions among all objects within ``band_km`` of the group's altitude
(catalog x catalog, catalog x fleet, fleet x fleet; :func:`riskengine.core.collision.breakup_rate_in_band`)
are shared events (scope ``event``): each event's NASA Standard Breakup Model cloud
(fragments larger than the shield's critical diameter) hits each satellite of the group
with ``hit_probability`` over the cloud's decaying exposure — the correlated peril of a
constellation book. Severity: the mixture of total and partial losses, as a Beta.

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
    horizon_years: float = param(
        1.0, gt=0, le=100, allow_inf_nan=False, unit="yr",
        description="exposure horizon of a cloud counted against the insured year",
        assumption="one policy year of exposure per event; the cloud's decay shortens it")
    projectile_mass_kg: float | None = param(
        None, gt=0, le=1e6, allow_inf_nan=False, unit="kg",
        description="mass of the impactor (default: the group's satellite mass)",
        assumption="a collision between two objects of the shell's own class")


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
            expo = float(dbr.cloud_exposure_years(dbr.fragment_lifetime_years(h),
                                                  p.horizon_years))
            p_hit = 1.0 - np.exp(-hit_rate * expo)
            rate[ks] = lam
            p_hit_all[ks] = p_hit
            # severity: mixture of total (p_total) and Beta partial, moment-matched to a Beta
            pt = dm["p_total"] / max(dm["p_total"] + dm["p_partial"], 1e-300)
            a, b = dm["beta_a"], dm["beta_b"]
            mu_p = a / (a + b)
            ex2_p = mu_p * (a + 1) / (a + b + 1)
            mu = pt + (1 - pt) * mu_p
            var = max(pt + (1 - pt) * ex2_p - mu ** 2, 1e-9)
            kappa = max(mu * (1 - mu) / var - 1.0, 1e-3)
            note = (f"catastrophic collisions within ±{p.band_km:g} km: {lam:.3g}/yr; SBM cloud "
                    f"{n_frag:.3g} fragments >= {dm['d_crit_cm']:.2f} cm (M={m + mp:g} kg), "
                    f"spread ±{p.spread_km:g} km, exposure {expo:.2f} yr")
            one = walker[ks].all()
            p_rep = p_hit[:1] if one else p_hit
            for j, k in enumerate(ks[:1] if one else ks):
                rows.append(dict(fleet_group=gname, satellite_id=satellite_id(orb, k),
                                 peril=self.name, scope="event", annual_rate=lam,
                                 hit_probability=float(p_rep[j]), severity="beta",
                                 severity_a=float(mu * kappa), severity_b=float((1 - mu) * kappa),
                                 method="flux", altitude_km=h, notes=note))
        ctx.shared.setdefault("breakup", {}).update(rate=rate, hit_probability=p_hit_all)
        return rows

    def _collision_shares(self, ctx):
        """``group -> (avoidance, self_factor)`` for :func:`breakup_rate_in_band`: this
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
