-- riskengine SQL cookbook. Each query starts with "-- name: <name>" and a one-line purpose.
-- Parameters: $run (a run_id). Run them in the DuckDB CLI (`duckdb -readonly riskengine.duckdb`,
-- replace $run by a quoted run id) or from Python: riskengine.cookbook.query(con, name, run=...).

-- name: latest_runs
-- The newest complete run of each kind for each portfolio.
SELECT portfolio, kind, run_id, created_at, years, seed FROM latest_runs ORDER BY portfolio, kind;

-- name: pml_200
-- Probable maximum loss at 200 years (annual aggregate, AEP) and occurrence (OEP), per perspective.
SELECT perspective, return_period, aep AS pml_aggregate, oep AS pml_occurrence
FROM ep_wide WHERE run_id = $run AND return_period = 200 ORDER BY perspective;

-- name: tvar_995
-- TVaR and VaR at 99.5 % with their Monte Carlo standard errors, per perspective.
SELECT perspective, metric, value, std_error FROM metrics
WHERE run_id = $run AND metric IN ('var_0.995', 'tvar_0.995') ORDER BY perspective, metric;

-- name: top_events
-- The 10 largest occurrences.
SELECT event_id, year, peril, satellites, ground_up_loss, loss
FROM elt WHERE run_id = $run ORDER BY loss DESC LIMIT 10;

-- name: aal_by_peril
-- Average annual loss by peril (occurrence level).
SELECT peril, events_per_year, ground_up_aal, aal FROM aal_by_peril
WHERE run_id = $run ORDER BY aal DESC;

-- name: ep_table
-- The EP table in wide form (ground_up, gross, net).
SELECT perspective, return_period, aep, oep, aep_tvar, oep_tvar FROM ep_wide
WHERE run_id = $run ORDER BY perspective, return_period;

-- name: aal_check
-- The AAL straight from the year loss table (every simulated year has a row).
SELECT count(*) AS years, avg(loss) AS aal, stddev_samp(loss) / sqrt(count(*)) AS std_error
FROM ylt WHERE run_id = $run;

-- name: run_comparison
-- Two runs side by side (here: the two newest simulation runs).
WITH two AS (SELECT run_id FROM run_summary ORDER BY created_at DESC LIMIT 2)
SELECT s.run_id, s.portfolio, s.years, s.seed, s.aal, s.var_995, s.tvar_995, s.premium
FROM run_summary s JOIN two USING (run_id) ORDER BY s.created_at DESC;

-- name: zero_loss_share
-- Share of simulated years without any loss.
SELECT avg(CASE WHEN loss = 0 THEN 1 ELSE 0 END) AS share_zero_years FROM ylt WHERE run_id = $run;

-- name: loss_by_shell
-- Expected loss, co-TVaR capital and premium by fleet group (shell) of a priced run.
SELECT name AS fleet_group, expected_loss, capital, premium,
       premium / sum(premium) OVER () AS premium_share
FROM allocations WHERE run_id = $run AND dimension = 'group' ORDER BY premium DESC;

-- name: gross_net
-- Expected loss and 1-in-200 on each perspective: ground-up, gross (policy terms), net (reinsurance).
SELECT perspective,
       max(value) FILTER (WHERE metric = 'aal') AS aal,
       max(value) FILTER (WHERE metric = 'var_0.995') AS var_995,
       max(value) FILTER (WHERE metric = 'oep_var_0.995') AS oep_var_995
FROM metrics WHERE run_id = $run AND perspective IS NOT NULL GROUP BY perspective ORDER BY perspective;

-- name: reinsurance_layers
-- Each reinsurance layer priced from the simulation: expected recoveries, premiums, cost.
SELECT layer, kind, expected_ceded, upfront_premium, expected_reinstatement_premium, cost
FROM reinsurance_layers WHERE run_id = $run ORDER BY layer;

-- name: psept_spread
-- The 1-in-200 annual loss of each class of parameter draws (per-sample EP curves).
SELECT perspective, sample, draws, years, loss, std_error FROM psept
WHERE run_id = $run AND curve = 'AEP' AND return_period = 200 ORDER BY perspective, sample;

-- name: posterior_error
-- The posterior sample's own (MCMC) error: the draws' expected ground-up loss with its MCMC standard error, and the draws' effective sample size.
SELECT metric, value, std_error FROM metrics
WHERE run_id = $run AND perspective = 'ground_up' AND metric LIKE 'posterior_%' ORDER BY metric;
