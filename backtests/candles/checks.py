"""What makes a candle plausible: checked before candles are stored, and by ``data verify``.

A candle is rejected when a price is not a positive number, ``high`` is below ``open`` or
``close``, ``low`` is above them, ``volume`` is negative or missing, or its open time is
off the timeframe's grid (for timeframes that divide a day: a 4h candle opens at 00:00,
04:00, ... UTC; weekly and monthly candles follow each exchange's calendar and are not
checked).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BadCandleWarning", "candle_problems"]

_DAY_MS = 86_400_000


class BadCandleWarning(UserWarning):
    """An exchange served an implausible candle; it was not stored and will be fetched again."""


def candle_problems(frame: pd.DataFrame, timeframe_ms: int) -> pd.Series:
    """Why each implausible candle of `frame` is implausible.

    Parameters
    ----------
    frame : DataFrame
        OHLCV frame, UTC ``open_time`` index (see :mod:`backtests.candles.exchanges`).
    timeframe_ms : int
        Candle length in milliseconds.

    Returns
    -------
    pd.Series
        str, indexed by the open times of the bad candles (empty when all are plausible):
        the first problem of each, e.g. ``"close 0 is not a positive price"``.
    """
    reasons = pd.Series("", index=frame.index, dtype=object)

    def flag(mask: np.ndarray, text) -> None:
        mask = np.asarray(mask, dtype=bool) & (reasons.to_numpy() == "")
        for position in np.flatnonzero(mask):
            reasons.iloc[position] = text(position)

    prices = frame[["open", "high", "low", "close"]].to_numpy(dtype="float64")
    volume = frame["volume"].to_numpy(dtype="float64")
    for column, values in zip(("open", "high", "low", "close"), prices.T, strict=True):
        flag(~(values > 0) | ~np.isfinite(values),
             lambda i, c=column, v=values: f"{c} {v[i]:g} is not a positive price")
    high, low = prices[:, 1], prices[:, 2]
    top = np.maximum(prices[:, 0], prices[:, 3])
    bottom = np.minimum(prices[:, 0], prices[:, 3])
    flag(high < top, lambda i: f"high {high[i]:g} is below max(open, close) {top[i]:g}")
    flag(low > bottom, lambda i: f"low {low[i]:g} is above min(open, close) {bottom[i]:g}")
    flag(~(volume >= 0), lambda i: f"volume {volume[i]:g} is negative or missing")
    if timeframe_ms <= _DAY_MS and _DAY_MS % timeframe_ms == 0:
        open_ms = pd.DatetimeIndex(frame.index).as_unit("ms").asi8
        flag(open_ms % timeframe_ms != 0,
             lambda i: f"opens off the {timeframe_ms // 60_000}-minute grid")
    return reasons[reasons != ""]
