"""Trailing standardisation: how unusual is today's reading, judged only by the past."""

from __future__ import annotations

import pandas as pd

from signals.data.validate import check_window
from signals.errors import ConfigError

__all__ = ["trailing_zscore"]


def trailing_zscore(
    raw: pd.Series, *, lookback: int, min_periods: int | None = None, cap: float = 3.0
) -> pd.Series:
    """Z-score of each value against the trailing `lookback` observations, capped.

    The mean and standard deviation come from the window ending at (and including) each
    observation, so nothing later is used; NaN inputs are skipped, not filled.

    Parameters
    ----------
    raw : pd.Series
        A component's raw readings, on its own calendar.
    lookback : int
        Observations in the trailing window.
    min_periods : int, optional
        Fewest observations for a z-score; before that the output is NaN (warm-up).
        Default: half of `lookback`.
    cap : float
        The z-score is clipped to ``[-cap, cap]``, so one extreme reading cannot dominate.

    Returns
    -------
    pd.Series
        float64, same index and name; NaN during warm-up and where the trailing standard
        deviation is zero.
    """
    lookback = check_window(lookback, "lookback", minimum=2)
    if not cap > 0:
        raise ConfigError(f"cap must be positive; got {cap}")
    min_periods = max(2, lookback // 2) if min_periods is None else min_periods
    valid = raw.dropna()
    rolling = valid.rolling(lookback, min_periods=min_periods)
    std = rolling.std()
    z = (valid - rolling.mean()) / std.where(std > 1e-12)  # flat window: no z-score
    return z.clip(-cap, cap).reindex(raw.index).astype("float64").rename(raw.name)
