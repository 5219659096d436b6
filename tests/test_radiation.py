"""Radiation: dose-depth curve, SPE doses, lognormal dose-to-failure, beam-test files."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskengine import models
from riskengine.core import radiation as rad
from riskengine.evidence import EvidenceError, evidence_dir, load_evidence, read_beam_tests


@pytest.fixture(scope="module")
def assumptions():
    return load_evidence().assumptions


def test_depth_curve_reproduces_its_parameters_and_falls_with_shielding(assumptions):
    # at the reference orbit and thickness the curve is exp(a)
    d = rad.trapped_dose_rate(550.0, 53.0, 3.0, np.log(940.0), -1.6, 0.1, 0.7, assumptions)
    assert float(d) == pytest.approx(940.0)
    t = np.geomspace(0.3, 40, 50)
    d = rad.trapped_dose_rate(550.0, 53.0, t, np.log(940.0), -1.6, 0.3, 0.7, assumptions)
    assert np.all(np.diff(d) <= 1e-9)  # never rises with thickness, even extrapolated


def test_altitude_scaling(assumptions):
    d550 = rad.trapped_dose_rate(550.0, 53.0, 3.0, 6.8, -1.6, 0.0, np.log(2), assumptions)
    d650 = rad.trapped_dose_rate(650.0, 53.0, 3.0, 6.8, -1.6, 0.0, np.log(2), assumptions)
    assert d650 / d550 == pytest.approx(2.0)


def test_per_draw_broadcasting(assumptions):
    a = np.array([6.5, 6.8, 7.0])
    d = rad.trapped_dose_rate(np.array([550.0, 650.0]), np.array([53.0, 98.0]),
                              np.array([3.0, 10.0]), a, np.full(3, -1.6), np.zeros(3),
                              np.full(3, 0.7), assumptions)
    assert d.shape == (3, 2)


def test_spe_mean_matches_simulation(assumptions):
    rng = np.random.default_rng(3)
    sim = rad.simulate_spe_doses(rng, 400_000, 98.0, 3.0, assumptions)
    mean = float(rad.spe_mean_annual_dose(98.0, 3.0, assumptions))
    assert sim.mean() == pytest.approx(mean, rel=0.03)
    assert rad.simulate_spe_doses(rng, 100, 30.0, 3.0, assumptions).sum() == 0.0


def test_lognormal_failure_and_annual_chain():
    mu, s = np.log(2000.0), 0.4
    assert rad.failure_probability(3000.0, mu, s) == pytest.approx(
        stats.lognorm(s, scale=2000.0).cdf(3000.0), rel=1e-10)
    p = rad.annual_failure_probability(np.arange(5.0), 150.0, mu, s)
    assert 1 - np.prod(1 - p) == pytest.approx(
        rad.failure_probability_by_age(5.0, 150.0, mu, s), rel=1e-9)


def test_beam_interval_simulation_brackets_truth():
    rng = np.random.default_rng(0)
    lo, hi = rad.simulate_beam_intervals(rng, 1000, np.log(20_000.0), 0.5, 1000.0, 15_000.0)
    surv = np.isinf(hi)
    assert np.all(lo[surv] == 15_000.0) and np.all(hi[~surv] - lo[~surv] == 1000.0)
    p_surv = 1 - stats.lognorm(0.5, scale=20_000.0).cdf(15_000.0)
    assert surv.mean() == pytest.approx(p_surv, abs=4 * np.sqrt(p_surv * (1 - p_surv) / 1000))


def test_seu_rate_alsat1():
    # Alsat-1: 4.04e-7 upsets/bit/day; 16 GiB HBM stack -> raw upsets/day before ECC
    assert rad.seu_upsets_per_day(16, 4.04e-7) == pytest.approx(16 * 8 * 2**30 * 4.04e-7)


def test_shipped_beam_tests_in_rad():
    rows = read_beam_tests(evidence_dir() / "beam_tests.csv")
    func = [r for r in rows if r["mode"] == "functional"][0]
    hard = [r for r in rows if r["mode"] == "hard"][0]
    assert (func["dose_low"], func["dose_high"]) == (1500.0, 2500.0)
    assert hard["dose_low"] == 15_000.0 and np.isinf(hard["dose_high"])


def test_user_beam_tests_in_gray(tmp_path):
    p = tmp_path / "beam.csv"
    p.write_text("unit_id,family,mode,dose_low,dose_high,dose_unit,outcome\n"
                 "u1,gpu,functional,10,20,Gy,failed\n")
    r = read_beam_tests(p)[0]
    assert (r["dose_low"], r["dose_high"]) == (1000.0, 2000.0)
    ev = load_evidence(beam_tests=[p])
    assert ev.beam.dose_low.size == 3


@pytest.mark.parametrize("row, reason", [
    ("u1,gpu,functional,10,20,sieverts,failed", "row 2: unknown dose_unit 'sieverts'"),
    ("u1,gpu,functional,20,10,krad,failed", "row 2: dose_high 10000 rad is not above"),
    ("u1,gpu,functional,-1,10,krad,failed", "row 2: column 'dose_low' = -1 is negative"),
    ("u1,gpu,melted,1,10,krad,failed", "row 2: unknown mode 'melted'"),
])
def test_bad_beam_files_refused(tmp_path, row, reason):
    p = tmp_path / "beam.csv"
    p.write_text("unit_id,family,mode,dose_low,dose_high,dose_unit,outcome\n" + row + "\n")
    with pytest.raises(EvidenceError) as exc:
        read_beam_tests(p)
    assert str(p) in str(exc.value) and reason in str(exc.value)


def test_missing_column_in_dose_depth(tmp_path):
    from riskengine.evidence import read_dose_depth

    p = tmp_path / "dd.csv"
    p.write_text("source,measures,altitude_km,inclination_deg,dose_low,dose_high,unit\n"
                 "x,y,550,53,1,2,rad/yr\n")
    with pytest.raises(EvidenceError, match=r"dd.csv: row 1 \(header\): missing column\(s\) "
                                            r"shielding_mm_al"):
        read_dose_depth(p)


def test_radiation_prior_predictive_dose_to_failure():
    import pymc as pm

    ev = load_evidence()
    with models.build_radiation_model(ev.dose_depth, ev.beam, ev.assumptions):
        prior = pm.sample_prior_predictive(draws=2000, random_seed=2)
    med = prior.prior["median_functional_rad"].values.ravel()
    # prior median 10 krad, spanning ~1 krad .. 100 krad (90 %)
    assert 5e3 < np.median(med) < 2e4
    assert np.quantile(med, 0.05) < 1.5e3 and np.quantile(med, 0.95) > 6e4
