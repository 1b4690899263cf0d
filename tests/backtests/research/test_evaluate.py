import warnings

import numpy as np
import pandas as pd
import pytest

import signals
from backtests import load_prices
from backtests.research.evaluate import (
    DEFAULT_THRESHOLDS,
    Evaluation,
    EventStudy,
    drawdown_warnings,
    evaluate,
    event_study,
    forward_max_drawdown,
    forward_returns,
    hit_rate,
    quantile_table,
    rank_ic,
    regime_table,
    threshold_crossings,
    threshold_sweep,
)
from signals import ConfigError, DataContractError
from signals.score.composite import regime_of


def days(n, start="2021-01-01", freq="D"):
    return pd.date_range(start, periods=n, freq=freq, tz="UTC", name="open_time")


def candles(close, index=None, freq="D"):
    index = days(len(close), freq=freq) if index is None else index
    close = np.asarray(close, dtype="float64")
    return pd.DataFrame({"open": close, "high": close, "low": close, "close": close,
                         "volume": 1.0}, index=index)


def random_walk(seed, n=1000, vol=0.03):
    rng = np.random.default_rng(seed)
    return candles(100 * np.exp(np.cumsum(rng.normal(0, vol, n))))


def persistent_noise(seed, index, phi=0.9):
    """An AR(1) score unrelated to prices: slow-moving, like a macro score."""
    shocks = np.random.default_rng(seed).normal(size=len(index))
    level = np.empty(len(index))
    level[0] = shocks[0]
    for i in range(1, len(index)):
        level[i] = phi * level[i - 1] + shocks[i]
    return pd.Series(50 + 5 * level, index=index, name="score")


# ---------------------------------------------------------------- forward returns
def test_forward_returns_at_known_bars():
    prices = candles([100, 110, 99, 121, 133.1])
    fwd = forward_returns(prices, "1d", horizons=(1, 3))
    assert list(fwd.columns) == ["1d", "3d"] and fwd.index.equals(prices.index)
    np.testing.assert_allclose(fwd["1d"], [0.1, -0.1, 121 / 99 - 1, 0.1, np.nan])
    np.testing.assert_allclose(fwd["3d"], [0.21, 133.1 / 110 - 1, np.nan, np.nan, np.nan])
    assert fwd.attrs["horizon_bars"] == {"1d": 1, "3d": 3}


def test_forward_returns_count_days_in_bars_of_the_timeframe():
    prices = candles(100 + np.arange(12.0), freq="4h")
    fwd = forward_returns(prices, "4h", horizons=(1,))
    assert fwd.attrs["horizon_bars"] == {"1d": 6}
    assert fwd["1d"].iloc[0] == pytest.approx(106 / 100 - 1)
    assert fwd["1d"].iloc[5] == pytest.approx(111 / 105 - 1)
    assert fwd["1d"].iloc[6:].isna().all()


def test_a_missing_candle_gives_nan_not_a_shifted_return():
    index = days(6).delete(3)  # the candle of day 3 is missing
    fwd = forward_returns(candles([100, 101, 102, 104, 105], index), "1d", horizons=(1, 2))
    np.testing.assert_allclose(fwd["1d"], [0.01, 102 / 101 - 1, np.nan, 105 / 104 - 1, np.nan])
    np.testing.assert_allclose(fwd["2d"], [0.02, np.nan, 104 / 102 - 1, np.nan, np.nan])


def test_end_stops_the_outcomes_at_the_period_instead_of_borrowing_the_next():
    prices = candles(100 + np.arange(20.0))
    full = forward_returns(prices, "1d", horizons=(3,))
    cut = forward_returns(prices, "1d", horizons=(3,), start="2021-01-03", end="2021-01-10")
    assert cut.index[0] == pd.Timestamp("2021-01-03", tz="UTC") and len(cut) == 8
    pd.testing.assert_series_equal(cut["3d"].iloc[:5], full["3d"].iloc[2:7])
    assert cut["3d"].iloc[5:].isna().all() and full["3d"].iloc[7:10].notna().all()


def test_forward_max_drawdown_by_hand():
    dd = forward_max_drawdown(candles([100, 90, 95, 80, 120]), "1d", 2)
    assert dd.name == "max_drawdown_2d"
    np.testing.assert_allclose(dd, [-0.10, 80 / 90 - 1, 80 / 95 - 1, np.nan, np.nan])
    rising = forward_max_drawdown(candles([1, 2, 3]), "1d", 1)
    np.testing.assert_array_equal(rising, [0.0, 0.0, np.nan])


