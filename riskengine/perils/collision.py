"""``type = "collision"``: collisions with tracked objects, with the fleet's own live
satellites and with the fleet's own derelicts, after the manoeuvres the operator flies.

Hazard rows (severity ``total``):

* ``method = 'flux'`` (scope ``satellite``) — one row per Walker group or element-set
  satellite, always written: the long-term Kessler flux of the tracked catalog through the
  orbit (:func:`riskengine.core.flux.collision_rates`), **smoothed over the altitude
  resolution the element sets support** (:mod:`riskengine.core.altitude`: a shell placed
  in a flux minimum narrower than that gets no credit), plus the fleet's live satellites:
  other shells of the portfolio at random phases, the group's own Walker shell from its
  geometry (:func:`riskengine.core.shellgeometry.shell_close_approaches`: plane
  crossings, phasing, altitude stagger, ``station_keeping_sigma_m``) — each after the
  avoidance the operator's practice derives;
* ``method = 'screening'`` (scope ``satellite``) — when the store holds a screening of
  *this* portfolio on *this* catalog: its annualised sum of Pc against the catalog, one row
  per group, after the same avoidance;
* ``method = 'derelict'`` (scope ``satellite``, peril ``<name>_derelict``) — one row per
  pair (group whose satellites fail, group whose band the derelict crosses): collisions
  per derelict-year in the band with the live satellites (after *their* avoidance; a
  derelict does not manoeuvre), and when and how long the derelict is there
  (``delay_years``, ``dwell_years``, from the dead satellite's decay over the solar cycle,
  :func:`riskengine.core.derelict.band_passage`). The loss engine draws these collisions
  from the failures of the same simulated year
  (:class:`riskengine.core.sources.DerelictSource`).

**Avoidance is derived, not assumed** (:mod:`riskengine.perils._avoid`): from the
operator's manoeuvre threshold, the covariance quality it screens with and the share of
manoeuvres that succeed (per group: ``operators``), by NASA CARA's event-rate method
(Hall 2019) — on this portfolio's screening when its Pc were computed with that
covariance (TLE), else on conjunctions drawn from the rate. Conjunctions with the fleet's
own satellites are screened on both operators' ephemerides (``fleet_covariance``);
third-party constellations that manoeuvre themselves (``third_party``) are avoided at the
lower of the two thresholds. ``avoidance`` and ``self_factor`` override the derived share
and the shell geometry with fixed numbers (the old unsourced 0.99 and 0.01).

The per-group numbers (rates by source before and after avoidance, the share avoided with
its interval, manoeuvres per satellite-year beside operator reports, the catalog rate at
±5 km, derelicts) are the run's diagnostics (``riskengine hazards --json``).

Examples
--------
>>> from riskengine.perils import get
>>> P = get("collision").Params
>>> P().avoidance is None, P().maneuver_threshold_pc, P().covariance
(True, 0.0001, 'cdm')
>>> P(operators={"shell": {"maneuver_threshold_pc": 1e-5}}).operators["shell"].maneuver_threshold_pc
1e-05
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from riskengine.core import altitude as alt_res
from riskengine.core import derelict as drl
from riskengine.core.avoidance import COVARIANCE_GRADES
from riskengine.core.collision import screening_annual_rate
from riskengine.core.flux import CLASSES, R_EARTH_KM, Population, collision_rates
from riskengine.core.shellgeometry import shell_close_approaches
from riskengine.core.sources import hazard_set_from_rows
from riskengine.perils import _avoid, register
from riskengine.perils._flux import (FLEET, PAYLOAD, constellation_payloads, flux_setup,
                                     satellite_id)
from riskengine.perils.base import KeyAssumption, Params, Peril, param

SHELL_THICKNESS_KM = 1.0
Grade = Literal["tle", "cdm", "operator"]
#: altitudes around a group's shell at which its catalog collision rate is reported
OFFSETS_KM = (-5.0, 0.0, 5.0)
_PROFILE_KM = np.arange(-20.0, 20.5, 1.0)
#: catalog objects within this many degrees of a group's inclination are co-inclined: their
#: mean-element altitudes compare with the group's without the J2 short-period term
CO_INCLINED_DEG = 1.0
#: largest Walker shell whose own close approaches are evaluated pair by pair (cost grows
#: with the square of the satellites per plane); larger shells keep the kinetic-gas rate
GEOMETRY_MAX_SATELLITES = 5_000

#: Public operator reports of manoeuvres per satellite-year, shown beside the derived ones
#: (riskengine.core.avoidance documents each).
OPERATOR_REPORTS = (
    ("NASA CARA, Hubble (EventRate 'NewHST')", 1e-4, "0.71 /yr (95 %: 0.27-1.33), 74 % of "
     "the risk removed", "Hall & Ravago, EventRate description, 2022 rev. 2026, slides 8 and 19"),
    ("ESA missions (design)", 1e-4, "1-3 /yr, 90 % of the risk removed",
     "Funke et al. 2018, ESA Space Debris Office, slide 3"),
    ("Starlink, Dec 2022 - May 2023", 1e-5, "~12.6 /yr",
     "SpaceX semi-annual constellation report to the FCC (via H. Lewis)"),
    ("Starlink, Dec 2024 - May 2025", 3e-7, "~41 /yr", "same"),
)


class OperatorPractice(BaseModel):
    """One fleet group's own manoeuvre practice (any key left out: the peril's default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    maneuver_threshold_pc: float | None = Field(
        None, gt=0, lt=1, description="Pc at or above which the operator manoeuvres")
    covariance: Grade | None = Field(
        None, description="covariance quality the operator screens with: tle, cdm, operator")
    maneuver_success: float | None = Field(
        None, ge=0, le=1, description="share of manoeuvres executed in time and effective")


