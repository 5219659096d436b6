"""riskengine — a space-insurance risk engine.

Stages (one module or sub-package each): ``catalog`` (parse and fetch element sets),
``fleet`` (insured satellites), ``propagate`` (batched SGP4), ``screen`` (conjunctions),
``pc`` and ``cdm`` (collision probability), ``flux`` and ``hazards`` (annual hazards),
``reliability`` and ``radiation`` (PyMC models), ``losses``, ``policy`` and ``pricing``
(Monte Carlo loss engine), ``store`` (DuckDB schema and run registry), ``cli``.

Units everywhere in the numeric core: km, s, km/s, USD, rad(Si), years.
Axis convention for state arrays: ``(n_objects, n_times, 3)``.
"""

__version__ = "0.1.0"
