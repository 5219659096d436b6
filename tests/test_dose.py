"""Dose behind Al from AE-8/AP-8 and solar protons, against published references.

References (tests/data/radiation, see its README):

* SPENVIS 4.6.11 SHIELDOSE-2 runs at 550 km (Pfandzelter, leo-edge-failure-models): the design
  guide's 550 km numbers. Tolerance: a factor 1.5 at 3-10 mm. Why 1.5: the AE-8/AP-8 models
  themselves are quoted as uncertain by about a factor 2 (Vette 1991, NSSDC/WDC-A-R&S 91-24/29),
  so a second implementation of the same models is judged by how it reproduces SPENVIS, not the
  sky; our kernel reproduces SHIELDOSE-2 within +-5 % on identical spectra (tested below), and the
  rest is the orbit-averaged environment (AP-8 evaluation near the SAA, orbit sampling, altitude
  convention: at 550 km the dose changes ~0.7 %/km), which the research note measured at -5 to
  -20 % with respect to SPENVIS. 1.5 leaves that bias plus its spread across inclinations.
* 825 km / 98.8 deg: SHIELDOSE-2 applied to the published SPENVIS 4.6.13 orbit-averaged spectra
  (environment and kernel independent of ours), same factor 1.5; observed 0.93-0.97.
* 1,000 / 1,200 / 1,400 km: SHIELDOSE-2 on our own aep8 spectra (kernel only): +-10 %.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from riskengine import radiation_env as renv
from riskengine.core import dose as core_dose
from riskengine.core import spe as core_spe

DATA = Path(__file__).parent / "data" / "radiation"
DEPTHS = np.array([1.0, 3.0, 5.0, 10.0])
DAYS_PER_YEAR = 365.25


@pytest.fixture(scope="module", autouse=True)
def dose_cache(tmp_path_factory):
    """Every test of this module uses one private spectra cache (never the user's)."""
    import os

    d = tmp_path_factory.mktemp("dose-cache")
    old = os.environ.get("RISKENGINE_DOSE_CACHE")
    os.environ["RISKENGINE_DOSE_CACHE"] = str(d)
    renv._MEMO.clear()
    yield d
    renv._MEMO.clear()
    if old is None:
        os.environ.pop("RISKENGINE_DOSE_CACHE", None)
    else:
        os.environ["RISKENGINE_DOSE_CACHE"] = old


@pytest.fixture(autouse=True)
def _keep_dose_cache(dose_cache, monkeypatch):
    monkeypatch.setenv("RISKENGINE_DOSE_CACHE", str(dose_cache))


def _spenvis_550(inclination: int) -> dict[float, np.ndarray]:
    """SPENVIS SHIELDOSE-2 table -> {mm: (total, electrons, bremsstrahlung, protons)} per year."""
    lines = (DATA / f"spenvis_550km_i{inclination}.txt").read_text().splitlines()
    days = next(float(ln.split(",")[2]) for ln in lines if ln.startswith("'MIS_DUR'"))
    rows = {}
    for ln in lines:
        parts = ln.replace(",", " ").split()
        if len(parts) == 5 and not ln.startswith("'"):
            v = np.array([float(p) for p in parts])
            rows[round(v[0], 3)] = v[1:] * DAYS_PER_YEAR / days
    return rows


def _csv(name):
    lines = [ln for ln in (DATA / name).read_text().splitlines() if ln and not ln.startswith("#")]
    head = lines[0].split(",")
    return [dict(zip(head, ln.split(","))) for ln in lines[1:]]


# --------------------------------------------------------------------------- environment
def test_earth_radius_correction_matches_irbem_units():
    """What reaches IRBEM is r / 6371.2 km (IRBEM's ERA), not aep8's r / 6378.1 km.

    If a future aep8 fixes its conversion, this test fails and the scaling in
    ``radiation_env._geomagnetic_coordinates`` must go.
    """
    import inspect

    import aep8
    from aep8 import _irbem
    from astropy import units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    assert "to_value(u.earthRad)" in inspect.getsource(aep8.Model.geomagnetic_coordinates)
    xyz = renv.sample_circular_orbit(550.0, 53.0, 8)
    lm, bb0 = renv._geomagnetic_coordinates(xyz, "min")
    t = np.int64(round(Time(renv._EPOCH).utc.unix))
    b_raw, l_raw = _irbem.geomag3(t, *(xyz.T / renv.RE_IRBEM_KM))
    ok = np.isfinite(l_raw) & (l_raw > 0)
    np.testing.assert_allclose(lm[ok], l_raw[ok], rtol=1e-9)
    np.testing.assert_allclose(bb0[ok], b_raw[ok], rtol=1e-9)
    # uncorrected, aep8 puts the orbit ~7.5 km low: L is measurably smaller
    loc = EarthLocation.from_geocentric(*xyz.T, unit=u.km)
    l_bad, _ = aep8.model("p", "min").geomagnetic_coordinates(loc, Time(renv._EPOCH))
    assert np.all(np.asarray(l_bad)[ok] < lm[ok])


@pytest.mark.parametrize("orbit,alt,inc", [("825km_98.8deg", 825.0, 98.8),
                                          ("530km_53deg", 530.0, 53.0)])
def test_orbit_spectra_match_spenvis(orbit, alt, inc):
    """Orbit-averaged AP-8 MIN / AE-8 MAX J(>E) vs SPENVIS 4.6.13: 15 % (observed 0.91-1.03)."""
    rows = [r for r in _csv("spenvis_reference_spectra.csv") if r["orbit"] == orbit]
    env = renv.orbit_environment(alt, inc)
    for particle, e_grid, j in (("p", env.proton_energy_mev, env.proton_flux),
                                ("e", env.electron_energy_mev, env.electron_flux)):
        energies = (1.0, 10.0, 30.0, 100.0, 300.0) if particle == "p" else (0.5, 1.0, 2.0, 4.0)
        for energy in energies:
            ref = next(float(r["integral_flux_cm2_s"]) for r in rows
                       if r["particle"] == particle and float(r["energy_mev"]) == energy)
            logj = np.log(np.maximum(j, 1e-300))
            ours = np.exp(np.interp(np.log(energy), np.log(e_grid), logj))
            assert ours / ref == pytest.approx(1.0, abs=0.15), (particle, energy, ours, ref)


# --------------------------------------------------------------------------- 550 km SPENVIS
@pytest.mark.parametrize("inclination", [30, 45, 55, 70, 95])
def test_550km_against_published_spenvis(inclination):
    """The guide's 550 km table (SPENVIS 4.6.11, SHIELDOSE-2, trapped only), factor 1.5 at 3-10 mm.

    Observed (ours / SPENVIS at 1, 3, 5, 10 mm): 55 deg 0.86 / 0.92 / 0.93 / 0.86,
    95 deg 0.87 / 0.93 / 0.94 / 0.86; 30 deg is the worst cell, 0.77 at 10 mm.
    """
    ref = _spenvis_550(inclination)
    r = renv.dose_rate(550.0, float(inclination), DEPTHS)
    ratios = r.trapped / np.array([ref[d][0] for d in DEPTHS])
    print(f"\n550 km {inclination} deg ours/SPENVIS at 1/3/5/10 mm: {np.round(ratios, 2)}")
    assert np.all((ratios[1:] > 1 / 1.5) & (ratios[1:] < 1.5))
    assert 1 / 1.5 < ratios[0] < 1.5      # 1 mm too, although the brief asks only 3-10 mm


def test_550km_components_at_55deg():
    """Split by source at 55 deg: each part within 1.5 of SPENVIS at 3 and 5 mm."""
    ref = _spenvis_550(55)
    r = renv.dose_rate(550.0, 55.0, [3.0, 5.0])
    for i, d in enumerate((3.0, 5.0)):
        total, electrons, brems, protons = ref[d]
        assert r.trapped_protons[i] / protons == pytest.approx(1.0, abs=0.33)
        assert r.trapped_electrons[i] / electrons == pytest.approx(1.0, abs=0.33)
        # our thick-target bremsstrahlung is 2-3x low (documented); it is ~1 % of the total
        assert 0.2 < r.bremsstrahlung[i] / brems < 1.0
        assert brems / total < 0.03


# --------------------------------------------------------------------------- 700-1,500 km
def test_825km_against_shieldose2_on_spenvis_spectra():
    """Full pipeline vs SHIELDOSE-2 on the published SPENVIS 825 km / 98.8 deg spectra."""
    ref = {float(r["shielding_mm"]): float(r["total"]) for r in _csv("shieldose2_reference.csv")
           if r["spectra"] == "spenvis" and r["altitude_km"] == "825"}
    r = renv.dose_rate(825.0, 98.8, DEPTHS)
    ratios = r.trapped / np.array([ref[d] for d in DEPTHS])
    print(f"\n825 km 98.8 deg ours/SD2(SPENVIS spectra) at 1/3/5/10 mm: {np.round(ratios, 3)}")
    assert np.all((ratios[1:] > 1 / 1.5) & (ratios[1:] < 1.5))
    assert np.all(np.abs(ratios - 1) < 0.10)   # observed 0.93-0.97


@pytest.mark.parametrize("orbit", ["825km_98.8deg", "530km_53deg"])
def test_kernel_reproduces_shieldose2_on_spenvis_spectra(orbit):
    """Our kernels vs SHIELDOSE-2, both on SPENVIS's own spectra: +-10 % at 3-10 mm."""
    rows = [r for r in _csv("spenvis_reference_spectra.csv") if r["orbit"] == orbit]
    grab = lambda p, k: np.array([float(r[k]) for r in rows if r["particle"] == p])  # noqa: E731
    alt = orbit.split("km")[0]
    ref = {float(r["shielding_mm"]): float(r["total"]) for r in _csv("shieldose2_reference.csv")
           if r["spectra"] == "spenvis" and r["altitude_km"] == alt}
    d = core_dose.trapped_dose_per_year(grab("p", "energy_mev"), grab("p", "integral_flux_cm2_s"),
                                        grab("e", "energy_mev"), grab("e", "integral_flux_cm2_s"),
                                        DEPTHS, renv.shield_tables())
    ratios = d.total / np.array([ref[t] for t in DEPTHS])
    assert np.all(np.abs(ratios[1:] - 1) < 0.10), ratios
    assert abs(ratios[0] - 1) < 0.15, ratios     # 1 mm: 0.92-0.93 (electron kernel)


@pytest.mark.parametrize("alt,inc", [(1000.0, 99.5), (1200.0, 87.9), (1400.0, 52.0)])
def test_higher_orbits_against_shieldose2(alt, inc):
    """1,000-1,400 km: SHIELDOSE-2 on the same aep8 spectra, +-10 % (observed 0.97-1.03)."""
    ref = {float(r["shielding_mm"]): float(r["total"]) for r in _csv("shieldose2_reference.csv")
           if r["spectra"] == "aep8" and float(r["altitude_km"]) == alt}
    r = renv.dose_rate(alt, inc, DEPTHS)
    ratios = r.trapped / np.array([ref[d] for d in DEPTHS])
    print(f"\n{alt:g} km {inc:g} deg ours/SD2(aep8 spectra): {np.round(ratios, 3)}")
    assert np.all(np.abs(ratios - 1) < 0.10)


def test_suncatcher_650km_dawn_dusk_sso():
    """Google Suncatcher: ~750 rad(Si) in 5 years (150 rad/yr) 'shielded' at ~650 km SSO.

    Reports the Al thickness that gives 150 rad/yr of trapped dose (research: ~16 mm with
    AP-8 MIN, ~8.5 mm with AP-8 MAX) and our dose at 10 mm.
    """
    t = np.geomspace(2.0, 30.0, 60)
    out = {}
    for solar in (None, "max"):
        r = renv.dose_rate(650.0, 97.98, t, solar=solar)
        trapped = r.trapped
        t150 = float(np.exp(np.interp(np.log(150.0), np.log(trapped[::-1]), np.log(t[::-1]))))
        at10 = renv.dose_rate(650.0, 97.98, 10.0, solar=solar)
        out[solar] = (t150, float(at10.trapped[0]), float(at10.solar_protons[0]))
    print(f"\nSuncatcher 650 km SSO: 150 rad/yr trapped at {out[None][0]:.1f} mm (AP-8 MIN), "
          f"{out['max'][0]:.1f} mm (AP-8 MAX); at 10 mm trapped {out[None][1]:.0f} rad/yr "
          f"(+ mean SPE {out[None][2]:.0f})")
    assert 12.0 < out[None][0] < 22.0
    assert 6.0 < out["max"][0] < 12.0
    assert 150.0 < out[None][1] < 230.0


# --------------------------------------------------------------------------- API behaviour
def test_vectorised_over_thickness_and_spectra():
    r = renv.dose_rate(600.0, 60.0, DEPTHS)
    for i, d in enumerate(DEPTHS):
        one = renv.dose_rate(600.0, 60.0, d)
        assert one.rad_si_per_year[0] == pytest.approx(r.rad_si_per_year[i], rel=1e-12)
    env = renv.orbit_environment(600.0, 60.0)
    env2 = renv.orbit_environment(900.0, 60.0)
    stacked = core_dose.trapped_dose_per_year(
        env.proton_energy_mev, np.stack([env.proton_flux, env2.proton_flux]),
        env.electron_energy_mev, np.stack([env.electron_flux, env2.electron_flux]),
        DEPTHS, renv.shield_tables())
    assert stacked.total.shape == (2, 4)
    np.testing.assert_allclose(stacked.total[0], r.trapped, rtol=1e-12)
    assert np.all(np.diff(r.rad_si_per_year) < 0)


def test_validity_refusal_and_flag():
    with pytest.raises(renv.DoseValidityError, match=r"altitude_km=250 .*300-2,000"):
        renv.dose_rate(250.0, 51.6, 3.0)
    with pytest.raises(renv.DoseValidityError, match="shielding_mm=60"):
        renv.dose_rate(550.0, 53.0, 60.0)
    r = renv.dose_rate(250.0, 51.6, [3.0, 60.0], strict=False)
    assert not r.valid and len(r.outside_validity) == 2
    assert np.all(np.isfinite(r.rad_si_per_year))
    for bad in ({"inclination_deg": 190.0}, {"altitude_km": float("nan")},
                {"shielding_mm": -1.0}):
        kw = {"altitude_km": 550.0, "inclination_deg": 53.0, "shielding_mm": 3.0} | bad
        with pytest.raises(renv.DoseValidityError):
            renv.dose_rate(**kw, strict=False)
    with pytest.raises(renv.DoseValidityError, match="solar"):
        renv.dose_rate(550.0, 53.0, 3.0, solar="medium")
    assert renv.dose_rate(550.0, 53.0, 3.0).valid


def test_disk_cache_round_trip_and_corrupt_file(dose_cache):
    renv._MEMO.clear()
    a = renv.orbit_environment(777.0, 45.0)
    assert not a.from_cache
    renv._MEMO.clear()
    b = renv.orbit_environment(777.0, 45.0)
    assert b.from_cache
    np.testing.assert_array_equal(a.proton_flux, b.proton_flux)
    np.testing.assert_array_equal(a.l_shell, b.l_shell)
    path = dose_cache / f"{renv._cache_key(777.0, 45.0, None)}.npz"
    path.write_bytes(b"not a zip file")
    renv._MEMO.clear()
    c = renv.orbit_environment(777.0, 45.0)
    assert not c.from_cache
    np.testing.assert_array_equal(a.proton_flux, c.proton_flux)


def test_solar_phases():
    d_std = renv.dose_rate(800.0, 70.0, 3.0)
    d_min = renv.dose_rate(800.0, 70.0, 3.0, solar="min")
    d_max = renv.dose_rate(800.0, 70.0, 3.0, solar="max")
    assert d_min.solar_protons[0] == 0.0                  # no events in solar-minimum years
    assert d_max.trapped_protons[0] < d_std.trapped_protons[0]   # AP-8 MAX < AP-8 MIN in LEO
    assert d_min.trapped_electrons[0] < d_std.trapped_electrons[0]
    assert d_std.trapped_electrons[0] == pytest.approx(d_max.trapped_electrons[0])


# --------------------------------------------------------------------------- solar particles
def test_1972_event_dose_at_polar_leo():
    """King's August 1972 event at 825 km / 98.8 deg: research note 1,014 / 611 / 444 / 229 rad."""
    d = renv.spe_event_dose(1.0, 98.8, 825.0, DEPTHS)
    np.testing.assert_allclose(d, [1014.0, 611.0, 444.0, 229.0], rtol=0.10)
    assert renv.spe_event_dose(2.0, 98.8, 825.0, 5.0)[0] == pytest.approx(2 * d[2])
    outside = core_spe.dose_per_unit_fluence([0.0], DEPTHS, renv.shield_tables()) * 7.9e9
    np.testing.assert_allclose(outside, [5348.0, 2938.0, 2032.0, 985.0], rtol=0.10)
    low = renv.spe_event_dose(1.0, 53.0, 550.0, DEPTHS)
    assert np.all(low < 10.0)         # closed to solar protons below ~60 MeV at 53 deg


def test_geomagnetic_transmission_by_orbit():
    """Quiet Stormer cut-off: none below 30 MeV at 53 deg; 16-26 % at SSO/polar up to 100 MeV;
    and within 1.5 of SPENVIS's orbit-averaged attenuation at 825 km (0.214 to 140 MeV, 0.263 at
    500 MeV; SPENVIS 4.6.13, spenvis_esp_psychic_95.csv)."""
    e = np.array([10.0, 30.0, 100.0, 500.0])
    low = core_spe.geomagnetic_transmission(renv.orbit_environment(550.0, 53.0).cutoff_gv(), e)
    assert low[0] == 0.0 and low[1] == 0.0
    polar = core_spe.geomagnetic_transmission(renv.orbit_environment(825.0, 98.8).cutoff_gv(), e)
    assert np.all((polar[:3] > 0.14) & (polar[:3] < 0.28))
    spenvis = np.array([0.2138, 0.2138, 0.2138, 0.2634])
    assert np.all((polar / spenvis > 1 / 1.5) & (polar / spenvis < 1.5)), polar / spenvis
    storm = core_spe.geomagnetic_transmission(renv.orbit_environment(825.0, 98.8).cutoff_gv(),
                                              e, cutoff_scale=0.75)
    assert np.all(storm >= polar)


def test_spe_sampler_moments_and_determinism():
    m = renv.spe_model()
    k = np.array([2e-8, 5e-9])
    n = 400_000
    s = core_spe.sample_spe_year(np.random.default_rng(2026), n, m, k)
    p, w = m.active_year_fraction, m.rate_per_active_year
    # counts: mixture of Poisson(w) with probability p and 0 -> mean p w, var p w + p (1-p) w^2
    mean, var = p * w, p * w + p * (1 - p) * w * w
    assert s.counts.mean() == pytest.approx(mean, abs=4 * np.sqrt(var / n))
    assert s.counts.var() == pytest.approx(var, rel=0.02)
    assert s.active.mean() == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n))
    assert np.all(s.counts[~s.active] == 0)
    lf = np.log10(s.fluence_gt30)
    tol = 4 * m.log10_fluence_sd / np.sqrt(lf.size)
    assert lf.mean() == pytest.approx(m.log10_fluence_mean, abs=tol)
    assert lf.std() == pytest.approx(m.log10_fluence_sd, rel=0.01)
    np.testing.assert_allclose(s.event_dose, s.fluence_gt30[:, None] * k[None, :])
    np.testing.assert_allclose(s.annual_dose.sum(axis=0), s.event_dose.sum(axis=0), rtol=1e-10)
    assert np.all(np.bincount(s.event_year, minlength=n) == s.counts)
    again = core_spe.sample_spe_year(np.random.default_rng(2026), n, m, k)
    np.testing.assert_array_equal(again.annual_dose, s.annual_dose)
    quiet = core_spe.sample_spe_year(np.random.default_rng(1), 1000, m, k, active=False)
    assert quiet.counts.sum() == 0 and not quiet.annual_dose.any()


