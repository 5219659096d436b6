"""The engine's fast orderings give the permutations of the plain sorts they replace."""

import numpy as np
import pytest

from riskengine.core.engine import _pick_distinct, _row_search, _stable_argsort, _time_order


@pytest.mark.parametrize("n_years", [1, 3])
@pytest.mark.parametrize("share_end", [0.0, 0.6, 1.0])
def test_time_order_is_the_stable_sort(n_years, share_end):
    rng = np.random.default_rng(7)
    n = 5000
    year = rng.integers(0, n_years, n)
    t = rng.random(n)
    t[rng.random(n) < share_end] = 1.0          # end-of-year occurrences (capacity claims)
    t[rng.random(n) < 0.05] = 0.0                # ties inside the year (launch failures)
    t[:50] = np.round(t[:50], 1)                 # more ties
    want = (np.argsort(t, kind="stable") if n_years == 1
            else np.lexsort((t, year)))
    assert np.array_equal(_time_order(year, t, n_years), want)


def test_time_order_falls_back_beyond_the_year_end():
    year = np.array([0, 0, 1, 1])
    t = np.array([1.0, 1.5, 0.2, 1.0])
    assert np.array_equal(_time_order(year, t, 2), np.lexsort((t, year)))


def test_pick_distinct_distinct_and_sorted():
    rng = np.random.default_rng(3)
    k = rng.integers(0, 40, 300)
    ev, pos = _pick_distinct(k, 50, rng)
    assert np.array_equal(np.bincount(ev, minlength=len(k)), k)
    key = ev * 50 + pos
    assert np.all(np.diff(key) > 0)              # by event, then position, no duplicate


@pytest.mark.parametrize("m", [1_000_000, 10_000_000])
def test_pick_distinct_sorts_the_drawn_keys(m):
    """The picks are the drawn positions sorted by event and position, whether the keys
    sort as 32-bit integers (300 events x 1e6 positions fit) or as 64-bit ones (x 1e7 do
    not): the same draws as one 64-bit sort (no duplicate among so few picks)."""
    k = np.random.default_rng(5).integers(0, 40, 300)
    ev, pos = _pick_distinct(k, m, np.random.default_rng(6))
    rng = np.random.default_rng(6)
    want = np.sort(np.repeat(np.arange(len(k)), k) * np.int64(m)
                   + rng.integers(0, m, size=int(k.sum())))
    assert ev.dtype == pos.dtype == np.int64
    assert np.array_equal(ev * np.int64(m) + pos, want)


