"""Portfolio config validation: errors name the file, the key and the bad value."""

from __future__ import annotations

import pytest

from riskengine.config import load_portfolio, parse_portfolio
from riskengine.errors import ConfigError

GENERIC = {"perils": [{"type": "compound", "frequency": {"distribution": "poisson", "mean": 3},
                       "severity": {"distribution": "lognormal", "mu": 10, "sigma": 1}}]}


def test_generic_perils_without_fleet_valid():
    p = parse_portfolio(GENERIC)
    assert p.perils[0].severity.sigma == 1 and p.fleet == []


def test_fleet_peril_without_fleet_refused():
    with pytest.raises(ConfigError, match="no \\[\\[fleet\\]\\]"):
        parse_portfolio({"perils": [{"type": "independent_failure", "annual_probability": 0.01}]},
                        "x.toml")


@pytest.mark.parametrize("group,key", [
    ({"altitude_km": 100}, "fleet[0].altitude_km"),
    ({"inclination_deg": 190}, "fleet[0].inclination_deg"),
    ({"planes": 0}, "fleet[0].planes"),
    ({"sum_insured": -5}, "fleet[0].sum_insured"),
    ({"altitud_km": 500}, "fleet[0].altitud_km"),
])
def test_bad_fleet_key_named(group, key):
    base = {"name": "s", "altitude_km": 550, "inclination_deg": 53, "planes": 2, "per_plane": 2,
            "sum_insured": 1e6}
    base.update(group)
    with pytest.raises(ConfigError) as err:
        parse_portfolio({"fleet": [base]}, "p.toml")
    assert "p.toml" in str(err.value) and key in str(err.value)


def test_bad_severity_named():
    bad = {"perils": [{"type": "compound", "frequency": {"distribution": "poisson", "mean": 1},
                       "severity": {"distribution": "lognormal", "mu": 1, "sigma": -1}}]}
    with pytest.raises(ConfigError, match=r"perils\[0\]\.severity\.sigma"):
        parse_portfolio(bad, "p.toml")


def test_load_toml_errors(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text("[simulation\nyears=1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_portfolio(p)
    with pytest.raises(ConfigError, match="not found"):
        load_portfolio(tmp_path / "missing.toml")
    p.write_text("[simulation]\nyears = 100\n[[perils]]\ntype='compound'\n"
                 "frequency={distribution='poisson', mean=1}\n"
                 "severity={distribution='exponential', mean=5}\n")
    assert load_portfolio(p).name == "p"


def test_bad_fit_draws_setting_is_a_clear_error(tmp_path, monkeypatch, capsys):
    """A bad $RISKENGINE_FIT_DRAWS names the variable and the fix; the store is untouched."""
    import pytest

    from riskengine.cli import main
    from riskengine.store import connect

    db = str(tmp_path / "s.duckdb")
    connect(db).close()
    for bad, msg in (("lots", "whole number"), ("5", "at least 100")):
        monkeypatch.setenv("RISKENGINE_FIT_DRAWS", bad)
        with pytest.raises(SystemExit) as exc:
            main(["fit", "--db", db])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and "RISKENGINE_FIT_DRAWS" in err and msg in err
        assert "Traceback" not in err
    con = connect(db)
    assert con.execute("SELECT count(*) FROM runs").fetchall()[0][0] == 0