def test_spe_model_reproduces_esp_psychic_percentiles():
    """The fitted (w, mu, sigma) give SPENVIS ESP-PSYCHIC's 95 % F(>30 MeV) over 2 and 3 active
    years (interplanetary = printed fluence / printed attenuation) within 5 %."""
    rows = _csv("spenvis_esp_psychic_95.csv")

    def f30(run):
        r = {float(x["energy_mev"]): x for x in rows if x["run"] == run}
        w = (np.log(30) - np.log(28)) / (np.log(32) - np.log(28))
        f = np.exp((1 - w) * np.log(float(r[28.0]["iflux_cm2"]))
                   + w * np.log(float(r[32.0]["iflux_cm2"])))
        return f / float(r[28.0]["attenuation"])

    m = renv.spe_model()
    rng = np.random.default_rng(7)
    for years, run in ((2, "heo_2yr"), (3, "polar_3yr")):
        s = core_spe.sample_spe_year(rng, 300_000 * years, m, [1.0], active=True)
        totals = s.annual_dose[:, 0].reshape(-1, years).sum(axis=1)
        assert np.quantile(totals, 0.95) / f30(run) == pytest.approx(1.0, abs=0.05)
    # the 530 km run has the same interplanetary fluence as the HEO run (consistent reading)
    assert f30("530km_2yr") / f30("heo_2yr") == pytest.approx(1.0, abs=0.06)


