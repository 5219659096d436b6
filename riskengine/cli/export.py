"""``riskengine export`` — a run's loss tables in the Oasis Open Results Data layout."""

from __future__ import annotations

import click

from riskengine.cli._common import console, db_option


@click.command("export")
@click.argument("run_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["ord"]), default="ord", show_default=True,
              help="Output layout: ord = Oasis Open Results Data, Parquet.")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Folder to write the files into (created if missing).")
@db_option
def export(run_id, fmt, out, db):
    """Export RUN_ID's (default: the newest priced run's) event, period and annual loss
    tables and EP curves (ground-up, gross and net) as Parquet in the Oasis Open Results
    Data layout: gul_/il_/ri_S1_ selt, melt, splt, mplt, palt, ept and psept (see
    riskengine/export.py).

    \b
    Examples:
      riskengine export --format ord --out ord/ --db riskengine.duckdb
      riskengine export price-20261201T230328-3408db --out ord/
      duckdb -c "SELECT * FROM 'ord/il_S1_ept.parquet' WHERE EPType = 3"
    """
    from rich.text import Text

    from riskengine.export import export_ord
    from riskengine.store import read_only

    from riskengine.stages import latest_price_run

    con = read_only(db)
    try:
        run_id = run_id or latest_price_run(con)
        if run_id is None:
            raise click.ClickException("no priced run in the store: run `make price` first, "
                                       "or name a RUN_ID (see `riskengine runs list`)")
        files = export_ord(con, run_id, out)
    finally:
        con.close()
    c = console()
    for f in files:
        c.print(Text(str(f)))
    c.print(Text(f"{len(files)} files written (ORD layout; codes in riskengine_ord.json)",
                 style="green"))
