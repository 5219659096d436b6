"""Reinsurance of the insurer's gross loss, occurrence by occurrence, in the order losses happen.

Pure array functions (USD). A reinsurance *programme* is a list of covers of four kinds,
applied in a fixed order; each kind applies to the loss the kinds before it left the insurer
(they *inure* to its benefit), while the layers of one kind share one subject loss (a tower):

1. ``quota_share`` — ``share`` of every gross occurrence loss;
2. ``xol`` with ``basis='risk'`` (per-risk excess of loss) — each satellite's loss in an
   occurrence (after the quota share) is one risk: ``share x min(max(x - attachment, 0), limit)``;
3. ``xol`` with ``basis='occurrence'`` — the same on each occurrence's retained loss;
4. ``xol`` with ``basis='aggregate'`` (stop loss) — the same on the year's retained loss.

Per-risk and per-occurrence layers may limit the cover to ``1 + reinstatements`` times the
limit a year: the losses of a year use it up in the order they happen. Each reinstatement
costs ``reinstatement_premium[k]`` of the layer's upfront premium, pro rata to the amount
reinstated (Sundt 1991; Mata 2000): with ``S`` the year's loss to the layer (100 %), the
reinstatement premium is ``P x sum_k c_k min(max(S - (k - 1) L, 0), L) / L``
(:func:`reinstatement_factor`). Priced at the expected-value principle with loading
``margin`` (:func:`layer_premium`), ``E[P (1 + rho)] = (1 + margin) E[ceded]``, so
``P = (1 + margin) E[ceded] / (1 + E[rho])``.

References
----------
* Sundt, B. (1991). On excess of loss reinsurance with reinstatements. *Bulletin of the
  Swiss Association of Actuaries*, 1991(1), 51-65.
* Mata, A. J. (2000). Pricing excess of loss reinsurance with reinstatements. *ASTIN
  Bulletin*, 30(2), 349-368.
* Walhin, J.-F. & Paris, J. (2001). The practical replacement of a reinstatement premium
  by a loaded layer. *Blätter der DGVFM*, 25, 1-16.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("quota_share", "risk", "occurrence", "aggregate")


def kind_of(ly) -> str:
    """``quota_share``, ``risk``, ``occurrence`` or ``aggregate`` for a layer spec."""
    if getattr(ly, "type", "xol") == "quota_share":
        return "quota_share"
    return getattr(ly, "basis", "aggregate")


def starts(group: np.ndarray) -> np.ndarray:
    """Index of the first item of each item's group (items sorted by group).

    Examples
    --------
    >>> starts(np.array([0, 0, 1, 1, 1, 3])).tolist()
    [0, 0, 2, 2, 2, 5]
    """
    n = len(group)
    if n == 0:
        return np.zeros(0, np.int64)
    s = np.ones(n, bool)
    s[1:] = group[1:] != group[:-1]
    first = np.flatnonzero(s)
    return np.repeat(first, np.diff(first, append=n))


def running_total(x: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running total of ``x`` within each group, before and including each item.

    Items are sorted by group and, within a group, in the order they happen.

    Examples
    --------
    >>> before, incl = running_total(np.array([1.0, 2.0, 4.0, 8.0]), np.array([0, 0, 1, 1]))
    >>> before.tolist(), incl.tolist()
    ([0.0, 1.0, 0.0, 4.0], [1.0, 3.0, 4.0, 12.0])
    """
    x = np.asarray(x, float)
    if len(x) == 0:
        return np.zeros(0), np.zeros(0)
    c = np.cumsum(x)
    f = starts(np.asarray(group))
    base = c[f] - x[f]
    incl = c - base
    return incl - x, incl


def erode(x, group, deductible: float = 0.0, limit: float | None = None) -> np.ndarray:
    """Each item's share of an annual layer ``min(max(S - deductible, 0), limit)`` when the
    items of a year use it up in the order they happen.

    Item ``i`` pays ``g(c_i) - g(c_{i-1})`` with ``c`` the running total of the year and
    ``g`` the layer: the deductible is eroded by the first losses, the limit exhausted by
    the last. The items of a year add up to ``g(S)``.

    Examples
    --------
    >>> erode(np.array([30.0, 50.0, 40.0]), np.array([0, 0, 0]), 50, 60).tolist()
    [0.0, 30.0, 30.0]
    """
    before, incl = running_total(x, group)

    def g(c):
        y = np.maximum(c - deductible, 0.0)
        return y if limit is None else np.minimum(y, limit)

    return np.maximum(g(incl) - g(before), 0.0)


