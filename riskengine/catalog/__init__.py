"""Debris and fleet catalogs: parse (TLE, 3LE, OMM CSV/JSON/XML, SATCAT), validate, store, fetch.

>>> from riskengine.catalog import read_catalog, resolve_catalog, Catalog  # doctest: +SKIP
"""

from riskengine.catalog.model import CLASSES, Catalog, classify_names, default_hbr_m
from riskengine.catalog.reader import detect_format, read_catalog, read_files, resolve_catalog
from riskengine.catalog.tle import RecordProblem, parse_tle_text

__all__ = ["CLASSES", "Catalog", "RecordProblem", "classify_names", "default_hbr_m",
           "detect_format", "parse_tle_text", "read_catalog", "read_files", "resolve_catalog"]
