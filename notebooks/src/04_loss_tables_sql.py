# %% [markdown]
# # Loss tables with SQL
#
# The loss tables follow the OasisLMF conventions: a year loss table (`ylt`, one row for
# every simulated year), an event loss table (`elt`, one row per occurrence), EP curves
# (`ep_curve`, AEP and OEP) and `metrics`. Every query below is in the SQL cookbook
# (`riskengine/data/cookbook.sql`), which the test suite runs. The runs here go into a
# scratch store; the same SQL works on yours (`duckdb -readonly riskengine.duckdb`).

# %%
from riskengine.notebook import setup

nb = setup(years=5_000)

# %%
import duckdb

from riskengine import plots
from riskengine.cookbook import queries, query
from riskengine.notebook import price_portfolio, repo_path

base = price_portfolio(repo_path("portfolios", "quick.toml"), nb.db, years=nb.years)
con = duckdb.connect(str(nb.db), read_only=True)
print("cookbook queries:", ", ".join(queries()))

# %% [markdown]
# ## PML at 200 years and TVaR 99.5 %

# %%
query(con, "pml_200", run=base).df()

# %%
query(con, "tvar_995", run=base).df()

# %% [markdown]
# ## Ground-up, gross and net
# Every result exists on three perspectives: ground-up (the damage), gross (after the
# policy's terms) and net (after reinsurance, priced from the same simulation).

# %%
query(con, "gross_net", run=base).df()

# %%
query(con, "reinsurance_layers", run=base).df()

# %% [markdown]
# ## AAL by peril and the top 10 events

# %%
query(con, "aal_by_peril", run=base).df()

# %%
query(con, "top_events", run=base).df()

# %% [markdown]
# ## Comparing two runs
# Price a variant with a higher aggregate deductible and compare it with the base run.
# The variant is a new run; the base run is untouched.

# %%
con.close()
text = repo_path("portfolios", "quick.toml").read_text()
variant = nb.db.parent / "quick_high_deductible.toml"
variant.write_text(text.replace('name = "quick"', 'name = "quick-high-deductible"')
                       .replace("aggregate_deductible = 500_000_000",
                                "aggregate_deductible = 1_000_000_000"))
other = price_portfolio(variant, nb.db, years=nb.years)
con = duckdb.connect(str(nb.db), read_only=True)
con.execute("""SELECT portfolio, aal / 1e6 AS "AAL $m", var_995 / 1e6 AS "VaR 99.5% $m",
                      tvar_995 / 1e6 AS "TVaR 99.5% $m", premium / 1e6 AS "premium $m"
               FROM run_summary WHERE run_id IN (?, ?) ORDER BY portfolio""",
            [base, other]).df().style.format(precision=1).hide(axis="index")

# %% [markdown]
# The aggregate EP curves of both runs, by return period (USD millions):

# %%
ep = con.execute("""
    SELECT return_period AS "return period (yr)",
           max(aep) FILTER (WHERE run_id = ?) / 1e6 AS "base $m",
           max(aep) FILTER (WHERE run_id = ?) / 1e6 AS "high deductible $m"
    FROM ep_wide WHERE run_id IN (?, ?) AND perspective = 'gross' GROUP BY 1 ORDER BY 1""",
                 [base, other, base, other]).df()
ep.style.format(precision=1).hide(axis="index")

# %%
import numpy as np

fig = plots.ep_curve_figure(
    {"base": con.execute("SELECT loss FROM ylt WHERE run_id = ?", [base]).fetchnumpy()["loss"],
     "high deductible": con.execute("SELECT loss FROM ylt WHERE run_id = ?",
                                    [other]).fetchnumpy()["loss"]},
    title="Aggregate EP: base vs high aggregate deductible")
fig

# %% [markdown]
# ## The AAL straight from the year loss table
# `avg(loss)` over `ylt` is the AAL because zero-loss years have rows too.

# %%
query(con, "aal_check", run=base).df()

# %%
con.close()
