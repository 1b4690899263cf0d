import numpy as np
import pandas as pd
import pytest

import backtests
from backtests.engine.rules import Threshold
from backtests.research.sweep import SWEEP_METRICS, grid_sweep, make_executor, sweep
from signals import ConfigError
from tests.backtests.engine.test_engine import candles, scores_at_closes


@pytest.fixture(scope="module")
def market():
    prices = candles(700, seed=11)
    rng = np.random.default_rng(12)
    values = 50 + np.cumsum(rng.normal(0, 4, len(prices)))
    values[:30] = np.nan  # no score at first
    return prices, scores_at_closes(prices, np.clip(values, 0, 100))


def test_every_combination_equals_backtests_run(market):
    prices, scores = market
    table = sweep(prices, scores, thresholds=[55, 62.5, 70, 80], smoothing=[1, 3, 7], band=5)
    assert len(table) == 12 and list(table.columns) == ["threshold", "smoothing",
                                                        *SWEEP_METRICS]
    for _, row in table.iterrows():
        rule = Threshold(row["threshold"], row["threshold"] - 5, smoothing=int(row["smoothing"]))
        stats = backtests.run(prices, scores, rule=rule, initial_cash=1.0).stats["strategy"]
        assert row["total_return"] == pytest.approx(stats["Return [%]"] / 100, rel=1e-10,
                                                    abs=1e-12)
        assert row["sharpe"] == pytest.approx(stats["Sharpe Ratio"], rel=1e-10)
        assert row["max_drawdown"] == pytest.approx(stats["Max. Drawdown [%]"] / 100, rel=1e-10)
        assert row["annualized_return"] == pytest.approx(stats["Return (Ann.) [%]"] / 100,
                                                         rel=1e-10)
        assert row["trades"] == stats["# Trades"]
        assert row["exposure_time"] == pytest.approx(stats["Exposure Time [%]"] / 100)
        assert row["annual_turnover"] == pytest.approx(stats["Turnover (Ann.)"], rel=1e-10)
        assert row["fees"] == pytest.approx(stats["Fees Paid [$]"], rel=1e-10)


def test_a_threshold_above_every_score_is_buy_and_hold(market):
    prices, scores = market
    row = sweep(prices, scores, thresholds=[101]).iloc[0]
    hold = backtests.run(prices, scores, rule="threshold:101", initial_cash=1.0)
    assert row["trades"] == 1 and row["exposure_time"] > 0.99
    assert row["total_return"] == pytest.approx(
        hold.stats.loc["Return [%]", "buy_and_hold"] / 100, rel=1e-10)


def test_bad_sweeps_are_clear(market):
    prices, scores = market
    with pytest.raises(ConfigError, match="at least one threshold"):
        sweep(prices, scores, thresholds=[])
    with pytest.raises(ConfigError, match="execution"):
        sweep(prices, scores, execution="midday")


def grid_macro():
    index = pd.bdate_range("2018-01-01", periods=1400).tz_localize("UTC") + pd.Timedelta("22h")
    rng = np.random.default_rng(3)
    usdjpy = pd.Series(110 * np.exp(np.cumsum(rng.normal(0, 0.004, len(index)))), index=index)
    jgb = pd.Series(0.1 + np.cumsum(rng.normal(0, 0.01, len(index))), index=index + pd.Timedelta(
        "2h"))
    return {"usdjpy": usdjpy, "jgb_10y": jgb}


GRID = {"weights": [{"yen_rally": 1.0, "jgb_10y_rise": 1.0},
                    {"yen_rally": 1.0, "jgb_10y_rise": 0.0}],
        "params": [None, {"yen_rally": {"window": 10}}]}


def grid_prices():
    return candles(1500, seed=4, start="2018-01-01")


@pytest.mark.usefixtures("two_year_zscores")  # a few years of synthetic data
def test_grid_sweep_serially(tmp_path):
    table = grid_sweep(grid_prices(), grid_macro(), weights=GRID["weights"],
                       params=GRID["params"], executor="serial", start="2019-06-01")
    assert len(table) == 4 and table["combination"].tolist() == [0, 1, 2, 3]
    assert table["weights"].iloc[2] == GRID["weights"][1]
    assert table["sharpe"].nunique() > 1  # the combinations differ


def test_local_processes_and_a_dask_cluster_give_the_same_rows():
    serial = grid_sweep(grid_prices(), grid_macro(), executor="serial", start="2019-06-01",
                        fast=False, **GRID)
    processes = grid_sweep(grid_prices(), grid_macro(), start="2019-06-01", fast=False, **GRID)
    pd.testing.assert_frame_equal(serial, processes)
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        on_dask = grid_sweep(grid_prices(), grid_macro(), executor=cluster.scheduler_address,
                             start="2019-06-01", progress=True, fast=False, **GRID)
        from_client = grid_sweep(grid_prices(), grid_macro(), executor=client,
                                 start="2019-06-01", fast=False, **GRID)
    pd.testing.assert_frame_equal(serial, on_dask)
    pd.testing.assert_frame_equal(serial, from_client)


def test_a_bad_executor_is_clear():
    with pytest.raises(ConfigError, match="executor must be"):
        make_executor(42)


@pytest.mark.usefixtures("two_year_zscores")  # a few years of synthetic data
@pytest.mark.parametrize("rule", ["threshold:70", "threshold:56:50"])
def test_the_fast_path_equals_one_backtest_per_combination(rule):
    weights = [{"yen_rally": 1.0, "jgb_10y_rise": 1.0}, {"yen_rally": 1.0, "jgb_10y_rise": 0.0},
               {"yen_rally": 0.2, "jgb_10y_rise": 3.0}, {"yen_rally": 0.0, "jgb_10y_rise": 1.0}]
    params = [None, {"yen_rally": {"window": 10}}]
    options = {"weights": weights, "params": params, "rule": rule, "start": "2019-06-01"}
    fast = grid_sweep(grid_prices(), grid_macro(), **options)
    slow = grid_sweep(grid_prices(), grid_macro(), executor="serial", fast=False, **options)
    assert fast["trades"].sum() > 0 and fast["return"].nunique() > 4  # the rule trades
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-10, atol=1e-12)


def test_the_fast_path_equals_the_slow_one_on_the_bundled_history(bundled_prices,
                                                                    tmp_path):
    import warnings

    import signals

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        macro = signals.load_macro(store=tmp_path)
    bundled_btc = bundled_prices["BTC/USDT"]
    weights = [None, {"yen_rally": 0.3, "boj_hike_pricing": 0.0},
               {"ust_yield_spike": 0.2, "cftc_short_covering": 0.15, "jgb_10y_rise": 0.02}]
    options = {"weights": weights, "rule": "threshold:58", "start": "2018-01-01",
               "end": "2023-12-31"}
    fast = grid_sweep(bundled_btc, macro, **options)
    slow = grid_sweep(bundled_btc, macro, executor="serial", fast=False, **options)
    assert fast["trades"].min() > 0
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-10, atol=1e-12)


def test_other_rules_take_the_slow_path_with_the_same_columns():
    table = grid_sweep(grid_prices(), grid_macro(), weights=GRID["weights"],
                       rule="linear:40:70", executor="serial", start="2019-06-01")
    fast = grid_sweep(grid_prices(), grid_macro(), weights=GRID["weights"], start="2019-06-01")
    assert list(table.columns) == list(fast.columns)
