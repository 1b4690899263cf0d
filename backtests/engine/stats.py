"""The stats table of a backtest, in the style of backtesting.py, strategy beside buy-and-hold.

Its keys (:data:`STATS_KEYS`) are documented, with units and formulas, in
``docs/backtests_stats.md``; a test keeps the two in step.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from backtests.engine.kernel import _spacing_range
from backtests.engine.metrics import (
    _FLAT_RTOL,
    Drawdown,
    _as_float_series,
    _cagr,
    _calmar,
    _check_equity,
    _check_exposure,
    _check_rate,
    periods_per_year,
)
from backtests.engine.passes import stored_numbers
from signals.errors import ConfigError, DataContractError
from signals.times import timeframe_to_timedelta

__all__ = ["STATS_KEYS", "stats_table"]

STATS_KEYS: tuple[str, ...] = (
    "Start", "End", "Duration", "Exposure Time [%]", "Equity Final [$]", "Equity Peak [$]",
    "Return [%]", "Return (Ann.) [%]", "Volatility (Ann.) [%]", "Sharpe Ratio",
    "Sortino Ratio", "Calmar Ratio", "Max. Drawdown [%]", "Max. Drawdown Start",
    "Max. Drawdown End", "Max. Drawdown Duration", "Turnover (Ann.)", "# Trades",
    "Win Rate [%]", "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]", "Fees Paid [$]",
)
"""Row labels of :func:`stats_table`, in order (units in brackets, percent as e.g. -23.4)."""

_ROWS, _COLUMNS = pd.Index(STATS_KEYS), pd.Index(["strategy", "buy_and_hold"])

_TRADE_COLUMNS = ("entry_time", "exit_time", "return")


def _check_same_index(series: pd.Series, argument: str, index: pd.Index) -> None:
    if not series.index.equals(index):
        raise DataContractError(f"{argument} must be on the same bars as equity ({len(index)} "
                                f"bars from {index[0]} to {index[-1]}); got {len(series)} "
                                f"values. Use {argument}.reindex(equity.index)")


def _check_trades(trades: pd.DataFrame) -> np.ndarray:
    if not isinstance(trades, pd.DataFrame):
        raise DataContractError(f"trades must be a DataFrame with columns "
                                f"{', '.join(_TRADE_COLUMNS)}; got {type(trades).__name__}")
    missing = [column for column in _TRADE_COLUMNS if column not in trades.columns]
    if missing:
        raise DataContractError(f"trades lacks column(s) {', '.join(missing)}; it needs "
                                f"{', '.join(_TRADE_COLUMNS)} (return = round-trip return as "
                                "a fraction)")
    try:
        returns = trades["return"].to_numpy(dtype="float64")
    except (TypeError, ValueError) as exc:
        raise DataContractError("trades['return'] must hold numbers (round-trip returns as "
                                "fractions, 0.05 = +5%)") from exc
    if np.isinf(returns).any():
        raise DataContractError("trades['return'] has infinite values; round-trip returns "
                                "are finite fractions")
    return returns[~np.isnan(returns)]


def _column(index: pd.DatetimeIndex, ppy: float, first: float, last: float,
            numbers: np.ndarray, when: np.ndarray, *, exposed_share: float, turnover: float,
            trade_returns: np.ndarray, fees_paid: float) -> list:
    """A column of the table from a curve's `numbers`, `when` (:func:`.passes.stored_numbers`)."""
    mean, squares, downside_squares, largest_return, high, depth = numbers
    peak, trough, recovery = (int(i) for i in when)
    bars = len(index) - 1
    std = math.sqrt(squares / (bars - 1)) if bars >= 2 else math.nan
    flat = std <= _FLAT_RTOL * largest_return if bars >= 2 else True
    downside = math.sqrt(downside_squares / bars)
    cagr = _cagr(first, last, bars, ppy)
    if depth < 0.0:
        end = index[recovery] if recovery >= 0 else index[-1]
        drawdown = Drawdown(depth=depth, peak=index[peak], trough=index[trough],
                            recovery=index[recovery] if recovery >= 0 else None,
                            duration=end - index[peak])
    else:
        drawdown = Drawdown(depth=0.0, duration=pd.Timedelta(0))
    n_trades = int(trade_returns.size)
    has_trades = n_trades > 0

    def percent(value: float) -> float:
        return float(value) * 100.0

    def when_(stamp):
        return pd.NaT if stamp is None else stamp

    return [
        index[0],
        index[-1],
        index[-1] - index[0],
        percent(exposed_share),
        float(last),
        float(high),
        percent(last / first - 1.0),
        percent(cagr),
        percent(std * math.sqrt(ppy)),
        math.nan if flat else float(mean / std * math.sqrt(ppy)),
        math.nan if bars < 2 or downside <= _FLAT_RTOL * largest_return
        else float(mean / downside * math.sqrt(ppy)),
        _calmar(cagr, drawdown.depth),
        percent(drawdown.depth),
        when_(drawdown.peak),
        when_(drawdown.trough),
        when_(drawdown.duration),
        turnover,
        n_trades,
        percent(np.mean(trade_returns > 0)) if has_trades else math.nan,
        percent(np.max(trade_returns)) if has_trades else math.nan,
        percent(np.min(trade_returns)) if has_trades else math.nan,
        percent(np.mean(trade_returns)) if has_trades else math.nan,
        float(fees_paid),
    ]


