"""``riskengine simulate`` — Monte Carlo loss simulation into the store."""

from __future__ import annotations

import click

from riskengine.cli._common import console, db_option, rich_table


def run_simulation(config, db, years=None, seed=None, workers=None, kind="simulate",
                   price_it=False, hazards_run=None, scheduler=None, portfolio=None,
                   hazard_set=None, stats=None, catalog_epoch=None):
    """Load ``config``, simulate (and price) in one store run; returns (run_id, result, price).

    With ``workers > 1`` or a ``scheduler`` address (argument or ``[simulation]`` keys) the
    blocks of years run on Dask (a local cluster of ``workers`` processes, or the cluster
    at ``scheduler``); the tables are identical to the single-process run.
    """
    from rich.progress import Progress

    from riskengine.config import load_portfolio
    from riskengine.losses import load_hazard_set, write_simulation
    from riskengine.store import connect, run

    p = portfolio if portfolio is not None else load_portfolio(config)
    years = int(years or p.simulation.years)
    seed = int(p.simulation.seed if seed is None else seed)
    con = connect(db)
    if hazard_set is not None:
        hs, hz_run = hazard_set, hazards_run
    else:
        hs, hz_run = load_hazard_set(con, p, hazards_run)
    if not hs.sources:
        raise click.ClickException(
            f"{config}: nothing to simulate: list [[perils]] of type compound, "
            "independent_failure or common_shock (physical perils need a hazards run)")
    cfg = p.model_dump(mode="json")
    cfg["simulation"].update(years=years, seed=seed)
    workers = int(workers or p.simulation.workers)
    scheduler = scheduler or p.simulation.scheduler
    use_dask = bool(scheduler) or workers > 1
    with run(con, kind, config=cfg, config_path=str(config), portfolio=p.name, seed=seed,
             years=years, catalog_epoch=catalog_epoch) as r, \
            Progress(transient=True, console=console()) as bar:
        r.stats.update(stats or {})
        task = bar.add_task(f"simulating {years:,} years"
                            + (f" on Dask ({scheduler or f'{workers} local workers'})"
                               if use_dask else ""), total=years)
        tick = lambda done, tot: bar.update(task, completed=done)  # noqa: E731
        if use_dask:
            from riskengine.losses.distributed import write_simulation_dask
            from riskengine.scale import Cluster

            with Cluster(workers=workers, scheduler=scheduler) as cl:
                res = write_simulation_dask(p, r, hs, cl.client, years=years, seed=seed,
                                            progress=tick)
        else:
            res = write_simulation(p, r, hs, years=years, seed=seed, workers=1, progress=tick)
        r.stats["hazards_run_id"] = hz_run
        pr = None
        if price_it:
            from riskengine.core.pricing import price
            from riskengine.losses import NO_SATELLITE

            pr = price(res.gross, p.pricing, p.policy, float(hs.sum_insured.sum()), {
                "group": (res.groups + [NO_SATELLITE], res.by_group),
                "peril": (res.perils, res.by_peril)})
            rows = pr.metric_rows()
            import numpy as np

            r.write("metrics", {"metric": np.array([x[0] for x in rows], object),
                                "value": np.array([x[1] for x in rows], float),
                                "std_error": np.array([np.nan if x[2] is None else x[2]
                                                       for x in rows], float)})
            keep = [a for a in pr.allocations
                    if not (a["name"] == NO_SATELLITE and a["expected_loss"] == 0)]
            if keep:
                r.write("allocations", {k: np.array([a[k] for a in keep],
                                                    object if k in ("dimension", "name") else float)
                                        for k in keep[0]})
        run_id = r.run_id
    return run_id, con, res, pr


def summary_table(con, run_id):
    rows = con.execute(
        "SELECT metric, value, std_error FROM metrics WHERE run_id = ? ORDER BY rowid",
        [run_id]).fetchall()
    return rich_table(f"run {run_id}", ["metric", "value (USD)", "MC std. error"],
                      [[m, float(v), None if s is None or s != s else float(s)] for m, v, s in rows])


@click.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--years", type=int, default=None, help="Simulated years (default: [simulation] years).")
@click.option("--seed", type=int, default=None, help="Root seed (default: [simulation] seed).")
@click.option("--workers", type=int, default=None,
              help="Dask workers on a local cluster (results do not depend on it).")
@click.option("--scheduler", default=None,
              help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--hazards-run", default=None,
              help="hazards run to use for physical perils (default: the newest one).")
def simulate(config, db, years, seed, workers, scheduler, hazards_run):
    """Simulate the portfolio's annual losses into ylt, elt, ep_curve and metrics.

    \b
    Example:
      riskengine simulate portfolios/generic.toml --db riskengine.duckdb --years 100000
    """
    run_id, con, res, _ = run_simulation(config, db, years, seed, workers,
                                         hazards_run=hazards_run, scheduler=scheduler)
    c = console()
    c.print(summary_table(con, run_id))
    c.print(f"[green]run {run_id}[/]: {res.years:,} years, {res.n_events:,} events")
