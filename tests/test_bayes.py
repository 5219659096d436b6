"""Fitting orchestration: one small real fit into a temp store, reuse by content hash,
posterior round trip, the loss-engine interface, anchors, plots and the CLI."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest

from riskengine import bayes
from riskengine.evidence import load_evidence
from riskengine.store import connect

SMALL = bayes.FitSettings(draws=300, tune=400, chains=2)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    d = tmp_path_factory.mktemp("fit")
    con = connect(str(d / "fit.duckdb"))
    res = bayes.fit(con, settings=SMALL, fits_dir=d / "fits")
    yield SimpleNamespace(con=con, res=res, dir=d, post=bayes.load_posterior(con))
    con.close()


def _group(**kw):
    base = dict(name="g", altitude_km=550.0, inclination_deg=53.0, shielding_mm_al=3.0,
                accelerators=8, accelerator_family="gpu", bus_family="conventional",
                launch_date=None)
    return SimpleNamespace(**{**base, **kw})


def test_fit_writes_tables_and_netcdf(fitted):
    con, run_id = fitted.con, fitted.res["run_id"]
    assert not fitted.res["reused"]
    n = con.execute("SELECT count(DISTINCT draw) FROM posterior_draws WHERE run_id=?",
                    [run_id]).fetchone()[0]
    assert n == SMALL.chains * SMALL.draws
    models = {r[0] for r in con.execute(
        "SELECT DISTINCT model FROM fit_diagnostics WHERE run_id=?", [run_id]).fetchall()}
    assert models == set(bayes.MODELS)
    paths = [r[0] for r in con.execute("SELECT netcdf_path FROM fits WHERE run_id=?",
                                       [run_id]).fetchall()]
    import arviz as az

    assert len(paths) == len(bayes.MODELS) and all(az.from_netcdf(p).posterior.sizes["draw"] == SMALL.draws
                                   for p in paths)
    # small fit still converges: r_hat within 1.05, no divergences
    worst = con.execute("SELECT max(r_hat), max(divergences) FROM fit_diagnostics "
                        "WHERE run_id=?", [run_id]).fetchone()
    assert worst[0] < 1.05 and worst[1] == 0


def test_fit_is_reused_until_evidence_changes(fitted, tmp_path):
    again = bayes.fit(fitted.con, settings=SMALL, fits_dir=fitted.dir / "fits")
    assert again == {**fitted.res, "reused": True}
    fleet = tmp_path / "fleet.csv"
    fleet.write_text("unit,group,start,end,status,failure_mode\n"
                     "s1,conventional,2020-01-01,2024-01-01,censored,\n")
    ev = load_evidence(fleet_experience=[fleet])
    assert bayes.content_hash(ev, SMALL) != fitted.res["content_hash"]
    assert bayes.content_hash(load_evidence(), bayes.FitSettings()) != \
        fitted.res["content_hash"]


def test_posterior_round_trip(fitted):
    post = fitted.post
    assert post.run_id == fitted.res["run_id"]
    assert set(post.coords("bus", "log_h1")) == {"conventional", "starlink"}
    assert post.get("radiation", "mu_f").shape == (SMALL.chains * SMALL.draws,)
    with pytest.raises(KeyError, match="parameters of 'bus'"):
        post.get("bus", "nope")


def test_anchor_reliability_at_one_year(fitted):
    a = bayes.anchors(fitted.post)
    # Castet & Saleh 2009: R(1 yr) ≈ 0.97 for a conventional bus
    assert a["r1_conventional"]["mean"] == pytest.approx(0.97, abs=0.01)
    # beam evidence: functional failure onset ~2 krad, i.e. above the 750 rad 5-yr dose;
    # the 5-yr probability is small but honestly uncertain (single-chip test)
    assert a["p5_suncatcher"]["mean"] < 0.1
    assert a["p5_hard_suncatcher"]["mean"] < a["p5_suncatcher"]["mean"]


def test_dose_posterior_matches_spenvis(fitted):
    ev = load_evidence()
    d = bayes.dose_rate_draws(fitted.post, np.full(4, 550.0), np.full(4, 53.0),
                              ev.dose_depth.shielding_mm)
    med = np.median(d, axis=0)
    mid = np.sqrt(ev.dose_depth.dose_low * ev.dose_depth.dose_high)
    np.testing.assert_allclose(med, mid, rtol=0.3)  # SPENVIS ranges ± model error


def test_fleet_hazard_draws_contract(fitted):
    groups = [_group(), _group(name="new", bus_family="unseen-bus", accelerator_family="tpu"),
              _group(name="old", launch_date=dt.date(2020, 1, 1)),
              _group(name="thick", shielding_mm_al=10.0),
              _group(name="nocompute", accelerators=0)]
    hz = bayes.fleet_hazard_draws(fitted.post, groups, n_draws=200, rng=1,
                                  as_of=dt.date(2026, 1, 1))
    assert set(hz) == {"hardware", "accelerator", "radiation"}
    for v in hz.values():
        assert v.shape == (200, 5) and np.all((v >= 0) & (v <= 1))
    hw = hz["hardware"].mean(axis=0)
    assert hw[0] == pytest.approx(0.028, abs=0.01)
    assert hw[2] < hw[0]  # infant mortality: a 6-year-old bus is safer this year
    assert hz["radiation"].mean(axis=0)[3] < hz["radiation"].mean(axis=0)[0]
    assert hz["accelerator"][:, 4].max() == 0 and hz["radiation"][:, 4].max() == 0
    # unseen families draw from the hyperprior: wider spread than the fitted family
    assert hz["hardware"][:, 1].std() > hz["hardware"][:, 0].std()
    # reproducible for the same rng seed
    again = bayes.fleet_hazard_draws(fitted.post, groups, n_draws=200, rng=1,
                                     as_of=dt.date(2026, 1, 1))
    np.testing.assert_array_equal(again["hardware"], hz["hardware"])


def test_fleet_hazard_draws_accepts_config_groups(fitted):
    from riskengine.config import FleetGroup

    g = FleetGroup(name="suncatcher", altitude_km=650, inclination_deg=97.9, planes=1,
                   per_plane=81, sum_insured=5e7, accelerators=4, accelerator_family="tpu",
                   shielding_mm_al=10.0)
    hz = bayes.fleet_hazard_draws(fitted.post, [g])
    assert hz["radiation"].shape == (fitted.post.n_draws, 1)
    e = SimpleNamespace(**{**vars(_group()), "name": "tle", "altitude_km": None})
    with pytest.raises(ValueError, match="'tle'.*orbits="):
        bayes.fleet_hazard_draws(fitted.post, [e])
    assert bayes.fleet_hazard_draws(fitted.post, [e], orbits={"tle": (550, 53)})[
        "radiation"].shape == (fitted.post.n_draws, 1)


def test_plots_return_figures(fitted):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    for fig in (bayes.plot_reliability(fitted.post),
                bayes.plot_dose_vs_shielding(fitted.post, evidence=load_evidence()),
                bayes.plot_failure_vs_age(fitted.post)):
        assert isinstance(fig, Figure) and fig.axes[0].lines


def test_load_posterior_without_fit_explains(db_path):
    con = connect(db_path)
    with pytest.raises(LookupError, match="riskengine fit"):
        bayes.load_posterior(con)


def test_cli_fit_refuses_bad_evidence(tmp_path):
    from click.testing import CliRunner

    from riskengine.cli import cli

    bad = tmp_path / "fleet.csv"
    bad.write_text("unit,group,start,end,status,failure_mode\n"
                   "s1,acme,2021-01-01,2020-01-01,failed,power\n")
    r = CliRunner().invoke(cli, ["fit", "--db", str(tmp_path / "x.duckdb"),
                                 "--fleet-experience", str(bad)])
    assert r.exit_code != 0
    assert str(bad) in r.output and "row 2" in r.output and "before start" in r.output


def test_cli_fit_reuses_stored_fit(fitted):
    from click.testing import CliRunner

    from riskengine.cli import cli

    db = fitted.con.execute("PRAGMA database_list").fetchall()[0][2]
    fitted.con.execute("CHECKPOINT")
    r = CliRunner().invoke(cli, ["fit", "--db", db, "--draws", "300", "--tune", "400",
                                 "--chains", "2"])
    assert r.exit_code == 0, r.output
    assert "reused" in r.output and "r1_conventional" in r.output


@pytest.mark.slow
def test_full_fit_meets_convergence_criteria(tmp_path):
    con = connect(str(tmp_path / "full.duckdb"))
    res = bayes.fit(con, fits_dir=tmp_path / "fits")
    worst = con.execute("""SELECT max(r_hat), min(ess_bulk), max(divergences),
                                  max(compile_seconds + sampling_seconds)
                           FROM fit_diagnostics WHERE run_id = ?""", [res["run_id"]]).fetchone()
    assert worst[0] <= 1.01 and worst[1] >= 400 and worst[2] == 0 and worst[3] <= 120


@pytest.mark.slow
def test_parameter_recovery_radiation():
    cov = bayes.recovery_study(5, seed=11, models=("radiation",))
    for key, hits in cov.items():
        assert sum(hits) >= 3, (key, hits)
