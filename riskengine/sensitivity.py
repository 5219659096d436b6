"""What drives the price: every key assumption the perils declare, moved one at a time.

Each case re-prices the portfolio with ONE peril parameter changed (the perils'
``key_assumptions``, e.g. the in-orbit accelerator factor phi = 1, 2, 4, the serial-defect
rate, the storm rate, collision avoidance) and everything else as configured. Cases are
simulated with common random numbers: the same seed, the same blocks of years and one
random stream per loss source keyed by its label
(:func:`riskengine.core.engine.source_rngs`), so a peril that does not change draws
exactly what it drew in the base case and the differences are the assumption's effect,
not Monte Carlo noise.

A case of a peril whose hazard rows depend on the parameter (collision, untracked debris,
breakup, space weather) recomputes that peril's rows from the same fleet, catalog and
screening (``hazard_context``); posterior perils re-draw their sources.

The result is the ``sensitivity`` table (one row per case plus the base) and the report's
tornado chart.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from riskengine import perils as registry

#: Years simulated per case unless the portfolio says otherwise (at most).
DEFAULT_YEARS = 20_000
#: Expected hits and occurrences simulated per case at most (bounds a case's cost for a
#: large fleet: a million satellites get a few hundred years a case).
HITS_PER_CASE = 200_000_000


def default_years(hs, years: int) -> int:
    """Years per case: the run's years, at most :data:`DEFAULT_YEARS` and at most
    :data:`HITS_PER_CASE` expected hits (at least 200).

    Examples
    --------
    >>> from riskengine.core.sources import HazardSet
    >>> import numpy as np
    >>> hs = HazardSet(np.full(1_000_000, 3e6), np.zeros(1_000_000, int), ["s"], [])
    >>> hs.add_independent_failure("hardware", 0.02)
    >>> default_years(hs, 20_000)
    4949
    """
    from riskengine.core.engine import expected_hits_per_year

    per_year = max(expected_hits_per_year(hs), 1.0)
    return int(max(200, min(years, DEFAULT_YEARS, HITS_PER_CASE // per_year)))


def cases(objs) -> list[tuple[int, object, object, object]]:
    """``(peril index, peril, KeyAssumption, value)`` of every case of the perils ``objs``.

    Examples
    --------
    >>> from riskengine.perils import instantiate, validate_entry
    >>> objs = instantiate([validate_entry({"type": "space_weather"})])
    >>> [(c[2].param, c[3]) for c in cases(objs)]
    [('rate', 0.2), ('rate', 1.0)]
    """
    out = []
    for i, x in enumerate(objs):
        for ka, value in x.sensitivity_cases():
            out.append((i, x, ka, value))
    return out


def _metrics(res, pricing, policy, hs) -> dict:
    from riskengine.losses import price_simulation

    pr, _ = price_simulation(res, pricing, policy, hs)   # priced as the run itself is
    return dict(aal=pr.expected_loss, aal_se=pr.expected_loss_se, var=pr.var,
                premium=pr.premium, ground_up_aal=float(np.mean(res.ground_up)))


def _simulate_case(shared, task):
    """One case in a worker: the case's perils and rows, its hazard set, its years.

    ``shared`` is ``(objs, li, policy, years, seed, block_size, elt_min_loss)``; ``task``
    is ``(peril index, parameter, value, rows)`` (index -1: the base case; ``rows`` None:
    the stored rows)."""
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


def run(objs, li, policy, pricing, *, years: int, seed: int, hazard_context=None,
        progress=None, workers: int = 1, elt_min_loss: float = 0.0, todo=None,
        hs=None, base=None) -> dict:
    """Price the base case and every case of ``objs``; columns of the ``sensitivity`` table.

    Parameters
    ----------
    objs : list of Peril
        The portfolio's perils (:func:`riskengine.stages.portfolio_perils`).
    li : riskengine.stages.LossInputs
        Fleet, stored hazard rows and posterior of the priced run.
    policy, pricing : the portfolio's terms.
    years, seed : int
        Years per case and the run's seed (common random numbers).
    hazard_context : callable() -> HazardContext, optional
        Builds the hazard context (catalog, screening) for perils whose rows must be
        recomputed; called at most once.
    progress : callable(done, total), optional
    workers : int
        Local processes. Each runs whole cases (it assembles the case's hazard set and
        simulates its years in order), so one pool serves the pass and a case's hazard set
        is never pickled; the loss inputs go to each process once. A case's blocks are the
        same whatever runs them, so the numbers are too.
    elt_min_loss : float
        The run's ``[simulation] elt_min_loss``: occurrences below it are compacted as they
        are simulated. The cases' metrics come from year-level results only, so they are
        the same; a million-satellite case keeps ~4,000 event rows a year, not ~480,000.
    todo : list, optional
        The cases to price (items of :func:`cases`; default: all of them).
    hs : HazardSet, optional
        The base case's hazard set, when the caller has it (the run's own): not assembled
        again.
    base : SimulationResult, optional
        The base case's years, when the caller has them: the first ``years`` years of the
        run itself, same seed and blocks (:func:`riskengine.losses.head_result`), so the
        same to the bit. The base case is then not simulated again.
    """
    from riskengine.core.engine import block_years
    from riskengine.executor import Executor
    from riskengine.stages import assemble_hazard_set

    todo = cases(objs) if todo is None else list(todo)
    cols = {k: [] for k in ("peril", "parameter", "label", "value", "base_value", "years",
                            "expected_loss", "expected_loss_se", "var_995", "premium",
                            "ground_up_aal", "d_expected_loss", "d_var_995", "d_premium")}
    if not todo:
        return cols
    hs0 = hs if hs is not None else assemble_hazard_set(objs, li)[0]
    size = block_years(hs0)
    if base is not None and base.years != int(years):
        raise ValueError(f"the base case has {base.years} years, the cases {years}")
    lead = int(base is None)            # the base case's task, when it is simulated here
    # the cases whose perils' hazard rows depend on the parameter (collision, untracked
    # debris, breakup, space weather) get their rows computed here, from one hazard context,
    # after the others: while the workers run the first cases
    redo = [type(x).hazard_rows is not registry.Peril.hazard_rows for _, x, _, _ in todo]
    if any(redo) and hazard_context is None:
        i, x, ka, _ = todo[redo.index(True)]
        raise ValueError(f"sensitivity of {x.name}.{ka.param} needs the hazard "
                         "context (catalog, screening) to recompute its rows")
    order = [k for k in range(len(todo)) if not redo[k]] + [k for k in range(len(todo))
                                                            if redo[k]]

    def tasks():
        if lead:
            yield (-1, "", None, None)              # the base case
        hctx = None
        for k in order:
            i, x, ka, value = todo[k]
            rows = None
            if redo[k]:
                hctx = hctx or hazard_context()
                rows = _replace_rows(li.rows, x, x.with_params(**{ka.param: value}), hctx)
            yield (i, ka.param, value, rows)

    shared = (list(objs), li, policy, int(years), int(seed), size, float(elt_min_loss))
    n_tasks = len(todo) + lead
    ex = Executor(max(1, min(int(workers), n_tasks)), start_method="spawn")
    tick = (None if progress is None else
            (lambda done, total: progress(max(0, int(done) - lead), len(todo))))
    results = ex.map(_simulate_case, tasks(), shared=shared, progress=tick, total=n_tasks)
    m0 = _metrics(next(results) if lead else base, pricing, policy, hs0)
    metrics = {}
    for k in order:
        metrics[k] = _metrics(next(results), pricing, policy, hs0)
    for _ in results:   # none left: ends the map (its pool shut down now, not when collected)
        raise RuntimeError("the sensitivity map returned more results than its cases")

    def add(peril, param, label, value, base_value, m):
        cols["peril"].append(peril)
        cols["parameter"].append(param)
        cols["label"].append(label)
        cols["value"].append(str(value))
        cols["base_value"].append(str(base_value))
        cols["years"].append(int(years))
        cols["expected_loss"].append(m["aal"])
        cols["expected_loss_se"].append(m["aal_se"])
        cols["var_995"].append(m["var"])
        cols["premium"].append(m["premium"])
        cols["ground_up_aal"].append(m["ground_up_aal"])
        cols["d_expected_loss"].append(m["aal"] - m0["aal"])
        cols["d_var_995"].append(m["var"] - m0["var"])
        cols["d_premium"].append(m["premium"] - m0["premium"])

    add("(base)", "", "as configured", "", "", m0)
    for k, (i, x, ka, value) in enumerate(todo):
        add(x.name, ka.param, ka.label or ka.param, value, getattr(x.params, ka.param),
            metrics[k])
    return cols


def _replace_rows(rows: dict, old, new, hctx) -> dict:
    """The stored hazard rows with ``old``'s rows replaced by ``new``'s, computed in
    ``hctx`` (the other perils' rows unchanged)."""
    labels = set(old.labels())
    keep = [i for i, p in enumerate(rows.get("peril", [])) if p not in labels]
    fresh = new.hazard_rows(replace(hctx, shared=dict(hctx.shared)))
    out = {k: [v[i] for i in keep] for k, v in rows.items()}
    for r in fresh:
        for k in out:
            out[k].append(r.get(k))
    return out


def tornado_rows(cols: dict) -> list[dict]:
    """One row per key assumption: its lowest and highest premium change, sorted by the
    width of the swing (the tornado chart's bars)."""
    by: dict = {}
    for i, peril in enumerate(cols["peril"]):
        if peril == "(base)":
            continue
        key = (peril, cols["parameter"][i], cols["label"][i])
        # the configured value is a point of the bar (no change): a key assumption with one
        # case away from it spans from it to that case
        by.setdefault(key, [(0.0, cols["base_value"][i])]).append(
            (cols["d_premium"][i], cols["value"][i]))
    out = []
    for (peril, param, label), vals in by.items():
        lo = min(vals)
        hi = max(vals)
        out.append(dict(peril=peril, parameter=param, label=label, low=lo[0], low_value=lo[1],
                        high=hi[0], high_value=hi[1], swing=hi[0] - lo[0]))
    return sorted(out, key=lambda r: -abs(r["swing"]))
