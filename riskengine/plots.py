"""Plots shared by the notebooks and the HTML report (matplotlib, no I/O).

Every function takes arrays and returns a ``matplotlib.figure.Figure``; callers decide
whether to show, save or embed it.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

RETURN_PERIODS = np.array([2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000], float)


def _fig(w=7.0, h=4.2):
    """A figure not tied to any GUI (no pyplot state): notebooks display it inline when it
    is a cell's value, the report embeds it as PNG."""
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), dpi=110, layout="constrained")


def plain(text) -> str:
    """A label taken from user input, shown literally: ``$`` would start matplotlib's
    mathtext (a group named ``x$\\frac{$`` must not crash a plot).

    Examples
    --------
    >>> plain("fleet $1bn")
    'fleet \\\\$1bn'
    """
    return str(text).replace("$", "\\$")


def ep_with_bands(annual: np.ndarray, return_periods=RETURN_PERIODS, conf: float = 0.90):
    """Empirical EP losses at return periods with distribution-free Monte Carlo bands.

    The band for the ``p``-quantile uses the binomial distribution of the order statistics
    (the number of simulated years below the true quantile is Binomial(N, p)), so it is
    exact for any loss distribution.

    Parameters
    ----------
    annual : array of shape (n_years,)
        One value per simulated year (annual aggregate loss for AEP, annual maximum
        occurrence loss for OEP), zero years included.

    Returns
    -------
    loss, lo, hi : arrays of shape (n_return_periods,)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> loss, lo, hi = ep_with_bands(rng.exponential(1.0, 100_000), [10, 100])
    >>> bool(np.all((lo <= loss) & (loss <= hi)))
    True
    >>> np.round(loss, 1).tolist()   # exact: ln(10) = 2.30, ln(100) = 4.61
    [2.3, 4.6]
    """
    x = np.sort(np.asarray(annual, float))
    n = len(x)
    p = 1.0 - 1.0 / np.asarray(return_periods, float)
    k = np.clip(np.ceil(p * n).astype(int) - 1, 0, n - 1)
    a = (1 - conf) / 2
    lo_k = np.clip(stats.binom.ppf(a, n, p).astype(int) - 1, 0, n - 1)
    hi_k = np.clip(stats.binom.ppf(1 - a, n, p).astype(int), 0, n - 1)
    return x[k], x[lo_k], x[hi_k]


def ep_curve_figure(curves: dict, title: str = "Exceedance probability", conf: float = 0.90,
                    unit: float = 1e6, unit_label: str = "USD m"):
    """OEP/AEP curves with Monte Carlo confidence bands.

    Parameters
    ----------
    curves : dict
        ``{"AEP": annual_losses, "OEP": annual_max_occurrence_losses}`` (one value per year).
    """
    fig = _fig()
    ax = fig.add_subplot()
    rp = np.unique(np.concatenate([np.geomspace(1.5, 1000, 60), RETURN_PERIODS]))
    colors = {"AEP": "#1f5fa8", "OEP": "#d2691e", "AEP gross": "#1f5fa8",
              "OEP gross": "#d2691e", "AEP net": "#2e8b57", "OEP net": "#8b2e6b"}
    for name, annual in curves.items():
        annual = np.asarray(annual, float)
        rp_ok = rp[rp <= len(annual)]
        loss, lo, hi = ep_with_bands(annual, rp_ok, conf)
        c = colors.get(name, None)
        ax.plot(rp_ok, loss / unit, label=plain(name), color=c, lw=2)
        ax.fill_between(rp_ok, lo / unit, hi / unit, color=c, alpha=0.2,
                        label=plain(f"{name} {conf:.0%} MC band"))
    ax.set_xscale("log")
    ax.set_xlabel("return period (years)")
    ax.set_ylabel(f"loss ({unit_label})")
    ax.set_title(plain(title))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def bar_figure(labels, values, title: str, xlabel: str, unit: float = 1e6,
               unit_label: str = "USD m", errors=None, log: bool | None = None):
    """Horizontal bars (loss by peril, premium by fleet group, ...).

    ``log`` (default: when the largest bar is over 1,000 times the smallest positive one)
    draws a logarithmic axis so that small perils stay visible beside large ones.
    """
    fig = _fig(7.0, max(2.2, 0.45 * len(labels) + 1.2))
    ax = fig.add_subplot()
    v = np.asarray(values, float) / unit
    err = None if errors is None else np.asarray(errors, float) / unit
    ax.barh([plain(x) for x in labels], v, xerr=err, color="#1f5fa8", alpha=0.85)
    pos = v[v > 0]
    if log is None:
        log = bool(len(pos) > 1 and pos.max() > 1_000 * pos.min())
    if log and len(pos):
        ax.set_xscale("log")
        ax.set_xlim(pos.min() / 2, pos.max() * 2)
    ax.set_xlabel(plain(f"{xlabel} ({unit_label}{', log scale' if log else ''})"))
    ax.set_title(plain(title))
    ax.grid(True, axis="x", alpha=0.3)
    ax.invert_yaxis()
    return fig