def _table(index: pd.DatetimeIndex, timeframe: str, passes: tuple, *,
           trade_returns: np.ndarray, benchmark_fees: float) -> pd.DataFrame:
    """The table from what :func:`.passes.stored_numbers` found (`passes`)."""
    ppy = periods_per_year(timeframe)
    numbers, when, ends, exposed, traded, paid = passes[:6]
    bars = len(index) - 1
    strategy = _column(index, ppy, ends[0, 0], ends[0, 1], numbers[0], when[0],
                       exposed_share=exposed / len(index), turnover=traded * ppy / bars,
                       trade_returns=trade_returns, fees_paid=paid)
    benchmark_total = ends[1, 1] / ends[1, 0] - 1.0
    buy_and_hold = _column(index, ppy, ends[1, 0], ends[1, 1], numbers[1], when[1],
                           exposed_share=1.0, turnover=1.0 * ppy / bars,
                           trade_returns=np.array([benchmark_total]), fees_paid=benchmark_fees)
    table = np.empty((len(STATS_KEYS), 2), dtype=object)
    table[:, 0], table[:, 1] = strategy, buy_and_hold
    # copies of the labels (sharing their data), so that renaming one table's leaves the rest
    return pd.DataFrame(table, index=_ROWS.copy(), columns=_COLUMNS.copy(), copy=False)


def _check_cash(initial_cash: float) -> float:
    cash = _check_rate(initial_cash, "initial_cash")
    if cash <= 0:
        raise ConfigError(f"initial_cash must be a positive amount in USD; got {initial_cash!r}")
    return cash


def _check_spacing(index: pd.DatetimeIndex, timeframe: str,
                   gaps: tuple[int, int] | None = None) -> None:
    """Bars spaced like `timeframe` (median gap within 10%), or a clear error.

    `gaps` are the smallest and largest gap when already known (:func:`.kernel.candle_gaps`).
    """
    bar = timeframe_to_timedelta(timeframe)

    def off(gap) -> bool:  # 10% slack: calendar-month candles ("1M") are 28 to 31 days
        return abs(gap / bar - 1.0) > 0.1

    # the median gap lies between the smallest and the largest: when both are close to
    # the timeframe, so is the median, and it need not be computed
    if len(index) < 3:
        return
    gaps = _spacing_range(index.asi8) if gaps is None else gaps
    per = pd.Timedelta(1, unit=index.unit)
    spacing = None if not any(off(int(g) * per) for g in gaps) else \
        pd.Series(index).diff().median()
    if spacing is not None and off(spacing):
        raise DataContractError(f"equity bars are {spacing} apart (median) but timeframe is "
                                f"{timeframe!r} ({bar}); pass the timeframe of the bars, "
                                "or annualised figures would be wrong")


