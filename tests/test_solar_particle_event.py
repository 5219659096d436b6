"""Solar particle events as a common shock (issue #19): one sampled set of events per year
hits every satellite at once and raises that year's accelerator dose failures.

Exact small case: events with a fixed fluence (log10 sd 0) arrive Poisson(w) in every year,
so a year with N events gives every accelerator the dose ``T + N x k F`` and the probability
``p(N) = (F_f(D0 + T + N k F) - F_f(D0)) / (1 - F_f(D0))`` of reaching its lognormal failure
dose; without spares each satellite loses ``Binomial(n, p(N))`` units. The expected loss per
year, per peril and per event count N, follows in closed form; the simulation must match
within its Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskengine.config import Policy
from riskengine.core.engine import simulate_block
from riskengine.core.radiation import conditional_failure_probability
from riskengine.core.sources import HazardSet, SolarDose
from riskengine.core.spe import SPEModel

M, N_ACC, SHARE, SI = 200, 4, 0.5, 1e8
MU, SIGMA = np.log(1000.0), 0.5
D0, TRAPPED, K, FLUENCE, RATE = 100.0, 50.0, 2e-7, 1e9, 2.0      # 200 rad per event
YEARS = 20_000


def _hazard_set(*, random=0.0, spares=0, d0=D0, rate=RATE, sd=0.0, active=1.0):
    hs = HazardSet(np.full(M, SI), np.zeros(M, int), ["g"], [])
    hs.add_solar_events("solar_particle_event",
                        SPEModel(rate, np.log10(FLUENCE), sd, active_year_fraction=active))
    p_static = conditional_failure_probability(d0, TRAPPED, MU, SIGMA)
    hs.add_capacity_draws(
        "accelerator" if random else None, "radiation", {"g": np.array([random])},
        {"g": np.array([p_static])}, {"g": N_ACC}, {"g": spares}, {"g": SHARE},
        solar=SolarDose("solar_particle_event", {"g": K}, {"g": np.array([MU])},
                        {"g": np.array([SIGMA])}, {"g": d0}, {"g": TRAPPED}))
    return hs


def _p(n_events, d0=D0):
    return conditional_failure_probability(d0, TRAPPED + n_events * K * FLUENCE, MU, SIGMA)


@pytest.fixture(scope="module")
def block():
    hs = _hazard_set()
    return hs, simulate_block(hs, Policy(), seed=11, block=0, n_years=YEARS)


def _events_per_year(hs, r):
    spe = hs.perils.index("solar_particle_event")
    return np.bincount(r.ev_year[r.ev_peril == spe], minlength=r.n_years)


def test_every_sampled_event_is_an_occurrence(block):
    hs, r = block
    n = _events_per_year(hs, r)
    assert n.mean() == pytest.approx(RATE, abs=4 * np.sqrt(RATE / YEARS))
    assert np.var(n) == pytest.approx(RATE, rel=0.05)           # Poisson counts


def test_expected_loss_per_event_count_is_exact(block):
    """Given the year's event count N every satellite sees the same dose: the annual
    ground-up loss given N is M x SI x SHARE x p(N) (each unit lost w.p. p(N))."""
    hs, r = block
    n = _events_per_year(hs, r)
    for k in range(4):
        yrs = r.ground_up[n == k]
        exact = M * SI * SHARE * _p(k)
        # Var of one year's loss given N: M satellites x Var(SHARE SI L / n), L ~ Bin(n, p)
        var = M * (SHARE * SI / N_ACC) ** 2 * N_ACC * _p(k) * (1 - _p(k))
        se = np.sqrt(var / len(yrs))
        assert abs(yrs.mean() - exact) < 4 * se + 1e-9 * exact, (k, yrs.mean(), exact, se)
    assert _p(3) > 5 * _p(0)                                       # the shock matters


def test_peril_split_is_exact_and_the_mean_solar_dose_is_not_counted_twice(block):
    """A dose claim is booked to the solar events with the solar share of its failure
    probability: E[solar] = M SI SHARE E_N[p(N) - p(0)], E[radiation] = M SI SHARE p(0),
    p(0) at the trapped dose alone."""
    hs, r = block
    spe, radn = hs.perils.index("solar_particle_event"), hs.perils.index("radiation")
    pn = stats.poisson.pmf(np.arange(40), RATE)
    e_p = float((pn * _p(np.arange(40))).sum())
    exact = {radn: M * SI * SHARE * _p(0), spe: M * SI * SHARE * (e_p - _p(0))}
    for c in (spe, radn):
        yearly = np.bincount(r.ev_year[r.ev_peril == c], weights=r.ev_ground_up[r.ev_peril == c],
                             minlength=YEARS)
        se = yearly.std(ddof=1) / np.sqrt(YEARS)      # the common shock's year-to-year spread
        assert yearly.mean() == pytest.approx(exact[c], abs=4 * se), hs.perils[c]
    # one claim per satellite-year: the ground-up AAL is that of p(N) alone
    se = r.ground_up.std(ddof=1) / np.sqrt(YEARS)
    assert r.ground_up.mean() == pytest.approx(M * SI * SHARE * e_p, abs=4 * se)
    # and far above the loss of the mean solar dose spread evenly over the years (convex
    # in dose: the sampled shock is not its mean)
    p_mean = _p(RATE)
    assert abs(e_p - p_mean) > 0.05 * p_mean


def test_one_event_hits_many_satellites_at_once(block):
    """A solar event is ONE occurrence of the whole fleet (its hits are the satellites whose
    failures the solar dose caused)."""
    hs, r = block
    spe = hs.perils.index("solar_particle_event")
    sats = r.ev_sats[r.ev_peril == spe]
    assert sats.max() > 20 and np.mean(sats) > 5
    # the occurrence loss of an event is the sum of its hits: never above the fleet's payload
    assert r.ev_ground_up[r.ev_peril == spe].max() <= M * SI * SHARE


def test_aged_satellites_and_spares_use_the_conditional_failure():
    """Spares absorb failures, and a satellite that took D0 before the year is conditioned on
    having survived it; with spares the exact distribution is lost_units_pmf at p(N)."""
    from riskengine.core.sources import lost_units_pmf

    hs = _hazard_set(d0=600.0, spares=1)
    r = simulate_block(hs, Policy(), seed=5, block=0, n_years=YEARS)
    spe = hs.perils.index("solar_particle_event")
    n = np.bincount(r.ev_year[r.ev_peril == spe], minlength=YEARS)
    for k in (0, 2):
        pmf = lost_units_pmf(N_ACC, 1, 0.0, _p(k, 600.0))
        exact = M * SI * SHARE / N_ACC * float((np.arange(N_ACC + 1) * pmf).sum())
        yrs = r.ground_up[n == k]
        var = M * (SHARE * SI / N_ACC) ** 2 * float(
            (np.arange(N_ACC + 1) ** 2 * pmf).sum() - (np.arange(N_ACC + 1) * pmf).sum() ** 2)
        assert abs(yrs.mean() - exact) < 4 * np.sqrt(var / len(yrs)), (k, yrs.mean(), exact)


def test_quiet_years_have_no_events_and_no_solar_loss():
    hs = _hazard_set(active=0.5)
    r = simulate_block(hs, Policy(), seed=3, block=0, n_years=4000)
    spe = hs.perils.index("solar_particle_event")
    n = np.bincount(r.ev_year[r.ev_peril == spe], minlength=4000)
    assert (n == 0).mean() == pytest.approx(0.5 + 0.5 * np.exp(-RATE), abs=0.03)
    solar_loss = np.bincount(r.ev_year[r.ev_peril == spe],
                             weights=r.ev_ground_up[r.ev_peril == spe], minlength=4000)
    assert np.all(solar_loss[n == 0] == 0)


def test_without_solar_events_the_capacity_draws_are_unchanged():
    """Adding the solar machinery changes nothing for a capacity source without it: the
    random streams of the other sources and of the capacity claims are the same."""
    def run(with_solar):
        hs = HazardSet(np.full(M, SI), np.zeros(M, int), ["g"], [])
        hs.add_independent_failure("hardware", 0.02)
        if with_solar:
            hs.add_solar_events("solar_particle_event", SPEModel(RATE, 9.0, 0.0))
        hs.add_capacity_draws("accelerator", "radiation", {"g": np.array([0.05])},
                              {"g": np.array([0.01])}, {"g": N_ACC}, {"g": 0}, {"g": SHARE})
        return simulate_block(hs, Policy(), seed=1, block=0, n_years=500)

    a, b = run(False), run(True)
    np.testing.assert_array_equal(a.ground_up, b.ground_up)


def test_spe_parameters_are_the_model_files():
    """The peril's defaults are the numbers of spe_model.toml (where each is sourced)."""
    from riskengine import radiation_env
    from riskengine.perils import get

    m, p = radiation_env.spe_model(), get("solar_particle_event").Params()
    for k in ("rate_per_active_year", "log10_fluence_mean", "log10_fluence_sd",
              "active_year_fraction", "rate_per_quiet_year"):
        assert getattr(p, k) == pytest.approx(getattr(m, k)), k


