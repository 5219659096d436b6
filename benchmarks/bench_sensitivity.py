"""The key-assumption pass of the million-satellite deployment: baseline vs ours.

``riskengine price`` runs the sensitivity cases by default (``[simulation] sensitivity``):
every key assumption the perils declare, moved one at a time, each case a full simulation of
:func:`riskengine.sensitivity.default_years` years (200 for this fleet) with common random
numbers. On the deployment of ``benchmarks/bench_campaign.py`` that is 26 cases + the base.

Two comparisons, each in this one process, on the same stored run:

1. **The pass.** The baseline is the pass as stop 31 ran it: one pool, each worker a whole
   case at a time (it assembles the case's hazard set and draws every source for that case
   alone), the rows of the row cases computed in the parent. Ours is
   :func:`riskengine.sensitivity.run`: the cases dealt into one group a worker, each group
   simulated block by block, the sources its cases have in common drawn once a block
   (:func:`riskengine.sensitivity.share_sources`, the engine's ``memo``), the rows computed
   in the worker. Both get one hazard context, built once here (a price takes the one its
   hazards stage kept: its build time is printed, the work stop 31's pass also did). The
   tables must be equal to the bit.
2. **The derelict trigger rates** (:func:`riskengine.perils._derelict.failure_rates`, run in
   every assembly): the baseline's ``bincount`` per unit (the batch source has ~17,000
   units) against one ``bincount`` over all units.

Usage::

    python benchmarks/bench_sensitivity.py [--db STORE] [--cases K] [--workers N]

``--db``: a store that priced the deployment (``bench_campaign.py`` leaves one in a temporary
folder; it prints nothing of it, so by default the catalog, hazards and fit are run here
first, ~2-3 minutes). ``--cases K``: the base and the first K cases only (default: all; the
whole baseline took 8.4 minutes on 2 cores at stop 32). Needs the shared catalog (RISKENGINE_SHARED)
or RISKENGINE_CATALOG.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_campaign import portfolio  # noqa: E402

from riskengine import perils as registry  # noqa: E402
from riskengine import sensitivity, settings, stages  # noqa: E402
from riskengine.store import connect  # noqa: E402


def _baseline_case(shared, task):
    """Stop 31's worker: one whole case (its hazard set assembled here, its years in
    block order, every source drawn for it alone)."""
    from riskengine.losses import simulate_arrays
    from riskengine.stages import assemble_hazard_set

    objs, li, policy, years, seed, size, elt_min_loss = shared
    i, param, value, rows = task
    case_objs = list(objs)
    if i >= 0:
        case_objs[i] = objs[i].with_params(**{param: value})
    hs, _ = assemble_hazard_set(case_objs, li if rows is None else replace(li, rows=rows))
    return simulate_arrays(hs, policy, seed=seed, years=years, block_size=size,
                           keep_components=False, workers=1, elt_min_loss=elt_min_loss)


def baseline_pass(objs, li, policy, pricing, *, years, seed, hazard_context, workers,
                  elt_min_loss, todo):
    """The pass as stop 31 ran it: one spawned pool, each worker a whole case at a time
    (the base case first), the row cases last with their rows computed here while the
    workers run the others (metrics as :func:`riskengine.sensitivity.run`)."""
    from riskengine.core.engine import block_years
    from riskengine.executor import Executor
    from riskengine.stages import assemble_hazard_set

    hs0, _ = assemble_hazard_set(objs, li)
    size = block_years(hs0)
    redo = [type(x).hazard_rows is not registry.Peril.hazard_rows for _, x, _, _ in todo]
    order = [k for k in range(len(todo)) if not redo[k]] + [k for k in range(len(todo))
                                                            if redo[k]]

    def tasks():
        yield (-1, "", None, None)
        for k in order:
            i, x, ka, value = todo[k]
            rows = (sensitivity._replace_rows(li.rows, x, x.with_params(**{ka.param: value}),
                                              hazard_context()) if redo[k] else None)
            yield (i, ka.param, value, rows)

    shared = (list(objs), li, policy, int(years), int(seed), size, float(elt_min_loss))
    ex = Executor(max(1, min(int(workers), len(todo) + 1)), start_method="spawn")
    results = ex.map(_baseline_case, tasks(), shared=shared, total=len(todo) + 1)
    out = {-1: sensitivity._metrics(next(results), pricing, policy, hs0)}
    for k in order:
        out[k] = sensitivity._metrics(next(results), pricing, policy, hs0)
    for _ in results:
        pass
    return [out[-1]] + [out[k] for k in range(len(todo))]


def baseline_failure_rates(hs, labels, n_draws):
    """:func:`riskengine.perils._derelict.failure_rates` as it was: one ``bincount`` of the
    satellites' groups per unit of every source."""
    from riskengine.core.sources import BatchSource, EventSource, SatelliteSource

    ng = len(hs.group_names)
    out = np.zeros((n_draws, ng))
    counts = np.bincount(hs.group, minlength=ng).astype(float)
    d = np.arange(n_draws)
    for src in hs.sources:
        if src.peril not in labels:
            continue
        per_unit = None
        if isinstance(src, SatelliteSource) and src.severity == "total":
            r = src.rates[d % src.n_draws]
            per_unit = lambda u, r=r: r[:, u:u + 1]  # noqa: E731
        elif isinstance(src, EventSource) and src.severity == "total":
            rate, hp = src.rate[d % src.n_draws], src.hit_probability[d % src.n_draws]
            per_unit = lambda u, rate=rate, hp=hp: (rate * hp[:, u])[:, None]  # noqa: E731
        elif isinstance(src, BatchSource):
            dd = d % src.n_draws
            a = src.affected_a[dd] / (src.affected_a[dd] + src.affected_b[dd])
            t = src.lost_a[dd] / (src.lost_a[dd] + src.lost_b[dd])
            per_sat = (src.defect_probability[dd] * a * t)[:, None]
            per_unit = lambda u, v=per_sat: v  # noqa: E731
        if per_unit is None:
            continue
        for u in range(len(src.units.size)):
            sats = src.units.sats[src.units.offset[u]:src.units.offset[u] + src.units.size[u]]
            out += per_unit(u) * np.bincount(hs.group[sats], minlength=ng)[None, :]
    return out / np.where(counts > 0, counts, 1.0)[None, :]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="a store that priced the deployment (default: build one)")
    ap.add_argument("--cases", type=int, default=None, help="the first K cases only")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    if not settings.catalog_override():
        shared = settings.shared_dir()
        if shared is None:
            sys.exit("needs the shared catalog (RISKENGINE_SHARED) or RISKENGINE_CATALOG")
        os.environ["RISKENGINE_CATALOG"] = str(
            shared / "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt")
    p = portfolio()
    opts = stages.Options(years=200)
    T = time.perf_counter
    if a.db:
        con = connect(a.db)
    else:
        con = connect(Path(tempfile.mkdtemp()) / "campaign.duckdb")
        t = T()
        stages.hazards(con, p, opts)
        stages.fit(con, opts)
        print(f"store: catalog, hazards and fit in {T() - t:.1f} s")
    li = stages.loss_inputs(con, p, opts)
    objs = stages.portfolio_perils(p)
    hs, ctx = stages.assemble_hazard_set(objs, li)
    years = sensitivity.default_years(hs, p.simulation.years)
    todo = sensitivity.cases(objs)[:a.cases]
    print(f"million deployment: {len(todo)} cases + the base x {years} years, "
          f"workers={a.workers}, elt_min_loss={p.simulation.elt_min_loss:g}")

    # ---- 2. the derelict trigger rates (in every case's assembly)
    from riskengine.perils import _derelict

    spec = ctx.shared["derelicts"][0]
    trig = _derelict.trigger_labels(hs.perils, spec["causes"], spec["exclude"])
    t = T()
    q0 = baseline_failure_rates(hs, trig, hs.n_draws)
    t_base = T() - t
    t = T()
    q1 = _derelict.failure_rates(hs, trig, hs.n_draws)
    t_ours = T() - t
    print(f"derelict trigger rates: baseline {t_base:.2f} s, ours {t_ours:.3f} s, "
          f"x{t_base / t_ours:.1f}; largest relative difference "
          f"{np.max(np.abs(q1 - q0) / np.maximum(np.abs(q0), 1e-300)):.1e} (summation order)")
    del hs, ctx

    # ---- 1. the pass
    hctx_cache = []

    def hazard_context():      # built once, shared by both passes (not timed twice)
        if not hctx_cache:
            t = T()
            hctx_cache.append(stages.hazard_context(con, p, li))
            hctx_cache.append(T() - t)
        return hctx_cache[0]

    kw = dict(years=years, seed=p.simulation.seed, workers=a.workers,
              elt_min_loss=p.simulation.elt_min_loss)
    if any(type(x).hazard_rows is not registry.Peril.hazard_rows for _, x, _, _ in todo):
        hazard_context()
        print(f"hazard context (both passes reuse it): {hctx_cache[1]:.1f} s")
    t = T()
    base = baseline_pass(objs, li, p.policy, p.pricing, hazard_context=hazard_context,
                         todo=todo, **kw)
    t_base = T() - t
    t = T()
    cols = sensitivity.run(objs, li, p.policy, p.pricing, hazard_context=hazard_context,
                           todo=todo, **kw)
    t_ours = T() - t
    same = all(
        cols["expected_loss"][k] == m["aal"] and cols["var_995"][k] == m["var"]
        and cols["premium"][k] == m["premium"] and cols["ground_up_aal"][k] == m["ground_up_aal"]
        and cols["expected_loss_se"][k] == m["aal_se"] for k, m in enumerate(base))
    print(f"pass: baseline {t_base:.1f} s, ours {t_ours:.1f} s, x{t_base / t_ours:.2f}; "
          f"tables equal to the bit: {same}")
    if not same:
        sys.exit("the two passes disagree")
    con.close()


if __name__ == "__main__":
    main()
