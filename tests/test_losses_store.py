"""Loss tables in the store: contract, determinism across chunking and workers, atomicity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from riskengine.config import parse_portfolio
from riskengine.losses import RETURN_PERIODS, write_simulation, write_ylt_net
from riskengine.store import connect, run

REPO = Path(__file__).resolve().parents[1]

FLEET_CFG = {
    "simulation": {"years": 25_000, "seed": 42},
    "fleet": [{"name": "a", "altitude_km": 550, "inclination_deg": 53, "planes": 10,
               "per_plane": 20, "sum_insured": 3e7},
              {"name": "b", "altitude_km": 1200, "inclination_deg": 87, "planes": 5,
               "per_plane": 10, "sum_insured": 8e7}],
    "perils": [
        {"type": "independent_failure", "name": "hardware", "annual_probability": 0.02},
        {"type": "common_shock", "name": "storm", "rate": 0.3, "satellite_probability": 0.05,
         "max_altitude_km": 600, "damage_fraction": 0.5},
        {"type": "common_shock", "name": "breakup", "rate": 0.05, "satellite_probability": 0.2,
         "groups": ["b"]},
        {"type": "compound", "name": "liability",
         "frequency": {"distribution": "negative_binomial", "mean": 0.4, "variance": 0.8},
         "severity": {"distribution": "gamma", "shape": 2, "scale": 5e6}}],
    "policy": {"deductible": 1e6, "occurrence_deductible": 2e6, "occurrence_limit": 3e8,
               "aggregate_deductible": 1e7, "aggregate_limit": 6e8,
               "reinsurance": [{"name": "xl", "attachment": 2e8, "limit": 2e8, "share": 0.8},
                               {"name": "occ", "attachment": 1e8, "limit": 1e8,
                                "basis": "occurrence"}]},
}


def _simulate(db, cfg=FLEET_CFG, **kw):
    p = parse_portfolio(cfg)
    con = connect(db)
    with run(con, "simulate", seed=p.simulation.seed, years=p.simulation.years) as r:
        res = write_simulation(p, r, **kw)
        write_ylt_net(r, res)
    return con, r.run_id, res


def _ylt(con, run_id):
    return con.execute("SELECT year, loss, ground_up_loss FROM ylt WHERE run_id=? ORDER BY year",
                       [run_id]).fetchnumpy()


def test_tables_follow_the_contract(db_path):
    con, rid, res = _simulate(db_path)
    y = _ylt(con, rid)
    n = FLEET_CFG["simulation"]["years"]
    assert np.array_equal(y["year"], np.arange(1, n + 1))  # every year, zero years too
    assert (y["loss"] == 0).any()
    avg = con.execute("SELECT avg(loss) FROM ylt WHERE run_id=?", [rid]).fetchone()[0]
    aal = con.execute("SELECT value FROM metrics WHERE run_id=? AND metric='aal' AND "
                      "perspective='gross'", [rid]).fetchone()[0]
    assert np.isclose(avg, aal)
    # elt: one row per occurrence, unique ids, loss after occurrence terms
    e = con.execute("SELECT event_id, year, peril, satellites, loss, ground_up_loss, gross_loss, "
                    "net_loss FROM elt WHERE run_id=? ORDER BY event_id", [rid]).fetchnumpy()
    assert len(np.unique(e["event_id"])) == len(e["event_id"]) == res.n_events
    assert set(e["peril"]) == {"hardware", "storm", "breakup", "liability"}
    assert e["loss"].max() <= 3e8 and (e["loss"] >= 0).all()
    assert (e["satellites"][e["peril"] == "liability"] == 0).all()
    # aggregate terms applied to the sum of the occurrence losses of each year
    per_year = np.bincount(e["year"], weights=e["loss"], minlength=n + 1)[1:]
    assert np.allclose(y["loss"], np.minimum(np.maximum(per_year - 1e7, 0), 6e8))
    gu = np.bincount(e["year"], weights=e["ground_up_loss"], minlength=n + 1)[1:]
    assert np.allclose(y["ground_up_loss"], gu)
    # each occurrence's gross loss is its share of the aggregate terms: they add up to the year
    gross_y = np.bincount(e["year"], weights=e["gross_loss"], minlength=n + 1)[1:]
    assert np.allclose(gross_y, y["loss"], rtol=1e-9, atol=1e-3)
    assert (e["gross_loss"] <= e["loss"] + 1e-6).all() and (e["net_loss"] <= e["gross_loss"] + 1e-6).all()
    # net = gross - ceded, year by year, and the occurrences' net losses add up to it
    yn = con.execute("SELECT year, gross_loss, ceded, net_loss FROM ylt_net WHERE run_id=? "
                     "ORDER BY year", [rid]).fetchnumpy()
    np.testing.assert_array_equal(yn["gross_loss"], y["loss"])
    np.testing.assert_array_equal(yn["net_loss"], yn["gross_loss"] - yn["ceded"])
    net_y = np.bincount(e["year"], weights=e["net_loss"], minlength=n + 1)[1:]
    assert np.allclose(net_y, yn["net_loss"], rtol=1e-9, atol=1e-3)
    assert (yn["ceded"] >= 0).all() and (yn["ceded"] <= yn["gross_loss"] + 1e-6).all()
    # EP curves: AEP and OEP on each perspective, from the same year arrays
    ep = con.execute("SELECT perspective, curve, return_period, loss, tvar FROM ep_curve "
                     "WHERE run_id=? ORDER BY perspective, curve, return_period", [rid]).fetchall()
    assert {(p_, c) for p_, c, *_ in ep} == {(p_, c) for p_ in ("ground_up", "gross", "net")
                                              for c in ("AEP", "OEP")}
    for persp, annual, occ_col in (("ground_up", y["ground_up_loss"], "ground_up_loss"),
                                   ("gross", y["loss"], "gross_loss"),
                                   ("net", yn["net_loss"], "net_loss")):
        aep = [(rp, loss, tv) for p_, c, rp, loss, tv in ep if p_ == persp and c == "AEP"]
        assert [rp for rp, *_ in aep] == list(map(float, RETURN_PERIODS))
        assert all(tv >= loss for _, loss, tv in aep)
        assert np.all(np.diff([loss for _, loss, _ in aep]) >= 0)
        xs = np.sort(annual)
        for rp, loss, _ in aep:
            assert loss == xs[int(np.ceil(n * (1 - 1 / rp))) - 1]
        occ = np.zeros(n)
        np.maximum.at(occ, e["year"] - 1, e[occ_col])
        xs = np.sort(occ)
        oep = {rp: loss for p_, c, rp, loss, _ in ep if p_ == persp and c == "OEP"}
        for rp, loss in oep.items():
            assert loss == xs[int(np.ceil(n * (1 - 1 / rp))) - 1], (persp, rp)
        # the largest occurrence of a year never exceeds the year's loss, on every perspective
        assert all(oep[rp] <= a + 1e-6 for rp, a, _ in aep)
    m = {(p_, k): se for p_, k, se in con.execute(
        "SELECT perspective, metric, std_error FROM metrics WHERE run_id=?", [rid]).fetchall()}
    for persp in ("ground_up", "gross", "net"):
        for k in ("aal", "std", "var_0.99", "tvar_0.99", "var_0.995", "tvar_0.995", "var_0.999",
                  "tvar_0.999", "oep_var_0.995"):
            assert (persp, k) in m and m[(persp, k)] is not None and m[(persp, k)] >= 0, (persp, k)
    assert ("net", "ceded_aal") in m
    # allocation to perils/groups adds up to the annual net (means and tail rows) and gross
    for name, acc in res.components.items():
        total = res.gross if name.endswith("_gross") else res.net
        assert np.isclose(acc.mean().sum(), total.mean(), rtol=1e-9)
        assert np.isclose(acc.co_tvar().sum(), np.sort(total)[-acc.m:].mean(), rtol=1e-9)


def test_same_seed_same_ylt_whatever_chunks_and_workers(tmp_path):
    con, a, _ = _simulate(tmp_path / "a.duckdb", chunk_years=7_000)
    ya = _ylt(con, a)
    con2, b, _ = _simulate(tmp_path / "b.duckdb", chunk_years=100_000, workers=2)
    yb = _ylt(con2, b)
    for k in ya:
        assert np.array_equal(ya[k], yb[k])
    ea = con.execute("SELECT * EXCLUDE (run_id) FROM elt ORDER BY event_id").fetchall()
    eb = con2.execute("SELECT * EXCLUDE (run_id) FROM elt ORDER BY event_id").fetchall()
    assert ea == eb
    cfg = dict(FLEET_CFG, simulation={"years": 25_000, "seed": 43})
    con3, c, _ = _simulate(tmp_path / "c.duckdb", cfg)
    assert not np.array_equal(ya["loss"], _ylt(con3, c)["loss"])


def test_generic_perils_without_fleet(db_path):
    cfg = {"simulation": {"years": 3000, "seed": 1}, "perils": [
        {"type": "compound", "name": "x", "frequency": {"distribution": "poisson", "mean": 0.1},
         "severity": {"distribution": "empirical", "values": [1e6, 5e6],
                      "probabilities": [0.7, 0.3]}}]}
    con, rid, res = _simulate(db_path, cfg)
    assert con.execute("SELECT count(*), count(*) FILTER (WHERE loss = 0) FROM ylt").fetchone()[1] > 2000
    vals = {v for (v,) in con.execute("SELECT DISTINCT loss FROM elt").fetchall()}
    assert vals == {1e6, 5e6}


KILL_SCRIPT = textwrap.dedent("""
    import sys
    from riskengine.config import parse_portfolio
    from riskengine.losses import write_simulation
    from riskengine.store import connect, run
    p = parse_portfolio({"simulation": {"years": 5_000_000, "seed": 1}, "perils": [
        {"type": "compound", "name": "c", "frequency": {"distribution": "poisson", "mean": 3},
         "severity": {"distribution": "lognormal", "mu": 10, "sigma": 1}}]})
    con = connect(sys.argv[1])
    def progress(done, total):
        if done >= 200_000:
            print("writing", flush=True)
    with run(con, "simulate", seed=1, years=5_000_000) as r:
        write_simulation(p, r, chunk_years=20_000, progress=progress)
