"""Time arguments: users' dates, and candle timeframes as ccxt and freqtrade write them."""

from __future__ import annotations

import re

import pandas as pd

from signals.errors import ConfigError

__all__ = ["timeframe_to_timedelta", "to_utc"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "M": 30 * 86400,
          "y": 365 * 86400}  # ccxt's lengths, month = 30 days


def timeframe_to_timedelta(timeframe: str) -> pd.Timedelta:
    """The length of one candle.

    Parameters
    ----------
    timeframe : str
        ``<count><unit>``, unit one of ``s m h d w M y`` (``M`` month, counted as 30 days
        as ccxt does), e.g. ``"15m"``, ``"4h"``, ``"1d"``.

    Returns
    -------
    pd.Timedelta
        The candle's length.
    """
    match = re.fullmatch(r"(\d+)([smhdwMy])", str(timeframe).strip())
    if not match or int(match[1]) == 0:
        raise ConfigError(f"timeframe {timeframe!r} is not valid; use e.g. '1h', '4h' or '1d'")
    return pd.Timedelta(seconds=int(match[1]) * _UNITS[match[2]])


def to_utc(when, argument: str) -> pd.Timestamp:
    """A user's date or time as a UTC Timestamp (naive means UTC).

    Parameters
    ----------
    when : str, datetime or Timestamp
        E.g. ``"2022-12-20"`` or ``"2022-12-20 09:00+09:00"``.
    argument : str
        The option's name, for the error message.

    Returns
    -------
    pd.Timestamp
        tz-aware UTC.
    """
    try:
        stamp = pd.Timestamp(when)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{argument}={when!r} is not a date; use e.g. '2022-12-20'") from exc
    if stamp is pd.NaT:
        raise ConfigError(f"{argument} is empty; use e.g. '2022-12-20'")
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")
