"""``riskengine pc``: collision probability of CDM files."""

from __future__ import annotations

import json
import math
import sys

import click

METHODS = ("2d", "nc3d", "mc", "maxpc")


def _num(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def evaluate_cdm(cdm, *, hbr: float | None = None, method: str = "2d", samples: int = 1_000_000,
                 seed: int = 0, confidence: float = 0.95) -> dict:
    """One result dict for one parsed :class:`~riskengine.cdm.CDM` (raises CDMError on bad input).

    Always computes the 2D Pc (Foster / CARA PcCircle conventions), the Alfano maximum Pc
    and the usage-violation flags; ``method`` selects what ``pc`` reports.
    """
    import numpy as np

    from riskengine.cdm import CDMError
    from riskengine.core.pc import max_pc_scaled, pc_from_states
    from riskengine.core.pc.covariance import clip_to_psd, covariance_health

    path = cdm.source or "<cdm>"
    if hbr is not None:
        hbr_m, hbr_src = float(hbr), "--hbr"
    else:
        hbr_m, hbr_src = cdm.hbr()
        if hbr_m is None:
            raise CDMError(f"{path}: no hard-body radius: the CDM has no HBR keyword, no "
                           f"'COMMENT HBR = ...' line and no exclusion-volume radii; pass --hbr METRES")
    from riskengine.cdm import HBR_MAX_M

    if not (math.isfinite(hbr_m) and 0 < hbr_m <= HBR_MAX_M):
        raise CDMError(f"{path}: hard-body radius {hbr_m} m ({hbr_src}) must be finite, > 0 and "
                       f"<= {HBR_MAX_M:g} m; fix it or pass --hbr METRES")
    r1, v1, r2, v2, frame_notes = cdm.encounter_states()
    c1, c2 = cdm.covariance(1), cdm.covariance(2)
    # covariance health: every remediation is flagged (issue #17)
    flags, notes = [], []
    health = covariance_health(np.stack([c1, c2])[:, :3, :3])
    health6 = covariance_health(np.stack([c1, c2]))
    c_full = [c1, c2]
    for i in range(2):
        if health["negative_variance"][i] or health["npd"][i]:
            what = "negative variance" if health["negative_variance"][i] else "not positive semi-definite"
            notes.append(f"OBJECT{i + 1} position covariance {what} (smallest correlation eigenvalue "
                         f"{health['min_eigenvalue'][i]:.3g}): 6x6 eigenvalues clipped at 0")
            flags.append(f"npd_covariance_object{i + 1}")
            c_full[i] = clip_to_psd(c_full[i])
        elif health6["negative_variance"][i] or health6["npd"][i]:
            notes.append(f"OBJECT{i + 1} 6x6 covariance not positive semi-definite in its velocity terms "
                         f"(smallest correlation eigenvalue {health6['min_eigenvalue'][i]:.3g}): the 2D Pc "
                         f"uses the position block as given; nc3d and mc use it with eigenvalues clipped at 0")
            flags.append(f"npd_velocity_covariance_object{i + 1}")
    c1_2d = c_full[0] if "npd_covariance_object1" in flags else c1
    c2_2d = c_full[1] if "npd_covariance_object2" in flags else c2
    c1, c2 = clip_to_psd(c_full[0]) if flags else c_full[0], clip_to_psd(c_full[1]) if flags else c_full[1]
    res = pc_from_states(r1[None], v1[None], c1_2d[None], r2[None], v2[None], c2_2d[None], hbr_m)
    if bool(res["npd_remediated"][0]):
        notes.append("combined encounter-plane covariance clipped at (1e-4 HBR)^2 (CARA PcCircle)")
        flags.append("npd_remediated")
    if not np.isfinite(res["log10_pc"][0]) and res["log10_pc"][0] != -np.inf:
        raise CDMError(f"{path}: the 2D Pc is undefined for this geometry (relative speed "
                       f"{res['relative_speed_m_s'][0]:.3g} m/s, miss {res['miss_distance_m'][0]:.3g} m); "
                       f"check the states")
    mx = max_pc_scaled(res["miss"], res["cov"], hbr_m)
    for f in ("low_relative_speed", "long_encounter", "velocity_uncertainty"):
        if bool(res[f][0]):
            flags.append(f)
    if bool(mx["dilution"][0]):
        flags.append("dilution")
    flags += frame_notes
    from riskengine.core.pc.nc3d import usage_violations_2d

    uv = usage_violations_2d(r1, v1, c1, r2, v2, c2, hbr_m)
    reasons = []
    if bool(res["low_relative_speed"][0]):
        reasons.append(f"low relative speed ({res['relative_speed_m_s'][0]:.3g} m/s)")
    if bool(uv["extended"][0]):
        reasons.append(f"long encounter (rectilinear duration {uv['extended_indicator'][0]:.3g} of the "
                       f"orbital period > 0.02, Hall et al. 2023)")
    elif bool(res["long_encounter"][0]):
        reasons.append(f"long encounter (half-duration {res['encounter_half_duration_s'][0]:.3g} s > 500 s)")
    if bool(uv["offset"][0]):
        reasons.append(f"offset minimum ({uv['offset_indicator'][0]:.3g} of the period from TCA > 0.01)")
    if bool(res["velocity_uncertainty"][0]):
        reasons.append("velocity uncertainty smears the miss during the encounter (non-linear motion)")
    if any(f.startswith("npd_covariance") for f in flags):
        reasons.append("non-positive-definite covariance (remediated)")
    for k in ("extended", "offset"):
        if bool(uv[k][0]) and f"{k}_encounter" not in flags:
            flags.append(f"{k}_encounter")
    out = {
        "file": path, "method": method, "pc": None,
        "pc_2d": _num(res["pc"][0]), "log10_pc_2d": _num(res["log10_pc"][0]),
        "pc_max": _num(mx["pc_max"][0]), "pc_max_scale": _num(mx["k2"][0]),
        "miss_distance_m": _num(res["miss_distance_m"][0]),
        "relative_speed_m_s": _num(res["relative_speed_m_s"][0]),
        "hbr_m": hbr_m, "hbr_source": hbr_src,
        "sigma_major_m": _num(res["sigma_major_m"][0]), "sigma_minor_m": _num(res["sigma_minor_m"][0]),
        "encounter_half_duration_s": _num(res["encounter_half_duration_s"][0]),
        "flags": flags, "covariance_remediated": bool(notes), "covariance_notes": notes,
        "tca": cdm.tca,
        "object1": cdm.get("object1", "OBJECT_DESIGNATOR"), "object2": cdm.get("object2", "OBJECT_DESIGNATOR"),
        "frame": cdm.frame(1) if cdm.frame(1) == cdm.frame(2) else f"{cdm.frame(1)}+{cdm.frame(2)}",
        "cdm_pc": _cdm_pc(cdm),
        "usage_violations_2d": reasons,
        "recommended_method": "nc3d" if reasons else "2d",
    }
    if method == "2d":
        out["pc"] = out["pc_2d"]
    elif method == "maxpc":
        out["pc"] = out["pc_max"]
    elif method == "nc3d":
        from riskengine.core.pc.nc3d import nc3d

        nc = nc3d(r1[None], v1[None], c1[None], r2[None], v2[None], c2[None], hbr_m)
        out.update(pc=_num(nc["pc"][0]), nc=_num(nc["nc"][0]), nc3d_converged=bool(nc["converged"][0]),
                   nc3d_window_s=[_num(nc["t_lo"][0]), _num(nc["t_hi"][0])])
        if not out["nc3d_converged"]:
            out["flags"].append("nc3d_not_converged")
    elif method == "mc":
        from riskengine.core.pc.montecarlo import pc_montecarlo_twobody

        mc = pc_montecarlo_twobody(r1, v1, c1, r2, v2, c2, hbr_m, np.random.default_rng(seed),
                                   n_samples=samples, confidence=confidence)
        out.update(pc=mc["pc"], pc_low=mc["ci_low"], pc_high=mc["ci_high"], hits=mc["hits"],
                   trials=mc["n"], confidence=confidence, seed=seed,
                   mc_window_s=[_num(x) for x in mc["window_s"]])
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(f"unknown method {method!r}")
    return out


def _cdm_pc(cdm):
    v = cdm.get("relative", "COLLISION_PROBABILITY")
    try:
        return _num(v) if v is not None else None
    except ValueError:
        return None


def evaluate_cdm_file(path: str, hbr: float | None, method: str, samples: int, seed: int,
                      lenient: bool = False) -> dict:
    """Read one CDM file and evaluate it (raises CDMError on a bad file)."""
    from riskengine.cdm import read_cdm

    out = evaluate_cdm(read_cdm(path, strict=not lenient), hbr=hbr, method=method,
                       samples=samples, seed=seed)
    out["file"] = path
    return out


def _finite_positive(ctx, param, value):
    if value is not None and not (math.isfinite(value) and value > 0):
        raise click.BadParameter(f"{value} is not a finite number > 0 (metres)")
    return value


@click.command("pc")
@click.argument("cdm_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (per file).")
@click.option("--hbr", type=float, default=None, callback=_finite_positive,
              help="Combined hard-body radius [m], finite and > 0; default: from the CDM (HBR "
                   "keyword, 'COMMENT HBR = ...', or the two exclusion-volume radii).")
@click.option("--method", type=click.Choice(METHODS), default="2d", show_default=True,
              help="2d: Foster 2D Pc (CARA PcCircle conventions); nc3d: Hall's 3D-Nc (curvilinear "
                   "motion, velocity uncertainty); mc: two-body Monte Carlo from TCA with a "
                   "Clopper-Pearson interval; maxpc: Alfano maximum Pc over a covariance scale.")
@click.option("--samples", type=click.IntRange(min=1), default=1_000_000, show_default=True,
              help="Monte Carlo trials (>= 1).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Monte Carlo seed (>= 0); same seed, same result.")
@click.option("--lenient", is_flag=True,
              help="Accept negative variances: remediate the covariance (eigenvalue clipping) and "
                   "flag the result, instead of refusing the file.")
def pc(cdm_files, as_json, hbr, method, samples, seed, lenient):
    """Collision probability of each CDM file (CCSDS 508.0-B-1 KVN).

    One result per file, one JSON object per line with --json.  A file that cannot be
    read or evaluated reports its error (stderr, and an "error" field with --json); the
    others are still computed.  Exit code: 0 all good, 2 some file had an input error
    (the message names file:line, keyword, value and fix), 1 an internal error.

    \b
    Example:
      riskengine pc --json conj1.cdm conj2.cdm
      riskengine pc --hbr 20 --method nc3d OmitronTestCase_Test08_3DNc.cdm
      riskengine pc --method mc --samples 1000000 --seed 1 conj1.cdm
    """
    from riskengine.errors import RiskEngineError

    results, user_errors, internal_errors = [], 0, 0
    for path in cdm_files:
        try:
            r = evaluate_cdm_file(path, hbr, method, samples, seed, lenient)
        except RiskEngineError as e:
            user_errors += 1
            msg = str(e) if str(e).startswith(path) else f"{path}: {e}"
            click.echo(f"error: {msg}", err=True)
            r = {"file": path, "method": method, "pc": None, "error": msg}
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
            from riskengine.cli import _debug_requested

            if _debug_requested(None):
                raise
            internal_errors += 1
            msg = (f"{path}: internal error: {type(e).__name__}: {e} (a bug in riskengine, not in "
                   f"the file: run with --debug for the traceback and report it)")
            click.echo(f"error: {msg}", err=True)
            r = {"file": path, "method": method, "pc": None, "error": msg, "internal": True}
        results.append(r)
        if as_json:
            click.echo(json.dumps(r))
    if not as_json:
        from riskengine.cli._common import console, rich_table

        rows = [[r["file"], r.get("pc"), r.get("pc_2d"), r.get("pc_max"), r.get("miss_distance_m"),
                 r.get("relative_speed_m_s"), r.get("hbr_m"),
                 ", ".join(r.get("flags", [])) or ("ERROR" if "error" in r else "")] for r in results]
        console().print(rich_table(f"Collision probability ({method})",
                                   ["file", "pc", "pc_2d", "pc_max", "miss [m]", "v_rel [m/s]",
                                    "HBR [m]", "flags"], rows))
    if internal_errors:
        sys.exit(1)
    if user_errors:
        sys.exit(2)
