"""Connections, schema creation and the run registry.

A *run* is the unit of visibility: everything a run writes goes through one DuckDB
transaction together with its ``runs`` row, so other readers see either all of it with
``status = 'complete'`` or nothing. A run that raises is rolled back and then recorded as
``status = 'failed'`` with its error and no data rows; a process killed mid-write (even
SIGKILL) leaves nothing, because DuckDB never replays an uncommitted transaction.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from riskengine.store import connect, run
>>> path = os.path.join(tempfile.mkdtemp(), "demo.duckdb")
>>> con = connect(path)
>>> with run(con, "simulate", seed=1, years=3) as r:
...     n = r.write("ylt", {"year": np.arange(1, 4), "loss": np.zeros(3),
...                         "ground_up_loss": np.zeros(3)})
>>> con.sql("select count(*) from ylt").fetchall()[0][0]
3
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import secrets
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from riskengine import __version__, settings
from riskengine.errors import StoreError
from riskengine.store import publish
from riskengine.store.schema import TABLES

VIEWS = {
    # runs a query should see: every row of these runs is written
    "complete_runs": "SELECT * FROM runs WHERE status = 'complete'",
    # the newest complete run of each kind for each portfolio
    "latest_runs": """
        SELECT * EXCLUDE (rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY portfolio, kind
                                         ORDER BY created_at DESC, run_id DESC) AS rn
            FROM runs WHERE status = 'complete') WHERE rn = 1""",
    # EP table in wide form: one row per run, perspective and return period (stores
    # written before perspectives: gross)
    "ep_wide": """
        SELECT run_id, coalesce(perspective, 'gross') AS perspective, return_period,
               max(loss) FILTER (WHERE curve = 'AEP') AS aep,
               max(loss) FILTER (WHERE curve = 'OEP') AS oep,
               max(tvar) FILTER (WHERE curve = 'AEP') AS aep_tvar,
               max(tvar) FILTER (WHERE curve = 'OEP') AS oep_tvar
        FROM ep_curve GROUP BY ALL""",
    # average annual loss by peril (occurrence-level loss, before aggregate terms)
    "aal_by_peril": """
        SELECT e.run_id, e.peril, sum(coalesce(e.occurrences, 1)) AS events,
               sum(coalesce(e.occurrences, 1)) / any_value(r.years) AS events_per_year,
               sum(e.ground_up_loss) / any_value(r.years) AS ground_up_aal,
               sum(e.loss) / any_value(r.years) AS aal
        FROM elt e JOIN runs r USING (run_id)
        WHERE r.status = 'complete' GROUP BY e.run_id, e.peril""",
    # per peril: AAL at occurrence level (after satellite and occurrence terms, before the
    # aggregate deductible and limit) and after them (each occurrence's share of the
    # aggregate terms in the order the year's occurrences happen), the difference, the
    # net AAL (after reinsurance),
    # peril's standalone 1-in-200 (99.5 % quantile of its own annual occurrence-level loss,
    # zero years counted), its co-TVaR capital, premium and share of the premium
    "peril_summary": """
        WITH yp AS (
            SELECT e.run_id, e.peril, e.year, sum(e.loss) AS annual
            FROM elt e JOIN runs r USING (run_id) WHERE r.status = 'complete'
            GROUP BY ALL),
        ranked AS (
            SELECT yp.*, row_number() OVER (PARTITION BY run_id, peril
                                            ORDER BY annual DESC, year) AS k
            FROM yp),
        standalone AS (
            SELECT r.run_id, p.peril,
                   coalesce(max(k.annual) FILTER (
                       WHERE k.k = r.years - ceil(r.years * 0.995) + 1), 0) AS var_995
            FROM runs r JOIN (SELECT DISTINCT run_id, peril FROM yp) p USING (run_id)
            LEFT JOIN ranked k ON k.run_id = p.run_id AND k.peril = p.peril
            GROUP BY ALL)
        SELECT b.run_id, b.peril, b.events_per_year, b.ground_up_aal,
               b.aal AS aal_before_aggregate_terms,
               coalesce(a.gross_expected_loss, a.expected_loss) AS aal_after_aggregate_terms,
               coalesce(a.gross_expected_loss, a.expected_loss) - b.aal AS aggregate_terms_effect,
               a.expected_loss AS net_aal,
               s.var_995 AS standalone_var_995,
               a.capital AS allocated_capital, a.premium,
               a.premium / sum(a.premium) OVER (PARTITION BY b.run_id) AS premium_share
        FROM aal_by_peril b
        LEFT JOIN allocations a ON a.run_id = b.run_id AND a.dimension = 'peril'
                                AND a.name = b.peril
        LEFT JOIN standalone s ON s.run_id = b.run_id AND s.peril = b.peril""",
    # headline metrics in wide form
    "run_summary": """
        SELECT r.run_id, r.portfolio, r.created_at, r.years, r.seed,
               max(m.value) FILTER (WHERE m.metric = 'aal' AND g) AS aal,
               max(m.value) FILTER (WHERE m.metric = 'std' AND g) AS std,
               max(m.value) FILTER (WHERE m.metric = 'var_0.995' AND g) AS var_995,
               max(m.value) FILTER (WHERE m.metric = 'tvar_0.995' AND g) AS tvar_995,
               max(m.value) FILTER (WHERE m.metric = 'aal' AND m.perspective = 'net') AS net_aal,
               max(m.value) FILTER (WHERE m.metric = 'var_0.995' AND m.perspective = 'net')
                   AS net_var_995,
               max(m.value) FILTER (WHERE m.metric = 'premium') AS premium
        FROM runs r JOIN (SELECT *, coalesce(perspective, 'gross') = 'gross' AS g
                          FROM metrics) m USING (run_id)
        WHERE r.status = 'complete' GROUP BY r.run_id, r.portfolio, r.created_at, r.years, r.seed""",
}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@functools.cache
@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """``riskengine <version>`` plus the git commit when run from a checkout.

    Asked once per process (a ``git`` call costs milliseconds; the code a process runs
    does not change under it).
    """
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=settings.REPO_ROOT,
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__


def new_run_id(kind: str) -> str:
    """A sortable unique run id, e.g. ``simulate-20261123T101500-3f9a1c``."""
    return f"{kind}-{_utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared table and view that is missing (idempotent).

    A table from an older version of the schema gets its missing nullable columns added
    (``ALTER TABLE ... ADD COLUMN``), so stores written earlier stay readable.
    """
    have: dict[str, set] = {}
    for t, c in con.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema()").fetchall():
        have.setdefault(t, set()).add(c)
    # each view carries the hash of its SQL as its comment: replaced only when it changed
    views = dict(con.execute("SELECT view_name, comment FROM duckdb_views() "
                             "WHERE NOT internal AND schema_name = current_schema()").fetchall())
    stmts = []
    for table in TABLES.values():
        if table.name not in have:
            stmts.append(table.ddl())
            continue
        stmts += [f'ALTER TABLE {table.name} ADD COLUMN "{c.name}" {c.type}'
                  for c in table.columns if c.name not in have[table.name] and c.nullable]
    for name, sql in VIEWS.items():
        tag = "riskengine view " + hashlib.sha256(sql.encode()).hexdigest()[:16]
        if views.get(name) != tag:
            stmts += [f"CREATE OR REPLACE VIEW {name} AS {sql}", f"COMMENT ON VIEW {name} IS '{tag}'"]
    if stmts:   # one transaction: all of the schema or none of it
        con.execute("BEGIN TRANSACTION")
        try:
            for st in stmts:
                con.execute(st)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def connect(path: str | os.PathLike | None = None, *, create: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the store for a job: a private work copy of the file that runs commit into and
    publish from (see :mod:`riskengine.store.publish`); readers are never blocked.

    Parameters
    ----------
    path : path-like, optional
        DuckDB file; default :func:`riskengine.settings.db_path`. ``":memory:"`` works
        (nothing is published).
    create : bool
        Create the file when missing. With ``False`` a missing file is an error.
    """
    if str(path) == ":memory:":
        con = duckdb.connect(":memory:")
        ensure_schema(con)
        return con
    main = Path(settings.db_path(path)).resolve()
    if not main.exists():
        if not create:
            raise StoreError(
                f"database {str(main)!r} does not exist: run `make price` (or `riskengine "
                f"catalog load ... --db {main}`) first, or pass --db with the right file")
        try:
            publish.create(main, ensure_schema)
        except (OSError, duckdb.Error) as exc:
            raise StoreError(f"cannot create database {str(main)!r}: {exc}; check that its "
                             "folder is writable and has space") from exc
    try:
        return publish.open_work_copy(main, ensure_schema)
    except OSError as exc:
        raise StoreError(f"cannot open database {str(main)!r}: {exc}; check that its folder "
                         "is writable and has space") from exc


def read_only(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection for notebooks and BI tools.

    It never blocks a running job and a job never blocks it: jobs publish finished runs by
    replacing the file, and this connection keeps reading the store as it was when it was
    opened. Reconnect (or use a fresh connection per query) to see newer runs.

    Examples
    --------
    >>> con = read_only("riskengine.duckdb")  # doctest: +SKIP
    >>> con.sql("select * from complete_runs").df()  # doctest: +SKIP
    """
    p = settings.db_path(path)
    if not p.exists():
        raise StoreError(f"database {str(p)!r} does not exist: run `make price` first")
    try:
        return duckdb.connect(str(p), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open database {str(p)!r} read-only: {exc}") from exc


def _is_column(v: Any) -> bool:
    return isinstance(v, (pa.Array, pa.ChunkedArray, np.ndarray, list, tuple))


def _to_arrow(table: str, data: Any, run_id: str | None) -> pa.Table:
    """Coerce a dict of arrays / Arrow table to the declared Arrow schema of ``table``."""
    spec = TABLES[table]
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        cols = {name: data.column(name) for name in data.column_names}
    elif isinstance(data, Mapping):
        cols = dict(data)
    else:
        raise TypeError(f"write({table!r}, ...) takes a dict of arrays or a pyarrow.Table")
    unknown = set(cols) - set(spec.column_names)
    if unknown:
        raise StoreError(f"table {table!r} has no column(s) {sorted(unknown)}; "
                         f"declared columns: {spec.column_names}")
    n = None
    for v in cols.values():
        if _is_column(v):
            n = len(v)
            break
    if n is None:
        n = 1
    if spec.run_scoped and "run_id" in spec.column_names:
        cols["run_id"] = run_id
    arrays = []
    for c in spec.columns:
        v = cols.get(c.name)
        typ = spec.arrow_schema().field(c.name).type
        if not _is_column(v):
            arr = pa.array([v] * n, type=typ) if v is not None else pa.nulls(n, typ)
        elif isinstance(v, (pa.Array, pa.ChunkedArray)):
            arr = v.cast(typ)
        else:
            a = np.asarray(v)
            if a.dtype.kind == "M":
                a = a.astype("datetime64[us]")
            arr = pa.array(a, type=typ, from_pandas=True)
        if len(arr) != n:
            raise StoreError(f"write({table!r}): column {c.name!r} has {len(arr)} rows, "
                             f"expected {n}")
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=spec.arrow_schema())


def insert(con: duckdb.DuckDBPyConnection, table: str, data: Any, run_id: str | None = None,
           *, mode: str = "insert") -> int:
    """Bulk-insert ``data`` (dict of arrays or Arrow) into ``table`` through Arrow.

    ``mode='upsert'`` replaces rows with the same primary key.
    """
    tbl = _to_arrow(table, data, run_id)
    if tbl.num_rows == 0:
        return 0
    name = f"_ins_{secrets.token_hex(4)}"
    con.register(name, tbl)
    try:
        cols = ", ".join(f'"{c}"' for c in tbl.column_names)
        verb = "INSERT OR REPLACE" if mode == "upsert" else "INSERT"
        con.execute(f"{verb} INTO {table} ({cols}) SELECT {cols} FROM {name}")
    finally:
        # after a failed INSERT the transaction is aborted and unregister may raise
        # "Current transaction is aborted": never let that mask the real cause
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)
    return tbl.num_rows


