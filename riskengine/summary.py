"""The underwriting summary of a priced run, read from the store: what was insured, on what
terms, what it costs, what drives it and what to be careful about.

One structure, two renderings: the terminal summary of ``riskengine price`` /
``riskengine simulate`` (:mod:`riskengine.cli.summary`) and the first sections of the HTML
report (:mod:`riskengine.report`). Money is shown as ``$m`` / ``$bn`` throughout.

Examples
--------
>>> usd(1_727_763_951.4), usd(3_469_143.0), usd(12_345.0), pct(0.31167)
('$1.73 bn', '$3.5 m', '$12,345', '31.2 %')
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np


def usd(v, digits: int | None = None) -> str:
    """Money in the units an underwriter reads: ``$1.73 bn``, ``$543.9 m``, ``$12,345``."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    v = float(v)
    a = abs(v)
    if a >= 1e9:
        return f"${v / 1e9:,.{2 if digits is None else digits}f} bn"
    if a >= 1e6:
        return f"${v / 1e6:,.{1 if digits is None else digits}f} m"
    return f"${v:,.0f}"


def pct(v, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    return f"{100 * float(v):.{digits}f} %"


COVERS = {"in_orbit_annual": "in-orbit annual", "launch_plus_one_year": "launch + 1 year"}


@dataclass
class Summary:
    run: dict
    config: dict
    exposure: list[dict]          # one row per fleet group
    satellites: int
    tiv: float
    cover: str
    terms: list[tuple[str, str]]  # (term, value) pairs, in policy order
    layers: list[str]
    metrics: dict                 # metric -> (value, std error); see load()
    perils: list[dict]            # rows of the peril_summary view
    flags: list[tuple[str, str]]
    extra: dict = field(default_factory=dict)
    exact: list[dict] = field(default_factory=list)    # rows of ep_exact

    def m(self, key, perspective: str | None = None):
        """A metric's value: ``key`` on ``perspective`` (default: the gross, else the only
        perspective the metric has)."""
        k = key if perspective is None else f"{perspective}:{key}"
        return self.metrics.get(k, (None, None))[0]

    def se(self, key, perspective: str | None = None):
        k = key if perspective is None else f"{perspective}:{key}"
        return self.metrics.get(k, (None, None))[1]


def _fleet_rows(cfg: dict, stats: dict) -> list[dict]:
    counts = stats.get("group_satellites") or {}
    out = []
    for g in cfg.get("fleet", []):
        n = counts.get(g["name"])
        if n is None:
            if g.get("planes") and g.get("per_plane"):
                n = int(g["planes"]) * int(g["per_plane"])
            elif g.get("norad_ids"):
                n = len(g["norad_ids"])
        where = (f"{g['altitude_km']:g} km / {g['inclination_deg']:g}°"
                 if g.get("altitude_km") is not None else
                 ("element file" if g.get("elements") else "catalog ids"))
        out.append(dict(group=g["name"], orbit=where, satellites=n,
                        sum_insured=float(g["sum_insured"]),
                        tiv=None if n is None else n * float(g["sum_insured"])))
    return out


def _layer_text(ly: dict) -> str:
    name = ly.get("name", "layer")
    if ly.get("type") == "quota_share":
        return f"{name}: quota share of {pct(ly.get('share', 1.0), 0)} of every loss"
    basis = {"risk": "per satellite", "occurrence": "per occurrence",
             "aggregate": "annual aggregate"}.get(ly.get("basis", "aggregate"), ly.get("basis"))
    txt = (f"{name}: {pct(ly.get('share', 1.0), 0)} of {usd(ly['limit'])} xs "
           f"{usd(ly['attachment'])} ({basis})")
    n = ly.get("reinstatements")
    if n is not None:
        rp = ly.get("reinstatement_premium", 1.0)
        rates = ", ".join(pct(r, 0) for r in (rp if isinstance(rp, list) else [rp] * n))
        txt += (f", {n} reinstatement{'s' if n != 1 else ''}"
                + (f" at {rates} pro rata to amount" if n else ""))
    return txt


def _terms(pol: dict) -> tuple[list[tuple[str, str]], list[str]]:
    ded = usd(pol.get("deductible", 0))
    if pol.get("deductible_type") == "franchise":
        ded += " (franchise)"
    terms = [("deductible per satellite and loss", ded),
             ("constructive total loss at", f"{100 * pol.get('ctl_threshold', 0.75):g} % damage"),
             ("partial losses", "paid pro rata" if pol.get("partial_loss", "proportional")
              == "proportional" else "not covered")]
    if pol.get("occurrence_deductible"):
        terms.append(("occurrence deductible", usd(pol["occurrence_deductible"])
                      + (" (franchise)" if pol.get("occurrence_deductible_type") == "franchise"
                         else "")))
    terms.append(("occurrence limit", usd(pol["occurrence_limit"]) if pol.get("occurrence_limit")
                  else "none"))
    if pol.get("aggregate_deductible"):
        terms.append(("annual aggregate deductible", usd(pol["aggregate_deductible"])))
    terms.append(("annual aggregate limit", usd(pol["aggregate_limit"])
                  if pol.get("aggregate_limit") else "none"))
    layers = [_layer_text(ly) for ly in pol.get("reinsurance", [])]
    return terms, layers


def load(con, run_id: str) -> Summary:
    """Everything the summary shows for ``run_id`` (a price or simulate run)."""
    cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
    row = cur.fetchall()
    if not row:
        from riskengine.errors import StoreError

        raise StoreError(f"no run {run_id!r} in the store; see `riskengine runs list`")
    run = dict(zip([d[0] for d in cur.description], row[0]))
    cfg = json.loads(run["config"]) if run.get("config") else {}
    stats = json.loads(run["stats"]) if run.get("stats") else {}
    exposure = _fleet_rows(cfg, stats)
    sats = int(stats.get("satellites") or sum(r["satellites"] or 0 for r in exposure))
    tiv = float(stats.get("total_sum_insured") or sum(r["tiv"] or 0 for r in exposure))
    pol = cfg.get("policy", {})
    terms, layers = _terms(pol)
    metrics: dict = {}
    for persp, k, v, se in con.execute(
            "SELECT coalesce(perspective, 'gross'), metric, value, std_error FROM metrics "
            "WHERE run_id = ? ORDER BY coalesce(perspective, 'gross') = 'gross'",
            [run_id]).fetchall():
        metrics[f"{persp}:{k}"] = (v, se)
        metrics[k] = (v, se)          # the gross when there is one (ordered last)
    cur = con.execute("SELECT * EXCLUDE (run_id) FROM peril_summary WHERE run_id = ? "
                      "ORDER BY premium DESC NULLS LAST, aal_before_aggregate_terms DESC",
                      [run_id])
    names = [d[0] for d in cur.description]
    perils = [dict(zip(names, r)) for r in cur.fetchall()]
    rows = con.execute("SELECT code, message, severity FROM run_flags WHERE run_id = ? "
                       "ORDER BY rowid", [run_id]).fetchall()
    flags = [(c, m) for c, m, _ in rows]
    s = Summary(run=run, config=cfg, exposure=exposure, satellites=sats, tiv=tiv,
                cover=COVERS.get(pol.get("cover", "in_orbit_annual"), pol.get("cover", "")),
                terms=terms, layers=layers, metrics=metrics, perils=perils, flags=flags)
    s.extra["flag_severity"] = {c: (sev or "warning") for c, _, sev in rows}
    s.extra["layer_prices"] = _rows(con, "SELECT * EXCLUDE (run_id) FROM reinsurance_layers "
                                         "WHERE run_id = ? ORDER BY rowid", run_id)
    s.exact = _rows(con, "SELECT * EXCLUDE (run_id) FROM ep_exact WHERE run_id = ? "
                         "ORDER BY peril = '(portfolio)', peril, perspective, return_period",
                    run_id)
    s.extra["campaign"] = campaign_years(con, run_id)
    return s


def campaign_years(con, run_id: str) -> list[dict]:
    """Rows of ``campaign_years`` of a run (launch campaigns; empty otherwise)."""
    return _rows(con, "SELECT * EXCLUDE (run_id) FROM campaign_years WHERE run_id = ? "
                      "ORDER BY calendar_year", run_id)


def campaign_launches(con, run_id: str) -> list[dict]:
    """Rows of ``campaign_launches`` of a run, in launch order."""
    return _rows(con, "SELECT * EXCLUDE (run_id) FROM campaign_launches WHERE run_id = ? "
                      "ORDER BY launch", run_id)


def campaign_table(rows: list[dict]) -> tuple[list[str], list[list], list[str], list[list]]:
    """Two tables of the campaign by calendar year (each readable at 80 columns): expected
    satellites lost by phase, then premium by phase with the largest launch loss and the PML.

    Examples
    --------
    >>> c1, r1, c2, r2 = campaign_table([dict(calendar_year=2027, launches=10, satellites=1000,
    ...     sum_insured=3e9, lost_launch=12.5, lost_raising=3.0, lost_orbit=20.0,
    ...     premium_launch=9e7, premium_raising=1e7, premium_orbit=5e7,
    ...     largest_launch_loss=3e8, pml_995=9e8)])
    >>> r1[0][4], r2[0][4]
    ('12.5', '$300.0 m')
    """
    c1 = ["year", "launches", "satellites", "insured", "lost: launch", "raising", "orbit"]
    c2 = ["year", "premium: launch", "raising", "orbit", "largest launch loss", "1-in-200"]
    r1, r2 = [], []
    for r in rows:
        r1.append([str(r["calendar_year"]), f"{r['launches']:,}", f"{r['satellites']:,}",
                   usd(r["sum_insured"]), f"{r['lost_launch']:,.1f}",
                   f"{r['lost_raising']:,.1f}", f"{r['lost_orbit']:,.1f}"])
        r2.append([str(r["calendar_year"]), usd(r["premium_launch"]), usd(r["premium_raising"]),
                   usd(r["premium_orbit"]), usd(r["largest_launch_loss"]), usd(r["pml_995"])])
    return c1, r1, c2, r2


def _rows(con, sql: str, run_id: str) -> list[dict]:
    try:
        cur = con.execute(sql, [run_id])
    except Exception:   # a store written before the table existed  # noqa: BLE001
        return []
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def results_rows(s: Summary) -> list[tuple[str, str, str, str, str]]:
    """(measure, ground-up, gross, ceded, net) rows of the headline results: each column on
    its own perspective, OEP and AEP alike."""
    def m(key, persp):
        v = s.m(key, persp)
        if v is None and persp == "gross":
            v = s.m(key)
        return usd(v)

    has_net = s.m("aal", "net") is not None
    ceded = s.m("ceded_aal", "net")
    net = (lambda k: m(k, "net")) if has_net else (lambda k: m(k, "gross"))
    return [
        ("expected loss (AAL)", m("aal", "ground_up"), m("aal", "gross"),
         usd(ceded) if ceded is not None else "—", net("aal")),
        ("1-in-200 annual loss (VaR 99.5 %)", m("var_0.995", "ground_up"),
         m("var_0.995", "gross"), "—", net("var_0.995")),
        ("TVaR 99.5 %", m("tvar_0.995", "ground_up"), m("tvar_0.995", "gross"), "—",
         net("tvar_0.995")),
        ("1-in-200 largest occurrence (OEP)", m("oep_var_0.995", "ground_up"),
         m("oep_var_0.995", "gross"), "—", net("oep_var_0.995")),
    ]


def premium_rows(s: Summary) -> list[tuple[str, str]]:
    """The premium build-up: gross expected loss + reinsurance cost + cost of capital on the
    net + expenses = technical premium; then capital, limit and rates."""
    rows = [("expected loss (gross)", usd(s.m("expected_loss", "gross") or s.m("expected_loss")))]
    if s.m("reinsurance_cost", "net") is not None and (s.m("ceded_expected_loss", "net") or 0):
        rows.append(("+ reinsurance cost (premiums - expected recoveries)",
                     usd(s.m("reinsurance_cost", "net"))))
    rows += [("+ cost of capital (rate x net capital)",
              usd(s.m("capital_charge", "net") or s.m("capital_charge"))),
             ("+ expenses", usd(s.m("expenses"))), ("= technical premium", usd(s.m("premium"))),
             ("capital held on the net position (VaR 99.5 % - EL)",
              usd(s.m("capital", "net") or s.m("capital"))),
             ("limit", usd(s.m("limit"))), ("rate on line", pct(s.m("rate_on_line"), 2))]
    if s.m("rate_on_tiv") is not None:
        rows.append(("rate on insured value", pct(s.m("rate_on_tiv"), 2)))
    return rows


def layer_rows(s: Summary) -> list[tuple]:
    """(layer, kind, expected recoveries, upfront premium, expected reinstatement premium,
    cost) of each reinsurance layer."""
    return [(x["layer"], x["kind"], usd(x["expected_ceded"]), usd(x["upfront_premium"]),
             usd(x["expected_reinstatement_premium"]), usd(x["cost"]))
            for x in s.extra.get("layer_prices", [])]


def psept_text(s: Summary) -> str | None:
    """One line on the spread of the 1-in-200 across the classes of parameter draws."""
    parts = []
    for persp in ("gross", "net"):
        lo, med, hi = (s.m(f"psept_var_0.995_{k}", persp) for k in ("min", "median", "max"))
        if med is None:
            continue
        mc, par = s.m("psept_var_0.995_mc_se", persp), s.m("psept_var_0.995_param_sd", persp)
        parts.append(f"{persp} {usd(lo)} - {usd(hi)} (median {usd(med)}; parameter sd "
                     f"{usd(par)}, Monte Carlo error of each {usd(mc)})")
    if not parts:
        return None
    k = s.m("psept_var_0.995_samples", "gross")
    return (f"1-in-200 across {int(k or 0)} classes of parameter draws: " + "; ".join(parts))


def posterior_text(s: Summary) -> str | None:
    """One line on the posterior sample's own (MCMC) error: the draws' expected ground-up
    loss, its MCMC standard error and the draws' effective sample size."""
    mean = s.m("posterior_expected_loss", "ground_up")
    if mean is None:
        return None
    se = s.se("posterior_expected_loss", "ground_up")
    ess, n = s.m("posterior_ess", "ground_up"), s.m("posterior_draws", "ground_up")
    if se is None or not np.isfinite(se):
        return (f"Posterior sample: the parameter draws' expected ground-up loss {usd(mean)}; "
                "too few draws a chain for its MCMC error.")
    rel = f" ({se / mean:.2%})" if mean else ""
    return (f"Posterior sample: the parameter draws' expected ground-up loss {usd(mean)} "
            f"(before depletion) has an MCMC error of {usd(se)}{rel}: {int(n or 0):,} draws "
            f"worth {ess or 0:,.0f} independent ones. The Monte Carlo error of the AAL leaves "
            "it out; a fit with another seed moves the price by about as much.")


def exact_rows(s: Summary) -> list[tuple]:
    """(peril, perspective, measure, exact, simulated +- se, check) of the FFT check: the mean
    and the 1-in-200."""
    from riskengine.exact import Z_FAIL

    out = []
    for r in s.exact:
        if r["return_period"] not in (0.0, 200.0):
            continue
        what = "AAL" if r["return_period"] == 0 else "1-in-200"
        ex = (usd(r["exact"]) if abs(r["exact_high"] - r["exact_low"]) <= 1e-3 * abs(r["exact"])
              else f"{usd(r['exact_low'])} - {usd(r['exact_high'])}")
        ok = r["z"] is not None and r["z"] <= Z_FAIL
        out.append((r["peril"], r["perspective"], what, ex,
                    f"{usd(r['simulated'])} ± {usd(r['std_error'])}", "pass" if ok else "FAIL"))
    return out
