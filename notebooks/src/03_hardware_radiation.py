# %% [markdown]
# # Hardware failure and radiation damage: the Bayesian models
#
# Orbital data centres have no loss history, so their failure rates come from evidence:
#
# * **bus failures** — a hierarchical Weibull over satellite families, anchored on Castet &
#   Saleh (2009, 1,584 satellites: infant mortality, shape ~0.45, R(1 yr) ~0.97) and early
#   Starlink experience;
# * **accelerator attrition** — ground GPU/TPU fleets (Meta's Llama 3 run: ~0.1 GPU faults
#   per GPU-year) with an in-orbit factor, and no repair in orbit;
# * **radiation** — the yearly total ionising dose behind aluminium shielding from physics
#   (NASA's AE-8/AP-8 trapped particles averaged over the orbit, solar particle events;
#   `riskengine dose`, not fitted) against a lognormal functional-failure dose by device
#   family, hierarchical over total-ionising-dose tests (Suncatcher TPU v6e HBM:
#   irregularities from ~2 krad(Si); TPU chip and Raspberry Pi SoC survivals).
#
# `riskengine fit` samples the three PyMC models (nutpie when installed), checks them with
# ArviZ (r-hat, effective sample size, divergences) and stores the posterior draws; a fit is
# reused while the evidence and the model code are unchanged. This notebook reuses the fit
# in your store when it is current (read-only), else fits into its scratch store.

# %%
from riskengine.notebook import setup

nb = setup()

# %%
import duckdb
import numpy as np

from riskengine import bayes, settings
from riskengine.evidence import load_evidence
from riskengine.store import connect

# $RISKENGINE_FIT_DRAWS shortens the chains; default 4 chains x 2,000 draws, the same
# settings as `riskengine price`, so a `make price` fit in your store is reused here
draws = settings.fit_draws()
fs = bayes.FitSettings(draws=draws, tune=min(1000, draws))
chash = bayes.content_hash(load_evidence(), fs)
db, run_id = nb.db, None
if nb.user_db.exists():
    with duckdb.connect(str(nb.user_db), read_only=True) as user:
        run_id = bayes.find_reusable_fit(user, chash)
    db = nb.user_db if run_id else nb.db
if run_id is None:
    with connect(nb.db) as con:
        run_id = bayes.fit(con, settings=fs)["run_id"]
ro = duckdb.connect(str(db), read_only=True)
post = bayes.load_posterior(ro, run_id)
print(f"fit {run_id} from {db}: {post.n_draws:,} posterior draws")

# %% [markdown]
# ## Convergence
# Every parameter's r-hat, bulk and tail effective sample size and the divergences, as
# stored in `fit_diagnostics`; the fit is only used when these pass.

# %%
ro.execute("""SELECT model, count(*) AS parameters, max(r_hat) AS max_r_hat,
                     min(ess_bulk) AS min_ess_bulk, min(ess_tail) AS min_ess_tail,
                     max(divergences) AS divergences
              FROM fit_diagnostics WHERE run_id = ? GROUP BY model ORDER BY model""",
           [run_id]).df()

# %% [markdown]
# ## The anchors: does the posterior reproduce the evidence?

# %%
for k, v in bayes.anchors(post).items():
    print(f"{k:24s} mean {v['mean']:.4g}   90 % interval [{v['q05']:.4g}, {v['q95']:.4g}]")

# %% [markdown]
# ## Prior vs posterior
# What the evidence taught the models: prior draws (PyMC `sample_prior_predictive` on the
# same models) against the posterior, for the bus Weibull shape, the ground accelerator
# fault rate, the in-orbit factor and the median radiation failure dose.

# %%
import pymc as pm
from matplotlib.figure import Figure

models = bayes.build_models(load_evidence())
pairs = [("bus", "mu_k", "log Weibull shape (mu_k)"),
         ("accelerator", "mu_l", "log ground fault rate /device-yr (mu_l)"),
         ("accelerator", "log_phi", "log in-orbit factor (log_phi)"),
         ("radiation", "mu_f0", "log median failure dose, rad, of a family (mu_f0)")]
fig = Figure(figsize=(13, 3), layout="constrained")
axes = fig.subplots(1, len(pairs))
for ax, (m, var, label) in zip(axes, pairs):
    prior = pm.sample_prior_predictive(draws=2000, model=models[m], random_seed=1,
                                       var_names=[var])
    pr = prior.prior[var].values.ravel()
    po = post.get(m, var)
    bins = np.linspace(*np.quantile(np.r_[pr, po], [0.005, 0.995]), 50)
    ax.hist(pr, bins, density=True, alpha=0.5, label="prior")
    ax.hist(po, bins, density=True, alpha=0.7, label="posterior")
    ax.set_title(label, fontsize=9)
axes[0].legend()
fig

# %% [markdown]
# ## Bus reliability by family

# %%
bayes.plot_reliability(post)

# %% [markdown]
# ## Dose behind shielding and accelerator failure with age
# The dose physics (AE-8/AP-8 orbit average, NIST kernels) against the SPENVIS table
# (points), then the probability that a device of the HBM (memory) family has reached its
# failure dose as the satellite ages, for several shieldings.

# %%
bayes.plot_dose_vs_shielding(altitude_km=550.0, inclination_deg=53.0, evidence=load_evidence())

# %%
bayes.plot_failure_vs_age(post, altitude_km=550.0, inclination_deg=53.0, family="memory")

# %% [markdown]
# ## What the loss engine receives
# For each fleet group, one annual hazard per posterior draw: bus failure probability in
# the insured year, expected accelerator attrition and radiation failure probability at the
# group's physics dose (trapped + expected solar protons; in a price the solar events are
# sampled year by year instead). The Monte Carlo engine uses one draw per simulated year, so
# parameter uncertainty reaches the tail of the loss distribution.

# %%
import datetime as dt

from riskengine.config import load_portfolio
from riskengine.notebook import repo_path

from riskengine.radiation_env import dose_rate

p = load_portfolio(repo_path("portfolios", "example.toml"))
doses = {g.name: float(dose_rate(g.altitude_km, g.inclination_deg,
                                 g.shielding_mm_al).rad_si_per_year[0]) for g in p.fleet}
print("yearly dose, rad(Si):", {k: round(v) for k, v in doses.items()})
hz = bayes.fleet_hazard_draws(post, p.fleet, as_of=p.simulation.inception or dt.date.today(),
                              doses=doses)
for k in ("hardware", "accelerator", "radiation"):   # annual probabilities per draw
    v = hz[k]
    q = np.quantile(v[:, 0], [0.05, 0.5, 0.95])
    print(f"{k:12s} mean {v[:, 0].mean():.3%}   5/50/95 % {q[0]:.3%} / {q[1]:.3%} / {q[2]:.3%}")
ro.close()