@pytest.mark.parametrize("kind", ["float", "ties", "int"])
def test_stable_argsort_is_the_stable_sort(kind):
    rng = np.random.default_rng(11)
    for n in (0, 1, 2, 17, 4000):
        x = rng.random(n)
        if kind == "ties":
            x[rng.random(n) < 0.3] = 0.0
            x[rng.random(n) < 0.1] = -0.0              # equal to 0.0: one run of ties
            x[: n // 4] = np.round(x[: n // 4], 1)
        elif kind == "int":
            x = rng.integers(0, 40, n) * np.int64(2 ** 32) + rng.integers(0, 5, n)
        assert np.array_equal(_stable_argsort(x), np.argsort(x, kind="stable"))


def test_row_search_is_the_whole_table_search():
    rng = np.random.default_rng(5)
    cdf = np.sort(rng.random((30, 9)), axis=1)
    cdf[:, -1] = 1.0
    cdf[3, 2:5] = cdf[3, 2]                            # flat stretches (zero-probability rows)
    flat = (cdf + np.arange(30)[:, None] * 2.0).ravel()
    r = rng.random(2000)
    for row in (rng.integers(0, 30, 2000), np.full(2000, 3), np.full(2000, 29)):
        want = np.searchsorted(flat, r + row * 2.0, side="right") - row * 9
        assert np.array_equal(_row_search(flat, 9, row, r), want)
    # rows one apart (the units of a satellite source): the last entry of a row is the
    # first of the next when that one starts with zero-rate units; a query rounded up to
    # it is clipped to the row's last unit either way
    cdf[:, :2] = np.where(np.arange(30)[:, None] % 2 == 0, 0.0, cdf[:, :2])
    flat1 = (cdf + np.arange(30)[:, None]).ravel()
    r[:10] = 1.0 - 2.0 ** -53
    for row in (rng.integers(0, 30, 2000), np.full(2000, 3), np.full(2000, 28)):
        want = np.minimum(np.searchsorted(flat1, r + row, side="right") - row * 9, 8)
        assert np.array_equal(np.minimum(_row_search(flat1, 9, row, r, step=1.0), 8), want)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_depletion_is_the_sorted_one(seed):
    """The compiled depletion (a counting sort by satellite and year) gives the numbers of
    the sorting reference to the last bit: ties in time, repeated hits, CTL crossings."""
    from riskengine.core.engine import _deplete_hits_sorted, deplete_hits

    rng = np.random.default_rng(seed)
    n, n_keys = 20_000, 6_000
    key = rng.integers(0, n_keys, n)
    time = rng.random(n)
    time[rng.random(n) < 0.3] = 1.0                 # end-of-year claims
    time[rng.random(n) < 0.1] = 0.0                 # launch-time hits
    time[:500] = np.round(time[:500], 2)            # more ties
    damage = np.where(rng.random(n) < 0.2, 1.0, rng.beta(0.5, 2.0, n))
    damage[:50] = [-0.1, 1.3] * 25                  # out of range: clipped
    for thr in (0.5, 0.75, 1.0):
        got = deplete_hits(key, time, damage, thr, n_keys=n_keys)
        want = _deplete_hits_sorted(key, time, np.clip(damage, 0.0, 1.0), thr)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


@pytest.mark.parametrize("n_years", [1, 7])
def test_compiled_depletion_of_event_hits_is_the_sorted_one(n_years):
    """The block's depletion looks up each hit's year and time through its occurrence:
    the numbers of the sorting reference on the keys and times it would have made; a hit
    outside the fleet or the block is an error, not a write out of bounds."""
    from riskengine.core.engine import _deplete_hits_sorted, deplete_event_hits

    rng = np.random.default_rng(n_years)
    n_sats, n_ev, n = 900, 3_000, 20_000
    ev_year, ev_time = rng.integers(0, n_years, n_ev), rng.random(n_ev)
    ev_time[rng.random(n_ev) < 0.3] = 1.0
    hit_ev, sat = rng.integers(0, n_ev, n), rng.integers(0, n_sats, n)
    damage = np.where(rng.random(n) < 0.2, 1.0, rng.beta(0.5, 2.0, n))
    damage[:4] = [-0.2, 1.5, 0.9, 2.0]          # clipped to [0, 1] by the kernel
    given = damage.copy()
    got = deplete_event_hits(hit_ev, sat, ev_year, ev_time, damage, n_sats, n_years, 0.75)
    want = _deplete_hits_sorted(ev_year[hit_ev] * n_sats + sat, ev_time[hit_ev],
                                np.clip(damage, 0.0, 1.0), 0.75)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert np.array_equal(damage, given)         # the caller's damage is not clipped in place
    sat[5] = n_sats
    with pytest.raises(ValueError, match="outside"):
        deplete_event_hits(hit_ev, sat, ev_year, ev_time, damage, n_sats, n_years, 0.75)
    sat[5], ev_year[hit_ev[7]] = 0, n_years      # a year past the block
    with pytest.raises(ValueError, match="outside"):
        deplete_event_hits(hit_ev, sat, ev_year, ev_time, damage, n_sats, n_years, 0.75)


@pytest.mark.parametrize("n_years", [1, 400])
@pytest.mark.parametrize("min_loss", [3e5, 3e6])
def test_block_summed_as_simulated_is_compact_events_of_the_full_table(n_years, min_loss):
    """``simulate_block(..., min_loss)`` sums the small occurrences as it goes, without
    putting them in order: the table, the year results and the campaign sums are those of
    :func:`compact_events` of the full table (the sums of small ground-up losses to the
    last bits of their order of addition). The hazard set has every path of the block's
    financial terms: failed launches (one occurrence of every satellite on board) under a
    per-risk layer, satellite failures, shared storms, direct compound losses, occurrence
    and aggregate terms; ``min_loss`` above the occurrence deductible leaves small
    occurrences with a loss."""
    from riskengine.config import Lognormal, Poisson, Policy, ReinsuranceLayer
    from riskengine.core.campaign import Campaign, LaunchFailureSource
    from riskengine.core.engine import compact_events, simulate_block
    from riskengine.core.sources import CompoundSource, HazardSet

    n = 60
    hs = HazardSet(np.full(n, 1e6), np.r_[np.zeros(30, int), np.ones(30, int)], ["a", "b"])
    c = Campaign.build(np.array([0.0, 200.0]), np.array([2027, 2027]),
                       [np.arange(20), np.arange(20, 40)], n)
    c.phase_of = {"launch": 0}
    hs.campaign = c
    hs.sources.append(LaunchFailureSource("launch", c.units, np.array([[0.2, 0.1]])))
    hs.perils.append("launch")
    hs.add_independent_failure("hardware", 0.3)
    hs.add_common_shock("storm", 0.8, 0.2)
    hs.sources.append(CompoundSource("liability", Poisson(distribution="poisson", mean=0.5),
                                     Lognormal(distribution="lognormal", mu=13.0, sigma=1.5)))
    hs.perils.append("liability")
    pol = Policy(occurrence_deductible=1e6, aggregate_deductible=2e6, aggregate_limit=3e7,
                 reinsurance=[ReinsuranceLayer(name="pr", attachment=2e5, limit=5e5,
                                               basis="risk")])
    for block in range(3):
        n_full = len(simulate_block(hs, pol, 9, block, n_years).ev_year)
        ref = compact_events(simulate_block(hs, pol, 9, block, n_years), min_loss)
        got = simulate_block(hs, pol, 9, block, n_years, min_loss)
        assert len(got.ev_year) < n_full and got.ev_count.max() > 1
        if n_years > 1 and min_loss > 1e6:      # small occurrences with a loss were summed
            assert np.any((got.ev_count > 1) & (got.ev_loss > 0))
        for k in ("gross", "ground_up", "oep", "ceded", "by_peril", "by_group", "ev_year",
                  "ev_peril", "ev_sats", "ev_count", "ev_loss", "ev_gross", "ev_net",
                  "oep_ground_up", "oep_net", "rho", "by_peril_gross", "by_group_gross",
                  "draw", "n_occ_limit", "n_agg_limit"):
            a, b = getattr(ref, k), getattr(got, k)
            assert (a is None) == (b is None), k
            if a is not None:
                assert np.array_equal(a, b), k
        np.testing.assert_allclose(got.ev_ground_up, ref.ev_ground_up, rtol=1e-13)
        assert ref.campaign.keys() == got.campaign.keys()
        for k in ref.campaign:
            np.testing.assert_allclose(got.campaign[k], ref.campaign[k], rtol=1e-13, atol=1e-6)


def test_compiled_sums_are_the_bincounts():
    """The compiled sums of the block (per occurrence, and per year and peril of the small
    occurrences) add their terms in the order np.bincount does: the same numbers."""
    from riskengine.core._kernels import occurrence_sums, sums_by_key

    rng = np.random.default_rng(3)
    n, n_ev = 50_000, 9_000
    hit_ev = rng.integers(0, n_ev, n)
    rem, gu, ins = rng.random(n) * (rng.random(n) < 0.7), rng.lognormal(10, 3, n), rng.random(n)
    s, g, i = occurrence_sums(hit_ev, rem, gu, ins, n_ev)
    assert np.array_equal(s, np.bincount(hit_ev, rem > 0, n_ev).astype(np.int64))
    assert np.array_equal(g, np.bincount(hit_ev, gu, n_ev))
    assert np.array_equal(i, np.bincount(hit_ev, ins, n_ev))
    year, peril = rng.integers(0, 40, n_ev), rng.integers(0, 7, n_ev)
    small = rng.random(n_ev) < 0.8
    x = rng.lognormal(5, 4, n_ev)
    counts, sums = sums_by_key(small, year, peril, 7, 40 * 7, (x, -x))
    key = year[small] * 7 + peril[small]
    assert np.array_equal(counts, np.bincount(key, minlength=len(counts)))
    assert np.array_equal(sums[0], np.bincount(key, x[small], len(counts)))
    assert np.array_equal(sums[1], -sums[0])


def test_compiled_selection_is_nonzero_of_the_comparison():
    from riskengine.core._kernels import below

    rng = np.random.default_rng(11)
    u, q = rng.random((7, 3000)), np.r_[0.0, 1.0, rng.random(5)]
    r, p = below(u, q)
    want = np.nonzero(u < q[:, None])
    assert np.array_equal(r, want[0]) and np.array_equal(p, want[1])


def test_compiled_void_filter_is_the_mask():
    """The rows of hits on satellites that reached orbit: the kept rows and the mask are
    NumPy's, and a satellite outside the fleet is an error, not a read past the table."""
    from riskengine.core._kernels import not_void

    rng = np.random.default_rng(5)
    void = rng.random(5000) < 0.36
    sat = rng.integers(0, 5000, 40_000)
    rows, keep = not_void(void, sat)
    assert np.array_equal(keep, ~void[sat])
    assert np.array_equal(rows, np.flatnonzero(~void[sat]))
    rows, keep = not_void(void, np.zeros(0, np.int64))
    assert len(rows) == 0 and len(keep) == 0
    with pytest.raises(IndexError):
        not_void(void, np.array([3, 5000]))


@pytest.mark.parametrize("width", [1, 2, 17, 64, 65, 300])
def test_compiled_row_search_is_searchsorted(width):
    """The one-row CDF search counts (or bisects for) the entries at or below each query:
    np.searchsorted's index, ties and the row's ends included."""
    from riskengine.core._kernels import search_row

    rng = np.random.default_rng(width)
    row = np.sort(np.round(rng.random(width), 2)) + 6.0      # ties, as a CDF's flat parts
    row[-1] = 7.0
    r = np.r_[rng.random(20_000), 0.0, 1.0, row[:3] - 6.0]   # queries on the entries too
    assert np.array_equal(search_row(row, 6.0, r), np.searchsorted(row, r + 6.0, "right"))


def test_compiled_first_losses_are_the_lexsort():
    """Each (year, satellite)'s first total loss to a trigger peril: the first row of each
    key after the stable sort by key and time (ties in time to the lowest index)."""
    from riskengine.core._kernels import first_losses

    rng = np.random.default_rng(8)
    n_sats, n_years, n_ev, n = 300, 3, 4000, 30_000
    ev_year, ev_peril = rng.integers(0, n_years, n_ev), rng.integers(-1, 4, n_ev)
    ev_time = np.round(rng.random(n_ev), 1)                       # many ties in time
    hit_ev, hit_sat = rng.integers(0, n_ev, n), rng.integers(0, n_sats, n)
    hit_dmg = np.where(rng.random(n) < 0.5, 1.0, rng.random(n))
    trigger = np.array([True, False, True, False, False])         # by code; -1: the last
    got = first_losses(hit_ev, hit_sat, hit_dmg, ev_peril, ev_year, ev_time, trigger,
                       n_sats, n_years * n_sats)
    m = np.flatnonzero(trigger[ev_peril][hit_ev] & (hit_dmg >= 1.0 - 1e-9))
    key = ev_year[hit_ev[m]] * n_sats + hit_sat[m]
    o = np.lexsort((ev_time[hit_ev[m]], key))
    first = np.r_[True, key[o][1:] != key[o][:-1]]
    assert len(got) > 100 and np.array_equal(got, m[o][first])
    with pytest.raises(IndexError):
        first_losses(hit_ev, hit_sat, hit_dmg, ev_peril, ev_year, ev_time, trigger, n_sats,
                     n_sats)


def test_compiled_sum_in_order_is_the_one_bin_bincount():
    from riskengine.core._kernels import sum_in_order

    x = np.random.default_rng(2).lognormal(8, 4, 100_001)
    assert sum_in_order(x) == np.bincount(np.zeros(len(x), np.int64), x)[0]
    assert sum_in_order(np.zeros(0)) == 0.0


@pytest.mark.parametrize("partial_loss", ["proportional", "none"])
@pytest.mark.parametrize("franchise", [False, True])
@pytest.mark.parametrize("deductible", [0.0, 2e6])
def test_compiled_hit_terms_are_the_satellite_terms(partial_loss, franchise, deductible):
    """The compiled terms of a block's hits are fm.satellite_terms of their insured values
    to the bit (ground-up and insured), damage above what is left, constructive total
    losses, zero damage and a deductible at a loss's exact value included; a satellite
    outside the fleet is an error."""
    from riskengine.core import policy as fm
    from riskengine.core._kernels import hit_terms

    rng = np.random.default_rng(17)
    n, n_sats = 60_000, 5_000
    si = rng.lognormal(17, 1, n_sats)
    si[:3] = [0.0, 2e6 / 0.5, 1e8]
    sat = rng.integers(0, n_sats, n)
    sat[:4] = [0, 1, 2, 1]
    dmg = np.where(rng.random(n) < 0.2, 1.0, rng.random(n))
    dmg[:4] = [0.3, 0.5, 0.0, 0.5]
    rem = np.where(rng.random(n) < 0.3, rng.random(n), 1.0)
    rem[:4] = [1.0, 1.0, 1.0, 0.2]
    ctl = rng.random(n) < 0.1
    kind = "franchise" if franchise else "straight"
    g, i, _ = fm.satellite_terms(dmg, rem, si[sat], deductible=deductible, ctl=ctl,
                                 partial_loss=partial_loss, deductible_type=kind)
    g2, i2 = hit_terms(dmg, rem, ctl, sat, si, deductible, partial_loss == "proportional",
                       franchise)
    assert g.tobytes() == g2.tobytes() and i.tobytes() == i2.tobytes()
    with pytest.raises(IndexError):
        hit_terms(dmg[:2], rem[:2], ctl[:2], np.array([0, n_sats]), si, 0.0, True, False)


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.Philox, np.random.MT19937])
def test_event_times_skip_the_year_end_uniforms_exactly(bit_generator):
    """The event times skip the uniforms of the sources dated at the year's end (capacity
    claims) by jumping the stream: the same times as drawing every uniform, setting those
    to 1.0 and keeping the events that stay, and the stream left where drawing them
    leaves it."""
    from riskengine.core.engine import _event_times

    rng = np.random.default_rng(4)
    for trial in range(60):
        n = rng.integers(1, 8)
        drawn = [int(x) if rng.random() < 0.5 else rng.random(x) < 0.7
                 for x in rng.integers(0, 6, n)]
        at_end = sorted(set(rng.integers(0, n, rng.integers(0, 4)).tolist()))
        a, b = (np.random.Generator(bit_generator(trial)) for _ in range(2))
        sizes = [x if isinstance(x, int) else len(x) for x in drawn]
        ref = a.random(sum(sizes))
        start = np.concatenate([[0], np.cumsum(sizes)])
        for j in at_end:
            ref[start[j]:start[j + 1]] = 1.0
        ref = ref[np.concatenate([np.ones(x, bool) if isinstance(x, int) else x
                                  for x in drawn])]
        got = _event_times(b, drawn, at_end)
        assert np.array_equal(got, ref) and got.dtype == ref.dtype
        assert a.random() == b.random()
        assert a.integers(0, 2 ** 40) == b.integers(0, 2 ** 40)


