"""The compiled passes behind ``backtests.run`` give what the plain versions give.

``run`` computes buy-and-hold, trades and the stats table in compiled passes for speed;
each is checked here against the straightforward numpy/pandas computation it replaces
(the public metric functions, two calls of ``simulate``): equal where nothing is summed
(values, highs, falls and their times, counts, trades), and to 1e-10 relative where the
passes sum several candles at once and numpy pairwise (volatility, Sharpe, Sortino,
turnover, fees).
"""

import numpy as np
import pandas as pd
import pytest

import backtests
from backtests.engine import metrics
from backtests.engine.kernel import simulate, simulate_with_benchmark
from backtests.engine.passes import BLOCK, stored_numbers
from backtests.engine.stats import stats_table
from signals import DataContractError
from signals.score.align import align_to_bars


def market(n, seed):
    rng = np.random.default_rng(seed)
    close = 20_000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.concatenate([[close[0]], close[:-1]]) * np.exp(rng.normal(0, 0.001, n))
    index = pd.date_range("2020-01-01", periods=n, freq="1h", tz="UTC", name="open_time")
    prices = pd.DataFrame({"open": open_, "close": close}, index=index)
    score = 50 + 25 * np.sin(np.arange(n) / 40) + rng.normal(0, 5, n)
    return prices, pd.Series(score, index=index + pd.Timedelta("1h"), name="score")


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


def close_to(value, expected) -> None:
    """Equal to 1e-10 relative (NaN equals NaN: too few bars, no volatility)."""
    np.testing.assert_allclose(value, expected, rtol=1e-10, atol=0)


def curve_figures(stats: pd.Series, equity: pd.Series, ppy: float) -> None:
    """A stats column's curve figures are the plain metric functions' on the stored curve."""
    returns = equity.pct_change()
    drawdown = metrics.max_drawdown(equity)
    close_to(stats["Volatility (Ann.) [%]"], metrics.annualized_volatility(returns, ppy) * 100)
    close_to(stats["Sharpe Ratio"], metrics.sharpe_ratio(returns, ppy))
    close_to(stats["Sortino Ratio"], metrics.sortino_ratio(returns, ppy))
    same = np.testing.assert_equal  # NaN equals NaN (too few bars)
    same(stats["Return (Ann.) [%]"], metrics.annualized_return(equity, ppy) * 100)
    same(stats["Calmar Ratio"], metrics.calmar_ratio(equity, ppy))
    assert stats["Max. Drawdown [%]"] == drawdown.depth * 100
    assert (stats["Max. Drawdown Start"], stats["Max. Drawdown End"]) == (
        drawdown.peak or pd.NaT, drawdown.trough or pd.NaT)
    assert stats["Max. Drawdown Duration"] == drawdown.duration
    assert stats["Equity Peak [$]"] == equity.max()
    assert stats["Equity Final [$]"] == equity.iloc[-1]


# from the fewest candles a table takes, through the passes' first block just full and
# just passed, to sizes where rounding adds up
@pytest.mark.parametrize("n", [2, 3, 9, 130, BLOCK + 1, BLOCK + 2, 20_011, 1_000_003])
@pytest.mark.parametrize(("rule", "execution", "fee"), [("threshold:60", "open", 10.0),
                                                        ("threshold:70:40:-0.5", "close", 10.0),
                                                        ("linear:30:80", "open", 0.0)])
def test_stats_trades_and_fees_equal_the_plain_computations(n, rule, execution, fee):
    prices, scores = market(n, n)
    result = backtests.run(prices, scores, rule=rule, timeframe="1h", allow_short=True,
                           fee_bps=fee, slippage_bps=5, execution=execution)
    stats = result.stats["strategy"]
    ppy = metrics.periods_per_year("1h")
    curve_figures(stats, result.equity["strategy"], ppy)
    assert stats["Exposure Time [%]"] == metrics.exposure_time(result.exposure) * 100
    close_to(stats["Turnover (Ann.)"], metrics.annual_turnover(result.exposure, ppy))
    close_to(stats["Fees Paid [$]"], result.fees.sum())
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
    curve_figures(hold, result.equity["buy_and_hold"], ppy)
    close_to(hold["Turnover (Ann.)"], metrics.annual_turnover(
        pd.Series(1.0, index=prices.index), ppy))


@pytest.mark.parametrize("n", [3, 129, 4_000])
def test_the_stats_equal_the_table_of_the_stored_curves(n):
    prices, scores = market(n, 5)
    result = backtests.run(prices, scores, rule="threshold:55:45:-0.3", timeframe="1h",
                           allow_short=True)
    hold_fee = simulate_with_benchmark(prices["open"].to_numpy(), prices["close"].to_numpy(),
                                       result.target.to_numpy(), fee_bps=10,
                                       slippage_bps=5)[3]
    table = stats_table(result.equity["strategy"], result.equity["buy_and_hold"],
                        exposure=result.exposure, trades=result.trades, fees=result.fees,
                        timeframe="1h", initial_cash=10_000.0, benchmark_fees=hold_fee)
    pd.testing.assert_frame_equal(result.stats, table, check_exact=True)


