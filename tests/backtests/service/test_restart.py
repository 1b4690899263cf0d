"""riskoff serve killed with SIGKILL during a refresh, then restarted: the store is intact and
the last good reading is served at once.

The real command runs in its own process. Its downloads go through a proxy on 127.0.0.1
that accepts connections and never answers (a publisher that hangs), so a refresh is in
flight when the process is killed. Nothing leaves the machine.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess

import httpx

from tests.backtests.service import free_port, pause, start_command, wait_ready
from tests.signals.bots import copy_store


def start_server(home, port, proxy) -> subprocess.Popen:
    return start_command(home, proxy, "--port", str(port))


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
