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


def test_content_hash_ignores_what_the_sampler_ignores():
    """PyMC's NUTS has no low-rank mass matrix: switching it on or off refits nothing there;
    under nutpie it is a different fit."""
    from dataclasses import replace

    ev = load_evidence()
    pymc, nut = bayes.FitSettings(sampler="pymc"), bayes.FitSettings(sampler="nutpie")
    assert bayes.content_hash(ev, pymc) == \
        bayes.content_hash(ev, replace(pymc, low_rank_mass_matrix=False))
    assert bayes.content_hash(ev, nut) != \
        bayes.content_hash(ev, replace(nut, low_rank_mass_matrix=False))


def test_posterior_round_trip(fitted):
    post = fitted.post
    assert post.run_id == fitted.res["run_id"]
    assert set(post.coords("bus", "log_h1")) == {"conventional", "starlink", "oneweb",
                                                 "orbcomm_og2", "iridium_next"}
    assert post.evidence_families["accelerator"] == ["gpu", "k20x"]
    assert [s["subsystem"] for s in post.subsystems][:2] == ["power", "attitude_control"]
    assert post.get("radiation", "mu_f0").shape == (SMALL.chains * SMALL.draws,)
    assert post.coords("radiation", "mu_f") == ["memory", "soc", "tpu"]
    assert post.evidence_families["radiation"] == ["memory", "tpu", "soc"]
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


def test_failure_dose_by_device_family(fitted):
    """The HBM onset of the Suncatcher test (1.5-2.5 krad) pins the memory family's median;
    the right-censored tpu and soc records put theirs above; a family without records (gpu)
    draws from the hyperprior: wider than any fitted family."""
    post = fitted.post
    med = {f: np.median(np.exp(post.get("radiation", "mu_f", f)))
           for f in post.coords("radiation", "mu_f")}
    assert 1.2e3 < med["memory"] < 4e3
    assert med["soc"] > 10e3 and med["tpu"] > med["memory"]
    mu_new, s = bayes.failure_dose_draws(post, "gpu", rng=np.random.default_rng(0))
    mu_mem, _ = bayes.failure_dose_draws(post, "memory")
    assert mu_new.std() > mu_mem.std() and s.shape == mu_new.shape


def test_fleet_hazard_draws_contract(fitted):
    groups = [_group(), _group(name="new", bus_family="unseen-bus", accelerator_family="tpu"),
              _group(name="old", launch_date=dt.date(2020, 1, 1)),
              _group(name="thick", shielding_mm_al=10.0),
              _group(name="nocompute", accelerators=0)]
    doses = {"g": 900.0, "new": 900.0, "old": 900.0, "thick": 150.0, "nocompute": 900.0}
    hz = bayes.fleet_hazard_draws(fitted.post, groups, n_draws=200, rng=1,
                                  as_of=dt.date(2026, 1, 1), doses=doses)
    assert set(hz) == {"hardware", "accelerator", "radiation", "accelerator_ground_rate",
                       "age", "log_phi", "radiation_mu", "radiation_sigma"}
    for k in ("hardware", "accelerator", "radiation"):
        v = hz[k]
        assert v.shape == (200, 5) and np.all((v >= 0) & (v <= 1))
    assert hz["log_phi"].shape == (200,)
    np.testing.assert_allclose(hz["accelerator"][:, 0], -np.expm1(
        -hz["accelerator_ground_rate"][:, 0] * np.exp(hz["log_phi"])))
    assert hz["age"][0, 2] == pytest.approx(6.0, abs=0.01)
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
    np.testing.assert_array_equal(again["radiation_mu"], hz["radiation_mu"])
    assert again["radiation"].max() == 0          # no dose given: no radiation probability
    # the radiation probability is the lognormal conditional failure at the given dose
    from riskengine.core.radiation import annual_failure_probability

    np.testing.assert_allclose(hz["radiation"][:, 3], annual_failure_probability(
        0.0, 150.0, hz["radiation_mu"][:, 3], hz["radiation_sigma"][:, 3]))


def test_fleet_hazard_draws_accepts_config_groups(fitted):
    from riskengine.config import FleetGroup

    g = FleetGroup(name="suncatcher", altitude_km=650, inclination_deg=97.9, planes=1,
                   per_plane=81, sum_insured=5e7, accelerators=4, accelerator_family="tpu",
                   shielding_mm_al=10.0)
    hz = bayes.fleet_hazard_draws(fitted.post, [g], doses={"suncatcher": 233.0})
    assert hz["radiation"].shape == (fitted.post.n_draws, 1)
    assert hz["radiation"].max() > 0
    # tid_family names the tested family whose failure dose applies (the TPU's HBM)
    mem = g.model_copy(update={"tid_family": "memory"})
    hz_mem = bayes.fleet_hazard_draws(fitted.post, [mem], doses={"suncatcher": 233.0})
    np.testing.assert_array_equal(hz_mem["radiation_mu"][:, 0],
                                  fitted.post.get("radiation", "mu_f", "memory"))


