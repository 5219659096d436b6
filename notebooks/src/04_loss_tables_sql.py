# %% [markdown]
# # Loss tables with SQL
#
# The loss tables follow the OasisLMF conventions: a year loss table (`ylt`, one row for
# every simulated year), an event loss table (`elt`, one row per occurrence), EP curves
# (`ep_curve`, AEP and OEP) and `metrics`. Every query below is in the SQL cookbook
# (`riskengine/data/cookbook.sql`), which the test suite runs.

# %%
import os
from pathlib import Path
import numpy as np
from riskengine import plots
from riskengine.cookbook import queries, query
from riskengine.notebook import default_db, latest_price_run, price_portfolio, repo_path
from riskengine.store import connect, read_only

DB = default_db()
YEARS = int(os.environ.get("RISKENGINE_NB_YEARS", "5000"))
con = connect(DB)
base = latest_price_run(con, "quick")
con.close()
if base is None:
    base = price_portfolio(repo_path("portfolios", "quick.toml"), DB, years=YEARS)
list(queries())

# %% [markdown]
# ## PML at 200 years and TVaR 99.5 %

# %%
con = read_only(DB)
query(con, "pml_200", run=base).df()

# %%
query(con, "tvar_995", run=base).df()

# %% [markdown]
# ## AAL by peril and the top 10 events

# %%
query(con, "aal_by_peril", run=base).df()

# %%
query(con, "top_events", run=base).df()

# %% [markdown]
# ## Comparing two runs
# Price a variant with a higher aggregate deductible and compare it with the base run.
# The variant is written as a new run; the base run is untouched.

# %%
con.close()
text = repo_path("portfolios", "quick.toml").read_text()
variant = Path(os.environ.get("TMPDIR", "/tmp")) / "example_high_deductible.toml"
variant.write_text(text.replace('name = "quick"', 'name = "quick-high-deductible"')
                       .replace("aggregate_deductible = 500_000_000", "aggregate_deductible = 1_000_000_000"))
other = price_portfolio(variant, DB, years=YEARS)
con = read_only(DB)
con.execute("SELECT run_id, portfolio, aal, var_995, tvar_995, premium FROM run_summary "
            "WHERE run_id IN (?, ?)", [base, other]).df()

# %%
rows = con.execute("SELECT run_id, return_period, aep FROM ep_wide WHERE run_id IN (?, ?) "
                   "ORDER BY run_id, return_period", [base, other]).fetchall()
for rid in (base, other):
    rp = [r[1] for r in rows if r[0] == rid]
    print(rid, [f"{r[2] / 1e6:,.0f}m" for r in rows if r[0] == rid])

# %% [markdown]
# ## The AAL straight from the year loss table
# `avg(loss)` over `ylt` is the AAL because zero-loss years have rows too.

# %%
query(con, "aal_check", run=base).df()
