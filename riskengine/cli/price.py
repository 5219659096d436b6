"""``riskengine price`` and ``riskengine simulate``: the pricing commands.

``price`` runs every stage the portfolio needs; ``simulate`` only the Monte Carlo stage on
the hazards and posterior already stored. Both print the same summary, and for the same
config and seed they write the same tables.
"""

from __future__ import annotations

import click

from riskengine.cli._common import (console, db_option, load_config, open_store,
                                    simulation_options, stage_options)


def _pricing_command(name: str, stage_name: str, doc: str):
    @click.command(name, help=doc)
    @click.argument("config", type=click.Path(exists=True, dir_okay=False))
    @db_option
    @simulation_options
    def command(config, db, years, seed, workers, scheduler, hazards_run, sensitivity):
        from riskengine import stages
        from riskengine.cli.summary import print_price_summary

        p = load_config(config)
        c = console()
        con = open_store(db)
        with stage_options(c, years=years, seed=seed, workers=workers, scheduler=scheduler,
                           hazards_run=hazards_run, sensitivity=sensitivity) as opts:
            run_id = getattr(stages, stage_name)(con, p, opts)
        print_price_summary(c, con, run_id, db)

    return command


price = _pricing_command("price", "price", """Run every stage the portfolio needs, then price it.

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
    """)

simulate = _pricing_command("simulate", "simulate", """Simulate the portfolio's annual
    losses into ylt, elt, ep_curve, metrics and price it.

    Physical perils read the hazards this portfolio stored (`riskengine hazards CONFIG`)
    and the Bayesian posterior (fitted or reused); `riskengine price` runs all of it in one
    go and writes the same tables for the same config and seed.

    \b
    Examples:
      riskengine simulate portfolios/generic.toml --db riskengine.duckdb --years 100000
      riskengine hazards portfolios/example.toml && riskengine simulate portfolios/example.toml
    """)
