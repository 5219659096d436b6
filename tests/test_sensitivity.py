"""Sensitivity analysis (issue #18 phi table, #21 tornado): common random numbers, one
assumption at a time, and the cases the perils declare."""

from __future__ import annotations

import numpy as np
import pytest

from riskengine import perils as registry
from riskengine import sensitivity
from riskengine.config import Policy, Pricing
from riskengine.core.engine import source_rngs
from riskengine.core.sources import HazardSet
from riskengine.losses import simulate_arrays
from riskengine.perils.base import KeyAssumption, Params, Peril, param


def test_streams_are_keyed_by_label_not_position():
    a = source_rngs(5, 3, ["collision", "storm", "hardware"])
    b = source_rngs(5, 3, ["hardware", "storm"])
    assert a[2].random() == b[0].random() and a[1].random() == b[1].random()
    c = source_rngs(5, 3, ["hardware", "hardware"])    # same label twice: two streams
    assert c[0].random() != c[1].random()


def _hs(rate_a):
    hs = HazardSet(np.full(200, 1e8), np.repeat([0, 1], 100), ["a", "b"], [])
    hs.add_independent_failure("peril_a", rate_a, groups=["a"])
    hs.add_common_shock("peril_b", 0.5, 0.2, groups=["b"])
    return hs


def test_common_random_numbers_leave_the_other_perils_unchanged():
    """Changing peril_a's rate changes only peril_a's losses, year by year (its satellites
    are not peril_b's, no aggregate terms couple them)."""
    r1 = simulate_arrays(_hs(0.01), Policy(), seed=1, years=3000, block_size=500)
    r2 = simulate_arrays(_hs(0.03), Policy(), seed=1, years=3000, block_size=500)
    j1, j2 = r1.perils.index("peril_b"), r2.perils.index("peril_b")
    np.testing.assert_array_equal(r1.by_peril[:, j1], r2.by_peril[:, j2])
    a1 = r1.by_peril[:, r1.perils.index("peril_a")].mean()
    a2 = r2.by_peril[:, r2.perils.index("peril_a")].mean()
    assert a2 / a1 == pytest.approx(3.0, rel=0.15)


class _ToyParams(Params):
    probability: float = param(0.02, description="annual loss probability",
                               assumption="toy", ge=0, le=1)


class _Toy(Peril):
    type = "toy_sensitivity"
    kind = "physical"
    Params = _ToyParams
    needs = frozenset({"fleet"})
    key_assumptions = (KeyAssumption("probability", (0.01, 0.02, 0.04), "toy probability"),)

    def add_sources(self, hs, ctx):
        hs.add_independent_failure(self.name, self.params.probability)


@pytest.fixture
def toy():
    registry.register(_Toy)
    yield _Toy
    registry.unregister(_Toy.type)


def test_sensitivity_run_moves_one_assumption_at_a_time(toy):
    from riskengine.config import parse_portfolio
    from riskengine.fleet import resolve_fleet
    from riskengine.stages import LossInputs

    p = parse_portfolio({
        "fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53, "planes": 1,
                   "per_plane": 300, "sum_insured": 1e8}],
        "perils": [{"type": "toy_sensitivity"}]})
    objs = registry.instantiate(p.perils)
    li = LossInputs(resolve_fleet(p), {}, None, 1, None, None, {})
    assert [(c[2].param, c[3]) for c in sensitivity.cases(objs)] == [
        ("probability", 0.01), ("probability", 0.04)]     # the configured 0.02 is the base
    cols = sensitivity.run(objs, li, Policy(), Pricing(), years=20_000, seed=3)
    assert cols["peril"] == ["(base)", "toy_sensitivity", "toy_sensitivity"]
    el = dict(zip(cols["value"], cols["expected_loss"]))
    exact = {v: 300 * 1e8 * p_ for v, p_ in (("", 0.02), ("0.01", 0.01), ("0.04", 0.04))}
    for v, x in el.items():
        assert x == pytest.approx(exact[v], rel=0.03)
    # common random numbers: the differences are far more precise than the AALs
    assert cols["d_expected_loss"][0] == 0
    assert cols["d_expected_loss"][2] / (exact["0.04"] - exact[""]) == pytest.approx(1, rel=0.03)
    rows = sensitivity.tornado_rows(cols)
    assert rows[0]["low_value"] == "0.01" and rows[0]["high_value"] == "0.04"
    assert rows[0]["swing"] > 0
    # the cases on two processes: the same blocks, so the same table
    assert sensitivity.run(objs, li, Policy(), Pricing(), years=20_000, seed=3,
                           workers=2) == cols
    # the run's elt_min_loss compacts the cases' events in the workers (every occurrence
    # here: 1e8 < 2e8); the metrics come from the years, so the table is the same to the bit
    assert sensitivity.run(objs, li, Policy(), Pricing(), years=20_000, seed=3,
                           elt_min_loss=2e8) == cols


