"""Recorded-response transport for offline tests of every HTTP path.

Mounted on a ``requests.Session`` (our loaders, a yfinance session, or ``exchange.session``
of a ccxt exchange), it serves recorded bodies by URL path so that the real libraries run
their whole request/parse/error path with no network.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from urllib.parse import urlparse

import requests
from requests.adapters import BaseAdapter

Reply = tuple[int, object] | tuple[int, object, dict]


class ReplayAdapter(BaseAdapter):
    """Serve recorded replies by URL path (or host + path).

    Parameters
    ----------
    routes : dict
        ``{key: reply}`` or ``{key: [reply, reply, ...]}``; a key is a URL path
        (``"/api/v3/klines"``) or host plus path (``"fc.yahoo.com/"``). A reply is
        ``(status, body)`` or ``(status, body, headers)``; a body is bytes, str, or
        anything JSON-able. A list is served in order, its last reply repeating, so
        "429 then success" is ``[(429, ""), (200, body)]``. A reply may also be an
        exception instance, which is raised (a timeout, a dropped connection).
        Unknown paths answer 404.
    content_type : str
        Default ``Content-Type`` header.
    """

    def __init__(self, routes: dict, content_type: str = "application/json") -> None:
        super().__init__()
        self.routes = {k: list(v) if isinstance(v, list) else [v] for k, v in routes.items()}
        self.content_type = content_type
        self.calls: list[str] = []

    def _next(self, url: str):
        parsed = urlparse(url)
        for key in (parsed.netloc + parsed.path, parsed.path):
            if key in self.routes:
                queue = self.routes[key]
                return queue.pop(0) if len(queue) > 1 else queue[0]
        return (404, {"error": "not recorded"})

    def send(self, request, **kwargs):
        self.calls.append(request.url)
        reply = self._next(request.url)
        if isinstance(reply, BaseException):
            raise reply
        status, body, *rest = reply
        headers = rest[0] if rest else {}
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        raw = body.encode() if isinstance(body, str) else body
        response = requests.Response()
        response.status_code = status
        response.reason = "OK" if status < 400 else "ERROR"
        response.url = request.url
        response.request = request
        response.headers["Content-Type"] = self.content_type
        response.headers.update(headers)
        response.raw = io.BytesIO(raw)
        return response

    def close(self) -> None:
        pass


def replay_session(routes: dict, content_type: str = "application/json") -> requests.Session:
    """A ``requests.Session`` whose every http(s) request is answered by a ReplayAdapter."""
    session = requests.Session()
    adapter = ReplayAdapter(routes, content_type)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.adapter = adapter  # type: ignore[attr-defined]
    return session


def paths(calls: Iterable[str]) -> list[str]:
    """The URL paths of recorded calls, in order."""
    return [urlparse(url).path for url in calls]


def replace_bytes(body: bytes, old: str, new: str) -> bytes:
    """`body` with `old` replaced by `new`; fails if `old` is absent (a stale fixture)."""
    assert old.encode() in body, f"{old!r} not in the fixture"
    return body.replace(old.encode(), new.encode())
