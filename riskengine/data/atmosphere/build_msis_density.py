"""Build ``msis_density.csv``: NRLMSIS 2.1 global-mean mass density vs altitude.

Run once at build time (not by the engine, which reads the CSV):

    pip install pymsis==0.13.0
    python riskengine/data/atmosphere/build_msis_density.py > riskengine/data/atmosphere/msis_density.csv

Model: NRLMSIS 2.1 (Emmert et al. 2022, "NRLMSIS 2.1: an empirical model of nitric oxide
incorporated into MSIS", JGR Space Physics 127, e2022JA030896; Emmert et al. 2021, NRLMSIS
2.0, Earth and Space Science 8, e2020EA001321) through pymsis (Lucas et al., SWxTREC,
https://github.com/SWxTREC/pymsis). Indices are passed explicitly (f107s = f107as = F10.7,
all seven ap values = Ap), so pymsis downloads nothing (it fetches CelesTrak's SW-All.csv
only when an index is missing).

Global mean: area-weighted (cos latitude) over 36 latitudes (-87.5..87.5 every 5 deg), 24
longitudes (every 15 deg: at 00 UT every local time), 12 mid-month dates (2021-MM-15T00:00):
diurnal, latitudinal and seasonal variations averaged out, as a satellite decaying over
months samples them.
"""

from __future__ import annotations

import sys

import numpy as np

ALTS_KM = np.arange(100.0, 2000.0 + 1.0, 10.0)
F107 = (70.0, 110.0, 150.0, 200.0, 250.0)
AP = (4.0, 15.0, 50.0)


def global_mean(f107: float, ap: float) -> np.ndarray:
    import pymsis  # build-time only (the `atmosphere` extra); imported here so that
    # pytest --doctest-modules can import this file without it

    lats = np.arange(-87.5, 90.0, 5.0)
    lons = np.arange(0.0, 360.0, 15.0)
    dates = np.array([f"2021-{m:02d}-15T00:00" for m in range(1, 13)], dtype="datetime64[m]")
    n = len(dates)
    out = pymsis.calculate(dates, lons, lats, ALTS_KM, f107s=np.full(n, f107),
                           f107as=np.full(n, f107), aps=np.full((n, 7), ap), version=2.1)
    rho = out[..., pymsis.Variable.MASS_DENSITY]          # (dates, lons, lats, alts)
    w = np.cos(np.radians(lats))
    w = w / w.sum()
    return (rho.mean(axis=(0, 1)) * w[:, None]).sum(axis=0)


def main() -> None:
    import pymsis

    w = sys.stdout.write
    w("# NRLMSIS 2.1 global-mean total mass density (kg/m^3) vs altitude, F10.7 and Ap\n")
    w(f"# built with pymsis {pymsis.__version__}, numpy {np.__version__} by "
      "riskengine/data/atmosphere/build_msis_density.py\n")
    w("# call: pymsis.calculate(dates, lons, lats, alts, f107s=F10.7, f107as=F10.7, "
      "aps=full((12, 7), Ap), version=2.1); density = out[..., pymsis.Variable.MASS_DENSITY]\n")
    w("# grid: 12 dates 2021-MM-15T00:00, lons 0..345 step 15, lats -87.5..87.5 step 5; "
      "mean over dates and lons, cos(lat)-weighted mean over lats\n")
    w("# source: Emmert et al. (2022) JGR Space Physics 127 e2022JA030896 (NRLMSIS 2.1); "
      "pymsis https://github.com/SWxTREC/pymsis (MIT)\n")
    w("alt_km,f107,ap,rho_kg_m3\n")
    for f in F107:
        for ap in AP:
            rho = global_mean(f, ap)
            for h, r in zip(ALTS_KM, rho):
                w(f"{h:.0f},{f:.0f},{ap:.0f},{r:.4e}\n")


if __name__ == "__main__":
    main()
