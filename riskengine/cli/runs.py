"""``riskengine runs`` — the run registry."""

from __future__ import annotations

import json

import click
from rich.text import Text

from riskengine.cli._common import console, db_option, rich_table


@click.group()
def runs():
    """List, show and compare runs recorded in the store."""


@runs.command("list")
@db_option
@click.option("--kind", default=None, help="Only runs of this kind (catalog, simulate, ...).")
@click.option("--all", "show_all", is_flag=True, help="Include failed runs.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Show at most this many runs.")
def list_runs(db, kind, show_all, limit):
    """List runs, newest first (the kind is the first word of the run id).

    \b
    Examples:
      riskengine runs list --db riskengine.duckdb
      riskengine runs list --kind price --limit 5
      riskengine runs list --all          # failed runs too, with their error
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
    from rich.table import Table

    t = Table(title=Text(f"runs in {db or 'riskengine.duckdb'}"), title_justify="left",
              box=None, header_style="bold cyan", pad_edge=False, padding=(0, 1))
    t.add_column("run id", no_wrap=True)
    t.add_column("portfolio", overflow="fold", max_width=18)
    t.add_column("years", justify="right", no_wrap=True)
    t.add_column("seed", justify="right", no_wrap=True)
    t.add_column("catalog", no_wrap=True)
    if show_all:
        t.add_column("status / error", overflow="fold")
    for r in rows:
        cells = [r[0], r[2] or "—", f"{r[6]:,}" if r[6] else "—", str(r[5]) if r[5] is not None
                 else "—", f"{r[7]:%Y-%m-%d}" if r[7] else "—"]
        if show_all:
            cells.append(r[3] if r[3] == "complete" else f"{r[3]}: {(r[8] or '')[:200]}")
        t.add_row(*[Text(str(x)) for x in cells])
    console().print(t)


@runs.command("show")
@click.argument("run_id")
@db_option
def show_run(run_id, db):
    """Show one run: its config, stats, inputs, warnings and row counts per table.

    \b
    Example:
      riskengine runs show price-20261201T230328-3408db --db riskengine.duckdb
    """
    from riskengine.store import TABLES
    from riskengine.store import db as store

    con = store.read_only(db)
    cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
    row = next(iter(cur.fetchall()), None)
    if row is None:
        raise click.ClickException(f"no run {run_id!r} in the store; see `riskengine runs list`")
    rec = dict(zip([d[0] for d in cur.description], row))
    c = console()
    for k in ("run_id", "kind", "portfolio", "status", "created_at", "finished_at", "seed",
              "years", "code_version", "catalog_epoch", "error", "inputs"):
        if rec.get(k) is not None:
            c.print(Text(f"{k:>14}", style="bold") + Text(f"  {rec[k]}"))
    for code, message in con.execute("SELECT code, message FROM run_flags WHERE run_id = ? "
                                     "ORDER BY rowid", [run_id]).fetchall():
        c.print(Text("       warning", style="bold yellow") + Text(f"  [{code}] {message}"))
    counts = []
    for name, t in TABLES.items():
        if t.run_scoped and "run_id" in t.column_names:
            n = con.execute(f"SELECT count(*) FROM {name} WHERE run_id = ?",
                            [run_id]).fetchall()[0][0]
            if n:
                counts.append([name, n])
    if counts:
        c.print(rich_table("rows", ["table", "rows"], counts))
    if rec.get("stats"):
        c.print_json(rec["stats"] if isinstance(rec["stats"], str) else json.dumps(rec["stats"]))


@runs.command("compare")
@click.argument("run_ids", nargs=-1, required=True)
@db_option
def compare_runs(run_ids, db):
    """Compare loss metrics and EP curves of simulate/price runs side by side.

    \b
    Example:
      riskengine runs compare price-2026...-ab12cd price-2026...-ef34gh --db riskengine.duckdb
    """
    from riskengine.store import db as store

    con = store.read_only(db)
    known = {r for (r,) in con.execute(
        "SELECT run_id FROM runs WHERE status='complete' AND run_id IN ("
        + ",".join("?" * len(run_ids)) + ")", list(run_ids)).fetchall()}
    missing = [r for r in run_ids if r not in known]
    if missing:
        raise click.ClickException(f"no complete run(s) {missing}; see `riskengine runs list`")
    # one row per perspective and metric ("gross:aal", "net:var_0.995", ...)
    label = "coalesce(perspective, 'gross') || ':' || metric"
    metrics = [m for (m,) in con.execute(
        f"SELECT DISTINCT {label} AS m FROM metrics WHERE run_id IN ("
        + ",".join("?" * len(run_ids)) + ") ORDER BY m", list(run_ids)).fetchall()]
    vals = {(r, m): (v, s) for r, m, v, s in con.execute(
        f"SELECT run_id, {label}, value, std_error FROM metrics WHERE run_id IN ("
        + ",".join("?" * len(run_ids)) + ")", list(run_ids)).fetchall()}
    rows = []
    for m in metrics:
        row = [m]
        for r in run_ids:
            v = vals.get((r, m))
            row.append(None if v is None else float(v[0]))
        rows.append(row)
    c = console()
    c.print(rich_table("metrics (USD)", ["metric", *run_ids], rows))
    ep = {(r, c_, rp): v for r, c_, rp, v in con.execute(
        "SELECT run_id, curve, return_period, loss FROM ep_curve WHERE run_id IN ("
        + ",".join("?" * len(run_ids)) + ") AND coalesce(perspective, 'gross') = 'gross'",
        list(run_ids)).fetchall()}
    rps = sorted({k[2] for k in ep if k[1] == "AEP"})
    c.print(rich_table("gross AEP (USD)", ["return period", *run_ids],
                       [[float(rp), *[ep.get((r, "AEP", rp)) for r in run_ids]] for rp in rps]))
