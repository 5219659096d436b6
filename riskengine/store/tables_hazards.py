"""The ``hazards`` table: the interface between the hazard stages and the loss engine.

One row per (fleet group or satellite) x peril x parameter draw.

* ``scope='satellite'``: each satellite in the group (or the one ``satellite_id``) suffers
  Poisson(``annual_rate``) independent events per year.
* ``scope='event'``: the group suffers Poisson(``annual_rate``) shared events per year
  (storms, breakup clouds, solar particle events); each event hits each satellite of the
  group independently with ``hit_probability``.

* ``scope='dose'``: the group's yearly ionising dose behind its shielding (radiation
  perils), from the AE-8/AP-8 physics of the hazards stage: ``dose_rad_per_year`` (trapped
  particles), ``solar_dose_rad_per_year`` (expected solar protons, cycle average) and
  ``spe_rad_per_fluence``; ``annual_rate`` is 0 (the failure dose comes from the posterior
  in the loss stage). The ``solar_particle_event`` rows (``scope='event'``) carry the event
  rate and ``spe_rad_per_fluence``.

Severity is the fraction of a satellite's capacity lost per hit: ``'total'`` (1.0),
``'fixed'`` (``severity_a``), ``'beta'`` (Beta(``severity_a``, ``severity_b``)), or
``'mixture'`` (a total loss with probability ``severity_p_total``, else
Beta(``severity_a``, ``severity_b``)).

``method='derelict'`` rows (the collision peril's ``<name>_derelict`` label) describe
collisions with the fleet's own dead satellites: ``annual_rate`` per derelict-year in the
band of ``fleet_group``, for dead satellites of ``source_group`` that reach the band
``delay_years`` after failing and stay ``dwell_years``; the loss engine draws them from the
failures of each simulated year (:class:`riskengine.core.sources.DerelictSource`).

Shared events with a ``cloud_lifetime_years`` (fragment clouds) expose the fleet from the
moment they happen to the end of the policy year, decaying with that e-folding lifetime:
their ``hit_probability`` is the average over a uniform time of the event in the year, and
the loss engine gives each event the hit probability of its own time.
"""

from riskengine.store.schema import RUN_ID, _t, register

HAZARDS = register(_t("hazards", __doc__.splitlines()[0], [
    RUN_ID,
    ("fleet_group", "VARCHAR", "fleet group name", False),
    ("satellite_id", "BIGINT", "satellite (null: every satellite of the group)"),
    ("peril", "VARCHAR", "collision | untracked_debris | breakup | hardware | radiation | ...", False),
    ("scope", "VARCHAR", "satellite | event | dose", False),
    ("annual_rate", "DOUBLE", "events per satellite-year (satellite) or per year (event)", False),
    ("hit_probability", "DOUBLE", "per satellite per event (scope='event'), else 1"),
    ("severity", "VARCHAR", "total | fixed | beta | mixture"),
    ("severity_a", "DOUBLE", "fixed fraction, or Beta a"),
    ("severity_b", "DOUBLE", "Beta b"),
    ("draw", "BIGINT", "parameter draw index (null: point estimate)"),
    ("method", "VARCHAR", "flux | screening | posterior | model"),
    ("altitude_km", "DOUBLE", "mean altitude of the group/satellite"),
    ("notes", "VARCHAR", "source / assumptions"),
    ("dose_rad_per_year", "DOUBLE", "trapped-particle dose behind the group's shielding, "
     "rad(Si)/yr (scope='dose')"),
    ("solar_dose_rad_per_year", "DOUBLE", "expected solar-proton dose, rad(Si)/yr, cycle "
     "average (scope='dose')"),
    ("spe_rad_per_fluence", "DOUBLE", "dose of a solar particle event per proton/cm^2 above "
     "30 MeV behind the shielding, geomagnetic cut-off included, rad(Si) cm^2"),
    ("severity_p_total", "DOUBLE", "severity 'mixture': share of hits that are total losses"),
    ("cloud_lifetime_years", "DOUBLE", "scope 'event': e-folding lifetime of the event's "
     "exposure, which runs from the event to the end of the policy year (null: the hit "
     "probability does not depend on when the event happens)"),
    ("source_group", "VARCHAR", "derelict rows: the fleet group whose dead satellites cross "
                                "this group's band"),
    ("delay_years", "DOUBLE", "derelict rows: years from failure until the band is reached"),
    ("dwell_years", "DOUBLE", "derelict rows: years the dead satellite spends in the band"),
    ("lifetime_years", "DOUBLE", "derelict rows: years until the dead satellite re-enters"),
]))
