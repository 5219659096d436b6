"""Flags on every priced run: what makes a result not a price, in run_flags, the CLI
summary and the report."""

from __future__ import annotations

from click.testing import CliRunner

from riskengine.flags import MARKET_RATES, pricing_flags

CAPPED = """
name = "capped"
[simulation]
years = 2000
seed = 3
[[fleet]]
name = "shell"
altitude_km = 550
inclination_deg = 53
planes = 20
per_plane = 50
sum_insured = 3_000_000
[[perils]]
type = "independent_failure"
name = "hardware"
annual_probability = 0.05
[policy]
occurrence_limit = 2_000_000
aggregate_limit = 50_000_000
"""


def test_a_capped_cover_is_flagged(tmp_path):
    """~50 satellites of $3 m lost a year against a $50 m aggregate limit: every year at the
    limit, the premium above it, and every occurrence capped at the $2 m occurrence limit."""
    from riskengine.cli import cli

    cfg = tmp_path / "capped.toml"
    cfg.write_text(CAPPED)
    db = str(tmp_path / "f.duckdb")
    r = CliRunner().invoke(cli, ["simulate", str(cfg), "--db", db])
    assert r.exit_code == 0, r.output
    from riskengine.store import connect

    con = connect(db)
    flags = dict(con.execute("SELECT code, severity FROM run_flags").fetchall())
    assert flags == {"premium_above_limit": "warning", "years_at_aggregate_limit": "warning",
                     "oep_flat_at_occurrence_limit": "warning", "market_rate": "info"}
    share = con.execute("SELECT value FROM metrics WHERE metric = "
                        "'share_years_at_aggregate_limit'").fetchone()[0]
    assert share == 1.0
    out = " ".join(r.output.split())
    for code in flags:
        assert f"[{code}]" in out
    assert "100.0 % of the simulated years" in out and "no public figure" in out


def test_market_rate_flag_cites_or_says_it_has_no_figure():
    from types import SimpleNamespace as S

    pol = S(aggregate_limit=None, occurrence_limit=None)
    pr = S(premium=1.0, limit=100.0, rate_on_tiv=0.35, expected_loss=0.5)
    (code, msg, sev), = pricing_flags(pr, pol, S(capital_quantile=0.995), 100, 0, 0,
                                      "launch_plus_one_year")
    assert code == "market_rate" and sev == "warning"          # 35 % vs 6-10 %: far outside
    assert "Seradata" in msg and "6.00 %-10.00 %" in msg
    pr.rate_on_tiv = 0.08
    (_, msg, sev), = pricing_flags(pr, pol, S(capital_quantile=0.995), 100, 0, 0,
                                   "launch_plus_one_year")
    assert sev == "info"
    assert MARKET_RATES["in_orbit_annual"]["rate"] is None