def test_the_frames_made_later_are_those_of_the_candles_given():
    prices, scores = market(500, 6)
    result = backtests.run(prices, scores, timeframe="1h")
    final = result.stats.loc["Equity Final [$]", "strategy"]
    prices.loc[prices.index[100:], ["open", "close"]] *= 2.0  # changed after the run
    scores.iloc[:] = 0.0
    assert result.equity["strategy"].iloc[-1] == final
    expected = align_to_bars(market(500, 6)[1], prices, "1h")
    pd.testing.assert_frame_equal(result.aligned, expected)
    assert result.equity is result.equity  # made once


def test_a_short_that_loses_the_account_is_refused_as_before():
    prices, scores = market(400, 7)
    prices[["open", "close"]] *= np.linspace(1, 40, 400)[:, None]  # a 40x rally
    with pytest.raises(DataContractError, match="finite and strictly positive"):
        backtests.run(prices, scores.clip(80, 100), rule="threshold:70:60:-1",
                      timeframe="1h", allow_short=True)


@pytest.mark.parametrize("seed", range(6))
def test_deep_falls_and_ties_are_found_as_the_plain_function_finds_them(seed):
    """The pass divides a fall out only near the deepest so far; it still finds each one."""
    rng = np.random.default_rng(seed)
    n = 3_000
    # steps of whole halves in log: plateaus, returns to exactly an old high or trough,
    # and falls to within 1e-17 of nothing
    logs = np.clip(np.cumsum(rng.choice([-4.0, -0.5, 0.0, 0.0, 0.5, 4.0], size=n)), -40, 40)
    index = pd.date_range("2020-01-01", periods=n, freq="1h", tz="UTC")
    curves = [pd.Series(10_000.0 * np.exp(logs - logs[0]), index=index),
              pd.Series(10_000.0 * np.exp(logs[0] - logs), index=index)]
    flat = pd.Series(0.0, index=index)
    table = stats_table(*curves, exposure=flat, fees=flat, timeframe="1h",
                        initial_cash=10_000.0,
                        trades=pd.DataFrame(columns=["entry_time", "exit_time", "return"]))
    for column, equity in zip(table.columns, curves, strict=True):
        drawdown = metrics.max_drawdown(equity)
        stats = table[column]
        assert stats["Max. Drawdown [%]"] == drawdown.depth * 100
        assert (stats["Max. Drawdown Start"], stats["Max. Drawdown End"]) == (
            drawdown.peak or pd.NaT, drawdown.trough or pd.NaT)
        assert stats["Max. Drawdown Duration"] == drawdown.duration
        assert stats["Equity Peak [$]"] == equity.max()


def test_a_steady_curve_has_no_volatility_at_all():
    """The squared deviations are summed about the first return: equal returns give 0."""
    index = pd.date_range("2020-01-01", periods=5_000, freq="1h", tz="UTC")
    steady = pd.Series(10_000.0 * 1.0001 ** np.arange(5_000), index=index)
    flat = pd.Series(0.0, index=index)
    stats = stats_table(steady, steady, exposure=flat, fees=flat, timeframe="1h",
                        initial_cash=10_000.0,
                        trades=pd.DataFrame(columns=["entry_time", "exit_time", "return"]))
    assert stats.loc["Volatility (Ann.) [%]", "strategy"] < 1e-8
    assert np.isnan(stats.loc["Sharpe Ratio", "strategy"])


@pytest.mark.parametrize("where", [1, 2, 3, 4, 5, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 3])
def test_the_largest_return_is_found_wherever_it_falls(where):
    """The largest |return| (the Sharpe ratio's flatness scale) from four running maxima."""
    rng = np.random.default_rng(where)
    returns = rng.normal(0, 0.001, 2 * BLOCK + 7)
    returns[where - 1] = -0.25  # the return into candle `where`
    equity = np.concatenate([[10_000.0], 10_000.0 * np.cumprod(1 + returns)])
    flat = np.zeros(len(equity))
    numbers = stored_numbers(equity, equity[::-1].copy(), flat, flat)[0]
    assert numbers[0, 3] == np.max(np.abs(equity[1:] / equity[:-1] - 1.0))
    backwards = equity[::-1]
    assert numbers[1, 3] == np.max(np.abs(backwards[1:] / backwards[:-1] - 1.0))
