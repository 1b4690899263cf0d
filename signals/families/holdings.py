"""Holdings signal: Japan's holdings of US Treasuries falling (TIC, monthly)."""

from __future__ import annotations

import pandas as pd

from signals.data.validate import check_macro_input, check_window
from signals.errors import DataContractError
from signals.sources.catalog import MACRO

__all__ = ["japan_treasury_selling"]


def japan_treasury_selling(tic_japan: pd.Series, *, window: int = 3) -> pd.Series:
    """Percentage fall of Japan's US Treasury holdings over `window` months.

    Japan is the largest foreign holder of US Treasuries. Its investors and its Ministry of
    Finance (which sells Treasuries to fund yen-buying intervention, as in 2022) bringing
    money home takes a large buyer out of the Treasury market and goes with the yen
    strength and carry unwinds that hit leveraged risk assets, crypto among them.

    TIC reports holdings at market value, so rising yields alone lower them without any
    sale: a fall mixes net selling with valuation losses (and holdings kept with custodians
    outside Japan are not counted as Japan's). The signal is therefore a mix of flows and
    the yield moves the Treasury signals already track, not a clean measure of selling.

    Parameters
    ----------
    tic_japan : pd.Series
        Japan's holdings of US Treasury securities in USD bn, one value per month-end,
        indexed by tz-aware UTC availability times (TIC releases come about seven weeks
        after the month-end).
    window : int
        Horizon in monthly observations (missing values are skipped).

    Returns
    -------
    pd.Series
        float64, named "japan_treasury_selling", on the index of `tic_japan`:
        ``-100 * (h_t / h_{t-window} - 1)``, in percent of the holdings `window` months
        earlier; positive = holdings falling = risk-off. The first `window` values are NaN.

    Raises
    ------
    DataContractError
        The index is not tz-aware UTC, unsorted or duplicated; values are not USD bn, or
        not positive; fewer than ``window + 1`` values.
    ConfigError
        `window` is not a whole number >= 1.
    """
    count = check_window(window)
    spec = MACRO["tic_japan"]
    values = check_macro_input(tic_japan, "tic_japan", "tic_japan", min_length=count + 1)
    valid = values.dropna()
    if (valid <= 0).any():
        raise DataContractError(f"tic_japan must be positive {spec.unit} (a percentage change "
                                f"needs a non-zero base); got {valid[valid <= 0].iloc[0]:g} at "
                                f"{valid[valid <= 0].index[0]}. Pass holdings in {spec.unit}")
    selling = -100.0 * (valid / valid.shift(count) - 1.0)
    return selling.reindex(values.index).rename("japan_treasury_selling")