def _storm_years(share, rate=0.5, years=YEARS):
    """Two groups (30 and 20 satellites), each with its own storm source (every storm hits
    every satellite of its group), and solar events Poisson(RATE) a year, linked by
    ``drive_storms`` as the perils link them (solar-active every year)."""
    from types import SimpleNamespace

    from riskengine.perils import space_weather

    hs = HazardSet(np.full(50, SI), np.repeat([0, 1], [30, 20]), ["a", "b"], [])
    for g in ("a", "b"):
        hs.add_common_shock("space_weather", rate, 1.0, groups=[g], damage_fraction=0.01)
    hs.add_solar_events("solar_particle_event",
                        SPEModel(RATE, 9.0, 0.0, active_year_fraction=1.0))   # every year
    ctx = SimpleNamespace(shared={space_weather.STORMS_KEY: ("space_weather", share, rate,
                                                             range(0, 2))})
    space_weather.drive_storms(hs, ctx, "solar_particle_event", RATE)
    r = simulate_block(hs, Policy(), seed=7, block=0, n_years=years)
    n_spe = np.bincount(r.ev_year[r.ev_peril == hs.perils.index("solar_particle_event")],
                        minlength=years)
    storm = r.ev_peril == hs.perils.index("space_weather")
    ca = np.bincount(r.ev_year[storm & (r.ev_sats == 30)], minlength=years)
    cb = np.bincount(r.ev_year[storm & (r.ev_sats == 20)], minlength=years)
    return n_spe, ca, cb


