"""The one place where slow macro data meets candles: an as-of join at each candle's close.

A candle is keyed by its open time, as ccxt and freqtrade do; its close is open +
timeframe. A decision taken at a candle's close may use only values whose ``available_at``
is at or before that close (``pandas.merge_asof(direction="backward")`` semantics), and
only while they are younger than ``max_age``.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from signals.errors import DataContractError
from signals.times import timeframe_to_timedelta

__all__ = ["align_to_bars"]


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
    return index.tz_convert("UTC")


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
    frame = scores.to_frame() if isinstance(scores, pd.Series) else scores
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
        raise DataContractError("scores must be a DataFrame or Series indexed by availability "
                                "time (e.g. signals.risk_off_score())")
    if frame.index.tz is None:
        raise DataContractError("scores index must be tz-aware UTC; got tz=None. Use "
                                "scores.tz_localize('UTC')")
    if not frame.index.is_monotonic_increasing:
        raise DataContractError("scores index is not sorted. Use scores.sort_index()")
    opens = _open_times(bars)
    closes = opens.as_unit("ns").asi8 + timeframe_to_timedelta(timeframe).value
    available = frame.index.tz_convert("UTC").as_unit("ns").asi8
    if opens.is_monotonic_increasing and ("numba" in sys.modules or len(closes) > 100_000):
        pos = _merge()(available, closes)  # candles in order: one pass, no binary search
    else:
        pos = np.searchsorted(available, closes, side="right") - 1
    usable = pos >= 0
    if max_age is not None:
        limit = pd.Timedelta(max_age).value
        usable &= closes - available[np.maximum(pos, 0)] < limit
    take = np.where(usable, pos, 0)
    frame = frame.copy(deep=False)
    frame.attrs = {}  # pandas deep-copies attrs on every column access
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
    stamps = np.where(usable, available[take] if len(available) else 0, np.iinfo("int64").min)
    out["available_at"] = pd.DatetimeIndex(stamps.view("datetime64[ns]")).tz_localize("UTC")
    return out


def _last_at_or_before(available, closes):  # pragma: no cover
    """For sorted `closes`, the position of the last `available` <= each (-1 if none).

    Equals ``np.searchsorted(available, closes, side="right") - 1``, in one merge pass
    (compiled by :func:`_merge`).
    """
    pos = np.empty(closes.shape[0], np.int64)
    j = -1
    for i in range(closes.shape[0]):
        while j + 1 < available.shape[0] and available[j + 1] <= closes[i]:
            j += 1
        pos[i] = j
    return pos


_MERGE = None


def _merge():
    """:func:`_last_at_or_before` compiled, importing numba only when first needed.

    ``signals`` alone (a freqtrade strategy aligning a few thousand candles) stays free of
    numba's import time; the binary search serves it as well.
    """
    global _MERGE
    if _MERGE is None:
        from numba import njit

        _MERGE = njit(cache=True)(_last_at_or_before)
    return _MERGE


def _take(column: pd.Series, take: np.ndarray, usable: np.ndarray):
    """A non-numeric `column` at positions `take`, missing where not `usable`."""
    if len(column) == 0:
        return np.full(len(take), np.nan)
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.where(usable, column.cat.codes.to_numpy()[take], -1)
        return pd.Categorical.from_codes(codes, dtype=column.dtype)
    return pd.Series(column.to_numpy()[take]).where(usable).to_numpy()
