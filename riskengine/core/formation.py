"""Collisions inside a formation-flying cluster (pure functions).

Orbital data-centre designs fly tens of satellites within a kilometre of each other
(Google's Suncatcher: 81 satellites in a cluster about 1 km across, neighbours 100-200 m
apart, held with "modest station-keeping", 2025; Pénot & Balakrishnan, Designing dense
satellite clusters for distributed space-based datacenters, arXiv:2605.15335, 2026). Two
neighbours meet at their minimum separation twice an orbit (the relative motion of a
passive formation is periodic at the orbital rate, Hill-Clohessy-Wiltshire), slowly —
about ``n x d``, centimetres to decimetres per second — exactly the encounters where the 2D
Pc fails. The collision risk is set by how well the formation is held: the relative
position error of the pair against the nominal geometry.

Model, per neighbour pair and approach: the nominal closest approach ``d_min`` with the
relative velocity of the periodic motion at that point (``n d_min``), the relative position
error Gaussian with ``sigma`` per axis (navigation and control; half from each satellite)
and velocity error ``n sigma``; the expected number of collisions of one approach is Hall's
3D-Nc (:func:`riskengine.core.pc.nc3d.nc3d`) over the approach window. A cluster of ``N``
satellites with ``k`` nearest neighbours each has ``N k / 2`` neighbour pairs; farther pairs
are many sigmas apart and neglected.

Formation accuracy in flight: PRISMA (Gill, D'Amico & Montenbruck, JGCD 30(5), 2007, doi
10.2514/1.23015): real-time relative navigation 0.1 m, control "a few tenths of metres";
TanDEM-X (flight dynamics operations, SpaceOps 2012, doi 10.2514/6.2012-1275094): 5 m RMS
cross-track, 30 m RMS along-track.

Examples
--------
>>> r = cluster_collision_rate(81, 6, 650.0, 100.0, 30.0, 10.0)
>>> bool(0 < r["collisions_per_year"])
True
"""

from __future__ import annotations

import numpy as np

from riskengine.core.constants import SECONDS_PER_YEAR
from riskengine.core.constants import WGS84_MU_KM3_S2 as MU_EARTH_KM3_S2
from riskengine.core.constants import WGS84_RE_KM as R_EARTH_KM


def mean_motion(altitude_km: float) -> float:
    """Mean motion of a circular orbit, rad/s.

    Examples
    --------
    >>> round(2 * np.pi / mean_motion(650.0) / 60, 1)     # period in minutes
    97.7
    """
    a = R_EARTH_KM + float(altitude_km)
    return float(np.sqrt(MU_EARTH_KM3_S2 / a**3))


def approach_states(altitude_km: float, d_min_m: float, sigma_m: float):
    """Mean TCA states and 6x6 covariances (RTN, m and m/s) of one neighbour approach.

    Satellite 2 is ``d_min`` cross-track from satellite 1 and moves radially at ``n d_min``
    relative to it (the periodic relative motion at its minimum separation); each
    satellite carries half the relative variance, ``sigma^2 / 2`` per position axis and
    ``(n sigma)^2 / 2`` per velocity axis.
    """
    a = R_EARTH_KM + float(altitude_km)
    n = mean_motion(altitude_km)
    vc = np.sqrt(MU_EARTH_KM3_S2 / a)
    r1 = np.array([a, 0.0, 0.0])
    v1 = np.array([0.0, vc, 0.0])
    r2 = r1 + np.array([0.0, 0.0, d_min_m / 1e3])
    v2 = v1 + np.array([n * d_min_m / 1e3, 0.0, 0.0])
    cov = np.zeros((6, 6))
    cov[:3, :3] = np.eye(3) * sigma_m**2 / 2.0
    cov[3:, 3:] = np.eye(3) * (n * sigma_m) ** 2 / 2.0
    return r1, v1, cov, r2, v2, cov.copy()


def nc_per_approach(altitude_km: float, d_min_m: float, sigma_m: float, hbr_m: float) -> float:
    """Expected collisions of one neighbour approach (Hall 3D-Nc).

    Examples
    --------
    Closer or less accurate formations collide more:

    >>> a = nc_per_approach(650.0, 100.0, 30.0, 10.0)
    >>> b = nc_per_approach(650.0, 100.0, 15.0, 10.0)
    >>> bool(a > b > 0)
    True
    """
    from riskengine.core.pc.nc3d import nc3d

    if sigma_m <= 0:
        return 0.0 if d_min_m > hbr_m else 1.0
    r1, v1, c1, r2, v2, c2 = approach_states(altitude_km, d_min_m, sigma_m)
    out = nc3d(r1[None], v1[None], c1[None], r2[None], v2[None], c2[None], float(hbr_m))
    val = float(out["nc"][0])
    return val if np.isfinite(val) else 0.0


def cluster_collision_rate(satellites: int, neighbours: int, altitude_km: float,
                           d_min_m: float, sigma_m: float, hbr_m: float) -> dict:
    """Collisions per year inside one cluster.

    Returns ``pairs`` (``N k / 2``), ``approaches_per_pair_year`` (two per orbit),
    ``nc_per_approach`` and ``collisions_per_year`` (their product).

    Examples
    --------
    >>> r = cluster_collision_rate(81, 6, 650.0, 100.0, 0.3, 10.0)    # PRISMA-class control
    >>> r["pairs"], r["collisions_per_year"]
    (243, 0.0)
    """
    n = mean_motion(altitude_km)
    pairs = int(satellites) * int(neighbours) // 2
    per_year = 2.0 * n * SECONDS_PER_YEAR / (2.0 * np.pi)
    nc = nc_per_approach(altitude_km, d_min_m, sigma_m, hbr_m)
    return dict(pairs=pairs, approaches_per_pair_year=per_year, nc_per_approach=nc,
                collisions_per_year=pairs * per_year * nc)
