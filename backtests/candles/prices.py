"""``load_prices``: BTC/ETH (or any ccxt symbol) OHLCV from the store, an exchange or files.

Candles are keyed by their UTC **open** time, as ccxt and freqtrade do; a candle's close is
open + timeframe. The still-forming candle is never returned. Downloads go page by page
into the store (see :mod:`backtests.candles.exchanges`), so an interrupted download resumes where
it stopped, and a failed one leaves the stored candles as they were.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from signals.data.bundled import BUNDLED_DIR
from signals.data.datadir import KNOWN_QUOTES
from signals.data.store import Store
from signals.errors import ConfigError, DataSourceError
from signals.times import timeframe_to_timedelta, to_utc

__all__ = ["FallbackExchangeWarning", "StaleCandlesWarning", "ensure_bundled_candles",
           "load_prices"]


class StaleCandlesWarning(UserWarning):
    """A download failed and the stored candles, which may be old, were returned."""


class FallbackExchangeWarning(UserWarning):
    """The exchange asked for refused; the candles came from a fallback exchange."""


def _check_symbol(symbol: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9]+/[A-Za-z0-9]+(:[A-Za-z0-9]+)?", symbol or ""):
        guess = re.sub(rf"^([A-Z0-9]+?)({'|'.join(KNOWN_QUOTES)})$", r"\1/\2",
                       str(symbol).upper().replace("-", "").replace("_", ""))
        hint = f" Did you mean {guess!r}?" if "/" in guess else ""
        raise ConfigError(f"symbol {symbol!r} is not a ccxt symbol; write BASE/QUOTE, "
                          f"e.g. 'BTC/USDT'.{hint}")
    return symbol.upper()


def _bundled_file(exchange: str, symbol: str, timeframe: str) -> Path | None:
    path = BUNDLED_DIR / "crypto" / f"{exchange}_{symbol.replace('/', '')}_{timeframe}.csv"
    return path if path.is_file() else None


def _seed_bundled(store: Store, exchange: str, symbol: str, timeframe: str,
                  path: Path) -> pd.DataFrame:
    """The stored candles, after filling in the bundled ones if they are not there yet."""
    from backtests.candles.files import read_candle_file

    stored = store.read_candles(exchange, symbol, timeframe)
    frame = read_candle_file(path)[0]
    if stored.empty or stored.index[0] > frame.index[0]:
        store.write_candles(exchange, symbol, timeframe, frame, origin="bundled")
        stored = store.read_candles(exchange, symbol, timeframe)
    return stored


def ensure_bundled_candles(store: Store) -> None:
    """Put every bundled candle file into `store` (only the candles it lacks)."""
    from backtests.candles.files import parse_candle_file_name

    for path in sorted((BUNDLED_DIR / "crypto").glob("*.csv")):
        meta = parse_candle_file_name(path.name)
        _seed_bundled(store, meta.exchange, meta.symbol, meta.timeframe, path)


def _window(frame: pd.DataFrame, start, end) -> pd.DataFrame:
    if start is not None:
        frame = frame[frame.index >= to_utc(start, "start")]
    if end is not None:
        frame = frame[frame.index <= to_utc(end, "end")]
    return frame


def _labelled(frame: pd.DataFrame, exchange: str, symbol: str, timeframe: str,
              origin: str) -> pd.DataFrame:
    frame.attrs.update(exchange=exchange, symbol=symbol, timeframe=timeframe, origin=origin)
    return frame


def _download(store: Store, exchange: str, symbol: str, timeframe: str, start,
              end, stored: pd.DataFrame, fallbacks, client_factory) -> str:
    """Fetch what is missing after the stored candles; return the exchange that answered."""
    from backtests.candles.exchanges import fetch_ohlcv_range

    step = timeframe_to_timedelta(timeframe)
    since = stored.index[-1] + step if len(stored) else (
        to_utc(start, "start") if start is not None else None)

    def keep(page: pd.DataFrame) -> None:  # a fallback exchange's pages are filed under it
        store.write_candles(page.attrs.get("exchange", exchange), symbol, timeframe, page)

    options = {} if fallbacks is None else {"fallbacks": tuple(fallbacks)}
    result = fetch_ohlcv_range(symbol, timeframe, exchange=exchange, start=since,
                               end=None if end is None else to_utc(end, "end"),
                               client_factory=client_factory, on_page=keep, **options)
    if result.exchange != exchange:
        warnings.warn(f"{exchange} refused {symbol}; candles came from {result.exchange}",
                      FallbackExchangeWarning, stacklevel=3)
    return result.exchange


def load_prices(
    symbol: str,
    timeframe: str = "1d",
    *,
    exchange: str = "binance",
    start=None,
    end=None,
    data_dir: str | Path | None = None,
    refresh: bool = False,
    store: Store | str | Path | None = None,
    fallbacks: tuple[str, ...] | None = None,
    client_factory=None,
) -> pd.DataFrame:
    """OHLCV candles with a UTC open-time index.

    Parameters
    ----------
    symbol : str
        ccxt symbol, e.g. ``"BTC/USDT"``.
    timeframe : str
        Candle length, e.g. ``"1h"``, ``"4h"``, ``"1d"``.
    exchange : str
        ccxt exchange id; others are tried when it refuses (see
        :func:`backtests.candles.exchanges.fetch_ohlcv_range`).
    start, end : str or Timestamp, optional
        First and last candle open times to return (naive means UTC).
    data_dir : str or Path, optional
        Read ``<exchange>_<SYMBOL>_<timeframe>.csv`` from this folder instead of the store.
    refresh : bool
        Download the candles newer than the stored ones first. Without it, the network is
        used only when nothing is stored or bundled for this symbol and timeframe.
    store : Store, str or Path, optional
        The store; default :func:`signals.data.store.default_store_path`.
    fallbacks : tuple of str, optional
        Exchanges to try, in order, when `exchange` refuses; ``()`` never switches.
        Default: :data:`backtests.candles.exchanges.DEFAULT_FALLBACKS`.
    client_factory : callable, optional
        ``client_factory(exchange_id) -> ccxt.Exchange``, for custom clients and tests.

    Returns
    -------
    DataFrame
        ``open, high, low, close, volume`` (float64), index ``open_time`` (UTC), sorted;
        ``attrs`` holds ``exchange``, ``symbol``, ``timeframe`` and ``origin``.
    """
    symbol = _check_symbol(symbol)
    timeframe_to_timedelta(timeframe)
    if data_dir is not None:
        from backtests.candles.files import find_candle_file, read_candle_file

        path = find_candle_file(data_dir, exchange, symbol, timeframe)
        if path is None:
            raise ConfigError(
                f"no candle file for {exchange} {symbol} {timeframe} in {data_dir}; expected "
                f"{exchange}_{symbol.replace('/', '')}_{timeframe}.csv (top or crypto/)")
        frame, _ = read_candle_file(path)
        return _labelled(_window(frame, start, end), exchange, symbol, timeframe, "file")
    store = store if isinstance(store, Store) else Store(store)
    bundled = _bundled_file(exchange, symbol, timeframe)
    if bundled is None:
        stored = store.read_candles(exchange, symbol, timeframe)
    else:
        stored = _seed_bundled(store, exchange, symbol, timeframe, bundled)
    origin = "store" if bundled is None else "bundled+store"
    if refresh or stored.empty:
        try:
            exchange_used = _download(store, exchange, symbol, timeframe, start, end, stored,
                                      fallbacks, client_factory)
        except DataSourceError as exc:
            if stored.empty:
                raise
            warnings.warn(f"{exc}. Returning the stored candles, which end "
                          f"{stored.index[-1]:%Y-%m-%d %H:%M} UTC", StaleCandlesWarning,
                          stacklevel=2)
            exchange_used = exchange
        stored = store.read_candles(exchange_used, symbol, timeframe)
        exchange = exchange_used
    return _labelled(_window(stored, start, end), exchange, symbol, timeframe, origin)
