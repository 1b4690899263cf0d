"""US Treasury signals: long yields spiking, yield volatility realised and implied.

Positive = risk-off throughout. Japan is the largest foreign holder of US Treasuries; when
Japanese money goes home, long Treasury yields jump and rate volatility rises, tightening
financial conditions for every leveraged holder of risk assets, crypto included.
"""

from __future__ import annotations

import math

import pandas as pd

from signals.data.validate import check_macro_input, check_window
from signals.families.asof import asof_frame
from signals.families.transforms import BP_PER_PERCENT, TRADING_DAYS, change

__all__ = ["move_level", "ust_realized_vol", "ust_yield_spike"]

def ust_yield_spike(
    ust_10y: pd.Series, ust_30y: pd.Series | None = None, *, window: int = 5
) -> pd.Series:
    """Rise of long US Treasury yields over `window` observations, in basis points.

    The "Japan sells, yields spike" channel: Japanese investors selling Treasuries to bring
    money home, or to fund yen support, push long US yields up fast, which tightens
    financial conditions and hits leveraged risk assets, crypto among them.

    Parameters
    ----------
    ust_10y : pd.Series
        10Y Treasury constant-maturity yield in percent, indexed by tz-aware UTC
        availability times.
    ust_30y : pd.Series, optional
        30Y Treasury yield in percent. When given (not None or empty), the output is the
        mean of the 10Y and 30Y changes (the 10Y change alone where the 30Y change is not
        yet known).
    window : int
        Horizon in observations. With both yields, both are first put on the union of
        their availability times, each as known then (:func:`signals.families.asof.asof_frame`),
        and `window` counts rows of that calendar.

    Returns
    -------
    pd.Series
        float64, named "ust_yield_spike", on the index of `ust_10y` (the union index with
        `ust_30y`): yield change in bp; positive = yields rising = risk-off. The first
        `window` values are NaN.

    Raises
    ------
    DataContractError
        An index is not tz-aware UTC, unsorted or duplicated; values are not in percent;
        `ust_10y` has fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.
    """
    window = check_window(window, minimum=1)
    ten = check_macro_input(ust_10y, "ust_10y", "ust_10y", min_length=window + 1)
    if ust_30y is None or len(ust_30y) == 0:
        return BP_PER_PERCENT * change(ten, window).rename("ust_yield_spike")
    thirty = check_macro_input(ust_30y, "ust_30y", "ust_30y", min_length=1)
    frame = asof_frame(ust_10y=ten, ust_30y=thirty)
    change_10y = BP_PER_PERCENT * change(frame["ust_10y"], window)
    change_30y = BP_PER_PERCENT * change(frame["ust_30y"], window)
    both = (change_10y + change_30y) / 2.0
    return both.fillna(change_10y).rename("ust_yield_spike")


def ust_realized_vol(ust_10y: pd.Series, *, window: int = 20) -> pd.Series:
    """Realised volatility of the 10Y Treasury yield, in basis points a year.

    The standard deviation of daily 10Y yield changes over the last `window` changes,
    annualised with the square root of 252. Volatile Treasury yields raise margins and
    value-at-risk across the system, forcing leveraged investors to cut risk.

    Parameters
    ----------
    ust_10y : pd.Series
        10Y Treasury yield in percent, indexed by tz-aware UTC availability times.
    window : int
        Number of one-observation changes in each standard deviation (sample standard
        deviation, ``ddof=1``); missing values are skipped.

    Returns
    -------
    pd.Series
        float64, named "ust_realized_vol", on the index of `ust_10y`, in bp a year;
        positive and larger = more volatile = risk-off. The first `window` values are NaN
        (`window` changes need ``window + 1`` yields).

    Raises
    ------
    DataContractError
        The index is not tz-aware UTC, unsorted or duplicated; values are not in percent;
        fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 2.

    References
    ----------
    Monin, P. (2017), "The OFR Financial Stress Index", Office of Financial Research
    Working Paper 17-04 (volatility as a measure of uncertainty, one symptom of stress).
    """
    window = check_window(window, minimum=2)
    values = check_macro_input(ust_10y, "ust_10y", "ust_10y", min_length=window + 1)
    daily = values.dropna().diff() * BP_PER_PERCENT
    vol = daily.rolling(window).std() * math.sqrt(TRADING_DAYS)
    return vol.reindex(values.index).rename("ust_realized_vol")


def move_level(move: pd.Series) -> pd.Series:
    """The ICE BofA MOVE index: Treasury volatility implied by one-month options.

    Option-implied Treasury volatility is the bond market's fear gauge; when it is high,
    dealers' balance sheets and investors' risk budgets shrink and leveraged positions,
    crypto included, are cut. Returned as it is; the composite standardises it.

    Parameters
    ----------
    move : pd.Series
        MOVE index close in index points, indexed by tz-aware UTC availability times.

    Returns
    -------
    pd.Series
        float64, named "move_level", on the index of `move`, in index points; higher =
        risk-off. No warm-up.

    Raises
    ------
    DataContractError
        The index is not tz-aware UTC, unsorted or duplicated; values outside the MOVE's
        plausible range in index points; no values.

    References
    ----------
    Monin, P. (2017), "The OFR Financial Stress Index", Office of Financial Research
    Working Paper 17-04 (volatility as a measure of uncertainty, one symptom of stress).
    """
    return check_macro_input(move, "move", "move", min_length=1).rename("move_level")
