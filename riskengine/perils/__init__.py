"""The peril registry: every peril riskengine can price, declared once.

Each peril is one module in this package (``riskengine/perils/<name>.py``) holding one
:class:`~riskengine.perils.base.Peril` subclass decorated with :func:`register`. The
config (``[[perils]]`` validation), the hazards stage, the loss engine input, the report,
``riskengine perils`` and the docs all read :data:`REGISTRY`; nothing else lists perils.

Adding a peril is writing that one module (and its test): see ``docs/architecture.md``.

Examples
--------
>>> from riskengine import perils
>>> "collision" in perils.types() and perils.get("compound").kind
'generic'
>>> [p.type for p in perils.default_set()][:3]
['collision', 'untracked_debris', 'breakup']
"""

from __future__ import annotations

import importlib
import pkgutil

from riskengine.errors import ConfigError
from riskengine.perils.base import (Entry, HazardContext, LossContext, Params, Peril,
                                    entry_model, param, physical_entry)

__all__ = ["REGISTRY", "Entry", "HazardContext", "LossContext", "Params", "Peril", "param",
           "physical_entry", "register", "unregister", "get", "types", "default_set",
           "instantiate", "validate_entry"]

#: type name -> Peril subclass
REGISTRY: dict[str, type[Peril]] = {}


def register(cls: type[Peril]) -> type[Peril]:
    """Class decorator: add a peril to the registry (refuses a type registered twice).

    A physical peril that declares ``Params`` gets its ``[[perils]]`` entry model built
    (``type``, ``name``, ``params``); a generic peril declares ``EntryModel`` itself.
    """
    if not cls.type:
        raise ValueError(f"{cls.__name__}: set the class attribute `type`")
    if cls.type in REGISTRY and REGISTRY[cls.type] is not cls:
        raise ValueError(f"peril type {cls.type!r} is registered twice "
                         f"({REGISTRY[cls.type].__module__} and {cls.__module__})")
    entry_model(cls)
    REGISTRY[cls.type] = cls
    return cls


def unregister(type_name: str) -> None:
    """Remove a peril type (tests that register a toy peril clean up with this)."""
    REGISTRY.pop(type_name, None)


def _load_builtin() -> None:
    for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if mod != "base" and not mod.startswith("_"):
            importlib.import_module(f"{__name__}.{mod}")


def types() -> list[str]:
    """Registered peril types: generic first, then physical, each by its ``order``."""
    return [c.type for c in sorted(REGISTRY.values(),
                                   key=lambda c: (c.kind != "generic", c.order, c.type))]


def get(type_name: str) -> type[Peril]:
    """The peril class of ``type_name``; a :class:`ConfigError` lists the known types."""
    try:
        return REGISTRY[type_name]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown peril type {type_name!r}; known types: "
                          f"{', '.join(REGISTRY)} (see `riskengine perils`)") from None


def default_set() -> list[Peril]:
    """The default physical perils (a config without ``[[perils]]``), in registry order."""
    out = []
    for cls in (REGISTRY[t] for t in types()):
        if cls.default:
            out.append(cls(cls.EntryModel.model_validate(
                {"type": cls.type, "params": dict(cls.default_params)})))
    return out


def validate_entry(data):
    """Validate one ``[[perils]]`` entry against its peril's model (pydantic errors carry the
    key path, e.g. ``params.avodance``)."""
    if isinstance(data, Entry):
        return data
    if not isinstance(data, dict):
        raise ValueError(f"a [[perils]] entry must be a table with a `type` key, got {data!r}")
    t = data.get("type")
    if t is None:
        raise ValueError(f"missing `type`; one of: {', '.join(REGISTRY)}")
    if t not in REGISTRY:
        raise ValueError(f"unknown peril type {t!r}; one of: {', '.join(REGISTRY)} "
                         "(see `riskengine perils`)")
    return REGISTRY[t].EntryModel.model_validate(data)


def instantiate(entries) -> list[Peril]:
    """Peril objects for validated ``[[perils]]`` entries (``None``: the default set).

    Generic perils come first, then the physical ones, each in config order: the order of
    the loss sources, and therefore of the random streams, does not depend on where in the
    file a generic peril is written.
    """
    if entries is None:
        return default_set()
    objs = [get(e.type)(e) for e in entries]
    return ([p for p in objs if p.kind == "generic"]
            + [p for p in objs if p.kind != "generic"])


_load_builtin()
