"""Shared fixtures: the ../shared data folder (through $RISKENGINE_SHARED) and temp stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskengine import settings


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared data folder; tests that need it are skipped when it is absent."""
    d = settings.shared_dir()
    if d is None:
        pytest.skip("shared data folder not found (set RISKENGINE_SHARED)")
    return d


@pytest.fixture(scope="session")
def catalogs(shared) -> Path:
    return shared / "catalogs"


@pytest.fixture(scope="session")
def full_3le(catalogs) -> Path:
    return catalogs / "full-catalog" / "spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture(scope="session")
def _session_dose_cache(tmp_path_factory) -> Path:
    """One dose-spectra cache for the session (never the developer's ~/.cache)."""
    return tmp_path_factory.mktemp("dose-cache")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path, _session_dose_cache):
    """No test reads the developer's catalog override, database or dose cache by accident."""
    monkeypatch.delenv("RISKENGINE_CATALOG", raising=False)
    monkeypatch.delenv("RISKENGINE_DB", raising=False)
    monkeypatch.setenv("RISKENGINE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RISKENGINE_DOSE_CACHE", str(_session_dose_cache))


@pytest.fixture
def cli_run(capsys):
    """Run ``riskengine ARGS...`` through the real entry point (its error handler and exit
    codes) in this process; returns ``.exit_code``, ``.output`` (stdout), ``.stderr``."""
    from types import SimpleNamespace

    from riskengine.cli import main

    def run(*args, env=None):
        import os

        old = {k: os.environ.get(k) for k in (env or {})}
        os.environ.update({k: str(v) for k, v in (env or {}).items()})
        code = 0
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        out = capsys.readouterr()
        return SimpleNamespace(exit_code=code, output=out.out, stderr=out.err)

    return run
