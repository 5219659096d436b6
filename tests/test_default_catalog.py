"""The embedded default catalog: a fresh clone prices offline, says so, and refuses to
screen against a population without element sets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from riskengine.catalog.reader import catalog_source, default_catalog, read_catalog

REPO = Path(__file__).resolve().parent.parent


def test_manifest_and_file_agree():
    info = default_catalog()
    assert info is not None and info["kind"] == "population" and info["screening"] is False
    import hashlib

    assert hashlib.sha256(info["path"].read_bytes()).hexdigest() == info["xz_sha256"]
    cat = read_catalog([info["path"]])
    assert len(cat) == info["objects"] == 18_051
    classes = dict(zip(*np.unique(cat.object_class.astype(str), return_counts=True)))
    assert classes == info["objects_by_class"]
    assert (REPO / "catalogs" / "default" / "COPYING").read_text().startswith(
        "                    GNU GENERAL PUBLIC LICENSE")


def test_it_is_the_last_resort(tmp_path):
    from riskengine.store import connect

    con = connect(tmp_path / "e.duckdb")
    assert catalog_source(con)[0] == "default"


def test_prices_offline_with_flags_and_refuses_screening(tmp_path, cli_run, monkeypatch):
    monkeypatch.setenv("RISKENGINE_FIT_DRAWS", "100")
    cfg = tmp_path / "p.toml"
    cfg.write_text('name = "fresh"\n[simulation]\nyears = 300\ninception = 2026-01-01\n'
                   '[[fleet]]\nname = "s"\naltitude_km = 700\ninclination_deg = 98\n'
                   'planes = 3\nper_plane = 3\nsum_insured = 1e7\n'
                   '[[perils]]\ntype = "collision"\n[[perils]]\ntype = "untracked_debris"\n')
    db = tmp_path / "f.duckdb"
    r = cli_run("price", cfg, "--db", db)
    assert r.exit_code == 0, r.stderr
    assert "embedded default" in r.output and "catalog_default" in r.output
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    codes = {c for (c,) in con.execute("SELECT code FROM run_flags JOIN runs USING (run_id) "
                                       "WHERE kind = 'price' AND severity = 'warning'")
             .fetchall()}
    assert {"catalog_default", "catalog_epoch_far"} <= codes
    inputs = json.loads(con.execute("SELECT inputs FROM runs WHERE kind = 'hazards'")
                        .fetchall()[0][0])
    assert inputs["catalog"]["source"] == "default"
    assert con.execute("SELECT count(*) FROM catalog_objects").fetchall()[0][0] == 0
    con.close()
    s = cli_run("screen", cfg, "--db", db, "--days", "0.01")
    assert s.exit_code == 2 and "cannot be screened" in s.stderr and "RISKENGINE_CATALOG" in s.stderr


@pytest.mark.parametrize("suffix", [".xz", ".gz"])
def test_compressed_catalog_files_read_like_plain_ones(tmp_path, suffix, full_3le):
    import gzip
    import lzma

    data = full_3le.read_bytes()[:30_000]
    data = data[:data.rfind(b"\n0 ")] + b"\n"
    plain = tmp_path / "c.txt"
    plain.write_bytes(data)
    packed = tmp_path / f"c.txt{suffix}"
    packed.write_bytes((lzma if suffix == ".xz" else gzip).compress(data))
    a, b = read_catalog([plain]), read_catalog([packed])
    assert len(a) == len(b) > 50 and np.array_equal(a.norad_id, b.norad_id)
