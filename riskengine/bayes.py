"""Fitting orchestration of the Bayesian models, storage, and the loss-engine interface.

* :func:`fit_models` samples the three models (``bus``, ``accelerator``, ``radiation``)
  from an :class:`~riskengine.evidence.Evidence` — pure apart from sampling.
* :func:`fit` does the I/O: reuses a stored fit whose content hash (evidence files + model
  code + sampler settings) matches, else samples, saves each InferenceData as netCDF under
  ``fits/`` and writes ``posterior_draws``, ``fit_diagnostics`` and ``fits`` in one run.
* :func:`load_posterior` reads the latest complete fit back; :func:`fleet_hazard_draws`
  turns it into per-draw annual hazards per fleet group for the loss engine.
* ``plot_*`` helpers return matplotlib figures for notebooks.

Age assumption (``fleet_hazard_draws``): the insured year is ``[age, age + 1)`` where
``age`` is the satellite's age at ``as_of`` (default: today) from its ``launch_date``;
without a ``launch_date`` the group is a new launch (age 0: the first year in orbit).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from riskengine.core import radiation as rad
from riskengine.core import reliability as rel
from riskengine.core.posterior import (Posterior, anchors, failure_dose_draws,  # noqa: F401
                                       fleet_hazard_draws, group_age_years, tid_family)

MODELS = ("bus", "accelerator", "batch", "radiation", "launch")


@dataclass(frozen=True)
class FitSettings:
    """Sampler settings (part of the content hash).

    ``sampler='auto'`` uses nutpie when installed (compiles in seconds, samples ~10x
    faster here) and PyMC's NUTS otherwise.
    """

    draws: int = 2000
    tune: int = 1000
    chains: int = 4
    cores: int = 2
    target_accept: float = 0.99
    #: nutpie's ``low_rank_modified_mass_matrix``: the inverse mass matrix
    #: diag(s) (I + U (L - I) U^T) diag(s), adapted from the warm-up's draws and gradients
    #: (nuts-rs ``transform/adapt/low_rank.rs``), also learns the strongest posterior
    #: correlations. With the diagonal one the radiation model (a small ``sigma`` against
    #: ``tau_f``) diverged 1-2 times in half of the seeds (5 in 10 seeds of 8,000 draws);
    #: with it 0 in the same 10 seeds, bulk ESS alike (1,800-3,350). PyMC's NUTS has no
    #: such option: ``sampler='pymc'`` ignores it
    low_rank_mass_matrix: bool = True
    sampler: str = "auto"
    seed: int = 20260123

    def resolved_sampler(self) -> str:
        if self.sampler != "auto":
            return self.sampler
        # (whether it is installed, not imported: importing it takes seconds, and the
        # content hash of a reused fit, or of one sampled in another process, needs only
        # the name)
        from importlib.util import find_spec

        return "nutpie" if find_spec("nutpie") is not None else "pymc"


# --------------------------------------------------------------------------- building
def build_models(ev) -> dict:
    """The three PyMC models from an :class:`~riskengine.evidence.Evidence`.

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> sorted(build_models(load_evidence()))
    ['accelerator', 'batch', 'bus', 'launch', 'radiation']
    """
    from riskengine import models
    from riskengine.launch_record import load_record

    return {"bus": models.build_bus_model(ev.bus),
            "accelerator": models.build_accelerator_model(ev.accelerator, ev.assumptions),
            "batch": models.build_batch_model(ev.batch, ev.assumptions),
            "radiation": models.build_radiation_model(ev.beam),
            "launch": models.build_launch_model(load_record())}


def sample_model(model, settings: FitSettings = FitSettings(), seed: int | None = None):
    """Sample one PyMC model; returns ``(idata, timings)``.

    ``timings`` has ``compile_seconds`` and ``sampling_seconds`` (PyMC compiles inside
    ``pm.sample``: there all time counts as sampling and compile is 0).

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as m:
    ...     _ = pm.Normal("x")
    >>> idata, t = sample_model(m, FitSettings(draws=50, tune=50, chains=1, sampler="pymc"))
    >>> idata.posterior["x"].shape
    (1, 50)
    """
    seed = settings.seed if seed is None else seed
    sampler = settings.resolved_sampler()
    t0 = time.perf_counter()
    if sampler == "nutpie":
        import nutpie

        compiled = nutpie.compile_pymc_model(model)
        t1 = time.perf_counter()
        idata = nutpie.sample(compiled, draws=settings.draws, tune=settings.tune,
                              chains=settings.chains, cores=settings.cores, seed=seed,
                              target_accept=settings.target_accept, progress_bar=False,
                              low_rank_modified_mass_matrix=settings.low_rank_mass_matrix)
    elif sampler == "pymc":
        import pymc as pm

        t1 = t0
        with model:
            idata = pm.sample(draws=settings.draws, tune=settings.tune,
                              chains=settings.chains, cores=min(settings.cores,
                                                                settings.chains),
                              target_accept=settings.target_accept, random_seed=seed,
                              progressbar=False, compute_convergence_checks=False)
    else:
        raise ValueError(f"unknown sampler {sampler!r}; use auto, nutpie or pymc")
    t2 = time.perf_counter()
    return idata, {"compile_seconds": t1 - t0, "sampling_seconds": t2 - t1,
                   "sampler": sampler}


def _flat(idata, var):
    """(n_draws, *shape) array of a posterior variable, chains concatenated."""
    a = idata.posterior[var]
    return a.values.reshape((-1,) + a.shape[2:]), list(a.dims[2:])


def posterior_rows(idata, model_name: str) -> dict:
    """Long-format columns (model, draw, parameter, coord, value) of every posterior variable.

    Examples
    --------
    >>> import arviz as az
    >>> idata = az.from_dict(posterior={"x": np.zeros((2, 3))})
    >>> posterior_rows(idata, "m")["value"].shape
    (6,)
    """
    cols = {k: [] for k in ("model", "draw", "parameter", "coord", "value")}
    for var in idata.posterior.data_vars:
        vals, dims = _flat(idata, var)
        n = vals.shape[0]
        if not dims:
            coords, mat = [""], vals[:, None]
        else:
            coords = [str(c) for c in idata.posterior[var].coords[dims[0]].values]
            mat = vals.reshape(n, -1)
        for j, c in enumerate(coords):
            cols["model"].append(np.full(n, model_name, dtype=object))
            cols["draw"].append(np.arange(n))
            cols["parameter"].append(np.full(n, var, dtype=object))
            cols["coord"].append(np.full(n, c, dtype=object))
            cols["value"].append(mat[:, j].astype(float))
    return {k: np.concatenate(v) for k, v in cols.items()}


def prior_sds(model, draws: int = 4000, seed: int = 0) -> dict:
    """Prior standard deviation of every free and deterministic variable of ``model``:
    ``{(name, coord): sd}`` from forward sampling of the prior.

    Potentials (weighted and borrowed evidence) are likelihood terms and are not part of
    the prior.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as m:
    ...     _ = pm.Normal("x", 0, 2)
    >>> round(prior_sds(m)[("x", "")], 1)
    2.0
    """
    import logging
    import warnings

    import pymc as pm

    names = [v.name for v in model.free_RVs] + [v.name for v in model.deterministics]
    log = logging.getLogger("pymc")
    level = log.level
    log.setLevel(logging.WARNING)     # no "Sampling: [...]" line on the user's terminal
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prior = pm.sample_prior_predictive(draws=draws, model=model, var_names=names,
                                               random_seed=seed).prior
    finally:
        log.setLevel(level)
    out = {}
    for var in prior.data_vars:
        a = prior[var]
        vals = a.values.reshape((-1,) + a.shape[2:])
        if vals.ndim == 1:
            out[(var, "")] = float(np.std(vals))
        else:
            coords = [str(c) for c in a.coords[a.dims[2]].values]
            flat = vals.reshape(vals.shape[0], -1)
            for j, c in enumerate(coords):
                out[(var, c)] = float(np.std(flat[:, j]))
    return out


def contraction(posterior_sd, prior_sd):
    """Posterior contraction ``1 - var_post / var_prior`` (Schad, Betancourt & Vasishth,
    Toward a principled Bayesian workflow in cognitive science, Psychological Methods
    26(1), 2021): near 0 the data did not inform the parameter, its posterior is its prior.

    Examples
    --------
    >>> round(float(contraction(0.95, 1.0)), 4), round(float(contraction(0.1, 1.0)), 2)
    (0.0975, 0.99)
    """
    post = np.asarray(posterior_sd, float)
    prior = np.asarray(prior_sd, float)
    return np.where(prior > 0, 1.0 - (post / np.where(prior > 0, prior, 1.0)) ** 2, np.nan)


#: Below this contraction a parameter's posterior is dominated by its prior.
PRIOR_DOMINATED = 0.1

#: The parameters that move a price, per model (the prior-dominance check reads these).
KEY_PARAMETERS = {
    "bus": ("log_h1", "shape"),
    "accelerator": ("log_rate_ground", "log_phi", "permanent_share"),
    "batch": ("defect_probability", "affected_mean", "lost_mean", "independent_failure"),
    "radiation": ("mu_f", "sigma", "mu_f0", "tau_f"),
}


def mean_mcse(x, chains: int = 1) -> tuple[float, float]:
    """MCMC standard error and effective sample size of the posterior mean of a per-draw
    statistic ``x`` whose draws are ``chains`` chains back to back: ``(mcse, ess)``.

    ArviZ's ``mcse`` and ``ess`` (method "mean") on the ``(chains, draws)`` array: the
    autocorrelation within each chain counts, so a sample of correlated draws has an
    error larger than ``sd / sqrt(n)``. NaN for fewer than 4 draws a chain.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> se, ess = mean_mcse(rng.standard_normal(8000), chains=4)   # independent draws
    >>> bool(abs(se * np.sqrt(8000) - 1) < 0.05), bool(6000 < ess < 10000)
    (True, True)
    >>> walk = np.cumsum(rng.standard_normal(8000)) * 0.05 + rng.standard_normal(8000)
    >>> bool(mean_mcse(walk, chains=4)[1] < 1000)               # correlated: far fewer
    True
    """
    import arviz as az

    x = np.asarray(x, float)
    c = max(1, int(chains))
    n = len(x) // c
    if n < 4 or not np.all(np.isfinite(x)):
        return float("nan"), float("nan")
    a = x[:n * c].reshape(c, n)
    if np.ptp(a) == 0:
        return 0.0, float(n * c)
    se = float(np.asarray(az.mcse(a, method="mean")).ravel()[0])
    ess = float(np.asarray(az.ess(a, method="mean")).ravel()[0])
    return se, ess


def diagnostics(idata, model_name: str, timings: dict, prior_sd: dict | None = None) -> dict:
    """Columns of ``fit_diagnostics``: r_hat, ESS, divergences, timings and the posterior
    contraction against the prior per parameter."""
    import arviz as az

    s = az.summary(idata, kind="all", round_to="none", hdi_prob=0.9)
    div = int(idata.sample_stats["diverging"].values.sum())
    prior_sd = prior_sd or {}
    rows = {k: [] for k in ("model", "parameter", "coord", "mean", "sd", "q05", "q95",
                            "r_hat", "ess_bulk", "ess_tail", "divergences",
                            "sampling_seconds", "compile_seconds", "sampler", "prior_sd",
                            "contraction")}
    for label, r in s.iterrows():
        name, _, coord = str(label).partition("[")
        coord = coord.rstrip("]")
        rows["model"].append(model_name)
        rows["parameter"].append(name)
        rows["coord"].append(coord)
        rows["mean"].append(float(r["mean"]))
        rows["sd"].append(float(r["sd"]))
        rows["q05"].append(float(r["hdi_5%"]))
        rows["q95"].append(float(r["hdi_95%"]))
        rows["r_hat"].append(float(r["r_hat"]))
        rows["ess_bulk"].append(float(r["ess_bulk"]))
        rows["ess_tail"].append(float(r["ess_tail"]))
        rows["divergences"].append(div)
        rows["sampling_seconds"].append(timings["sampling_seconds"])
        rows["compile_seconds"].append(timings["compile_seconds"])
        rows["sampler"].append(timings["sampler"])
        psd = prior_sd.get((name, coord), np.nan)
        rows["prior_sd"].append(psd)
        rows["contraction"].append(float(contraction(float(r["sd"]), psd)))
    return {k: np.asarray(v, dtype=object if k in ("model", "parameter", "coord", "sampler")
                          else float if k != "divergences" else np.int64)
            for k, v in rows.items()}


def fit_models(ev, settings: FitSettings = FitSettings(), models=MODELS, progress=None):
    """Sample the models; returns ``{name: (idata, timings, prior_sd)}``.

    ``progress(name)`` is called before each model (for a progress display).
    """
    built = build_models(ev)
    out = {}
    for i, name in enumerate(models):
        if progress:
            progress(name)
        idata, timings = sample_model(built[name], settings, seed=settings.seed + i)
        out[name] = (idata, timings, prior_sds(built[name], seed=settings.seed + i))
    return out


# --------------------------------------------------------------------------- batch checks
def batch_predictive(idata, n) -> np.ndarray:
    """Posterior predictive first-year failures of batches of ``n`` satellites:
    ``(n_draws, len(n))`` from the batch model's draws (defect or not, then binomial).

    Examples
    --------
    >>> import arviz as az
    >>> post = {k: np.full((1, 4), v) for k, v in dict(independent_failure=0.0,
    ...         defect_probability=1.0, affected_mean=1.0, lost_mean=1.0).items()}
    >>> batch_predictive(az.from_dict(posterior=post), [5]).ravel().tolist()
    [5, 5, 5, 5]
    """
    post = idata.posterior
    p = post["independent_failure"].values.ravel()
    q = post["defect_probability"].values.ravel()
    share = post["affected_mean"].values.ravel() * post["lost_mean"].values.ravel()
    rng = np.random.default_rng(12345)
    n = np.asarray(n, int)
    defect = rng.random((len(p), len(n))) < q[:, None]
    pp = np.where(defect, (p + (1 - p) * share)[:, None], p[:, None])
    return rng.binomial(n[None, :], pp)


def batch_checks(ev, settings: FitSettings = FitSettings(), constellation: str = "starlink",
                 n_early: int = 3) -> dict:
    """Predictive checks of the batch-defect model on one constellation's record.

    * ``later``: fitted to the first ``n_early`` production batches (by launch date; every
      other constellation's batches are left out too) the 90 % predictive interval of each
      later batch's first-year failures, and whether it covers the observed count;
    * ``first``: fitted to every batch but the constellation's first, the predictive
      probability of seeing at least its failures: below 0.05 the first batch is an
      outlier (a prototype or defect batch).

    Returns ``{"rows": columns of fit_checks, "first_outlier": bool}``.
    """
    from riskengine import models

    b = ev.batch
    order = [i for i in np.argsort([str(d) for d in b.launch_date], kind="stable")
             if b.constellation[i] == constellation]
    own = [i for i in order if b.role[i] in ("fit", "defect")]
    early, later, first = own[:n_early], own[n_early:], order[0]
    cols = {k: [] for k in ("model", "check_name", "subject", "n", "observed", "q05", "q95",
                            "p_value", "passed", "fitted_to")}

    def add(check, i, q05, q95, pval, ok, fitted):
        cols["model"].append("batch")
        cols["check_name"].append(check)
        cols["subject"].append(b.batch_id[i])
        cols["n"].append(int(b.n[i]))
        cols["observed"].append(int(b.y[i]))
        cols["q05"].append(float(q05))
        cols["q95"].append(float(q95))
        cols["p_value"].append(float(pval))
        cols["passed"].append(bool(ok))
        cols["fitted_to"].append(fitted)

    idata, _ = sample_model(models.build_batch_model(b, ev.assumptions, batches=early),
                            settings, seed=settings.seed + 101)
    sims = batch_predictive(idata, b.n[later])
    names = ", ".join(b.batch_id[i] for i in early)
    for j, i in enumerate(later):
        lo, hi = np.quantile(sims[:, j], [0.05, 0.95])
        pval = float(np.mean(sims[:, j] >= b.y[i]))
        add("predicts_later_batch", i, lo, hi, pval, lo <= b.y[i] <= hi, names)
    rest = [i for i in range(len(b.n)) if i != first]
    idata, _ = sample_model(models.build_batch_model(b, ev.assumptions, batches=rest),
                            settings, seed=settings.seed + 102)
    sims = batch_predictive(idata, [b.n[first]])[:, 0]
    lo, hi = np.quantile(sims, [0.05, 0.95])
    pval = float(np.mean(sims >= b.y[first]))
    add("first_batch_outlier", first, lo, hi, pval, pval >= 0.05,
        f"every batch but {b.batch_id[first]}")
    return {"rows": cols, "first_outlier": pval < 0.05}


# --------------------------------------------------------------------------- hashing + I/O
def content_hash(ev, settings: FitSettings) -> str:
    """SHA-256 of the evidence files, the model code and the sampler settings.

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> len(content_hash(load_evidence(), FitSettings()))
    64
    """
    from riskengine import launch_record

    h = hashlib.sha256(ev.content_hash().encode())
    h.update(launch_record.load_record().content_hash().encode())
    h.update(Path(launch_record.__file__).read_bytes())
    h.update(Path(__import__("riskengine.core.campaign", fromlist=["x"]).__file__).read_bytes())
    for mod in (rel, rad, __import__("riskengine.models", fromlist=["x"]),
                __import__("riskengine.evidence", fromlist=["x"])):
        h.update(Path(mod.__file__).read_bytes())
    used = dict(settings.__dict__)
    if settings.resolved_sampler() == "pymc":   # PyMC's NUTS ignores it: no refit for it
        used.pop("low_rank_mass_matrix")
    h.update(json.dumps(used, sort_keys=True).encode())
    return h.hexdigest()


def find_reusable_fit(con, chash: str) -> str | None:
    """run_id of a complete fit with this content hash covering every model, else None."""
    try:
        rows = con.execute("""
            SELECT f.run_id FROM fits f JOIN runs r USING (run_id)
            WHERE r.status = 'complete' AND f.content_hash = ?
            GROUP BY f.run_id, r.created_at HAVING count(DISTINCT f.model) = ?
            ORDER BY r.created_at DESC LIMIT 1""", [chash, len(MODELS)]).fetchall()
        row = rows[0] if rows else None
    except Exception:  # table missing in an old store
        return None
    return row[0] if row else None


def _default_fits_dir(con) -> Path:
    """``fits/`` beside the connection's database file (``./fits`` when in memory)."""
    try:
        rows = con.execute("SELECT path FROM duckdb_databases() "
                           "WHERE database_name = current_database()").fetchall()
        if rows and rows[0][0]:
            return Path(rows[0][0]).resolve().parent / "fits"
    except Exception:  # noqa: BLE001 - older DuckDB without duckdb_databases().path
        pass
    return Path("fits")


def sample_fit(settings: FitSettings = FitSettings(), evidence=None, progress=None,
               models=MODELS):
    """The fit's sampling alone, no store: ``(content hash, models, batch checks)``, what
    :func:`fit` stores. A pure function of the evidence and the settings, so it may run in
    a process of its own while the caller computes something else (``riskengine price``
    samples while the hazards stage runs: :func:`riskengine.stages.price`).

    ``evidence``: default :func:`riskengine.evidence.load_evidence` (shipped evidence only);
    ``models``: the models to sample (default all, :data:`MODELS`).
    """
    from riskengine.evidence import load_evidence

    ev = evidence if evidence is not None else load_evidence()
    results = fit_models(ev, settings, models=models, progress=progress)
    checks = batch_checks(ev, settings) if "batch" in results else None
    return content_hash(ev, settings), results, checks


def fit(con, *, evidence=None, settings: FitSettings = FitSettings(), force=False,
        fits_dir=None, progress=None, sampled=None) -> dict:
    """Fit (or reuse) the models and store them; returns a dict with run_id and reuse flag.

    Parameters
    ----------
    con : duckdb connection
    evidence : Evidence, optional
        Default: :func:`riskengine.evidence.load_evidence` (shipped evidence only).
    force : bool
        Resample even when a fit with the same content hash exists.
    fits_dir : path, optional
        Folder for the netCDF InferenceData files (default ``fits/`` beside the database
        file; ``./fits`` for an in-memory database).
    sampled : tuple, optional
        What :func:`sample_fit` returned for the same evidence and settings (sampled
        elsewhere, e.g. in another process): stored as it is. One of another content
        hash is ignored and the models are sampled here.
    """
    from riskengine.evidence import load_evidence
    from riskengine.store import run as store_run

    ev = evidence if evidence is not None else load_evidence()
    chash = content_hash(ev, settings)
    if not force:
        existing = find_reusable_fit(con, chash)
        if existing:
            return {"run_id": existing, "reused": True, "content_hash": chash}
    if sampled is not None and sampled[0] == chash:
        _, results, checks = sampled
    else:
        results = fit_models(ev, settings, progress=progress)
        checks = batch_checks(ev, settings) if "batch" in results else None
    fits_dir = Path(fits_dir) if fits_dir is not None else _default_fits_dir(con)
    fits_dir.mkdir(parents=True, exist_ok=True)
    from riskengine.launch_record import record_summary

    config = {"settings": settings.__dict__, "content_hash": chash,
              "assumptions": {**ev.assumptions, "launch_record": record_summary()}, "subsystems": ev.subsystems,
              "families_with_evidence": families_with_evidence(ev), "evidence_files": [str(p) for p in ev.files],
              "bus_families": ev.bus.families, "accelerator_families": ev.accelerator.families,
              "tid_families": ev.beam.families}
    with store_run(con, "fit", config=config, seed=settings.seed) as h:
        for name, (idata, timings, psd) in results.items():
            nc = fits_dir / f"{name}-{chash[:16]}-{h.run_id}.nc"
            idata.to_netcdf(str(nc))
            h.write("posterior_draws", _with_run(posterior_rows(idata, name), h.run_id))
            diag = diagnostics(idata, name, timings, psd)
            h.write("fit_diagnostics", _with_run(diag, h.run_id))
            for code, message in fit_flags(name, diag):
                h.flag(code, message)
            h.write("fits", _with_run({
                "model": np.array([name], dtype=object),
                "content_hash": np.array([chash], dtype=object),
                "netcdf_path": np.array([str(nc)], dtype=object),
                "chains": np.array([settings.chains]), "draws": np.array([settings.draws]),
                "evidence_files": np.array([",".join(p.name for p in ev.files)],
                                           dtype=object)}, h.run_id))
            h.stats[f"{name}_seconds"] = timings["compile_seconds"] + timings[
                "sampling_seconds"]
            h.stats[f"{name}_divergences"] = int(diag["divergences"][0])
        if checks is not None:
            h.write("fit_checks", _with_run({k: np.asarray(v, dtype=object if k in (
                "model", "check_name", "subject", "fitted_to") else None)
                for k, v in checks["rows"].items()}, h.run_id))
            if checks["first_outlier"]:
                i = checks["rows"]["check_name"].index("first_batch_outlier")
                h.flag("batch_outlier", (
                    f"batch {checks['rows']['subject'][i]}: {checks['rows']['observed'][i]} "
                    f"of {checks['rows']['n'][i]} satellites failed in their first year, "
                    f"predicted 90 % interval {checks['rows']['q05'][i]:.0f}-"
                    f"{checks['rows']['q95'][i]:.0f} from the other batches (p = "
                    f"{checks['rows']['p_value'][i]:.3f}): an outlying first batch"), "info")
        run_id = h.run_id
    return {"run_id": run_id, "reused": False, "content_hash": chash}


def fit_flags(model: str, diag: dict) -> list[tuple[str, str]]:
    """Warnings of one model's fit: convergence (R-hat > 1.01, bulk ESS < 400,
    divergences) and key parameters whose posterior is dominated by the prior
    (contraction < :data:`PRIOR_DOMINATED`).

    Examples
    --------
    >>> d = dict(parameter=np.array(["log_phi"], object), coord=np.array([""], object),
    ...          r_hat=np.array([1.0]), ess_bulk=np.array([5000.0]),
    ...          divergences=np.array([0]), contraction=np.array([0.0]))
    >>> [c for c, _ in fit_flags("accelerator", d)]
    ['prior_dominated']
    """
    out = []
    bad = [f"{p}[{c}]" if c else p for p, c, r, e in zip(
        diag["parameter"], diag["coord"], diag["r_hat"], diag["ess_bulk"])
        if not (r <= 1.01 and e >= 400)]
    div = int(np.max(diag["divergences"])) if len(diag["divergences"]) else 0
    if bad or div:
        out.append(("fit_not_converged", (
            f"{model} fit: " + (f"{len(bad)} parameter(s) with R-hat > 1.01 or bulk ESS < 400 "
                                f"({', '.join(bad[:5])})" if bad else "")
            + ("; " if bad and div else "") + (f"{div} divergent transitions" if div else "")
            + "; refit with more draws (RISKENGINE_FIT_DRAWS) or check the evidence")))
    keys = KEY_PARAMETERS.get(model, ())
    weak = [(f"{p}[{c}]" if c else p, float(k)) for p, c, k in zip(
        diag["parameter"], diag["coord"], diag["contraction"])
        if p in keys and np.isfinite(k) and k < PRIOR_DOMINATED]
    if weak:
        out.append(("prior_dominated", (
            f"{model}: posterior = prior for " + ", ".join(
                f"{n} (contraction {k:.2f})" for n, k in weak)
            + ": the evidence does not inform it, the price rests on its prior (a named "
            "assumption; see the sensitivity section)")))
    return out


def families_with_evidence(ev) -> dict:
    """``{"bus": [...], "accelerator": [...], "radiation": [...]}``: families with records
    of their own (a borrowed published fit counts for its family; radiation: the TID device
    families of ``tid_devices.csv`` and the user's beam tests).

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> fams = families_with_evidence(load_evidence())
    >>> fams["accelerator"], fams["radiation"]
    (['gpu', 'k20x'], ['memory', 'tpu', 'soc'])
    """
    b, a = ev.bus, ev.accelerator
    bus = set(np.asarray(b.batch_family).tolist()) | set(np.asarray(b.unit_family).tolist())
    bus_names = [f for i, f in enumerate(b.families) if i in bus or f in (b.borrowed or {})]
    acc = set(np.asarray(a.family).tolist())
    return {"bus": bus_names, "accelerator": [f for i, f in enumerate(a.families) if i in acc],
            "radiation": list(ev.beam.families)}


def _with_run(cols: dict, run_id: str) -> dict:
    n = len(next(iter(cols.values())))
    return {"run_id": np.full(n, run_id, dtype=object), **cols}


def load_posterior(con, run_id: str | None = None) -> Posterior:
    """The posterior draws of the latest complete fit (or of ``run_id``) from DuckDB.

    Raises a ``LookupError`` telling to run ``riskengine fit`` when there is none.
    """
    if run_id is None:
        rows = con.execute("""SELECT run_id FROM runs WHERE kind = 'fit' AND status = 'complete'
                              AND run_id IN (SELECT run_id FROM posterior_draws)
                              ORDER BY created_at DESC LIMIT 1""").fetchall()
        row = rows[0] if rows else None
        if row is None:
            raise LookupError("no complete fit in this store: run `riskengine fit --db DB` "
                              "(or `make fit`) first")
        run_id = row[0]
    tbl = con.execute("""SELECT model, parameter, coord, value FROM posterior_draws
                         WHERE run_id = ? ORDER BY model, parameter, coord, draw""",
                      [run_id]).fetchnumpy()
    if len(tbl["value"]) == 0:
        raise LookupError(f"run {run_id} has no posterior draws")
    model, param, coord = (np.asarray(tbl[k], dtype=object)
                           for k in ("model", "parameter", "coord"))
    value = np.asarray(tbl["value"], float)
    key = np.char.add(np.char.add(model.astype(str), "\x00"),
                      np.char.add(np.char.add(param.astype(str), "\x00"), coord.astype(str)))
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    values: dict = {}
    for s, e in zip(starts, ends):
        values.setdefault(model[s], {})[(param[s], coord[s])] = value[s:e]
    cfg = con.execute("SELECT config FROM runs WHERE run_id = ?", [run_id]).fetchall()[0][0]
    cfg = json.loads(cfg) if cfg else {}
    assumptions = cfg.get("assumptions", {})
    subsystems = cfg.get("subsystems", [])
    if not assumptions or not subsystems:
        from riskengine.evidence import evidence_dir, read_assumptions, read_subsystems
        assumptions = assumptions or read_assumptions(evidence_dir() / "assumptions.toml")
        subsystems = subsystems or read_subsystems(evidence_dir() / "subsystems.csv")
    return Posterior(run_id=run_id, values=values, assumptions=assumptions,
                     subsystems=subsystems,
                     evidence_families=cfg.get("families_with_evidence", {}),
                     chains=int((cfg.get("settings") or {}).get("chains") or 1))


# --------------------------------------------------------------------------- summaries/plots
def _band(ax, x, draws, label, color=None):
    lo, med, hi = np.quantile(draws, [0.05, 0.5, 0.95], axis=0)
    line, = ax.plot(x, med, label=f"{label} (median)", color=color)
    ax.fill_between(x, lo, hi, alpha=0.25, color=line.get_color(), label=f"{label} 90 % CI")


def plot_reliability(post, families=None, years=15.0):
    """Bus reliability ``R(t)`` per family with 90 % credible bands; returns a Figure."""
    import matplotlib.pyplot as plt

    t = np.linspace(0, years, 200)
    fig, ax = plt.subplots(figsize=(7, 4))
    for f in families or post.coords("bus", "log_h1"):
        h1 = np.exp(post.get("bus", "log_h1", f))[:, None]
        k = post.get("bus", "shape", f)[:, None]
        _band(ax, t, rel.weibull_survival(t[None, :], h1, k), f)
    ax.axhline(0.97, ls=":", color="grey", lw=1)
    ax.annotate("Castet & Saleh R(1 yr) ≈ 0.97", (1, 0.97), fontsize=8, color="grey")
    ax.set(xlabel="age (years)", ylabel="reliability R(t)", title="Satellite bus reliability")
    ax.legend(fontsize=8)
    return fig


def plot_dose_vs_shielding(altitude_km=550.0, inclination_deg=53.0, evidence=None):
    """Yearly dose vs Al shielding from the AE-8/AP-8 physics (trapped parts and the
    expected solar protons) with the SPENVIS 550 km evidence when given; a Figure.

    Not a posterior: the dose is computed, not fitted (:mod:`riskengine.radiation_env`).
    """
    import matplotlib.pyplot as plt

    from riskengine.radiation_env import dose_rate

    t = np.geomspace(0.5, 20, 60)
    r = dose_rate(altitude_km, inclination_deg, t)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(t, r.rad_si_per_year, color="k", label="total (trapped + mean solar protons)")
    for part, label in (("trapped_protons", "trapped protons"),
                        ("trapped_electrons", "trapped electrons"),
                        ("bremsstrahlung", "bremsstrahlung"),
                        ("solar_protons", "solar protons (expected, active year)")):
        ax.plot(t, getattr(r, part), ls="--", lw=1, label=label)
    if evidence is not None and getattr(evidence, "dose_depth", None) is not None:
        e = evidence.dose_depth
        mid = np.sqrt(e.dose_low * e.dose_high)
        ax.errorbar(e.shielding_mm, mid, yerr=[mid - e.dose_low, e.dose_high - mid],
                    fmt="o", color="k", label="SPENVIS 550 km (trapped)")
    ax.set(xscale="log", yscale="log", xlabel="shielding (mm Al)", ylabel="dose (rad(Si)/yr)",
           title=f"Total ionising dose vs shielding, {altitude_km:g} km, {inclination_deg:g}° "
                 "(AE-8/AP-8)")
    ax.set_ylim(1e-2, None)
    ax.legend(fontsize=8)
    return fig


def plot_failure_vs_age(post, altitude_km=650.0, inclination_deg=98.0,
                        shieldings=(3.0, 5.0, 10.0), years=10.0, family="memory"):
    """Functional-failure probability of a device of ``family`` vs age per shielding at the
    orbit's physics dose (trapped + expected solar protons), 90 % posterior bands."""
    import matplotlib.pyplot as plt

    from riskengine.radiation_env import dose_rate

    age = np.linspace(0, years, 100)
    fig, ax = plt.subplots(figsize=(7, 4))
    mu, s = (x[:, None] for x in failure_dose_draws(post, family))
    rates = dose_rate(altitude_km, inclination_deg, list(shieldings)).rad_si_per_year
    for sh, rate in zip(shieldings, rates):
        _band(ax, age, rad.failure_probability_by_age(age[None, :], rate, mu, s),
              f"{sh:g} mm Al ({rate:,.0f} rad/yr)")
    ax.set(xlabel="age (years)", ylabel="P(functional failure)", yscale="log",
           title=f"Radiation: {family} failure vs age ({altitude_km:g} km, "
                 f"{inclination_deg:g}°)")
    ax.set_ylim(1e-6, 1)
    ax.legend(fontsize=8)
    return fig


def diagnostics_table(con, run_id: str | None = None):
    """Rows of ``fit_diagnostics`` of the latest (or given) fit run as a list of dicts."""
    if run_id is None:
        run_id = load_posterior_run_id(con)
    cur = con.execute("SELECT * FROM fit_diagnostics WHERE run_id = ? ORDER BY model, "
                      "parameter, coord", [run_id])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def load_posterior_run_id(con) -> str:
    rows = con.execute("""SELECT run_id FROM runs WHERE kind='fit' AND status='complete'
                          ORDER BY created_at DESC LIMIT 1""").fetchall()
    row = rows[0] if rows else None
    if row is None:
        raise LookupError("no complete fit: run `riskengine fit --db DB` first")
    return row[0]


# --------------------------------------------------------------------------- recovery study
RECOVERY_TRUTH = {
    "bus": {("log_h1", "a"): np.log(0.03), ("log_h1", "b"): np.log(0.06),
            ("shape", "a"): 0.5, ("shape", "b"): 0.7},
    "accelerator": {("rate_ground", "gpu"): 0.1, ("rate_ground", "tpu"): 0.05,
                    ("log_phi", ""): np.log(2.5)},
    "batch": {("defect_probability", ""): 0.1, ("affected_mean", ""): 0.7,
              ("lost_mean", ""): 0.4, ("independent_failure", ""): 0.02},
    "radiation": {("mu_f", "a"): np.log(3000.0), ("mu_f", "b"): np.log(8000.0),
                  ("sigma", ""): 0.35, ("gap", ""): 1.0},
}


def simulate_evidence(rng, assumptions, truth=RECOVERY_TRUTH):
    """Evidence simulated from known parameters (``truth``) for a parameter-recovery study.

    Bus: 1,500 units per family, follow-up uniform 1-8 yr. Accelerators: ground and
    in-orbit exposure for two families. Radiation: for each of two device families a
    stepped (500 rad) beam test of 40 devices to 15 krad for each failure mode.

    Examples
    --------
    >>> from riskengine.evidence import load_evidence
    >>> ev = simulate_evidence(np.random.default_rng(0), load_evidence().assumptions)
    >>> ev.bus.families
    ['a', 'b']
    """
    from riskengine import evidence as E

    tb, ta, tr = truth["bus"], truth["accelerator"], truth["radiation"]
    fam, times, failed = [], [], []
    for i, f in enumerate(("a", "b")):
        t, d = rel.simulate_bus_units(rng, 1500, np.exp(tb[("log_h1", f)]), tb[("shape", f)],
                                      rng.uniform(1, 8, 1500))
        fam.append(np.full(1500, i)), times.append(t), failed.append(d)
    bus = E.BusEvidence(families=["a", "b"], unit_family=np.concatenate(fam),
                        unit_time=np.concatenate(times), unit_failed=np.concatenate(failed),
                        unit_mode=["sim"] * 3000)
    af = np.array([0, 1, 0, 1])
    orbit = np.array([False, False, True, True])
    expo = np.array([2000.0, 500.0, 200.0, 100.0])
    lam = np.array([ta[("rate_ground", "gpu")], ta[("rate_ground", "tpu")]])[af] * np.where(
        orbit, np.exp(ta[("log_phi", "")]), 1.0)
    acc = E.AcceleratorEvidence(families=["gpu", "tpu"], family=af, in_orbit=orbit,
                                device_years=expo, faults=rng.poisson(expo * lam),
                                kind=np.ones(4, int), weight=np.ones(4))
    tbat = truth.get("batch", RECOVERY_TRUTH["batch"])
    nb = np.full(300, 50)
    yrs = np.full(300, 3.0)
    ndef = rng.poisson(-np.log1p(-tbat[("defect_probability", "")]) * yrs)
    yb = rng.binomial(nb, tbat[("independent_failure", "")])
    units = np.full(30, 20)
    aff = rng.binomial(units, rng.beta(4 * tbat[("affected_mean", "")],
                                       4 * (1 - tbat[("affected_mean", "")]), 30))
    lost = rng.binomial(aff, rng.beta(4 * tbat[("lost_mean", "")],
                                      4 * (1 - tbat[("lost_mean", "")]), 30))
    batch = E.BatchEvidence(
        batch_id=[f"b{i}" for i in range(300)], constellation=["sim"] * 300,
        launch_date=[dt.date(2020, 1, 1)] * 300, n=nb, y=yb, role=["fit"] * 300,
        defects=ndef, years=yrs,
        defect_id=[f"d{i}" for i in range(30)], defect_units=units, defect_affected=aff,
        affected_known=np.ones(30, bool), defect_lost=lost, lost_known=np.ones(30, bool),
        partial_share=np.full(30, np.nan))
    los, his, modes, fams = [], [], [], []
    for f in ("a", "b"):
        for mode, shift in (("functional", 0.0), ("hard", tr[("gap", "")])):
            lo, hi = rad.simulate_beam_intervals(rng, 40, tr[("mu_f", f)] + shift,
                                                 tr[("sigma", "")], 500.0)
            los.append(lo), his.append(hi)
            modes += [mode] * 40
            fams += [f] * 40
    beam = E.BeamEvidence(mode=np.array(modes), family=fams, dose_low=np.concatenate(los),
                          dose_high=np.concatenate(his))
    return E.Evidence(bus=bus, accelerator=acc, batch=batch, subsystems=[], dose_depth=None,
                      beam=beam, seu=[], assumptions=assumptions, files=[])


def recovery_study(n_reps=10, seed=0, settings=FitSettings(chains=2, draws=500, tune=500),
                   models=MODELS, truth=RECOVERY_TRUTH, progress=None):
    """Fit simulated evidence ``n_reps`` times; 90 % interval coverage of each key parameter.

    Returns ``{(model, parameter, coord): [covered per replication]}`` (booleans).
    """
    from riskengine.evidence import evidence_dir, read_assumptions

    assumptions = read_assumptions(evidence_dir() / "assumptions.toml")
    rng = np.random.default_rng(seed)
    covered = {(m, p, c): [] for m in models for (p, c) in truth[m]}
    for rep in range(n_reps):
        ev = simulate_evidence(rng, assumptions, truth)
        res = fit_models(ev, settings, models=models,
                         progress=(lambda m, r=rep: progress(r, m)) if progress else None)
        for m in models:
            idata = res[m][0]
            for (p, c), true in truth[m].items():
                x = idata.posterior[p]
                if c:
                    x = x.sel(family=c)
                lo, hi = np.quantile(x.values.ravel(), [0.05, 0.95])
                covered[(m, p, c)].append(bool(lo <= true <= hi))
    return covered
