"""Collision probability kernels (pure NumPy/SciPy, vectorised over conjunctions).

* :mod:`~riskengine.core.pc.foster` — 2D Pc over the hard-body disk (Foster 1992; CARA ``PcCircle``).
* :mod:`~riskengine.core.pc.encounter` — RTN frames, ITRF velocity inertialisation, encounter plane,
  CARA eigenvalue-clip remediation, usage-violation flags.
* :mod:`~riskengine.core.pc.states` — Pc from TCA states + RTN covariances (CDM path).
* :mod:`~riskengine.core.pc.maxpc` — Alfano / Frisbee maximum Pc, dilution flag.
* :mod:`~riskengine.core.pc.nc3d` — Hall's 3D-Nc (curvilinear two-body motion, velocity
  uncertainty), vectorised over events; 2D usage-violation indicators (Hall et al. 2023).
* :mod:`~riskengine.core.pc.twobody` — equinoctial elements, universal-variable propagation.
* :mod:`~riskengine.core.pc.montecarlo` — Monte Carlo Pc (two-body from TCA, or straight-line)
  with a Clopper–Pearson interval.
* :mod:`~riskengine.core.pc.covariance` — TLE covariance model (Aida & Kirschner 2013).
* :mod:`~riskengine.core.pc.screening` — :func:`screening_pc` for catalog conjunctions.

Units: states km, km/s; covariances m²; hard-body radius m; the 2D kernels take any
consistent length unit.
"""

from riskengine.core.pc.covariance import tle_covariance_rtn, tle_sigmas_rtn
from riskengine.core.pc.foster import log_pc_circle, pc2d, pc_circle
from riskengine.core.pc.maxpc import max_pc_one_sided, max_pc_scaled, max_pc_unknown
from riskengine.core.pc.montecarlo import pc_montecarlo, pc_montecarlo_twobody
from riskengine.core.pc.nc3d import nc3d, usage_violations_2d
from riskengine.core.pc.screening import screening_pc
from riskengine.core.pc.states import pc_from_states

__all__ = ["pc_circle", "log_pc_circle", "pc2d", "pc_from_states", "max_pc_scaled",
           "max_pc_one_sided", "max_pc_unknown", "pc_montecarlo", "pc_montecarlo_twobody",
           "nc3d", "usage_violations_2d", "tle_covariance_rtn",
           "tle_sigmas_rtn", "screening_pc"]