def stats_table(
    equity: pd.Series,
    benchmark_equity: pd.Series,
    *,
    exposure: pd.Series,
    trades: pd.DataFrame,
    fees: pd.Series,
    timeframe: str,
    initial_cash: float,
    benchmark_fees: float = 0.0,
) -> pd.DataFrame:
    """The strategy's statistics next to buy-and-hold's, one row per :data:`STATS_KEYS`.

    Parameters
    ----------
    equity : pd.Series
        The strategy's account value in USD at every bar, strictly positive, on a sorted,
        unique DatetimeIndex; the first value is the starting cash.
    benchmark_equity : pd.Series
        Buy-and-hold's account value in USD on the same bars, also starting at
        `initial_cash`.
    exposure : pd.Series
        The strategy's per-bar fraction of equity held (1 long, 0 flat, negative short) on
        the same bars, no NaN.
    trades : pd.DataFrame
        One row per trade with at least ``entry_time``, ``exit_time`` and ``return`` (the
        round trip's return as a fraction, 0.05 = +5%); rows with a NaN return are not
        counted.
    fees : pd.Series
        Fees paid by the strategy in USD at every bar, on the same bars.
    timeframe : str
        The bars' ccxt timeframe (e.g. ``"1d"``), for annualising over a 365-day year.
    initial_cash : float
        Starting account value in USD; both curves must start at it (relative tolerance
        1e-9), so that the two columns compare the same money.
    benchmark_fees : float
        Fees buy-and-hold paid in USD (its one buy), since its equity curve does not say.

    Returns
    -------
    pd.DataFrame
        object dtype, index :data:`STATS_KEYS` in order, columns ``"strategy"`` and
        ``"buy_and_hold"``. Times are Timestamps, durations Timedeltas (NaT when
        undefined), ``# Trades`` an int, everything else floats (NaN when undefined).
        Percentages are in percent (-23.4 = -23.4%); Max. Drawdown [%] is <= 0. Buy-and-hold
        counts as always exposed (exposure 1 at every bar) and as one trade whose return is
        its total return. See ``docs/backtests_stats.md`` for every row.

    Raises
    ------
    DataContractError
        An input breaks its contract: not on the same bars as `equity`, NaN, non-positive
        equity, a curve not starting at `initial_cash`, bars spaced unlike `timeframe`
        (median spacing more than 10% off), `trades` without the needed columns.
    ConfigError
        `timeframe` is not a ccxt timeframe; `initial_cash` or `benchmark_fees` is not a
        valid number.
    """
    periods_per_year(timeframe)  # a bad timeframe is reported first
    values = _check_equity(equity, need_times=True)
    benchmark_values = _check_equity(benchmark_equity, "benchmark_equity", need_times=True)
    index = equity.index
    if len(index) < 2:
        raise DataContractError(f"equity has {len(index)} value(s); the stats table needs at "
                                "least 2 bars. Run the backtest over a longer period")
    _check_same_index(benchmark_equity, "benchmark_equity", index)
    _check_same_index(_as_float_series(exposure, "exposure"), "exposure", index)
    exposure_values = _check_exposure(exposure)
    fee_values = _as_float_series(fees, "fees")
    _check_same_index(fee_values, "fees", index)
    if not np.isfinite(fee_values.to_numpy()).all():
        raise DataContractError("fees has NaN or infinite values; give the USD fees paid at "
                                "every bar. Use fees.fillna(0.0) for bars without trades")
    trade_returns = _check_trades(trades)

    cash = _check_cash(initial_cash)
    for argument, curve in (("equity", values), ("benchmark_equity", benchmark_values)):
        first = float(curve[0])
        if not math.isclose(first, cash, rel_tol=1e-9):
            raise DataContractError(
                f"{argument} must start at initial_cash={cash:g} USD; its first value is "
                f"{first:g}. Begin the curve with the starting cash, before the first trade")
    bench_fees = _check_rate(benchmark_fees, "benchmark_fees")
    _check_spacing(index, timeframe)
    passes = stored_numbers(values, benchmark_values, exposure_values,
                            fee_values.to_numpy(dtype="float64"))
    return _table(index, timeframe, passes, trade_returns=trade_returns,
                  benchmark_fees=bench_fees)
