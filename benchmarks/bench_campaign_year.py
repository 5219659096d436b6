"""One simulated year of the million-satellite deployment in the loss engine: baseline vs ours.

The real hazard set of ``benchmarks/bench_campaign.py`` (``portfolios/million.toml`` deployed
on 4,000 Starship launches of 250 over 2027-2030, launch + 1 year cover: the catalog,
hazards and fit stages, about 2 minutes) is built once and pickled; then the engine of
``BASELINE_REF`` (``git archive`` of ``riskengine/``) and this tree each simulate the same
one-year blocks (seed 1) as ``price`` runs them (``run_block`` with an ELT threshold of
$5 M) in their own process, in turn, ``ROUNDS`` times. Prints the CPU
seconds per simulated year (best round), the ratio, and which of the annual gross,
ground-up and campaign results are the same to the last bit (a tree that changes the model
says by how much; ``BENCH_EXACT=1`` makes any difference an error, for changes that claim
to move no number, but for the ground-up's order of additions: 1e-9 relative).

Then the whole Monte Carlo as ``riskengine price`` runs it (2 spawned workers, the parent
collecting the blocks; ``losses._run_blocks``) for each tree at two lengths (``MC_YEARS``,
env ``BENCH_MC_YEARS``): the wall seconds per simulated year between them, the marginal
cost that decides the 20,000-year run, and the ratio; and whether the two trees' annual
gross and ground-up means agree there too (the blocks' path through the workers).

Usage: python benchmarks/bench_campaign_year.py [YEARS] [BASELINE_REF] [HAZARD_SET_PICKLE]
(the pickle is written there when missing; default a temporary file). Needs the shared
catalog (RISKENGINE_SHARED) or RISKENGINE_CATALOG to build the hazard set.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine_year import baseline_tree  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BASELINE_REF = "f15f31d"   # stop 28 (stop 27: 8967aea)
ROUNDS = 3

CHILD = r"""
import json, pickle, sys, time
import riskengine
from riskengine.core.engine import run_block

hs, pol = pickle.load(open(sys.argv[2], "rb"))
years = int(sys.argv[1])
shared = (hs, pol, 1, 5e6)     # as price runs it: the ELT's small occurrences summed
run_block(shared, (10_000, 1))                               # warm up (imports, memos)
out = dict(gross=[], ground_up=[], components=[], events=0)
t = time.process_time()
for b in range(years):
    r = run_block(shared, (b, 1))
    out["gross"].append(float(r.gross[0]))
    out["ground_up"].append(float(r.ground_up[0]))
    out["components"].append(r.campaign["components"].ravel().tolist())
    out["events"] += len(r.ev_year)
out["s_per_year"] = (time.process_time() - t) / years
print(json.dumps(out))
"""


CHILD_MC = r"""
import json, pickle, sys, time
from riskengine.losses import _run_blocks

if __name__ == "__main__":
    hs, pol = pickle.load(open(sys.argv[2], "rb"))
    t = time.perf_counter()
    res = _run_blocks(hs, pol, 20260130, int(sys.argv[1]), 2, elt_min_loss=5e6)
    print(json.dumps(dict(wall=time.perf_counter() - t, gross=float(res.gross.mean()),
                          ground_up=float(res.ground_up.mean()))))
"""
MC_YEARS = (30, 330)


def hazard_set(path: Path) -> Path:
    """Build the deployment's hazard set through the stages and pickle it (once)."""
    if path.exists():
        return path
    from bench_campaign import portfolio

    from riskengine import settings, stages
    from riskengine.store import connect

    if not settings.catalog_override():
        shared = settings.shared_dir()
        if shared is None:
            sys.exit("needs the shared catalog (RISKENGINE_SHARED) or RISKENGINE_CATALOG")
        os.environ["RISKENGINE_CATALOG"] = str(
            shared / "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt")
    p = portfolio()
    con = connect(Path(tempfile.mkdtemp()) / "campaign.duckdb")
    opts = stages.Options(sensitivity=False)
    t = time.perf_counter()
    stages.hazards(con, p, opts)
    stages.fit(con, opts)
    hs, _, _ = stages.build_hazard_set(con, p, opts)
    con.close()
    with open(path, "wb") as f:
        pickle.dump((hs, p.policy), f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"hazard set built in {time.perf_counter() - t:.0f} s: {path}")
    return path


