"""What a peril is: its config entry, its typed parameters with their sources, and the two
things it does — hazard rows from the physics, loss sources for the engine.

A peril is one class in one module of :mod:`riskengine.perils`, registered with
:func:`riskengine.perils.register`. Everything else (config validation, the hazards stage,
the loss engine input, the report, ``riskengine perils`` and the docs) reads the registry.

Two kinds:

* ``generic`` — rate-based perils an underwriter writes down directly (``compound``,
  ``independent_failure``, ``common_shock``); their keys sit at the top of the
  ``[[perils]]`` entry, as in the GUIDE's config contract.
* ``physical`` — perils computed from the fleet's orbits, the catalog, a screening or the
  Bayesian posterior (collision, untracked debris, breakup, space weather, hardware,
  radiation); their parameters sit in ``params = { ... }``, typed by the peril's
  :class:`Params` model: a misspelt key is refused with the file, the key, the value and
  the fix.

Every parameter is declared with :func:`param`: its default, unit, description and either
a ``source`` (a citation) or ``assumption=True`` with the reasoning — never an unsourced
number that moves a price.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PerilKind = Literal["generic", "physical"]


class Params(BaseModel):
    """Base of a peril's typed ``params`` table: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def param(default: Any, *, description: str, unit: str = "", source: str = "",
          assumption: str = "", **constraints) -> Any:
    """Declare one peril parameter: default, unit, meaning and where the value comes from.

    Exactly one of ``source`` (a citation of published evidence) or ``assumption`` (a
    named engineering judgement, stated once, whose effect the report's sensitivity
    section shows) must be given. ``constraints`` are pydantic bounds (``ge``, ``le``,
    ``gt``, ``lt``).

    Examples
    --------
    >>> class P(Params):
    ...     rate: float = param(0.5, unit="1/yr", description="storms per year",
    ...                         source="NOAA SWPC storm statistics", ge=0)
    >>> P().rate, P.model_fields["rate"].json_schema_extra["source"]
    (0.5, 'NOAA SWPC storm statistics')
    """
    if bool(source) == bool(assumption):
        raise ValueError("a peril parameter needs exactly one of source= (a citation) or "
                         "assumption= (the named judgement and why)")
    extra = {"unit": unit, "source": source, "assumption": assumption}
    return Field(default, description=description, json_schema_extra=extra, **constraints)


@dataclass(frozen=True)
class KeyAssumption:
    """A parameter the sensitivity analysis moves: the peril's ``param`` set to each of
    ``values`` in turn (one at a time, the rest as configured), with a reader's ``label``.

    Examples
    --------
    >>> KeyAssumption("rate", (0.2, 1.0), "storms per year").values
    (0.2, 1.0)
    """

    param: str
    values: tuple
    label: str = ""


