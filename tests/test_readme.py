"""The README is a tested path: every command block runs, in a copy of the repository in a
temporary folder, against a fresh store, offline (issue #16).

Blocks are marked in the README with an HTML comment just above them:
``<!-- readme-test: run -->`` (bash, one command a line), ``file PATH`` (write the block to
PATH), ``sql`` (run each statement against the store), ``python`` (execute), or
``skip: REASON``. Unmarked bash, sql, toml and python blocks are an error here, so a new
block cannot escape the test. Long commands get fewer years (``--years``) and short MCMC
chains; nothing else is changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(?:<!-- readme-test: (?P<mark>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```",
                   re.S)
YEARS = "300"


def blocks():
    text = (REPO / "README.md").read_text()
    return [(m["mark"] or "", m["lang"], m["body"]) for m in BLOCK.finditer(text)]


def test_every_code_block_is_marked():
    for mark, lang, body in blocks():
        if lang in ("bash", "sql", "toml", "python"):
            assert mark, f"README {lang} block without a readme-test mark:\n{body[:200]}"
        if mark.startswith("skip"):
            assert mark.partition(":")[2].strip(), "a skipped block needs its reason"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of the repository's user-facing files, sharing the built environment."""
    root = tmp_path_factory.mktemp("readme")
    for name in ("portfolios", "catalogs", "notebooks", "docs"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("cache"))
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, root / name)
    # the built environment, shared read-only: its bin/ (commands, python) and an up-to-date
    # stamp, so that `make` never reinstalls into it from this copy
    (root / ".venv").mkdir()
    (root / ".venv" / "bin").symlink_to(REPO / ".venv" / "bin")
    (root / ".venv" / ".installed").touch()
    return root


def _env(root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKENGINE_")}
    env.update(RISKENGINE_FIT_DRAWS="100", RISKENGINE_CACHE=str(root / "catalogs" / "cache"),
               RISKENGINE_SHARED=str(root / "no-shared"), COLUMNS="120")
    env["PATH"] = f"{root / '.venv' / 'bin'}:{env['PATH']}"
    return env


def _shorter(cmd: str) -> str:
    """Fewer years for the commands that simulate."""
    if re.search(r"\bmake (price|simulate)\b", cmd) and "ARGS=" not in cmd:
        return cmd + f" ARGS='--years {YEARS}'"
    if re.search(r"riskengine (price|simulate)\b", cmd) and "--years" not in cmd:
        return cmd + f" --years {YEARS}"
    return cmd


def test_readme_blocks_run_in_order(checkout):
    env = _env(checkout)
    ran = 0
    for mark, lang, body in blocks():
        if mark.startswith("skip") or not mark:
            continue
        if mark.startswith("file "):
            (checkout / mark.split(None, 1)[1]).write_text(body)
            continue
        db = checkout / "riskengine.duckdb"
        if mark.startswith("run"):
            excluded = [x.strip() for x in re.findall(r"not ([^:)]+)", mark)]
            for line in body.splitlines():
                cmd = line.split("  #")[0].strip()
                if not cmd or cmd.startswith("#") or cmd in excluded:
                    continue
                cmd = _shorter(cmd)
                p = subprocess.run(cmd, shell=True, cwd=checkout, env=env, capture_output=True,
                                   text=True, timeout=900)
                assert p.returncode == 0, f"README command failed: {cmd}\n{p.stderr[-3000:]}"
                assert "Traceback" not in p.stderr, cmd
                ran += 1
        elif mark == "sql":
            con = duckdb.connect(str(db), read_only=True)
            run = con.execute("SELECT run_id FROM complete_runs WHERE kind = 'price' "
                              "ORDER BY created_at DESC LIMIT 1").fetchall()[0][0]
            for stmt in (s.strip() for s in body.split(";")):
                code = "\n".join(x for x in stmt.splitlines() if not x.strip().startswith("--"))
                if code.strip():
                    con.execute(code.replace("$run", "?"), [run] * code.count("$run")).fetchall()
                    ran += 1
            con.close()
        elif mark == "python":
            cwd = os.getcwd()
            os.chdir(checkout)
            try:
                exec(compile(body, "README.md", "exec"), {})
            finally:
                os.chdir(cwd)
            ran += 1
        else:
            raise AssertionError(f"unknown readme-test mark {mark!r}")
    assert ran >= 15
    # the custom fleet priced end to end, from both of its groups
    con = duckdb.connect(str(checkout / "riskengine.duckdb"), read_only=True)
    groups = {g for (g,) in con.execute(
        "SELECT name FROM allocations a JOIN runs r USING (run_id) WHERE r.portfolio = "
        "'my-constellation' AND dimension = 'group' AND expected_loss > 0").fetchall()}
    assert groups == {"shell-a", "in-orbit"}
    assert list((checkout / "reports").glob("*.html"))
    con.close()
