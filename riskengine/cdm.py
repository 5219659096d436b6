"""CCSDS Conjunction Data Messages (CCSDS 508.0-B-1), KVN reader and writer.

A :class:`CDM` keeps every line of the message in order, as ``(keyword, value, unit)``
triples per section (header, relative metadata, object 1, object 2), values as the
exact text after ``=`` (stripped), so a message written by :func:`write_cdm` reads
back identically.  Typed accessors give what the Pc kernels need, always in the units of
CCSDS 508.0-B-1 whatever units the file used: states [km, km/s], 6×6 RTN covariances
[m², m²/s, m²/s²], the TCA, the miss distance and the hard-body radius [m].

Units (issue #17).  Every unit in brackets on a keyword the engine uses (states,
covariance, HBR, miss distance, relative speed, relative position and velocity) is
checked against CCSDS 508.0-B-1 (:data:`STANDARD_UNITS`): the standard unit, or a known
alternative of the same dimension (m ↔ km, m/s ↔ km/s, m² ↔ km², ...) converted on
access; anything else is refused with ``file:line``, the keyword, the value, the unit
and the fix.  A value without brackets is in the standard unit.  One operator quirk is
accepted: CARA's Omitron sample CDMs label ``RELATIVE_VELOCITY_*`` ``[m]`` (read as m/s).

Consistency (a unit error the labels do not show).  Each state must be an Earth orbit
(6,000 km ≤ |r| ≤ 2,000,000 km, bound or at most mildly hyperbolic, perigee above
6,000 km) and the states must reproduce ``MISS_DISTANCE`` (within 10 % + 10 m) and
``RELATIVE_SPEED`` (10 % + 1 m/s): a position in metres labelled km, or a velocity in
km/s labelled m/s, is refused instead of giving a Pc of 0.

Frames.  Both objects in one frame: used as they are (Earth-fixed ``ITRF*`` states get
inertial velocities ``v + ω×r``, which makes the pair consistent in the inertial frame
momentarily aligned with ITRF at TCA, see :meth:`CDM.encounter_states`).  EME2000 with
GCRF/ICRF: converted with the constant IERS frame-bias rotation.  An Earth-fixed object
with an inertial one, or TEME with another frame, is refused: converting them to the
metre needs Earth-orientation data (UT1−UTC, polar motion, precession–nutation) at TCA
that a CDM does not carry.

Covariances.  Variances (diagonal terms) must not be negative: a strict read refuses
them with the line; ``strict=False`` keeps them and the Pc path remediates and flags
them (see :func:`riskengine.core.pc.covariance.covariance_health`).

Operator quirks accepted: unit brackets after values (``[m**2]``, also ``m^2``, ``m2``),
``COMMENT`` lines anywhere (CARA writes ``COMMENT HBR = 20.0``; CSpOC writes
``COMMENT =CDM_ID:...`` and ``COMMENT Exclusion Volume Radius = 5.000000 [m]``),
``NaN`` in optional numeric fields the engine does not use.

A message missing a required keyword is refused with a :class:`CDMError` naming the
file and the keyword; a malformed line names the file, the 1-based line number and the
text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from riskengine.errors import RiskEngineError

__all__ = ["CDM", "CDMError", "read_cdm", "parse_cdm", "write_cdm", "conjunction_to_cdm",
           "COV_KEYS", "STATE_KEYS", "STANDARD_UNITS", "unit_factor"]


class CDMError(RiskEngineError, ValueError):
    """A CDM cannot be read: names the file, the line and the keyword."""


HEADER_KEYS = ("CCSDS_CDM_VERS", "CREATION_DATE", "ORIGINATOR", "MESSAGE_FOR", "MESSAGE_ID")
REQUIRED_HEADER = ("CCSDS_CDM_VERS", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID")
REQUIRED_RELATIVE = ("TCA", "MISS_DISTANCE")
STATE_KEYS = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
_COV_ROWS = ("R", "T", "N", "RDOT", "TDOT", "NDOT")
COV_KEYS = tuple(f"C{_COV_ROWS[i]}_{_COV_ROWS[j]}" for i in range(6) for j in range(i + 1))
"""The 21 lower-triangle RTN covariance keywords, row by row (CR_R, CT_R, CT_T, ...)."""
_DIAG_KEYS = tuple(f"C{r}_{r}" for r in _COV_ROWS)
REQUIRED_OBJECT = ("OBJECT", "OBJECT_DESIGNATOR", "CATALOG_NAME", "OBJECT_NAME",
                   "INTERNATIONAL_DESIGNATOR", "EPHEMERIS_NAME", "COVARIANCE_METHOD",
                   "MANEUVERABLE", "REF_FRAME") + STATE_KEYS + COV_KEYS
INERTIAL_FRAMES = ("EME2000", "GCRF", "ICRF", "TEME")
EARTH_FIXED_FRAMES = ("ITRF", "ITRF-93", "ITRF-97", "ITRF2000", "ITRF1993", "ITRF1997")

# -- units -------------------------------------------------------------------------------
#: Units of each dimension: unit text (normalised) -> factor to the CCSDS 508.0-B-1 unit.
_DIMENSIONS = {
    "km": {"km": 1.0, "m": 1e-3},
    "km/s": {"km/s": 1.0, "m/s": 1e-3},
    "m": {"m": 1.0, "km": 1e3},
    "m/s": {"m/s": 1.0, "km/s": 1e3},
    "m**2": {"m**2": 1.0, "km**2": 1e6},
    "m**2/s": {"m**2/s": 1.0, "km**2/s": 1e6},
    "m**2/s**2": {"m**2/s**2": 1.0, "km**2/s**2": 1e6},
}
STANDARD_UNITS = {"MISS_DISTANCE": "m", "RELATIVE_SPEED": "m/s",
                  "RELATIVE_POSITION_R": "m", "RELATIVE_POSITION_T": "m", "RELATIVE_POSITION_N": "m",
                  "RELATIVE_VELOCITY_R": "m/s", "RELATIVE_VELOCITY_T": "m/s", "RELATIVE_VELOCITY_N": "m/s",
                  "X": "km", "Y": "km", "Z": "km", "X_DOT": "km/s", "Y_DOT": "km/s", "Z_DOT": "km/s",
                  "HBR": "m"}
for _k in COV_KEYS:
    _n = sum(p.endswith("DOT") for p in _k[1:].split("_"))
    STANDARD_UNITS[_k] = ("m**2", "m**2/s", "m**2/s**2")[_n]
"""CCSDS 508.0-B-1 units of the keywords the engine uses (Tables 3-2 to 3-4)."""
_UNITS = STANDARD_UNITS          # old name, kept for conjunction_to_cdm
_QUIRKS = {("RELATIVE_VELOCITY_R", "m"): 1.0, ("RELATIVE_VELOCITY_T", "m"): 1.0,
           ("RELATIVE_VELOCITY_N", "m"): 1.0}
"""Mislabelled units known from real messages, with their factor (CARA's Omitron CDMs)."""
_NUMERIC = set(STANDARD_UNITS) | {"COLLISION_PROBABILITY"}
_USED_FINITE = set(STATE_KEYS) | set(COV_KEYS) | {"MISS_DISTANCE", "HBR"}


def _norm_unit(u: str) -> str:
    u = u.strip().lower().replace(" ", "").replace("^", "**")
    return re.sub(r"(?<=[a-z])(\d)", r"**\1", u).replace("****", "**")


def unit_factor(key: str, unit: str | None) -> float:
    """Factor from ``unit`` to the CCSDS 508.0-B-1 unit of ``key`` (1 for no unit).

    Raises ``ValueError`` with the accepted units when ``unit`` is not one of them.

    Examples
    --------
    >>> unit_factor("X", "m"), unit_factor("CR_R", "km**2"), unit_factor("X_DOT", None)
    (0.001, 1000000.0, 1.0)
    >>> unit_factor("CR_R", "m**2/s")
    Traceback (most recent call last):
    ...
    ValueError: unit 'm**2/s' is not a unit of CR_R: CCSDS 508.0-B-1 gives CR_R in [m**2] (also accepted: [km**2])
    """
    std = STANDARD_UNITS.get(key)
    if unit is None or std is None:
        return 1.0
    nu = _norm_unit(unit)
    f = _DIMENSIONS[std].get(nu)
    if f is None:
        f = _QUIRKS.get((key, nu))
    if f is None:
        alts = ", ".join(f"[{a}]" for a in _DIMENSIONS[std] if a != std)
        raise ValueError(f"unit {unit!r} is not a unit of {key}: CCSDS 508.0-B-1 gives {key} in [{std}] "
                         f"(also accepted: {alts})")
    return f


_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*(?:\[([^\]]*)\])?\s*$")
_HBR_COMMENT = re.compile(r"^HBR\s*=?\s*([-+0-9.eE]+|nan|inf)\s*(?:\[\s*([^\]]*?)\s*\])?\s*$", re.I)
_EXCL_COMMENT = re.compile(r"Exclusion Volume Radius\s*=\s*([-+0-9.eE]+)\s*(?:\[\s*([^\]]*?)\s*\])?", re.I)

