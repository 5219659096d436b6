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


@numba.njit(cache=True, nogil=True, inline="always")
def _clip01(x):  # pragma: no cover - compiled
    """``np.clip(x, 0.0, 1.0)`` of one value (NaN stays NaN)."""
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


@numba.njit(cache=True, nogil=True)
def deplete_grouped(hit_ev, sat, ev_year, ev_time, d, n_sats, n_keys,
                    ctl_threshold):  # pragma: no cover - compiled
    """Depletion of every hit (:func:`riskengine.core.engine.deplete_hits`, same numbers).

    Hit ``i`` is of occurrence ``hit_ev[i]`` on satellite ``sat[i]``: its key (satellite
    and year) is ``ev_year[hit_ev[i]] * n_sats + sat[i]`` in ``[0, n_keys)``, its time
    ``ev_time[hit_ev[i]]`` (looked up here: no array of them is made); ``d`` is the damage,
    clipped to [0, 1] here as ``np.clip`` does. A key outside ``[0, n_keys)`` (or a
    satellite outside ``[0, n_sats)``) raises ``ValueError`` before anything is written.
    The hits of keys hit more than once are put in order of key, then time quantised to 2^-31 of a year, then index (a counting sort by key that carries
    each hit's time and damage into its slot, then an insertion sort of each key's few
    hits), and depleted in that order with one running sum over all of them, as
    :func:`~riskengine.core.engine.deplete` does after the stable sort.
    """
    n = sat.shape[0]
    remaining = np.ones(n)
    ctl = np.empty(n, np.bool_)
    thr = ctl_threshold - 1e-12
    key = np.empty(n, np.int32)
    for i in range(n):
        s = sat[i]
        k = ev_year[hit_ev[i]] * n_sats + s
        if s < 0 or s >= n_sats or k < 0 or k >= n_keys:
            raise ValueError("hit keys outside [0, n_keys)")
        key[i] = k
    slot = np.zeros(n_keys, np.int32)        # first the count of each key, then its slot
    for i in range(n):
        ctl[i] = _clip01(d[i]) >= thr
        slot[key[i]] += 1
    # slots of each multi-hit key, keys ascending (a single hit's key gets -1), and where
    # each key's slots begin
    first = np.zeros(n + 1, np.bool_)
    total = 0
    for k in range(n_keys):
        c = slot[k]
        if c > 1:
            slot[k] = total
            first[total] = True
            total += c
        else:
            slot[k] = -1
    first[total] = True
    order = np.empty(total, np.int64)
    tq = np.empty(total, np.int64)
    ds = np.empty(total)
    for i in range(n):                        # in index order: each key's hits by index
        j = slot[key[i]]
        if j >= 0:
            order[j] = i
            tq[j] = np.int64(np.floor(_clip01(ev_time[hit_ev[i]]) * 2.0 ** 31))
            ds[j] = _clip01(d[i])
            slot[key[i]] = j + 1
    # each key's hits by quantised time, ties in index order (a stable insertion sort)
    j = 0
    while j < total:
        e = j + 1
        while not first[e]:
            e += 1
        for a in range(j + 1, e):
            o, q, x = order[a], tq[a], ds[a]
            b = a - 1
            while b >= j and tq[b] > q:
                order[b + 1] = order[b]
                tq[b + 1] = tq[b]
                ds[b + 1] = ds[b]
                b -= 1
            order[b + 1] = o
            tq[b + 1] = q
            ds[b + 1] = x
        j = e
    # deplete in that order: incl = csum - (csum[first] - d[first]), csum over all of them
    csum = 0.0
    base = 0.0
    crossed_before = 0
    for a in range(total):
        x = ds[a]
        csum += x
        if first[a]:
            base = csum - x
            crossed_before = 0
        incl = csum - base
        crossed = incl >= thr
        i = order[a]
        if crossed_before > 0:
            remaining[i] = 0.0
            ctl[i] = False
        else:
            r = 1.0 - (incl - x)
            remaining[i] = 0.0 if r < 0.0 else (1.0 if r > 1.0 else r)
            ctl[i] = crossed
        if crossed:
            crossed_before += 1
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
def sums_by_key(small, year, peril, n_p, n_bins, columns):  # pragma: no cover - compiled
    """Occurrences flagged ``small`` counted and summed by key ``year * n_p + peril`` (in
    ``[0, n_bins)``): ``(counts, sums)``, ``sums[c]`` of ``columns[c]`` (``np.bincount``
    of each column in one pass; the same numbers)."""
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


@numba.njit(cache=True, nogil=True)
def not_void(void, sat):  # pragma: no cover - compiled
    """The rows whose satellite is not ``void``: ``(np.flatnonzero(~void[sat]), ~void[sat])``
    in one pass (no gathered copy of the table, no second pass for the indices)."""
    n = sat.shape[0]
    keep = np.empty(n, np.bool_)
    rows = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        s = sat[i]
        if s < 0 or s >= void.shape[0]:
            raise IndexError("satellite index outside the fleet")
        if void[s]:
            keep[i] = False
        else:
            keep[i] = True
            rows[k] = i
            k += 1
    return rows[:k], keep


