"""Store: schema from declarations, atomic runs, failed runs recorded, SIGKILL leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import numpy as np
import pytest

from riskengine.errors import StoreError
from riskengine.store import TABLES, connect, read_only, run
from riskengine.store.db import complete_runs, latest_run_id


def test_ddl_matches_declarations(db_path):
    con = connect(db_path)
    for name, table in TABLES.items():
        cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
        assert cols == table.column_names, name
    # GUIDE contract columns
    assert TABLES["ylt"].column_names == ["run_id", "year", "loss", "ground_up_loss"]
    assert {"run_id", "event_id", "year", "peril", "satellites", "loss", "ground_up_loss"} <= set(TABLES["elt"].column_names)
    assert {"run_id", "created_at", "config", "seed", "years", "code_version", "catalog_epoch", "status"} <= set(TABLES["runs"].column_names)


def test_run_commits_everything(db_path):
    con = connect(db_path)
    with run(con, "simulate", seed=3, years=5, portfolio="p") as r:
        r.write("ylt", {"year": np.arange(1, 6), "loss": np.ones(5), "ground_up_loss": np.ones(5)})
        r.write("metrics", {"metric": ["aal"], "value": [1.0], "std_error": [0.0]})
    assert con.execute("select count(*) from ylt where run_id=?", [r.run_id]).fetchone()[0] == 5
    rec = complete_runs(con, "simulate")[0]
    assert rec["run_id"] == r.run_id and rec["seed"] == 3 and rec["status"] == "complete"
    assert latest_run_id(con, "simulate", "p") == r.run_id


def test_failed_run_leaves_no_rows(db_path):
    con = connect(db_path)
    with pytest.raises(RuntimeError):
        with run(con, "simulate") as r:
            r.write("ylt", {"year": [1], "loss": [1.0], "ground_up_loss": [1.0]})
            raise RuntimeError("bad input halfway")
    assert con.execute("select count(*) from ylt").fetchone()[0] == 0
    status, err = con.execute("select status, error from runs").fetchone()
    assert status == "failed" and "bad input halfway" in err
    assert complete_runs(con) == []


def test_write_rejects_unknown_column(db_path):
    con = connect(db_path)
    with pytest.raises(StoreError, match="no column"):
        with run(con, "simulate") as r:
            r.write("ylt", {"year": [1], "los": [1.0]})


def test_sigkill_mid_write_leaves_nothing(db_path):
    """A writer killed with SIGKILL inside its transaction leaves no visible rows."""
    script = textwrap.dedent(f"""
        import numpy as np, sys, time
        from riskengine.store import connect, run
        con = connect({str(db_path)!r})
        with run(con, "simulate", years=10**6) as r:
            for k in range(1000):
                n = 100_000
                r.write("ylt", {{"year": np.arange(k*n, (k+1)*n), "loss": np.ones(n),
                                "ground_up_loss": np.ones(n)}})
                if k == 3:
                    print("writing", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    con = connect(db_path)
    assert con.execute("select count(*) from runs where status='complete'").fetchone()[0] == 0
    assert con.execute("select count(*) from ylt").fetchone()[0] == 0
    with run(con, "simulate") as r:  # and the next run succeeds
        r.write("ylt", {"year": [1], "loss": [0.0], "ground_up_loss": [0.0]})
    assert con.execute("select count(*) from ylt").fetchone()[0] == 1


def test_read_only_helper(db_path):
    con = connect(db_path)
    with run(con, "simulate") as r:
        r.write("ylt", {"year": [1], "loss": [2.0], "ground_up_loss": [2.0]})
    con.close()
    ro = read_only(db_path)
    assert ro.execute("select avg(loss) from ylt").fetchone()[0] == 2.0
    with pytest.raises(duckdb.Error):
        ro.execute("delete from ylt")
    with pytest.raises(StoreError, match="does not exist"):
        read_only(db_path.parent / "missing.duckdb")
