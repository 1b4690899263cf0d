"""Complete OHLCV history from crypto exchanges through ccxt, one page at a time.

:func:`fetch_ohlcv_range` walks forward from `start` to `end` with its own pagination loop
(ccxt's ``paginate`` option silently starts late when no ``until`` is given), hands every
cleaned page to the caller as it arrives, retries transient failures with exponential
backoff, and falls back to other exchanges when the first one refuses the client's region
or does not list the symbol.

The frame it returns (the OHLCV contract used by every backtest):

=========== ============================ ==================================================
column      dtype                        meaning
=========== ============================ ==================================================
(index)     datetime64[ns, UTC]          ``open_time``: the candle's open; close = open + tf
open        float64                      first trade price, quote currency per base unit
high        float64                      highest trade price
low         float64                      lowest trade price
close       float64                      last trade price
volume      float64                      traded amount in the base currency (e.g. BTC)
=========== ============================ ==================================================

sorted, unique, and without the still-forming candle (``open + timeframe > now``).

Error policy (ccxt's exception tree, see docs/data_sources.md section 1.5):

- ``OperationFailed`` and its ``NetworkError`` family (``DDoSProtection`` for binance's
  HTTP 429/418, ``RequestTimeout``, a 5xx ``ExchangeNotAvailable``; binance's ``-1000``
  "unknown error" is a bare ``OperationFailed``) is retried with exponential backoff.
- A regional refusal (HTTP 451, "restricted location") and ``BadSymbol`` move on to the
  next exchange at once; so does an exchange that stays unreachable after its retries or
  has no candles in the range, as long as no page of it was handed over yet.
- Any other ``ExchangeError`` is final, and so is a failure after pages were handed over:
  exchanges are never spliced inside one series (USDT and USD quotes differ, and so do
  venues' prices).
"""

from __future__ import annotations

import difflib
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from backtests.candles.checks import BadCandleWarning, candle_problems
from backtests.candles.files import OHLCV_COLUMNS, candle_file_name
from signals.errors import DataContractError, DataSourceError
from signals.sources.http import current_deadline

if TYPE_CHECKING:
    import ccxt

__all__ = [
    "BACKOFF_SECONDS",
    "DEFAULT_FALLBACKS",
    "DEFAULT_PAGE_LIMIT",
    "EARLIEST_START",
    "HistoryUnavailableWarning",
    "OHLCVFetch",
    "fetch_ohlcv_range",
    "make_client",
]

#: Fallback exchanges, in order, tried with the *same* symbol (the quote is never switched).
#: okx first: it lists the same USDT pairs as binance with daily history back to its
#: listing (``HistoryCandles`` endpoint; 300 candles a page). bybit next: USDT pairs, 1000
#: candles a page, but spot history only since its 2021 spot launch [UNVERIFIED depth].
#: coinbase: reachable from the US, where binance answers HTTP 451 and okx/bybit refuse too;
#: it lists BTC-USDT and ETH-USDT besides its USD pairs. kraken last: it serves only the
#: most recent 720 candles (``since`` cannot reach older data), which this module warns about.
DEFAULT_FALLBACKS = ("okx", "bybit", "coinbase", "kraken")

#: Candles per request when an exchange does not publish
#: ``features['spot']['fetchOHLCV']['limit']``: 100 is within every exchange's maximum.
DEFAULT_PAGE_LIMIT = 100

#: First wait before a retry, in seconds; it doubles on each further attempt.
BACKOFF_SECONDS = 1.0

#: Default `start`: Mt. Gox's first bitcoin trades (2010-07-17). No exchange has candles
#: before it; exchanges that answer from their first candle at or after ``since`` (binance,
#: kraken) start at their listing, windowed ones skip empty windows up to it.
EARLIEST_START = pd.Timestamp("2010-07-17", tz="UTC")

#: Exchanges whose ``fetchMarkets`` takes ``{'types': [...]}``: load spot markets only
#: (binance would otherwise also call its fapi and dapi ``exchangeInfo``).
_SPOT_ONLY_MARKETS = frozenset({"binance", "bybit", "okx"})

#: Exchanges asked for a bounded window ``[since, since + limit * tf)`` per request: an
#: empty answer means "nothing in this window" (e.g. before the listing), not end of data.
_WINDOWED = frozenset({"bitstamp", "bybit", "coinbase", "okx"})