SECTIONS = ("header", "relative", "object1", "object2")

HBR_MAX_M = 1.0e5
"""Largest hard-body radius accepted [m] (100 km: anything larger is a unit error)."""
COV_MAX = 1.0e24
"""Largest |covariance term| accepted, in m², m²/s, m²/s² (sigmas of 10^12 m or m/s)."""

R_MIN_KM = 6000.0
"""Smallest geocentric distance (and perigee radius) of a state a CDM can describe [km]."""
R_MAX_KM = 2.0e6
"""Largest geocentric distance of an Earth-orbiting object [km] (beyond the Hill sphere)."""
MU_EARTH_KM3_S2 = 398600.4418
"""Earth's gravitational parameter [km³/s²] (EGM-96 / WGS-84)."""

# IERS Conventions (2010) §5.4.4, eq. (5.21): frame bias GCRS -> mean J2000 (EME2000)
_MAS = np.pi / (180 * 3600 * 1000)
_DA0, _XI0, _ETA0 = -14.6 * _MAS, -16.6170 * _MAS, -6.8192 * _MAS


def _rot(axis, a):
    c, s = np.cos(a), np.sin(a)
    m = np.eye(3)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m[i, i] = m[j, j] = c
    m[i, j], m[j, i] = s, -s
    return m