def test_mean_annual_spe_dose_matches_sampler():
    m, k = renv.spe_inputs(650.0, 97.98, [3.0, 10.0])
    s = core_spe.sample_spe_year(np.random.default_rng(3), 2_000_000, m, k, active=True)
    # heavy tail: the sample mean converges slowly; 15 % at 2e6 years
    np.testing.assert_allclose(s.annual_dose.mean(axis=0), core_spe.mean_annual_dose(m, k),
                               rtol=0.15)
    d = renv.dose_rate(650.0, 97.98, [3.0, 10.0])
    np.testing.assert_allclose(d.solar_protons, core_spe.mean_annual_dose(m, k), rtol=1e-12)


# --------------------------------------------------------------------------- CLI
def test_cli_json_keys_and_timings(cli_run, dose_cache):
    renv._MEMO.clear()
    t0 = time.perf_counter()
    res = cli_run("dose", "--altitude-km", "612.5", "--inclination-deg", "97.8",
                  "--shielding-mm", "4", "--json")
    cold = time.perf_counter() - t0
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.output)
    for key in ("rad_si_per_year", "trapped_protons", "trapped_electrons", "bremsstrahlung",
                "solar_protons", "altitude_km", "inclination_deg", "shielding_mm", "solar",
                "valid"):
        assert key in out
    assert out["valid"] is True
    parts = sum(out[k] for k in ("trapped_protons", "trapped_electrons", "bremsstrahlung",
                                 "solar_protons"))
    assert out["rad_si_per_year"] == pytest.approx(parts)
    t0 = time.perf_counter()
    res = cli_run("dose", "--altitude-km", "612.5", "--inclination-deg", "97.8",
                  "--shielding-mm", "4", "--json")
    warm = time.perf_counter() - t0
    assert json.loads(res.output)["rad_si_per_year"] == pytest.approx(out["rad_si_per_year"])
    renv._MEMO.clear()                       # disk cache only
    t0 = time.perf_counter()
    cli_run("dose", "--altitude-km", "612.5", "--inclination-deg", "97.8", "--shielding-mm", "4")
    disk = time.perf_counter() - t0
    print(f"\nriskengine dose in-process: new orbit {cold:.2f} s, memory cache {warm:.3f} s, "
          f"disk cache {disk:.3f} s")
    assert warm < 0.5 and disk < 1.0
    assert cold < 20.0                         # 0.5-2 s measured; generous for loaded CI