#: ccxt's message for an HTTP refusal ends in ``"<url> <status> <reason> <body>"``.
_REFUSAL = re.compile(r"\s451\s|restricted location|from your country", re.IGNORECASE)

ClientFactory = Callable[[str], "ccxt.Exchange"]
PageCallback = Callable[[pd.DataFrame], Any]
TimeLike = pd.Timestamp | str | int | None


class HistoryUnavailableWarning(UserWarning):
    """The exchange served only recent candles: the history before them is not reachable."""


@dataclass(frozen=True)
class OHLCVFetch:
    """The candles of one symbol and timeframe, and where and how they were fetched.

    Attributes
    ----------
    frame : pd.DataFrame
        OHLCV frame (see the module docstring); may be empty when no candle has closed
        in the range yet.
    exchange : str
        ccxt id of the exchange that served every candle of `frame`.
    symbol : str
        The unified symbol, as asked for (e.g. ``"BTC/USDT"``).
    timeframe : str
        ccxt timeframe, e.g. ``"1d"``.
    pages : int
        Non-empty pages handed over (each also passed to ``on_page``).
    complete : bool
        False when the exchange could not serve the whole range (see `note`).
    note : str or None
        Why `complete` is False.
    skipped : tuple of (str, str)
        Exchanges tried before `exchange` and why each was passed over.
    """

    frame: pd.DataFrame
    exchange: str
    symbol: str
    timeframe: str
    pages: int
    complete: bool
    note: str | None = None
    skipped: tuple[tuple[str, str], ...] = field(default=())


@dataclass
class _Walk:
    """Progress of one exchange's pagination, for messages and the result."""

    pages: list[pd.DataFrame] = field(default_factory=list)
    seen_rows: bool = False
    note: str | None = None


class _NoCandlesError(Exception):
    """The exchange answered, but with no candle at all in the range."""


class _NotJsonError(Exception):
    """The exchange answered 200 with something that is not JSON (HTML, empty, cut short)."""


def _not_json(client: ccxt.Exchange) -> str | None:
    """What the exchange's last answer was instead of JSON, or ``None`` when it was JSON.

    ccxt reads an HTML page, an empty body or a body cut short as "no data" and returns
    an empty list; this names what really came.
    """
    import json

    body = client.last_http_response
    if body is None:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    if not text.strip():
        return "an empty body instead of JSON"
    if text.lstrip()[:15].lower().startswith(("<!doctype", "<html", "<?xml")):
        return "an HTML page instead of JSON (an error or maintenance page)"
    try:
        json.loads(text)
    except ValueError as exc:
        return f"a body that is not whole JSON (cut short? {exc})"
    return None


def make_client(exchange_id: str) -> ccxt.Exchange:
    """Build the default sync ccxt client for `exchange_id`.

    Parameters
    ----------
    exchange_id : str
        A ccxt exchange id, e.g. ``"binance"``.

    Returns
    -------
    ccxt.Exchange
        A client with ``enableRateLimit=True`` (ccxt throttles per instance, so one
        instance serves every request to that exchange), loading spot markets only where
        the exchange supports the option.
    """
    import ccxt

    config: dict[str, Any] = {"enableRateLimit": True}
    if exchange_id in _SPOT_ONLY_MARKETS:
        config["options"] = {"fetchMarkets": {"types": ["spot"]}}
    return getattr(ccxt, exchange_id)(config)