class RunHandle:
    """What a running run may do: write rows into its transaction and record stats."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str, kind: str):
        self.con = con
        self.run_id = run_id
        self.kind = kind
        self.stats: dict[str, Any] = {}
        self.catalog_epoch: dt.datetime | None = None
        self.rows: dict[str, int] = {}
        self.inputs: dict[str, Any] = {}
        self.flags: dict[str, str] = {}

    def write(self, table: str, data: Any, *, mode: str = "insert") -> int:
        """Append rows to ``table`` inside the run's transaction (``run_id`` filled in)."""
        n = insert(self.con, table, data, self.run_id, mode=mode)
        self.rows[table] = self.rows.get(table, 0) + n
        return n

    def flag(self, code: str, message: str, severity: str = "warning") -> None:
        """Attach a warning to the run (table ``run_flags``; once per code)."""
        if code in self.flags:
            return
        self.flags[code] = message
        self.write("run_flags", {"code": [code], "message": [message], "severity": [severity]})

    def execute(self, sql: str, params: Any = None):
        """Run SQL inside the run's transaction."""
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)


def _json(obj: Any) -> str | None:
    if obj is None:
        return None
    return json.dumps(obj, default=str, sort_keys=True)


@contextlib.contextmanager
def run(con: duckdb.DuckDBPyConnection, kind: str, *, config: Any = None,
        config_path: str | None = None, portfolio: str | None = None,
        seed: int | None = None, years: int | None = None,
        catalog_epoch: dt.datetime | None = None,
        run_id: str | None = None,
        refused: tuple[type[BaseException], ...] = (),
        portfolio_hash: str | None = None, inputs: dict | None = None,
        stream: bool = False, progress=None) -> Iterator[RunHandle]:
    """Open a run: its rows become visible together with its ``runs`` row, or not at all.

    On an exception the run's rows are dropped, a ``failed`` row (no data) is recorded
    with the error, and the exception propagates. Exceptions of the ``refused`` types mean
    the input was refused (e.g. a strict catalog load finding a bad record): they leave
    no trace at all.

    By default every row is written in one DuckDB transaction. With ``stream=True`` (big
    runs: the Monte Carlo tables) on a job's work copy, each write commits on its own so
    that memory does not grow with the run; the run is still published to the shared
    store only when it completes (:mod:`riskengine.store.publish`), so readers never see a
    partial run.
    """
    run_id = run_id or new_run_id(kind)
    started = _utcnow()
    handle = RunHandle(con, run_id, kind)
    handle.catalog_epoch = catalog_epoch
    base = dict(run_id=run_id, kind=kind, created_at=started, portfolio=portfolio,
                config=_json(config), config_path=config_path, seed=seed, years=years,
                code_version=code_version(), portfolio_hash=portfolio_hash)
    streaming = stream and publish.shared_file(con) is not None
    if not streaming:
        con.execute("BEGIN TRANSACTION")
    try:
        yield handle
        insert(con, "runs", {**base, "finished_at": _utcnow(), "status": "complete",
                             "catalog_epoch": handle.catalog_epoch,
                             "stats": _json({**handle.stats, "rows": handle.rows}),
                             "inputs": _json({**(inputs or {}), **handle.inputs}) or None})
        if not streaming:
            con.execute("COMMIT")
    except BaseException as exc:
        if not streaming:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
        else:
            _drop_rows(con, run_id)
        io = _io_problem(exc)
        if isinstance(exc, Exception) and not isinstance(exc, refused):
            recorded = False
            with contextlib.suppress(duckdb.Error):
                insert(con, "runs", {**base, "finished_at": _utcnow(), "status": "failed",
                                     "catalog_epoch": handle.catalog_epoch,
                                     "error": f"{type(exc).__name__}: {exc}"[:4000]})
                recorded = True
            if recorded and io is None:   # the failure and its cause are part of the record
                # (not after a disk write failure: the message promises an unchanged store)
                with contextlib.suppress(Exception):
                    publish.publish(con, [run_id], TABLES, ensure_schema, rows=False)
        if io is not None:
            raise StoreError(f"run {run_id} could not be written ({io}); the store is "
                             "unchanged. Free disk space beside the database (or point "
                             "--db / RISKENGINE_DB at a disk with room) and run again") from exc
        raise
    try:
        publish.publish(con, [run_id], TABLES, ensure_schema, progress=progress)
    except (OSError, duckdb.Error) as exc:
        if _io_problem(exc) is None:
            raise
        raise StoreError(f"run {run_id} finished but could not be published ({_io_problem(exc)}); "
                         "the store is unchanged. Free disk space beside the database and run "
                         "again") from exc


