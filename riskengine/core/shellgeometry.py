"""Fleet-vs-fleet close approaches of a coordinated shell from its geometry.

A kinetic-gas rate (``riskengine.core.flux``) treats a shell's own satellites as randomly
phased; a Walker constellation is not random. Its satellites only meet where two orbital
planes intersect (two nodes per pair of planes), all at the same period, so the along-track
gap between the satellites of two planes at a node is fixed by the phasing; planes set at
different altitudes (``altitude_spread_km``) pass each other radially apart, but drift in
phase. What remains is set by station-keeping / navigation errors.

Geometry (circular orbits, radius ``r``): two satellites crossing a node on straight tracks
at angle ``α`` (between their velocity vectors), equal speeds, with the second one an
along-track distance ``s`` behind and ``Δh`` higher, miss each other in the encounter plane
by ``x = Δh`` (radial) and ``y = s cos(α/2)`` (horizontal: the relative velocity is at
``90° + α/2`` to each track). Position errors add a Gaussian with ``σx² = σR1² + σR2²`` and
``σy² = (σT1² + σT2²) cos²(α/2) + (σN1² + σN2²) sin²(α/2)`` — the same projection as
:func:`riskengine.core.avoidance.encounter_sigmas` — so the probability that the pair comes
within the hard-body radius ``H`` at that node is the 2D Pc
(:func:`riskengine.core.pc.pc_circle`). Each pair meets at each of its two nodes once per
orbit; summing over pairs gives expected close approaches (within ``H``) per satellite-year.

* ``phasing="as_given"``: the phases are held (a controlled Walker shell): the gap at each
  node is the one the elements give. ``"auto"`` (default) holds them only between planes at
  the same altitude and treats planes whose altitude difference makes them drift apart in
  phase as randomly phased.
* ``phasing="random"``: the gap is uniform over the orbit (planes at different altitudes
  drift in phase; or an uncoordinated shell): the expected rate per node passage is
  ``∫ Pc(x, y) dy / (2π r cos(α/2))``. With random altitudes too this is the kinetic-gas
  rate, which :func:`kinetic_gas_equivalent` checks.

A Walker delta pattern ``i: T/P/F`` (J.G. Walker, "Satellite constellations", J. British
Interplanetary Soc. 37, 559–572, 1984): ``P`` planes at RAAN ``2π p/P``, ``S = T/P``
satellites per plane at argument of latitude ``2π k/S + 2π F p/T``. Use
:func:`walker_elements` to build one, or pass a catalog group's elements (a third-party
constellation): planes are found by clustering RAAN.

Units: km and degrees for elements, metres for errors and hard-body radius, per year.
"""

from __future__ import annotations

import numpy as np

from riskengine.core.constants import SECONDS_PER_YEAR, WGS84_MU_KM3_S2, WGS84_RE_KM
from riskengine.core.pc.foster import pc_circle

__all__ = ["walker_elements", "group_planes", "shell_close_approaches", "kinetic_gas_equivalent",
           "plane_staggered_altitudes"]


def walker_elements(total: int, planes: int, phasing: int, inc_deg: float, alt_km: float,
                    altitude_spread_km: float = 0.0):
    """Elements of a Walker delta shell ``i: T/P/F``, planes staggered in altitude.

    Plane ``p`` sits at ``alt_km + spread (p/(P−1) − ½)`` (the planes spread evenly over
    ``altitude_spread_km``; 0 = one altitude).

    Returns
    -------
    dict of arrays (T,): ``raan_deg``, ``arglat_deg``, ``inc_deg``, ``alt_km``, ``plane``.

    Examples
    --------
    >>> w = walker_elements(6, 3, 1, 53.0, 550.0)
    >>> w["raan_deg"].tolist(), w["arglat_deg"].round(1).tolist()
    ([0.0, 0.0, 120.0, 120.0, 240.0, 240.0], [0.0, 180.0, 60.0, 240.0, 120.0, 300.0])
    """
    if total % planes:
        raise ValueError(f"a Walker shell needs total ({total}) divisible by planes ({planes})")
    S = total // planes
    p = np.repeat(np.arange(planes), S)
    k = np.tile(np.arange(S), planes)
    raan = 360.0 * p / planes
    u = (360.0 * k / S + 360.0 * phasing * p / total) % 360.0
    alt = plane_staggered_altitudes(planes, alt_km, altitude_spread_km)[p]
    return {"raan_deg": raan, "arglat_deg": u, "inc_deg": np.full(total, float(inc_deg)),
            "alt_km": alt, "plane": p}