def tornado_figure(rows, title: str = "What drives the premium", unit: float = 1e6,
                   unit_label: str = "USD m"):
    """Tornado chart: for each key assumption the premium change at its low and high
    value against the base case (``rows`` from :func:`riskengine.sensitivity.tornado_rows`,
    widest swing first)."""
    fig = _fig(7.5, max(2.2, 0.5 * len(rows) + 1.4))
    ax = fig.add_subplot()
    labels = [plain(f"{r['label']} ({r['low_value']} .. {r['high_value']})") for r in rows]
    lo = np.array([r["low"] for r in rows], float) / unit
    hi = np.array([r["high"] for r in rows], float) / unit
    y = np.arange(len(rows))
    ax.barh(y, lo, color="#1f5fa8", alpha=0.85, label="low value")
    ax.barh(y, hi, color="#c0392b", alpha=0.75, label="high value")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(plain(f"premium change against the base case ({unit_label})"))
    ax.set_title(plain(title))
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def hazard_altitude_figure(altitude_km, rate, peril, title="Annual hazard vs altitude"):
    """Annual rate per satellite against altitude, one series per peril (log scale)."""
    fig = _fig()
    ax = fig.add_subplot()
    altitude_km, rate, peril = map(np.asarray, (altitude_km, rate, peril))
    for p in np.unique(peril):
        m = peril == p
        o = np.argsort(altitude_km[m])
        ax.plot(altitude_km[m][o], rate[m][o], "o-", label=plain(p), ms=4)
    ax.set_yscale("log")
    ax.set_xlabel("altitude (km)")
    ax.set_ylabel("events per satellite-year")
    ax.set_title(plain(title))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def conjunction_timeline_figure(tca, miss_km, pc=None, title="Conjunctions over the window"):
    """Miss distance of each conjunction against time of closest approach (colour = Pc)."""
    fig = _fig()
    ax = fig.add_subplot()
    tca = np.asarray(tca, "datetime64[s]").astype("datetime64[ms]").astype(object)
    if pc is not None:
        pc = np.asarray(pc, float)
        sc = ax.scatter(tca, miss_km, c=np.log10(np.clip(pc, 1e-12, 1)), cmap="viridis", s=12)
        fig.colorbar(sc, ax=ax, label="log10 Pc")
    else:
        ax.scatter(tca, miss_km, s=12)
    ax.set_ylabel("miss distance (km)")
    ax.set_title(plain(title))
    ax.grid(True, alpha=0.3)
    return fig


def figure_png_base64(fig) -> str:
    """PNG of a figure as base64 text (for self-contained HTML)."""
    import base64
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def campaign_timeline_figure(dates, satellites, vehicles, lost_by_phase,
                             title: str = "Launch campaign"):
    """The campaign timeline: satellites on each launch at its date (by vehicle family), and
    the expected satellites lost, cumulative over the campaign, by phase.

    ``dates`` (ISO strings or dates), ``satellites`` and ``vehicles`` per launch;
    ``lost_by_phase`` ``(n_launches, 3)`` expected satellites lost at launch, while raising
    and in the first year in orbit.
    """
    import datetime as dt

    d = [x if isinstance(x, dt.date) else dt.date.fromisoformat(str(x)) for x in dates]
    fig = _fig(8.0, 5.2)
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1])
    for k, v in enumerate(dict.fromkeys(vehicles)):
        m = [i for i, x in enumerate(vehicles) if x == v]
        ax.vlines([d[i] for i in m], 0, [satellites[i] for i in m], color=f"C{k}", lw=1.2,
                  label=plain(v))
    ax.set_ylabel("satellites per launch")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(plain(title))
    ax.grid(True, alpha=0.3)
    lost = np.cumsum(np.asarray(lost_by_phase, float), axis=0)
    ax2.stackplot(d, lost.T, labels=["launch", "raising", "first year in orbit"],
                  colors=["#b2182b", "#ef8a62", "#67a9cf"], alpha=0.85, step="post")
    ax2.set_ylabel("expected satellites lost\n(cumulative)")
    ax2.legend(loc="upper left", fontsize=8, frameon=False)
    ax2.grid(True, alpha=0.3)
    return fig


def launch_posterior_figure(rows, title: str = "Launch failure probability per flight"):
    """Posterior mean and 90 % interval of a flight's failure probability per vehicle family
    (after its first flight), beside the raw rate of its record (failures + half the partial
    failures, per flight). ``rows``: :func:`riskengine.launch_record.posterior_table`."""
    fig = _fig(7.0, max(2.4, 0.5 * len(rows) + 1.2))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    m = np.array([r["p_mean"] for r in rows])
    lo = m - np.array([r["p_q05"] for r in rows])
    hi = np.array([r["p_q95"] for r in rows]) - m
    ax.errorbar(100 * m, y, xerr=[100 * lo, 100 * hi], fmt="o", color="#1f5fa8",
                label="posterior mean, 90 % interval")
    raw = np.array([r["record_rate"] for r in rows], float)
    ok = np.isfinite(raw)
    ax.plot(100 * raw[ok], y[ok], "x", color="#b2182b", label="record (failures / flights)")
    ax.set_yticks(y, [plain(f"{r['family']} ({r['flights'] or 0} flights)") for r in rows])
    ax.set_xlabel("failure probability per flight (%)")
    ax.set_title(plain(title))
    ax.grid(True, axis="x", alpha=0.3)
    ax.invert_yaxis()
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return fig


def campaign_pml_figure(years, aal, pml, title: str = "Launch policies by year of launch"):
    """Expected loss and 1-in-200 loss of each calendar year's launch policies."""
    fig = _fig(7.0, 3.6)
    ax = fig.add_subplot()
    x = np.arange(len(years))
    ax.bar(x - 0.2, np.asarray(aal, float) / 1e9, 0.4, label="expected loss", color="#67a9cf")
    ax.bar(x + 0.2, np.asarray(pml, float) / 1e9, 0.4, label="1-in-200", color="#b2182b")
    ax.set_xticks(x, [str(y) for y in years])
    ax.set_ylabel("USD bn")
    ax.set_title(plain(title))
    ax.legend(fontsize=8, frameon=False)
    ax.grid(True, axis="y", alpha=0.3)
    return fig
