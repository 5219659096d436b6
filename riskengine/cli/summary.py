"""The terminal summary of a priced run, read back from the store: an underwriting file in
brief — exposure, terms, gross / ceded / net results, the price, perils and warnings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from riskengine.summary import campaign_table, load, pct, results_rows, usd


def _table(title: str, columns: list[str], rows: list[list], right=(),
           header: bool = True) -> Table:
    t = Table(title=Text(title, style="bold"), title_justify="left", header_style="bold cyan",
              pad_edge=False, box=None, padding=(0, 1), show_header=header)
    for i, c in enumerate(columns):
        t.add_column(Text(c), justify="right" if i in right else "left", overflow="fold")
    for r in rows:
        t.add_row(*[Text("—" if v is None else str(v)) for v in r])
    return t


def print_price_summary(c, con, run_id: str, db=None) -> None:
    s = load(con, run_id)
    run = s.run
    years = run.get("years") or 0
    groups = len(s.exposure)
    c.print(Text(f"{run.get('portfolio')}: {s.satellites:,} satellites in {groups} group"
                 f"{'s' if groups != 1 else ''}, total insured value {usd(s.tiv)}, {s.cover} "
                 f"cover", style="bold"))
    for code, message in s.flags:
        c.print(Text("warning ", style="bold yellow") + Text(f"[{code}] {message}"))
    c.print(_table("Exposure", ["group", "orbit", "satellites", "sum insured", "TIV"],
                   [[e["group"], e["orbit"], f"{e['satellites']:,}" if e["satellites"] else None,
                     usd(e["sum_insured"]), usd(e["tiv"])] for e in s.exposure], right=(2, 3, 4)))
    c.print(_table("Terms", ["", ""], [list(t) for t in s.terms]
                   + [["reinsurance", ly] for ly in s.layers], header=False))
    c.print(_table(f"Results ({years:,} simulated years, seed {run.get('seed')})",
                   ["", "gross", "ceded", "net"], [list(r) for r in results_rows(s)],
                   right=(1, 2, 3)))
    prem, limit = s.m("premium"), s.m("limit")
    se = s.metrics.get("aal", (None, None))[1]
    c.print(Text("technical premium ", style="bold") + Text(
        f"{usd(prem)} = expected loss {usd(s.m('expected_loss'))} + cost of capital "
        f"{usd(s.m('capital_charge'))} + expenses {usd(s.m('expenses'))}; rate on line "
        f"{pct(s.m('rate_on_line'))} of the {usd(limit)} limit"
        + (f" (AAL Monte Carlo error ±{usd(se)})" if se else "")))
    if s.perils:
        c.print(_table("By peril (AAL after aggregate terms; 1-in-200 standalone)",
                       ["peril", "events/yr", "AAL", "1-in-200", "premium", "share"],
                       [[p["peril"], f"{p['events_per_year']:.3g}",
                         usd(p["aal_after_aggregate_terms"]), usd(p["standalone_var_995"]),
                         usd(p["premium"]), pct(p["premium_share"])] for p in s.perils],
                       right=(1, 2, 3, 4, 5)))
    if s.extra.get("campaign"):
        c1, r1, c2, r2 = campaign_table(s.extra["campaign"])
        c.print(_table("Launch campaign by year of launch: expected satellites lost by phase",
                       c1, r1, right=(1, 2, 3, 4, 5, 6)))
        c.print(_table("Launch campaign: premium by phase, largest launch loss, 1-in-200",
                       c2, r2, right=(1, 2, 3, 4, 5)))
    c.print(Text(f"run {run_id} written to {db or 'riskengine.duckdb'}", style="green"))
    c.print(Text(f"full report: riskengine report {run_id}"
                 + (f" --db {db}" if db else "")))
