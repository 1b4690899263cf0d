"""Shared helpers of the service tests: the real app on a loopback port, clocks, events, and
the OpenAPI description the answers are checked against."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import httpx
import pandas as pd
import uvicorn

from backtests.service.app import ServiceSettings, create_app


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


def start_command(home, proxy: HangingProxy, *args: str, cwd=None) -> subprocess.Popen:
    """The real ``riskoff serve --no-schedule ARGS`` in its own process, over the store in
    `home`, reading the configuration files of `cwd` only (none from the user's folder).

    Every download goes through `proxy`, so nothing leaves the machine; its messages go to
    ``home/serve.log``.
    """
    proxy_url = f"http://127.0.0.1:{proxy.port}"
    env = {**os.environ, "RISKOFF_HOME": str(home), "XDG_CONFIG_HOME": str(Path(home) / "config"),
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
           **{name: proxy_url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                                           "https_proxy", "ALL_PROXY", "all_proxy")}}
    env.pop("RISKOFF_TOKEN", None)
    with open(Path(home) / "serve.log", "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "backtests.cli", "-q", "serve",
                                 "--no-schedule", *args], env=env, cwd=cwd,
                                stdout=subprocess.DEVNULL, stderr=log)


def wait_ready(http: httpx.Client, server: subprocess.Popen, path: str = "/v1/score"):
    """The first answer of the server started by :func:`start_command` to ``GET path``."""
    for _ in range(1200):
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            return http.get(path)
        except httpx.TransportError:
            pause(0.05)
    raise RuntimeError("the server did not start in 60 s")


@contextmanager
def serving(app):
    """The app on 127.0.0.1 at a free port; yields an httpx client bound to it."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        thread.join(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(30)


def app_at(store, when, **settings):
    return create_app(ServiceSettings(store=str(store.path), **settings),
                      now=lambda: pd.Timestamp(when, tz="UTC"))


class MovingClock:
    """A clock the test moves; the service reads it on every request and watch."""

    def __init__(self, when: str) -> None:
        self.now = pd.Timestamp(when, tz="UTC")

    def __call__(self) -> pd.Timestamp:
        return self.now


def read_events(lines, count):
    """The next `count` events from an SSE stream's line iterator, as (name, data) pairs."""
    events, name = [], None
    for line in lines:
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[len("data: "):])))
            if len(events) == count:
                return events
    return events


class OpenAPI:
    """The service's published description, and a check of answers against it.

    Each JSON answer is validated with ``jsonschema``'s Draft 2020-12 validator (the
    dialect of OpenAPI 3.1's schema objects) against the schema the description gives for
    its path, method, status and media type; an answer whose status the description does
    not list fails. What was checked is kept, to compare with what the description lists.
    """

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.checked: set[tuple[str, str, str]] = set()

    def validator(self, schema: dict):
        """A validator of `schema`, whose references point into the description."""
        from jsonschema import Draft202012Validator

        rooted = {**schema, "components": self.spec["components"]}
        Draft202012Validator.check_schema(rooted)
        return Draft202012Validator(rooted)

    def check(self, response: httpx.Response) -> dict:
        """Validate a JSON answer (raises ``jsonschema.ValidationError``); its body."""
        method, path = response.request.method.lower(), response.request.url.path
        status = str(response.status_code)
        responses = self.spec["paths"][path][method]["responses"]
        assert status in responses, f"{method.upper()} {path} answered {status}, undescribed"
        media = response.headers["content-type"].split(";")[0]
        assert media == "application/json", f"{method.upper()} {path}: {media}, not JSON"
        body = response.json()
        self.validator(responses[status]["content"][media]["schema"]).validate(body)
        self.checked.add((method, path, status))
        return body

    def check_event(self, name: str, data: dict) -> None:
        """Validate one event of ``/v1/events`` against the schema named for it."""
        self.validator(self.spec["paths"]["/v1/events"]["get"]["x-events"][name]).validate(data)

    def json_answers(self) -> set[tuple[str, str, str]]:
        """Every (method, path, status) whose answer the description says is JSON."""
        return {(method, path, status)
                for path, operations in self.spec["paths"].items()
                for method, operation in operations.items()
                for status, answer in operation["responses"].items()
                if "application/json" in answer.get("content", {})}
