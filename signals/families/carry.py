"""Carry-unwind signals: the yen carry trade's reward shrinking, and speculators leaving it.

A yen carry trade borrows at Japanese rates to hold higher-yielding US assets; what it
earns is the US-Japan rate differential, what it risks is a yen rally. When the
differential compresses, or falls relative to yen volatility, or speculators cover their
yen shorts, the trade unwinds and the risk assets it financed, crypto included, are sold
(Brunnermeier, Nagel and Pedersen, 2008; BIS Bulletin No 90, 2024).

Inputs arrive on different calendars (Treasury and JGB yields daily at different hours,
USD/JPY daily or in weekly batches, CFTC weekly), so the outputs are on the union of their
availability times (:func:`signals.families.asof.asof_frame`), each input as known then. A
change over `window` compares every input with its value `window` observations earlier
*on its own calendar*, so the horizon does not depend on how many calendars are merged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from signals.data.validate import check_macro_input, check_window
from signals.families.asof import asof_frame
from signals.families.transforms import TRADING_DAYS, named, realised_vol

__all__ = ["carry_compression", "carry_to_risk_drop", "cftc_crowded_short",
           "cftc_short_covering"]


def _now_and_then(window: int, **series: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each input as known at every time of the union, now and `window` own observations ago.

    Both frames have one column per keyword and the union index; the second holds, at each
    time, the value the input had `window` non-NaN observations before its latest one.
    """
    earlier = {f"{name} then": values.dropna().shift(window).reindex(values.index)
               for name, values in series.items()}
    frame = asof_frame(**series, **earlier)
    return frame[list(series)], frame[list(earlier)].set_axis(list(series), axis=1)


def _net_percent(frame: pd.DataFrame) -> pd.Series:
    """Non-commercial net position (long - short) in percent of open interest."""
    return 100.0 * (frame["long"] - frame["short"]) / frame["oi"].where(frame["oi"] > 0)


def _check_cftc(noncomm_long: pd.Series, noncomm_short: pd.Series, open_interest: pd.Series,
                *, min_length: int) -> dict[str, pd.Series]:
    return {
        "long": check_macro_input(noncomm_long, "noncomm_long", "cftc_jpy_noncomm_long",
                             min_length=min_length),
        "short": check_macro_input(noncomm_short, "noncomm_short", "cftc_jpy_noncomm_short",
                              min_length=min_length),
        "oi": check_macro_input(open_interest, "open_interest", "cftc_jpy_open_interest",
                           min_length=min_length),
    }


def carry_compression(ust_2y: pd.Series, jgb_2y: pd.Series, *, window: int = 20) -> pd.Series:
    """Compression of the US-Japan 2-year rate differential over `window` observations, in bp.

    The differential ``ust_2y - jgb_2y`` is what a yen carry trade earns; when it narrows
    (Fed cuts priced, BoJ hikes priced) the trade pays less for its crash risk and is
    unwound. Positive = differential compressing = risk-off.

    Parameters
    ----------
    ust_2y : pd.Series
        US Treasury 2-year yield in percent, indexed by tz-aware UTC availability times.
    jgb_2y : pd.Series
        JGB 2-year yield in percent, indexed by tz-aware UTC availability times.
    window : int
        Horizon in observations, counted on each input's own calendar.

    Returns
    -------
    pd.Series
        float64 named "carry_compression", in basis points, on the union of the inputs'
        availability times: ``-100 * ((ust - ust_then) - (jgb - jgb_then))``, each leg as
        known at that time and `window` of its own observations earlier. NaN until each
        input has ``window + 1`` values.

    Raises
    ------
    DataContractError
        An input is not a Series on a sorted, unique, tz-aware UTC index, is not in percent,
        or has fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    Brunnermeier, M. K., Nagel, S. and Pedersen, L. H. (2008), "Carry Trades and Currency
    Crashes", NBER Macroeconomics Annual 23.
    """
    window = check_window(window, "window")
    ust = check_macro_input(ust_2y, "ust_2y", "ust_2y", min_length=window + 1)
    jgb = check_macro_input(jgb_2y, "jgb_2y", "jgb_2y", min_length=window + 1)
    now, then = _now_and_then(window, ust=ust, jgb=jgb)
    change = (now["ust"] - then["ust"]) - (now["jgb"] - then["jgb"])
    return named(-100.0 * change, "carry_compression")


