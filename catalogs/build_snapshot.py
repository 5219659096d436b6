"""Build the embedded default catalog (``catalogs/default/``) from a redistributable source.

Only maintainers run this; a fresh clone uses the committed output offline.

    apt-get download previsat=3.5.1.7+dfsg1-5        # Debian 12 bookworm/main
    dpkg-deb --fsys-tarfile previsat_3.5.1.7+dfsg1-5_amd64.deb \\
      | tar -xO ./usr/share/Astropedia/PreviSat/data/donnees.sat > donnees.sat
    python3 catalogs/build_snapshot.py previsat donnees.sat

The source, PreviSat's ``donnees.sat`` (Fabrice Dupré, Astropedia; GPL-3.0-or-later, as
shipped by Debian), is an orbit *summary* of every catalogued object as of 2016-02-06:
perigee, apogee, inclination, period, name and, for some objects, radar cross-section. It
holds no element sets. Mean motion and eccentricity are rebuilt from perigee and apogee
(WGS-72, SGP4's constants); node, argument of perigee and mean anomaly are *synthetic*
(fixed by a hash of the NORAD id), so the file serves the phase-averaged collision flux and
must never be screened against. The output is byte-reproducible.
"""

from __future__ import annotations

import csv
import hashlib
import io
import lzma
import math
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "default"
OUT_NAME = "previsat-2016-02.omm.csv.xz"
SOURCE_SHA256 = "6b4111deed1454ceb57b55e0c788bef0bd44cb4a301150e4d776c8e5e2a93d74"
SNAPSHOT = "2016-02-06"
MU_KM3_S2, RE_KM = 398_600.8, 6_378.135          # WGS-72, as riskengine.core.constants

ROW = re.compile(
    r"^(?P<norad>\d{5}) (?P<cospar>\S+)\s+(?P<d1>[\d.]+)\s+(?P<d2>[\d.]+)\s+(?P<d3>[\d.]+)\s+"
    r"(?P<mag>-?[\d.]+)\s+(?P<mflag>\S)\s+(?P<rcs>[\d.]+)\s+(?P<launch>\d{4}/\d\d/\d\d)\s+"
    r"(?P<decay>\d{4}/\d\d/\d\d)?\s+(?P<period>[\d.]+)\s+(?P<perigee>-?\d+)\s+(?P<apogee>-?\d+)\s+"
    r"(?P<inc>[\d.]+)\s+(?P<orbit>\S+)\s+(?P<country>\S+)\s+(?P<site>\S+)\s+(?P<name>.*)$")
#: PreviSat orbit classes of objects in Earth orbit (others: deep space, lunar, decayed)
EARTH_ORBITS = {"LEO/I", "LEO/S", "LEO/P", "LEO/R", "MEO", "HEO", "GTO", "GEO/S", "GEO/NS",
                "GEO/D", "GEO/ID", "GEO/T", "GEO/I", "GEO/RS", "EEO", "LEO"}


def object_type(name: str) -> str:
    """Object class from the name, as the catalog loader classifies 3LE names."""
    n = f" {name.upper()} "
    if any(k in n for k in (" DEB", " COOLANT", " SHROUD", " FRAG")):
        return "DEBRIS"
    if any(k in n for k in (" R/B", " AKM", " PKM")):
        return "ROCKET BODY"
    return "PAYLOAD"


def rcs_size(rcs_m2: float) -> str:
    if not rcs_m2 > 0:
        return ""
    return "SMALL" if rcs_m2 < 0.1 else "MEDIUM" if rcs_m2 <= 1.0 else "LARGE"


def synthetic_angles(norad: int) -> tuple[float, float, float]:
    """Node, argument of perigee, mean anomaly (deg): fixed per object, not measured."""
    h = hashlib.sha256(f"riskengine-previsat-{norad}".encode()).digest()
    return tuple(360.0 * int.from_bytes(h[i:i + 4], "big") / 2**32 for i in (0, 4, 8))


