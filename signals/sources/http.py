"""HTTP for our own publisher loaders: one session, a retry policy fit for a bot, clear errors.

Every loader downloads through :func:`download`, so each failure mode reads the same and
costs a bounded time:

* an HTML error page, an empty body, or a body cut short (a text file that does not end on
  a line break, JSON that does not parse whole, a connection dropped before
  ``Content-Length`` bytes arrived) is a :class:`~signals.errors.DataSourceError`; nothing
  of it reaches the parser, so nothing of it is stored;
* HTTP 429 and 5xx answers are retried with exponential backoff (1, 2, 4 s). A
  ``Retry-After`` header (seconds or an HTTP date) is honoured up to
  :data:`MAX_RETRY_AFTER` seconds; beyond that the download fails at once with the time the
  publisher asked us to come back;
* a timeout (the publisher accepted the connection and did not answer), a refused
  connection and a 429/5xx that outlasts its retries are *hard* failures,
  :class:`PublisherDownError`: :func:`signals.data.update.refresh_macro` skips that publisher's
  other downloads for the rest of the run (a circuit breaker);
* inside a :func:`deadline` block no request, read or wait runs past the deadline: each
  request's connect and read timeouts (:data:`CONNECT_TIMEOUT`, :data:`READ_TIMEOUT`) are
  cut to the time left, the body is read in chunks with the clock checked between them, and
  a wait that would cross the deadline is not started.
"""

from __future__ import annotations

import contextvars
import email.utils
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import requests

from signals.errors import DataSourceError

__all__ = [
    "CONNECT_TIMEOUT",
    "MAX_RETRY_AFTER",
    "READ_TIMEOUT",
    "USER_AGENT",
    "Deadline",
    "Download",
    "PublisherDownError",
    "current_deadline",
    "deadline",
    "download",
    "make_session",
    "request_timeout",
    "retry_after_seconds",
]

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36 riskoff"
)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

#: Longest ``Retry-After`` honoured, in seconds. A bot refreshing every few minutes gains
#: nothing by sleeping longer inside one refresh; a longer request fails the download at once.
MAX_RETRY_AFTER = 60.0
#: Seconds to wait for a connection to open (cut to the time left before the deadline).
CONNECT_TIMEOUT = 5.0
#: Seconds to wait for each chunk of an answer (cut to the time left before the deadline).
READ_TIMEOUT = 15.0
_CHUNK = 65_536


class PublisherDownError(DataSourceError):
    """A hard failure: the publisher timed out, refused, or kept answering 429/5xx.

    Its other downloads would fail the same way, so a refresh skips them (see
    :func:`signals.data.update.refresh_macro`).

    Attributes
    ----------
    retry_at : pd.Timestamp or None
        When the publisher asked to be contacted again (``Retry-After``), UTC.
    """

    def __init__(self, message: str, *, source: str, series: str | None = None,
                 url: str | None = None, unreachable: bool = False,
                 retry_at: pd.Timestamp | None = None) -> None:
        super().__init__(message, source=source, series=series, url=url,
                         unreachable=unreachable)
        self.retry_at = retry_at


class Deadline:
    """A point in time after which no download starts, reads or waits.

    Parameters
    ----------
    seconds : float
        Time allowed from now, in seconds.
    clock : callable
        Monotonic clock in seconds (tests pass one that also counts their skipped sleeps).
    """

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not seconds > 0:
            raise ValueError(f"deadline must be a positive number of seconds; got {seconds!r}")
        self.seconds = float(seconds)
        self._clock = clock
        self._start = clock()

    def elapsed(self) -> float:
        """Seconds since the deadline was set."""
        return self._clock() - self._start

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.seconds - self.elapsed())

    def expired(self) -> bool:
        """Whether the time is up."""
        return self.remaining() <= 0.0


_CURRENT: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "riskoff_deadline", default=None)


@contextmanager
def deadline(seconds: float | Deadline, *,
             clock: Callable[[], float] = time.monotonic) -> Iterator[Deadline]:
    """Bound every :func:`download` (and yfinance / ccxt request) in the block by a deadline.

    Parameters
    ----------
    seconds : float or Deadline
        Time allowed for the whole block, in seconds, or a deadline already running.
    clock : callable
        Monotonic clock in seconds.

    Yields
    ------
    Deadline
    """
    limit = seconds if isinstance(seconds, Deadline) else Deadline(seconds, clock=clock)
    token = _CURRENT.set(limit)
    try:
        yield limit
    finally:
        _CURRENT.reset(token)


