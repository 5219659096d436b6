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
    "simulate": ("riskengine.cli.simulate", "simulate", "Monte Carlo loss simulation."),
    "price": ("riskengine.cli.price", "price", "Run the whole pricing pipeline."),
    "report": ("riskengine.cli.report", "report", "Write the HTML pricing report of a run."),
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
    Typical session:
      riskengine catalog load catalogs/full.txt --db riskengine.duckdb
      riskengine price portfolios/example.toml --db riskengine.duckdb
      riskengine runs list --db riskengine.duckdb
    """


def main(argv=None) -> None:
    """Console-script entry point: known errors print one clear message and exit 1."""
    import warnings

    from riskengine.errors import RiskEngineError

    # PyTensor's C backend warns when no linkable BLAS is installed (pip wheels of NumPy
    # bundle one it cannot link). Fits sample with nutpie (Numba), which does not use it;
    # the warning stays visible in notebooks and the Python API.
    warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS",
                            category=UserWarning)
    try:
        cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except RiskEngineError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
