"""Launch campaigns: launch failure, the deployment phase and campaign results (pure NumPy).

A *campaign* is the deployment plan of a portfolio (``[[launch]]`` entries): each launch
carries ``satellites`` satellites of one fleet group into orbit on one date. Under
``[policy] cover = "launch_plus_one_year"`` each satellite's policy attaches at ignition
and expires one year later; its year has three phases:

* ``launch`` (phase 0) — the vehicle fails: every satellite on board is lost in ONE
  occurrence (:class:`LaunchFailureSource`; one Bernoulli trial per launch, probability
  per vehicle family and posterior draw);
* ``raising`` (phase 1) — checkout at the insertion orbit and the days spent raising to
  station: a damaging geomagnetic storm while the satellites are at the low insertion
  altitude hits every launch low at that moment (:class:`StormWindowSource`, one
  occurrence per storm, as in February 2022), and buses fail while raising
  (:class:`RaisingFailureSource`, independent per satellite, infant mortality);
* ``orbit`` (phase 2) — the first year in orbit: every other peril of the portfolio.

Time axis: a simulated "year" of a campaign run is one realisation of every launch policy
of the campaign (each runs one year from its own launch); event times are fractions of a
satellite's policy year (launch at 0, raising within ``raising_days / 365.25``), so a
satellite lost at launch has nothing left for raising or in-orbit perils (the engine's
depletion). Storms arrive in calendar days over the campaign span.

Approximation: the in-orbit perils act over the whole policy year of a launched satellite
(its raising days included), so their first-year share is conservative by about
``raising_days / 365``; the bus hazard is the exception (the deployment peril conditions the
in-orbit year on surviving the raising, :mod:`riskengine.perils.deployment`).

Calendar years: results per calendar year are by the year of the launch (the year the
policies incept — the underwriting-year view of a launch book).

Axis conventions: per launch ``(n_launches,)``, per draw and launch ``(n_draws,
n_launches)``; satellites are the engine's indices ``0..n_sats-1``.

Examples
--------
>>> import numpy as np
>>> c = Campaign.build(launch_day=np.array([0.0, 30.0]), calendar_year=np.array([2027, 2027]),
...                    satellite_lists=[np.arange(0, 3), np.arange(3, 6)], n_sats=8)
>>> c.n_launches, c.sat_launch.tolist()
(2, [0, 0, 0, 1, 1, 1, -1, -1])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from riskengine.core.sources import Units

PHASES = ("launch", "raising", "orbit")

#: Priors of the launch-failure model (:func:`riskengine.models.build_launch_model`), on the
#: log-odds of a flight failing. Justification:
#:
#: * ``mu ~ Normal(logit 0.05, 1.5)``: mature vehicles fail a few percent of flights (Ariane
#:   5: 2 failures + 3 partial in 117; Falcon 9: 2 + 1 in 464); the prior allows 0.3-40 %.
#: * ``sigma ~ HalfNormal(1.0)``: families differ by up to a factor of a few in odds.
#: * ``delta ~ Normal(2.0, 1.0)``: the first flight's excess log-odds. Historically a new
#:   vehicle's first launch succeeded "more than 50 %, though not by much" (D. Day, The
#:   Space Review, 2006, https://thespacereview.com/article/590/1): p1 ~ 0.45 against a
#:   mature ~0.05 is logit 0.45 - logit 0.05 = 2.7; centred at 2 with sd 1 (odds x 1-20).
#: * ``partial_weight = 0.5``: a partial failure counts as half a failure (assumption: the
#:   payload reaches a wrong orbit; some are lost, some recover with their own propellant).
LAUNCH_PRIORS = dict(mu=(-2.944, 1.5), sigma=1.0, delta=(2.0, 1.0), partial_weight=0.5)
DAYS_PER_YEAR = 365.25
#: cells of the (years x launches) uniform matrix per batch (bounded memory)
_CELLS = 4_000_000


def _expand(units: Units, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every satellite of the units ``which``: ``(position in which, satellite)``.

    Examples
    --------
    >>> u = Units.from_lists([np.array([4, 5]), np.array([7])])
    >>> [x.tolist() for x in _expand(u, np.array([1, 0]))]
    [[0, 1, 1], [7, 4, 5]]
    """
    size = units.size[which]
    total = int(size.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pos = np.repeat(np.arange(len(which)), size)
    start = np.repeat(units.offset[which] - np.concatenate([[0], np.cumsum(size)[:-1]]), size)
    return pos, units.sats[start + np.arange(total)]


@dataclass
class LaunchFailureSource:
    """Each launch ``u`` fails with probability ``p[d, u]`` (draw ``d`` of the year): one
    occurrence, every satellite on board lost (total loss), at ignition.

    The engine treats a failed launch as one occurrence without per-satellite hits: its
    loss is the launch's satellites' insured values after the satellite terms
    (:meth:`launch_losses`), and every other hit that year on a satellite of that launch is
    void (the satellite never reached orbit) — the cost of a campaign does not grow with
    the satellites lost at launch. Only per-risk reinsurance layers see the satellites on
    board one by one (each one's insured loss, the fourth value of :meth:`launch_losses`).

    Examples
    --------
    >>> u = Units.from_lists([np.arange(3), np.arange(3, 6)])
    >>> s = LaunchFailureSource("launch", u, np.array([[1.0, 0.0]]))
    >>> yrs, lu = s.sample_failures(np.zeros(2, np.int64), np.random.default_rng(0))
    >>> yrs.tolist(), lu.tolist()
    ([0, 1], [0, 0])
    """

    peril: str
    units: Units
    p: np.ndarray  # (n_draws, n_launches)

    @property
    def n_draws(self) -> int:
        return self.p.shape[0]

    @property
    def n_launches(self) -> int:
        return self.p.shape[1]

    def expected_hits(self) -> float:
        """Mean occurrences per simulated year (block sizing: no satellite hits)."""
        return float(np.mean(self.p.sum(axis=1)))

    def sat_launch(self, n_sats: int) -> np.ndarray:
        """Launch index of every satellite (-1: on none of this source's launches)."""
        out = np.full(int(n_sats), -1, np.int64)
        out[self.units.sats] = np.repeat(np.arange(len(self.units.size)), self.units.size)
        return out

    def sample_failures(self, draw: np.ndarray, rng: np.random.Generator):
        """``(year, launch)`` of every failed launch of the block's years."""
        n_years, n_l = len(draw), self.p.shape[1]
        step = max(1, _CELLS // max(n_l, 1))
        ys, us = [], []
        for a in range(0, n_years, step):
            d = draw[a:a + step] % self.n_draws
            fail = rng.random((len(d), n_l)) < self.p[d]
            y, u = np.nonzero(fail)
            ys.append(y + a)
            us.append(u)
        yrs = np.concatenate(ys).astype(np.int64) if ys else np.zeros(0, np.int64)
        lu = np.concatenate(us).astype(np.int64) if us else np.zeros(0, np.int64)
        return yrs, lu

    def launch_losses(self, sum_insured: np.ndarray, satellite_terms) -> tuple:
        """Per launch: ``(ground_up, insured, satellites)`` of losing every satellite on
        board, ``insured`` after ``satellite_terms(damage, remaining, si)`` (a callable with
        the policy bound); fourth, each satellite's insured loss (in ``units.sats`` order:
        a per-risk layer's subject)."""
        si = np.asarray(sum_insured, float)[self.units.sats]
        gu, ins, _ = satellite_terms(np.ones(len(si)), np.ones(len(si)), si)
        owner = np.repeat(np.arange(len(self.units.size)), self.units.size)
        n_l = len(self.units.size)
        return (np.bincount(owner, weights=gu, minlength=n_l),
                np.bincount(owner, weights=ins, minlength=n_l), self.units.size.copy(), ins)


@dataclass
class RaisingFailureSource:
    """Independent bus failures while raising: each satellite of launch ``u`` fails with
    probability ``p[d, cls[u]]`` during its ``raising_days[u]`` (one occurrence per
    satellite, total loss, at a uniform time within the raising window).

    Launches share their probability by class (a fleet group: one bus family), so the
    per-draw tables are ``(n_draws, n_classes)`` whatever the number of launches.

    Examples
    --------
    >>> u = Units.from_lists([np.arange(1000)])
    >>> s = RaisingFailureSource("raising", u, np.array([[0.01]]), np.array([30.0]))
    >>> yrs, ev, sat, dmg, t = s.sample_events(np.zeros(2000, np.int64),
    ...                                        np.random.default_rng(1))
    >>> bool(abs(len(yrs) / 2000 - 1000 * -np.log(0.99)) < 0.5), bool(t.max() <= 30 / 365.25)
    (True, True)
    """

    #: each occurrence is one satellite's failure: void with its satellite (engine)
    occurrence_is_its_hits = True
    peril: str
    units: Units             # one unit per launch
    p: np.ndarray            # (n_draws, n_classes)
    raising_days: np.ndarray  # (n_launches,)
    cls: np.ndarray | None = None  # (n_launches,) class of each launch (default: all 0)

    def __post_init__(self):
        n_l = len(self.units.size)
        self.cls = np.zeros(n_l, np.int64) if self.cls is None else np.asarray(self.cls, np.int64)
        n_c = self.p.shape[1]
        # the satellites of each class, and the launch each one is on
        owner = np.repeat(np.arange(n_l), self.units.size)
        by = [np.flatnonzero(self.cls[owner] == c) for c in range(n_c)]
        self._class_units = Units.from_lists([self.units.sats[i] for i in by])
        self._class_launch = np.concatenate([owner[i] for i in by]) if by else owner
        rate = -np.log1p(-np.minimum(self.p, 1 - 1e-15))
        self._w = rate * self._class_units.size[None, :]          # (n_draws, n_classes)

    @property
    def n_draws(self) -> int:
        return self.p.shape[0]

    def expected_hits(self) -> float:
        return 2.0 * float(np.mean(self._w.sum(axis=1)))

    def sample_events(self, draw: np.ndarray, rng: np.random.Generator):
        # Poisson(rate) failures per satellite (rate = -log(1 - p): P(at least one) = p; a
        # second failure of the same satellite finds nothing left), class chosen in
        # proportion to its expected failures, satellite uniformly within the class
        d = draw % self.n_draws
        w = self._w
        lam = w.sum(axis=1)
        counts = rng.poisson(lam[d])
        yrs = np.repeat(np.arange(len(d)), counts)
        dd = d[yrs]
        n_c = w.shape[1]
        cw = np.cumsum(w[dd], axis=1) / np.where(lam[dd] > 0, lam[dd], 1.0)[:, None]
        c = np.minimum((cw < rng.random(len(yrs))[:, None]).sum(axis=1), n_c - 1)
        cu = self._class_units
        pos = cu.offset[c] + (rng.random(len(yrs)) * cu.size[c]).astype(np.int64)
        t = rng.random(len(yrs)) * self.raising_days[self._class_launch[pos]] / DAYS_PER_YEAR
        return (yrs.astype(np.int64), np.arange(len(yrs)), cu.sats[pos], np.ones(len(yrs)), t)


@dataclass
class StormWindowSource:
    """Damaging storms in calendar time over the campaign; a storm at day ``t`` hits every
    launch ``u`` that is low at that moment (``start[u] <= t < start[u] + window[u]``) and
    destroys each of its satellites with probability ``hit_probability[u]``: ONE occurrence
    per storm, whatever the number of launches it catches (Feb 2022: 38 of 49).

    Parameters
    ----------
    rate : (n_draws,) storms per year
    start, window : (n_launches,) days since the first launch, days at insertion altitude
    hit_probability : (n_launches,)

    Examples
    --------
    >>> u = Units.from_lists([np.arange(10), np.arange(10, 20)])
    >>> s = StormWindowSource("storm", u, np.array([365.25]), np.array([0.0, 2.0]),
    ...                       np.array([5.0, 5.0]), np.array([1.0, 1.0]))
    >>> yrs, ev, sat, dmg, t = s.sample_events(np.zeros(200, np.int64),
    ...                                        np.random.default_rng(0))
    >>> int(np.bincount(ev).max()) <= 20 and bool(np.all(dmg == 1))
    True
    """

    #: a storm that hits no launch low is no occurrence, nor one whose hits are all on
    #: satellites of failed launches (engine)
    occurrence_is_its_hits = True
    #: ``sample_events(..., hit_times=True)`` gives each hit's time too: a storm's time is
    #: that of its earliest hit (in the policy year of the launch it catches), and the
    #: engine takes it again over the hits that stay when a caught launch failed
    times_by_hit = True
    peril: str
    units: Units
    rate: np.ndarray
    start: np.ndarray
    window: np.ndarray
    hit_probability: np.ndarray

    def __post_init__(self):
        order = np.argsort(self.start, kind="stable")
        self._order = order
        self._sorted_start = self.start[order]
        self.span = float((self.start + self.window).max() - self.start.min()) \
            if len(self.start) else 0.0
        self.t0 = float(self.start.min()) if len(self.start) else 0.0

    @property
    def n_draws(self) -> int:
        return self.rate.shape[0]

    def expected_hits(self) -> float:
        storms = float(np.mean(self.rate)) * self.span / DAYS_PER_YEAR
        exposure = float((self.window * self.units.size * self.hit_probability).sum())
        return storms + float(np.mean(self.rate)) * exposure / DAYS_PER_YEAR

    def sample_events(self, draw: np.ndarray, rng: np.random.Generator,
                      hit_times: bool = False):
        """``(event year, event of each hit, satellite, damage, event time)`` of the
        block's storms (and each hit's time, the sixth, with ``hit_times``)."""
        d = draw % self.n_draws
        counts = rng.poisson(self.rate[d] * self.span / DAYS_PER_YEAR)
        yrs = np.repeat(np.arange(len(d)), counts)
        t = self.t0 + rng.random(len(yrs)) * self.span
        wmax = float(self.window.max()) if len(self.window) else 0.0
        lo = np.searchsorted(self._sorted_start, t - wmax, side="right")
        hi = np.searchsorted(self._sorted_start, t, side="right")
        n = hi - lo
        storm = np.repeat(np.arange(len(t)), n)
        k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        launch = self._order[np.repeat(lo, n) + k]
        low = t[storm] < self.start[launch] + self.window[launch]
        storm, launch = storm[low], launch[low]
        hits = rng.binomial(self.units.size[launch], self.hit_probability[launch])
        keep = hits > 0
        storm, launch, hits = storm[keep], launch[keep], hits[keep]
        # the satellites hit in each (storm, launch) pair: distinct positions in the launch
        pair = np.repeat(np.arange(len(launch)), hits)
        m = self.units.size[launch][pair]
        pos = np.floor(rng.random(len(pair)) * m).astype(np.int64)
        o = np.lexsort((pos, pair))
        pair, pos = pair[o], pos[o]
        dup = np.zeros(len(pair), bool)
        while True:
            dup[1:] = (pair[1:] == pair[:-1]) & (pos[1:] == pos[:-1])
            if not dup.any():
                break
            pos[dup] = np.floor(rng.random(int(dup.sum())) * m[o][dup]).astype(np.int64)
            o2 = np.lexsort((pos, pair))
            pair, pos, o = pair[o2], pos[o2], o[o2]
            dup[:] = False
        sats = self.units.sats[self.units.offset[launch[pair]] + pos]
        # storms that hit nothing are no occurrence
        used, ev = np.unique(storm[pair], return_inverse=True)
        # a hit's time in the policy year of its launch; the storm's is its earliest hit's
        # (the division and the clip keep the order: the minimum of the hits' times is the
        # storm's time to the bit)
        t_hit = np.clip((t[storm[pair]] - self.start[launch[pair]]) / DAYS_PER_YEAR,
                        0.0, 0.999)
        first = np.full(len(used), np.inf)
        np.minimum.at(first, ev, t_hit)
        out = (yrs[used].astype(np.int64), ev.astype(np.int64), sats, np.ones(len(sats)),
               first)
        return out + (t_hit,) if hit_times else out


# --------------------------------------------------------------------------- the plan
@dataclass
class Campaign:
    """The launches of a portfolio as arrays, and the satellites each one carries.

    Attributes
    ----------
    launch_day : (n_launches,) days since the first launch
    calendar_year : (n_launches,) calendar year of each launch
    units : Units
        Satellites of each launch (engine indices).
    sat_launch : (n_sats,) launch index of each satellite (-1: on no launch)
    phase_of : dict
        Peril label -> phase index (0 launch, 1 raising); every other label is ``orbit``.
    """

    launch_day: np.ndarray
    calendar_year: np.ndarray
    units: Units
    sat_launch: np.ndarray
    phase_of: dict = field(default_factory=dict)

    @classmethod
    def build(cls, launch_day, calendar_year, satellite_lists, n_sats: int) -> "Campaign":
        units = Units.from_lists([np.asarray(x, np.int64) for x in satellite_lists])
        sat_launch = np.full(int(n_sats), -1, np.int64)
        for i, x in enumerate(satellite_lists):
            sat_launch[np.asarray(x, np.int64)] = i
        return cls(np.asarray(launch_day, float), np.asarray(calendar_year, np.int64), units,
                   sat_launch)

    @property
    def n_launches(self) -> int:
        return len(self.launch_day)

    @cached_property
    def years(self) -> list[int]:
        """The calendar years with a launch, ascending (computed once: every block asks)."""
        return sorted({int(y) for y in self.calendar_year})

    @cached_property
    def launch_calendar_index(self) -> np.ndarray:
        """Index of each launch's calendar year in :attr:`years` (computed once)."""
        return np.searchsorted(np.asarray(self.years, np.int64), self.calendar_year)

    def component_names(self) -> list[str]:
        """Names of the per-year loss components: ``"YEAR phase"`` plus ``(other)``."""
        return [f"{y} {ph}" for y in self.years for ph in PHASES] + ["(other)"]

    def block_summary(self, n_years, perils, ev_year, ev_peril, hit_ev, hit_sat, hit_loss,
                      hit_lost, ev_direct_loss, launch_events=None) -> dict:
        """Campaign results of one engine block (pure; called by the engine).

        ``hit_loss`` is each hit's share of the annual loss after all policy terms (rows of
        a year add up to the year's gross loss with ``ev_direct_loss``), ``hit_lost``
        whether the hit is a total or constructive total loss of the satellite.

        Returns ``components`` ``(n_years, n_components)`` (by calendar year and phase, plus
        ``(other)``: losses not on a launched satellite), ``launch_loss`` and
        ``launch_lost`` ``(n_launches, 3)`` sums over the block's years,
        ``launch_max`` ``(n_launches,)`` the largest loss of one launch in one year.
        ``launch_events`` ``(year, launch, loss, satellites)`` are failed launches (one
        occurrence each, phase ``launch``, no satellite hits).
        """
        n_l = self.n_launches
        phase_code = np.array([self.phase_of.get(p, 2) for p in perils] or [2], np.int64)
        ph = phase_code[ev_peril[hit_ev]] if len(hit_ev) else np.zeros(0, np.int64)
        lau = self.sat_launch[hit_sat] if len(hit_sat) else np.zeros(0, np.int64)
        yrs = ev_year[hit_ev] if len(hit_ev) else np.zeros(0, np.int64)
        if launch_events is not None and len(launch_events[0]):
            ly, ll, lloss, lsat = launch_events
            yrs = np.concatenate([yrs, ly])
            lau = np.concatenate([lau, ll])
            ph = np.concatenate([ph, np.zeros(len(ly), np.int64)])
            hit_loss = np.concatenate([hit_loss, lloss])
            hit_lost = np.concatenate([np.asarray(hit_lost, float), lsat.astype(float)])
        on = lau >= 0
        launch_cal = self.launch_calendar_index
        n_c = 3 * len(self.years) + 1
        launch_lost = np.bincount(lau[on] * 3 + ph[on], weights=hit_lost[on].astype(float),
                                  minlength=n_l * 3).reshape(n_l, 3)
        # the losses: only the hits with one (most hits of a large fleet are below the
        # occurrence deductible and add zero)
        nz = np.flatnonzero(hit_loss != 0)
        yrs, lau, ph, hit_loss, on = yrs[nz], lau[nz], ph[nz], hit_loss[nz], on[nz]
        col = np.where(on, launch_cal[np.maximum(lau, 0)] * 3 + ph, n_c - 1)
        comp = np.bincount(yrs * n_c + col, weights=hit_loss,   # (float even when empty)
                           minlength=n_years * n_c).astype(float).reshape(n_years, n_c)
        direct = np.flatnonzero(ev_direct_loss)      # (the others add zero)
        comp[:, -1] += np.bincount(ev_year[direct], weights=ev_direct_loss[direct],
                                   minlength=n_years)
        key = lau[on] * 3 + ph[on]
        launch_loss = np.bincount(key, weights=hit_loss[on], minlength=n_l * 3).reshape(n_l, 3)
        per_year = np.bincount(yrs[on] * n_l + lau[on], weights=hit_loss[on],
                               minlength=n_years * n_l)
        launch_max = per_year.reshape(n_years, n_l).max(axis=0) if n_years else np.zeros(n_l)
        return dict(components=comp, launch_loss=launch_loss, launch_lost=launch_lost,
                    launch_max=launch_max)


def binomial_launch_aep(n_launches: int, satellites: int, p: float, sum_insured: float,
                        return_periods) -> np.ndarray:
    """Exact AEP losses of ``n_launches`` independent launches of ``satellites`` satellites
    each failing with probability ``p``: the loss is ``satellites x sum_insured x K``,
    ``K ~ Binomial(n_launches, p)``; the loss at return period T is the smallest x with
    ``P(L <= x) >= 1 - 1/T`` (the quantile convention of :mod:`riskengine.core.ep`).

    Examples
    --------
    >>> binomial_launch_aep(10, 100, 0.05, 1e6, [2, 20, 200]).tolist()
    [0.0, 200000000.0, 300000000.0]
    """
    from scipy import stats

    rp = np.asarray(return_periods, float)
    k = stats.binom.ppf(1.0 - 1.0 / rp, n_launches, p)
    return k * satellites * sum_insured
