# %% [markdown]
# # Quick start: price a constellation and read the result
#
# The headline numbers of a priced run, read back from the DuckDB store with SQL: expected
# loss, the 1-in-200 year loss, the technical premium, the exceedance-probability curves with
# their Monte Carlo bands, where the premium comes from, and the HTML report.
#
# If your store (`riskengine.duckdb`, or `$RISKENGINE_DB`) holds a `make price` run of
# `portfolios/example.toml`, the notebook shows that run (read-only). Otherwise it prices
# `portfolios/quick.toml` — the same 1,000-satellite shell with rate-based perils — into a
# scratch store, in seconds. Every number can be traced to a run id, a seed and a code version.

# %%
from riskengine.notebook import setup

nb = setup(years=5_000)

# %%
import duckdb
import numpy as np

from riskengine import plots
from riskengine.notebook import latest_price_run, price_portfolio, repo_path

run_id, db = None, nb.db
if nb.user_db.exists():
    with duckdb.connect(str(nb.user_db), read_only=True) as user:
        run_id = latest_price_run(user, "example")
    db = nb.user_db if run_id else nb.db
if run_id is None:
    run_id = price_portfolio(repo_path("portfolios", "quick.toml"), nb.db, years=nb.years)
con = duckdb.connect(str(db), read_only=True)
print(f"run {run_id} in {db}")

# %% [markdown]
# ## Headline numbers
# The `run_summary` view has one row per run; `metrics` holds every metric with its Monte
# Carlo standard error. Money in USD millions.

# %%
con.execute("""
    SELECT portfolio, years, seed, aal / 1e6 AS "AAL $m", var_995 / 1e6 AS "VaR 99.5% $m",
           tvar_995 / 1e6 AS "TVaR 99.5% $m", premium / 1e6 AS "premium $m"
    FROM run_summary WHERE run_id = ?""", [run_id]).df().style.format(precision=1).hide(axis="index")

# %% [markdown]
# ## Exceedance-probability curves
# AEP uses the annual aggregate loss of every simulated year (`ylt`, zero years included);
# OEP the largest occurrence of each year (`elt.gross_loss`: both on the gross perspective,
# after the policy's terms; `ep_curve` also holds the ground-up and net curves). The bands
# are exact order-statistic confidence intervals of the Monte Carlo estimate.

# %%
years = con.execute("SELECT years FROM runs WHERE run_id = ?", [run_id]).fetchall()[0][0]
annual = con.execute("SELECT loss FROM ylt WHERE run_id = ? ORDER BY year",
                     [run_id]).fetchnumpy()["loss"]
occ = np.zeros(years)
ev = con.execute("SELECT year, max(coalesce(gross_loss, loss)) AS m FROM elt "
                 "WHERE run_id = ? GROUP BY year", [run_id]).fetchnumpy()
occ[np.asarray(ev["year"], int) - 1] = ev["m"]
plots.ep_curve_figure({"AEP": annual, "OEP": occ}, title=f"EP curves, {years:,} years")

# %% [markdown]
# ## Where the premium comes from
# Expected loss, co-TVaR capital and premium allocated to fleet groups and perils (on the
# net of reinsurance; the gross expected loss beside).

# %%
alloc = con.execute("""
    SELECT dimension, name, gross_expected_loss / 1e6 AS "gross expected loss $m",
           expected_loss / 1e6 AS "net expected loss $m",
           capital / 1e6 AS "capital $m", premium / 1e6 AS "premium $m"
    FROM allocations WHERE run_id = ? ORDER BY dimension, premium DESC""", [run_id]).df()
alloc.style.format(precision=2).hide(axis="index")

# %%
perils = alloc[alloc.dimension == "peril"]
plots.bar_figure(perils["name"], perils["premium $m"] * 1e6, "Premium by peril",
                 "technical premium", log=True)

# %% [markdown]
# ## The pricing report
# A self-contained HTML file with the same numbers, for the underwriting file and sign-off.

# %%
from riskengine.report import write_report

path = write_report(con, run_id, nb.db.parent / f"{run_id}.html")
print("report:", path)
con.close()