def current_deadline() -> Deadline | None:
    """The deadline of the enclosing :func:`deadline` block, if any."""
    return _CURRENT.get()


def request_timeout(connect: float | None = None,
                    read: float | None = None) -> tuple[float, float]:
    """``(connect, read)`` timeouts in seconds, cut to the time left before the deadline.

    ``None`` means :data:`CONNECT_TIMEOUT` / :data:`READ_TIMEOUT`.
    """
    connect = CONNECT_TIMEOUT if connect is None else connect
    read = READ_TIMEOUT if read is None else read
    limit = current_deadline()
    if limit is None:
        return connect, read
    left = max(limit.remaining(), 0.001)
    return min(connect, left), min(read, left)


@dataclass(frozen=True)
class Download:
    """A raw response body and what we know about when and where it came from.

    Attributes
    ----------
    body : bytes
        The body exactly as served.
    url : str
        The final URL.
    fetched_at : pd.Timestamp
        When the body arrived, UTC.
    last_modified : str or None
        The ``Last-Modified`` header, kept to calibrate publication times.
    """

    body: bytes
    url: str
    fetched_at: pd.Timestamp
    last_modified: str | None


def make_session() -> requests.Session:
    """A ``requests.Session`` with a browser-like User-Agent (some publishers need one)."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def retry_after_seconds(value: str | None, *, now: pd.Timestamp | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks us to wait, ``None`` when absent or unreadable.

    Parameters
    ----------
    value : str or None
        The header: delay seconds (``"120"``) or an HTTP date
        (``"Wed, 21 Oct 2015 07:28:00 GMT"``).
    now : pd.Timestamp, optional
        The current time, UTC (default: the clock); a date in the past means 0.

    Returns
    -------
    float or None
    """
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    return max(0.0, (pd.Timestamp(when) - now).total_seconds())


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body"))


def _cut_short(body: bytes, ends_with: tuple[bytes, ...] | None, is_json: bool) -> str | None:
    """Why `body` looks cut short, or ``None`` when it ends on a record boundary."""
    if is_json:
        try:
            json.loads(body)
        except ValueError as exc:
            return f"the JSON does not parse whole ({exc})"
        return None
    if ends_with and not body.endswith(ends_with):
        tail = body[-12:].decode("utf-8", errors="replace")
        return f"the file does not end with a line break (it ends {tail!r})"
    return None