def carry_to_risk_drop(ust_2y: pd.Series, jgb_2y: pd.Series, usdjpy: pd.Series, *,
                       window: int = 20, vol_window: int = 60) -> pd.Series:
    """Fall of the yen carry trade's carry-to-risk ratio over `window` observations.

    Carry-to-risk is the US-Japan 2-year differential divided by USD/JPY's annualised
    realised volatility: the trade's Sharpe-like reward per unit of currency risk. Carry
    traders de-lever when it falls, whether from a narrower differential or a more
    volatile yen. Positive = carry-to-risk falling = risk-off.

    Parameters
    ----------
    ust_2y : pd.Series
        US Treasury 2-year yield in percent, indexed by tz-aware UTC availability times.
    jgb_2y : pd.Series
        JGB 2-year yield in percent, indexed by tz-aware UTC availability times.
    usdjpy : pd.Series
        USD/JPY (JPY per USD), indexed by tz-aware UTC availability times.
    window : int
        Horizon of the change in observations, counted on each input's own calendar.
    vol_window : int
        Log returns of `usdjpy` in the volatility (at least 2), on usdjpy's own calendar,
        annualised with sqrt(252).

    Returns
    -------
    pd.Series
        float64 named "carry_to_risk_drop", unitless (differential in percent over
        volatility in percent a year), on the union of the inputs' availability times:
        ``-(ratio - ratio_then)``, with the legs of ``ratio_then`` taken `window` of their
        own observations earlier. NaN until `ust_2y` and `jgb_2y` have ``window + 1``
        values and `usdjpy` has ``vol_window + window + 1``; NaN where the volatility is 0.

    Raises
    ------
    DataContractError
        An input is not a Series on a sorted, unique, tz-aware UTC index, is in the wrong
        unit, or is too short for the windows.
    ConfigError
        `window` < 1 or `vol_window` < 2.

    References
    ----------
    Brunnermeier, M. K., Nagel, S. and Pedersen, L. H. (2008), "Carry Trades and Currency
    Crashes", NBER Macroeconomics Annual 23.
    """
    window = check_window(window, "window")
    vol_window = check_window(vol_window, "vol_window", minimum=2)
    ust = check_macro_input(ust_2y, "ust_2y", "ust_2y", min_length=window + 1)
    jgb = check_macro_input(jgb_2y, "jgb_2y", "jgb_2y", min_length=window + 1)
    fx = check_macro_input(usdjpy, "usdjpy", "usdjpy", min_length=vol_window + window + 1)
    vol = 100.0 * np.sqrt(TRADING_DAYS) * realised_vol(fx, vol_window)
    now, then = _now_and_then(window, ust=ust, jgb=jgb, vol=vol)

    def ratio(frame: pd.DataFrame) -> pd.Series:
        return (frame["ust"] - frame["jgb"]) / frame["vol"].where(frame["vol"] > 0)

    return named(-(ratio(now) - ratio(then)), "carry_to_risk_drop")


def cftc_short_covering(noncomm_long: pd.Series, noncomm_short: pd.Series,
                        open_interest: pd.Series, *, window: int = 3) -> pd.Series:
    """Rise of speculators' net yen position over `window` reports, in percentage points.

    The CFTC yen future is quoted in USD per JPY, so a non-commercial net short is a bet
    against the yen: the carry trade. Covering those shorts fast is the unwind itself, and
    it comes with a yen rally and forced sales of risk assets. Positive = shorts being
    covered = risk-off.

    Parameters
    ----------
    noncomm_long : pd.Series
        Non-commercial long yen futures positions, contracts, weekly, indexed by tz-aware
        UTC availability times.
    noncomm_short : pd.Series
        Non-commercial short positions, contracts, same form.
    open_interest : pd.Series
        Open interest, contracts, same form.
    window : int
        Horizon in reports.

    Returns
    -------
    pd.Series
        float64 named "cftc_short_covering", in percentage points of open interest, on the
        union of the inputs' availability times (one row per report when they are released
        together): the change over `window` reports of ``100 * (long - short) / open
        interest``. The first `window` values are NaN; NaN where open interest is 0.

    Raises
    ------
    DataContractError
        An input is not a Series on a sorted, unique, tz-aware UTC index, is not a count of
        contracts, or has fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    Brunnermeier, M. K., Nagel, S. and Pedersen, L. H. (2008), "Carry Trades and Currency
    Crashes", NBER Macroeconomics Annual 23.
    """
    window = check_window(window, "window")
    legs = _check_cftc(noncomm_long, noncomm_short, open_interest, min_length=window + 1)
    now, then = _now_and_then(window, **legs)
    return named(_net_percent(now) - _net_percent(then), "cftc_short_covering")


def cftc_crowded_short(noncomm_long: pd.Series, noncomm_short: pd.Series,
                       open_interest: pd.Series) -> pd.Series:
    """Speculators' net short yen position in percent of open interest.

    A crowded short yen position is a large, leveraged carry trade that all wants out
    through the same door: carry trades with large speculative positions are the ones
    that crash. Positive = speculators net short the yen = fragile, unwind-prone = risk-off.

    Parameters
    ----------
    noncomm_long : pd.Series
        Non-commercial long yen futures positions, contracts, weekly, indexed by tz-aware
        UTC availability times.
    noncomm_short : pd.Series
        Non-commercial short positions, contracts, same form.
    open_interest : pd.Series
        Open interest, contracts, same form.

    Returns
    -------
    pd.Series
        float64 named "cftc_crowded_short", in percent of open interest, on the union of
        the inputs' availability times: ``-100 * (long - short) / open interest``. No
        warm-up; NaN before every input has a value and where open interest is 0.

    Raises
    ------
    DataContractError
        An input is not a Series on a sorted, unique, tz-aware UTC index, is not a count of
        contracts, or has no value.

    References
    ----------
    Brunnermeier, M. K., Nagel, S. and Pedersen, L. H. (2008), "Carry Trades and Currency
    Crashes", NBER Macroeconomics Annual 23.
    """
    legs = _check_cftc(noncomm_long, noncomm_short, open_interest, min_length=1)
    return named(-_net_percent(asof_frame(**legs)), "cftc_crowded_short")
