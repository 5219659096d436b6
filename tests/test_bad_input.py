"""Bad input never prices silently and never shows a traceback (issue #17): every probe a
hostile user tried gets one line naming the file, key or option, the value and the fix,
exit code 2, and leaves the store exactly as it was. Catalog and CDM probes are in
tests/test_catalog_bad_input.py and tests/test_cdm.py / tests/test_pc_cli.py."""

from __future__ import annotations

import hashlib
import resource
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
QUICK = REPO / "portfolios" / "quick.toml"

BASE = """name = "probe"
[simulation]
years = 200
seed = 1
[[fleet]]
name = "{group}"
altitude_km = 550
inclination_deg = 53
planes = 2
per_plane = 5
sum_insured = {sum_insured}
{fleet_extra}
[[perils]]
type = "independent_failure"
name = "{peril}"
annual_probability = 0.05
[[perils]]
type = "common_shock"
rate = {rate}
satellite_probability = 0.1
{peril_extra}
"""


def _cfg(tmp_path, **kw):
    d = dict(group="g", sum_insured="1e7", fleet_extra="", peril="hw", rate="0.5",
             peril_extra="")
    d.update(kw)
    p = tmp_path / "probe.toml"
    p.write_text(BASE.format(**d))
    return p


@pytest.fixture
def store(tmp_path):
    """A store holding one complete run, and a fingerprint of its content."""
    db = tmp_path / "s.duckdb"
    from riskengine import stages
    from riskengine.config import load_portfolio
    from riskengine.store import connect

    con = connect(db)
    stages.price(con, load_portfolio(QUICK), stages.Options(years=50))
    con.close()
    return db


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


CONFIG_PROBES = [
    (dict(sum_insured="inf"), "fleet[0].sum_insured", "finite"),
    (dict(sum_insured="nan"), "fleet[0].sum_insured", "finite"),
    (dict(rate="inf"), "perils[1].rate", "finite"),
    (dict(peril_extra="[[perils]]\ntype = 'collision'\nparams = { avoidance = 2.0 }"),
     "perils[2].params.avoidance", "less than or equal to 1"),
    (dict(peril_extra="[[perils]]\ntype = 'collision'\nparams = { avoidance = 'high' }"),
     "perils[2].params.avoidance", "valid number"),
    (dict(peril_extra="[[perils]]\ntype = 'collision'\nparams = { avodance = 0.5 }"),
     "perils[2].params.avodance", "unknown key"),
    (dict(peril_extra="raet = 3"), "perils[1].raet", "unknown key"),
    (dict(peril_extra="[[perils]]\ntype = 'compound'\nfrequency = { distribution = 'poisson', "
                      "mean = 1 }\nseverity = { distribution = 'lognormal', mu = nan, "
                      "sigma = 1 }"), "perils[2].severity.mu", "finite"),
    (dict(peril_extra="[[perils]]\ntype = 'compound'\nfrequency = { distribution = 'poisson', "
                      "mean = 1 }\nseverity = { distribution = 'empirical', values = [nan] }"),
     "perils[2].severity.values", "finite"),
    (dict(peril_extra="[[perils]]\ntype = 'solar_partcle_event'"), "perils[2]",
     "unknown peril type"),
    (dict(peril_extra="[[perils]]\ntype = 'solar_particle_event'"), "perils[2]",
     "add [[perils]] type = \"radiation\""),
    (dict(group="a\\tb"), "fleet[0].name", "one line"),
]


@pytest.mark.parametrize("kw, key, words", CONFIG_PROBES,
                         ids=[p[1] + ":" + p[2] for p in CONFIG_PROBES])
def test_config_probes(kw, key, words, tmp_path, store, cli_run):
    before = _digest(store)
    cfg = _cfg(tmp_path, **kw)
    r = cli_run("price", cfg, "--db", store)
    assert r.exit_code == 2, (r.stdout if hasattr(r, "stdout") else r.output, r.stderr)
    assert str(cfg) in r.stderr and key in r.stderr and words in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") < 12
    assert _digest(store) == before