FRAME_BIAS = _rot(0, -_ETA0) @ _rot(1, _XI0) @ _rot(2, _DA0)
"""Frame-bias rotation B, ``r_EME2000 = B @ r_GCRF`` (IERS 2010 eq. 5.21; ~23 mas, 0.8 m at LEO)."""


def _unit_msg(loc, key, val, unit, why):
    return f"{loc}: {key} = {val} [{unit}]: {why}; fix the unit (or convert the value)"


@dataclass
class CDM:
    """One conjunction data message.

    Attributes
    ----------
    sections : dict
        ``header``, ``relative``, ``object1``, ``object2``: lists of
        ``(keyword, value, unit)``; ``keyword == "COMMENT"`` for comment lines (value = the
        text after ``COMMENT``, unit None).
    source : str or None
        Where it was read from (not part of equality).
    lines : dict
        ``(section, keyword) -> 1-based line number`` for messages read from text (not
        part of equality); empty for messages built in code.

    Examples
    --------
    >>> from riskengine.cdm import conjunction_to_cdm, parse_cdm, write_cdm
    >>> import numpy as np
    >>> c = conjunction_to_cdm("2026-01-01T00:00:00", [7000.0, 0, 0], [0, 7.5, 0],
    ...                        [7000.0, 0, 0.01], [0, 0, 7.5], np.eye(3) * 1e4, np.eye(3) * 1e4,
    ...                        hbr_m=10.0, object1_id=1, object2_id=2)
    >>> parse_cdm(write_cdm(c)) == c
    True
    """

    sections: dict[str, list[tuple[str, str, str | None]]]
    source: str | None = field(default=None, compare=False)
    lines: dict = field(default_factory=dict, compare=False, repr=False)

    # -- lookups -----------------------------------------------------------------------
    def get(self, section: str, key: str, default=None):
        for k, v, _ in self.sections[section]:
            if k == key:
                return v
        return default

    def _entry(self, section: str, key: str):
        for k, v, u in self.sections[section]:
            if k == key:
                return v, u
        return None, None

    def where(self, section: str, key: str | None = None) -> str:
        """``file:line`` of a keyword (or just the file), for messages."""
        src = self.source or "<cdm>"
        ln = self.lines.get((section, key)) if key else None
        return f"{src}:{ln}" if ln else src

    def comments(self, section: str | None = None) -> list[str]:
        secs = SECTIONS if section is None else (section,)
        return [v for s in secs for k, v, _ in self.sections[s] if k == "COMMENT"]

    def number(self, section: str, key: str) -> float:
        """Value of ``key`` converted to its CCSDS 508.0-B-1 unit (:data:`STANDARD_UNITS`)."""
        v, u = self._entry(section, key)
        if v is None:
            raise CDMError(f"{self.where(section)}: keyword {key} missing in {section}")
        try:
            x = float(v)
        except ValueError:
            raise CDMError(f"{self.where(section, key)}: keyword {key} = {v!r} is not a number") from None
        try:
            return x * unit_factor(key, u)
        except ValueError as e:
            raise CDMError(_unit_msg(self.where(section, key), key, v, u, e)) from None

    @property
    def tca(self) -> str:
        return self.get("relative", "TCA")

    def frame(self, i: int) -> str:
        return self.get(f"object{i}", "REF_FRAME").upper()

    def state(self, i: int):
        """(r [km], v [km/s]) of object ``i`` (1 or 2) in its ``REF_FRAME``."""
        s = f"object{i}"
        x = np.array([self.number(s, k) for k in STATE_KEYS])
        return x[:3], x[3:]

    def inertial_state(self, i: int):
        """State with Earth-fixed velocities inertialised (v + ω×r); see
        :func:`riskengine.core.pc.encounter.inertialize_velocity` and :meth:`encounter_states`."""
        from riskengine.core.pc.encounter import inertialize_velocity

        r, v = self.state(i)
        if self.frame(i).startswith("ITRF"):
            v = inertialize_velocity(r, v)[0]
        return r, v

    def encounter_states(self):
        """Both TCA states in one inertial frame, checked for unit errors.

        Returns
        -------
        r1, v1, r2, v2 : ndarray (3,)
            [km, km/s].  Both ``ITRF*``: positions as given, velocities ``v + ω×r`` — the
            states in the inertial frame that coincides with ITRF at TCA (the Earth
            rotation angle at TCA would rotate both alike and leaves the Pc unchanged;
            polar motion, a ~0.3" tilt of the rotation axis, changes ω×r by < 1 mm/s).
            EME2000 with GCRF/ICRF: the GCRF/ICRF state is rotated into EME2000 with
            :data:`FRAME_BIAS`.
        notes : list of str
            What was done (``itrf_velocity_inertialised``, ``frame_bias_applied``).

        Raises
        ------
        CDMError
            Mixed frames that cannot be converted without Earth-orientation data; a state
            that is no Earth orbit (a unit error); states that contradict ``MISS_DISTANCE``
            or ``RELATIVE_SPEED``.
        """
        f1, f2 = self.frame(1), self.frame(2)
        fixed1, fixed2 = f1.startswith("ITRF"), f2.startswith("ITRF")
        notes = []
        (r1, v1), (r2, v2) = self.state(1), self.state(2)
        for i, (r, v) in ((1, (r1, v1)), (2, (r2, v2))):
            self._check_orbit(i, r, v, fixed=(fixed1, fixed2)[i - 1])
        if fixed1 != fixed2:
            e, i = (1, 2) if fixed1 else (2, 1)
            raise CDMError(
                f"{self.where(f'object{e}', 'REF_FRAME')}: OBJECT{e} is in the Earth-fixed frame "
                f"{(f1, f2)[e - 1]} and OBJECT{i} in the inertial frame {(f1, f2)[i - 1]} "
                f"({self.where(f'object{i}', 'REF_FRAME')}): converting between them to the metre "
                f"needs Earth-orientation data at TCA (UT1-UTC, polar motion, precession-nutation) "
                f"that the CDM does not carry; ask the originator for both objects in one frame, or "
                f"convert one state with an astrodynamics library and EOP data (Orekit, Astropy)")
        if fixed1:
            v1 = self.inertial_state(1)[1]
            v2 = self.inertial_state(2)[1]
            notes.append("itrf_velocity_inertialised")
        elif f1 != f2:
            pair = {f1, f2}
            if "TEME" in pair:
                t, o = (1, 2) if f1 == "TEME" else (2, 1)
                raise CDMError(
                    f"{self.where(f'object{t}', 'REF_FRAME')}: OBJECT{t} is in TEME and OBJECT{o} in "
                    f"{(f1, f2)[o - 1]}: TEME differs from it by precession and nutation of date "
                    f"(~0.3 deg, tens of km at LEO), which riskengine does not model; give both "
                    f"objects in one frame")
            # EME2000 with GCRF or ICRF (same orientation): constant frame bias
            if f1 != "EME2000":
                r1, v1 = FRAME_BIAS @ r1, FRAME_BIAS @ v1
            if f2 != "EME2000":
                r2, v2 = FRAME_BIAS @ r2, FRAME_BIAS @ v2
            notes.append("frame_bias_applied")
        self._check_relative(r1, v1, r2, v2)
        return r1, v1, r2, v2, notes

    def _check_orbit(self, i, r, v, fixed=False):
        s = f"object{i}"
        rn = float(np.linalg.norm(r))
        hint_r = "positions look like metres labelled km (or km labelled m)"
        if not (R_MIN_KM <= rn <= R_MAX_KM):
            raise CDMError(
                f"{self.where(s, 'X')}: OBJECT{i} position X, Y, Z has |r| = {rn:.6g} km, not an "
                f"Earth orbit ({R_MIN_KM:g}..{R_MAX_KM:g} km): {hint_r}; CCSDS 508.0-B-1 gives X, Y, Z "
                f"in [km]: fix the unit in brackets or the values")
        if fixed:
            from riskengine.core.pc.encounter import inertialize_velocity
            v = inertialize_velocity(r, v)[0]
        vn = float(np.linalg.norm(v))
        energy = 0.5 * vn * vn - MU_EARTH_KM3_S2 / rn
        h = float(np.linalg.norm(np.cross(r, v)))
        ecc = math.sqrt(max(0.0, 1.0 + 2.0 * energy * h * h / MU_EARTH_KM3_S2 ** 2))
        rp = h * h / MU_EARTH_KM3_S2 / (1.0 + ecc)
        v_esc = math.sqrt(2 * MU_EARTH_KM3_S2 / rn)
        if vn > 1.5 * v_esc or rp < R_MIN_KM:
            why = (f"|v| = {vn:.6g} km/s, {vn / v_esc:.3g} times the escape speed" if vn > 1.5 * v_esc else
                   f"perigee radius {rp:.6g} km: the orbit goes through the Earth")
            raise CDMError(
                f"{self.where(s, 'X_DOT')}: OBJECT{i} velocity X_DOT, Y_DOT, Z_DOT is not an Earth "
                f"orbit ({why}): velocities look like m/s labelled km/s (or km/s labelled m/s); "
                f"CCSDS 508.0-B-1 gives them in [km/s]: fix the unit in brackets or the values")

    def _check_relative(self, r1, v1, r2, v2):
        miss = float(np.linalg.norm(r1 - r2)) * 1e3
        kw = self.number("relative", "MISS_DISTANCE")
        if not (abs(miss - kw) <= 0.1 * abs(kw) + 10.0):
            v, u = self._entry("relative", "MISS_DISTANCE")
            raise CDMError(
                f"{self.where('relative', 'MISS_DISTANCE')}: MISS_DISTANCE = {v} [{u or 'm'}] = {kw:.6g} m "
                f"but the two states are {miss:.6g} m apart: the message contradicts itself (a unit "
                f"error in the states, the covariance frame or MISS_DISTANCE?); fix the units or values")
        if self.get("relative", "RELATIVE_SPEED") is not None:
            speed = float(np.linalg.norm(v1 - v2)) * 1e3
            kv = self.number("relative", "RELATIVE_SPEED")
            if math.isfinite(kv) and not (abs(speed - kv) <= 0.1 * abs(kv) + 1.0):
                v, u = self._entry("relative", "RELATIVE_SPEED")
                raise CDMError(
                    f"{self.where('relative', 'RELATIVE_SPEED')}: RELATIVE_SPEED = {v} [{u or 'm/s'}] = "
                    f"{kv:.6g} m/s but the two states move at {speed:.6g} m/s relative to each other: "
                    f"the message contradicts itself; fix the units or values")

    def covariance(self, i: int) -> np.ndarray:
        """6×6 RTN covariance of object ``i`` [m², m²/s, m²/s²] (converted from the file's units)."""
        s = f"object{i}"
        C = np.zeros((6, 6))
        n = 0
        for a in range(6):
            for b in range(a + 1):
                C[a, b] = C[b, a] = self.number(s, COV_KEYS[n])
                n += 1
        return C

    def negative_variances(self) -> list[str]:
        """``file:line: KEY = value`` of every negative diagonal covariance term."""
        out = []
        for i in (1, 2):
            for k in _DIAG_KEYS:
                v = self.get(f"object{i}", k)
                if v is not None and float(v) < 0:
                    out.append(f"{self.where(f'object{i}', k)}: OBJECT{i} {k} = {v}")
        return out

    def hbr(self) -> tuple[float | None, str | None]:
        """Hard-body radius [m] and where it came from, or ``(None, None)``.

        Order: an ``HBR`` keyword; a CARA ``COMMENT HBR = 20.0`` line; the sum of the two
        objects' CSpOC ``COMMENT Exclusion Volume Radius = 5.0 [m]``.  Units m or km;
        any other unit is refused.
        """
        for s in SECTIONS:
            if self.get(s, "HBR") is not None:
                return self.number(s, "HBR"), "HBR keyword"
        for c in self.comments():
            m = _HBR_COMMENT.match(c.strip())
            if m:
                return self._comment_length(m, c, "COMMENT HBR"), "COMMENT HBR"
        radii = []
        for s in ("object1", "object2"):
            for c in self.comments(s):
                m = _EXCL_COMMENT.search(c)
                if m:
                    radii.append(self._comment_length(m, c, "COMMENT Exclusion Volume Radius"))
                    break
        if len(radii) == 2:
            return radii[0] + radii[1], "exclusion volume radii (object1 + object2)"
        return None, None

    def _comment_length(self, m, text, what):
        unit = m.group(2)
        try:
            return float(m.group(1)) * unit_factor("HBR", unit)
        except ValueError as e:
            raise CDMError(f"{self.source or '<cdm>'}: {what}: 'COMMENT {text.strip()}': {e}; fix the unit") from None


