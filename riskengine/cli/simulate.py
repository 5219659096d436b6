"""``riskengine simulate`` — the Monte Carlo stage on the portfolio's stored hazards."""

from __future__ import annotations

import click

from riskengine.cli._common import console, db_option, load_config, open_store, stage_options


@click.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--years", type=click.IntRange(min=1), default=None,
              help="Simulated years (default: [simulation] years).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Root seed (default: [simulation] seed).")
@click.option("--workers", type=click.IntRange(min=1, max=1024), default=None,
              help="Dask workers on a local cluster (results do not depend on it).")
@click.option("--scheduler", default=None,
              help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--hazards-run", default=None,
              help="hazards run to use for physical perils (default: the newest one of this "
                   "portfolio's fleet and perils).")
def simulate(config, db, years, seed, workers, scheduler, hazards_run):
    """Simulate the portfolio's annual losses into ylt, elt, ep_curve, metrics and price it.

    Physical perils read the hazards this portfolio stored (`riskengine hazards CONFIG`)
    and the Bayesian posterior (fitted or reused); `riskengine price` runs all of it in one
    go and writes the same tables for the same config and seed.

    \b
    Examples:
      riskengine simulate portfolios/generic.toml --db riskengine.duckdb --years 100000
      riskengine hazards portfolios/example.toml && riskengine simulate portfolios/example.toml
    """
    from riskengine import stages
    from riskengine.cli.summary import print_price_summary

    p = load_config(config)
    c = console()
    con = open_store(db)
    with stage_options(c, years=years, seed=seed, workers=workers, scheduler=scheduler,
                       hazards_run=hazards_run) as opts:
        run_id = stages.simulate(con, p, opts)
    print_price_summary(c, con, run_id, db)
