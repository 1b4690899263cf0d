"""Shared helpers of the service tests: the real app on a loopback port, clocks, events, and
the OpenAPI description the answers are checked against."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import httpx
import pandas as pd
import uvicorn

from backtests.service.app import ServiceSettings, create_app


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