def reinstatement_factor(layer_loss, limit: float, rates) -> np.ndarray:
    """``rho(S) = sum_k c_k min(max(S - (k-1) L, 0), L) / L``: the reinstatement premium of a
    year as a multiple of the layer's upfront premium (pro rata to the amount reinstated).

    ``layer_loss`` is the year's loss to the layer at 100 % (``S``), ``rates`` the premium
    share ``c_k`` of each reinstatement (``len(rates)`` reinstatements).

    Examples
    --------
    >>> reinstatement_factor(np.array([0.0, 50.0, 100.0, 250.0]), 100.0, [1.0, 0.5]).tolist()
    [0.0, 0.5, 1.0, 1.5]
    """
    s = np.asarray(layer_loss, float)
    out = np.zeros(s.shape)
    for k, c in enumerate(rates):
        out += float(c) * np.clip(s - k * limit, 0.0, limit) / limit
    return out


def layer_premium(expected_ceded: float, expected_rho: float, margin: float) -> float:
    """Upfront premium ``P`` of a layer priced at the expected-value principle:
    ``E[P (1 + rho)] = (1 + margin) E[ceded]``.

    Examples
    --------
    >>> layer_premium(10.0, 0.25, 0.5)
    12.0
    """
    return (1.0 + margin) * expected_ceded / (1.0 + expected_rho)


def _capped(y: np.ndarray, group: np.ndarray, cap: float | None) -> np.ndarray:
    """``y`` limited to an annual total ``cap`` used up in order (None: unlimited)."""
    if cap is None:
        return y
    return erode(y, group, 0.0, cap)


def _layer(x, ly) -> np.ndarray:
    y = np.maximum(np.asarray(x, float) - ly.attachment, 0.0)
    return np.minimum(y, ly.limit)


def reinstatement_rates(ly) -> list[float]:
    """Premium share of each of a layer's reinstatements (empty: none, or unlimited cover).

    Examples
    --------
    >>> from types import SimpleNamespace as L
    >>> reinstatement_rates(L(reinstatements=2, reinstatement_premium=1.0))
    [1.0, 1.0]
    """
    n = getattr(ly, "reinstatements", None)
    if not n or getattr(ly, "type", "xol") == "quota_share":
        return []
    rp = getattr(ly, "reinstatement_premium", 1.0)
    rates = [float(rp)] * int(n) if isinstance(rp, (int, float)) else [float(r) for r in rp]
    return rates[:int(n)]


def annual_cap(ly) -> float | None:
    """Most a per-risk or per-occurrence layer pays in a year (``None``: unlimited)."""
    n = getattr(ly, "reinstatements", None)
    return None if n is None else (1 + int(n)) * ly.limit


@dataclass
class Cessions:
    """What a reinsurance programme recovers, per layer and year, and the net losses.

    ``ceded`` (n_layers, n_years): recovered per layer; ``layer_loss`` (n_layers, n_years):
    the year's loss to each layer at 100 % (before its share); ``rho`` (n_layers, n_years):
    :func:`reinstatement_factor` of each layer (0 without reinstatement premiums);
    ``ev_net`` (n_events,) and ``hit_net`` (n_hits,): what the insurer keeps of each
    occurrence and of each satellite's part of it.
    """

    ceded: np.ndarray
    layer_loss: np.ndarray
    rho: np.ndarray
    ev_net: np.ndarray
    hit_net: np.ndarray


def _fit_under(parts: list[np.ndarray], subject: np.ndarray) -> list[np.ndarray]:
    """Scale the layers of a tower down where together they would recover more than the
    subject loss (overlapping layers)."""
    if not parts:
        return parts
    tot = np.sum(parts, axis=0)
    scale = np.where(tot > subject, subject / np.where(tot > 0, tot, 1.0), 1.0)
    return [p * scale for p in parts]


