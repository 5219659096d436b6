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


class CatalogSettings(_Model):
    files: list[str] = Field(default_factory=list,
                             description="catalog files; $RISKENGINE_CATALOG overrides")
    stale_days: float = Field(30.0, gt=0, le=36_525,
                              description="element sets older than this are excluded")


# ----------------------------------------------------------------------------- fleet
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
    accelerator_spares: float = Field(
        0.0, ge=0, le=0.9,
        description="share of the accelerators that is design margin (spares): random "
        "accelerator failures up to this share of the group per insured year are expected "
        "degradation, not a loss (radiation damage hits spares too and is not absorbed)")
    payload_share: float = Field(0.6, gt=0, le=1,
                                 description="share of the sum insured carried by the accelerators")
    bus_family: str = "conventional"
    launch_date: dt.date | None = None

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
class ReinsuranceLayer(_Model):
    """Excess of loss on the annual (aggregate) loss: ``share`` of ``limit`` xs ``attachment``."""

    name: Name = "layer"
    attachment: float = Field(..., ge=0, le=MAX_USD)
    limit: float = Field(..., gt=0, le=MAX_USD)
    share: float = Field(1.0, gt=0, le=1)
    basis: Literal["occurrence", "aggregate"] = "aggregate"


class Policy(_Model):
    deductible: float = Field(0.0, ge=0, le=MAX_USD, description="per satellite per loss, USD")
    ctl_threshold: float = Field(0.75, gt=0, le=1,
                                 description="capacity loss fraction treated as total loss")
    partial_loss: Literal["proportional", "none"] = "proportional"
    occurrence_deductible: float = Field(0.0, ge=0, le=MAX_USD)
    occurrence_limit: float | None = Field(None, gt=0, le=MAX_USD)
    aggregate_deductible: float = Field(0.0, ge=0, le=MAX_USD)
    aggregate_limit: float | None = Field(None, gt=0, le=MAX_USD)
    reinsurance: list[ReinsuranceLayer] = Field(default_factory=list)


class Pricing(_Model):
    cost_of_capital: float = Field(0.10, ge=0, le=1, description="per year on (VaR99.5 - EL)")
    expense_ratio: float = Field(0.15, ge=0, lt=1, description="expenses as share of premium")
    capital_quantile: float = Field(0.995, gt=0.5, lt=1)


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
    source_path: str | None = Field(None, exclude=True)

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
            for i, p in enumerate(self.perils):
                for g in getattr(p, "groups", None) or []:
                    if g not in names:
                        raise ValueError(f"peril {p.name!r} names fleet group {g!r}, which "
                                         f"is not defined (groups: {names})")
                for key, g in _perils.get(p.type).groups_named(p):
                    if g not in names:
                        raise ValueError(f"perils[{i}].{key}: fleet group {g!r} is not "
                                         f"defined (groups: {names}); use a [[fleet]] name")
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
            elif err["type"] == "string_pattern_mismatch":
                msg = "must be one line of text without control characters (tabs, newlines)"
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
