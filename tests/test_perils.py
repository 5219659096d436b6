"""The peril registry: one module per peril, read by the config, the engine, the report and
`riskengine perils`; a toy peril registered in one place is validated, priced, reported
and listed."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
from pydantic import Field

from riskengine import perils
from riskengine.config import parse_portfolio
from riskengine.errors import ConfigError

FLEET = [{"name": "s", "altitude_km": 550, "inclination_deg": 53, "planes": 4, "per_plane": 5,
          "sum_insured": 2e7}]


def test_every_parameter_has_a_source_or_a_named_assumption():
    for t in perils.types():
        cls = perils.get(t)
        for p in cls.parameters():
            if cls.kind == "generic":
                assert p["description"], (t, p["name"])   # the user gives the value
                continue
            assert bool(p["source"]) != bool(p["assumption"]), (t, p["name"])
            assert p["description"], (t, p["name"])


def test_default_set_is_the_physical_set_in_source_order():
    assert [p.type for p in perils.default_set()] == [
        "collision", "untracked_debris", "breakup", "space_weather", "launch", "hardware",
        "batch_defect", "deployment", "radiation", "solar_particle_event"]
    coll = perils.default_set()[0]
    # issue #20: avoidance and the own-shell factor are derived (the old 0.99 / 0.01 were
    # unsourced); they remain as explicit overrides
    assert coll.params.avoidance is None and coll.params.self_factor is None
    assert coll.params.maneuver_threshold_pc == 1e-4 and coll.params.covariance == "cdm"


@pytest.mark.parametrize("entry, key", [
    ({"type": "collision", "params": {"avodance": 0.9}}, "perils[0].params.avodance"),
    ({"type": "common_shock", "raet": 0.1, "rate": 0.1, "satellite_probability": 0.1},
     "perils[0].raet"),
    ({"type": "collision", "params": {"avoidance": 2.0}}, "perils[0].params.avoidance"),
    ({"type": "collision", "params": {"avoidance": "high"}}, "perils[0].params.avoidance"),
    ({"type": "common_shock", "rate": float("inf"), "satellite_probability": 0.1},
     "perils[0].rate"),
    ({"type": "compound", "frequency": {"distribution": "poisson", "mean": 1},
      "severity": {"distribution": "lognormal", "mu": float("nan"), "sigma": 1}},
     "perils[0].severity.mu"),
    ({"type": "compound", "frequency": {"distribution": "poisson", "mean": 1},
      "severity": {"distribution": "empirical", "values": [float("nan")]}},
     "perils[0].severity.values"),
    ({"type": "meteor_shower"}, "perils[0]"),
])
def test_bad_peril_entries_name_the_key(entry, key):
    with pytest.raises(ConfigError) as exc:
        parse_portfolio({"fleet": FLEET, "perils": [entry]}, "my.toml")
    msg = str(exc.value)
    assert msg.startswith("my.toml") and key in msg


def test_typo_through_the_cli_is_exit_2_and_writes_nothing(tmp_path, cli_run):
    from riskengine.store import connect

    cfg = tmp_path / "p.toml"
    cfg.write_text('[[fleet]]\nname = "s"\naltitude_km = 550\ninclination_deg = 53\n'
                   'planes = 2\nper_plane = 2\nsum_insured = 1e7\n'
                   '[[perils]]\ntype = "independent_failure"\nannual_probability = 0.01\n'
                   'groups = ["s"]\nraet = 3\n')
    db = tmp_path / "x.duckdb"
    r = cli_run("price", cfg, "--db", db, "--years", 100)
    assert r.exit_code == 2
    assert f"{cfg}" in r.stderr and "perils[0].raet" in r.stderr and "unknown key" in r.stderr
    assert "Traceback" not in r.stderr
    assert connect(db).execute("SELECT count(*) FROM runs").fetchall()[0][0] == 0


# --------------------------------------------------------------------------- toy peril
class ToyEntry(perils.Entry):
    type: Literal["toy_meteor"]
    rate: float = Field(..., ge=0, le=10, description="meteor strikes per satellite-year")


@pytest.fixture
def toy():
    """A peril written in one place: a class with an entry model and add_sources."""

    @perils.register
    class ToyMeteor(perils.Peril):
        type = "toy_meteor"
        kind = "generic"
        summary = "toy: meteor strikes, total loss"
        EntryModel = ToyEntry

        def add_sources(self, hs, ctx):
            hs.add_independent_failure(self.name, -np.expm1(-self.entry.rate))

    yield ToyMeteor
    perils.unregister("toy_meteor")


def test_a_toy_peril_is_validated_priced_reported_and_listed(toy, tmp_path, cli_run):
    from riskengine import stages
    from riskengine.report import report_data, write_report
    from riskengine.store import connect

    with pytest.raises(ConfigError, match=r"perils\[0\]\.rate"):
        parse_portfolio({"fleet": FLEET, "perils": [{"type": "toy_meteor", "rate": -1}]})
    p = parse_portfolio({"name": "toy", "simulation": {"years": 4000, "seed": 1},
                         "fleet": FLEET, "perils": [{"type": "toy_meteor", "rate": 0.01}]},
                        str(tmp_path / "toy.toml"))
    con = connect(tmp_path / "t.duckdb")
    rid = stages.price(con, p)
    aal = con.execute("SELECT aal FROM aal_by_peril WHERE run_id = ? AND peril = 'toy_meteor'",
                      [rid]).fetchall()[0][0]
    expect = 20 * 2e7 * -np.expm1(-0.01)
    assert aal == pytest.approx(expect, rel=0.15)
    assert "toy_meteor" in [r[0] for r in report_data(con, rid)["perils"]]
    html = write_report(con, rid, tmp_path / "r.html").read_text()
    assert "toy_meteor" in html
    listed = cli_run("perils")
    assert listed.exit_code == 0 and "toy_meteor" in listed.output


def test_perils_command_lists_parameters_and_sources(cli_run):
    import json

    r = cli_run("perils", "--json")
    assert r.exit_code == 0
    rows = [json.loads(line) for line in r.output.splitlines()]
    by = {x["type"]: x for x in rows}
    assert set(by) == set(perils.types())
    coll = {p["name"]: p for p in by["collision"]["parameters"]}
    assert coll["avoidance"]["default"] is None and coll["avoidance"]["assumption"]
    assert coll["maneuver_threshold_pc"]["default"] == 1e-4
    assert "CARA" in coll["maneuver_threshold_pc"]["source"]
    assert "1,322 Starlinks" in coll["shell_thickness_km"]["source"]
    r = cli_run("perils", "nope")
    assert r.exit_code == 2 and "unknown peril type 'nope'" in r.stderr


def test_distribution_moments_match_their_samplers():
    """Every severity/frequency model knows its mean and variance; the samplers match them
    (the `aggregate` package's self-check)."""
    from riskengine.core.sources import sample_counts, sample_severity
    from riskengine.perils import distributions as d

    rng = np.random.default_rng(7)
    specs = [d.Poisson(distribution="poisson", mean=3.0),
             d.NegativeBinomial(distribution="negative_binomial", mean=2.0, variance=5.0),
             d.Lognormal(distribution="lognormal", mu=1.0, sigma=0.5),
             d.Exponential(distribution="exponential", mean=2.0),
             d.Gamma(distribution="gamma", shape=2.0, scale=3.0),
             d.Pareto(distribution="pareto", shape=5.0, scale=1.0),
             d.Weibull(distribution="weibull", shape=1.5, scale=2.0),
             d.Uniform(distribution="uniform", low=1.0, high=3.0),
             d.Empirical(distribution="empirical", values=[1.0, 5.0], probabilities=[0.25, 0.75])]
    n = 400_000
    for s in specs:
        x = (sample_counts(s, n, rng) if s.distribution in ("poisson", "negative_binomial")
             else sample_severity(s, n, rng)).astype(float)
        m, v = s.moments()
        assert abs(x.mean() - m) < 5 * np.sqrt(v / n), s
        assert x.var() == pytest.approx(v, rel=0.05), s


def test_docs_perils_page_is_current():
    """docs/perils.md is generated from the registry: regenerate it with
    `riskengine perils --markdown > docs/perils.md` when a peril changes."""
    from pathlib import Path

    from riskengine.perils.docs import markdown

    page = Path(__file__).resolve().parent.parent / "docs" / "perils.md"
    assert page.read_text() == markdown(), "run: riskengine perils --markdown > docs/perils.md"

