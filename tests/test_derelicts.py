"""The fleet's own derelicts: passage times (riskengine.core.derelict) and the loss engine's
derelict source (riskengine.core.engine: collisions drawn from the same year's failures).

References
----------
* Exact expectations of the Poisson model: a satellite with loss rate ``λ`` first fails at
  ``T ~ Exp(λ)``; a derelict that stays in its band for the rest of the year then has
  ``E[(1 − T) 1{T < 1}] = 1 − (1 − e^−λ)/λ`` derelict-years in the policy year.
* King-Hele decay over the solar cycle (riskengine.core.lifetime, tested against the
  research lifetimes and the NASA ODPO / SpaceX anchors in tests/test_lifetime.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.config import Policy
from riskengine.core import derelict as dr
from riskengine.core.engine import block_rng, simulate_block
from riskengine.core.sources import HazardSet


def _fleet(n=200):
    return HazardSet(np.full(n, 1e8), np.zeros(n, int), ["shell"], [])


def _counts(r, hs, label):
    code = hs.perils.index(label)
    return np.bincount(r.ev_year[r.ev_peril == code], minlength=r.n_years)


def test_exposure_and_inception_integrals():
    # a failure at t stays in a band entered at once for the rest of the year (dwell > 1)
    np.testing.assert_allclose(dr.exposure_in_year([0.0, 0.25, 0.99], 0.0, 5.0), [1.0, 0.75, 0.01])
    # enters after 0.5 yr, stays 0.2 yr
    np.testing.assert_allclose(dr.exposure_in_year([0.1, 0.4, 0.6], 0.5, 0.2), [0.2, 0.1, 0.0])
    # carry-over: the integral of the overlap over failure times before inception, against
    # a brute-force midpoint sum
    for age, d, w in ((3.0, 0.0, 0.3), (10.0, 1.5, 0.7), (0.5, 0.0, 4.0), (6.0, 2.0, 2.5)):
        s = (np.arange(200_000) + 0.5) / 200_000 * age
        lo = np.maximum(0.0, d - s)
        hi = np.minimum(1.0, d + w - s)
        brute = np.maximum(0.0, hi - lo).mean() * age
        assert dr.inception_exposure(age, d, w) == pytest.approx(brute, rel=1e-6, abs=1e-9)


def test_band_passage_follows_the_lifetime(msis):
    from riskengine.core.lifetime import lifetime_years_cycle

    ph = 2 * np.pi * np.arange(12) / 12
    life = float(np.mean(lifetime_years_cycle(550.0, 0.02, msis, phase_rad=ph)))
    d, w = dr.band_passage(550.0, 120.0, 550.5, 0.02, msis)
    assert d == 0.0 and w == pytest.approx(life, rel=1e-6)      # the band down to re-entry
    # a band below: entered after the descent to its top, left at its bottom
    d2, w2 = dr.band_passage(550.0, 400.0, 450.0, 0.02, msis)
    top = float(np.mean(lifetime_years_cycle(550.0, 0.02, msis, phase_rad=ph, reentry_alt_km=450.0)))
    assert d2 == pytest.approx(top, rel=1e-9) and 0 < w2 < life - d2
    assert dr.band_passage(500.0, 549.5, 550.5, 0.02, msis) == (np.inf, 0.0)


@pytest.fixture(scope="module")
def msis():
    from riskengine.atmosphere import load_density_table

    return load_density_table()


def test_expected_derelict_collisions_small_case():
    """200 satellites, loss rate 0.2/yr each, derelicts stay in the band all year: expected
    collisions k N (1 − (1 − e^−λ)/λ) + base per year."""
    lam, k, base, n = 0.2, 0.05, 0.3, 200
    hs = _fleet(n)
    hs.add_independent_failure("hardware", -np.expm1(-lam))
    hs.add_derelicts("derelict", ["hardware"], [dict(source="shell", target="shell", rate=k,
                                                    delay=0.0, dwell=10.0)],
                     {"shell": np.array([base])})
    years = 20_000
    r = simulate_block(hs, Policy(), seed=11, block=0, n_years=years)
    got = _counts(r, hs, "derelict")
    want = k * n * (1 - (1 - np.exp(-lam)) / lam) + base
    se = np.sqrt(got.var() / years)
    assert abs(got.mean() - want) < 4 * se, (got.mean(), want, se)
    # every derelict collision is dated after the failure that made its derelict
    assert (r.ev_peril == hs.perils.index("derelict")).sum() == got.sum()


def test_a_year_with_more_failures_has_more_derelict_collisions():
    """The correlation the issue asks for: derelict collisions follow the failures drawn in
    the same simulated year. Regressed on the year's failures, the slope is the expected
    collisions per failure, k E[1 − T | T < 1]; with no failures there are none."""
    lam, k, n = 0.05, 0.2, 500
    hs = _fleet(n)
    hs.add_independent_failure("hardware", -np.expm1(-lam))
    hs.add_derelicts("derelict", ["hardware"], [dict(source="shell", target="shell", rate=k,
                                                    delay=0.0, dwell=10.0)])
    years = 20_000
    r = simulate_block(hs, Policy(), seed=3, block=0, n_years=years)
    fails = _counts(r, hs, "hardware").astype(float)
    der = _counts(r, hs, "derelict").astype(float)
    rho = np.corrcoef(fails, der)[0, 1]
    assert rho > 0.1 and rho * np.sqrt(years) > 10       # far beyond chance (z > 10)
    slope = np.polyfit(fails, der, 1)[0]
    per_failure = k * (1 - (1 - np.exp(-lam)) / lam) / (1 - np.exp(-lam))
    assert slope == pytest.approx(per_failure, rel=0.1)
    hi, lo = fails > np.quantile(fails, 0.9), fails < np.quantile(fails, 0.1)
    assert der[hi].mean() > 1.5 * der[lo].mean()


def test_derelicts_at_inception_follow_the_posterior_draw():
    """Carry-over of earlier years: the engine simulates independent policy years, so the
    derelicts already in orbit are an expectation per posterior draw. Years drawing the
    high failure rate also have more derelict collisions from inception derelicts."""
    n = 300
    hs = _fleet(n)
    q = np.array([0.01, 0.05])
    hs.add_failure_draws("hardware", {"shell": q})
    base = 2.0 * q / q.max()                 # proportional to the draw's failure rate
    hs.add_derelicts("derelict", ["hardware"], [], {"shell": base})
    years = 20_000
    r = simulate_block(hs, Policy(), seed=5, block=0, n_years=years)
    draw = block_rng(5, 0).integers(0, hs.n_draws, size=years)
    der = _counts(r, hs, "derelict")
    assert der[draw == 0].mean() == pytest.approx(base[0], rel=0.1)
    assert der[draw == 1].mean() == pytest.approx(base[1], rel=0.05)
    fails = _counts(r, hs, "hardware")
    assert np.corrcoef(fails, der)[0, 1] > 0.1          # correlated through the shared draw


def test_adding_derelicts_leaves_the_other_perils_draws_unchanged():
    hs = _fleet(100)
    hs.add_independent_failure("hardware", 0.05)
    a = simulate_block(hs, Policy(), seed=9, block=0, n_years=2_000)
    hs.add_derelicts("derelict", ["hardware"], [dict(source="shell", target="shell", rate=0.1,
                                                    delay=0.0, dwell=1.0)])
    b = simulate_block(hs, Policy(), seed=9, block=0, n_years=2_000)
    keep = b.ev_peril == hs.perils.index("hardware")
    np.testing.assert_array_equal(a.ev_year, b.ev_year[keep])
    # the same failures; only those of satellites a derelict destroyed earlier that year
    # find nothing left to lose
    diff = a.ev_loss != b.ev_loss[keep]
    assert np.all(b.ev_loss[keep][diff] == 0.0) and diff.mean() < 0.01


def test_a_derelict_collision_is_a_total_loss_of_a_live_satellite():
    hs = _fleet(50)
    hs.add_independent_failure("hardware", 0.2)
    hs.add_derelicts("derelict", ["hardware"], [dict(source="shell", target="shell", rate=0.5,
                                                    delay=0.0, dwell=5.0)])
    r = simulate_block(hs, Policy(), seed=2, block=0, n_years=5_000)
    d = r.ev_peril == hs.perils.index("derelict")
    assert d.any()
    # a hit on a live satellite loses its whole sum insured; one on a dead satellite nothing
    assert set(np.unique(r.ev_ground_up[d])) <= {0.0, 1e8}
    assert (r.ev_ground_up[d] == 1e8).mean() > 0.5


def test_unit_group_counts_equal_one_bincount_per_unit():
    """The derelict trigger rates count each unit's satellites by fleet group in one pass
    (a batch source of the million deployment has ~17,000 units); the counts are those of a
    bincount per unit, also for units that are not back to back in ``sats``."""
    from riskengine.core.sources import Units
    from riskengine.perils._derelict import unit_group_counts

    rng = np.random.default_rng(3)
    group = rng.integers(0, 5, 1000)
    size = rng.integers(0, 40, 60)
    offset = rng.permutation(len(size)) * 40          # units in any order, with gaps
    sats = np.zeros(40 * len(size), np.int64)
    for u in range(len(size)):
        sats[offset[u]:offset[u] + size[u]] = rng.choice(1000, size[u], replace=False)
    units = Units(sats, offset, size)
    got = unit_group_counts(units, group, 5)
    for u in range(len(size)):
        ref = np.bincount(group[sats[offset[u]:offset[u] + size[u]]], minlength=5)
        np.testing.assert_array_equal(got[u], ref)
    assert unit_group_counts(Units(sats[:0], offset[:0], size[:0]), group, 5).shape == (0, 5)
