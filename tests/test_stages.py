"""The stage layer: `riskengine price` and the separate commands give identical tables;
element-set and catalog-id fleets price end to end; a screening feeds only its own
portfolio's price."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from riskengine.store import connect

REPO = Path(__file__).resolve().parent.parent
TABLES = {"ylt": "year, loss, ground_up_loss",
          "elt": "event_id, year, peril, satellites, loss, ground_up_loss, occurrences",
          "ep_curve": "curve, return_period, loss, tvar",
          "metrics": "metric, value, std_error"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One store for the module, so the Bayesian fit is sampled once and then reused."""
    return tmp_path_factory.mktemp("stages") / "s.duckdb"


def _tables(con, run_id):
    return {t: con.execute(f"SELECT {c} FROM {t} WHERE run_id = ? ORDER BY ALL",
                           [run_id]).fetchall() for t, c in TABLES.items()}


def _newest(con, kind):
    return con.execute("SELECT run_id FROM runs WHERE kind = ? AND status = 'complete' "
                       "ORDER BY created_at DESC LIMIT 1", [kind]).fetchall()[0][0]


def test_price_equals_hazards_then_simulate(store, full_3le, cli_run, monkeypatch):
    """portfolios/example.toml (every physical peril, the Bayesian fit, reinsurance) with
    few years: `price` and `hazards` + `simulate` write the same ylt, elt, ep_curve and
    metrics."""
    monkeypatch.setenv("RISKENGINE_FIT_DRAWS", "100")
    env = {"RISKENGINE_CATALOG": full_3le}
    cfg = REPO / "portfolios" / "example.toml"
    # the sensitivity cases are tested in tests/test_sensitivity.py; here they only cost time
    r = cli_run("price", cfg, "--db", store, "--years", 400, "--no-sensitivity", env=env)
    assert r.exit_code == 0, r.stderr
    # the fit sampled in a process of its own while the hazards stage ran, and ended
    assert "sampling beside the hazards stage" in r.output + r.stderr
    assert not multiprocessing.active_children()
    r = cli_run("hazards", cfg, "--db", store, env=env)
    assert r.exit_code == 0, r.stderr
    r = cli_run("simulate", cfg, "--db", store, "--years", 400, "--no-sensitivity", env=env)
    assert r.exit_code == 0, r.stderr
    con = connect(store)
    a, b = _tables(con, _newest(con, "price")), _tables(con, _newest(con, "simulate"))
    assert len(a["ylt"]) == 400 and len(a["elt"]) > 100
    for t in TABLES:
        assert a[t] == b[t], t
    inputs = json.loads(con.execute("SELECT inputs FROM runs WHERE run_id = ?",
                                    [_newest(con, "simulate")]).fetchall()[0][0])
    assert inputs["hazards_run_id"] == _newest(con, "hazards")
    assert inputs["fit_run_id"] and inputs["collision_method"] == {"dc-shell-550": "flux"}
    con.close()


def test_a_failed_hazards_stage_stops_the_fit_sampling_beside_it(tmp_path, cli_run,
                                                                 monkeypatch):
    """The fit samples in a process of its own while the hazards stage runs: when that
    stage fails (here an unreadable catalog), the process is stopped and nothing is
    stored."""
    monkeypatch.setenv("RISKENGINE_FIT_DRAWS", "100")
    bad = tmp_path / "bad.tle"
    bad.write_text("this is not a catalog\n")
    db = tmp_path / "s.duckdb"
    r = cli_run("price", REPO / "portfolios" / "example.toml", "--db", db, "--years", 10,
                "--no-sensitivity", env={"RISKENGINE_CATALOG": bad})
    assert r.exit_code != 0 and "bad.tle" in r.stderr
    assert not multiprocessing.active_children()
    con = connect(db)
    assert con.execute("SELECT count(*) FROM runs WHERE kind = 'fit'").fetchone()[0] == 0
    con.close()


def _elements_file(src: Path, out: Path, n: int) -> Path:
    lines = src.read_text().splitlines()
    out.write_text("\n".join(lines[:3 * n]) + "\n")
    return out