def test_cli_subprocess_cold_and_warm(dose_cache):
    env = {"RISKENGINE_DOSE_CACHE": str(dose_cache), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "riskengine", "dose", "--altitude-km", "1111",
           "--inclination-deg", "33", "--shielding-mm", "2.5", "--json"]
    times, outs, cached = [], [], []
    for _ in range(2):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        times.append(time.perf_counter() - t0)
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout)
        cached.append({f.name: f.stat().st_mtime_ns for f in Path(dose_cache).rglob("*")
                       if f.is_file()})
    print(f"\nriskengine dose as a command: new orbit {times[0]:.2f} s, cached {times[1]:.2f} s")
    # the first call fills the cache, the second reads it (nothing rewritten) and answers the
    # same; wall times on a loaded machine are too noisy to order, so they are only printed
    assert cached[0] and cached[1] == cached[0]
    a, b = (json.loads(o) for o in outs)
    assert {k: v for k, v in a.items() if "seconds" not in k} == \
        {k: v for k, v in b.items() if "seconds" not in k}


def test_cli_refuses_outside_validity(cli_run):
    res = cli_run("dose", "--altitude-km", "2500", "--inclination-deg", "53", "--shielding-mm", "3")
    assert res.exit_code == 2
    assert "altitude_km=2500" in res.stderr and "--extrapolate" in res.stderr


