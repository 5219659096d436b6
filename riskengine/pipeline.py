"""The pricing pipeline as Python calls: what ``riskengine price`` and the notebooks run.

``price_full`` runs every stage the portfolio needs, each as its own run in the store:

1. **catalog** — ``$RISKENGINE_CATALOG`` / ``[catalog] files`` / the stored catalog / the
   download cache (a clear error says how to get one when there is none); files are loaded
   into ``catalog_objects`` unless the same content was loaded before;
2. **hazards** — flux-based collision, untracked debris and breakup hazards from the
   catalog (:mod:`riskengine.hazards`), plus geomagnetic-storm shocks
   (:mod:`riskengine.core.spaceweather`);
3. **fit** — the Bayesian hardware and radiation posteriors, reused while evidence and
   model code are unchanged (:mod:`riskengine.bayes`);
4. **price** — the Monte Carlo loss engine with one posterior draw per simulated year,
   policy terms, EP curves, metrics and the technical premium.

A portfolio that lists only generic ``[[perils]]`` skips stages 1–3.

Examples
--------
>>> from riskengine.pipeline import price_full                     # doctest: +SKIP
>>> out = price_full("portfolios/example.toml", "riskengine.duckdb")  # doctest: +SKIP
>>> out.run_id                                                       # doctest: +SKIP
'price-20261123T142500-1a2b3c'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from riskengine import settings

#: The default physical perils (a config without ``[[perils]]``). Collision-avoidance
#: assumptions for an operated, manoeuvring fleet: operators act on conjunctions at
#: Pc >= 1e-5..1e-4 (Starlink, NASA; GUIDE.md), which removes nearly all of the collision
#: probability mass from tracked objects (``avoidance`` 0.99), and a coordinated Walker
#: shell plans its own crossings (``self_factor`` 0.01 of the random-phase rate remains).
DEFAULT_PHYSICAL = (
    {"type": "collision", "params": {"avoidance": 0.99, "self_factor": 0.01}},
    {"type": "untracked_debris"},
    {"type": "breakup", "params": {"avoidance": 0.99}},
    {"type": "space_weather"},
    {"type": "hardware"},
    {"type": "radiation"},
)
HAZARD_TABLE_PERILS = ("collision", "untracked_debris", "breakup")
POSTERIOR_PERILS = ("hardware", "radiation")


def repo_path(*parts: str) -> Path:
    """A path inside the repository (notebooks run from ``notebooks/``)."""
    return settings.REPO_ROOT.joinpath(*parts)


def default_db() -> Path:
    """``$RISKENGINE_DB`` or ``riskengine.duckdb`` at the repository root."""
    env = os.environ.get("RISKENGINE_DB")
    return Path(env) if env else repo_path(settings.DEFAULT_DB)


def effective_portfolio(p):
    """The portfolio with the default physical perils filled in when it lists none."""
    if p.perils is not None:
        return p
    from riskengine.config import PhysicalPeril

    q = p.model_copy(deep=True)
    q.perils = [PhysicalPeril(**d) for d in DEFAULT_PHYSICAL]
    q.source_path = p.source_path
    return q


def physical_types(p) -> list[str]:
    return [x.type for x in (p.perils or []) if x.type not in
            ("compound", "independent_failure", "common_shock")]


@dataclass
class PipelineResult:
    run_id: str
    con: object
    result: object
    price: object
    stages: dict = field(default_factory=dict)


def ensure_catalog(con, p, say=print):
    """Resolve the catalog and make sure the store holds it; returns (catalog, run info)."""
    from riskengine.catalog.ingest import catalog_from_db, load_files
    from riskengine.catalog.reader import catalog_source

    kind, files = catalog_source(con, p.catalog.files or None)
    if kind == "store":
        cat = catalog_from_db(con)
        say(f"catalog: {len(cat):,} objects from the store")
        return cat, {"source": "store"}
    import hashlib

    shas = [hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in files]
    loaded = {r[0] for r in con.execute(
        "SELECT s.sha256 FROM catalog_sources s JOIN runs r USING (run_id) "
        "WHERE r.status = 'complete'").fetchall()}
    if all(s in loaded for s in shas):
        cat = catalog_from_db(con)
        say(f"catalog: {len(cat):,} objects (files already loaded)")
        return cat, {"source": [str(f) for f in files], "reloaded": False}
    run_id, res = load_files(con, files, lenient=False)
    say(f"catalog: loaded {len(res.catalog):,} objects from {len(files)} file(s) (run {run_id})")
    return catalog_from_db(con), {"source": [str(f) for f in files], "run_id": run_id}


def build_hazards(con, p_eff, cat, config_path, say=print) -> tuple[str, dict]:
    """Compute and store the hazards run (flux perils + storms).

    Returns its run id and :func:`group_orbits` of the fleet.
    """
    from riskengine.hazards import compute_hazards, screening_from_store, write_hazards
    from riskengine.core.spaceweather import storm_rows

    # screening_from_store returns no rates when the store holds no screening
    res = compute_hazards(p_eff, cat, screening=screening_from_store(con)[1] or None)
    orbits = group_orbits(res.orbits)
    if "space_weather" in physical_types(p_eff):
        params = next((dict(x.params) for x in p_eff.perils if x.type == "space_weather"), {})
        alts = [g.altitude_km if g.altitude_km is not None else orbits[g.name][0]
                for g in p_eff.fleet]
        for row in storm_rows([g.name for g in p_eff.fleet], alts, params):
            res.add(**row)
    rid = write_hazards(con, p_eff, cat, res, config_path=str(config_path))
    say(f"hazards: run {rid}")
    return rid, orbits


def group_orbits(orb) -> dict:
    """``{group: (mean altitude km, mean inclination deg)}`` weighted by satellite count."""
    import numpy as np

    out = {}
    for name in dict.fromkeys(orb.group):
        m = np.array([g == name for g in orb.group])
        w = orb.count[m].astype(float)
        out[name] = (float(np.average(orb.alt_km[m], weights=w)),
                     float(np.average(orb.inc_deg[m], weights=w)))
    return out


def hazard_set(con, p_eff, hazards_run: str | None, say=print, *, as_of=None, orbits=None):
    """The loss-engine input: generic perils + hazards rows + posterior draws.

    ``as_of`` is the start of the insured year (satellite ages); ``orbits`` maps groups
    given by element sets to their mean (altitude km, inclination deg).
    """
    import numpy as np

    from riskengine.hazards import loss_engine_rows
    from riskengine.core.sources import add_posterior_draws, hazard_set_from_portfolio, hazard_set_from_rows

    hs = hazard_set_from_portfolio(p_eff)
    want = physical_types(p_eff)
    info = {}
    if hazards_run:
        cur = con.execute("SELECT * FROM hazards WHERE run_id = ?", [hazards_run])
        names = [d[0] for d in cur.description]
        data = cur.fetchall()
        rows = {k: [r[i] for r in data] for i, k in enumerate(names)}
        keep = [w for w in want if w not in POSTERIOR_PERILS]
        if "untracked_debris" in keep:
            keep.append("untracked_debris_partial")
        if data and keep:
            hazard_set_from_rows(loss_engine_rows(rows, "flux"), hs, keep)
    if any(w in POSTERIOR_PERILS for w in want):
        from riskengine import bayes

        n = settings.fit_draws()
        fit_run = bayes.fit(con, settings=bayes.FitSettings(draws=n, tune=min(1000, n)))
        post = bayes.load_posterior(con, fit_run["run_id"])
        if orbits is None and any(g.altitude_km is None for g in p_eff.fleet):
            from riskengine.hazards import fleet_orbits

            orbits = group_orbits(fleet_orbits(p_eff))
        draws = bayes.fleet_hazard_draws(post, p_eff.fleet, rng=np.random.default_rng(
            p_eff.simulation.seed), as_of=as_of, orbits=orbits)
        if "radiation" not in want:
            draws.pop("radiation", None)
        if "hardware" not in want:
            draws.pop("hardware", None)
            draws.pop("accelerator", None)
        add_posterior_draws(hs, draws, p_eff.fleet)
        info["fit_run_id"], info["fit_reused"] = fit_run["run_id"], fit_run["reused"]
        say(f"posterior: {hs.n_draws:,} parameter draws (fit {info['fit_run_id']})")
    return hs, info


def price_full(config, db=None, *, years=None, seed=None, workers=None, scheduler=None,
               hazards_run: str | None = None, say=print) -> PipelineResult:
    """Run every stage the portfolio needs and price it; see the module docstring."""
    from riskengine.cli.simulate import run_simulation
    from riskengine.config import load_portfolio
    from riskengine.store import connect

    db = str(db or default_db())
    p = load_portfolio(config)
    p_eff = effective_portfolio(p)
    want = physical_types(p_eff)
    stages: dict = {}
    epoch = None
    hs = None
    orbits = None
    con = connect(db)
    if want:
        if any(w not in POSTERIOR_PERILS for w in want) and not hazards_run:
            if not p_eff.fleet:
                from riskengine.errors import ConfigError

                raise ConfigError(f"{config}: physical perils need a [[fleet]]")
            cat, stages["catalog"] = ensure_catalog(con, p_eff, say)
            epoch = cat.reference_epoch.astype("datetime64[us]").item() if len(cat) else None
            hazards_run, orbits = build_hazards(con, p_eff, cat, config, say)
        stages["hazards_run_id"] = hazards_run
        as_of = p_eff.simulation.inception or (epoch.date() if epoch else None)
        stages["inception"] = str(as_of) if as_of else None
        hs, info = hazard_set(con, p_eff, hazards_run, say, as_of=as_of, orbits=orbits)
        stages.update(info)
    con.close()
    run_id, con, res, pr = run_simulation(config, db, years, seed, workers, kind="price",
                                          price_it=True, hazards_run=hazards_run,
                                          scheduler=scheduler, portfolio=p_eff, hazard_set=hs,
                                          stats=stages, catalog_epoch=epoch)
    return PipelineResult(run_id, con, res, pr, stages)


def price_portfolio(config, db=None, *, years: int | None = None, seed: int | None = None,
                    workers: int | None = None) -> str:
    """Price a portfolio (all stages it needs) into the store; returns the run id."""
    out = price_full(config, db, years=years, seed=seed, workers=workers, say=lambda *_: None)
    out.con.close()
    return out.run_id


def notebook_catalog(con=None):
    """The catalog for notebooks: ``$RISKENGINE_CATALOG``, else the shared 2023-10 snapshot
    beside the repository, else the store / download cache (:func:`resolve_catalog`, whose
    error says how to get one)."""
    from riskengine.catalog import read_catalog, resolve_catalog

    shared = settings.shared_dir()
    snap = shared / SHARED_SNAPSHOT if shared else None
    if not settings.catalog_override() and snap and snap.exists():
        return read_catalog([snap])
    if con is not None:
        return resolve_catalog(con)
    from riskengine.store import connect

    own = connect(default_db())
    try:
        return resolve_catalog(own)
    finally:
        own.close()


#: The shared full-catalog snapshot the notebooks fall back on (path under ``../shared``).
SHARED_SNAPSHOT = "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt"


def latest_price_run(con, portfolio: str | None = None) -> str | None:
    """The newest complete pricing run (optionally of one portfolio)."""
    sql = ("SELECT run_id FROM runs r WHERE status='complete' AND kind IN ('price','simulate') "
           "AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id)")
    params = []
    if portfolio:
        sql += " AND portfolio = ?"
        params.append(portfolio)
    row = con.execute(sql + " ORDER BY created_at DESC, run_id DESC LIMIT 1", params).fetchall()
    return row[0][0] if row else None