def fetch_ohlcv_range(
    symbol: str,
    timeframe: str = "1d",
    *,
    exchange: str = "binance",
    fallbacks: Sequence[str] = DEFAULT_FALLBACKS,
    start: TimeLike = None,
    end: TimeLike = None,
    client_factory: ClientFactory | None = None,
    on_page: PageCallback | None = None,
    now: TimeLike = None,
    max_retries: int = 5,
    sleep: Callable[[float], Any] | None = None,
) -> OHLCVFetch:
    """Fetch every closed candle of `symbol` from `start` to `end`, page by page.

    Parameters
    ----------
    symbol : str
        ccxt unified symbol ``BASE/QUOTE``, e.g. ``"BTC/USDT"``; used unchanged on every
        exchange of the chain.
    timeframe : str
        ccxt timeframe; must be offered by `exchange` (fallbacks that lack it are skipped).
    exchange : str
        ccxt id of the exchange to try first.
    fallbacks : sequence of str
        Exchanges tried next, in order, when one refuses the region, lacks the symbol or
        the timeframe, stays unreachable, or has no candle in the range.
    start : pd.Timestamp, str or int, optional
        First candle open wanted (inclusive); int = ms since the epoch, naive = UTC.
        Default :data:`EARLIEST_START` (all of the exchange's history).
    end : pd.Timestamp, str or int, optional
        Candles opening before `end` are wanted (exclusive). Default `now`.
    client_factory : callable, optional
        ``client_factory(exchange_id) -> ccxt.Exchange``, called at most once per id.
        Default :func:`make_client`.
    on_page : callable, optional
        Called with each non-empty page, already cleaned (the OHLCV frame contract), as
        soon as it arrives, so the caller can persist it before the next request. The
        page's ``attrs`` name its ``exchange`` (a fallback's id when one serves it),
        ``symbol`` and ``timeframe``.
    now : pd.Timestamp, str or int, optional
        The current time (int = ms); candles with ``open + timeframe > now`` are still
        forming and dropped. Default: the clock.
    max_retries : int
        Retries of one request after a transient (``OperationFailed``) error.
    sleep : callable, optional
        ``sleep(seconds)``, called between retries (default ``time.sleep``); waits are
        ``BACKOFF_SECONDS * 2**attempt``. A failure to connect at all is retried once.

    Returns
    -------
    OHLCVFetch
        The candles, the exchange that served them, pages and completeness.

    Raises
    ------
    DataContractError
        Unknown exchange id, a timeframe `exchange` does not offer, or `start` not before
        `end`.
    DataSourceError
        A final exchange error; a failure after pages were handed over (it names the last
        candle handed over); or every exchange of the chain failed (one line each).

    Warns
    -----
    HistoryUnavailableWarning
        The exchange served only its most recent candles (kraken keeps 720): the result
        starts later than asked and is marked incomplete.
    """
    import ccxt

    chain = _chain(exchange, fallbacks)
    factory = client_factory or make_client
    since_ms, stop_ms, now_ms = _time_range(start, end, now)
    skipped: list[tuple[str, str]] = []
    first_url: str | None = None
    for position, exchange_id in enumerate(chain):
        client = factory(exchange_id)
        if timeframe not in (client.timeframes or {}):
            if position == 0:
                raise DataContractError(_timeframe_message(client, timeframe))
            skipped.append((exchange_id, f"does not offer the {timeframe} timeframe"))
            continue
        tf_ms = client.parse_timeframe(timeframe) * 1000
        if since_ms >= stop_ms or since_ms + tf_ms > now_ms:
            return OHLCVFetch(_empty_frame(), exchange_id, symbol, timeframe, 0, True,
                              skipped=tuple(skipped))
        try:
            walk = _walk(
                client, symbol, timeframe, since_ms, stop_ms, now_ms,
                on_page=on_page, max_retries=max_retries, sleep=sleep,
            )
        except _NoCandlesError:
            reason = f"no candles between {_iso(since_ms)} and {_iso(stop_ms)}"
        except _NotJsonError as exc:
            reason = f"answered {exc}"
        except ccxt.BaseError as exc:
            reason = _skip_reason(exc, client, symbol)
            if reason is None:
                raise DataSourceError(
                    f"{type(exc).__name__}: {exc}", source=f"ccxt:{exchange_id}",
                    series=symbol, url=client.last_request_url,
                ) from exc
        else:
            return OHLCVFetch(
                frame=_concat(walk.pages), exchange=exchange_id, symbol=symbol,
                timeframe=timeframe, pages=len(walk.pages), complete=walk.note is None,
                note=walk.note, skipped=tuple(skipped),
            )
        first_url = first_url or client.last_request_url
        skipped.append((exchange_id, reason))
    offline = all(reason.startswith("unreachable") for _, reason in skipped)
    raise DataSourceError(
        _all_failed_message(symbol, timeframe, skipped), source="ccxt", series=symbol,
        url=None if offline else first_url, unreachable=offline,
    )


