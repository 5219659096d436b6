"""The flux set-up the collision, untracked-debris and breakup perils share in one hazards run.

Built once per :class:`~riskengine.perils.base.HazardContext` (kept in ``ctx.shared``):
the altitude x latitude grid, the tracked population without the fleet's own members,
the fleet's shells as a population, and the target orbits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskengine.core.flux import (CLASSES, R_EARTH_KM, FleetOrbits, Grid, Population,
                                  population_from_catalog)

FLEET = CLASSES.index("FLEET")
PAYLOAD = CLASSES.index("PAYLOAD")


@dataclass
class FluxSetup:
    orbits: FleetOrbits
    grid: Grid
    catalog_pop: Population          # tracked objects (fleet members taken out)
    pop: Population                  # catalog + the fleet's own shells
    own: np.ndarray                  # index of each fleet orbit in ``pop``
    targets: Population              # one target per fleet orbit (count 1)
    shell_thickness_km: np.ndarray
    catalog_names: np.ndarray | None = None   # name of each ``catalog_pop`` row (upper case)


def flux_setup(ctx, shell_thickness_km: float) -> FluxSetup:
    """The shared set-up (cached in ``ctx.shared["flux"]``).

    ``shell_thickness_km`` is the radial thickness of a Walker shell that declares no
    ``altitude_spread_km`` (the collision peril's parameter).
    """
    key = ("flux", float(shell_thickness_km))
    if key in ctx.shared:
        return ctx.shared[key]
    orb = ctx.fleet.orbits()
    catalog = ctx.catalog
    if catalog is None:
        raise ValueError("the flux perils (collision, untracked_debris, breakup) need a "
                         "catalog of tracked objects")
    top = max([g.altitude_km or 0 for g in ctx.fleet.groups] + list(orb.alt_km) + [0])
    grid = Grid.regular(150.0, max(2_500.0, 100.0 + top), 1.0, 0.5)
    keep = np.ones(len(catalog), bool)
    fleet_ids = orb.norad_id[orb.norad_id >= 0]
    if fleet_ids.size:
        keep &= ~np.isin(np.asarray(catalog.norad_id), fleet_ids)
    for frag in ctx.shared.get("exclude_names", ()):
        names = np.char.upper(np.asarray(catalog.name).astype(str))
        keep &= np.char.find(names, frag.upper()) < 0
    # a Walker shell's radial thickness: its declared plane-altitude spread, else the
    # station-keeping default; element-set satellites are single orbits
    thk = np.where(orb.satellite_id < 0,
                   np.where(orb.spread_km > 0, orb.spread_km, shell_thickness_km), 0.0)
    cat_sub = catalog.subset(keep)
    cat_pop, rows = population_from_catalog(cat_sub, return_index=True)
    names = np.char.upper(np.asarray(cat_sub.name).astype(str))[rows]
    fleet_pop = orb.population()
    fleet_pop.thickness_km = thk
    pop = Population.concat([cat_pop, fleet_pop])
    own = len(cat_pop) + np.arange(len(orb.a_km))
    tgt = Population(orb.a_km, orb.e, orb.inc_deg, orb.radius_m, np.full(len(orb.a_km), FLEET),
                     np.ones(len(orb.a_km)), thk)
    out = FluxSetup(orb, grid, cat_pop, pop, own, tgt, thk, names)
    ctx.shared[key] = out
    ctx.shared["excluded_catalog_objects"] = int((~keep).sum())
    return out


def constellation_payloads(fx: FluxSetup, prefix: str) -> np.ndarray:
    """Rows of ``fx.catalog_pop`` that are payloads whose name starts with ``prefix``
    (any case): a constellation's own satellites, not its debris or rocket bodies.

    Examples
    --------
    >>> pop = Population([7000.0] * 3, [0.0] * 3, [53.0] * 3, [1.0] * 3,
    ...                  [PAYLOAD, CLASSES.index("DEBRIS"), PAYLOAD], [1.0] * 3)
    >>> fx = FluxSetup(None, None, pop, pop, None, None, None,
    ...                np.array(["STARLINK-1", "STARLINK-1 DEB", "ONEWEB-7"]))
    >>> constellation_payloads(fx, "starlink").tolist()
    [True, False, False]
    """
    if fx.catalog_names is None:
        return np.zeros(len(fx.catalog_pop), bool)
    return np.char.startswith(fx.catalog_names, prefix.upper()) & (fx.catalog_pop.cls == PAYLOAD)


def satellite_id(orb: FleetOrbits, k: int):
    """The ``hazards.satellite_id`` of orbit ``k``: None for a whole Walker shell."""
    return None if orb.satellite_id[k] < 0 else int(orb.satellite_id[k])


__all__ = ["FluxSetup", "constellation_payloads", "flux_setup", "satellite_id", "R_EARTH_KM"]