def _connect_reason(exc: requests.ConnectionError) -> str:
    """The operating system's reason, without urllib3's wrapping ("Failed to resolve ...")."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None) or exc
    text = str(reason)
    return text.split("): ", 1)[1] if "): " in text else text


def _read_body(response: requests.Response, limit: Deadline | None) -> bytes:
    """The whole body, read in chunks; the deadline is checked between them."""
    chunks, size = [], 0
    for chunk in response.iter_content(_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if limit is not None and limit.expired():
            raise TimeoutError(f"the deadline of {limit.seconds:g} s passed after {size} bytes")
    return b"".join(chunks)


def download(
    session: requests.Session,
    url: str,
    *,
    source: str,
    series: str | None = None,
    params: dict | None = None,
    ends_with: bytes | tuple[bytes, ...] | None = b"\n",
    is_json: bool = False,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    retries: int = 3,
    backoff: float = 1.0,
) -> Download:
    """GET `url` and return its whole body, or raise one clear :class:`DataSourceError`.

    Parameters
    ----------
    session : requests.Session
        The session to use (tests mount a replay adapter on it).
    url : str
        The URL.
    source, series : str
        Named in every error message.
    params : dict, optional
        Query parameters.
    ends_with : bytes or tuple of bytes, optional
        What a complete body ends with (its last record's end: a line break for the CSV and
        text files); a body ending otherwise was cut short. ``None``: not checked.
    is_json : bool
        The body is JSON and must parse whole (`ends_with` is then ignored).
    connect_timeout, read_timeout : float
        Seconds per attempt to connect and between bytes of the answer (default
        :data:`CONNECT_TIMEOUT`, :data:`READ_TIMEOUT`); both are cut to the time left
        before the current :func:`deadline`.
    retries : int
        Extra attempts after a 429, a 5xx or a connection dropped mid-body.
    backoff : float
        First wait in seconds; it doubles each attempt.

    Returns
    -------
    Download
        The body and its metadata.

    Raises
    ------
    PublisherDownError
        A timeout, a refused connection, 429/5xx after every retry, a ``Retry-After``
        beyond :data:`MAX_RETRY_AFTER`, or the deadline reached.
    DataSourceError
        Any other failure: HTTP 4xx, an HTML page, an empty or cut-short body.
    """
    endings = (ends_with,) if isinstance(ends_with, bytes) else ends_with
    limit = current_deadline()

    def fail(message: str, *, hard: bool = False, where: str = url, **extra) -> DataSourceError:
        kind = PublisherDownError if hard else DataSourceError
        return kind(message, source=source, series=series, url=where, **extra)

    attempt = 0
    while True:
        if limit is not None and limit.expired():
            raise fail(f"the refresh's deadline of {limit.seconds:g} s was reached before "
                       "this download could finish; run it again, or pass a longer --timeout",
                       hard=True)
        timeout = request_timeout(connect_timeout, read_timeout)
        wait = backoff * 2**attempt
        problem: str
        try:
            response = session.get(url, params=params, timeout=timeout, stream=True)
            try:
                status = response.status_code
                body = _read_body(response, limit) if status < 400 else b""
            finally:
                response.close()
        except (requests.Timeout, TimeoutError) as exc:
            detail = str(exc) if isinstance(exc, TimeoutError) else \
                f"no answer within {timeout[1]:g} s"
            raise fail(f"{detail}; the publisher accepted the connection but did not "
                       "answer", hard=True) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            problem = f"the connection dropped before the whole body arrived ({exc})"
        except requests.ConnectionError as exc:
            if "Read timed out" in str(exc):  # a read timeout inside the body
                raise fail(f"the body stopped arriving for {timeout[1]:g} s; the publisher "
                           "stalled mid-answer", hard=True) from exc
            raise fail(f"cannot connect: {_connect_reason(exc)}", hard=True,
                       unreachable=True) from exc
        except requests.RequestException as exc:
            problem = f"network error: {type(exc).__name__}: {exc}"
        else:
            full_url = response.url or url
            if status < 400:
                return _checked(body, full_url, response, endings, is_json, fail)
            if status not in RETRY_STATUS:
                hint = {
                    404: "not found: the file moved or the series code is wrong",
                    403: "refused: the publisher blocks this client or region",
                    451: "unavailable for legal reasons in this region; use another source "
                    "or a --data-dir of saved files",
                }.get(status, "the request was refused")
                raise fail(f"HTTP {status}, {hint}", where=full_url)
            problem = f"HTTP {status}"
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None:
                if asked > MAX_RETRY_AFTER:
                    back = pd.Timestamp.now(tz="UTC") + pd.Timedelta(seconds=asked)
                    raise fail(
                        f"{problem}: the publisher asked to come back in {asked:,.0f} s "
                        f"(at {back:%Y-%m-%d %H:%M} UTC), longer than riskoff waits "
                        f"({MAX_RETRY_AFTER:g} s); try again after then", hard=True,
                        where=full_url, retry_at=back.floor("s"))
                wait = max(wait, asked)
        if attempt >= retries:
            raise fail(f"{problem} after {attempt + 1} attempt(s); try again later", hard=True)
        if limit is not None and wait >= limit.remaining():
            raise fail(f"{problem}; the next attempt (in {wait:g} s) would pass the "
                       f"refresh's deadline ({limit.remaining():.1f} s left); try again later",
                       hard=True)
        time.sleep(wait)
        attempt += 1


def _checked(body: bytes, url: str, response: requests.Response,
             endings: tuple[bytes, ...] | None, is_json: bool, fail) -> Download:
    """`body` as a :class:`Download`, or the error that says why it is not data."""
    if not body.strip():
        raise fail("the publisher sent an empty body; try again later", where=url)
    if _looks_like_html(body):
        raise fail("the publisher sent an HTML page instead of data (an error or maintenance "
                   "page, or the file moved); open the URL in a browser", where=url)
    short = _cut_short(body, endings, is_json)
    if short is not None:
        raise fail(f"the download was cut short: {short}; nothing was stored, try again",
                   where=url)
    return Download(body=body, url=url, fetched_at=pd.Timestamp.now(tz="UTC"),
                    last_modified=response.headers.get("Last-Modified"))