def test_tid_device_records_parse_and_cite():
    """The device TID records read as beam tests; every row names its source."""
    import csv

    from riskengine.evidence import evidence_dir, read_beam_tests

    path = evidence_dir() / "tid_devices.csv"
    rows = read_beam_tests(path)
    assert len(rows) == 3 and {r["family"] for r in rows} == {"memory", "tpu", "soc"}
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            assert r["source"].strip() and r["measures"].strip() and r["notes"].strip()


def test_batch_over_orbits_equals_single_calls():
    alts, incs = np.array([550.0, 825.0, 1200.0]), np.array([53.0, 98.8, 87.9])
    b = renv.dose_rate_batch(alts, incs, DEPTHS)
    assert b["rad_si_per_year"].shape == (3, 4) and b["valid"].all()
    for j, (a, i) in enumerate(zip(alts, incs)):
        one = renv.dose_rate(a, i, DEPTHS)
        np.testing.assert_allclose(b["rad_si_per_year"][j], one.rad_si_per_year, rtol=1e-12)
        np.testing.assert_allclose(b["solar_protons"][j], one.solar_protons, rtol=1e-12)
    with pytest.raises(renv.DoseValidityError):
        renv.dose_rate_batch([550.0, 2500.0], 53.0, 3.0)
    b = renv.dose_rate_batch([550.0, 2500.0], 53.0, 3.0, strict=False)
    assert b["valid"].tolist() == [True, False]
    t = renv.geomagnetic_transmission(650.0, 97.98, [30.0, 100.0])
    assert 0.15 < t[0] < t[1] < 0.3
