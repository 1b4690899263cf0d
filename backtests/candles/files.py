"""Saved candle files: name parsing, reading into the OHLCV frame, and gap reports.

A candle file is named ``<exchange>_<SYMBOL>_<timeframe>.csv``, e.g.
``binance_BTCUSDT_1d.csv``, ``binance_BTCUSDT_4h.csv`` or ``kucoin_BTC_USDT_1h.csv``: the
exchange in lower case, the symbol in upper case with or without ``_`` between base and
quote (without it, the quote is split off as the longest known quote currency, see
:data:`KNOWN_QUOTES`), and a ccxt timeframe (``m`` minutes, ``M`` months).

Layouts read, told apart by the header's first time column:

================ =============================================================================
layout           header and time column
================ =============================================================================
binance_klines   ``open_time`` (ms, UTC candle open), OHLCV, ``close_time``, quote volume, ...
                 (Binance's REST kline layout with a header)
timestamp_text   ``timestamp`` as ``YYYY-MM-DD HH:MM:SS`` (UTC candle open), OHLCV
timestamp_ms     ``timestamp`` in ms since the epoch (UTC candle open), OHLCV (a ccxt dump)
datetime_text    ``datetime`` as ``YYYY-MM-DD HH:MM:SS`` (UTC candle open), OHLCV (kucoin)
================ =============================================================================

The frame read follows the OHLCV contract of :mod:`backtests.candles.exchanges`: index
``open_time`` (datetime64[ns, UTC], the candle's open; close = open + timeframe), float64
columns ``open, high, low, close`` (quote currency per base unit) and ``volume`` (base
currency), sorted and unique.

Repairs warn (:class:`~signals.sources.base.DataRepairWarning`): unsorted rows are sorted,
duplicate candles keep the last row in the file. Errors
(:class:`~signals.errors.DataContractError`, naming the file, the line and the fix): a bad
file name, missing columns, unparseable times, NaN or non-positive prices, negative or NaN
volume, times off the timeframe's grid, or candles spaced unlike the timeframe. Missing
candles (exchange maintenance) are information, not an error: see :func:`find_gaps`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from signals.data.datadir import CANDLE_FILE_PATTERN, KNOWN_QUOTES
from signals.errors import DataContractError
from signals.sources.base import DataRepairWarning

__all__ = [
    "CANDLE_FILE_PATTERN",
    "KNOWN_QUOTES",
    "CandleFileMeta",
    "candle_file_name",
    "find_candle_file",
    "find_gaps",
    "parse_candle_file_name",
    "read_candle_file",
]

OHLCV_COLUMNS = ("open", "high", "low", "close", "volume")
PRICE_COLUMNS = ("open", "high", "low", "close")
_TIME_COLUMNS = ("open_time", "timestamp", "datetime")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_DAY_NS = 86_400 * 10**9
_MS_BEFORE_2001 = 10**12  # ms timestamps of real candles are all above this


@dataclass(frozen=True)
class CandleFileMeta:
    """What a candle file's name (and, once read, its header) says about it.

    Attributes
    ----------
    exchange : str
        ccxt exchange id, e.g. ``"binance"``.
    symbol : str
        ccxt unified symbol, e.g. ``"BTC/USDT"``.
    timeframe : str
        ccxt timeframe, e.g. ``"4h"``.
    layout : str or None
        ``"binance_klines"``, ``"timestamp_text"``, ``"timestamp_ms"`` or
        ``"datetime_text"``; None until the file is read.
    """

    exchange: str
    symbol: str
    timeframe: str
    layout: str | None = None


def parse_candle_file_name(name: str | Path) -> CandleFileMeta:
    """Exchange, symbol and timeframe from a candle file's name.

    Parameters
    ----------
    name : str or Path
        A file name or path, e.g. ``"binance_BTCUSDT_1d.csv"``.

    Returns
    -------
    CandleFileMeta
        With ``layout=None``.

    Raises
    ------
    DataContractError
        The name does not follow ``<exchange>_<SYMBOL>_<timeframe>.csv``.
    """
    match = CANDLE_FILE_PATTERN.match(Path(name).name)
    if match is None:
        raise DataContractError(
            f"{Path(name).name!r} is not a candle file name; rename it "
            "<exchange>_<SYMBOL>_<timeframe>.csv, e.g. binance_BTCUSDT_1d.csv or "
            f"kucoin_BTC_USDT_1h.csv (quotes split without '_': {', '.join(KNOWN_QUOTES)})"
        )
    base = match["base"] or match["pair_base"]
    quote = match["quote"] or match["pair_quote"]
    return CandleFileMeta(match["exchange"], f"{base}/{quote}", match["timeframe"])


def find_candle_file(
    data_dir: str | Path, exchange: str, symbol: str, timeframe: str
) -> Path | None:
    """The candle file for `exchange`, `symbol` and `timeframe` in `data_dir`, if any.

    Parameters
    ----------
    data_dir : str or Path
        Folder searched: its own files first, then those of its direct subfolders
        (e.g. ``crypto/``), each in name order.
    exchange : str
        ccxt exchange id, e.g. ``"binance"``.
    symbol : str
        ``"BTC/USDT"``; ``"BTCUSDT"`` and ``"BTC_USDT"`` match too.
    timeframe : str
        ccxt timeframe, e.g. ``"1d"``.

    Returns
    -------
    Path or None
        The first matching file, or None.

    Raises
    ------
    DataContractError
        `data_dir` is not a folder.
    """
    root = Path(data_dir)
    if not root.is_dir():
        raise DataContractError(f"data_dir {str(root)!r} is not a folder; pass an existing one")
    wanted = (exchange.lower(), _compact(symbol), timeframe)
    folders = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    for folder in folders:
        for path in sorted(folder.glob("*.csv")):
            if CANDLE_FILE_PATTERN.match(path.name) is None:
                continue
            meta = parse_candle_file_name(path)
            if (meta.exchange, _compact(meta.symbol), meta.timeframe) == wanted:
                return path
    return None


def read_candle_file(path: str | Path) -> tuple[pd.DataFrame, CandleFileMeta]:
    """Read a saved candle file into the OHLCV frame.

    Parameters
    ----------
    path : str or Path
        A file named ``<exchange>_<SYMBOL>_<timeframe>.csv`` in one of the layouts of the
        module docstring.

    Returns
    -------
    frame : pd.DataFrame
        The OHLCV frame (``open_time`` UTC index; float64 ``open, high, low, close,
        volume``), sorted and unique; gaps are kept as they are (see :func:`find_gaps`).
    meta : CandleFileMeta
        Exchange, symbol and timeframe from the name, and the layout found.

    Raises
    ------
    DataContractError
        Bad name, missing columns, no rows, unparseable times, NaN or non-positive
        prices, negative or NaN volume, times off the timeframe grid, or candles spaced
        unlike the timeframe in the name.

    Warns
    -----
    DataRepairWarning
        Rows were not in time order (sorted), or a candle appeared twice (last row kept).
    """
    path = Path(path)
    meta = parse_candle_file_name(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    time_column = _time_column(raw, path)
    if raw.empty:
        raise DataContractError(f"{path}: has a header but no candles; fetch them again")
    stamps, layout = _parse_times(raw[time_column], time_column, path)
    frame = _values(raw, path)
    frame.index = pd.DatetimeIndex(stamps, name="open_time")
    _check_grid(frame.index, meta.timeframe, path)
    frame = _repair_order(frame, path)
    _check_spacing(frame.index, meta.timeframe, path)
    return frame, replace(meta, layout=layout)


def find_gaps(frame: pd.DataFrame, timeframe: str) -> pd.DataFrame:
    """Runs of missing candles between the first and the last candle of `frame`.

    Parameters
    ----------
    frame : pd.DataFrame
        An OHLCV frame (sorted UTC ``open_time`` index on the timeframe grid).
    timeframe : str
        ccxt timeframe of `frame`, e.g. ``"4h"``.

    Returns
    -------
    pd.DataFrame
        One row per run of missing candles: ``start`` and ``end`` (UTC opens of the first
        and the last missing candle, inclusive) and ``missing`` (int64 count); empty when
        nothing is missing.
    """
    index = frame.index
    empty = pd.DataFrame({
        "start": pd.Series([], dtype="datetime64[ns, UTC]"),
        "end": pd.Series([], dtype="datetime64[ns, UTC]"),
        "missing": pd.Series([], dtype="int64"),
    })
    if len(index) < 2:
        return empty
    expected = pd.date_range(index[0], index[-1], freq=_step(timeframe)).as_unit("ns")
    positions = expected.get_indexer(expected.difference(index))
    if len(positions) == 0:
        return empty
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    runs = np.split(positions, breaks)
    return pd.DataFrame({
        "start": expected[[run[0] for run in runs]],
        "end": expected[[run[-1] for run in runs]],
        "missing": np.array([len(run) for run in runs], dtype="int64"),
    })


def candle_file_name(exchange: str, symbol: str, timeframe: str) -> str:
    """The name to save candles under, e.g. ``binance_BTCUSDT_1d.csv`` for BTC/USDT daily."""
    return f"{exchange.lower()}_{_compact(symbol)}_{timeframe}.csv"


def _compact(symbol: str) -> str:
    return re.sub(r"[/_\-]", "", symbol).upper()


def _parse_timeframe(timeframe: str) -> tuple[int, str]:
    match = re.fullmatch(r"([1-9][0-9]*)([smhdwM])", timeframe)
    if match is None:
        raise DataContractError(
            f"timeframe {timeframe!r} is not a ccxt timeframe; use e.g. 1m, 4h, 1d, 1w, 1M"
        )
    return int(match[1]), match[2]


def _step(timeframe: str) -> pd.Timedelta | pd.DateOffset:
    """One candle's length: fixed, or calendar months for ``M``."""
    count, unit = _parse_timeframe(timeframe)
    if unit == "M":
        return pd.DateOffset(months=count)
    return pd.Timedelta(seconds=count * _UNIT_SECONDS[unit])


