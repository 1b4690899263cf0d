"""Yahoo Finance through yfinance: USD/JPY, AUD/JPY, the Nikkei 225, VIX and MOVE closes.

Store ids are ``"yahoo:<TICKER>"`` for the tickers in :data:`TICKERS`; each holds the daily
``Close`` (not adjusted; these are FX rates and indices). The series are fetched at run time
and never bundled: Yahoo's terms and the index owners' (Nikkei Inc., Cboe, ICE) do not allow
redistribution.

Fetching goes through yfinance's own code path, ``yf.Ticker(symbol).history(start=..., end=...,
interval="1d", auto_adjust=False)``, which gets a cookie and a crumb and then reads
``https://query2.finance.yahoo.com/v8/finance/chart/<TICKER>`` (docs/data_sources.md
section 2.2). yfinance hides errors by default and returns an empty frame; the loader turns
``yf.config.debug.hide_exceptions`` off while it runs, so rate limiting, unknown symbols and
missing prices each become one :class:`~signals.errors.DataSourceError`.

Dates: yfinance indexes daily bars at midnight in the exchange's time zone. The observation
date is that local date, taken before any conversion: the Nikkei's bar for Tokyo date ``D``
is ``D 00:00+09:00``, which is ``D-1 15:00`` UTC.

Availability (docs/data_sources.md section 6). A value dated ``D`` is available at:

* ``JPY=X``, ``AUDJPY=X``: ``D+1 00:00 Europe/London`` plus 65 minutes. Yahoo's FX day is
  the London calendar day (bars stamped 00:00 London, 23:00 UTC in summer, seen in the chart
  data); the close is final when that day ends. The hour covers Yahoo's lag (UNVERIFIED,
  no first-seen times recorded yet); the 5 minutes more keep the value off a daily candle's
  close (one hour alone gives exactly 00:00 UTC in summer).
* ``^N225``: ``D 15:30 Asia/Tokyo`` plus 30 minutes, the Tokyo Stock Exchange close
  (15:00 before the session was extended on 2024-11-05; TSE, verified in the research notes).
* ``^VIX``: ``D 16:15 America/New_York`` plus 30 minutes, Cboe's official VIX close.
* ``^MOVE``: ``D 18:00 America/New_York``. UNVERIFIED: ICE does not document when the
  daily MOVE value reaches Yahoo; 18:00 New York is a conservative guess, two hours after
  the US cash bond market's close. Replace it once live runs have recorded first-seen times.

During a trading session Yahoo's last daily row is live (it keeps changing until the
close), so a fetch drops every row whose availability time is later than the fetch time.
Saved files (:func:`read_file`) are taken as they are.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import warnings
from pathlib import Path

import pandas as pd

from signals.errors import DataSourceError
from signals.sources.base import Fetch, Source, check_wide, observations
from signals.sources.catalog import bounds_for
from signals.sources.release import as_dates, at_local_time

__all__ = [
    "CHART_URL",
    "SOURCE",
    "TICKERS",
    "available_at",
    "fetch_ticker",
    "parse_csv",
    "parse_history",
    "read_file",
]

TICKERS = ("JPY=X", "^N225", "^VIX", "^MOVE", "AUDJPY=X")
CHART_URL = "https://query2.finance.yahoo.com/v8/finance/chart/{symbol}"
FIRST_DATE = "1990-01-01"

# symbol -> (days after D, local clock, time zone, margin added to that instant)
_RULES: dict[str, tuple[int, str, str, pd.Timedelta]] = {
    "JPY=X": (1, "00:00", "Europe/London", pd.Timedelta(hours=1, minutes=5)),
    "AUDJPY=X": (1, "00:00", "Europe/London", pd.Timedelta(hours=1, minutes=5)),
    "^N225": (0, "15:30", "Asia/Tokyo", pd.Timedelta(minutes=30)),
    "^VIX": (0, "16:15", "America/New_York", pd.Timedelta(minutes=30)),
    "^MOVE": (0, "18:00", "America/New_York", pd.Timedelta(0)),
}
_N225_OLD_CLOSE, _N225_CLOSE_MOVED = "15:00", pd.Timestamp("2024-11-05")
_FILE_NAME = re.compile(r"yahoo_(.+)\.csv", flags=re.IGNORECASE)
# yfinance's switch for hiding errors is process-wide: one riskoff fetch at a time flips it.
_YF_LOCK = threading.Lock()


def _store_id(symbol: str) -> str:
    return f"yahoo:{symbol}"


def available_at(symbol: str, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When a live bot could first have had each daily close of `symbol` (UTC).

    Parameters
    ----------
    symbol : str
        Yahoo ticker, one of :data:`TICKERS`.
    dates : DatetimeIndex
        Observation dates, exchange-local, as Yahoo names them.

    Returns
    -------
    pd.DatetimeIndex
        UTC availability times (see the module docstring for the rules and evidence).
    """
    if symbol not in _RULES:
        raise KeyError(f"no availability rule for Yahoo ticker {symbol!r}")
    days, clock, tz, margin = _RULES[symbol]
    dates = as_dates(dates)
    day = dates + pd.Timedelta(days=days)
    closes = at_local_time(day, clock, tz)
    if symbol == "^N225":
        closes = closes.where(dates >= _N225_CLOSE_MOVED,
                              at_local_time(day, _N225_OLD_CLOSE, tz))
    return closes + margin


