"""HTML report: every section filled from the run; numbers match metrics/ep_curve; renders in
headless Chromium with no broken images."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import numpy as np
import pytest

from riskengine.report import _usd, report_data, write_report
from riskengine.store import connect, run


def _fake_run(con, years=2000, seed=1):
    """A small simulation written through the store (events -> ylt/elt/ep/metrics)."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(2.0, years)
    yr = np.repeat(np.arange(1, years + 1), n)
    loss = rng.lognormal(15, 1, len(yr))
    annual = np.bincount(yr, loss, minlength=years + 1)[1:]
    occ = np.zeros(years)
    np.maximum.at(occ, yr - 1, loss)
    rps = np.array([2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000], float)
    with run(con, "simulate", portfolio="demo", seed=seed, years=years, config={"x": 1}) as r:
        r.write("ylt", {"year": np.arange(1, years + 1), "loss": annual, "ground_up_loss": annual})
        r.write("elt", {"event_id": np.arange(len(yr)), "year": yr, "peril": np.where(loss > 4e6, "big", "small"),
                        "satellites": np.ones(len(yr), int), "loss": loss, "ground_up_loss": loss})
        for persp in ("gross", "net"):
            for name, x in (("AEP", annual), ("OEP", occ)):
                x = x if persp == "gross" else 0.9 * x
                q = np.quantile(x, 1 - 1 / rps)
                r.write("ep_curve", {"perspective": persp, "curve": [name] * len(rps),
                                     "return_period": rps, "loss": q,
                                     "tvar": [x[x >= v].mean() for v in q]})
        var = np.quantile(annual, 0.995)
        r.write("metrics", {"perspective": ["gross"] * 5 + ["net"] * 2,
                            "metric": ["aal", "std", "var_0.995", "tvar_0.995", "premium",
                                       "aal", "var_0.995"],
                            "value": [annual.mean(), annual.std(), var, annual[annual >= var].mean(),
                                      annual.mean() * 1.3, 0.9 * annual.mean(), 0.9 * var],
                            "std_error": [annual.std() / np.sqrt(years)] + [None] * 6})
        # the posterior sample's MCMC error (riskengine.losses.posterior_error_rows)
        r.write("metrics", {"perspective": ["ground_up"] * 4,
                            "metric": ["posterior_expected_loss", "posterior_ess",
                                       "posterior_draws", "posterior_chains"],
                            "value": [annual.mean(), 1500.0, 8000.0, 4.0],
                            "std_error": [0.004 * annual.mean(), None, None, None]})
        r.write("reinsurance_layers", {"layer": ["qs"], "kind": ["quota_share"], "share": [0.1],
                                       "expected_ceded": [0.1 * annual.mean()],
                                       "upfront_premium": [0.15 * annual.mean()],
                                       "expected_reinstatement_premium": [0.0],
                                       "cost": [0.05 * annual.mean()]})
        half = [np.arange(years) < years // 2, np.arange(years) >= years // 2]
        for k, m in enumerate(half):
            r.write("psept", {"perspective": ["gross"], "curve": ["AEP"], "sample": [k + 1],
                              "draws": [1], "years": [int(m.sum())], "return_period": [200.0],
                              "loss": [float(np.quantile(annual[m], 0.995))]})
        r.write("allocations", {"dimension": ["group", "group", "peril", "peril"],
                                "name": ["shell-a", "shell-b", "big", "small"],
                                "expected_loss": [0.6 * annual.mean(), 0.4 * annual.mean()] * 2,
                                "capital": [0.7 * (var - annual.mean()),
                                            0.3 * (var - annual.mean())] * 2,
                                "premium": [0.6 * annual.mean() * 1.3,
                                            0.4 * annual.mean() * 1.3] * 2})
    return r.run_id


def test_report_sections_and_numbers(db_path, tmp_path):
    con = connect(db_path)
    rid = _fake_run(con)
    out = write_report(con, rid, tmp_path / "r.html")
    page = out.read_text()
    for sec in ("summary", "premium", "ep", "perils", "assumptions", "fit", "reproduce"):
        assert f"id='{sec}'" in page
    aal = con.execute("select value from metrics where run_id=? and metric='aal' "
                      "and perspective='gross'", [rid]).fetchone()[0]
    assert _usd(aal) in page
    for rp, loss in con.execute("select return_period, loss from ep_curve where run_id=? and "
                                "curve='AEP' and perspective='gross'", [rid]).fetchall():
        assert _usd(loss) in page
    imgs = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(imgs) >= 2
    for b in imgs:
        assert base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n"
    data = report_data(con, rid)
    assert len(data["ylt"]) == 2000
    # the posterior sample's MCMC error beside the Monte Carlo error of the AAL
    assert ("MCMC error of " + _usd(0.004 * aal) + " (0.40%): 8,000 draws worth 1,500 "
            "independent ones") in page


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(db_path, tmp_path):
    from PIL import Image

    con = connect(db_path)
    out = write_report(con, _fake_run(con), tmp_path / "r.html")
    shot = tmp_path / "shot.png"
    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
            "--window-size=1200,2400", f"--screenshot={shot}", out.resolve().as_uri()]
    subprocess.run(args, capture_output=True, timeout=120, check=False)
    assert shot.exists(), "chromium produced no screenshot"
    img = np.asarray(Image.open(shot).convert("L"), float)
    assert img.std() > 10  # not blank: text, tables and plots
    # the DOM after load: every image decoded (naturalWidth > 0) — no broken images
    dom = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", f"--user-data-dir={tmp_path / 'p2'}",
                          "--virtual-time-budget=5000", "--dump-dom", out.resolve().as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<img") >= 2 and "Pricing report" in dom


def test_the_cli_summary_shows_the_posterior_error(db_path):
    from rich.console import Console

    from riskengine.cli.summary import print_price_summary

    con = connect(db_path)
    rid = _fake_run(con)
    c = Console(record=True, width=400)
    print_price_summary(c, con, rid)
    text = c.export_text()
    assert "Posterior sample: the parameter draws' expected ground-up loss" in text
    assert "8,000 draws worth 1,500 independent ones" in text