# ---------------------------------------------------------------- rank IC
def anticipating(seed=1, n=800):
    """Prices, and a score that knows the next week's return (high before falls)."""
    prices = random_walk(seed, n)
    week = forward_returns(prices, "1d", horizons=(7,))["7d"]
    noise = np.random.default_rng(seed + 100).normal(0, 0.01, n)
    return (50 - 300 * (week + noise)).rename("score"), prices


@pytest.mark.parametrize("method", ["newey_west", "block_bootstrap", "iid"])
def test_a_score_that_anticipates_falls_has_a_strongly_negative_ic(method):
    score, prices = anticipating()
    ic = rank_ic(score, forward_returns(prices, "1d"), method=method, n_boot=200)
    ic = ic.set_index("horizon")
    assert list(ic.index) == ["1d", "3d", "7d", "30d"]
    assert ic.loc["7d", "ic"] < -0.9
    assert (ic.loc[["1d", "3d", "7d"], "ci_high"] < 0).all()
    assert (ic["ci_low"] <= ic["ic"]).all() and (ic["ic"] <= ic["ci_high"]).all()
    assert ic.loc["7d", "t_stat"] < -10
    assert ic.loc["7d", "n"] == 800 - 7 and ic.loc["30d", "n"] == 800 - 30


def test_a_random_score_has_an_ic_whose_interval_covers_zero_in_most_seeds():
    covered = {"newey_west": 0, "iid": 0}
    for seed in range(20):
        prices = random_walk(seed)
        score = persistent_noise(seed + 1000, prices.index)
        fwd = forward_returns(prices, "1d", horizons=(30,))
        for method in covered:
            row = rank_ic(score, fwd, method=method).iloc[0]
            covered[method] += row.ci_low <= 0 <= row.ci_high
    assert covered["newey_west"] >= 16
    assert covered["iid"] < covered["newey_west"]  # the naive interval ignores the overlap


