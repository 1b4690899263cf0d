"""``backtests.run``'s stats and trades straight from the simulation, storing no curve.

A backtest's curves (both equities, the exposure, the fees) are 32 MB at a million
candles, and writing them to fresh memory costs more than simulating them. Here the step
of :mod:`.kernel` runs twice (the returns' variance needs their mean first) and feeds each
candle to the streaming sums of :mod:`.stats`, which add in numpy's order: every figure
equals what :func:`~.stats.stats_table` gives on the stored curves, bit for bit. The
curves are made when a result's ``equity`` is first read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from backtests.engine.kernel import _begin, _cost_rate, _step, simulate_with_benchmark
from backtests.engine.metrics import _EXPOSURE_ATOL, _check_equity, _check_exposure
from backtests.engine.result import trades_frame
from backtests.engine.stats import (
    _check_cash,
    _check_spacing,
    _check_trades,
    _means,
    _stream_candle,
    _stream_numbers,
    _stream_squares,
    _stream_start,
    _table,
)

__all__ = ["backtest_numbers"]


@njit(cache=True)
def _passes(open_, close, target, cost_rate, at_open, initial_cash, atol, starts, stops,
            paid_before, paid_through):  # pragma: no cover
    """Both passes over the candles; the trades' stretches written to the last four arrays.

    A trade is a stretch of candles with a position in force (``target[t - 1] != 0`` on
    candle ``t``), from ``starts[k]`` to ``stops[k]`` (exclusive; ``n`` while open), with
    the fees paid before it and through its exit candle (running sums in time order, as
    ``np.cumsum`` adds). Returns the stats numbers, the number of trades, both curves'
    first and last values, buy-and-hold's fee, and the first candle whose equity is not a
    finite positive number or whose exposure is not finite (-1: none).
    """
    n = close.shape[0]
    state = _stream_start(n)
    ends = np.empty((2, 2))
    account = _begin(initial_cash)
    bad = -1
    count = 0
    active = False
    paid = 0.0
    for t in range(n):
        account, value, bench, held, fee = _step(t, open_, close, target, cost_rate, at_open,
                                                 account)
        if bad < 0 and not (0.0 < value < np.inf and 0.0 < bench < np.inf
                            and np.isfinite(held)):
            bad = t
        if t == 0:
            ends[0, 0], ends[1, 0] = value, bench
        now = t > 0 and target[t - 1] != 0.0
        if now and not active:
            starts[count] = t
            paid_before[count] = paid
            count += 1
        paid += fee
        if active and not now:
            stops[count - 1] = t
            paid_through[count - 1] = paid  # the exit candle's fee included
        active = now
        _stream_candle(t, value, bench, held, fee, atol, state)
    if active:
        stops[count - 1] = n
        paid_through[count - 1] = paid
    ends[0, 1], ends[1, 1] = value, bench
    means = _means(state)
    account = _begin(initial_cash)
    for t in range(n):
        account, value, bench, _, _ = _step(t, open_, close, target, cost_rate, at_open,
                                            account)
        _stream_squares(t, value, bench, means, state)
    return _stream_numbers(state, means), count, ends, account[5], bad


def backtest_numbers(prices: pd.DataFrame, target: np.ndarray, *, timeframe: str,
                     fee_bps: float, slippage_bps: float,
                     execution: str, initial_cash: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stats table and the trades of a backtest, without storing its curves.

    Parameters
    ----------
    prices : pd.DataFrame
        Candles checked by :func:`~.kernel.check_candles`.
    target : np.ndarray
        Exposure decided at each close, float64.
    timeframe, fee_bps, slippage_bps, execution, initial_cash
        As for ``backtests.run``.

    Returns
    -------
    stats : pd.DataFrame
        :func:`~.stats.stats_table` of the backtest's curves.
    trades : pd.DataFrame
        The round trips (:func:`~.result.trades_frame`).

    Raises
    ------
    DataContractError
        An equity curve that stops being a finite positive number (a short losing more
        than the account), or candles spaced unlike `timeframe`.
    ConfigError
        Bad costs, execution or initial cash.
    """
    rate = _cost_rate(execution, fee_bps, slippage_bps)
    cash = _check_cash(initial_cash)
    index = prices.index
    _check_spacing(index, timeframe)
    open_ = prices["open"].to_numpy(dtype="float64")
    close = prices["close"].to_numpy(dtype="float64")
    room = len(prices) // 2 + 1  # every possible trade; the pages not used are never touched
    stretches = (np.empty(room, np.int64), np.empty(room, np.int64), np.empty(room),
                 np.empty(room))
    numbers, count, ends, hold_fee, bad = _passes(open_, close, target, rate,
                                                  execution == "open", cash, _EXPOSURE_ATOL,
                                                  *stretches)
    if bad >= 0:  # the curves, for the checks' own message: one of them raises
        curves, held, _, _ = simulate_with_benchmark(open_, close, target, fee_bps=fee_bps,
                                                     slippage_bps=slippage_bps,
                                                     execution=execution, initial_cash=cash)
        _check_equity(pd.Series(curves[0], index=index))
        _check_equity(pd.Series(curves[1], index=index), "benchmark_equity")
        _check_exposure(pd.Series(held, index=index))
    trades = trades_frame(prices, target, *(part[:count] for part in stretches),
                          execution=execution)
    stats = _table(index, timeframe, ends, numbers, trade_returns=_check_trades(trades),
                   benchmark_fees=hold_fee)
    return stats, trades
