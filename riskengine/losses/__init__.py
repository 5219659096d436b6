"""Monte Carlo loss engine: perils -> events -> policy terms -> loss tables.

* :mod:`riskengine.core.sources` — samplers and the engine input :class:`HazardSet`.
* :mod:`riskengine.core.engine` — the vectorised block simulation (pure NumPy).
* :mod:`riskengine.core.ep` — EP curves and metrics with Monte Carlo standard errors.
* :func:`write_simulation` — the edge: streams blocks into a store run (``ylt``, ``elt``),
  then the summaries on every perspective (``ep_curve``, ``metrics``, ``psept``) through
  Arrow, in the run's one transaction; :func:`write_ylt_net` the reinsurance year table
  once the layers are priced.

Examples
--------
>>> import tempfile, os
>>> from riskengine.config import parse_portfolio
>>> from riskengine.store import connect, run
>>> p = parse_portfolio({"simulation": {"years": 2000, "seed": 3}, "perils": [
...     {"type": "compound", "name": "misc",
...      "frequency": {"distribution": "poisson", "mean": 3},
...      "severity": {"distribution": "lognormal", "mu": 13, "sigma": 1}}]})
>>> con = connect(os.path.join(tempfile.mkdtemp(), "x.duckdb"))
>>> with run(con, "simulate", seed=3, years=2000) as r:
...     res = write_simulation(p, r)
>>> con.execute("select count(*) from ylt").fetchall()[0][0]
2000
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskengine.core.engine import (BLOCK_YEARS, block_years, blocks,
                                    run_block, simulate_block)
from riskengine.core.ep import RETURN_PERIODS, ep_table, metrics
from riskengine.core.pricing import ComponentAccumulator
from riskengine.core.sources import HazardSet, hazard_set_from_rows

__all__ = [
    "BLOCK_YEARS", "HazardSet", "PERSPECTIVES", "RETURN_PERIODS", "SimulationResult", "blocks",
    "ep_table", "hazard_set_from_rows", "head_result", "insured_value_at_inception", "iter_blocks", "metrics", "per_sample_ep",
    "reinstatement_premiums", "simulate_block", "simulate_arrays", "write_metrics",
    "write_simulation", "write_summaries", "write_ylt_net",
]

NO_SATELLITE = "(no satellite)"


PERSPECTIVES = ("ground_up", "gross", "net")


@dataclass
class SimulationResult:
    """Year-level results of a whole run.

    ``gross``, ``ground_up``, ``ceded`` (summed over layers) and the largest occurrence of
    each year on each perspective (``oep_ground_up``, ``oep`` gross, ``oep_net``) are
    (n_years,) arrays, 8 bytes a year each (exact EP curves and metrics need every year);
    ``net`` is ``gross - ceded``. Per reinsurance layer: the sums of its ceded losses
    (``layer_ceded``) and, for layers with reinstatement premiums, ``rho`` (n_layers,
    n_years), the year's reinstatement premium as a multiple of the layer's upfront
    premium. ``draw_class`` (n_years,) is the class of the year's parameter draw for the
    per-sample EP curves (None without parameter uncertainty). Losses by peril and fleet
    group are summarised block by block (:class:`ComponentAccumulator`: ``"peril"`` and
    ``"group"`` on the net, ``"peril_gross"`` and ``"group_gross"`` on the gross), so
    memory does not grow with them; ``by_peril`` / ``by_group`` (n_years, n) net arrays
    are kept only when asked for (``keep_components=True``, small runs and tests).
    """

    years: int
    seed: int
    gross: np.ndarray
    ground_up: np.ndarray
    oep: np.ndarray
    ceded: np.ndarray   # (n_years,): ceded by all layers
    components: dict    # "peril" / "group" (net), "peril_gross" / "group_gross"
    perils: list[str]
    groups: list[str]
    n_events: int
    n_layers: int = 0
    by_peril: np.ndarray | None = None    # (years, n_perils) net, when kept
    by_group: np.ndarray | None = None    # (years, n_groups + 1) net, when kept
    oep_ground_up: np.ndarray | None = None
    oep_net: np.ndarray | None = None
    layer_ceded: np.ndarray | None = None      # (n_layers,) sum over years
    layer_ceded_sq: np.ndarray | None = None   # (n_layers,) sum of squares over years
    rho: np.ndarray | None = None              # (n_layers, n_years) or None
    draw_class: np.ndarray | None = None       # (n_years,) int16 or None
    class_loss: np.ndarray | None = None       # (n_classes,) mean draw_expected_loss
    class_draws: np.ndarray | None = None      # (n_classes,) draws per class
    n_occ_limit: int = 0
    n_agg_limit: int = 0
    #: launch campaigns (:class:`CampaignAccumulator`), else None
    campaign: object | None = None
    #: per block with reinsurance layers: ``(first year, years, sum of each layer's ceded
    #: loss, sum of its squares)`` (:func:`head_result` takes the first blocks' sums)
    block_ceded: list | None = None

    @property
    def net(self) -> np.ndarray:
        return self.gross - self.ceded

    def annual(self, perspective: str) -> np.ndarray:
        """The annual loss on ``perspective`` (ground_up, gross or net)."""
        if perspective == "ground_up":
            return self.ground_up
        if perspective == "gross":
            return self.gross
        if perspective == "net":
            return self.net
        raise ValueError(f"perspective {perspective!r}: use one of {PERSPECTIVES}")

    def largest(self, perspective: str) -> np.ndarray:
        """The year's largest occurrence on ``perspective``."""
        return {"ground_up": self.oep_ground_up, "gross": self.oep,
                "net": self.oep_net}[perspective]


