"""The pricing pipeline as Python calls (what ``riskengine price`` and the notebooks run).

Examples
--------
>>> from riskengine.pipeline import price_portfolio            # doctest: +SKIP
>>> run_id = price_portfolio("portfolios/example.toml", "riskengine.duckdb", years=5000)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from riskengine import settings


def repo_path(*parts: str) -> Path:
    """A path inside the repository (notebooks run from ``notebooks/``)."""
    return settings.REPO_ROOT.joinpath(*parts)


def default_db() -> Path:
    """``$RISKENGINE_DB`` or ``riskengine.duckdb`` at the repository root."""
    env = os.environ.get("RISKENGINE_DB")
    return Path(env) if env else repo_path(settings.DEFAULT_DB)


def price_portfolio(config, db=None, *, years: int | None = None, seed: int | None = None,
                    workers: int | None = None) -> str:
    """Simulate and price a portfolio config into the store; returns the run id."""
    from riskengine.cli.simulate import run_simulation

    run_id, con, _res, _pr = run_simulation(str(config), str(db or default_db()), years, seed,
                                            workers, kind="price", price_it=True)
    con.close()
    return run_id


def latest_price_run(con, portfolio: str | None = None) -> str | None:
    """The newest complete pricing run (optionally of one portfolio)."""
    sql = ("SELECT run_id FROM runs r WHERE status='complete' AND kind IN ('price','simulate') "
           "AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id)")
    params = []
    if portfolio:
        sql += " AND portfolio = ?"
        params.append(portfolio)
    row = con.execute(sql + " ORDER BY created_at DESC, run_id DESC LIMIT 1", params).fetchone()
    return row[0] if row else None
