"""Financial module: each level against hand-computed cases and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskengine.config import Policy, ReinsuranceLayer
from riskengine.core.policy import (
    aggregate_terms,
    layer,
    occurrence_terms,
    reinsurance,
    satellite_terms,
)

amounts = st.floats(0, 1e10, allow_nan=False)


@given(x=amounts, d=amounts, lim=st.one_of(st.none(), st.floats(1, 1e10)))
def test_layer_bounds(x, d, lim):
    y = float(layer(x, d, lim))
    assert 0 <= y <= max(x - d, 0) + 1e-6
    if lim is not None:
        assert y <= lim


def test_satellite_terms_ctl_partial_and_depletion():
    si = np.full(4, 100.0)
    dmg = np.array([0.8, 0.5, 0.5, 0.3])
    rem = np.array([1.0, 1.0, 0.4, 0.0])
    gu, ins, lost = satellite_terms(dmg, rem, si, deductible=10, ctl_threshold=0.75)
    assert gu.tolist() == [80.0, 50.0, 40.0, 0.0]
    assert ins.tolist() == [90.0, 40.0, 30.0, 0.0]  # CTL pays the remaining value
    assert lost.tolist() == [1.0, 0.5, 0.4, 0.0]
    _, ins_none, _ = satellite_terms(dmg, rem, si, ctl_threshold=0.75, partial_loss="none")
    assert ins_none.tolist() == [100.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="proportional"):
        satellite_terms(dmg, rem, si, partial_loss="half")


def test_occurrence_then_aggregate():
    pol = Policy(occurrence_deductible=5, occurrence_limit=20, aggregate_deductible=10,
                 aggregate_limit=25)
    occ = occurrence_terms(np.array([3.0, 10.0, 50.0]), pol)
    assert occ.tolist() == [0.0, 5.0, 20.0]
    assert aggregate_terms(np.array([occ.sum(), 12.0, 100.0]), pol).tolist() == [15.0, 2.0, 25.0]


def test_reinsurance_aggregate_and_occurrence_layers():
    """Per-occurrence layers inure to the aggregate layer: the stop loss covers what the
    occurrence layer left (by hand: year 1 keeps 150 - 30 - 20 = 100, below the 100
    attachment; year 2 keeps 400 - 50 - 50 = 300, so 0.5 x 200)."""
    gross = np.array([0.0, 150.0, 400.0])
    layers = [ReinsuranceLayer(name="a", attachment=100, limit=200, share=0.5),
              ReinsuranceLayer(name="o", attachment=50, limit=50, basis="occurrence")]
    occ = np.array([80.0, 70.0, 300.0, 100.0])
    yr = np.array([1, 1, 2, 2])
    c = reinsurance(gross, layers, occ, yr)
    assert c[0].tolist() == [0.0, 0.0, 100.0]
    assert c[1].tolist() == [0.0, 50.0, 100.0]
    # overlapping layers of one kind never recover more than the loss they cover
    same = [ReinsuranceLayer(name=f"o{k}", attachment=0, limit=50, basis="occurrence")
            for k in range(3)]
    c2 = reinsurance(np.array([60.0]), same, np.array([60.0]), np.array([0]))
    assert np.isclose(c2.sum(), 60.0) and np.allclose(c2[:, 0], 20.0)
    with pytest.raises(ValueError, match="occ_loss"):
        reinsurance(gross, layers)


def test_franchise_deductibles():
    """A franchise deductible pays nothing up to it and the whole loss above it (Klugman,
    Panjer & Willmot, Loss Models, sec. 8.2); a straight one pays the excess."""
    x = np.array([50.0, 100.0, 100.01, 400.0])
    assert layer(x, 100).tolist() == pytest.approx([0.0, 0.0, 0.01, 300.0])
    assert layer(x, 100, franchise=True).tolist() == [0.0, 0.0, 100.01, 400.0]
    pol = Policy(occurrence_deductible=100, occurrence_deductible_type="franchise",
                 occurrence_limit=300)
    assert occurrence_terms(x, pol).tolist() == [0.0, 0.0, 100.01, 300.0]
    _, ins, _ = satellite_terms([0.05, 0.2], [1.0, 1.0], [1000.0, 1000.0], deductible=100,
                                deductible_type="franchise")
    assert ins.tolist() == [0.0, 200.0]
    # expected payment per loss of an exponential(theta) loss, by the memoryless property:
    # straight E[(X - d)+] = theta e^(-d/theta); franchise E[X; X > d] = (theta + d) e^(-d/theta)
    th, d = 2.0, 1.0
    z = np.random.default_rng(0).exponential(th, 400_000)
    for fr, exact in ((False, th * np.exp(-d / th)), (True, (th + d) * np.exp(-d / th))):
        y = layer(z, d, franchise=fr)
        assert abs(y.mean() - exact) < 4.5 * y.std() / np.sqrt(len(y))


# ---- the financial module inside the engine: same seed -> same events, so terms compare
# year by year (the random draws never depend on policy terms)
from hypothesis import HealthCheck, settings  # noqa: E402

from riskengine.losses import HazardSet, simulate_arrays  # noqa: E402


def _fleet():
    hs = HazardSet(np.full(60, 1e7), np.zeros(60, int), ["g"], [])
    hs.add_independent_failure("hw", 0.03)
    hs.add_common_shock("storm", 0.4, 0.1, damage_fraction=0.5)
    hs.add_common_shock("cloud", 0.1, 0.2)
    return hs


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ded=st.floats(0, 5e6), occ_d=st.floats(0, 2e7), occ_l=st.floats(1e6, 3e8),
       agg_d=st.floats(0, 5e7), agg_l=st.floats(1e6, 5e8), ctl=st.floats(0.3, 1.0))
def test_engine_terms_monotone_and_bounded(ded, occ_d, occ_l, agg_d, agg_l, ctl):
    hs = _fleet()
    base = dict(ctl_threshold=ctl, occurrence_deductible=occ_d, occurrence_limit=occ_l,
                aggregate_deductible=agg_d, aggregate_limit=agg_l)
    lo = simulate_arrays(hs, Policy(deductible=ded, **base), seed=4, years=3000)
    hi = simulate_arrays(hs, Policy(deductible=ded + 1e6, **base), seed=4, years=3000)
    assert np.array_equal(lo.ground_up, hi.ground_up)  # same events
    assert (hi.gross <= lo.gross + 1e-6).all()  # a higher deductible never pays more
    assert (lo.gross >= 0).all() and (lo.gross <= agg_l + 1e-6).all()
    assert (lo.oep <= occ_l + 1e-6).all()
    assert lo.ground_up.max() <= 60 * 1e7 + 1e-3  # depletion: at most the whole fleet
