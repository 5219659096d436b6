# %% [markdown]
# # Conjunctions: screening, collision probability and the debris flux
#
# The collision side of the engine in three views of the same fleet and catalog:
#
# 1. **screening** — SGP4-propagate the insured shell against every catalog object and
#    find each close approach (time of closest approach, miss distance, RTN components);
# 2. **collision probability** — Foster 2D Pc of every event with TLE covariance, and the
#    Alfano maximum Pc when the covariance is unknown;
# 3. **flux** — the long-term annual collision rate per satellite from the catalog's
#    spatial density, which is what the loss engine prices.
#
# The catalog comes from `$RISKENGINE_CATALOG`, then the shared 2023-10 Space-Track
# snapshot beside the repository, then your store or download cache (`make catalog`). The
# embedded default catalog has no element sets and cannot be screened: this notebook needs
# a real one. The screened shell is a 100-satellite slice of `portfolios/example.toml` over
# one day, so the notebook runs in seconds; use
# `riskengine screen portfolios/example.toml --days 7` for the whole fleet.

# %%
from riskengine.notebook import setup

nb = setup()

# %%
import numpy as np

from riskengine import plots
from riskengine.config import load_portfolio
from riskengine.notebook import notebook_catalog, repo_path

catalog = notebook_catalog()   # $RISKENGINE_CATALOG, the shared snapshot, or the store
print(f"{len(catalog):,} objects, reference epoch {catalog.reference_epoch}")

# %% [markdown]
# ## Screen a slice of the shell
# The portfolio is read from its TOML file and cut to 10 planes x 10 satellites; the screen
# is the same filter cascade `riskengine screen` runs (apogee/perigee filter, a coarse
# time grid with a k-d tree, TCA refinement on SGP4).

# %%
from riskengine.screen import screen_portfolio

p = load_portfolio(repo_path("portfolios", "example.toml"))
g = p.fleet[0]
g.planes, g.per_plane = 10, 10
s = screen_portfolio(p, catalog, days=1.0, threshold_km=5.0)
c = s.conjunctions
print({k: s.stats[k] for k in ("fleet_screened", "secondaries_after_apsis_filter",
                                "events_fleet_vs_catalog", "events_fleet_vs_fleet")})

# %%
import duckdb
import pyarrow as pa

events = {k: c[k] for k in ("primary_id", "secondary_id", "secondary_name", "secondary_class",
                            "tca", "miss_km", "rel_speed_km_s", "radial_km", "in_track_km",
                            "cross_track_km", "pc", "pc_max")}
tbl = pa.table({k: (v.astype("datetime64[us]") if k == "tca" else v) for k, v in events.items()})
duckdb.sql("SELECT secondary_name, secondary_class, tca, round(miss_km, 3) AS miss_km, "
           "round(rel_speed_km_s, 2) AS v_rel, pc, pc_max FROM tbl "
           "ORDER BY pc DESC NULLS LAST LIMIT 10").df()

# %%
plots.conjunction_timeline_figure(c["tca"], c["miss_km"], c["pc"],
                                  title="100 satellites at 550 km, one day")

# %% [markdown]
# ## Collision probability on the published reference cases
# The Pc kernel is checked in the test suite against the Alfano (2009) / CARA test cases;
# here one encounter of the screen is evaluated with both the Foster 2D probability and
# the maximum probability over unknown covariance scale (Alfano 2005).

# %%
from riskengine.core.pc import screening_pc  # noqa: F401  (what filled the pc columns above)

if len(c["pc"]):
    k = int(np.nanargmax(np.nan_to_num(c["pc"], nan=-1)))
    print(f"closest-risk event: {c['secondary_name'][k]} at {c['tca'][k]}, miss "
          f"{c['miss_km'][k]:.3f} km, Pc {c['pc'][k]:.2e}, max Pc {c['pc_max'][k]:.2e}")

# %% [markdown]
# ## From a week of conjunctions to an annual rate: the debris flux
# Screening shows the events of one window; pricing needs the long-run rate. The flux
# model spreads every catalog object over its orbit (altitude x latitude density) and
# integrates density x cross-section x relative speed. The profile below is the annual
# collision rate of one satellite (10 m combined radius) on a circular 53 deg orbit.

# %%
from riskengine.core.flux import altitude_profile, population_from_catalog

pop = population_from_catalog(catalog)
alt = np.arange(300.0, 1500.0, 10.0)
rate = altitude_profile(pop, alt, 53.0, 10.0)
print(f"550 km: {rate[np.searchsorted(alt, 550)]:.2e} collisions per satellite-year")
plots.hazard_altitude_figure(alt, rate, np.full(alt.size, "tracked catalog, 10 m"),
                             title="Collision rate vs altitude (53 deg, circular)")

# %% [markdown]
# ## The hazards the loss engine prices
# `compute_hazards` turns the flux into per-satellite annual rates for tracked-object
# collisions (after collision avoidance), untracked 1-10 cm debris (lethal and partial
# damage) and breakup clouds; these rows are what `riskengine price` simulates.

# %%
from riskengine.hazards import compute_hazards

p_full = load_portfolio(repo_path("portfolios", "example.toml"))
hz = compute_hazards(p_full, catalog)
rows = {k: hz.rows[k] for k in ("peril", "scope", "method", "annual_rate",
                                 "hit_probability", "severity", "notes")}
hz_tbl = pa.table(rows)
duckdb.sql("SELECT peril, scope, method, annual_rate, hit_probability, severity "
           "FROM hz_tbl ORDER BY annual_rate DESC").df()
