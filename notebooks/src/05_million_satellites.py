# %% [markdown]
# # What if: one million data-centre satellites
#
# SpaceX's January 2026 filing asks for up to one million data-centre satellites between
# 500 and 2,000 km. `portfolios/million.toml` spreads them over 20 Walker shells of 50,000
# satellites ($3M each, $3 trillion insured) and prices them with the default physical
# perils. This notebook asks the underwriter's questions:
#
# * where in altitude is the constellation safe, and what does it do to its own shells?
# * what does each shell cost to insure, per satellite?
# * how does the portfolio's tail look, and what is the premium?
#
# By default the notebook simulates 200 years (a couple of minutes, with a progress line):
# enough to see the shape, not to price. `RISKENGINE_NB_FULL=1` runs the full 20,000
# years, as `riskengine price portfolios/million.toml` does (tens of minutes on 2 cores).

# %%
from riskengine.notebook import setup

nb = setup(years=200, full_years=20_000)

# %%
import os
import time

import numpy as np

from riskengine import plots, settings
from riskengine.config import load_portfolio
from riskengine.notebook import SHARED_SNAPSHOT, notebook_catalog, repo_path

YEARS = nb.years
catalog = notebook_catalog()   # $RISKENGINE_CATALOG, the shared snapshot, or the store
snapshot = settings.shared_dir() / SHARED_SNAPSHOT if settings.shared_dir() else None
if not settings.catalog_override() and snapshot and snapshot.exists():
    os.environ["RISKENGINE_CATALOG"] = str(snapshot)   # the pricing run below reads it too
p = load_portfolio(repo_path("portfolios", "million.toml"))
n_sats = sum(g.planes * g.per_plane for g in p.fleet)
print(f"{n_sats:,} satellites in {len(p.fleet)} shells; catalog {len(catalog):,} objects")

# %% [markdown]
# ## Hazards by shell
# The flux model counts the fleet as debris for itself: 50,000 satellites in one shell
# raise the density there by orders of magnitude over the 2023 catalog. The collision peril
# below is after the portfolio's collision-avoidance assumption.

# %%
from riskengine.hazards import compute_hazards

t0 = time.perf_counter()
hz = compute_hazards(p, catalog)
print(f"hazards for {n_sats:,} satellites in {time.perf_counter() - t0:.1f} s")
r = hz.rows
alt = np.array([a if a is not None else np.nan for a in r["altitude_km"]], float)
per_sat = np.array([s == "satellite" for s in r["scope"]])
rate = np.array(r["annual_rate"], float) * np.array(r["hit_probability"], float)
plots.hazard_altitude_figure(alt[per_sat], rate[per_sat],
                             np.array(r["peril"], object)[per_sat],
                             title="Annual events per satellite by shell")

# %% [markdown]
# ## Price the whole constellation
# Catalog, hazards, the Bayesian fit (reused when stored) and the Monte Carlo run, one store
# run each.

# %%
from riskengine import stages
from riskengine.store import connect

t0 = time.perf_counter()
con = connect(nb.db)
run_id = stages.price(con, p, stages.Options(years=YEARS, workers=1,
                                             progress=nb.progress("pricing")))
con.close()
print(f"priced {YEARS:,} years in {time.perf_counter() - t0:.0f} s: run {run_id}")

# %%
import duckdb

ro = duckdb.connect(str(nb.db), read_only=True)
ro.execute("""SELECT perspective, metric, value / 1e9 AS "USD bn" FROM metrics
              WHERE run_id = ? AND metric IN ('aal', 'std', 'var_0.995', 'tvar_0.995',
                                              'premium', 'limit', 'capital')
              ORDER BY perspective, metric""",
           [run_id]).df().style.format(precision=3).hide(axis="index")

# %% [markdown]
# ## Cost per satellite by shell
# The co-TVaR allocation splits the expected loss and the capital to the shells: the
# premium per satellite shows which altitudes the constellation should avoid.

# %%
alloc = ro.sql(f"""SELECT name AS shell, expected_loss, capital, premium
                   FROM allocations WHERE run_id = '{run_id}' AND dimension = 'group'
                   AND name LIKE 'shell-%' ORDER BY name""").fetchall()
shells = [a[0] for a in alloc]
per_sat_premium = [a[3] / 50_000 for a in alloc]
plots.bar_figure(shells, per_sat_premium, "Technical premium per satellite by shell",
                 "USD per satellite-year", unit=1e3, unit_label="USD thousands", log=False)

# %% [markdown]
# ## The tail
# Aggregate (AEP) and occurrence (OEP) exceedance curves with their Monte Carlo bands.

# %%
aep = ro.sql(f"SELECT loss FROM ylt WHERE run_id = '{run_id}' ORDER BY year").fetchnumpy()["loss"]
occ = np.zeros(len(aep))
top = ro.sql(f"SELECT year, max(coalesce(gross_loss, loss)) AS m FROM elt "
             f"WHERE run_id = '{run_id}' GROUP BY year").fetchnumpy()
occ[top["year"] - 1] = top["m"]
fig = plots.ep_curve_figure({"AEP": aep, "OEP": occ},
                            title="One million satellites: exceedance probability")
ro.close()
fig
