"""riskengine — a space-insurance risk engine.

Stages (one module or sub-package each): ``catalog`` (parse and fetch element sets),
``fleet`` (insured satellites), ``propagate`` (batched SGP4), ``screen`` (conjunctions),
``pc`` and ``cdm`` (collision probability), ``flux`` and ``hazards`` (annual hazards),
``reliability`` and ``radiation`` (PyMC models), ``losses``, ``policy`` and ``pricing``
(Monte Carlo loss engine), ``store`` (DuckDB schema and run registry), ``cli``.

Units everywhere in the numeric core: km, s, km/s, USD, rad(Si), years.
Axis convention for state arrays: ``(n_objects, n_times, 3)``.
"""

import os as _os

__version__ = "0.1.0"

# NumPy asks the kernel for transparent huge pages for every large array (madvise, numpy's
# documented NUMPY_MADVISE_HUGEPAGE switch, read when numpy is imported). The loss engine
# allocates and frees arrays of millions of hits every simulated year; with huge pages each
# fresh array is zeroed and compacted in 2 MiB pages by the kernel, and on a 2-core machine a
# million-satellite deployment year (bench_campaign.py's hazard set, 3 blocks of 4 years)
# took 1.05-1.16 s (45 % system time) against 0.64-0.75 s without. Off unless the user sets
# the variable (benchmarks/bench_engine_year.py runs both); set here,
# before numpy is imported by any riskengine module, and inherited by worker processes.
_os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
