"""Catalog load vs a plain ``Satrec.twoline2rv`` loop over the same file, same process.

Ours: parse + validate (checksums, ranges, structure) + initialise every SGP4 record +
write ``catalog_objects``/``catalog_sources`` to a fresh DuckDB file in one transaction.
Baseline: read the file and call ``Satrec.twoline2rv`` on every line pair.
Target (issue 2): ratio <= 2. Best of N repetitions, interleaved, to damp machine noise.

Usage: python benchmarks/bench_catalog.py [FILE]   (default: the shared 2023-10 full 3LE)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sgp4.api import Satrec

from riskengine import settings
from riskengine.catalog.ingest import load_files
from riskengine.store import connect


def baseline(path: Path) -> int:
    lines = path.read_text().splitlines()
    sats = []
    for i in range(len(lines) - 1):
        if lines[i].startswith("1 ") and lines[i + 1].startswith("2 "):
            sats.append(Satrec.twoline2rv(lines[i], lines[i + 1]))
    return len(sats)


def ours(path: Path, tmp: Path, k: int, parts: list | None = None) -> int:
    t0 = time.perf_counter()
    con = connect(tmp / f"bench{k}.duckdb")     # new file: creates the schema
    t1 = time.perf_counter()
    _, res = load_files(con, [path])              # parse .. commit (one transaction)
    t2 = time.perf_counter()
    con.close()                                   # DuckDB checkpoints the WAL into the file
    t3 = time.perf_counter()
    if parts is not None:
        parts.append((t1 - t0, t2 - t1, t3 - t2))
    return len(res.catalog)


def main() -> None:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
    else:
        shared = settings.shared_dir()
        if shared is None:
            sys.exit("no shared data: pass a catalog file or set RISKENGINE_SHARED")
        path = shared / "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"
    tmp = Path(tempfile.mkdtemp())
    ours(path, tmp, 99)  # warm imports / file cache
    tb, to, parts = [], [], []
    for k in range(5):
        t = time.perf_counter(); n_b = baseline(path); tb.append(time.perf_counter() - t)
        t = time.perf_counter(); n_o = ours(path, tmp, k, parts); to.append(time.perf_counter() - t)
    assert n_b == n_o, (n_b, n_o)
    b, o = min(tb), min(to)
    t_open, t_load, t_close = (min(x) for x in zip(*parts))
    print(f"catalog load: {path.name}, {n_o:,} objects")
    print(f"  baseline twoline2rv loop : {b:.3f} s")
    print(f"  riskengine load (to DB)  : {o:.3f} s  (new store {t_open:.3f} s + load and commit "
          f"{t_load:.3f} s + close/checkpoint {t_close:.3f} s)")
    print(f"  ratio ours/baseline      : {o / b:.2f}x  (target <= 2.0x); into an open store "
          f"(load and commit only): {t_load / b:.2f}x")
    # where the time goes (best of 3 each)
    from riskengine.catalog.ingest import _sgp4_check, catalog_rows
    from riskengine.catalog.reader import read_files
    from riskengine.store import db

    def best(f, k=3):
        ts = []
        for _ in range(k):
            t = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t)
        return min(ts), r

    t_parse, res = best(lambda: read_files([path]))
    t_sgp4, _ = best(lambda: _sgp4_check(read_files([path]).catalog))
    t_sgp4 -= t_parse
    t_rows, _ = best(lambda: db._to_arrow("catalog_objects", catalog_rows(res.catalog, "x"), None))
    print(f"  breakdown: parse+validate {t_parse:.3f} s, SGP4 init {t_sgp4:.3f} s, "
          f"Arrow rows {t_rows:.3f} s, DuckDB insert+commit+checkpoint "
          f"{max(o - t_parse - t_sgp4 - t_rows, 0):.3f} s")


if __name__ == "__main__":
    main()