def plane_staggered_altitudes(planes: int, alt_km: float, spread_km: float) -> np.ndarray:
    """Plane altitudes spread evenly over ``spread_km`` around ``alt_km`` (km).

    Consecutive planes alternate between the low and high half (0, P/2, 1, P/2+1, …) so that
    neighbouring planes, which cross at the shallowest angles, are far apart in altitude.

    Examples
    --------
    >>> plane_staggered_altitudes(4, 550.0, 3.0).tolist()
    [548.5, 550.5, 549.5, 551.5]
    """
    if planes == 1 or spread_km == 0:
        return np.full(planes, float(alt_km))
    levels = alt_km + spread_km * (np.arange(planes) / (planes - 1) - 0.5)
    order = np.empty(planes, np.int64)
    half = (planes + 1) // 2
    order[0::2] = np.arange(half)
    order[1::2] = np.arange(half, planes)
    return levels[order]


def group_planes(raan_deg, inc_deg, tol_deg: float = 1.0) -> np.ndarray:
    """Plane index of each satellite: RAAN (and inclination) clustered within ``tol_deg``.

    Examples
    --------
    >>> group_planes([0.1, 359.9, 120.0, 120.4], [53, 53, 53, 53]).tolist()
    [0, 0, 1, 1]
    """
    raan = np.mod(np.asarray(raan_deg, float), 360.0)
    inc = np.asarray(inc_deg, float)
    order = np.lexsort((raan, np.round(inc / max(tol_deg, 1e-9))))
    lab = np.empty(raan.size, np.int64)
    cur, last_r, last_i = -1, None, None
    for idx in order:
        r, i = raan[idx], inc[idx]
        if last_r is None or abs(i - last_i) > tol_deg or (r - last_r) > tol_deg:
            cur += 1
        lab[idx] = cur
        last_r, last_i = r, i
    # wrap-around: the last cluster near 360 joins the first near 0
    if cur > 0:
        first = lab[order[0]]
        lastc = lab[order[-1]]
        r0, rl = raan[order[0]], raan[order[-1]]
        if (r0 + 360.0 - rl) <= tol_deg and abs(inc[order[0]] - inc[order[-1]]) <= tol_deg:
            lab[lab == lastc] = first
    _, lab = np.unique(lab, return_inverse=True)
    return lab


def _normals(raan, inc):
    O, i = np.radians(raan), np.radians(inc)
    return np.stack([np.sin(i) * np.sin(O), -np.sin(i) * np.cos(O), np.cos(i)], axis=-1)


def _arglat_of(point, raan, inc):
    """Argument of latitude of a unit vector lying in the plane (raan, inc)."""
    O, i = np.radians(raan), np.radians(inc)
    N = np.array([np.cos(O), np.sin(O), 0.0])
    e = np.array([-np.cos(i) * np.sin(O), np.cos(i) * np.cos(O), np.sin(i)])
    return np.arctan2(point @ e, point @ N)


def _arglat_many(points, raan, inc):
    """:func:`_arglat_of` for arrays of points (k, 3) and planes (k,)."""
    O, i = np.radians(raan), np.radians(inc)
    N = np.stack([np.cos(O), np.sin(O), np.zeros_like(O)], axis=-1)
    e = np.stack([-np.cos(i) * np.sin(O), np.cos(i) * np.cos(O), np.sin(i)], axis=-1)
    return np.arctan2(np.einsum("ij,ij->i", points, e), np.einsum("ij,ij->i", points, N))


