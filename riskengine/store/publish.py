"""Readers never block a job, a job never blocks a reader: jobs work on a private copy of
the store and publish each finished run by replacing the shared file atomically.

DuckDB lets many processes read a file, or one process write it, never both. An
underwriter's notebook or BI tool holding a read-only connection would stop
``make price`` from opening the file, and a running job would stop the notebook. So:

* **Jobs** (:func:`riskengine.store.connect`) copy the shared file to a private *work copy*
  beside it (``.NAME.work-PID-XXXX``) and read and write only that copy. Each run commits
  there, in one transaction, as before.
* **Publishing** a finished run (:func:`publish`, called when the run's transaction
  commits): under an exclusive lock file (``NAME.lock``: one publisher at a time), the
  current shared file is copied, the run's rows are inserted into the copy in one
  transaction, the copy is checkpointed and closed, and it *replaces* the shared file with
  ``os.replace`` — atomic on POSIX. Two jobs publishing concurrently both keep their runs.
  When no other job has published since this job copied the shared file (or since its own
  last publish), the work copy is that file plus this job's runs: it is checkpointed and a
  copy of it replaces the shared file the same way, with no rows inserted one by one.
* **Readers** (:func:`riskengine.store.read_only`, the DuckDB CLI with ``-readonly``,
  BI tools) open the shared file whenever they like: they see the store as it was when
  they opened it (the replaced file stays readable to them), and see new runs when they
  reconnect. A job never waits for them, and they never wait for a job.

A job killed at any moment leaves the shared file as it was: its work copy (and any
half-built publish copy) is an orphan file that the next :func:`riskengine.store.connect`
removes. Stores are written with DuckDB's storage format ``v1.1.0`` so that the DuckDB
CLI and 1.x drivers can read them (:data:`STORAGE_COMPATIBILITY`).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import secrets
import shutil
import time
import weakref
from pathlib import Path

import duckdb

from riskengine.errors import StoreError

#: DuckDB storage format of every store riskengine creates: readable by DuckDB 1.1 and
#: newer (the DuckDB CLI, Python/R/JDBC/ODBC 1.x drivers, BI tools), not only by 2.x.
STORAGE_COMPATIBILITY = "v1.1.0"
#: Rows copied per statement when publishing (each commits on its own: bounded memory).
CHUNK_ROWS = 2_000_000
#: How long a publisher waits for another publisher's lock before saying so.
LOCK_NOTICE_S = 5.0
#: ... and before giving up.
LOCK_TIMEOUT_S = 600.0

#: work-copy connections of this process -> their shared file and work file
_WORK: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def duckdb_config() -> dict:
    """Every store connection: the 1.x-readable storage format and a memory limit
    (``$RISKENGINE_DUCKDB_MEMORY``, default 512 MB; DuckDB spills beyond it)."""
    return {"storage_compatibility_version": STORAGE_COMPATIBILITY,
            "memory_limit": os.environ.get("RISKENGINE_DUCKDB_MEMORY", "512MB")}


def _files(path: Path) -> list[Path]:
    """The database file and its WAL (copied together so no committed write is lost)."""
    return [path, path.with_name(path.name + ".wal")]


def _copy(src: Path, dst: Path) -> None:
    for a, b in zip(_files(src), _files(dst)):
        if a.exists():
            shutil.copyfile(a, b)
        else:
            b.unlink(missing_ok=True)


def _remove(path: Path) -> None:
    for f in _files(path):
        f.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans(main: Path) -> int:
    """Delete work and publish copies of ``main`` left by processes that no longer run."""
    n = 0
    for f in main.parent.glob(f".{main.name}.*-*-*"):
        if f.name.endswith(".wal"):
            continue
        try:
            pid = int(f.name.split("-")[-2])
        except (ValueError, IndexError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            _remove(f)
            n += 1
    return n


@contextlib.contextmanager
def publish_lock(main: Path, say=None):
    """Exclusive lock of the store's publishers (``NAME.lock`` beside it)."""
    lock = main.with_name(main.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    t0 = time.monotonic()
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - t0
                if waited > LOCK_TIMEOUT_S:
                    raise StoreError(
                        f"{main}: another riskengine job has been publishing for "
                        f"{waited:.0f} s ({lock} is locked); wait for it to finish or stop "
                        "it, then run again") from None
                if not told and waited > LOCK_NOTICE_S and say is not None:
                    say(f"waiting for another job to publish into {main} ...")
                    told = True
                time.sleep(0.05)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def create(main: Path, ensure_schema) -> None:
    """Create the shared file with the schema (first use), under the publish lock."""
    main.parent.mkdir(parents=True, exist_ok=True)
    with publish_lock(main):
        if main.exists():
            return
        tmp = main.with_name(f".{main.name}.create-{os.getpid()}-{secrets.token_hex(3)}")
        try:
            con = duckdb.connect(str(tmp), config=duckdb_config())
            ensure_schema(con)
            con.execute("CHECKPOINT")
            con.close()
            os.replace(tmp, main)
        finally:
            _remove(tmp)


def _signature(path: Path) -> tuple | None:
    """What identifies one version of the shared file: publishers replace it, never write
    it in place, so a new version is a new inode (None: no file)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _copy_version(main: Path, work: Path) -> tuple | None:
    """Copy ``main`` (and its WAL) to ``work``; the signature of the version copied, or
    None when it cannot be told (no file, or a WAL beside it). The copy reads one open
    file, so it is of the version the signature names even if a publisher replaces the
    shared file meanwhile."""
    wal = _files(main)[1]
    try:
        src = open(main, "rb")
    except FileNotFoundError:
        _copy(main, work)
        return None
    with src, open(work, "wb") as dst:
        st = os.fstat(src.fileno())
        shutil.copyfileobj(src, dst, 16 << 20)
    if wal.exists():
        shutil.copyfile(wal, _files(work)[1])
        return None
    _files(work)[1].unlink(missing_ok=True)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def open_work_copy(main: Path, ensure_schema) -> duckdb.DuckDBPyConnection:
    """A private copy of ``main`` to read and write; publish runs with :func:`publish`."""
    remove_orphans(main)
    work = main.with_name(f".{main.name}.work-{os.getpid()}-{secrets.token_hex(3)}")
    version = _copy_version(main, work)
    try:
        con = duckdb.connect(str(work), config=duckdb_config())
    except duckdb.Error as exc:
        _remove(work)
        raise StoreError(f"cannot open database {str(main)!r}: {exc}") from exc
    ensure_schema(con)
    # (the version of the shared file the work copy is: while no one else publishes, the
    # work copy is that version plus this job's runs, and publishes as a whole file)
    _WORK[con] = (main, work, version)
    weakref.finalize(con, _remove, work)
    atexit.register(_close_and_remove, weakref.ref(con), work)
    return con


def _close_and_remove(ref, work: Path) -> None:
    con = ref()
    if con is not None:
        with contextlib.suppress(Exception):
            con.close()
    _remove(work)


def shared_file(con) -> Path | None:
    """The shared store a work-copy connection publishes to (``None``: not a work copy)."""
    entry = _WORK.get(con)
    return entry[0] if entry else None


def publish(con, run_ids: list[str], tables, ensure_schema, say=None, rows: bool = True,
            progress=None) -> bool:
    """Publish the committed runs ``run_ids`` of the work copy ``con`` into the shared file.

    ``tables`` are the declared tables (:data:`riskengine.store.TABLES`): run-scoped ones
    copy the runs' rows; ``catalog_objects`` takes each object whose element set is newer
    (or whose class was updated by a SATCAT) than the shared file's; ``satcat`` its
    changed rows (``rows=False``: only the ``runs`` rows, for failed runs). Returns
    ``False`` when ``con`` is not a work copy (nothing to publish).

    The copy is private until it replaces the shared file, so rows are copied in chunks
    that commit on their own: memory stays bounded for runs of any size.
    """
    entry = _WORK.get(con)
    if entry is None:
        return False
    main, work, version = entry
    ids = list(run_ids)
    with publish_lock(main, say):
        pub = main.with_name(f".{main.name}.publish-{os.getpid()}-{secrets.token_hex(3)}")
        if version is not None and _signature(main) == version:
            # no one has published since this job's copy (or its last whole-file publish):
            # the work copy is the shared file plus this job's runs (a failed run's rows are
            # dropped from it, a refused one's rolled back), so it is published whole, as a
            # checkpointed copy, instead of its runs' rows being inserted into a copy of the
            # shared file (20-25 s for a million-satellite price's 76 million event rows)
            try:
                con.execute("CHECKPOINT")
                if not _files(work)[1].exists() or os.path.getsize(_files(work)[1]) == 0:
                    shutil.copyfile(work, pub)
                    os.replace(pub, main)
                    main.with_name(main.name + ".wal").unlink(missing_ok=True)
                    _WORK[con] = (main, work, _signature(main))
                    return True
            finally:
                _remove(pub)
        _WORK[con] = (main, work, None)   # from now on the shared file has others' runs
        try:
            _copy(main, pub)
            fresh = duckdb.connect(str(pub), config=duckdb_config())
            try:     # tables, columns and views this code version declares
                ensure_schema(fresh)
                fresh.execute("CHECKPOINT")
            finally:
                fresh.close()
            con.execute(f"ATTACH '{_sql_path(pub)}' AS pub")
            try:
                _merge(con, ids, tables if rows else {"runs": tables["runs"]}, progress)
                con.execute("CHECKPOINT pub")
            finally:
                con.execute("DETACH pub")
            os.replace(pub, main)
            main.with_name(main.name + ".wal").unlink(missing_ok=True)
        finally:
            _remove(pub)
    return True


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _merge(con, ids: list[str], tables, progress=None) -> None:
    marks = ", ".join("?" for _ in ids)
    scoped = [n for n, spec in tables.items() if spec.run_scoped and "run_id" in spec.column_names]
    total = sum(con.execute(f"SELECT count(*) FROM {n} WHERE run_id IN ({marks})",
                            ids).fetchall()[0][0] for n in scoped) if progress else 0
    done = 0
    for name, spec in tables.items():
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        if name == "runs":
            con.execute(f"INSERT OR REPLACE INTO pub.runs ({cols}) SELECT {cols} FROM runs "
                        f"WHERE run_id IN ({marks})", ids)
        elif spec.run_scoped and "run_id" in spec.column_names:
            for rid in ids:
                lo, hi = con.execute(f"SELECT min(rowid), max(rowid) FROM {name} "
                                     "WHERE run_id = ?", [rid]).fetchall()[0]
                if lo is None:
                    continue
                for a in range(lo, hi + 1, CHUNK_ROWS):
                    n = con.execute(f"INSERT INTO pub.{name} ({cols}) SELECT {cols} FROM "
                                    f"{name} WHERE run_id = ? AND rowid BETWEEN ? AND ?",
                                    [rid, a, min(hi, a + CHUNK_ROWS - 1)]).fetchall()[0][0]
                    done += n
                    if progress is not None and total:
                        progress("publishing", done, total)
        elif name == "catalog_objects":
            # element sets this job loaded (newest epoch wins) and classes a SATCAT changed
            con.execute(f"""
                INSERT OR REPLACE INTO pub.catalog_objects ({cols})
                SELECT {cols} FROM catalog_objects w
                WHERE NOT EXISTS (SELECT 1 FROM pub.catalog_objects m
                                  WHERE m.norad_id = w.norad_id AND m.epoch > w.epoch)
                  AND NOT EXISTS (SELECT 1 FROM pub.catalog_objects m
                                  WHERE m.norad_id = w.norad_id
                                    AND m.epoch = w.epoch
                                    AND m.loaded_run_id IS NOT DISTINCT FROM w.loaded_run_id
                                    AND m.object_class IS NOT DISTINCT FROM w.object_class
                                    AND m.class_source IS NOT DISTINCT FROM w.class_source
                                    AND m.rcs_size IS NOT DISTINCT FROM w.rcs_size
                                    AND m.rcs_m2 IS NOT DISTINCT FROM w.rcs_m2)""")
        elif spec.primary_key:     # other shared tables (satcat): the rows that changed
            same = " AND ".join(f'm."{c}" IS NOT DISTINCT FROM w."{c}"'
                                for c in spec.column_names)
            con.execute(f"INSERT OR REPLACE INTO pub.{name} ({cols}) SELECT {cols} "
                        f"FROM {name} w WHERE NOT EXISTS (SELECT 1 FROM pub.{name} m "
                        f"WHERE {same})")
