"""Financial module: policy terms applied level by level, as pure array functions.

Levels, in order (OasisLMF-style item -> occurrence -> aggregate, then reinsurance):

1. satellite: a satellite whose damage in the policy year (from every peril) reaches
   ``ctl_threshold`` is a constructive total loss (the insurer pays the remaining sum
   insured), else each hit is a partial loss (``partial_loss='proportional'``: damage x sum insured; ``'none'``:
   nothing); then the per-satellite ``deductible``.
2. occurrence: ``min(max(x - occurrence_deductible, 0), occurrence_limit)`` per event.
3. aggregate: ``min(max(S - aggregate_deductible, 0), aggregate_limit)`` per year; each
   occurrence's gross loss is its share of it in the order occurrences happen
   (:func:`riskengine.core.reinsurance.erode`).
4. reinsurance (quota share, per-risk, per-occurrence and aggregate excess of loss with
   reinstatements): :mod:`riskengine.core.reinsurance`.

Deductibles are *straight* (the insurer pays the loss above the deductible) or *franchise*
(nothing up to the deductible, the whole loss above it; Klugman, Panjer & Willmot, *Loss
Models*, 4th ed., sec. 8.2): ``deductible_type`` and ``occurrence_deductible_type``.

All amounts in USD.
"""

from __future__ import annotations

import numpy as np


def layer(x, deductible: float = 0.0, limit: float | None = None,
          franchise: bool = False) -> np.ndarray:
    """``min(max(x - deductible, 0), limit)`` elementwise (``limit=None``: unlimited).

    With ``franchise=True`` the deductible is a franchise: a loss up to it pays nothing, a
    loss above it pays in full (up to the limit).

    Examples
    --------
    >>> layer([50, 150, 500], deductible=100, limit=200).tolist()
    [0.0, 50.0, 200.0]
    >>> layer([50, 100, 150, 500], deductible=100, limit=200, franchise=True).tolist()
    [0.0, 0.0, 150.0, 200.0]
    """
    x = np.asarray(x, float)
    if franchise:
        y = np.where(x > deductible, x, 0.0)
    else:
        y = np.maximum(x - deductible, 0.0)
    return y if limit is None else np.minimum(y, limit)


def satellite_terms(damage, remaining, sum_insured, *, deductible: float = 0.0,
                    ctl_threshold: float = 0.75, partial_loss: str = "proportional",
                    ctl=None, deductible_type: str = "straight"):
    """Ground-up and insured loss of each satellite hit.

    Parameters
    ----------
    damage : array
        Capacity fraction the hit destroys (0..1).
    remaining : array
        Capacity fraction the satellite still had before the hit (0..1; depletion).
    sum_insured : array
        USD.
    ctl : bool array, optional
        Which hits are constructive total losses. Default ``damage >= ctl_threshold``; the
        loss engine passes the cumulative rule of :func:`riskengine.core.engine.deplete`
        (the hit that takes a satellite's damage in the year to the threshold).
    deductible_type : {'straight', 'franchise'}
        How the per-satellite ``deductible`` applies (see :func:`layer`).

    Returns
    -------
    ground_up, insured, lost : arrays
        USD before and after satellite terms, and the capacity fraction the hit removes
        (the whole remainder for a constructive total loss).

    Examples
    --------
    >>> g, i, lost = satellite_terms([0.8, 0.3], [1.0, 1.0], [100.0, 100.0], deductible=5)
    >>> g.tolist(), i.tolist(), lost.tolist()
    ([80.0, 30.0], [95.0, 25.0], [1.0, 0.3])
    >>> satellite_terms([0.8, 0.03], [1.0, 1.0], [100.0, 100.0], deductible=5,
    ...                 deductible_type="franchise")[1].tolist()
    [100.0, 0.0]
    """
    damage = np.asarray(damage, float)
    remaining = np.asarray(remaining, float)
    si = np.asarray(sum_insured, float)
    ctl = damage >= ctl_threshold if ctl is None else np.asarray(ctl, bool)
    hit = np.minimum(damage, remaining)
    ground_up = hit * si
    lost = np.where(ctl, remaining, hit)
    if partial_loss == "proportional":
        covered = lost
    elif partial_loss == "none":
        covered = np.where(ctl, remaining, 0.0)
    else:
        raise ValueError(f"partial_loss={partial_loss!r}: use 'proportional' or 'none'")
    if deductible_type not in ("straight", "franchise"):
        raise ValueError(f"deductible_type={deductible_type!r}: use 'straight' or 'franchise'")
    insured = layer(covered * si, deductible, franchise=deductible_type == "franchise")
    return ground_up, insured, lost


def occurrence_terms(loss, policy) -> np.ndarray:
    """Per-occurrence deductible (straight or franchise) and limit of ``policy`` (a
    :class:`riskengine.config.Policy`)."""
    franchise = getattr(policy, "occurrence_deductible_type", "straight") == "franchise"
    return layer(loss, policy.occurrence_deductible, policy.occurrence_limit, franchise)


def aggregate_terms(annual, policy) -> np.ndarray:
    """Per-year aggregate deductible and limit of ``policy``."""
    return layer(annual, policy.aggregate_deductible, policy.aggregate_limit)


def reinsurance(annual_gross, layers, occ_loss=None, occ_year=None, n_years=None):
    """Ceded loss per year and per layer of a reinsurance programme
    (:func:`riskengine.core.reinsurance.cede`) when each year's occurrences are given in
    the order they happen; without occurrences, the year's loss is one occurrence.

    Parameters
    ----------
    annual_gross : (n_years,) array
        Annual loss after all policy terms.
    layers : list of :class:`riskengine.config.ReinsuranceLayer`
    occ_loss, occ_year : arrays, optional
        Gross occurrence losses in the order they happen and their 0-based year index
        (they add up to ``annual_gross`` per year), needed for per-occurrence layers.

    Returns
    -------
    ceded : (n_layers, n_years) array

    Examples
    --------
    >>> from riskengine.config import ReinsuranceLayer
    >>> L = [ReinsuranceLayer(attachment=10, limit=20, share=0.5)]
    >>> reinsurance(np.array([5.0, 25.0, 100.0]), L).tolist()
    [[0.0, 7.5, 10.0]]
    """
    from riskengine.core.reinsurance import cede, kind_of

    annual_gross = np.asarray(annual_gross, float)
    n = len(annual_gross) if n_years is None else n_years
    if occ_loss is None:
        if any(kind_of(ly) in ("occurrence", "risk") for ly in layers):
            bad = next(ly for ly in layers if kind_of(ly) in ("occurrence", "risk"))
            raise ValueError(f"layer {bad.name!r} has basis={bad.basis!r}: pass occ_loss")
        occ_loss, occ_year = annual_gross, np.arange(n)
    return cede(layers, np.asarray(occ_loss, float), np.asarray(occ_year), n).ceded
