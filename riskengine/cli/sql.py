"""``riskengine sql`` — query the store read-only, without the DuckDB CLI."""

from __future__ import annotations

import json
import sys

import click

from riskengine.cli._common import console, db_option, rich_table


@click.command("sql")
@click.argument("query", required=False)
@db_option
@click.option("--cookbook", "recipe", default=None, metavar="NAME",
              help="Run a query of the SQL cookbook (riskengine/data/cookbook.sql); "
                   "`--cookbook list` lists them.")
@click.option("--run", "run_id", default=None,
              help="Run id for `$run` in the query (default: the newest priced run).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format (json: one object per row and line).")
@click.option("--max-rows", type=click.IntRange(min=1), default=200, show_default=True,
              help="Rows shown in table format.")
def sql(query, db, recipe, run_id, fmt, max_rows):
    """Run a read-only SQL QUERY against the store (DuckDB SQL; `$run` is the run id).

    The store is opened read-only: a query never changes it and never blocks a running job.

    \b
    Examples:
      riskengine sql "SELECT run_id, kind, portfolio FROM complete_runs" --db riskengine.duckdb
      riskengine sql "SELECT * FROM aal_by_peril WHERE run_id = \\$run"
      riskengine sql --cookbook pml_200 --format csv
      riskengine sql --cookbook list
    """
    import duckdb

    from riskengine.cookbook import queries
    from riskengine.errors import ConfigError
    from riskengine.stages import latest_price_run
    from riskengine.store import read_only

    book = queries()
    if recipe == "list":
        c = console()
        c.print(rich_table("SQL cookbook", ["name", "what it answers"],
                           [[k, v[0]] for k, v in book.items()]))
        return
    if recipe is not None:
        if recipe not in book:
            raise ConfigError(f"--cookbook {recipe!r}: no such query; one of: "
                              f"{', '.join(book)}")
        query = book[recipe][1]
    if not query:
        raise click.UsageError("give a QUERY or --cookbook NAME (see --help)")
    con = read_only(db)
    try:
        params = []
        if "$run" in query:
            rid = run_id or latest_price_run(con)
            if rid is None:
                raise ConfigError("the query uses $run but the store has no priced run: pass "
                                  "--run RUN_ID (see `riskengine runs list`)")
            query = query.replace("$run", "$1")
            params = [rid]
        try:
            cur = con.execute(query, params)
        except duckdb.Error as exc:
            raise ConfigError(f"query failed: {str(exc).splitlines()[0]}") from None
        if cur.description is None:
            return
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    if fmt == "json":
        for r in rows:
            click.echo(json.dumps(dict(zip(cols, r)), default=str))
    elif fmt == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows(rows)
    else:
        c = console()
        c.print(rich_table(f"{len(rows):,} row(s)", cols, [list(r) for r in rows[:max_rows]]))
        if len(rows) > max_rows:
            click.echo(f"... {len(rows) - max_rows:,} more rows (--max-rows, --format csv)")
