"""Self-contained HTML pricing report of a run (``riskengine report RUN_ID``).

It reads like an underwriting file: warnings first, then what was insured (exposure), on
what terms (policy and reinsurance), the results gross, ceded and net with the price, the EP
curves, the perils (AAL before and after aggregate terms, standalone 1-in-200, allocated
capital and premium), where the premium goes by fleet group, every assumption that moves
the price with its source, the Bayesian fit's checks, and how to reproduce the run. The
full configuration and fit diagnostics are in an appendix.

Everything shown is read from the store, so the numbers in the page are the numbers in the
tables. Figures are embedded as PNG data URIs: the file can be mailed or archived on its
own. User-supplied names are HTML-escaped and shown literally in figures.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from riskengine import plots
from riskengine.config import REINSURER_MARGIN_ASSUMPTION
from riskengine.summary import (campaign_launches, exact_rows, layer_rows, load, pct,
                                posterior_text, premium_rows, psept_text, results_rows, usd)

_usd = usd   # kept for callers of the old name

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#15314f;color:#fff;padding:22px 40px}header h1{margin:0 0 4px;font-size:25px}
header p{margin:0;opacity:.85}main{max-width:1100px;margin:0 auto;padding:18px 40px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:16px 24px;margin:16px 0;overflow-x:auto}
h2{margin-top:0;font-size:18px;color:#15314f;border-bottom:2px solid #e4e9f0;padding-bottom:6px}
table{border-collapse:collapse;width:100%;font-size:13.5px}th,td{padding:4px 9px;border-bottom:1px solid #e4e9f0;vertical-align:top}
th{background:#f0f3f7;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{flex:1;min-width:150px;background:#f0f5fb;border-radius:8px;padding:10px 14px}
.card .v{font-size:21px;font-weight:600;color:#15314f}.card .l{font-size:12px;color:#5a6b7d;text-transform:uppercase}
img{max-width:100%;height:auto}pre{background:#f0f3f7;padding:10px;overflow:auto;font-size:12px;max-height:360px}
.muted{color:#5a6b7d;font-size:13px}.warn{background:#fff6e0;border-left:4px solid #e0a100}
.warn li{margin:4px 0}.ok{color:#1c7c3a;font-weight:600}.bad{color:#b3261e;font-weight:600}
.two{display:flex;gap:18px;flex-wrap:wrap}.two>div{flex:1;min-width:300px}
"""


def _e(v) -> str:
    return html.escape("—" if v is None else str(v))


