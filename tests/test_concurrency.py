"""Readers never block a job and a job never blocks a reader (two processes).

An underwriter's notebook holds a read-only DuckDB connection on the store for hours; BI
tools open it whenever they like. `riskengine price` must start, run and publish while
they do, and they must open the store while a job runs (see
:mod:`riskengine.store.publish`).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
QUICK = REPO / "portfolios" / "quick.toml"


def _price(db, years):
    return subprocess.run([sys.executable, "-m", "riskengine", "price", str(QUICK), "--db",
                           str(db), "--years", str(years)], capture_output=True, text=True,
                          timeout=600)


def test_a_reader_holding_the_store_does_not_block_price(tmp_path):
    db = tmp_path / "r.duckdb"
    first = _price(db, 500)
    assert first.returncode == 0, first.stderr
    # a notebook in another process: a long-lived read-only connection
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(db)!r}, read_only=True)
        print(con.execute("select count(*) from complete_runs").fetchall()[0][0], flush=True)
        sys.stdin.readline()          # hold the connection until told to stop
        print(con.execute("select count(*) from complete_runs").fetchall()[0][0], flush=True)
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "1"
        t = time.perf_counter()
        second = _price(db, 500)           # must not refuse or wait for the reader
        assert second.returncode == 0, second.stderr
        assert time.perf_counter() - t < 120
        # the reader keeps its snapshot; a new connection sees both runs
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"
    finally:
        reader.kill()
        reader.wait()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from complete_runs where kind = 'price'").fetchall()[0][0] == 2
    con.close()


def test_a_running_job_does_not_block_readers(tmp_path):
    db = tmp_path / "j.duckdb"
    assert _price(db, 200).returncode == 0
    job = subprocess.Popen([sys.executable, "-m", "riskengine", "price", str(QUICK), "--db",
                            str(db), "--years", "400000"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        opened = 0
        t0 = time.perf_counter()
        while job.poll() is None and time.perf_counter() - t0 < 300:
            # a BI tool opening the store while the job simulates and publishes
            con = duckdb.connect(str(db), read_only=True)
            n = con.execute("select count(*) from complete_runs").fetchall()[0][0]
            con.close()
            assert n in (1, 2)
            opened += 1
            time.sleep(0.05)
        assert job.wait(timeout=300) == 0, job.stderr.read()
    finally:
        job.kill()
    assert opened > 5
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from ylt").fetchall()[0][0] == 400_200
    con.close()
    # the job's private work copy is gone
    assert not [p for p in tmp_path.iterdir() if ".work-" in p.name or ".publish-" in p.name]


def test_two_jobs_publishing_at_once_keep_both_runs(tmp_path):
    db = tmp_path / "two.duckdb"
    assert _price(db, 100).returncode == 0
    jobs = [subprocess.Popen([sys.executable, "-m", "riskengine", "simulate", str(QUICK),
                              "--db", str(db), "--years", "3000", "--seed", str(s)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for s in (1, 2, 3)]
    for j in jobs:
        assert j.wait(timeout=300) == 0, j.stderr.read()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from complete_runs where kind='simulate'").fetchall()[0][0] == 3
    assert con.execute("select count(*) from ylt").fetchall()[0][0] == 100 + 3 * 3000
    con.close()


def test_stores_open_in_duckdb_1x_readers(tmp_path):
    """Stores are written in DuckDB's v1.1.0 storage format: the DuckDB CLI and 1.x
    drivers read them (a duckdb 2.0 default file is refused by them)."""
    import shutil

    db = tmp_path / "c.duckdb"
    assert _price(db, 100).returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    ver = con.execute("SELECT tags['storage_version'] FROM duckdb_databases() "
                      "WHERE database_name = current_database()").fetchall()
    con.close()
    assert ver and str(ver[0][0]).startswith("v1."), ver   # "v1.0.0+": 1.x readers
    cli = shutil.which("duckdb") or str(Path(sys.executable).parent / "duckdb")
    if Path(cli).exists():        # the DuckDB CLI from the package index (duckdb-cli)
        out = subprocess.run([cli, "-readonly", str(db), "-c",
                              "SELECT count(*) FROM complete_runs"], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0 and "│            1 │" in out.stdout, out.stderr


def _ylt_run(con, n, stream=False):
    import numpy as np

    from riskengine.store import run

    with run(con, "simulate", years=n, stream=stream) as r:
        r.write("ylt", {"year": np.arange(1, n + 1), "loss": np.ones(n),
                        "ground_up_loss": np.ones(n)})
    return r.run_id


def test_a_lone_job_publishes_its_work_copy_whole_and_others_are_merged(tmp_path,
                                                                        monkeypatch):
    """While no one else publishes, a job's work copy is the shared file plus its runs and
    is published whole (no rows inserted); once another job has published, its runs are
    merged into the shared file again, and every job keeps its runs."""
    from riskengine.store import connect, publish, run

    db = tmp_path / "s.duckdb"
    a, b = connect(db), connect(db)
    merged = []
    real = publish._merge
    monkeypatch.setattr(publish, "_merge", lambda *x, **k: merged.append(1) or real(*x, **k))
    ra = _ylt_run(a, 10, stream=True)       # a alone: published whole
    ra2 = _ylt_run(a, 5)
    assert merged == []
    rb = _ylt_run(b, 7)                     # b copied the file before a published: merged
    assert merged == [1]
    ra3 = _ylt_run(a, 3)                    # the shared file now has b's run: merged
    assert len(merged) == 2
    with pytest.raises(RuntimeError):       # a failed run: its runs row only, merged
        with run(a, "simulate") as r:
            r.write("ylt", {"year": [1], "loss": [1.0], "ground_up_loss": [1.0]})
            raise RuntimeError("halfway")
    a.close()
    b.close()
    con = duckdb.connect(str(db), read_only=True)
    got = dict(con.execute("SELECT run_id, count(*) FROM ylt GROUP BY 1").fetchall())
    assert got == {ra: 10, ra2: 5, rb: 7, ra3: 3}
    assert con.execute("SELECT count(*) FROM runs WHERE status = 'failed'").fetchone()[0] == 1
    con.close()
    assert not [p for p in tmp_path.iterdir() if ".publish-" in p.name]


def test_a_job_alone_after_its_own_whole_file_publish_stays_whole(tmp_path, monkeypatch):
    """A new job on a store no one else writes publishes whole too, and a reader that
    opened the file before still reads its version."""
    from riskengine.store import connect, publish

    db = tmp_path / "s.duckdb"
    first = connect(db)
    r1 = _ylt_run(first, 4)
    first.close()
    reader = duckdb.connect(str(db), read_only=True)
    monkeypatch.setattr(publish, "_merge", lambda *x, **k: pytest.fail("merged"))
    job = connect(db)
    r2 = _ylt_run(job, 6, stream=True)
    job.close()
    assert reader.execute("SELECT count(*) FROM ylt").fetchone()[0] == 4
    reader.close()
    con = duckdb.connect(str(db), read_only=True)
    assert dict(con.execute("SELECT run_id, count(*) FROM ylt GROUP BY 1").fetchall()) == {
        r1: 4, r2: 6}
    con.close()
