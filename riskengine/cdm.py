"""CCSDS Conjunction Data Messages (CCSDS 508.0-B-1), KVN reader and writer.

A :class:`CDM` keeps every line of the message in order, as ``(keyword, value, unit)``
triples per section (header, relative metadata, object 1, object 2), values as the
exact text after ``=`` (stripped), so a message written by :func:`write_cdm` reads
back identically.  Typed accessors give what the Pc kernels need: states [km, km/s],
6×6 RTN covariances [m², m²/s, m²/s²], the TCA and the hard-body radius [m].

Operator quirks accepted: unit brackets after values (``[m**2]``), ``COMMENT`` lines
anywhere (CARA writes ``COMMENT HBR = 20.0``; CSpOC writes ``COMMENT =CDM_ID:...`` and
``COMMENT Exclusion Volume Radius = 5.000000 [m]``), ``NaN`` in optional numeric
fields, Earth-fixed ``ITRF`` states (see :meth:`CDM.inertial_state`).

A message missing a required keyword is refused with a :class:`CDMError` naming the
file and the keyword; a malformed line names the file, the line number and the text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from riskengine.errors import RiskEngineError

__all__ = ["CDM", "CDMError", "read_cdm", "parse_cdm", "write_cdm", "conjunction_to_cdm",
           "COV_KEYS", "STATE_KEYS"]


class CDMError(RiskEngineError, ValueError):
    """A CDM cannot be read: names the file, the line and the keyword."""


HEADER_KEYS = ("CCSDS_CDM_VERS", "CREATION_DATE", "ORIGINATOR", "MESSAGE_FOR", "MESSAGE_ID")
REQUIRED_HEADER = ("CCSDS_CDM_VERS", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID")
REQUIRED_RELATIVE = ("TCA", "MISS_DISTANCE")
STATE_KEYS = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
_COV_ROWS = ("R", "T", "N", "RDOT", "TDOT", "NDOT")
COV_KEYS = tuple(f"C{_COV_ROWS[i]}_{_COV_ROWS[j]}" for i in range(6) for j in range(i + 1))
"""The 21 lower-triangle RTN covariance keywords, row by row (CR_R, CT_R, CT_T, ...)."""
REQUIRED_OBJECT = ("OBJECT", "OBJECT_DESIGNATOR", "CATALOG_NAME", "OBJECT_NAME",
                   "INTERNATIONAL_DESIGNATOR", "EPHEMERIS_NAME", "COVARIANCE_METHOD",
                   "MANEUVERABLE", "REF_FRAME") + STATE_KEYS + COV_KEYS
INERTIAL_FRAMES = ("EME2000", "GCRF", "ICRF", "TEME")
EARTH_FIXED_FRAMES = ("ITRF", "ITRF-93", "ITRF-97", "ITRF2000", "ITRF1993", "ITRF1997")

_UNITS = {"MISS_DISTANCE": "m", "RELATIVE_SPEED": "m/s",
          "RELATIVE_POSITION_R": "m", "RELATIVE_POSITION_T": "m", "RELATIVE_POSITION_N": "m",
          "RELATIVE_VELOCITY_R": "m/s", "RELATIVE_VELOCITY_T": "m/s", "RELATIVE_VELOCITY_N": "m/s",
          "X": "km", "Y": "km", "Z": "km", "X_DOT": "km/s", "Y_DOT": "km/s", "Z_DOT": "km/s",
          "HBR": "m"}
for _k in COV_KEYS:
    _n = sum(p.endswith("DOT") for p in _k[1:].split("_"))
    _UNITS[_k] = ("m**2", "m**2/s", "m**2/s**2")[_n]
_NUMERIC = set(_UNITS) | {"COLLISION_PROBABILITY"}

_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*(?:\[([^\]]*)\])?\s*$")
_HBR_COMMENT = re.compile(r"^HBR\s*=?\s*([-+0-9.eE]+)\s*(?:\[\s*(m|km)\s*\])?", re.I)
_EXCL_COMMENT = re.compile(r"Exclusion Volume Radius\s*=\s*([-+0-9.eE]+)\s*(?:\[\s*(m|km)\s*\])?", re.I)

SECTIONS = ("header", "relative", "object1", "object2")


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

    # -- lookups -----------------------------------------------------------------------
    def get(self, section: str, key: str, default=None):
        for k, v, _ in self.sections[section]:
            if k == key:
                return v
        return default

    def comments(self, section: str | None = None) -> list[str]:
        secs = SECTIONS if section is None else (section,)
        return [v for s in secs for k, v, _ in self.sections[s] if k == "COMMENT"]

    def number(self, section: str, key: str) -> float:
        v = self.get(section, key)
        if v is None:
            raise CDMError(f"{self.source or '<cdm>'}: keyword {key} missing in {section}")
        return float(v)

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
        :func:`riskengine.pc.encounter.inertialize_velocity`."""
        from riskengine.pc.encounter import inertialize_velocity

        r, v = self.state(i)
        fr = self.frame(i)
        if fr.startswith("ITRF"):
            v = inertialize_velocity(r, v)[0]
        return r, v

    def covariance(self, i: int) -> np.ndarray:
        """6×6 RTN covariance of object ``i`` [m², m²/s, m²/s²]."""
        s = f"object{i}"
        C = np.zeros((6, 6))
        n = 0
        for a in range(6):
            for b in range(a + 1):
                C[a, b] = C[b, a] = self.number(s, COV_KEYS[n])
                n += 1
        return C

    def hbr(self) -> tuple[float | None, str | None]:
        """Hard-body radius [m] and where it came from, or ``(None, None)``.

        Order: an ``HBR`` keyword; a CARA ``COMMENT HBR = 20.0`` line; the sum of the two
        objects' CSpOC ``COMMENT Exclusion Volume Radius = 5.0 [m]``.
        """
        for s in SECTIONS:
            v = self.get(s, "HBR")
            if v is not None:
                return float(v), "HBR keyword"
        for c in self.comments():
            m = _HBR_COMMENT.match(c.strip())
            if m:
                return float(m.group(1)) * (1e3 if (m.group(2) or "m").lower() == "km" else 1.0), "COMMENT HBR"
        radii = []
        for s in ("object1", "object2"):
            for c in self.comments(s):
                m = _EXCL_COMMENT.search(c)
                if m:
                    radii.append(float(m.group(1)) * (1e3 if (m.group(2) or "m").lower() == "km" else 1.0))
                    break
        if len(radii) == 2:
            return radii[0] + radii[1], "exclusion volume radii (object1 + object2)"
        return None, None


def parse_cdm(text: str, source: str | None = None) -> CDM:
    """Parse KVN text into a :class:`CDM` (refuses messages missing required keywords).

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
                float(val)
            except ValueError:
                raise CDMError(f"{src}:{lineno}: keyword {key} = {val!r} is not a number") from None
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
        for key in STATE_KEYS + COV_KEYS:
            v = float(dict((k, v) for k, v, _ in sections[s])[key])
            if not math.isfinite(v):
                raise CDMError(f"{src}:{lines_of[s, key]}: {key} = {v} in {s.upper()}: state and covariance must be finite")
    return CDM(sections=sections, source=source)


def read_cdm(path) -> CDM:
    """Read a KVN CDM file; errors name the file.

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
    return parse_cdm(text, source=p)


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

    from riskengine.pc.encounter import rtn_basis

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
