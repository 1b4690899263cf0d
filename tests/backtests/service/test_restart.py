"""riskoff serve killed with SIGKILL during a refresh, then restarted: the store is intact and
the last good reading is served at once.

The real command runs in its own process. Its downloads go through a proxy on 127.0.0.1
that accepts connections and never answers (a publisher that hangs), so a refresh is in
flight when the process is killed. Nothing leaves the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading

import httpx
import pytest

from tests.signals.bots import copy_store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HangingProxy:
    """Accepts every connection on loopback and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


def pause(seconds: float) -> None:
    """Wait (the suite turns time.sleep into a no-op for retry back-offs)."""
    threading.Event().wait(seconds)


def start_server(home, port, proxy) -> subprocess.Popen:
    proxy_url = f"http://127.0.0.1:{proxy.port}"
    env = {**os.environ, "RISKOFF_HOME": str(home), "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost",
           **{name: proxy_url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                                           "https_proxy", "ALL_PROXY", "all_proxy")}}
    return subprocess.Popen([sys.executable, "-m", "backtests.cli", "-q", "serve", "--port",
                             str(port), "--no-schedule"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(http: httpx.Client, server: subprocess.Popen) -> httpx.Response:
    for _ in range(1200):
        if server.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            return http.get("/v1/score")
        except httpx.TransportError:
            pause(0.05)
    raise RuntimeError("the server did not start in 60 s")


@pytest.fixture
def proxy():
    hanging = HangingProxy()
    yield hanging
    hanging.close()


def test_sigkill_during_a_refresh_then_restart_serves_the_last_good_reading(
        store_template, tmp_path, proxy):
    store = copy_store(store_template, tmp_path / "home")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, trust_env=False, timeout=30) as http:
        server = start_server(store.path.parent, port, proxy)
        try:
            before = wait_ready(http, server).json()
            assert http.post("/v1/refresh").status_code == 202
            for _ in range(600):  # until a download is stuck on the hanging publisher
                if proxy.held:
                    break
                pause(0.05)
            assert proxy.held, "no download reached the publisher"
        finally:
            server.send_signal(signal.SIGKILL)
            server.wait(30)
        with sqlite3.connect(store.path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        restarted = start_server(store.path.parent, port, proxy)
        try:
            after = wait_ready(http, restarted).json()
        finally:
            restarted.terminate()
            restarted.wait(60)
    for key in ("score", "regime", "row_available_at", "coverage", "allow_risk"):
        assert after[key] == before[key], key
    known = [(i["name"], i["last_date"], i["available_at"]) for i in before["inputs"]]
    assert [(i["name"], i["last_date"], i["available_at"]) for i in after["inputs"]] == known
