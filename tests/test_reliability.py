"""Bus and accelerator reliability: numeric core against Castet & Saleh 2009, evidence
validation (file, row, reason), prior predictive checks, and (slow) parameter recovery."""

from __future__ import annotations

import numpy as np
import pytest

from riskengine import models

from riskengine.core import reliability as rel
from riskengine.evidence import (EvidenceError, evidence_dir, load_evidence,
                                 read_accelerator_faults, read_bus_life_table,
                                 read_fleet_experience)

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
    rows = read_bus_life_table(evidence_dir() / "bus_life_table.csv")
    assert {r["family"] for r in rows} == {"conventional", "starlink"}
    assert all(r["source"] for r in rows)
    acc = read_accelerator_faults(evidence_dir() / "accelerator_faults.csv")
    llama = [a for a in acc if not a["in_orbit"]][0]
    # Meta Llama 3: 148 + 72 faults in 16,384 GPUs x 54 days ≈ 0.09 / GPU-year
    assert llama["faults"] / llama["device_years"] == pytest.approx(0.0908, abs=1e-3)


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


def test_bad_life_table_negative_duration(tmp_path):
    src = (evidence_dir() / "bus_life_table.csv").read_text().splitlines()
    bad = src[:2] + [src[2].replace(",0.25,1,1520,", ",1,0.25,1520,")]
    p = _write(tmp_path, "\n".join(bad) + "\n", "lt.csv")
    with pytest.raises(EvidenceError, match=r"row 3: t_end_yr 0.25 is not after t_start_yr 1"):
        read_bus_life_table(p)


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

    with models.build_accelerator_model(load_evidence().accelerator):
        prior = pm.sample_prior_predictive(draws=2000, random_seed=1)
    r = prior.prior["rate_orbit"].values.ravel()
    # in-orbit rate: median ~0.2/device-yr, spanning a decade or more either way
    assert 0.05 < np.median(r) < 0.5
    assert np.quantile(r, 0.05) < 0.05 and np.quantile(r, 0.95) > 0.8


@pytest.mark.slow
def test_parameter_recovery_bus_and_accelerator():
    from riskengine.bayes import recovery_study

    cov = recovery_study(5, seed=7, models=("bus", "accelerator"))
    for key, hits in cov.items():
        assert sum(hits) >= 3, (key, hits)  # 90 % CI; >= 3/5 (benchmark runs 10)
