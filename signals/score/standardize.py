"""Trailing standardisation: how unusual is today's reading, judged only by the past.

Two kinds, both past-only and both on the z-score scale so that the composite can mix them:
trailing z-scores (speed: how unusual is this move against the last few years) and
percentiles of the level (regime: how high is this level against a long history).
"""

from __future__ import annotations

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


# Wichura's algorithm AS241 (Applied Statistics 37(3), 1988), PPND16: three rational
# approximations of the inverse normal CDF, each a ratio of degree-7 polynomials (highest
# power first), good to about 1e-16. Python's statistics.NormalDist uses the same.
_CENTRAL = ((2.50908_09287_30122_6727e+3, 3.34305_75583_58812_8105e+4,
             6.72657_70927_00870_0853e+4, 4.59219_53931_54987_1457e+4,
             1.37316_93765_50946_1125e+4, 1.97159_09503_06551_4427e+3,
             1.33141_66789_17843_7745e+2, 3.38713_28727_96366_6080e+0),
            (5.22649_52788_52854_5610e+3, 2.87290_85735_72194_2674e+4,
             3.93078_95800_09271_0610e+4, 2.12137_94301_58659_5867e+4,
             5.39419_60214_24751_1077e+3, 6.87187_00749_20579_0830e+2,
             4.23133_30701_60091_1252e+1, 1.0))
_NEAR = ((7.74545_01427_83414_07640e-4, 2.27238_44989_26918_45833e-2,
          2.41780_72517_74506_11770e-1, 1.27045_82524_52368_38258e+0,
          3.64784_83247_63204_60504e+0, 5.76949_72214_60691_40550e+0,
          4.63033_78461_56545_29590e+0, 1.42343_71107_49683_57734e+0),
         (1.05075_00716_44416_84324e-9, 5.47593_80849_95344_94600e-4,
          1.51986_66563_61645_71966e-2, 1.48103_97642_74800_74590e-1,
          6.89767_33498_51000_04550e-1, 1.67638_48301_83803_84940e+0,
          2.05319_16266_37758_82187e+0, 1.0))
_FAR = ((2.01033_43992_92288_13265e-7, 2.71155_55687_43487_57815e-5,
         1.24266_09473_88078_43860e-3, 2.65321_89526_57612_30930e-2,
         2.96560_57182_85048_91230e-1, 1.78482_65399_17291_33580e+0,
         5.46378_49111_64114_36990e+0, 6.65790_46435_01103_77720e+0),
        (2.04426_31033_89939_78564e-15, 1.42151_17583_16445_88870e-7,
         1.84631_83175_10054_68180e-5, 7.86869_13114_56132_59100e-4,
         1.48753_61290_85061_48525e-2, 1.36929_88092_27358_05310e-1,
         5.99832_20655_58879_37690e-1, 1.0))


def _normal_quantile(p: np.ndarray) -> np.ndarray:
    """Inverse standard normal CDF of probabilities in (0, 1), elementwise; NaN stays NaN.

    AS241 on whole arrays: ``|p - 0.5| <= 0.425`` by the central approximation in
    ``(p - 0.5)**2``, the tails by the others in ``sqrt(-log(tail probability))``.
    """
    out = np.full(p.shape, np.nan)
    q = p - 0.5
    central = np.abs(q) <= 0.425
    qc = q[central]
    r = 0.180625 - qc * qc
    out[central] = np.polyval(_CENTRAL[0], r) * qc / np.polyval(_CENTRAL[1], r)
    tail = np.isfinite(p) & ~central
    qt = q[tail]
    r = np.sqrt(-np.log(np.where(qt <= 0.0, p[tail], 1.0 - p[tail])))
    near = r <= 5.0
    x = np.empty(r.shape)
    for where, (top, bottom), shift in ((near, _NEAR, 1.6), (~near, _FAR, 5.0)):
        shifted = r[where] - shift
        x[where] = np.polyval(top, shifted) / np.polyval(bottom, shifted)
    out[tail] = np.where(qt < 0.0, -x, x)
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