class CollisionParams(Params):
    avoidance: float | None = param(
        None, ge=0, le=1, unit="share",
        description="fixed share of the tracked-object (and fleet) collision rate removed by "
                    "manoeuvring, for every group; default: derived per group from "
                    "maneuver_threshold_pc, covariance and maneuver_success",
        assumption="an override only: the old default 0.99 was unsourced; the derived share "
                   "follows NASA CARA's event-rate method (Hall 2019, AAS 19-631)")
    maneuver_threshold_pc: float = param(
        1e-4, gt=0, lt=1, unit="Pc",
        description="collision probability at or above which the operator manoeuvres",
        source="NASA acts at Pc >= 1e-4 (NASA CARA; Hall 2019 AAS 19-631; GUIDE.md); "
               "Starlink at 1e-5 (SpaceX semi-annual FCC reports, 2023) - priced as the "
               "sensitivity case")
    covariance: Grade = param(
        "cdm", unit="", description="covariance quality the operator screens with: tle "
        "(public element sets), cdm (CSpOC special-perturbations CDMs), operator (own GNSS "
        "ephemerides on both sides)",
        source=COVARIANCE_GRADES["cdm"].source)
    maneuver_success: float = param(
        0.99, ge=0, le=1, unit="share",
        description="share of the manoeuvres decided that are executed in time and "
                    "effective (the rest keep their Pc)",
        assumption="no operator publishes it; 1 % lost to late data after the commit time, "
                   "thruster or ground-contact unavailability. It caps what any threshold "
                   "removes, so the sensitivity analysis prices 0.95 and 0.999")
    fleet_covariance: Grade = param(
        "operator", unit="", description="covariance of conjunctions between two of the "
        "portfolio's own satellites (the operator holds both ephemerides)",
        assumption="the operator screens its own satellites on its own GNSS ephemerides; the "
                   "'operator' grade (5/20/5 m, 0.3 dex) is itself an assumption: "
                   + COVARIANCE_GRADES["operator"].source.removeprefix("assumption: "))
    operators: dict[str, OperatorPractice] = param(
        {}, unit="", description="per fleet group: maneuver_threshold_pc, covariance, "
        "maneuver_success overriding the defaults above, e.g. "
        "{ \"shell-a\" = { maneuver_threshold_pc = 1e-5 } }",
        source="the operator's own practice, as underwritten")
    third_party: dict[str, float] = param(
        {"STARLINK": 1e-5}, unit="Pc",
        description="catalog payloads whose name starts with a key belong to a constellation "
                    "that manoeuvres itself at that threshold: conjunctions with them are "
                    "avoided at the lower of the two thresholds",
        source="SpaceX semi-annual FCC reports: Starlink manoeuvres at Pc >= 1e-5 (Dec 2022 - "
               "May 2023; lower since, ~3e-7 in 2025)")
    self_factor: float | None = param(
        None, ge=0, le=1, unit="share",
        description="fixed share of a Walker shell's random-phase (kinetic-gas) self-crossing "
                    "rate that remains; default: the shell's geometry",
        assumption="an override only: the old default 0.01 was unsourced; the geometry "
                   "follows plane crossings, phasing and altitude stagger (Walker 1984)")
    station_keeping_sigma_m: tuple[float, float, float] = param(
        (20.0, 200.0, 20.0), unit="m",
        description="one-sigma position error of a fleet satellite about its slot, radial / "
                    "along-track / cross-track (control box and navigation)",
        assumption="GNSS orbit knowledge is metre-level; the control deadband of an "
                   "electric-propulsion constellation is taken as tens of metres radially and "
                   "cross-track and a few hundred metres along-track (phasing is controlled "
                   "loosely). No operator publishes it")
    shell_thickness_km: float = param(
        SHELL_THICKNESS_KM, ge=0, le=100, allow_inf_nan=False, unit="km",
        description="radial thickness of a Walker shell that declares no altitude_spread_km "
                    "(its satellites are spread uniformly over it)",
        source="the 2023-10 Space-Track catalog holds 1,322 Starlinks within one km of "
               "547 km (station-keeping keeps a shell about that thin)")
    altitude_resolution: bool = param(
        True, unit="", description="smooth the catalog flux over the altitude uncertainty of "
        "mean element sets (mean vs osculating J2 oscillation, eccentricity, TLE radial error)",
        source="Kozai 1959 short-period J2 term; Aida & Kirschner 2013 TLE radial error "
               "(riskengine.core.altitude)")
    derelicts: bool = param(
        True, unit="", description="price collisions with the fleet's own dead satellites "
        "(they stop manoeuvring and decay through the shells)",
        source="King-Hele decay over the solar cycle with NRLMSIS 2.1 densities "
               "(riskengine.core.lifetime); SpaceX: failed Starlinks at ~550 km deorbit "
               "within 5-6 years")
    derelict_causes: tuple[str, ...] = param(
        ("hardware", "batch_defect", "untracked_debris"), unit="",
        description="loss labels (or label prefixes before ':') whose total losses leave a "
                    "derelict: bus failures, serial defects, lethal debris hits",
        assumption="a dead bus stays in orbit; radiation here costs accelerators (the bus "
                   "keeps flying), storms bring satellites down, collisions leave fragments "
                   "(the breakup peril)")
    derelict_exclude: tuple[str, ...] = param(
        ("hardware:payload",), unit="", description="labels that never leave a derelict",
        assumption="a payload failure leaves the bus manoeuvring")
    method: Literal["auto", "flux", "screening"] = param(
        "auto", unit="", description="auto: this portfolio's own screening when the store "
        "holds one on the same catalog, else the flux; flux or screening force one",
        assumption="a screening measures the conjunctions of its window; the flux is the "
                   "long-term base. Both are reported side by side")


