"""The serial parts of ``riskengine price`` on the million-satellite deployment: baseline
vs ours, each pair in this one process.

The Monte Carlo and the key-assumption pass keep both cores busy; these parts ran on one:

1. **Hazards and fit.** The hazards stage uses one core, and so does most of the Bayesian
   fit (compiling, the batch checks, storing). The baseline runs them one after the other
   (stop 32's ``stages.price``); ours samples the fit in a process of its own while the
   hazards stage runs (:func:`riskengine.stages.price`, ``bayes.sample_fit``), then
   stores it. Each run on a new store; the runs alternate (baseline, ours, ours,
   baseline) so that a machine getting slower or faster meanwhile weighs on both. The
   stored posterior draws must be equal to the bit.
2. **Publishing a run.** A job writes its runs to a private work copy and publishes each
   one into the shared file. The baseline copies the shared file and inserts the run's
   rows into the copy (:func:`riskengine.store.publish._merge`); ours, when no one else
   has published meanwhile, publishes the checkpointed work copy whole. Measured on a run
   with ``--elt-rows`` event rows (default 76 million, a 20,000-year price of the
   deployment), alternating as above. The published files must hold the same rows.

Usage::

    python benchmarks/bench_price_fixed.py [--only fit|publish] [--elt-rows N]

Needs the shared catalog (RISKENGINE_SHARED) or RISKENGINE_CATALOG; RISKENGINE_FIT_DRAWS
defaults to 2,000 (the production fit).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_campaign import portfolio  # noqa: E402

from riskengine import settings, stages  # noqa: E402
from riskengine.store import connect, publish  # noqa: E402


def hazards_and_fit(beside: bool, root: Path) -> tuple[float, np.ndarray]:
    """Seconds of the hazards stage and the fit on a new store, and the stored draws."""
    p = portfolio()
    db = Path(tempfile.mkdtemp(dir=root)) / "s.duckdb"
    con = connect(db)
    opts = stages.Options(years=100, sensitivity=False)
    t = time.perf_counter()
    if beside:
        stages._start_fit_sampling(con, p, opts)
    stages.hazards(con, p, opts)
    fit_id = stages.fit(con, opts)
    s = time.perf_counter() - t
    draws = con.execute("SELECT value FROM posterior_draws WHERE run_id = ? ORDER BY rowid",
                        [fit_id]).fetchnumpy()["value"]
    con.close()
    return s, draws


def publish_run(whole: bool, root: Path, n_rows: int) -> tuple[float, int]:
    """Seconds to publish one run of ``n_rows`` event rows (its rows written first, not
    timed), and the rows the published file holds."""
    from riskengine.store import run

    db = Path(tempfile.mkdtemp(dir=root)) / "s.duckdb"
    con = connect(db)
    if not whole:      # as if another job had published since this one's copy
        main, work, _ = publish._WORK[con]
        publish._WORK[con] = (main, work, None)
    t = {}
    real = publish.publish

    def timed(*a, **k):
        t0 = time.perf_counter()
        try:
            return real(*a, **k)
        finally:
            t["s"] = time.perf_counter() - t0

    publish.publish = timed
    try:
        with run(con, "simulate", years=20_000, stream=True) as r:
            chunk = 2_000_000
            for a in range(0, n_rows, chunk):
                n = min(chunk, n_rows - a)
                i = np.arange(a, a + n)
                r.write("elt", {"event_id": i, "year": i // 3_800 + 1, "peril": np.full(
                    n, "accelerator", object), "satellites": np.ones(n, np.int64),
                    "loss": np.zeros(n), "ground_up_loss": (i % 997) * 1e5,
                    "occurrences": np.ones(n, np.int64)})
    finally:
        publish.publish = real
    con.close()
    ro = duckdb.connect(str(db), read_only=True)
    rows = ro.execute("SELECT count(*) FROM elt").fetchone()[0]
    ro.close()
    return t["s"], rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=("fit", "publish"))
    ap.add_argument("--elt-rows", type=int, default=76_000_000)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp())
    if args.only != "publish":
        shared = settings.shared_dir()
        if not settings.catalog_override():
            if shared is None:
                sys.exit("needs the shared catalog (RISKENGINE_SHARED) or RISKENGINE_CATALOG")
            os.environ["RISKENGINE_CATALOG"] = str(
                shared / "catalogs/full-catalog/"
                "spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt")
        os.environ.setdefault("RISKENGINE_FIT_DRAWS", "2000")
        got = {False: [], True: []}
        draws = {}
        for beside in (False, True, True, False):
            s, d = hazards_and_fit(beside, root)
            got[beside].append(s)
            draws.setdefault(beside, d)
            print(f"  hazards + fit, {'ours (beside)' if beside else 'baseline (in turn)'}:"
                  f" {s:6.1f} s", flush=True)
        b, o = np.mean(got[False]), np.mean(got[True])
        same = np.array_equal(draws[False], draws[True])
        print(f"hazards + fit: baseline {b:.1f} s, ours {o:.1f} s, ratio x{b / o:.2f}; "
              f"posterior draws equal to the bit: {same}")
    if args.only != "fit":
        got = {False: [], True: []}
        for whole in (False, True, True, False):
            s, rows = publish_run(whole, root, args.elt_rows)
            got[whole].append(s)
            assert rows == args.elt_rows, (rows, args.elt_rows)
            print(f"  publish {args.elt_rows:,} event rows, "
                  f"{'ours (whole file)' if whole else 'baseline (merge)'}: {s:6.1f} s",
                  flush=True)
        b, o = np.mean(got[False]), np.mean(got[True])
        print(f"publish: baseline {b:.1f} s, ours {o:.1f} s, ratio x{b / o:.1f}")


if __name__ == "__main__":
    main()