class ResultBuilder:
    """Collects :class:`~riskengine.core.engine.BlockResult` s (in any block order) into a
    :class:`SimulationResult` with memory bounded by the year arrays."""

    def __init__(self, hs: HazardSet, pol, years: int, seed: int, q: float = 0.995,
                 keep_components: bool = False, psept_samples: int = 10):
        from riskengine.core.engine import draw_classes, draw_expected_loss
        from riskengine.core.reinsurance import reinstatement_rates

        self.years, self.seed = int(years), int(seed)
        self.layers = list(pol.reinsurance)
        self.n_l = len(self.layers)
        self.perils, self.groups = list(hs.perils), list(hs.group_names)
        self.gross, self.gu, self.oep, self.ceded = (np.empty(self.years) for _ in range(4))
        self.oep_gu, self.oep_net = np.empty(self.years), np.empty(self.years)
        self.layer_ceded = np.zeros(self.n_l)
        self.layer_ceded_sq = np.zeros(self.n_l)
        self.block_ceded = []
        self.rho = (np.zeros((self.n_l, self.years))
                    if any(reinstatement_rates(ly) for ly in self.layers) else None)
        self.classes = None
        if hs.n_draws > 1:
            self.classes = draw_classes(hs, psept_samples)
            k = int(self.classes.max()) + 1
            score = draw_expected_loss(hs)
            self.class_draws = np.bincount(self.classes, minlength=k)
            self.class_loss = np.bincount(self.classes, weights=score, minlength=k) / \
                np.maximum(self.class_draws, 1)
            self.draw_class = np.empty(self.years, np.int16)
        self.n_occ_limit = self.n_agg_limit = 0
        names_g = self.groups + [NO_SATELLITE]
        self.acc = {"peril": ComponentAccumulator(self.perils, self.years, q),
                    "group": ComponentAccumulator(names_g, self.years, q),
                    "peril_gross": ComponentAccumulator(self.perils, self.years, q),
                    "group_gross": ComponentAccumulator(names_g, self.years, q)}
        self.keep = keep_components
        camp = getattr(hs, "campaign", None)
        self.camp = CampaignAccumulator(camp, self.years, q) if camp is not None else None
        if self.camp is not None:
            self.acc["campaign"] = self.camp.components
            self.acc["phase"] = self.camp.phases
        if keep_components:
            self.byp = np.empty((self.years, len(self.perils)))
            self.byg = np.empty((self.years, len(self.groups) + 1))

    def add(self, first_year: int, r) -> None:
        """Add block result ``r`` whose first year has the 0-based index ``first_year``."""
        sl = slice(first_year, first_year + r.n_years)
        self.gross[sl], self.gu[sl], self.oep[sl] = r.gross, r.ground_up, r.oep
        self.oep_gu[sl], self.oep_net[sl] = r.oep_ground_up, r.oep_net
        self.ceded[sl] = r.ceded.sum(axis=0) if r.ceded.shape[0] else 0.0
        if self.n_l:
            s, sq = r.ceded.sum(axis=1), (r.ceded * r.ceded).sum(axis=1)
            self.layer_ceded += s
            self.layer_ceded_sq += sq
            self.block_ceded.append((first_year, r.n_years, s, sq))
            if self.rho is not None:
                self.rho[:, sl] = r.rho
        if self.classes is not None:
            self.draw_class[sl] = self.classes[r.draw]
        self.n_occ_limit += int(r.n_occ_limit)
        self.n_agg_limit += int(r.n_agg_limit)
        net = r.net
        self.acc["peril"].add(net, r.by_peril, first_year)
        self.acc["group"].add(net, r.by_group, first_year)
        self.acc["peril_gross"].add(r.gross, r.by_peril_gross, first_year)
        self.acc["group_gross"].add(r.gross, r.by_group_gross, first_year)
        if self.camp is not None and r.campaign is not None:
            self.camp.add(first_year, r.gross, r.campaign)
        if self.keep:
            self.byp[sl], self.byg[sl] = r.by_peril, r.by_group

    def result(self, n_events: int) -> SimulationResult:
        cls = self.classes is not None
        return SimulationResult(
            self.years, self.seed, self.gross, self.gu, self.oep, self.ceded, self.acc,
            self.perils, self.groups, int(n_events), self.n_l,
            self.byp if self.keep else None, self.byg if self.keep else None,
            self.oep_gu, self.oep_net, self.layer_ceded, self.layer_ceded_sq, self.rho,
            self.draw_class if cls else None, self.class_loss if cls else None,
            self.class_draws if cls else None, self.n_occ_limit, self.n_agg_limit,
            self.camp, self.block_ceded if self.n_l else None)


