"""Bus and accelerator reliability: numeric core against Castet & Saleh 2009, evidence
validation (file, row, reason), prior predictive checks, and (slow) parameter recovery."""

from __future__ import annotations

import numpy as np
import pytest

from riskengine import models

from riskengine.core import reliability as rel
from riskengine.evidence import (EvidenceError, evidence_dir, load_evidence,
                                 read_accelerator_faults, read_bus_batches,
                                 read_fault_permanence, read_fleet_experience,
                                 read_serial_defects, read_subsystems)

# Castet & Saleh 2009, Reliab. Eng. Syst. Saf. 94: Weibull shape 0.4521, scale 2607 yr
CS_SHAPE, CS_SCALE = 0.4521, 2607.0


def test_weibull_matches_castet_saleh_anchor():
    h1 = rel.h1_from_scale(CS_SCALE, CS_SHAPE)
    # published: R(1 yr) ≈ 0.97 (direct evaluation of their fit: 0.9719)
    assert rel.weibull_survival(1.0, h1, CS_SHAPE) == pytest.approx(0.9719, abs=2e-4)
    # same curve as exp(-(t/scale)^shape) at several ages
    t = np.array([0.1, 1.0, 5.0, 15.0])
    np.testing.assert_allclose(rel.weibull_survival(t, h1, CS_SHAPE),
                               np.exp(-(t / CS_SCALE) ** CS_SHAPE), rtol=1e-12)


def test_conditional_probability_chains_to_survival():
    h1, k = 0.03, 0.5
    p = rel.conditional_failure_probability(np.arange(5.0), h1, k)
    # product of yearly survivals = R(5)
    assert np.prod(1 - p) == pytest.approx(rel.weibull_survival(5.0, h1, k), rel=1e-12)
    assert np.all(np.diff(p) < 0)  # infant mortality: decreasing hazard for k < 1


def test_capacity_loss_is_one_minus_exp():
    assert rel.capacity_loss_fraction(0.1, 2.0) == pytest.approx(1 - np.exp(-0.2))


def test_simulated_units_match_weibull_cdf():
    rng = np.random.default_rng(42)
    n = 200_000
    t, failed = rel.simulate_bus_units(rng, n, 0.03, 0.5, 4.0)
    p = 1 - rel.weibull_survival(4.0, 0.03, 0.5)
    assert failed.mean() == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n))
    assert np.all(t[~failed] == 4.0)


# --------------------------------------------------------------------------- evidence
def test_shipped_evidence_has_source_and_measure():
    rows = read_bus_batches(evidence_dir() / "bus_batches.csv")
    assert {r["family"] for r in rows if r["role"] == "fit"} == {
        "starlink", "oneweb", "orbcomm_og2", "iridium_next"}
    assert all(r["source"] for r in rows)
    # GCAT tally: early v1.0 Starlink (L1-L4) lost 4 of 234 in their first year
    early = [r for r in rows if r["record_id"] in ("starlink-l1", "starlink-l2",
                                                   "starlink-l3", "starlink-l4")]
    assert sum(r["failed_first_year"] for r in early) == 4
    assert sum(r["launched"] for r in early) == 234
    # the storm batch is not bus reliability
    assert [r["role"] for r in rows if r["record_id"] == "starlink-g4-7"] == ["storm"]
    acc = read_accelerator_faults(evidence_dir() / "accelerator_faults.csv")
    llama = [a for a in acc if a["record_id"] == "llama3-h100-gpu"][0]
    # Meta Llama 3: 268 GPU-attributed interruptions in 16,384 GPUs x 54 days
    assert llama["kind"] == "interruption"
    assert llama["faults"] / llama["device_years"] == pytest.approx(0.1106, abs=1e-3)
    titan = [a for a in acc if a["record_id"] == "titan-k20x-healthy"][0]
    assert titan["kind"] == "permanent" and titan["faults"] / titan["device_years"] == \
        pytest.approx(0.0025, abs=1e-4)   # Ostrouchov et al. SC20: 62 in 25,144 GPU-yr
    ev = load_evidence()
    split = read_fault_permanence(evidence_dir() / "fault_permanence.csv",
                                  ev.assumptions["evidence_weights"])
    assert split[0]["weight"] == 0.2   # a named power-prior weight, not a hidden constant
    subs = read_subsystems(evidence_dir() / "subsystems.csv")
    assert sum(r["share"] for r in subs) == pytest.approx(1.0)
    assert {r["subsystem"] for r in subs if r["status"] == "published"} == {
        "power", "attitude_control", "payload"}
    defects = read_serial_defects(evidence_dir() / "serial_defects.csv")
    assert all(r["source"] for r in defects)


