"""Error types that escape the package.

Every error names where the problem is (file, line, key), the bad value, and what to do.
"""

from __future__ import annotations


class RiskEngineError(Exception):
    """Base class of every error riskengine raises on purpose."""


class ConfigError(RiskEngineError, ValueError):
    """A portfolio config or setting is invalid (names the file and the key)."""


class CatalogError(RiskEngineError, ValueError):
    """A catalog file cannot be read; ``problems`` lists each bad record.

    Attributes
    ----------
    problems : list of RecordProblem
        One entry per rejected record (file, line number, reason).
    """

    def __init__(self, message: str, problems=None):
        super().__init__(message)
        self.problems = list(problems or [])


class FetchError(RiskEngineError):
    """Downloading a catalog failed (offline, HTTP error, refused by rate limit)."""


class StoreError(RiskEngineError):
    """The DuckDB store cannot be opened or written."""


class OutputError(RiskEngineError):
    """A file riskengine was asked to write cannot be written (names the path and why)."""


class ClusterError(RiskEngineError):
    """A Dask scheduler cannot be reached (names the address and what to do)."""
