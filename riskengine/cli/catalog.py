"""``riskengine catalog`` — load, fetch and summarise catalogs."""

from __future__ import annotations


import click

from riskengine.cli._common import console, db_option, rich_table


@click.group()
def catalog():
    """Load, fetch and inspect debris catalogs (TLE, 3LE, OMM CSV/JSON/XML, SATCAT)."""


def _summary_rows(con):
    return con.execute("""
        SELECT object_class, count(*) AS n,
               count(*) FILTER (WHERE perigee_alt_km < 2000) AS leo,
               count(*) FILTER (WHERE abs(period_min - 1436) < 30 AND eccentricity < 0.05) AS geo,
               min(epoch), max(epoch)
        FROM catalog_objects GROUP BY object_class ORDER BY n DESC""").fetchall()


def print_summary(con, title="catalog_objects") -> None:
    rows = _summary_rows(con)
    out = [[r[0], r[1], r[2], r[3], f"{r[4]:%Y-%m-%d}", f"{r[5]:%Y-%m-%d}"] for r in rows]
    total = sum(r[1] for r in rows)
    c = console()
    c.print(rich_table(f"{title}: {total:,} objects", ["class", "objects", "LEO", "GEO",
                                                       "oldest epoch", "newest epoch"], out))


@catalog.command("load")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False), required=True)
@db_option
@click.option("--lenient", is_flag=True,
              help="Load the good records of files with bad ones; report the rest "
                   "(also in table catalog_rejects). Default: refuse the whole file.")
def load(paths, db, lenient):
    """Parse, validate and store catalog files (newest epoch per object wins).

    Strict by default: a file with a bad record is refused whole (exit 2, the store
    unchanged) and the error names file, line and reason.

    \b
    Examples:
      riskengine catalog load my_catalog.3le satcat.csv --db riskengine.duckdb
      riskengine catalog load starlink.tle --lenient      # keep the good records
    """
    from rich.text import Text

    from riskengine import stages
    from riskengine.store import connect

    con = connect(db)
    run_id = stages.load_catalog(con, list(paths), lenient=lenient)   # CatalogError: exit 2
    c = console()
    rows = con.execute("""SELECT source_file, format, records, rejected,
                                 strftime(epoch_min, '%Y-%m-%d'), strftime(epoch_median, '%Y-%m-%d'),
                                 strftime(epoch_max, '%Y-%m-%d')
                          FROM catalog_sources WHERE run_id = ? ORDER BY rowid""",
                       [run_id]).fetchall()
    c.print(rich_table(f"run {run_id}", ["file", "format", "records", "rejected",
                                         "epoch min", "median", "max"], [list(r) for r in rows]))
    rejects = con.execute("SELECT source_file, line, reason FROM catalog_rejects WHERE run_id = ? "
                          "ORDER BY rowid", [run_id]).fetchall()
    for f, line, reason in rejects[:20]:
        c.print(Text("rejected ", style="yellow") + Text(f"{f}:{line}: {reason}"))
    if len(rejects) > 20:
        c.print(Text(f"... {len(rejects) - 20} more in table catalog_rejects", style="yellow"))
    print_summary(con)


@catalog.command("fetch")
@click.option("--source", type=click.Choice(["celestrak", "spacetrack"]), default="celestrak",
              show_default=True, help="Where to download from (Space-Track needs an account).")
@click.option("--group", "groups", multiple=True,
              help="CelesTrak GP group(s) (default: active, analyst and the debris groups).")
@click.option("--load/--no-load", "do_load", default=False,
              help="Also load the downloaded files into --db.")
@db_option
def fetch(source, groups, do_load, db):
    """Download the current catalog into catalogs/cache (at most once per update interval).

    \b
    Examples:
      riskengine catalog fetch
      riskengine catalog fetch --source spacetrack   # needs SPACETRACK_USER/PASSWORD
    """
    from riskengine.catalog import fetch as f

    if source == "celestrak":
        results = f.fetch_celestrak(groups or f.CELESTRAK_GROUPS)
    else:
        results = f.fetch_spacetrack()
    rows = [[r.name, str(r.path), r.status, r.bytes,
             f"{r.next_allowed:%Y-%m-%d %H:%M} UTC" if r.next_allowed else None] for r in results]
    console().print(rich_table("catalog fetch", ["name", "file", "status", "bytes",
                                                 "next download allowed"], rows))
    if do_load:
        from riskengine.catalog.ingest import load_files
        from riskengine.store import connect

        con = connect(db)
        load_files(con, [r.path for r in results], lenient=True)
        print_summary(con)


@catalog.command("show")
@db_option
def show(db):
    """Summarise the stored catalog by object class and list the loaded files.

    \b
    Example:
      riskengine catalog show --db riskengine.duckdb
    """
    from riskengine.store import read_only

    con = read_only(db)
    print_summary(con)
    rows = con.execute("""SELECT s.source_file, s.format, s.records, s.rejected,
        s.epoch_median, s.run_id FROM catalog_sources s JOIN runs r USING (run_id)
        WHERE r.status='complete' ORDER BY r.created_at""").fetchall()
    console().print(rich_table("loaded files", ["file", "format", "records", "rejected",
                                                "reference epoch", "run"],
                               [[a, b, c, d, f"{e:%Y-%m-%d %H:%M}" if e else None, g]
                                for a, b, c, d, e, g in rows]))
