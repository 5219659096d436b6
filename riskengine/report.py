"""Self-contained HTML pricing report of a run (``riskengine report RUN_ID``).

Everything shown is read from the store (``runs``, ``metrics``, ``ep_curve``, ``ylt``,
``elt`` and, when present, ``fit_diagnostics``, ``hazards`` and allocation tables), so the
numbers in the page are the numbers in the tables. Figures are embedded as PNG data URIs:
the file can be mailed or archived on its own.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from riskengine import plots

SOURCES = [
    ("Castet & Saleh (2009), Satellite and satellite subsystems reliability, RESS 94",
     "bus failure: Weibull shape ≈ 0.45, scale ≈ 2,600 yr (infant mortality)"),
    ("Meta Llama 3 (2024) training report: 419 interruptions / 54 days / 16,384 H100",
     "ground accelerator fault rate ≈ 0.1 per GPU-year"),
    ("SPENVIS AP-8/AE-8 dose–depth at 550 km", "total ionising dose behind Al shielding"),
    ("Google Suncatcher (2025) TPU v6e proton-beam results",
     "HBM irregularities from ~2 krad(Si), no hard failure to 15 krad"),
    ("Aida & Kirschner (2013); Flohrer et al. (2008)", "TLE error growth → covariance model"),
    ("NASA CARA Pc methods (Foster 2D, Alfano/Frisbee max Pc)", "collision probability"),
    ("Kessler (1981) spatial density; ESA MASTER / NASA ORDEM size distribution",
     "long-term flux, untracked 1–10 cm debris ≈ 20× tracked"),
    ("NASA Standard Breakup Model (Johnson et al. 2001)", "fragment counts of breakup clouds"),
    ("Feb 2022 Starlink loss (38 of 49 re-entered after a G1–G2 storm)",
     "correlated space-weather losses of low/new satellites"),
]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#15314f;color:#fff;padding:24px 40px}header h1{margin:0 0 4px;font-size:26px}
header p{margin:0;opacity:.85}main{max-width:1100px;margin:0 auto;padding:24px 40px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:18px 24px;margin:18px 0}
h2{margin-top:0;font-size:19px;color:#15314f;border-bottom:2px solid #e4e9f0;padding-bottom:6px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{padding:5px 10px;border-bottom:1px solid #e4e9f0}
th{background:#f0f3f7;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:14px;flex-wrap:wrap}.card{flex:1;min-width:150px;background:#f0f5fb;border-radius:8px;padding:12px 16px}
.card .v{font-size:22px;font-weight:600;color:#15314f}.card .l{font-size:12px;color:#5a6b7d;text-transform:uppercase}
img{max-width:100%;height:auto}pre{background:#f0f3f7;padding:10px;overflow:auto;font-size:12px;max-height:360px}
.muted{color:#5a6b7d;font-size:13px}
"""


def _usd(v) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    v = float(v)
    if abs(v) >= 1e9:
        return f"${v / 1e9:,.3f} bn"
    if abs(v) >= 1e6:
        return f"${v / 1e6:,.3f} m"
    return f"${v:,.0f}"


