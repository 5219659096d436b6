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

Because a case changes one peril, most of its loss sources are the base case's: the cases
run in groups, block by block, and a source the cases of a group have in common
(:func:`share_sources`) is drawn once a block for all of them (the engine's ``memo``); each
case still voids, dates, depletes and prices its own year. A price hands the pass its own
first years as the base case (:func:`riskengine.losses.head_result`).

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


def _same(a, b) -> bool:
    """Whether two engine inputs hold the same values (arrays by value, objects by their
    attributes but the engine's per-object memo; a NaN is never the same).

    Examples
    --------
    >>> _same({"x": np.arange(3), "y": [1.0, "a"]}, {"x": np.arange(3), "y": [1.0, "a"]})
    True
    >>> _same(np.zeros(3), np.zeros(4)), _same(np.zeros(3), np.zeros(3, int))
    (False, False)
    """
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if hasattr(a, "__dict__") and not isinstance(a, type):
        va, vb = vars(a), vars(b)
        keys = va.keys() - {"_engine_memo"}
        return keys == vb.keys() - {"_engine_memo"} and all(_same(va[k], vb[k]) for k in keys)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def share_sources(hs, others) -> int:
    """Make the hazard set ``hs`` hold the object of ``others``' sets for each source that
    is the same there (same place in the list of sources, same labels, same values); the
    number of sources replaced.

    The engine then draws such a source once per block for all of them
    (:func:`riskengine.core.engine.simulate_block`'s ``memo``): a sensitivity case
    changes one peril, so its other ~100 sources are the base case's, and the memory of a
    case is its own sources only. Sets with other parameter draws or other sources' labels
    share nothing (their streams differ).

    Examples
    --------
    >>> from riskengine.core.sources import HazardSet
    >>> def hs(rate):
    ...     h = HazardSet(np.full(10, 1e6), np.zeros(10, int), ["g"], [])
    ...     h.add_independent_failure("hardware", 0.01)
    ...     h.add_common_shock("storm", rate, 0.1)
    ...     return h
    >>> a, b = hs(0.5), hs(0.9)
    >>> share_sources(b, [a]), b.sources[0] is a.sources[0], b.sources[1] is a.sources[1]
    (1, True, False)
    """
    from riskengine.core.engine import source_labels

    mine, n = source_labels(hs), 0
    refs = [r for r in others if r.n_draws == hs.n_draws and source_labels(r) == mine]
    for ref in refs[:1]:   # one array of insured values (the engine keeps what it derives
        if _same(hs.sum_insured, ref.sum_insured):   # from them per array: launch losses)
            hs.sum_insured = ref.sum_insured
    for j, src in enumerate(hs.sources):
        tried = set()
        for ref in refs:
            x = ref.sources[j]
            if id(x) in tried:
                continue
            tried.add(id(x))
            try:
                same = _same(src, x)
            except RecursionError:      # (a structure too deep to compare: not shared)
                same = False
            if same:
                hs.sources[j] = x
                n += 1
                break
    return n


def _simulate_group(shared, group):
    """A group of cases in one process, block by block: each case's perils, rows and
    hazard set, then every case's years of a block in turn, the sources they share drawn
    once (:func:`share_sources`). The years of each case are those it has alone: every
    draw comes from the same streams.

    ``shared`` is ``(objs, li, policy, years, seed, block_size, elt_min_loss, hctx)``;
    ``group`` lists ``(peril index, parameter, value, recompute rows)`` (index -1: the base
    case). Returns each case's :class:`~riskengine.losses.SimulationResult`."""
    from riskengine.core.engine import blocks, simulate_block
    from riskengine.losses import ResultBuilder
    from riskengine.stages import assemble_hazard_set

    objs, li, policy, years, seed, size, elt_min_loss, hctx = shared
    # the base case's sources: what every case but its own peril's sources shares (also
    # when the base case is not simulated here)
    sets, base = [], assemble_hazard_set(objs, li)[0]
    for i, param, value, redo in group:
        if i < 0:
            sets.append(base)
            continue
        case_objs, case_li = list(objs), li
        case_objs[i] = objs[i].with_params(**{param: value})
        if redo:
            case_li = replace(li, rows=_replace_rows(li.rows, objs[i], case_objs[i], hctx))
        hs = assemble_hazard_set(case_objs, case_li)[0]
        share_sources(hs, [base, *sets])    # (its copies of those sources are freed now)
        sets.append(hs)
    del base
    # (as simulate_arrays builds a run's result: the same metrics to the bit; the cases'
    # metrics need their year-level results only)
    out = [ResultBuilder(hs, policy, years, seed) for hs in sets]
    n_events = [0] * len(sets)
    for b, n in blocks(years, size):
        memo: dict = {}     # this block's draws of each source: made by the first case
        for k, hs in enumerate(sets):
            r = simulate_block(hs, policy, seed, b, n, elt_min_loss, memo, year_only=True)
            out[k].add(b * size, r)
            n_events[k] += len(r.ev_year)
    return [x.result(e) for x, e in zip(out, n_events)]


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
        Local processes. The cases are dealt into one group a process; a process gets the
        loss inputs (and the hazard context) once, assembles its cases' hazard sets (the
        rows of a case that needs them recomputed there), and simulates them block by
        block: the sources its cases have in common (:func:`share_sources`, most of them)
        are drawn once a block for all of them. A case's blocks are the same whatever runs
        them, so the numbers are too.
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
    redo = [type(x).hazard_rows is not registry.Peril.hazard_rows for _, x, _, _ in todo]
    if any(redo) and hazard_context is None:
        i, x, ka, _ = todo[redo.index(True)]
        raise ValueError(f"sensitivity of {x.name}.{ka.param} needs the hazard "
                         "context (catalog, screening) to recompute its rows")
    # the cases (and the base case unless given) in groups, one a process: a group runs
    # block by block, each block's shared sources drawn once for all its cases; a case
    # whose peril's hazard rows depend on the parameter (collision, untracked debris,
    # breakup, space weather, radiation) recomputes them there, in the hazard context
    keys = ([-1] if base is None else []) + list(range(len(todo)))
    work = [(-1, "", None, False) if k < 0 else
            (todo[k][0], todo[k][2].param, todo[k][3], redo[k]) for k in keys]
    n_groups = max(1, min(int(workers), len(work)))
    groups = [work[g::n_groups] for g in range(n_groups)]
    hctx = hazard_context() if any(redo) else None
    shared = (list(objs), li, policy, int(years), int(seed), size, float(elt_min_loss), hctx)
    ex = Executor(n_groups, start_method="spawn")
    tick = (None if progress is None else
            (lambda done, total: progress(len(todo) * int(done) // n_groups, len(todo))))
    res = {}
    for g, part in enumerate(ex.map(_simulate_group, groups, shared=shared, progress=tick)):
        for k, r in zip(keys[g::n_groups], part):
            res[k] = r
    m0 = _metrics(res[-1] if base is None else base, pricing, policy, hs0)
    metrics = {k: _metrics(res[k], pricing, policy, hs0) for k in range(len(todo))}

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