def test_physical_perils_declare_key_assumptions():
    declared = {t: registry.get(t).key_assumptions for t in registry.types()}
    assert [k.param for k in declared["hardware"]] == ["in_orbit_factor"]
    assert declared["hardware"][0].values == (1.0, 2.0, 4.0)      # the phi table
    assert [k.param for k in declared["batch_defect"]] == ["defect_probability"]
    for t, kas in declared.items():
        for k in kas:
            assert isinstance(k, KeyAssumption) and k.label, t


def test_compacted_events_leave_every_year_level_result_unchanged():
    """``simulate_arrays(elt_min_loss=...)`` sums the small occurrences into one row per year
    and peril; the year-level results every metric comes from (gross, ground-up, OEP, net,
    per peril) stay exactly as they were, under occurrence and aggregate terms."""
    pol = Policy(occurrence_limit=2.5e8, aggregate_limit=6e8, deductible=2e7)
    full = simulate_arrays(_hs(0.01), pol, seed=4, years=2000, block_size=500)
    small = simulate_arrays(_hs(0.01), pol, seed=4, years=2000, block_size=500,
                            elt_min_loss=1.5e8)   # each single loss (1e8), not a shock
    assert small.n_events < full.n_events
    for k in ("gross", "ground_up", "oep", "oep_ground_up", "ceded", "by_peril", "by_group"):
        np.testing.assert_array_equal(getattr(small, k), getattr(full, k))


def test_perils_pickle_as_their_class_and_validated_entry():
    """The cases run in worker processes: every peril (the default set, a configured one,
    a case's copy) travels as its class and entry data and arrives equal."""
    import pickle

    objs = registry.instantiate(None)
    objs.append(registry.get("space_weather")(registry.validate_entry(
        {"type": "space_weather", "name": "storms", "params": {"rate": 0.7}})).with_params(
            rate=0.2))
    back = pickle.loads(pickle.dumps(objs))
    assert [type(x) for x in back] == [type(x) for x in objs]
    assert [x.entry for x in back] == [x.entry for x in objs]
    assert back[-1].name == "storms" and back[-1].params.rate == 0.2


def test_a_peril_registered_in_this_process_only_rebuilds_elsewhere(toy):
    """A notebook's own peril class is not registered in a worker: it is rebuilt there from
    its class and entry data all the same."""
    from riskengine.perils.base import _rebuild_peril

    x = toy(toy.EntryModel.model_validate({"type": toy.type, "params": {"probability": 0.3}}))
    registry.unregister(toy.type)
    try:
        saved = toy.__dict__["EntryModel"]
        del toy.EntryModel      # as in a process that never registered it
        y = _rebuild_peril(toy, x.entry.model_dump())
    finally:
        toy.EntryModel = saved
        registry.register(toy)
    assert type(y) is toy and y.params.probability == 0.3


