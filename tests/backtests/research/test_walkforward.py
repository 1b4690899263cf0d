import numpy as np
import pandas as pd
import pytest

from backtests.research.sweep import sweep
from backtests.research.walkforward import walk_forward
from signals import ConfigError
from tests.backtests.engine.test_engine import candles, scores_at_closes


@pytest.fixture(scope="module")
def market():
    prices = candles(1500, seed=21, start="2018-01-01")
    rng = np.random.default_rng(22)
    values = np.clip(50 + np.cumsum(rng.normal(0, 3, len(prices))) % 50 + 20, 0, 100)
    return prices, scores_at_closes(prices, values)


def test_rolling_windows_choose_in_sample_and_judge_out_of_sample(market):
    prices, scores = market
    wf = walk_forward(prices, scores, train="365D", test="180D", thresholds=[55, 65, 75, 85],
                      smoothing=[1, 5])
    splits = wf.splits
    assert len(splits) == 6
    assert (splits["oos_start"] == splits["is_end"]).all()
    assert (splits["is_end"] - splits["is_start"] == pd.Timedelta("365D")).all()
    assert (splits["oos_start"].iloc[1:].to_numpy() == splits["oos_end"].iloc[:-1].to_numpy()).all()
    first = splits.iloc[0]
    inside = prices[(prices.index >= first["is_start"]) & (prices.index < first["is_end"])]
    grid = sweep(inside, scores, thresholds=[55, 65, 75, 85], smoothing=[1, 5])
    assert first["is_sharpe"] == pytest.approx(grid["sharpe"].max())  # the best was chosen
    assert wf.equity.index[0] == splits["oos_start"].iloc[0]
    assert wf.equity["strategy"].iloc[0] == pytest.approx(10_000)
    assert set(wf.summary().columns) == {"in_sample", "out_of_sample"}
    assert wf.stats.loc["# Trades", "strategy"] >= 1


def test_the_out_of_sample_pieces_chain_their_returns(market):
    prices, scores = market
    wf = walk_forward(prices, scores, train="365D", test="180D", thresholds=[60, 80],
                      smoothing=[1])
    growth = np.prod(1 + wf.splits["oos_total_return"])
    # each piece's total return, chained, is the whole curve's (the joins are the same bar)
    assert wf.equity["strategy"].iloc[-1] / 10_000 == pytest.approx(growth, rel=1e-9)


def test_anchored_windows_grow_from_the_first_candle(market):
    prices, scores = market
    wf = walk_forward(prices, scores, train="365D", test="365D", anchored=True,
                      thresholds=[60, 80], smoothing=[1])
    assert (wf.splits["is_start"] == prices.index[0]).all()
    assert wf.splits["is_end"].is_monotonic_increasing


def test_walk_forward_errors(market):
    prices, scores = market
    with pytest.raises(ConfigError, match="objective must be one of"):
        walk_forward(prices, scores, objective="luck")
    with pytest.raises(ConfigError, match="less than one in-sample"):
        walk_forward(prices.iloc[:100], scores, train="365D")
