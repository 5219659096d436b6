"""The columnar :class:`Catalog`: one entry per object, newest element set wins.

Derived quantities use WGS-72 (the SGP4 gravity model of the element sets):
mu = 398600.8 km^3/s^2, equatorial radius 6378.135 km.

Default hard-body radii (m), used where no better size is known, chosen as round
values of the typical characteristic sizes in the ESA/NASA population models:
size class from SATCAT RCS_SIZE (SMALL < 0.1 m², MEDIUM 0.1–1 m², LARGE > 1 m²) maps to
0.2 / 0.5 / 2.0 m; a numeric RCS (m²) maps to sqrt(RCS/pi); else by object class
PAYLOAD 1.5, ROCKET BODY 2.5, DEBRIS 0.25, UNKNOWN 0.5.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from riskengine.core.constants import WGS72_MU_KM3_S2 as MU_KM3_S2
from riskengine.core.constants import WGS72_RE_KM as RE_KM

CLASSES = ("PAYLOAD", "DEBRIS", "ROCKET BODY", "UNKNOWN")
CLASS_HBR_M = {"PAYLOAD": 1.5, "ROCKET BODY": 2.5, "DEBRIS": 0.25, "UNKNOWN": 0.5}
SIZE_HBR_M = {"SMALL": 0.2, "MEDIUM": 0.5, "LARGE": 2.0}

_ARRAYS = ("norad_id", "name", "intl_designator", "object_class", "class_source", "epoch",
           "mean_motion", "eccentricity", "inclination_deg", "raan_deg", "arg_perigee_deg",
           "mean_anomaly_deg", "bstar", "mean_motion_dot", "mean_motion_ddot",
           "classification", "element_set_no", "rev_at_epoch", "rcs_size", "rcs_m2",
           "hard_body_radius_m", "line1", "line2", "source_file", "source_line")


def filled(n: int, value) -> np.ndarray:
    """An object array of ``n`` references to ``value`` (``np.full`` is ~30x slower for
    object arrays)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def classify_names(names: np.ndarray) -> np.ndarray:
    """Object class from name patterns (3LE has no OBJECT_TYPE field).

    ``DEB`` -> DEBRIS, ``R/B`` -> ROCKET BODY, ``OBJECT x`` / ``TBA`` -> UNKNOWN, else PAYLOAD.

    Examples
    --------
    >>> classify_names(np.array(["COSMOS 2251 DEB", "SL-16 R/B", "ISS (ZARYA)", "OBJECT C"],
    ...                         dtype=object)).tolist()
    ['DEBRIS', 'ROCKET BODY', 'PAYLOAD', 'UNKNOWN']
    """
    names = np.asarray(names, dtype=object)
    joined = "\x00".join(map(str, names.tolist()))
    parts = joined.upper().split("\x00") if len(names) else []
    if joined.isascii() and len(parts) == len(names):
        up = np.asarray(parts, dtype=str)   # one str.upper over all names (np.char.upper
    else:                                   # is 3x slower); not when a name holds a NUL
        up = np.char.upper(np.asarray(names, dtype=str))
    out = filled(len(up), "PAYLOAD")
    unknown = (np.char.startswith(up, "OBJECT ") | np.char.startswith(up, "TBA")
               | (np.char.str_len(np.char.strip(up)) == 0))
    out[unknown] = "UNKNOWN"
    out[np.char.find(up, "R/B") >= 0] = "ROCKET BODY"
    deb = (np.char.find(up, " DEB") >= 0) | np.char.startswith(up, "DEB")
    out[deb] = "DEBRIS"
    return out


def default_hbr_m(object_class: np.ndarray, rcs_size: np.ndarray | None = None,
                  rcs_m2: np.ndarray | None = None) -> np.ndarray:
    """Default hard-body radius (m) from numeric RCS, else size class, else object class."""
    cls = np.asarray(object_class, dtype=object)
    out = np.array([CLASS_HBR_M.get(c, 0.5) for c in cls], dtype=np.float64)
    if rcs_size is not None:
        for size, r in SIZE_HBR_M.items():
            m = np.asarray(rcs_size, dtype=object) == size
            out[m] = r
    if rcs_m2 is not None:
        rcs = np.asarray(rcs_m2, dtype=np.float64)
        ok = np.isfinite(rcs) & (rcs > 0)
        out[ok] = np.sqrt(rcs[ok] / np.pi)
    return out