def test_cases_with_recomputed_rows_give_the_same_table_on_worker_processes(db_path, toy):
    """The pass on 2 processes (a group of cases each, block by block, the shared sources
    drawn once a block; the space-weather cases' rows recomputed in the worker) equals the
    pass run here, and both equal each case simulated alone with every source drawn for it,
    case by case and to the bit; the recomputed rows move the price."""
    from riskengine import stages
    from riskengine.config import parse_portfolio
    from riskengine.store import connect

    p = parse_portfolio({
        "name": "sw", "fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53,
                                 "planes": 4, "per_plane": 50, "sum_insured": 1e8}],
        "perils": [{"type": "space_weather"}, {"type": "toy_sensitivity"}]})
    con = connect(db_path)
    opts = stages.Options(years=50)
    stages.hazards(con, p, opts)
    li = stages.loss_inputs(con, p, opts)
    objs = stages.portfolio_perils(p)
    calls = []

    def hctx():
        calls.append(1)
        return stages.hazard_context(con, p, li)

    kw = dict(years=3000, seed=11, hazard_context=hctx)
    one = sensitivity.run(objs, li, Policy(), Pricing(), workers=1, **kw)
    two = sensitivity.run(objs, li, Policy(), Pricing(), workers=2, **kw)
    assert one == two
    assert calls == [1, 1]                       # one hazard context a pass
    # the reference: each case alone, its own hazard set, every source drawn for it
    from dataclasses import replace

    from riskengine.core.engine import block_years

    ctx = hctx()
    hs0 = stages.assemble_hazard_set(objs, li)[0]
    ref = []
    for i, x, ka, value in [(-1, None, None, None)] + sensitivity.cases(objs):
        case, case_li = list(objs), li
        if i >= 0:
            case[i] = x.with_params(**{ka.param: value})
            if type(x).hazard_rows is not registry.Peril.hazard_rows:
                case_li = replace(li, rows=sensitivity._replace_rows(li.rows, x, case[i], ctx))
        hs = stages.assemble_hazard_set(case, case_li)[0]
        if i >= 0:        # all but the peril's own source are the base case's: shared
            assert sensitivity.share_sources(hs, [hs0]) == len(hs.sources) - 1
        r = simulate_arrays(hs, Policy(), seed=11, years=3000, block_size=block_years(hs0),
                            keep_components=False)
        ref.append(sensitivity._metrics(r, Pricing(), Policy(), hs0))
    assert one["expected_loss"] == [m["aal"] for m in ref]
    assert one["var_995"] == [m["var"] for m in ref]
    assert one["premium"] == [m["premium"] for m in ref]
    assert one["ground_up_aal"] == [m["ground_up_aal"] for m in ref]
    # the table keeps the cases' order (the row cases ran last)
    assert one["peril"] == ["(base)"] + [c[1].name for c in sensitivity.cases(objs)]
    d = dict(zip(zip(one["peril"], one["value"]), one["d_expected_loss"]))
    assert d[("space_weather", "0.2")] < 0 < d[("space_weather", "1.0")]


def test_the_run_records_what_its_key_assumption_pass_cost(db_path, toy):
    """``stages.simulate`` writes the sensitivity table and records the pass (cases, years
    per case, seconds) in ``runs.stats``: a benchmark or a user sees what it cost."""
    import json

    from riskengine import stages
    from riskengine.config import parse_portfolio
    from riskengine.store import connect

    p = parse_portfolio({
        "name": "sw", "fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53,
                                 "planes": 2, "per_plane": 50, "sum_insured": 1e8}],
        "perils": [{"type": "space_weather"}, {"type": "toy_sensitivity"}],
        "simulation": {"sensitivity_years": 300}})
    con = connect(db_path)
    opts = stages.Options(years=400)
    stages.hazards(con, p, opts)
    rid = stages.simulate(con, p, opts, kind="price")
    stats = json.loads(con.execute("SELECT stats FROM runs WHERE run_id = ?",
                                   [rid]).fetchone()[0])
    assert stats["sensitivity"]["cases"] == 4 and stats["sensitivity"]["years"] == 300
    assert stats["sensitivity"]["seconds"] > 0
    n = con.execute("SELECT count(*) FROM sensitivity WHERE run_id = ?", [rid]).fetchone()[0]
    assert n == 5


