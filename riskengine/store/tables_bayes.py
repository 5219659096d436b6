"""Tables of the Bayesian hardware and radiation fits (``riskengine fit``).

``posterior_draws`` holds every posterior draw of every model parameter (vector parameters
one row per coordinate, e.g. ``log_h1`` per bus family); ``fit_diagnostics`` the
convergence diagnostics per parameter; ``fits`` the content hash that lets a later
``riskengine fit`` reuse the run while evidence and model code are unchanged.
"""

from riskengine.store.schema import RUN_ID, _t, register

POSTERIOR_DRAWS = register(_t("posterior_draws", "Posterior draws of the Bayesian models.", [
    RUN_ID,
    ("model", "VARCHAR", "bus | accelerator | batch | radiation", False),
    ("draw", "BIGINT", "draw index 0..n-1 (chains concatenated)", False),
    ("parameter", "VARCHAR", "parameter name, e.g. log_h1, shape, mu_f", False),
    ("coord", "VARCHAR", "coordinate of a vector parameter (family), '' for scalars", False),
    ("value", "DOUBLE", "", False),
]))

FIT_DIAGNOSTICS = register(_t("fit_diagnostics", "Convergence diagnostics per parameter.", [
    RUN_ID,
    ("model", "VARCHAR", "", False),
    ("parameter", "VARCHAR", "", False),
    ("coord", "VARCHAR", "'' for scalars", False),
    ("mean", "DOUBLE", "posterior mean"),
    ("sd", "DOUBLE", "posterior standard deviation"),
    ("q05", "DOUBLE", "5 % quantile"),
    ("q95", "DOUBLE", "95 % quantile"),
    ("r_hat", "DOUBLE", "rank-normalised split R-hat"),
    ("ess_bulk", "DOUBLE", "bulk effective sample size"),
    ("ess_tail", "DOUBLE", "tail effective sample size"),
    ("divergences", "BIGINT", "divergent transitions of the model's sampling"),
    ("sampling_seconds", "DOUBLE", "sampling wall time of the model"),
    ("compile_seconds", "DOUBLE", "model compilation wall time"),
    ("sampler", "VARCHAR", "nutpie | pymc"),
    ("prior_sd", "DOUBLE", "prior standard deviation (forward samples of the prior)"),
    ("contraction", "DOUBLE", "posterior contraction 1 - sd^2 / prior_sd^2: near 0 the "
     "posterior is the prior (flagged prior_dominated for key parameters)"),
]))

FIT_CHECKS = register(_t("fit_checks", "Predictive checks of a fit (the batch-defect model "
                         "fitted to early batches predicts later ones; an outlying first "
                         "batch).", [
    RUN_ID,
    ("model", "VARCHAR", "", False),
    ("check_name", "VARCHAR", "predicts_later_batch | first_batch_outlier", False),
    ("subject", "VARCHAR", "the batch checked (record_id in bus_batches.csv)", False),
    ("n", "BIGINT", "satellites in the batch"),
    ("observed", "BIGINT", "satellites failed in the first year"),
    ("q05", "DOUBLE", "5 % quantile of the posterior predictive"),
    ("q95", "DOUBLE", "95 % quantile of the posterior predictive"),
    ("p_value", "DOUBLE", "predictive probability of at least the observed failures"),
    ("passed", "BOOLEAN", "observed inside the 90 % interval (outlier check: p >= 0.05)"),
    ("fitted_to", "VARCHAR", "the batches the model was fitted to"),
]))

FITS = register(_t("fits", "One row per fitted model: content hash and InferenceData file.", [
    RUN_ID,
    ("model", "VARCHAR", "", False),
    ("content_hash", "VARCHAR", "sha256 of evidence files + model code + sampler settings",
     False),
    ("netcdf_path", "VARCHAR", "ArviZ InferenceData (netCDF) under fits/"),
    ("chains", "BIGINT", ""),
    ("draws", "BIGINT", "draws per chain"),
    ("evidence_files", "VARCHAR", "evidence files read, comma separated"),
]))