def _line(position: int) -> int:
    """File line of the data row at `position` (the header is line 1)."""
    return position + 2


def _time_column(raw: pd.DataFrame, path: Path) -> str:
    present = [c for c in _TIME_COLUMNS if c in raw.columns]
    missing = [c for c in OHLCV_COLUMNS if c not in raw.columns]
    if not present or missing:
        lacking = missing if present else ["open_time|timestamp|datetime", *missing]
        raise DataContractError(
            f"{path}: line 1 (header) lacks column(s) {', '.join(lacking)}; the header must "
            "name a time column (open_time, timestamp or datetime) and open, high, low, "
            f"close, volume (found: {', '.join(raw.columns)})"
        )
    return present[0]


def _parse_times(column: pd.Series, name: str, path: Path) -> tuple[pd.DatetimeIndex, str]:
    """UTC candle opens and the layout's name; an unreadable time is an error."""
    column = column.str.strip()
    if name == "open_time" or column.iloc[0].isdigit():
        numbers = pd.to_numeric(column, errors="coerce")
        _fail_at(numbers.isna(), path, f"{name} is not a number of milliseconds",
                 "write UTC candle opens in ms since the epoch", column)
        _fail_at(numbers < _MS_BEFORE_2001, path, f"{name} is not in milliseconds",
                 "multiply seconds by 1000", column)
        stamps = pd.to_datetime(numbers.astype("int64"), unit="ms", utc=True)
        layout = "binance_klines" if name == "open_time" else "timestamp_ms"
    else:
        stamps = pd.to_datetime(column, utc=True, format="ISO8601", errors="coerce")
        _fail_at(stamps.isna(), path, f"{name} is not a date and time",
                 "write UTC candle opens as YYYY-MM-DD HH:MM:SS", column)
        layout = f"{name}_text"
    return pd.DatetimeIndex(stamps).as_unit("ns"), layout