def test_the_block_bootstrap_covers_zero_for_a_random_score_and_is_seeded():
    prices = random_walk(3)
    score = persistent_noise(4, prices.index)
    fwd = forward_returns(prices, "1d", horizons=(1, 30))
    first = rank_ic(score, fwd, method="block_bootstrap", n_boot=300, seed=7)
    again = rank_ic(score, fwd, method="block_bootstrap", n_boot=300, seed=7)
    other = rank_ic(score, fwd, method="block_bootstrap", n_boot=300, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ci_low"], other["ci_low"])
    assert ((first["ci_low"] <= 0) & (first["ci_high"] >= 0)).all()
    assert first.attrs == {"method": "block_bootstrap", "confidence": 0.95}


def test_overlap_makes_the_newey_west_interval_wider_than_the_naive_one():
    prices = random_walk(0)
    score = persistent_noise(0, prices.index)
    fwd = forward_returns(prices, "1d", horizons=(30,))
    nw = rank_ic(score, fwd).iloc[0]
    naive = rank_ic(score, fwd, method="iid").iloc[0]
    assert nw.ic == naive.ic
    assert nw.ci_high - nw.ci_low > 2 * (naive.ci_high - naive.ci_low)
    assert naive.ci_high < 0 <= nw.ci_high  # here the naive interval finds a false signal
    assert abs(nw.t_stat) < abs(naive.t_stat)


def test_ic_is_spearman_and_its_errors_are_the_hac_sandwich():
    index = days(6)
    x = pd.Series([1.0, 2, 3, 4, 5, 6], index=index)
    fwd = pd.DataFrame({"1d": [2.0, 1, 4, 3, 6, 5]}, index=index)
    assert rank_ic(x, fwd).loc[0, "ic"] == pytest.approx(1 - 6 * 6 / (6 * 35))  # 0.8286

    rng = np.random.default_rng(5)
    index = days(40)
    score = pd.Series(rng.normal(size=40), index=index)
    fwd = pd.DataFrame({"2d": rng.normal(size=40)}, index=index)
    zx = (score.rank() - score.rank().mean()) / score.rank().std(ddof=0)
    zy = (fwd["2d"].rank() - fwd["2d"].rank().mean()) / fwd["2d"].rank().std(ddof=0)
    design = np.column_stack([np.ones(40), zx])
    beta = np.linalg.lstsq(design, zy, rcond=None)[0]
    scores = design * (zy.to_numpy() - design @ beta)[:, None]
    bread = np.linalg.inv(design.T @ design)
    for method, lags in (("iid", 0), ("newey_west", 2)):
        meat = scores.T @ scores
        for lag in range(1, lags + 1):
            cross = scores[lag:].T @ scores[:-lag]
            meat += (1 - lag / (lags + 1)) * (cross + cross.T)
        se = np.sqrt((bread @ meat @ bread)[1, 1])
        row = rank_ic(score, fwd, method=method).iloc[0]
        assert row.ic == pytest.approx(beta[1])
        assert row.t_stat == pytest.approx(beta[1] / se)
        assert row.ci_high - row.ic == pytest.approx(1.959964 * se, rel=1e-6)


def test_ic_flips_with_the_score_and_ignores_monotone_rescaling():
    score, prices = anticipating()
    fwd = forward_returns(prices, "1d")
    base = rank_ic(score, fwd)
    np.testing.assert_allclose(rank_ic(-score, fwd)["ic"], -base["ic"])
    np.testing.assert_allclose(rank_ic(np.exp(score / 10), fwd)["ic"], base["ic"])


def test_start_and_end_restrict_the_bars_counted():
    prices = random_walk(2, 400)
    score = persistent_noise(2, prices.index)
    fwd = forward_returns(prices, "1d", horizons=(1, 7))
    full = rank_ic(score, fwd).set_index("horizon")["n"]
    part = rank_ic(score, fwd, start="2021-03-01", end="2021-05-31").set_index("horizon")["n"]
    assert full.to_dict() == {"1d": 399, "7d": 393}
    assert part.to_dict() == {"1d": 92, "7d": 92}
    cut = forward_returns(prices, "1d", horizons=(1, 7), start="2021-03-01", end="2021-05-31")
    assert rank_ic(score, cut).set_index("horizon")["n"].to_dict() == {"1d": 91, "7d": 85}


def test_too_few_pairs_or_a_constant_score_give_nan_not_an_error():
    index = days(10)
    fwd = pd.DataFrame({"1d": np.arange(10.0)}, index=index)
    flat = rank_ic(pd.Series(50.0, index=index), fwd).iloc[0]
    assert np.isnan(flat.ic) and np.isnan(flat.ci_low) and flat.n == 10
    short = rank_ic(pd.Series([1.0, 2.0] + [np.nan] * 8, index=index), fwd).iloc[0]
    assert np.isnan(short.ic) and short.n == 2


# ---------------------------------------------------------------- tables
def test_quantile_table_by_hand():
    index = days(10)
    score = pd.Series(np.arange(10.0), index=index)
    fwd = pd.DataFrame({"1d": 0.01 * np.arange(10)}, index=index)
    dd = pd.Series(-0.01 * np.arange(10), index=index, name="max_drawdown_30d")
    table = quantile_table(score, fwd, dd, quantiles=5)
    assert list(table.index) == [1, 2, 3, 4, 5] and table.index.name == "quantile"
    assert list(table.columns) == ["score_low", "score_high", "count", "mean_1d", "median_1d",
                                   "mean_max_drawdown_30d"]
    assert table["count"].tolist() == [2] * 5
    np.testing.assert_allclose(table["mean_1d"], [0.005, 0.025, 0.045, 0.065, 0.085])
    np.testing.assert_allclose(table["mean_max_drawdown_30d"], [-0.005, -0.025, -0.045,
                                                                -0.065, -0.085])
    assert table.loc[5, "score_low"] == 8 and table.loc[5, "score_high"] == 9
    assert quantile_table(score, fwd, None, 2)["count"].tolist() == [5, 5]
    assert quantile_table(score, fwd, None, 2, end="2021-01-04")["count"].tolist() == [2, 2]


def test_regime_table_by_hand_shows_every_regime():
    index = days(6)
    score = pd.Series([50, 56, 63, 71, 40, 45.0], index=index)
    fwd = pd.DataFrame({"1d": [0.01, 0.02, 0.03, 0.04, 0.05, np.nan]}, index=index)
    table = regime_table(regime_of(score), fwd, None)
    assert list(table.index) == ["calm", "watch", "stress", "unwind"]
    assert table["count"].tolist() == [3, 1, 1, 1]
    np.testing.assert_allclose(table["mean_1d"], [0.03, 0.02, 0.03, 0.04])  # NaN skipped
    only_calm = regime_table(regime_of(score).astype(str).where(score < 55, "calm"), fwd)
    assert only_calm["count"].tolist() == [6, 0, 0, 0]


# ---------------------------------------------------------------- events
def test_threshold_crossings():
    score = pd.Series([50, 69, 70, 71, 60, 75, np.nan, 80, 65, 70], index=days(10))
    crossings = threshold_crossings(score, 70)
    assert list(crossings) == [score.index[2], score.index[5], score.index[9]]
    assert list(threshold_crossings(score, 70, start="2021-01-04")) == list(crossings[1:])


def test_event_paths_relative_to_the_close_at_the_event():
    prices = candles(10 + np.arange(10.0))
    score = pd.Series([0, 80, 0, 0, 0, 80, 0, 0, 0, 0.0], index=prices.index)
    study = event_study(score, prices, "1d", 70, before_days=2, after_days=3)
    assert isinstance(study, EventStudy)
    assert list(study.events) == [prices.index[1], prices.index[5]]
    assert list(study.paths.index) == [-2, -1, 0, 1, 2, 3]
    np.testing.assert_allclose(study.paths[prices.index[5]], np.array([13, 14, 15, 16, 17, 18])
                               / 15 - 1)
    np.testing.assert_allclose(study.paths[prices.index[1]], [np.nan, 10 / 11 - 1, 0, 1 / 11,
                                                              2 / 11, 3 / 11])
    assert study.mean_path.loc[-2] == pytest.approx(13 / 15 - 1)  # one event has no data
    assert study.mean_path.loc[3] == pytest.approx((3 / 15 + 3 / 11) / 2)


def test_event_paths_in_days_on_intraday_bars():
    prices = candles(10 + np.arange(24.0), freq="4h")
    score = pd.Series(0.0, index=prices.index)
    score.iloc[12] = 90
    study = event_study(score, prices, "4h", 70, before_days=1, after_days=1)
    assert len(study.paths) == 13 and study.paths.index[1] == pytest.approx(-5 / 6)
    assert study.paths.iloc[-1, 0] == pytest.approx(28 / 22 - 1)
    empty = event_study(score * 0, prices, "4h", 70, before_days=1, after_days=1)
    assert len(empty.events) == 0 and empty.mean_path.isna().all()


EPISODE_CLOSES = (
    [100 + 10 * k for k in range(10)]           # days 0-9: rise to the peak 190 (day 9)
    + [170, 150, 140, 160, 200]                 # breach day 11 (-21 %), trough 140, recovered
    + [200, 210, 220, 230, 240]                 # days 15-19
    + [250, 240, 230, 220, 260]                 # a -12 % dip: not an episode
    + [300, 280, 250, 239, 210, 200, 205, 210, 220, 230]  # peak day 25, breach day 28, no recovery
)


def test_drawdown_episodes_with_a_known_warning_and_lead_time():
    prices = candles(EPISODE_CLOSES)
    index = prices.index
    score = pd.Series(50.0, index=index)
    score.iloc[3] = 75   # 8 days before the first breach
    score.iloc[12] = 90  # after the first breach: too late to count
    score.iloc[31] = 90  # after the second breach
    out = drawdown_warnings(score, prices, "1d", 70, depth=0.20, lookback_days=10)
    assert list(out.columns) == ["peak", "breach", "trough", "depth", "warned", "lead_days"]
    assert out["peak"].tolist() == [index[9], index[25]]
    assert out["breach"].tolist() == [index[11], index[28]]
    assert out["trough"].tolist() == [index[12], index[30]]
    np.testing.assert_allclose(out["depth"], [140 / 190 - 1, 200 / 300 - 1])
    assert out["warned"].tolist() == [True, False]
    assert out.loc[0, "lead_days"] == 8 and np.isnan(out.loc[1, "lead_days"])
    assert out.attrs["hit_rate"] == 0.5 and hit_rate(out) == 0.5

    short = drawdown_warnings(score, prices, "1d", 70, lookback_days=5)  # window from day 4
    assert short["warned"].tolist() == [False, False] and hit_rate(short) == 0.0
    long = drawdown_warnings(score, prices, "1d", 70, lookback_days=30)  # day 3 reaches both
    assert long["warned"].tolist() == [True, True] and long["lead_days"].tolist() == [8, 25]
    later = drawdown_warnings(score, prices, "1d", 70, start="2021-01-14")
    assert later["peak"].tolist() == [index[25]]
    assert len(drawdown_warnings(score, prices, "1d", 70, depth=0.5)) == 0
    assert np.isnan(hit_rate(drawdown_warnings(score, prices, "1d", 70, depth=0.5)))


def test_threshold_sweep_counts_by_hand():
    prices = candles([100, 80, 80, 100, 70, 70, 70])
    score = pd.Series([90, 50, 60, 75, 80, np.nan, 95], index=prices.index)
    sweep = threshold_sweep(score, prices, "1d", [55, 70, 85, 100], horizon_days=1,
                            depth=0.15)
    assert list(sweep.columns) == ["threshold", "signals", "events", "hits", "precision",
                                   "recall"]
    assert sweep["signals"].tolist() == [4, 3, 1, 0]
    assert sweep["events"].tolist() == [2, 2, 2, 2]
    assert sweep["hits"].tolist() == [2, 2, 1, 0]
    np.testing.assert_allclose(sweep["precision"], [0.5, 2 / 3, 1.0, np.nan])
    np.testing.assert_allclose(sweep["recall"], [1.0, 1.0, 0.5, 0.0])
    assert sweep.attrs == {"bars": 5, "base_rate": 0.4}
    calm = threshold_sweep(score, candles(np.full(7, 100.0)), "1d", [55], horizon_days=1)
    assert calm["events"].item() == 0 and np.isnan(calm["recall"].item())


# ---------------------------------------------------------------- bad inputs
def test_bad_inputs_name_the_argument_and_the_fix():
    prices = candles(100 + np.arange(10.0))
    score = pd.Series(50.0, index=prices.index)
    naive = prices.tz_localize(None)
    with pytest.raises(DataContractError, match=r"prices index must be tz-aware UTC.*tz_local"):
        forward_returns(naive, "1d")
    with pytest.raises(DataContractError, match=r"score index must be tz-aware UTC"):
        rank_ic(score.tz_localize(None), forward_returns(prices, "1d"))
    with pytest.raises(DataContractError, match=r"not 4h candles.*timeframe"):
        forward_returns(prices, "4h")
    with pytest.raises(DataContractError, match=r"not 1d candles"):
        forward_max_drawdown(candles(np.arange(1.0, 13), freq="4h"), "1d", 1)
    with pytest.raises(ConfigError, match=r"horizons=1 days is not a positive whole number "
                                          r"of 1w bars"):
        forward_returns(candles([1.0, 2, 3], days(3, freq="7D")), "1w", horizons=(1,))
    with pytest.raises(ConfigError, match=r"timeframe '1 day' is not valid"):
        forward_returns(prices, "1 day")
    with pytest.raises(DataContractError, match=r"'close' column"):
        forward_returns(prices.drop(columns="close"), "1d")
    with pytest.raises(DataContractError, match=r"sort_index"):
        forward_returns(prices.iloc[::-1], "1d")
    with pytest.raises(DataContractError, match=r"positive and finite"):
        forward_returns(candles([100, -1, 3.0]), "1d")
    with pytest.raises(ConfigError, match=r"repeat"):
        forward_returns(prices, "1d", horizons=(1, 1))
    at_release = score.set_axis(score.index + pd.Timedelta("21h30min"))
    with pytest.raises(DataContractError, match=r"share no bar open times.*align_to_bars"):
        rank_ic(at_release, forward_returns(prices, "1d"))
    with pytest.raises(ConfigError, match=r"method='spearman' is not known"):
        rank_ic(score, forward_returns(prices, "1d"), method="spearman")
    with pytest.raises(ConfigError, match=r"confidence must be in \(0, 1\)"):
        rank_ic(score, forward_returns(prices, "1d"), confidence=95)
    with pytest.raises(ConfigError, match=r"n_boot must be an integer"):
        rank_ic(score, forward_returns(prices, "1d"), method="block_bootstrap", n_boot=0)
    with pytest.raises(ConfigError, match=r"not a horizon like '7d'"):
        rank_ic(score, pd.DataFrame({"next": 0.0}, index=prices.index))
    with pytest.raises(ConfigError, match=r"quantiles must be an integer >= 2"):
        quantile_table(score, forward_returns(prices, "1d"), None, quantiles=1)
    with pytest.raises(ConfigError, match=r"depth must be a fraction in \(0, 1\)"):
        drawdown_warnings(score, prices, "1d", 70, depth=20)
    with pytest.raises(ConfigError, match=r"depth must be a fraction"):
        threshold_sweep(score, prices, "1d", [70], depth=0)
    with pytest.raises(ConfigError, match=r"thresholds is empty"):
        threshold_sweep(score, prices, "1d", [])
    with pytest.raises(ConfigError, match=r"threshold='high' is not a score level"):
        threshold_crossings(score, "high")
    with pytest.raises(ConfigError, match=r"thresholds must be finite"):
        threshold_sweep(score, prices, "1d", [70, np.nan])
    with pytest.raises(ConfigError, match=r"depth must be a fraction"):
        evaluate(score, prices, "1d", depth=20)
    with pytest.raises(ConfigError, match=r"before_days=-1 days"):
        event_study(score, prices, "1d", 70, before_days=-1)
    with pytest.raises(DataContractError, match=r"'score' column"):
        evaluate(pd.DataFrame({"level": score}), prices, "1d")
    with pytest.raises(DataContractError, match=r"no candles between"):
        evaluate(score, prices, "1d", start="2030-01-01")


# ---------------------------------------------------------------- evaluate
def test_evaluate_on_synthetic_data_accepts_a_series_and_does_not_mutate():
    score, prices = anticipating(n=400)
    before = prices.copy()
    released = score.dropna()
    released.index = released.index + pd.Timedelta("1D")  # known at the bar's close
    result = evaluate(released, prices, "1d", horizons=(1, 7), threshold=60)
    pd.testing.assert_frame_equal(prices, before)
    assert isinstance(result, Evaluation)
    assert result.ic.set_index("horizon").loc["7d", "ic"] < -0.95
    late = released.set_axis(released.index + pd.Timedelta("1h"))  # after the close: next bar
    assert evaluate(late, prices, "1d", horizons=(7,)).ic.loc[0, "ic"] > -0.9
    assert list(result.regimes.index) == ["calm", "watch", "stress", "unwind"]
    assert result.event_study.paths.index.max() == 7
    assert result.settings["symbol"] is None and result.period[1] == prices.index[-1]


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    def refuse(exchange_id):
        raise AssertionError(f"the network was used ({exchange_id})")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        scores = signals.risk_off_score(signals.load_macro(store=tmp_path_factory.mktemp("s")))
    prices = load_prices("BTC/USDT", "1d", store=tmp_path_factory.mktemp("p"),
                         client_factory=refuse)
    return scores, prices


def test_evaluate_on_the_bundled_btc_and_the_real_score(real):
    scores, prices = real
    result = evaluate(scores, prices, "1d")
    ic = result.ic
    assert ic["horizon"].tolist() == ["1d", "3d", "7d", "30d"]
    numbers = ic[["ic", "ci_low", "ci_high", "t_stat"]].to_numpy()
    assert np.isfinite(numbers).all() and (ic["n"] > 2000).all()
    assert (ic["ci_low"] < ic["ic"]).all() and (ic["ic"] < ic["ci_high"]).all()
    assert len(result.quantiles) == 5 and result.quantiles["count"].sum() == len(prices)
    assert np.isfinite(result.quantiles.drop(columns="count").to_numpy()).all()
    assert list(result.regimes.index) == ["calm", "watch", "stress", "unwind"]
    assert result.regimes["count"].sum() == len(prices)
    assert len(result.threshold_sweep) == len(DEFAULT_THRESHOLDS)
    assert result.threshold_sweep["events"].nunique() == 1
    assert len(result.warnings) > 0 and result.warnings["depth"].le(-0.20).all()
    assert result.period == (prices.index[0], prices.index[-1])
    assert len(result.event_study.paths.columns) == len(result.event_study.events)
    summary = result.summary()
    assert summary["symbol"] == "BTC/USDT" and summary["bars"] == len(prices)
    assert set(summary["ic"]) == {"1d", "3d", "7d", "30d"}
    assert all(np.isfinite(v) for v in summary["ic"].values())
    assert 0 <= summary["hit_rate"] <= 1
    page = result._repr_html_()
    assert page.count("<table") == 9 and "BTC/USDT" in page  # 6 return tables + 3 of risk


def test_evaluate_a_period_uses_fewer_bars(real):
    scores, prices = real
    part = evaluate(scores["score"], prices, "1d", start="2020-01-01", end="2021-12-31")
    assert part.period == (pd.Timestamp("2020-01-01", tz="UTC"),
                           pd.Timestamp("2021-12-31", tz="UTC"))
    n = part.ic.set_index("horizon")["n"]
    assert n.to_dict() == {"1d": 730, "3d": 728, "7d": 724, "30d": 701}
    full = evaluate(scores, prices, "1d").ic.set_index("horizon")["n"]
    assert (n < full).all()
