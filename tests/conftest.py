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


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test reads the developer's catalog override or database by accident."""
    monkeypatch.delenv("RISKENGINE_CATALOG", raising=False)
    monkeypatch.delenv("RISKENGINE_DB", raising=False)
    monkeypatch.setenv("RISKENGINE_CACHE", str(tmp_path / "cache"))
