"""``backtests.run``'s stats and trades straight from the simulation, storing no curve.

:func:`.passes.simulated_numbers` runs the simulation in its passes and sums as it goes:
every figure equals what :func:`~.stats.stats_table` gives on the stored curves, bit for
bit, since both read the same values in the same loops. The curves are made when a
result's ``equity`` is first read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtests.engine.kernel import _cost_rate, simulate_with_benchmark
from backtests.engine.metrics import _check_equity, _check_exposure
from backtests.engine.passes import simulated_numbers
from backtests.engine.result import trades_frame
from backtests.engine.stats import (
    _check_cash,
    _check_spacing,
    _check_trades,
    _table,
)

__all__ = ["backtest_numbers"]


def backtest_numbers(prices: pd.DataFrame, target: np.ndarray, *, timeframe: str,
                     fee_bps: float, slippage_bps: float, execution: str, initial_cash: float,
                     gaps: tuple[int, int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stats table and the trades of a backtest, without storing its curves.

    Parameters
    ----------
    prices : pd.DataFrame
        Candles checked by :func:`~.kernel.check_candles`.
    target : np.ndarray
        Exposure decided at each close, float64.
    timeframe, fee_bps, slippage_bps, execution, initial_cash
        As for ``backtests.run``.
    gaps : tuple of int, optional
        The candles' smallest and largest gap, when :func:`~.kernel.candle_gaps` found them.

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
    _check_spacing(index, timeframe, gaps)
    open_ = prices["open"].to_numpy(dtype="float64")
    close = prices["close"].to_numpy(dtype="float64")
    figures, stretches, hold_fee = simulated_numbers(open_, close, target, rate,
                                                     execution == "open", cash)
    usable = figures[-1]
    if not usable:  # the curves, for the checks' own message: one of them raises
        curves, held, _, _ = simulate_with_benchmark(open_, close, target, fee_bps=fee_bps,
                                                     slippage_bps=slippage_bps,
                                                     execution=execution, initial_cash=cash)
        _check_equity(pd.Series(curves[0], index=index))
        _check_equity(pd.Series(curves[1], index=index), "benchmark_equity")
        _check_exposure(pd.Series(held, index=index))
    trades = trades_frame(prices, target, *stretches, execution=execution)
    stats = _table(index, timeframe, figures, trade_returns=_check_trades(trades),
                   benchmark_fees=hold_fee)
    return stats, trades
