"""Helpers for the underwriter notebooks (``notebooks/``): where their data comes from.

Examples
--------
>>> from riskengine.notebook import SHARED_SNAPSHOT
>>> SHARED_SNAPSHOT.endswith(".txt")
True
"""

from __future__ import annotations

from riskengine import settings
from riskengine.stages import default_db, repo_path  # noqa: F401  (notebooks import them here)

#: The shared full-catalog snapshot the notebooks fall back on (path under ``../shared``).
SHARED_SNAPSHOT = "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"


def notebook_catalog(con=None):
    """The catalog for notebooks: ``$RISKENGINE_CATALOG``, else the shared 2023-10 snapshot
    beside the repository, else the store / download cache (:func:`resolve_catalog`, whose
    error says how to get one)."""
    from riskengine.catalog import read_catalog, resolve_catalog

    shared = settings.shared_dir()
    snap = shared / SHARED_SNAPSHOT if shared else None
    if not settings.catalog_override() and snap and snap.exists():
        return read_catalog([snap])
    if con is not None:
        return resolve_catalog(con)
    from riskengine.store import connect

    own = connect(default_db())
    try:
        return resolve_catalog(own)
    finally:
        own.close()


def price_portfolio(config, db=None, *, years: int | None = None, seed: int | None = None,
                    workers: int | None = None) -> str:
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
                            stages.Options(years=years, seed=seed, workers=workers))
    finally:
        con.close()


def latest_price_run(con, portfolio: str | None = None) -> str | None:
    """The newest complete pricing run (optionally of one portfolio)."""
    from riskengine.stages import latest_price_run as _latest

    return _latest(con, portfolio)
