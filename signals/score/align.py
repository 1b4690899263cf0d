"""The one place where slow macro data meets candles: an as-of join at each candle's close.

A candle is keyed by its open time, as ccxt and freqtrade do; its close is open +
timeframe. A decision taken at a candle's close may use only values whose ``available_at``
is at or before that close (``pandas.merge_asof(direction="backward")`` semantics), and
only while they are younger than ``max_age``.

:func:`align_to_bars` gives every column and the time of the row used;
:func:`column_at_bars` gives one column's values alone, for a backtest of a million
candles that reads nothing else. Both find the rows the same way (:func:`_rows_used`).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from signals.errors import DataContractError
from signals.times import timeframe_to_timedelta

__all__ = ["align_to_bars", "column_at_bars"]

_UNITS = ("s", "ms", "us", "ns")  # coarse to fine


def _open_times(bars) -> pd.DatetimeIndex:
    if isinstance(bars, pd.DatetimeIndex):
        index = bars
    elif isinstance(bars, (pd.DataFrame, pd.Series)) and isinstance(bars.index, pd.DatetimeIndex):
        index = bars.index
    elif isinstance(bars, pd.DataFrame) and "date" in bars:  # freqtrade's candle frame
        index = pd.DatetimeIndex(bars["date"])
    else:
        raise DataContractError("bars must be candles indexed by open time, a DatetimeIndex, "
                                "or a freqtrade frame with a 'date' column")
    if index.tz is None:
        raise DataContractError("bars' open times must be tz-aware UTC; got tz=None. Use "
                                "index.tz_localize('UTC')")
    return index if str(index.tz) == "UTC" else index.tz_convert("UTC")


def _scores_frame(scores) -> pd.DataFrame:
    """`scores` as a frame sharing their data, checked; without attrs.

    pandas deep-copies a frame's ``attrs`` on every column access, and the alignment
    needs none of them.
    """
    frame = pd.DataFrame(scores, copy=False) if isinstance(scores, (pd.Series, pd.DataFrame)) \
        else scores
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
        raise DataContractError("scores must be a DataFrame or Series indexed by availability "
                                "time (e.g. signals.risk_off_score())")
    if frame.index.tz is None:
        raise DataContractError("scores index must be tz-aware UTC; got tz=None. Use "
                                "scores.tz_localize('UTC')")
    if not frame.index.is_monotonic_increasing:
        raise DataContractError("scores index is not sorted. Use scores.sort_index()")
    return frame


def _ticks(index: pd.DatetimeIndex, unit: str) -> np.ndarray:
    """`index` as int64 counts of `unit` since the epoch (UTC); no copy when already so."""
    return index.asi8 if index.unit == unit else index.as_unit(unit).asi8


class _Clock:
    """Candle closes and availability times as int64 counts of one unit, and the limits.

    The unit is the finer of the two indexes' (pandas 3 makes microseconds by default), so
    neither is copied when both share it and nothing is rounded when they do not.
    """

    def __init__(self, available: pd.DatetimeIndex, opens: pd.DatetimeIndex, timeframe: str,
                 max_age) -> None:
        step = timeframe_to_timedelta(timeframe).value  # ns
        unit = max(available.unit, opens.unit, key=_UNITS.index)
        per = pd.Timedelta(1, unit=unit).value  # ns in one tick
        if step % per:
            unit, per = "ns", 1
        self.unit = unit
        self.available = _ticks(available, unit)
        self.opens = _ticks(opens, unit)
        self.step = step // per
        # a row is usable while close - available < max_age; in whole ticks that is
        # < ceil(max_age / tick)
        self.limit = np.iinfo("int64").max if max_age is None else \
            -(-pd.Timedelta(max_age).value // per)
        self.in_order = opens.is_monotonic_increasing and ("numba" in sys.modules
                                                           or len(opens) > 100_000)

    def rows(self) -> np.ndarray:
        """The row each candle's close sees (-1: none yet, or older than the limit)."""
        if self.in_order:  # candles in order: one compiled pass, no binary search
            rows = np.empty(len(self.opens), np.int64)
            _as_of()(self.available, self.opens, self.step, self.limit, None, None, rows)
            return rows
        if not len(self.available):
            return np.full(len(self.opens), -1)
        closes = self.opens + self.step
        rows = np.searchsorted(self.available, closes, side="right") - 1
        stale = closes - self.available[np.maximum(rows, 0)] >= self.limit
        return np.where(stale, -1, rows)