def parse_cdm(text: str, source: str | None = None, *, strict: bool = True) -> CDM:
    """Parse KVN text into a :class:`CDM` (refuses messages missing required keywords).

    Checks every line: ``KEYWORD = value [unit]`` syntax, numbers where numbers belong,
    units (:func:`unit_factor`), finite states and covariances, known frames, no repeated
    keyword in a section.  ``strict`` (default) also refuses negative variances;
    ``strict=False`` keeps them for the Pc path to remediate and flag.  Orbit and
    miss-distance consistency are checked by :meth:`CDM.encounter_states`.

    Examples
    --------
    >>> parse_cdm("CCSDS_CDM_VERS = 1.0")
    Traceback (most recent call last):
    ...
    riskengine.cdm.CDMError: <text>: required keyword CREATION_DATE missing from the header (CCSDS 508.0-B-1 §3.2)
    """
    src = source or "<text>"
    sections: dict[str, list] = {s: [] for s in SECTIONS}
    lines_of: dict[tuple[str, str], int] = {}
    current = "header"
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("COMMENT"):
            sections[current].append(("COMMENT", line[len("COMMENT"):].strip(), None))
            continue
        m = _LINE.match(line)
        if not m:
            raise CDMError(f"{src}:{lineno}: not a 'KEYWORD = value [unit]' line: {raw.rstrip()!r}")
        key, val, unit = m.group(1), m.group(2).strip(), m.group(3)
        unit = unit.strip() if unit is not None else None
        if key == "OBJECT":
            u = val.upper()
            if u not in ("OBJECT1", "OBJECT2"):
                raise CDMError(f"{src}:{lineno}: OBJECT = {val!r}; expected OBJECT1 or OBJECT2")
            current = u.lower()
            if sections[current]:
                raise CDMError(f"{src}:{lineno}: second {u} segment")
        elif current == "header" and key not in HEADER_KEYS:
            current = "relative"
        elif current == "relative" and key in HEADER_KEYS:
            raise CDMError(f"{src}:{lineno}: header keyword {key} after the relative metadata")
        if (current, key) in lines_of:
            raise CDMError(f"{src}:{lineno}: keyword {key} repeated (first on line {lines_of[current, key]})")
        lines_of[current, key] = lineno
        if key in _NUMERIC:
            try:
                x = float(val)
            except ValueError:
                raise CDMError(f"{src}:{lineno}: keyword {key} = {val!r} is not a number") from None
            try:
                unit_factor(key, unit)
            except ValueError as e:
                raise CDMError(_unit_msg(f"{src}:{lineno}", key, val, unit, e)) from None
            if key in _USED_FINITE and current != "header" and not math.isfinite(x):
                what = "state and covariance" if key not in ("MISS_DISTANCE", "HBR") else key
                raise CDMError(f"{src}:{lineno}: {key} = {val}: {what} must be finite; "
                               f"ask the originator for a complete message")
            if key == "HBR" and not 0 < x * unit_factor(key, unit) <= HBR_MAX_M:
                raise CDMError(f"{src}:{lineno}: HBR = {val} [{unit or 'm'}]: the hard-body radius must be "
                               f"> 0 and <= {HBR_MAX_M:g} m; fix the value or its unit")
            if key in COV_KEYS and current != "header" and abs(x * unit_factor(key, unit)) > COV_MAX:
                raise CDMError(f"{src}:{lineno}: {key} = {val} [{unit or STANDARD_UNITS[key]}]: larger than "
                               f"{COV_MAX:g} in {STANDARD_UNITS[key]} (a sigma of 10^12): no real covariance is; "
                               f"a unit error? fix the value or its unit")
        sections[current].append((key, val, unit))
    for key in REQUIRED_HEADER:
        if ("header", key) not in lines_of:
            raise CDMError(f"{src}: required keyword {key} missing from the header (CCSDS 508.0-B-1 §3.2)")
    for key in REQUIRED_RELATIVE:
        if ("relative", key) not in lines_of:
            raise CDMError(f"{src}: required keyword {key} missing from the relative metadata (CCSDS 508.0-B-1 §3.3)")
    for s in ("object1", "object2"):
        if not sections[s]:
            raise CDMError(f"{src}: no {s.upper()} segment (a CDM needs 'OBJECT = OBJECT1' and 'OBJECT = OBJECT2')")
        for key in REQUIRED_OBJECT:
            if (s, key) not in lines_of:
                raise CDMError(f"{src}: required keyword {key} missing from {s.upper()} (CCSDS 508.0-B-1 §3.4/3.5)")
        fr = dict((k, v) for k, v, _ in sections[s])["REF_FRAME"].upper()
        if fr not in INERTIAL_FRAMES + EARTH_FIXED_FRAMES:
            raise CDMError(f"{src}:{lines_of[s, 'REF_FRAME']}: REF_FRAME = {fr!r} in {s.upper()} is not supported; "
                           f"use one of {', '.join(INERTIAL_FRAMES + EARTH_FIXED_FRAMES)}")
    cdm = CDM(sections=sections, source=source, lines=lines_of)
    if strict:
        neg = cdm.negative_variances()
        if neg:
            raise CDMError(f"{neg[0]}: a variance (diagonal covariance term) cannot be negative"
                           + (f" ({len(neg) - 1} more)" if len(neg) > 1 else "")
                           + "; fix the sign, or read leniently (riskengine pc --lenient) to remediate the "
                             "covariance (eigenvalue clipping) and flag the result")
    return cdm