def head_result(res: SimulationResult, years: int, size: int) -> SimulationResult | None:
    """The year-level result of the first ``years`` years of ``res``, as a run of
    ``years`` years in blocks of ``size`` would give it (the same seed): its blocks are the
    first blocks of ``res``, so its years are the same to the bit, and the reinsurance
    layers' sums are added block by block in the same order. None when ``res``'s blocks
    do not end at ``years`` (the run's last block has other draws than a shorter one).
    Carries what pricing needs (:func:`price_simulation`): no components, EP classes or
    campaign sums.

    Examples
    --------
    >>> from riskengine.config import Policy
    >>> hs = HazardSet(np.full(50, 1e8), np.zeros(50, int), ["s"], [])
    >>> hs.add_common_shock("storm", 0.5, 0.1)
    >>> full = simulate_arrays(hs, Policy(), seed=1, years=600, block_size=100)
    >>> short = simulate_arrays(hs, Policy(), seed=1, years=200, block_size=100)
    >>> bool(np.array_equal(head_result(full, 200, 100).gross, short.gross))
    True
    >>> head_result(full, 250, 100) is None      # not at the end of a block
    True
    """
    from riskengine.core.engine import blocks

    years = int(years)
    if not 0 < years <= res.years:
        return None
    want = [(b * size, n) for b, n in blocks(years, size)]
    if res.n_layers:
        got = sorted((int(a), int(n)) for a, n, _, _ in res.block_ceded if a < years)
        if got != want:
            return None
        head = sorted((x for x in res.block_ceded if x[0] < years), key=lambda x: x[0])
        lc, lsq = np.zeros(res.n_layers), np.zeros(res.n_layers)
        for _, _, s, sq in head:       # in block order, as a run of these blocks adds them
            lc += s
            lsq += sq
    else:
        full = [(b * size, n) for b, n in blocks(res.years, size)]
        if [x for x in full if x[0] < years] != want:
            return None
        lc, lsq = res.layer_ceded, res.layer_ceded_sq      # (no layers: empty)
    return SimulationResult(
        years, res.seed, res.gross[:years], res.ground_up[:years], res.oep[:years],
        res.ceded[:years], {}, res.perils, res.groups, 0, res.n_layers,
        oep_ground_up=None if res.oep_ground_up is None else res.oep_ground_up[:years],
        oep_net=None if res.oep_net is None else res.oep_net[:years],
        layer_ceded=lc, layer_ceded_sq=lsq,
        rho=None if res.rho is None else res.rho[:, :years])


