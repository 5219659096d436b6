"""The million-satellite constellation deployed over several years, priced launch + 1 year.

``portfolios/million.toml`` (1,000,000 satellites in 20 shells, the default physical perils)
plus a deployment plan: each shell's 50,000 satellites on 200 heavy-lift launches of 250
(``starship``, the launch record's posterior), one launch every 7 days per shell, the shells
staggered by 3 days from 2027-01-01: 4,000 launches over 2027-2030. Policy cover
``launch_plus_one_year``; the in-orbit perils act in each satellite's first year.

Every stage of ``riskengine price`` runs and is timed (catalog, hazards, fit, the Monte
Carlo with the config's workers and years, and the key-assumption pass that
``[simulation] sensitivity = true``, the default, adds), against the 30-minute target on 2
cores. The pass is timed apart (the run records its time in ``runs.stats``): its cases have a
fixed number of years (:func:`riskengine.sensitivity.default_years`: 200 for this fleet), so
it is not scaled with the years when the benchmark runs fewer than the config's.
``BENCH_SENSITIVITY=0`` leaves the pass out. As in ``riskengine price``
(:func:`riskengine.stages.price`), the Bayesian fit samples in a process of its own while
the hazards stage runs; the "fit" line is then what is left of it after the hazards
(waiting for it, storing it). ``BENCH_FIT_BESIDE=0`` runs them one after the other.

Usage: python benchmarks/bench_campaign.py [YEARS]   (default: million.toml's 20,000)
Needs the shared catalog (RISKENGINE_SHARED) or RISKENGINE_CATALOG; RISKENGINE_FIT_DRAWS
defaults to 2,000 (the production fit).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from riskengine import settings, stages
from riskengine.config import LaunchSchedule, load_portfolio
from riskengine.store import connect

CONFIG = Path(__file__).resolve().parent.parent / "portfolios" / "million.toml"
TARGET_S = 30 * 60


def portfolio():
    p = load_portfolio(CONFIG)
    p.launch_schedule = [
        LaunchSchedule(start=dt.date(2027, 1, 1) + dt.timedelta(days=3 * i), launches=200,
                       interval_days=7, vehicle="starship", satellites=250, group=g.name)
        for i, g in enumerate(p.fleet)]
    p.policy.cover = "launch_plus_one_year"
    p.name = "million-deployment"
    return p


def main() -> None:
    shared = settings.shared_dir()
    if not settings.catalog_override():
        if shared is None:
            sys.exit("needs the shared catalog (RISKENGINE_SHARED) or RISKENGINE_CATALOG")
        os.environ["RISKENGINE_CATALOG"] = str(
            shared / "catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt")
    p = portfolio()
    years = int(sys.argv[1]) if len(sys.argv) > 1 else p.simulation.years
    db = Path(tempfile.mkdtemp()) / "campaign.duckdb"
    con = connect(db)
    times = {}
    t0 = time.perf_counter()
    # as `riskengine price` runs (the key-assumption pass included) unless told
    opts = stages.Options(years=years,
                          sensitivity=False if os.environ.get("BENCH_SENSITIVITY") == "0"
                          else None)
    # as stages.price runs them: the fit samples in a process of its own beside the
    # hazards stage (BENCH_FIT_BESIDE=0: one after the other, as before stop 33)
    if os.environ.get("BENCH_FIT_BESIDE") != "0":
        stages._start_fit_sampling(con, p, opts)
    stages.hazards(con, p, opts)
    times["catalog + hazards"] = time.perf_counter() - t0
    t = time.perf_counter()
    stages.fit(con, opts)
    times["fit"] = time.perf_counter() - t      # (beside the hazards: what is left of it)
    t = time.perf_counter()
    rid = stages.simulate(con, p, opts, kind="price")
    price_s = time.perf_counter() - t
    # the pass's own time, as the run records it (stages.simulate)
    (stats,) = con.execute("SELECT stats FROM runs WHERE run_id = ?", [rid]).fetchone()
    sens = json.loads(stats).get("sensitivity") if stats else None
    sens_s = [sens["seconds"]] if sens else []
    times["Monte Carlo + price"] = price_s - sum(sens_s)
    if sens_s:
        times["sensitivity cases"] = sum(sens_s)
    total = time.perf_counter() - t0
    n = sum(x.launches for x in p.launch_schedule)
    print(f"million deployment: {n:,} launches of 250, 2027-2030, {years:,} years, "
          f"workers={p.simulation.workers}")
    for k, v in times.items():
        print(f"  {k:22s} {v:8.1f} s")
    # the target is for the portfolio's own years: the Monte Carlo scales with the years
    full_years = p.simulation.years
    full = (times["catalog + hazards"] + times["fit"]
            + times["Monte Carlo + price"] * full_years / years
            + times.get("sensitivity cases", 0.0))
    print(f"  {'total':22s} {total:8.1f} s; at {full_years:,} years ~{full:,.0f} s "
          f"({'within' if full <= TARGET_S else 'OVER'} the {TARGET_S // 60}-minute target"
          f"{'' if sens_s else '; without the key-assumption pass'})")
    print(con.execute("SELECT calendar_year, launches, satellites, round(lost_launch) AS "
                      "lost_launch, round(lost_raising) AS lost_raising, round(lost_orbit) AS "
                      "lost_orbit, round(premium_launch / 1e9, 2) AS prem_launch_bn, "
                      "round(premium_raising / 1e9, 2) AS prem_raising_bn, "
                      "round(premium_orbit / 1e9, 2) AS prem_orbit_bn, "
                      "round(largest_launch_loss / 1e6) AS largest_launch_m, "
                      "round(pml_995 / 1e9, 2) AS pml_995_bn FROM campaign_years WHERE "
                      "run_id = ? ORDER BY 1", [rid]).df().to_string(index=False))
    for m, v in con.execute("SELECT metric, value FROM metrics WHERE run_id = ? AND metric IN "
                            "('aal', 'var_0.995', 'premium') ORDER BY metric",
                            [rid]).fetchall():
        print(f"  {m}: ${v / 1e9:,.2f} bn")
    print("  flags:", [c for (c,) in con.execute("SELECT code FROM run_flags WHERE run_id = ?",
                                                  [rid]).fetchall()])
    # what a simulated year costs: expected hits and occurrences of the campaign's own
    # sources against the in-orbit book (the engine's block size follows the total)
    from riskengine.core.engine import block_years, expected_hits_per_year
    from riskengine.core.sources import HazardSet

    hs, _, _ = stages.build_hazard_set(con, p, opts)
    mine = [s for s in hs.sources if hasattr(s, "expected_hits")]
    part = expected_hits_per_year(HazardSet(hs.sum_insured, hs.group, hs.group_names, mine))
    total = expected_hits_per_year(hs)
    print(f"  expected hits + occurrences per simulated year: {total:,.0f} "
          f"(launch and deployment sources {part:,.0f} = {part / total:.2%}); "
          f"block size {block_years(hs)} year(s)")
    con.close()


if __name__ == "__main__":
    main()
