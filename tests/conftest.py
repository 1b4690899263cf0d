"""Shared fixtures: no network in the default run, an isolated store, the shared data."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests import FIXTURES, SHARED_DATA
from tests.signals.bots import build_template, copy_store


def pytest_addoption(parser):
    parser.addoption("--live", action="store_true", help="run tests that use the network")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="talks to the network; run with --live -m live")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_network(request, monkeypatch):
    """Refuse every connection to a non-loopback address unless the test is marked live."""
    if "live" in request.keywords:
        return
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
            return real_connect(sock, address)
        if sock.family == socket.AF_UNIX:
            return real_connect(sock, address)
        raise OSError(f"network access in an offline test: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch):
    """Retry backoff in our HTTP loaders never waits in tests."""
    monkeypatch.setattr("signals.sources.http.time.sleep", lambda seconds: None)


@pytest.fixture(autouse=True)
def riskoff_home(tmp_path, monkeypatch) -> Path:
    """Each test gets its own empty store folder through RISKOFF_HOME."""
    home = tmp_path / "riskoff-home"
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    return home


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def bundled() -> Path:
    """The files the package bundles (``signals/data/bundled``): in every clone and install.

    Golden tests of a bundled file read this copy; ``shared_data`` is only for files the
    package does not bundle (4h and 1h candles, Cboe, eval-only Yahoo series).
    """
    from signals.data.bundled import BUNDLED_DIR

    return BUNDLED_DIR


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    return SHARED_DATA


@pytest.fixture(scope="session")
def store_template(tmp_path_factory) -> Path:
    """A store holding the bundled data, filled once per session (copy it, never write it)."""
    return build_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def store(store_template, tmp_path):
    """A private copy of the bundled-data store, for tests that read or write a store."""
    return copy_store(store_template, tmp_path / "store")


class Receiver(BaseHTTPRequestHandler):
    """Records each POST body; answers with the status the server was told to give."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers["Content-Type"], json.loads(body)))
        self.server.release.wait(timeout=30)
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    server.received, server.status, server.release = [], 204, threading.Event()
    server.release.set()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=30)


@pytest.fixture
def two_year_zscores(monkeypatch):
    """Every registered component read as its two-year z-score.

    The protocol's standardisations include percentiles that need five years of history;
    tests on a few years of synthetic data pin the z-scores, whose warm-up is one year.
    """
    from dataclasses import replace

    from signals.families import registry

    for name, component in registry.components().items():
        monkeypatch.setitem(registry._REGISTRY, name, replace(component, standardize="zscore"))