def test_elements_and_norad_fleets_price_end_to_end(store, full_3le, catalogs, tmp_path,
                                                    cli_run, monkeypatch):
    """A fleet given by an element file (TLE) and one given by catalog ids, with flux,
    storm, hardware and radiation perils, priced from the CLI."""
    monkeypatch.setenv("RISKENGINE_FIT_DRAWS", "100")
    own = _elements_file(catalogs / "groups" / "celestrak_oneweb_2026-05-30.tle",
                         tmp_path / "my_fleet.tle", 12)
    cfg = tmp_path / "own.toml"
    cfg.write_text(f"""name = "own-fleet"
[simulation]
years = 300
seed = 4
inception = 2026-06-01
[[fleet]]
name = "oneweb-like"
elements = "{own.name}"
sum_insured = 30_000_000
accelerators = 8
[[fleet]]
name = "by-id"
norad_ids = [25544, 48274]
sum_insured = 100_000_000
[[perils]]
type = "collision"
[[perils]]
type = "space_weather"
[[perils]]
type = "hardware"
[[perils]]
type = "radiation"
""")
    r = cli_run("price", cfg, "--db", store, env={"RISKENGINE_CATALOG": full_3le})
    assert r.exit_code == 0, r.stderr
    con = connect(store)
    rid = _newest(con, "price")
    sats = con.execute("SELECT stats FROM runs WHERE run_id = ?", [rid]).fetchall()[0][0]
    assert json.loads(sats)["satellites"] == 14
    alloc = dict(con.execute("SELECT name, expected_loss FROM allocations WHERE run_id = ? "
                             "AND dimension = 'group'", [rid]).fetchall())
    assert alloc["oneweb-like"] > 0 and alloc["by-id"] > 0
    hz = con.execute("SELECT fleet_group, count(*) FROM hazards WHERE run_id = ? AND "
                     "peril = 'collision' GROUP BY 1", [_newest(con, "hazards")]).fetchall()
    assert dict(hz) == {"oneweb-like": 12, "by-id": 2}   # one flux row per satellite
    con.close()


def test_screening_feeds_only_its_own_portfolio(store, full_3le, tmp_path, monkeypatch):
    """A screening is tied to the fleet and the catalog it used: the hazards stage of the
    same portfolio prices collisions from it, another portfolio never sees it."""
    from riskengine import stages
    from riskengine.config import parse_portfolio

    monkeypatch.setenv("RISKENGINE_CATALOG", str(full_3le))

    def portfolio(name, alt):
        return parse_portfolio({"name": name, "simulation": {"years": 200}, "fleet": [
            {"name": "shell", "altitude_km": alt, "inclination_deg": 53, "planes": 4,
             "per_plane": 5, "sum_insured": 1e7}],
            "perils": [{"type": "collision"}]}, str(tmp_path / f"{name}.toml"))

    a, b = portfolio("a", 550), portfolio("b", 560)
    con = connect(store)
    scr = stages.screen(con, a, days=0.05, threshold_km=20.0)
    ha, hb = stages.hazards(con, a), stages.hazards(con, b)

    def screening_of(run_id):
        return json.loads(con.execute("SELECT inputs FROM runs WHERE run_id = ?",
                                      [run_id]).fetchall()[0][0])["screening_run_id"]

    assert screening_of(ha) == scr and screening_of(hb) is None
    methods = dict(con.execute("SELECT method, count(*) FROM hazards WHERE run_id = ? "
                               "GROUP BY 1", [ha]).fetchall())
    # plus the shell's own derelicts (issue #20), whatever the method
    assert methods == {"flux": 1, "screening": 1, "derelict": 1}
    sim = stages.simulate(con, a)
    inputs = json.loads(con.execute("SELECT inputs FROM runs WHERE run_id = ?",
                                    [sim]).fetchall()[0][0])
    assert inputs["screening_run_id"] == scr and inputs["collision_method"] == {
        "shell": "screening"}
    con.close()
