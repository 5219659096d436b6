"""CLI: instant --help, every command has --help, catalog load errors exit non-zero."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from riskengine.cli import COMMANDS, cli


def test_help_is_fast_and_lazy():
    code = ("import sys, time; t=time.time(); from riskengine.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit: pass\n"
            "heavy=[m for m in ('pymc','pytensor','scipy','duckdb','dask','matplotlib','numba') if m in sys.modules]\n"
            "print(heavy, time.time()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy, seconds = out.stdout.strip().splitlines()[-1].rsplit(" ", 1)
    assert heavy == "[]"
    assert float(seconds) < 2.0


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name):
    cmd = cli.get_command(None, name)
    if cmd is None:
        pytest.skip(f"{name} not built yet")
    res = CliRunner().invoke(cli, [name, "--help"])
    assert res.exit_code == 0 and "Usage" in res.output


def test_catalog_load_and_runs_list(tmp_path, catalogs):
    db = tmp_path / "c.duckdb"
    res = CliRunner().invoke(cli, ["catalog", "load", str(catalogs / "debris-groups/iridium-33-debris.txt"),
                                   "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "119" in res.output
    res = CliRunner().invoke(cli, ["runs", "list", "--db", str(db)])
    assert res.exit_code == 0 and "catalog" in res.output


def test_catalog_load_bad_file_exit_code(tmp_path):
    bad = tmp_path / "bad.tle"
    bad.write_text("1 25544U\n")
    db = tmp_path / "c.duckdb"
    proc = subprocess.run([sys.executable, "-m", "riskengine", "catalog", "load", str(bad), "--db", str(db)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert f"{bad}:1" in proc.stderr and "truncated" in proc.stderr