def agreed_value_of(groups, grp: np.ndarray, as_of):
    """The fleet's agreed value by age (:class:`riskengine.core.value.AgreedValue`) from the
    groups' ``agreed_value`` schedules and ages at ``as_of`` (None: no group has one).

    Examples
    --------
    >>> import datetime as dt
    >>> from types import SimpleNamespace as G
    >>> gs = [G(agreed_value=[(0, 1.0), (4, 0.2)], launch_date=dt.date(2024, 1, 1)),
    ...       G(agreed_value=None, launch_date=None)]
    >>> av = agreed_value_of(gs, np.array([0, 1]), dt.date(2026, 1, 1))
    >>> av.at_inception().round(2).tolist()
    [0.6, 1.0]
    """
    from riskengine.core.posterior import group_age_years
    from riskengine.core.value import AgreedValue

    if not any(getattr(g, "agreed_value", None) for g in groups):
        return None
    idx = np.full(len(groups), -1, np.int64)
    pts = []
    for k, g in enumerate(groups):
        if g.agreed_value:
            idx[k] = len(pts)
            pts.append(([float(a) for a, _ in g.agreed_value],
                        [float(v) for _, v in g.agreed_value]))
    age = np.array([group_age_years(g, as_of) for g in groups])
    grp = np.asarray(grp, np.int64)
    return AgreedValue.build(age[grp], idx[grp], pts)


class CampaignAccumulator:
    """Launch-campaign results summarised block by block: the loss by calendar year and
    phase per simulated year (co-TVaR premium allocation and each calendar year's PML),
    and per launch the expected loss and satellites lost by phase and its largest loss."""

    def __init__(self, campaign, years: int, q: float):
        from riskengine.core.campaign import PHASES

        self.campaign = campaign
        self.years = campaign.years
        self.components = ComponentAccumulator(campaign.component_names(), years, q)
        self.phases = ComponentAccumulator(list(PHASES) + ["(other)"], years, q)
        n_l = campaign.n_launches
        self.calendar = np.zeros((years, len(self.years)))   # loss per calendar year
        self.launch_loss = np.zeros((n_l, 3))
        self.launch_lost = np.zeros((n_l, 3))
        self.launch_max = np.zeros(n_l)
        self.n = 0

    def add(self, first_year: int, gross: np.ndarray, c: dict) -> None:
        comp = c["components"]
        n_c = len(self.years)
        self.components.add(gross, comp, first_year)
        by_phase = np.column_stack([comp[:, k:3 * n_c:3].sum(axis=1) for k in range(3)]
                                   + [comp[:, -1]])
        self.phases.add(gross, by_phase, first_year)
        sl = slice(first_year, first_year + len(gross))
        self.calendar[sl] = comp[:, :3 * n_c].reshape(len(gross), n_c, 3).sum(axis=2)
        self.launch_loss += c["launch_loss"]
        self.launch_lost += c["launch_lost"]
        self.launch_max = np.maximum(self.launch_max, c["launch_max"])
        self.n += len(gross)