""")


def test_sigkill_mid_write_leaves_nothing(db_path):
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db_path)],
                            stdout=subprocess.PIPE, cwd=REPO, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        time.sleep(0.3)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    con = connect(db_path)
    assert con.execute("SELECT count(*) FROM complete_runs").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM ylt JOIN complete_runs USING (run_id)").fetchone()[0] == 0
    con.close()
    con, rid, _ = _simulate(db_path, {"simulation": {"years": 1000, "seed": 2},
                                      "perils": FLEET_CFG["perils"][-1:]})
    assert con.execute("SELECT count(*) FROM ylt JOIN complete_runs USING (run_id)").fetchone()[0] == 1000


def test_cli_simulate_and_price(tmp_path):
    from riskengine.cli import cli as main

    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    r = runner.invoke(main, ["simulate", str(REPO / "portfolios/generic.toml"), "--db", db,
                             "--years", "3000", "--seed", "5"])
    assert r.exit_code == 0, r.output
    assert "expected loss (AAL)" in r.output
    r = runner.invoke(main, ["price", str(REPO / "portfolios/quick.toml"), "--db", db,
                             "--years", "3000"])
    assert r.exit_code == 0, r.output
    assert "technical premium" in r.output and "By peril" in r.output
    con = connect(db)
    kinds = dict(con.execute("SELECT kind, years FROM complete_runs").fetchall())
    assert kinds == {"simulate": 3000, "price": 3000}
    prem = con.execute("SELECT value FROM metrics m JOIN runs USING (run_id) "
                       "WHERE kind='price' AND metric='premium'").fetchone()[0]
    alloc = con.execute("SELECT dimension, sum(premium) FROM allocations JOIN runs USING (run_id) "
                        "WHERE kind = 'price' GROUP BY 1").fetchall()
    for _, total in alloc:
        assert np.isclose(total, prem, rtol=1e-9)


def test_cli_errors_teach(tmp_path):
    from riskengine.cli import cli

    db = str(tmp_path / "x.duckdb")
    cfg = tmp_path / "empty.toml"
    cfg.write_text("perils = []\n[simulation]\nyears = 10\n")
    r = CliRunner().invoke(cli, ["simulate", str(cfg), "--db", db])
    assert r.exit_code != 0 and "[[perils]]" in str(r.exception)
    # no [[perils]]: the default physical set, which needs a hazards run
    cfg.write_text("[simulation]\nyears = 10\n[[fleet]]\nname = 'a'\naltitude_km = 550\n"
                   "inclination_deg = 53\nplanes = 2\nper_plane = 2\nsum_insured = 1e6\n")
    r = CliRunner().invoke(cli, ["simulate", str(cfg), "--db", db])
    assert r.exit_code != 0 and "riskengine hazards" in str(r.exception)


def test_physical_perils_from_a_hazards_run(db_path):
    """How the hazards stage feeds the engine: rows of one hazards run, picked by peril."""
    from riskengine.stages import Options, build_hazard_set

    cfg = {"name": "hz", "simulation": {"years": 20_000, "seed": 3},
           "fleet": [{"name": "a", "altitude_km": 550, "inclination_deg": 53, "planes": 5,
                      "per_plane": 10, "sum_insured": 1e7}],
           "perils": [{"type": "collision"},
                      {"type": "compound", "name": "misc",
                       "frequency": {"distribution": "poisson", "mean": 0.1},
                       "severity": {"distribution": "exponential", "mean": 1e6}}]}
    p = parse_portfolio(cfg)
    con = connect(db_path)
    with run(con, "hazards", portfolio="hz") as r:
        r.write("hazards", {"fleet_group": np.array(["a", "a", "a"], object),
                            "satellite_id": np.array([None, None, None], object),
                            "peril": np.array(["collision", "collision", "radiation"], object),
                            "scope": np.array(["satellite"] * 3, object),
                            "annual_rate": np.array([0.001, 0.003, 0.5]),
                            "hit_probability": np.ones(3),
                            "severity": np.array(["total"] * 3, object),
                            "draw": np.array([0, 1, 0])})
    hs, inputs, _ = build_hazard_set(con, p, Options(hazards_run=r.run_id))
    assert inputs["hazards_run_id"] == r.run_id
    assert hs.perils == ["misc", "collision"] and hs.n_draws == 2
    with run(con, "simulate", seed=3, years=20_000) as rr:
        res = write_simulation(p, rr, hs)
    lam = 50 * np.mean([0.001, 0.003])  # mean collisions per year (draw mixture)
    acc = res.components["peril"]
    assert acc.names[1] == "collision"
    assert abs(acc.mean()[1] / 1e7 - lam) < 4.5 * acc.se()[1] / 1e7 + 1e-3


def test_cli_runs_compare(tmp_path):
    from riskengine.cli import cli

    db = str(tmp_path / "cmp.duckdb")
    runner = CliRunner()
    ids = []
    for seed in ("1", "2"):
        r = runner.invoke(cli, ["simulate", str(REPO / "portfolios/generic.toml"), "--db", db,
                                "--years", "2000", "--seed", seed])
        assert r.exit_code == 0, r.output
        import re

        ids.append(re.findall(r"run (\S+) written to", r.output)[-1])
    r = runner.invoke(cli, ["runs", "compare", *ids, "--db", db])
    assert r.exit_code == 0, r.output
    assert "var_0.995" in r.output and "AEP" in r.output
    r = runner.invoke(cli, ["runs", "compare", "nope", "--db", db])
    assert r.exit_code != 0 and "runs list" in r.output


def test_elt_min_loss_sums_small_occurrences(tmp_path):
    """``elt_min_loss`` shortens the ELT only: per year and peril, the compacted rows carry
    the same loss, ground-up loss and occurrence count; the YLT is identical."""
    import copy

    cfg = copy.deepcopy(FLEET_CFG)
    cfg["simulation"]["years"] = 3000
    con, full, _ = _simulate(str(tmp_path / "a.duckdb"), cfg)
    cfg["simulation"]["elt_min_loss"] = 4e7
    con2, small, _ = _simulate(str(tmp_path / "b.duckdb"), cfg)
    q = ("SELECT year, peril, sum(loss), sum(ground_up_loss), sum(coalesce(occurrences, 1)), "
         "count(*) FROM elt WHERE run_id = ? GROUP BY ALL ORDER BY year, peril")
    a, b = con.execute(q, [full]).fetchall(), con2.execute(q, [small]).fetchall()
    assert [r[:2] for r in a] == [r[:2] for r in b]
    np.testing.assert_allclose([r[2:5] for r in a], [r[2:5] for r in b], rtol=1e-12)
    assert sum(r[5] for r in b) < 0.5 * sum(r[5] for r in a)
    n_big = con2.execute("SELECT count(*) FROM elt WHERE run_id = ? AND occurrences = 1 "
                         "AND ground_up_loss >= 4e7", [small]).fetchall()[0][0]
    n_big_full = con.execute("SELECT count(*) FROM elt WHERE run_id = ? AND ground_up_loss >= 4e7",
                             [full]).fetchall()[0][0]
    assert n_big == n_big_full > 0
    np.testing.assert_array_equal(_ylt(con, full)["loss"], _ylt(con2, small)["loss"])
    ev = dict(con.execute("SELECT peril, events FROM aal_by_peril WHERE run_id = ?", [full]).fetchall())
    ev2 = dict(con2.execute("SELECT peril, events FROM aal_by_peril WHERE run_id = ?", [small]).fetchall())
    assert ev == ev2
