"""The stage layer: every stage of the pipeline is one library call that writes one run.

=================  =========================================================  ===============
stage              what it does                                               writes
=================  =========================================================  ===============
:func:`load_catalog`  parse, validate and store element-set files             ``catalog_*``
:func:`screen`     conjunction screening of the fleet on the catalog          ``fleet``,
                                                                              ``conjunctions``
:func:`hazards`    every peril's hazard rows (flux, screening, storms)        ``hazards``
:func:`fit`        the Bayesian posteriors (reused while unchanged)           ``posterior_draws``
:func:`simulate`   Monte Carlo losses with policy terms, EP curves, price     ``ylt``, ``elt``,
                                                                              ``ep_curve``, ...
:func:`price`      all of the above the portfolio needs, in order             all of them
=================  =========================================================  ===============

Each takes ``(connection, portfolio, options)`` and returns the id of the run it wrote
(``fit`` and ``load_catalog`` take no portfolio). The CLI commands only parse arguments,
call one of these and print. :func:`price` runs the same stages as the separate commands
(``riskengine hazards`` then ``riskengine simulate``), so for the same config and seed
they give the same ``ylt``, ``elt``, ``ep_curve`` and ``metrics``.

Runs are tied together through the store: a screening is tied to the fleet it screened
and the catalog it used (``runs.portfolio_hash``, ``runs.inputs``); the hazards stage
uses only a screening of the same fleet on the same catalog, and :func:`simulate` only a
hazards run of the same fleet and perils. ``runs.inputs`` of every run records what fed
it.

Examples
--------
>>> import tempfile, os
>>> from riskengine import stages
>>> from riskengine.config import load_portfolio
>>> from riskengine.store import connect
>>> con = connect(os.path.join(tempfile.mkdtemp(), "s.duckdb"))
>>> p = load_portfolio(stages.repo_path("portfolios", "quick.toml"))
>>> rid = stages.price(con, p, stages.Options(years=500))
>>> con.execute("SELECT count(*) FROM ylt WHERE run_id = ?", [rid]).fetchall()[0][0]
500
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from riskengine import perils as registry
from riskengine import settings
from riskengine.errors import ConfigError


def _quiet(*_args, **_kw) -> None:
    return None


@dataclass
class Options:
    """Run options shared by the stages (``None``: take it from the portfolio's config).

    Attributes
    ----------
    years, seed, workers, scheduler
        Override ``[simulation]``.
    hazards_run : str, optional
        Use this stored hazards run instead of the newest one of the portfolio.
    screening_run : str, optional
        Use this screening in the hazards stage (default: the newest screening of this
        portfolio's fleet on the same catalog, if any).
    exclude_names : tuple of str
        Upper-case name fragments dropped from the catalog in the hazards stage.
    fit_settings : riskengine.bayes.FitSettings, optional
        Sampler settings of the Bayesian fit (default: ``$RISKENGINE_FIT_DRAWS`` draws).
    sensitivity : bool, optional
        Override ``[simulation] sensitivity`` (the key-assumption cases).
    say : callable(str)
        Receives one line per finished step (the CLI prints them).
    progress : callable(task, done, total)
        Receives progress of long steps (``task`` names the step).
    """

    years: int | None = None
    seed: int | None = None
    workers: int | None = None
    scheduler: str | None = None
    hazards_run: str | None = None
    screening_run: str | None = None
    exclude_names: tuple[str, ...] = ()
    fit_settings: object | None = None
    sensitivity: bool | None = None
    say: Callable[[str], None] = _quiet
    progress: Callable[[str, int, int], None] | None = None
    info: dict = field(default_factory=dict)


def repo_path(*parts: str) -> Path:
    """A path inside the repository (notebooks run from ``notebooks/``)."""
    return settings.REPO_ROOT.joinpath(*parts)


def default_db() -> Path:
    """``$RISKENGINE_DB`` or ``riskengine.duckdb`` at the repository root."""
    import os

    env = os.environ.get("RISKENGINE_DB")
    return Path(env) if env else repo_path(settings.DEFAULT_DB)


# --------------------------------------------------------------------------- helpers
def portfolio_perils(p) -> list:
    """The peril objects the portfolio simulates (the default physical set without
    ``[[perils]]``), generic ones first."""
    return registry.instantiate(p.perils)


def needs(p) -> set[str]:
    """What the portfolio's perils need: ``fleet``, ``catalog``, ``posterior``."""
    out: set[str] = set()
    for x in portfolio_perils(p):
        out |= set(x.runtime_needs(p) if hasattr(x, "runtime_needs") else x.needs)
    if any(g.norad_ids is not None for g in p.fleet):
        out.add("catalog")
    return out


def catalog_fingerprint(cat) -> str:
    """SHA-256 of the catalog's identity (ids, epochs, mean elements)."""
    h = hashlib.sha256()
    for arr in (cat.norad_id, cat.epoch, cat.mean_motion, cat.eccentricity, cat.inclination_deg):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def hazards_hash(p, fleet) -> str:
    """What a hazards run depends on in the portfolio: the fleet and the perils."""
    h = hashlib.sha256(fleet.fingerprint().encode())
    entries = [e.model_dump(mode="json") for e in p.perils] if p.perils is not None else None
    h.update(json.dumps(entries, sort_keys=True).encode())
    return h.hexdigest()


def _epoch(cat):
    try:
        return cat.reference_epoch.astype("datetime64[us]").item() if len(cat) else None
    except (AttributeError, ValueError):
        return None


def _config(p) -> dict:
    return p.model_dump(mode="json")


def _one(con, sql: str, params=()):
    rows = con.execute(sql, list(params)).fetchall()
    return rows[0] if rows else None


# --------------------------------------------------------------------------- catalog
def load_catalog(con, files, *, lenient: bool = False) -> str:
    """Parse, validate and store catalog files (newest epoch per object wins); the run id.

    Strict by default: a file with a bad record is refused whole and the store is
    unchanged (:class:`riskengine.errors.CatalogError` lists file:line and reason).
    """
    from riskengine.catalog.ingest import load_files

    run_id, _ = load_files(con, [str(f) for f in files], lenient=lenient)
    return run_id


def ensure_catalog(con, p, opts: Options | None = None):
    """The catalog for ``p`` (``$RISKENGINE_CATALOG`` > ``[catalog] files`` > the store >
    the download cache), loaded into the store unless the same file content is there.

    Returns ``(catalog, info)``; ``info`` says where it came from.
    """
    from riskengine.catalog.ingest import catalog_from_db, load_files
    from riskengine.catalog.reader import catalog_source

    say = (opts or Options()).say
    kind, files = catalog_source(con, p.catalog.files or None)
    if kind == "default":
        from riskengine.catalog.reader import default_catalog, read_catalog

        info = default_catalog()
        cat = read_catalog(files)
        say(f"catalog: the embedded default, a {info['snapshot']} population of "
            f"{len(cat):,} objects without element sets ({info['licence']}); for the current "
            "catalog run `make catalog` or set RISKENGINE_CATALOG")
        return cat, {"source": "default", "file": str(files[0]), "snapshot": info["snapshot"],
                     "kind": info.get("kind"), "licence": info.get("licence")}
    if kind == "store":
        cat = catalog_from_db(con)
        say(f"catalog: {len(cat):,} objects from the store")
        return cat, {"source": "store"}
    shas = [hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in files]
    loaded = {r[0] for r in con.execute(
        "SELECT s.sha256 FROM catalog_sources s JOIN runs r USING (run_id) "
        "WHERE r.status = 'complete'").fetchall()}
    if all(s in loaded for s in shas):
        cat = catalog_from_db(con)
        say(f"catalog: {len(cat):,} objects (files already loaded)")
        return cat, {"source": [str(f) for f in files], "reloaded": False}
    run_id, res = load_files(con, [str(f) for f in files], lenient=kind == "cache")
    say(f"catalog: loaded {len(res.catalog):,} objects from {len(files)} file(s) (run {run_id})")
    return catalog_from_db(con), {"source": [str(f) for f in files], "run_id": run_id}


# --------------------------------------------------------------------------- screen
def screen(con, p, opts: Options | None = None, *, days: float = 7.0,
           threshold_km: float = 5.0, start=None, step_s: float = 60.0,
           object_block: int | None = None, client=None) -> str:
    """Screen the fleet against the catalog and the rest of the fleet; the run id.

    The run is tied to this fleet and this catalog (``portfolio_hash``, ``inputs``): the
    hazards stage of the same portfolio uses it, no other portfolio does.
    """
    from riskengine.fleet import resolve_fleet
    from riskengine.screen import screen_portfolio
    from riskengine.store import run

    from riskengine.catalog.reader import catalog_source, screenable

    opts = opts or Options()
    screenable(catalog_source(con, p.catalog.files or None)[0])
    cat, cinfo = ensure_catalog(con, p, opts)
    fleet = resolve_fleet(p, cat)
    prog = (lambda d, t: opts.progress("screening", d, t)) if opts.progress else None
    res = screen_portfolio(p, cat, start=start, days=days, threshold_km=threshold_km,
                           step_s=step_s, workers=opts.workers, progress=prog, client=client,
                           object_block=object_block)
    epoch = res.start.astype("datetime64[us]").item()
    with run(con, "screen", config=_config(p), config_path=p.source_path,
             portfolio=p.name, catalog_epoch=epoch, portfolio_hash=fleet.fingerprint(),
             inputs={"catalog_fingerprint": catalog_fingerprint(cat), "catalog": cinfo}) as h:
        h.write("fleet", res.fleet.table())
        h.write("conjunctions", res.conjunctions)
        h.stats.update(res.stats)
        opts.say(f"screening: {len(res.conjunctions['miss_km']):,} conjunctions "
                 f"(run {h.run_id})")
        return h.run_id


def portfolio_screening(con, p, fleet, cat, run_id: str | None = None):
    """``(run_id, {group: (sum_pc, days, n_satellites, sum_pc_fleet)})`` of the newest
    complete screening of this fleet on this catalog (or of ``run_id``), else ``(None, {})``.

    A screening of another portfolio, or of this one on another catalog, is never used.
    """
    from riskengine.hazards import screening_from_store

    if run_id is None:
        fp, cfp = fleet.fingerprint(), catalog_fingerprint(cat)
        rows = con.execute(
            "SELECT run_id, inputs FROM runs WHERE status = 'complete' AND kind = 'screen' "
            "AND portfolio_hash = ? ORDER BY created_at DESC, run_id DESC", [fp]).fetchall()
        for rid, inputs in rows:
            got = json.loads(inputs or "{}").get("catalog_fingerprint")
            if got == cfp:
                run_id = rid
                break
        if run_id is None:
            return None, {}
    return screening_from_store(con, run_id)


# --------------------------------------------------------------------------- hazards
def compute_hazards(p, fleet, catalog=None, *, screening: dict | None = None,
                    exclude_names: tuple[str, ...] = (), progress=None,
                    conjunctions: dict | None = None):
    """Every peril's hazard rows for the portfolio (no I/O but the shipped atmosphere table
    and the dose spectra cache): a :class:`HazardResult`.

    When a peril needs the radiation dose (``"dose" in needs``) each group's yearly dose is
    computed first (:func:`riskengine.hazards.group_doses`, AE-8/AP-8 through the spectra
    cache) and handed to the perils as ``ctx.shared["dose"]``; groups outside the dose
    model's range become ``res.flags``.
    """
    from riskengine.hazards import HazardResult, group_doses

    objs = portfolio_perils(p)
    atmosphere = None
    if any("atmosphere" in x.needs for x in objs):
        from riskengine.atmosphere import load_density_table

        atmosphere = load_density_table()
    ctx = registry.HazardContext(fleet=fleet, catalog=catalog, screening=screening or None,
                                 perils={x.type: x for x in objs},
                                 conjunctions=conjunctions or None, atmosphere=atmosphere)
    ctx.shared["exclude_names"] = tuple(exclude_names)
    res = HazardResult(orbits=fleet.orbits())
    if any("dose" in x.needs for x in objs):
        ctx.shared["dose"], dose_flags = group_doses(fleet)
        res.flags += dose_flags
    for k, x in enumerate(objs):
        for row in x.hazard_rows(ctx):
            res.add(**row)
        if progress is not None:
            progress("hazards", k + 1, len(objs))
    res.shared = ctx.shared
    res.atmosphere = atmosphere
    return res


def hazards(con, p, opts: Options | None = None) -> str:
    """Compute and store every peril's hazard rows for ``p``; the run id.

    The catalog is resolved (and loaded) only when a peril or a ``norad_ids`` group needs
    it; the collision peril uses this portfolio's own screening on the same catalog when
    the store holds one (``opts.screening_run`` names one explicitly).
    """
    from riskengine.fleet import resolve_fleet
    from riskengine.hazards import hazard_stats
    from riskengine.store import run

    opts = opts or Options()
    if not p.fleet:
        if needs(p) & {"fleet", "catalog"}:
            raise ConfigError(f"{p.source_path}: the perils need a [[fleet]]: add a Walker "
                              "shell or an elements file")
    cat, cinfo = (ensure_catalog(con, p, opts) if "catalog" in needs(p) else (None, None))
    fleet = resolve_fleet(p, cat)
    srun, screening = (portfolio_screening(con, p, fleet, cat, opts.screening_run)
                       if cat is not None else (None, {}))
    from riskengine.hazards import screening_conjunctions

    conj = screening_conjunctions(con, srun, screening) if srun else None
    res = compute_hazards(p, fleet, cat, screening=screening,
                          exclude_names=opts.exclude_names, progress=opts.progress,
                          conjunctions=conj)
    inputs = {"screening_run_id": srun}
    if cat is not None:
        inputs.update(catalog_fingerprint=catalog_fingerprint(cat), catalog=cinfo)
    ep = _epoch(cat) if cat is not None else None
    with run(con, "hazards", config=_config(p), config_path=p.source_path, portfolio=p.name,
             catalog_epoch=ep,
             portfolio_hash=hazards_hash(p, fleet), inputs=inputs) as h:
        if res.rows.get("peril"):
            h.write("hazards", res.rows)
        h.stats.update(hazard_stats(res, screening_run=srun))
        from riskengine.hazards import derelict_estimate

        derelict_estimate(con, p, fleet, h.stats,
                          as_of=p.simulation.inception or (ep.date() if ep else None))
        h.stats["catalog_objects"] = len(cat) if cat is not None else 0
        for code, message in catalog_flags(cinfo, ep, p.simulation.inception):
            h.flag(code, message)
        for code, message in res.flags:
            h.flag(code, message)
        opts.say(f"hazards: {len(res.rows.get('peril', [])):,} rows"
                 + (f", collision from screening {srun}" if srun else "")
                 + f" (run {h.run_id})")
    # what a sensitivity case needs to recompute one peril's rows, as this run computed
    # them: kept for a price in this process (:func:`hazard_context` would otherwise load
    # the catalog and compute every peril's hazards a second time, ~50 s for a million
    # satellites)
    opts.info["hazard_context"] = dict(
        run_id=h.run_id, catalog=cat, screening=screening or None,
        conjunctions=conj, shared=res.shared, atmosphere=res.atmosphere)
    return h.run_id


#: A catalog this far from the start of the insured year is flagged (days).
STALE_CATALOG_DAYS = 180


def catalog_flags(cinfo: dict | None, epoch, inception) -> list[tuple[str, str]]:
    """Warnings about the catalog a hazards run used: the embedded default population, or an
    epoch far from the start of the insured year."""
    out = []
    if cinfo and cinfo.get("source") == "default":
        out.append(("catalog_default", (
            f"priced with the embedded default catalog, a {cinfo.get('snapshot')} population "
            "without element sets: objects launched since are missing, so the tracked-object "
            "collision flux in the megaconstellation shells (500-600 km) is understated (about "
            "3x at 550 km / 53 deg against the 2023-10 catalog); run `make catalog` or set "
            "RISKENGINE_CATALOG for the current catalog")))
    if epoch is not None and inception is not None:
        days = abs((inception - epoch.date()).days)
        if days > STALE_CATALOG_DAYS:
            out.append(("catalog_epoch_far", (
                f"catalog epoch {epoch:%Y-%m-%d} is {days:,} days from the start of the insured "
                f"year ({inception}); the debris environment and the constellations around the "
                "fleet have changed since: use a catalog within "
                f"{STALE_CATALOG_DAYS} days of inception")))
    return out


def hazards_run_for(con, p, fleet, run_id: str | None = None) -> str | None:
    """The newest complete hazards run of this fleet and perils (or ``run_id``)."""
    if run_id is not None:
        row = _one(con, "SELECT run_id FROM runs WHERE run_id = ? AND kind = 'hazards' AND "
                        "status = 'complete'", [run_id])
        if row is None:
            raise ConfigError(f"no complete hazards run {run_id!r} in the store; see "
                              "`riskengine runs list`")
        return row[0]
    row = _one(con, "SELECT run_id FROM runs WHERE status = 'complete' AND kind = 'hazards' "
                    "AND portfolio_hash = ? ORDER BY created_at DESC, run_id DESC LIMIT 1",
               [hazards_hash(p, fleet)])
    return row[0] if row else None


# --------------------------------------------------------------------------- fit
def _fit_settings(opts: Options):
    from riskengine import bayes

    if opts.fit_settings is not None:
        return opts.fit_settings
    n = settings.fit_draws()
    return bayes.FitSettings(draws=n, tune=min(1000, n))


def fit(con, opts: Options | None = None, *, evidence=None, force: bool = False,
        fits_dir=None) -> str:
    """Fit (or reuse) the Bayesian hardware and radiation models; the fit run id."""
    from riskengine import bayes

    opts = opts or Options()
    fs = _fit_settings(opts)
    prog = (lambda m: opts.progress(f"sampling {m}", 0, 1)) if opts.progress else None
    sampled = None
    job = opts.info.pop("fit_sampling", None)   # started by price() beside the hazards
    if job is not None and evidence is None and not force:
        sampled = job.result()     # (bayes.fit stores it if it is of these settings)
    elif job is not None:
        job.close()
    out = bayes.fit(con, evidence=evidence, settings=fs, force=force, fits_dir=fits_dir,
                    progress=prog, sampled=sampled)
    opts.info["fit_reused"] = out["reused"]
    opts.say(f"fit: {'reused' if out['reused'] else 'sampled'} (run {out['run_id']})")
    return out["run_id"]


# --------------------------------------------------------------------------- simulate
@dataclass
class LossInputs:
    """What the loss stage reads from the store for a portfolio: the resolved fleet, the
    stored hazard rows, the posterior and where they came from."""

    fleet: object
    rows: dict
    posterior: object
    seed: int
    as_of: object
    epoch: object
    inputs: dict
    #: the deployment plan (:class:`riskengine.campaign.LaunchPlan`), None without launches
    plan: object = None


def loss_inputs(con, p, opts: Options | None = None) -> LossInputs:
    """Read the portfolio's hazards run (when a peril needs hazard rows) and fit or reuse
    the posterior (when a peril needs it)."""
    from riskengine.fleet import resolve_fleet

    opts = opts or Options()
    objs = portfolio_perils(p)
    want = needs(p)
    cat = None
    if any(g.norad_ids is not None for g in p.fleet):
        from riskengine.catalog.ingest import catalog_from_db

        cat = catalog_from_db(con)
    fleet = resolve_fleet(p, cat)
    inputs: dict = {}
    rows: dict = {}
    epoch = None
    if any(type(x).hazard_rows is not registry.Peril.hazard_rows for x in objs):
        hz = hazards_run_for(con, p, fleet, opts.hazards_run)
        if hz is None:
            raise ConfigError(
                f"{p.source_path}: the store has no hazards run of this portfolio's fleet and "
                f"perils: run `riskengine hazards {p.source_path} --db ...` first (or "
                "`riskengine price`, which runs every stage)")
        cur = con.execute("SELECT * EXCLUDE (run_id) FROM hazards WHERE run_id = ? "
                          "ORDER BY rowid", [hz])
        names = [d[0] for d in cur.description]
        data = cur.fetchall()
        rows = {k: [r[i] for r in data] for i, k in enumerate(names)}
        inputs["hazards_run_id"] = hz
        row = _one(con, "SELECT catalog_epoch, inputs FROM runs WHERE run_id = ?", [hz])
        epoch = row[0]
        inputs["screening_run_id"] = json.loads(row[1] or "{}").get("screening_run_id")
    post = None
    if "posterior" in want:
        from riskengine.bayes import load_posterior

        fit_id = fit(con, opts)
        post = load_posterior(con, fit_id)
        inputs["fit_run_id"] = fit_id
    as_of = p.simulation.inception or (epoch.date() if epoch is not None else None)
    seed = int(p.simulation.seed if opts.seed is None else opts.seed)
    inputs["inception"] = str(as_of) if as_of else None
    plan = _launch_plan(p, fleet)
    opts.info["launch_plan"] = plan
    return LossInputs(fleet, rows, post, seed, as_of, epoch, inputs, plan)


def assemble_hazard_set(objs, li: LossInputs):
    """The engine input from peril objects and the loss inputs (no I/O): ``(hs, ctx)``."""
    from riskengine.core.sources import HazardSet
    from riskengine.perils import _capacity

    si, grp, _ = li.fleet.satellite_arrays()
    hs = HazardSet(si, grp, li.fleet.names)
    from riskengine.losses import agreed_value_of

    hs.agreed_value = agreed_value_of(li.fleet.groups, grp, li.as_of)
    ctx = registry.LossContext(fleet=li.fleet, rows=li.rows, posterior=li.posterior,
                               seed=li.seed, as_of=li.as_of)
    plan = li.plan
    if plan is not None:
        ctx.shared["launch_plan"] = plan      # shared with the launch perils
        if plan.covered:   # launch + 1 year: only the launched satellites are insured
            hs.sum_insured = np.where(plan.core.sat_launch >= 0, hs.sum_insured, 0.0)
    for x in objs:
        x.add_sources(hs, ctx)
    if plan is not None and plan.covered:
        hs.campaign = plan.core   # results by launch, calendar year and phase
        missing = [t for t in ("launch", "deployment") if t not in {x.type for x in objs}]
        if missing:
            plan.flag("launch_phase_not_modelled", (
                f"policy.cover = 'launch_plus_one_year' but [[perils]] has no "
                f"{' or '.join(missing)} peril: that phase of the launch policies is priced at "
                "zero; add " + ", ".join(f'type = "{t}"' for t in missing)))
    _capacity.finalize(hs, ctx)   # random and dose failures share the accelerators
    from riskengine.perils import _derelict

    _derelict.finalize(hs, ctx)   # the year's failures leave derelicts (collision peril)
    return hs, ctx


def build_hazard_set(con, p, opts: Options | None = None):
    """The loss engine's input for ``p`` from the store: ``(HazardSet, inputs, epoch)``.

    Reads the portfolio's hazards run (when a peril needs hazard rows), fits or reuses the
    posterior (when a peril needs it) and lets every peril add its loss sources.
    """
    opts = opts or Options()
    li = loss_inputs(con, p, opts)
    hs, ctx = assemble_hazard_set(portfolio_perils(p), li)
    li.inputs["collision_method"] = ctx.shared.get("collision_method")
    if li.posterior is not None:
        opts.say(f"posterior: {hs.n_draws:,} parameter draws")
    return hs, li.inputs, li.epoch


def _launch_plan(p, fleet):
    """The portfolio's deployment plan (``None`` without launches), shared with the launch
    perils; under ``launch_plus_one_year`` cover only the launched satellites are insured."""
    from riskengine.campaign import build_plan

    plan = build_plan(p, fleet)
    if plan is None:
        return None
    if not plan.covered:
        plan.flag("launch_not_covered", (
            f"the portfolio has {plan.core.n_launches:,} launches but policy.cover = "
            "'in_orbit_annual': the launch and raising phases are not insured and the fleet "
            "is priced as if on station; set cover = 'launch_plus_one_year' to price them"))
    return plan


def simulate(con, p, opts: Options | None = None, *, kind: str = "simulate") -> str:
    """Monte Carlo losses of ``p`` with its policy terms, EP curves, metrics and the
    technical premium, in one run; the run id.

    Physical perils read the portfolio's stored hazards run (:func:`hazards`) and the
    posterior (:func:`fit`, reused while unchanged). With ``workers > 1`` or a
    ``scheduler`` the blocks of years run on Dask; the tables are identical.
    """
    from riskengine.losses import insured_value_at_inception, write_simulation
    from riskengine.store import run

    opts = opts or Options()
    years = int(opts.years or p.simulation.years)
    seed = int(p.simulation.seed if opts.seed is None else opts.seed)
    if years < 1:
        raise ConfigError(f"years = {years}: simulate at least one year")
    if not 0 <= seed < 2**63:
        raise ConfigError(f"seed = {seed}: must be a whole number in [0, 2^63)")
    li = loss_inputs(con, p, opts)
    objs = portfolio_perils(p)
    hs, ctx = assemble_hazard_set(objs, li)
    inputs, epoch = li.inputs, li.epoch
    inputs["collision_method"] = ctx.shared.get("collision_method")
    if li.posterior is not None:
        opts.say(f"posterior: {hs.n_draws:,} parameter draws")
    if not hs.sources:
        raise ConfigError(f"{p.source_path}: nothing to simulate: list [[perils]] "
                          "(see `riskengine perils`)")
    cfg = _config(p)
    cfg["simulation"].update(years=years, seed=seed)
    workers = int(opts.workers or p.simulation.workers)
    scheduler = opts.scheduler or p.simulation.scheduler
    use_dask = bool(scheduler) or workers > 1
    tick = ((lambda done, tot: opts.progress("simulating", done, tot))
            if opts.progress else None)
    with run(con, kind, config=cfg, config_path=p.source_path, portfolio=p.name, seed=seed,
             years=years, catalog_epoch=epoch, inputs=inputs, stream=True,
             progress=opts.progress) as r:
        if use_dask:
            from riskengine.losses.distributed import write_simulation_dask
            from riskengine.scale import Cluster

            with Cluster(workers=workers, scheduler=scheduler) as cl:
                res = write_simulation_dask(p, r, hs, cl.client, years=years, seed=seed,
                                            progress=tick)
        else:
            res = write_simulation(p, r, hs, years=years, seed=seed, workers=1, progress=tick)
        pr = price_run(r, p, res, hs)
        from riskengine.losses import posterior_error_rows, write_metrics

        write_metrics(r, posterior_error_rows(hs, li.posterior))   # the MCMC error
        r.stats.update(total_sum_insured=float(hs.sum_insured.sum()), group_satellites={
            g: int(np.sum(hs.group == k)) for k, g in enumerate(hs.group_names)})
        if ctx.shared.get("derelict_summary"):
            r.stats["derelicts"] = ctx.shared["derelict_summary"]
        if hs.agreed_value is not None:
            r.stats["agreed_value_at_inception"] = insured_value_at_inception(hs)
        plan = opts.info.get("launch_plan")
        if plan is not None:
            _write_campaign(r, plan, res, pr, hs, p)
        hz = inputs.get("hazards_run_id")
        if hz:   # the catalog warnings of the hazards run this price rests on
            for code, message, severity in con.execute(
                    "SELECT code, message, severity FROM run_flags WHERE run_id = ? "
                    "ORDER BY rowid", [hz]).fetchall():
                r.flag(code, message, severity or "warning")
        for code, message, severity in evidence_flags(con, p, li):
            r.flag(code, message, severity)
        want = p.simulation.sensitivity if opts.sensitivity is None else opts.sensitivity
        if want:
            from riskengine import sensitivity

            n = int(p.simulation.sensitivity_years
                    or sensitivity.default_years(hs, years))
            todo = sensitivity.cases(objs)
            if todo:
                opts.say(f"sensitivity: {len(todo)} cases x {n:,} years")
                t_pass = time.perf_counter()
                from riskengine.core.engine import block_years
                from riskengine.losses import head_result

                cols = sensitivity.run(
                    objs, li, p.policy, p.pricing, years=n, seed=seed, hs=hs,
                    # the base case is the run's own first n years (same seed, blocks)
                    base=head_result(res, n, block_years(hs)),
                    hazard_context=lambda: hazard_context(
                        con, p, li, opts.info.get("hazard_context")),
                    progress=((lambda d, t: opts.progress("sensitivity", d, t))
                              if opts.progress else None),
                    workers=workers,
                    elt_min_loss=p.simulation.elt_min_loss)
                r.write("sensitivity", {k: np.asarray(v, dtype=object if isinstance(
                    v[0], str) else None) for k, v in cols.items()})
                # the pass's own time (a benchmark or a user sees what the cases cost)
                r.stats["sensitivity"] = dict(cases=len(todo), years=n,
                                              seconds=round(time.perf_counter() - t_pass, 3))
        opts.say(f"simulated: {years:,} years, {res.n_events:,} events (run {r.run_id})")
        return r.run_id


def hazard_context(con, p, li: LossInputs, kept: dict | None = None):
    """The hazards stage's context of a priced run (the catalog the hazards stage takes,
    the run's screening), with every peril's shared state computed: what a sensitivity
    case needs to recompute one peril's rows.

    The catalog comes from :func:`ensure_catalog`, as in :func:`hazards`: the store alone
    is empty when the hazards stage priced the embedded default catalog, and the
    recomputed rows of every catalog peril would then be zero.

    ``kept``: what :func:`hazards` left in ``Options.info["hazard_context"]`` when it ran
    in this process. When it is the run the loss inputs rest on (``hazards_run_id``), its
    catalog, screening and shared state are used as they are, not computed again."""
    if kept and kept.get("run_id") == li.inputs.get("hazards_run_id"):
        return registry.HazardContext(
            fleet=li.fleet, catalog=kept["catalog"], screening=kept["screening"],
            perils={x.type: x for x in portfolio_perils(p)}, shared=kept["shared"],
            conjunctions=kept["conjunctions"], atmosphere=kept["atmosphere"])
    cat = ensure_catalog(con, p)[0] if "catalog" in needs(p) else None
    srun = li.inputs.get("screening_run_id")
    screening = portfolio_screening(con, p, li.fleet, cat, srun)[1] if srun else None
    from riskengine.hazards import screening_conjunctions

    conj = screening_conjunctions(con, srun, screening) if srun else None
    res = compute_hazards(p, li.fleet, cat, screening=screening, conjunctions=conj)
    objs = portfolio_perils(p)
    return registry.HazardContext(fleet=li.fleet, catalog=cat, screening=screening or None,
                                  perils={x.type: x for x in objs}, shared=res.shared,
                                  conjunctions=conj, atmosphere=res.atmosphere)


def evidence_flags(con, p, li: LossInputs) -> list[tuple[str, str, str]]:
    """Warnings about the evidence behind a price: key posterior parameters of the
    portfolio's families that are dominated by their prior, fits that did not converge,
    and device or bus families without any evidence of their own."""
    out = []
    post = li.posterior
    fit_id = li.inputs.get("fit_run_id")
    if post is None or fit_id is None:
        return out
    from riskengine.bayes import KEY_PARAMETERS, PRIOR_DOMINATED

    from riskengine.core.posterior import tid_family

    bus = {g.bus_family for g in p.fleet}
    acc = {g.accelerator_family for g in p.fleet if getattr(g, "accelerators", 0)}
    tid = {tid_family(g) for g in p.fleet if getattr(g, "accelerators", 0)}
    used = {"bus": bus, "accelerator": acc, "batch": {""}, "radiation": tid}
    types = {x.type for x in portfolio_perils(p)}
    models = {"bus": "hardware", "accelerator": "hardware", "batch": "batch_defect",
              "radiation": "radiation"}
    try:
        rows = con.execute("SELECT model, parameter, coord, contraction, r_hat, ess_bulk, "
                           "divergences FROM fit_diagnostics WHERE run_id = ? ORDER BY model, "
                           "parameter, coord", [fit_id]).fetchall()
    except Exception:  # noqa: BLE001 - a store written before contraction existed
        return out
    weak, bad = [], set()
    for model, param, coord, k, rhat, ess, div in rows:
        if models.get(model) not in types:
            continue
        if coord not in used.get(model, {""}) and coord != "":
            continue
        if not (rhat is None or rhat <= 1.01) or not (ess is None or ess >= 400) or div:
            bad.add(model)
        if param in KEY_PARAMETERS.get(model, ()) and k is not None and np.isfinite(k) \
                and k < PRIOR_DOMINATED:
            weak.append(f"{model}.{param}" + (f"[{coord}]" if coord else "") + f" ({k:.2f})")
    if weak:
        out.append(("prior_dominated", (
            "posterior = prior (contraction in brackets, < 0.1): " + ", ".join(weak)
            + ". The evidence does not inform these parameters; the price rests on their "
            "priors, named assumptions whose effect the sensitivity table shows"), "warning"))
    if bad:
        out.append(("fit_not_converged", (
            f"the fit {fit_id} of {', '.join(sorted(bad))} did not converge (R-hat > 1.01, "
            "bulk ESS < 400 or divergences): refit with more draws"), "warning"))
    for model, fams, what in (("bus", bus, "bus family"), ("accelerator", acc, "device family")):
        if models[model] not in types:
            continue
        fitted = set(post.coords(model, "z_h" if model == "bus" else "z_l"))
        own = set(_evidence_families(post, model))
        for fam in sorted(fams):
            if fam not in fitted or fam not in own:
                out.append(("outside_evidence", (
                    f"{what} {fam!r} has no evidence of its own in the fit: its rates are "
                    "drawn from the spread of the fitted families (the hierarchical prior), "
                    "wide and untested; add the operator's records (riskengine fit "
                    "--fleet-experience / --accelerator-faults)"), "warning"))
    if "radiation" in types and "radiation" in post.values:
        fitted = set(post.coords("radiation", "mu_f"))
        own = set(_evidence_families(post, "radiation"))
        missing = sorted(f for f in tid if f not in fitted or f not in own)
        if missing:
            out.append(("outside_tid_evidence", (
                f"TID device famil{'y' if len(missing) == 1 else 'ies'} "
                f"{', '.join(map(repr, missing))} {'has' if len(missing) == 1 else 'have'} no "
                "total-ionising-dose test of its own (tid_devices.csv families: "
                f"{', '.join(sorted(fitted)) or 'none'}): the failure dose is drawn from the "
                "spread of the tested families (the hyperprior), wide and untested; add the "
                "device's beam tests (riskengine fit --beam-tests) or name the tested family "
                "that fails first (fleet group tid_family, e.g. 'memory' for HBM)"), "warning"))
    return out


def _evidence_families(post, model: str) -> list[str]:
    """Families with records of their own in the fit's evidence (from the fit config)."""
    return list((getattr(post, "evidence_families", None) or {}).get(model, []))


def price_run(r, p, res, hs):
    """Price a simulated run into its store run ``r``: the reinsurance layers from the same
    simulation, the premium with the capital on the net position, the allocations on the
    net, the reinsurance year table, the flags and the exact check of compound perils."""
    from riskengine.flags import pricing_flags
    from riskengine.losses import (NO_SATELLITE, price_simulation, write_metrics,
                                   write_ylt_net)

    pol = p.policy
    comps = {"group": res.components["group"], "peril": res.components["peril"]}
    if getattr(res, "campaign", None) is not None:
        # launch campaigns: by phase and by calendar year x phase (summarised on the gross;
        # the reinsurance is not split by phase)
        comps.update(phase=res.components["phase"], campaign=res.components["campaign"])
    pr, lp = price_simulation(res, p.pricing, pol, hs, comps,
                              gross_components={"group": res.components["group_gross"],
                                                "peril": res.components["peril_gross"]})
    premiums = [x.upfront_premium for x in lp]
    write_metrics(r, pr.metric_rows())
    write_ylt_net(r, res, premiums)
    if lp:
        cols = ("layer", "kind", "attachment", "limit", "share", "reinstatements",
                "expected_ceded", "expected_ceded_std_error", "expected_reinstatements",
                "margin", "upfront_premium", "expected_reinstatement_premium", "cost")
        rows = [(x.name, x.kind, ly.attachment, ly.limit, ly.share, ly.reinstatements,
                 x.expected_ceded, x.expected_ceded_se, x.expected_rho, x.margin,
                 x.upfront_premium, x.expected_reinstatement_premium, x.cost)
                for x, ly in zip(lp, pol.reinsurance)]
        r.write("reinsurance_layers", {c: [row[i] for row in rows] for i, c in enumerate(cols)})
    keep = [a for a in pr.allocations
            if not (a["name"] == NO_SATELLITE and a["expected_loss"] == 0
                    and a["gross_expected_loss"] == 0)]
    if keep:
        r.write("allocations", {k: np.array([a[k] for a in keep],
                                            object if k in ("dimension", "name") else float)
                                for k in keep[0]})
    for code, message, severity in pricing_flags(
            pr, pol, p.pricing, res.years, res.n_occ_limit, res.n_agg_limit,
            getattr(pol, "cover", "in_orbit_annual")):
        r.flag(code, message, severity)
    write_exact(r, p, res)
    return pr


def write_exact(r, p, res) -> None:
    """The exact (FFT) aggregate distributions of the run's compound perils beside their
    simulated years (table ``ep_exact``; :mod:`riskengine.exact`)."""
    from riskengine.exact import exact_rows

    def peril_years(name):
        d = r.execute("SELECT year, sum(loss) AS l, sum(ground_up_loss) AS g FROM elt "
                      "WHERE run_id = ? AND peril = ? GROUP BY year", [r.run_id, name]).fetchnumpy()
        loss, gu = np.zeros(res.years), np.zeros(res.years)
        if len(d["year"]):
            k = np.asarray(d["year"], np.int64) - 1
            loss[k], gu[k] = d["l"], d["g"]
        return loss, gu

    rows = exact_rows(p, res, peril_years)
    if rows:
        r.write("ep_exact", {k: [row[k] for row in rows] for k in rows[0]})


def _write_campaign(r, plan, res, pr, hs, p) -> None:
    """``campaign_launches``, ``campaign_years`` and the plan's flags into run ``r``."""
    from riskengine.campaign import result_tables

    by_code: dict = {}
    for code, message in plan.flags:
        by_code.setdefault(code, []).append(message)
    for code, msgs in by_code.items():
        r.flag(code, "; ".join(msgs), "info" if code in ("launch_few_flights",
                                                          "launch_not_covered") else "warning")
    if res.campaign is None:
        return
    tables = result_tables(plan, res, pr.allocations, hs.sum_insured,
                           p.pricing.capital_quantile)
    for name, cols in tables.items():
        r.write(name, cols)
    r.stats["campaign"] = {"launches": plan.core.n_launches,
                           "satellites": int(plan.core.units.size.sum()),
                           "years": plan.core.years}


# --------------------------------------------------------------------------- price
def price(con, p, opts: Options | None = None) -> str:
    """Every stage ``p`` needs, in order, then its price; the id of the price run.

    catalog (loaded once per file content) → hazards (when a peril needs hazard rows) →
    Bayesian fit (reused while evidence, model code and settings are unchanged) → Monte
    Carlo and premium. The same calls as ``riskengine hazards`` followed by
    ``riskengine simulate``, and the same tables, but for one thing: a fit that must be
    sampled samples in a process of its own while the hazards stage runs (each uses one
    core; :func:`riskengine.bayes.sample_fit`), and is stored when the loss stage needs it.
    """
    opts = opts or Options()
    objs = portfolio_perils(p)
    if any(type(x).hazard_rows is not registry.Peril.hazard_rows for x in objs) \
            and opts.hazards_run is None:
        # the hazards stage uses one core: the fit, when one must be sampled, samples in
        # a process of its own beside it (stored as the fit stage stores its own)
        job = _start_fit_sampling(con, p, opts)
        try:
            hazards(con, p, opts)
            return simulate(con, p, opts, kind="price")
        finally:
            if job is not None:
                job.close()
                opts.info.pop("fit_sampling", None)
    return simulate(con, p, opts, kind="price")


def _start_fit_sampling(con, p, opts: Options):
    """The fit's sampling started in a process of its own (``opts.info["fit_sampling"]``,
    taken by :func:`fit`), when ``p`` needs the posterior and the store has no fit of the
    same evidence and settings to reuse; None otherwise."""
    if "posterior" not in needs(p):
        return None
    from riskengine import bayes
    from riskengine.evidence import load_evidence
    from riskengine.executor import Background

    fs = _fit_settings(opts)
    if bayes.find_reusable_fit(con, bayes.content_hash(load_evidence(), fs)):
        return None
    opts.info["fit_sampling"] = job = Background(bayes.sample_fit, fs)
    opts.say("fit: sampling beside the hazards stage")
    return job


def latest_price_run(con, portfolio: str | None = None) -> str | None:
    """The newest complete pricing run (optionally of one portfolio)."""
    sql = ("SELECT run_id FROM runs r WHERE status='complete' AND kind IN ('price','simulate') "
           "AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id)")
    params = []
    if portfolio:
        sql += " AND portfolio = ?"
        params.append(portfolio)
    row = _one(con, sql + " ORDER BY created_at DESC, run_id DESC LIMIT 1", params)
    return row[0] if row else None


__all__ = ["Options", "load_catalog", "ensure_catalog", "screen", "hazards", "fit",
           "simulate", "price", "compute_hazards", "build_hazard_set", "portfolio_perils",
           "needs", "repo_path", "default_db", "latest_price_run", "portfolio_screening",
           "catalog_fingerprint", "hazards_hash"]