@pytest.mark.parametrize("n_units", [3, 90])
def test_compiled_unit_hits_are_the_numpy_steps(n_units, monkeypatch):
    """A one-year block finds its satellite sources' hits in one compiled pass: every
    field of the block's result is the NumPy steps' to the bit, for a CDF row searched by
    count (<= 64 units) and by bisection, for each severity, with several parameter draws
    and satellites that are hit twice in a year."""
    from dataclasses import fields

    from riskengine.config import Policy
    from riskengine.core import engine
    from riskengine.core.sources import HazardSet, SatelliteSource, Units

    rng = np.random.default_rng(n_units)
    n_sats, nd = 4000, 5
    hs = HazardSet(np.full(n_sats, 1e8), np.zeros(n_sats, int), ["g"], [])
    units = Units.from_lists(np.array_split(rng.permutation(n_sats), n_units))
    for sev, a, b in (("total", 1.0, 1.0), ("beta", 2.0, 5.0), ("mixture", 0.5, 3.0),
                      ("fixed", 0.3, 0.3)):
        src = SatelliteSource(f"p_{sev}", units, rng.random((nd, n_units)) * 0.2, sev,
                              np.full(nd, a), np.full(nd, b))
        if sev == "mixture":
            src.sev_total = np.full(nd, 0.4)
        hs.sources.append(src)
    pol = Policy()
    for block in range(4):
        monkeypatch.setattr(engine, "_UNIT_KERNEL", True)
        got = engine.simulate_block(hs, pol, 7, block, 1)
        monkeypatch.setattr(engine, "_UNIT_KERNEL", False)
        want = engine.simulate_block(hs, pol, 7, block, 1)
        assert len(got.ev_year) > 100
        for f in fields(got):
            x, y = getattr(got, f.name), getattr(want, f.name)
            if isinstance(x, np.ndarray):
                assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), f.name
            else:
                assert x == y, f.name


