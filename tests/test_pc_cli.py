"""``riskengine pc`` command line."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from riskengine.cli import cli


def _run(args):
    return CliRunner().invoke(cli, ["pc", *args])


def test_json_one_line_per_file_with_errors_and_exit_code(shared, tmp_path):
    d = shared / "fixtures/cdm"
    good = str(d / "OmitronTestCase_Test01_HighPc.cdm")
    nohbr = str(d / "OmitronTestCase_Test08_3DNc.cdm")
    bad = tmp_path / "bad.cdm"
    bad.write_text("CCSDS_CDM_VERS = 1.0\nnonsense\n")
    proc = subprocess.run([sys.executable, "-m", "riskengine", "pc", "--json", good, nohbr, str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["file"] for x in lines] == [good, nohbr, str(bad)]
    assert abs(lines[0]["pc"] / 0.41993 - 1) < 1e-3
    for k in ("miss_distance_m", "relative_speed_m_s", "hbr_m", "flags", "pc_max"):
        assert k in lines[0]
    assert lines[0]["hbr_m"] == 20.0 and lines[0]["hbr_source"] == "COMMENT HBR"
    assert lines[1]["pc"] is None and nohbr in lines[1]["error"] and "--hbr" in lines[1]["error"]
    assert "bad.cdm:2" in lines[2]["error"]
    assert nohbr in proc.stderr and "bad.cdm:2" in proc.stderr


def test_hbr_option_overrides_and_all_good_exits_zero(shared):
    f = str(shared / "fixtures/cdm/OmitronTestCase_Test08_3DNc.cdm")
    res = _run(["--json", "--hbr", "20", f])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["hbr_source"] == "--hbr" and abs(out["pc"] / 2.2660816e-20 - 1) < 1e-3
    assert "velocity_uncertainty" in out["flags"]


def test_methods_maxpc_and_mc(shared):
    f = str(shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm")
    mx = json.loads(_run(["--json", "--method", "maxpc", f]).output)
    assert mx["pc"] == mx["pc_max"] >= mx["pc_2d"]
    mc = json.loads(_run(["--json", "--method", "mc", "--samples", "50000", "--seed", "3", f]).output)
    assert mc["mc_ci_low"] <= mc["pc"] <= mc["mc_ci_high"] and abs(mc["pc"] - 0.42) < 0.03


def test_table_output(shared):
    res = _run([str(shared / "fixtures/cdm/OmitronTestCase_Test06_MinRelVel.cdm")])
    assert res.exit_code == 0
    assert "0.1133" in res.output and "Collision probability" in res.output
