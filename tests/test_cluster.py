"""Formation-flying clusters (issue #23): the intra-cluster collision rate from Hall's 3D-Nc
checked against a two-body Monte Carlo, and the loss source against its exact expectation."""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.config import Policy, load_portfolio
from riskengine.core import formation
from riskengine.core.pc.montecarlo import pc_montecarlo_twobody
from riskengine.core.sources import HazardSet
from riskengine.losses import simulate_arrays
from riskengine.stages import repo_path


def test_approach_nc_matches_two_body_monte_carlo():
    """One neighbour approach (650 km, 100 m nominal separation, 30 m per-axis error, 10 m
    combined radius): the 3D-Nc expected collisions against CARA-style two-body Monte Carlo
    from TCA (Pc <= Nc; they agree when multiple entries are rare)."""
    r1, v1, c1, r2, v2, c2 = formation.approach_states(650.0, 100.0, 30.0)
    nc = formation.nc_per_approach(650.0, 100.0, 30.0, 10.0)
    mc = pc_montecarlo_twobody(r1, v1, c1, r2, v2, c2, 10.0, np.random.default_rng(1),
                               n_samples=400_000)
    assert mc["ci_low"] <= nc <= mc["ci_high"] * 1.1, (nc, mc)


def test_rate_falls_with_accuracy():
    rates = [formation.cluster_collision_rate(81, 6, 650.0, 100.0, s, 4.0)["collisions_per_year"]
             for s in (30.0, 15.0, 5.0, 0.1)]
    assert rates[0] > rates[1] > rates[2] >= rates[3] == 0.0
    r = formation.cluster_collision_rate(81, 6, 650.0, 100.0, 30.0, 4.0)
    # two approaches an orbit: 2 x 365.25 d / 97.7 min
    assert r["approaches_per_pair_year"] == pytest.approx(2 * 365.25 * 1440 / 97.7, rel=2e-3)
    assert r["pairs"] == 243


def test_cluster_source_expected_loss_is_exact():
    """E[annual loss] = clusters x rate x SI x (2 x pair damage + fragment probability x
    (m - 2) x fragment damage), and every collision stays inside one cluster."""
    m, n_cl, si, lam, f = 20, 3, 1e8, 0.02, 0.1
    hs = HazardSet(np.full(m * n_cl, si), np.zeros(m * n_cl, int), ["c"], [])
    hs.add_cluster_collisions("cluster_collision", m, {"c": lam}, fragment_probability=f,
                              fragment_damage=0.5)
    years = 200_000
    r = simulate_arrays(hs, Policy(ctl_threshold=1.0), seed=4, years=years)
    exact = n_cl * lam * si * (2 * 1.0 + f * (m - 2) * 0.5)
    se = r.gross.std(ddof=1) / np.sqrt(years)
    assert abs(r.gross.mean() - exact) < 4 * se, (r.gross.mean(), exact, se)
    from riskengine.core.engine import _cluster_hits

    src = hs.sources[0]
    yr, e, sats, dmg = _cluster_hits(src, np.zeros(50_000, np.int64), np.random.default_rng(2))
    cluster_of = sats // m
    for k in np.unique(e)[:200]:
        s = sats[e == k]
        assert len(set(cluster_of[e == k])) == 1 and len(set(s)) == len(s) >= 2


def test_suncatcher_portfolio_prices_its_clusters():
    from riskengine.fleet import resolve_fleet
    from riskengine.perils import LossContext

    p = load_portfolio(repo_path("portfolios", "suncatcher.toml"))
    peril = [x for x in __import__("riskengine.perils", fromlist=["x"]).instantiate(p.perils)
             if x.type == "cluster_collision"][0]
    fleet = resolve_fleet(p)
    rates = peril.cluster_rates(fleet)
    assert set(rates) == {"tpu-clusters-650"} and rates["tpu-clusters-650"]["pairs"] == 243
    hs = HazardSet(*fleet.satellite_arrays()[:2], fleet.names, [])
    peril.add_sources(hs, LossContext(fleet=fleet))
    assert hs.sources[0].units.size.tolist() == [81] * 8
