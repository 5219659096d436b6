"""Golden tables: `portfolios/quick.toml` priced for 500 years must reproduce the stored
``ylt``, ``elt`` and ``ep_curve`` (tests/data/golden) on every run.

A change that moves them is either a bug or a model change to explain in the closing note
and regenerate deliberately:

    .venv/bin/python tests/test_golden.py --regenerate

On a mismatch the actual tables are kept in ``tests/golden-actual/`` (git-ignored) to diff.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "data" / "golden"
ACTUAL = HERE / "golden-actual"
REPO = HERE.parent
YEARS = 500
TABLES = ("ylt", "elt", "ep_curve")
#: relative tolerance for floats: the same seed gives the same numbers bit for bit on one
#: platform; this leaves room only for last-bit differences of libm across machines
RTOL = 1e-12


def _write_actual(out_dir: Path) -> dict[str, Path]:
    from riskengine import stages
    from riskengine.config import load_portfolio
    from riskengine.store import connect

    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / "golden.duckdb"
    db.unlink(missing_ok=True)
    con = connect(db)
    rid = stages.price(con, load_portfolio(REPO / "portfolios" / "quick.toml"),
                       stages.Options(years=YEARS))
    paths = {}
    for t in TABLES:
        paths[t] = out_dir / f"quick_{t}.csv"
        con.execute(f"COPY (SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = ? ORDER BY ALL) "
                    f"TO '{paths[t]}' (HEADER)", [rid])
    con.close()
    db.unlink(missing_ok=True)
    return paths


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=RTOL, abs_tol=0.0)


def test_quick_portfolio_reproduces_its_golden_tables(tmp_path):
    got = _write_actual(tmp_path)
    bad = []
    for t in TABLES:
        want, have = _read(GOLDEN / f"quick_{t}.csv"), _read(got[t])
        if len(want) != len(have) or any(
                len(r) != len(s) or not all(_same(x, y) for x, y in zip(r, s))
                for r, s in zip(want, have)):
            bad.append(t)
    if bad:
        import shutil

        ACTUAL.mkdir(exist_ok=True)
        for t in TABLES:
            shutil.copy(got[t], ACTUAL / got[t].name)
        raise AssertionError(
            f"tables {bad} differ from tests/data/golden; the actual ones are kept in "
            f"{ACTUAL} (diff them; regenerate with `python tests/test_golden.py "
            "--regenerate` only for a deliberate, explained model change)")


if __name__ == "__main__":
    if "--regenerate" not in sys.argv:
        sys.exit(__doc__)
    for t, p in _write_actual(GOLDEN).items():
        print(f"wrote {p}")
