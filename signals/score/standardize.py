"""Trailing standardisation: how unusual is today's reading, judged only by the past.

Two kinds, both past-only and both on the z-score scale so that the composite can mix them:
trailing z-scores (speed: how unusual is this move against the last few years) and
percentiles of the level (regime: how high is this level against a long history).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from signals.data.validate import check_window
from signals.errors import ConfigError

__all__ = ["OBSERVATIONS_PER_YEAR", "TEN_YEARS", "percentile_zscore", "standardize",
           "trailing_zscore"]

#: Observations in a year of each component frequency (market days for daily series).
OBSERVATIONS_PER_YEAR = {"daily": 252, "weekly": 52, "monthly": 12}
#: The window of the ten-year percentile (3,652 days: ten years with their leap days).
TEN_YEARS = pd.Timedelta(days=3652)


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


def _normal_quantile(p: np.ndarray) -> np.ndarray:
    """Inverse standard normal CDF, elementwise (NaN stays NaN)."""
    inverse = NormalDist().inv_cdf
    out = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    out[finite] = [inverse(v) for v in p[finite]]
    return out


def percentile_zscore(
    raw: pd.Series, *, window: pd.Timedelta | None, min_history: pd.Timedelta,
    cap: float = 3.0,
) -> pd.Series:
    """Each value's percentile among past values, on the z-score scale, capped.

    The percentile is the mid-rank of today's value among the values of the trailing
    `window` of time (or all values so far when `window` is ``None``), today's included:
    ``p = (rank - 0.5) / n``. It enters the score as the standard normal quantile of ``p``,
    so a level at the record of a ten-year window (``p`` near 1) reads like a z-score at the
    cap and the median reads 0. Unlike a z-score, a long climb keeps reading high as long
    as the level stays near the top of its history: a regime shift is not standardised
    away. Windows are lengths of time, so a series on a merged calendar (two rows a day)
    is judged over the same years as one on its own.

    Parameters
    ----------
    raw : pd.Series
        A component's raw readings, indexed by UTC availability time.
    window : pd.Timedelta or None
        Length of the trailing window; ``None`` for an expanding window.
    min_history : pd.Timedelta
        How much history a reading needs; before that the output is NaN (warm-up).
    cap : float
        The result is clipped to ``[-cap, cap]``.

    Returns
    -------
    pd.Series
        float64, same index and name; NaN during warm-up and where `raw` is NaN.
    """
    if not cap > 0:
        raise ConfigError(f"cap must be positive; got {cap}")
    valid = raw.dropna().astype("float64")
    if valid.empty:
        return raw.astype("float64")
    rolling = valid.expanding() if window is None else valid.rolling(window)
    count = rolling.count()
    rank = rolling.rank(method="average", pct=True) * count
    p = ((rank - 0.5) / count).to_numpy(dtype="float64", copy=True)
    p[(valid.index - valid.index[0]) < min_history] = np.nan
    z = pd.Series(_normal_quantile(p), index=valid.index)
    return z.clip(-cap, cap).reindex(raw.index).astype("float64").rename(raw.name)


def standardize(raw: pd.Series, how: str, frequency: str, *, cap: float = 3.0) -> pd.Series:
    """A component's raw reading on the z-score scale, by the named standardisation.

    Parameters
    ----------
    raw : pd.Series
        The raw readings, on the component's own calendar.
    how : str
        One of :data:`signals.families.registry.STANDARDIZATIONS`: ``"zscore"`` (trailing
        two years; monthly series five), ``"zscore_5y"``, ``"percentile_10y"`` (ten-year
        rolling percentile) or ``"percentile_all"`` (expanding percentile). Percentiles
        need five years of history; their windows are lengths of time.
    frequency : str
        ``"daily"``, ``"weekly"`` or ``"monthly"``: how many observations make a year.
    cap : float
        Cap of the result.

    Returns
    -------
    pd.Series
        float64 on the z-score scale, same index and name.
    """
    from signals.families.registry import FREQUENCIES, STANDARDIZATIONS

    if how not in STANDARDIZATIONS:
        raise ConfigError(f"unknown standardisation {how!r}; use one of "
                          f"{', '.join(STANDARDIZATIONS)}")
    lookback, min_periods, _ = FREQUENCIES[frequency]
    year = OBSERVATIONS_PER_YEAR[frequency]
    if how == "zscore":
        return trailing_zscore(raw, lookback=lookback, min_periods=min_periods, cap=cap)
    if how == "zscore_5y":
        return trailing_zscore(raw, lookback=5 * year, min_periods=min_periods, cap=cap)
    window = TEN_YEARS if how == "percentile_10y" else None
    return percentile_zscore(raw, window=window, min_history=TEN_YEARS / 2, cap=cap)
