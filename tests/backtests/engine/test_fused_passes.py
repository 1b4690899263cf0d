"""The one-pass kernels behind ``backtests.run`` give exactly what the plain versions give.

``run`` computes buy-and-hold, trades and the stats table in compiled single passes for
speed; each is checked here against the straightforward numpy/pandas computation it
replaces (the public metric functions, two calls of ``simulate``), for equality, not
closeness: the kernels add in numpy's pairwise order.
"""

import numpy as np
import pandas as pd
import pytest

import backtests
from backtests.engine import metrics
from backtests.engine.kernel import simulate, simulate_with_benchmark
from backtests.engine.stats import _pairwise


def market(n, seed):
    rng = np.random.default_rng(seed)
    close = 20_000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.concatenate([[close[0]], close[:-1]]) * np.exp(rng.normal(0, 0.001, n))
    index = pd.date_range("2020-01-01", periods=n, freq="1h", tz="UTC", name="open_time")
    prices = pd.DataFrame({"open": open_, "close": close}, index=index)
    score = 50 + 25 * np.sin(np.arange(n) / 40) + rng.normal(0, 5, n)
    return prices, pd.Series(score, index=index + pd.Timedelta("1h"), name="score")


@pytest.mark.parametrize("n", [7, 8, 129, 1_000, 20_011])
def test_pairwise_sums_equal_numpys(n):
    values = np.exp(np.cumsum(np.random.default_rng(n).normal(0, 0.02, n)))
    returns = values[1:] / values[:-1] - 1.0
    assert _pairwise(values, 0, n - 1, 0, 0.0) == np.sum(returns)
    mean = np.sum(returns) / (n - 1)
    assert _pairwise(values, 0, n - 1, 1, mean) == np.sum((returns - mean) ** 2)
    assert _pairwise(values, 0, n - 1, 2, 0.0) == np.sum(np.minimum(returns, 0.0) ** 2)
    assert _pairwise(values, 0, n, 3, 0.0) == np.sum(np.abs(np.diff(values, prepend=0.0)))


@pytest.mark.parametrize(("execution", "fee"), [("open", 15.0), ("close", 0.0)])
def test_one_pass_buy_and_hold_equals_two_simulations(execution, fee):
    prices, _ = market(3_000, 1)
    target = np.where(np.arange(3_000) % 300 < 170, 1.0, -0.5)
    o, c = prices["open"].to_numpy(), prices["close"].to_numpy()
    curves, held, fees, hold_fee = simulate_with_benchmark(o, c, target, fee_bps=fee,
                                                           execution=execution)
    equity, held_alone, fees_alone = simulate(o, c, target, fee_bps=fee, execution=execution)
    hold, _, hold_fees = simulate(o, c, np.ones(3_000), fee_bps=fee, execution=execution)
    np.testing.assert_array_equal(curves[0], equity)
    np.testing.assert_array_equal(curves[1], hold)
    np.testing.assert_array_equal(held, held_alone)
    np.testing.assert_array_equal(fees, fees_alone)
    assert hold_fee == hold_fees.sum()


@pytest.mark.parametrize("rule", ["threshold:60", "threshold:70:40:-0.5", "linear:30:80"])
def test_stats_trades_and_fees_equal_the_plain_computations(rule):
    prices, scores = market(5_000, 2)
    result = backtests.run(prices, scores, rule=rule, timeframe="1h", allow_short=True,
                           fee_bps=10, slippage_bps=5)
    stats = result.stats["strategy"]
    equity = result.equity["strategy"]
    returns = equity.pct_change()
    ppy = metrics.periods_per_year("1h")
    drawdown = metrics.max_drawdown(equity)
    assert stats["Volatility (Ann.) [%]"] == metrics.annualized_volatility(returns, ppy) * 100
    assert stats["Sharpe Ratio"] == metrics.sharpe_ratio(returns, ppy)
    assert stats["Sortino Ratio"] == metrics.sortino_ratio(returns, ppy)
    assert stats["Calmar Ratio"] == metrics.calmar_ratio(equity, ppy)
    assert stats["Max. Drawdown [%]"] == drawdown.depth * 100
    assert (stats["Max. Drawdown Start"], stats["Max. Drawdown End"]) == (drawdown.peak,
                                                                          drawdown.trough)
    assert stats["Max. Drawdown Duration"] == drawdown.duration
    assert stats["Exposure Time [%]"] == metrics.exposure_time(result.exposure) * 100
    assert stats["Turnover (Ann.)"] == metrics.annual_turnover(result.exposure, ppy)
    assert stats["Equity Peak [$]"] == equity.max()
    # trades: stretches of a non-zero position in force (target filled a candle later)
    in_force = result.target.shift(1, fill_value=0.0).to_numpy()
    starts = np.flatnonzero((in_force != 0) & (np.r_[0.0, in_force[:-1]] == 0))
    assert len(result.trades) == len(starts) == stats["# Trades"]
    assert (result.trades["entry_time"] == prices.index[starts]).all()
    paid = np.r_[0.0, np.cumsum(result.fees.to_numpy())]
    stops = starts + result.trades["candles"].to_numpy()
    last = np.minimum(stops, len(prices) - 1)
    np.testing.assert_array_equal(result.trades["fees"], paid[last + 1] - paid[starts])
    hold = result.stats["buy_and_hold"]
    assert hold["Turnover (Ann.)"] == metrics.annual_turnover(
        pd.Series(1.0, index=prices.index), ppy)
    assert hold["Sharpe Ratio"] == metrics.sharpe_ratio(
        result.equity["buy_and_hold"].pct_change(), ppy)