@pytest.mark.parametrize("catalog", ["default", "file"])
def test_a_price_recomputes_rows_in_the_context_its_hazards_stage_kept(db_path, monkeypatch,
                                                                     catalog, request):
    """In one ``price`` the hazards stage keeps its context (catalog, screening, every
    peril's shared state) for the sensitivity cases: no second load of the catalog and no
    second computation of every peril's hazards (~50 s for a million satellites), and the
    rows the cases recompute in it are those of a context built anew from the store (the
    embedded default catalog, or a file parsed by the hazards stage and read back from the
    store by the new context)."""
    from riskengine import stages
    from riskengine.config import parse_portfolio
    from riskengine.store import connect

    if catalog == "file":
        monkeypatch.setenv("RISKENGINE_CATALOG", str(request.getfixturevalue("full_3le")))
    else:
        monkeypatch.delenv("RISKENGINE_CATALOG", raising=False)
    p = parse_portfolio({
        "name": "kept", "fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53,
                                   "planes": 4, "per_plane": 10, "sum_insured": 1e8}],
        "perils": [{"type": "collision"}, {"type": "untracked_debris"},
                   {"type": "space_weather"}]})
    con = connect(db_path)
    opts = stages.Options(years=50)
    hz = stages.hazards(con, p, opts)
    kept = opts.info["hazard_context"]
    assert kept["run_id"] == hz
    li = stages.loss_inputs(con, p, opts)
    fresh = stages.hazard_context(con, p, li)
    objs = stages.portfolio_perils(p)
    redo = [c for c in sensitivity.cases(objs)
            if type(c[1]).hazard_rows is not registry.Peril.hazard_rows]
    assert {c[1].type for c in redo} == {"collision", "untracked_debris", "space_weather"}

    def boom(*a, **k):
        raise AssertionError("the kept context computed the hazards again")

    monkeypatch.setattr(stages, "compute_hazards", boom)
    monkeypatch.setattr(stages, "ensure_catalog", boom)
    ctx = stages.hazard_context(con, p, li, kept)
    assert ctx.catalog is kept["catalog"] and ctx.shared is kept["shared"]
    for _, x, ka, value in redo:
        new = x.with_params(**{ka.param: value})
        a = sensitivity._replace_rows(li.rows, x, new, ctx)
        b = sensitivity._replace_rows(li.rows, x, new, fresh)
        assert a == b, (x.name, ka.param, value)
    # a context kept for another hazards run is not taken
    with pytest.raises(AssertionError, match="computed the hazards again"):
        stages.hazard_context(con, p, li, dict(kept, run_id="another"))


def test_the_head_of_a_run_is_a_shorter_run_of_the_same_blocks():
    """The first years of a run, taken block by block (:func:`head_result`), are a run of
    those years to the bit: annual losses, ceded losses, reinstatement multiples, the
    layers' sums added in block order, hence the same price. The sensitivity pass takes it
    as its base case instead of simulating the run's first years again."""
    from riskengine.config import ReinsuranceLayer
    from riskengine.losses import head_result, price_simulation

    hs = HazardSet(np.full(60, 1e8), np.zeros(60, int), ["s"], [])
    hs.add_common_shock("storm", 0.6, 0.15)
    hs.add_independent_failure("hardware", 0.01)
    layers = [ReinsuranceLayer(name="xl", attachment=2e8, limit=5e8, basis="occurrence",
                               reinstatements=1, reinstatement_premium=1.0),
              ReinsuranceLayer(name="qs", type="quota_share", share=0.3)]
    pol = Policy(reinsurance=layers)
    full = simulate_arrays(hs, pol, seed=4, years=700, block_size=100)
    short = simulate_arrays(hs, pol, seed=4, years=300, block_size=100)
    h = head_result(full, 300, 100)
    assert h.years == 300 and h.n_layers == 2 and h.rho is not None
    for k in ("gross", "ground_up", "ceded", "oep", "layer_ceded", "layer_ceded_sq", "rho"):
        np.testing.assert_array_equal(getattr(h, k), getattr(short, k), err_msg=k)
    assert not np.array_equal(full.layer_ceded, short.layer_ceded)
    a, la = price_simulation(h, Pricing(), pol, hs)
    b, lb = price_simulation(short, Pricing(), pol, hs)
    assert (a.premium, a.expected_loss, a.var) == (b.premium, b.expected_loss, b.var)
    assert [x.upfront_premium for x in la] == [x.upfront_premium for x in lb]
    assert head_result(full, 250, 100) is None          # inside a block: other draws
    assert head_result(full, 800, 100) is None          # longer than the run
    last = simulate_arrays(hs, pol, seed=4, years=650, block_size=100)   # a short last block
    assert head_result(last, 650, 100).gross.tolist() == last.gross.tolist()


