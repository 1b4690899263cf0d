"""Shared helpers for the signal tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def macro_series(values, start: str = "2024-01-01", *, freq: str = "B",
                 name: str = "x") -> pd.Series:
    """`values` as a macro series: float64 on an ``available_at`` index of UTC times.

    One time per `freq` step from `start` (business days by default), as a loader stamps
    each value with when it became available.
    """
    index = pd.date_range(start, periods=len(values), freq=freq, tz="UTC", name="available_at")
    return pd.Series(np.asarray(values, dtype="float64"), index=index, name=name)
