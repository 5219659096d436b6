"""Portfolio config (TOML), validated at the boundary.

Errors name the file, the key path (``fleet[0].altitude_km``), the bad value and the fix.
The schema follows GUIDE.md: ``[simulation]``, ``[catalog]``, ``[[fleet]]``, ``[[perils]]``,
``[policy]`` (with ``[[policy.reinsurance]]``) and ``[pricing]``.

Examples
--------
>>> from riskengine.config import parse_portfolio
>>> p = parse_portfolio({"simulation": {"years": 1000, "seed": 7},
...     "perils": [{"type": "compound", "name": "misc",
...                 "frequency": {"distribution": "poisson", "mean": 3},
...                 "severity": {"distribution": "lognormal", "mu": 10, "sigma": 1}}]})
>>> p.simulation.years, p.perils[0].frequency.mean
(1000, 3.0)
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints,
                      ValidationError, model_validator)

from riskengine.errors import ConfigError


#: Largest USD amount a config may hold (sum insured, deductibles, limits): 1,000 trillion.
MAX_USD = 1e15
SEED_MAX = 2**63 - 1


#: A name shown in tables, reports and plots: printed literally everywhere (no markup),
#: but one line of at most 200 characters.
Name = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                        pattern=r"^[^\x00-\x1f\x7f]+$")]
#: A launch-vehicle family key (``falcon9``, ``starship``): lower case, digits, underscore.
VehicleFamily = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                                 pattern=r"^[a-z][a-z0-9_]*$")]


class _Model(BaseModel):
    # finite numbers only: inf / nan in a config are mistakes, never parameters
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)


# ----------------------------------------------------------------------------- simulation
class Simulation(_Model):
    years: int = Field(10_000, gt=0, le=100_000_000, description="simulated years")
    seed: int = Field(12345, ge=0, le=SEED_MAX,
                      description="root seed: same config + seed -> same tables")
    workers: int = Field(1, ge=1, le=1024, description="processes / Dask workers")
    scheduler: str | None = Field(None, description="Dask scheduler address (scale-out)")
    chunk_years: int = Field(100_000, gt=0, le=10_000_000,
                             description="years buffered per write")
    elt_min_loss: float = Field(
        0.0, ge=0, le=MAX_USD, description="occurrences with a ground-up loss below this (USD) are summed "
        "into one event-table row per year and peril (attritional losses of large fleets)")
    inception: dt.date | None = Field(
        None, description="start of the insured year: satellite ages for groups with a "
        "launch_date (default: the catalog's reference epoch, else today)")
    sensitivity: bool = Field(
        True, description="price each key assumption of the perils one at a time (the "
        "sensitivity table and the report's tornado chart)")
    sensitivity_years: int | None = Field(
        None, gt=0, le=10_000_000, description="years per sensitivity case (default: the "
        "run's years, at most 20,000)")
    psept_samples: int = Field(
        10, ge=1, le=1000,
        description="per-sample EP curves (PSEPT): the parameter draws are split into this "
        "many classes of equal size by their expected loss, and each class's simulated years "
        "give one EP curve (one curve per draw when there are no more draws than this)")


class CatalogSettings(_Model):
    files: list[str] = Field(default_factory=list,
                             description="catalog files; $RISKENGINE_CATALOG overrides")
    stale_days: float = Field(30.0, gt=0, le=36_525,
                              description="element sets older than this are excluded")


# ----------------------------------------------------------------------------- fleet
class Formation(_Model):
    """A formation-flying cluster: consecutive satellites of a group fly together, held
    within ``accuracy_m`` of a nominal geometry whose neighbours come no closer than
    ``min_separation_m`` (the ``cluster_collision`` peril)."""

    satellites: int = Field(..., ge=2, le=100_000,
                            description="satellites per cluster (consecutive in the group)")
    neighbours: int = Field(6, ge=1, le=26, description="nearest neighbours per satellite "
                            "(6 in a planar hexagonal packing)")
    min_separation_m: float = Field(..., gt=0, le=100_000,
                                    description="nominal closest approach of neighbours, m")
    accuracy_m: float = Field(..., ge=0, le=10_000,
                              description="1-sigma relative position error per axis "
                              "(navigation and station-keeping), m")


class FleetGroup(_Model):
    """A group of insured satellites: a Walker-delta shell, or element sets from a file."""

    name: Name
    # Walker-delta shell i:t/p/f
    altitude_km: float | None = Field(None, ge=150, le=50_000)
    inclination_deg: float | None = Field(None, ge=0, le=180)
    planes: int | None = Field(None, ge=1, le=100_000)
    per_plane: int | None = Field(None, ge=1, le=1_000_000)
    phasing: int = Field(0, ge=0)
    eccentricity: float = Field(0.0, ge=0, lt=1)
    altitude_spread_km: float = Field(
        0.0, ge=0, le=100,
        description="plane altitudes spread evenly over this band, centred on altitude_km "
        "(operators stagger planes by a few hundred metres so crossing satellites pass at "
        "different heights; it is also the shell's radial thickness in the flux hazard)")
    raan0_deg: float = Field(0.0, ge=-360, le=360)
    epoch: dt.datetime | None = None
    # or explicit element sets
    elements: str | None = Field(None, description="TLE/3LE/OMM file; keeps NORAD ids")
    norad_ids: list[int] | None = Field(None, min_length=1, max_length=10_000_000,
                                        description="catalog ids taken from the catalog")
    # insurance attributes (per satellite)
    sum_insured: float = Field(..., gt=0, le=1e12, description="USD per satellite")
    area_m2: float = Field(10.0, gt=0, le=1e5, description="collision cross-section, m^2")
    mass_kg: float = Field(1000.0, gt=0, le=1e6)
    shielding_mm_al: float = Field(3.0, ge=0, le=1000)
    accelerators: int = Field(0, ge=0, le=1_000_000,
                              description="compute accelerators per satellite")
    accelerator_family: str = "gpu"
    tid_family: str | None = Field(
        None, min_length=1, max_length=200,
        description="device family of the accelerators' total-ionising-dose failure model "
        "(tid_devices.csv families: memory, tpu, soc; e.g. 'memory' when the HBM fails "
        "first); default: accelerator_family. A family without TID records is priced from "
        "the hyperprior and flagged")
    accelerator_spares: float = Field(
        0.0, ge=0, le=0.9,
        description="cold spares per satellite as a share of its accelerators: "
        "round(accelerators x accelerator_spares) spares replace failed units (random or "
        "dose) until used up; capacity lost beyond them is a partial loss")
    payload_share: float = Field(0.6, gt=0, le=1,
                                 description="share of the sum insured carried by the accelerators")
    bus_family: str = "conventional"
    launch_date: dt.date | None = None
    formation: Formation | None = Field(None, description="formation-flying clusters")
    agreed_value: list[tuple[float, float]] | None = Field(
        None, min_length=1, max_length=1000,
        description="agreed value by age: [[age_years, share_of_sum_insured], ...], linear "
        "between the points and flat outside them; a loss is paid on the value at the "
        "satellite's age when it happens (age from launch_date at [simulation] inception)")

    @model_validator(mode="after")
    def _agreed_value(self):
        if self.agreed_value is None:
            return self
        ages = [a for a, _ in self.agreed_value]
        if any(not 0 <= a <= 100 for a in ages) or any(b <= a for a, b in zip(ages, ages[1:])):
            raise ValueError(f"agreed_value ages must be increasing years in [0, 100] (got "
                             f"{ages}); e.g. [[0, 1.0], [3, 0.5], [5, 0.2]]")
        shares = [v for _, v in self.agreed_value]
        if any(not 0 <= v <= 1 for v in shares):
            raise ValueError(f"agreed_value shares of sum_insured must lie in [0, 1] (got "
                             f"{shares})")
        if self.launch_date is None:
            raise ValueError("agreed_value depreciates with age: give the group's "
                             "launch_date")
        return self

    @model_validator(mode="after")
    def _one_source(self):
        walker = [self.altitude_km, self.inclination_deg, self.planes, self.per_plane]
        has_walker = any(v is not None for v in walker)
        sources = has_walker + (self.elements is not None) + (self.norad_ids is not None)
        if sources != 1:
            raise ValueError("give exactly one of: a Walker shell (altitude_km, "
                             "inclination_deg, planes, per_plane), elements = \"file\", "
                             "or norad_ids = [...]")
        if has_walker and any(v is None for v in walker):
            missing = [k for k, v in zip(("altitude_km", "inclination_deg", "planes",
                                          "per_plane"), walker) if v is None]
            raise ValueError(f"Walker shell is missing {', '.join(missing)}")
        if not has_walker and self.altitude_spread_km:
            raise ValueError("altitude_spread_km applies to Walker shells only; element-set "
                             "groups keep their own altitudes")
        if has_walker and self.altitude_spread_km >= self.altitude_km - 150.0:
            raise ValueError(f"altitude_spread_km = {self.altitude_spread_km} puts the lowest "
                             f"plane below 150 km (altitude_km {self.altitude_km})")
        if has_walker and self.planes and self.phasing >= self.planes:
            raise ValueError(f"phasing must be in 0..planes-1 (got {self.phasing} "
                             f"with {self.planes} planes)")
        return self

    @property
    def is_walker(self) -> bool:
        return self.altitude_km is not None

    @property
    def count(self) -> int | None:
        if self.is_walker:
            return int(self.planes) * int(self.per_plane)
        if self.norad_ids is not None:
            return len(self.norad_ids)
        return None


# ----------------------------------------------------------------------------- perils
# Every [[perils]] entry is validated by its peril's own model from the registry
# (riskengine.perils): generic perils declare their top-level keys, physical perils their
# typed `params`. Unknown types and misspelt keys are refused with the key path.
from riskengine import perils as _perils  # noqa: E402
from riskengine.perils.distributions import (  # noqa: E402,F401  (re-exported)
    Empirical, Exponential, Gamma, Lognormal, NegativeBinomial, Pareto, Poisson, Uniform,
    Weibull)

PerilEntry = Annotated[Any, BeforeValidator(_perils.validate_entry)]


# ----------------------------------------------------------------------------- policy
#: The reinsurer's default loading on its expected ceded loss, a named assumption.
REINSURER_MARGIN_ASSUMPTION = (
    "reinsurance priced at twice its expected ceded loss (margin 1.0): the low end of the "
    "multiples at which catastrophe risk traded in the cat bond market since 2020 (Artemis "
    "Deal Directory: average spread / expected loss above 2 in every quarter since 2020, "
    "4.54 over 2023; AM Best 2024: above 4.1 in H1 2024). Space excess of loss is not traded "
    "as cat bonds: the nearest priced market, not a quote; quota shares usually cost less "
    "(set margin per layer)")


class ReinsuranceLayer(_Model):
    """One reinsurance cover (riskengine.core.reinsurance): excess of loss ``share`` of
    ``limit`` xs ``attachment`` per risk (satellite), per occurrence or on the year's loss,
    or a quota share of every loss."""

    name: Name = "layer"
    type: Literal["xol", "quota_share"] = Field(
        "xol", description="xol: excess of loss; quota_share: `share` of every gross loss")
    attachment: float | None = Field(None, ge=0, le=MAX_USD)
    limit: float | None = Field(None, gt=0, le=MAX_USD)
    share: float = Field(1.0, gt=0, le=1)
    basis: Literal["risk", "occurrence", "aggregate"] = Field(
        "aggregate", description="risk: each satellite's loss in an occurrence; occurrence: "
        "each occurrence; aggregate: the year's loss (stop loss)")
    reinstatements: int | None = Field(
        None, ge=0, le=100, description="per-risk and per-occurrence layers: the layer pays "
        "at most (1 + reinstatements) x limit a year (default: unlimited)")
    reinstatement_premium: float | list[float] = Field(
        1.0, description="premium of each reinstatement as a share of the layer's upfront "
        "premium, pro rata to the amount reinstated (one number for all, or one per "
        "reinstatement)")
    margin: float | None = Field(
        None, ge=0, le=100, description="the reinsurer's loading on its expected ceded loss "
        "(default: [pricing] reinsurer_margin)")

    @model_validator(mode="after")
    def _kind(self):
        given = self.model_fields_set
        if self.type == "quota_share":
            extra = sorted(given & {"attachment", "limit", "basis", "reinstatements"})
            if extra:
                raise ValueError(f"a quota_share layer takes only name, share and margin; "
                                 f"remove {extra}")
            return self
        missing = [k for k in ("attachment", "limit") if getattr(self, k) is None]
        if missing:
            raise ValueError(f"an excess-of-loss layer needs {' and '.join(missing)} (USD)")
        if self.reinstatements is not None and self.basis == "aggregate":
            raise ValueError("reinstatements apply to basis = 'risk' or 'occurrence' layers; "
                             "an aggregate layer's limit is already annual")
        rp = self.reinstatement_premium
        rates = [rp] if isinstance(rp, (int, float)) else list(rp)
        if any(not 0 <= r <= 10 for r in rates):
            raise ValueError(f"reinstatement_premium must lie in [0, 10] (got {rp})")
        n = self.reinstatements or 0
        if isinstance(rp, list) and len(rp) != n:
            raise ValueError(f"reinstatement_premium lists {len(rp)} rates for {n} "
                             "reinstatements: give one per reinstatement or one number")
        return self

    @property
    def reinstatement_rates(self) -> list[float]:
        """The premium share of each reinstatement (``reinstatements`` entries)."""
        rp = self.reinstatement_premium
        n = self.reinstatements or 0
        return [float(rp)] * n if isinstance(rp, (int, float)) else [float(r) for r in rp]


class Policy(_Model):
    deductible: float = Field(0.0, ge=0, le=MAX_USD, description="per satellite per loss, USD")
    deductible_type: Literal["straight", "franchise"] = Field(
        "straight", description="straight: pays the loss above the deductible; franchise: "
        "nothing up to it, the whole loss above it")
    occurrence_deductible_type: Literal["straight", "franchise"] = "straight"
    ctl_threshold: float = Field(0.75, gt=0, le=1,
                                 description="capacity loss fraction treated as total loss")
    partial_loss: Literal["proportional", "none"] = "proportional"
    occurrence_deductible: float = Field(0.0, ge=0, le=MAX_USD)
    occurrence_limit: float | None = Field(None, gt=0, le=MAX_USD)
    aggregate_deductible: float = Field(0.0, ge=0, le=MAX_USD)
    aggregate_limit: float | None = Field(None, gt=0, le=MAX_USD)
    reinsurance: list[ReinsuranceLayer] = Field(default_factory=list)
    cover: Literal["in_orbit_annual", "launch_plus_one_year"] = Field(
        "in_orbit_annual", description="in_orbit_annual: the fleet's insured year in orbit; "
        "launch_plus_one_year: each launched satellite from ignition to one year after its "
        "launch (launch, raising and first year in orbit), for the [[launch]] plan")

    @model_validator(mode="after")
    def _quota(self):
        qs = sum(ly.share for ly in self.reinsurance if ly.type == "quota_share")
        if qs > 1 + 1e-12:
            raise ValueError(f"quota_share layers cede {qs:g} of every loss together; their "
                             "shares must add up to at most 1")
        return self


class Launch(_Model):
    """One launch of the deployment plan: ``satellites`` of fleet group ``group`` on a
    ``vehicle`` of a family of the launch record (``riskengine perils`` lists them; a family
    without flights prices from the new-vehicle prior and flags the run)."""

    date: dt.date = Field(..., description="launch date (ignition: the policy attaches)")
    vehicle: VehicleFamily = Field(..., description="vehicle family, e.g. falcon9, starship")
    satellites: int = Field(..., ge=1, le=100_000, description="satellites on board")
    group: Name = Field(..., description="the [[fleet]] group the satellites belong to")
    failure_probability: float | None = Field(
        None, ge=0, le=1, description="fix this launch's failure probability instead of the "
        "family's posterior")


class LaunchSchedule(_Model):
    """A regular cadence that expands to ``launches`` [[launch]] entries, ``interval_days``
    apart from ``start``."""

    start: dt.date
    launches: int = Field(..., ge=1, le=1_000_000, description="number of launches")
    interval_days: float = Field(..., gt=0, le=3660, description="days between launches")
    vehicle: VehicleFamily
    satellites: int = Field(..., ge=1, le=100_000, description="satellites per launch")
    group: Name
    failure_probability: float | None = Field(None, ge=0, le=1)

    def expand(self) -> list[Launch]:
        """The launches of the schedule.

        Examples
        --------
        >>> s = LaunchSchedule(start="2027-01-01", launches=3, interval_days=10.5,
        ...                    vehicle="starship", satellites=200, group="g")
        >>> [str(x.date) for x in s.expand()]
        ['2027-01-01', '2027-01-11', '2027-01-22']
        """
        return [Launch(date=self.start + dt.timedelta(days=int(i * self.interval_days)),
                       vehicle=self.vehicle, satellites=self.satellites, group=self.group,
                       failure_probability=self.failure_probability)
                for i in range(self.launches)]


class Pricing(_Model):
    cost_of_capital: float = Field(0.10, ge=0, le=1,
                                   description="per year on the net capital (VaR - EL)")
    expense_ratio: float = Field(0.15, ge=0, lt=1, description="expenses as share of premium")
    capital_quantile: float = Field(0.995, gt=0.5, lt=1)
    reinsurer_margin: float = Field(
        1.0, ge=0, le=100, description="the reinsurer's loading on its expected ceded loss "
        "(reinsurance premium = (1 + margin) x expected ceded loss, reinstatement premiums "
        "included)", json_schema_extra={"assumption": REINSURER_MARGIN_ASSUMPTION})


class Portfolio(_Model):
    name: Name | None = None
    description: str | None = Field(None, max_length=10_000)
    simulation: Simulation = Field(default_factory=Simulation)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    fleet: list[FleetGroup] = Field(default_factory=list)
    perils: list[PerilEntry] | None = Field(
        None, description="the perils to simulate (default: the physical set); see "
        "`riskengine perils`")
    policy: Policy = Field(default_factory=Policy)
    pricing: Pricing = Field(default_factory=Pricing)
    launch: list[Launch] = Field(default_factory=list, description="the deployment plan")
    launch_schedule: list[LaunchSchedule] = Field(
        default_factory=list, description="regular launch cadences (expand to [[launch]])")
    source_path: str | None = Field(None, exclude=True)

    def all_launches(self) -> list[Launch]:
        """``[[launch]]`` and the expanded ``[[launch_schedule]]`` entries, by date (stable)."""
        out = list(self.launch) + [x for s in self.launch_schedule for x in s.expand()]
        return sorted(out, key=lambda x: x.date)

    @model_validator(mode="after")
    def _fleet_needed(self):
        names = [g.name for g in self.fleet]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"fleet group names must be unique; repeated: {sorted(dup)}")
        if self.perils is not None:
            needs = [p.type for p in self.perils if "fleet" in _perils.get(p.type).needs]
            if needs and not self.fleet:
                raise ValueError(f"perils {needs} act on fleet satellites, but there is no "
                                 "[[fleet]] group: add one or use type=\"compound\"")
            types = [p.type for p in self.perils]
            if "solar_particle_event" in types and "radiation" not in types:
                i = types.index("solar_particle_event")
                raise ValueError(f"perils[{i}]: the solar_particle_event peril raises the "
                                 "accelerators' failure probability through the radiation "
                                 "peril's failure dose: add [[perils]] type = \"radiation\" "
                                 "(or remove the solar_particle_event entry)")
            for i, p in enumerate(self.perils):
                for g in getattr(p, "groups", None) or []:
                    if g not in names:
                        raise ValueError(f"peril {p.name!r} names fleet group {g!r}, which "
                                         f"is not defined (groups: {names})")
                for key, g in _perils.get(p.type).groups_named(p):
                    if g not in names:
                        raise ValueError(f"perils[{i}].{key}: fleet group {g!r} is not "
                                         f"defined (groups: {names}); use a [[fleet]] name")
        dep = [g.name for g in self.fleet if g.agreed_value is not None]
        if dep and self.simulation.inception is None:
            raise ValueError(f"fleet groups {dep} have an agreed_value by age: set "
                             "[simulation] inception (the start of the insured year) so the "
                             "ages, and the price, are reproducible")
        for key, entries in (("launch", self.launch), ("launch_schedule", self.launch_schedule)):
            for i, x in enumerate(entries):
                if x.group not in names:
                    raise ValueError(f"{key}[{i}].group = {x.group!r} is not a [[fleet]] group "
                                     f"(groups: {names}); name the group the satellites "
                                     "belong to")
        carried: dict = {}
        for x in self.launch:
            carried[x.group] = carried.get(x.group, 0) + x.satellites
        for s in self.launch_schedule:
            carried[s.group] = carried.get(s.group, 0) + s.satellites * s.launches
        for g in self.fleet:
            if g.count is not None and carried.get(g.name, 0) > g.count:
                raise ValueError(f"the launches of fleet group {g.name!r} carry "
                                 f"{carried[g.name]:,} satellites but the group holds "
                                 f"{g.count:,}: enlarge the group or launch fewer")
        if self.policy.cover == "launch_plus_one_year" and not (self.launch
                                                                or self.launch_schedule):
            raise ValueError("policy.cover = 'launch_plus_one_year' needs a deployment plan: "
                             "add [[launch]] or [[launch_schedule]] entries")
        return self


_DISCRIMINATOR_TAGS = ("poisson", "negative_binomial", "lognormal", "exponential", "gamma",
                       "pareto", "weibull", "uniform", "empirical")


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _DISCRIMINATOR_TAGS or str(part).startswith("function-"):
            continue  # discriminator tag or validator name, not a key
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _lookup(data: Any, loc: tuple) -> Any:
    cur = data
    for part in loc:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            continue
    return cur


def parse_portfolio(data: dict, source: str = "<config>") -> Portfolio:
    """Validate a config mapping; raise :class:`ConfigError` naming file, key and value."""
    try:
        p = Portfolio.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = _loc(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input", _lookup(data, err["loc"]))
            got_s = repr(got)
            if len(got_s) > 80:
                got_s = got_s[:77] + "..."
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling; see portfolios/example.toml)"
                if err["loc"] and err["loc"][0] == "perils":
                    msg = ("unknown key (check the spelling; `riskengine perils` lists the keys "
                           "of every peril type)")
            elif err["type"] == "string_pattern_mismatch" and err["loc"][-1] == "vehicle":
                msg = ("must be a vehicle family key: lower-case letters, digits and _ (e.g. "
                       "falcon9, starship; the families with a record are in riskengine/data/launch/launch_record.csv)")
            elif err["type"] == "string_pattern_mismatch":
                msg = "must be one line of text without control characters (tabs, newlines)"
            if not err["loc"]:   # a check across keys: the message names them
                lines.append(f"  {msg}")
                continue
            lines.append(f"  {key}: {msg} (got {got_s})")
        raise ConfigError(f"{source}: invalid portfolio config\n" + "\n".join(lines)) from None
    p.source_path = source
    return p


def load_portfolio(path: str | Path) -> Portfolio:
    """Read and validate a portfolio TOML file.

    Relative ``elements`` paths are resolved against the config file's folder.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (try portfolios/example.toml)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    p = parse_portfolio(data, str(path))
    if p.name is None:
        p.name = path.stem
    for g in p.fleet:
        if g.elements and not Path(g.elements).is_absolute():
            cand = (path.parent / g.elements)
            if cand.exists():
                g.elements = str(cand)
    return p
