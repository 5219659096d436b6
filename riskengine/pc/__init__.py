"""Collision probability kernels (pure NumPy/SciPy, vectorised over conjunctions).

* :mod:`~riskengine.pc.foster` — 2D Pc over the hard-body disk (Foster 1992; CARA ``PcCircle``).
* :mod:`~riskengine.pc.encounter` — RTN frames, ITRF velocity inertialisation, encounter plane,
  CARA eigenvalue-clip remediation, usage-violation flags.
* :mod:`~riskengine.pc.states` — Pc from TCA states + RTN covariances (CDM path).
"""

from riskengine.pc.foster import log_pc_circle, pc2d, pc_circle
from riskengine.pc.states import pc_from_states

__all__ = ["pc_circle", "log_pc_circle", "pc2d", "pc_from_states"]