@dataclass
class Catalog:
    """Columnar catalog: every attribute is an array with one entry per object.

    Examples
    --------
    >>> from riskengine.catalog import read_catalog  # doctest: +SKIP
    >>> cat = read_catalog(["catalogs/full.txt"])     # doctest: +SKIP
    >>> leo = cat.subset(cat.apogee_alt_km < 2000)    # doctest: +SKIP
    """

    norad_id: np.ndarray
    name: np.ndarray
    intl_designator: np.ndarray
    object_class: np.ndarray
    class_source: np.ndarray
    epoch: np.ndarray
    mean_motion: np.ndarray
    eccentricity: np.ndarray
    inclination_deg: np.ndarray
    raan_deg: np.ndarray
    arg_perigee_deg: np.ndarray
    mean_anomaly_deg: np.ndarray
    bstar: np.ndarray
    mean_motion_dot: np.ndarray
    mean_motion_ddot: np.ndarray
    classification: np.ndarray
    element_set_no: np.ndarray
    rev_at_epoch: np.ndarray
    rcs_size: np.ndarray
    rcs_m2: np.ndarray
    hard_body_radius_m: np.ndarray
    line1: np.ndarray
    line2: np.ndarray
    source_file: np.ndarray
    source_line: np.ndarray
    sources: list = field(default_factory=list)  # per-file summaries
    _satrecs: list | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.norad_id)

    def __getstate__(self):
        """Pickle the element sets, not the SGP4 records (``Satrec`` does not pickle; they
        are rebuilt bit-identically from the same lines or elements on first use)."""
        state = dict(self.__dict__)
        state["_satrecs"] = None
        return state

    # derived -----------------------------------------------------------------------
    @property
    def semi_major_axis_km(self) -> np.ndarray:
        """From the Kozai mean motion (adequate for binning and filters, not for SGP4)."""
        n = self.mean_motion * 2 * np.pi / 86400.0
        return np.cbrt(MU_KM3_S2 / n**2)

    @property
    def perigee_alt_km(self) -> np.ndarray:
        return self.semi_major_axis_km * (1 - self.eccentricity) - RE_KM

    @property
    def apogee_alt_km(self) -> np.ndarray:
        return self.semi_major_axis_km * (1 + self.eccentricity) - RE_KM

    @property
    def period_min(self) -> np.ndarray:
        return 1440.0 / self.mean_motion

    @property
    def reference_epoch(self) -> np.datetime64:
        """Median element epoch: where the bulk of the element sets is fresh."""
        if len(self) == 0:
            return np.datetime64("NaT", "us")
        e = np.sort(self.epoch.astype(np.int64))
        return np.datetime64(int(e[len(e) // 2]), "us")

    def epoch_age_days(self, at: np.datetime64 | None = None) -> np.ndarray:
        """Days from each element epoch to ``at`` (default: the reference epoch)."""
        at = self.reference_epoch if at is None else np.datetime64(at, "us")
        return (at - self.epoch).astype("timedelta64[us]").astype(np.float64) / 86400e6

    # selection ---------------------------------------------------------------------
    def subset(self, which) -> "Catalog":
        """A new catalog with the objects selected by a boolean mask or index array."""
        idx = np.asarray(which)
        kw = {name: getattr(self, name)[idx] for name in _ARRAYS}
        sat = None
        if self._satrecs is not None:
            sel = np.flatnonzero(idx) if idx.dtype == bool else idx
            sat = [self._satrecs[i] for i in sel]
        return Catalog(**kw, sources=list(self.sources), _satrecs=sat)

    def by_id(self, norad_id: int) -> int:
        """Index of an object by NORAD id (KeyError when absent)."""
        hit = np.flatnonzero(self.norad_id == norad_id)
        if not len(hit):
            raise KeyError(f"NORAD id {norad_id} is not in the catalog")
        return int(hit[0])

    @staticmethod
    def concat(parts: list["Catalog"]) -> "Catalog":
        parts = [p for p in parts if p is not None]
        if not parts:
            return empty_catalog()
        if len(parts) == 1:
            return parts[0]
        kw = {name: np.concatenate([getattr(p, name) for p in parts]) for name in _ARRAYS}
        return Catalog(**kw, sources=[s for p in parts for s in p.sources])

    # SGP4 --------------------------------------------------------------------------
    def satrecs(self) -> list:
        """SGP4 records (``sgp4.api.Satrec``), built once and cached.

        From the TLE lines when present (bit-identical to ``Satrec.twoline2rv``), else
        from the mean elements with ``sgp4init`` exactly as ``sgp4.omm.initialize`` does.
        """
        if self._satrecs is None:
            from sgp4.api import Satrec

            if all(isinstance(x, str) and x for x in self.line1):
                self._satrecs = [Satrec.twoline2rv(a, b) for a, b in zip(self.line1, self.line2)]
            else:
                self._satrecs = [
                    Satrec.twoline2rv(self.line1[k], self.line2[k])
                    if isinstance(self.line1[k], str) and self.line1[k] else self._init(k)
                    for k in range(len(self))
                ]
        return self._satrecs

    def satrec(self, k: int):
        """The SGP4 record of object ``k`` alone (from the cache when built; see
        :meth:`satrecs`)."""
        if self._satrecs is not None:
            return self._satrecs[k]
        from sgp4.api import Satrec

        if isinstance(self.line1[k], str) and self.line1[k]:
            return Satrec.twoline2rv(self.line1[k], self.line2[k])
        return self._init(k)

    def _init(self, k: int):
        from sgp4.api import WGS72, Satrec

        s = Satrec()
        epoch = (self.epoch[k] - np.datetime64("1949-12-31T00:00:00", "us")).astype(
            np.int64) / 86400e6
        xpdotp = 1440.0 / (2.0 * np.pi)
        satnum = int(self.norad_id[k])
        s.sgp4init(WGS72, "i", satnum if satnum < 340000 else 0, epoch, float(self.bstar[k]),
                   float(self.mean_motion_dot[k]) / (xpdotp * 1440.0),
                   float(self.mean_motion_ddot[k]) / (xpdotp * 1440.0 * 1440.0),
                   float(self.eccentricity[k]), np.radians(self.arg_perigee_deg[k]),
                   np.radians(self.inclination_deg[k]), np.radians(self.mean_anomaly_deg[k]),
                   float(self.mean_motion[k]) / 720.0 * np.pi, np.radians(self.raan_deg[k]))
        return s

    def satrec_array(self):
        """A ``sgp4.api.SatrecArray`` of all objects."""
        from sgp4.api import SatrecArray

        return SatrecArray(self.satrecs())


def empty_catalog() -> Catalog:
    kw = {}
    for name in _ARRAYS:
        if name == "epoch":
            kw[name] = np.zeros(0, "datetime64[us]")
        elif name in ("norad_id", "element_set_no", "rev_at_epoch", "source_line"):
            kw[name] = np.zeros(0, np.int64)
        elif name in ("mean_motion", "eccentricity", "inclination_deg", "raan_deg",
                      "arg_perigee_deg", "mean_anomaly_deg", "bstar", "mean_motion_dot",
                      "mean_motion_ddot", "rcs_m2", "hard_body_radius_m"):
            kw[name] = np.zeros(0)
        else:
            kw[name] = np.zeros(0, object)
    return Catalog(**kw)


def dedupe_newest(cat: Catalog) -> Catalog:
    """Keep one entry per NORAD id: the newest epoch (the later file on ties)."""
    if len(cat) == 0:
        return cat
    ids = cat.norad_id
    if len(ids) < 2 or (ids[1:] > ids[:-1]).all():
        return cat  # sorted and unique (as catalog files usually are)
    order = np.lexsort((np.arange(len(cat)), cat.epoch.astype(np.int64), cat.norad_id))
    ids = cat.norad_id[order]
    last = np.ones(len(ids), bool)
    last[:-1] = ids[:-1] != ids[1:]
    keep = order[last]
    if len(keep) == len(cat):
        return cat  # already unique (order kept as read)
    return cat.subset(np.sort(keep))


__all__ = ["Catalog", "CLASSES", "classify_names", "default_hbr_m", "dedupe_newest",
           "empty_catalog", "MU_KM3_S2", "RE_KM"]

_ = dataclasses  # re-exported for type checkers
