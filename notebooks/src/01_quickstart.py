# %% [markdown]
# # Quick start: price the example constellation
#
# This notebook shows the newest `make price` run of `portfolios/example.toml` (or, when
# there is none, prices `portfolios/quick.toml`) — a 1,000-satellite data-centre shell at
# 550 km / 53° — into the DuckDB store, reads the headline numbers back with SQL, draws the
# exceedance-probability curves with their Monte Carlo bands, and writes the HTML report.
#
# Everything shown comes from the store, so every number can be traced to a run id, a seed
# and a code version. Run `make price` first to use the full example run; otherwise this
# notebook prices a shorter run itself.

# %%
import os
import numpy as np
from riskengine import plots
from riskengine.notebook import default_db, latest_price_run, price_portfolio, repo_path
from riskengine.store import connect

DB = default_db()
YEARS = int(os.environ.get("RISKENGINE_NB_YEARS", "5000"))  # the test suite keeps runs short
con = connect(DB)
run_id = latest_price_run(con, "example")
con.close()
if run_id is None:
    run_id = price_portfolio(repo_path("portfolios", "quick.toml"), DB, years=YEARS)
print("database:", DB, "\nrun:", run_id)

# %% [markdown]
# ## Headline numbers
# The `run_summary` view has one row per run; `metrics` holds every metric with its Monte
# Carlo standard error.

# %%
from riskengine.store import read_only
con = read_only(DB)
con.execute("SELECT * FROM run_summary WHERE run_id = ?", [run_id]).df()

# %%
m = con.execute("SELECT metric, value, std_error FROM metrics WHERE run_id = ? ORDER BY metric",
                [run_id]).df()
m.style.format({"value": "{:,.0f}", "std_error": "{:,.0f}"})

# %% [markdown]
# ## Exceedance-probability curves
# AEP uses the annual aggregate loss of every simulated year (`ylt`, zero years included);
# OEP the largest occurrence of each year (`elt`). The bands are exact order-statistic
# confidence intervals of the Monte Carlo estimate.

# %%
years = con.execute("SELECT years FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]
annual = con.execute("SELECT loss FROM ylt WHERE run_id = ? ORDER BY year", [run_id]).fetchnumpy()["loss"]
occ = np.zeros(years)
ev = con.execute("SELECT year, max(loss) AS m FROM elt WHERE run_id = ? GROUP BY year", [run_id]).fetchnumpy()
occ[np.asarray(ev["year"], int) - 1] = ev["m"]
assert len(annual) == years  # one row per simulated year
plots.ep_curve_figure({"AEP": annual, "OEP": occ}, title=f"EP curves, {years:,} years")

# %% [markdown]
# ## Where the premium comes from
# Capital is allocated to fleet groups and perils by co-TVaR.

# %%
con.execute("SELECT * FROM allocations WHERE run_id = ? ORDER BY dimension, premium DESC", [run_id]).df()

# %% [markdown]
# ## The pricing report
# A self-contained HTML file with the same numbers, for the file and for sign-off.

# %%
from riskengine.report import write_report
path = write_report(con, run_id, repo_path("reports", f"{run_id}.html"))
print("report:", path)