def test_plots_return_figures(fitted):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    for fig in (bayes.plot_reliability(fitted.post),
                bayes.plot_dose_vs_shielding(evidence=load_evidence()),
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


def test_prior_dominated_parameters_are_detected(fitted):
    """phi has no in-orbit evidence: its posterior is its prior and the fit says so; the
    Llama 3 interruptions and Titan removals do inform the ground rate."""
    con, rid = fitted.con, fitted.res["run_id"]
    k = dict(((m, p, c), v) for m, p, c, v in con.execute(
        "SELECT model, parameter, coord, contraction FROM fit_diagnostics WHERE run_id = ?",
        [rid]).fetchall())
    assert k[("accelerator", "log_phi", "")] < 0.1
    assert k[("accelerator", "log_rate_ground", "gpu")] > 0.5
    assert k[("accelerator", "log_rate_ground", "tpu")] < 0.5    # no TPU record
    assert k[("bus", "log_h1", "conventional")] > 0.5            # Castet & Saleh, weighted
    flags = {c: m for c, m in con.execute(
        "SELECT code, message FROM run_flags WHERE run_id = ?", [rid]).fetchall()}
    assert "prior_dominated" in flags and "log_phi" in flags["prior_dominated"]


def test_batch_model_predicts_later_starlink_batches(fitted):
    """Fitted to the first three Starlink production batches (L1, L2, L3) the batch model's
    90 % predictive interval covers the later ones (L4, Group 4-9); the first batch (the
    v0.9 prototype) is checked against all the others."""
    rows = fitted.con.execute(
        "SELECT check_name, subject, n, observed, q05, q95, p_value, passed FROM fit_checks "
        "WHERE run_id = ? ORDER BY check_name, subject", [fitted.res["run_id"]]).fetchall()
    later = [r for r in rows if r[0] == "predicts_later_batch"]
    assert {r[1] for r in later} == {"starlink-l4", "starlink-g4-9"}
    assert all(r[7] for r in later), later
    first = [r for r in rows if r[0] == "first_batch_outlier"]
    assert [r[1] for r in first] == ["starlink-v0.9"]
    # v0.9: 3 of 60 in the first month; the other batches predict 0-4 (p ~ 0.1): the
    # first-year record does not single the prototype out
    assert 0.02 < first[0][6] < 0.5


def test_a_tid_family_without_tests_flags_the_price_and_a_tested_one_does_not(fitted):
    """Accelerators whose device family has no TID test of its own are priced from the
    hyperprior: ``outside_tid_evidence``; naming the tested family that fails first (HBM:
    ``tid_family = 'memory'``) removes the flag."""
    from riskengine.config import parse_portfolio
    from riskengine.stages import evidence_flags

    def flags(**group):
        p = parse_portfolio({"fleet": [dict(name="g", altitude_km=650, inclination_deg=98,
                                            planes=1, per_plane=4, sum_insured=1e7,
                                            accelerators=8, **group)],
                             "perils": [{"type": "radiation"}]}, "tid.toml")
        li = SimpleNamespace(posterior=fitted.post, inputs={"fit_run_id": fitted.res["run_id"]})
        return {code: msg for code, msg, _ in evidence_flags(fitted.con, p, li)}

    untested = flags(accelerator_family="gpu")
    assert "'gpu'" in untested["outside_tid_evidence"]
    assert "memory" in untested["outside_tid_evidence"]      # it names the tested families
    assert "outside_tid_evidence" not in flags(accelerator_family="gpu", tid_family="memory")


def test_sampling_in_a_process_of_its_own_gives_the_same_draws():
    """`riskengine price` samples the fit in a process of its own beside the hazards stage
    (riskengine.executor.Background): the same draws to the bit as in this process."""
    from riskengine.executor import Background

    tiny = bayes.FitSettings(draws=100, tune=100, chains=2)
    here = bayes.sample_fit(tiny, models=("launch",))
    with Background(bayes.sample_fit, tiny, None, None, ("launch",)) as job:
        there = job.result()
    assert here[0] == there[0] and there[2] is None      # content hash; no batch checks
    a, b = here[1]["launch"][0].posterior, there[1]["launch"][0].posterior
    assert set(a.data_vars) == set(b.data_vars)
    for k in a.data_vars:
        assert np.array_equal(a[k].values, b[k].values), k


def test_a_sampled_fit_of_other_settings_is_not_stored(tmp_path):
    """bayes.fit(sampled=) stores what was sampled elsewhere only when it is of the same
    evidence and settings (content hash); otherwise it samples itself."""
    other = (bayes.content_hash(load_evidence(), SMALL), {}, None)   # another hash below
    con = connect(str(tmp_path / "f.duckdb"))
    tiny = bayes.FitSettings(draws=50, tune=50, chains=1)
    assert other[0] != bayes.content_hash(load_evidence(), tiny)
    with pytest.MonkeyPatch.context() as mp:
        called = []
        real = bayes.fit_models
        mp.setattr(bayes, "fit_models", lambda *a, **k: called.append(1) or real(
            *a, **{**k, "models": ("launch",)}))
        res = bayes.fit(con, settings=tiny, fits_dir=tmp_path / "fits", sampled=other)
    assert called and not res["reused"]
    assert con.execute("SELECT count(*) FROM fits WHERE run_id = ?",
                       [res["run_id"]]).fetchone()[0] == 1
    con.close()
