"""Launch-campaign results (``[[launch]]`` plans under ``launch_plus_one_year`` cover): per
launch and per calendar year of the campaign, by phase (launch, raising, orbit).

Phases: ``launch`` (the vehicle fails: every satellite on board), ``raising`` (storm at the
insertion orbit, bus failure while raising), ``orbit`` (the rest of the first year, every
in-orbit peril). A calendar year is the year of the launch (the policies' inception).
Losses are after all policy terms, allocated pro rata like ``allocations``; premiums are
the co-TVaR allocation of the technical premium (``allocations`` rows of dimension
``campaign`` and ``phase``).
"""

from riskengine.store.schema import RUN_ID, _t, register

_PHASE_COLS = []
for _what, _type, _doc in (("lost", "DOUBLE", "expected satellites lost (total or CTL)"),
                           ("loss", "DOUBLE", "expected loss, USD"),
                           ("premium", "DOUBLE", "technical premium allocated, USD")):
    for _ph in ("launch", "raising", "orbit"):
        _PHASE_COLS.append((f"{_what}_{_ph}", _type, f"{_doc}: {_ph} phase"))

CAMPAIGN_LAUNCHES = register(_t("campaign_launches", "One row per launch of the deployment "
                                "plan: what it carries and what it is expected to lose, by "
                                "phase.", [
    RUN_ID,
    ("launch", "BIGINT", "launch number in date order, 1..N", False),
    ("date", "VARCHAR", "launch date (ISO)", False),
    ("calendar_year", "BIGINT", "year of the launch", False),
    ("vehicle", "VARCHAR", "vehicle family", False),
    ("fleet_group", "VARCHAR", "fleet group of the satellites on board", False),
    ("satellites", "BIGINT", "satellites on board", False),
    ("sum_insured", "DOUBLE", "USD insured on board"),
    ("failure_probability", "DOUBLE", "launch failure probability (posterior mean or fixed)"),
    *_PHASE_COLS,
    ("largest_loss", "DOUBLE", "USD: the largest loss of this launch's satellites in one "
                               "simulated year"),
]))

CAMPAIGN_YEARS = register(_t("campaign_years", "One row per calendar year of the campaign "
                             "(launches of that year): exposure, expected losses and "
                             "premium by phase, the largest single-launch loss and the PML.", [
    RUN_ID,
    ("calendar_year", "BIGINT", "year of the launches", False),
    ("launches", "BIGINT", "launches that year", False),
    ("satellites", "BIGINT", "satellites launched that year", False),
    ("sum_insured", "DOUBLE", "USD launched that year"),
    *_PHASE_COLS,
    ("largest_launch_loss", "DOUBLE", "USD: the largest simulated loss of one launch"),
    ("largest_launch_value", "DOUBLE", "USD insured on the most valuable launch"),
    ("pml_995", "DOUBLE", "USD: 1-in-200 loss of the year's launch policies (VaR 99.5 %)"),
    ("aal", "DOUBLE", "USD: expected loss of the year's launch policies"),
]))