def read_cdm(path, *, strict: bool = True) -> CDM:
    """Read a KVN CDM file; errors name the file (see :func:`parse_cdm`).

    Examples
    --------
    >>> read_cdm("/nonexistent.cdm")
    Traceback (most recent call last):
    ...
    riskengine.cdm.CDMError: /nonexistent.cdm: cannot read: No such file or directory
    """
    p = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise CDMError(f"{p}: cannot read: {e.strerror or e}") from None
    if text.lstrip().startswith("<"):
        raise CDMError(f"{p}: XML CDMs are not supported; convert to KVN (CCSDS 508.0-B-1 §4)")
    return parse_cdm(text, source=p, strict=strict)


def write_cdm(cdm: CDM) -> str:
    """KVN text of a :class:`CDM` (keyword column 34 wide, units in brackets).

    Examples
    --------
    >>> from riskengine.cdm import CDM
    >>> print(write_cdm(CDM({"header": [("CCSDS_CDM_VERS", "1.0", None)], "relative": [],
    ...                      "object1": [], "object2": []})).strip())
    CCSDS_CDM_VERS                     = 1.0
    """
    out = []
    for s in SECTIONS:
        for k, v, u in cdm.sections[s]:
            if k == "COMMENT":
                out.append(f"COMMENT {v}".rstrip())
            else:
                line = f"{k:<34} = {v}"
                if u is not None:
                    line += f" [{u}]"
                out.append(line)
    return "\n".join(out) + "\n"


