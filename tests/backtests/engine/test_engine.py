import numpy as np
import pandas as pd
import pytest

import backtests
import signals
from backtests.engine.kernel import candle_gaps, simulate
from backtests.engine.rules import Custom, Linear, Threshold, parse_rule
from signals import ConfigError, DataContractError
from signals.defaults import DEFAULTS


def candles(n=400, seed=0, start="2021-01-01", freq="1D"):
    rng = np.random.default_rng(seed)
    close = 30_000 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
    open_ = np.concatenate([[close[0]], close[:-1]]) * np.exp(rng.normal(0, 0.004, n))
    index = pd.date_range(start, periods=n, freq=freq, tz="UTC", name="open_time")
    frame = pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.01,
                          "low": np.minimum(open_, close) * 0.99, "close": close,
                          "volume": 1.0}, index=index)
    frame.attrs.update(symbol="BTC/USDT", timeframe="1d")
    return frame


def scores_at_closes(prices, values):
    """Scores published exactly at each candle's close (usable at that close)."""
    return pd.Series(values, index=prices.index + pd.Timedelta("1D"), name="score")


def plain_numpy_long_flat(open_, close, target, cost, cash):
    """Independent long/flat equity: gap, trade, then intraday return, bar by bar."""
    e_prev = np.concatenate([[0.0], np.concatenate([[0.0], target[:-2]])])[: len(close)]
    e_now = np.concatenate([[0.0], target[:-1]])
    prev_close = np.concatenate([[close[0]], close[:-1]])
    gap = 1 + e_prev * (open_ / prev_close - 1)
    trade = np.where(e_now > e_prev, 1 / (1 + cost), np.where(e_now < e_prev, 1 - cost, 1.0))
    day = 1 + e_now * (close / open_ - 1)
    growth = gap * trade * day
    growth[0] = 1.0
    return cash * np.cumprod(growth)


def test_equity_equals_an_independent_numpy_computation():
    prices = candles()
    rng = np.random.default_rng(1)
    target = (rng.random(len(prices)) > 0.4).astype(float)
    equity, _, fees = simulate(prices["open"].to_numpy(), prices["close"].to_numpy(), target,
                               fee_bps=10, slippage_bps=5)
    expected = plain_numpy_long_flat(prices["open"].to_numpy(), prices["close"].to_numpy(),
                                     target, 15 / 10_000, 10_000.0)
    np.testing.assert_allclose(equity, expected, rtol=1e-9)
    assert fees.sum() > 0


def test_zero_costs_and_full_exposure_is_exactly_buy_and_hold():
    prices = candles()
    result = backtests.run(prices, scores_at_closes(prices, np.full(len(prices), 10.0)),
                           rule="threshold:70", fee_bps=0, slippage_bps=0)
    entry = prices["open"].iloc[1]  # the first close's decision fills on the next open
    expected = 10_000.0 / entry * prices["close"].iloc[1:]
    np.testing.assert_allclose(result.equity["strategy"].iloc[1:], expected, rtol=1e-12)
    pd.testing.assert_series_equal(result.equity["strategy"], result.equity["buy_and_hold"],
                                   check_names=False)
    assert len(result.trades) == 1 and pd.isna(result.trades["exit_time"].iloc[0])


def test_a_score_is_used_from_the_close_it_is_available_at_not_before():
    prices = candles(10)
    values = np.full(10, 10.0)
    values[4] = 90.0  # published at candle 4's close
    result = backtests.run(prices, scores_at_closes(prices, values), rule="threshold:70")
    assert result.target.iloc[4] == 0.0 and result.target.iloc[3] == 1.0
    assert result.exposure.iloc[5] == 0.0 and result.exposure.iloc[4] == pytest.approx(1.0)
    late = pd.Series(values, index=prices.index + pd.Timedelta("1D") + pd.Timedelta("1us"))
    delayed = backtests.run(prices, late, rule="threshold:70")
    assert delayed.target.iloc[4] == 1.0 and delayed.target.iloc[5] == 0.0