def build_previsat(src: Path) -> tuple[bytes, Counter]:
    rows, stats = [], Counter()
    with open(src, encoding="latin-1") as f:
        next(f)   # header
        for line in f:
            m = ROW.match(line.rstrip("\n"))
            if not m:
                stats["unparsed rows"] += 1
                continue
            g = m.groupdict()
            if g["decay"]:
                stats["decayed by 2016-02-06"] += 1
                continue
            if g["orbit"] not in EARTH_ORBITS:
                stats["not in Earth orbit"] += 1
                continue
            pe, ap, inc = float(g["perigee"]), float(g["apogee"]), float(g["inc"])
            if pe <= 0 or ap < pe:
                stats["no usable orbit"] += 1
                continue
            a = RE_KM + (pe + ap) / 2
            e = (ap - pe) / (2 * a)
            n = 86_400.0 / (2 * math.pi * math.sqrt(a**3 / MU_KM3_S2))
            raan, argp, ma = synthetic_angles(int(g["norad"]))
            typ = object_type(g["name"])
            stats[typ] += 1
            rows.append({
                "OBJECT_NAME": g["name"].strip(), "OBJECT_ID": g["cospar"],
                "NORAD_CAT_ID": int(g["norad"]), "OBJECT_TYPE": typ,
                "RCS_SIZE": rcs_size(float(g["rcs"])), "EPOCH": f"{SNAPSHOT}T00:00:00.000000",
                "MEAN_MOTION": f"{n:.8f}", "ECCENTRICITY": f"{e:.7f}",
                "INCLINATION": f"{inc:.4f}", "RA_OF_ASC_NODE": f"{raan:.4f}",
                "ARG_OF_PERICENTER": f"{argp:.4f}", "MEAN_ANOMALY": f"{ma:.4f}",
                "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "ELEMENT_SET_NO": 999,
                "REV_AT_EPOCH": 0, "BSTAR": 0, "MEAN_MOTION_DOT": 0, "MEAN_MOTION_DDOT": 0})
    rows.sort(key=lambda r: r["NORAD_CAT_ID"])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    stats["objects"] = len(rows)
    return buf.getvalue().encode(), stats


def manifest(raw: bytes, packed: bytes, stats: Counter) -> str:
    by = ", ".join(f'"{k}" = {stats[k]}' for k in ("PAYLOAD", "ROCKET BODY", "DEBRIS"))
    return f"""# The embedded default catalog: what it is and where it comes from (see README.md).
file = "{OUT_NAME}"
snapshot = "{SNAPSHOT}"
kind = "population"          # orbit summaries: node, perigee argument, mean anomaly synthetic
screening = false            # never screen against it (phases are not measured)
source = "PreviSat donnees.sat (Fabrice Dupre, Astropedia), Debian package previsat 3.5.1.7+dfsg1-5 (bookworm/main)"
source_sha256 = "{SOURCE_SHA256}"
licence = "GPL-3.0-or-later"  # the data file only; COPYING beside it
attribution = "Orbit summaries as of 2016-02-06 from PreviSat (F. Dupre, Astropedia, GPL-3.0-or-later), via Debian"
objects = {stats["objects"]}
objects_by_class = {{ {by} }}
csv_sha256 = "{hashlib.sha256(raw).hexdigest()}"
xz_sha256 = "{hashlib.sha256(packed).hexdigest()}"
"""


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[0] != "previsat":
        sys.exit(__doc__)
    src = Path(argv[1])
    got = hashlib.sha256(src.read_bytes()).hexdigest()
    if got != SOURCE_SHA256:
        sys.exit(f"{src}: sha256 {got} is not the pinned {SOURCE_SHA256}; extract donnees.sat "
                 "from previsat 3.5.1.7+dfsg1-5 as the docstring says")
    raw, stats = build_previsat(src)
    packed = lzma.compress(raw, format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / OUT_NAME).write_bytes(packed)
    (OUT_DIR / "MANIFEST.toml").write_text(manifest(raw, packed, stats))
    for k, v in sorted(stats.items()):
        print(f"{k:>24}: {v:,}")
    print(f"wrote {OUT_DIR / OUT_NAME} ({len(packed):,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