class Entry(BaseModel):
    """Base of a ``[[perils]]`` entry (``type`` and an optional ``name``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    type: str
    name: Annotated[str, StringConstraints(min_length=1, max_length=200,
                                           pattern=r"^[^\x00-\x1f\x7f]+$")] | None = Field(
        None, description="label of the peril in the loss tables (default: the type)")


def physical_entry(type_name: str, params_model: type[Params]) -> type[Entry]:
    """The ``[[perils]]`` entry model of a physical peril: ``type``, ``name``, ``params``."""
    from pydantic import create_model

    return create_model(
        f"{params_model.__name__}Entry", __base__=Entry,
        type=(Literal[type_name], ...),  # type: ignore[valid-type]
        params=(params_model, Field(default_factory=params_model,
                                    description="typed parameters; see `riskengine perils`")))


def entry_model(cls) -> type[Entry]:
    """The ``[[perils]]`` entry model of the peril class ``cls``: the ``EntryModel`` it
    declares (a generic peril), else the entry of its ``Params``, made once and kept on the
    class (:func:`riskengine.perils.register`; a class rebuilt in a worker process where it
    was never registered)."""
    if "EntryModel" not in cls.__dict__:
        if cls.Params is None:
            raise ValueError(f"{cls.__name__}: declare Params (physical) or EntryModel "
                             "(generic)")
        cls.EntryModel = physical_entry(cls.type, cls.Params)
    return cls.EntryModel


# --------------------------------------------------------------------------- contexts
@dataclass
class HazardContext:
    """What the hazards stage gives a peril to compute its rows from (no I/O inside).

    Attributes
    ----------
    fleet : riskengine.fleet.ResolvedFleet
        The insured satellites and their distinct orbits.
    catalog : riskengine.catalog.Catalog or None
        The tracked population (``None`` when no peril needs it).
    screening : dict or None
        ``{group: (sum_pc, window_days, n_satellites, sum_pc_fleet)}`` of this portfolio's
        own screening on this catalog, or ``None``.
    perils : dict
        Every configured peril of the portfolio by type (a peril may read another's
        parameters, e.g. breakup takes collision's avoidance by default).
    shared : dict
        A scratch space the perils of one hazards run share (e.g. the flux population).
    conjunctions : dict or None
        ``{group: {"pc": (n,), "fleet": (n,) bool, "satellite_years": float}}``: the Pc of
        every conjunction of this portfolio's screening (each fleet-vs-fleet pair listed
        for both satellites' groups) and the satellite-years it covers, or ``None``.
    atmosphere : riskengine.core.lifetime.DensityTable or None
        The density table the stage loaded (:func:`riskengine.atmosphere.load_density_table`)
        for dead-satellite lifetimes; ``None``: no derelicts.
    """

    fleet: Any
    catalog: Any = None
    screening: dict | None = None
    perils: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)
    conjunctions: dict | None = None
    atmosphere: Any = None

    def params_of(self, type_name: str):
        """The ``params`` of the configured peril ``type_name``, else that peril's defaults."""
        if type_name in self.perils:
            return self.perils[type_name].params
        from riskengine.perils import get

        cls = get(type_name)
        return cls.Params(**cls.default_params)


@dataclass
class LossContext:
    """What a peril gets to add its sources to the engine input (no I/O inside).

    Attributes
    ----------
    fleet : riskengine.fleet.ResolvedFleet
    rows : dict
        The stored ``hazards`` rows of this portfolio's hazards run, column -> list.
    posterior : riskengine.core.posterior.Posterior or None
    seed : int
        The run's root seed (posterior draw selection is reproducible).
    as_of : datetime.date or None
        Start of the insured year (satellite ages).
    shared : dict
        Scratch space shared by the perils of one run (posterior draws are computed once).
    """

    fleet: Any
    rows: dict = field(default_factory=dict)
    posterior: Any = None
    seed: int = 0
    as_of: dt.date | None = None
    shared: dict = field(default_factory=dict)

    def rows_for(self, label: str) -> list[int]:
        """Indices of the hazard rows whose ``peril`` is ``label``, in stored order."""
        return [i for i, p in enumerate(self.rows.get("peril", [])) if p == label]


class Peril:
    """Base class of every registered peril.

    Subclasses set the class attributes and override :meth:`hazard_rows` (physics →
    ``hazards`` rows, run by the hazards stage) and/or :meth:`add_sources` (rows,
    posterior or config → loss sources of the engine).

    Class attributes
    ----------------
    type : str
        The ``type`` key in ``[[perils]]``.
    kind : {"generic", "physical"}
    summary : str
        One line for ``riskengine perils`` and the report.
    Params : type[Params] or None
        Typed ``params`` (physical perils).
    EntryModel : type[Entry]
        The whole ``[[perils]]`` entry (generic perils declare their own).
    default : bool
        Part of the default physical set (a config without ``[[perils]]``).
    needs : frozenset of {"fleet", "catalog", "posterior", "atmosphere"}
        ("atmosphere": the stage loads the density table for the peril)
    key_assumptions : tuple of KeyAssumption
        What the sensitivity analysis moves (:meth:`sensitivity_cases`).
    """

    type: ClassVar[str] = ""
    kind: ClassVar[PerilKind] = "physical"
    summary: ClassVar[str] = ""
    Params: ClassVar[type[Params] | None] = None
    EntryModel: ClassVar[type[Entry]]
    default: ClassVar[bool] = False
    needs: ClassVar[frozenset] = frozenset({"fleet"})
    key_assumptions: ClassVar[tuple] = ()
    #: default ``params`` of this peril in the default physical set
    default_params: ClassVar[dict] = {}
    #: position in listings and in the default set (the order of loss sources)
    order: ClassVar[int] = 100

    def __init__(self, entry: Entry):
        self.entry = entry

    def __reduce__(self):
        # the entry's model is made at import (pydantic ``create_model``) and does not
        # pickle by reference: a peril travels as its class (by reference) and its entry's
        # data, validated again where it lands (the sensitivity cases rebuild the
        # portfolio's perils in worker processes)
        return (_rebuild_peril, (type(self), self.entry.model_dump()))

    # ------------------------------------------------------------------ identity
    @property
    def name(self) -> str:
        """The label of this peril in the loss tables."""
        return self.entry.name or self.type

    @property
    def params(self) -> Params | None:
        return getattr(self.entry, "params", None)

    def labels(self) -> list[str]:
        """Every label this peril writes into ``hazards.peril`` and ``elt.peril``."""
        return [self.name]

    @property
    def groups(self) -> list[str] | None:
        """Fleet groups the peril is limited to (``None``: all)."""
        return getattr(self.entry, "groups", None)

    # ------------------------------------------------------------------ behaviour
    def hazard_rows(self, ctx: HazardContext) -> list[dict]:
        """Rows of the ``hazards`` table (contract: :mod:`riskengine.store.tables_hazards`).

        Physical perils computed from the catalog or the fleet's orbits return them;
        the default (generic and posterior perils) returns none.
        """
        return []

    def add_sources(self, hs, ctx: LossContext) -> None:
        """Add this peril's loss sources to the engine input ``hs`` (a
        :class:`riskengine.core.sources.HazardSet`).

        The default turns the stored hazard rows of each of :meth:`labels` into sources
        (:func:`riskengine.core.sources.hazard_set_from_rows`); generic and posterior
        perils override it.
        """
        from riskengine.core.sources import hazard_set_from_rows

        for label in self.labels():
            idx = ctx.rows_for(label)
            if idx:
                hazard_set_from_rows({k: [v[i] for i in idx] for k, v in ctx.rows.items()},
                                     hs, [label])

    @classmethod
    def groups_named(cls, entry) -> list[tuple[str, str]]:
        """``(key, fleet group)`` of every fleet group the entry's params name; the config
        refuses a name that is not a ``[[fleet]]`` group, with the key."""
        return []

    def diagnostics(self, ctx: HazardContext) -> dict:
        """Per-group numbers for ``riskengine hazards`` (optional)."""
        return {}

    def with_params(self, **changes) -> "Peril":
        """A copy of this peril with some ``params`` changed (validated like the config).

        Examples
        --------
        >>> from riskengine.perils import get, validate_entry
        >>> p = get("space_weather")(validate_entry({"type": "space_weather"}))
        >>> p.with_params(rate=0.9).params.rate
        0.9
        """
        params = self.params.model_copy(update=changes)
        params = type(self.params).model_validate(params.model_dump())
        return type(self)(self.entry.model_copy(update={"params": params}))

    def sensitivity_cases(self) -> list[tuple[KeyAssumption, object]]:
        """``(assumption, value)`` for every value of every key assumption that differs
        from the configured one."""
        if self.params is None:
            return []
        out = []
        for ka in self.key_assumptions:
            base = getattr(self.params, ka.param)
            out += [(ka, v) for v in ka.values if v != base]
        return out

    # ------------------------------------------------------------------ description
    @classmethod
    def parameters(cls) -> list[dict]:
        """Every parameter with its default, unit, description and source / assumption."""
        model = cls.Params if cls.Params is not None else cls.EntryModel
        out = []
        for name, f in model.model_fields.items():
            if name in ("type", "name"):
                continue
            extra = f.json_schema_extra or {}
            default = None if f.is_required() else f.get_default(call_default_factory=True)
            if isinstance(default, BaseModel):
                default = default.model_dump()
            out.append(dict(name=name, default=default, required=f.is_required(),
                            unit=extra.get("unit", ""), description=f.description or "",
                            source=extra.get("source", ""),
                            assumption=extra.get("assumption", "")))
        return out


def rows_to_arrays(rows: dict, idx: list[int], key: str, default=None) -> np.ndarray:
    """Column ``key`` of the hazard rows ``idx`` as an object array (missing: ``default``)."""
    col = rows.get(key)
    if col is None:
        return np.full(len(idx), default, dtype=object)
    out = np.empty(len(idx), dtype=object)
    for j, i in enumerate(idx):
        v = col[i]
        out[j] = default if v is None or (isinstance(v, float) and np.isnan(v)) else v
    return out


def _rebuild_peril(cls: type, data: dict) -> "Peril":
    """A peril of class ``cls`` with its entry validated again from ``data``
    (:meth:`Peril.__reduce__`). A class registered in another process only (a notebook's
    own peril) has no entry model here yet: it is made as registering makes it."""
    return cls(entry_model(cls).model_validate(data))
