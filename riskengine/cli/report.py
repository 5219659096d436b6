"""``riskengine report`` — the HTML pricing report of a run."""

from __future__ import annotations

import click

from riskengine.cli._common import console, db_option


@click.command()
@click.argument("run_id", required=False)
@db_option
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="HTML file to write (default reports/<run_id>.html).")
def report(run_id, db, out):
    """Write a self-contained HTML pricing report of RUN_ID (default: the latest price run).

    \b
    Examples:
      riskengine report --db riskengine.duckdb
      riskengine report price-20261123T101500-3f9a1c --out report.html
    """
    from riskengine.report import write_report
    from riskengine.store import read_only

    con = read_only(db)
    if run_id is None:
        rows = con.execute("SELECT run_id FROM runs r WHERE status='complete' AND EXISTS "
                           "(SELECT 1 FROM ylt y WHERE y.run_id = r.run_id) "
                           "ORDER BY created_at DESC LIMIT 1").fetchall()
        row = rows[0] if rows else None
        if row is None:
            raise click.ClickException("no simulation run in the store: run `make price` first")
        run_id = row[0]
    path = write_report(con, run_id, out)
    console().print(f"report for {run_id} written to {path}", markup=False, highlight=False)
