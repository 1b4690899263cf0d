"""Small past-only transforms the signal families share.

Each works on one series' own calendar, counts its window in non-NaN observations, puts
the result back on the input's index (NaN where the input is NaN) and never fills.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BP_PER_PERCENT", "TRADING_DAYS", "below_high", "change", "drawdown", "log_change",
           "named", "realised_vol"]

BP_PER_PERCENT = 100.0
#: Market days a year, for annualising the volatility of macro series on their own
#: business-day calendars (crypto returns are annualised with 365 elsewhere).
TRADING_DAYS = 252


def change(values: pd.Series, window: int) -> pd.Series:
    """x_t - x_{t-window}, in the input's unit."""
    valid = values.dropna()
    return valid.diff(window).reindex(values.index)


def log_change(values: pd.Series, window: int) -> pd.Series:
    """100 * log(x_t / x_{t-window}), in percent."""
    valid = values.dropna()
    return (100.0 * np.log(valid / valid.shift(window))).reindex(values.index)


def drawdown(values: pd.Series, window: int) -> pd.Series:
    """Percent below the high of the last `window` observations (the current one included)."""
    valid = values.dropna()
    high = valid.rolling(window, min_periods=window).max()
    return (100.0 * (1.0 - valid / high)).reindex(values.index)


def below_high(values: pd.Series, window: int) -> pd.Series:
    """x_t minus the high of the last `window` observations (the current one included), <= 0."""
    valid = values.dropna()
    return (valid - valid.rolling(window, min_periods=window).max()).reindex(values.index)


def realised_vol(values: pd.Series, window: int) -> pd.Series:
    """Standard deviation of the last `window` log returns, per observation (not annualised)."""
    valid = values.dropna()
    returns = np.log(valid).diff()
    return returns.rolling(window, min_periods=window).std().reindex(values.index)


def named(values: pd.Series, name: str) -> pd.Series:
    """A signal's output: float64, named after the signal."""
    return values.astype("float64").rename(name)
