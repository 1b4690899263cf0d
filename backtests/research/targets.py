"""What a risk-off score should predict: forward volatility, drawdown depth and tail events.

The research protocol (docs/research_protocol.md) judges the score against the *risk* that
follows each daily close, beside the return:

======================  ===============================================================
column                  definition (from the bar's close, ``h`` days ahead)
======================  ===============================================================
``return_<h>d``         simple return to the close ``h`` days later (fraction)
``vol_<h>d``            standard deviation (ddof=1) of the next ``h`` days of log returns
                        between consecutive closes, annualised with 365 days
``drawdown_<h>d``       deepest fall from the bar's close to any later close within
                        ``h`` days, as a positive fraction (0.2 = a 20 % fall; 0 if none)
``tail<d>_<h>d``        1.0 when ``drawdown_<h>d`` exceeds ``d`` %, else 0.0
======================  ===============================================================

Like :mod:`backtests.research.events` these look at **future prices by design**: they are
outcomes, never inputs to a decision. With ``end`` given, closes after it are not used, so
a window that would cross the end of a period is NaN (no label crosses a boundary). On
candles shorter than a day (4h) the returns are the candles' own log returns, annualised
with ``365 * bars_per_day``.

:func:`trailing_volatility` is the opposite: the *past* 30 days' realised volatility at
each close, the baseline a risk-off score has to beat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtests.research.events import (
    _grid,
    _label,
    bar_count,
    closes,
    forward_max_drawdown,
    forward_returns,
    window,
)
from signals.errors import ConfigError
from signals.times import timeframe_to_timedelta

__all__ = ["PROTOCOL_TARGETS", "RISK_SIGN", "forward_drawdown_depth", "forward_volatility",
           "risk_targets", "trailing_volatility"]

_DAY = pd.Timedelta(days=1)

#: Protocol targets: (kind, horizon in days, tail depth or None).
PROTOCOL_TARGETS = (("return", 1, None), ("return", 7, None), ("return", 30, None),
                    ("vol", 7, None), ("vol", 30, None), ("drawdown", 7, None),
                    ("drawdown", 30, None), ("tail", 7, 0.10), ("tail", 30, 0.15))

#: The sign a risk-off score's rank IC has with each kind of target when it carries
#: information: higher score, more volatility, deeper drawdowns, more tails, lower returns.
RISK_SIGN = {"return": -1, "vol": 1, "drawdown": 1, "tail": 1}


def _rolling_std(returns: np.ndarray, k: int) -> np.ndarray:
    """Sample std (ddof=1) of each run of `k` consecutive returns, aligned on the last one."""
    out = np.full(len(returns), np.nan)
    if k >= 2 and len(returns) >= k:
        windows = np.lib.stride_tricks.sliding_window_view(returns, k)
        out[k - 1:] = windows.std(axis=1, ddof=1)  # NaN when any return is missing
    return out


def _realised_volatility(prices, timeframe: str, days, argument: str, start, end):
    """The period's closes and, at each bar's close, the annualised volatility of `days`.

    Returns
    -------
    tuple
        ``(close, k, vol, slots)``: the closes within [`start`, `end`]; the window in bars
        (at least 2, else a ConfigError naming `argument`); on the gap-free grid of bars,
        the sample std (ddof=1) of the `k` log returns up to each close, annualised with
        ``365 * bars_per_day`` (NaN where a return is missing, and on the first `k` bars);
        each close's slot on that grid.
    """
    close = window(closes(prices, timeframe), start, end)
    k = bar_count(days, timeframe, argument)
    if k < 2:
        raise ConfigError(f"{argument}={days!r} spans {k} bar; a volatility needs at least 2 "
                          f"returns, use e.g. 7")
    length = timeframe_to_timedelta(timeframe)
    values, slots = _grid(close, length)
    returns = np.full(len(values), np.nan)
    if len(values) > 1:
        returns[1:] = np.log(values[1:] / values[:-1])
    return close, k, _rolling_std(returns, k) * np.sqrt(365.0 * (_DAY / length)), slots


def forward_volatility(prices, timeframe: str, horizon_days, *, start=None,
                       end=None) -> pd.Series:
    """Realised volatility of the next `horizon_days`, from each bar's close, annualised.

    Parameters
    ----------
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column, or closes, indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    horizon_days : float
        Window in days; a whole number of bars, at least 2 bars.
    start, end : str or Timestamp, optional
        Period by bar open time (inclusive); closes after `end` are not used.

    Returns
    -------
    pd.Series
        float64, named ``"vol_<h>d"``: ``std(log(c[t+i] / c[t+i-1]) for i in 1..H, ddof=1)
        * sqrt(365 * bars_per_day)``, a fraction a year (0.6 = 60 %). NaN where a close of
        the window is missing or beyond the data.
    """
    close, k, trailing, slots = _realised_volatility(prices, timeframe, horizon_days,
                                                     "horizon_days", start, end)
    ahead = np.full(len(trailing), np.nan)  # trailing[j]: returns j-k+1..j
    ahead[:max(len(trailing) - k, 0)] = trailing[k:]  # row t: returns t+1..t+k
    return pd.Series(ahead[slots], index=close.index, name=f"vol_{_label(horizon_days)}")


def trailing_volatility(prices, timeframe: str, days=30, *, start=None,
                        end=None) -> pd.Series:
    """Realised volatility of the last `days` up to each bar's close, annualised.

    Known at the bar's close (past prices only): the baseline every risk-off score is
    compared with. Same units as :func:`forward_volatility`.

    Parameters
    ----------
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column, or closes, indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    days : float
        Window in days; a whole number of bars, at least 2 bars.
    start, end : str or Timestamp, optional
        Period by bar open time (inclusive); closes before `start` are not used.

    Returns
    -------
    pd.Series
        float64 named ``"trailing_vol_<days>d"``; the first ``days`` bars are NaN.
    """
    close, _, trailing, slots = _realised_volatility(prices, timeframe, days, "days", start,
                                                     end)
    return pd.Series(trailing[slots], index=close.index, name=f"trailing_vol_{_label(days)}")


def forward_drawdown_depth(prices, timeframe: str, horizon_days, *, start=None,
                           end=None) -> pd.Series:
    """Depth of the deepest fall below each bar's close within `horizon_days`.

    :func:`backtests.research.events.forward_max_drawdown` with the sign flipped, so that
    larger means more risk.

    Parameters
    ----------
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column, or closes, indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    horizon_days : float
        Window in days; a whole number of bars.
    start, end : str or Timestamp, optional
        Period by bar open time (inclusive); closes after `end` are not used.

    Returns
    -------
    pd.Series
        float64, 0 or positive (0.2 = a 20 % fall), named ``"drawdown_<h>d"``.
    """
    depth = -forward_max_drawdown(prices, timeframe, horizon_days, start=start, end=end)
    return (depth + 0.0).rename(f"drawdown_{_label(horizon_days)}")  # + 0.0: no -0.0


def risk_targets(prices, timeframe: str, targets=PROTOCOL_TARGETS, *, start=None,
                 end=None) -> pd.DataFrame:
    """Every target of the research protocol on each bar, side by side.

    Parameters
    ----------
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column, or closes, indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    targets : sequence of (kind, days, depth)
        ``kind`` among ``"return"``, ``"vol"``, ``"drawdown"``, ``"tail"``; ``depth`` (a
        fraction) only for ``"tail"``. Default: the protocol's nine targets.
    start, end : str or Timestamp, optional
        Period by bar open time (inclusive); closes after `end` are not used.

    Returns
    -------
    pd.DataFrame
        One float64 column per target (names in the module docstring), on the prices'
        bars. ``attrs["horizon_bars"]`` gives each column's window in bars,
        ``attrs["kind"]`` its kind.
    """
    columns, bars, kinds = {}, {}, {}
    for kind, days, depth in targets:
        if kind == "return":
            series = forward_returns(prices, timeframe, (days,), start=start,
                                     end=end).iloc[:, 0].rename(f"return_{_label(days)}")
        elif kind == "vol":
            series = forward_volatility(prices, timeframe, days, start=start, end=end)
        elif kind == "drawdown":
            series = forward_drawdown_depth(prices, timeframe, days, start=start, end=end)
        elif kind == "tail":
            if depth is None or not 0 < depth < 1:
                raise ConfigError(f"tail target needs a depth in (0, 1); got {depth!r}. "
                                  f"Use e.g. ('tail', 30, 0.15)")
            dd = forward_drawdown_depth(prices, timeframe, days, start=start, end=end)
            series = (dd > depth).astype("float64").where(dd.notna())
            series = series.rename(f"tail{round(depth * 100):d}_{_label(days)}")
        else:
            raise ConfigError(f"target kind {kind!r} is not known; use return, vol, "
                              f"drawdown or tail")
        columns[series.name] = series
        bars[series.name] = bar_count(days, timeframe, "targets")
        kinds[series.name] = kind
    frame = pd.DataFrame(columns)
    frame.index.name = "open_time"
    frame.attrs = {"timeframe": timeframe, "horizon_bars": bars, "kind": kinds}
    return frame
