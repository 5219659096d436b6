"""Read the shipped atmosphere density table (edge: the numeric core gets arrays).

``riskengine/data/atmosphere/msis_density.csv`` holds NRLMSIS 2.1 global-mean mass
densities (kg/m³) on 100–2,000 km × F10.7 ∈ {70, 110, 150, 200, 250} × Ap ∈ {4, 15, 50},
computed once with ``pymsis`` by ``build_msis_density.py`` beside it (its header records the
pymsis version and the exact call). The engine therefore needs no atmosphere library at run
time and never downloads space-weather files; rebuild the table with
``pip install pymsis==0.13.0`` (the ``atmosphere`` extra) when the model changes.

Examples
--------
>>> t = load_density_table()
>>> round(float(t.density(550.0, 150.0, 15.0)) * 1e13, 2)
3.89
"""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np

from riskengine.core.lifetime import DensityTable
from riskengine.errors import RiskEngineError

DENSITY_FILE = "msis_density.csv"


class AtmosphereError(RiskEngineError):
    """A density table that cannot be used (names the file, the line and the fix)."""


def load_density_table(path=None) -> DensityTable:
    """The density table as a :class:`riskengine.core.lifetime.DensityTable`.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV with the same columns (``alt_km,f107,ap,rho_kg_m3``; ``#`` comment lines);
        default: the shipped NRLMSIS 2.1 table.
    """
    if path is None:
        res = resources.files("riskengine") / "data" / "atmosphere" / DENSITY_FILE
        name, text = str(res), res.read_text(encoding="utf-8")
    else:
        name = str(path)
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    src = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("#")]
    rows = [(n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln and not ln.startswith("#")]
    if not rows:
        raise AtmosphereError(f"{name}: no data rows")
    header = next(csv.reader([rows[0][1]]))
    want = ["alt_km", "f107", "ap", "rho_kg_m3"]
    if [h.strip() for h in header] != want:
        raise AtmosphereError(f"{name}:{rows[0][0]}: header {header!r}, expected {want!r}")
    vals = []
    for n, ln in rows[1:]:
        try:
            v = [float(x) for x in ln.split(",")]
        except ValueError:
            raise AtmosphereError(f"{name}:{n}: not four numbers: {ln!r}") from None
        if len(v) != 4 or not all(np.isfinite(v)) or v[3] <= 0:
            raise AtmosphereError(f"{name}:{n}: need alt_km,f107,ap,rho_kg_m3 with rho > 0, "
                                  f"got {ln!r}")
        vals.append(v)
    a = np.array(vals)
    alt, f, ap = (np.unique(a[:, k]) for k in range(3))
    if a.shape[0] != alt.size * f.size * ap.size:
        raise AtmosphereError(f"{name}: {a.shape[0]} rows do not fill the grid of {alt.size} "
                              f"altitudes x {f.size} F10.7 x {ap.size} Ap values")
    rho = np.full((f.size, ap.size, alt.size), np.nan)
    rho[np.searchsorted(f, a[:, 1]), np.searchsorted(ap, a[:, 2]), np.searchsorted(alt, a[:, 0])] = a[:, 3]
    if np.isnan(rho).any():
        raise AtmosphereError(f"{name}: duplicate rows leave grid points empty")
    return DensityTable(alt, f, ap, rho, source="; ".join(src))
