"""2D Pc kernel throughput vs a per-event SciPy quadrature loop, same process, one core.

Geometries: catalog-like conjunctions at 550 km — random crossing angles, miss vectors
uniform in a 5 km disk of the encounter plane (SOCRATES screens at 5 km), TLE-model
covariances (Aida & Kirschner 2013 with class factors) for element ages of 0–7 days,
hard-body radii 5–20 m.  They are projected on the encounter plane and put in principal
axes first (not timed); the timed kernel is ``riskengine.core.pc.pc_circle`` on 1,000,000
events (best of 3).  ``pc_from_states`` (frames + projection + NPD check + kernel) is
timed as well.  Baseline: ``scipy.integrate.quad`` of the same 1D integrand
(φ(x) · [Φ(ym+h) − Φ(ym−h)]) event by event, on 2,000 events, extrapolated per event.
Target (issue 4): >= 1,000,000 conjunctions/s/core for the 2D kernel.

Usage: python benchmarks/bench_pc.py [N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy import integrate, special  # noqa: E402

from riskengine.core.pc import pc_circle, pc_from_states, tle_covariance_rtn  # noqa: E402
from riskengine.core.pc import foster  # noqa: E402


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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(2026)
    r1, v1, c1, r2, v2, c2, hbr = geometries(n, rng)
    t = time.perf_counter()
    full = pc_from_states(r1, v1, c1, r2, v2, c2, hbr)
    t_full = time.perf_counter() - t
    lam, vec = np.linalg.eigh(full["cov"])
    p = np.einsum("nij,ni->nj", vec, full["miss"])
    xm, ym, sx, sy = p[:, 0], p[:, 1], np.sqrt(lam[:, 0]), np.sqrt(lam[:, 1])
    pc_circle(xm[:1000], ym[:1000], sx[:1000], sy[:1000], hbr[:1000])     # warm up
    times, cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        pc = pc_circle(xm, ym, sx, sy, hbr)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    t_kernel, c_kernel = min(times), min(cpu)
    # tier mix (what the kernel chose)
    X, Y = np.abs(np.where(sy > sx, ym, xm)), np.abs(np.where(sy > sx, xm, ym))
    SX, SY = np.maximum(sx, sy), np.minimum(sx, sy)
    V = (2 * hbr * X + hbr ** 2) / (2 * SX ** 2) + (2 * hbr * Y + hbr ** 2) / (2 * SY ** 2)
    tiers = [t[0] for t in foster._POLAR_TIERS]
    frac = [np.mean(V < tiers[0]), np.mean((V >= tiers[0]) & (V < tiers[1])), np.mean(V >= tiers[1])]
    m = 2000
    t, c = time.perf_counter(), time.process_time()
    base = np.array([baseline_one(xm[i], ym[i], sx[i], sy[i], hbr[i]) for i in range(m)])
    t_base = (time.perf_counter() - t) / m
    c_base = (time.process_time() - c) / m
    nz = base > 1e-280
    rel = np.abs(pc[:m][nz] / base[nz] - 1)
    rate = n / t_kernel
    print(f"2D Pc kernel, {n:,} catalog-like conjunctions (550 km, 5 km miss disk, TLE covariances)")
    print(f"  Pc range                         : {pc[pc > 0].min():.3e} .. {pc.max():.3e}"
          f" (median {np.median(pc):.3e})")
    print(f"  tier mix (polar 4x8 / 7x16 / windowed panels): "
          f"{frac[0]:.1%} / {frac[1]:.1%} / {frac[2]:.1%}")
    print(f"  riskengine pc_circle             : {t_kernel:.3f} s wall -> {rate:,.0f} conjunctions/s"
          f"  ({c_kernel:.3f} s CPU -> {n / c_kernel:,.0f} /s)")
    print(f"  riskengine pc_from_states (full) : {t_full:.3f} s  -> {n / t_full:,.0f} conjunctions/s")
    print(f"  baseline scipy quad loop         : {t_base * 1e6:.1f} us/event wall -> {1 / t_base:,.0f} conjunctions/s"
          f"  ({c_base * 1e6:.1f} us CPU)")
    print(f"  speed-up kernel / quad loop      : {t_base * n / t_kernel:,.0f}x wall, {c_base * n / c_kernel:,.0f}x CPU")
    print(f"  max rel. difference vs quad ({m} events): {rel.max():.2e}")
    print(f"  target >= 1,000,000 /s/core      : {'met' if rate >= 1e6 else 'NOT met'} on wall time, "
          f"{'met' if n / c_kernel >= 1e6 else 'NOT met'} on CPU time (the machine is shared: "
          f"load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
