"""Repatriation: the levels that make Japanese money come home, not just the speed of moves.

The other families measure speed (how fast a yield rose this month). This one measures
where levels stand, so that a sustained climb of JGB yields to multi-decade highs keeps
registering after the climb has become "normal" for a two-year z-score. Its components
are standardised against long histories (a ten-year percentile by default; see
:data:`signals.families.registry.STANDARDIZATIONS`).

The mechanism: Japanese life insurers, pension funds and banks compare the yield of a
currency-hedged foreign bond with a JGB of the same tenor. When JGB yields rise and the
hedged pickup on Treasuries shrinks or turns negative, money comes home; Japan is the
largest foreign holder of Treasuries, so Treasury yields can jump and the yen strengthen,
and the carry trades and risk assets financed in yen are sold (BIS Bulletin No 90, 2024,
on the August 2024 unwind; on the hedge cost and its cross-currency basis, Du, Tepper and
Verdelhan, 2018, "Deviations from Covered Interest Rate Parity", Journal of Finance).

Every output is positive = risk-off, on the union of its inputs' availability times (each
input as known then). One reading is a flow rather than a level: Japanese residents' net
selling of foreign bonds week by week (MOF), the most direct answer to "is Japan selling?".
"""

from __future__ import annotations

import pandas as pd

from signals.data.validate import check_macro_input, check_window
from signals.families.asof import asof_frame
from signals.families.transforms import BP_PER_PERCENT, below_high, named

__all__ = ["hedged_pickup_drop", "japan_foreign_bond_selling", "jgb_10y_level",
           "jgb_superlong_high", "rate_differential_low"]

#: Market days in a year, for windows given in years.
_YEAR = 252


def jgb_10y_level(jgb_10y: pd.Series) -> pd.Series:
    """The 10Y JGB yield itself, in percent: high against its own history = risk-off.

    The raw level; the registry standardises it against a long window (its ten-year
    percentile by default), so that a yield at a decade high reads near the cap however
    slowly it got there. Japanese investors compare JGB yields with what they earn abroad:
    the higher the home yield, the stronger the pull home.

    Parameters
    ----------
    jgb_10y : pd.Series
        10Y JGB yield in percent, indexed by tz-aware UTC availability times.

    Returns
    -------
    pd.Series
        float64, named "jgb_10y_level", same index: the yield in percent; positive
        association with risk-off (higher = more risk-off once standardised).

    Raises
    ------
    DataContractError
        The index is not tz-aware UTC, unsorted or duplicated; values are not in percent.
    """
    return named(check_macro_input(jgb_10y, "jgb_10y", "jgb_10y", min_length=1), "jgb_10y_level")


def jgb_superlong_high(
    jgb_30y: pd.Series, jgb_40y: pd.Series | None = None, *, years: int = 5
) -> pd.Series:
    """How close the super-long JGB yield is to its multi-year high, in bp (0 at a high).

    For each of the 30Y and 40Y yields: the yield minus its highest value over the last
    `years` years of its own observations (today included), so 0 means a new `years`-year
    high and -50 means 50 bp below it. The closer of the two to its high is returned.
    Records in super-long yields are what the seeds' scenario is about: the insurers and
    pension funds that own them are the money most likely to come home.

    Parameters
    ----------
    jgb_30y : pd.Series
        30Y JGB yield in percent, indexed by tz-aware UTC availability times.
    jgb_40y : pd.Series, optional
        40Y JGB yield in percent (issued since 2007); used where it has `years` of history.
    years : int
        Length of the look-back for the high, in years of 252 observations.

    Returns
    -------
    pd.Series
        float64, named "jgb_superlong_high", on the union index of the inputs: bp below the
        `years`-year high (<= 0); higher (closer to 0) = risk-off. NaN until a yield has
        `years` of history.

    Raises
    ------
    DataContractError
        An index is not tz-aware UTC, unsorted or duplicated; values are not in percent.
    ConfigError
        `years` is not a whole number >= 1.
    """
    years = check_window(years, "years")
    window = years * _YEAR
    name = "jgb_superlong_high"
    thirty = check_macro_input(jgb_30y, "jgb_30y", "jgb_30y", min_length=1)
    gaps = {"jgb_30y": BP_PER_PERCENT * below_high(thirty, window)}
    if jgb_40y is not None and len(jgb_40y.dropna()) >= window:
        forty = check_macro_input(jgb_40y, "jgb_40y", "jgb_40y", min_length=1)
        gaps["jgb_40y"] = BP_PER_PERCENT * below_high(forty, window)
    frame = asof_frame(**gaps)
    return named(frame.max(axis=1, skipna=True), name)