def test_solar_events_drive_storms_without_moving_the_storm_rate():
    """Each solar event brings a storm with probability s = 0.1 (the same storm for every
    group); the independent storms keep 0.5 - s x 2 = 0.3 a year. So per group E[storms] =
    0.5, E[storms | N solar events] = 0.3 + 0.1 N, and the two groups' storm counts share
    the driven part: Cov = Var(Binomial(N, s)) = s x RATE = 0.2 (Poisson thinning)."""
    n, ca, cb = _storm_years(0.1)
    for c in (ca, cb):
        assert c.mean() == pytest.approx(0.5, abs=4 * np.sqrt(0.5 / YEARS))
        for k in range(4):
            sel = c[n == k]
            exact, var = 0.3 + 0.1 * k, 0.3 + k * 0.1 * 0.9
            assert abs(sel.mean() - exact) < 4 * np.sqrt(var / len(sel)), (k, sel.mean())
    cov = np.cov(ca, cb)[0, 1]
    assert cov == pytest.approx(0.2, abs=0.03)
    # without the link the storms ignore the sun and the groups' storms are independent
    n0, a0, b0 = _storm_years(0.0)
    assert abs(np.cov(a0, b0)[0, 1]) < 0.03
    assert abs(a0[n0 >= 3].mean() - a0[n0 == 0].mean()) < 0.05


def test_all_storms_driven_means_the_same_storms_in_every_group():
    """With s x RATE = rate every storm comes from a solar event: both groups see the same
    storm counts year by year (one storm, the whole fleet)."""
    n, ca, cb = _storm_years(0.1, rate=0.2, years=3000)
    np.testing.assert_array_equal(ca, cb)
    assert ca.sum() > 300 and np.all(ca <= n)


def test_more_driven_storms_than_the_storm_rate_is_refused():
    from riskengine.errors import ConfigError

    with pytest.raises(ConfigError, match="spe_driven_share"):
        _storm_years(0.5, rate=0.5, years=10)


def test_storm_link_default_is_the_named_assumption():
    import tomllib

    from riskengine.evidence import evidence_dir
    from riskengine.perils import get

    with open(evidence_dir() / "assumptions.toml", "rb") as f:
        a = tomllib.load(f)["space_weather"]
    assert get("space_weather").Params().spe_driven_share == a["spe_driven_share"]
    # it fits under the storm rate, also at the low storm rate of the sensitivity table
    s = get("solar_particle_event").Params()
    per_year = SPEModel(s.rate_per_active_year, s.log10_fluence_mean, s.log10_fluence_sd,
                        active_year_fraction=s.active_year_fraction,
                        rate_per_quiet_year=s.rate_per_quiet_year).mean_events_per_year()
    assert a["spe_driven_share"] * per_year <= 0.2
