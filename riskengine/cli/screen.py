"""``riskengine screen`` — conjunction screening of the insured fleet."""

from __future__ import annotations

import click

from riskengine.cli._common import (console, db_option, load_config, open_store, rich_table,
                                    stage_options)


@click.command("screen")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--days", type=click.FloatRange(min=0, min_open=True, max=366), default=7.0,
              show_default=True, help="Window length, days.")
@click.option("--threshold-km", type=click.FloatRange(min=0, min_open=True, max=1000),
              default=5.0, show_default=True, help="Report approaches closer than this, km.")
@click.option("--start", default=None,
              help="Window start, ISO UTC (default: the catalog's reference epoch).")
@click.option("--workers", type=click.IntRange(min=1, max=1024), default=None,
              help="Processes (default: all CPUs).")
@click.option("--step-s", type=click.FloatRange(min=1, max=600), default=60.0,
              show_default=True,
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

    Writes tables `fleet` and `conjunctions` in one run (kind 'screen'), tied to this
    fleet and this catalog: `riskengine hazards` of the same portfolio then prices
    collisions from it.

    \b
    Examples:
      riskengine screen portfolios/example.toml --db riskengine.duckdb --days 1
      RISKENGINE_CATALOG=full.txt riskengine screen cfg.toml --days 1 --threshold-km 2
      riskengine screen cfg.toml --scheduler tcp://10.0.0.5:8786   # on a Dask cluster
    """
    import contextlib
    import datetime as dt

    import numpy as np

    from riskengine import stages

    t0 = None
    if start:
        try:
            when = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            raise click.BadParameter(f"{start!r} is not an ISO time "
                                     "(e.g. 2023-10-01T00:00:00)", param_hint="--start") from None
        if when.tzinfo is not None:
            when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
        t0 = np.datetime64(when, "us")
    p = load_config(config)
    c = console()
    con = open_store(db)
    if dask_workers is None:
        scheduler = scheduler or p.simulation.scheduler
    with contextlib.ExitStack() as stack:
        client = None
        if scheduler or dask_workers:
            from riskengine.scale import Cluster

            client = stack.enter_context(
                Cluster(workers=dask_workers or 2, scheduler=scheduler)).client
        opts = stack.enter_context(stage_options(c, workers=workers))
        run_id = stages.screen(con, p, opts, days=days, threshold_km=threshold_km, start=t0,
                               step_s=step_s, object_block=object_block, client=client)
    _print_screening(c, con, run_id, p, days, threshold_km)


def _print_screening(c, con, run_id, p, days, threshold_km):
    import json

    st = json.loads(con.execute("SELECT stats FROM runs WHERE run_id = ?",
                                [run_id]).fetchall()[0][0])
    n = con.execute("SELECT count(*) FROM conjunctions WHERE run_id = ?", [run_id]).fetchall()
    c.print(f"run {run_id}: {n[0][0]:,} conjunctions under {threshold_km:g} km in {days:g} "
            f"days from {st.get('window_start')} UTC", markup=False)
    c.print(f"excluded: {st['stale']:,} stale (> {p.catalog.stale_days:g} d), "
            f"{st['decayed']:,} decayed, {st['sgp4_error']:,} SGP4 errors, "
            f"{st['fleet_in_catalog']:,} fleet members in the catalog; "
            f"{st['secondaries_after_apsis_filter']:,} objects screened after the apsis filter",
            markup=False)
    rows = con.execute("""
        SELECT f.fleet_group, count(DISTINCT f.satellite_id),
               count(c.primary_id), count(c.primary_id) FILTER (WHERE NOT c.secondary_in_fleet),
               count(c.primary_id) FILTER (WHERE c.secondary_in_fleet), min(c.miss_km)
        FROM fleet f LEFT JOIN conjunctions c
          ON c.run_id = f.run_id AND c.primary_id = f.satellite_id
        WHERE f.run_id = ? GROUP BY 1 ORDER BY 1""", [run_id]).fetchall()
    c.print(rich_table("events per fleet group", ["group", "satellites", "events", "vs catalog",
                                                  "vs fleet", "closest km"],
                       [list(r) for r in rows]))
    top = con.execute("""SELECT primary_id::VARCHAR, secondary_id::VARCHAR, secondary_name,
                                secondary_class, strftime(tca, '%Y-%m-%d %H:%M:%S'), miss_km,
                                rel_speed_km_s
                         FROM conjunctions WHERE run_id = ? ORDER BY miss_km LIMIT 10""",
                      [run_id]).fetchall()
    c.print(rich_table("closest approaches", ["primary", "secondary", "name", "class",
                                              "TCA (UTC)", "miss km", "km/s"],
                       [list(r) for r in top]))
