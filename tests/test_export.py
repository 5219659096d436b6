"""``riskengine export --format ord``: the ORD Parquet files of portfolios/quick.toml's run,
read back with DuckDB, reproduce its ep_curve (and its annual losses from the period loss
table)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from riskengine import stages
    from riskengine.config import load_portfolio
    from riskengine.store import connect

    tmp = tmp_path_factory.mktemp("ord")
    db = tmp / "q.duckdb"
    con = connect(db)
    rid = stages.price(con, load_portfolio(REPO / "portfolios" / "quick.toml"),
                       stages.Options(years=3000))
    con.close()
    return db, rid, tmp / "ord"


def test_cli_export_writes_the_ord_layout(exported, cli_run):
    db, rid, out = exported
    r = cli_run("export", rid, "--format", "ord", "--out", out, "--db", db)
    assert r.exit_code == 0, r.stderr
    names = {f.name for f in out.iterdir()}
    for tag in ("gul", "il", "ri"):
        for t in ("selt", "melt", "splt", "mplt", "palt", "ept", "psept"):
            assert f"{tag}_S1_{t}.parquet" in names
    assert "riskengine_ord.json" in names
    r = cli_run("export", "nope", "--out", out, "--db", db)
    assert r.exit_code == 2 and "runs list" in r.stderr


def test_ord_read_back_reproduces_ep_curve(exported, cli_run):
    db, rid, out = exported
    if not out.exists():
        assert cli_run("export", rid, "--out", out, "--db", db).exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    ep = {(p, c, rp): (loss, tv) for p, c, rp, loss, tv in con.execute(
        "SELECT perspective, curve, return_period, loss, tvar FROM ep_curve WHERE run_id = ?",
        [rid]).fetchall()}
    years = con.execute("SELECT years FROM runs WHERE run_id = ?", [rid]).fetchone()[0]
    ylt = con.execute("SELECT loss FROM ylt WHERE run_id = ? ORDER BY year", [rid]).fetchnumpy()["loss"]
    m = dict(con.execute("SELECT perspective || ':' || metric, value FROM metrics "
                         "WHERE run_id = ?", [rid]).fetchall())
    con.close()
    ord_ = duckdb.connect()
    types = {1: ("OEP", 0), 2: ("OEP", 1), 3: ("AEP", 0), 4: ("AEP", 1)}
    for persp, tag in (("ground_up", "gul"), ("gross", "il"), ("net", "ri")):
        rows = ord_.execute(f"SELECT EPCalc, EPType, ReturnPeriod, Loss FROM "
                            f"'{out}/{tag}_S1_ept.parquet'").fetchall()
        assert len(rows) == 44 and {r[0] for r in rows} == {2}
        for _, t, rp, loss in rows:
            curve, k = types[t]
            assert loss == ep[(persp, curve, rp)][k]
        aal, sd = ord_.execute(f"SELECT MeanLoss, SDLoss FROM '{out}/{tag}_S1_palt.parquet'").fetchone()
        assert aal == m[f"{persp}:aal"] and sd == m[f"{persp}:std"]
    # the gross AEP again, from the period loss table: each period's events add up to the
    # year's loss, and the years' quantiles are the curve
    per = ord_.execute(f"SELECT Period, sum(Loss) FROM '{out}/il_S1_splt.parquet' "
                       "GROUP BY Period").fetchall()
    annual = np.zeros(years)
    for p, x in per:
        annual[p - 1] = x
    np.testing.assert_allclose(annual, ylt, rtol=1e-9, atol=1e-3)
    xs = np.sort(annual)
    for rp in (10.0, 100.0, 200.0, 1000.0):
        assert xs[int(np.ceil(years * (1 - 1 / rp))) - 1] == pytest.approx(
            ep[("gross", "AEP", rp)][0], rel=1e-9)
    w = ord_.execute(f"SELECT DISTINCT PeriodWeight FROM '{out}/il_S1_mplt.parquet'").fetchall()
    assert w == [(1 / years,)]
    # quick.toml has no parameter draws: the per-sample table is there, empty
    assert ord_.execute(f"SELECT count(*) FROM '{out}/il_S1_psept.parquet'").fetchone()[0] == 0
