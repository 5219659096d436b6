"""The million deployment's simulated year, baseline engine vs ours, interleaved in ONE process.

``bench_campaign_year.py`` runs each tree in its own process, in turn; on these noisy
machines two processes of the same code differ by up to ±15 %, too much to see a cost of
a few per cent. Here the baseline's ``riskengine/core/engine.py`` (``git show REF:...``)
is loaded beside ours as a second module, and the two run the same one-year blocks
(``run_block`` with the ELT threshold of a price, $5 M) alternately, each first in every
other pair: the machine's drift falls on both. Prints the CPU seconds of each, the
ratio ours / baseline, and whether every block's gross and ground-up are the same to the
bit (the engines must agree; the rest of the package is this tree's for both).

Usage: python benchmarks/bench_engine_interleaved.py [BLOCKS] [BASELINE_REF] [HAZARD_SET_PICKLE]
(default 40 blocks against stop 31's f28cc5a; the pickle is built as in
``bench_campaign_year.py`` when missing, ~2 minutes). Stop 32 measured 1.020-1.032 before
8e627af (streams made one by one) and 0.998 after it.
"""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_campaign_year import hazard_set  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def baseline_engine(ref: str):
    """The engine module of ``ref``, loaded beside ours (its own name)."""
    src = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:riskengine/core/engine.py"],
                         check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "engine_baseline.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("riskengine.core.engine_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # (its dataclasses look their module up)
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    import riskengine.core.engine as ours

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    ref = sys.argv[2] if len(sys.argv) > 2 else "f28cc5a"
    hs_path = hazard_set(Path(sys.argv[3]) if len(sys.argv) > 3
                         else Path(tempfile.mkdtemp()) / "campaign_hs.pkl")
    base = baseline_engine(ref)
    with open(hs_path, "rb") as f:
        hs, pol = pickle.load(f)
    shared = (hs, pol, 1, 5e6)
    for m in (base, ours):                # warm up: imports, compiled kernels, memos
        m.run_block(shared, (10_000, 1))
    t = {"baseline": 0.0, "ours": 0.0}
    same = True
    for b in range(n):
        order = (("baseline", base), ("ours", ours)) if b % 2 else (("ours", ours),
                                                                    ("baseline", base))
        out = {}
        for name, m in order:
            t0 = time.process_time()
            out[name] = m.run_block(shared, (b, 1))
            t[name] += time.process_time() - t0
        same &= all(np.array_equal(getattr(out["ours"], k), getattr(out["baseline"], k))
                    for k in ("gross", "ground_up"))
    print(f"engine year of the million deployment, {n} one-year blocks each, interleaved: "
          f"baseline ({ref}) {t['baseline']:.2f} s, ours {t['ours']:.2f} s, "
          f"ours/baseline {t['ours'] / t['baseline']:.3f}; gross and ground-up the same "
          f"to the bit: {same}")


if __name__ == "__main__":
    main()
