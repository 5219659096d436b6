"""``riskengine price`` — simulate and price a portfolio, print the summary."""

from __future__ import annotations

import click

from riskengine.cli._common import console, db_option, rich_table


@click.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--years", type=int, default=None, help="Simulated years (default: [simulation] years).")
@click.option("--seed", type=int, default=None, help="Root seed (default: [simulation] seed).")
@click.option("--workers", type=int, default=None,
              help="local Dask worker processes (default: [simulation] workers).")
@click.option("--scheduler", default=None, help="Dask scheduler address (scale-out).")
@click.option("--hazards-run", default=None,
              help="use this stored hazards run instead of computing one from the catalog.")
def price(config, db, years, seed, workers, scheduler, hazards_run):
    """Run every stage the portfolio needs, then price it.

    Physical perils (collision, untracked_debris, breakup, space_weather, hardware,
    radiation; the default when a config lists no [[perils]]) run the whole pipeline:
    catalog ($RISKENGINE_CATALOG, [catalog] files, the store or the download cache) ->
    hazards -> Bayesian fit (reused while unchanged) -> Monte Carlo -> price, each a run in
    the store. Premium = EL + cost of capital x (VaR - EL) + expenses.

    \b
    Examples:
      riskengine price portfolios/example.toml --db riskengine.duckdb
      riskengine price portfolios/quick.toml --years 5000      # generic perils, seconds
      riskengine price portfolios/million.toml --workers 8      # 1,000,000 satellites
    """
    import time

    from riskengine.pipeline import price_full

    c = console()
    t0 = time.perf_counter()

    def say(msg):
        c.print(f"[dim]{time.perf_counter() - t0:7.1f} s[/]  {msg}")

    out = price_full(config, db, years=years, seed=seed, workers=workers,
                     scheduler=scheduler, hazards_run=hazards_run, say=say)
    run_id, con, res, pr = out.run_id, out.con, out.result, out.price
    say(f"priced: run {run_id}")
    q = pr.quantile
    se = {m: s for m, _, s in con.execute(
        "SELECT metric, value, std_error FROM metrics WHERE run_id = ?", [run_id]).fetchall()}
    rows = [
        ["expected loss (AAL)", pr.expected_loss, pr.expected_loss_se],
        ["std. deviation", float(res.gross.std(ddof=1)), se.get("std")],
        [f"VaR {q:.1%}", pr.var, pr.var_se],
        [f"TVaR {q:.1%}", pr.tvar, None],
        ["capital (VaR - EL)", pr.capital, pr.var_se],
        ["cost of capital", pr.cost_of_capital, None],
        ["expenses", pr.expenses, None],
        ["technical premium", pr.premium, None],
        ["limit", pr.limit, None],
        ["rate on line", pr.rate_on_line, None],
    ]
    c.print(rich_table(f"technical price — {config} ({res.years:,} years)",
                       ["", "USD / year", "MC std. error"], rows))
    c.print(rich_table("allocation (co-TVaR)", ["by", "name", "expected loss", "capital",
                                                  "premium"],
                       [[a["dimension"], a["name"], a["expected_loss"], a["capital"],
                         a["premium"]] for a in pr.allocations
                        if a["expected_loss"] or a["capital"]]))
    ep = con.execute("SELECT return_period, max(loss) FILTER (WHERE curve='AEP'), "
                     "max(loss) FILTER (WHERE curve='OEP') FROM ep_curve WHERE run_id=? "
                     "GROUP BY 1 ORDER BY 1", [run_id]).fetchall()
    c.print(rich_table("exceedance probability", ["return period (yr)", "AEP", "OEP"],
                       [[float(a), float(b), float(d)] for a, b, d in ep]))
    c.print(f"[green]run {run_id}[/] written to {db or 'riskengine.duckdb'}")
