"""Every notebook in notebooks/ executes without error, shows its figures inline, writes
only into its scratch store and prints no warnings that are not the reader's business.

Notebooks are committed without outputs; here they run top to bottom with nbclient, with
short simulations (``RISKENGINE_NB_YEARS``) and short MCMC chains.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NB_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
#: figures each notebook must show inline (image/png outputs), and its Monte Carlo years
EXPECT = {"01_quickstart.ipynb": (2, 2_000), "02_conjunctions.ipynb": (2, 2_000),
          "03_hardware_radiation.ipynb": (4, 2_000), "04_loss_tables_sql.ipynb": (1, 2_000),
          "05_million_satellites.ipynb": (3, 40), "06_launch_campaign.ipynb": (3, 200)}
NOISE = ("Warning", "IProgress", "BLAS", "ArviZ is undergoing")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One scratch store for all notebooks (the fit of 03 is reused by 05)."""
    return tmp_path_factory.mktemp("notebooks") / "nb.duckdb"


def test_every_notebook_is_listed():
    assert sorted(EXPECT) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_and_shows_its_figures(path, scratch, tmp_path, monkeypatch):
    images, years = EXPECT[path.name]
    user_db = tmp_path / "user.duckdb"           # the user's store: must stay untouched
    monkeypatch.setenv("RISKENGINE_DB", str(user_db))
    monkeypatch.setenv("RISKENGINE_NB_DB", str(scratch))
    monkeypatch.setenv("RISKENGINE_NB_YEARS", str(years))
    monkeypatch.setenv("RISKENGINE_FIT_DRAWS", "300")  # short chains: convergence is tested elsewhere
    monkeypatch.delenv("RISKENGINE_CATALOG", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)     # the kernel's inline backend
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(NB_DIR)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    pngs = sum("image/png" in o.get("data", {}) for o in outputs)
    assert pngs >= images, f"{path.name}: {pngs} inline figures, expected {images}"
    assert not [o for o in outputs if "<Figure size" in str(o.get("data", {}).get("text/plain", ""))
                and "image/png" not in o.get("data", {})]
    noise = [o["text"] for o in outputs if o.get("output_type") == "stream"
             and o.get("name") == "stderr" and any(w in o["text"] for w in NOISE)]
    assert not noise, noise
    assert not user_db.exists(), "a notebook wrote into the user's store"
