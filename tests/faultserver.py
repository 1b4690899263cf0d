"""A real HTTP server on 127.0.0.1 that misbehaves on request, for socket-level fault tests.

Each fault is a named way for a publisher to answer (:data:`FAULTS`): a status with or
without ``Retry-After``, a hang (the connection is accepted and never answered), an HTML
page, an empty body, a body cut mid-record or mid-number, a connection dropped mid-body,
extra columns, rows out of order. The server answers every request with the fault applied
to the recorded body of the path asked for, through the real socket, so ``requests``,
``urllib3``, yfinance and ccxt run their whole code path.

:class:`RedirectAdapter` sends a session's https requests to the server (for yfinance and
ccxt, whose URLs are fixed inside the libraries); our own loaders' URL constants are
pointed at the server directly.
"""

from __future__ import annotations

import email.utils
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, urlunparse

import requests
from requests.adapters import HTTPAdapter

#: Every fault, in the order the matrix reports them.
FAULTS = (
    "ok", "429_small_retry_after", "429_huge_retry_after", "429_date_retry_after", "451",
    "500", "503", "hang", "html", "empty", "cut_mid_record", "cut_mid_number",
    "cut_mid_number_newline_kept", "dropped_mid_body", "extra_columns", "rows_out_of_order",
)


def _data_lines(body: bytes) -> list[int]:
    """Indexes of the lines that hold records (they start with a digit or a quoted date)."""
    lines = body.split(b"\n")
    return [i for i, line in enumerate(lines) if re.match(rb'^\s*"?\d', line)]


def _text_fault(body: bytes, fault: str) -> bytes:
    lines = body.split(b"\n")
    rows = _data_lines(body)
    if fault == "extra_columns":
        sep = b"\t" if b"\t" in body and b"," not in lines[0] else b","
        return b"\n".join(line.rstrip(b"\r") + sep + b"extra" + (b"\r" if line.endswith(b"\r")
                          else b"") if line.strip() else line for line in lines)
    if fault == "rows_out_of_order" and len(rows) > 1:
        picked = [lines[i] for i in rows]
        for i, line in zip(rows, reversed(picked), strict=True):
            lines[i] = line
        return b"\n".join(lines)
    return body


def _json_fault(body: bytes, fault: str) -> bytes:
    data = json.loads(body)
    if fault == "extra_columns" and isinstance(data, list):
        return json.dumps([{**row, "extra_field": "x"} if isinstance(row, dict) else [*row, 0]
                           for row in data]).encode()
    if fault == "rows_out_of_order" and isinstance(data, list):
        return json.dumps(list(reversed(data))).encode()
    if fault == "rows_out_of_order" and isinstance(data, dict) and "chart" in data:
        result = data["chart"]["result"][0]
        order = list(reversed(range(len(result["timestamp"]))))
        result["timestamp"] = [result["timestamp"][i] for i in order]
        quote = result["indicators"]["quote"][0]
        for key, values in quote.items():
            quote[key] = [values[i] for i in order]
        return json.dumps(data).encode()
    return body


def faulty_body(body: bytes, fault: str) -> bytes:
    """The recorded `body` as `fault` would deliver it (for the body-shaping faults)."""
    if fault == "html":
        return b"<!DOCTYPE html><html><body><h1>Service maintenance</h1></body></html>\n"
    if fault == "empty":
        return b""
    if fault == "cut_mid_record":
        end = body.rstrip(b"\r\n")
        last = max(end.rfind(b"\n"), 0)
        return end[: last + (len(end) - last) // 2]
    if fault == "cut_mid_number":
        return body.rstrip(b"\r\n")[:-1]
    if fault == "cut_mid_number_newline_kept":
        ending = body[len(body.rstrip(b"\r\n")):]
        return body.rstrip(b"\r\n")[:-1] + ending
    if fault in ("extra_columns", "rows_out_of_order"):
        try:
            return _json_fault(body, fault)
        except ValueError:
            return _text_fault(body, fault)
    return body


class FaultServer:
    """A threaded HTTP server on 127.0.0.1 serving recorded bodies with one fault.

    Parameters
    ----------
    routes : dict
        ``{path: body}``; a path may end with ``*`` to match any suffix.
    faulty : callable, optional
        ``faulty(path) -> bool``: which paths get the fault (default: all).

    Attributes
    ----------
    fault : str
        One of :data:`FAULTS`; set it before each scenario.
    requests : list of str
        Paths asked for, in order.
    on_answer : callable or None
        Called with the number of answers sent so far, after each answer (tests use it to
        kill a client at a chosen point).
    """

    def __init__(self, routes: dict[str, bytes],
                 faulty: Callable[[str], bool] | None = None) -> None:
        self.routes = routes
        self.faulty = faulty or (lambda path: True)
        self.fault = "ok"
        self.requests: list[str] = []
        self.on_answer: Callable[[int], None] | None = None
        self._answers = 0
        self._lock = threading.Lock()
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server._answer(self)
                with server._lock:
                    server._answers += 1
                    count = server._answers
                if server.on_answer is not None:
                    server.on_answer(count)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release hung handlers and stop the server."""
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _body(self, path: str) -> bytes | None:
        for key, body in self.routes.items():
            if path == key or (key.endswith("*") and path.startswith(key[:-1])):
                return body
        return None

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlparse(handler.path).path
        self.requests.append(path)
        body = self._body(path)
        fault = self.fault if self.faulty(path) else "ok"
        if body is None:
            return self._send(handler, 404, b'{"error": "not recorded"}')
        if fault == "hang":
            self._release.wait()
            return None
        status = {"451": 451, "500": 500, "503": 503}.get(fault)
        if status is not None:
            return self._send(handler, status, b'{"error": "refused"}')
        if fault.startswith("429"):
            after = {"429_small_retry_after": "1", "429_huge_retry_after": "86400",
                     "429_date_retry_after": email.utils.formatdate(time.time() + 3600,
                                                                    usegmt=True)}[fault]
            return self._send(handler, 429, b'{"error": "rate limited"}',
                              {"Retry-After": after})
        if fault == "dropped_mid_body":
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(2)
            return None
        return self._send(handler, 200, faulty_body(body, fault))

    @staticmethod
    def _send(handler, status: int, body: bytes, headers: dict | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)


class RedirectAdapter(HTTPAdapter):
    """Send every request of a session to `base` (scheme and host replaced), for real."""

    def __init__(self, base: str) -> None:
        super().__init__(max_retries=0)
        self.base = urlparse(base)

    def send(self, request, **kwargs):
        parts = urlparse(request.url)
        request.url = urlunparse(parts._replace(scheme=self.base.scheme,
                                                netloc=self.base.netloc))
        return super().send(request, **kwargs)


def redirected_session(base: str) -> requests.Session:
    """A ``requests.Session`` whose http and https requests all go to `base`."""
    session = requests.Session()
    adapter = RedirectAdapter(base)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