def _io_problem(exc: BaseException) -> str | None:
    """``"disk full"`` / ``"file too large"`` / the I/O error text when ``exc`` is a write
    failure of the disk (not a bug), else ``None``."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return {errno.ENOSPC: "disk full", errno.EFBIG: "file too large",
                errno.EDQUOT: "disk quota exceeded"}[exc.errno]
    if isinstance(exc, duckdb.Error):
        text = str(exc)
        for key, label in (("No space left", "disk full"), ("File too large", "file too large"),
                           ("quota", "disk quota exceeded")):
            if key in text:
                return label
        if isinstance(exc, duckdb.IOException) or "Could not write file" in text:
            return "I/O error: " + text.splitlines()[0][:200]
    return None


def _drop_rows(con, run_id: str) -> None:
    """Delete every row a (streamed) run wrote into its work copy."""
    for name, spec in TABLES.items():
        if spec.run_scoped and "run_id" in spec.column_names:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DELETE FROM {name} WHERE run_id = ?", [run_id])


def complete_runs(con: duckdb.DuckDBPyConnection, kind: str | None = None):
    """Complete runs, newest first, as a list of dicts."""
    sql = "SELECT * FROM runs WHERE status = 'complete'"
    params: list[Any] = []
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    cur = con.execute(sql + " ORDER BY created_at DESC, run_id DESC", params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def latest_run_id(con: duckdb.DuckDBPyConnection, kind: str, portfolio: str | None = None) -> str | None:
    """The newest complete run of ``kind`` (optionally for one portfolio)."""
    sql = "SELECT run_id FROM runs WHERE status='complete' AND kind=?"
    params: list[Any] = [kind]
    if portfolio:
        sql += " AND portfolio=?"
        params.append(portfolio)
    rows = con.execute(sql + " ORDER BY created_at DESC, run_id DESC LIMIT 1", params).fetchall()
    return rows[0][0] if rows else None