def _table(cols, rows, numeric=()) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for i, v in enumerate(r):
            cls = ' class="num"' if i in numeric else ""
            cells.append(f"<td{cls}>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _has_table(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchall()[0][0] > 0


def _img(fig, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{plots.figure_png_base64(fig)}">'


def report_data(con, run_id: str) -> dict:
    """Everything the report shows, read from the store (usable from notebooks too)."""
    cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
    row = next(iter(cur.fetchall()), None)
    if row is None:
        from riskengine.errors import StoreError

        raise StoreError(f"no run {run_id!r} in the store; see `riskengine runs list`")
    run = dict(zip([d[0] for d in cur.description], row))
    metrics = {m: (v, se) for m, v, se in con.execute(
        "SELECT metric, value, std_error FROM metrics WHERE run_id = ? ORDER BY metric",
        [run_id]).fetchall()}
    ep = con.execute("SELECT return_period, aep, oep, aep_tvar, oep_tvar FROM ep_wide "
                     "WHERE run_id = ? ORDER BY return_period", [run_id]).fetchall()
    ylt = con.execute("SELECT loss FROM ylt WHERE run_id = ? ORDER BY year",
                      [run_id]).fetchnumpy()["loss"]
    years = int(run["years"] or len(ylt))
    occ = np.zeros(years)
    yr = con.execute("SELECT year, max(loss) FROM elt WHERE run_id = ? GROUP BY year",
                     [run_id]).fetchnumpy()
    if len(yr["year"]):
        occ[np.asarray(yr["year"], int) - 1] = yr["max(loss)"]
    perils = con.execute("SELECT peril, events, events_per_year, ground_up_aal, aal FROM "
                         "aal_by_peril WHERE run_id = ? ORDER BY aal DESC", [run_id]).fetchall()
    extra = {}
    for name in ("allocations", "fit_diagnostics"):
        if _has_table(con, name):
            c = con.execute(f"SELECT * FROM {name} WHERE run_id = "
                            f"{'?' if name == 'allocations' else '(SELECT max(run_id) FROM ' + name + ')'}",
                            [run_id] if name == "allocations" else None)
            extra[name] = ([d[0] for d in c.description], c.fetchall())
    return dict(run=run, metrics=metrics, ep=ep, ylt=np.asarray(ylt, float), occ=occ,
                perils=perils, extra=extra)


def render_html(data: dict) -> str:
    """The report page as one HTML string."""
    run, m = data["run"], data["metrics"]
    g = lambda k: m.get(k, (None, None))[0]  # noqa: E731
    cards = [("Average annual loss", _usd(g("aal"))), ("VaR 99.5 %", _usd(g("var_0.995"))),
             ("TVaR 99.5 %", _usd(g("tvar_0.995"))), ("Technical premium", _usd(g("premium")))]
    if g("rate_on_line") is not None:
        cards.append(("Rate on line", f"{100 * g('rate_on_line'):.3f} %"))
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>riskengine "
             f"report {html.escape(run['run_id'])}</title><style>{CSS}</style></head><body>",
             f"<header><h1>Pricing report — {html.escape(str(run.get('portfolio') or ''))}</h1>"
             f"<p>run {html.escape(run['run_id'])} · {run['created_at']:%Y-%m-%d %H:%M} UTC · "
             f"{run['years']:,} simulated years · seed {run['seed']}</p></header><main>"]
    parts.append("<section id='summary'><h2>Summary</h2><div class='cards'>" + "".join(
        f"<div class='card'><div class='l'>{html.escape(label)}</div><div class='v'>{v}</div></div>"
        for label, v in cards) + "</div></section>")
    build = [(k, _usd(v) if k != "rate_on_line" else f"{100 * v:.4f} %",
              "—" if se is None else _usd(se)) for k, (v, se) in m.items()]
    parts.append("<section id='premium'><h2>Premium build-up and metrics</h2>"
                 "<p class='muted'>Technical premium = expected loss + cost of capital × "
                 "(VaR 99.5 % − expected loss) + expenses. Standard errors are Monte Carlo "
                 "standard errors.</p>" + _table(["metric", "value", "MC std error"], build, (1, 2))
                 + "</section>")
    ep_rows = [(f"{int(rp):,}", _usd(a), _usd(o), _usd(at), _usd(ot))
               for rp, a, o, at, ot in data["ep"]]
    fig = plots.ep_curve_figure({"AEP": data["ylt"], "OEP": data["occ"]})
    parts.append("<section id='ep'><h2>Exceedance probability</h2>" + _img(fig, "EP curves")
                 + _table(["return period (yr)", "AEP", "OEP", "AEP TVaR", "OEP TVaR"], ep_rows,
                          (1, 2, 3, 4)) + "</section>")
    if data["perils"]:
        pr = data["perils"]
        fig = plots.bar_figure([p[0] for p in pr], [p[4] for p in pr], "AAL by peril",
                               "average annual loss")
        parts.append("<section id='perils'><h2>Loss by peril</h2>" + _img(fig, "AAL by peril")
                     + _table(["peril", "events", "events / yr", "ground-up AAL", "AAL"],
                              [(p[0], f"{p[1]:,}", f"{p[2]:.4g}", _usd(p[3]), _usd(p[4]))
                               for p in pr], (1, 2, 3, 4)) + "</section>")
    if "allocations" in data["extra"]:
        cols, rows = data["extra"]["allocations"]
        parts.append("<section id='allocation'><h2>Allocation to groups and perils</h2>"
                     + _table(cols, rows) + "</section>")
    cfg = run.get("config")
    try:
        cfg_txt = json.dumps(json.loads(cfg), indent=2) if cfg else "—"
    except (TypeError, json.JSONDecodeError):
        cfg_txt = str(cfg)
    parts.append("<section id='assumptions'><h2>Key assumptions and sources</h2>"
                 + _table(["source", "used for"], SOURCES)
                 + f"<p>Catalog epoch: <b>{run.get('catalog_epoch') or 'not used'}</b></p>"
                 + f"<details><summary>Full configuration</summary><pre>{html.escape(cfg_txt)}"
                 "</pre></details></section>")
    if "fit_diagnostics" in data["extra"]:
        cols, rows = data["extra"]["fit_diagnostics"]
        parts.append("<section id='fit'><h2>Bayesian fit diagnostics</h2>"
                     + _table(cols, rows) + "</section>")
    else:
        parts.append("<section id='fit'><h2>Bayesian fit diagnostics</h2><p class='muted'>"
                     "No Bayesian fit stored (run <code>make fit</code>).</p></section>")
    parts.append("<section id='reproduce'><h2>Reproducibility</h2>" + _table(
        ["item", "value"], [("run id", run["run_id"]), ("seed", run["seed"]),
                            ("simulated years", run["years"]),
                            ("code version", run["code_version"]),
                            ("config file", run.get("config_path") or "—")]) + "</section>")
    parts.append("</main></body></html>")
    return "".join(parts)


def write_report(con, run_id: str, out: str | Path | None = None) -> Path:
    """Write the report of ``run_id`` to ``out`` (default ``reports/<run_id>.html``)."""
    out = Path(out or Path("reports") / f"{run_id}.html")
    page = render_html(report_data(con, run_id))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        from riskengine.errors import OutputError

        raise OutputError(f"{out}: cannot write the report ({exc.strerror or exc}); choose "
                          "another --out path in a folder you can write to") from None
    return out