def align_to_bars(scores, bars, timeframe: str, *, max_age="10D") -> pd.DataFrame:
    """Each candle's view of `scores` at its close: nothing published after it.

    Parameters
    ----------
    scores : pd.DataFrame or pd.Series
        Indexed by UTC availability time, sorted (e.g. :func:`signals.risk_off_score`).
    bars : pd.DataFrame, pd.Series or pd.DatetimeIndex
        Candles indexed by UTC open time (``backtests.load_prices``), their index, or a
        freqtrade frame with a ``date`` column; any order, repeats allowed.
    timeframe : str
        Candle length, e.g. ``"1h"``, ``"4h"``, ``"1d"``.
    max_age : str or Timedelta, optional
        A row older than this at the close is not used (NaN instead); ``None`` for no limit.

    Returns
    -------
    pd.DataFrame
        One row per candle, in the candles' order and with their open-time index; the
        columns of `scores` (a Series gives one column named after it), plus
        ``available_at``, the time of the row used (NaT when none), which is never after
        the candle's close.
    """
    frame = _scores_frame(scores)
    opens = _open_times(bars)
    clock = _Clock(frame.index, opens, timeframe, max_age)
    rows = clock.rows()
    usable = rows >= 0
    take = np.where(usable, rows, 0)
    numeric = frame.select_dtypes(include=["number", "bool"])
    # column-major, as pandas stores a float block: no transposing copy below
    block = np.take(numeric.to_numpy(dtype="float64").T, take, axis=1) if len(frame) else \
        np.full((numeric.shape[1], len(take)), np.nan)
    block[:, ~usable] = np.nan
    out = pd.DataFrame(block.T, columns=numeric.columns, copy=False,
                       index=pd.DatetimeIndex(opens, name="open_time"))
    for position, name in enumerate(frame.columns):
        if name not in numeric.columns:
            out.insert(position, name, _take(frame[name], take, usable))
    used = frame.index[take] if len(frame) else pd.DatetimeIndex([pd.NaT] * len(take), tz="UTC")
    out["available_at"] = used.tz_convert("UTC").as_unit("ns").where(usable)
    return out


def column_at_bars(scores, bars, timeframe: str, column: str = "score", *,
                   max_age="10D") -> np.ndarray:
    """One column of :func:`align_to_bars`, as float64 values only.

    The same rows as :func:`align_to_bars` (the last one available by each candle's close
    and younger than `max_age`), without building the frame: for candles in time order it
    is one compiled pass that writes nothing but the values.

    Parameters
    ----------
    scores, bars, timeframe, max_age
        As for :func:`align_to_bars`.
    column : str
        The numeric column of `scores` wanted (a Series is its own column).

    Returns
    -------
    np.ndarray
        float64, one value per candle in the candles' order; NaN where no row is usable.
    """
    frame = _scores_frame(scores)
    if isinstance(scores, pd.DataFrame) and column not in frame:
        raise DataContractError(f"scores has no column {column!r}; its columns are "
                                f"{list(frame.columns)}. Pass column= one of them")
    values = (frame.iloc[:, 0] if isinstance(scores, pd.Series) else frame[column]) \
        .to_numpy(dtype="float64")
    clock = _Clock(frame.index, _open_times(bars), timeframe, max_age)
    if not clock.in_order or not len(values):
        rows = clock.rows()
        return np.where(rows >= 0, values[rows] if len(values) else np.nan, np.nan)
    out = np.empty(len(clock.opens))
    _as_of()(clock.available, clock.opens, clock.step, clock.limit, values, out, None)
    return out


def _last_usable(available, opens, step, limit, values, out, rows):  # pragma: no cover
    """For candles in time order, the last row available at each close, in one merge pass.

    Row ``j`` is the last with ``available[j] <= opens[i] + step`` (compiled by
    :func:`_as_of`), usable while ``opens[i] + step - available[j] < limit``. Writes
    either the row to `rows` (-1 when none is usable) or its value of `values` to `out`
    (NaN when none), whichever is given; the other two are ``None``, and numba compiles
    each case apart.
    """
    j = -1
    for i in range(opens.shape[0]):
        close = opens[i] + step
        while j + 1 < available.shape[0] and available[j + 1] <= close:
            j += 1
        usable = j >= 0 and close - available[j] < limit
        if rows is not None:
            rows[i] = j if usable else -1
        if out is not None:
            out[i] = values[j] if usable else np.nan


_AS_OF = None


def _as_of():
    """:func:`_last_usable` compiled, importing numba only when first needed.

    ``signals`` alone (a freqtrade strategy aligning a few thousand candles) stays free of
    numba's import time; the binary search serves it as well.
    """
    global _AS_OF
    if _AS_OF is None:
        from numba import njit

        _AS_OF = njit(cache=True)(_last_usable)
    return _AS_OF


def _take(column: pd.Series, take: np.ndarray, usable: np.ndarray):
    """A non-numeric `column` at positions `take`, missing where not `usable`."""
    if len(column) == 0:
        return np.full(len(take), np.nan)
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.where(usable, column.cat.codes.to_numpy()[take], -1)
        return pd.Categorical.from_codes(codes, dtype=column.dtype)
    return pd.Series(column.to_numpy()[take]).where(usable).to_numpy()
