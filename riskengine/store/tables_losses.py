"""Tables of the loss engine beside the GUIDE's ``ylt``/``elt``/``ep_curve``/``metrics``:
reinsurance net results and premium/capital allocations."""

from riskengine.store.schema import RUN_ID, _t, register

YLT_NET = register(_t("ylt_net", "Reinsurance per simulated year: gross, ceded, net (only "
                      "for runs with reinsurance layers).", [
    RUN_ID,
    ("year", "BIGINT", "simulated year, 1..N", False),
    ("gross_loss", "DOUBLE", "USD after all policy terms (= ylt.loss)", False),
    ("ceded", "DOUBLE", "USD recovered from all XoL layers", False),
    ("net_loss", "DOUBLE", "USD gross - ceded", False),
]))

ALLOCATIONS = register(_t("allocations", "Expected loss, co-TVaR capital and premium "
                          "allocated to fleet groups and perils.", [
    RUN_ID,
    ("dimension", "VARCHAR", "group | peril", False),
    ("name", "VARCHAR", "fleet group or peril name ('(no satellite)' for compound perils)", False),
    ("expected_loss", "DOUBLE", "USD per year: mean allocated annual loss"),
    ("co_tvar", "DOUBLE", "USD: E[allocated loss | annual loss >= VaR at capital_quantile]"),
    ("capital", "DOUBLE", "USD: capital allocated in proportion to co-TVaR"),
    ("premium", "DOUBLE", "USD per year: technical premium allocated"),
    ("aal_std_error", "DOUBLE", "Monte Carlo standard error of expected_loss"),
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
