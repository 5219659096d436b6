"""Helpers for the underwriter notebooks (``notebooks/``): set-up, where their data comes
from and where their runs go.

Every notebook starts with ``nb = setup()``:

* figures (:mod:`riskengine.plots`) render inline;
* warnings that are not the reader's business (PyTensor's BLAS notice, ArviZ's refactor
  notice, progress-bar widget hints) are silenced here, at the source;
* runs a notebook writes go to a **scratch store** (``nb.db``: ``$RISKENGINE_NB_DB``, else a
  temporary file), never into your ``riskengine.duckdb``; notebooks only *read* your store
  (``nb.user_db``: ``$RISKENGINE_DB`` or ``riskengine.duckdb``), read-only;
* ``nb.years`` is the number of Monte Carlo years to simulate (``$RISKENGINE_NB_YEARS``,
  default per notebook; ``$RISKENGINE_NB_FULL=1`` asks for the full-size runs).

Examples
--------
>>> from riskengine.notebook import SHARED_SNAPSHOT
>>> SHARED_SNAPSHOT.endswith(".txt")
True
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from riskengine import settings
from riskengine.stages import default_db, repo_path  # noqa: F401  (notebooks import them here)

#: The shared full-catalog snapshot the notebooks fall back on (path under ``../shared``).
SHARED_SNAPSHOT = "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"


@dataclass
class Notebook:
    db: Path          # the scratch store the notebook writes its runs into
    user_db: Path     # your store (read-only here)
    years: int        # Monte Carlo years for this notebook's runs
    full: bool        # $RISKENGINE_NB_FULL=1: full-size runs

    def progress(self, label: str = "running"):
        """A progress callback ``(task, done, total)`` that updates one line in the
        notebook (no widget needed)."""
        try:
            from IPython.display import display
        except ImportError:   # pragma: no cover - outside IPython
            return None
        handle = display(f"{label} …", display_id=True)
        state = {"t": 0.0}

        def update(task, done, total):
            now = time.monotonic()
            if now - state["t"] < 0.5 and done < total:
                return
            state["t"] = now
            if handle is not None:
                handle.update(f"{task}: {done / max(total, 1):.0%} ({done:,.0f} / {total:,.0f})")

        return update


def setup(years: int = 2_000, full_years: int | None = None) -> Notebook:
    """Set up a notebook (see the module docstring); returns its :class:`Notebook`."""
    import logging

    for msg in ("PyTensor could not link to a BLAS", "IProgress not found",
                "ArviZ is undergoing a major refactor",
                "The effect of Potentials on other parameters is ignored"):
        warnings.filterwarnings("ignore", message=f".*{msg}.*")
    warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
    for name in ("pymc", "pytensor", "distributed", "nutpie"):   # "Sampling: [...]" chatter
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ip.run_line_magic("matplotlib", "inline")
    except ImportError:   # pragma: no cover
        pass
    full = os.environ.get("RISKENGINE_NB_FULL", "") not in ("", "0")
    n = int(os.environ.get("RISKENGINE_NB_YEARS") or (full_years if full and full_years
                                                      else years))
    scratch = os.environ.get("RISKENGINE_NB_DB")
    db = Path(scratch) if scratch else Path(tempfile.mkdtemp(prefix="riskengine-nb-")) / "nb.duckdb"
    nb = Notebook(db=db, user_db=Path(settings.db_path()), years=n, full=full)
    print(f"runs go to the scratch store {db}" + ("" if scratch else
          " (set RISKENGINE_NB_DB to keep them)") + f"; {n:,} simulated years")
    return nb


def notebook_catalog(con=None):
    """The catalog for notebooks: ``$RISKENGINE_CATALOG``, else the shared 2023-10 snapshot
    beside the repository, else the store / download cache / embedded default
    (:func:`resolve_catalog`)."""
    from riskengine.catalog import read_catalog, resolve_catalog

    shared = settings.shared_dir()
    snap = shared / SHARED_SNAPSHOT if shared else None
    if not settings.catalog_override() and snap and snap.exists():
        return read_catalog([snap])
    return resolve_catalog(con)


def price_portfolio(config, db=None, *, years: int | None = None, seed: int | None = None,
                    workers: int | None = None, progress=None) -> str:
    """Price a portfolio file (every stage it needs) into the store ``db``; the run id.

    Examples
    --------
    >>> import tempfile, os
    >>> db = os.path.join(tempfile.mkdtemp(), "nb.duckdb")
    >>> price_portfolio(repo_path("portfolios", "quick.toml"), db, years=200)[:6]
    'price-'
    """
    from riskengine import stages
    from riskengine.config import load_portfolio
    from riskengine.store import connect

    con = connect(db or default_db())
    try:
        return stages.price(con, load_portfolio(config),
                            stages.Options(years=years, seed=seed, workers=workers,
                                           progress=progress))
    finally:
        con.close()


def latest_price_run(con, portfolio: str | None = None) -> str | None:
    """The newest complete pricing run (optionally of one portfolio)."""
    from riskengine.stages import latest_price_run as _latest

    return _latest(con, portfolio)