def test_a_price_takes_its_own_first_years_as_the_base_case(db_path, toy):
    """``stages.simulate`` gives the pass its own first years (the same seed and blocks) as
    the base case: the table is the one the pass gives when it simulates the base case."""
    from riskengine import stages
    from riskengine.config import parse_portfolio
    from riskengine.store import connect

    p = parse_portfolio({
        "name": "head", "fleet": [{"name": "g", "altitude_km": 550, "inclination_deg": 53,
                                   "planes": 2, "per_plane": 50, "sum_insured": 1e8}],
        "perils": [{"type": "space_weather"}, {"type": "toy_sensitivity"}],
        "policy": {"reinsurance": [{"name": "xl", "attachment": 1e8, "limit": 4e8,
                                    "basis": "occurrence", "reinstatements": 1}]},
        "simulation": {"sensitivity_years": 400}})
    con = connect(db_path)
    opts = stages.Options(years=400)
    stages.hazards(con, p, opts)
    calls = []
    real = sensitivity.run

    def spy(*a, **k):
        calls.append(k.get("base"))
        return real(*a, **k)

    sensitivity.run = spy
    try:
        rid = stages.simulate(con, p, opts, kind="price")
    finally:
        sensitivity.run = real
    assert calls and calls[0] is not None and calls[0].years == 400
    got = con.execute("SELECT peril, value, expected_loss, var_995, premium, ground_up_aal "
                      "FROM sensitivity WHERE run_id = ? ORDER BY rowid", [rid]).fetchall()
    li = stages.loss_inputs(con, p, opts)
    objs = stages.portfolio_perils(p)
    cols = real(objs, li, p.policy, p.pricing, years=400, seed=p.simulation.seed,
                hazard_context=lambda: stages.hazard_context(con, p, li))
    want = list(zip(cols["peril"], cols["value"], cols["expected_loss"], cols["var_995"],
                    cols["premium"], cols["ground_up_aal"]))
    assert got == want


def test_a_block_with_memo_and_year_only_gives_the_same_years():
    """The engine's two savings for the pass change no number: a block drawn with a memo
    (the sources a second hazard set shares with the first drawn once) and a block that
    stops at the year-level results give the annual losses, recoveries, reinstatement
    multiples and largest occurrences of the plain block, to the bit."""
    from riskengine.config import ReinsuranceLayer
    from riskengine.core.engine import simulate_block

    def hs(rate):
        h = HazardSet(np.full(300, 1e8), np.repeat([0, 1], 150), ["a", "b"], [])
        h.add_independent_failure("hardware", 0.02)
        h.add_common_shock("storm", rate, 0.1, groups=["b"])
        h.add_common_shock("breakup", 0.3, 0.05)
        return h

    pol = Policy(aggregate_limit=2e9, reinsurance=[ReinsuranceLayer(
        name="xl", attachment=1e8, limit=5e8, basis="occurrence", reinstatements=1)])
    a, b = hs(0.5), hs(1.5)
    assert sensitivity.share_sources(b, [a]) == 2
    keys = ("gross", "ground_up", "ceded", "rho", "oep", "oep_ground_up", "oep_net")
    for block in range(3):
        memo: dict = {}
        for h in (a, b):
            plain = simulate_block(h, pol, 7, block, 400)
            lean = simulate_block(h, pol, 7, block, 400, memo=memo, year_only=True)
            for k in keys:
                np.testing.assert_array_equal(getattr(lean, k), getattr(plain, k), err_msg=k)
            assert lean.campaign is None and len(lean.ev_year) == 0 and len(plain.ev_year)
        assert len(memo) >= 3          # the first set's sources, the second's own storm
