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
    metrics: dict                 # metric -> (value, std error)
    perils: list[dict]            # rows of the peril_summary view
    flags: list[tuple[str, str]]
    extra: dict = field(default_factory=dict)

    def m(self, key):
        return self.metrics.get(key, (None, None))[0]


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


def _terms(pol: dict) -> tuple[list[tuple[str, str]], list[str]]:
    terms = [("deductible per satellite and loss", usd(pol.get("deductible", 0))),
             ("constructive total loss at", f"{100 * pol.get('ctl_threshold', 0.75):g} % damage"),
             ("partial losses", "paid pro rata" if pol.get("partial_loss", "proportional")
              == "proportional" else "not covered")]
    if pol.get("occurrence_deductible"):
        terms.append(("occurrence deductible", usd(pol["occurrence_deductible"])))
    terms.append(("occurrence limit", usd(pol["occurrence_limit"]) if pol.get("occurrence_limit")
                  else "none"))
    if pol.get("aggregate_deductible"):
        terms.append(("annual aggregate deductible", usd(pol["aggregate_deductible"])))
    terms.append(("annual aggregate limit", usd(pol["aggregate_limit"])
                  if pol.get("aggregate_limit") else "none"))
    layers = [f"{ly.get('name', 'layer')}: {pct(ly.get('share', 1.0), 0)} of "
              f"{usd(ly['limit'])} xs {usd(ly['attachment'])} "
              f"({ly.get('basis', 'aggregate')})" for ly in pol.get("reinsurance", [])]
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
    metrics = {k: (v, se) for k, v, se in con.execute(
        "SELECT metric, value, std_error FROM metrics WHERE run_id = ?", [run_id]).fetchall()}
    cur = con.execute("SELECT * EXCLUDE (run_id) FROM peril_summary WHERE run_id = ? "
                      "ORDER BY premium DESC NULLS LAST, aal_before_aggregate_terms DESC",
                      [run_id])
    names = [d[0] for d in cur.description]
    perils = [dict(zip(names, r)) for r in cur.fetchall()]
    flags = [(c, m) for c, m in con.execute(
        "SELECT code, message FROM run_flags WHERE run_id = ? ORDER BY rowid",
        [run_id]).fetchall()]
    out = Summary(run=run, config=cfg, exposure=exposure, satellites=sats, tiv=tiv,
                  cover=COVERS.get(pol.get("cover", "in_orbit_annual"), pol.get("cover", "")),
                  terms=terms, layers=layers, metrics=metrics, perils=perils, flags=flags)
    out.extra["campaign"] = campaign_years(con, run_id)
    return out


def _rows(con, sql: str, params) -> list[dict]:
    try:
        cur = con.execute(sql, params)
    except Exception:  # noqa: BLE001 - a store written before the table existed
        return []
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def campaign_years(con, run_id: str) -> list[dict]:
    """Rows of ``campaign_years`` of a run (launch campaigns; empty otherwise)."""
    return _rows(con, "SELECT * EXCLUDE (run_id) FROM campaign_years WHERE run_id = ? "
                      "ORDER BY calendar_year", [run_id])


def campaign_launches(con, run_id: str) -> list[dict]:
    """Rows of ``campaign_launches`` of a run, in launch order."""
    return _rows(con, "SELECT * EXCLUDE (run_id) FROM campaign_launches WHERE run_id = ? "
                      "ORDER BY launch", [run_id])


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


def results_rows(s: Summary) -> list[tuple[str, str, str, str]]:
    """(measure, gross, ceded, net) rows of the headline results."""
    has_re = "net_aal" in s.metrics
    ceded_aal = s.m("ceded_aal")
    rows = [("expected loss (AAL)", usd(s.m("aal")), usd(ceded_aal) if has_re else "—",
             usd(s.m("net_aal")) if has_re else usd(s.m("aal"))),
            ("1-in-200 annual loss (VaR 99.5 %)", usd(s.m("var_0.995")), "—",
             usd(s.m("net_var_0.995")) if has_re else usd(s.m("var_0.995"))),
            ("TVaR 99.5 %", usd(s.m("tvar_0.995")), "—",
             usd(s.m("net_tvar_0.995")) if has_re else usd(s.m("tvar_0.995"))),
            ("1-in-200 largest occurrence (OEP)", usd(s.m("oep_var_0.995")), "—", "—")]
    return rows
