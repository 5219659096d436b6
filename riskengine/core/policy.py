"""Financial module: policy terms applied level by level, as pure array functions.

Levels, in order (OasisLMF-style item -> occurrence -> aggregate, then reinsurance):

1. satellite: a satellite whose damage in the policy year (from every peril) reaches
   ``ctl_threshold`` is a constructive total loss (the insurer pays the remaining sum
   insured), else each hit is a partial loss (``partial_loss='proportional'``: damage x sum insured; ``'none'``:
   nothing); then the per-satellite ``deductible``.
2. occurrence: ``min(max(x - occurrence_deductible, 0), occurrence_limit)`` per event.
3. aggregate: ``min(max(S - aggregate_deductible, 0), aggregate_limit)`` per year.
4. excess-of-loss reinsurance layers ``share x min(max(L - attachment, 0), limit)`` on the
   annual loss (``basis='aggregate'``) or on each occurrence (``basis='occurrence'``).

All amounts in USD.
"""

from __future__ import annotations

import numpy as np


def layer(x, deductible: float = 0.0, limit: float | None = None) -> np.ndarray:
    """``min(max(x - deductible, 0), limit)`` elementwise (``limit=None``: unlimited).

    Examples
    --------
    >>> layer([50, 150, 500], deductible=100, limit=200).tolist()
    [0.0, 50.0, 200.0]
    """
    y = np.maximum(np.asarray(x, float) - deductible, 0.0)
    return y if limit is None else np.minimum(y, limit)


def satellite_terms(damage, remaining, sum_insured, *, deductible: float = 0.0,
                    ctl_threshold: float = 0.75, partial_loss: str = "proportional",
                    ctl=None):
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
    insured = layer(covered * si, deductible)
    return ground_up, insured, lost


def occurrence_terms(loss, policy) -> np.ndarray:
    """Per-occurrence deductible and limit of ``policy`` (a :class:`riskengine.config.Policy`)."""
    return layer(loss, policy.occurrence_deductible, policy.occurrence_limit)


def aggregate_terms(annual, policy) -> np.ndarray:
    """Per-year aggregate deductible and limit of ``policy``."""
    return layer(annual, policy.aggregate_deductible, policy.aggregate_limit)


def reinsurance(annual_gross, layers, occ_loss=None, occ_year=None, n_years=None):
    """Ceded loss per year and per layer.

    Parameters
    ----------
    annual_gross : (n_years,) array
        Annual loss after all policy terms.
    layers : list of :class:`riskengine.config.ReinsuranceLayer`
    occ_loss, occ_year : arrays, optional
        Occurrence losses (after occurrence terms) and their 0-based year index, needed for
        ``basis='occurrence'`` layers.

    Returns
    -------
    ceded : (n_layers, n_years) array
        Capped so that the total ceded never exceeds the gross loss.

    Examples
    --------
    >>> from riskengine.config import ReinsuranceLayer
    >>> L = [ReinsuranceLayer(attachment=10, limit=20, share=0.5)]
    >>> reinsurance(np.array([5.0, 25.0, 100.0]), L).tolist()
    [[0.0, 7.5, 10.0]]
    """
    annual_gross = np.asarray(annual_gross, float)
    n = len(annual_gross) if n_years is None else n_years
    out = np.zeros((len(layers), n))
    for k, ly in enumerate(layers):
        if ly.basis == "occurrence":
            if occ_loss is None:
                raise ValueError(f"layer {ly.name!r} has basis='occurrence': pass occ_loss")
            per = ly.share * layer(occ_loss, ly.attachment, ly.limit)
            out[k] = np.bincount(occ_year, weights=per, minlength=n).astype(float)
        else:
            out[k] = ly.share * layer(annual_gross, ly.attachment, ly.limit)
    total = out.sum(axis=0)
    scale = np.where(total > annual_gross, annual_gross / np.where(total > 0, total, 1), 1.0)
    return out * scale
