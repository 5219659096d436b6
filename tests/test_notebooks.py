"""Every notebook in notebooks/ executes without error against a temporary store.

Notebooks are committed without outputs; here they run top to bottom with nbclient, with
``RISKENGINE_DB`` pointing at a temp database and short simulations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NB_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))


@pytest.fixture(scope="module")
def nb_db(tmp_path_factory):
    """One store for all notebooks, as a user's would be: the fit of 03 is reused by 05."""
    return tmp_path_factory.mktemp("notebooks") / "nb.duckdb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, nb_db, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_DB", str(nb_db))
    monkeypatch.setenv("RISKENGINE_NB_YEARS", "2000")
    monkeypatch.setenv("RISKENGINE_FIT_DRAWS", "300")  # short chains: convergence is tested elsewhere
    monkeypatch.delenv("RISKENGINE_CATALOG", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NB_DIR)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [] and cell.get("execution_count") is None, path.name
