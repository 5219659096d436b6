"""Tables written by ``riskengine screen``: the insured ``fleet`` and its ``conjunctions``.

``conjunctions`` holds one row per close approach (local minimum of range under the
screening threshold) between a fleet satellite (primary) and a catalog object or another
fleet satellite (secondary). Miss components are in the primary's RTN frame (R along the
position, N along r x v, T = N x R), TEME, km. The Pc columns are filled by the
screening-Pc kernel of :mod:`riskengine.core.pc` when it is available, else left null.
"""

from riskengine.store.schema import RUN_ID, _t, register

FLEET = register(_t("fleet", "Insured satellites of a screening run, with their elements.", [
    RUN_ID,
    ("fleet_group", "VARCHAR", "fleet group name", False),
    ("satellite_id", "BIGINT", "NORAD id, or synthetic 9xxxxxxxx for Walker shells", False),
    ("name", "VARCHAR", "satellite name"),
    ("epoch", "TIMESTAMP", "element epoch (UTC)"),
    ("mean_motion_rev_day", "DOUBLE", "Kozai mean motion, rev/day"),
    ("eccentricity", "DOUBLE", "mean eccentricity"),
    ("inclination_deg", "DOUBLE", "mean inclination, deg"),
    ("raan_deg", "DOUBLE", "right ascension of the ascending node, deg"),
    ("arg_perigee_deg", "DOUBLE", "argument of perigee, deg"),
    ("mean_anomaly_deg", "DOUBLE", "mean anomaly, deg"),
    ("bstar", "DOUBLE", "SGP4 drag term, 1/earth radii"),
    ("perigee_alt_km", "DOUBLE", "perigee altitude, km"),
    ("apogee_alt_km", "DOUBLE", "apogee altitude, km"),
    ("line1", "VARCHAR", "TLE line 1 (null for synthetic Walker elements)"),
    ("line2", "VARCHAR", "TLE line 2"),
    ("sum_insured", "DOUBLE", "USD"),
    ("area_m2", "DOUBLE", "collision cross-section, m^2"),
    ("mass_kg", "DOUBLE", "kg"),
    ("hard_body_radius_m", "DOUBLE", "sqrt(area / pi), m"),
]))

CONJUNCTIONS = register(_t("conjunctions", "Close approaches found by screening.", [
    RUN_ID,
    ("primary_id", "BIGINT", "fleet satellite id", False),
    ("secondary_id", "BIGINT", "catalog object or fleet satellite id", False),
    ("fleet_group", "VARCHAR", "primary's fleet group"),
    ("secondary_name", "VARCHAR", "secondary's name"),
    ("secondary_class", "VARCHAR", "PAYLOAD | DEBRIS | ROCKET BODY | UNKNOWN | FLEET"),
    ("secondary_in_fleet", "BOOLEAN", "fleet-vs-fleet event"),
    ("tca", "TIMESTAMP", "time of closest approach (UTC)", False),
    ("miss_km", "DOUBLE", "range at TCA, km", False),
    ("rel_speed_km_s", "DOUBLE", "relative speed at TCA, km/s"),
    ("radial_km", "DOUBLE", "miss (secondary - primary) along the primary's R, km"),
    ("in_track_km", "DOUBLE", "miss along the primary's T, km"),
    ("cross_track_km", "DOUBLE", "miss along the primary's N, km"),
    ("primary_epoch", "TIMESTAMP", "primary element epoch (UTC)"),
    ("secondary_epoch", "TIMESTAMP", "secondary element epoch (UTC)"),
    ("primary_r_x", "DOUBLE", "primary TEME position at TCA, km"),
    ("primary_r_y", "DOUBLE", ""), ("primary_r_z", "DOUBLE", ""),
    ("primary_v_x", "DOUBLE", "primary TEME velocity at TCA, km/s"),
    ("primary_v_y", "DOUBLE", ""), ("primary_v_z", "DOUBLE", ""),
    ("secondary_r_x", "DOUBLE", "secondary TEME position at TCA, km"),
    ("secondary_r_y", "DOUBLE", ""), ("secondary_r_z", "DOUBLE", ""),
    ("secondary_v_x", "DOUBLE", "secondary TEME velocity at TCA, km/s"),
    ("secondary_v_y", "DOUBLE", ""), ("secondary_v_z", "DOUBLE", ""),
    ("hbr_m", "DOUBLE", "combined hard-body radius, m"),
    ("pc", "DOUBLE", "collision probability (screening covariance), null if not computed"),
    ("pc_max", "DOUBLE", "maximum Pc over covariance scaling"),
    ("sigma_radial_km", "DOUBLE", "combined 1-sigma, radial, km"),
    ("sigma_in_track_km", "DOUBLE", "combined 1-sigma, in-track, km"),
    ("sigma_cross_track_km", "DOUBLE", "combined 1-sigma, cross-track, km"),
    ("pc_method", "VARCHAR", "Pc kernel and covariance model"),
]))
