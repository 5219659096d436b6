"""``riskengine pc``: collision probability of CDM files."""

from __future__ import annotations

import json
import math
import sys

import click


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def evaluate_cdm_file(path: str, hbr: float | None, method: str, samples: int, seed: int) -> dict:
    """One result dict for one CDM file (raises on a bad file)."""
    import numpy as np

    from riskengine.cdm import CDMError, read_cdm
    from riskengine.pc import max_pc_scaled, pc_from_states, pc_montecarlo

    cdm = read_cdm(path)
    if hbr is not None:
        hbr_m, hbr_src = float(hbr), "--hbr"
    else:
        hbr_m, hbr_src = cdm.hbr()
        if hbr_m is None:
            raise CDMError(f"{path}: no hard-body radius: the CDM has no HBR keyword, no "
                           f"'COMMENT HBR = ...' line and no exclusion-volume radii; pass --hbr METRES")
    if not (hbr_m > 0):
        raise CDMError(f"{path}: hard-body radius {hbr_m} m ({hbr_src}) must be > 0")
    r1, v1 = cdm.inertial_state(1)
    r2, v2 = cdm.inertial_state(2)
    c1, c2 = cdm.covariance(1), cdm.covariance(2)
    res = pc_from_states(r1[None], v1[None], c1[None], r2[None], v2[None], c2[None], hbr_m)
    mx = max_pc_scaled(res["miss"], res["cov"], hbr_m)
    flags = [f for f in ("npd_remediated", "low_relative_speed", "long_encounter", "velocity_uncertainty") if bool(res[f][0])]
    if bool(mx["dilution"][0]):
        flags.append("dilution")
    if cdm.frame(1).startswith("ITRF") or cdm.frame(2).startswith("ITRF"):
        flags.append("itrf_velocity_inertialised")
    out = {
        "file": path, "method": method, "pc": None,
        "pc_2d": _num(res["pc"][0]), "log10_pc_2d": _num(res["log10_pc"][0]),
        "pc_max": _num(mx["pc_max"][0]), "pc_max_scale": _num(mx["k2"][0]),
        "miss_distance_m": _num(res["miss_distance_m"][0]),
        "relative_speed_m_s": _num(res["relative_speed_m_s"][0]),
        "hbr_m": hbr_m, "hbr_source": hbr_src,
        "sigma_major_m": _num(res["sigma_major_m"][0]), "sigma_minor_m": _num(res["sigma_minor_m"][0]),
        "encounter_half_duration_s": _num(res["encounter_half_duration_s"][0]),
        "flags": flags, "tca": cdm.tca,
        "object1": cdm.get("object1", "OBJECT_DESIGNATOR"), "object2": cdm.get("object2", "OBJECT_DESIGNATOR"),
        "frame": cdm.frame(1),
        "cdm_pc": _num(cdm.get("relative", "COLLISION_PROBABILITY")) if cdm.get("relative", "COLLISION_PROBABILITY") else None,
    }
    if method == "foster":
        out["pc"] = out["pc_2d"]
    elif method == "maxpc":
        out["pc"] = out["pc_max"]
    else:
        mc = pc_montecarlo(r1, v1, c1, r2, v2, c2, hbr_m, np.random.default_rng(seed), n_samples=samples)
        out.update(pc=mc["pc"], mc_hits=mc["hits"], mc_samples=mc["n"], mc_ci_low=mc["ci_low"],
                   mc_ci_high=mc["ci_high"], mc_seed=seed)
    return out


@click.command("pc")
@click.argument("cdm_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (per file).")
@click.option("--hbr", type=float, default=None,
              help="Combined hard-body radius [m]; default: from the CDM (HBR keyword, "
                   "'COMMENT HBR = ...', or the two exclusion-volume radii).")
@click.option("--method", type=click.Choice(["foster", "maxpc", "mc"]), default="foster",
              show_default=True,
              help="foster: 2D Pc (CARA PcCircle conventions); maxpc: Alfano maximum Pc over "
                   "a covariance scale; mc: Monte Carlo from TCA states (straight-line motion).")
@click.option("--samples", type=int, default=1_000_000, show_default=True, help="Monte Carlo samples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Monte Carlo seed.")
@click.pass_context
def pc(ctx, cdm_files, as_json, hbr, method, samples, seed):
    """Collision probability of each CDM file (CCSDS 508.0-B-1 KVN).

    One result per file.  A file that cannot be read or evaluated reports its error
    (stderr, and an "error" field with --json); the others are still computed, and the
    exit code is 1 if any failed.

    \b
    Example:
      riskengine pc --json conj1.cdm conj2.cdm
      riskengine pc --hbr 20 --method mc OmitronTestCase_Test08_3DNc.cdm
    """
    results, failed = [], 0
    for path in cdm_files:
        try:
            r = evaluate_cdm_file(path, hbr, method, samples, seed)
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
            failed += 1
            msg = str(e) if str(e).startswith(path) else f"{path}: {e}"
            if not isinstance(e, (ValueError, OSError)):
                msg = f"{path}: {type(e).__name__}: {e}"
            click.echo(f"error: {msg}", err=True)
            r = {"file": path, "pc": None, "error": msg}
        results.append(r)
        if as_json:
            click.echo(json.dumps(r))
    if not as_json:
        from riskengine.cli._common import console, rich_table

        rows = [[r["file"], r.get("pc"), r.get("pc_max"), r.get("miss_distance_m"),
                 r.get("relative_speed_m_s"), r.get("hbr_m"), ", ".join(r.get("flags", [])) or
                 ("ERROR" if "error" in r else "")] for r in results]
        console().print(rich_table(f"Collision probability ({method})",
                                   ["file", "pc", "pc_max", "miss [m]", "v_rel [m/s]", "HBR [m]", "flags"], rows))
    if failed:
        sys.exit(1)