@numba.njit(cache=True, nogil=True)
def claims_in_orbit(void, sat, dmg, lab, codes):  # pragma: no cover - compiled
    """A one-year block's capacity claims on satellites that reached orbit (not ``void``):
    their satellites, damages and peril codes ``codes[lab]``, and the mask of those kept;
    :func:`not_void` and the gathers of the claims' columns in one pass."""
    n = sat.shape[0]
    keep = np.empty(n, np.bool_)
    k = 0
    for i in range(n):
        s = sat[i]
        if s < 0 or s >= void.shape[0]:
            raise IndexError("satellite index outside the fleet")
        keep[i] = not void[s]
        k += keep[i]
    out_sat = np.empty(k, sat.dtype)
    out_dmg = np.empty(k, dmg.dtype)
    out_code = np.empty(k, codes.dtype)
    j = 0
    for i in range(n):
        if keep[i]:
            out_sat[j] = sat[i]
            out_dmg[j] = dmg[i]
            out_code[j] = codes[lab[i]]
            j += 1
    return out_sat, out_dmg, out_code, keep


@numba.njit(cache=True, nogil=True)
def hits_of_rows(sub, hit_ev):  # pragma: no cover - compiled
    """The hits whose occurrence has a row (``sub[occurrence] >= 0``) and that row:
    ``hp = np.flatnonzero(sub[hit_ev] >= 0)`` and ``sub[hit_ev[hp]]``, without the gathered
    array of every hit (``hit_ev`` in ``[0, len(sub))``, as the caller checked)."""
    n = hit_ev.shape[0]
    k = 0
    for i in range(n):
        if sub[hit_ev[i]] >= 0:
            k += 1
    hp = np.empty(k, np.int64)
    row = np.empty(k, np.int64)
    j = 0
    for i in range(n):
        r = sub[hit_ev[i]]
        if r >= 0:
            hp[j] = i
            row[j] = r
            j += 1
    return hp, row


@numba.njit(cache=True, nogil=True)
def lost_or_gross(lost_at, hp, gross):  # pragma: no cover - compiled
    """The hits that lost their satellite (``lost_at``, ascending) or have a gross loss,
    and that loss: with ``hit_gross`` zero but at the ascending hits ``hp``
    (``hit_gross[hp] = gross``), ``h = np.flatnonzero(lost | (hit_gross != 0))`` and
    ``hit_gross[h]``, by merging the two short lists (no array of every hit's loss)."""
    nl, nh = lost_at.shape[0], hp.shape[0]
    h = np.empty(nl + nh, np.int64)
    g = np.empty(nl + nh)
    i = j = k = 0
    while i < nl or j < nh:
        if j >= nh or (i < nl and lost_at[i] < hp[j]):
            h[k] = lost_at[i]
            g[k] = 0.0
            i += 1
            k += 1
        elif i >= nl or hp[j] < lost_at[i]:
            if gross[j] != 0.0:
                h[k] = hp[j]
                g[k] = gross[j]
                k += 1
            j += 1
        else:                                   # lost, and a row of its occurrence
            h[k] = hp[j]
            g[k] = gross[j]
            i += 1
            j += 1
            k += 1
    return h[:k], g[:k]


@numba.njit(cache=True, nogil=True)
def search_row(row, offset, r):  # pragma: no cover - compiled
    """``np.searchsorted(row, r + offset, side="right")`` of a sorted ``row`` (a CDF row):
    each query's count of the entries at or below it, without the array of shifted
    queries (a branch-free count over a row of up to 64 entries, else a bisection)."""
    out = np.empty(r.shape[0], np.int64)
    for i in range(r.shape[0]):
        out[i] = _at_or_below(row, r[i] + offset)
    return out


@numba.njit(cache=True, nogil=True)
def unit_hits(row, offset, r_unit, r_pos, unit_offset, unit_size, sats):  # pragma: no cover
    """The satellite of each hit of a one-year block of a satellite source, in one pass:
    its unit, the count of the CDF ``row``'s entries at or below ``r_unit + offset``
    (:func:`search_row`) clipped to the last unit, then its position
    ``unit_offset[u] + int(r_pos * unit_size[u])`` in ``sats``. The NumPy steps' numbers
    (``searchsorted``, ``minimum``, the product truncated to an integer, two gathers)
    without their five arrays."""
    last = unit_size.shape[0] - 1
    out = np.empty(r_unit.shape[0], sats.dtype)
    for i in range(r_unit.shape[0]):
        u = _at_or_below(row, r_unit[i] + offset)
        if u > last:
            u = last
        out[i] = sats[unit_offset[u] + np.int64(r_pos[i] * unit_size[u])]
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _at_or_below(row, x):  # pragma: no cover - compiled
    """The entries of a sorted ``row`` at or below ``x`` (``searchsorted(row, x, "right")``):
    counted without branches in a row of up to 64 entries, else by bisection."""
    w = row.shape[0]
    if w <= 64:
        c = 0
        for j in range(w):
            c += row[j] <= x
        return c
    lo, hi = 0, w
    while lo < hi:
        mid = (lo + hi) >> 1
        if row[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, nogil=True)
