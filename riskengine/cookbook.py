"""The SQL cookbook (``riskengine/data/cookbook.sql``) as named queries.

Examples
--------
>>> from riskengine.cookbook import queries
>>> "pml_200" in queries()
True
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def queries() -> dict[str, tuple[str, str]]:
    """``{name: (purpose, sql)}`` in file order."""
    text = resources.files("riskengine").joinpath("data/cookbook.sql").read_text()
    out = {}
    for block in re.split(r"^-- name: ", text, flags=re.M)[1:]:
        name, rest = block.split("\n", 1)
        lines = rest.strip().splitlines()
        purpose = lines[0].removeprefix("-- ").strip()
        sql = "\n".join(ln for ln in lines[1:] if not ln.startswith("--")).strip()
        out[name.strip()] = (purpose, sql)
    return out


def query(con, name: str, run: str | None = None):
    """Run a cookbook query with ``$run`` bound to ``run``; returns the executed cursor
    (``.fetchall()``, ``.df()``, ``.fetchnumpy()``)."""
    purpose, sql = queries()[name]
    if "$run" in sql:
        if run is None:
            raise ValueError(f"cookbook query {name!r} needs run=<run_id>")
        return con.execute(sql, {"run": run})
    return con.execute(sql)
