"""Input checks every signal runs first: one clear error naming the argument and the fix."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from signals.errors import ConfigError, DataContractError

__all__ = ["check_macro_input", "check_series", "check_window"]


def check_series(
    series: pd.Series,
    argument: str,
    *,
    bounds: tuple[float, float] | None = None,
    unit: str = "",
    min_length: int = 2,
) -> pd.Series:
    """Check one signal input and return it as float64 (the input is never modified).

    Parameters
    ----------
    series : pd.Series
        The input, indexed by availability time.
    argument : str
        The parameter's name, used in messages (e.g. ``"usdjpy"``).
    bounds : tuple of float, optional
        Plausible range of the values; outside it the unit is wrong (e.g. a yield of 380
        where percent is expected).
    unit : str
        The expected unit, for messages.
    min_length : int
        Fewest non-NaN values that can give any output.

    Returns
    -------
    pd.Series
        float64, same index and name.

    Raises
    ------
    DataContractError
        Not a Series; index not tz-aware UTC datetimes; unsorted or duplicated times; all
        NaN; too short; values outside `bounds`.
    """
    if not isinstance(series, pd.Series):
        raise DataContractError(f"{argument} must be a pandas Series indexed by availability "
                                f"time; got {type(series).__name__}. Use e.g. macro['usdjpy']")
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataContractError(f"{argument} index must be a DatetimeIndex of availability "
                                f"times; got {type(index).__name__}. Use pd.to_datetime")
    if index.tz is None:
        raise DataContractError(f"{argument} index must be tz-aware UTC; got tz=None. Use "
                                "series.tz_localize('UTC')")
    if str(index.tz) != "UTC":
        raise DataContractError(f"{argument} index must be UTC; got tz={index.tz}. Use "
                                "series.tz_convert('UTC')")
    if not index.is_monotonic_increasing:
        raise DataContractError(f"{argument} index is not sorted. Use series.sort_index()")
    if not index.is_unique:
        first = index[index.duplicated()][0]
        raise DataContractError(
            f"{argument} has duplicated times (first {first}). Keep one value per time, e.g. "
            "series[~series.index.duplicated(keep='last')]")
    try:
        values = series.astype("float64")
    except (TypeError, ValueError) as exc:
        raise DataContractError(f"{argument} must hold numbers; got dtype {series.dtype}") \
            from exc
    count = int(values.notna().sum())
    if count == 0:
        raise DataContractError(f"{argument} is all NaN; pass a series with data")
    if count < min_length:
        raise DataContractError(f"{argument} has {count} value(s); this signal needs at least "
                                f"{min_length}. Pass a longer history")
    if bounds is not None:
        finite = values.to_numpy()[np.isfinite(values.to_numpy())]
        low, high = bounds
        bad = finite[(finite < low) | (finite > high)]
        if len(bad):
            raise DataContractError(
                f"{argument} has values outside {low:g}..{high:g} {unit} (e.g. {bad[0]:g}); "
                f"the unit looks wrong. Pass {unit} values")
    return values


def check_window(value: int, argument: str = "window", *, minimum: int = 1) -> int:
    """A window length as an int, or one clear error.

    Parameters
    ----------
    value : int
        A whole number of observations (numpy integers too; not a bool or a float).
    argument : str
        The parameter's name, for the message.
    minimum : int
        The smallest allowed value (a window below 1 would read the future).

    Returns
    -------
    int
    """
    try:
        count = operator.index(value)
    except TypeError:
        count = None
    if count is None or isinstance(value, bool) or count < minimum:
        raise ConfigError(f"{argument} must be a whole number of observations >= {minimum}; "
                          f"got {value!r}")
    return count


def check_macro_input(series: pd.Series, argument: str, name: str, *,
                      min_length: int = 2) -> pd.Series:
    """:func:`check_series` with the unit and plausible range of macro series `name`."""
    from signals.sources.catalog import MACRO

    spec = MACRO[name]
    return check_series(series, argument, bounds=spec.bounds, unit=spec.unit,
                        min_length=min_length)
