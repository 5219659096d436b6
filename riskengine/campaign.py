"""A portfolio's deployment plan (``[[launch]]`` / ``[[launch_schedule]]``) resolved against
its fleet: which satellites each launch carries, and the campaign results tables.

The numeric core of launch campaigns is :mod:`riskengine.core.campaign`; this module only
maps the validated config onto it (no files, no store: the perils use it).

Satellites are assigned to launches in date order, group by group: the first launch of a
group carries the group's first ``satellites`` satellites (a Walker shell fills its planes
in order), the next one the following ones. A group may hold more satellites than its
launches carry (those are already in orbit: under ``launch_plus_one_year`` cover they are
not insured by the launch policies), never fewer.

Examples
--------
>>> from riskengine.config import parse_portfolio
>>> from riskengine.fleet import resolve_fleet
>>> p = parse_portfolio({"fleet": [{"name": "s", "altitude_km": 550, "inclination_deg": 53,
...     "planes": 2, "per_plane": 10, "sum_insured": 1e6}],
...     "launch": [{"date": "2027-03-01", "vehicle": "falcon9", "satellites": 8, "group": "s"},
...                {"date": "2027-01-15", "vehicle": "falcon9", "satellites": 8, "group": "s"}],
...     "policy": {"cover": "launch_plus_one_year"}})
>>> plan = build_plan(p, resolve_fleet(p))
>>> [str(x.date) for x in plan.launches], plan.core.sat_launch[:10].tolist()
(['2027-01-15', '2027-03-01'], [0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskengine.core.campaign import PHASES, Campaign
from riskengine.errors import ConfigError


@dataclass
class LaunchPlan:
    """The launches of a portfolio in date order and the core :class:`Campaign`.

    ``flags`` collects ``(code, message)`` warnings the perils raise while pricing (a
    vehicle outside its evidence); the simulate stage writes them to ``run_flags``.
    ``failure_probability`` is filled by the launch peril: ``(n_draws, n_launches)``.
    """

    launches: list
    core: Campaign
    covered: bool
    flags: list = field(default_factory=list)
    failure_probability: np.ndarray | None = None
    notes: dict = field(default_factory=dict)

    @property
    def vehicles(self) -> list[str]:
        return [x.vehicle for x in self.launches]

    def flag(self, code: str, message: str) -> None:
        if (code, message) not in self.flags:
            self.flags.append((code, message))

    def __getstate__(self):   # (the launch peril's memo stays in its process)
        return {k: v for k, v in self.__dict__.items() if k != "_failure_probabilities"}


def build_plan(p, fleet) -> LaunchPlan | None:
    """The portfolio's launches on its resolved fleet; ``None`` without launches.

    Raises :class:`ConfigError` naming the file and the group when the launches of a
    group carry more satellites than the group holds.
    """
    launches = p.all_launches() if hasattr(p, "all_launches") else []
    if not launches:
        return None
    names = fleet.names
    counts = dict(zip(names, fleet.counts.tolist()))
    offsets = dict(zip(names, np.concatenate([[0], np.cumsum(fleet.counts)[:-1]]).tolist()))
    used = {n: 0 for n in names}
    lists = []
    for x in launches:
        if x.group not in counts:
            raise ConfigError(f"{p.source_path}: launch on {x.date} names fleet group "
                              f"{x.group!r}, which is not defined (groups: {names})")
        a = used[x.group]
        if a + x.satellites > counts[x.group]:
            carried = sum(y.satellites for y in launches if y.group == x.group)
            raise ConfigError(
                f"{p.source_path}: the launches of fleet group {x.group!r} carry {carried:,} "
                f"satellites but the group holds {counts[x.group]:,}: add satellites to the "
                "group (planes x per_plane) or fewer/smaller [[launch]] entries")
        lists.append(offsets[x.group] + a + np.arange(x.satellites))
        used[x.group] = a + x.satellites
    first = launches[0].date
    day = np.array([(x.date - first).days for x in launches], float)
    core = Campaign.build(day, np.array([x.date.year for x in launches]), lists,
                          int(fleet.counts.sum()))
    covered = getattr(p.policy, "cover", "in_orbit_annual") == "launch_plus_one_year"
    return LaunchPlan(launches, core, covered)


def result_tables(plan: LaunchPlan, res, allocations: list[dict], sum_insured: np.ndarray,
                  q: float = 0.995) -> dict[str, dict]:
    """Columns of ``campaign_launches`` and ``campaign_years`` from a simulation result.

    Premium by phase and calendar year is the co-TVaR allocation of the technical premium
    (``allocations`` rows of dimension ``campaign``); a launch's premium of a phase is its
    share of its calendar year's phase premium in proportion to its expected loss.
    """
    acc = res.campaign
    core = plan.core
    n = max(acc.n, 1)
    el = acc.launch_loss / n                   # (n_launches, 3) USD
    lost = acc.launch_lost / n                 # (n_launches, 3) satellites
    prem = {(a["name"]): a["premium"] for a in allocations if a["dimension"] == "campaign"}
    years = core.years
    cal = np.asarray(core.calendar_year)
    si_launch = np.array([sum_insured[core.units.sats[o:o + s]].sum()
                          for o, s in zip(core.units.offset, core.units.size)])
    year_el = {(y, k): el[cal == y, k].sum() for y in years for k in range(3)}
    lp = np.zeros((core.n_launches, 3))
    for i in range(core.n_launches):
        for k, ph in enumerate(PHASES):
            tot = year_el[(int(cal[i]), k)]
            lp[i, k] = prem.get(f"{cal[i]} {ph}", 0.0) * (el[i, k] / tot if tot > 0 else 0.0)
    fp = plan.failure_probability
    pmean = fp.mean(axis=0) if fp is not None else np.full(core.n_launches, np.nan)
    launches = {
        "launch": np.arange(1, core.n_launches + 1),
        "date": np.array([str(x.date) for x in plan.launches], object),
        "calendar_year": cal.astype(np.int64),
        "vehicle": np.array(plan.vehicles, object),
        "fleet_group": np.array([x.group for x in plan.launches], object),
        "satellites": core.units.size.astype(np.int64),
        "sum_insured": si_launch,
        "failure_probability": pmean,
    }
    for k, ph in enumerate(PHASES):
        launches[f"lost_{ph}"] = lost[:, k]
    for k, ph in enumerate(PHASES):
        launches[f"loss_{ph}"] = el[:, k]
    for k, ph in enumerate(PHASES):
        launches[f"premium_{ph}"] = lp[:, k]
    launches["largest_loss"] = acc.launch_max
    yr = {"calendar_year": np.array(years, np.int64),
          "launches": np.array([int((cal == y).sum()) for y in years], np.int64),
          "satellites": np.array([int(core.units.size[cal == y].sum()) for y in years],
                                 np.int64),
          "sum_insured": np.array([si_launch[cal == y].sum() for y in years])}
    for k, ph in enumerate(PHASES):
        yr[f"lost_{ph}"] = np.array([lost[cal == y, k].sum() for y in years])
    for k, ph in enumerate(PHASES):
        yr[f"loss_{ph}"] = np.array([year_el[(y, k)] for y in years])
    for k, ph in enumerate(PHASES):
        yr[f"premium_{ph}"] = np.array([prem.get(f"{y} {ph}", 0.0) for y in years])
    yr["largest_launch_loss"] = np.array([acc.launch_max[cal == y].max() for y in years])
    yr["largest_launch_value"] = np.array([si_launch[cal == y].max() for y in years])
    srt = np.sort(acc.calendar, axis=0)
    k = int(min(len(srt) - 1, max(0, np.ceil(len(srt) * q) - 1)))
    yr["pml_995"] = srt[k] if len(srt) else np.zeros(len(years))
    yr["aal"] = acc.calendar.mean(axis=0)
    return {"campaign_launches": launches, "campaign_years": yr}