def generic_hazard_set(portfolio) -> HazardSet:
    """The fleet plus the portfolio's generic perils (no store, no catalog, no posterior).

    Examples
    --------
    >>> from riskengine.config import parse_portfolio
    >>> p = parse_portfolio({"perils": [{"type": "compound", "name": "misc",
    ...     "frequency": {"distribution": "poisson", "mean": 3},
    ...     "severity": {"distribution": "exponential", "mean": 1e6}}]})
    >>> generic_hazard_set(p).perils
    ['misc']
    """
    from riskengine import perils
    from riskengine.fleet import resolve_fleet
    from riskengine.perils.base import LossContext

    fleet = resolve_fleet(portfolio)
    si, grp, _ = fleet.satellite_arrays()
    hs = HazardSet(si, grp, fleet.names)
    hs.agreed_value = agreed_value_of(fleet.groups, grp, portfolio.simulation.inception)
    ctx = LossContext(fleet=fleet, seed=int(portfolio.simulation.seed))
    for x in perils.instantiate(portfolio.perils or []):
        if x.kind != "generic":
            raise ValueError(f"peril {x.name!r} ({x.type}) needs the hazards/fit stages: use "
                             "riskengine.stages.build_hazard_set")
        x.add_sources(hs, ctx)
    from riskengine.perils import _capacity

    _capacity.finalize(hs, ctx)
    return hs


def iter_blocks(hs: HazardSet, pol, seed: int, years: int, workers: int = 1,
                size: int | None = None, elt_min_loss: float = 0.0):
    """Yield ``(block, BlockResult)`` in block order; ``workers > 1`` runs the blocks in
    spawned processes (:class:`riskengine.executor.Executor`; results identical to
    ``workers=1``). ``size``: years per block (default :func:`block_years` of ``hs``; the
    sensitivity analysis fixes it so every case draws the same streams). Occurrences with
    a ground-up loss below ``elt_min_loss`` come back compacted
    (:func:`~riskengine.core.engine.compact_events`, run in the worker)."""
    from riskengine.executor import Executor

    todo = blocks(years, size or block_years(hs))
    ex = Executor(workers, start_method="spawn")
    shared = (hs, pol, seed, float(elt_min_loss))
    for (b, _), r in zip(todo, ex.map(run_block, todo, shared=shared)):
        yield b, r


def _run_blocks(hs, pol, seed, years, workers, on_block=None, elt_min_loss: float = 0.0,
                q: float = 0.995, keep_components: bool = False, size: int | None = None,
                psept_samples: int = 10):
    out = ResultBuilder(hs, pol, years, seed, q, keep_components, psept_samples)
    n_events = 0
    size = size or block_years(hs)
    for b, r in iter_blocks(hs, pol, seed, years, workers, size, elt_min_loss):
        a = b * size
        out.add(a, r)
        if on_block is not None:
            on_block(b, a, r, n_events)
        n_events += len(r.ev_year)
    return out.result(n_events)


def simulate_arrays(hs: HazardSet, pol, *, seed: int, years: int, workers: int = 1,
                    block_size: int | None = None, keep_components: bool = True,
                    psept_samples: int = 10, elt_min_loss: float = 0.0) -> SimulationResult:
    """Simulate without a store (tests, notebooks); same numbers as :func:`write_simulation`.

    ``elt_min_loss`` compacts the occurrences below it in the workers
    (:func:`~riskengine.core.engine.compact_events`): fewer event rows to build and send
    back, the same year-level results, hence the same metrics.

    Examples
    --------
    >>> from riskengine.config import Policy
    >>> hs = HazardSet(np.full(50, 1e8), np.zeros(50, int), ["s"], [])
    >>> hs.add_common_shock("storm", 0.5, 0.1)
    >>> r = simulate_arrays(hs, Policy(), seed=1, years=500)
    >>> r.gross.shape
    (500,)
    """
    return _run_blocks(hs, pol, seed, years, workers, keep_components=keep_components,
                       size=block_size, psept_samples=psept_samples, elt_min_loss=elt_min_loss)