def test_accelerator_faults_older_form_counts_permanent(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("family,environment,device_years,faults\ngpu,orbit,10,1\n")
    row = read_accelerator_faults(p)[0]
    assert row["kind"] == "permanent" and row["faults"] == 1 and row["weight"] == 1.0


def test_borrowed_weibull_information_exact_for_exponential():
    # k = 1: information on log H1 = P(failure seen before a uniform censoring time)
    h1, T = 0.2, 7.0
    info = rel.weibull_information(h1, 1.0, T)
    assert info[0, 0] == pytest.approx(1 - (1 - np.exp(-h1 * T)) / (h1 * T), rel=1e-9)
    # and on log k: E[(1 + log t)^2] over the observed failures (numerical, scipy)
    from scipy import integrate
    val = integrate.quad(lambda t: (1 + np.log(t)) ** 2 * h1 * np.exp(-h1 * t) * (1 - t / T),
                         0, T, limit=200)[0]
    assert info[1, 1] == pytest.approx(val, rel=1e-6)


def test_borrowed_prior_width_follows_effective_sample_size():
    m1, c1 = rel.borrowed_weibull_prior(CS_SHAPE, CS_SCALE, 400, 18.8)
    m2, c2 = rel.borrowed_weibull_prior(CS_SHAPE, CS_SCALE, 1600, 18.8)
    np.testing.assert_allclose(m1, m2)
    np.testing.assert_allclose(c1, 4 * c2)   # 4x the satellites: a quarter of the variance
    # the mean is the published fit: R(1 yr) = 0.9719
    assert np.exp(-np.exp(m1[0])) == pytest.approx(0.9719, abs=1e-4)


def test_borrowed_prior_matches_simulated_mle_spread():
    """The Fisher information is the inverse variance of the maximum-likelihood estimate:
    fit the Weibull to simulated follow-ups of 400 satellites many times."""
    from scipy import optimize
    rng = np.random.default_rng(3)
    h1, k, T, n = 0.03, 0.45, 18.8, 400
    est = []
    for _ in range(150):
        t, d = rel.simulate_bus_units(rng, n, h1, k, rng.uniform(0, T, n))

        def nll(x):
            hh, kk = np.exp(x)
            return -(np.sum(d * (np.log(hh) + np.log(kk) + (kk - 1) * np.log(t)))
                     - np.sum(hh * t ** kk))
        est.append(optimize.minimize(nll, [np.log(h1), np.log(k)], method="Nelder-Mead").x)
    sd = np.std(est, axis=0)
    cov = np.linalg.inv(n * rel.weibull_information(h1, k, T))
    np.testing.assert_allclose(sd, np.sqrt(np.diag(cov)), rtol=0.2)


def _write(tmp_path, text, name="fleet.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


HEADER = "unit,group,start,end,status,failure_mode\n"


def test_fleet_experience_accepted(tmp_path):
    p = _write(tmp_path, HEADER + "s1,acme,2020-01-01,2023-01-01,censored,\n"
                                  "s2,acme,2020-01-01,2020-07-01,failed,power\n")
    rows = read_fleet_experience(p)
    assert [r["failed"] for r in rows] == [False, True]
    assert rows[0]["time"] == pytest.approx(3.0, abs=0.01)
    ev = load_evidence(fleet_experience=[p])
    assert "acme" in ev.bus.families and ev.bus.unit_time.size == 2


def test_fleet_experience_numeric_with_units(tmp_path):
    p = _write(tmp_path, "unit,group,start,end,status,failure_mode,time_unit\n"
                         "s1,acme,0,730.5,failed,aocs,days\n")
    assert read_fleet_experience(p)[0]["time"] == pytest.approx(2.0)


@pytest.mark.parametrize("text, reason", [
    ("unit,group,start,status,failure_mode\ns1,a,2020-01-01,failed,x\n", "missing column(s) end"),
    (HEADER + "s1,a,2020-01-01,2021-01-01,failed,x\ns2,a,2022-01-01,2021-01-01,censored,\n",
     "row 3: end 2021-01-01 is before start 2022-01-01"),
    ("unit,group,start,end,status,failure_mode,time_unit\ns1,a,0,-5,failed,x,years\n",
     "row 2: column 'end' = -5 is negative"),
    ("unit,group,start,end,status,failure_mode,time_unit\ns1,a,0,5,failed,x,fortnights\n",
     "row 2: unknown time_unit 'fortnights'"),
    (HEADER + "s1,a,2020-01-01,2021-01-01,broken,x\n", "row 2: unknown status 'broken'"),
    (HEADER + "s1,a,01/02/2020,2021-01-01,failed,x\n", "row 2: start = '01/02/2020' is not an ISO"),
])
def test_bad_fleet_files_refused_with_file_row_reason(tmp_path, text, reason):
    p = _write(tmp_path, text)
    with pytest.raises(EvidenceError) as exc:
        read_fleet_experience(p)
    assert str(p) in str(exc.value) and reason in str(exc.value)


def test_bad_batch_row_refused(tmp_path):
    src = (evidence_dir() / "bus_batches.csv").read_text().splitlines()
    bad = src[:2] + [src[2].replace(",60,1,9,6.15,", ",60,61,9,6.15,")]
    p = _write(tmp_path, "\n".join(bad) + "\n", "b.csv")
    with pytest.raises(EvidenceError, match=r"b.csv: row 3: failed_first_year 61 exceeds "
                                            r"launched 60"):
        read_bus_batches(p)
    bad = src[:2] + [src[2].replace(",fit,", ",maybe,")]
    p = _write(tmp_path, "\n".join(bad) + "\n", "b.csv")
    with pytest.raises(EvidenceError, match=r"row 3: unknown role 'maybe'"):
        read_bus_batches(p)


def test_bad_weight_names_the_key(tmp_path):
    p = _write(tmp_path, "record_id,source,family,permanent,recoverable,weight\n"
                         "x,s,gpu,3,4,unknown_weight\n", "w.csv")
    with pytest.raises(EvidenceError, match=r"w.csv: row 2: weight 'unknown_weight' is "
                                            r"neither a number nor a name"):
        read_fault_permanence(p, {"crusoe_h200": 0.2})
    p = _write(tmp_path, "record_id,source,family,permanent,recoverable,weight\n"
                         "x,s,gpu,3,4,1.5\n", "w.csv")
    with pytest.raises(EvidenceError, match=r"must lie in \(0, 1\]"):
        read_fault_permanence(p)


def test_subsystem_shares_must_sum_to_one(tmp_path):
    p = _write(tmp_path, "subsystem,share,status,source\npower,0.5,published,x\n", "s.csv")
    with pytest.raises(EvidenceError, match="sum to 0.5, not 1"):
        read_subsystems(p)


def test_bad_accelerator_environment(tmp_path):
    p = _write(tmp_path, "family,environment,device_years,faults\ngpu,moon,10,1\n", "a.csv")
    with pytest.raises(EvidenceError, match=r"a.csv: row 2: unknown environment 'moon'"):
        read_accelerator_faults(p)


# --------------------------------------------------------------------------- prior predictive
def test_bus_prior_predictive_is_plausible():
    import pymc as pm

    with models.build_bus_model(load_evidence().bus):
        prior = pm.sample_prior_predictive(draws=2000, random_seed=1)
    r1 = prior.prior["r1"].values.ravel()
    # prior centred on ~3 %/yr first-year failures, wide enough for 0.5 %-20 %
    assert 0.95 < np.median(r1) < 0.99
    assert np.quantile(r1, 0.05) < 0.93 and np.quantile(r1, 0.95) > 0.99
    k = prior.prior["shape"].values.ravel()
    assert 0.3 < np.median(k) < 0.7


def test_accelerator_prior_predictive_is_plausible():
    import pymc as pm

    ev = load_evidence()
    with models.build_accelerator_model(ev.accelerator, ev.assumptions):
        prior = pm.sample_prior_predictive(draws=4000, random_seed=1)
    r = prior.prior["rate_ground"].values.ravel()
    # permanent failures per device-year: median ~1 %, spanning 0.25 %-6 % and beyond
    assert 0.003 < np.median(r) < 0.03
    assert np.quantile(r, 0.1) < 0.0025 and np.quantile(r, 0.9) > 0.06
    phi = np.exp(prior.prior["log_phi"].values.ravel())
    # the named assumption: median 2, 90 % interval 0.63-6.3
    assert np.median(phi) == pytest.approx(2.0, rel=0.05)
    assert np.quantile(phi, 0.05) == pytest.approx(0.63, rel=0.1)


def test_batch_prior_predictive_is_plausible():
    import pymc as pm

    ev = load_evidence()
    with models.build_batch_model(ev.batch, ev.assumptions):
        prior = pm.sample_prior_predictive(draws=4000, random_seed=1)
    q = prior.prior["defect_probability"].values.ravel()
    assert np.mean(q) == pytest.approx(0.05, abs=0.005)     # Beta(1, 19)
    p = prior.prior["independent_failure"].values.ravel()
    assert 0.02 < np.mean(p) < 0.04


@pytest.mark.slow
def test_parameter_recovery_bus_and_accelerator():
    from riskengine.bayes import recovery_study

    cov = recovery_study(5, seed=7, models=("bus", "accelerator"))
    for key, hits in cov.items():
        assert sum(hits) >= 3, (key, hits)  # 90 % CI; >= 3/5 (benchmark runs 10)
