"""``type = "untracked_debris"``: hits by 1 mm – 10 cm debris that cannot be tracked or avoided.

**Flux.** The cross-sectional flux of the whole tracked catalog through each fleet orbit
(every object class: the published counts the size law comes from count them all),
scaled by the number of smaller objects per tracked one of ESA's MASTER-8 counts
(:func:`riskengine.core.smalldebris.small_debris_flux`: β = 2.10 over 1 mm–1 cm, 1.45
over 1–10 cm) — the same path as :func:`riskengine.core.smalldebris.reference_orbit_flux`,
which the tests hold to ORDEM2000 within a factor 2.2 for 400–1,000 km. Payloads of active
mega-constellations (``exclude_constellations``) are left out of the scaling base: they
are tracked but shed almost no small debris, and a shell of thousands of them would
multiply the local small-debris flux.

**Damage.** Each group's satellite is a set of vulnerable areas (``bus``,
``compute_modules``, ``radiators``, ``solar_arrays`` by default, each with its wall type and
thickness; :data:`riskengine.core.ballistic.DEFAULT_SURFACES` with their sources; any of
them overridable per group in ``groups``). A hit lands on an area in proportion to its
share of the cross-section, at an angle of an isotropic flux; it perforates when the
particle exceeds the area's ballistic limit (Schäfer–Ryan–Lambert, Whipple or Cour-Palais
equations, :mod:`riskengine.core.ballistic`). A perforated **critical** component (the bus's
avionics, power and propulsion behind its walls) kills the satellite with
``kill_probability`` (total loss, label ``<name>``); other perforations cost their share of
capacity (partial loss, label ``<name>_partial``); hits at or above the 40 J/g catastrophic
energy are total losses wherever they land
(:func:`riskengine.core.ballistic.impact_outcome_shares`).

The previous model (1–10 cm only, ×20 on tracked *debris*, the payload's radiation shield as
a wall over the whole area, total loss only above 40 J/g) is kept as the "before" figure in
the diagnostics.

Examples
--------
>>> from riskengine.perils import get
>>> P = get("untracked_debris").Params
>>> P().kill_probability, P().d_min_cm
(0.3, 0.1)
>>> P(groups={"g": {"bus": {"area_share": 0.2, "t_w_cm": 0.2}}}).groups["g"]["bus"].t_w_cm
0.2
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from riskengine.core import ballistic as bl
from riskengine.core import debris as dbr
from riskengine.core import smalldebris as sd
from riskengine.core.flux import CLASSES
from riskengine.evidence import shipped_assumptions
from riskengine.perils import register
from riskengine.perils._flux import constellation_payloads, flux_setup, satellite_id
from riskengine.perils.base import KeyAssumption, Params, Peril, param

SIZES_CM = (0.1, 0.3, 1.0, 10.0)
#: named assumptions of what a perforation does (``assumptions.toml [untracked_debris]``)
_A = shipped_assumptions()["untracked_debris"]


class SurfaceSpec(BaseModel):
    """One vulnerable area of a satellite (any key left out: the default area's value).

    Thicknesses and spacings in cm, MLI areal mass in g/cm², yield stress in ksi (see
    :class:`riskengine.core.ballistic.Surface`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    area_share: float | None = Field(None, ge=0, le=1, description="share of the cross-section")
    kind: Literal["srl_al", "srl_cfrp", "single", "whipple"] | None = Field(
        None, description="wall type: Al or CFRP honeycomb (SRL), single Al wall, Whipple")
    critical: bool | None = Field(None, description="a perforation disables the satellite")
    t_ob_cm: float | None = Field(None, ge=0, le=50, description="outer bumper / face sheet")
    t_b_cm: float | None = Field(None, ge=0, le=50, description="inner bumper / rear wall")
    s1_cm: float | None = Field(None, ge=0, le=500, description="spacing (core depth)")
    t_w_cm: float | None = Field(None, ge=0, le=50, description="equipment cover plate")
    s2_cm: float | None = Field(None, ge=0, le=500, description="cover plate behind the wall")
    mli_g_cm2: float | None = Field(None, ge=0, le=10, description="MLI areal mass")
    yield_ksi: float | None = Field(None, gt=0, le=500, description="wall yield stress")
    capacity_per_hit: float | None = Field(None, ge=0, le=1,
                                           description="value lost per perforation (partial)")


_FIELDS = tuple(SurfaceSpec.model_fields)


class UntrackedDebrisParams(Params):
    kill_probability: float = param(
        _A["kill_probability"], ge=0, le=1, unit="probability",
        description="probability that a perforation of a critical component kills the "
                    "satellite (the rest are partial losses)",
        assumption="assumptions.toml [untracked_debris] kill_probability: perforation of an "
                   "equipment cover is necessary, not sufficient, for its failure (Schäfer "
                   "et al. 2008 §2.2), and critical units are often redundant (component-level "
                   "ESABASE2/Debris analysis with redundancy: ~4 % mission vulnerability, well "
                   "below counting every structural perforation, Grassi et al. 2013). 1.0 would "
                   "make debris ~25 % of all satellite failures, against ~11 debris-attributed "
                   "failures on record. Priced at "
                   + " and ".join(f"{v:g}" for v in _A["kill_probability_sensitivity"])
                   + " in the sensitivity table")
    critical_area_share: float | None = param(
        None, ge=0, le=1, unit="share",
        description="share of the cross-section whose perforation is critical (the critical "
                    "areas rescaled to it, the others to the rest); default: the surfaces' own "
                    f"(bus {_A['critical_area_share']:g})",
        assumption="assumptions.toml [untracked_debris] critical_area_share: avionics, power "
                   "and propulsion behind the bus walls of a large-array satellite; priced at "
                   + " and ".join(f"{v:g}" for v in _A["critical_area_share_sensitivity"])
                   + " in the sensitivity table")
    surfaces: dict[str, SurfaceSpec] = param(
        {}, unit="", description="changes to the default vulnerable areas (bus, "
        "compute_modules, radiators, solar_arrays) for every group, or new areas (all keys "
        "then), e.g. { bus = { t_w_cm = 0.2 } }; shares must still sum to 1",
        source="riskengine.core.ballistic.DEFAULT_SURFACES: MetOp wall (Schäfer et al. 2008), "
               "heat-pipe radiator panel, CFRP array substrate (Ryan et al. 2008), each "
               "value's source or assumption in its `source`")
    groups: dict[str, dict[str, SurfaceSpec]] = param(
        {}, unit="", description="per fleet group: changes to its vulnerable areas on top of "
        "`surfaces`, e.g. { \"shell-a\" = { compute_modules = { t_w_cm = 0.3 } } }",
        source="the satellite's design, as underwritten")
    d_min_cm: float = param(
        0.1, gt=0, lt=10, unit="cm", description="smallest debris counted",
        source="ESA 'Space debris by the numbers' (MASTER-8): 130 million objects of 1 mm-1 cm; "
               "below ~1 mm no bus wall or array substrate is perforated (ballistic limits "
               "of riskengine.core.ballistic)")
    impact_speed_km_s: float | None = param(
        None, gt=1, lt=20, unit="km/s",
        description="mean debris impact speed (default: 10 below 60 deg inclination, 13 above)",
        source="ECSS-E-ST-10-04C Annex J.2.2.1.3: mean debris impact velocity ~10 km/s for low "
               "and ~13 km/s for high inclinations (the 60 deg split is an assumption)")
    exclude_constellations: tuple[str, ...] = param(
        ("STARLINK", "ONEWEB"), unit="",
        description="catalog payloads whose name starts with one of these are left out of the "
                    "base the size law scales",
        source="the ESA / NASA counts behind the size law (2021 / 2023) are of a population "
               "where these shells were a small part; active constellation satellites shed "
               "almost no small debris (riskengine.core.smalldebris)")


@register
class UntrackedDebris(Peril):
    type = "untracked_debris"
    order = 20
    kind = "physical"
    summary = ("hits by untracked 1 mm-10 cm debris (ESA MASTER-8 size law on the tracked "
               "flux): ballistic limits per vulnerable area; a perforated critical component "
               "is a total loss, other perforations partial (cannot be avoided)")
    Params = UntrackedDebrisParams
    default = True
    needs = frozenset({"fleet", "catalog"})
    key_assumptions = (
        KeyAssumption("kill_probability", tuple(_A["kill_probability_sensitivity"]),
                      "kill probability of a perforated critical component"),
        KeyAssumption("critical_area_share", tuple(_A["critical_area_share_sensitivity"]),
                      "critical share of the satellite's cross-section"),
    )

    def labels(self) -> list[str]:
        return [self.name, f"{self.name}_partial"]

    @classmethod
    def groups_named(cls, entry) -> list[tuple[str, str]]:
        return [(f"params.groups.{g}", g) for g in entry.params.groups]

    def surfaces_for(self, group: str) -> tuple:
        """The vulnerable areas of ``group`` (defaults, then ``surfaces``, then ``groups``)."""
        p = self.params
        out = {s.name: s for s in bl.DEFAULT_SURFACES}
        for layer, where in ((p.surfaces, "params.surfaces"),
                             (p.groups.get(group, {}), f"params.groups.{group}")):
            for name, spec in layer.items():
                ch = {k: getattr(spec, k) for k in _FIELDS if getattr(spec, k) is not None}
                if name in out:
                    out[name] = replace(out[name], **ch, source=out[name].source
                                        + f"; changed in the portfolio ({where}.{name})")
                else:
                    missing = [k for k in ("area_share", "kind", "critical") if k not in ch]
                    if missing:
                        from riskengine.errors import ConfigError

                        raise ConfigError(f"perils untracked_debris {where}.{name}: a new "
                                          f"vulnerable area needs {', '.join(missing)}")
                    out[name] = bl.Surface(name=name, **ch, source=f"portfolio ({where})")
        surf = [replace(s, kill_probability=p.kill_probability) if s.critical else s
                for s in out.values()]
        if p.critical_area_share is not None:
            crit = sum(s.area_share for s in surf if s.critical)
            rest = sum(s.area_share for s in surf if not s.critical)
            c = p.critical_area_share
            surf = [replace(s, area_share=s.area_share * (c / crit if s.critical else
                                                          (1 - c) / rest))
                    if (crit > 0 and rest > 0) else s for s in surf]
        total = sum(s.area_share for s in surf)
        if not np.isclose(total, 1.0, atol=1e-6):
            from riskengine.errors import ConfigError

            raise ConfigError(f"perils untracked_debris (group {group!r}): the area_share of "
                              f"the vulnerable areas sums to {total:g}; make them sum to 1 "
                              f"({', '.join(f'{s.name} {s.area_share:g}' for s in surf)})")
        return tuple(surf)

    def hazard_rows(self, ctx) -> list[dict]:
        p = self.params
        thickness = float(ctx.params_of("collision").shell_thickness_km)
        fx = flux_setup(ctx, thickness)
        orb = fx.orbits
        cat = fx.catalog_pop
        excl = np.zeros(len(cat), bool)
        for x in p.exclude_constellations:
            excl |= constellation_payloads(fx, x)
        # the whole-catalog fluxes, once per flux set-up and exclusion (the kill-probability
        # and critical-share sensitivity cases reuse them)
        key = ("untracked_debris_flux", thickness, tuple(p.exclude_constellations))
        if key not in ctx.shared:
            # the old model, for the before/after comparison: tracked debris x 20 (1-10 cm)
            deb = (cat.cls == CLASSES.index("DEBRIS")) | (cat.cls == CLASSES.index("UNKNOWN"))
            ctx.shared[key] = (
                sd.tracked_flux(fx.targets, cat, fx.grid, exclude=excl),         # per m^2 / yr
                sd.tracked_flux(fx.targets, cat, fx.grid, exclude=~deb) * dbr.UNTRACKED_RATIO)
        tracked, old_flux = ctx.shared[key]
        flux = sd.small_debris_flux(tracked, SIZES_CM)                     # (n, sizes) >= d
        f_min = sd.small_debris_flux(tracked, [p.d_min_cm])[:, 0]
        area = np.pi * orb.radius_m ** 2
        partial = self.labels()[1]
        rows, diag = [], {}
        outcome = {}
        for k in range(len(orb.alt_km)):
            g = orb.group[k]
            v = (p.impact_speed_km_s if p.impact_speed_km_s is not None
                 else (10.0 if orb.inc_deg[k] < 60.0 else 13.0))
            key = (g, round(float(v), 6), float(orb.mass_kg[k]))
            if key not in outcome:
                outcome[key] = bl.impact_outcome_shares(self.surfaces_for(g), d_min_cm=p.d_min_cm,
                                                        d_max_cm=10.0, v_km_s=v,
                                                        target_mass_kg=float(orb.mass_kg[k]))
            oc = outcome[key]
            hits = float(f_min[k] * area[k])                          # hits per satellite-year
            lethal, part = hits * oc["total"], hits * oc["partial"]
            old = dbr.untracked_damage(orb.shielding_mm[k], orb.mass_kg[k])
            old_hits = float(old_flux[k] * area[k])
            note = (f"{p.d_min_cm * 10:g} mm-10 cm hits {hits:.3g}/yr (whole-catalog flux "
                    f"{tracked[k]:.3g}/m2/yr x ESA MASTER-8 size law); lethal share "
                    f"{oc['total']:.3g} (critical areas x kill probability {p.kill_probability:g}"
                    f" + 40 J/g), partial {oc['partial']:.3g}; v {v:g} km/s")
            common = dict(fleet_group=g, satellite_id=satellite_id(orb, k), scope="satellite",
                          hit_probability=1.0, method="flux", altitude_km=float(orb.alt_km[k]))
            rows.append(dict(common, peril=self.name, annual_rate=lethal, severity="total",
                             notes=note))
            rows.append(dict(common, peril=partial, annual_rate=part, severity="fixed",
                             severity_a=max(oc["partial_capacity_mean"], 1e-6),
                             notes=note + f"; partial loss {oc['partial_capacity_mean']:.3g} "
                                          "of the value per perforation"))
            w = float(orb.count[k])
            d = diag.setdefault(g, {"_w": 0.0, "hits_per_satellite_year": 0.0,
                                    "lethal_per_satellite_year": 0.0,
                                    "partial_per_satellite_year": 0.0,
                                    "before_hits_per_satellite_year": 0.0,
                                    "before_lethal_per_satellite_year": 0.0,
                                    **{f"flux_ge_{s * 10:g}mm_per_m2_year": 0.0 for s in SIZES_CM}})
            d["_w"] += w
            d["hits_per_satellite_year"] += w * hits
            d["lethal_per_satellite_year"] += w * lethal
            d["partial_per_satellite_year"] += w * part
            d["before_hits_per_satellite_year"] += w * old_hits
            d["before_lethal_per_satellite_year"] += w * old_hits * old["p_total"]
            for j, s in enumerate(SIZES_CM):
                d[f"flux_ge_{s * 10:g}mm_per_m2_year"] += w * float(flux[k, j])
            d["outcome"] = {"lethal_share": oc["total"], "partial_share": oc["partial"],
                            "no_damage_share": oc["none"],
                            "catastrophic_share": oc["catastrophic"],
                            "perforation_share_by_area": oc["per_surface"],
                            "critical_diameter_cm_at_45deg": oc["dc_cm"],
                            "partial_capacity_mean": oc["partial_capacity_mean"]}
            d["before_lethal_share"] = old["p_total"]
        for g, d in diag.items():
            w = d.pop("_w")
            for key in list(d):
                if key.endswith("_year"):
                    d[key] /= w
            d["lethal_share"] = (d["lethal_per_satellite_year"] / d["hits_per_satellite_year"]
                                 if d["hits_per_satellite_year"] > 0 else 0.0)
            d["flux_basis"] = ("cross-sectional (per m2 of cross-section); ORDEM/MASTER tables "
                               "are per m2 of tumbling surface: divide by 4")
            d["excluded_constellation_payloads"] = int(excl.sum())
        shared = ctx.shared["untracked_debris"] = dict(ctx.shared.get("untracked_debris", {}))
        shared["rate"] = f_min * area
        shared["groups"] = diag
        return rows
