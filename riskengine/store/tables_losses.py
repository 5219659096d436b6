"""Tables of the loss engine beside the GUIDE's ``ylt``/``elt``/``ep_curve``/``metrics``:
reinsurance net results and layer prices, premium/capital allocations, warnings, the
per-sample EP curves and the exact (FFT) check of compound perils."""

from riskengine.store.schema import RUN_ID, _t, register

YLT_NET = register(_t("ylt_net", "Reinsurance per simulated year: gross, ceded, net (only "
                      "for runs with reinsurance layers).", [
    RUN_ID,
    ("year", "BIGINT", "simulated year, 1..N", False),
    ("gross_loss", "DOUBLE", "USD after all policy terms (= ylt.loss)", False),
    ("ceded", "DOUBLE", "USD recovered from all XoL layers", False),
    ("net_loss", "DOUBLE", "USD gross - ceded", False),
    ("reinstatement_premium", "DOUBLE", "USD of reinstatement premiums the year's losses "
     "trigger (the layers' upfront premiums x their reinstatement factors)"),
]))

REINSURANCE_LAYERS = register(_t("reinsurance_layers", "Each reinsurance layer of a priced run: "
                                 "its expected recoveries and price from the same simulation.", [
    RUN_ID,
    ("layer", "VARCHAR", "layer name", False),
    ("kind", "VARCHAR", "quota_share | risk | occurrence | aggregate", False),
    ("attachment", "DOUBLE", "USD (null for a quota share)"),
    ("limit", "DOUBLE", "USD (null for a quota share)"),
    ("share", "DOUBLE", "share of the layer (of every loss for a quota share)"),
    ("reinstatements", "BIGINT", "null: unlimited"),
    ("expected_ceded", "DOUBLE", "USD per year: mean recovery"),
    ("expected_ceded_std_error", "DOUBLE", "Monte Carlo standard error"),
    ("expected_reinstatements", "DOUBLE", "E[rho]: expected reinstatement premium as a "
     "multiple of the upfront premium"),
    ("margin", "DOUBLE", "the reinsurer's loading on expected ceded loss"),
    ("upfront_premium", "DOUBLE", "USD: (1 + margin) E[ceded] / (1 + E[rho])"),
    ("expected_reinstatement_premium", "DOUBLE", "USD per year"),
    ("cost", "DOUBLE", "USD per year: premiums paid minus expected recoveries"),
]))

PSEPT = register(_t("psept", "Per-sample EP curves (Oasis ORD 'PSEPT'): the parameter draws "
                    "ranked by their expected loss and split into classes; each class's "
                    "simulated years give one AEP and one OEP per perspective.", [
    RUN_ID,
    ("perspective", "VARCHAR", "ground_up | gross | net", False),
    ("curve", "VARCHAR", "AEP | OEP", False),
    ("sample", "BIGINT", "class of parameter draws, 1 = least risky", False),
    ("draws", "BIGINT", "parameter draws in the class"),
    ("years", "BIGINT", "simulated years that used a draw of the class"),
    ("draw_expected_loss", "DOUBLE", "USD: mean expected ground-up loss of the class's draws "
     "(the ranking statistic)"),
    ("return_period", "DOUBLE", "years", False),
    ("loss", "DOUBLE", "USD", False),
    ("std_error", "DOUBLE", "Monte Carlo standard error of the class's quantile"),
]))

EP_EXACT = register(_t("ep_exact", "Exact aggregate distributions (FFT) of compound perils and "
                       "of portfolios made only of them, beside the simulation: the "
                       "convergence check of the Monte Carlo.", [
    RUN_ID,
    ("peril", "VARCHAR", "compound peril, or '(portfolio)'", False),
    ("perspective", "VARCHAR", "ground_up | gross (the peril's occurrences after occurrence "
     "terms; the portfolio after aggregate terms too) | net", False),
    ("return_period", "DOUBLE", "years; 0 for the row of the mean (AAL)", False),
    ("exact", "DOUBLE", "USD: FFT quantile (midpoint of the bracket) or mean"),
    ("exact_low", "DOUBLE", "USD: lower bound (severity rounded down)"),
    ("exact_high", "DOUBLE", "USD: upper bound (severity rounded up)"),
    ("simulated", "DOUBLE", "USD: the run's Monte Carlo estimate"),
    ("std_error", "DOUBLE", "Monte Carlo standard error of the estimate"),
    ("z", "DOUBLE", "distance of the estimate from the exact bracket in standard errors"),
    ("seconds", "DOUBLE", "time the FFT took"),
]))

ALLOCATIONS = register(_t("allocations", "Expected loss, co-TVaR capital and premium "
                          "allocated to fleet groups and perils.", [
    RUN_ID,
    ("dimension", "VARCHAR", "group | peril", False),
    ("name", "VARCHAR", "fleet group or peril name ('(no satellite)' for compound perils)", False),
    ("expected_loss", "DOUBLE", "USD per year: mean net annual loss (after reinsurance; the "
     "gross before this column existed)"),
    ("co_tvar", "DOUBLE", "USD: E[net loss | net annual loss >= VaR at capital_quantile]"),
    ("capital", "DOUBLE", "USD: net capital allocated in proportion to co-TVaR"),
    ("premium", "DOUBLE", "USD per year: technical premium allocated"),
    ("aal_std_error", "DOUBLE", "Monte Carlo standard error of expected_loss"),
    ("gross_expected_loss", "DOUBLE", "USD per year: mean gross annual loss"),
    ("ceded_expected_loss", "DOUBLE", "USD per year: gross minus net"),
    ("reinsurance_premium", "DOUBLE", "USD per year: reinsurance premiums allocated in "
     "proportion to ceded_expected_loss"),
]))

RUN_FLAGS = register(_t("run_flags", "What makes a result not (only) a price: warnings "
                        "attached to a run (stale or default catalog, premium at or above the "
                        "limit, years at the limit, prior-dominated posteriors, models outside "
                        "their evidence). Shown in the CLI summary and the report.", [
    RUN_ID,
    ("code", "VARCHAR", "stable identifier, e.g. catalog_default, premium_above_limit", False),
    ("message", "VARCHAR", "what it means and what to do", False),
    ("severity", "VARCHAR", "warning | info"),
]))

SENSITIVITY = register(_t("sensitivity", "What drives the price: each key assumption of the "
                          "perils moved one at a time, simulated with common random numbers "
                          "(same seed, blocks and per-peril streams as the base row).", [
    RUN_ID,
    ("peril", "VARCHAR", "the peril whose parameter moved; '(base)' for the base case", False),
    ("parameter", "VARCHAR", "its parameter ('' for the base case)", False),
    ("label", "VARCHAR", "what the parameter means", False),
    ("value", "VARCHAR", "the value priced in this row", False),
    ("base_value", "VARCHAR", "the configured value (None: the posterior)", False),
    ("years", "BIGINT", "simulated years of the case"),
    ("expected_loss", "DOUBLE", "AAL after policy terms, USD"),
    ("expected_loss_se", "DOUBLE", "Monte Carlo standard error of the AAL"),
    ("var_995", "DOUBLE", "VaR at the capital quantile, USD"),
    ("premium", "DOUBLE", "technical premium, USD"),
    ("ground_up_aal", "DOUBLE", "ground-up AAL, USD"),
    ("d_expected_loss", "DOUBLE", "change of the AAL against the base row"),
    ("d_var_995", "DOUBLE", "change of the VaR against the base row"),
    ("d_premium", "DOUBLE", "change of the premium against the base row"),
]))
