"""Catalog fetch against a local HTTP server on 127.0.0.1 serving ../shared/catalogs."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest

from riskengine.catalog import fetch, read_catalog
from riskengine.errors import FetchError


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, Path] = {}
    log: list = []

    def do_GET(self):  # noqa: N802
        key = "satcat" if self.path.startswith("/pub/satcat.csv") else self.path.split("GROUP=")[-1].split("&")[0]
        self.log.append((self.path, self.headers.get("If-Modified-Since"), self.headers.get("If-None-Match")))
        if key not in self.files:
            self.send_response(404)
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        body = self.files[key].read_bytes()
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def server(catalogs, monkeypatch):
    _Handler.files = {
        "active": catalogs / "groups/celestrak_stations_2026-05-30.tle",
        "iridium-33-debris": catalogs / "debris-groups/iridium-33-debris.txt",
        "satcat": catalogs / "satcat/spacetrack_satcat_leo_subset_2025-04.csv",
    }
    _Handler.log = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    monkeypatch.setenv("RISKENGINE_CELESTRAK_URL", f"http://127.0.0.1:{srv.server_address[1]}")
    yield _Handler
    srv.shutdown()


def test_fetch_download_interval_and_conditional(server, tmp_path):
    res = fetch.fetch_celestrak(["active", "iridium-33-debris"], cache=tmp_path)
    assert [r.status for r in res] == ["downloaded"] * 3
    assert len(read_catalog(res[0].path)) == 25
    n_requests = len(server.log)
    # within the update interval: nothing is requested
    res2 = fetch.fetch_celestrak(["active"], satcat=False, cache=tmp_path)
    assert res2[0].status == "cached" and res2[0].next_allowed is not None
    assert len(server.log) == n_requests
    # after the interval: a conditional request, answered 304
    res3 = fetch.fetch_celestrak(["active"], satcat=False, cache=tmp_path, min_interval_s=0)
    assert res3[0].status == "not-modified"
    assert server.log[-1][2] == '"v1"'


def test_fetch_http_error_keeps_cache(server, tmp_path):
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch.fetch_celestrak(["no-such-group"], satcat=False, cache=tmp_path)
    assert not list(tmp_path.glob("*.tle"))


def test_fetch_offline_message(monkeypatch, tmp_path):
    monkeypatch.setenv("RISKENGINE_CELESTRAK_URL", "http://127.0.0.1:9")  # discard port: refused
    with pytest.raises(FetchError, match="offline"):
        fetch.fetch_celestrak(["active"], satcat=False, cache=tmp_path)


def test_spacetrack_needs_credentials(monkeypatch):
    monkeypatch.delenv("SPACETRACK_USER", raising=False)
    with pytest.raises(FetchError, match="SPACETRACK_USER"):
        fetch.fetch_spacetrack()