def test_a_planted_lookahead_is_caught_and_honest_timing_never_does_better():
    prices = candles(600, seed=3)
    next_return = prices["close"].shift(-1) / prices["close"] - 1
    leaky_values = np.where(next_return < 0, 90.0, 10.0)  # knows tomorrow
    leaky = scores_at_closes(prices, leaky_values)
    cheat = backtests.run(prices, leaky, rule="threshold:70", fee_bps=0, slippage_bps=0)
    honest = backtests.run(prices, leaky.shift(1, freq="1D"), rule="threshold:70",
                           fee_bps=0, slippage_bps=0)
    assert cheat.stats.loc["Sharpe Ratio", "strategy"] > 3
    assert honest.stats.loc["Sharpe Ratio", "strategy"] < cheat.stats.loc["Sharpe Ratio",
                                                                          "strategy"]

    def leaky_signal(close):
        return (close.shift(-1) / close - 1 < 0).astype(float)

    report = signals.check_lookahead(leaky_signal, prices["close"], cutoffs=10)
    assert not report.ok


def test_missing_scores_at_the_start_hold_the_market_like_buy_and_hold():
    prices = candles(100)
    values = np.full(100, np.nan)
    values[60:] = 95.0
    result = backtests.run(prices, scores_at_closes(prices, values), rule="threshold:70")
    assert (result.target.iloc[:60] == 1.0).all() and (result.target.iloc[60:] == 0.0).all()


def test_a_rule_that_never_trades_is_buy_and_hold_and_says_so():
    prices = candles(100)
    result = backtests.run(prices, scores_at_closes(prices, np.full(100, 20.0)),
                           rule="threshold:90")
    np.testing.assert_allclose(result.equity["strategy"], result.equity["buy_and_hold"])
    assert result.stats.loc["# Trades", "strategy"] == 1


def test_gaps_are_carried_across_and_bad_candles_are_errors():
    prices = candles(50)
    gapped = prices.drop(prices.index[20:25])
    result = backtests.run(gapped, scores_at_closes(prices, np.full(50, 10.0)))
    assert len(result.equity) == 45
    with pytest.raises(DataContractError, match="duplicate candles"):
        backtests.run(pd.concat([prices, prices.iloc[-1:]]), scores_at_closes(prices, [10] * 50))
    broken = prices.copy()
    broken.iloc[10, broken.columns.get_loc("close")] = 0.0
    with pytest.raises(DataContractError, match=r"close price of 0\.0 at 2021-01-11"):
        backtests.run(broken, scores_at_closes(prices, [10] * 50))
    broken.iloc[10, broken.columns.get_loc("close")] = np.nan
    with pytest.raises(DataContractError, match="prices must be positive numbers"):
        backtests.run(broken, scores_at_closes(prices, [10] * 50))
    with pytest.raises(DataContractError, match="not in time order"):
        backtests.run(prices.iloc[::-1], scores_at_closes(prices, [10] * 50))


@pytest.mark.parametrize("n", [2, 3, 10, 1_001])
def test_the_candles_smallest_and_largest_gaps_are_found(n):
    rng = np.random.default_rng(n)
    prices = candles(n, freq="1h")
    kept = prices[rng.random(n) < 0.7] if n > 3 else prices
    gaps = np.diff(kept.index.asi8)
    assert candle_gaps(kept) == (gaps.min(), gaps.max())


def test_hysteresis_exits_above_and_reenters_only_below_the_lower_level():
    score = pd.DataFrame({"score": [10, 72, 65, 60, 54, 58, np.nan, 80.0]})
    got = Threshold(70, 55).exposure(score)
    assert got.tolist() == [1, 0, 0, 0, 1, 1, 1, 0]


def test_linear_and_regime_rules():
    score = pd.DataFrame({"score": [np.nan, 40.0, 50, 65, 80, 90, np.nan]})
    assert Linear(50, 80).exposure(score).tolist() == [1, 1, 1, 0.5, 0, 0, 0]
    regime = parse_rule("regime:calm=1,watch=1,stress=0.5,unwind=0")
    watch, stress, unwind = (low for _, low in signals.REGIMES[1:])
    got = regime.exposure(pd.DataFrame({"score": [40.0, (watch + stress) / 2,
                                                  (stress + unwind) / 2, 75, np.nan]}))
    assert got.tolist() == [1, 1, 0.5, 0, 0]


def test_a_short_hedge_needs_allow_short():
    prices = candles(60)
    scores = scores_at_closes(prices, np.where(np.arange(60) % 20 < 10, 20.0, 90.0))
    with pytest.raises(ConfigError, match="allow_short=True"):
        backtests.run(prices, scores, rule="threshold:70:55:-0.5")
    hedged = backtests.run(prices, scores, rule="threshold:70:55:-0.5", allow_short=True)
    assert hedged.exposure.min() < -0.4


