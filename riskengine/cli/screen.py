"""``riskengine screen`` — conjunction screening of the insured fleet."""

from __future__ import annotations

import sys

import click

from riskengine.cli._common import console, db_option, rich_table


@click.command("screen")
@click.argument("config", type=click.Path(dir_okay=False))
@db_option
@click.option("--days", type=float, default=7.0, show_default=True, help="Window length, days.")
@click.option("--threshold-km", type=float, default=5.0, show_default=True,
              help="Report approaches closer than this, km.")
@click.option("--start", default=None,
              help="Window start, ISO UTC (default: the catalog's reference epoch).")
@click.option("--workers", type=int, default=None, help="Processes (default: all CPUs).")
@click.option("--step-s", type=float, default=60.0, show_default=True,
              help="Coarse grid step, s (completeness does not depend on it; speed does).")
@click.option("--object-block", type=click.IntRange(min=1), default=None,
              help="Also cut fleet and catalog into blocks of this many objects (bounded "
                   "memory per worker for very large fleets; same events).")
@click.option("--dask-workers", type=click.IntRange(min=1), default=None,
              help="Run the time blocks on a local Dask cluster of this many workers.")
@click.option("--scheduler", default=None,
              help="Address of an existing Dask scheduler (default: [simulation] scheduler "
                   "when --dask-workers is not given), e.g. tcp://10.0.0.5:8786.")
def screen(config, db, days, threshold_km, start, workers, step_s, object_block,
           dask_workers, scheduler):
    """Screen every fleet satellite against the catalog and the rest of the fleet.

    Writes tables `fleet` and `conjunctions` in one run (kind 'screen').

    \b
    Examples:
      riskengine screen portfolios/example.toml --db riskengine.duckdb
      RISKENGINE_CATALOG=full.txt riskengine screen cfg.toml --days 1 --threshold-km 2
      riskengine screen cfg.toml --scheduler tcp://10.0.0.5:8786   # on a Dask cluster
    """
    import contextlib

    import numpy as np
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from riskengine.catalog import resolve_catalog
    from riskengine.config import load_portfolio
    from riskengine.errors import RiskEngineError
    from riskengine.screen import screen_portfolio
    from riskengine.store import connect, run

    c = console()
    try:
        portfolio = load_portfolio(config)
        con = connect(db)
        catalog = resolve_catalog(con, files=portfolio.catalog.files or None)
        t0 = None
        if start:
            import datetime as dt

            try:
                when = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
                if when.tzinfo is not None:
                    when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
                t0 = np.datetime64(when, "us")
            except ValueError:
                raise click.BadParameter(f"{start!r} is not an ISO time "
                                         "(e.g. 2023-10-01T00:00:00)", param_hint="--start")
        with Progress(TextColumn("[bold]screening"), BarColumn(),
                      TextColumn("{task.completed:,.0f}/{task.total:,.0f} block-steps"),
                      TimeRemainingColumn(), console=c, transient=True) as bar:
            task = bar.add_task("screen", total=1)

            def progress(done, total):
                bar.update(task, completed=done, total=total)

            if dask_workers is None:
                scheduler = scheduler or portfolio.simulation.scheduler
            with contextlib.ExitStack() as stack:
                client = None
                if scheduler or dask_workers:
                    from riskengine.scale import Cluster

                    client = stack.enter_context(
                        Cluster(workers=dask_workers or 2, scheduler=scheduler)).client
                res = screen_portfolio(portfolio, catalog, start=t0, days=days,
                                       threshold_km=threshold_km, step_s=step_s,
                                       workers=workers, progress=progress, client=client,
                                       object_block=object_block)
        epoch = res.start.astype("datetime64[us]").item()
        with run(con, "screen", config=portfolio.model_dump(mode="json"), config_path=config,
                 portfolio=portfolio.name, catalog_epoch=epoch) as h:
            h.write("fleet", res.fleet.table())
            h.write("conjunctions", res.conjunctions)
            h.stats.update(res.stats)
            run_id = h.run_id
    except RiskEngineError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)

    cj = res.conjunctions
    st = res.stats
    c.print(f"run [bold]{run_id}[/]: {len(cj['miss_km']):,} conjunctions under "
            f"{threshold_km:g} km in {days:g} days from {res.start} UTC")
    c.print(f"excluded: {st['stale']:,} stale (> {portfolio.catalog.stale_days:g} d), "
            f"{st['decayed']:,} decayed, {st['sgp4_error']:,} SGP4 errors, "
            f"{st['fleet_in_catalog']:,} fleet members in the catalog; "
            f"{st['secondaries_after_apsis_filter']:,} objects screened after the apsis filter")
    groups = list(dict.fromkeys(res.fleet.group.tolist()))
    rows = []
    for g in groups:
        m = cj["fleet_group"] == g
        n_sat = int((res.fleet.group == g).sum())
        rows.append([g, n_sat, int(m.sum()), int((m & ~cj["secondary_in_fleet"]).sum()),
                     int((m & cj["secondary_in_fleet"]).sum()),
                     float(cj["miss_km"][m].min()) if m.any() else None])
    c.print(rich_table("events per fleet group", ["group", "satellites", "events", "vs catalog",
                                                  "vs fleet", "closest km"], rows))
    order = np.argsort(cj["miss_km"])[:10]
    top = [[str(cj["primary_id"][i]), str(cj["secondary_id"][i]), str(cj["secondary_name"][i]),
            str(cj["secondary_class"][i]), str(cj["tca"][i])[:23], float(cj["miss_km"][i]),
            float(cj["rel_speed_km_s"][i])] for i in order]
    c.print(rich_table("closest approaches", ["primary", "secondary", "name", "class",
                                              "TCA (UTC)", "miss km", "km/s"], top))