def _values(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Float64 OHLCV columns; NaN or non-positive prices and bad volumes are errors."""
    frame = raw[list(OHLCV_COLUMNS)].apply(pd.to_numeric, errors="coerce").astype("float64")
    for column in PRICE_COLUMNS:
        bad = ~(frame[column] > 0) | ~np.isfinite(frame[column])
        _fail_at(bad, path, f"{column} is missing, zero or negative",
                 "fix or delete the row, or fetch the candles again", raw[column])
    volume = frame["volume"]
    _fail_at(~(volume >= 0) | ~np.isfinite(volume), path, "volume is missing or negative",
             "fix or delete the row, or fetch the candles again", raw["volume"])
    return frame.reset_index(drop=True)


def _fail_at(bad: pd.Series, path: Path, problem: str, fix: str, shown: pd.Series) -> None:
    """Raise naming the first row where `bad` holds, and how many rows there are."""
    rows = np.flatnonzero(bad.to_numpy())
    if len(rows) == 0:
        return
    first = int(rows[0])
    more = f" (and {len(rows) - 1} more row(s))" if len(rows) > 1 else ""
    raise DataContractError(
        f"{path}: line {_line(first)}: {problem} ({str(shown.iloc[first])!r}){more}; {fix}"
    )


def _check_grid(index: pd.DatetimeIndex, timeframe: str, path: Path) -> None:
    """Raise unless every open starts a candle of `timeframe`.

    Intraday and daily opens are multiples of the timeframe since midnight UTC; longer
    days open at midnight, weeks on Monday and months on the first.
    """
    count, unit = _parse_timeframe(timeframe)
    nanos = index.asi8
    midnight = nanos % _DAY_NS == 0
    if unit == "M":
        bad = ~(midnight & (index.day == 1))
    elif unit == "w":
        bad = ~(midnight & (index.dayofweek == 0))
    elif unit == "d" and count > 1:
        bad = ~midnight
    else:
        bad = nanos % (count * _UNIT_SECONDS[unit] * 10**9) != 0
    _fail_at(pd.Series(bad), path, f"candle open is off the {timeframe} grid",
             "check the timeframe in the file name, or resample the candles",
             pd.Series(index.astype(str)))


def _repair_order(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Sort by open time and keep the last row of a duplicated candle, with warnings."""
    if not frame.index.is_monotonic_increasing:
        warnings.warn(f"{path}: rows were not in time order; sorted them", DataRepairWarning,
                      stacklevel=3)
        frame = frame.sort_index(kind="stable")
    duplicated = frame.index.duplicated(keep="last")
    if duplicated.any():
        warnings.warn(
            f"{path}: {int(duplicated.sum())} candle(s) appeared twice, e.g. "
            f"{frame.index[duplicated][0].isoformat()}; kept the last row of each",
            DataRepairWarning, stacklevel=3,
        )
        frame = frame[~duplicated]
    return frame


def _check_spacing(index: pd.DatetimeIndex, timeframe: str, path: Path) -> None:
    """The commonest gap between candles must be one timeframe (months are not checked)."""
    step = _step(timeframe)
    if len(index) < 3 or not isinstance(step, pd.Timedelta):
        return
    usual = pd.Series(index[1:] - index[:-1]).mode().iloc[0]
    if usual != step:
        raise DataContractError(
            f"{path}: candles are mostly {usual} apart, not {timeframe} as the name says; "
            "rename the file with its real timeframe"
        )
