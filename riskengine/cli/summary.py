"""The terminal summary of a priced run, read back from the store: an underwriting file in
brief — exposure, terms, gross / ceded / net results, the price, perils and warnings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from riskengine.summary import (campaign_table, exact_rows, layer_rows, load, pct,
                                posterior_text, psept_text, results_rows, usd)


def _table(title: str, columns: list[str], rows: list[list], right=(),
           header: bool = True) -> Table:
    t = Table(title=Text(title, style="bold"), title_justify="left", header_style="bold cyan",
              pad_edge=False, box=None, padding=(0, 1), show_header=header)
    for i, c in enumerate(columns):
        t.add_column(Text(c), justify="right" if i in right else "left", overflow="fold")
    for r in rows:
        t.add_row(*[Text("—" if v is None else str(v)) for v in r])
    return t


def sensitivity_rows(con, run_id: str, top: int = 6) -> list[list[str]]:
    """The widest premium swings of the run's sensitivity table (the tornado's top bars)."""
    from riskengine.sensitivity import tornado_rows

    try:
        cur = con.execute("SELECT * EXCLUDE (run_id) FROM sensitivity WHERE run_id = ? "
                          "ORDER BY rowid", [run_id])
    except Exception:  # noqa: BLE001 - a store written before the table existed
        return []
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if not rows:
        return []
    cols = {k: [r[i] for r in rows] for i, k in enumerate(names)}

    def signed(v):
        return ("+" if v >= 0 else "−") + usd(abs(v))

    return [[r["label"], f"{r['low_value']} .. {r['high_value']}",
             f"{signed(r['low'])} .. {signed(r['high'])}"] for r in tornado_rows(cols)[:top]]


def print_price_summary(c, con, run_id: str, db=None) -> None:
    s = load(con, run_id)
    run = s.run
    years = run.get("years") or 0
    groups = len(s.exposure)
    c.print(Text(f"{run.get('portfolio')}: {s.satellites:,} satellites in {groups} group"
                 f"{'s' if groups != 1 else ''}, total insured value {usd(s.tiv)}, {s.cover} "
                 f"cover", style="bold"))
    sev = s.extra.get("flag_severity", {})
    for code, message in s.flags:
        info = sev.get(code) == "info"
        c.print(Text("note    " if info else "warning ", style="bold cyan" if info
                     else "bold yellow") + Text(f"[{code}] {message}"))
    c.print(_table("Exposure", ["group", "orbit", "satellites", "sum insured", "TIV"],
                   [[e["group"], e["orbit"], f"{e['satellites']:,}" if e["satellites"] else None,
                     usd(e["sum_insured"]), usd(e["tiv"])] for e in s.exposure], right=(2, 3, 4)))
    c.print(_table("Terms", ["", ""], [list(t) for t in s.terms]
                   + [["reinsurance", ly] for ly in s.layers], header=False))
    c.print(_table(f"Results ({years:,} simulated years, seed {run.get('seed')})",
                   ["", "ground-up", "gross", "ceded", "net"],
                   [list(r) for r in results_rows(s)], right=(1, 2, 3, 4)))
    spread = psept_text(s)
    if spread:
        c.print(Text(spread))
    post = posterior_text(s)
    if post:
        c.print(Text(post))
    if layer_rows(s):
        c.print(_table("Reinsurance priced from the same simulation",
                       ["layer", "kind", "recoveries", "premium", "reinstatements", "cost"],
                       [list(r) for r in layer_rows(s)], right=(2, 3, 4, 5)))
    prem, limit = s.m("premium"), s.m("limit")
    se = s.se("aal", "gross") or s.se("aal")
    ri = s.m("reinsurance_cost", "net")
    c.print(Text("technical premium ", style="bold") + Text(
        f"{usd(prem)} = expected loss {usd(s.m('expected_loss'))}"
        + (f" + reinsurance cost {usd(ri)}" if ri else "")
        + f" + cost of capital {usd(s.m('capital_charge', 'net') or s.m('capital_charge'))}"
        f" (on the net capital {usd(s.m('capital', 'net') or s.m('capital'))}, allocated by "
        "co-TVaR)"
        f" + expenses {usd(s.m('expenses'))}; rate on line {pct(s.m('rate_on_line'))} of the "
        f"{usd(limit)} limit"
        + (f", {pct(s.m('rate_on_tiv'), 2)} of the insured value" if s.m("rate_on_tiv") else "")
        + (f" (AAL Monte Carlo error ±{usd(se)})" if se else "")))
    if exact_rows(s):
        c.print(_table("Exact check of compound perils (FFT vs this simulation)",
                       ["peril", "perspective", "", "exact", "simulated", "check"],
                       [list(r) for r in exact_rows(s)], right=(3, 4)))
    if s.perils:
        c.print(_table("By peril (AAL after aggregate terms; 1-in-200 standalone)",
                       ["peril", "events/yr", "AAL", "1-in-200", "premium", "share"],
                       [[p["peril"], f"{p['events_per_year']:.3g}",
                         usd(p["aal_after_aggregate_terms"]), usd(p["standalone_var_995"]),
                         usd(p["premium"]), pct(p["premium_share"])] for p in s.perils],
                       right=(1, 2, 3, 4, 5)))
    sens = sensitivity_rows(con, run_id)
    if sens:
        c.print(_table("What drives the premium (one assumption at a time, common random "
                       "numbers)", ["assumption", "low .. high", "premium change"],
                       sens, right=(2,)))
    if s.extra.get("campaign"):
        c1, r1, c2, r2 = campaign_table(s.extra["campaign"])
        c.print(_table("Launch campaign by year of launch: expected satellites lost by phase",
                       c1, r1, right=(1, 2, 3, 4, 5, 6)))
        c.print(_table("Launch campaign: premium by phase, largest launch loss, 1-in-200",
                       c2, r2, right=(1, 2, 3, 4, 5)))
    c.print(Text(f"run {run_id} written to {db or 'riskengine.duckdb'}", style="green"))
    c.print(Text(f"full report: riskengine report {run_id}"
                 + (f" --db {db}" if db else "")))
