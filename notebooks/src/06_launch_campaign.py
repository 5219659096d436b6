# %% [markdown]
# # Insuring a constellation while it is built: launch + 1 year
#
# The money at risk in the next years is in launches and deployment. `portfolios/buildout.toml`
# launches 15,000 data-centre satellites over 2027-2030: 40 heavy-lift launches of 250
# satellites, 50 medium-lift launches of 60 and 20 launches on a vehicle that has never flown.
# Each satellite is insured **launch + 1 year**: from ignition to one year after its launch,
# through three phases:
#
# * **launch** — the vehicle fails and every satellite on board is lost, in one occurrence;
# * **raising** — a geomagnetic storm while the satellites are low at the insertion orbit (as in
#   February 2022, when 38 of 49 new Starlinks re-entered), and bus failures while raising;
# * **first year in orbit** — the in-orbit perils (hardware, radiation, space weather).
#
# The launch failure probability of each vehicle family comes from the public launch record,
# through a hierarchical Bayesian model with a prior for new vehicles fitted to first flights.

# %%
from riskengine.notebook import setup

nb = setup(years=1_000, full_years=5_000)

# %% [markdown]
# ## The launch record and its posterior
# One row per vehicle family: flights, failures and partial failures to a dated `as_of`, and the
# source (`riskengine/data/launch/`). The fit is reused while the record and the model are
# unchanged.

# %%
import pandas as pd

from riskengine import bayes, plots, stages
from riskengine.launch_record import load_record, posterior_table
from riskengine.store import connect

rec = load_record()
pd.DataFrame(rec.rows)[["family", "flights", "successes", "partial", "failures",
                        "first_flight_outcome", "as_of", "orbital"]].style.hide(axis="index")

# %%
con = connect(nb.db)
fit_id = stages.fit(con, stages.Options(progress=nb.progress("fit")))
post = bayes.load_posterior(con, fit_id)
rows = posterior_table(post)
pd.DataFrame(rows)[["family", "flights", "failures", "partial", "as_of", "record_rate", "p_mean",
                    "p_q05", "p_q95", "p_first_mean"]].style.format(
    {k: "{:.2%}" for k in ("record_rate", "p_mean", "p_q05", "p_q95", "p_first_mean")},
    na_rep="—").hide(axis="index")

# %%
plots.launch_posterior_figure(rows)

# %% [markdown]
# Mature vehicles sit near their record; families with few flights are pulled towards the
# other families (partial pooling), and every first flight carries the fitted early-flight
# excess. Starship's record is suborbital test flights: the run is flagged.
#
# ## Price the build-out

# %%
from riskengine.config import load_portfolio
from riskengine.notebook import repo_path

p = load_portfolio(repo_path("portfolios", "buildout.toml"))
run_id = stages.price(con, p, stages.Options(years=nb.years, progress=nb.progress("pricing")))
con.execute("SELECT code, message FROM run_flags WHERE run_id = ?", [run_id]).df()

# %%
years = con.execute("SELECT * EXCLUDE (run_id) FROM campaign_years WHERE run_id = ? "
                    "ORDER BY calendar_year", [run_id]).df()
years[["calendar_year", "launches", "satellites", "lost_launch", "lost_raising", "lost_orbit",
       "premium_launch", "premium_raising", "premium_orbit", "largest_launch_loss",
       "pml_995"]].style.format(precision=1, thousands=",").hide(axis="index")

# %% [markdown]
# Expected satellites lost and premium per calendar year, by phase. The launch phase dominates:
# one failed heavy-lift launch is 250 satellites in one occurrence.

# %%
launches = con.execute("SELECT * EXCLUDE (run_id) FROM campaign_launches WHERE run_id = ? "
                       "ORDER BY launch", [run_id]).df()
plots.campaign_timeline_figure(launches["date"], launches["satellites"], list(launches["vehicle"]),
                               launches[["lost_launch", "lost_raising", "lost_orbit"]].to_numpy(),
                               title="Build-out 2027-2030")

# %%
plots.campaign_pml_figure(years["calendar_year"], years["aal"], years["pml_995"])

# %% [markdown]
# ## What the heavy-lift record is worth
# The same plan, launch and raising only, with Starship's failure probability fixed instead of
# taken from its test flights: the premium of the build-out moves with one number.

# %%
out = []
for fp in (None, 0.10, 0.03):
    q = p.model_copy(deep=True)
    q.perils = [x for x in q.perils if x.type in ("launch", "deployment")]
    for s in q.launch_schedule:
        if s.vehicle == "starship":
            s.failure_probability = fp
    rid = stages.simulate(con, q, stages.Options(years=nb.years))
    m = dict(con.execute("SELECT metric, value FROM metrics WHERE run_id = ?", [rid]).fetchall())
    out.append({"starship failure probability": "posterior" if fp is None else f"{fp:.0%}",
                "expected loss $bn": m["aal"] / 1e9, "1-in-200 $bn": m["var_0.995"] / 1e9,
                "premium $bn": m["premium"] / 1e9})
con.close()
pd.DataFrame(out).style.format(precision=2).hide(axis="index")