def write_simulation(portfolio, handle, hs: HazardSet | None = None, *, years: int | None = None,
                     seed: int | None = None, workers: int | None = None,
                     chunk_years: int | None = None, progress=None) -> SimulationResult:
    """Simulate ``portfolio`` and stream its loss tables into the open store run ``handle``.

    Parameters
    ----------
    portfolio : riskengine.config.Portfolio
    handle : riskengine.store.RunHandle
    hs : HazardSet, optional
        The engine input (default: the portfolio's generic perils on its fleet; the
        physical ones need the store: :func:`riskengine.stages.build_hazard_set`).
    years, seed, workers, chunk_years : optional overrides of ``[simulation]``.
        ``chunk_years`` only sets how many years are buffered per write.
    progress : callable(years_done, years_total), optional
    """
    import pyarrow as pa

    sim = portfolio.simulation
    years = int(years or sim.years)
    seed = int(sim.seed if seed is None else seed)
    workers = int(workers or sim.workers)
    chunk = int(chunk_years or sim.chunk_years)
    hs = hs if hs is not None else generic_hazard_set(portfolio)
    pol = portfolio.policy
    names = pa.array(hs.perils or ["-"], pa.string())
    buf: list = []

    def flush():
        if not buf:
            return
        y = np.concatenate([np.arange(a + 1, a + r.n_years + 1) for a, r, _ in buf])
        handle.write("ylt", {"year": y, "loss": np.concatenate([r.gross for _, r, _ in buf]),
                             "ground_up_loss": np.concatenate([r.ground_up for _, r, _ in buf])})
        ev_n = sum(len(r.ev_year) for _, r, _ in buf)
        if ev_n:
            codes = np.concatenate([r.ev_peril for _, r, _ in buf]).astype(np.int32)
            handle.write("elt", {
                "event_id": np.concatenate([e0 + 1 + np.arange(len(r.ev_year)) for _, r, e0 in buf]),
                "year": np.concatenate([a + 1 + r.ev_year for a, r, _ in buf]),
                "peril": pa.DictionaryArray.from_arrays(pa.array(codes), names),
                "satellites": np.concatenate([r.ev_sats for _, r, _ in buf]),
                "loss": np.concatenate([r.ev_loss for _, r, _ in buf]),
                "ground_up_loss": np.concatenate([r.ev_ground_up for _, r, _ in buf]),
                "occurrences": np.concatenate([r.occurrences() for _, r, _ in buf]),
                "gross_loss": np.concatenate([r.ev_gross for _, r, _ in buf]),
                "net_loss": np.concatenate([r.ev_net for _, r, _ in buf]),
            })
        buf.clear()

    def on_block(b, a, r, e0):
        buf.append((a, r, e0))
        if sum(x[1].n_years for x in buf) >= chunk:
            flush()
        if progress is not None:
            progress(a + r.n_years, years)

    res = _run_blocks(hs, pol, seed, years, workers, on_block, sim.elt_min_loss,
                      q=portfolio.pricing.capital_quantile, psept_samples=sim.psept_samples)
    flush()
    write_summaries(handle, res)
    handle.stats.update(years=years, seed=seed, events=res.n_events, perils=res.perils,
                        fleet_groups=res.groups, satellites=int(hs.n_sats),
                        draws=int(hs.n_draws), block_years=block_years(hs))
    return res