def parse_history(history: pd.DataFrame, symbol: str, *, url: str | None = None) -> pd.DataFrame:
    """Turn a yfinance ``history()`` frame into a wide frame of daily closes.

    Parameters
    ----------
    history : DataFrame
        As ``yf.Ticker(symbol).history(interval="1d")`` returns it: an index at midnight in
        the exchange's time zone and a ``Close`` column.
    symbol : str
        The Yahoo ticker.
    url : str, optional
        For error messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive exchange-local dates), one float column ``"yahoo:<TICKER>"``.
    """
    if history.empty or "Close" not in history:
        raise DataSourceError(
            "Yahoo sent no daily closes (an empty frame); the ticker may be delisted or the "
            "range empty. Try again later", source="yahoo", series=_store_id(symbol), url=url)
    index = pd.DatetimeIndex(history.index)
    if index.tz is not None:
        index = index.tz_localize(None)  # keep the exchange's wall clock, hence its date
    return pd.DataFrame({_store_id(symbol): history["Close"].to_numpy(dtype="float64")},
                        index=pd.DatetimeIndex(index.normalize().astype("datetime64[ns]"),
                                               name="date"))


def _flatten_download_header(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the three header lines (Price / Ticker / Date) of a ``yf.download`` export."""
    first = frame.columns[0] if len(frame.columns) else None
    if first == "Price" and frame.iloc[:2, 0].tolist() == ["Ticker", "Date"]:
        return frame.iloc[2:].rename(columns={"Price": "Date"}).reset_index(drop=True)
    return frame


def parse_csv(raw: bytes, symbol: str, *, url: str | None = None) -> pd.DataFrame:
    """Parse a yfinance export of one ticker's daily history.

    Parameters
    ----------
    raw : bytes
        CSV with a ``Date`` column of exchange-local dates (``YYYY-MM-DD``, or local
        midnight with its UTC offset as ``history().to_csv()`` writes it) and a ``Close``
        column; other price columns are ignored. The three-line header of
        ``yf.download(...).to_csv()`` is accepted too.
    symbol : str
        The Yahoo ticker.
    url : str, optional
        File path or URL, for error messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive), one float column ``"yahoo:<TICKER>"``; blank closes are NaN.
    """
    series = _store_id(symbol)
    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"not a CSV file: {exc}", source="yahoo", series=series,
                              url=url) from exc
    frame = _flatten_download_header(frame)
    frame.columns = [str(column).strip() for column in frame.columns]
    if "Date" not in frame or "Close" not in frame:
        raise DataSourceError(
            f"expected a yfinance export with 'Date' and 'Close' columns, got "
            f"{list(frame.columns)}", source="yahoo", series=series, url=url)
    text = frame["Date"].str.strip()
    dates = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    bad = dates.isna() | ~text.str.slice(11, 19).isin(["", "00:00:00"])
    if bad.any():
        raise DataSourceError(
            f"{int(bad.sum())} row(s) whose Date is not an exchange-local day, first "
            f"{text[bad].iloc[0]!r}; expected YYYY-MM-DD (export the frame yfinance returns, "
            "without converting its index to UTC)", source="yahoo", series=series, url=url)
    close = frame["Close"].str.strip()
    try:
        values = pd.to_numeric(close.mask(close.eq("")), errors="raise")
    except ValueError as exc:
        raise DataSourceError(f"a Close value is not a number: {exc}", source="yahoo",
                              series=series, url=url) from exc
    return pd.DataFrame({series: values.to_numpy(dtype="float64")},
                        index=pd.DatetimeIndex(dates.astype("datetime64[ns]"), name="date"))


def _to_observations(wide: pd.DataFrame, symbol: str, url: str | None) -> pd.DataFrame:
    wide = check_wide(wide, source="yahoo", url=url, bounds=bounds_for(list(wide.columns)))
    return observations(wide, lambda dates: available_at(symbol, dates))


def _check_symbol(symbol: str, where: str | None) -> None:
    if symbol not in TICKERS:
        raise DataSourceError(
            f"ticker {symbol!r} is not one riskoff uses ({', '.join(TICKERS)})",
            source="yahoo", series=_store_id(symbol), url=where)


def _explain(exc: Exception, status: int | None) -> tuple[str, bool]:
    """One line for a yfinance or transport error, and whether it is a hard failure.

    A hard failure is one Yahoo's other tickers would meet the same way (see
    :class:`signals.sources.http.PublisherDownError`).

    `status` is the HTTP status of Yahoo's last answer, when the session could tell:
    yfinance reads a 451/500/503 body as "no prices" and calls the ticker "possibly
    delisted", so the status is named first.
    """
    import requests
    from yfinance.exceptions import YFPricesMissingError, YFRateLimitError, YFTzMissingError

    if isinstance(exc, YFRateLimitError) or status == 429:
        return ("rate limited by Yahoo (HTTP 429 Too Many Requests); wait and try again "
                "later (cloud and shared IPs are often blocked); cboe:VIX and fred:DEXJPUS "
                "cover VIX and USD/JPY history meanwhile", True)
    if status == 451:
        return ("HTTP 451 Unavailable For Legal Reasons: Yahoo refuses this region; use "
                "saved files (--data-dir) or cboe:VIX and fred:DEXJPUS", True)
    if status is not None and status >= 500:
        return f"HTTP {status}: Yahoo's server failed; try again later", True
    if _is_timeout(exc):
        return f"no answer from Yahoo in time ({exc}); try again later", True
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return (f"the connection dropped before Yahoo's whole answer arrived ({exc}); "
                "nothing was stored, try again", False)
    if _cannot_connect(exc):
        return f"cannot connect to Yahoo ({type(exc).__name__}: {exc})", True
    if isinstance(exc, json.JSONDecodeError):
        return (f"Yahoo's answer is not whole JSON (an HTML page, an empty body or a body "
                f"cut short: {exc}); nothing was stored, try again later", False)
    if isinstance(exc, YFTzMissingError) or status == 404:
        return (f"the symbol is unknown to Yahoo (no time zone, HTTP 404 or delisted): {exc}; "
                "check the ticker", False)
    if status is not None and status >= 400:
        return f"HTTP {status}: Yahoo refused the request ({exc})", False
    if isinstance(exc, YFPricesMissingError):
        return f"Yahoo sent no prices for the range: {exc}", False
    return f"yfinance failed: {type(exc).__name__}: {exc}", False


def _is_timeout(exc: Exception) -> bool:
    """A timeout from requests or from curl_cffi (yfinance's own session)."""
    import requests

    return isinstance(exc, requests.Timeout | TimeoutError) or type(exc).__name__ == "Timeout"


def _cannot_connect(exc: Exception) -> bool:
    """No connection at all (no network, DNS, refused), from requests or curl_cffi."""
    import requests

    if _is_timeout(exc) or isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return False
    return isinstance(exc, requests.ConnectionError) or any(
        cls.__name__ in ("ConnectionError", "DNSError") and "curl" in cls.__module__
        for cls in type(exc).__mro__)


def _third_of_time_left(read_timeout: float, limit) -> float:
    return read_timeout if limit is None else min(read_timeout,
                                                  max(limit.remaining(), 0.003) / 3)


def _history(symbol: str, session, start: str, end: pd.Timestamp, url: str) -> pd.DataFrame:
    """Run ``yf.Ticker(symbol).history`` with yfinance raising instead of hiding errors.

    yfinance's own log lines ("Cookie/crumb fetch failed", "possibly delisted") are
    silenced while it runs: the error raised here says the same once, with the fix.
    yfinance makes up to three requests (cookie or time zone, crumb, chart), so each gets a
    third of the time left before the current deadline
    (:func:`signals.sources.http.deadline`) at most; on a session passed in, the cap also
    covers yfinance's time-zone lookup, which has its own 10 s timeout. yfinance's own
    session (``session=None``) keeps that 10 s on a ticker's first fetch (the time zone is
    cached after it).
    """
    import yfinance as yf
    from yfinance.exceptions import YFException

    from signals.sources.http import PublisherDownError, current_deadline, request_timeout

    limit = current_deadline()
    if limit is not None and limit.expired():
        raise PublisherDownError(f"the refresh's deadline of {limit.seconds:g} s was reached",
                                 source="yahoo", series=_store_id(symbol), url=url)
    statuses: list[int] = []

    def remember(response, *args, **kwargs):
        if "/v8/finance/chart/" in str(getattr(response, "url", "")):
            statuses.append(response.status_code)

    hooks = getattr(session, "hooks", None)
    timeout = _third_of_time_left(request_timeout()[1], limit)
    send = getattr(session, "request", None)
    logger = logging.getLogger("yfinance")
    with _YF_LOCK:  # one fetch at a time changes yfinance's switches and the session
        if hooks is not None:
            hooks.setdefault("response", []).append(remember)
        if send is not None:  # yfinance's time-zone lookup has its own 10 s timeout: cap it
            session.request = lambda method, url, **kw: send(
                method, url, **{**kw, "timeout": min(kw.get("timeout") or timeout, timeout)})
        debug = yf.config.debug
        hidden, level = debug.hide_exceptions, logger.level
        debug.hide_exceptions = False
        logger.setLevel(logging.CRITICAL + 1)
        try:
            with warnings.catch_warnings():
                # yfinance's own pandas deprecation notices; nothing a riskoff user can act on
                warnings.filterwarnings("ignore", category=DeprecationWarning, module="yfinance")
                return yf.Ticker(symbol, session=session).history(
                    start=start, end=end, interval="1d", auto_adjust=False,
                    timeout=timeout)
        except (YFException, OSError, ValueError, KeyError) as exc:
            # OSError covers requests' and curl_cffi's network and HTTP errors; ValueError
            # (JSONDecodeError) and KeyError come from yfinance reading an error body.
            status = statuses[-1] if statuses else None
            message, hard = _explain(exc, status)
            kind = PublisherDownError if hard else DataSourceError
            raise kind(message, source="yahoo", series=_store_id(symbol), url=url,
                       unreachable=status is None and _cannot_connect(exc)) from exc
        finally:
            debug.hide_exceptions = hidden
            logger.setLevel(level)
            if hooks is not None:
                hooks["response"].remove(remember)
            if send is not None:
                del session.request


def fetch_ticker(
    symbol: str,
    session=None,
    since: pd.Timestamp | None = None,
    *,
    now: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Download one ticker's daily closes through yfinance, from `since` to `now`.

    Parameters
    ----------
    symbol : str
        Yahoo ticker, one of :data:`TICKERS`.
    session : requests.Session or curl_cffi Session, optional
        Handed to yfinance; ``None`` lets yfinance use its own curl_cffi session, which
        Yahoo rate-limits least. yfinance keeps the last session it was given.
    since : Timestamp, optional
        First exchange-local date wanted; ``None`` for all history (from 1990-01-01).
    now : Timestamp, optional
        The fetch time, tz-aware; the current time when ``None`` (tests freeze it). Rows
        whose availability time is later are dropped: they are still forming.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`).
    """
    url = CHART_URL.format(symbol=symbol)
    _check_symbol(symbol, url)
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now).tz_convert("UTC")
    start = FIRST_DATE if since is None else pd.Timestamp(since).strftime("%Y-%m-%d")
    history = _history(symbol, session, start, now + pd.Timedelta(days=1), url)
    obs = _to_observations(parse_history(history, symbol, url=url), symbol, url)
    return obs[obs["available_at"] <= now].reset_index(drop=True)


def read_file(path: Path) -> pd.DataFrame:
    """Parse a saved ``yahoo_<TICKER>.csv`` (see :func:`parse_csv`); the name gives the ticker."""
    path = Path(path)
    match = _FILE_NAME.fullmatch(path.name)
    symbol = match.group(1).upper() if match else path.name
    if symbol not in TICKERS:
        raise DataSourceError(
            f"cannot tell which ticker {path.name!r} holds: name it yahoo_<TICKER>.csv with "
            f"one of {', '.join(TICKERS)}", source="yahoo", url=str(path))
    return _to_observations(parse_csv(path.read_bytes(), symbol, url=str(path)), symbol,
                            str(path))


def _fetch(symbol: str) -> Fetch:
    return Fetch(_store_id(symbol), (_store_id(symbol),),
                 lambda session, since: fetch_ticker(symbol, session, since))


SOURCE = Source(
    name="yahoo",
    title="Yahoo Finance via yfinance: USD/JPY, AUD/JPY, Nikkei 225, VIX and MOVE closes",
    attribution=("Yahoo Finance (fetched at run time, not redistributed); Nikkei 225: Nikkei "
                 "Inc.; VIX: Cboe Global Markets; MOVE: ICE Data Indices"),
    files=(r"yahoo_.+\.csv",),
    fetches=tuple(_fetch(symbol) for symbol in TICKERS),
    read_file=read_file,
    revision_days=5,
    bundled=(),
    stamp=lambda series, dates: available_at(series.removeprefix("yahoo:"), dates),
)