def _chain(exchange: str, fallbacks: Sequence[str]) -> tuple[str, ...]:
    """The exchange ids to try, in order, without repeats; unknown ids are an error."""
    import ccxt

    chain = tuple(dict.fromkeys((exchange, *fallbacks)))
    for exchange_id in chain:
        if exchange_id not in ccxt.exchanges:
            close = difflib.get_close_matches(exchange_id.lower(), ccxt.exchanges, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "see ccxt.exchanges"
            raise DataContractError(
                f"unknown exchange {exchange_id!r}; {hint} (ccxt ids are lower case)"
            )
    return chain


def _timeframe_message(client: ccxt.Exchange, timeframe: str) -> str:
    valid = ", ".join(client.timeframes or {})
    return f"timeframe {timeframe!r} is not offered by {client.id}; valid: {valid}"


def _time_range(start: TimeLike, end: TimeLike, now: TimeLike) -> tuple[int, int, int]:
    """``(since, stop, now)`` in ms: the first open wanted, min(end, now), and now."""
    now_ms = _to_ms(now if now is not None else pd.Timestamp.now(tz="UTC"), "now")
    since_ms = _to_ms(start if start is not None else EARLIEST_START, "start")
    if end is None:
        return since_ms, now_ms, now_ms
    end_ms = _to_ms(end, "end")
    if since_ms >= end_ms:
        raise DataContractError(
            f"start ({_iso(since_ms)}) must be before end ({_iso(end_ms)}); "
            "swap them or widen the range"
        )
    return since_ms, min(end_ms, now_ms), now_ms


def _to_ms(value: pd.Timestamp | str | int, name: str) -> int:
    """Milliseconds since the epoch; ints are taken as ms, naive times as UTC."""
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataContractError(
            f"{name}={value!r} is not a time; pass a pd.Timestamp, an ISO date string "
            "such as '2020-01-01', or milliseconds since the epoch"
        ) from exc
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.value // 1_000_000)


def _iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").isoformat()


def _page_limit(client: ccxt.Exchange) -> int:
    """Candles per request, as the exchange's ccxt ``features`` publish it."""
    try:
        limit = client.features["spot"]["fetchOHLCV"]["limit"]
    except (KeyError, TypeError):
        return DEFAULT_PAGE_LIMIT
    return int(limit) if limit else DEFAULT_PAGE_LIMIT


def _request_params(client_id: str, cursor: int, stop_ms: int, window_ms: int) -> dict:
    """``until`` (inclusive, ms): the range end for binance, the window end if windowed."""
    if client_id == "binance":
        return {"until": stop_ms - 1}
    if client_id in _WINDOWED:
        return {"until": min(stop_ms, cursor + window_ms) - 1}
    return {}


def _walk(
    client: ccxt.Exchange,
    symbol: str,
    timeframe: str,
    since_ms: int,
    stop_ms: int,
    now_ms: int,
    *,
    on_page: PageCallback | None,
    max_retries: int,
    sleep: Callable[[float], Any] | None,
) -> _Walk:
    """Page forward through ``[since_ms, stop_ms)``, handing each page to `on_page`.

    ccxt errors propagate while no page was handed over (the chain may move on); after
    that any failure is a :class:`DataSourceError` saying how far it got.
    """
    import ccxt

    tf_ms = client.parse_timeframe(timeframe) * 1000
    limit = _page_limit(client)
    timeout_ms = client.timeout
    walk, cursor = _Walk(), since_ms
    while cursor < stop_ms:
        params = _request_params(client.id, cursor, stop_ms, limit * tf_ms)
        _bound_timeout(client, timeout_ms, symbol)
        try:
            batch = _with_retries(
                lambda c=cursor, p=params: client.fetch_ohlcv(symbol, timeframe, c, limit, p),
                max_retries=max_retries, sleep=sleep,
            )
        except ccxt.BaseError as exc:
            if not walk.pages:
                raise
            raise _partial_failure(client, symbol, walk, tf_ms, exc) from exc
        if not batch and (odd := _not_json(client)) is not None:
            if not walk.pages:
                raise _NotJsonError(odd)
            raise _partial_failure(client, symbol, walk, tf_ms, _NotJsonError(odd))
        if not batch:
            if client.id in _WINDOWED:
                cursor += limit * tf_ms
                continue
            break
        walk.seen_rows = True
        if not walk.pages and _history_capped(batch, cursor, stop_ms, tf_ms, limit):
            walk.note = _capped_note(client.id, symbol, cursor, batch[0][0])
            warnings.warn(walk.note, HistoryUnavailableWarning, stacklevel=3)
        page = _page_frame(batch, cursor, stop_ms, now_ms, tf_ms)
        bad = candle_problems(page, tf_ms)
        if len(bad):  # keep what comes before it; the next refresh starts at it again
            page = page[page.index < bad.index[0]]
            walk.note = (f"{client.id} served {len(bad)} implausible {symbol} {timeframe} "
                         f"candle(s), first {bad.index[0].isoformat()}: {bad.iloc[0]}; "
                         "stored the candles before it, the next refresh fetches it again")
            warnings.warn(walk.note, BadCandleWarning, stacklevel=3)
        page.attrs.update(exchange=client.id, symbol=symbol, timeframe=timeframe)
        if not page.empty:
            walk.pages.append(page)
            if on_page is not None:
                on_page(page)
        if len(bad):
            break
        following = batch[-1][0] + tf_ms
        if following <= cursor:
            walk.note = f"{client.id} kept answering candles before {_iso(cursor)}; stopped there"
            break
        cursor = following
    if not walk.seen_rows:
        raise _NoCandlesError
    return walk


def _bound_timeout(client: ccxt.Exchange, timeout_ms: float, symbol: str) -> None:
    """Cut the client's request timeout to the time left before the current deadline."""
    deadline = current_deadline()
    if deadline is None:
        return
    if deadline.expired():
        raise DataSourceError(f"the deadline of {deadline.seconds:g} s was reached",
                              source=f"ccxt:{client.id}", series=symbol)
    client.timeout = max(1, min(timeout_ms, int(deadline.remaining() * 1000)))


def _with_retries(call: Callable[[], list], *, max_retries: int,
                  sleep: Callable | None) -> list:
    """``call()``, retried after transient ccxt errors with exponential backoff.

    A failure to connect at all (no network, DNS, refused) is retried once only: waiting
    longer does not bring a network back, and offline users should hear so at once. A
    timeout (the exchange accepted the connection and did not answer) is not retried, and
    no wait starts that would cross the current deadline
    (:func:`signals.sources.http.deadline`).
    """
    import ccxt

    attempt = 0
    while True:
        try:
            return call()
        except ccxt.OperationFailed as exc:
            limit = 1 if _cannot_connect(exc) else 0 if isinstance(
                exc, ccxt.RequestTimeout) else max_retries
            wait = BACKOFF_SECONDS * 2**attempt
            deadline = current_deadline()
            if _is_refusal(exc) or attempt >= limit or (
                    deadline is not None and wait >= deadline.remaining()):
                raise
            (sleep or time.sleep)(wait)
            attempt += 1


def _cannot_connect(exc: Exception) -> bool:
    """The request never reached the exchange (requests' ConnectionError, not a timeout)."""
    import requests

    cause = exc.__cause__ or exc.__context__
    return isinstance(cause, requests.ConnectionError) and not isinstance(cause,
                                                                         requests.Timeout)


def _is_refusal(exc: Exception) -> bool:
    """An HTTP 451 / "restricted location" answer: this exchange refuses the region."""
    import ccxt

    return isinstance(exc, ccxt.ExchangeNotAvailable) and bool(_REFUSAL.search(str(exc)))


def _skip_reason(exc: Exception, client: ccxt.Exchange, symbol: str) -> str | None:
    """Why to move on to the next exchange after `exc`, or None if `exc` is final."""
    import ccxt

    if isinstance(exc, ccxt.BadSymbol):
        return f"unknown symbol ({_shorten(exc)}){_symbol_hint(client, symbol)}"
    if _is_refusal(exc):
        return f"refuses this region (HTTP 451 / restricted location): {_shorten(exc)}"
    if isinstance(exc, ccxt.RequestTimeout):
        return f"no answer in time: {type(exc).__name__}: {_shorten(exc)}"
    if isinstance(exc, ccxt.OperationFailed):
        return f"unreachable after retries: {type(exc).__name__}: {_shorten(exc)}"
    return None


def _symbol_hint(client: ccxt.Exchange, symbol: str) -> str:
    """``"; close: BTC/USDT"`` from the exchange's loaded markets, or ``""``."""
    listed = list(client.symbols or [])
    wanted = symbol.upper().replace("-", "/").replace("_", "/")
    close = difflib.get_close_matches(wanted, listed, n=3, cutoff=0.75)
    return f"; close: {', '.join(close)}" if close else ""


def _shorten(exc: Exception, width: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _partial_failure(
    client: ccxt.Exchange, symbol: str, walk: _Walk, tf_ms: int, exc: Exception
) -> DataSourceError:
    frames = walk.pages
    last_ms = int(frames[-1].index[-1].value // 1_000_000)
    rows = sum(len(f) for f in frames)
    return DataSourceError(
        f"page {len(frames) + 1} failed ({type(exc).__name__}: {_shorten(exc)}) after "
        f"{len(frames)} page(s) with {rows} candles were handed over, "
        f"{frames[0].index[0].isoformat()} to {_iso(last_ms)}; "
        f"resume with start={_iso(last_ms + tf_ms)} on the same exchange",
        source=f"ccxt:{client.id}", series=symbol, url=client.last_request_url,
    )


def _history_capped(batch: list, cursor: int, stop_ms: int, tf_ms: int, limit: int) -> bool:
    """Whether the exchange served its latest candles instead of those asked for.

    That is a full first page that starts after `cursor` yet reaches the present
    (kraken keeps only its last 720 candles).
    """
    starts_late = batch[0][0] > cursor + tf_ms
    reaches_now = batch[-1][0] + 2 * tf_ms > stop_ms
    return starts_late and reaches_now and len(batch) >= limit - 1


def _capped_note(exchange_id: str, symbol: str, cursor: int, first_ms: int) -> str:
    return (
        f"{exchange_id} served {symbol} only from {_iso(first_ms)}, not from "
        f"{_iso(cursor)}: it keeps only its most recent candles; use another exchange "
        "(binance, okx) or saved candle files for older history"
    )


def _page_frame(batch: list, lo_ms: int, stop_ms: int, now_ms: int, tf_ms: int) -> pd.DataFrame:
    """Turn ccxt rows into an OHLCV frame on ``[lo_ms, stop_ms)``, closed candles only."""
    rows = [r for r in batch if lo_ms <= r[0] < stop_ms and r[0] + tf_ms <= now_ms]
    if not rows:
        return _empty_frame()
    stamps = np.array([r[0] for r in rows], dtype="int64")
    values = np.array([r[1:6] for r in rows], dtype="float64")
    index = pd.DatetimeIndex(pd.to_datetime(stamps, unit="ms", utc=True), name="open_time")
    frame = pd.DataFrame(values, index=index.as_unit("ns"), columns=list(OHLCV_COLUMNS))
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _empty_frame() -> pd.DataFrame:
    index = pd.DatetimeIndex([], dtype="datetime64[ns, UTC]", name="open_time")
    return pd.DataFrame({c: pd.Series([], dtype="float64", index=index) for c in OHLCV_COLUMNS})


def _concat(pages: list[pd.DataFrame]) -> pd.DataFrame:
    if not pages:
        return _empty_frame()
    frame = pd.concat(pages)
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _all_failed_message(symbol: str, timeframe: str, skipped: list[tuple[str, str]]) -> str:
    if all(reason.startswith("unreachable") for _, reason in skipped):  # offline: no chain
        name = candle_file_name(skipped[0][0], symbol, timeframe)
        first, why = skipped[0]
        why = re.sub(r"\s+", " ", re.sub(r"https?://\S+", "", why)).strip()
        why = why if len(why) <= 120 else why[:117] + "..."
        return (f"no exchange is reachable for {symbol} {timeframe} "
                f"({', '.join(e for e, _ in skipped)}; {first}: {why}); connect and retry, or "
                f"save the candles as {name} in a folder and pass --data-dir FOLDER (data_dir= "
                "in Python)")
    lines = "; ".join(f"{exchange_id}: {reason}" for exchange_id, reason in skipped)
    text = f"no exchange could serve {symbol} {timeframe}: {lines}"
    if any(reason.startswith("unknown symbol") for _, reason in skipped):
        text += (
            f". The symbol {symbol!r} is unknown there: use ccxt's unified format "
            "BASE/QUOTE, e.g. 'BTC/USDT' (the quote currency is kept as given)"
        )
    return text
