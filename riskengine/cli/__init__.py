"""The ``riskengine`` command line.

Subcommands live in their own modules and are imported only when run, so
``riskengine --help`` stays instant (no PyMC, Dask or SciPy import at start-up).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

# name -> (module, attribute, one-line help shown by `riskengine --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "catalog": ("riskengine.cli.catalog", "catalog", "Load, fetch and inspect debris catalogs."),
    "runs": ("riskengine.cli.runs", "runs", "List, show and compare runs in the store."),
    "screen": ("riskengine.cli.screen", "screen", "Screen the fleet for conjunctions."),
    "pc": ("riskengine.cli.pc", "pc", "Collision probability for CDM files."),
    "hazards": ("riskengine.cli.hazards", "hazards", "Annual per-satellite hazards."),
    "fit": ("riskengine.cli.fit", "fit", "Fit the Bayesian hardware and radiation models."),
    "simulate": ("riskengine.cli.price", "simulate", "Monte Carlo loss simulation."),
    "price": ("riskengine.cli.price", "price", "Run the whole pricing pipeline."),
    "report": ("riskengine.cli.report", "report", "Write the HTML pricing report of a run."),
    "export": ("riskengine.cli.export", "export",
               "Export a run's loss tables (Oasis Open Results Data, Parquet)."),
    "perils": ("riskengine.cli.perils", "perils",
               "List every peril with its parameters, defaults and sources."),
    "sql": ("riskengine.cli.sql", "sql", "Query the store read-only (SQL, cookbook)."),
    "dose": ("riskengine.cli.dose", "dose", "Yearly radiation dose behind Al for an orbit."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx):
        return sorted(n for n, (mod, _, _) in COMMANDS.items()
                      if importlib.util.find_spec(mod) is not None)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        mod, attr, _ = COMMANDS[name]
        if importlib.util.find_spec(mod) is None:
            return None
        return getattr(importlib.import_module(mod), attr)

    def format_commands(self, ctx, formatter):
        rows = [(n, COMMANDS[n][2]) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="riskengine")
def cli():
    """riskengine — price satellite constellations from physics and evidence.

    \b
    Typical session (from the repository, after `make price` built .venv):
      riskengine price portfolios/example.toml --db riskengine.duckdb
      riskengine report --db riskengine.duckdb
      riskengine runs list --db riskengine.duckdb
      riskengine sql --cookbook aal_by_peril --db riskengine.duckdb

    \b
    Exit codes: 0 done, 2 a mistake in the input (the message says where and how to fix
    it), 1 an internal error. Add --debug anywhere to see the traceback of an error.
    """


#: Exit codes: 0 success, 1 an unexpected internal error, 2 a user mistake (bad input,
#: config, option or file: the message names it and the fix), 130 interrupted.
EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1


def _debug_requested(argv) -> bool:
    import os

    args = sys.argv[1:] if argv is None else list(argv)
    return "--debug" in args or os.environ.get("RISKENGINE_DEBUG", "") not in ("", "0")


def main(argv=None) -> None:
    """Console-script entry point: the one top-level error handler.

    * a user mistake (any :class:`~riskengine.errors.RiskEngineError`, a bad option) prints
      one plain line ``error: ...`` naming the file, line or key, the value and the fix,
      and exits with code 2;
    * an unexpected error prints a short message and exits 1; ``--debug`` (anywhere on the
      command line) or ``RISKENGINE_DEBUG=1`` shows the traceback instead.

    Messages are printed as plain text (never Rich markup), so names taken from user input
    cannot change how they are shown.
    """
    import warnings

    from riskengine.errors import RiskEngineError

    # PyTensor's C backend warns when no linkable BLAS is installed (pip wheels of NumPy
    # bundle one it cannot link). Fits sample with nutpie (Numba), which does not use it;
    # the warning stays visible in notebooks and the Python API.
    warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS",
                            category=UserWarning)
    debug = _debug_requested(argv)
    args = [a for a in (sys.argv[1:] if argv is None else list(argv)) if a != "--debug"]
    try:
        cli.main(args=args, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        exc.show()
        sys.exit(EXIT_USER_ERROR)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(EXIT_USER_ERROR)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except RiskEngineError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USER_ERROR)
    except BrokenPipeError:  # `riskengine ... | head`
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in riskengine, not in your input: run again with --debug "
                   "for the traceback and report it.", err=True)
        sys.exit(EXIT_INTERNAL)
