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
    assert proc.returncode == 2          # user-input errors only: exit 2
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["file"] for x in lines] == [good, nohbr, str(bad)]
    assert abs(lines[0]["pc"] / 0.41993 - 1) < 1e-3
    for k in ("miss_distance_m", "relative_speed_m_s", "hbr_m", "flags", "pc_max", "method",
              "covariance_remediated"):
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
    assert mc["pc_low"] <= mc["pc"] <= mc["pc_high"] and abs(mc["pc"] - 0.42) < 0.03
    assert mc["trials"] == 50000 and mc["hits"] == round(mc["pc"] * 50000) and mc["method"] == "mc"


def test_table_output(shared):
    res = _run([str(shared / "fixtures/cdm/OmitronTestCase_Test06_MinRelVel.cdm")])
    assert res.exit_code == 0
    assert "0.1133" in res.output and "Collision probability" in res.output


def test_option_validation_is_a_usage_error(shared):
    """Issue #17: --samples -5 printed "pc": -0.0, --samples 0 raised ZeroDivisionError."""
    from riskengine.cli import main

    f = str(shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm")
    for args in (["--method", "mc", "--samples", "-5"], ["--method", "mc", "--samples", "0"],
                 ["--hbr", "0"], ["--hbr", "-3"], ["--hbr", "nan"], ["--hbr", "inf"],
                 ["--seed", "-1"], ["--method", "quantum"]):
        proc = subprocess.run([sys.executable, "-m", "riskengine", "pc", *args, f],
                              capture_output=True, text=True)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stdout == "", args
    assert main is not None


def test_exit_codes_per_file(shared, tmp_path, monkeypatch):
    """0 all good; 2 when a file has an input error (others still computed); 1 on a bug."""
    import riskengine.cli.pc as clipc

    good = str(shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm")
    res = _run(["--json", good, good])
    assert res.exit_code == 0 and len(res.output.splitlines()) == 2
    neg = tmp_path / "neg.cdm"
    text = (shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm").read_text()
    neg.write_text(text.replace("CR_R                               = 1.858", "CR_R                               = -1.858"))
    res = _run(["--json", str(neg), good])
    assert res.exit_code == 2
    first, second = (json.loads(x) for x in res.output.splitlines() if x.startswith("{"))
    assert "neg.cdm:53" in first["error"] and "CR_R" in first["error"] and "--lenient" in first["error"]
    assert abs(second["pc"] / 0.41993 - 1) < 1e-3

    def boom(*a, **k):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(clipc, "evaluate_cdm", boom)
    res = _run(["--json", good])
    assert res.exit_code == 1
    assert json.loads(next(x for x in res.output.splitlines() if x.startswith("{")))["internal"] is True


def test_lenient_remediates_and_flags_negative_variance(shared, tmp_path):
    """Issue #17: a negative CR_R changed Pc 0.420 -> 0.449 with no flag."""
    text = (shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm").read_text()
    neg = tmp_path / "neg.cdm"
    neg.write_text(text.replace("CR_R                               = 1.858", "CR_R                               = -1.858"))
    out = json.loads(_run(["--json", "--lenient", str(neg)]).output)
    assert out["covariance_remediated"] is True and "npd_covariance_object1" in out["flags"]
    assert "OBJECT1" in out["covariance_notes"][0]
    clean = json.loads(_run(["--json", str(shared / "fixtures/cdm/OmitronTestCase_Test01_HighPc.cdm")]).output)
    assert clean["covariance_remediated"] is False and clean["covariance_notes"] == []


def test_npd_fixture_is_flagged(shared):
    out = json.loads(_run(["--json", str(shared / "fixtures/cdm/OmitronTestCase_Test07_NonPDCovariance.cdm")]).output)
    assert out["covariance_remediated"] is True and out["pc"] == 0.0
    assert any(f.startswith("npd_") for f in out["flags"])