def _chord_integral(x, sx, H, n=256):
    """``∫ Pc(x, y) dy`` over all y: ``E[2 sqrt(H² − X²)]``, X ~ N(x, sx²) (metres)."""
    x = np.asarray(x, float)
    sx = np.broadcast_to(np.asarray(sx, float), x.shape)
    th = (np.arange(n) + 0.5) / n * np.pi - np.pi / 2
    X = H * np.sin(th)                                          # (n,)
    w = 2.0 * H * np.cos(th) * H * np.cos(th) * (np.pi / n)     # 2 sqrt(H²-X²) dX
    z = (X[None, :] - x[..., None]) / sx[..., None]
    g = np.exp(-0.5 * z * z) / (np.sqrt(2 * np.pi) * sx[..., None])
    wide = (g * w).sum(-1)
    narrow = 2.0 * np.sqrt(np.clip(H * H - x * x, 0.0, None))   # sx << H: no smearing
    return np.where(sx < H / 50.0, narrow, wide)


def shell_close_approaches(raan_deg, arglat_deg, inc_deg, alt_km, *, sigma_rtn_m=(10.0, 50.0, 10.0),
                           hbr_m: float = 10.0, phasing: str = "auto",
                           plane: np.ndarray | None = None, plane_tol_deg: float = 1.0,
                           horizon_years: float = 1.0, max_pairs: int = 2_000_000) -> dict:
    """Expected close approaches within ``hbr_m`` among a shell's own satellites, per year.

    Parameters
    ----------
    raan_deg, arglat_deg, inc_deg, alt_km : array_like (n,)
        Circular-orbit elements of every satellite of the shell at one epoch.
    sigma_rtn_m : (3,) or (n, 3)
        One-sigma radial / along-track / cross-track position error of each satellite
        (station-keeping box and navigation knowledge), m.
    hbr_m : float
        Combined hard-body radius, m.
    phasing : {"auto", "as_given", "random"}
        Hold the phases (controlled shell), average over uniform phases, or ``auto``
        (default): hold them between planes at the same altitude, average them between
        planes whose altitude difference makes their relative phase drift by more than one
        in-plane spacing (``2π/S``) over ``horizon_years`` (drift ``1.5 Δa/a`` per orbit).
    plane : array_like (n,), optional
        Plane index of each satellite (default: :func:`group_planes`).

    Returns
    -------
    dict
        ``per_satellite_year`` (n,) expected close approaches of each satellite per year;
        ``mean_per_satellite_year``; ``crossings_per_satellite_year`` (n,) node passages
        of a satellite paired with each satellite of every other plane, per year;
        ``min_separation_m`` (n,) smallest nominal miss at any node among phase-held pairs
        (``inf`` when none is held); ``plane`` (n,).

    Examples
    --------
    A 10-plane Walker shell at one altitude, phased (F = 1) vs random phases:

    >>> w = walker_elements(200, 10, 1, 53.0, 550.0)
    >>> a = shell_close_approaches(w["raan_deg"], w["arglat_deg"], w["inc_deg"], w["alt_km"])
    >>> b = shell_close_approaches(w["raan_deg"], w["arglat_deg"], w["inc_deg"], w["alt_km"],
    ...                            phasing="random")   # an uncoordinated shell
    >>> bool(a["mean_per_satellite_year"] < 1e-6 < b["mean_per_satellite_year"])
    True
    """
    raan = np.mod(np.asarray(raan_deg, float), 360.0)
    u = np.radians(np.asarray(arglat_deg, float))
    inc = np.asarray(inc_deg, float)
    alt = np.asarray(alt_km, float)
    n = raan.size
    if phasing not in ("auto", "as_given", "random"):
        raise ValueError(f"phasing must be 'auto', 'as_given' or 'random', got {phasing!r}")
    sig = np.broadcast_to(np.asarray(sigma_rtn_m, float), (n, 3))
    lab = group_planes(raan, inc, plane_tol_deg) if plane is None else np.asarray(plane, np.int64)
    planes = np.unique(lab)
    members = [np.flatnonzero(lab == p) for p in planes]
    # plane orientation: the mean over its members (RAAN averaged on the circle)
    pr = np.array([np.degrees(np.angle(np.exp(1j * np.radians(raan[m])).mean())) % 360.0
                   for m in members])
    pi_ = np.array([inc[m].mean() for m in members])
    palt = np.array([alt[m].mean() for m in members])
    normals = _normals(pr, pi_)
    r_m = (WGS84_RE_KM + alt) * 1e3
    period = 2 * np.pi * np.sqrt(((WGS84_RE_KM + alt.mean()) ** 3) / WGS84_MU_KM3_S2)
    orbits_per_year = SECONDS_PER_YEAR / period
    H = float(hbr_m)
    per = np.zeros(n)
    crossings = np.zeros(n)
    min_sep = np.full(n, np.inf)
    cut = 12.0                       # beyond H + 12 sigma a node pass contributes < e^-72
    cand = {k: [] for k in ("a", "b", "x", "y", "sx", "sy", "norm", "held")}
    # node geometry of every pair of planes at once: nodes +-d, crossing angle, node arglats
    npl = len(planes)
    pa_, pb_ = np.triu_indices(npl, 1)
    D = np.cross(normals[pa_], normals[pb_])
    nD = np.linalg.norm(D, axis=1)
    ok = nD > 1e-9                                            # co-planar pairs never cross
    pa_, pb_, D = pa_[ok], pb_[ok], D[ok] / nD[ok, None]
    geo = {}
    for sign in (1.0, -1.0):
        node = sign * D
        va = np.cross(normals[pa_], node)
        vb = np.cross(normals[pb_], node)
        alpha = np.arccos(np.clip(np.einsum("ij,ij->i", va, vb), -1.0, 1.0))
        geo[sign] = (_arglat_many(node, pr[pa_], pi_[pa_]), _arglat_many(node, pr[pb_], pi_[pb_]),
                     np.cos(alpha / 2), np.sin(alpha / 2))
    for q in range(pa_.size):
        a, b = int(pa_[q]), int(pb_[q])
        ia, ib = members[a], members[b]
        if ia.size * ib.size * 2 > max_pairs:
            raise ValueError(f"planes {a} and {b} have {ia.size} x {ib.size} satellites; "
                             f"raise max_pairs ({max_pairs}) to evaluate them")
        crossings[ia] += 2 * ib.size
        crossings[ib] += 2 * ia.size
        x = np.abs(alt[ib][None, :] - alt[ia][:, None]) * 1e3           # (A, B)
        sa, sb = sig[ia][:, None, :], sig[ib][None, :, :]
        sx = np.sqrt(sa[..., 0] ** 2 + sb[..., 0] ** 2)
        rmid = 0.5 * (r_m[ia][:, None] + r_m[ib][None, :])
        mode = phasing
        if phasing == "auto":
            spacing = 2 * np.pi / max(ia.size, ib.size)
            drift = (1.5 * abs(palt[a] - palt[b]) / (WGS84_RE_KM + 0.5 * (palt[a] + palt[b]))
                     * 2 * np.pi * orbits_per_year * horizon_years)
            mode = "random" if drift > spacing else "as_given"
        for sign in (1.0, -1.0):
            uas, ubs, cs, ss = geo[sign]
            ua, ub, c, s = uas[q], ubs[q], cs[q], ss[q]
            sy = np.sqrt((sa[..., 1] ** 2 + sb[..., 1] ** 2) * c * c
                         + (sa[..., 2] ** 2 + sb[..., 2] ** 2) * s * s)
            near_x = x < H + cut * sx
            if mode == "as_given":
                # arrival phase at the node: how far behind the node each satellite is
                lag_a = np.mod(ua - u[ia], 2 * np.pi)
                lag_b = np.mod(ub - u[ib], 2 * np.pi)
                du = np.mod(lag_b[None, :] - lag_a[:, None] + np.pi, 2 * np.pi) - np.pi
                y = np.abs(rmid * du * c)
                sep = np.hypot(x, y)
                min_sep[ia] = np.minimum(min_sep[ia], sep.min(axis=1))
                min_sep[ib] = np.minimum(min_sep[ib], sep.min(axis=0))
                keep = near_x & (y < H + cut * sy)
                yk = y[keep]
                norm = np.ones(yk.size)
            else:
                keep = near_x
                yk = np.zeros(int(keep.sum()))
                norm = 1.0 / (2 * np.pi * rmid[keep] * max(c, 1e-9))
            if not keep.any():
                continue
            ka, kb = np.nonzero(keep)
            cand["a"].append(ia[ka])
            cand["b"].append(ib[kb])
            cand["x"].append(x[keep])
            cand["y"].append(yk)
            cand["sx"].append(sx[keep])
            cand["sy"].append(sy[keep])
            cand["norm"].append(norm)
            cand["held"].append(np.full(norm.size, mode == "as_given"))
    if cand["a"]:
        A, B, X, Y, SX, SY, NORM, HELD = (np.concatenate(cand[k]) for k in
                                          ("a", "b", "x", "y", "sx", "sy", "norm", "held"))
        p = np.zeros(A.size)
        if HELD.any():
            p[HELD] = pc_circle(X[HELD], Y[HELD], SX[HELD], SY[HELD], H)
        rnd = np.flatnonzero(~HELD)
        if rnd.size:
            # the chord integral depends on (x, sx) only: a shell has few distinct values
            keys, inv = np.unique(np.stack([np.round(X[rnd], 6), np.round(SX[rnd], 9)]),
                                  axis=1, return_inverse=True)
            ch = np.concatenate([_chord_integral(keys[0, i:i + 4096], keys[1, i:i + 4096], H)
                                 for i in range(0, keys.shape[1], 4096)])
            p[rnd] = ch[inv.ravel()] * NORM[rnd]
        np.add.at(per, A, p)
        np.add.at(per, B, p)
    per *= orbits_per_year
    crossings *= orbits_per_year
    return {"per_satellite_year": per, "mean_per_satellite_year": float(per.mean()),
            "crossings_per_satellite_year": crossings, "min_separation_m": min_sep,
            "plane": lab}


