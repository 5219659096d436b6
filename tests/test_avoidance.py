"""Avoidance derived from the manoeuvre threshold and covariance quality (riskengine.core.avoidance).

References
----------
* Hall (2019) AAS 19-631, eqs. 6, 11, 13 (cumulative Pc, remediated Pc, manoeuvre rate).
* CARA EventRate "NewHST" example (EventRate_Description.pdf, slides 8 and 19;
  params/LEO22_HST_Example1.m): HBR 10 m, threshold 1e-4, commit 1 d / consider 3.5 d,
  rho_t = 0.03, 15 yr, catalog growth 1.3 -> 0.71 manoeuvres/yr (95 %: 0.27-1.33),
  cumulative Pc 8.1e-3 without and 2.1e-3 with manoeuvres (74 % removed).
* The research for issue #20 recomputed CARA's public HST PcTable (Test_C.mat, 9.92 yr):
  71-74 % removed at 0.50-0.91 manoeuvres/yr at 1e-4 (1-3.5 d and 1.5-7 d windows).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from riskengine.core import avoidance as av
from riskengine.core.flux import R_EARTH_KM, Population, collision_rates, population_from_catalog


def test_cumulative_pc_and_hall_eq11():
    assert av.cumulative_pc([0.1, 0.2]) == pytest.approx(1 - 0.9 * 0.8, rel=1e-15)
    rem = av.remediated_pc([5e-5, 2e-4, 1e-2], [1e-4, 1e-3])
    np.testing.assert_allclose(rem, [[5e-5, 3e-6, 3e-6], [5e-5, 2e-4, 3e-5]], rtol=1e-15)


def test_success_share_leaves_failed_manoeuvres_at_their_pc():
    r = av.avoidance([1e-2], 1.0, 1e-4, success=0.0)
    assert r.share_removed[0] == 0.0 and r.maneuvers_per_year[0] == 1.0
    r = av.avoidance([1e-2], 1.0, 1e-4, success=0.9, residual_factor=0.0)
    # 10 % of the Pc stays: rate after = -ln(1 - 1e-3) vs -ln(1 - 1e-2)
    assert r.rate_after_per_year[0] == pytest.approx(-np.log1p(-1e-3), rel=1e-12)


def test_garwood_interval_known_values():
    """Exact Poisson 95 % limits: k=0 -> [0, 3.689]; k=10 -> [4.795, 18.39] (Garwood 1936)."""
    lo, hi = av.poisson_rate_interval(np.array([0, 10]), 1.0)
    np.testing.assert_allclose(lo, [0.0, 4.7954], atol=1e-4)
    np.testing.assert_allclose(hi, [3.6889, 18.3904], atol=1e-4)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(1)
    pc = 10 ** rng.uniform(-9, -3, 500)
    a = av.avoidance(pc, 10.0, [1e-5, 1e-4], rng=np.random.default_rng(7), n_boot=500)
    b = av.avoidance(pc, 10.0, [1e-5, 1e-4], rng=np.random.default_rng(7), n_boot=500)
    np.testing.assert_array_equal(a.share_removed_ci, b.share_removed_ci)
    assert np.all(a.share_removed_ci[0] <= a.share_removed) and np.all(a.share_removed <= a.share_removed_ci[1])
    assert a.risk_before_ci[0] <= a.risk_before <= a.risk_before_ci[1]
    # a threshold lower down removes more, at more manoeuvres
    assert a.share_removed[0] > a.share_removed[1] and a.maneuvers_per_year[0] > a.maneuvers_per_year[1]


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="years"):
        av.avoidance([1e-4], 0.0, 1e-4)
    with pytest.raises(ValueError, match="non-finite"):
        av.avoidance([np.nan], 1.0, 1e-4)


def test_encounter_sigmas_projection():
    # same direction (alpha = 0): the horizontal axis is along-track; head-on: cross-track
    sx, sy = av.encounter_sigmas([3, 40, 5], [4, 30, 12], [0.0, 180.0])
    np.testing.assert_allclose(sx, [5.0, 5.0])
    np.testing.assert_allclose(sy, [50.0, 13.0])


@pytest.mark.parametrize("sigma", [(60.0, 300.0), (30.0, 80.0)])
def test_single_covariance_share_matches_closed_form(sigma):
    """Uniform encounters, one covariance: share above T is 1 - T/Pc_max (chi-square, 2 dof)."""
    rng = np.random.default_rng(3)
    sx, sy = sigma
    g = av.CovarianceGrade((sx / np.sqrt(2), sy / np.sqrt(2), sy / np.sqrt(2)), 0.0, "test")
    H, lam, years = 2.0, 1e-3, 20_000.0
    c = av.synthetic_conjunctions(rng, lam, H, years, [90.0], g)
    np.testing.assert_allclose(c["sigma_x_m"], sx)
    np.testing.assert_allclose(c["sigma_y_m"], sy)
    # the sum of Pc is the collision rate (Poisson error of ~20 expected collisions' worth)
    assert c["pc"].sum() / years == pytest.approx(lam, rel=0.1)
    T = np.array([1e-6, 1e-5])
    r = av.avoidance(c["pc"], years, T, residual_factor=0.0)
    np.testing.assert_allclose(r.share_removed, av.share_removed_single_covariance(T, sx, sy, H),
                               atol=0.03)
    # events above T per year: lam/(pi H^2) * pi sx sy * 2 ln(Pc_max/T)
    pmax = H * H / (2 * sx * sy)
    np.testing.assert_allclose(r.maneuvers_per_year, lam * sx * sy / H ** 2 * 2 * np.log(pmax / T),
                               rtol=0.1)


@pytest.mark.parametrize("grade", ["tle", "cdm", "operator"])
def test_sum_of_pc_is_the_flux_rate_for_every_covariance(grade):
    """Covariance moves Pc between events, never the total (uniform encounters)."""
    years = {"tle": 100.0, "cdm": 1_000.0, "operator": 20_000.0}[grade]
    c = av.synthetic_conjunctions(np.random.default_rng(4), 1e-3, 10.0, years, [30.0, 120.0], grade)
    assert c["pc"].sum() / years == pytest.approx(1e-3, rel=0.15)


def test_crossing_angles_follow_the_inclination_geometry():
    rng = np.random.default_rng(5)
    # a 28.5 deg target against a polar population: at latitude phi the target heads at
    # arccos(cos 28.5 / cos phi) and the polar object due north/south
    a = av.sample_crossing_angles(rng, 5_000, 28.5, [90.0])
    assert a.min() >= 90.0 - 28.5 - 0.5 and a.max() <= 90.0 + 28.5 + 0.5
    with pytest.raises(ValueError, match="no object"):
        av.sample_crossing_angles(rng, 10, 80.0, [0.0])


# ------------------------------------------------------------------ HST check (the done-when)
def _hst_inputs():
    """HST-like orbit against the embedded 2016-02 population (the era of CARA's 2009-2019
    HST history): flux at 10 m and the crossing angles of objects crossing 540 km."""
    from riskengine.catalog.reader import default_catalog, read_catalog

    info = default_catalog()
    if info is None:
        pytest.skip("embedded default catalog absent")
    pop = population_from_catalog(read_catalog([info["path"]]))
    tgt = Population([R_EARTH_KM + 540.0], [0.0], [28.5], [0.0], [4], [1.0])
    lam = float(collision_rates(tgt, pop, combined_radius_m=10.0).total[0])
    rp = pop.a_km * (1 - pop.e) - R_EARTH_KM
    ra = pop.a_km * (1 + pop.e) - R_EARTH_KM
    cross = (rp <= 545.0) & (ra >= 535.0)
    ang = av.sample_crossing_angles(np.random.default_rng(20), 20_000, 28.5, pop.inc_deg[cross])
    return lam, ang


def test_hst_derived_avoidance_against_cara():
    """HST-like (540 km, 28.5 deg, HBR 10 m), threshold 1e-4, CDM-grade covariance.

    Flux vs the 2016 population: 6.5e-4 /yr (Hall 2019: 6.9e-4). Model expectation
    (2,000 simulated years) and a 9.92-yr sample (CARA's HST history length) with its
    Poisson-bootstrap / Garwood 95 % interval, beside CARA:

    =========================  =================  ==================  ===========================
    quantity                   model, expectation model, 9.92-yr draw  CARA
    =========================  =================  ==================  ===========================
    share removed at 1e-4      0.84 [0.82-0.86]   0.62 [0.19-0.80]    0.74 (EventRate); 0.71-0.74
                                                                      (data; bootstrap 0.16-0.89)
    manoeuvres / yr at 1e-4    0.92               0.50 [0.16-1.18]    0.71 [0.27-1.33] (EventRate,
                                                                      growth 1.3); 0.50-0.91 data
    share removed at 1e-5      0.97               0.94                0.92-0.94 (data)
    manoeuvres / yr at 1e-5    3.4                2.9 [1.96-4.20]     3.7-6.5 (data)
    =========================  =================  ==================  ===========================

    TLE grade at 1e-4: 0.3 % removed, 0.01 /yr (diluted); owner/operator grade: 99.9 % at
    0.04 /yr. The CDM grade is one real CSpOC CDM's sigmas with an assumed 0.5-dex scatter
    (see ``COVARIANCE_GRADES``), not a fit to CARA's data.
    (numbers as of this commit, seed 20; the assertions below carry the tolerances.)
    """
    lam, ang = _hst_inputs()
    assert 6.9e-4 / 1.5 < lam < 6.9e-4 * 1.5
    T = np.array([1e-4, 1e-5])
    rng = np.random.default_rng(20)
    exp = av.derived_avoidance(rng, lam, 10.0, T, ang, "cdm", years=2_000.0, n_boot=100)
    obs = av.derived_avoidance(rng, lam, 10.0, T, ang, "cdm", years=9.92, n_boot=2_000)
    # the model's expectation sits near CARA's (74 %, 0.71 /yr) -- within the sampling
    # spread that a 10-yr history has (CARA's own 95 % range 0.27-1.33 /yr)
    assert 0.6 <= exp.share_removed[0] <= 0.95
    assert 0.27 <= exp.maneuvers_per_year[0] <= 1.33
    assert obs.share_removed_ci[0, 0] <= 0.74 <= obs.share_removed_ci[1, 0]
    assert obs.maneuvers_per_year_ci[0, 0] <= 0.71 <= obs.maneuvers_per_year_ci[1, 0]
    # 1e-5: CARA data 92-94 % at 3.7-6.5 /yr
    assert 0.85 <= exp.share_removed[1] <= 0.995
    assert 1.5 <= exp.maneuvers_per_year[1] <= 10.0


def test_tle_grade_dilutes_the_risk_below_a_1e4_threshold():
    """With TLE sigmas (Aida & Kirschner, 2 d) a 10 m HST never reaches 1e-4: nothing is
    removed at 1e-4; a 1e-5 threshold removes ~70 % at ~20 manoeuvres/yr (Starlink-like
    rates: SpaceX reports ~13/sat-yr at 1e-5 in 2023)."""
    lam, ang = _hst_inputs()
    r = av.derived_avoidance(np.random.default_rng(21), lam, 10.0, [1e-4, 1e-5], ang, "tle",
                             years=200.0, n_boot=50)
    assert r.share_removed[0] < 0.05
    assert 0.5 < r.share_removed[1] < 0.9 and 10.0 < r.maneuvers_per_year[1] < 40.0


def _cara_hst_pc(path: Path, commit_d: float, consider_d: float, hbr_m: float = 10.0):
    """Last-update 2D Pc per unique HST event (same secondary, TCA within a minute) whose
    update lies commit..consider days before TCA (Hall 2019 eq. 6 inputs)."""
    from scipy.io import loadmat

    m = loadmat(path, squeeze_me=True, struct_as_record=False)
    tab, hbr = m["DBTable"], np.atleast_1d(m["PcTable"].HBR)
    pc_all = tab[:, -(hbr.size + 2):-2]
    sec, tca, t2 = tab[:, 1], tab[:, 24], tab[:, 25]
    j = int(np.argmin(np.abs(hbr - hbr_m)))
    ok = np.flatnonzero((t2 >= commit_d) & (t2 <= consider_d))
    last: dict = {}
    for i in ok:
        k = (int(sec[i]), int(round(tca[i] * 1440)))
        if k not in last or t2[i] < t2[last[k]]:
            last[k] = i
    idx = np.array(sorted(last.values()))
    span = (np.nanmax(tca) - np.nanmin(tca)) / 365.25
    return np.nan_to_num(pc_all[idx, j], nan=0.0), span


@pytest.mark.skipif(not os.environ.get("RISKENGINE_CARA_PCTABLE"),
                    reason="set RISKENGINE_CARA_PCTABLE to CARA's EventRate/data/Test_C.mat "
                           "(nasa/CARA_Analysis_Tools, NOSA; not vendored: 3.8 MB and its own "
                           "licence)")
def test_cara_hst_pc_table_reproduces_eventrate():
    """CARA's public HST PcTable through :func:`avoidance`: 74 % at 0.50 /yr (1-3.5 d)."""
    pc, span = _cara_hst_pc(Path(os.environ["RISKENGINE_CARA_PCTABLE"]), 1.0, 3.5)
    assert pc.size == pytest.approx(997, abs=10)          # EventRate: 997 events
    r = av.avoidance(pc, span, [1e-4, 1e-5], rng=np.random.default_rng(0))
    assert r.share_removed[0] == pytest.approx(0.74, abs=0.02)
    assert r.maneuvers_per_year[0] == pytest.approx(0.50, abs=0.02)
    assert r.maneuvers_per_year_ci[0, 0] <= 0.71 <= r.maneuvers_per_year_ci[1, 0]
    assert r.share_removed[1] == pytest.approx(0.935, abs=0.02)
    # Hall 2019 settings (1.5-7 d): cumulative Pc 6.8e-3 over 9.92 yr
    pc, span = _cara_hst_pc(Path(os.environ["RISKENGINE_CARA_PCTABLE"]), 1.5, 7.0)
    assert av.cumulative_pc(pc) == pytest.approx(6.8e-3, rel=0.03)


def _derived(path, h, inc, hbr, thresholds, exclude_prefix=None, years=200.0):
    from riskengine.catalog.reader import read_catalog

    cat = read_catalog([path])
    pop = population_from_catalog(cat)
    ok = (np.isfinite(cat.semi_major_axis_km) & (cat.semi_major_axis_km > R_EARTH_KM)
          & np.isfinite(cat.eccentricity) & (cat.eccentricity < 1))
    if exclude_prefix:
        names = np.array([str(n) for n in cat.name])[ok]
        pop = pop.subset(~np.char.startswith(names, exclude_prefix))
    tgt = Population([R_EARTH_KM + h], [0.0], [inc], [0.0], [4], [1.0])
    lam = float(collision_rates(tgt, pop, combined_radius_m=hbr).total[0])
    rp = pop.a_km * (1 - pop.e) - R_EARTH_KM
    ra = pop.a_km * (1 + pop.e) - R_EARTH_KM
    cross = (rp <= h + 5) & (ra >= h - 5)
    ang = av.sample_crossing_angles(np.random.default_rng(1), 20_000, inc, pop.inc_deg[cross])
    return av.derived_avoidance(np.random.default_rng(2), lam, hbr, thresholds, ang, "cdm",
                                years=years, n_boot=50)


def test_esa_like_manoeuvre_rate():
    """ESA-like mission (800 km, 98.6 deg, HBR 10 m, 1e-4, CDM grade) vs the 2016 population:
    5.1 manoeuvres/yr removing 89 % of the risk. ESA: "90 % risk reduction at cost of 1-3
    manoeuvres per year" (Funke et al. 2018), "two … per year for each Earth mission" (2020),
    "three to four" (2021). Ours is 1.3-5x higher (the CDM grade's along-track sigma is one
    CSpOC CDM's; ESA also screens with its own orbit data)."""
    from riskengine.catalog.reader import default_catalog

    info = default_catalog()
    if info is None:
        pytest.skip("embedded default catalog absent")
    r = _derived(info["path"], 800.0, 98.6, 10.0, [1e-4])
    assert 1.0 <= r.maneuvers_per_year[0] <= 4.0 * 3
    assert 0.8 <= r.share_removed[0] <= 0.97


@pytest.mark.shared
def test_starlink_like_manoeuvre_rate(full_3le):
    """Starlink-like satellite (550 km, 53 deg, CDM grade) vs the 2023-10 catalog without
    the Starlinks (they coordinate among themselves):

    =====================  ================  ================  ===========================
    threshold              HBR 5 m           HBR 10 m          SpaceX FCC reports
    =====================  ================  ================  ===========================
    1e-5                   4.3 /sat-yr       8.4 /sat-yr       ~12.6 (Dec 2022-May 2023)
    1e-6                   11.8 /sat-yr      17.8 /sat-yr      ~17.7-28 (Dec 2023-May 2024)
    =====================  ================  ================  ===========================
    """
    r5 = _derived(full_3le, 550.0, 53.0, 5.0, [1e-5, 1e-6], "STARLINK")
    r10 = _derived(full_3le, 550.0, 53.0, 10.0, [1e-5, 1e-6], "STARLINK")
    assert 12.6 / 3 <= r5.maneuvers_per_year[0] <= 12.6 * 3
    assert 12.6 / 3 <= r10.maneuvers_per_year[0] <= 12.6 * 3
    assert 17.7 / 3 <= r10.maneuvers_per_year[1] <= 28.0 * 3


def test_model_avoidance_reuses_its_conjunctions_to_the_bit():
    """A group's conjunctions drawn for one manoeuvre threshold and success are kept for
    another (the collision peril's sensitivity cases move only those): every number is
    the one a fresh draw gives, and the stream is left where drawing leaves it."""
    from riskengine.perils import _avoid

    angles = np.random.default_rng(3).uniform(10, 170, 500)
    out = {}
    for cached in (False, True):
        _avoid._DRAWN.clear()
        for T, success in [(1e-4, 0.9), (1e-5, 0.8), (1e-4, 0.9)]:
            rng = _avoid.group_rng("g", "catalog")
            if not cached:
                _avoid._DRAWN.clear()
            d = _avoid.from_model(5e-4, 12.0, T, angles, "tle", success, rng)
            out.setdefault(cached, []).append((d.as_dict(), rng.random()))
    assert out[True] == out[False]
    assert len(_avoid._DRAWN) == 1
