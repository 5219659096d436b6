"""``riskengine price`` — every stage the portfolio needs, then its price."""

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
              help="local Dask worker processes (default: [simulation] workers).")
@click.option("--scheduler", default=None, help="Dask scheduler address (scale-out).")
@click.option("--hazards-run", default=None,
              help="use this stored hazards run instead of computing one from the catalog.")
def price(config, db, years, seed, workers, scheduler, hazards_run):
    """Run every stage the portfolio needs, then price it.

    Physical perils (the default when a config lists no [[perils]]; see `riskengine
    perils`) run the whole pipeline: catalog ($RISKENGINE_CATALOG, [catalog] files, the
    store or the download cache) -> hazards -> Bayesian fit (reused while unchanged) ->
    Monte Carlo -> price, each a run in the store. Premium = EL + cost of capital x
    (VaR - EL) + expenses.

    \b
    Examples:
      riskengine price portfolios/example.toml --db riskengine.duckdb
      riskengine price portfolios/quick.toml --years 5000      # generic perils, seconds
      riskengine price portfolios/million.toml --workers 8      # 1,000,000 satellites
    """
    from riskengine import stages
    from riskengine.cli.summary import print_price_summary

    p = load_config(config)
    c = console()
    con = open_store(db)
    with stage_options(c, years=years, seed=seed, workers=workers, scheduler=scheduler,
                       hazards_run=hazards_run) as opts:
        run_id = stages.price(con, p, opts)
    print_price_summary(c, con, run_id, db)