def write_summaries(handle, res: SimulationResult) -> None:
    """EP curves and metrics of ``res`` on every perspective (ground_up, gross, net):

    * ``ep_curve``: AEP (the annual loss) and OEP (the year's largest occurrence) of each
      perspective at :data:`RETURN_PERIODS`;
    * ``metrics``: per perspective ``aal``, ``std``, ``var_``/``tvar_`` at 0.99, 0.995,
      0.999 and ``oep_var_``/``oep_tvar_``; ``ceded_aal`` (net), the shares of years with
      an occurrence at the occurrence limit and at the aggregate limit (gross), and the
      spread of the 1-in-200 across the per-sample curves (``psept_*``);
    * ``psept``: the per-sample EP curves (:func:`per_sample_ep`).

    One sorted copy of a year array exists at a time (bounded memory for long runs).
    """
    mrows = []
    for persp in PERSPECTIVES:
        for name, arr in (("AEP", res.annual(persp)), ("OEP", res.largest(persp))):
            xs = np.sort(arr)
            rp, loss, tvar = ep_table(xs, is_sorted=True)
            handle.write("ep_curve", {"perspective": np.full(len(rp), persp, object),
                                      "curve": np.full(len(rp), name, object),
                                      "return_period": rp, "loss": loss, "tvar": tvar})
            rows = (metrics(xs, is_sorted=True) if name == "AEP" else
                    [("oep_" + m, v, s) for m, v, s in metrics(xs, is_sorted=True)[2:]])
            mrows += [(persp, *r) for r in rows]
            del xs
    n = len(res.ceded)
    c = res.ceded
    mrows.append(("net", "ceded_aal", float(c.mean()),
                  float(c.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0))
    for key, count in (("share_years_occurrence_at_limit", res.n_occ_limit),
                       ("share_years_at_aggregate_limit", res.n_agg_limit)):
        p = count / max(res.years, 1)
        mrows.append(("gross", key, p, float(np.sqrt(p * (1 - p) / max(res.years, 1)))))
    ps = per_sample_ep(res)
    if ps is not None:
        handle.write("psept", ps["table"])
        mrows += ps["metrics"]
    write_metrics(handle, mrows)


def write_metrics(handle, rows) -> None:
    """Write ``(perspective, metric, value, std_error)`` rows into ``metrics`` (rows
    without a finite value, e.g. a rate on a zero insured value, are left out)."""
    rows = [r for r in rows if r[2] is not None and np.isfinite(r[2])]
    if not rows:
        return
    handle.write("metrics", {"perspective": np.array([r[0] for r in rows], object),
                             "metric": np.array([r[1] for r in rows], object),
                             "value": np.array([r[2] for r in rows], float),
                             "std_error": np.array([np.nan if r[3] is None else r[3]
                                                    for r in rows], float)})


def posterior_error_rows(hs: HazardSet, posterior) -> list[tuple]:
    """``metrics`` rows of the posterior sample's own error: the draws' expected ground-up
    loss (:func:`~riskengine.core.engine.draw_expected_loss` with the launches and serial
    defects, per draw, before depletion) with the MCMC standard error of its mean
    (:func:`~riskengine.bayes.mean_mcse`: the fit's chains and their
    autocorrelation), its effective sample size and the draws.

    The Monte Carlo error of the years (``std_error`` of the AAL) assumes the posterior's
    draws are the posterior: with correlated MCMC draws, a fit with another seed moves the
    price by about this error (stop 28: the premium by 1.3 %). None without parameter draws
    or when the hazard set's draws are not the fit's (a subsample).
    """
    from riskengine.bayes import mean_mcse
    from riskengine.core.engine import draw_expected_loss

    nd = hs.n_draws
    if posterior is None or nd < 2 or nd != posterior.n_draws:
        return []
    el = draw_expected_loss(hs, launches_and_batches=True)
    se, ess = mean_mcse(el, posterior.chains)
    return [("ground_up", "posterior_expected_loss", float(el.mean()), se),
            ("ground_up", "posterior_ess", ess, None),
            ("ground_up", "posterior_draws", float(nd), None),
            ("ground_up", "posterior_chains", float(posterior.chains), None)]


#: The return period whose spread across the per-sample curves the summary shows.
PSEPT_RETURN_PERIOD = 200.0


def per_sample_ep(res: SimulationResult) -> dict | None:
    """Per-sample EP curves (the "PSEPT" of the Oasis Open Results Data): one AEP and one
    OEP per perspective and class of parameter draws, from the simulated years whose draw
    is in that class (:func:`riskengine.core.engine.draw_classes`), and the spread of the
    1-in-200 across them.

    The spread mixes parameter uncertainty with each curve's own Monte Carlo error; the
    parameter part is estimated as ``sqrt(max(var_between - mean(se^2), 0))`` and reported
    as ``psept_var_0.995_param_sd``. ``None`` when the run has no parameter draws.
    """
    if res.draw_class is None:
        return None
    k = len(res.class_draws)
    cols: dict = {c: [] for c in ("perspective", "curve", "sample", "draws", "years",
                                  "draw_expected_loss", "return_period", "loss", "std_error")}
    mrows = []
    idx = [np.flatnonzero(res.draw_class == c) for c in range(k)]
    from riskengine.core.ep import var_tvar

    q = 1 - 1 / PSEPT_RETURN_PERIOD
    for persp in PERSPECTIVES:
        at = {}
        for curve, arr in (("AEP", res.annual(persp)), ("OEP", res.largest(persp))):
            for c in range(k):
                if not len(idx[c]):
                    continue
                xs = np.sort(arr[idx[c]])
                for rp in RETURN_PERIODS:
                    v, _, se, _ = var_tvar(xs, 1 - 1 / rp)
                    for col, val in (("perspective", persp), ("curve", curve),
                                     ("sample", c + 1), ("draws", int(res.class_draws[c])),
                                     ("years", len(xs)),
                                     ("draw_expected_loss", float(res.class_loss[c])),
                                     ("return_period", float(rp)), ("loss", v),
                                     ("std_error", se)):
                        cols[col].append(val)
                if curve == "AEP":
                    v, _, se, _ = var_tvar(xs, q)
                    at[c] = (v, se)
        if at:
            v = np.array([x[0] for x in at.values()])
            se = np.array([x[1] for x in at.values()])
            between = float(v.var(ddof=1)) if len(v) > 1 else 0.0
            noise = float(np.nanmean(se ** 2)) if len(se) else 0.0
            for name, val in (("min", v.min()), ("median", float(np.median(v))),
                              ("max", v.max()), ("sd", np.sqrt(between)),
                              ("mc_se", np.sqrt(noise)),
                              ("param_sd", np.sqrt(max(between - noise, 0.0))),
                              ("samples", float(len(v)))):
                mrows.append((persp, f"psept_var_0.995_{name}", float(val), None))
    return {"table": {c: np.array(v, object if c in ("perspective", "curve") else None)
                      for c, v in cols.items()}, "metrics": mrows}


def write_ylt_net(handle, res: SimulationResult, layer_premiums=None,
                  chunk_years: int = 1_000_000) -> None:
    """``ylt_net`` of a run with reinsurance: gross, ceded and net per year and the
    reinstatement premiums the year's losses trigger (``sum_k P_k rho_k``, with
    ``layer_premiums`` the layers' upfront premiums ``P_k``)."""
    if not res.n_layers:
        return
    rp = reinstatement_premiums(res, layer_premiums)
    for a in range(0, res.years, chunk_years):
        sl = slice(a, min(a + chunk_years, res.years))
        g, c = res.gross[sl], res.ceded[sl]
        handle.write("ylt_net", {"year": np.arange(sl.start + 1, sl.stop + 1), "gross_loss": g,
                                 "ceded": c, "net_loss": g - c,
                                 "reinstatement_premium": rp[sl]})


def insured_value_at_inception(hs: HazardSet) -> float:
    """The fleet's insured value at inception: the sums insured, at their agreed values by
    age when the hazard set has them.

    Examples
    --------
    >>> hs = HazardSet(np.full(4, 2.5e7), np.zeros(4, int), ["s"], [])
    >>> insured_value_at_inception(hs)
    100000000.0
    """
    if getattr(hs, "agreed_value", None) is None:
        return float(hs.sum_insured.sum())
    return float((hs.sum_insured * hs.agreed_value.at_inception()).sum())


def price_simulation(res: SimulationResult, pricing, policy, hs: HazardSet,
                     components=None, gross_components=None):
    """The technical price of a simulated result and its reinsurance layers, ``(Price,
    [LayerPrice])``: the layers priced from the same years, the capital on the net position
    (net loss + reinstatement premiums), the limit against the insured value at inception
    (agreed values by age applied). The one pricing path of a run and of its sensitivity
    cases."""
    from riskengine.core.pricing import price, price_layers

    lp = (price_layers(policy.reinsurance, res.layer_ceded, res.layer_ceded_sq, res.years,
                       res.rho, pricing.reinsurer_margin) if res.n_layers else [])
    tiv = insured_value_at_inception(hs)
    paid = reinstatement_premiums(res, [x.upfront_premium for x in lp]) if lp else None
    pr = price(res.gross, pricing, policy, tiv, components, net=res.net, layers=lp,
               reinstatement_paid=paid, gross_components=gross_components)
    return pr, lp


def reinstatement_premiums(res: SimulationResult, layer_premiums=None) -> np.ndarray:
    """Reinstatement premium paid each year, ``sum_k P_k rho_k(year)`` (USD)."""
    out = np.zeros(res.years)
    if res.rho is not None and layer_premiums is not None:
        for k, p in enumerate(layer_premiums):
            if p:
                out += float(p) * res.rho[k]
    return out
