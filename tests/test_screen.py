"""Screening against a brute-force reference, filters, exclusions, the CLI and its tables.

Completeness criteria (issue 3): no approach under the threshold missed, TCA within
0.1 s and miss distance within 10 m of the brute-force reference (every pair on a 10 s
grid, each local minimum Brent-refined with SGP4 to 1e-6 s). The full-size version
(100 x 2,000 x 1 day) is slow-marked and in benchmarks/bench_screen.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskengine.catalog import read_catalog
from riskengine.config import parse_portfolio
from riskengine.fleet import build_fleet
from riskengine.core.screening import apsis_filter, rtn_components
from riskengine.screen import brute_force, screen, screen_portfolio, window_exclusions

TCA_TOL_S = 0.1
MISS_TOL_KM = 0.010


@pytest.fixture(scope="module")
def cat(full_3le):
    return read_catalog([full_3le])


def _fleet(epoch, shells):
    p = parse_portfolio({"fleet": [dict(name=f"g{k}", sum_insured=1e7, **s)
                                   for k, s in enumerate(shells)]})
    return p, build_fleet(p, epoch)


def _compare(res, ref):
    bp, bs, bt, bm = ref
    got = {}
    for p, s, t, m in zip(res.primary, res.secondary, res.tca_s, res.miss_km):
        got.setdefault((int(p), int(s)), []).append((t, m))
    missed, worst_t, worst_m = [], 0.0, 0.0
    for p, s, t, m in zip(bp, bs, bt, bm):
        cands = got.get((int(p), int(s)), [])
        best = min(cands, key=lambda x: abs(x[0] - t), default=None)
        if best is None or abs(best[0] - t) > 1.0:
            missed.append((p, s, t, m))
            continue
        worst_t = max(worst_t, abs(best[0] - t))
        worst_m = max(worst_m, abs(best[1] - m))
    return missed, worst_t, worst_m


def test_completeness_against_brute_force(cat):
    t0 = cat.reference_epoch
    _, fleet = _fleet(t0, [dict(altitude_km=550, inclination_deg=53, planes=4, per_plane=5,
                                phasing=1),
                           dict(altitude_km=552, inclination_deg=97.6, planes=2, per_plane=5)])
    keep, _ = window_exclusions(cat, t0, 0.25, 30.0)
    band = apsis_filter([530.0], [570.0], cat.perigee_alt_km, cat.apogee_alt_km, 0.0, 0.0)
    rng = np.random.default_rng(3)
    sec = cat.subset(rng.choice(np.flatnonzero(keep & band), 300, replace=False))
    thr = 25.0
    res = screen(fleet.catalog, sec, t0, 0.25, thr, workers=2, block_steps=100)
    ref = brute_force(fleet.catalog, sec, t0, 0.25, thr)
    assert len(ref[0]) >= 10, "the reference must contain events for the test to mean anything"
    assert (ref[1] < len(fleet)).any(), "want fleet-vs-fleet events in the reference too"
    missed, worst_t, worst_m = _compare(res, ref)
    assert not missed, f"screening missed {missed}"
    assert worst_t < TCA_TOL_S and worst_m < MISS_TOL_KM
    # nothing spurious either: every event screened is under the threshold and unique
    assert (res.miss_km < thr).all() and len(res) == len(ref[0])
    assert not (res.primary == res.secondary).any()


@pytest.mark.slow
def test_completeness_full_size(cat):
    """Issue size: 100 fleet satellites x 2,000 catalog LEO objects x 1 day."""
    t0 = cat.reference_epoch
    _, fleet = _fleet(t0, [dict(altitude_km=550, inclination_deg=53, planes=10, per_plane=10,
                                phasing=3)])
    keep, _ = window_exclusions(cat, t0, 1.0, 30.0)
    leo = keep & (cat.apogee_alt_km < 2000) & apsis_filter([545.0], [555.0], cat.perigee_alt_km,
                                                          cat.apogee_alt_km, 5.0)
    sec = cat.subset(np.random.default_rng(1).choice(np.flatnonzero(leo), 2000, replace=False))
    res = screen(fleet.catalog, sec, t0, 1.0, 5.0)
    ref = brute_force(fleet.catalog, sec, t0, 1.0, 5.0)
    missed, worst_t, worst_m = _compare(res, ref)
    assert len(ref[0]) > 0 and not missed
    assert worst_t < TCA_TOL_S and worst_m < MISS_TOL_KM


def test_apsis_filter_merges_bands():
    m = apsis_filter([500.0, 530.0, 1200.0], [520.0, 540.0, 1210.0],
                     np.array([300, 545, 600, 1100, 1300.0]),
                     np.array([480, 560, 700, 1196, 1400.0]), 5.0, 0.0)
    assert m.tolist() == [False, True, False, True, False]


def test_rtn_components_orthonormal():
    rng = np.random.default_rng(0)
    r = rng.normal(size=(50, 3)) * 7000
    v = rng.normal(size=(50, 3)) * 7
    d = rng.normal(size=(50, 3))
    c = rtn_components(r, v, d)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), np.linalg.norm(d, axis=1),
                               rtol=1e-12)
    np.testing.assert_allclose(c[:, 0], (d * r).sum(1) / np.linalg.norm(r, axis=1), rtol=1e-10)


def test_exclusions_stale_decayed_and_self(cat):
    t0 = cat.reference_epoch
    some = cat.norad_id[:5]
    keep, counts = window_exclusions(cat, t0, 7.0, 30.0, fleet_ids=some)
    assert counts["fleet_in_catalog"] == 5 and not keep[:5].any()
    age = (t0 - cat.epoch).astype("timedelta64[us]").astype(float) / 86400e6
    assert counts["stale"] == int(((age > 30) & ~np.isin(cat.norad_id, some)).sum()) > 0
    assert counts["decayed"] > 0  # the 2023-10 file holds re-entered objects
    assert keep.sum() == len(cat) - sum(counts[k] for k in
                                        ("stale", "decayed", "sgp4_error", "fleet_in_catalog"))


def test_fleet_member_in_catalog_never_conjuncts_with_itself(cat, tmp_path):
    t0 = cat.reference_epoch
    ids = cat.norad_id[(cat.perigee_alt_km > 540) & (cat.apogee_alt_km < 560)][:30]
    p = parse_portfolio({"fleet": [{"name": "own", "norad_ids": ids.tolist(),
                                    "sum_insured": 1e6}]})
    sub = cat.subset((cat.perigee_alt_km > 500) & (cat.apogee_alt_km < 600))
    res = screen_portfolio(p, sub, start=t0, days=0.1, threshold_km=50.0, workers=1)
    cj = res.conjunctions
    assert res.stats["fleet_in_catalog"] == 30
    assert not (cj["primary_id"] == cj["secondary_id"]).any()
    ff = cj["secondary_in_fleet"]
    assert (cj["secondary_class"][ff] == "FLEET").all()
    # fleet-vs-fleet pairs once each
    pairs = set(zip(cj["primary_id"][ff].tolist(), cj["secondary_id"][ff].tolist()))
    assert not any((b, a) in pairs for a, b in pairs)


def test_cli_writes_tables(full_3le, tmp_path, monkeypatch):
    import duckdb
    from click.testing import CliRunner

    from riskengine.cli import cli as main

    cfg = tmp_path / "p.toml"
    cfg.write_text('name = "t"\n[[fleet]]\nname = "dc"\naltitude_km = 550\n'
                   'inclination_deg = 53\nplanes = 2\nper_plane = 3\nsum_insured = 1e7\n')
    monkeypatch.setenv("RISKENGINE_CATALOG", str(full_3le))
    db = tmp_path / "s.duckdb"
    out = CliRunner().invoke(main, ["screen", str(cfg), "--db", str(db), "--days", "0.1",
                                    "--threshold-km", "20", "--workers", "1",
                                    "--start", "2023-10-09T14:00:00+02:00"])
    assert out.exit_code == 0, out.output
    con = duckdb.connect(str(db), read_only=True)
    n_fleet = con.execute("select count(*) from fleet").fetchone()[0]
    n, bad = con.execute("select count(*), count(*) filter (where miss_km >= 20 or "
                         "primary_id = secondary_id) from conjunctions").fetchone()
    stats = con.execute("select stats from runs where kind = 'screen'").fetchone()[0]
    assert n_fleet == 6 and n > 0 and bad == 0
    lo, hi = con.execute("select min(tca), max(tca) from conjunctions").fetchone()
    assert str(lo) >= "2023-10-09 12:00:00" and str(hi) <= "2023-10-09 14:24:00"
    n_pc = con.execute("select count(pc) from conjunctions where pc between 0 and 1 "
                       "and pc <= pc_max").fetchone()[0]
    assert n_pc == n  # the Pc kernel filled every event
    assert '"stale"' in stats and '"decayed"' in stats
    assert "events per fleet group" in out.output
    con.close()
    # the same screening on a local Dask cluster: the same events
    out = CliRunner().invoke(main, ["screen", str(cfg), "--db", str(db), "--days", "0.1",
                                    "--threshold-km", "20", "--dask-workers", "2",
                                    "--object-block", "500",
                                    "--start", "2023-10-09T14:00:00+02:00"])
    assert out.exit_code == 0, out.output
    con = duckdb.connect(str(db), read_only=True)
    runs = [r[0] for r in con.execute("select run_id from runs where kind = 'screen' "
                                      "order by created_at").fetchall()]
    ev = [con.execute("select primary_id, secondary_id, tca, miss_km from conjunctions "
                      "where run_id = ? order by all", [r]).fetchall() for r in runs]
    assert len(runs) == 2 and ev[0] == ev[1]


def test_cli_bad_orbit_names_key(tmp_path, cli_run):
    cfg = tmp_path / "p.toml"
    cfg.write_text('[[fleet]]\nname = "dc"\naltitude_km = 120\ninclination_deg = 53\n'
                   'planes = 0\nper_plane = 3\nsum_insured = 1e7\n')
    out = cli_run("screen", cfg, "--db", tmp_path / "x.duckdb")
    assert out.exit_code == 2
    assert "fleet[0].altitude_km" in out.stderr and "fleet[0].planes" in out.stderr


def test_dask_screening_identical_to_process_pool(cat):
    """Time blocks (and fleet x object blocks) as Dask tasks on a local 2-worker cluster give
    the same events, bit for bit, as the process pool: the catalogs travel as element sets
    and every worker rebuilds the same SGP4 records."""
    import pickle

    from riskengine.scale import Cluster

    t0 = cat.reference_epoch
    _, fleet = _fleet(t0, [dict(altitude_km=550, inclination_deg=53, planes=4, per_plane=5,
                                phasing=1)])
    keep, _ = window_exclusions(cat, t0, 0.2, 30.0)
    band = apsis_filter([530.0], [570.0], cat.perigee_alt_km, cat.apogee_alt_km, 0.0, 0.0)
    sec = cat.subset(np.random.default_rng(5).choice(np.flatnonzero(keep & band), 300,
                                                     replace=False))
    sec.satrecs()
    assert pickle.loads(pickle.dumps(sec))._satrecs is None    # records are not shipped
    ref = screen(fleet.catalog, sec, t0, 0.2, 25.0, workers=2, block_steps=40)
    assert len(ref) > 0
    ref_long = screen(fleet.catalog, sec, t0, 2.0, 25.0, workers=2, block_steps=20)
    with Cluster(workers=2) as cl:
        got = screen(fleet.catalog, sec, t0, 0.2, 25.0, block_steps=40, client=cl.client)
        # a worker killed mid-screening: its blocks are retried elsewhere, same events
        import os
        import threading
        import time

        victim = sorted(cl.client.run(os.getpid).values())[0]
        killed = []
        threading.Thread(target=lambda: (time.sleep(0.4), os.kill(victim, 9),
                                         killed.append(time.perf_counter())),
                         daemon=True).start()
        got_long = screen(fleet.catalog, sec, t0, 2.0, 25.0, block_steps=20, client=cl.client)
        assert killed and killed[0] < time.perf_counter()   # killed while screening
        # fleet x object blocks (fleet-vs-fleet pairs split across blocks) on Dask
        got_obj = screen(fleet.catalog, sec, t0, 0.2, 25.0, block_steps=40, client=cl.client,
                         object_block=16)
    # ... and in the process pool
    got_obj_pool = screen(fleet.catalog, sec, t0, 0.2, 25.0, block_steps=40, workers=2,
                          object_block=7)
    assert (ref.secondary < 20).any()          # fleet-vs-fleet events are in the comparison
    for name in ("primary", "secondary", "tca_s", "miss_km", "rel_speed_km_s", "rtn_km", "r1"):
        np.testing.assert_array_equal(getattr(got, name), getattr(ref, name))
        np.testing.assert_array_equal(getattr(got_long, name), getattr(ref_long, name))
        np.testing.assert_array_equal(getattr(got_obj, name), getattr(ref, name))
        np.testing.assert_array_equal(getattr(got_obj_pool, name), getattr(ref, name))
    with pytest.raises(TypeError, match="Catalogs"):
        screen(fleet.catalog.satrecs(), sec, t0, 0.2, 25.0, client=object())


def test_screen_tasks_cover_every_pair_once():
    """Fleet x object blocks: every (fleet, object) pair with object > fleet index or object
    in the catalog falls in exactly one block; a non-positive block size is refused."""
    from riskengine.core.screening import screen_tasks

    n_f, n_all = 7, 19
    for b in (1, 3, 7, 8, 50):
        seen = {}
        for _, _, (pa, pb), (sa, sb) in [t for t in screen_tasks(1, 1, n_f, n_all, b)
                                         if len(t) > 2] or [(0, 1, (0, n_f), (0, n_all))]:
            for p_ in range(pa, pb):
                for s_ in range(sa, sb):
                    if s_ != p_ and not (s_ < n_f and s_ < p_):
                        seen[(p_, s_)] = seen.get((p_, s_), 0) + 1
        want = {(p_, s_) for p_ in range(n_f) for s_ in range(n_all)
                if s_ != p_ and not (s_ < n_f and s_ < p_)}
        assert set(seen) == want and set(seen.values()) == {1}, b
    with pytest.raises(ValueError, match="object_block"):
        screen_tasks(10, 5, 2, 6, object_block=0)


def test_cli_bad_scheduler_is_one_line_and_writes_nothing(full_3le, tmp_path, monkeypatch):
    """A scheduler address Dask cannot use stops the screening with one clear line (exit 1)
    before anything is written: the store holds no screen run and no conjunctions."""
    import duckdb

    from riskengine.cli import main

    cfg = tmp_path / "p.toml"
    cfg.write_text('name = "t"\n[[fleet]]\nname = "dc"\naltitude_km = 550\n'
                   'inclination_deg = 53\nplanes = 2\nper_plane = 3\nsum_insured = 1e7\n')
    monkeypatch.setenv("RISKENGINE_CATALOG", str(full_3le))
    db = tmp_path / "s.duckdb"
    with pytest.raises(SystemExit) as exc:
        main(["screen", str(cfg), "--db", str(db), "--days", "0.1",
              "--scheduler", "nosuch://127.0.0.1:1"])
    assert exc.value.code == 2
    con = duckdb.connect(str(db))     # same process as the CLI's connection: same config
    assert con.execute("select count(*) from runs where kind = 'screen'").fetchall()[0][0] == 0
    assert con.execute("select count(*) from conjunctions").fetchall()[0][0] == 0
