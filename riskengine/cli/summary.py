"""The terminal summary of a priced run, read back from the store."""

from __future__ import annotations

from rich.text import Text

from riskengine.cli._common import rich_table


def print_price_summary(c, con, run_id: str, db=None) -> None:
    """Headline metrics, allocation and EP table of ``run_id``."""
    m = {k: (v, se) for k, v, se in con.execute(
        "SELECT metric, value, std_error FROM metrics WHERE run_id = ?", [run_id]).fetchall()}
    years, portfolio = con.execute("SELECT years, portfolio FROM runs WHERE run_id = ?",
                                   [run_id]).fetchall()[0]

    def row(label, key, se_key=None):
        v, se = m.get(key, (None, None))
        if se_key is not None:
            se = m.get(se_key, (None, None))[1]
        return [label, v, None if se is None or se != se else se]

    rows = [row("expected loss (AAL)", "aal"), row("std. deviation", "std"),
            row("VaR 99.5%", "var_0.995"), row("TVaR 99.5%", "tvar_0.995"),
            row("capital (VaR - EL)", "capital"), row("cost of capital", "capital_charge"),
            row("expenses", "expenses"), row("technical premium", "premium"),
            row("limit", "limit"), row("rate on line", "rate_on_line")]
    c.print(rich_table(f"technical price — {portfolio} ({years:,} years)",
                       ["", "USD / year", "MC std. error"], [r for r in rows if r[1] is not None]))
    alloc = con.execute("SELECT dimension, name, expected_loss, capital, premium FROM "
                        "allocations WHERE run_id = ? ORDER BY rowid", [run_id]).fetchall()
    if alloc:
        c.print(rich_table("allocation (co-TVaR)", ["by", "name", "expected loss", "capital",
                                                     "premium"],
                           [list(a) for a in alloc if a[2] or a[3]]))
    ep = con.execute("SELECT return_period, max(loss) FILTER (WHERE curve='AEP'), "
                     "max(loss) FILTER (WHERE curve='OEP') FROM ep_curve WHERE run_id=? "
                     "GROUP BY 1 ORDER BY 1", [run_id]).fetchall()
    c.print(rich_table("exceedance probability", ["return period (yr)", "AEP", "OEP"],
                       [[float(a), float(b), float(d)] for a, b, d in ep]))
    flags = con.execute("SELECT code, message FROM run_flags WHERE run_id = ? ORDER BY rowid",
                        [run_id]).fetchall()
    for code, message in flags:
        c.print(Text("warning ", style="bold yellow") + Text(f"[{code}] {message}"))
    c.print(Text(f"run {run_id} written to {db or 'riskengine.duckdb'}", style="green"))