@register
class Collision(Peril):
    type = "collision"
    order = 10
    kind = "physical"
    summary = ("collisions with tracked objects, the fleet's own shells and its derelicts "
               "(Kessler flux or this portfolio's screening; shell geometry), after the "
               "avoidance the operator's threshold and covariance derive; total loss")
    Params = CollisionParams
    default = True
    default_params: dict = {}
    needs = frozenset({"fleet", "catalog", "atmosphere"})
    key_assumptions = (
        KeyAssumption("maneuver_threshold_pc", (1e-4, 1e-5),
                      "manoeuvre threshold Pc (derived avoidance)"),
        KeyAssumption("maneuver_success", (0.95, 0.999),
                      "share of collision-avoidance manoeuvres that succeed"),
    )

    def labels(self) -> list[str]:
        return [self.name, self.derelict_label]

    @property
    def derelict_label(self) -> str:
        return f"{self.name}_derelict"

    # ---------------------------------------------------------------- practice
    def practice(self, group: str) -> tuple[float, str, float]:
        """``(threshold, covariance grade, success)`` of one fleet group."""
        p = self.params
        o = p.operators.get(group)
        pick = (lambda k: getattr(o, k) if o is not None and getattr(o, k) is not None
                else getattr(p, k))
        return (float(pick("maneuver_threshold_pc")), str(pick("covariance")),
                float(pick("maneuver_success")))

    @classmethod
    def groups_named(cls, entry) -> list[tuple[str, str]]:
        return [(f"params.operators.{g}", g) for g in entry.params.operators]

    # ---------------------------------------------------------------- hazards
    def hazard_rows(self, ctx) -> list[dict]:
        p = self.params
        fx = flux_setup(ctx, p.shell_thickness_km)
        orb = fx.orbits
        n = len(orb.a_km)
        names = list(dict.fromkeys(orb.group))
        unknown = [g for g in p.operators if g not in names]
        if unknown:
            from riskengine.errors import ConfigError

            raise ConfigError(f"perils collision params.operators names fleet group(s) "
                              f"{unknown}, not in the portfolio (groups: {names})")
        members = {g: np.array([k for k in range(n) if orb.group[k] == g]) for g in names}
        key = ("collision_physics", float(p.shell_thickness_km), bool(p.altitude_resolution),
               tuple(p.station_keeping_sigma_m), tuple(sorted(p.third_party)))
        if key not in ctx.shared:   # kept for the sensitivity cases (threshold, success)
            ctx.shared[key] = self._physics(ctx, fx, members)
        ph = ctx.shared[key]
        cat_raw, third_raw = ph["cat_raw"], ph["third_raw"]
        cat_rate, third_rate, near = ph["cat_rate"], ph["third_rate"], ph["near"]
        other, own_kinetic, own_geom = ph["other"], ph["own_kinetic"], ph["own_geom"]
        geom_info = ph["geom_info"]
        if p.self_factor is not None:
            own = own_kinetic * p.self_factor
            own_method = f"kinetic gas x self_factor {p.self_factor:g}"
        else:
            own = np.where(np.isnan(own_geom), own_kinetic, own_geom)
            own_method = "shell geometry (Walker) / kinetic gas (element sets)"
        # ---- derived avoidance per group
        scr_rates = {}
        if ctx.screening and p.method != "flux":
            for g, entry in ctx.screening.items():
                pc_sum, days, nsat = entry[:3]
                pc_fleet = entry[3] if len(entry) > 3 else 0.0
                scr_rates[g] = (screening_annual_rate(pc_sum, days, nsat),
                                screening_annual_rate(pc_fleet, days, nsat), days, nsat, pc_sum)
        derived = {}
        raw_total = cat_raw[:, :FLEET].sum(axis=1) + sum(third_raw.values(), np.zeros(n))
        for g, ks in members.items():
            derived[g] = self._derive(ctx, fx, g, ks, ph, other, own, scr_rates.get(g),
                                      raw_total)
        # ---- mitigated rates
        keep = {g: {k: (1.0 - d.share if p.avoidance is None else 1.0 - p.avoidance)
                    for k, d in dg.items()} for g, dg in derived.items()}
        by_class = np.zeros((n, len(CLASSES)))
        raw = np.zeros((n, len(CLASSES)))
        for g, ks in members.items():
            kc = keep[g]
            by_class[ks, :FLEET] = cat_rate[ks, :FLEET] * kc["catalog"]
            for k, r3 in third_rate.items():
                by_class[ks, PAYLOAD] += r3[ks] * kc[f"third_party:{k}"]
            by_class[ks, FLEET] = (other[ks] + own[ks]) * kc["fleet"]
            raw[ks, :FLEET] = cat_rate[ks, :FLEET]
            for r3 in third_rate.values():
                raw[ks, PAYLOAD] += r3[ks]
            raw[ks, FLEET] = other[ks] + own_kinetic[ks]
        alt = orb.alt_km
        rows = []
        for k in range(n):
            br = ", ".join(f"{c.lower()} {by_class[k, j]:.3g}" for j, c in enumerate(CLASSES))
            d = derived[orb.group[k]]["catalog"]
            rows.append(dict(fleet_group=orb.group[k], satellite_id=satellite_id(orb, k),
                             peril=self.name, scope="satellite",
                             annual_rate=float(by_class[k].sum()), hit_probability=1.0,
                             severity="total", method="flux", altitude_km=float(alt[k]),
                             notes=f"Kessler flux per class /yr after avoidance: {br}; "
                                   f"catalog avoided {d.share:.1%} ({d.method}, Pc >= "
                                   f"{d.threshold_pc:g}, {d.grade} covariance)"))
        # a new dict: a sensitivity case computes in a shallow copy of the base's shared state
        diag = ctx.shared["collision"] = dict(ctx.shared.get("collision", {}))
        diag.update(by_class=by_class, unmitigated_by_class=raw)
        groups_diag = {}
        if scr_rates:
            diag["screening_rate"], diag["screening_fleet_rate"] = {}, {}
            for g, (r, r_f, days, nsat, pc_sum) in scr_rates.items():
                diag["screening_rate"][g] = r
                diag["screening_fleet_rate"][g] = r_f
                if g not in members:
                    continue
                ks = members[g]
                kc = keep[g]
                own_g = float(np.average(other[ks] + own[ks], weights=orb.count[ks]))
                # the fleet-vs-fleet Pc of a screening of nominal Walker slots is not evidence
                # of a station-kept shell: the live fleet part comes from the geometry
                ff = own_g if ctx.fleet.shell_elements(g) is not None else r_f
                mitigated = (r - r_f) * kc["catalog"] + ff * kc["fleet"]
                rows.append(dict(fleet_group=g, satellite_id=None, peril=self.name,
                                 scope="satellite", annual_rate=float(mitigated),
                                 hit_probability=1.0, severity="total", method="screening",
                                 altitude_km=float(np.mean(alt[ks])),
                                 notes=f"sum Pc {pc_sum:.3g} over {days:g} d, {nsat} "
                                       f"satellites: {r:.3g}/sat-yr before avoidance "
                                       f"(fleet-vs-fleet {r_f:.3g}); catalog avoided "
                                       f"{1 - kc['catalog']:.1%}"))
        if p.method == "screening" and not ctx.screening:
            from riskengine.errors import ConfigError

            raise ConfigError("perils collision params.method = 'screening', but the store "
                              "holds no screening of this portfolio on this catalog: run "
                              "`riskengine screen CONFIG` first, or use method = 'auto'")
        der_rows, der_diag = self._derelict_rows(ctx, fx, members, keep)
        rows += der_rows
        for g, ks in members.items():
            w = orb.count[ks].astype(float)

            def avg(x):
                return float(np.average(np.asarray(x)[ks], weights=w))

            sources = {"catalog": {"before": avg(cat_rate[:, :FLEET].sum(axis=1)),
                                   "after": avg(cat_rate[:, :FLEET].sum(axis=1)) * keep[g]["catalog"]}}
            for k, r3 in third_rate.items():
                sources[f"third_party:{k}"] = {"before": avg(r3),
                                               "after": avg(r3) * keep[g][f"third_party:{k}"]}
            sources["fleet_other_shells"] = {"before": avg(other), "after": avg(other) * keep[g]["fleet"]}
            sources["own_shell"] = {"before": avg(own), "after": avg(own) * keep[g]["fleet"],
                                    "kinetic_gas": avg(own_kinetic), "method": own_method}
            sources["derelicts"] = der_diag.get(g, {})
            dg = {k: d.as_dict() for k, d in derived[g].items()}
            mvr = sum(d.maneuvers_per_year for d in derived[g].values())
            groups_diag[g] = {
                "practice": dict(zip(("maneuver_threshold_pc", "covariance", "maneuver_success"),
                                     self.practice(g))),
                "avoidance_override": p.avoidance, "sources": sources, "derived": dg,
                "share_avoided": (derived[g]["catalog"].share if p.avoidance is None
                                  else p.avoidance),
                "maneuvers_per_satellite_year": mvr, "altitude": near.get(g),
                "shell_geometry": geom_info.get(g),
                "operator_reports": [dict(operator=a, threshold_pc=b, reported=c, source=d)
                                     for a, b, c, d in OPERATOR_REPORTS]}
        diag["groups"] = groups_diag
        diag["avoided_share"] = {g: 1.0 - keep[g]["catalog"] for g in names}
        diag["fleet_avoided_share"] = {g: 1.0 - keep[g]["fleet"] for g in names}
        diag["self_factor"] = {g: (float(np.average(own[ks] / np.where(own_kinetic[ks] > 0,
                                                                        own_kinetic[ks], 1.0),
                                                      weights=orb.count[ks]))
                                   if own_kinetic[ks].any() else 0.0)
                               for g, ks in members.items()}
        return rows

    def _physics(self, ctx, fx, members) -> dict:
        """Rates before avoidance that do not depend on the operator's practice: the catalog
        flux (split off third-party constellations, smoothed over the altitude resolution),
        the fleet's other shells and each group's own shell (geometry, kinetic gas)."""
        p = self.params
        orb, tgt = fx.orbits, fx.targets
        n = len(orb.a_km)
        # ---- tracked catalog: split off third-party constellations that manoeuvre
        third = {}
        if fx.catalog_names is not None:
            for pre in p.third_party:
                m = constellation_payloads(fx, pre)
                if m.any():
                    third[pre] = m
        plain = np.ones(len(fx.catalog_pop), bool)
        for m in third.values():
            plain &= ~m
        cat_plain = fx.catalog_pop.subset(plain)
        cat_raw = collision_rates(tgt, cat_plain, fx.grid).rate_per_year          # (n, C)
        third_raw = {k: collision_rates(tgt, fx.catalog_pop.subset(m), fx.grid).total
                     for k, m in third.items()}
        # ---- altitude resolution: smooth the catalog flux of each group, objects of the
        # group's inclination with the TLE radial error only (co-inclined orbits keep their
        # mean separation), the others also with the mean-vs-osculating J2 term
        near, factor, factor3 = {}, np.ones((n, len(CLASSES))), {k: np.ones(n) for k in third}
        i0 = int(np.argmin(np.abs(_PROFILE_KM)))
        for g, ks in members.items():
            w = orb.count[ks].astype(float)
            h = float(np.average(orb.alt_km[ks], weights=w))
            inc = float(np.average(orb.inc_deg[ks], weights=w))
            ecc = float(np.average(orb.e[ks], weights=w))
            sig = (float(alt_res.resolution_sigma_km(h, inc, eccentricity=ecc, osculating=False)),
                   float(alt_res.resolution_sigma_km(h, inc, eccentricity=ecc)))
            co = np.abs(fx.catalog_pop.inc_deg - inc) <= CO_INCLINED_DEG
            hs = h + _PROFILE_KM
            prof_t = Population(R_EARTH_KM + hs, np.zeros(hs.size), np.full(hs.size, inc),
                                np.full(hs.size, float(orb.radius_m[ks[0]])),
                                np.full(hs.size, FLEET), np.ones(hs.size),
                                np.full(hs.size, float(fx.shell_thickness_km[ks[0]])))

            def profile(mask):
                """(raw, smoothed) profiles by class of the catalog rows ``mask``."""
                raw_p = np.zeros((hs.size, len(CLASSES)))
                sm_p = np.zeros((hs.size, len(CLASSES)))
                for part, sg in ((mask & co, sig[0]), (mask & ~co, sig[1])):
                    if part.any():
                        r = collision_rates(prof_t, fx.catalog_pop.subset(part), fx.grid).rate_per_year
                        raw_p += r
                        sm_p += (alt_res.smooth_profile(hs, r.T, sg).T
                                 if p.altitude_resolution else r)
                return raw_p, sm_p

            raw_c, sm_c = profile(plain)
            raw3 = {k: profile(m) for k, m in third.items()}
            tot_raw = raw_c.sum(axis=1) + sum((v[0].sum(axis=1) for v in raw3.values()),
                                              np.zeros(hs.size))
            tot_sm = sm_c.sum(axis=1) + sum((v[1].sum(axis=1) for v in raw3.values()),
                                            np.zeros(hs.size))
            at = h + np.asarray(OFFSETS_KM)
            sm_at = np.interp(at, hs, tot_sm)
            near[g] = {"altitudes_km": at.tolist(), "rates": sm_at.tolist(),
                       "raw": np.interp(at, hs, tot_raw).tolist(),
                       "in_minimum": bool(sm_at[1] < sm_at[0] and sm_at[1] < sm_at[2]),
                       "resolution_sigma_km": {"co_inclined": sig[0], "other": sig[1]},
                       "smoothed": p.altitude_resolution}
            with np.errstate(divide="ignore", invalid="ignore"):
                factor[ks] = np.where(raw_c[i0] > 0, sm_c[i0] / raw_c[i0], 1.0)[None, :]
            for k, (r3, s3) in raw3.items():
                a, b = r3[i0].sum(), s3[i0].sum()
                factor3[k][ks] = b / a if a > 0 else 1.0
        cat_rate = cat_raw * factor
        third_rate = {k: v * factor3[k] for k, v in third_raw.items()}
        # ---- the fleet's live satellites: other groups (random phases) and the own shell
        fleet_pop = orb.population()
        fleet_pop.thickness_km = fx.shell_thickness_km
        other = np.zeros(n)
        own_kinetic = np.zeros(n)
        own_geom = np.full(n, np.nan)
        geom_info = {}
        for g, ks in members.items():
            rest = np.setdiff1d(np.arange(n), ks)
            if rest.size:
                other[ks] = collision_rates(tgt.subset(ks), fleet_pop.subset(rest), fx.grid).total
            sub = fleet_pop.subset(ks)
            own_kinetic[ks] = collision_rates(tgt.subset(ks), sub, fx.grid,
                                              exclude_self=np.arange(len(ks))).total
            el = ctx.fleet.shell_elements(g)
            if el is not None and len(el["plane"]) > GEOMETRY_MAX_SATELLITES:
                geom_info[g] = {"geometry_per_satellite_year": None,
                                "kinetic_gas_per_satellite_year": float(own_kinetic[ks[0]]),
                                "note": f"{len(el['plane']):,} satellites: the pairwise shell "
                                        f"geometry is evaluated up to "
                                        f"{GEOMETRY_MAX_SATELLITES:,}; kinetic gas used"}
                el = None
            if el is not None and orb.count[ks[0]] > 1:
                hbr = 2.0 * float(orb.radius_m[ks[0]])
                sc = shell_close_approaches(el["raan_deg"], el["arglat_deg"], el["inc_deg"],
                                            el["alt_km"], sigma_rtn_m=p.station_keeping_sigma_m,
                                            hbr_m=hbr, phasing="auto", plane=el["plane"])
                own_geom[ks] = sc["mean_per_satellite_year"]
                sep = sc["min_separation_m"]
                geom_info[g] = {"geometry_per_satellite_year": sc["mean_per_satellite_year"],
                                "kinetic_gas_per_satellite_year": float(own_kinetic[ks[0]]),
                                "min_nominal_separation_m": (float(np.min(sep))
                                                             if np.isfinite(sep).any() else None),
                                "station_keeping_sigma_m": list(p.station_keeping_sigma_m)}
        # each group's catalog flux at unit combined radius (the derived avoidance's
        # effective hard-body radius), here once for every sensitivity case
        unit_flux = {g: float(collision_rates(tgt.subset([int(ks[0])]), fx.catalog_pop,
                                              fx.grid, combined_radius_m=1.0).total[0])
                     for g, ks in members.items()}
        return dict(third=third, cat_raw=cat_raw, third_raw=third_raw, cat_rate=cat_rate,
                    third_rate=third_rate, near=near, other=other, own_kinetic=own_kinetic,
                    own_geom=own_geom, geom_info=geom_info, unit_flux=unit_flux)

    def _derive(self, ctx, fx, g, ks, ph, other, own, scr, raw_total) -> dict:
        """Derived avoidance of group ``g`` for each kind of conjunction (``ph``: the
        cached :meth:`_physics`)."""
        cat_rate, third_rate = ph["cat_rate"], ph["third_rate"]
        p = self.params
        orb = fx.orbits
        T, grade, success = self.practice(g)
        k0 = int(ks[0])
        w = orb.count[ks].astype(float)
        h = float(np.average(orb.alt_km[ks], weights=w))
        inc = float(np.average(orb.inc_deg[ks], weights=w))
        out = {}
        if p.avoidance is not None:   # a fixed override: nothing to derive
            d = _avoid.Derived(p.avoidance, np.nan, np.nan, np.nan, np.nan, np.nan, T, grade,
                               success, "override", 0.0, 0, 0.0)
            out["catalog"] = out["fleet"] = d
            for k in third_rate:
                out[f"third_party:{k}"] = d
            return out
        # effective combined hard-body radius of the catalog encounters: rate ~ H^2
        one = ph["unit_flux"][g]
        rate_cat = float(np.average(cat_rate[ks, :FLEET].sum(axis=1), weights=w))
        full = float(raw_total[k0])
        hbr = float(np.sqrt(full / one)) if one > 0 else 2.0 * float(orb.radius_m[k0])
        conj = (ctx.conjunctions or {}).get(g)
        if scr is not None and conj is not None and grade == "tle":
            pcs = np.asarray(conj["pc"], float)[~np.asarray(conj["fleet"], bool)]
            out["catalog"] = _avoid.from_screening(pcs, float(conj["satellite_years"]), T,
                                                   success, _avoid.group_rng(g, "screening"))
        else:
            rate = (scr[0] - scr[1]) if scr is not None else rate_cat
            ang = _avoid.crossing_angles(fx.catalog_pop, h, inc, _avoid.group_rng(g, "angles"))
            out["catalog"] = _avoid.from_model(rate, hbr, T, ang, grade, success,
                                               _avoid.group_rng(g, "catalog"))
            if scr is not None:
                out["catalog"].method = "model on the screening's rate"
        for k, r3 in third_rate.items():
            T3 = min(T, float(p.third_party[k]))
            rate3 = float(np.average(r3[ks], weights=w))
            # the constellation's own objects, as its rate counts them (payloads only)
            ang = _avoid.crossing_angles(fx.catalog_pop.subset(ph["third"][k]), h, inc,
                                         _avoid.group_rng(g, f"angles:{k}"))
            out[f"third_party:{k}"] = _avoid.from_model(rate3, hbr, T3, ang, grade, success,
                                                        _avoid.group_rng(g, f"third:{k}"),
                                                        own_threshold=T)
        rate_ff = float(np.average(other[ks] + own[ks], weights=w))
        ang = _avoid.crossing_angles(Population([R_EARTH_KM + h], [0.0], [inc], [0.0], [FLEET],
                                                [1.0], [1.0]), h, inc,
                                     _avoid.group_rng(g, "angles:fleet"))
        out["fleet"] = _avoid.from_model(rate_ff, 2.0 * float(orb.radius_m[k0]), T, ang,
                                         p.fleet_covariance, success,
                                         _avoid.group_rng(g, "fleet"))
        return out

    def _derelict_rows(self, ctx, fx, members, keep) -> tuple[list[dict], dict]:
        """Rows of collisions with the fleet's derelicts, one per (failing group, band)."""
        p = self.params
        if not p.derelicts or ctx.atmosphere is None:
            return [], {}
        orb = fx.orbits
        rows, diag = [], {}
        geo = {}
        for g, ks in members.items():
            w = orb.count[ks].astype(float)
            h = float(np.average(orb.alt_km[ks], weights=w))
            thk = float(max(fx.shell_thickness_km[ks[0]], p.shell_thickness_km, 1e-3))
            geo[g] = dict(h=h, inc=float(np.average(orb.inc_deg[ks], weights=w)),
                          n=float(w.sum()), r=float(orb.radius_m[ks[0]]), thk=thk,
                          am=float(np.pi * orb.radius_m[ks[0]] ** 2 / orb.mass_kg[ks[0]]))
        for gs, a in geo.items():
            bands = {gt: (b["h"] - 0.5 * b["thk"], b["h"] + 0.5 * b["thk"])
                     for gt, b in geo.items() if b["h"] - 0.5 * b["thk"] <= a["h"]}
            key = ("derelict_descent", gs, a["h"], a["am"],
                   tuple(sorted((k, v) for k, v in bands.items())))
            if key not in ctx.shared:
                levels = [120.0] + [min(a["h"], hi) for _, hi in bands.values()] + \
                    [lo for lo, _ in bands.values()]
                ctx.shared[key] = drl.descent_times(a["h"], levels, a["am"], ctx.atmosphere)
            t = ctx.shared[key]
            nb = len(bands)
            life = float(np.mean(t[:, 0]))
            diag.setdefault(gs, {})["derelict_lifetime_years"] = life if np.isfinite(life) else None
            for j, (gt, (lo, hi)) in enumerate(bands.items()):
                b = geo[gt]
                t_in, t_out = t[:, 1 + j], t[:, 1 + nb + j]
                if not np.all(np.isfinite(t_in)):
                    continue
                delay = float(np.mean(t_in))
                dwell = float(np.mean(t_out - t_in))          # inf: never leaves in MAX_YEARS
                n_live = b["n"] - (1.0 if gs == gt else 0.0)
                if n_live <= 0 or not dwell > 0:
                    continue
                tgt = Population([R_EARTH_KM + b["h"]], [0.0], [a["inc"]], [a["r"]], [FLEET],
                                 [1.0], [b["thk"]])
                band = Population([R_EARTH_KM + b["h"]], [0.0], [b["inc"]], [b["r"]], [FLEET],
                                  [n_live], [b["thk"]])
                k_raw = float(collision_rates(tgt, band, fx.grid).total[0])
                k = k_raw * keep[gt]["catalog"]
                rows.append(dict(fleet_group=gt, satellite_id=None, peril=self.derelict_label,
                                 scope="satellite", annual_rate=k, hit_probability=1.0,
                                 severity="total", method="derelict", altitude_km=b["h"],
                                 source_group=gs, delay_years=delay,
                                 dwell_years=float(min(dwell, 1e6)),
                                 lifetime_years=float(min(life, 1e6)),
                                 notes=f"derelict of {gs} in {gt}'s band {lo:.1f}-{hi:.1f} km "
                                       f"after {delay:.3g} yr for {dwell:.3g} yr: {k_raw:.3g} "
                                       f"collisions per derelict-year, {k:.3g} after the "
                                       f"live satellites' avoidance"))
                diag.setdefault(gt, {}).setdefault("from", {})[gs] = {
                    "collisions_per_derelict_year_before": k_raw,
                    "collisions_per_derelict_year_after": k, "delay_years": delay,
                    "dwell_years": dwell if np.isfinite(dwell) else None}
        return rows, diag

    # ---------------------------------------------------------------- sources
    def add_sources(self, hs, ctx) -> None:
        idx = [i for i in ctx.rows_for(self.name)]
        method = {i: ctx.rows["method"][i] for i in idx}
        screened = {ctx.rows["fleet_group"][i] for i in idx if method[i] == "screening"}
        use = [i for i in idx if (method[i] == "screening") == (
            ctx.rows["fleet_group"][i] in screened and self.params.method != "flux")]
        sub = {k: [v[i] for i in use] for k, v in ctx.rows.items()}
        if use:
            hazard_set_from_rows(sub, hs, [self.name])
        ctx.shared.setdefault("collision_method", {}).update(
            {g: ("screening" if g in screened and self.params.method != "flux" else "flux")
             for g in dict.fromkeys(sub.get("fleet_group", []))})
        der = ctx.rows_for(self.derelict_label)
        if der and self.params.derelicts:
            col = lambda k, i: ctx.rows.get(k, [None] * (i + 1))[i]  # noqa: E731
            pairs = [dict(source=col("source_group", i), target=col("fleet_group", i),
                          rate=float(col("annual_rate", i)), delay=float(col("delay_years", i)),
                          dwell=float(col("dwell_years", i)),
                          lifetime=float(col("lifetime_years", i) or np.inf)) for i in der]
            pairs = [q for q in pairs if q["source"] is not None]
            ctx.shared.setdefault("derelicts", []).append(dict(
                peril=self.derelict_label, pairs=pairs, causes=tuple(self.params.derelict_causes),
                exclude=tuple(self.params.derelict_exclude)))
