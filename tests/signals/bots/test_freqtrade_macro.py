"""The freqtrade helpers' macro side: each candle sees only the score rows of its close.

Two kinds of test. ``check_macro_lookahead`` runs the example strategy with the macro data
cut at many times: it passes on the strategy as written and catches one planted leak (JGB
10Y stamped a day before its release). And ``add_risk_off`` is compared with a reference
computed candle by candle, on frames sliced the ways freqtrade slices them: startup
candles and ``--timerange`` (freqtrade's own ``trim_dataframe``), informative pairs on
1h/4h/1d (freqtrade's own ``merge_informative_pair``).
"""

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest

import signals
from signals.freqtrade import add_risk_off, check_macro_lookahead
from signals.times import timeframe_to_timedelta
from tests import ROOT

pytest.importorskip("freqtrade", reason="freqtrade is in the test extras")
from freqtrade.configuration import TimeRange
from freqtrade.data.converter import trim_dataframe
from freqtrade.strategy import merge_informative_pair

DAY = pd.Timedelta(days=1)
MAX_AGE = pd.Timedelta("10D")  # add_risk_off's default


def example_strategy_class():
    spec = importlib.util.spec_from_file_location(
        "freqtrade_strategy", ROOT / "examples" / "freqtrade_strategy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RiskOffStrategy


def jgb_10y_a_day_early(macro):
    """The planted leak: JGB 10Y stamped available one day before its release."""
    leaked = dict(macro)
    leaked["jgb_10y"] = macro["jgb_10y"].set_axis(macro["jgb_10y"].index - DAY)
    return leaked


def candles(start: str, end: str, timeframe: str) -> pd.DataFrame:
    """freqtrade's candle frame: ``date`` (UTC open times) and flat OHLCV."""
    dates = pd.date_range(start, end, freq=timeframe_to_timedelta(timeframe), tz="UTC",
                          inclusive="left")
    return pd.DataFrame({"date": dates, "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0,
                         "volume": 1.0})


def reference(scores: pd.DataFrame, closes) -> pd.DataFrame:
    """Candle by candle: the last score row with available_at <= close, if young enough."""
    stamps, values, rows = scores.index, scores["score"].to_numpy(), []
    for close in closes:
        known = np.flatnonzero(stamps <= close)
        if len(known) and close - stamps[known[-1]] < MAX_AGE:
            rows.append((values[known[-1]], stamps[known[-1]]))
        else:
            rows.append((np.nan, pd.NaT))
    return pd.DataFrame(rows, columns=["score", "available_at"])


def assert_matches(got_score, got_available, expected: pd.DataFrame) -> None:
    np.testing.assert_array_equal(np.asarray(got_score, dtype="float64"),
                                  expected["score"].to_numpy(dtype="float64"))
    assert pd.DatetimeIndex(got_available).equals(pd.DatetimeIndex(expected["available_at"]))


@pytest.fixture(scope="module")
def macro(full_macro):
    """The bundled history from 2012 (every warm-up, cut quickly), with synthetic markets."""
    start = pd.Timestamp("2012-01-01", tz="UTC")
    return {name: series[series.index >= start] for name, series in full_macro.items()}


@pytest.fixture(scope="module")
def scores(macro):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return signals.risk_off_score(macro)


@pytest.fixture(scope="module")
def strategy_class():
    return example_strategy_class()


@pytest.fixture(scope="module")
def btc():
    from backtests.candles.files import read_candle_file

    frame, _ = read_candle_file(ROOT / "signals/data/bundled/crypto/binance_BTCUSDT_1d.csv")
    return frame.reset_index(names="date")[["date", "open", "high", "low", "close", "volume"]]


def test_the_example_strategy_passes_the_macro_check(strategy_class, btc, macro):
    strategy = strategy_class({})
    report = check_macro_lookahead(strategy, btc, macro, cutoffs=10)
    assert report.ok, report.violations.head()
    assert len(report.cutoffs) == 10
    assert report.cutoffs[-1] == btc["date"].iloc[-1] + DAY  # the last candle's close
    # the strategy is left with the score of the full data
    pd.testing.assert_frame_equal(strategy._scores, signals.risk_off_score(macro))


def test_a_macro_series_stamped_a_day_early_is_caught_at_each_cut(strategy_class, btc, macro):
    class Leaky(strategy_class):
        def use_macro(self, macro):
            super().use_macro(jgb_10y_a_day_early(macro))

    # cuts at candle closes (00:00 UTC) followed within a day by a JGB release that moved
    # the 10Y yield (01:30 UTC): stamped a day early, that release reaches the candle
    # closing at the cut
    jgb = macro["jgb_10y"]
    moved = jgb.index[jgb.diff().fillna(0).ne(0)]
    closes = set(btc["date"] + DAY)
    cuts = [t.normalize() for t in moved if t.normalize() in closes][::150][:5]
    assert len(cuts) == 5
    report = check_macro_lookahead(Leaky({}), btc, macro, cutoffs=cuts)
    assert not report.ok
    found = report.violations
    assert set(found["cutoff"]) == set(cuts)  # caught at every cut
    assert (found["time"] + DAY == found["cutoff"]).all()  # only the candle closing there
    assert {"riskoff_score", "riskoff_jgb_10y_rise"} <= set(found["column"])
    assert "riskoff_yen_rally" not in set(found["column"])  # reads no JGB yield


def test_the_check_runs_on_one_timerange_as_freqtrade_trims_it(strategy_class, btc, macro):
    """The honest strategy on the candles of one --timerange: still no changed candle."""
    window = trim_dataframe(btc, TimeRange.parse_timerange("20220601-20230301"))
    report = check_macro_lookahead(strategy_class({}), window, macro, cutoffs=4)
    assert report.ok and report.cutoffs[0] == pd.Timestamp("2022-06-02", tz="UTC")


def test_a_callable_is_checked_too_and_a_whole_sample_normalisation_is_caught():
    index = pd.date_range("2021-01-01", periods=200, freq="1D", tz="UTC") + pd.Timedelta(hours=9)
    data = {"x": pd.Series(np.arange(200.0), index=index)}
    bars = candles("2021-01-01", "2021-07-01", "1d")

    def honest(dataframe, macro):
        return add_risk_off(dataframe, pd.DataFrame({"score": macro["x"], "regime": "calm"}),
                            "1d")

    def normalised(dataframe, macro):
        x = macro["x"]
        return add_risk_off(dataframe, pd.DataFrame({"score": x / x.max(), "regime": "calm"}),
                            "1d")

    assert check_macro_lookahead(honest, bars, data, timeframe="1d", cutoffs=8).ok
    caught = check_macro_lookahead(normalised, bars, data, timeframe="1d", cutoffs=8)
    assert not caught.ok and set(caught.violations["column"]) == {"riskoff_score"}


def test_bad_arguments_name_the_fix():
    bars = candles("2021-01-01", "2021-02-01", "1d")
    data = {"x": pd.Series([1.0], index=pd.DatetimeIndex(["2021-01-01"], tz="UTC"))}
    with pytest.raises(signals.ConfigError, match="use_macro"):
        check_macro_lookahead(object(), bars, data, timeframe="1d")
    with pytest.raises(signals.ConfigError, match="timeframe='1h'"):
        check_macro_lookahead(lambda df, macro: df, bars, data)
    with pytest.raises(signals.DataContractError, match="'date' column"):
        check_macro_lookahead(lambda df, macro: df, bars.set_index("date"), data, timeframe="1d")
    with pytest.raises(signals.DataContractError, match="keep its length"):
        check_macro_lookahead(lambda df, macro: df.iloc[1:], bars, data, timeframe="1d",
                              cutoffs=2)


@pytest.mark.parametrize("startup", [0, 30, 400])
def test_startup_candles_and_timerange_give_each_candle_its_close(scores, startup):
    """freqtrade's backtest and hyperopt: indicators on startup + timerange, then a trim."""
    timerange = TimeRange.parse_timerange("20221201-20230201")
    loaded = candles("2022-01-01", "2023-02-02", "1h")
    first = loaded.index[loaded["date"] >= timerange.startdt][0] - startup
    analysed = add_risk_off(loaded.iloc[first:].copy(), scores, "1h")
    trimmed = trim_dataframe(analysed, timerange, startup_candles=startup)
    assert trimmed["date"].iloc[0] == timerange.startdt
    closes = trimmed["date"] + pd.Timedelta(hours=1)
    assert_matches(trimmed["riskoff_score"], trimmed["riskoff_available_at"],
                   reference(scores, closes))
    alone = add_risk_off(loaded[loaded["date"].between(timerange.startdt, timerange.stopdt)]
                         .copy(), scores, "1h")
    np.testing.assert_array_equal(alone["riskoff_score"], trimmed["riskoff_score"])
    # the boundary is exercised: some rows become available exactly at a candle's close
    assert (pd.DatetimeIndex(trimmed["riskoff_available_at"]) == closes.to_numpy()).any()


@pytest.mark.parametrize("informative", ["1h", "4h", "1d"])
def test_informative_pairs_merged_by_freqtrade_see_only_closed_candles(scores, informative):
    base = candles("2022-12-01", "2023-01-15", "15m")
    slow = add_risk_off(candles("2022-11-20", "2023-01-15", informative), scores, informative)
    merged = merge_informative_pair(base, slow, "15m", informative, ffill=True)
    closes = merged["date"] + pd.Timedelta(minutes=15)
    length = timeframe_to_timedelta(informative)
    # candle by candle: the last informative candle closed by this close, and its view
    slow_closes = pd.DatetimeIndex(slow["date"] + length)
    last_closed = [slow_closes[slow_closes <= close][-1] for close in closes]
    assert_matches(merged[f"riskoff_score_{informative}"],
                   merged[f"riskoff_available_at_{informative}"],
                   reference(scores, last_closed))
    available = pd.DatetimeIndex(merged[f"riskoff_available_at_{informative}"])
    assert (available <= closes.to_numpy()).all()
