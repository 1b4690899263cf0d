"""Building blocks for availability times: local clock times, business days, weekdays.

Each source module states, with its evidence, when a value dated ``D`` could first have been
had by a live bot, and builds that rule from these vectorised helpers. All results are
``DatetimeIndex`` objects in UTC.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar

__all__ = [
    "as_dates",
    "at_local_time",
    "next_weekday",
    "shift_us_business_days",
    "us_holidays",
]


def as_dates(dates: pd.DatetimeIndex | pd.Series | list) -> pd.DatetimeIndex:
    """Return `dates` as a tz-naive, midnight-normalised ``DatetimeIndex``.

    Parameters
    ----------
    dates : DatetimeIndex, Series or list
        Calendar dates as the publisher names them.

    Returns
    -------
    pd.DatetimeIndex
        Naive dates at 00:00.
    """
    index = pd.DatetimeIndex(dates)
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.normalize()


@cache
def us_holidays() -> np.ndarray:
    """US federal holidays 1950-2100 as ``datetime64[D]`` (pandas' federal calendar)."""
    days = USFederalHolidayCalendar().holidays("1950-01-01", "2100-12-31")
    return days.to_numpy().astype("datetime64[D]")


def shift_us_business_days(dates: pd.DatetimeIndex, n: int) -> pd.DatetimeIndex:
    """Move each date by `n` US business days (``n=1``: the next business day after it).

    A date that is not a business day counts from the business day before it, so
    ``n=1`` from a Saturday or a Sunday gives the Monday (Tuesday after a holiday).

    Parameters
    ----------
    dates : DatetimeIndex
        Naive calendar dates.
    n : int
        Number of business days, positive forward.

    Returns
    -------
    pd.DatetimeIndex
        Naive dates.
    """
    days = as_dates(dates).to_numpy().astype("datetime64[D]")
    shifted = np.busday_offset(days, n, roll="backward", holidays=us_holidays())
    return pd.DatetimeIndex(shifted.astype("datetime64[ns]"))


def next_weekday(dates: pd.DatetimeIndex, weekday: int) -> pd.DatetimeIndex:
    """The first date strictly after each date that falls on `weekday` (Monday = 0).

    Parameters
    ----------
    dates : DatetimeIndex
        Naive calendar dates.
    weekday : int
        0 for Monday ... 6 for Sunday.

    Returns
    -------
    pd.DatetimeIndex
        Naive dates, 1 to 7 days after the input.
    """
    dates = as_dates(dates)
    days_ahead = (weekday - dates.day_of_week - 1) % 7 + 1
    return dates + pd.to_timedelta(days_ahead, unit="D")


def at_local_time(dates: pd.DatetimeIndex, clock: str, tz: str) -> pd.DatetimeIndex:
    """The UTC instant of wall-clock time `clock` in time zone `tz` on each date.

    Parameters
    ----------
    dates : DatetimeIndex
        Naive calendar dates.
    clock : str
        Local wall-clock time, ``"HH:MM"``.
    tz : str
        IANA time zone, e.g. ``"America/New_York"`` or ``"Asia/Tokyo"``.

    Returns
    -------
    pd.DatetimeIndex
        tz-aware UTC instants; daylight saving is applied per date. A wall-clock time that
        happens twice (the hour the clocks go back) is the later instant and one that does
        not happen (the hour they go forward) moves forward: never earlier than meant.
    """
    dates = as_dates(dates)
    local = (dates + pd.Timedelta(clock + ":00")).tz_localize(
        tz, ambiguous=np.zeros(len(dates), dtype=bool), nonexistent="shift_forward"
    )
    return local.tz_convert("UTC")
