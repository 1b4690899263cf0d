"""JGB signals: Japanese government bond yields rising, jumping, steepening, pricing hikes.

Every function returns a raw change in basis points, positive = yields (or the curve) rising
= risk-off. Higher Japanese yields give Japanese investors a better home than foreign assets
and raise the cost of funding in yen, the conditions in which yen carry trades unwind and
leveraged positions elsewhere, crypto among them, are sold.
"""

from __future__ import annotations

import pandas as pd

from signals.data.validate import check_macro_input, check_window
from signals.families.asof import asof_frame
from signals.families.transforms import BP_PER_PERCENT, change, named

__all__ = ["boj_hike_pricing", "jgb_10y_rise", "jgb_curve_steepening", "jgb_superlong_jump"]

def jgb_10y_rise(jgb_10y: pd.Series, *, window: int = 20) -> pd.Series:
    """Rise of the 10Y JGB yield over `window` observations, in basis points.

    A rising 10Y JGB yield pays Japanese investors (Japan is the largest foreign holder of
    US Treasuries) more at home and erodes the rate gap that funds yen carry trades;
    repatriation and carry unwinds drain leverage from risk assets such as crypto.

    Parameters
    ----------
    jgb_10y : pd.Series
        10Y JGB yield in percent, indexed by tz-aware UTC availability times.
    window : int
        Horizon in observations of `jgb_10y` (missing values are skipped).

    Returns
    -------
    pd.Series
        float64, named "jgb_10y_rise", on the index of `jgb_10y`: yield now minus yield
        `window` observations earlier, in bp; positive = yields rising = risk-off. The first
        `window` values are NaN.

    Raises
    ------
    DataContractError
        The index is not tz-aware UTC, unsorted or duplicated; values are not in percent;
        fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    Brunnermeier, M., Nagel, S. and Pedersen, L. (2008), "Carry Trades and Currency
    Crashes", NBER Macroeconomics Annual 23.
    """
    window = check_window(window)
    values = check_macro_input(jgb_10y, "jgb_10y", "jgb_10y", min_length=window + 1)
    return named(BP_PER_PERCENT * change(values, window), "jgb_10y_rise")


def jgb_superlong_jump(
    jgb_30y: pd.Series, jgb_40y: pd.Series | None = None, *, window: int = 5
) -> pd.Series:
    """The larger of the 30Y and 40Y JGB yield rises over `window` observations, in bp.

    Super-long JGBs are held by Japanese life insurers and pension funds; a sudden jump in
    their yields signals duration selling at home and a pull on the money those
    institutions keep in foreign bonds, a stress that spreads to global risk assets.

    Parameters
    ----------
    jgb_30y : pd.Series
        30Y JGB yield in percent, indexed by tz-aware UTC availability times.
    jgb_40y : pd.Series, optional
        40Y JGB yield in percent (first issued in 2007). Without it (None or empty), or
        where its change is not yet known, the 30Y change alone is returned.
    window : int
        Horizon in observations. With both yields, both are first put on the union of
        their availability times, each as known then (:func:`signals.families.asof.asof_frame`),
        and `window` counts rows of that calendar; MOF publishes both on the same days.

    Returns
    -------
    pd.Series
        float64, named "jgb_superlong_jump", on the index of `jgb_30y` (the union index
        with `jgb_40y`): the larger of the two changes, in bp; positive = super-long yields
        rising = risk-off. The first `window` values are NaN.

    Raises
    ------
    DataContractError
        An index is not tz-aware UTC, unsorted or duplicated; values are not in percent;
        `jgb_30y` has fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.
    """
    window = check_window(window)
    name = "jgb_superlong_jump"
    thirty = check_macro_input(jgb_30y, "jgb_30y", "jgb_30y", min_length=window + 1)
    if jgb_40y is None or len(jgb_40y) == 0:
        return named(BP_PER_PERCENT * change(thirty, window), name)
    forty = check_macro_input(jgb_40y, "jgb_40y", "jgb_40y", min_length=1)
    frame = asof_frame(jgb_30y=thirty, jgb_40y=forty)
    change_30y = named(BP_PER_PERCENT * change(frame["jgb_30y"], window), name)
    change_40y = named(BP_PER_PERCENT * change(frame["jgb_40y"], window), name)
    return change_30y.mask(change_40y > change_30y, change_40y)


def jgb_curve_steepening(
    jgb_10y: pd.Series, jgb_30y: pd.Series, *, window: int = 20
) -> pd.Series:
    """Change of the JGB 10s30s spread (30Y minus 10Y) over `window` observations, in bp.

    A steepening led by super-long yields, above all while the BoJ holds the 10Y down, is
    the mark of stress in the part of the curve that Japanese insurers and pensions own: the
    investors whose repatriation would pull money out of foreign, riskier assets.

    Parameters
    ----------
    jgb_10y : pd.Series
        10Y JGB yield in percent, indexed by tz-aware UTC availability times.
    jgb_30y : pd.Series
        30Y JGB yield in percent, indexed by tz-aware UTC availability times.
    window : int
        Horizon in rows of the union of the two calendars (each yield as known at each
        time, :func:`signals.families.asof.asof_frame`).

    Returns
    -------
    pd.Series
        float64, named "jgb_curve_steepening", on the union index of the inputs: spread now
        minus spread `window` rows earlier, in bp; positive = steepening = risk-off. Rows
        before both yields have a value are NaN, and so are the `window` rows after.

    Raises
    ------
    DataContractError
        An index is not tz-aware UTC, unsorted or duplicated; values are not in percent;
        either input has fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.
    """
    window = check_window(window)
    ten = check_macro_input(jgb_10y, "jgb_10y", "jgb_10y", min_length=window + 1)
    thirty = check_macro_input(jgb_30y, "jgb_30y", "jgb_30y", min_length=window + 1)
    frame = asof_frame(jgb_10y=ten, jgb_30y=thirty)
    spread = frame["jgb_30y"] - frame["jgb_10y"]
    return named(BP_PER_PERCENT * change(spread, window), "jgb_curve_steepening")


def boj_hike_pricing(jgb_2y: pd.Series, *, window: int = 20) -> pd.Series:
    """Rise of the 2Y JGB yield over `window` observations, in basis points.

    The 2Y yield moves with the policy rate the market expects over the next two years, so
    its rise is the market pricing Bank of Japan hikes: the cost of yen funding goes up and
    carry trades funded in yen lose their edge, as in the unwind after the BoJ's July 2024
    hike.

    Parameters
    ----------
    jgb_2y : pd.Series
        2Y JGB yield in percent, indexed by tz-aware UTC availability times.
    window : int
        Horizon in observations of `jgb_2y` (missing values are skipped).

    Returns
    -------
    pd.Series
        float64, named "boj_hike_pricing", on the index of `jgb_2y`: yield now minus yield
        `window` observations earlier, in bp; positive = hikes being priced = risk-off.
        The first `window` values are NaN.

    Raises
    ------
    DataContractError
        The index is not tz-aware UTC, unsorted or duplicated; values are not in percent;
        fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.

    References
    ----------
    Aquilina, M., Lombardi, M., Schrimpf, A. and Sushko, V. (2024), "The market turbulence
    and carry trade unwind of August 2024", BIS Bulletin No 90.
    """
    window = check_window(window)
    values = check_macro_input(jgb_2y, "jgb_2y", "jgb_2y", min_length=window + 1)
    return named(BP_PER_PERCENT * change(values, window), "boj_hike_pricing")