def cede(layers, ev_gross, ev_year, n_years: int, hit_ev=None, hit_gross=None) -> Cessions:
    """Apply a reinsurance programme to a block's occurrences.

    Parameters
    ----------
    layers : list of layer specs
        Objects with ``type`` (``'xol'`` | ``'quota_share'``), ``basis``, ``attachment``,
        ``limit``, ``share`` and optionally ``reinstatements`` and
        ``reinstatement_premium`` (a list), e.g. :class:`riskengine.config.ReinsuranceLayer`.
    ev_gross : (n_events,) array
        Gross occurrence losses (after every policy term), **in the order they happen**
        (sorted by year, then time).
    ev_year : (n_events,) int array
        0-based year of each occurrence (non-decreasing).
    n_years : int
    hit_ev, hit_gross : (n_hits,) arrays, optional
        Each satellite's part of an occurrence: the occurrence's index and its gross loss
        (needed by per-risk layers and to split the net loss by satellite).

    Returns
    -------
    Cessions

    Examples
    --------
    A 60 xs 40 per-occurrence layer with one reinstatement at 100 %: the third loss of the
    year finds the layer used up (1 + 1 limits of 60).

    >>> from types import SimpleNamespace as L
    >>> ly = L(type="xol", basis="occurrence", attachment=40.0, limit=60.0, share=1.0,
    ...        reinstatements=1, reinstatement_premium=[1.0])
    >>> c = cede([ly], np.array([100.0, 100.0, 100.0]), np.array([0, 0, 0]), 1)
    >>> c.ceded.tolist(), c.ev_net.tolist(), c.rho.tolist()
    ([[120.0]], [40.0, 40.0, 100.0], [[1.0]])
    """
    ev_gross = np.asarray(ev_gross, float)
    ev_year = np.asarray(ev_year, np.int64)
    n_ev = len(ev_gross)
    hit_ev = np.zeros(0, np.int64) if hit_ev is None else np.asarray(hit_ev, np.int64)
    hit_gross = np.zeros(0) if hit_gross is None else np.asarray(hit_gross, float)
    n_l = len(layers)
    ceded = np.zeros((n_l, n_years))
    layer_loss = np.zeros((n_l, n_years))
    rho = np.zeros((n_l, n_years))
    by_kind = {k: [i for i, ly in enumerate(layers) if kind_of(ly) == k] for k in KINDS}

    def annual(i, items, year):
        ceded[i] = np.bincount(year, weights=items, minlength=n_years)[:n_years]

    # 1. quota share of every occurrence
    qs = sum(float(layers[i].share) for i in by_kind["quota_share"])
    for i in by_kind["quota_share"]:
        annual(i, layers[i].share * ev_gross, ev_year)
        layer_loss[i] = np.bincount(ev_year, weights=ev_gross, minlength=n_years)[:n_years]
    ev_sub = (1.0 - qs) * ev_gross
    hit_sub = (1.0 - qs) * hit_gross

    # 2. per-risk layers on each satellite's part, in the order the occurrences happen
    hit_pr = np.zeros(len(hit_ev))
    if by_kind["risk"] and len(hit_ev):
        order = np.argsort(hit_ev, kind="stable")
        hy = ev_year[hit_ev[order]]
        parts = []
        for i in by_kind["risk"]:
            ly = layers[i]
            y100 = _capped(_layer(hit_sub[order], ly), hy, annual_cap(ly))
            layer_loss[i] = np.bincount(hy, weights=y100, minlength=n_years)[:n_years]
            parts.append(ly.share * y100)
        parts = _fit_under(parts, hit_sub[order])
        for i, p in zip(by_kind["risk"], parts):
            annual(i, p, hy)
            hit_pr[order] += p
    ev_pr = np.bincount(hit_ev, weights=hit_pr, minlength=n_ev)[:n_ev] if len(hit_ev) else np.zeros(n_ev)
    r1 = np.maximum(ev_sub - ev_pr, 0.0)

    # 3. per-occurrence layers on each occurrence's retained loss
    ev_occ = np.zeros(n_ev)
    if by_kind["occurrence"]:
        parts, full = [], []
        for i in by_kind["occurrence"]:
            ly = layers[i]
            y100 = _capped(_layer(r1, ly), ev_year, annual_cap(ly))
            layer_loss[i] = np.bincount(ev_year, weights=y100, minlength=n_years)[:n_years]
            parts.append(ly.share * y100)
            full.append(i)
        parts = _fit_under(parts, r1)
        for i, p in zip(full, parts):
            annual(i, p, ev_year)
            ev_occ += p
    r2 = np.maximum(r1 - ev_occ, 0.0)

    # 4. aggregate layers (stop loss) on the year's retained loss; occurrences share it in
    #    the order they happen
    ev_agg = np.zeros(n_ev)
    if by_kind["aggregate"]:
        subj = np.bincount(ev_year, weights=r2, minlength=n_years)[:n_years]
        parts, eparts = [], []
        for i in by_kind["aggregate"]:
            ly = layers[i]
            layer_loss[i] = _layer(subj, ly)
            parts.append(ly.share * layer_loss[i])
            eparts.append(ly.share * erode(r2, ev_year, ly.attachment, ly.limit))
        parts = _fit_under(parts, subj)
        eparts = _fit_under(eparts, r2)
        for i, p, e in zip(by_kind["aggregate"], parts, eparts):
            ceded[i] = p
            ev_agg += e
    ev_net = np.maximum(r2 - ev_agg, 0.0)

    for i, ly in enumerate(layers):
        rates = reinstatement_rates(ly)
        if any(rates):
            rho[i] = reinstatement_factor(layer_loss[i], ly.limit, rates)

    # each satellite's part of the net: its retained part after per-risk recoveries, scaled
    # like the occurrence's retained loss by the occurrence and aggregate recoveries
    f = np.divide(ev_net, r1, out=np.zeros(n_ev), where=r1 > 0)
    hit_net = np.maximum(hit_sub - hit_pr, 0.0) * f[hit_ev] if len(hit_ev) else np.zeros(0)
    return Cessions(ceded, layer_loss, rho, ev_net, hit_net)
