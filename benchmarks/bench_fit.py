"""Bayesian fits: wall time per model (compilation included), sampler comparison, and the
parameter-recovery study.

1. Each model on the shipped evidence with the production settings
   (:class:`riskengine.bayes.FitSettings`: 4 chains x 2000 draws, target_accept 0.99, 2 cores),
   once with nutpie and once with PyMC's default NUTS (C backend), same process; reports
   compile + sampling seconds, max r_hat, min ess_bulk, divergences. Target (issue 6):
   <= 120 s per model including compilation, r_hat <= 1.01, ess_bulk >= 400, 0 divergences.
2. Recovery: N replications (default 30) of evidence simulated from known parameters
   (:data:`riskengine.bayes.RECOVERY_TRUTH`); the 90 % credible interval must cover the truth
   in >= 80 % of replications (8 of 10) for each key parameter. Thirty, not ten, by default:
   a perfectly calibrated 90 % interval covers 7 or fewer of 10 with probability 0.07, so
   with 13 parameters ten replications fail somewhere more often than not (1 - 0.93^13 =
   0.61); with 30 a calibrated parameter misses the bar (24/30) with probability 0.026.

Usage: python benchmarks/bench_fit.py [--reps N] [--skip-compare] [--skip-recovery]
"""

from __future__ import annotations

import argparse
import time
import warnings

import arviz as az

from riskengine import bayes
from riskengine.evidence import load_evidence


def compare(samplers=("nutpie", "pymc")) -> None:
    ev = load_evidence()
    print(f"{'model':12s} {'sampler':8s} {'compile s':>9s} {'sample s':>9s} {'total s':>8s} "
          f"{'max r_hat':>9s} {'min ess_bulk':>12s} {'min ess_tail':>12s} {'div':>4s}")
    for sampler in samplers:
        settings = bayes.FitSettings(sampler=sampler)
        for i, (name, model) in enumerate(bayes.build_models(ev).items()):
            idata, t = bayes.sample_model(model, settings, seed=settings.seed + i)
            s = az.summary(idata, kind="diagnostics")
            div = int(idata.sample_stats["diverging"].values.sum())
            tot = t["compile_seconds"] + t["sampling_seconds"]
            print(f"{name:12s} {sampler:8s} {t['compile_seconds']:9.1f} "
                  f"{t['sampling_seconds']:9.1f} {tot:8.1f} {s['r_hat'].max():9.3f} "
                  f"{s['ess_bulk'].min():12.0f} {s['ess_tail'].min():12.0f} {div:4d}",
                  flush=True)


def recovery(reps: int) -> None:
    t0 = time.perf_counter()
    cov = bayes.recovery_study(reps, seed=1, progress=lambda r, m: print(
        f"  replication {r + 1}/{reps}: {m}", flush=True))
    print(f"\nrecovery: {reps} replications in {time.perf_counter() - t0:.0f} s "
          "(90 % interval coverage; target >= 80 %)")
    for (m, p, c), hits in cov.items():
        name = f"{m}.{p}" + (f"[{c}]" if c else "")
        print(f"  {name:32s} {sum(hits):2d}/{len(hits)}  {'ok' if sum(hits) >= 0.8 * len(hits) else 'LOW'}")


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--skip-compare", action="store_true")
    ap.add_argument("--skip-recovery", action="store_true")
    a = ap.parse_args()
    if not a.skip_compare:
        compare()
    if not a.skip_recovery:
        recovery(a.reps)
