"""Monte Carlo loss engine: perils -> events -> policy terms -> loss tables.

* :mod:`riskengine.core.sources` — samplers and the engine input :class:`HazardSet`.
* :mod:`riskengine.core.engine` — the vectorised block simulation (pure NumPy).
* :mod:`riskengine.core.ep` — EP curves and metrics with Monte Carlo standard errors.
* :func:`write_simulation` — the edge: streams blocks into a store run (``ylt``, ``elt``,
  ``ep_curve``, ``metrics``, ``ylt_net``) through Arrow, in the run's one transaction.

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

from riskengine.core.engine import (BLOCK_YEARS, block_years, blocks, compact_events,
                                    run_block, simulate_block)
from riskengine.core.ep import RETURN_PERIODS, ep_table, metrics
from riskengine.core.pricing import ComponentAccumulator
from riskengine.core.sources import HazardSet, hazard_set_from_rows

__all__ = [
    "BLOCK_YEARS", "HazardSet", "RETURN_PERIODS", "SimulationResult", "blocks", "ep_table",
    "hazard_set_from_rows", "iter_blocks", "metrics", "simulate_block", "simulate_arrays",
    "write_simulation", "write_summaries",
]

NO_SATELLITE = "(no satellite)"


@dataclass
class SimulationResult:
    """Year-level results of a whole run.

    ``gross``, ``ground_up``, ``oep`` and ``ceded`` (summed over layers) are (n_years,)
    arrays, 8 bytes a year each (exact EP curves and metrics need every year). Losses by
    peril and fleet group are summarised block by block (:class:`ComponentAccumulator`:
    means, standard errors and the tail years' rows for the co-TVaR), so memory does not
    grow with them; ``by_peril`` / ``by_group`` (n_years, n) arrays are kept only when
    asked for (``keep_components=True``, small runs and tests).
    """

    years: int
    seed: int
    gross: np.ndarray
    ground_up: np.ndarray
    oep: np.ndarray
    ceded: np.ndarray   # (n_years,): ceded by all layers
    components: dict    # "peril" / "group" -> ComponentAccumulator
    perils: list[str]
    groups: list[str]
    n_events: int
    n_layers: int = 0
    by_peril: np.ndarray | None = None    # (years, n_perils) when kept
    by_group: np.ndarray | None = None    # (years, n_groups + 1) when kept
    #: launch campaigns (:class:`CampaignAccumulator`), else None
    campaign: object | None = None

    @property
    def net(self) -> np.ndarray:
        return self.gross - self.ceded


class ResultBuilder:
    """Collects :class:`~riskengine.core.engine.BlockResult` s (in any block order) into a
    :class:`SimulationResult` with memory bounded by the year arrays."""

    def __init__(self, hs: HazardSet, pol, years: int, seed: int, q: float = 0.995,
                 keep_components: bool = False):
        self.years, self.seed = int(years), int(seed)
        self.n_l = len(pol.reinsurance)
        self.perils, self.groups = list(hs.perils), list(hs.group_names)
        self.gross, self.gu, self.oep, self.ceded = (np.empty(self.years) for _ in range(4))
        self.acc = {"peril": ComponentAccumulator(self.perils, self.years, q),
                    "group": ComponentAccumulator(self.groups + [NO_SATELLITE], self.years, q)}
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
        self.ceded[sl] = r.ceded.sum(axis=0) if r.ceded.shape[0] else 0.0
        self.acc["peril"].add(r.gross, r.by_peril, first_year)
        self.acc["group"].add(r.gross, r.by_group, first_year)
        if self.camp is not None and r.campaign is not None:
            self.camp.add(first_year, r.gross, r.campaign)
        if self.keep:
            self.byp[sl], self.byg[sl] = r.by_peril, r.by_group

    def result(self, n_events: int) -> SimulationResult:
        return SimulationResult(
            self.years, self.seed, self.gross, self.gu, self.oep, self.ceded, self.acc,
            self.perils, self.groups, int(n_events), self.n_l,
            self.byp if self.keep else None, self.byg if self.keep else None,
            self.camp)


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
    ctx = LossContext(fleet=fleet, seed=int(portfolio.simulation.seed))
    for x in perils.instantiate(portfolio.perils or []):
        if x.kind != "generic":
            raise ValueError(f"peril {x.name!r} ({x.type}) needs the hazards/fit stages: use "
                             "riskengine.stages.build_hazard_set")
        x.add_sources(hs, ctx)
    from riskengine.perils import _capacity

    _capacity.finalize(hs, ctx)
    return hs


def iter_blocks(hs: HazardSet, pol, seed: int, years: int, workers: int = 1):
    """Yield ``(block, BlockResult)`` in block order; ``workers > 1`` runs the blocks in
    spawned processes (:class:`riskengine.executor.Executor`; results identical to
    ``workers=1``)."""
    from riskengine.executor import Executor

    todo = blocks(years, block_years(hs))
    ex = Executor(workers, start_method="spawn")
    for (b, _), r in zip(todo, ex.map(run_block, todo, shared=(hs, pol, seed))):
        yield b, r


def _run_blocks(hs, pol, seed, years, workers, on_block=None, elt_min_loss: float = 0.0,
                q: float = 0.995, keep_components: bool = False):
    out = ResultBuilder(hs, pol, years, seed, q, keep_components)
    n_events = 0
    size = block_years(hs)
    for b, r in iter_blocks(hs, pol, seed, years, workers):
        compact_events(r, elt_min_loss)
        a = b * size
        out.add(a, r)
        if on_block is not None:
            on_block(b, a, r, n_events)
        n_events += len(r.ev_year)
    return out.result(n_events)


def simulate_arrays(hs: HazardSet, pol, *, seed: int, years: int, workers: int = 1) -> SimulationResult:
    """Simulate without a store (tests, notebooks); same numbers as :func:`write_simulation`.

    Examples
    --------
    >>> from riskengine.config import Policy
    >>> hs = HazardSet(np.full(50, 1e8), np.zeros(50, int), ["s"], [])
    >>> hs.add_common_shock("storm", 0.5, 0.1)
    >>> r = simulate_arrays(hs, Policy(), seed=1, years=500)
    >>> r.gross.shape
    (500,)
    """
    return _run_blocks(hs, pol, seed, years, workers, keep_components=True)


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
        if pol.reinsurance:
            g = np.concatenate([r.gross for _, r, _ in buf])
            c = np.concatenate([r.ceded.sum(axis=0) for _, r, _ in buf])
            handle.write("ylt_net", {"year": y, "gross_loss": g, "ceded": c, "net_loss": g - c})
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
            })
        buf.clear()

    def on_block(b, a, r, e0):
        buf.append((a, r, e0))
        if sum(x[1].n_years for x in buf) >= chunk:
            flush()
        if progress is not None:
            progress(a + r.n_years, years)

    res = _run_blocks(hs, pol, seed, years, workers, on_block, sim.elt_min_loss,
                      q=portfolio.pricing.capital_quantile)
    flush()
    write_summaries(handle, res)
    handle.stats.update(years=years, seed=seed, events=res.n_events, perils=res.perils,
                        fleet_groups=res.groups, satellites=int(hs.n_sats),
                        draws=int(hs.n_draws), block_years=block_years(hs))
    return res


def write_summaries(handle, res: SimulationResult) -> None:
    """EP curves (AEP, OEP of the gross loss) and metrics of ``res``: gross ``aal``, ``std``,
    ``var_``/``tvar_`` at 0.99/0.995/0.999, ``ground_up_aal``, ``oep_var_``/``oep_tvar_``, and
    with reinsurance ``net_*`` (the same set on the net loss) and ``ceded_aal``.

    One sorted copy of a year array exists at a time (bounded memory for long runs).
    """
    rows = []
    for name, arr in (("AEP", res.gross), ("OEP", res.oep)):
        xs = np.sort(arr)
        rp, loss, tvar = ep_table(xs, is_sorted=True)
        handle.write("ep_curve", {"curve": np.full(len(rp), name, object),
                                  "return_period": rp, "loss": loss, "tvar": tvar})
        rows += (metrics(xs, is_sorted=True) if name == "AEP" else
                 [("oep_" + m, v, s) for m, v, s in metrics(xs, is_sorted=True)[2:]])
        del xs
    n = len(res.ground_up)
    rows.insert(2, ("ground_up_aal", float(res.ground_up.mean()),
                    float(res.ground_up.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0))
    if res.n_layers:
        rows += metrics(res.net, prefix="net_")
        c = res.ceded
        rows.append(("ceded_aal", float(c.mean()), float(c.std(ddof=1) / np.sqrt(len(c)))))
    handle.write("metrics", {"metric": np.array([r[0] for r in rows], object),
                             "value": np.array([r[1] for r in rows], float),
                             "std_error": np.array([np.nan if r[2] is None else r[2]
                                                    for r in rows], float)})
