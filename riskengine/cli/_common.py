"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import click

db_option = click.option(
    "--db", "db", type=click.Path(dir_okay=False), default=None, show_default=False,
    help="DuckDB file (default: $RISKENGINE_DB or riskengine.duckdb).",
)


def console():
    from rich.console import Console

    return Console()


def rich_table(title: str, columns: list[str], rows: list[list]) -> "object":
    """A rich Table with right-aligned numeric columns."""
    from rich.table import Table

    t = Table(title=title, header_style="bold cyan")
    for i, c in enumerate(columns):
        numeric = rows and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
        t.add_column(c, justify="right" if numeric else "left")
    for r in rows:
        t.add_row(*[_fmt(v) for v in r])
    return t


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        if v != 0 and (abs(v) >= 1e7 or abs(v) < 1e-3):
            return f"{v:.3e}"
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
