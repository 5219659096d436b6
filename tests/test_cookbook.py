"""Every SQL cookbook query runs and answers consistently with the tables."""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.cookbook import queries, query
from riskengine.store import connect
from tests.test_report import _fake_run


@pytest.fixture
def con(db_path):
    con = connect(db_path)
    _fake_run(con, seed=1)
    _fake_run(con, seed=2)
    return con


def test_every_query_runs(con):
    rid = con.execute("select run_id from runs order by created_at desc, run_id desc limit 1").fetchone()[0]
    assert len(queries()) >= 8
    for name in queries():
        rows = query(con, name, run=rid).fetchall()
        assert rows, name


def test_answers_match_tables(con):
    rid = con.execute("select run_id from runs limit 1").fetchone()[0]
    aal = con.execute("select value from metrics where run_id=? and metric='aal' and "
                      "perspective='gross'", [rid]).fetchone()[0]
    years, aal_sql, _ = query(con, "aal_check", run=rid).fetchone()
    assert years == 2000 and aal_sql == pytest.approx(aal, rel=1e-12)
    top = query(con, "top_events", run=rid).fetchall()
    assert len(top) == 10 and top[0][5] == max(r[5] for r in top)
    pml = {r[0]: r for r in query(con, "pml_200", run=rid).fetchall()}
    assert set(pml) == {"gross", "net"}
    assert pml["gross"][2] == con.execute(
        "select loss from ep_curve where run_id=? and curve='AEP' and return_period=200 "
        "and perspective='gross'", [rid]).fetchone()[0]
    gn = {r[0]: r for r in query(con, "gross_net", run=rid).fetchall()}
    assert gn["net"][1] == pytest.approx(0.9 * gn["gross"][1])
    assert len(query(con, "run_comparison").fetchall()) == 2


def test_readme_shows_every_query():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name, (purpose, sql) in queries().items():
        assert f"-- name: {name}" in readme and sql.splitlines()[0] in readme, name