def _fmt(x: float) -> str:
    return repr(float(x))


def conjunction_to_cdm(tca, r1, v1, r2, v2, cov1_rtn, cov2_rtn, *, hbr_m=None, pc=None,
                       pc_method="FOSTER-1992", object1_id=None, object2_id=None,
                       object1_name=None, object2_name=None, frame="TEME",
                       originator="riskengine", message_id=None, creation_date=None,
                       comments=()) -> CDM:
    """Build a CDM for a screened conjunction (export of screening events).

    Parameters
    ----------
    tca : str or datetime
        Time of closest approach (UTC), ISO 8601.
    r1, v1, r2, v2 : array_like, shape (3,)
        States at TCA [km, km/s] in ``frame`` (SGP4 gives TEME; TEME is written as is and
        read back as an inertial frame, note it is not in the CCSDS 508.0-B-1 list).
    cov1_rtn, cov2_rtn : array_like, shape (3, 3) or (6, 6)
        RTN covariances [m², m²/s, m²/s²]; a 3×3 position covariance is padded with zero
        velocity terms.
    hbr_m : float, optional
        Combined hard-body radius [m], written as an ``HBR`` keyword.
    pc : float, optional
        Collision probability, written as ``COLLISION_PROBABILITY``.

    Returns
    -------
    CDM

    Examples
    --------
    >>> import numpy as np
    >>> c = conjunction_to_cdm("2026-01-01T00:00:00", [7000.0, 0, 0], [0, 7.5, 0],
    ...                        [7000.0, 0, 0.01], [0, 0, 7.5], np.eye(3), np.eye(3), hbr_m=5)
    >>> c.get("relative", "MISS_DISTANCE"), c.hbr()
    ('10.0', (5.0, 'HBR keyword'))
    """
    import datetime as _dt

    from riskengine.core.pc.encounter import rtn_basis

    if isinstance(tca, _dt.datetime):
        tca = tca.strftime("%Y-%m-%dT%H:%M:%S.%f")
    r1, v1, r2, v2 = (np.asarray(a, float).reshape(3) for a in (r1, v1, r2, v2))
    creation = creation_date or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    mid = message_id or f"{object1_id}_conj_{object2_id}_{str(tca).replace('-', '').replace(':', '')}"
    dr = (r1 - r2) * 1e3
    dv = (v1 - v2) * 1e3
    # RELATIVE_POSITION/VELOCITY_R/T/N in OBJECT1's RTN frame, sign as operators write it
    # (r1 - r2: reproduces JSpOC's values in CARA's OmitronTestCase_Test01 CDM; tested)
    M = rtn_basis(r1, v1)[0]
    rel_r = M @ dr
    rel_v = M @ dv
    header = [("CCSDS_CDM_VERS", "1.0", None), ("CREATION_DATE", creation, None),
              ("ORIGINATOR", originator, None), ("MESSAGE_ID", mid, None)]
    rel = [("COMMENT", c, None) for c in comments]
    rel += [("TCA", str(tca), None),
            ("MISS_DISTANCE", _fmt(np.linalg.norm(dr)), "m"),
            ("RELATIVE_SPEED", _fmt(np.linalg.norm(dv)), "m/s")]
    for ax, val in zip("RTN", rel_r):
        rel.append((f"RELATIVE_POSITION_{ax}", _fmt(val), "m"))
    for ax, val in zip("RTN", rel_v):
        rel.append((f"RELATIVE_VELOCITY_{ax}", _fmt(val), "m/s"))
    if pc is not None:
        rel += [("COLLISION_PROBABILITY", _fmt(pc), None),
                ("COLLISION_PROBABILITY_METHOD", pc_method, None)]
    if hbr_m is not None:
        rel.append(("HBR", _fmt(hbr_m), "m"))
    objs = []
    for i, (r, v, C, oid, name) in enumerate(((r1, v1, cov1_rtn, object1_id, object1_name),
                                              (r2, v2, cov2_rtn, object2_id, object2_name)), 1):
        C = np.asarray(C, float)
        if C.shape == (3, 3):
            C6 = np.zeros((6, 6))
            C6[:3, :3] = C
            C = C6
        if C.shape != (6, 6):
            raise CDMError(f"covariance of object {i} has shape {C.shape}; expected (3, 3) or (6, 6) in m², m²/s, m²/s²")
        sec = [("OBJECT", f"OBJECT{i}", None),
               ("OBJECT_DESIGNATOR", str(oid if oid is not None else "UNKNOWN"), None),
               ("CATALOG_NAME", "SATCAT", None),
               ("OBJECT_NAME", str(name if name is not None else oid if oid is not None else "UNKNOWN"), None),
               ("INTERNATIONAL_DESIGNATOR", "UNKNOWN", None),
               ("EPHEMERIS_NAME", "NONE", None),
               ("COVARIANCE_METHOD", "DEFAULT", None),
               ("MANEUVERABLE", "N/A", None),
               ("REF_FRAME", frame, None)]
        for k, val in zip(STATE_KEYS, np.concatenate([r, v])):
            sec.append((k, _fmt(val), _UNITS[k]))
        n = 0
        for a in range(6):
            for b in range(a + 1):
                sec.append((COV_KEYS[n], _fmt(C[a, b]), _UNITS[COV_KEYS[n]]))
                n += 1
        objs.append(sec)
    return CDM({"header": header, "relative": rel, "object1": objs[0], "object2": objs[1]})
