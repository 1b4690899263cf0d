"""``[serve]`` in riskoff.toml reaches the real command, and its flags win over it.

The real ``riskoff serve`` runs in its own process from a folder holding a riskoff.toml
(read by the same mechanism as every command's options), and is checked over HTTP: the
address it listens on, the token it asks for, the origin CORS allows and its rate limit.
Downloads started by the token go to a publisher on loopback that never answers, and the
process is killed at the end.
"""

from __future__ import annotations

import signal

import httpx

from tests.backtests.service import free_port, start_command, wait_ready
from tests.signals.bots import copy_store

GRAFANA = "http://grafana.local"


def write_config(folder, port: int) -> None:
    (folder / "riskoff.toml").write_text(f'''
[serve]
host = "127.0.0.2"
port = {port}
token = "from-the-file"
cors-origin = ["{GRAFANA}"]
rate-limit = "4/hour"
rate-burst = 4
''')


def stop(server) -> None:
    server.send_signal(signal.SIGKILL)  # a download hangs on the publisher
    server.wait(30)


def test_the_serve_table_reaches_the_command(store_template, tmp_path, proxy):
    store = copy_store(store_template, tmp_path / "home")
    port = free_port()
    write_config(tmp_path, port)
    server = start_command(store.path.parent, proxy, cwd=tmp_path)
    try:
        with httpx.Client(base_url=f"http://127.0.0.2:{port}", trust_env=False,
                          timeout=30) as http:
            wait_ready(http, server, "/v1/health")  # monitoring: not the API's bucket
            browser = http.get("/v1/score", headers={"Origin": GRAFANA})
            anonymous = http.post("/v1/refresh")
            with_token = http.post("/v1/refresh",
                                   headers={"Authorization": "Bearer from-the-file"})
            fourth = http.get("/v1/inputs")
            fifth = http.get("/v1/score")
    finally:
        stop(server)
    assert browser.status_code == 200
    assert browser.headers["access-control-allow-origin"] == GRAFANA
    assert anonymous.status_code == 401
    assert with_token.status_code == 202
    assert fourth.status_code == 200
    assert fifth.status_code == 429
    assert fifth.json()["limit"] == "4/hour" and fifth.json()["burst"] == 4


def test_flags_win_over_the_serve_table(store_template, tmp_path, proxy):
    store = copy_store(store_template, tmp_path / "home")
    configured, flagged = free_port(), free_port()
    write_config(tmp_path, configured)
    server = start_command(store.path.parent, proxy, "--port", str(flagged), "--token",
                           "from-the-flag", "--rate-limit", "off", cwd=tmp_path)
    try:
        with httpx.Client(base_url=f"http://127.0.0.2:{flagged}", trust_env=False,
                          timeout=30) as http:
            wait_ready(http, server, "/v1/health")
            answers = [http.get("/v1/score").status_code for _ in range(8)]
            file_token = http.post("/v1/refresh",
                                   headers={"Authorization": "Bearer from-the-file"})
            flag_token = http.post("/v1/refresh",
                                   headers={"Authorization": "Bearer from-the-flag"})
        with httpx.Client(trust_env=False, timeout=5) as other:
            try:
                other.get(f"http://127.0.0.2:{configured}/v1/health")
                on_the_file_port = True
            except httpx.TransportError:
                on_the_file_port = False
    finally:
        stop(server)
    assert answers == [200] * 8  # over the file's burst of 4: the limit is off
    assert file_token.status_code == 401 and flag_token.status_code == 202
    assert not on_the_file_port
