"""The loss engine on a local Dask cluster of 2 workers gives the single-process tables."""

from __future__ import annotations

import pytest

from riskengine import stages
from riskengine.config import load_portfolio
from riskengine.store import connect

CONFIG = """
name = "dask-check"
[simulation]
years = 25000
seed = 11
[[fleet]]
name = "shell"
altitude_km = 550
inclination_deg = 53
planes = 10
per_plane = 20
sum_insured = 20_000_000
[[perils]]
type = "independent_failure"
annual_probability = 0.01
[[perils]]
type = "common_shock"
name = "storm"
rate = 0.3
satellite_probability = 0.02
[[perils]]
type = "compound"
name = "misc"
frequency = { distribution = "poisson", mean = 1.5 }
severity = { distribution = "lognormal", mu = 14, sigma = 1 }
[policy]
occurrence_limit = 200_000_000
aggregate_deductible = 10_000_000
[[policy.reinsurance]]
attachment = 100_000_000
limit = 100_000_000
"""


def _tables(con, rid):
    ylt = con.execute("select year, loss, ground_up_loss from ylt where run_id=? order by year", [rid]).fetchall()
    elt = con.execute("select event_id, year, peril, satellites, loss, gross_loss, net_loss from elt "
                      "where run_id=? order by event_id", [rid]).fetchall()
    net = con.execute("select year, net_loss, reinstatement_premium from ylt_net where run_id=? "
                      "order by year", [rid]).fetchall()
    met = con.execute("select perspective, metric, value from metrics where run_id=? "
                      "order by all", [rid]).fetchall()
    ep = con.execute("select * exclude (run_id) from ep_curve where run_id=? order by all",
                     [rid]).fetchall()
    return ylt, elt, net, met, ep


@pytest.mark.parametrize("block", [None, 500])
def test_two_dask_workers_identical_to_single_process(tmp_path, monkeypatch, block):
    """With 500-year blocks a Dask task runs three blocks at a time (task_groups): the
    same tables, event ids numbered across them as the single process numbers them."""
    import riskengine.losses as losses
    import riskengine.losses.distributed as distributed

    if block:
        for mod in (losses, distributed):
            monkeypatch.setattr(mod, "block_years", lambda hs, max_years=None: block)
        assert len(distributed.task_groups(distributed.blocks(25_000, block), 2)[0]) == 3
    cfg = tmp_path / "p.toml"
    cfg.write_text(CONFIG)
    db = str(tmp_path / "d.duckdb")
    p = load_portfolio(cfg)
    con = connect(db)
    one = stages.simulate(con, p, stages.Options(workers=1))
    two = stages.simulate(con, p, stages.Options(workers=2))
    a, b = _tables(con, one), _tables(con, two)
    assert len(a[0]) == 25000 and len(a[1]) > 1000
    for x, y in zip(a, b):
        assert x == y
    stats = con.execute("select stats from runs where run_id=?", [two]).fetchone()[0]
    assert '"dask_workers": 2' in stats
