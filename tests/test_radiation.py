"""Radiation damage: the lognormal dose to failure, a year's conditional failure, the TID
evidence by device family and the hierarchical PyMC model (the dose itself is physics:
tests/test_dose.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskengine import models
from riskengine.core import radiation as rad
from riskengine.evidence import EvidenceError, evidence_dir, load_evidence, read_beam_tests


def test_conditional_failure_matches_the_lognormal_cdf():
    """P(fail in (D0, D0 + D] | survived D0) = (F(D0 + D) - F(D0)) / (1 - F(D0)), also deep
    in both tails where the naive difference loses every digit."""
    mu, s = np.log(2000.0), 0.4
    F = stats.lognorm(s, scale=2000.0)
    for d0, d in ((0.0, 150.0), (300.0, 150.0), (2000.0, 500.0), (8000.0, 100.0)):
        exact = (F.cdf(d0 + d) - F.cdf(d0)) / F.sf(d0)
        assert rad.conditional_failure_probability(d0, d, mu, s) == pytest.approx(exact,
                                                                                 rel=1e-9)
    # far tails: tiny probabilities keep their digits (log-space survival functions)
    tiny = rad.conditional_failure_probability(10.0, 10.0, mu, s)
    assert tiny == pytest.approx(F.cdf(20.0), rel=1e-6) and 0 < tiny < 1e-25
    assert rad.conditional_failure_probability(60_000.0, 10_000.0, mu, s) == pytest.approx(
        1 - F.sf(70_000.0) / F.sf(60_000.0) if F.sf(60_000.0) > 0 else 1.0, abs=1e-6)
    # broadcasting: per-draw parameters against per-year doses
    p = rad.conditional_failure_probability(100.0, np.array([[10.0], [1e3]]),
                                            np.log([2e3, 3e3, 4e3]), np.full(3, 0.3))
    assert p.shape == (2, 3) and np.all(p[1] > p[0])


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


def test_shipped_tid_records_in_rad_by_family():
    """tid_devices.csv: the Suncatcher HBM onset (memory, interval 1.5-2.5 krad), the TPU
    v6e chip without hard failure to 15 krad (tpu, right-censored) and the Raspberry Pi Zero
    W to ~50 krad (soc, right-censored) — read by load_evidence, part of the fit's hash."""
    rows = read_beam_tests(evidence_dir() / "tid_devices.csv")
    by = {r["family"]: r for r in rows}
    assert (by["memory"]["mode"], by["memory"]["dose_low"], by["memory"]["dose_high"]) == (
        "functional", 1500.0, 2500.0)
    assert by["tpu"]["mode"] == "hard" and by["tpu"]["dose_low"] == 15_000.0
    assert np.isinf(by["tpu"]["dose_high"])
    assert by["soc"]["dose_low"] == pytest.approx(50_000.0) and np.isinf(by["soc"]["dose_high"])
    ev = load_evidence()
    assert ev.beam.families == ["memory", "tpu", "soc"]
    assert "tid_devices.csv" in [f.name for f in ev.files]
    assert not {"beam_tests.csv", "dose_depth.csv"} & {f.name for f in ev.files}


def test_tid_records_change_the_fit_hash(tmp_path):
    import shutil

    from riskengine.bayes import FitSettings, content_hash

    d = tmp_path / "ev"
    shutil.copytree(evidence_dir(), d)
    base = content_hash(load_evidence(directory=d), FitSettings())
    with (d / "tid_devices.csv").open("a") as fh:
        fh.write("x,src,meas,u9,gpu,functional,5,10,krad,failed,\n")
    ev = load_evidence(directory=d)
    assert ev.beam.families == ["memory", "tpu", "soc", "gpu"]
    assert content_hash(ev, FitSettings()) != base


def test_user_beam_tests_in_gray(tmp_path):
    p = tmp_path / "beam.csv"
    p.write_text("unit_id,family,mode,dose_low,dose_high,dose_unit,outcome\n"
                 "u1,gpu,functional,10,20,Gy,failed\n")
    r = read_beam_tests(p)[0]
    assert (r["dose_low"], r["dose_high"]) == (1000.0, 2000.0)
    ev = load_evidence(beam_tests=[p])
    assert ev.beam.dose_low.size == 4 and ev.beam.families[-1] == "gpu"


@pytest.mark.parametrize("row, reason", [
    ("u1,gpu,functional,10,20,sieverts,failed", "row 2: unknown dose_unit 'sieverts'"),
    ("u1,gpu,functional,20,10,krad,failed", "row 2: dose_high 10000 rad is not above"),
    ("u1,gpu,functional,-1,10,krad,failed", "row 2: column 'dose_low' = -1 is negative"),
    ("u1,gpu,melted,1,10,krad,failed", "row 2: unknown mode 'melted'"),
    ("u1,,functional,1,10,krad,failed", "row 2: column 'family' is empty"),
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
    import warnings

    with models.build_radiation_model(ev.beam), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # the potential is the likelihood
        prior = pm.sample_prior_predictive(draws=2000, random_seed=2)
    med = prior.prior["median_functional_rad"].values.reshape(-1, len(ev.beam.families))
    # hyper-median 10 krad; one family's prior median spans ~0.5 krad .. 200 krad (90 %)
    assert 5e3 < np.median(med) < 2e4
    assert np.quantile(med, 0.05) < 1.5e3 and np.quantile(med, 0.95) > 6e4
    assert sorted(prior.prior.data_vars) == [
        "gap", "median_functional_rad", "mu_f", "mu_f0", "sigma", "tau_f", "z_f"]


def test_radiation_model_without_records_is_its_prior():
    from riskengine.evidence import BeamEvidence

    empty = BeamEvidence(np.array([], str), [], np.zeros(0), np.zeros(0))
    m = models.build_radiation_model(empty)
    assert "tid_tests" not in [p.name for p in m.potentials]
