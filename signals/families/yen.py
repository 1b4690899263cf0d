"""Yen signals: how fast and how far the yen is strengthening, and how nervous it is.

The yen is the funding currency of the carry trade: investors borrow in yen to hold
higher-yielding or risky assets, crypto among them. A fast yen rally raises the cost of
those loans and forces sales of what they financed, as in August 2024 (BIS Bulletin
No 90). Every function here reads USD/JPY (JPY per USD) on its own calendar; a window
counts non-NaN observations, and rows where the input is NaN give NaN.
"""

from __future__ import annotations

import pandas as pd

from signals.data.validate import check_macro_input, check_window
from signals.families.transforms import drawdown, log_change, named, realised_vol

__all__ = ["usdjpy_drawdown", "yen_rally", "yen_vol_ratio"]


def yen_rally(usdjpy: pd.Series, *, window: int = 5) -> pd.Series:
    """Speed of yen appreciation: the fall of USD/JPY over `window` observations, in percent.

    A stronger yen makes yen-funded positions costlier and loss-making, so leveraged
    holders cut risk assets, crypto included (BIS Bulletin No 90, 2024). Positive = the yen
    strengthened = risk-off.

    Parameters
    ----------
    usdjpy : pd.Series
        USD/JPY (JPY per USD), indexed by tz-aware UTC availability times.
    window : int
        Horizon in observations of `usdjpy`.

    Returns
    -------
    pd.Series
        float64 named "yen_rally", on `usdjpy`'s index, in percent:
        ``-100 * log(usdjpy_t / usdjpy_{t-window})``. The first `window` values are NaN.

    Raises
    ------
    DataContractError
        `usdjpy` is not a Series on a sorted, unique, tz-aware UTC index, has values
        outside the JPY per USD range, or has fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    BIS Bulletin No 90 (2024), "The market turbulence and carry trade unwind of August 2024".
    """
    window = check_window(window, "window")
    fx = check_macro_input(usdjpy, "usdjpy", "usdjpy", min_length=window + 1)
    return named(-log_change(fx, window), "yen_rally")


def usdjpy_drawdown(usdjpy: pd.Series, *, window: int = 60) -> pd.Series:
    """How far USD/JPY stands below its high of the last `window` observations, in percent.

    A deep fall from a recent high marks a carry trade being unwound: positions opened
    near the high are under water and their owners sell risk to cover the yen loan.
    Positive (it is never negative) = risk-off.

    Parameters
    ----------
    usdjpy : pd.Series
        USD/JPY (JPY per USD), indexed by tz-aware UTC availability times.
    window : int
        Observations of `usdjpy` in the trailing high, the current one included.

    Returns
    -------
    pd.Series
        float64 named "usdjpy_drawdown", on `usdjpy`'s index, in percent, >= 0:
        ``100 * (1 - usdjpy / rolling max)``. The first ``window - 1`` values are NaN.

    Raises
    ------
    DataContractError
        `usdjpy` is not a Series on a sorted, unique, tz-aware UTC index, has values
        outside the JPY per USD range, or has fewer than `window` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    BIS Bulletin No 90 (2024), "The market turbulence and carry trade unwind of August 2024".
    """
    window = check_window(window, "window")
    fx = check_macro_input(usdjpy, "usdjpy", "usdjpy", min_length=window)
    return named(drawdown(fx, window), "usdjpy_drawdown")


def yen_vol_ratio(usdjpy: pd.Series, *, short: int = 10, long: int = 60) -> pd.Series:
    """Short-term over long-term realised volatility of USD/JPY, minus 1.

    Carry traders size positions to volatility: when yen volatility jumps, the carry
    earned per unit of risk shrinks and positions are cut, which is how carry trades crash
    (Brunnermeier, Nagel and Pedersen, 2008). Positive = volatility rising = risk-off.

    Parameters
    ----------
    usdjpy : pd.Series
        USD/JPY (JPY per USD), indexed by tz-aware UTC availability times.
    short : int
        Log returns in the short volatility window (at least 2).
    long : int
        Log returns in the long volatility window (more than `short`).

    Returns
    -------
    pd.Series
        float64 named "yen_vol_ratio", on `usdjpy`'s index, unitless (0.5 = short-term
        volatility 50 % above long-term). The first `long` values are NaN, as is any row
        whose long window has no volatility at all.

    Raises
    ------
    DataContractError
        `usdjpy` is not a Series on a sorted, unique, tz-aware UTC index, has values
        outside the JPY per USD range, or has fewer than ``long + 1`` values.
    ConfigError
        `short` < 2, or `long` <= `short`.

    References
    ----------
    Brunnermeier, M. K., Nagel, S. and Pedersen, L. H. (2008), "Carry Trades and Currency
    Crashes", NBER Macroeconomics Annual 23.
    """
    short = check_window(short, "short", minimum=2)
    long = check_window(long, "long", minimum=short + 1)
    fx = check_macro_input(usdjpy, "usdjpy", "usdjpy", min_length=long + 1)
    long_vol = realised_vol(fx, long)
    ratio = realised_vol(fx, short) / long_vol.where(long_vol > 0) - 1.0
    return named(ratio, "yen_vol_ratio")
