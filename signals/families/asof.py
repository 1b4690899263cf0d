"""Several series on one calendar, as of each availability time (no value before its time)."""

from __future__ import annotations

import pandas as pd

__all__ = ["asof_frame"]


def asof_frame(**series: pd.Series) -> pd.DataFrame:
    """Put series with different calendars side by side, each as known at every time.

    The index is the union of the inputs' availability times; each column holds, at each
    time, the latest value of its series available then (forward-filled, never back-filled),
    so a row never mixes in a value published after it.

    Parameters
    ----------
    **series : pd.Series
        Inputs indexed by strictly increasing UTC availability times.

    Returns
    -------
    pd.DataFrame
        One float64 column per keyword, union index, NaN before a series' first value.
    """
    frame = pd.concat(series, axis=1, sort=True)
    return frame.ffill()