def test_a_users_own_rule_and_bad_rules():
    prices = candles(60)
    scores = scores_at_closes(prices, np.full(60, 50.0))
    half = backtests.run(prices, scores, rule=lambda aligned: np.full(len(aligned), 0.5))
    assert half.exposure.iloc[-1] == pytest.approx(0.5, abs=0.2)
    with pytest.raises(ConfigError, match="one exposure per candle"):
        backtests.run(prices, scores, rule=Custom(lambda aligned: [1.0]))
    with pytest.raises(ConfigError, match="more than 100% exposure"):
        backtests.run(prices, scores, rule=lambda aligned: np.full(len(aligned), 2.0))
    for text, message in [("threshhold:70", "not understood"), ("threshold:x", "numbers"),
                          ("threshold:60:70", "must not be above"), ("linear:80:50", "<")]:
        with pytest.raises(ConfigError, match=message):
            parse_rule(text)


def test_execution_at_the_next_close_uses_close_prices():
    prices = candles(30)
    values = np.where(np.arange(30) == 10, 90.0, 10.0)
    at_close = backtests.run(prices, scores_at_closes(prices, values), execution="close")
    trade = at_close.trades.iloc[0]
    assert trade["exit_price"] == prices["close"].iloc[11]


def test_btc_and_eth_together_split_the_capital(bundled_prices, real_scores):
    result = backtests.run(bundled_prices, real_scores, rule="threshold:70",
                           start="2019-01-01")
    combined = result.combined
    parts = sum(r.equity for r in result.results.values())
    np.testing.assert_allclose(combined["strategy"], parts["strategy"].loc[combined.index])
    assert combined["strategy"].iloc[0] == pytest.approx(10_000, rel=0.01)
    assert ("combined", "strategy") in result.stats.columns
    assert "BTC/USDT" in repr(result)


def test_assets_starting_on_different_dates_hold_their_share_in_cash_until_then():
    early, late = candles(200, seed=5), candles(150, seed=6, start="2021-02-20")
    early.attrs["symbol"], late.attrs["symbol"] = "BTC/USDT", "ETH/USDT"
    scores = scores_at_closes(early, np.full(200, 10.0))
    result = backtests.run({"BTC/USDT": early, "ETH/USDT": late}, scores)
    combined = result.combined["strategy"]
    assert combined.iloc[0] == pytest.approx(10_000.0)
    before_eth = combined.loc[: "2021-02-19"]
    btc = result["BTC/USDT"].equity["strategy"].loc[: "2021-02-19"]
    np.testing.assert_allclose(before_eth, btc + 5_000.0)


def test_results_plot_and_render_for_notebooks(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    prices = candles(120)
    result = backtests.run(prices, scores_at_closes(prices, np.linspace(20, 90, 120)))
    figure = result.plot()
    assert len(figure.axes) == 3
    assert figure.axes[0].get_yscale() == "log"
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert labels == ["buy and hold", f"rule {DEFAULTS.backtest_rule()}"]
    figure.savefig(tmp_path / "backtest.png")
    assert (tmp_path / "backtest.png").stat().st_size > 10_000
    html = result._repr_html_()
    assert "<table" in html and "Sharpe Ratio" in html and "riskoff backtest" in html
    assert "<svg" in html  # the notebook shows the chart by itself


@pytest.mark.parametrize("text", ["threshold:70", "threshold:70:55", "threshold:70:55:-0.5",
                                  "linear:50:80", "regime:calm=1,watch=1,stress=0.5,unwind=0"])
def test_rules_print_as_the_text_they_parse_from(text):
    assert str(parse_rule(text)) == text


@pytest.mark.parametrize(("values", "says"), [
    (np.full(400, np.nan), r"scores has no value \(400 rows, all NaN\): the backtest would be "
                           r"buy-and-hold"),
    (np.linspace(0.2, 0.9, 400), r"scores look like a 0-1 scale \(from 0.2 to 0.9\); the rules "
                                 r"read 0-100 \(higher = more risk-off\): pass scores \* 100"),
    (np.linspace(-20, 80, 400), r"scores must be on the 0-100 scale; got values from -20 to 80"),
    (np.linspace(30, 140, 400), r"scores must be on the 0-100 scale; got values from 30 to 140"),
])
def test_scores_that_cannot_be_risk_off_scores_are_refused(values, says):
    prices = candles()
    with pytest.raises(DataContractError, match=says):
        backtests.run(prices, scores_at_closes(prices, values))
    with pytest.raises(DataContractError, match=says):  # a frame like risk_off_score's too
        backtests.run(prices, scores_at_closes(prices, values).to_frame())
