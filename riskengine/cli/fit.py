"""``riskengine fit`` — fit the Bayesian hardware and radiation models (reused while unchanged)."""

from __future__ import annotations

import click

from riskengine.cli._common import console, db_option, rich_table


@click.command("fit")
@db_option
@click.option("--force", is_flag=True, help="Resample even if a fit with the same evidence, "
              "model code and settings is stored.")
@click.option("--fleet-experience", "fleet", multiple=True, type=click.Path(dir_okay=False),
              help="Your fleet experience CSV (unit, group, start, end, status, "
                   "failure_mode); repeatable.")
@click.option("--beam-tests", "beams", multiple=True, type=click.Path(dir_okay=False),
              help="Your beam-test CSV (unit_id, family, mode, dose_low, dose_high, "
                   "dose_unit, outcome); repeatable.")
@click.option("--accelerator-faults", "accel", multiple=True, type=click.Path(dir_okay=False),
              help="Your accelerator fault counts CSV (family, environment, device_years, "
                   "faults); repeatable.")
@click.option("--draws", type=click.IntRange(min=100), default=None,
              help="Draws per chain (default $RISKENGINE_FIT_DRAWS or 2000).")
@click.option("--tune", type=click.IntRange(min=50), default=None,
              help="Tuning steps per chain (default min(1000, draws)).")
@click.option("--chains", type=click.IntRange(min=1, max=64), default=4, show_default=True,
              help="Independent MCMC chains (R-hat needs at least 2).")
@click.option("--sampler", type=click.Choice(["auto", "nutpie", "pymc"]), default="auto",
              show_default=True, help="auto: nutpie when installed, else PyMC NUTS.")
@click.option("--seed", default=20260123, show_default=True)
@click.option("--fits-dir", default=None,
              type=click.Path(file_okay=False),
              help="Where InferenceData netCDF files go (default: fits/ beside the database).")
def fit(db, force, fleet, beams, accel, draws, tune, chains, sampler, seed, fits_dir):
    """Fit the bus-failure, accelerator-fault and radiation models from the evidence.

    Writes posterior_draws, fit_diagnostics and fits to the store and the InferenceData
    to FITS_DIR; a stored fit is reused while evidence, model code and settings are
    unchanged (content hash), unless --force.

    \b
    Examples:
      riskengine fit --db riskengine.duckdb
      riskengine fit --draws 500 --chains 2          # a quick fit for a notebook
      riskengine fit --fleet-experience my_fleet.csv --force
    """
    from riskengine import bayes
    from riskengine.evidence import EvidenceError, load_evidence
    from riskengine.store import connect

    try:
        ev = load_evidence(fleet_experience=fleet, beam_tests=beams, accelerator_faults=accel)
    except EvidenceError as exc:
        raise click.ClickException(str(exc)) from None
    from riskengine import settings as env

    draws = draws or env.fit_draws()
    tune = tune or min(1000, draws)
    settings = bayes.FitSettings(draws=draws, tune=tune, chains=chains, sampler=sampler,
                                 seed=seed)
    c = console()
    con = connect(db)
    from riskengine import stages

    with c.status("fitting…") as status:
        opts = stages.Options(fit_settings=settings,
                              progress=lambda what, *_: status.update(what + " …"))
        run_id = stages.fit(con, opts, evidence=ev, force=force, fits_dir=fits_dir)
    if opts.info.get("fit_reused"):
        c.print(f"reused fit {run_id} (evidence and models unchanged; --force to resample)",
                markup=False)
    else:
        c.print(f"fit run {run_id}", markup=False)
    res = {"run_id": run_id}
    rows = con.execute("""
        SELECT model, max(r_hat), min(ess_bulk), min(ess_tail), max(divergences),
               max(compile_seconds), max(sampling_seconds), any_value(sampler)
        FROM fit_diagnostics WHERE run_id = ? GROUP BY model ORDER BY model""",
                       [res["run_id"]]).fetchall()
    c.print(rich_table("convergence", ["model", "max r_hat", "min ess_bulk", "min ess_tail",
                                       "divergences", "compile s", "sampling s", "sampler"],
                       [list(r) for r in rows]))
    post = bayes.load_posterior(con, res["run_id"])
    a = bayes.anchors(post)
    c.print(rich_table("anchors (posterior mean, 90 % interval)", ["quantity", "mean", "5 %",
                                                                   "95 %"],
                       [[k, v["mean"], v["q05"], v["q95"]] for k, v in a.items()]))
    bad = [r[0] for r in rows if r[1] > 1.01 or r[2] < 400 or r[4] > 0]
    if bad:
        c.print(f"[yellow]warning:[/] convergence criteria (r_hat ≤ 1.01, ess_bulk ≥ 400, "
                f"no divergences) not met for: {', '.join(bad)}")
