"""``riskengine dose`` — yearly total ionising dose behind Al for a circular orbit."""

from __future__ import annotations

import json
import time

import click


@click.command("dose")
@click.option("--altitude-km", type=float, required=True,
              help="Circular-orbit altitude, km (validated 300-2,000).")
@click.option("--inclination-deg", type=float, required=True,
              help="Inclination, deg (0-180; SSO ~97-99).")
@click.option("--shielding-mm", type=float, required=True,
              help="Al shielding: radius of a solid Al sphere around the part, mm (0.1-50).")
@click.option("--solar", type=click.Choice(["min", "max"]), default=None,
              help="Solar-cycle phase: min (AP-8 MIN + AE-8 MIN, no solar protons) or max "
                   "(AP-8 MAX + AE-8 MAX, SPE of an active year). Default: the standard "
                   "conservative pairing AP-8 MIN + AE-8 MAX with the SPE of an active year.")
@click.option("--extrapolate", is_flag=True,
              help="Compute outside the validated domain instead of refusing (valid=false).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def dose(altitude_km, inclination_deg, shielding_mm, solar, extrapolate, as_json):
    """Yearly total ionising dose in rad(Si) at the centre of a solid Al sphere, split into
    trapped protons, trapped electrons, bremsstrahlung (NASA AE-8/AP-8 through aep8, NIST
    stopping powers) and solar protons (expected yearly dose of the SPE model).

    A new orbit takes about a second (IRBEM field-line tracing for 1,152 orbit samples); the
    orbit's spectra are then cached (~/.cache/riskengine/dose or $RISKENGINE_DOSE_CACHE) and a
    repeated query is instant.

    \b
    Examples:
      riskengine dose --altitude-km 550 --inclination-deg 53 --shielding-mm 3
      riskengine dose --altitude-km 650 --inclination-deg 97.98 --shielding-mm 10 --json
      riskengine dose --altitude-km 1200 --inclination-deg 88 --shielding-mm 5 --solar max
    """
    from riskengine.radiation_env import dose_rate

    t0 = time.perf_counter()
    r = dose_rate(altitude_km, inclination_deg, shielding_mm, solar=solar,
                  strict=not extrapolate)
    seconds = time.perf_counter() - t0
    if as_json:
        out = r.to_dict(index=0)
        out["seconds"] = round(seconds, 3)
        click.echo(json.dumps(out))
        return
    d = r.to_dict(index=0)
    lines = [
        f"Yearly dose at {altitude_km:g} km, {inclination_deg:g} deg, behind {shielding_mm:g} mm "
        f"Al ({d['models']['trapped']})",
        f"  total                {d['rad_si_per_year']:12,.1f} rad(Si)/yr",
        f"  trapped protons      {d['trapped_protons']:12,.1f}",
        f"  trapped electrons    {d['trapped_electrons']:12,.1f}",
        f"  bremsstrahlung       {d['bremsstrahlung']:12,.1f}",
        f"  solar protons (mean) {d['solar_protons']:12,.1f}",
        f"  one 1972-class solar event adds {d['spe_event_1972_rad']:,.0f} rad(Si)",
    ]
    if not r.valid:
        lines.append("  WARNING outside the validated domain: " + "; ".join(r.outside_validity))
    lines.append(f"  ({seconds:.2f} s; geometry: centre of a solid Al sphere, Si target)")
    click.echo("\n".join(lines))