def run(tree: Path, years: int, hs_path: Path, monte_carlo: bool = False) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        if monte_carlo:   # spawned workers re-import the main module: run it from a file
            script = Path(tmp) / "bench_mc_child.py"
            script.write_text(CHILD_MC)
            cmd = [sys.executable, str(script)]
        else:
            cmd = [sys.executable, "-c", CHILD]
        p = subprocess.run(cmd + [str(years), str(hs_path)], env=env,
                           cwd=str(tree), capture_output=True, text=True)
    if p.returncode:
        sys.exit(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    years = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    ref = sys.argv[2] if len(sys.argv) > 2 else BASELINE_REF
    hs_path = hazard_set(Path(sys.argv[3]) if len(sys.argv) > 3
                         else Path(tempfile.mkdtemp()) / "campaign_hs.pkl")
    variants = {"baseline": baseline_tree(ref), "ours": REPO}
    best, first = {}, {}
    for _ in range(ROUNDS):
        for name, tree in variants.items():
            out = run(tree, years, hs_path)
            first.setdefault(name, out)
            best[name] = min(best.get(name, float("inf")), out["s_per_year"])
    print(f"loss engine, the million deployment's year, {years} one-year blocks x {ROUNDS} "
          f"rounds, CPU seconds (best round); load average {os.getloadavg()[0]:.1f}")
    for name in variants:
        print(f"  {name:10s} {best[name]:6.3f} s/year   x{best['baseline'] / best[name]:.2f}   "
              f"{first[name]['events'] / years:,.0f} occurrences a year")
    exact = os.environ.get("BENCH_EXACT") == "1"
    same = [k for k in ("gross", "ground_up", "components") if first["ours"][k] == first["baseline"][k]]
    print(f"  identical to the last bit: {', '.join(same) or 'none'}")
    for k in ("gross", "ground_up"):
        if k not in same:   # a model change between the trees, or the order of additions
            a, b = np.array(first["baseline"][k]), np.array(first["ours"][k])
            rel = np.max(np.abs(b - a) / np.maximum(np.abs(a), 1e-300))
            print(f"  {k} differs: mean {b.mean() / a.mean() - 1:+.3%} against the baseline, "
                  f"largest year {rel:.1e} relative")
    # a speed change may add the same terms in another order (ground-up, ~1e-12 relative);
    # anything more is a model change
    rel_gu = np.max(np.abs(np.subtract(first["ours"]["ground_up"], first["baseline"]["ground_up"]))
                    / np.maximum(np.abs(first["baseline"]["ground_up"]), 1e-300))
    if exact and (len(set(same) & {"gross", "components"}) < 2 or rel_gu > 1e-9):
        sys.exit("BENCH_EXACT=1: ours differs from the baseline")

    lengths = tuple(int(x) for x in os.environ.get("BENCH_MC_YEARS", "").split(",") if x) \
        or MC_YEARS
    if len(lengths) != 2 or lengths[0] >= lengths[1]:
        sys.exit(f"BENCH_MC_YEARS must be two lengths, shorter first (e.g. 30,330): {lengths}")
    print(f"the Monte Carlo on 2 workers, wall seconds per year between {lengths[0]:,} and "
          f"{lengths[1]:,} years (load average {os.getloadavg()[0]:.1f})")
    marginal, means = {}, {}
    for name, tree in variants.items():
        out = [run(tree, n, hs_path, monte_carlo=True) for n in lengths]
        marginal[name] = (out[1]["wall"] - out[0]["wall"]) / (lengths[1] - lengths[0])
        means[name] = (out[1]["gross"], out[1]["ground_up"])
        print(f"  {name:10s} {marginal[name]:6.3f} s/year   "
              f"x{marginal['baseline'] / marginal[name]:.2f}   (20,000 years: "
              f"{20_000 * marginal[name]:,.0f} s)")
    agree = (means["ours"][0] == means["baseline"][0]
             and abs(means["ours"][1] / means["baseline"][1] - 1) < 1e-9)
    print(f"  annual gross and ground-up means over {lengths[1]:,} years: "
          f"{'agree' if agree else 'differ'} (gross identical, ground-up to 1e-9; ours "
          f"{means['ours'][0]:.6e} / {means['ours'][1]:.6e}, baseline "
          f"{means['baseline'][0]:.6e} / {means['baseline'][1]:.6e})")
    if exact and not agree:
        sys.exit("BENCH_EXACT=1: ours differs from the baseline")


if __name__ == "__main__":
    main()
