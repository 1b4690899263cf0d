"""Cross-asset signals: Japanese equities, US equity volatility and the classic carry cross.

Carry unwinds and global de-risking show up beyond the yen itself: the Nikkei falls as
yen-funded and foreign investors sell, the VIX jumps as volatility-targeting and leveraged
investors cut exposure, and AUD/JPY (a high-yielder against the funding currency) drops.
Crypto trades as a high-beta risk asset in these episodes. Each function reads one series
on its own calendar; a window counts non-NaN observations, and rows where the input is NaN
give NaN.
"""

from __future__ import annotations

import pandas as pd

from signals.data.validate import check_macro_input, check_window
from signals.families.transforms import drawdown, log_change, named

__all__ = ["audjpy_drop", "nikkei_drawdown", "vix_jump"]


def nikkei_drawdown(nikkei: pd.Series, *, window: int = 60) -> pd.Series:
    """How far the Nikkei 225 stands below its high of the last `window` observations, in %.

    Japanese equities are where a yen carry unwind bites first (the Nikkei fell 12 % on
    5 August 2024) and a falling equity market is one of the OFR Financial Stress Index's
    stress symptoms. Positive (never negative) = risk-off.

    Parameters
    ----------
    nikkei : pd.Series
        Nikkei 225 close in index points, indexed by tz-aware UTC availability times.
    window : int
        Observations of `nikkei` in the trailing high, the current one included.

    Returns
    -------
    pd.Series
        float64 named "nikkei_drawdown", on `nikkei`'s index, in percent, >= 0:
        ``100 * (1 - nikkei / rolling max)``. The first ``window - 1`` values are NaN.

    Raises
    ------
    DataContractError
        `nikkei` is not a Series on a sorted, unique, tz-aware UTC index, is not in index
        points, or has fewer than `window` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    BIS Bulletin No 90 (2024), "The market turbulence and carry trade unwind of August 2024".
    Office of Financial Research Working Paper 17-04 (2017), "The OFR Financial Stress Index".
    """
    window = check_window(window, "window")
    values = check_macro_input(nikkei, "nikkei", "nikkei", min_length=window)
    return named(drawdown(values, window), "nikkei_drawdown")


def vix_jump(vix: pd.Series, *, window: int = 5) -> pd.Series:
    """Rise of the VIX over `window` observations, in percent (log change).

    A jump in implied equity volatility forces volatility-targeting and leveraged
    investors to cut risk, and carry trades lose most when volatility rises (Brunnermeier,
    Nagel and Pedersen, 2008); implied volatility is a core input of the OFR Financial
    Stress Index. Positive = volatility jumping = risk-off.

    Parameters
    ----------
    vix : pd.Series
        Cboe VIX close in index points, indexed by tz-aware UTC availability times.
    window : int
        Horizon in observations of `vix`.

    Returns
    -------
    pd.Series
        float64 named "vix_jump", on `vix`'s index, in percent:
        ``100 * log(vix_t / vix_{t-window})``. The first `window` values are NaN.

    Raises
    ------
    DataContractError
        `vix` is not a Series on a sorted, unique, tz-aware UTC index, is not in index
        points, or has fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    Brunnermeier, M. K., Nagel, S. and Pedersen, L. H. (2008), "Carry Trades and Currency
    Crashes", NBER Macroeconomics Annual 23.
    Office of Financial Research Working Paper 17-04 (2017), "The OFR Financial Stress Index".
    """
    window = check_window(window, "window")
    values = check_macro_input(vix, "vix", "vix", min_length=window + 1)
    return named(log_change(values, window), "vix_jump")


def audjpy_drop(audjpy: pd.Series, *, window: int = 5) -> pd.Series:
    """Fall of AUD/JPY over `window` observations, in percent (log change).

    AUD/JPY is the classic carry cross, long a high-yielder and short the funding
    currency; it falls when carry trades are unwound and risk appetite drains.
    Positive = AUD/JPY falling = risk-off.

    Parameters
    ----------
    audjpy : pd.Series
        AUD/JPY (JPY per AUD), indexed by tz-aware UTC availability times.
    window : int
        Horizon in observations of `audjpy`.

    Returns
    -------
    pd.Series
        float64 named "audjpy_drop", on `audjpy`'s index, in percent:
        ``-100 * log(audjpy_t / audjpy_{t-window})``. The first `window` values are NaN.

    Raises
    ------
    DataContractError
        `audjpy` is not a Series on a sorted, unique, tz-aware UTC index, has values
        outside the JPY per AUD range, or has fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    Brunnermeier, M. K., Nagel, S. and Pedersen, L. H. (2008), "Carry Trades and Currency
    Crashes", NBER Macroeconomics Annual 23.
    """
    window = check_window(window, "window")
    values = check_macro_input(audjpy, "audjpy", "audjpy", min_length=window + 1)
    return named(-log_change(values, window), "audjpy_drop")
