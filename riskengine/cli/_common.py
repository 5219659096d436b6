"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import contextlib
import time

import click

db_option = click.option(
    "--db", "db", type=click.Path(dir_okay=False), default=None, show_default=False,
    help="DuckDB file (default: $RISKENGINE_DB or riskengine.duckdb).",
)


def simulation_options(f):
    """The options every Monte Carlo command shares: --years, --seed, --workers,
    --scheduler, --hazards-run."""
    opts = [
        click.option("--years", type=click.IntRange(min=1, max=100_000_000), default=None,
                     help="Simulated years (default: [simulation] years)."),
        click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
                     help="Root seed (default: [simulation] seed)."),
        click.option("--workers", type=click.IntRange(min=1, max=1024), default=None,
                     help="Local Dask worker processes (default: [simulation] workers; the "
                          "tables do not depend on it)."),
        click.option("--scheduler", default=None,
                     help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786."),
        click.option("--hazards-run", default=None,
                     help="Use this stored hazards run (default: the newest one of this "
                          "portfolio's fleet and perils; `price` computes a fresh one)."),
        click.option("--sensitivity/--no-sensitivity", default=None,
                     help="Price each key assumption one at a time (default: [simulation] "
                          "sensitivity, on)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def console():
    from rich.console import Console

    return Console()


def rich_table(title: str, columns: list[str], rows: list[list]) -> "object":
    """A rich Table with right-aligned numeric columns; cells are plain text (a name taken
    from user input is never read as Rich markup)."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=Text(title), header_style="bold cyan")
    for i, c in enumerate(columns):
        numeric = rows and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
        t.add_column(Text(c), justify="right" if numeric else "left")
    for r in rows:
        t.add_row(*[Text(_fmt(v)) for v in r])
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


@contextlib.contextmanager
def stage_options(c, **kw):
    """:class:`riskengine.stages.Options` that report to the terminal: one timed line per
    finished step and a progress bar for long ones. Use as a context manager."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.text import Text

    from riskengine.stages import Options

    t0 = time.perf_counter()
    tasks: dict = {}
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                  console=c, transient=True) as bar:
        def say(msg):
            bar.console.print(Text(f"{time.perf_counter() - t0:7.1f} s  ", style="dim")
                              + Text(str(msg)))

        def progress(what, done, total):
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=max(total, 1))
            bar.update(tasks[what], completed=done, total=max(total, 1))

        yield Options(say=say, progress=progress, **kw)


def load_config(config):
    """The validated portfolio of ``config`` (a ConfigError names the file and key)."""
    from riskengine.config import load_portfolio

    return load_portfolio(config)


def open_store(db):
    from riskengine.store import connect

    return connect(db)
