"""One simulated year of a million-satellite fleet in the loss engine: baseline vs ours.

A synthetic hazard set shaped like the million-satellite deployment
(``benchmarks/bench_campaign.py``): 1,000,000 satellites of $10M in 20 groups, 200
parameter draws, partial-damage debris hits (~0.2 per satellite-year), accelerator-like
partial capacity claims (~0.3), total hardware failures (~1.5 %), breakup-like events
(4,000 a year, ~40 satellites each); the million portfolio's policy ($50M occurrence
deductible, $2B occurrence limit, $250M xs $10B annual aggregate, a $5B xs $5B aggregate
XoL). About 700,000 hits and 500,000 occurrences a year, of which a few thousand exceed
the occurrence deductible.

Each variant runs in its own process (NumPy reads ``NUMPY_MADVISE_HUGEPAGE`` at import),
in turn, ``ROUNDS`` times; the same blocks (seed 1, one year each) in every process:

* ``baseline``: the engine of ``BASELINE_REF`` (``git archive`` of ``riskengine/``) with
  NumPy's default huge pages;
* ``ours, huge pages``: this tree with ``NUMPY_MADVISE_HUGEPAGE=1`` (the code changes alone);
* ``ours``: this tree as it runs (riskengine turns NumPy's huge pages off).

Prints seconds per simulated year (best round) and the ratios, and checks that every
variant gives the same annual gross and ground-up losses (relative 1e-9).

Usage: python benchmarks/bench_engine_year.py [YEARS] [BASELINE_REF]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE_REF = "c93daac"
ROUNDS = 3

CHILD = r"""
import json, sys, time
import riskengine
import numpy as np
from riskengine.config import Policy, ReinsuranceLayer
from riskengine.core.engine import simulate_block
from riskengine.core.sources import HazardSet

years = int(sys.argv[1])
n, g, nd = 1_000_000, 20, 200
rng = np.random.default_rng(42)
names = [f"shell{i}" for i in range(g)]
hs = HazardSet(np.full(n, 1e7), np.arange(n) % g, names, [])
draws = lambda m: {k: np.clip(rng.normal(m, 0.2 * m, nd), 0, 1) for k in names}
hs.add_failure_draws("debris_partial", draws(0.18), severity="fixed", sev_a=0.05)
hs.add_failure_draws("capacity", draws(0.26), severity="fixed", sev_a=0.125)
hs.add_failure_draws("hardware", draws(0.015))
hs.add_common_shock("breakup", 4000.0, 4e-5)
pol = Policy(deductible=0.0, ctl_threshold=0.75, occurrence_deductible=5e7,
             occurrence_limit=2e9, aggregate_deductible=2.5e8, aggregate_limit=1e10,
             reinsurance=[ReinsuranceLayer(name="cat", attachment=5e9, limit=5e9)])
simulate_block(hs, pol, 1, 10_000, 1)                        # warm up
t = time.perf_counter()
gross, gu, hits = [], [], 0
for b in range(years):
    r = simulate_block(hs, pol, 1, b, 1)
    gross.append(float(r.gross[0])); gu.append(float(r.ground_up[0]))
    hits += int(r.ev_sats.sum())
dt = (time.perf_counter() - t) / years
print(json.dumps(dict(s_per_year=dt, gross=gross, ground_up=gu, events=len(r.ev_year),
                      lost=hits / years)))
"""


def baseline_tree(ref: str) -> Path:
    out = Path(tempfile.mkdtemp(prefix="riskengine-baseline-"))
    data = subprocess.run(["git", "-C", str(REPO), "archive", ref, "riskengine"],
                          check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(out, filter="data")
    return out


def run(tree: Path, years: int, huge: str | None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env.pop("NUMPY_MADVISE_HUGEPAGE", None)
    if huge is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = huge
    p = subprocess.run([sys.executable, "-c", CHILD, str(years)], env=env, cwd=str(tree),
                       capture_output=True, text=True)
    if p.returncode:
        sys.exit(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    years = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    ref = sys.argv[2] if len(sys.argv) > 2 else BASELINE_REF
    base = baseline_tree(ref)
    variants = {"baseline": (base, None), "ours, huge pages": (REPO, "1"), "ours": (REPO, None)}
    best, first = {}, {}
    for _ in range(ROUNDS):
        for name, (tree, huge) in variants.items():
            out = run(tree, years, huge)
            first.setdefault(name, out)
            best[name] = min(best.get(name, float("inf")), out["s_per_year"])
    ref_out = first["baseline"]
    print(f"loss engine, synthetic million-satellite year ({ref_out['events']:,} occurrences, "
          f"{ref_out['lost']:,.0f} satellites with a loss a year), {years} years x {ROUNDS} "
          f"rounds, best round; load average {os.getloadavg()[0]:.1f}")
    for name in variants:
        print(f"  {name:18s} {best[name]:6.3f} s/year   x{best['baseline'] / best[name]:.2f}")
    for name, out in first.items():
        for k in ("gross", "ground_up"):
            a, b = out[k], ref_out[k]
            worst = max(abs(x - y) / max(abs(y), 1.0) for x, y in zip(a, b))
            if worst > 1e-9:
                sys.exit(f"{name}: {k} differs from the baseline by {worst:.1e} (relative)")
    print("  annual gross and ground-up losses: the same in every variant (relative 1e-9)")


if __name__ == "__main__":
    main()