def test_compiled_one_year_paths_are_the_numpy_steps_with_failed_launches(monkeypatch):
    """A one-year block of a fleet being launched, with every compiled path of the engine
    on (capacity claims and their void filter, satellite-source hits) and with all of them
    off (the NumPy steps): every field of the block's result is the same to the bit, in
    blocks where a launch fails (its satellites' claims and hits are void) and where none
    does."""
    from dataclasses import fields

    from riskengine.config import Policy
    from riskengine.core import engine
    from riskengine.core.campaign import Campaign, LaunchFailureSource
    from riskengine.core.sources import HazardSet

    n = 600
    rng = np.random.default_rng(2)
    hs = HazardSet(np.full(n, 1e6), np.repeat([0, 1], n // 2), ["a", "b"], [])
    c = Campaign.build(np.array([0.0, 100.0, 200.0]), np.array([2027, 2027, 2027]),
                       [np.arange(200), np.arange(200, 400), np.arange(400, 600)], n)
    c.phase_of = {"launch": 0}
    hs.campaign = c
    hs.sources.append(LaunchFailureSource("launch", c.units, np.array([[0.3, 0.3, 0.3]])))
    hs.perils.append("launch")
    hs.add_independent_failure("hardware", 0.2)
    hs.add_capacity_draws("accelerator", "radiation",
                          {"a": rng.random(3) * 0.3, "b": rng.random(3) * 0.1},
                          {"a": rng.random(3) * 0.2, "b": np.zeros(3)},
                          {"a": 8, "b": 80}, {"a": 2, "b": 0}, {"a": 0.6, "b": 0.3})
    pol = Policy()
    voided = 0
    for block in range(12):
        res = {}
        for on in (True, False):
            monkeypatch.setattr(engine, "_CAPACITY_KERNEL", on)
            monkeypatch.setattr(engine, "_UNIT_KERNEL", on)
            res[on] = engine.simulate_block(hs, pol, 3, block, 1)
        got, want = res[True], res[False]
        voided += int(np.isin(hs.perils.index("launch"), want.ev_peril))
        for f in fields(got):
            x, y = getattr(got, f.name), getattr(want, f.name)
            if isinstance(x, np.ndarray):
                assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), f.name
            elif isinstance(x, dict):
                assert x.keys() == y.keys() and all(
                    np.asarray(x[k]).tobytes() == np.asarray(y[k]).tobytes() for k in x)
            else:
                assert x == y, f.name
    assert 0 < voided < 12


def test_compiled_rows_of_hits_are_the_numpy_expressions():
    """The hits of the occurrences with a row, and the hits lost or with a gross loss, in
    one pass each: the NumPy expressions' indices and values (negative zero is zero)."""
    from riskengine.core._kernels import hits_of_rows, lost_or_gross

    rng = np.random.default_rng(8)
    for n_ev, n_hits in ((0, 0), (5, 0), (300, 2000), (50, 7)):
        sub = np.where(rng.random(n_ev) < 0.3, rng.integers(0, 100, n_ev), -1)
        hit_ev = rng.integers(0, max(n_ev, 1), n_hits) if n_ev else np.zeros(0, np.int64)
        hp, row = hits_of_rows(sub, hit_ev)
        want = np.flatnonzero(sub[hit_ev] >= 0)
        assert np.array_equal(hp, want) and np.array_equal(row, sub[hit_ev[want]])
        assert hp.dtype == row.dtype == np.int64
        lost = rng.random(n_hits) < 0.1
        lost[hp[::3]] = True                           # lost, and with a row
        gross = np.where(rng.random(len(hp)) < 0.5, rng.random(len(hp)), 0.0)
        gross[::7] = -0.0
        hit_gross = np.zeros(n_hits)
        hit_gross[hp] = gross
        h, hg = lost_or_gross(np.flatnonzero(lost), hp, gross)
        want = np.flatnonzero(lost | (hit_gross != 0))
        assert np.array_equal(h, want) and hg.tobytes() == hit_gross[want].tobytes()
