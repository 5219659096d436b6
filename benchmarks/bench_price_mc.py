"""The Monte Carlo stage of the million-satellite deployment's price, two trees alternately.

``stages.simulate`` (no key-assumption pass) of ``YEARS`` years on a copy of a store that
priced the deployment (``bench_campaign.py`` leaves one), run by the baseline tree
(``git worktree`` of ``REF``) and by this one in separate processes, in the order
baseline, ours, ours, baseline, so that a machine getting slower or faster meanwhile
weighs on both. It measures what the engine year's interleaved benchmark cannot: the
Dask workers, the parent's share, loading the event table and publishing the run. Prints
each run's wall seconds, the mean ratio ours / baseline, and whether the two trees'
metrics are equal.

Usage: python benchmarks/bench_price_mc.py STORE [YEARS] [REF]   (default 1,000 years,
REF 5d99e3d, stop 32)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

RUN = r"""
import json, shutil, sys, time, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(sys.argv[1]) / "benchmarks"))
from bench_campaign import portfolio
from riskengine import stages
from riskengine.store import connect
db = Path(tempfile.mkdtemp(dir=sys.argv[4])) / "c.duckdb"
shutil.copy(sys.argv[2], db)
con = connect(db)
p = portfolio()
t = time.perf_counter()
rid = stages.simulate(con, p, stages.Options(years=int(sys.argv[3]), sensitivity=False),
                      kind="price")
s = time.perf_counter() - t
m = dict(con.execute("SELECT metric, value FROM metrics WHERE run_id = ?", [rid]).fetchall())
print(json.dumps({"seconds": s, "metrics": m}))
"""


def run(tree: Path, store: str, years: int, tmp: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", RUN, str(tree), store, str(years), tmp],
                         env=env, capture_output=True, text=True, cwd=tree)
    if out.returncode:
        sys.exit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    store = sys.argv[1]
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    ref = sys.argv[3] if len(sys.argv) > 3 else "5d99e3d"
    tmp = tempfile.mkdtemp()
    base = Path(tmp) / "baseline"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(base), ref],
                   check=True, capture_output=True)
    try:
        for tree in (base, REPO):    # (untimed: each tree compiles its kernels once)
            run(tree, store, 5, tmp)
        got = {"baseline": [], "ours": []}
        metrics = {}
        for who in ("baseline", "ours", "ours", "baseline"):
            r = run(base if who == "baseline" else REPO, store, years, tmp)
            got[who].append(r["seconds"])
            metrics.setdefault(who, r["metrics"])
            print(f"  {who:8s} {r['seconds']:7.1f} s", flush=True)
        b = sum(got["baseline"]) / 2
        o = sum(got["ours"]) / 2
        print(f"Monte Carlo stage, {years:,} years: baseline ({ref}) {b:.1f} s, ours {o:.1f} s, "
              f"ours/baseline {o / b:.3f}; metrics equal: {metrics['baseline'] == metrics['ours']}")
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
