"""Performance metrics of a backtest: pure functions (the table is in :mod:`.stats`).

Conventions:

- *equity*: float64 Series of the account value in USD, strictly positive, indexed by bar
  times (UTC closes or opens: only the order and spacing matter), sorted and unique. The
  first value is the account before anything happened (the starting cash).
- *returns*: per-bar simple returns, ``equity.pct_change()``; NaN values (such as the first
  one) are ignored.
- *exposure*: per-bar fraction of equity held: 1 fully long, 0 flat, negative short.
- *periods_per_year*: bars in a year. Crypto trades 24/7, so a year is **365 days** of bars
  (1d -> 365, 4h -> 2190, 1h -> 8760), never 252; see :func:`periods_per_year`.

Metrics that cannot be computed (too few values, zero volatility, no drawdown to divide by)
are NaN rather than an exception or ``inf``; inputs that break the conventions raise
:class:`~signals.errors.DataContractError`, bad settings :class:`~signals.errors.ConfigError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from signals.errors import ConfigError, DataContractError
from signals.times import timeframe_to_timedelta

__all__ = [
    "Drawdown",
    "annual_turnover",
    "annualized_return",
    "annualized_volatility",
    "calmar_ratio",
    "exposure_time",
    "max_drawdown",
    "periods_per_year",
    "sharpe_ratio",
    "sortino_ratio",
    "total_return",
]

_YEAR = pd.Timedelta(days=365)
# A dispersion this small relative to the returns' size is floating-point noise (e.g. the
# returns of an equity growing by exactly 0.1% a bar): treated as zero volatility.
_FLAT_RTOL = 1e-10
# |exposure| at or below this counts as flat: dust left by closing a position in floats.
_EXPOSURE_ATOL = 1e-9


@dataclass(frozen=True)
class Drawdown:
    """The deepest fall of an equity curve from a previous peak.

    Attributes
    ----------
    depth : float
        Trough / peak - 1 as a fraction, so <= 0 (-0.25 = a 25% fall); 0.0 when the curve
        never fell, NaN when it has fewer than 2 values.
    peak : pd.Timestamp or None
        Time of the peak the fall started from (the last bar at that high before the
        trough); None when `depth` is 0 or NaN.
    trough : pd.Timestamp or None
        Time of the lowest value (the first, if several are equal); None when `depth` is 0
        or NaN.
    recovery : pd.Timestamp or None
        First time after the trough the equity was back at or above the peak's value;
        None when it never recovered (or `depth` is 0 or NaN).
    duration : pd.Timedelta or None
        Peak to recovery, or peak to the curve's last time when it never recovered;
        ``Timedelta(0)`` when `depth` is 0, None when `depth` is NaN.
    """

    depth: float
    peak: pd.Timestamp | None = None
    trough: pd.Timestamp | None = None
    recovery: pd.Timestamp | None = None
    duration: pd.Timedelta | None = None


# --------------------------------------------------------------------------- checks


def _check_ppy(periods_per_year: float) -> float:
    try:
        value = float(periods_per_year)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"periods_per_year must be a positive number of bars per 365-day "
                          f"year; got {periods_per_year!r}. Use periods_per_year('1d') (365)")
    return value


def _check_rate(value: float, argument: str) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = math.nan
    if not math.isfinite(rate):
        raise ConfigError(f"{argument} must be a finite annual rate as a fraction (0.04 = 4% "
                          f"a year); got {value!r}")
    return rate


def _check_index(index: pd.Index, argument: str, *, need_times: bool) -> None:
    if need_times and not isinstance(index, pd.DatetimeIndex):
        raise DataContractError(f"{argument} index must be a DatetimeIndex of bar times; got "
                                f"{type(index).__name__}. Use pd.to_datetime(..., utc=True)")
    if not index.is_monotonic_increasing:
        raise DataContractError(f"{argument} index is not sorted. Use {argument}.sort_index()")
    if not index.is_unique:
        raise DataContractError(f"{argument} has duplicated times (first "
                                f"{index[index.duplicated()][0]}). Keep one value per bar")


def _as_float_series(values: pd.Series, argument: str) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise DataContractError(f"{argument} must be a pandas Series indexed by bar time; got "
                                f"{type(values).__name__}. Use pd.Series(values, index=times)")
    try:
        return values.astype("float64")
    except (TypeError, ValueError) as exc:
        raise DataContractError(f"{argument} must hold numbers; got dtype {values.dtype}") \
            from exc


def _check_equity(equity: pd.Series, argument: str = "equity", *,
                  need_times: bool = False) -> np.ndarray:
    """The equity values as a float64 array after checking the conventions."""
    series = _as_float_series(equity, argument)
    _check_index(series.index, argument, need_times=need_times)
    values = series.to_numpy(dtype="float64", copy=True)
    if np.isnan(values).any():
        first = series.index[np.isnan(values)][0]
        raise DataContractError(f"{argument} has NaN values (first at {first}); an equity "
                                "curve has a value at every bar. Drop or fill those bars")
    if (values <= 0).any() or np.isinf(values).any():
        first = series.index[(values <= 0) | np.isinf(values)][0]
        raise DataContractError(f"{argument} must be finite and strictly positive (USD); got "
                                f"{series[first]!r} at {first}. Pass the account value, not "
                                "profit or returns")
    return values


def _check_exposure(exposure: pd.Series, argument: str = "exposure") -> np.ndarray:
    series = _as_float_series(exposure, argument)
    values = series.to_numpy(dtype="float64", copy=True)
    if not np.isfinite(values).all():
        first = series.index[~np.isfinite(values)][0]
        raise DataContractError(f"{argument} has a non-finite value at {first}; exposure is "
                                f"the fraction of equity held at every bar. Use "
                                f"{argument}.fillna(0.0) if those bars were flat")
    return values


def _returns_array(returns) -> np.ndarray:
    try:
        values = np.asarray(returns, dtype="float64").ravel()
    except (TypeError, ValueError) as exc:
        raise DataContractError("returns must hold numbers (per-bar simple returns as "
                                "fractions); use equity.pct_change()") from exc
    values = values[~np.isnan(values)]
    if np.isinf(values).any():
        raise DataContractError("returns has infinite values; per-bar simple returns of a "
                                "strictly positive equity are finite. Check the equity curve")
    return values


def _is_flat(deviation: float, scale: np.ndarray) -> bool:
    """Whether a dispersion is zero up to floating-point noise, relative to the values."""
    size = float(np.max(np.abs(scale))) if scale.size else 0.0
    return deviation <= _FLAT_RTOL * size


# --------------------------------------------------------------------------- metrics


def periods_per_year(timeframe: str) -> float:
    """Bars of `timeframe` in a 365-day year (crypto trades every day).

    Parameters
    ----------
    timeframe : str
        A ccxt timeframe, e.g. ``"1h"``, ``"4h"``, ``"1d"``.

    Returns
    -------
    float
        365 days / bar length: 365.0 for ``"1d"``, 2190.0 for ``"4h"``, 8760.0 for ``"1h"``,
        52.14... for ``"1w"``.

    Raises
    ------
    ConfigError
        `timeframe` is not a ccxt timeframe.
    """
    return float(_YEAR / timeframe_to_timedelta(timeframe))


def total_return(equity: pd.Series) -> float:
    """Growth of the account from the first to the last value.

    Parameters
    ----------
    equity : pd.Series
        Account value in USD, strictly positive, sorted by time.

    Returns
    -------
    float
        final / first - 1 as a fraction (0.10 = +10%, -0.5 = half lost); NaN for fewer
        than 2 values.

    Raises
    ------
    DataContractError
        `equity` is not a Series of finite, strictly positive numbers on a sorted, unique
        index.
    """
    values = _check_equity(equity)
    if values.size < 2:
        return math.nan
    return float(values[-1] / values[0] - 1.0)


def annualized_return(equity: pd.Series, periods_per_year: float) -> float:
    """Compound annual growth rate (CAGR) over the bars of `equity`.

    Parameters
    ----------
    equity : pd.Series
        Account value in USD, strictly positive, sorted by time; ``n`` values span
        ``n - 1`` bars.
    periods_per_year : float
        Bars in a 365-day year (see :func:`periods_per_year`).

    Returns
    -------
    float
        ``(final / first) ** (periods_per_year / (n - 1)) - 1`` as a fraction per year; NaN
        for fewer than 2 values; ``inf`` if the compounding overflows (a huge gain over a
        few bars).

    Raises
    ------
    DataContractError
        `equity` breaks the equity conventions.
    ConfigError
        `periods_per_year` is not a positive number.

    Notes
    -----
    Counting bars, not calendar time, makes the result independent of missing candles'
    timestamps: a daily curve growing 0.1% a bar has ``1.001 ** 365 - 1``.
    """
    return _curve_cagr(_check_equity(equity), _check_ppy(periods_per_year))


def _cagr(first: float, last: float, bars: int, ppy: float) -> float:
    """Growth per year of a curve going from `first` to `last` over `bars` bars."""
    if bars < 1:
        return math.nan
    with np.errstate(over="ignore"):
        growth = np.float64(last / first) ** (ppy / bars)
    return float(growth - 1.0)


def _curve_cagr(values: np.ndarray, ppy: float) -> float:
    return _cagr(values[0], values[-1], values.size - 1, ppy) if values.size else math.nan


def annualized_volatility(returns, periods_per_year: float) -> float:
    """Annualised standard deviation of per-bar returns.

    Parameters
    ----------
    returns : pd.Series or array-like
        Per-bar simple returns as fractions (``equity.pct_change()``); NaN values are
        ignored.
    periods_per_year : float
        Bars in a 365-day year (see :func:`periods_per_year`).

    Returns
    -------
    float
        Sample standard deviation (ddof=1) * sqrt(periods_per_year), as a fraction per
        year (0.6 = 60%); NaN for fewer than 2 returns.

    Raises
    ------
    DataContractError
        `returns` is not numeric or has infinite values.
    ConfigError
        `periods_per_year` is not a positive number.
    """
    ppy = _check_ppy(periods_per_year)
    values = _returns_array(returns)
    if values.size < 2:
        return math.nan
    return float(np.std(values, ddof=1) * math.sqrt(ppy))


def sharpe_ratio(returns, periods_per_year: float, risk_free: float = 0.0) -> float:
    """Annualised Sharpe ratio: mean excess return per unit of volatility.

    Parameters
    ----------
    returns : pd.Series or array-like
        Per-bar simple returns as fractions; NaN values are ignored.
    periods_per_year : float
        Bars in a 365-day year (see :func:`periods_per_year`).
    risk_free : float
        Risk-free rate as an annual fraction (0.04 = 4% a year), spread evenly over the
        bars: ``risk_free / periods_per_year`` per bar.

    Returns
    -------
    float
        ``mean(r - risk_free / ppy) / std(r, ddof=1) * sqrt(ppy)``, dimensionless; NaN for
        fewer than 2 returns or zero volatility (never ``inf``).

    Raises
    ------
    DataContractError
        `returns` is not numeric or has infinite values.
    ConfigError
        `periods_per_year` or `risk_free` is not a valid number.
    """
    ppy = _check_ppy(periods_per_year)
    rate = _check_rate(risk_free, "risk_free")
    values = _returns_array(returns)
    if values.size < 2:
        return math.nan
    std = float(np.std(values, ddof=1))
    if _is_flat(std, values):
        return math.nan
    return float(np.mean(values - rate / ppy) / std * math.sqrt(ppy))


def sortino_ratio(returns, periods_per_year: float, required_return: float = 0.0) -> float:
    """Annualised Sortino ratio: mean excess return per unit of downside deviation.

    Parameters
    ----------
    returns : pd.Series or array-like
        Per-bar simple returns as fractions; NaN values are ignored.
    periods_per_year : float
        Bars in a 365-day year (see :func:`periods_per_year`).
    required_return : float
        Minimum acceptable return as an annual fraction, spread evenly over the bars:
        ``req = required_return / periods_per_year`` per bar.

    Returns
    -------
    float
        ``mean(r - req) / sqrt(mean(min(r - req, 0) ** 2)) * sqrt(ppy)``, dimensionless;
        NaN for fewer than 2 returns or when no bar fell short of `req` (zero downside
        deviation, never ``inf``).

    Raises
    ------
    DataContractError
        `returns` is not numeric or has infinite values.
    ConfigError
        `periods_per_year` or `required_return` is not a valid number.
    """
    ppy = _check_ppy(periods_per_year)
    rate = _check_rate(required_return, "required_return")
    values = _returns_array(returns)
    if values.size < 2:
        return math.nan
    excess = values - rate / ppy
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    if _is_flat(downside, excess):
        return math.nan
    return float(np.mean(excess) / downside * math.sqrt(ppy))


def max_drawdown(equity: pd.Series) -> Drawdown:
    """The deepest peak-to-trough fall of the account, with its times.

    Parameters
    ----------
    equity : pd.Series
        Account value in USD, strictly positive, on a sorted, unique DatetimeIndex.

    Returns
    -------
    Drawdown
        ``depth`` (negative fraction, -0.1 = -10%), ``peak``, ``trough``, ``recovery``
        (None if never recovered) and ``duration`` (peak to recovery, or to the last time).
        A curve that never fell has depth 0.0 and duration 0; fewer than 2 values give
        depth NaN.

    Raises
    ------
    DataContractError
        `equity` breaks the equity conventions or its index holds no times.
    """
    return _drawdown(_check_equity(equity, need_times=True), equity.index)


def _drawdown(values: np.ndarray, times: pd.DatetimeIndex) -> Drawdown:
    if values.size < 2:
        return Drawdown(depth=math.nan)
    running_peak = np.maximum.accumulate(values)
    drawdown = values / running_peak - 1.0
    trough = int(np.argmin(drawdown))
    depth = float(drawdown[trough])
    if depth >= 0.0:
        return Drawdown(depth=0.0, duration=pd.Timedelta(0))
    peak = int(np.flatnonzero(values[: trough + 1] >= running_peak[trough])[-1])
    recovered = np.flatnonzero(values[trough + 1:] >= values[peak])
    recovery = times[trough + 1 + int(recovered[0])] if recovered.size else None
    end = recovery if recovery is not None else times[-1]
    return Drawdown(depth=depth, peak=times[peak], trough=times[trough], recovery=recovery,
                    duration=end - times[peak])


def calmar_ratio(equity: pd.Series, periods_per_year: float) -> float:
    """Calmar ratio: annualised return over the depth of the maximum drawdown.

    Parameters
    ----------
    equity : pd.Series
        Account value in USD, strictly positive, on a sorted, unique DatetimeIndex.
    periods_per_year : float
        Bars in a 365-day year (see :func:`periods_per_year`).

    Returns
    -------
    float
        ``annualized_return / abs(max_drawdown.depth)``, dimensionless, positive when the
        account grew; NaN for fewer than 2 values or when the curve never fell.

    Raises
    ------
    DataContractError
        `equity` breaks the equity conventions.
    ConfigError
        `periods_per_year` is not a positive number.
    """
    values = _check_equity(equity)
    return _calmar(_curve_cagr(values, _check_ppy(periods_per_year)),
                   _drawdown(values, equity.index).depth)


def _calmar(cagr: float, depth: float) -> float:
    if not depth < 0.0:
        return math.nan
    return float(cagr / abs(depth))


def exposure_time(exposure: pd.Series) -> float:
    """Fraction of bars with a position open.

    Parameters
    ----------
    exposure : pd.Series
        Per-bar fraction of equity held (1 long, 0 flat, negative short), no NaN.

    Returns
    -------
    float
        Share of bars with ``abs(exposure) > 1e-9`` (so float dust left after closing does
        not count), between 0 and 1; NaN when `exposure` is empty.

    Raises
    ------
    DataContractError
        `exposure` is not a numeric Series or has NaN or infinite values.
    """
    return _exposed_share(_check_exposure(exposure))


def _exposed_share(values: np.ndarray) -> float:
    if values.size == 0:
        return math.nan
    return float(np.mean(np.abs(values) > _EXPOSURE_ATOL))


def annual_turnover(exposure: pd.Series, periods_per_year: float) -> float:
    """How much of the account is traded in a year, in units of equity.

    Parameters
    ----------
    exposure : pd.Series
        Per-bar fraction of equity held (1 long, 0 flat, negative short), no NaN; ``n``
        values span ``n - 1`` bars, like the equity curve on the same index.
    periods_per_year : float
        Bars in a 365-day year (see :func:`periods_per_year`).

    Returns
    -------
    float
        ``sum(abs(diff(exposure))) * periods_per_year / (n - 1)``, in equity per year, where
        the account starts flat (the first change is ``exposure[0] - 0``). Buying the whole
        account and selling it again is 2.0, so 2.0 a year = one full round trip a year and
        buy-and-hold over exactly a year is 1.0. NaN for fewer than 2 values.

    Raises
    ------
    DataContractError
        `exposure` is not a numeric Series or has NaN or infinite values.
    ConfigError
        `periods_per_year` is not a positive number.

    Notes
    -----
    Changes of the exposure through price drift alone (a 1x position stays 1x, but a
    partial one drifts) count as trading here; this measures how the target position
    moves, not the exact notional the engine traded.
    """
    return _turnover(_check_exposure(exposure), _check_ppy(periods_per_year))


def _turnover(values: np.ndarray, ppy: float) -> float:
    if values.size < 2:
        return math.nan
    traded = float(np.sum(np.abs(np.diff(values, prepend=0.0))))
    return traded * ppy / (values.size - 1)
