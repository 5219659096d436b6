"""Compiled loops of the loss engine (Numba), for the passes NumPy can only do by sorting.

Each kernel gives exactly the numbers of the NumPy code it stands in for, to the last bit
(the tests compare them on random input), and is used only where that code would sort or
loop over hundreds of thousands of rows. Numba compiles a kernel on its first call and
caches it beside this file (``cache=True``), so worker processes load it instead of
compiling again.

Numba is imported with this module: import it only from a function that needs a kernel,
so that the command line and the library's import stay free of it.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def deplete_grouped(hit_ev, sat, ev_year, ev_time, d, n_sats, n_keys,
                    ctl_threshold):  # pragma: no cover - compiled
    """Depletion of every hit (:func:`riskengine.core.engine.deplete_hits`, same numbers).

    Hit ``i`` is of occurrence ``hit_ev[i]`` on satellite ``sat[i]``: its key (satellite
    and year) is ``ev_year[hit_ev[i]] * n_sats + sat[i]`` in ``[0, n_keys)``, its time
    ``ev_time[hit_ev[i]]`` (looked up here: no array of them is made); ``d`` is the damage
    clipped to [0, 1]. The hits of keys hit more than once are put in order of key, then
    time quantised to 2^-31 of a year, then index (a counting sort by key, then an
    insertion sort of each key's few hits), and depleted in that order with one running
    sum over all of them, as :func:`~riskengine.core.engine.deplete` does after the stable
    sort.
    """
    n = sat.shape[0]
    remaining = np.ones(n)
    ctl = np.empty(n, np.bool_)
    thr = ctl_threshold - 1e-12
    key = np.empty(n, np.int32)
    counts = np.zeros(n_keys, np.int32)
    for i in range(n):
        ctl[i] = d[i] >= thr
        k = ev_year[hit_ev[i]] * n_sats + sat[i]
        key[i] = k
        counts[k] += 1
    # slots of each multi-hit key, keys ascending (a prefix sum over the keys in use)
    start = np.empty(n_keys, np.int32)
    total = 0
    for k in range(n_keys):
        start[k] = total
        if counts[k] > 1:
            total += counts[k]
    order = np.empty(total, np.int64)
    for i in range(n):                     # in index order: each key's hits by index
        k = key[i]
        if counts[k] > 1:
            order[start[k]] = i
            start[k] += 1
    tq = np.empty(total, np.int64)
    for j in range(total):
        t = ev_time[hit_ev[order[j]]]
        t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
        tq[j] = np.int64(np.floor(t * 2.0 ** 31))
    # each key's hits by quantised time, ties in index order (a stable insertion sort)
    j = 0
    while j < total:
        m = counts[key[order[j]]]
        for a in range(j + 1, j + m):
            o, q = order[a], tq[a]
            b = a - 1
            while b >= j and tq[b] > q:
                order[b + 1] = order[b]
                tq[b + 1] = tq[b]
                b -= 1
            order[b + 1] = o
            tq[b + 1] = q
        j += m
    # deplete in that order: incl = csum - (csum[first] - d[first]), csum over all of them
    csum = 0.0
    j = 0
    while j < total:
        m = counts[key[order[j]]]
        first = order[j]
        base = 0.0
        crossed_before = 0
        for a in range(j, j + m):
            i = order[a]
            csum += d[i]
            if a == j:
                base = csum - d[first]
            incl = csum - base
            crossed = incl >= thr
            if crossed_before > 0:
                remaining[i] = 0.0
                ctl[i] = False
            else:
                r = 1.0 - (incl - d[i])
                remaining[i] = 0.0 if r < 0.0 else (1.0 if r > 1.0 else r)
                ctl[i] = crossed
            if crossed:
                crossed_before += 1
        j += m
    return remaining, ctl


@numba.njit(cache=True, nogil=True)
def occurrence_sums(hit_ev, remaining, gu_hit, ins_hit, n_ev):  # pragma: no cover - compiled
    """Per occurrence: satellites with capacity left when hit, ground-up and insured loss
    of its hits (three ``np.bincount`` by ``hit_ev`` in one pass: each sum adds its hits
    in their order, as bincount does, so the same numbers)."""
    sats = np.zeros(n_ev, np.int64)
    gu = np.zeros(n_ev)
    ins = np.zeros(n_ev)
    for i in range(hit_ev.shape[0]):
        e = hit_ev[i]
        if remaining[i] > 0:
            sats[e] += 1
        gu[e] += gu_hit[i]
        ins[e] += ins_hit[i]
    return sats, gu, ins


@numba.njit(cache=True, nogil=True)
def sums_by_key(small, year, peril, n_p, columns):  # pragma: no cover - compiled
    """Occurrences flagged ``small`` counted and summed by key ``year * n_p + peril`` into
    ``n_bins = (max year + 1) * n_p`` bins: ``(counts, sums)``, ``sums[c]`` of
    ``columns[c]`` (``np.bincount`` of each column in one pass; the same numbers)."""
    n_bins = 0
    for i in range(year.shape[0]):
        if small[i] and (year[i] + 1) * n_p > n_bins:
            n_bins = (year[i] + 1) * n_p
    counts = np.zeros(n_bins, np.int64)
    sums = np.zeros((len(columns), n_bins))
    for i in range(year.shape[0]):
        if small[i]:
            k = year[i] * n_p + peril[i]
            counts[k] += 1
            for c in range(len(columns)):
                sums[c, k] += columns[c][i]
    return counts, sums


@numba.njit(cache=True, nogil=True)
def below(u, q):  # pragma: no cover - compiled
    """``np.nonzero(u < q[:, None])`` of a matrix of uniforms ``u`` (rows, positions):
    the selections in row-major order, without the boolean matrix."""
    n = 0
    for a in range(u.shape[0]):
        for b in range(u.shape[1]):
            if u[a, b] < q[a]:
                n += 1
    rows = np.empty(n, np.int64)
    pos = np.empty(n, np.int64)
    n = 0
    for a in range(u.shape[0]):
        for b in range(u.shape[1]):
            if u[a, b] < q[a]:
                rows[n] = a
                pos[n] = b
                n += 1
    return rows, pos
