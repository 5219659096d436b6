"""Frequency and severity distributions of generic perils (``[[perils]] type="compound"``).

Each model validates its parameters (finite, in range) and knows its own mean and
variance, so a test can check the sampler's moments against theory (as the ``aggregate``
package does for every distribution it ships).

Examples
--------
>>> from riskengine.perils.distributions import Lognormal
>>> m, v = Lognormal(distribution="lognormal", mu=0.0, sigma=1.0).moments()
>>> round(m, 4)
1.6487
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    # finite numbers only: inf / nan in a config are mistakes, never parameters
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


#: Largest mean number of occurrences a year a compound peril may have (a generic peril
#: with more is a modelling mistake, and NumPy's Poisson sampler stops near 1e18).
MAX_EVENTS_PER_YEAR = 1e6
#: Largest USD amount a severity parameter may take (1,000 trillion).
MAX_USD = 1e15


class Poisson(_Model):
    distribution: Literal["poisson"]
    mean: float = Field(..., ge=0, le=MAX_EVENTS_PER_YEAR, description="occurrences per year")

    def moments(self) -> tuple[float, float]:
        """(mean, variance) of the distribution."""
        return self.mean, self.mean


class NegativeBinomial(_Model):
    """Mean and variance (> mean) — overdispersed counts."""

    distribution: Literal["negative_binomial"]
    mean: float = Field(..., gt=0, le=MAX_EVENTS_PER_YEAR)
    variance: float = Field(..., gt=0)

    def moments(self) -> tuple[float, float]:
        return self.mean, self.variance

    @model_validator(mode="after")
    def _over(self):
        if self.variance <= self.mean:
            raise ValueError(f"variance ({self.variance}) must exceed mean ({self.mean}); "
                             "use poisson for variance == mean")
        return self


Frequency = Annotated[Union[Poisson, NegativeBinomial], Field(discriminator="distribution")]


class Lognormal(_Model):
    distribution: Literal["lognormal"]
    mu: float = Field(..., le=math.log(MAX_USD), description="mean of ln(loss in USD)")
    sigma: float = Field(..., gt=0, le=10, description="sd of ln(loss)")

    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def var(self) -> float:
        return math.expm1(self.sigma**2) * math.exp(2 * self.mu + self.sigma**2)

    def moments(self) -> tuple[float, float]:
        """(mean, variance) of the distribution."""
        return self.mean(), self.var()


class Exponential(_Model):
    distribution: Literal["exponential"]
    mean: float = Field(..., gt=0, le=MAX_USD)

    def moments(self) -> tuple[float, float]:
        return self.mean, self.mean**2


class Gamma(_Model):
    distribution: Literal["gamma"]
    shape: float = Field(..., gt=0, le=1e6)
    scale: float = Field(..., gt=0, le=MAX_USD)

    def mean(self) -> float:
        return self.shape * self.scale

    def var(self) -> float:
        return self.shape * self.scale**2

    def moments(self) -> tuple[float, float]:
        """(mean, variance) of the distribution."""
        return self.mean(), self.var()


class Pareto(_Model):
    """Pareto type I: P(X > x) = (scale / x) ** shape for x >= scale."""

    distribution: Literal["pareto"]
    shape: float = Field(..., gt=0, le=1e3)
    scale: float = Field(..., gt=0, le=MAX_USD)

    def mean(self) -> float:
        return self.shape * self.scale / (self.shape - 1) if self.shape > 1 else math.inf

    def var(self) -> float:
        a, s = self.shape, self.scale
        return a * s**2 / ((a - 1) ** 2 * (a - 2)) if a > 2 else math.inf

    def moments(self) -> tuple[float, float]:
        """(mean, variance) of the distribution."""
        return self.mean(), self.var()


class Weibull(_Model):
    distribution: Literal["weibull"]
    shape: float = Field(..., ge=0.05, le=1e3)
    scale: float = Field(..., gt=0, le=MAX_USD)

    def mean(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    def var(self) -> float:
        return self.scale**2 * (math.gamma(1 + 2 / self.shape)
                                - math.gamma(1 + 1 / self.shape) ** 2)

    def moments(self) -> tuple[float, float]:
        """(mean, variance) of the distribution."""
        return self.mean(), self.var()


class Uniform(_Model):
    distribution: Literal["uniform"]
    low: float = Field(..., ge=0, le=MAX_USD)
    high: float = Field(..., le=MAX_USD)

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def var(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def moments(self) -> tuple[float, float]:
        """(mean, variance) of the distribution."""
        return self.mean(), self.var()

    @model_validator(mode="after")
    def _order(self):
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must exceed low ({self.low})")
        return self


class Empirical(_Model):
    distribution: Literal["empirical"]
    values: list[float] = Field(..., min_length=1, max_length=1_000_000)
    probabilities: list[float] | None = None

    def _p(self):
        n = len(self.values)
        return self.probabilities or [1.0 / n] * n

    def mean(self) -> float:
        return sum(p * v for p, v in zip(self._p(), self.values))

    def var(self) -> float:
        m = self.mean()
        return sum(p * (v - m) ** 2 for p, v in zip(self._p(), self.values))

    def moments(self) -> tuple[float, float]:
        """(mean, variance) of the distribution."""
        return self.mean(), self.var()

    @model_validator(mode="after")
    def _probs(self):
        if self.probabilities is not None:
            if len(self.probabilities) != len(self.values):
                raise ValueError("probabilities must have one entry per value")
            if any(p < 0 for p in self.probabilities) or abs(sum(self.probabilities) - 1) > 1e-9:
                raise ValueError("probabilities must be non-negative and sum to 1")
        if any(v < 0 or v > MAX_USD for v in self.values):
            raise ValueError(f"loss values must lie in [0, {MAX_USD:.0e}] USD")
        return self


Severity = Annotated[Union[Lognormal, Exponential, Gamma, Pareto, Weibull, Uniform, Empirical],
                     Field(discriminator="distribution")]