def kinetic_gas_equivalent(total: int, planes: int, inc_deg: float, alt_km: float,
                           thickness_km: float, hbr_m: float, *, rng: np.random.Generator,
                           sigma_rtn_m=(1.0, 1.0, 1.0)) -> dict:
    """The same shell two ways when nothing is coordinated: geometry with random phases and
    random altitudes (uniform over ``thickness_km``) vs the Kessler kinetic-gas rate.

    Returns
    -------
    dict with ``geometry`` and ``kinetic_gas`` (close approaches per satellite-year).

    Examples
    --------
    >>> r = kinetic_gas_equivalent(600, 30, 53.0, 550.0, 2.0, 10.0, rng=np.random.default_rng(0))
    >>> 0.7 < r["geometry"] / r["kinetic_gas"] < 1.3
    True
    """
    from riskengine.core.flux import Grid, Population, collision_rates

    w = walker_elements(total, planes, 0, inc_deg, alt_km)
    alt = alt_km + thickness_km * (rng.random(total) - 0.5)
    g = shell_close_approaches(w["raan_deg"], w["arglat_deg"], w["inc_deg"], alt,
                               sigma_rtn_m=sigma_rtn_m, hbr_m=hbr_m, phasing="random",
                               plane=w["plane"])
    a = WGS84_RE_KM + alt_km
    pop = Population([a], [0.0], [inc_deg], [0.0], [4], [float(total)], [thickness_km])
    tgt = Population([a], [0.0], [inc_deg], [0.0], [4], [1.0], [thickness_km])
    grid = Grid.regular(alt_km - thickness_km - 2, alt_km + thickness_km + 2, 0.25, 0.25)
    kg = collision_rates(tgt, pop, grid, combined_radius_m=hbr_m,
                         exclude_self=np.array([0])).total[0]
    return {"geometry": g["mean_per_satellite_year"], "kinetic_gas": float(kg)}
