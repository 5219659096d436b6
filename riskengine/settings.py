"""Settings read from the environment, with defaults.

=========================  ==============================================================
``RISKENGINE_DB``           DuckDB file (default ``riskengine.duckdb`` in the working dir)
``RISKENGINE_CATALOG``      catalog file(s), ``os.pathsep``-separated; overrides the
                            downloaded catalog everywhere (``make price`` included)
``RISKENGINE_CACHE``        catalog download cache (default ``catalogs/cache``)
``RISKENGINE_SHARED``       the shared data folder used by tests and benchmarks
                            (default ``../shared`` next to the repository)
``SPACETRACK_USER/PASSWORD`` Space-Track credentials for ``catalog fetch --source spacetrack``
``RISKENGINE_MAX_CATALOG_BYTES`` largest catalog file a load reads (default 1 GiB, e.g. ``4GiB``)
``RISKENGINE_DOSE_CACHE``   orbit-averaged AE-8/AP-8 spectra of the dose model (default
                            ``$XDG_CACHE_HOME/riskengine/dose``, else
                            ``~/.cache/riskengine/dose``); delete it to recompute
``RISKENGINE_FIT_DRAWS``    posterior draws per chain of the Bayesian fit (default 2,000)
=========================  ==============================================================
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "riskengine.duckdb"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The DuckDB file to use: ``explicit``, else ``$RISKENGINE_DB``, else the default."""
    return Path(explicit or os.environ.get("RISKENGINE_DB") or DEFAULT_DB)


def catalog_override() -> list[Path]:
    """Catalog files named by ``$RISKENGINE_CATALOG`` (empty list when unset)."""
    raw = os.environ.get("RISKENGINE_CATALOG", "").strip()
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def cache_dir() -> Path:
    """Where ``catalog fetch`` keeps downloaded catalogs."""
    return Path(os.environ.get("RISKENGINE_CACHE") or REPO_ROOT / "catalogs" / "cache")


def shared_dir() -> Path | None:
    """The shared data folder, or ``None`` when it is not there."""
    raw = os.environ.get("RISKENGINE_SHARED")
    p = Path(raw) if raw else REPO_ROOT.parent / "shared"
    return p if p.is_dir() else None


def dose_cache_dir() -> Path:
    """Where the dose model caches orbit spectra: ``$RISKENGINE_DOSE_CACHE``, else
    ``$XDG_CACHE_HOME/riskengine/dose``, else ``~/.cache/riskengine/dose``.

    Examples
    --------
    >>> import os
    >>> os.environ["RISKENGINE_DOSE_CACHE"] = "/tmp/my-dose-cache"
    >>> str(dose_cache_dir())
    '/tmp/my-dose-cache'
    >>> del os.environ["RISKENGINE_DOSE_CACHE"]
    """
    raw = os.environ.get("RISKENGINE_DOSE_CACHE", "").strip()
    if raw:
        return Path(raw)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "riskengine" / "dose"


def fit_draws() -> int:
    """Posterior draws per chain for the Bayesian fit: ``$RISKENGINE_FIT_DRAWS`` or 2,000.

    Fewer draws make quick runs (tests, notebooks) faster; a fit is reused only when its
    settings match, so production runs keep their own full fit.
    """
    raw = os.environ.get("RISKENGINE_FIT_DRAWS")
    if not raw:
        return 2000
    from riskengine.errors import ConfigError

    try:
        n = int(raw)
    except ValueError:
        raise ConfigError(f"RISKENGINE_FIT_DRAWS={raw!r}: must be a whole number of draws "
                          "per chain (e.g. 2000); unset it for the default") from None
    if n < 100:
        raise ConfigError(f"RISKENGINE_FIT_DRAWS={n}: at least 100 draws per chain are needed "
                          "for the convergence checks")
    return n
