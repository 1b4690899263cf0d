"""HTTP for our own publisher loaders: one session, retries with backoff, clear errors.

Every loader downloads through :func:`download`, so each failure mode reads the same:
an HTML error page or an empty body where data was expected, HTTP 429/451/5xx, a timeout.
Each becomes a :class:`~signals.errors.DataSourceError` naming the source, the series and
the URL. 429 and 5xx answers and network errors are retried with exponential backoff
(``Retry-After`` is honoured); other 4xx answers are final.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import requests

from signals.errors import DataSourceError

__all__ = ["USER_AGENT", "Download", "download", "make_session"]

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36 riskoff"
)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


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


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body"))


def download(
    session: requests.Session,
    url: str,
    *,
    source: str,
    series: str | None = None,
    params: dict | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
) -> Download:
    """GET `url` and return its body, or raise one clear :class:`DataSourceError`.

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
    timeout : float
        Seconds per attempt.
    retries : int
        Extra attempts after a 429, a 5xx or a network error.
    backoff : float
        First wait in seconds; it doubles each attempt (0 in tests).

    Returns
    -------
    Download
        The body and its metadata.
    """
    attempt = 0
    while True:
        problem: str
        unreachable = False
        wait = backoff * 2**attempt
        try:
            response = session.get(url, params=params, timeout=timeout)
        except requests.Timeout:
            problem = f"no answer within {timeout:g} s"
        except requests.ConnectionError as exc:
            problem = f"cannot connect ({type(exc).__name__}: {exc})"
            unreachable = True
        except requests.RequestException as exc:
            problem = f"network error: {type(exc).__name__}: {exc}"
        else:
            full_url = response.url or url
            status = response.status_code
            if status < 400:
                body = response.content
                if not body.strip():
                    raise DataSourceError(
                        "the publisher sent an empty body; try again later",
                        source=source, series=series, url=full_url,
                    )
                if _looks_like_html(body):
                    raise DataSourceError(
                        "the publisher sent an HTML page instead of data (an error or "
                        "maintenance page, or the file moved); open the URL in a browser",
                        source=source, series=series, url=full_url,
                    )
                return Download(
                    body=body,
                    url=full_url,
                    fetched_at=pd.Timestamp.now(tz="UTC"),
                    last_modified=response.headers.get("Last-Modified"),
                )
            if status not in RETRY_STATUS:
                hint = {
                    404: "not found: the file moved or the series code is wrong",
                    403: "refused: the publisher blocks this client or region",
                    451: "unavailable for legal reasons in this region; use another source "
                    "or a --data-dir of saved files",
                }.get(status, "the request was refused")
                raise DataSourceError(
                    f"HTTP {status}, {hint}", source=source, series=series, url=full_url
                )
            problem = f"HTTP {status}"
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.isdigit():
                wait = max(wait, float(retry_after)) if backoff > 0 else 0.0
        if attempt >= retries:
            raise DataSourceError(
                f"{problem} after {attempt + 1} attempt(s); try again later",
                source=source, series=series, url=url, unreachable=unreachable,
            )
        time.sleep(wait)
        attempt += 1
