"""Candle timeframes (``"1m"``, ``"4h"``, ``"1d"``, ...) as ccxt and freqtrade write them."""

from __future__ import annotations

import re

import pandas as pd

from signals.errors import ConfigError

__all__ = ["timeframe_to_timedelta"]

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
