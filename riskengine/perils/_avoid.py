"""Collision avoidance derived from the operator's practice, per fleet group.

Shared by the collision peril (its hazard rows) and the breakup peril (which takes the
collision peril's derived share by default). The maths is
:mod:`riskengine.core.avoidance` (NASA CARA's event-rate method, Hall 2019): the share of
the collision rate removed by manoeuvring at a Pc threshold, with its sampling interval,
and the manoeuvres per satellite-year, computed

* from this portfolio's own screening — the Pc of every conjunction it found — when the
  Pc were computed with the covariance the operator acts on (the screening uses TLE
  covariances: grade ``"tle"``);
* otherwise from a conjunction model drawn from the collision rate (the flux, or the
  screening's annualised sum of Pc) with the operator's covariance grade
  (:func:`riskengine.core.avoidance.derived_avoidance`).

Every draw is seeded from the group's name and what is computed, so the same config gives
the same rows (and the sensitivity cases common random numbers).
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass

import numpy as np

from riskengine.core import avoidance as av
from riskengine.core.flux import R_EARTH_KM

#: conjunctions the model draws for a group's expectation (bounds the cost; the interval
#: then is the model's Monte Carlo precision)
N_TARGET = 40_000
N_BOOT = 100


def group_rng(group: str, what: str) -> np.random.Generator:
    """The reproducible random stream of one computation for one fleet group."""
    key = [20, zlib.crc32(group.encode("utf-8")), zlib.crc32(what.encode("utf-8"))]
    return np.random.default_rng(np.random.SeedSequence(key))


@dataclass
class Derived:
    """What a manoeuvre policy removes for one group and one kind of conjunction."""

    share: float
    share_low: float
    share_high: float
    maneuvers_per_year: float
    maneuvers_low: float
    maneuvers_high: float
    threshold_pc: float
    grade: str
    success: float
    method: str             # "screening" (its Pc) | "model" (drawn from the rate)
    satellite_years: float
    n_events: int
    rate_before: float      # collisions per satellite-year, before avoidance

    def as_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in asdict(self).items()}


def _result(r: av.AvoidanceResult, T, grade, success, method, rate, m: int = 0) -> Derived:
    """Share at threshold index 0, manoeuvres at threshold index ``m``."""
    return Derived(float(r.share_removed[0]), float(r.share_removed_ci[0, 0]),
                   float(r.share_removed_ci[1, 0]), float(r.maneuvers_per_year[m]),
                   float(r.maneuvers_per_year_ci[0, m]), float(r.maneuvers_per_year_ci[1, m]),
                   float(T), grade, float(success), method, float(r.years), int(r.n_events),
                   float(rate))


def none(T, grade, success, method="model") -> Derived:
    """Nothing to avoid (a zero rate)."""
    return Derived(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, float(T), grade, float(success), method, 0.0,
                   0, 0.0)


def from_screening(pc, satellite_years: float, T: float, success: float, rng) -> Derived:
    """Avoidance from the Pc of a screening's conjunctions (Hall 2019 eqs. 6, 11, 13)."""
    pc = np.asarray(pc, float)
    if satellite_years <= 0 or not pc.size:
        return none(T, "tle", success, "screening")
    r = av.avoidance(np.nan_to_num(pc), satellite_years, [T], success=success, rng=rng,
                     n_boot=1_000)
    return _result(r, T, "tle", success, "screening", r.rate_before_per_year)


def from_model(rate: float, hbr_m: float, T: float, angles, grade: str, success: float,
               rng, *, grade_2: str | None = None, own_threshold: float | None = None) -> Derived:
    """Avoidance from conjunctions drawn at ``rate`` collisions per satellite-year
    (:func:`riskengine.core.avoidance.derived_avoidance`), about :data:`N_TARGET` of them.

    ``own_threshold``: when the other party manoeuvres too (a third-party constellation at
    a lower threshold ``T``), the share removed is the one at ``T`` and the satellite's own
    manoeuvres are those above ``own_threshold``.
    """
    if not rate > 0 or not hbr_m > 0:
        return none(T, grade, success)
    years, pc = _drawn(rate, hbr_m, angles, grade, grade_2, rng)
    Ts = [T] if own_threshold is None else [T, own_threshold]
    # (av.derived_avoidance: its synthetic conjunctions, then the avoidance of their Pc)
    r = av.avoidance(pc, years, Ts, success=success, rng=rng, n_boot=N_BOOT)
    return _result(r, T, grade, success, "model", rate, m=len(Ts) - 1)


#: the conjunctions :func:`_drawn` drew last, by their inputs and the stream's state
_DRAWN: dict = {}
_DRAWN_KEPT = 256


def _drawn(rate, hbr_m, angles, grade, grade_2, rng) -> tuple[float, np.ndarray]:
    """The satellite-years and the Pc of the synthetic conjunctions :func:`from_model`
    draws: a pilot of 10 years sizes a draw of about :data:`N_TARGET` conjunctions.

    They depend on neither the manoeuvre threshold nor its success, which the sensitivity
    cases of the collision peril move: the last :data:`_DRAWN_KEPT` draws are kept by
    their inputs and the stream's state, and a draw of the same is the kept one with the
    stream left where drawing it leaves it (the same numbers after it too)."""
    import hashlib

    key = None
    if isinstance(grade, str) and (grade_2 is None or isinstance(grade_2, str)):
        h = hashlib.blake2b(np.ascontiguousarray(angles, float).tobytes(), digest_size=16)
        key = (float(rate), float(hbr_m), grade, grade_2, h.digest(),
               repr(rng.bit_generator.state))
        got = _DRAWN.get(key)
        if got is not None:
            rng.bit_generator.state = got[2]
            return got[0], got[1]
    pilot = av.synthetic_conjunctions(rng, rate, hbr_m, 10.0, angles, grade, grade_2=grade_2,
                                      pool=20_000)
    per_year = max(len(pilot["pc"]), 1) / 10.0
    years = float(np.clip(N_TARGET / per_year, 10.0, 1e7))
    pc = np.array(av.synthetic_conjunctions(rng, rate, hbr_m, years, angles, grade,
                                            grade_2=grade_2)["pc"], float)
    if key is not None:
        pc.flags.writeable = False
        while len(_DRAWN) >= _DRAWN_KEPT:
            _DRAWN.pop(next(iter(_DRAWN)))
        _DRAWN[key] = (years, pc, rng.bit_generator.state)
    return years, pc


def crossing_angles(pop, alt_km: float, inc_deg: float, rng, *, band_km: float = 10.0,
                    n: int = 20_000, weights=None) -> np.ndarray:
    """Crossing angles of a target's encounters with the objects of ``pop`` crossing its
    altitude (``±band_km``), as the flux sees them (:func:`riskengine.core.avoidance.sample_crossing_angles`)."""
    rp = pop.a_km * (1 - pop.e) - R_EARTH_KM - 0.5 * pop.thickness_km
    ra = pop.a_km * (1 + pop.e) - R_EARTH_KM + 0.5 * pop.thickness_km
    cross = (rp <= alt_km + band_km) & (ra >= alt_km - band_km)
    w = pop.weight if weights is None else np.asarray(weights, float)
    if not cross.any():
        return np.array([90.0])
    try:
        return av.sample_crossing_angles(rng, n, inc_deg, pop.inc_deg[cross], w[cross])
    except ValueError:   # nothing reaches the target's latitudes at a non-zero angle
        return np.array([90.0])
