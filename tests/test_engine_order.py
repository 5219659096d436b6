"""The engine's fast orderings give the permutations of the plain sorts they replace."""

import numpy as np
import pytest

from riskengine.core.engine import _pick_distinct, _time_order


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
