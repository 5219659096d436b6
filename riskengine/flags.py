"""Warnings that say when a priced run is not (only) a price: the ``run_flags`` of a
simulate / price run, shown in the CLI summary and first in the report.

* ``premium_above_limit`` — the technical premium is at or above the limit it buys: the
  cover pays back less than it costs; no one would buy it at this price.
* ``years_at_aggregate_limit`` — the aggregate limit is reached in at least the share of
  years beyond the capital quantile: the 1-in-200 (and the capital) is the limit, not the
  model; the tail above the limit is the insured's.
* ``oep_flat_at_occurrence_limit`` — an occurrence reaches the occurrence limit in at
  least 1 year in 200: the OEP curve is flat at the limit from that return period on.
* ``market_rate`` — the technical rate beside published market rates for the cover
  (information; a warning when it is far outside them).

Market figures (:data:`MARKET_RATES`) are cited where a public source gives one; where
none was found, the flag says so instead of inventing one.
"""

from __future__ import annotations

import math

#: Published market rates by cover, as premium / sum insured for the policy period.
#: ``rate`` is ``(low, high)`` or ``None`` where no public figure was found.
MARKET_RATES = {
    "launch_plus_one_year": dict(
        label="launch + 1 year",
        rate=(0.06, 0.10),
        source=("Slingshot Aerospace / Seradata, State of Satellite Deployments & Orbital "
                "Operations (30 Apr 2024), as reported by Via Satellite, 1 May 2024: a typical "
                "GEO satellite on Falcon 9 was insured for launch + 1 year at under 6 % of "
                "its insured value at the start of 2023 and at around 10 % after the 2023 "
                "losses (premiums ~$557 m against $995 m of claims in 2023)")),
    "in_orbit_annual": dict(
        label="LEO in-orbit annual",
        rate=None,
        source=("no public figure for LEO in-orbit annual rates was found (searched: Seradata, "
                "Gallagher 'Plane Talking' space market updates, AXA XL, Atrium, Swiss Re, "
                "SpaceNews, Via Satellite). Public sources say most LEO constellation operators "
                "self-insure (Taylor Wessing, 'Launch plus 1 satellite insurance', 2024) and "
                "give the market's size only: ~$557 m of premiums in 2023 (Slingshot / "
                "Seradata). GUIDE.md's '~2 %/yr in orbit' has no primary source here")),
}

#: A technical rate outside [low / FAR, high x FAR] of a cited range is a warning.
FAR = 3.0


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %" if x is not None and math.isfinite(x) else "—"


def _usd(x: float) -> str:
    from riskengine.summary import usd

    return usd(x)


def pricing_flags(price, policy, pricing, years: int, n_occ_limit: int, n_agg_limit: int,
                  cover: str = "in_orbit_annual") -> list[tuple[str, str, str]]:
    """``(code, message, severity)`` of every warning a priced run deserves.

    Parameters
    ----------
    price : riskengine.core.pricing.Price
    policy, pricing : the portfolio's ``[policy]`` and ``[pricing]``
    years : simulated years
    n_occ_limit, n_agg_limit : years with an occurrence at the occurrence limit, and years
        at the aggregate limit
    cover : ``in_orbit_annual`` | ``launch_plus_one_year``

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> pr = S(premium=120.0, limit=100.0, rate_on_tiv=0.012, expected_loss=90.0)
    >>> codes = [c for c, _, _ in pricing_flags(pr, S(aggregate_limit=100.0,
    ...          occurrence_limit=None), S(capital_quantile=0.995), 1000, 0, 400)]
    >>> codes
    ['premium_above_limit', 'years_at_aggregate_limit', 'market_rate']
    """
    out = []
    tail = 1.0 - float(pricing.capital_quantile)
    if price.limit and price.premium >= price.limit:
        out.append(("premium_above_limit", (
            f"the technical premium {_usd(price.premium)} is at or above the {_usd(price.limit)} "
            f"limit it buys ({price.premium / price.limit:.2f} x): this is not a price anyone "
            "would pay for the cover; the expected loss alone is "
            f"{_usd(price.expected_loss)}. Raise the deductibles or the limit, or split the "
            "fleet into separate covers"), "warning"))
    if policy.aggregate_limit is not None and years:
        share = n_agg_limit / years
        if share >= tail:
            out.append(("years_at_aggregate_limit", (
                f"the aggregate limit {_usd(policy.aggregate_limit)} is reached in "
                f"{100 * share:.1f} % of the simulated years (the capital quantile "
                f"{100 * pricing.capital_quantile:g} % needs fewer than {100 * tail:.1f} %): "
                "the 1-in-200 loss and the capital are the limit, not the model, and the loss "
                "above it stays with the insured"), "warning"))
    if policy.occurrence_limit is not None and years:
        share = n_occ_limit / years
        if share >= 1.0 / 200.0:
            rp = 1.0 / share
            out.append(("oep_flat_at_occurrence_limit", (
                f"an occurrence reaches the {_usd(policy.occurrence_limit)} occurrence limit in "
                f"{100 * share:.2f} % of the years: the occurrence EP curve is flat at the "
                f"limit from the 1-in-{rp:,.0f} return period on, so the tail of single "
                "events is the limit's, not the model's"), "warning"))
    m = MARKET_RATES.get(cover, MARKET_RATES["in_orbit_annual"])
    r = getattr(price, "rate_on_tiv", float("nan"))
    if m["rate"] is None:
        out.append(("market_rate", (
            f"technical rate {_pct(r)} of the insured value for {m['label']} cover; market "
            f"rate: {m['source']}"), "info"))
    else:
        lo, hi = m["rate"]
        far = math.isfinite(r) and (r < lo / FAR or r > hi * FAR)
        out.append(("market_rate", (
            f"technical rate {_pct(r)} of the insured value for {m['label']} cover, beside "
            f"published market rates of {_pct(lo)}-{_pct(hi)}"
            + (f" (more than {FAR:g} x outside them: check the model and the terms)" if far
               else "") + f". Source: {m['source']}"), "warning" if far else "info"))
    return out