def _table(cols, rows, numeric=()) -> str:
    right = ' style="text-align:right"'
    head = "".join(f"<th{right if i in numeric else ''}>{_e(c)}</th>"
                   for i, c in enumerate(cols))
    body = []
    num = ' class="num"'
    for r in rows:
        cells = "".join(f"<td{num if i in numeric else ''}>{_e(v)}</td>"
                        for i, v in enumerate(r))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _has_table(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchall()[0][0] > 0


def _img(fig, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{plots.figure_png_base64(fig)}">'


def report_data(con, run_id: str) -> dict:
    """Everything the report shows, read from the store (usable from notebooks too)."""
    s = load(con, run_id)
    run = s.run
    ep = con.execute("SELECT return_period, aep, oep, aep_tvar, oep_tvar FROM ep_wide "
                     "WHERE run_id = ? AND perspective = 'gross' ORDER BY return_period",
                     [run_id]).fetchall()
    ep_all = {}
    for persp, rp, aep, oep in con.execute(
            "SELECT perspective, return_period, aep, oep FROM ep_wide WHERE run_id = ?",
            [run_id]).fetchall():
        ep_all[(persp, rp)] = (aep, oep)
    ylt = con.execute("SELECT loss FROM ylt WHERE run_id = ? ORDER BY year",
                      [run_id]).fetchnumpy()["loss"]
    years = int(run["years"] or len(ylt))
    occ = np.zeros(years)
    yr = con.execute("SELECT year, max(coalesce(gross_loss, loss)) AS m FROM elt "
                     "WHERE run_id = ? GROUP BY year", [run_id]).fetchnumpy()
    if len(yr["year"]):
        occ[np.asarray(yr["year"], int) - 1] = yr["m"]
    inputs = json.loads(run["inputs"]) if run.get("inputs") else {}
    groups = con.execute("SELECT name, expected_loss, capital, premium FROM allocations "
                         "WHERE run_id = ? AND dimension = 'group' ORDER BY premium DESC",
                         [run_id]).fetchall() if _has_table(con, "allocations") else []
    fit_id = inputs.get("fit_run_id")
    diag = []
    if fit_id:
        cur = con.execute("SELECT * EXCLUDE (run_id) FROM fit_diagnostics WHERE run_id = ? "
                          "ORDER BY model, parameter, coord", [fit_id])
        diag = [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]
    checks = []
    if fit_id and _has_table(con, "fit_checks"):
        checks = con.execute("SELECT check_name, subject, n, observed, q05, q95, p_value, passed, "
                             "fitted_to FROM fit_checks WHERE run_id = ? ORDER BY check_name, "
                             "subject", [fit_id]).fetchall()
    sens = {}
    if _has_table(con, "sensitivity"):
        cur = con.execute("SELECT * EXCLUDE (run_id) FROM sensitivity WHERE run_id = ? "
                          "ORDER BY rowid", [run_id])
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
        sens = {k: [r[i] for r in rows] for i, k in enumerate(names)} if rows else {}
    catalog = None
    hz = inputs.get("hazards_run_id")
    if hz:
        row = con.execute("SELECT catalog_epoch, inputs FROM runs WHERE run_id = ?",
                          [hz]).fetchall()
        if row:
            hin = json.loads(row[0][1]) if row[0][1] else {}
            catalog = {"epoch": row[0][0], "source": hin.get("catalog"),
                       "screening_run_id": hin.get("screening_run_id")}
    net = None
    if _has_table(con, "ylt_net"):
        d = con.execute("SELECT net_loss FROM ylt_net WHERE run_id = ? ORDER BY year",
                        [run_id]).fetchnumpy()["net_loss"]
        net = np.asarray(d, float) if len(d) else None
    psept = []
    if _has_table(con, "psept"):
        psept = con.execute("SELECT perspective, sample, draws, years, draw_expected_loss, loss, "
                            "std_error FROM psept WHERE run_id = ? AND curve = 'AEP' AND "
                            "return_period = 200 ORDER BY perspective, sample",
                            [run_id]).fetchall()
    return dict(run=run, summary=s, metrics=s.metrics, ep=ep, ylt=np.asarray(ylt, float),
                ep_all=ep_all, net=net, psept=psept,
                occ=occ, perils=[(p["peril"], p["events_per_year"], p["ground_up_aal"],
                                  p["aal_before_aggregate_terms"], p["aal_after_aggregate_terms"])
                                 for p in s.perils],
                groups=groups, diagnostics=diag, fit_run_id=fit_id, inputs=inputs,
                catalog=catalog, checks=checks, sensitivity=sens,
                shells=_shell_data(con, hz, run),
                launches=campaign_launches(con, run_id),
                launch_record=_launch_record(con, fit_id))


def _shell_data(con, hazards_run: str | None, run: dict) -> dict:
    """Per fleet group: the collision and debris diagnostics of the hazards run (issue #20)
    and the priced run's derelicts; empty when the run has no collision peril."""
    if not hazards_run:
        return {}
    row = con.execute("SELECT stats FROM runs WHERE run_id = ?", [hazards_run]).fetchall()
    try:
        groups = (json.loads(row[0][0]) if row and row[0][0] else {}).get("groups", {})
        priced = json.loads(run.get("stats") or "{}").get("derelicts", {})
    except (TypeError, ValueError):
        return {}
    out = {}
    for g, d in groups.items():
        if d.get("collision") or d.get("untracked_debris"):
            out[g] = {"collision": d.get("collision"), "untracked": d.get("untracked_debris"),
                      "derelicts": priced.get(g) or d.get("derelicts")}
    return out


def _shells_section(shells: dict) -> str:
    """The report's collision and debris section: derived avoidance beside operator reports,
    the catalog rate at ±5 km, lethal debris before/after and derelicts."""
    if not shells:
        return ""
    rows, alt_rows, deb_rows = [], [], []
    reports = None
    for g, d in shells.items():
        c = d.get("collision") or {}
        if c:
            dc = c["derived"].get("catalog", {})
            lo, hi = dc.get("share_low"), dc.get("share_high")
            share = (f"{c['share_avoided']:.1%}" + (f" [{lo:.0%}–{hi:.0%}]"
                                                   if lo is not None and hi is not None else ""))
            pr = c["practice"]
            src = c["sources"]
            before = sum(v["before"] for v in src.values() if "before" in v)
            after = sum(v["after"] for v in src.values() if "after" in v)
            der = d.get("derelicts") or {}
            rows.append((g, f"{pr['maneuver_threshold_pc']:g} / {pr['covariance']} / "
                            f"{pr['maneuver_success']:g}", share,
                         f"{c['maneuvers_per_satellite_year']:.2f}", f"{before:.3g}",
                         f"{after:.3g}",
                         "—" if der.get("derelicts_at_inception") is None
                         else f"{der['derelicts_at_inception']:.1f}"))
            near = c.get("altitude") or {}
            if near:
                r = near["rates"]
                alt_rows.append((g, f"{r[0]:.3g}", f"{r[1]:.3g}", f"{r[2]:.3g}",
                                 "yes" if near.get("in_minimum") else "no"))
            reports = reports or c.get("operator_reports")
        u = d.get("untracked") or {}
        if u:
            deb_rows.append((g, f"{u['hits_per_satellite_year']:.3g}",
                             f"{u['lethal_share']:.3%}", f"{u['lethal_per_satellite_year']:.3g}",
                             f"{u['before_lethal_share']:.3%}",
                             f"{u['before_lethal_per_satellite_year']:.3g}"))
    parts = ["<section id='collision'><h2>Collision and debris by shell</h2>"
             "<p class='muted'>Avoidance is derived from how the operator flies (manoeuvre "
             "threshold / covariance it screens with / share of manoeuvres that succeed) by "
             "NASA CARA's event-rate method (Hall 2019), with its 95 % interval; rates are "
             "collisions per satellite-year with tracked objects and the fleet's live "
             "satellites.</p>"]
    if rows:
        parts.append(_table(["fleet group", "practice", "share avoided (catalog)",
                             "manoeuvres / sat-yr", "collisions / sat-yr before",
                             "after avoidance", "derelicts at inception"], rows, (3, 4, 5, 6)))
    if reports:
        parts.append("<p class='muted'>Manoeuvres per satellite-year reported by operators: "
                     + "; ".join(f"{_e(x['operator'])} at {x['threshold_pc']:g}: "
                                 f"{_e(x['reported'])}" for x in reports) + ".</p>")
    if alt_rows:
        parts.append("<h3>Is the shell in a flux minimum?</h3><p class='muted'>Tracked-catalog "
                     "collision rate (per satellite-year, before avoidance) at the shell's "
                     "altitude and 5 km either side, smoothed over the altitude resolution of "
                     "mean element sets: a minimum narrower than that is no protection.</p>"
                     + _table(["fleet group", "−5 km", "shell", "+5 km", "in a minimum"],
                              alt_rows, (1, 2, 3)))
    if deb_rows:
        parts.append("<h3>Untracked debris that kills</h3>" + _table(
            ["fleet group", "hits / sat-yr (1 mm–10 cm)", "lethal share", "lethal / sat-yr",
             "before: lethal share (1–10 cm)", "before: lethal / sat-yr"], deb_rows,
            (1, 2, 3, 4, 5)))
    return "".join(parts) + "</section>"


def _assumptions(s) -> list[tuple[str, str, str, str]]:
    """(peril, parameter, value used, source or assumption) of every peril of the run."""
    from riskengine import perils as registry

    entries = s.config.get("perils")
    objs = registry.instantiate(None if entries is None else
                                [registry.validate_entry(e) for e in entries])
    rows = []
    for x in objs:
        for p in type(x).parameters():
            if x.kind == "generic":
                val = getattr(x.entry, p["name"], None)
                val = val.model_dump() if hasattr(val, "model_dump") else val
                rows.append((x.name, p["name"], val, "given in the portfolio"))
                continue
            val = getattr(x.params, p["name"], None)
            why = p["source"] or f"assumption: {p['assumption']}"
            rows.append((x.name, p["name"], f"{val} {p['unit']}".strip(), why))
        if "posterior" in x.needs or x.type in ("launch", "deployment"):
            rows.append((x.name, "(posterior)", "riskengine fit",
                         EVIDENCE.get(x.type, "Bayesian posterior of the evidence files")))
    return rows


#: evidence behind the posterior perils (riskengine/data/evidence/README.md)
EVIDENCE = {
    "hardware": "bus: first-year failures of public constellation batches (GCAT: Starlink "
                "v1.0 L1-L4, Group 4-9; OneWeb; Orbcomm OG2; Iridium NEXT) and Castet & Saleh "
                "2009 borrowed as 400 effective satellites; accelerators: Llama 3 H100 GPU "
                "interruptions x permanent share (Crusoe H200 split, weight 0.2), Titan K20X "
                "removals, Starcloud-1; in-orbit factor phi a named assumption",
    "batch_defect": "serial defects (Orbcomm AIS and OG2, Galileo clocks, Boeing 702, O3b "
                    "mPOWER, GEOStar-3): share affected and lost; constellation batches: "
                    "defect probability (prior Beta(1, 19), prior-dominated)",
    "radiation": "dose: NASA AE-8/AP-8 orbit averages behind Al spheres (physics, checked "
                 "against SPENVIS at 550-1,400 km; docs/radiation.md); failure dose by device "
                 "family (tid_devices.csv): Google Suncatcher (2025) TPU v6e HBM irregularities "
                 "from ~2 krad(Si), no hard failure of the chip to 15 krad, Raspberry Pi Zero W "
                 "to ~50 krad",
    "solar_particle_event": "JPL-form events fitted to SPENVIS ESP-PSYCHIC 95 % fluences, "
                            "King (1974) spectrum, Stormer cut-off "
                            "(riskengine/data/radiation/spe_model.toml); failure dose as "
                            "radiation",
    "launch": "the public launch record by vehicle family (riskengine/data/launch/"
              "launch_record.csv, each row with its source and date: Falcon 9 to 2025-04-14, "
              "Electron to 2023-09-19, Ariane 5 complete, H3 to 2025-12-22, Vega C to "
              "2022-12-21, Starship test flights to 2025-10-13); new vehicles from the "
              "first-flight excess (D. Day, The Space Review 2006); or the plan's fixed "
              "failure_probability",
    "deployment": "raising bus failure from the hardware bus posterior (Castet & Saleh 2009 "
                  "infant mortality) unless params.bus_failure_probability is given",
}


def _fit_checks(diag: list[dict]) -> list[tuple]:
    out = []
    for m in sorted({d["model"] for d in diag}):
        rows = [d for d in diag if d["model"] == m]
        rh = max(d["r_hat"] for d in rows)
        ess = min(d["ess_bulk"] for d in rows)
        div = max(d["divergences"] for d in rows)
        ok = rh <= 1.01 and ess >= 400 and div == 0
        out.append((m, len(rows), f"{rh:.4f}", f"{ess:,.0f}", div, "pass" if ok else "FAIL"))
    return out


def _prior_dominance(diag: list[dict]) -> str:
    from riskengine.bayes import KEY_PARAMETERS, PRIOR_DOMINATED

    rows = [d for d in diag if d["parameter"] in KEY_PARAMETERS.get(d["model"], ())
            and d.get("contraction") is not None and np.isfinite(d["contraction"])]
    if not rows:
        return ""
    return ("<h3>Does the evidence inform the key parameters?</h3><p class='muted'>Posterior "
            "contraction 1 − sd²/prior sd² (Schad, Betancourt &amp; Vasishth 2021): near 0 the "
            f"posterior is the prior. Below {PRIOR_DOMINATED} the parameter is flagged "
            "prior-dominated: its value is a named assumption, not evidence.</p>" + _table(
                ["model", "parameter", "coord", "posterior mean", "posterior sd", "prior sd",
                 "contraction", ""],
                [(d["model"], d["parameter"], d["coord"], f"{d['mean']:.4g}", f"{d['sd']:.3g}",
                  f"{d['prior_sd']:.3g}", f"{d['contraction']:.2f}",
                  "prior-dominated" if d["contraction"] < PRIOR_DOMINATED else "")
                 for d in rows], (3, 4, 5, 6)))


def _predictive_checks(checks: list) -> str:
    if not checks:
        return ""
    return ("<h3>Batch model: predictive checks</h3><p class='muted'>Fitted to the early "
            "batches of a constellation, the model's 90 % predictive interval of first-year "
            "failures must cover the later batches; the first batch, predicted from all the "
            "others, is an outlier when p &lt; 0.05.</p>" + _table(
                ["check", "batch", "satellites", "failed", "90 % predictive", "p", "result",
                 "fitted to"],
                [(c, s, n, o, f"{lo:.0f} – {hi:.0f}", f"{p:.3f}", "pass" if ok else "FLAG", f)
                 for c, s, n, o, lo, hi, p, ok, f in checks], (2, 3, 5)))


def render_html(data: dict) -> str:
    """The report page as one HTML string."""
    s = data["summary"]
    run = data["run"]
    m = s.m
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>riskengine "
             f"report {_e(run['run_id'])}</title><style>{CSS}</style></head><body>",
             f"<header><h1>Pricing report — {_e(run.get('portfolio') or '')}</h1>"
             f"<p>{s.satellites:,} satellites · total insured value {_e(usd(s.tiv))} · "
             f"{_e(s.cover)} cover · run {_e(run['run_id'])} · "
             f"{run['created_at']:%Y-%m-%d %H:%M} UTC · {run['years']:,} simulated years · "
             f"seed {_e(run['seed'])}</p></header><main>"]
    if s.flags:
        sev = s.extra.get("flag_severity", {})
        parts.append("<section id='warnings' class='warn'><h2>Warnings</h2><ul>"
                     + "".join(f"<li><b>{_e(c)}</b>{' (note)' if sev.get(c) == 'info' else ''}: "
                               f"{_e(msg)}</li>" for c, msg in s.flags)
                     + "</ul></section>")
    cards = [("Expected loss (AAL, gross)", usd(m("aal"))),
             ("1-in-200 gross / net", f"{usd(m('var_0.995'))} / "
                                      f"{usd(m('var_0.995', 'net') or m('var_0.995'))}"),
             ("Technical premium", usd(m("premium"))), ("Rate on line", pct(m("rate_on_line")))]
    parts.append("<section id='summary'><h2>Summary</h2><div class='cards'>" + "".join(
        f"<div class='card'><div class='l'>{_e(label)}</div><div class='v'>{_e(v)}</div></div>"
        for label, v in cards) + "</div></section>")
    parts.append("<section id='exposure'><h2>Exposure</h2>" + _table(
        ["fleet group", "orbit", "satellites", "sum insured", "total insured value"],
        [(e["group"], e["orbit"], f"{e['satellites']:,}" if e["satellites"] else None,
          usd(e["sum_insured"]), usd(e["tiv"])) for e in s.exposure]
        + [("total", "", f"{s.satellites:,}", "", usd(s.tiv))], (2, 3, 4)) + "</section>")
    parts.append("<section id='terms'><h2>Policy terms and reinsurance</h2><div class='two'>"
                 "<div>" + _table(["term", "value"], s.terms) + "</div><div>"
                 + (_table(["reinsurance layer"], [(ly,) for ly in s.layers]) if s.layers
                    else "<p class='muted'>No reinsurance.</p>") + "</div></div></section>")
    se = s.se("aal", "gross") or s.se("aal")
    spread, post = psept_text(s), posterior_text(s)
    parts.append("<section id='premium'><h2>Results and price</h2><div class='two'><div>"
                 + _table(["", "ground-up", "gross", "ceded", "net"], results_rows(s), (1, 2, 3, 4))
                 + f"<p class='muted'>Monte Carlo standard error of the AAL: {_e(usd(se))}. "
                   "Ground-up: the damage at the agreed value before any term; gross: after the "
                   "policy's satellite, occurrence and aggregate terms; net: after reinsurance. "
                   "Each column's OEP and AEP are taken on its own perspective.</p>"
                 + (f"<p>{_e(spread)}</p>" if spread else "")
                 + (f"<p>{_e(post)}</p>" if post else "")
                 + "</div><div>" + _table(["premium build-up", ""], premium_rows(s), (1,))
                 + "</div></div>"
                 + (("<h3>Reinsurance priced from the same simulation</h3>"
                     + _table(["layer", "kind", "expected recoveries", "upfront premium",
                               "expected reinstatement premium", "cost"], layer_rows(s),
                              (2, 3, 4, 5))
                     + "<p class='muted'>Each layer is priced at its expected recoveries plus the "
                       "reinsurer's margin (the expected-value principle; with reinstatements the "
                       "upfront premium is (1 + margin) E[ceded] / (1 + E[reinstatement factor]), "
                       "Sundt 1991). The capital is held on the net position: the net loss plus "
                       "the reinstatement premiums it triggers. Margins: "
                       + _e(", ".join(f"{x['layer']} {x['margin']:.2f}"
                                      for x in s.extra.get("layer_prices", [])
                                      if x.get("margin") is not None) or "—")
                       + f". Default margin, a named assumption: {_e(REINSURER_MARGIN_ASSUMPTION)}."
                       "</p>") if layer_rows(s) else "")
                 + "</section>")
    ea = data.get("ep_all", {})
    rps = sorted({rp for _, rp in ea})
    ep_rows = [(f"{int(rp):,}",) + tuple(usd(ea.get((p_, rp), (None, None))[i])
                                         for i in (0, 1) for p_ in ("ground_up", "gross", "net"))
               for rp in rps]
    curves = {"AEP gross": data["ylt"], "OEP gross": data["occ"]}
    if data.get("net") is not None:
        curves["AEP net"] = data["net"]
    fig = plots.ep_curve_figure(curves)
    parts.append("<section id='ep'><h2>Exceedance probability</h2>" + _img(fig, "EP curves")
                 + _table(["return period (yr)", "AEP ground-up", "AEP gross", "AEP net",
                           "OEP ground-up", "OEP gross", "OEP net"], ep_rows, tuple(range(1, 7)))
                 + "<p class='muted'>AEP: the annual loss; OEP: the year's largest occurrence, "
                   "each on its own perspective (a gross occurrence pays its share of the "
                   "aggregate terms in the order the year's occurrences happen).</p></section>")
    if data.get("psept"):
        parts.append("<section id='psept'><h2>Parameter uncertainty: per-sample EP</h2>"
                     "<p class='muted'>The posterior parameter draws ranked by their expected "
                     "loss and split into classes; the 1-in-200 annual loss of the years "
                     "simulated with each class (the 'PSEPT' of the Oasis Open Results Data). "
                     "The spread mixes parameter uncertainty with each class's Monte Carlo "
                     "error (shown).</p>"
                     + _table(["perspective", "class", "draws", "years", "draws' expected loss",
                               "1-in-200", "± Monte Carlo"],
                              [(p_, k, f"{d:,}", f"{y:,}", usd(el), usd(v), usd(e))
                               for p_, k, d, y, el, v, e in data["psept"]], (1, 2, 3, 4, 5, 6))
                     + "</section>")
    if exact_rows(s):
        parts.append("<section id='exact'><h2>Convergence check: exact compound perils</h2>"
                     "<p class='muted'>Every compound (frequency x severity) peril's annual loss "
                     "computed exactly by FFT (bracketed by the severity rounded down and up) "
                     "beside this run's simulated years of the peril; a check fails when the "
                     "simulation is more than 4 standard errors outside the bracket.</p>"
                     + _table(["peril", "perspective", "", "exact (FFT)", "simulated",
                               "check"], exact_rows(s), (3, 4)) + "</section>")
    if s.perils:
        fig = plots.bar_figure([p["peril"] for p in s.perils],
                               [max(p["aal_after_aggregate_terms"] or 0, 0) for p in s.perils],
                               "AAL by peril (after aggregate terms)", "average annual loss")
        parts.append(
            "<section id='perils'><h2>Loss by peril</h2>" + _img(fig, "AAL by peril")
            + _table(["peril", "events / yr", "ground-up AAL", "AAL before aggregate terms",
                      "AAL after aggregate terms", "standalone 1-in-200", "capital", "premium",
                      "share"],
                     [(p["peril"], f"{p['events_per_year']:.4g}", usd(p["ground_up_aal"]),
                       usd(p["aal_before_aggregate_terms"]), usd(p["aal_after_aggregate_terms"]),
                       usd(p["standalone_var_995"]), usd(p["allocated_capital"]),
                       usd(p["premium"]), pct(p["premium_share"])) for p in s.perils],
                     tuple(range(1, 9)))
            + "<p class='muted'>AAL before aggregate terms: the peril's occurrences after the "
              "per-satellite and per-occurrence terms. After aggregate terms: what the policy "
              "pays for them after the annual aggregate deductible and limit, which the year's "
              "occurrences use up in the order they happen — these add up to the portfolio's "
              "gross AAL, and the difference is what the aggregate terms retain or cap. Capital "
              "and premium are allocated on the net (after reinsurance). Standalone 1-in-200: "
              "the 99.5 % quantile of the peril's own annual loss.</p></section>")
    parts.append(_shells_section(data.get("shells") or {}))
    if s.extra.get("campaign"):
        parts.append(_campaign_section(data))
    if data["groups"]:
        parts.append("<section id='allocation'><h2>Where the premium goes</h2>" + _table(
            ["fleet group", "net expected loss", "co-TVaR capital (net)", "premium"],
            [(n, usd(el), usd(cap), usd(pr)) for n, el, cap, pr in data["groups"]], (1, 2, 3))
            + "</section>")
    sens = data.get("sensitivity") or {}
    if sens:
        from riskengine.sensitivity import tornado_rows

        trows = tornado_rows(sens)
        n = len(sens["peril"])
        body = [(sens["peril"][i], sens["label"][i], sens["value"][i] or "as configured",
                 usd(sens["expected_loss"][i]), usd(sens["var_995"][i]), usd(sens["premium"][i]),
                 ("" if sens["peril"][i] == "(base)" else
                  ("+" if sens["d_premium"][i] >= 0 else "−") + usd(abs(sens["d_premium"][i]))))
                for i in range(n)]
        phi = [i for i in range(n) if sens["parameter"][i] == "in_orbit_factor"]
        phi_html = ""
        if phi:
            phi_html = ("<h3>In-orbit accelerator factor φ</h3><p class='muted'>φ multiplies "
                        "the ground permanent-failure rate of the accelerators in orbit; no "
                        "in-orbit evidence informs it (its posterior is its prior), so the price "
                        "is shown at φ = 1, 2 and 4 beside the posterior case.</p>" + _table(
                            ["φ", "AAL", "VaR 99.5 %", "premium"],
                            [("posterior (base)", usd(sens["expected_loss"][0]),
                              usd(sens["var_995"][0]), usd(sens["premium"][0]))]
                            + [(sens["value"][i], usd(sens["expected_loss"][i]),
                                usd(sens["var_995"][i]), usd(sens["premium"][i])) for i in phi],
                            (1, 2, 3)))
        parts.append(
            "<section id='sensitivity'><h2>What drives the price</h2>"
            f"<p class='muted'>Each key assumption moved one at a time, everything else as "
            f"configured; {sens['years'][0]:,} years per case with common random numbers "
            "(same seed, blocks and per-peril random streams), so the differences are the "
            "assumption's effect, not Monte Carlo noise.</p>"
            + (_img(plots.tornado_figure(trows), "tornado chart") if trows else "")
            + phi_html
            + _table(["peril", "assumption", "value", "AAL", "VaR 99.5 %", "premium",
                      "premium change"], body, (3, 4, 5, 6)) + "</section>")
    cat = data["catalog"]
    cat_txt = "not used (no peril needs the catalog)"
    if cat:
        src = cat["source"] or {}
        where = src.get("source") if isinstance(src, dict) else src
        cat_txt = (f"epoch {cat['epoch']:%Y-%m-%d}" if cat["epoch"] else "epoch unknown") + (
            f", source {where}" if where else "") + (
            f", collision from screening {cat['screening_run_id']}" if cat.get("screening_run_id")
            else "")
    parts.append("<section id='assumptions'><h2>Assumptions and sources</h2>"
                 "<p class='muted'>Every parameter that moves the price, as used in this run, "
                 "with its published source or the named assumption behind it "
                 "(<code>riskengine perils</code>).</p>"
                 + _table(["peril", "parameter", "value", "source / assumption"], _assumptions(s))
                 + f"<p>Catalog: <b>{_e(cat_txt)}</b></p></section>")
    diag = data["diagnostics"]
    if diag:
        parts.append("<section id='fit'><h2>Bayesian fit checks</h2>"
                     f"<p class='muted'>Fit {_e(data['fit_run_id'])}: every parameter must reach "
                     "R-hat ≤ 1.01 and bulk ESS ≥ 400 with no divergent transitions. The full "
                     "table is in the appendix.</p>"
                     + _table(["model", "parameters", "max R-hat", "min bulk ESS", "divergences",
                               "check"], _fit_checks(diag), (1, 2, 3, 4))
                     + _prior_dominance(diag) + _predictive_checks(data.get("checks") or [])
                     + "</section>")
    else:
        parts.append("<section id='fit'><h2>Bayesian fit checks</h2><p class='muted'>No "
                     "Bayesian peril in this run.</p></section>")
    parts.append("<section id='reproduce'><h2>Reproducibility</h2>" + _table(
        ["item", "value"], [("run id", run["run_id"]), ("seed", run["seed"]),
                            ("simulated years", f"{run['years']:,}"),
                            ("code version", run["code_version"]),
                            ("config file", run.get("config_path") or "—"),
                            ("inputs", json.dumps(data["inputs"], default=str))]) + "</section>")
    cfg = run.get("config")
    try:
        cfg_txt = json.dumps(json.loads(cfg), indent=2) if cfg else "—"
    except (TypeError, json.JSONDecodeError):
        cfg_txt = str(cfg)
    appendix = [f"<details><summary>Full configuration</summary><pre>{_e(cfg_txt)}</pre>"
                "</details>"]
    if diag:
        appendix.append("<details><summary>Fit diagnostics, every parameter</summary>" + _table(
            ["model", "parameter", "coord", "mean", "sd", "5 %", "95 %", "R-hat", "bulk ESS",
             "tail ESS"],
            [(d["model"], d["parameter"], d["coord"], f"{d['mean']:.4g}", f"{d['sd']:.3g}",
              f"{d['q05']:.4g}", f"{d['q95']:.4g}", f"{d['r_hat']:.4f}",
              f"{d['ess_bulk']:,.0f}", f"{d['ess_tail']:,.0f}") for d in diag],
            tuple(range(3, 10))) + "</details>")
    parts.append("<section id='appendix'><h2>Appendix</h2>" + "".join(appendix) + "</section>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _launch_record(con, fit_id) -> dict:
    """The launch record a fit was fitted to (stored in the fit run's config)."""
    if not fit_id:
        return {}
    row = con.execute("SELECT config FROM runs WHERE run_id = ?", [fit_id]).fetchall()
    try:
        return json.loads(row[0][0]).get("assumptions", {}).get("launch_record", {})
    except (IndexError, TypeError, json.JSONDecodeError):
        return {}


def _campaign_section(data: dict) -> str:
    """The launch campaign: timeline plot, results by calendar year, the riskiest launches."""
    from riskengine.summary import campaign_table

    s = data["summary"]
    launches = data.get("launches") or []
    parts = ["<section id='campaign'><h2>Launch campaign</h2>"]
    if launches:
        fig = plots.campaign_timeline_figure(
            [x["date"] for x in launches], [x["satellites"] for x in launches],
            [x["vehicle"] for x in launches],
            [[x["lost_launch"], x["lost_raising"], x["lost_orbit"]] for x in launches])
        parts.append(_img(fig, "campaign timeline"))
    c1, r1, c2, r2 = campaign_table(s.extra["campaign"])
    parts.append("<div class='two'><div>" + _table(c1, r1, tuple(range(1, 7))) + "</div><div>"
                 + _table(c2, r2, tuple(range(1, 6))) + "</div></div>")
    parts.append("<p class='muted'>Launch + 1 year: each satellite is insured from ignition "
                 "to one year after its launch. L: launch failure (every satellite on board, one "
                 "occurrence); R: raising (a storm at the insertion orbit, bus failure while "
                 "raising); O: the rest of the first year in orbit (every in-orbit peril). A "
                 "calendar year holds the policies of that year's launches; its 1-in-200 is the "
                 "99.5 % quantile of their annual loss; premiums are the co-TVaR allocation of "
                 "the technical premium.</p>")
    post = [d for d in data.get("diagnostics", []) if d["model"] == "launch"
            and d["parameter"] in ("p", "p_new", "p_new_first")]
    if post:
        rec = data.get("launch_record") or {}
        rows = []
        for d in post:
            r = rec.get(d["coord"], {})
            name = d["coord"] or ("new vehicle, first flight" if d["parameter"] == "p_new_first"
                                  else "new vehicle, later flights")
            rows.append((name, f"{r['flights']:,}" if r else "—",
                         f"{r['failures']} + {r['partial']} partial" if r else "—",
                         r.get("as_of", "—"), pct(d["mean"], 2),
                         f"{pct(d['q05'], 2)} – {pct(d['q95'], 2)}",
                         r.get("source", "hierarchical prior") if r else "hierarchical prior"))
        parts.append("<h3>Launch failure probability per flight: posterior beside the record"
                     "</h3>" + _table(["family", "flights", "failures", "record as of",
                                        "posterior mean", "90 % interval", "source"],
                                       rows, (1, 4, 5)))
    if launches:
        top = sorted(launches, key=lambda x: -(x["loss_launch"] + x["loss_raising"]
                                              + x["loss_orbit"]))[:10]
        parts.append("<h3>Launches with the largest expected loss</h3>" + _table(
            ["launch", "date", "vehicle", "satellites", "insured", "P(failure)",
             "expected loss", "premium"],
            [(x["launch"], x["date"], x["vehicle"], f"{x['satellites']:,}",
              usd(x["sum_insured"]), pct(x["failure_probability"], 2),
              usd(x["loss_launch"] + x["loss_raising"] + x["loss_orbit"]),
              usd(x["premium_launch"] + x["premium_raising"] + x["premium_orbit"]))
             for x in top], (3, 4, 5, 6, 7)))
    return "".join(parts) + "</section>"


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
