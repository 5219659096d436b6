"""``riskengine runs`` — the run registry."""

from __future__ import annotations

import json

import click

from riskengine.cli._common import console, db_option, rich_table


@click.group()
def runs():
    """List, show and compare runs recorded in the store."""


@runs.command("list")
@db_option
@click.option("--kind", default=None, help="Only runs of this kind (catalog, simulate, ...).")
@click.option("--all", "show_all", is_flag=True, help="Include failed runs.")
@click.option("--limit", default=20, show_default=True)
def list_runs(db, kind, show_all, limit):
    """List runs, newest first.

    \b
    Example:
      riskengine runs list --db riskengine.duckdb --kind simulate
    """
    from riskengine.store import db as store

    con = store.read_only(db)
    sql = ("SELECT run_id, kind, portfolio, status, created_at, seed, years, catalog_epoch, "
           "error FROM runs WHERE 1=1")
    params = []
    if not show_all:
        sql += " AND status='complete'"
    if kind:
        sql += " AND kind=?"
        params.append(kind)
    rows = con.execute(sql + " ORDER BY created_at DESC LIMIT ?", params + [limit]).fetchall()
    cols = ["run_id", "kind", "portfolio", "status", "created (UTC)", "seed", "years",
            "catalog epoch", "error"]
    out = [[r[0], r[1], r[2], r[3], f"{r[4]:%Y-%m-%d %H:%M:%S}", r[5], r[6],
            f"{r[7]:%Y-%m-%d}" if r[7] else None, (r[8] or "")[:60] or None] for r in rows]
    console().print(rich_table(f"runs in {db or 'riskengine.duckdb'}", cols, out))


@runs.command("show")
@click.argument("run_id")
@db_option
def show_run(run_id, db):
    """Show one run: its config, stats and row counts per table."""
    from riskengine.store import TABLES
    from riskengine.store import db as store

    con = store.read_only(db)
    cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
    row = cur.fetchone()
    if row is None:
        raise click.ClickException(f"no run {run_id!r} in the store; see `riskengine runs list`")
    rec = dict(zip([d[0] for d in cur.description], row))
    c = console()
    for k in ("run_id", "kind", "portfolio", "status", "created_at", "finished_at", "seed",
              "years", "code_version", "catalog_epoch", "error"):
        c.print(f"[bold]{k:>14}[/]  {rec[k]}")
    counts = []
    for name, t in TABLES.items():
        if t.run_scoped and "run_id" in t.column_names:
            n = con.execute(f"SELECT count(*) FROM {name} WHERE run_id = ?", [run_id]).fetchone()[0]
            if n:
                counts.append([name, n])
    if counts:
        c.print(rich_table("rows", ["table", "rows"], counts))
    if rec.get("stats"):
        c.print_json(rec["stats"] if isinstance(rec["stats"], str) else json.dumps(rec["stats"]))
