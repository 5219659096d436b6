"""Untracked debris, damage model and NASA Standard Breakup Model (riskengine.core.debris)."""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.core import debris as d


def test_power_law_reproduces_the_20_to_1_ratio():
    beta = d.power_law_beta(20.0)
    assert d.count_between(1.0, 1.0, 10.0, beta) == pytest.approx(20.0, rel=1e-12)
    # ESA Space Environment Report: ~36,500 > 10 cm and ~1e6 of 1-10 cm -> ratio ~27
    assert d.count_between(36_500, 1.0, 10.0, d.power_law_beta(1e6 / 36_500)) == \
        pytest.approx(1e6, rel=1e-9)


def test_power_law_rejects_bad_input():
    with pytest.raises(ValueError, match="d_min_cm < d_max_cm"):
        d.power_law_beta(20.0, 10.0, 1.0)


def test_sbm_guide_case():
    """GUIDE evidence: 2,000 kg hit at 10 km/s by 1,000 kg -> ~6,800 fragments >= 5 cm."""
    assert d.is_catastrophic(2000.0, 1000.0, 10.0)
    assert d.sbm_fragment_count(2000.0, 1000.0, 10.0, 0.05) == pytest.approx(6_800, rel=0.01)


def test_sbm_non_catastrophic_uses_projectile_energy():
    # 0.01 kg at 10 km/s into 1,000 kg: 0.5 J/g < 40 J/g -> M = m_p v^2 = 1 kg (km/s)^2
    assert not d.is_catastrophic(1000.0, 0.01, 10.0)
    assert d.sbm_fragment_count(1000.0, 0.01, 10.0, 0.1) == pytest.approx(0.1 * 0.1 ** -1.71)


def test_catastrophic_diameter_meets_40_J_per_g():
    dc = d.catastrophic_diameter_cm(1500.0, 10.0)
    m_kg = d.AL_DENSITY_G_CM3 * np.pi / 6 * dc ** 3 / 1e3
    assert 0.5 * m_kg * 1e8 / 1.5e6 == pytest.approx(40.0, rel=1e-9)


def test_shielding_raises_critical_diameter_and_cuts_damage():
    thin = d.untracked_damage(1.0, 1000.0)
    thick = d.untracked_damage(30.0, 1000.0)
    assert d.whipple_critical_diameter_cm(30.0) > d.whipple_critical_diameter_cm(1.0)
    assert thick["p_no_damage"] > thin["p_no_damage"] == 0.0
    for r in (thin, thick):
        assert r["p_no_damage"] + r["p_partial"] + r["p_total"] == pytest.approx(1.0, abs=1e-12)
        assert 0 < r["partial_mean"] < 1 and r["beta_a"] > 0 and r["beta_b"] > 0
    # heavier satellites need bigger particles for a total loss
    assert d.untracked_damage(3.0, 5000.0)["p_total"] < d.untracked_damage(3.0, 200.0)["p_total"]


def test_cloud_exposure_limits():
    assert d.cloud_exposure_years(1e-3, 1.0) == pytest.approx(1e-3, rel=1e-6)
    assert d.cloud_exposure_years(1e6, 2.0) == pytest.approx(2.0, rel=1e-5)
    assert d.fragment_lifetime_years(400.0) == pytest.approx(1.0)


def test_sampled_fragments_match_the_mean():
    rng = np.random.default_rng(42)
    lam = d.sbm_fragment_count(1000.0, 500.0, 10.0, 0.01)
    x = d.sample_breakup_fragments(rng, 4000, 1000.0, 500.0, 10.0, 0.01)
    # Poisson mean within 5 standard errors
    assert abs(x.mean() - lam) < 5 * np.sqrt(lam / x.size)
    again = d.sample_breakup_fragments(np.random.default_rng(42), 4000, 1000.0, 500.0, 10.0, 0.01)
    assert np.array_equal(x, again)
