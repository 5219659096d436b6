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