def first_losses(hit_ev, hit_sat, hit_dmg, ev_peril, ev_year, ev_time, trigger, n_sats,
                 n_keys):  # pragma: no cover - compiled
    """Each satellite's first total loss of a year to a ``trigger`` peril: the hits
    ``i`` with ``trigger[ev_peril[hit_ev[i]]]`` and damage 1 (to 1e-9), and of those one per
    key ``year * n_sats + satellite``: the earliest, ties to the lowest index. Their
    indices in key order: the first row of each key after ``np.lexsort((time, key))`` of
    the qualifying hits (same rows, no sort of them all)."""
    best = np.full(n_keys, -1, np.int64)
    keys = np.empty(hit_ev.shape[0], np.int64)
    n = 0
    for i in range(hit_ev.shape[0]):
        e = hit_ev[i]
        if not trigger[ev_peril[e]] or not hit_dmg[i] >= 1.0 - 1e-9:
            continue
        k = ev_year[e] * n_sats + hit_sat[i]
        if k < 0 or k >= n_keys:
            raise IndexError("year or satellite outside the block")
        j = best[k]
        if j < 0:
            best[k] = i
            keys[n] = k
            n += 1
        elif ev_time[e] < ev_time[hit_ev[j]]:
            best[k] = i
    keys = np.sort(keys[:n])
    out = np.empty(n, np.int64)
    for a in range(n):
        out[a] = best[keys[a]]
    return out


@numba.njit(cache=True, nogil=True)
def sum_in_order(x):  # pragma: no cover - compiled
    """``x[0] + x[1] + ...`` added in index order: ``np.bincount(zeros, weights=x)[0]``
    (one bin), not NumPy's pairwise ``sum``."""
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s


@numba.njit(cache=True, nogil=True, inline="always")
def _np_min(a, b):  # pragma: no cover - compiled
    """``np.minimum`` of two values (a NaN wins)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


@numba.njit(cache=True, nogil=True)
def hit_terms(damage, remaining, ctl, sat, sum_insured, deductible, proportional,
              franchise):  # pragma: no cover - compiled
    """Ground-up and insured loss of each hit of satellite ``sat[i]``
    (:func:`riskengine.core.policy.satellite_terms` of ``sum_insured[sat]``, without its
    third output; the same numbers) in one pass: no array of insured values, of hit
    fractions or of the covered fractions is made."""
    n = damage.shape[0]
    gu = np.empty(n)
    ins = np.empty(n)
    for i in range(n):
        s = sat[i]
        if s < 0 or s >= sum_insured.shape[0]:
            raise IndexError("satellite index outside the fleet")
        si = sum_insured[s]
        r = remaining[i]
        h = _np_min(damage[i], r)
        gu[i] = h * si
        if proportional:
            c = r if ctl[i] else h
        else:
            c = r if ctl[i] else 0.0
        x = c * si
        if franchise:
            ins[i] = x if x > deductible else 0.0
        else:
            y = x - deductible
            ins[i] = y if (y != y or y >= 0.0) else 0.0
    return gu, ins


@numba.njit(cache=True, nogil=True)
def capacity_claims(row, offset, r_lost, u_dose, share, n, payload_share, pos,
                    sats):  # pragma: no cover - compiled
    """One capacity unit's claims of a year with one parameter draw, from their uniforms:
    lost units (:func:`search_row` of ``r_lost`` in the unit's CDF row, clipped to
    [1, n]), damage ``payload_share * lost / n``, the dose label ``u_dose < share``
    and the satellite ``sats[pos]``, in one pass (the NumPy steps of
    :func:`riskengine.core.engine._capacity_claims`; the same numbers)."""
    k = r_lost.shape[0]
    dmg = np.empty(k)
    lab = np.empty(k, np.int64)
    sat = np.empty(k, np.int64)
    for i in range(k):
        c = _at_or_below(row, r_lost[i] + offset)
        lost = 1 if c < 1 else (n if c > n else c)
        dmg[i] = payload_share * lost / n
        lab[i] = 1 if u_dose[i] < share else 0
        p = pos[i]
        if p < 0 or p >= sats.shape[0]:
            raise IndexError("position outside the unit")
        sat[i] = sats[p]
    return dmg, lab, sat