def test_norad_ids_empty_and_seed_above_int64(tmp_path, store, cli_run):
    before = _digest(store)
    cfg = _cfg(tmp_path, fleet_extra="")
    text = cfg.read_text()
    cfg.write_text(text.replace("altitude_km = 550\ninclination_deg = 53\nplanes = 2\n"
                                "per_plane = 5\n", "norad_ids = []\n"))
    r = cli_run("price", cfg, "--db", store)
    assert r.exit_code == 2 and "fleet[0].norad_ids" in r.stderr and "at least 1" in r.stderr
    cfg.write_text(text.replace("seed = 1", f"seed = {2**64}"))
    r = cli_run("price", cfg, "--db", store)
    assert r.exit_code == 2 and "simulation.seed" in r.stderr
    assert _digest(store) == before


@pytest.mark.parametrize("args, words", [
    (["--years", "0"], "--years"), (["--years", "-5"], "--years"),
    (["--workers", "0"], "--workers"), (["--workers", "-3"], "--workers"),
    (["--seed", str(2**64)], "--seed"), (["--seed", "-1"], "--seed"),
])
def test_option_probes(args, words, store, cli_run):
    before = _digest(store)
    r = cli_run("price", QUICK, "--db", store, *args)
    assert r.exit_code == 2 and words in r.stderr and "Traceback" not in r.stderr
    assert _digest(store) == before


def test_names_that_look_like_markup_or_mathtext(tmp_path, store, cli_run):
    """A group named `grp[/]`, `[link=...]` and a peril named `x$\\frac{$` price, list,
    show and report as plain text (no Rich markup, no mathtext)."""
    cfg = _cfg(tmp_path, group="grp[/] [link=https://evil.example]x[/link]",
               peril="x$\\\\frac{$")
    r = cli_run("price", cfg, "--db", store)
    assert r.exit_code == 0, r.stderr
    assert "grp[/]" in r.output and "x$\\frac{$" in r.output
    assert cli_run("runs", "list", "--db", store).exit_code == 0
    con = duckdb.connect(str(store), read_only=True)
    rid = con.execute("SELECT run_id FROM runs WHERE portfolio = 'probe'").fetchall()[0][0]
    con.close()
    shown = cli_run("runs", "show", rid, "--db", store)
    assert shown.exit_code == 0 and "probe" in shown.output
    out = tmp_path / "r.html"
    rep = cli_run("report", rid, "--db", store, "--out", out)
    assert rep.exit_code == 0, rep.stderr
    html = out.read_text()
    assert "x$\\frac{$" in html and "grp[/]" in html and "<a href=\"https://evil" not in html


def test_report_to_an_unwritable_path(store, cli_run, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "r.html"            # unwritable for every user, root included
    r = cli_run("report", "--db", store, "--out", target)
    assert r.exit_code == 2 and str(target) in r.stderr and "--out" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_full_disk_leaves_the_store_unchanged(store, tmp_path):
    """The job's writes fail (file size limit: what a full disk does to a write); the
    store is byte-identical afterwards, and the message says so."""
    before = _digest(store)
    limit = store.stat().st_size * 2 + (4 << 20)

    def cap():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    p = subprocess.run([sys.executable, "-m", "riskengine", "price", str(QUICK), "--db",
                        str(store), "--years", "2000000"], capture_output=True, text=True,
                       preexec_fn=cap, timeout=600)
    assert p.returncode == 2, p.stderr[-2000:]
    assert "could not be written" in p.stderr and "unchanged" in p.stderr
    assert "Traceback" not in p.stderr
    assert _digest(store) == before
    assert not [f for f in store.parent.iterdir() if ".work-" in f.name or ".publish-" in f.name]


def test_failed_run_records_its_real_cause(db_path):
    """A write that fails inside a run records the DuckDB error itself, not the
    'transaction is aborted' that follows it."""
    import numpy as np

    from riskengine.store import connect, run

    con = connect(db_path)
    with pytest.raises(duckdb.Error):
        with run(con, "simulate") as r:
            r.write("ylt", {"year": np.array([1, 2]), "loss": np.array([1.0, 2.0]),
                            "ground_up_loss": np.array([1.0, 2.0])})
            r.execute("INSERT INTO ylt (run_id, year, loss, ground_up_loss) "
                      "VALUES (NULL, 1, 1.0, 1.0)")
    err = con.execute("SELECT error FROM runs WHERE status = 'failed'").fetchall()[0][0]
    assert "NOT NULL" in err and "aborted" not in err
