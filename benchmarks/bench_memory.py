"""Peak memory of a long Monte Carlo run: `riskengine price portfolios/quick.toml` with
N years (default 10,000,000) in a child process, against the 2 GB target of issue #17.

    .venv/bin/python benchmarks/bench_memory.py [YEARS]

Prints the child's peak resident set size, the wall time and the rows written. Memory must
not grow with the number of years beyond the 8-byte-per-year arrays exact EP curves need
(four of them: gross, ground-up, largest occurrence, ceded).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    years = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    db = Path(tempfile.mkdtemp()) / "mem.duckdb"
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "riskengine", "price",
                        str(REPO / "portfolios" / "quick.toml"), "--db", str(db), "--years",
                        str(years)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(p.stderr[-3000:])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    ylt, elt = (con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("ylt", "elt"))
    con.close()
    print(f"quick.toml, {years:,} years: peak RSS {peak_mb:,.0f} MB (target < 2,048 MB: "
          f"{'PASS' if peak_mb < 2048 else 'FAIL'}), {wall:.0f} s, ylt {ylt:,} rows, "
          f"elt {elt:,} rows, store {db.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
