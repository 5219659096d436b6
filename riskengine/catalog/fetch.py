"""Download catalogs: CelesTrak GP groups and SATCAT, Space-Track GP (credentials from env).

Politeness rules, enforced here and not left to the user:

* CelesTrak refreshes GP data about every 2 hours and asks clients not to download the
  same data more often; a file fetched less than ``MIN_INTERVAL_S`` ago is not requested
  again (the cached copy is used and the reply says when a new download is allowed).
* Every request is conditional (``If-None-Match`` / ``If-Modified-Since`` from the last
  response); a ``304 Not Modified`` keeps the cached file.

Base URLs can be redirected (tests serve files from 127.0.0.1):
``RISKENGINE_CELESTRAK_URL`` (default ``https://celestrak.org``) and
``RISKENGINE_SPACETRACK_URL`` (default ``https://www.space-track.org``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from riskengine import settings
from riskengine.errors import FetchError

MIN_INTERVAL_S = 2 * 3600
CELESTRAK_GROUPS = ("active", "analyst", "cosmos-1408-debris", "fengyun-1c-debris",
                    "iridium-33-debris", "cosmos-2251-debris")
TIMEOUT_S = 60


@dataclass
class FetchResult:
    name: str
    path: Path
    status: str  # downloaded | not-modified | cached (too soon)
    bytes: int
    next_allowed: dt.datetime | None = None


def _base(var: str, default: str) -> str:
    return os.environ.get(var, default).rstrip("/")


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _read_meta(path: Path) -> dict:
    try:
        return json.loads(_meta_path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _get(url: str, path: Path, name: str, opener=None, min_interval_s: float = MIN_INTERVAL_S,
         now: float | None = None) -> FetchResult:
    now = time.time() if now is None else now
    meta = _read_meta(path)
    if path.exists() and meta.get("fetched_at") and now - meta["fetched_at"] < min_interval_s:
        nxt = dt.datetime.fromtimestamp(meta["fetched_at"] + min_interval_s, dt.UTC)
        return FetchResult(name, path, "cached", path.stat().st_size, nxt)
    req = urllib.request.Request(url, headers={"User-Agent": "riskengine/0.1 (catalog fetch)"})
    if path.exists():
        if meta.get("etag"):
            req.add_header("If-None-Match", meta["etag"])
        if meta.get("last_modified"):
            req.add_header("If-Modified-Since", meta["last_modified"])
    opener = opener or urllib.request.build_opener()
    from riskengine.catalog.reader import _size_text, max_catalog_bytes

    limit = max_catalog_bytes()
    try:
        with opener.open(req, timeout=TIMEOUT_S) as resp:
            body = resp.read(limit + 1)      # a runaway answer stops at the catalog limit
            headers = resp.headers
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and path.exists():
            meta["fetched_at"] = now
            _meta_path(path).write_text(json.dumps(meta))
            return FetchResult(name, path, "not-modified", path.stat().st_size)
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(
            f"cannot download {url}: {reason}. Are you offline? Use a catalog file you have "
            "instead: set RISKENGINE_CATALOG=/path/to/file.tle, or "
            "`riskengine catalog load FILE --db DB`") from None
    if len(body) > limit:
        raise FetchError(f"{url}: the answer goes on past {_size_text(limit)}, more than a "
                         "catalog file may have (RISKENGINE_MAX_CATALOG_BYTES); the cached "
                         "copy, if any, was kept. If the source is right, raise the limit, "
                         "e.g. RISKENGINE_MAX_CATALOG_BYTES=4GiB")
    text = body.decode("utf-8", "replace")
    if not body.strip() or "No GP data found" in text[:200] or text.lstrip().startswith("<!DOCTYPE"):
        raise FetchError(f"{url}: the server answered without catalog data "
                         f"({text.strip()[:80]!r}); the cached copy, if any, was kept")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(body)
    os.replace(tmp, path)  # never leave a half-written catalog in the cache
    meta = {"url": url, "fetched_at": now, "etag": headers.get("ETag"),
            "last_modified": headers.get("Last-Modified")
            or email.utils.formatdate(now, usegmt=True)}
    _meta_path(path).write_text(json.dumps(meta))
    return FetchResult(name, path, "downloaded", len(body))


def fetch_celestrak(groups=CELESTRAK_GROUPS, satcat: bool = True, cache: Path | None = None,
                    min_interval_s: float = MIN_INTERVAL_S) -> list[FetchResult]:
    """Download CelesTrak GP groups (3LE-style TLE text) and the SATCAT into the cache.

    Examples
    --------
    >>> fetch_celestrak(["active"])  # doctest: +SKIP
    [FetchResult(name='active', path=PosixPath('catalogs/cache/celestrak-active.tle'), ...)]
    """
    cache = Path(cache or settings.cache_dir())
    base = _base("RISKENGINE_CELESTRAK_URL", "https://celestrak.org")
    out = []
    for g in groups:
        url = f"{base}/NORAD/elements/gp.php?" + urllib.parse.urlencode({"GROUP": g,
                                                                         "FORMAT": "tle"})
        out.append(_get(url, cache / f"celestrak-{g}.tle", g, min_interval_s=min_interval_s))
    if satcat:
        out.append(_get(f"{base}/pub/satcat.csv", cache / "satcat.csv", "satcat",
                        min_interval_s=min_interval_s))
    return out


def fetch_spacetrack(cache: Path | None = None, min_interval_s: float = MIN_INTERVAL_S) -> list[FetchResult]:
    """Download the full current GP catalog (3LE) from Space-Track.

    Credentials come from ``SPACETRACK_USER`` and ``SPACETRACK_PASSWORD``.
    """
    user, pw = os.environ.get("SPACETRACK_USER"), os.environ.get("SPACETRACK_PASSWORD")
    if not user or not pw:
        raise FetchError("Space-Track needs credentials: set SPACETRACK_USER and "
                         "SPACETRACK_PASSWORD (free account at space-track.org), or use "
                         "--source celestrak")
    cache = Path(cache or settings.cache_dir())
    base = _base("RISKENGINE_SPACETRACK_URL", "https://www.space-track.org")
    path = cache / "spacetrack-gp.3le"
    meta = _read_meta(path)
    if path.exists() and meta.get("fetched_at") and time.time() - meta["fetched_at"] < min_interval_s:
        return [_get("", path, "spacetrack-gp", min_interval_s=min_interval_s)]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    data = urllib.parse.urlencode({"identity": user, "password": pw}).encode()
    try:
        with opener.open(urllib.request.Request(f"{base}/ajaxauth/login", data=data),
                         timeout=TIMEOUT_S) as resp:
            answer = resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        raise FetchError(f"Space-Track login failed: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"cannot reach {base}: {getattr(exc, 'reason', exc)} (offline?)") from None
    if "Failed" in answer:
        raise FetchError("Space-Track login refused: check SPACETRACK_USER / SPACETRACK_PASSWORD")
    query = (f"{base}/basicspacedata/query/class/gp/decay_date/null-val/epoch/%3Enow-30/"
             "orderby/norad_cat_id/format/3le")
    return [_get(query, path, "spacetrack-gp", opener=opener, min_interval_s=min_interval_s)]
