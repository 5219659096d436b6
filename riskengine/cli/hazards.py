"""``riskengine hazards`` — annual per-satellite hazards (collision, untracked debris, breakup)."""

from __future__ import annotations

import click

from riskengine.cli._common import console, db_option, rich_table


@click.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG of hazard vs altitude (fleet shells over the catalog profile).")
@click.option("--screen-run", default=None,
              help="Screening run whose Pc gives the screening-based collision rate "
                   "(default: the latest one with Pc, if any).")
@click.option("--exclude", "exclude", multiple=True,
              help="Drop catalog objects whose name contains this (e.g. STARLINK: a "
                   "manoeuvring constellation treated as collision-free). Repeatable.")
def hazards(config, db, plot_path, screen_run, exclude):
    """Compute the hazards of CONFIG's fleet from the catalog and store a hazards run.

    \b
    Collision: Kessler flux vs the tracked catalog and the fleet's own shells.
    Untracked debris: 1-10 cm, 20:1 vs tracked (ESA MASTER / NASA ORDEM).
    Breakup: catastrophic collisions in each shell's band (NASA Standard Breakup Model).

    \b
    Example:
      RISKENGINE_CATALOG=../shared/catalogs/full-catalog/spacetrack_3le_2023-10_trckdspace-cdm_on_chain.txt \\
        riskengine hazards portfolios/example.toml --db riskengine.duckdb --plot hazards.png
    """
    import numpy as np

    from riskengine.catalog import resolve_catalog
    from riskengine.config import load_portfolio
    from riskengine.hazards import compare_rates, compute_hazards, screening_from_store, write_hazards
    from riskengine.store import connect

    c = console()
    portfolio = load_portfolio(config)
    if not portfolio.fleet:
        raise click.ClickException(f"{config}: no [[fleet]] group, so there is nothing to "
                                   "compute hazards for; add a Walker shell or an elements file")
    con = connect(db)
    cat = resolve_catalog(con, files=portfolio.catalog.files or None)
    srun, screening = screening_from_store(con, screen_run)
    with c.status(f"flux of {len(cat):,} catalog objects on "
                  f"{sum(g.count or 0 for g in portfolio.fleet):,} fleet satellites"):
        res = compute_hazards(portfolio, cat, screening=screening or None,
                              exclude_names=tuple(exclude))
    run_id = write_hazards(con, portfolio, cat, res, config_path=str(config))

    o = res.orbits
    rows, parts = [], []
    for gname in dict.fromkeys(o.group):
        ks = np.array([k for k in range(len(o.group)) if o.group[k] == gname])
        w = o.count[ks].astype(float)

        def avg(x):
            return None if x is None else float(np.average(np.asarray(x)[ks], weights=w))

        coll = avg(res.collision_by_class.sum(axis=1))
        self_share = float(np.average(res.collision_by_class[ks, -1], weights=w)) / coll if coll else 0.0
        raw = res.collision_unmitigated_by_class
        raw_tot, raw_fleet = avg(raw.sum(axis=1)), avg(raw[:, -1])
        scr = (res.screening_rate or {}).get(gname)
        rows.append([gname, float(np.average(o.alt_km[ks], weights=w)),
                     float(np.average(o.inc_deg[ks], weights=w)), int(w.sum()), coll,
                     self_share, raw_tot, scr,
                     None if scr is None else float(compare_rates(raw_tot, scr)),
                     avg(res.untracked_rate), avg(res.breakup_rate),
                     avg(res.breakup_hit_probability)])
        scr_f = (res.screening_fleet_rate or {}).get(gname)
        if scr is not None and scr_f is not None:
            parts.append(f"{gname}: vs catalog flux {raw_tot - raw_fleet:.3g} / screening "
                         f"{scr - scr_f:.3g} /yr (x{float(compare_rates(raw_tot - raw_fleet, scr - scr_f)):.2f}); "
                         f"fleet vs fleet flux {raw_fleet:.3g} / screening {scr_f:.3g} /yr "
                         f"(x{float(compare_rates(raw_fleet, scr_f)):.2f})")
    c.print(rich_table(f"hazards by shell — run {run_id}",
                       ["group", "alt km", "inc", "sats", "coll/yr flux", "fleet share",
                        "unmitigated", "coll/yr screen", "ratio", "1-10cm/yr", "breakups/yr",
                        "P(hit|brk)"], rows))
    c.print("rates per satellite-year except breakups (events per year in the shell's band); "
            "coll/yr flux is after avoidance and self-coordination (what the loss engine "
            "prices); unmitigated = before them, as screening Pc sums count; "
            "ratio = max(unmitigated/screening, screening/unmitigated)")
    for line in parts:
        c.print(line)
    if srun:
        c.print(f"screening rates from run {srun}")
    if plot_path:
        from riskengine.core.flux import Grid, altitude_profile, population_from_catalog
        from riskengine.plots import hazard_altitude_figure

        alts = np.arange(300.0, 2_001.0, 25.0)
        inc = float(np.average(o.inc_deg, weights=o.count))
        r_m = float(np.average(o.radius_m, weights=o.count)) + 1.0
        prof = altitude_profile(population_from_catalog(cat), alts, inc, r_m,
                                Grid.regular(150.0, 2_100.0, 10.0, 0.5))
        a_all = list(alts) + list(o.alt_km) * 3
        r_all = (list(prof) + list(res.collision_by_class.sum(axis=1))
                 + list(res.untracked_rate if res.untracked_rate is not None else np.nan * o.alt_km)
                 + list((res.breakup_rate * res.breakup_hit_probability)
                        if res.breakup_rate is not None else np.nan * o.alt_km))
        p_all = ([f"catalog only, {inc:.0f} deg, R={r_m:.1f} m"] * alts.size
                 + ["collision (flux, incl. fleet)"] * len(o.alt_km)
                 + ["untracked 1-10 cm hits"] * len(o.alt_km)
                 + ["breakup-cloud hits"] * len(o.alt_km))
        keep = [i for i, v in enumerate(r_all) if np.isfinite(v) and v > 0]
        fig = hazard_altitude_figure([a_all[i] for i in keep], [r_all[i] for i in keep],
                                     [p_all[i] for i in keep],
                                     title=f"Annual hazard vs altitude — {portfolio.name or config}")
        fig.savefig(plot_path)
        c.print(f"plot written to {plot_path}")
    c.print(f"[green]hazards run {run_id}[/] written to {db or 'riskengine.duckdb'} "
            f"({len(res.rows.get('peril', []))} rows)")