def rate_differential_low(ust_10y: pd.Series, jgb_10y: pd.Series) -> pd.Series:
    """The US-Japan 10Y differential, negated, in percentage points: narrow = risk-off.

    ``jgb_10y - ust_10y``: minus what a Japanese investor earns, unhedged, by holding
    Treasuries rather than JGBs. A narrowing differential weakens the reason to hold
    dollar bonds and to fund carry trades in yen. A level against its long history, unlike
    :func:`signals.carry_compression`, which measures the speed of the 2Y differential.

    Parameters
    ----------
    ust_10y : pd.Series
        10Y US Treasury yield in percent, indexed by tz-aware UTC availability times.
    jgb_10y : pd.Series
        10Y JGB yield in percent, indexed by tz-aware UTC availability times.

    Returns
    -------
    pd.Series
        float64, named "rate_differential_low", on the union index: JGB minus Treasury
        yield, in pp (usually negative); higher = narrower differential = risk-off. NaN
        until both yields have a value.

    Raises
    ------
    DataContractError
        An index is not tz-aware UTC, unsorted or duplicated; values are not in percent.
    """
    frame = asof_frame(ust_10y=check_macro_input(ust_10y, "ust_10y", "ust_10y", min_length=1),
                       jgb_10y=check_macro_input(jgb_10y, "jgb_10y", "jgb_10y", min_length=1))
    return named(frame["jgb_10y"] - frame["ust_10y"], "rate_differential_low")


def hedged_pickup_drop(
    ust_10y: pd.Series, jgb_10y: pd.Series, ust_3m: pd.Series, jgb_1y: pd.Series
) -> pd.Series:
    """The repatriation incentive: JGB yield minus the FX-hedged Treasury yield, in pp.

    A Japanese investor who buys a 10Y Treasury and hedges the dollar with rolling
    three-month forwards earns about ``ust_10y - (US short rate - Japanese short rate)``:
    covered interest parity puts the hedge cost at the short-rate differential. This
    reading is ``jgb_10y - hedged Treasury yield``; above 0, a JGB pays more than a hedged
    Treasury and the incentive is to bring money home.

    Approximations, stated plainly: the US short rate is the 3-month Treasury bill yield
    (FRED DGS3MO) and the Japanese short rate the 1Y JGB yield (MOF; Japan's 3-month
    interbank rate is monthly and published two months late). The cross-currency basis,
    which has added roughly 0.2-1 pp a year to yen investors' hedge cost since 2008, is
    left out, so the true hedged pickup is lower and the true incentive higher than shown.

    Parameters
    ----------
    ust_10y, jgb_10y, ust_3m, jgb_1y : pd.Series
        Yields in percent, indexed by tz-aware UTC availability times.

    Returns
    -------
    pd.Series
        float64, named "hedged_pickup_drop", on the union index: JGB 10Y minus the hedged
        Treasury 10Y yield, in pp; higher = stronger pull home = risk-off. NaN until all
        four yields have a value.

    Raises
    ------
    DataContractError
        An index is not tz-aware UTC, unsorted or duplicated; values are not in percent.
    """
    frame = asof_frame(ust_10y=check_macro_input(ust_10y, "ust_10y", "ust_10y", min_length=1),
                       jgb_10y=check_macro_input(jgb_10y, "jgb_10y", "jgb_10y", min_length=1),
                       ust_3m=check_macro_input(ust_3m, "ust_3m", "ust_3m", min_length=1),
                       jgb_1y=check_macro_input(jgb_1y, "jgb_1y", "jgb_1y", min_length=1))
    hedged = frame["ust_10y"] - (frame["ust_3m"] - frame["jgb_1y"])
    return named(frame["jgb_10y"] - hedged, "hedged_pickup_drop")


def japan_foreign_bond_selling(japan_foreign_bond_net: pd.Series, *, window: int = 4
                               ) -> pd.Series:
    """Japanese residents' net selling of foreign bonds over the last `window` weeks.

    Minus the sum of the weekly net purchases of foreign long-term debt (MOF, "International
    Transactions in Securities"), in 100 million yen (10,000 = JPY 1 trillion): positive
    when Japan sold more foreign bonds than it bought. Standardised against its own trailing
    two years, it says whether this month's selling is unusual. Far timelier than the TIC
    holdings (published about seven weeks after the month). The series breaks in January
    2014, when investment funds moved out of long-term debt (``signals.sources.mof_week``);
    windows that span the break compare slightly different definitions.

    Parameters
    ----------
    japan_foreign_bond_net : pd.Series
        Weekly net purchases of foreign long-term debt, 100 million yen, indexed by tz-aware
        UTC availability times (the release of each week).
    window : int
        Weeks summed (observations of the series).

    Returns
    -------
    pd.Series
        float64, named "japan_foreign_bond_selling", same index: net selling over the last
        `window` weeks in 100 million yen; positive = Japan selling = risk-off. The first
        ``window - 1`` values are NaN.

    Raises
    ------
    DataContractError
        The index is not tz-aware UTC, unsorted or duplicated; values outside the
        catalog's range; fewer than `window` values.
    ConfigError
        `window` is not a whole number >= 1.
    """
    window = check_window(window)
    net = check_macro_input(japan_foreign_bond_net, "japan_foreign_bond_net",
                            "japan_foreign_bond_net", min_length=window)
    valid = net.dropna()
    selling = -valid.rolling(window, min_periods=window).sum()
    return named(selling.reindex(net.index), "japan_foreign_bond_selling")
