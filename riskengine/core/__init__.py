"""The numeric core: pure functions over NumPy arrays in fixed units.

Everything under ``riskengine.core`` computes from the arrays and objects it is given and
returns arrays: it imports no DuckDB, PyMC, click, Rich, Dask or settings, reads no file,
no environment variable and no database. I/O, configuration and orchestration live around
it (``riskengine.catalog``, ``riskengine.store``, ``riskengine.stages``, ``riskengine.cli``).
The rule is checked by import-linter (``[tool.importlinter]`` in ``pyproject.toml``),
which ``make test`` runs.

Modules
-------
constants   WGS-72 (SGP4) and WGS-84 constants, named apart
flux        long-term collision flux (Kessler spatial density)
debris      untracked debris, ballistic limits, NASA breakup model
lifetime    dead-satellite orbital lifetime (King-Hele decay over a density table)
smalldebris 1 mm-10 cm debris flux scaled from the tracked catalog
altitude    altitude resolution of flux profiles (mean vs osculating, TLE errors)
shellgeometry fleet-vs-fleet close approaches of a Walker shell from its geometry
ballistic   ballistic-limit equations, vulnerable areas, kill shares of debris hits
avoidance   manoeuvre-threshold avoidance from the Pc distribution (CARA event rate)
screening   conjunction-screening kernels
pc          collision-probability kernels (2D, max Pc, Monte Carlo)
sources     the loss engine's input (HazardSet) and peril samplers
engine      the Monte Carlo loss engine over blocks of years
ep          EP curves and risk metrics with Monte Carlo errors
policy      policy terms (satellite, occurrence, aggregate, reinsurance)
pricing     technical premium and capital allocation
reliability bus and accelerator failure maths
radiation   dose-to-failure maths (lognormal failure dose, conditional annual failure)
dose        dose behind Al spheres from trapped spectra (NIST CSDA / ESTAR kernels)
spe         solar particle events: event statistics, geomagnetic cut-off, dose per event
spaceweather geomagnetic-storm hit probabilities
"""
