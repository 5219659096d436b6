"""Agreed value by age: the sum insured a loss is paid on, depreciating as a satellite ages.

In-orbit policies often agree the insured value in advance as a schedule that falls with
the satellite's age (compute payloads lose value as their accelerators become obsolete in
3-5 years). A schedule is a list of ``(age in years, share of the sum insured)`` points,
linear between them and flat outside; a loss at time ``t`` (years after inception) of a
satellite ``a`` years old at inception is paid on ``sum_insured x share(a + t)``.

Examples
--------
>>> av = AgreedValue.build(np.array([2.0, 0.0]), np.array([0, -1]),
...                        [([0.0, 4.0], [1.0, 0.2])])
>>> av.factor(np.array([0, 0, 1]), np.array([0.0, 1.0, 0.5])).round(3).tolist()
[0.6, 0.4, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class AgreedValue:
    """Per-satellite age at inception and the depreciation schedules of the fleet groups.

    Attributes
    ----------
    age0 : (n_sats,) float
        Age in years at the start of the insured year.
    schedule : (n_sats,) int
        Index into ``ages`` / ``shares`` of each satellite's schedule (-1: none, the full
        sum insured).
    ages, shares : list of 1-d arrays
    """

    age0: np.ndarray
    schedule: np.ndarray
    ages: list
    shares: list

    @classmethod
    def build(cls, age0, schedule, points) -> "AgreedValue":
        """From ages at inception, schedule indices and ``[(ages, shares), ...]``."""
        return cls(np.asarray(age0, float), np.asarray(schedule, np.int64),
                   [np.asarray(a, float) for a, _ in points],
                   [np.asarray(s, float) for _, s in points])

    def factor(self, sats: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Share of the sum insured of satellites ``sats`` at times ``t`` (years after
        inception)."""
        sats = np.asarray(sats, np.int64)
        out = np.ones(len(sats))
        sch = self.schedule[sats]
        for k, (a, s) in enumerate(zip(self.ages, self.shares)):
            m = sch == k
            if m.any():
                out[m] = np.interp(self.age0[sats[m]] + np.asarray(t, float)[m], a, s)
        return out

    def at_inception(self) -> np.ndarray:
        """Share of the sum insured of every satellite at the start of the insured year."""
        return self.factor(np.arange(len(self.age0)), np.zeros(len(self.age0)))
