"""DuckDB store: schemas declared once (``schema``), run registry and atomic writes (``db``)."""

from riskengine.store.db import (
    RunHandle,
    complete_runs,
    connect,
    ensure_schema,
    new_run_id,
    read_only,
    run,
)
from riskengine.store.schema import TABLES, Column, Table, register

__all__ = [
    "TABLES", "Column", "Table", "register", "RunHandle", "complete_runs", "connect",
    "ensure_schema", "new_run_id", "read_only", "run",
]
