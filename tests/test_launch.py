"""Launch campaigns (#22): the deployment plan in the config, the launch record and its
posterior, the launch and deployment perils, campaign results by launch, year and phase.

References: the exact distribution of N independent launches of k satellites each failing
with probability p (binomial, scipy), the storm-window exposure probability
``1 - exp(-rate x window)``, and the Weibull first-year bus hazard (raising + orbit = the
hardware peril's year)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from riskengine import stages
from riskengine.config import Policy, parse_portfolio
from riskengine.core.campaign import (Campaign, LaunchFailureSource, RaisingFailureSource,
                                      StormWindowSource, binomial_launch_aep)
from riskengine.core.sources import HazardSet, Units
from riskengine.errors import ConfigError
from riskengine.evidence import EvidenceError
from riskengine.launch_record import load_record
from riskengine.losses import simulate_arrays
from riskengine.store import connect

FLEET = [{"name": "s", "altitude_km": 550, "inclination_deg": 53, "planes": 12,
          "per_plane": 50, "sum_insured": 2e6}]


def _portfolio(**kw):
    base = {"simulation": {"years": 40_000, "seed": 7}, "fleet": FLEET,
            "perils": [{"type": "launch"}],
            "launch_schedule": [{"start": "2027-01-01", "launches": 12, "interval_days": 20,
                                 "vehicle": "falcon9", "satellites": 50, "group": "s",
                                 "failure_probability": 0.1}],
            "policy": {"cover": "launch_plus_one_year"}}
    base.update(kw)
    return parse_portfolio(base, "campaign.toml")


# --------------------------------------------------------------------------- exact test
def test_launch_peril_only_gives_the_binomial_aep_and_aal(tmp_path):
    """N = 12 launches of k = 50 satellites, p = 0.1: the annual loss is k x SI x K with
    K ~ Binomial(12, 0.1). AAL, the AEP curve and the whole loss distribution match it."""
    n, k, p, si, years = 12, 50, 0.1, 2e6, 40_000
    con = connect(str(tmp_path / "c.duckdb"))
    rid = stages.simulate(con, _portfolio())
    ylt = con.execute("SELECT loss FROM ylt WHERE run_id = ? ORDER BY year", [rid]).fetchnumpy()
    loss = ylt["loss"]
    assert len(loss) == years
    # every loss is a whole number of launches: one occurrence loses all k satellites
    kk = loss / (k * si)
    assert np.allclose(kk, np.round(kk))
    counts = np.bincount(np.round(kk).astype(int), minlength=n + 1)
    pmf = stats.binom.pmf(np.arange(n + 1), n, p)
    se = np.sqrt(years * pmf * (1 - pmf))
    assert np.all(np.abs(counts - years * pmf) <= 5 * se + 1)
    # AAL: n p k SI within 4 standard errors (exact: 120,000,000)
    aal, aal_se = con.execute("SELECT value, std_error FROM metrics WHERE run_id = ? AND "
                              "metric = 'aal'", [rid]).fetchone()
    assert abs(aal - n * p * k * si) < 4 * aal_se
    assert abs(aal_se - np.sqrt(n * p * (1 - p)) * k * si / np.sqrt(years)) < 0.05 * aal_se
    # AEP: the exact binomial quantile wherever the sample cannot sit on the other side of
    # a jump (|F(q) - level| > 4 standard errors of the empirical CDF)
    rows = con.execute("SELECT return_period, loss FROM ep_curve WHERE run_id = ? AND "
                       "curve = 'AEP' ORDER BY return_period", [rid]).fetchall()
    exact = binomial_launch_aep(n, k, p, si, [r[0] for r in rows])
    checked = 0
    for (rp, got), want in zip(rows, exact):
        level = 1 - 1 / rp
        q = want / (k * si)
        near = min(abs(stats.binom.cdf(q, n, p) - level), abs(stats.binom.cdf(q - 1, n, p) - level))
        if near > 4 * np.sqrt(level * (1 - level) / years):
            assert got == want, (rp, got, want)
            checked += 1
    assert checked >= 8
    # the event table: one row per failed launch with k satellites
    elt = con.execute("SELECT satellites, loss FROM elt WHERE run_id = ?", [rid]).fetchnumpy()
    assert np.all(elt["satellites"] == k) and np.allclose(elt["loss"], k * si)
    assert len(elt["loss"]) == int(round(kk.sum()))
    yrs = con.execute("SELECT lost_launch, loss_launch, pml_995, largest_launch_loss FROM "
                      "campaign_years WHERE run_id = ?", [rid]).fetchone()
    assert abs(yrs[0] - n * p * k) < 4 * np.sqrt(n * p * (1 - p)) * k / np.sqrt(years)
    assert yrs[1] == pytest.approx(aal)
    assert yrs[2] == binomial_launch_aep(n, k, p, si, [200])[0]
    assert yrs[3] == k * si


def test_binomial_reference_values():
    # N = 10, p = 0.05: F(0) = 0.599, F(1) = 0.914, F(2) = 0.9885, F(3) = 0.99897
    assert binomial_launch_aep(10, 100, 0.05, 1e6, [2, 10, 20, 100, 500]).tolist() == \
        [0.0, 100e6, 200e6, 300e6, 300e6]


# --------------------------------------------------------------------------- config
@pytest.mark.parametrize("launch, message", [
    ({"vehicle": "Falcon 9"}, "launch[0].vehicle: must be a vehicle family key"),
    ({"group": "x"}, "launch[0].group = 'x' is not a [[fleet]] group"),
    ({"satellites": 601}, "carry 601 satellites but the group holds 600"),
    ({"failure_probability": 1.5}, "launch[0].failure_probability"),
    ({"date": "2027-02-30"}, "launch[0].date"),
    ({"rocket": "x"}, "launch[0].rocket: unknown key"),
])
def test_bad_launch_entries_name_the_file_key_and_value(launch, message):
    entry = {"date": "2027-01-01", "vehicle": "falcon9", "satellites": 10, "group": "s",
             **launch}
    with pytest.raises(ConfigError) as exc:
        _portfolio(launch=[entry], launch_schedule=[])
    assert "campaign.toml" in str(exc.value) and message in str(exc.value)


def test_cover_needs_a_plan_and_defaults_to_in_orbit():
    assert Policy().cover == "in_orbit_annual"
    with pytest.raises(ConfigError, match="needs a deployment plan"):
        _portfolio(launch_schedule=[])
    with pytest.raises(ConfigError, match="policy.cover"):
        _portfolio(policy={"cover": "launch"})


def test_schedule_expands_and_launches_sort_by_date():
    sched = [{"start": "2027-01-01", "launches": 11, "interval_days": 20.5,
              "vehicle": "falcon9", "satellites": 50, "group": "s"}]
    p = _portfolio(launch=[{"date": "2026-12-01", "vehicle": "electron", "satellites": 5,
                            "group": "s"}], launch_schedule=sched)
    got = p.all_launches()
    assert len(got) == 12 and got[0].vehicle == "electron"
    assert got[-1].date == dt.date(2027, 1, 1) + dt.timedelta(days=205)


# --------------------------------------------------------------------------- sources
def test_launch_failure_is_one_occurrence_of_every_satellite_on_board():
    hs = HazardSet(np.full(30, 1e6), np.zeros(30, int), ["s"])
    units = Units.from_lists([np.arange(0, 10), np.arange(10, 30)])
    hs.sources.append(LaunchFailureSource("launch", units, np.array([[0.3, 0.2]])))
    r = simulate_arrays(hs, Policy(), seed=3, years=20_000)
    # P(no loss) = 0.7 * 0.8; mean = 0.3 * 10 + 0.2 * 20 satellites
    assert abs(np.mean(r.gross == 0) - 0.56) < 0.01
    assert abs(r.gross.mean() / 1e6 - 7.0) < 0.15
    assert set(np.unique(r.gross / 1e6)) <= {0.0, 10.0, 20.0, 30.0}


@pytest.mark.parametrize("block_years", [2_000, 1])
def test_claims_of_satellites_that_never_reached_orbit_are_no_occurrences(block_years):
    """A hardware failure of a satellite whose launch failed is void: no loss and no
    occurrence in the event table; the launch is one occurrence of all on board. (Blocks
    of one year, a large fleet's, look the void satellites up in a table of the fleet.)"""
    from riskengine.core.engine import BlockResult, simulate_block

    n = 20
    hs = HazardSet(np.full(n, 1e6), np.zeros(n, int), ["s"])
    units = Units.from_lists([np.arange(10), np.arange(10, 20)])
    hs.sources.append(LaunchFailureSource("launch", units, np.array([[1.0, 0.0]])))
    hs.add_independent_failure("hardware", 0.5)
    parts = [simulate_block(hs, Policy(), seed=4, block=b, n_years=block_years)
             for b in range(2_000 // block_years)]
    cat = lambda k: np.concatenate([getattr(p, k) for p in parts])  # noqa: E731
    r = BlockResult(2_000, cat("gross"), cat("ground_up"), None, None, None, None,
                    np.concatenate([p.ev_year + i * block_years for i, p in enumerate(parts)]),
                    cat("ev_peril"), cat("ev_sats"), cat("ev_loss"), cat("ev_ground_up"))
    hw = r.ev_peril == hs.perils.index("hardware")
    launch = r.ev_peril == hs.perils.index("launch")
    assert launch.sum() == 2_000 and np.all(r.ev_sats[launch] == 10)
    # only the 10 satellites of the launch that reached orbit fail in orbit: Poisson
    # hits at rate -log(1 - 0.5) each (13.9 a year on all 20 before), of which the first
    # of each satellite is a loss (0.5 x 10 a year)
    rate = -np.log(0.5) * 10
    assert abs(hw.sum() / 2_000 - rate) < 5 * np.sqrt(rate / 2_000)
    assert abs(np.sum(r.ev_ground_up[hw] > 0) / 2_000 - 5.0) < 5 * np.sqrt(2.5 / 2_000)
    assert np.all(r.ev_sats[hw] <= 1)
    assert np.allclose(r.ground_up, np.bincount(r.ev_year, r.ev_ground_up, minlength=2_000))


def test_shared_events_happen_whatever_satellites_they_hit():
    """A shared event (a storm in orbit, a breakup) whose hits all fall on satellites of a
    failed launch stays an occurrence with no loss, as one that hits nothing does; only
    occurrences that are their hits (a satellite's own failure) go with the satellite."""
    from riskengine.core.engine import simulate_block
    from riskengine.core.sources import EventSource

    n, years, rate = 20, 2_000, 3.0
    hs = HazardSet(np.full(n, 1e6), np.zeros(n, int), ["s"])
    units = Units.from_lists([np.arange(10), np.arange(10, 20)])
    hs.sources.append(LaunchFailureSource("launch", units, np.array([[1.0, 0.0]])))
    hs.perils.append("storm")
    hs.sources.append(EventSource("storm", Units.from_lists([np.arange(10)]), np.array([rate]),
                                  np.ones((1, 1)), "total", np.ones(1), np.ones(1)))
    r = simulate_block(hs, Policy(), seed=5, block=0, n_years=years)
    storm = r.ev_peril == hs.perils.index("storm")
    # every storm hits only the 10 satellites that never reached orbit: Poisson(3) storms
    # a year remain, none with a loss or a satellite
    assert abs(storm.sum() / years - rate) < 5 * np.sqrt(rate / years)
    assert np.all(r.ev_ground_up[storm] == 0) and np.all(r.ev_sats[storm] == 0)


@pytest.mark.parametrize("n_reinst", [None, 0])
def test_per_risk_layer_recovers_each_satellite_of_a_failed_launch_exact(n_reinst):
    """Two launches of 10 satellites of 100, each failing w.p. 0.3 a year, a per-satellite
    layer 60 xs 20: a failed launch cedes 10 x 60; K ~ Binomial(2, 0.3) failures a year, so
    E[ceded] = 600 E[K]; with no reinstatement the layer pays one limit a year: 60 P(K>0).
    The net by fleet group adds up to the net."""
    from riskengine.config import ReinsuranceLayer

    n, p = 20, 0.3
    hs = HazardSet(np.full(n, 100.0), np.r_[np.zeros(10, int), np.ones(10, int)], ["a", "b"])
    units = Units.from_lists([np.arange(10), np.arange(10, 20)])
    hs.sources.append(LaunchFailureSource("launch", units, np.array([[p, p]])))
    ly = ReinsuranceLayer(name="pr", attachment=20, limit=60, basis="risk",
                          reinstatements=n_reinst)
    r = simulate_arrays(hs, Policy(reinsurance=[ly]), seed=5, years=40_000)
    k = np.arange(3)
    pk = stats.binom.pmf(k, 2, p)
    exact = (600 * k if n_reinst is None else 60 * (k > 0)) @ pk
    se = r.ceded.std() / np.sqrt(r.years)
    assert abs(r.ceded.mean() - exact) < 4 * se
    per_year = np.round(r.gross / 1000)                       # failed launches that year
    want = 600 * per_year if n_reinst is None else 60 * (per_year > 0)
    np.testing.assert_allclose(r.ceded[0] if r.ceded.ndim > 1 else r.ceded, want)
    np.testing.assert_allclose(r.by_group.sum(axis=1), r.net, rtol=1e-12, atol=1e-9)


def test_storm_window_hits_launches_low_together_in_one_occurrence():
    """Two launches 2 days apart, 5 days low each: a storm on days 2-5 catches both (one
    occurrence of 20 satellites); P(a launch is caught) = 1 - exp(-rate x 5 d)."""
    units = Units.from_lists([np.arange(10), np.arange(10, 20)])
    rate = 2.0
    s = StormWindowSource("storm", units, np.array([rate]), np.array([0.0, 2.0]),
                          np.array([5.0, 5.0]), np.array([1.0, 1.0]))
    years = 200_000
    yrs, ev, sat, dmg, t = s.sample_events(np.zeros(years, np.int64), np.random.default_rng(5))
    per_event = np.bincount(ev)
    assert set(per_event) <= {10, 20}
    caught = np.zeros((years, 2), bool)
    caught[yrs[ev], sat // 10] = True
    want = 1 - np.exp(-rate * 5 / 365.25)
    assert np.all(np.abs(caught.mean(axis=0) - want) < 5 * np.sqrt(want / years))
    both = 1 - np.exp(-rate * 3 / 365.25)      # storms on days 2-5 catch both launches
    assert abs(np.mean(per_event == 20) * len(per_event) / years - both) < 0.15 * both
    assert np.all(t < 5 / 365.25)


@pytest.mark.parametrize("block_years", [2_000, 1])
def test_a_storm_takes_its_time_from_the_launches_that_reached_orbit(block_years):
    """Launch A (day 0, low 105 days) reaches orbit and its 10 satellites fail while raising
    (first failure at rate mu a day); launch B (day 100, low 5 days) always fails. A storm
    (rate lam a day over days 0-105) takes A's satellites when it comes before their failure.
    A storm on days 100-105 catches both launches; its time is its earliest hit's in the
    policy year of a launch that reached orbit: 100-105 days into A's year, after A's
    failures. Before, it kept B's time (0-5 days), as if A met a second storm early."""
    from riskengine.core.engine import simulate_block

    n = 20
    hs = HazardSet(np.full(n, 1e6), np.zeros(n, int), ["s"])
    units = Units.from_lists([np.arange(10), np.arange(10, 20)])
    hs.sources += [LaunchFailureSource("launch", units, np.array([[0.0, 1.0]])),
                   StormWindowSource("storm", units, np.array([365.25 / 5]),
                                     np.array([0.0, 100.0]), np.array([105.0, 5.0]),
                                     np.array([1.0, 1.0])),
                   RaisingFailureSource("raise", units, np.array([[1.0 - 1e-12, 0.0]]),
                                        np.array([50.0, 50.0]), np.array([0, 1]))]
    parts = [simulate_block(hs, Policy(), seed=9, block=b, n_years=block_years)
             for b in range(4_000 // block_years)]
    peril = np.concatenate([p.ev_peril for p in parts])
    gu = np.concatenate([p.ev_ground_up for p in parts])
    storm, raising = peril == hs.perils.index("storm"), peril == hs.perils.index("raise")
    # the first storm (rate lam) before the first failure (rate mu), within 105 days
    lam, mu = 1 / 5, -np.log(1e-12) / 50
    share = lam / (lam + mu) * (1 - np.exp(-105 * (lam + mu)))        # 0.266
    got = gu[storm].sum() / (10e6 * 4_000)
    assert got == pytest.approx(share, abs=4.5 * np.sqrt(share * (1 - share) / 40_000))
    assert gu[storm].sum() + gu[raising].sum() == pytest.approx(10e6 * 4_000)


def test_raising_failures_are_independent_with_probability_p():
    units = Units.from_lists([np.arange(500), np.arange(500, 700)])
    s = RaisingFailureSource("raise", units, np.array([[0.02, 0.05]]), np.array([30.0, 60.0]),
                             np.array([0, 1]))
    hs = HazardSet(np.full(700, 1.0), np.zeros(700, int), ["s"], [s])
    r = simulate_arrays(hs, Policy(), seed=1, years=5_000)
    assert abs(r.gross.mean() - (500 * 0.02 + 200 * 0.05)) < 0.3
    assert abs(r.gross.var() - (500 * 0.02 * 0.98 + 200 * 0.05 * 0.95)) < 2.0


def test_campaign_results_follow_phases_and_calendar_years():
    """A satellite lost at launch has nothing left for raising; losses land in the year
    and phase of their launch."""
    n = 40
    hs = HazardSet(np.full(n, 1.0), np.zeros(n, int), ["s"])
    c = Campaign.build(np.array([0.0, 400.0]), np.array([2027, 2028]),
                       [np.arange(20), np.arange(20, 40)], n)
    c.phase_of = {"launch": 0, "raise": 1}
    hs.campaign = c
    hs.sources += [LaunchFailureSource("launch", c.units, np.array([[0.5, 0.0]])),
                   RaisingFailureSource("raise", c.units, np.array([[1.0 - 1e-12, 0.0]]),
                                        np.array([30.0, 30.0]), np.array([0, 1])),
                   ]
    r = simulate_arrays(hs, Policy(), seed=2, years=4_000)
    acc = r.campaign
    lost = acc.launch_lost / acc.n
    # launch 1: half the years lost at launch, the other half while raising; launch 2: none
    assert abs(lost[0, 0] - 10.0) < 0.5 and abs(lost[0, 0] + lost[0, 1] - 20.0) < 1e-9
    assert lost[1].sum() == 0
    assert np.allclose(acc.calendar[:, 0], r.gross) and np.all(acc.calendar[:, 1] == 0)


# --------------------------------------------------------------------------- the record
def test_launch_record_is_consistent_and_sourced():
    rec = load_record()
    assert {"falcon9", "electron", "ariane5", "h3", "vega_c", "starship"} <= set(rec.families)
    for r in rec.rows:
        assert r["successes"] + r["partial"] + r["failures"] == r["flights"]
        assert r["source"] and r["as_of"] >= r["first_flight_date"]
    assert rec.row("ariane5")["flights"] == 117 and rec.row("ariane5")["failures"] == 2
    assert rec.row("starship")["orbital"] == "no"


def test_bad_launch_record_names_the_line(tmp_path):
    good = load_record().path.read_text().splitlines()
    bad = tmp_path / "r.csv"
    bad.write_text("\n".join([good[0], good[1].replace(",464,461,", ",464,460,")]) + "\n")
    with pytest.raises(EvidenceError, match=r"r.csv: line 2: successes \+ partial"):
        load_record(bad)


def test_launch_model_likelihood_is_the_binomial_of_the_record():
    """At a point of the parameter space the model's log-likelihood is the hand-computed
    binomial of first flights and later flights (partial = half a failure)."""
    from riskengine.models import build_launch_model

    rec = load_record()
    m = build_launch_model(rec)
    pt = {"mu": -3.0, "sigma_log__": np.log(0.5), "delta": 2.0,
          "z": np.linspace(-1, 1, len(rec.families)), "z_new": 0.0}
    got = float(m.compile_logp(vars=m.potentials, jacobian=False)(pt))
    eta = -3.0 + 0.5 * pt["z"]
    p, p1 = 1 / (1 + np.exp(-eta)), 1 / (1 + np.exp(-(eta + 2.0)))
    first = rec.first_outcome
    y1 = np.where(first == 2, 1.0, np.where(first == 1, 0.5, 0.0))
    y = rec.array("failures") + 0.5 * rec.array("partial") - y1
    nr = rec.array("flights") - 1.0
    want = np.sum(y1 * np.log(p1) + (1 - y1) * np.log1p(-p1) + y * np.log(p)
                  + (nr - y) * np.log1p(-p))
    assert got == pytest.approx(want, rel=1e-9)


# --------------------------------------------------------------------------- perils
def _fake_posterior(n=400, seed=0):
    from riskengine.core.posterior import Posterior

    rng = np.random.default_rng(seed)
    launch = {("mu", ""): rng.normal(-3.0, 0.1, n), ("sigma", ""): np.full(n, 0.8),
              ("delta", ""): np.full(n, 2.5), ("p", "falcon9"): np.full(n, 0.01),
              ("p", "starship"): np.full(n, 0.3)}
    rec = {"falcon9": {"flights": 464, "failures": 2, "partial": 1, "as_of": "2025-04-14",
                       "orbital": "yes"},
           "starship": {"flights": 11, "failures": 5, "partial": 1, "as_of": "2025-10-13",
                        "orbital": "no"}}
    return Posterior("fit-x", {"launch": launch}, {"launch_record": rec})


def test_new_vehicle_prices_from_the_prior_and_flags_the_run():
    from types import SimpleNamespace as NS

    from riskengine.perils.launch import failure_probabilities

    L = [NS(vehicle=v, failure_probability=fp, date=dt.date(2027, 1, i + 1))
         for i, (v, fp) in enumerate([("falcon9", None), ("long_march", None),
                                      ("long_march", None), ("starship", None),
                                      ("falcon9", 0.2)])]
    p, flags = failure_probabilities(NS(launches=L), _fake_posterior(), seed=1)
    assert p.shape == (400, 5)
    assert np.all(p[:, 0] == 0.01) and np.all(p[:, 4] == 0.2) and np.all(p[:, 3] == 0.3)
    # first flight of a new vehicle: + delta on the log-odds; its second flight: without
    lo = np.log(p[:, 1] / (1 - p[:, 1])) - np.log(p[:, 2] / (1 - p[:, 2]))
    assert np.allclose(lo, 2.5)
    codes = [c for c, _ in flags]
    assert codes.count("launch_vehicle_without_record") == 1
    assert "launch_record_suborbital" in codes
    msg = dict(flags)["launch_vehicle_without_record"]
    assert "'long_march'" in msg and "launch_record.csv" in msg


def test_orbit_bus_hazard_is_conditioned_on_surviving_the_raising():
    """raising then orbit fail together with the hardware year's probability p."""
    from types import SimpleNamespace as NS

    from riskengine.core.sources import SatelliteSource
    from riskengine.perils.deployment import _condition_orbit_bus

    hs = HazardSet(np.ones(10), np.array([0] * 6 + [1] * 4), ["a", "b"])
    p = np.array([[0.03, 0.04], [0.05, 0.02]])
    hs.sources.append(SatelliteSource("hardware", Units.from_lists(
        [np.arange(6), np.arange(6, 10)]), -np.log1p(-p)))
    p_raise = {"a": np.array([0.01, 0.02])}
    _condition_orbit_bus(hs, p_raise, NS(notes={}))
    after = -np.expm1(-hs.sources[0].rates)
    assert np.allclose(1 - (1 - p_raise["a"]) * (1 - after[:, 0]), p[:, 0])
    assert np.allclose(after[:, 1], p[:, 1])      # group b is not launched


def test_campaign_with_deployment_prices_end_to_end(tmp_path):
    """Launch + deployment (fixed bus probability: no fit needed): tables by launch and year,
    phases add up to the AAL, flags for a new vehicle and the premium split by phase."""
    con = connect(str(tmp_path / "d.duckdb"))
    p = _portfolio(
        simulation={"years": 4000, "seed": 3},
        perils=[{"type": "launch"},
                {"type": "deployment", "params": {"bus_failure_probability": 0.01,
                                                  "insertion_altitude_km": 210}}],
        launch=[{"date": "2028-02-01", "vehicle": "new_heavy", "satellites": 100,
                 "group": "s", "failure_probability": 0.2}],
        launch_schedule=[{"start": "2027-01-01", "launches": 10, "interval_days": 3,
                          "vehicle": "falcon9", "satellites": 50, "group": "s",
                          "failure_probability": 0.02}])
    rid = stages.simulate(con, p)
    yrs = con.execute("SELECT calendar_year, launches, satellites, lost_launch, lost_raising, "
                      "loss_launch + loss_raising + loss_orbit, premium_launch, "
                      "premium_raising, aal FROM campaign_years WHERE run_id = ? "
                      "ORDER BY calendar_year", [rid]).fetchall()
    assert [(y[0], y[1], y[2]) for y in yrs] == [(2027, 10, 500), (2028, 1, 100)]
    aal = con.execute("SELECT value FROM metrics WHERE run_id = ? AND metric = 'aal'",
                      [rid]).fetchone()[0]
    assert sum(y[5] for y in yrs) == pytest.approx(aal, rel=1e-9)
    assert all(y[5] == pytest.approx(y[8]) for y in yrs)
    # raising: bus 1 % of survivors plus the storm at 210 km (38/49 per storm, 5 days)
    assert yrs[1][3] == pytest.approx(20.0, abs=2.0)
    assert yrs[0][4] > 0.01 * 500 * 0.98 * 0.8
    assert yrs[0][6] > 0 and yrs[0][7] > 0
    n = con.execute("SELECT count(*), sum(satellites) FROM campaign_launches WHERE run_id = ?",
                    [rid]).fetchone()
    assert n == (11, 600)
    phases = dict(con.execute("SELECT name, premium FROM allocations WHERE run_id = ? AND "
                              "dimension = 'phase'", [rid]).fetchall())
    total = con.execute("SELECT value FROM metrics WHERE run_id = ? AND metric = 'premium'",
                        [rid]).fetchone()[0]
    assert sum(phases.values()) == pytest.approx(total, rel=1e-9)


def test_launches_under_in_orbit_cover_are_flagged_not_priced(tmp_path):
    con = connect(str(tmp_path / "o.duckdb"))
    p = _portfolio(perils=[{"type": "independent_failure", "annual_probability": 0.01},
                           {"type": "launch"}],
                   policy={"cover": "in_orbit_annual"}, simulation={"years": 200})
    rid = stages.simulate(con, p)
    flags = dict(con.execute("SELECT code, severity FROM run_flags WHERE run_id = ?",
                             [rid]).fetchall())
    assert flags["launch_not_covered"] == "info"
    assert {c for c, s in flags.items() if s != "info"} == set()
    assert con.execute("SELECT count(*) FROM campaign_years WHERE run_id = ?",
                       [rid]).fetchone()[0] == 0


@pytest.mark.slow
def test_launch_posterior_converges_and_sits_beside_its_record():
    """The launch model alone: R-hat <= 1.01, bulk ESS >= 400, no divergences, < 2 min; the
    posterior mean per family lies between the record's raw rate and the pooled mean."""
    import time

    from riskengine import bayes
    from riskengine.models import build_launch_model

    rec = load_record()
    t0 = time.perf_counter()
    idata, tm = bayes.sample_model(build_launch_model(rec), bayes.FitSettings())
    assert time.perf_counter() - t0 < 120
    d = bayes.diagnostics(idata, "launch", tm)
    assert np.nanmax(d["r_hat"]) <= 1.01 and np.nanmin(d["ess_bulk"]) >= 400
    assert int(d["divergences"][0]) == 0
    p = idata.posterior["p"].mean(("chain", "draw")).to_series()
    assert p["falcon9"] < p["ariane5"] < p["electron"] < p["starship"]
    for f in rec.families:
        r = rec.row(f)
        assert 0.2 * (r["failures"] + 0.5 * r["partial"]) / r["flights"] < p[f] + 1e-3


def test_summary_and_report_show_the_campaign(tmp_path):
    from rich.console import Console

    from riskengine.cli.summary import print_price_summary
    from riskengine.report import write_report

    con = connect(str(tmp_path / "r.duckdb"))
    p = _portfolio(simulation={"years": 500, "seed": 1},
                   launch=[{"date": "2029-06-01", "vehicle": "long_march", "satellites": 10,
                            "group": "s", "failure_probability": 0.1}],
                   launch_schedule=[{"start": "2027-01-01", "launches": 5,
                                     "interval_days": 100, "vehicle": "falcon9",
                                     "satellites": 50, "group": "s",
                                     "failure_probability": 0.05}])
    rid = stages.simulate(con, p)
    c = Console(record=True, width=160)
    print_price_summary(c, con, rid)
    text = c.export_text()
    assert "launch + 1 year cover" in text and "Launch campaign by year of launch" in text
    assert all(y in text for y in ("2027", "2028", "2029"))
    html = write_report(con, rid, tmp_path / "r.html").read_text()
    assert "<h2>Launch campaign</h2>" in html and 'alt="campaign timeline"' in html
    assert "long_march" in html


def test_campaign_tables_are_the_same_on_two_dask_workers(tmp_path):
    """Same config and seed: the same campaign tables whatever the number of workers."""
    con = connect(str(tmp_path / "w.duckdb"))
    p = _portfolio(simulation={"years": 20_000, "seed": 5},
                   perils=[{"type": "launch"},
                           {"type": "deployment", "params": {"bus_failure_probability": 0.02,
                                                             "insertion_altitude_km": 210}}])
    one = stages.simulate(con, p, stages.Options(workers=1))
    two = stages.simulate(con, p, stages.Options(workers=2))
    q = ("SELECT * EXCLUDE (run_id) FROM {} WHERE run_id = ? ORDER BY 1")
    for t in ("campaign_years", "campaign_launches"):
        a = con.execute(q.format(t), [one]).fetchall()
        b = con.execute(q.format(t), [two]).fetchall()
        assert a == b and a


def test_satellites_that_never_reached_orbit_meet_no_derelict():
    """Collisions with the fleet's derelicts pick their satellite in the target shell; one
    on a launch that failed that year never reached orbit and meets none (its launch
    already paid its total loss)."""
    from riskengine.core.engine import simulate_block
    from riskengine.core.sources import DerelictSource

    n, years, rate = 20, 2_000, 5.0
    hs = HazardSet(np.full(n, 1e6), np.zeros(n, int), ["s"])
    units = Units.from_lists([np.arange(10), np.arange(10, 20)])
    hs.sources.append(LaunchFailureSource("launch", units, np.array([[1.0, 0.0]])))
    z = np.zeros(0)
    hs.perils.append("collision_derelict")
    hs.sources.append(DerelictSource("collision_derelict", (), Units.from_lists([np.arange(n)]),
                                     z.astype(int), z.astype(int), z, z, z,
                                     np.array([[rate]])))
    r = simulate_block(hs, Policy(), seed=4, block=0, n_years=years)
    der = r.ev_peril == hs.perils.index("collision_derelict")
    # derelicts present at inception: Poisson(5) collisions a year on the 20 satellites,
    # half of them on the failed launch's 10 (void): 2.5 a year remain, each a total loss
    assert abs(der.sum() / years - rate / 2) < 5 * np.sqrt(rate / 2 / years)
    lost = np.bincount(r.ev_year[der], r.ev_ground_up[der], minlength=years) / 1e6
    launch = np.bincount(r.ev_year[~der], r.ev_ground_up[~der], minlength=years) / 1e6
    assert np.all(launch == 10.0)                       # the failed launch, every year
    assert np.all(lost <= 10.0)                         # at most the 10 in orbit


@pytest.mark.parametrize("block_years", [4_000, 1])
def test_a_cluster_collision_needs_both_satellites_in_orbit(block_years):
    """A cluster of 4 whose satellites 0 and 1 were on a launch that always fails: a
    collision of a pair with one of them never happened (before: the partner in orbit was
    destroyed alone). The pair is uniform over the 6 pairs, so 1 in 6 collisions remain,
    each of satellites 2 and 3 together; their fragments hit nobody (0 and 1 are not there)."""
    from riskengine.core.engine import simulate_block
    from riskengine.core.sources import ClusterSource

    n, years, rate = 4, 4_000, 3.0
    hs = HazardSet(np.full(n, 1e6), np.zeros(n, int), ["s"])
    units = Units.from_lists([np.arange(2), np.arange(2, 4)])
    hs.sources.append(LaunchFailureSource("launch", units, np.array([[1.0, 0.0]])))
    hs.perils.append("cluster")
    hs.sources.append(ClusterSource("cluster", Units.from_lists([np.arange(4)]),
                                    np.array([[rate]]), pair_damage=1.0,
                                    fragment_probability=1.0, fragment_damage=0.1))
    parts = [simulate_block(hs, Policy(), seed=6, block=b, n_years=block_years)
             for b in range(years // block_years)]
    peril = np.concatenate([p.ev_peril for p in parts])
    sats = np.concatenate([p.ev_sats for p in parts])
    gu = np.concatenate([p.ev_ground_up for p in parts])
    c = peril == hs.perils.index("cluster")
    assert abs(c.sum() / years - rate / 6) < 5 * np.sqrt(rate / 6 / years)
    # both, total losses; a second collision of the year finds them gone (no satellite,
    # no loss); never one satellite alone
    first = sats[c] == 2
    assert np.all(first | (sats[c] == 0))
    assert np.all(gu[c][first] == 2e6) and np.all(gu[c][~first] == 0)
    assert first.sum() / years == pytest.approx(1 - np.exp(-rate / 6), abs=0.03)
    launch = peril == hs.perils.index("launch")
    assert launch.sum() == years and np.all(gu[launch] == 2e6)
