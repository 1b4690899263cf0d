"""Yen signals: hand-checked values, invariants, warm-up, errors, and real episodes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import signals
from signals.errors import ConfigError, DataContractError
from signals.families.yen import usdjpy_drawdown, yen_rally, yen_vol_ratio
from tests.signals import macro_series

FUNCTIONS = [yen_rally, usdjpy_drawdown, yen_vol_ratio]


def daily(values, start="2024-01-01 21:00") -> pd.Series:
    """Values on business days at 21:00 UTC."""
    return macro_series(values, start, name="usdjpy")


def random_usdjpy(n=300, seed=0) -> pd.Series:
    """A USD/JPY-like random walk around 150 with 0.6 % daily volatility."""
    rng = np.random.default_rng(seed)
    return daily(150.0 * np.exp(np.cumsum(0.006 * rng.standard_normal(n))))


# --- hand-checked values -----------------------------------------------------------------

def test_yen_rally_by_hand():
    out = yen_rally(daily([100.0, 110.0, 121.0, 100.0]), window=1)
    expected = [np.nan, -100 * np.log(1.1), -100 * np.log(1.1), 100 * np.log(1.21)]
    np.testing.assert_allclose(out.to_numpy(), expected)
    assert out.iloc[-1] > 0  # USD/JPY falling = yen stronger = risk-off


def test_usdjpy_drawdown_by_hand():
    out = usdjpy_drawdown(daily([100.0, 120.0, 90.0, 110.0, 130.0]), window=3)
    np.testing.assert_allclose(out.to_numpy(), [np.nan, np.nan, 25.0, 100 / 12, 0.0])


def test_yen_vol_ratio_by_hand():
    # log returns 0.01, -0.01, 0.03, -0.03: sample variances 20e-4 / 3 (all four) and
    # 18e-4 (last two), so the short volatility is sqrt(2.7) times the long one
    prices = daily(100.0 * np.exp(np.cumsum([0.0, 0.01, -0.01, 0.03, -0.03])))
    out = yen_vol_ratio(prices, short=2, long=4)
    assert out.iloc[:4].isna().all()
    assert out.iloc[4] == pytest.approx(np.sqrt(2.7) - 1.0)


def test_yen_vol_ratio_rises_when_the_yen_gets_nervous():
    calm = random_usdjpy(200, seed=1).to_numpy()
    shocks = calm[-1] * np.exp(np.cumsum([-0.03, 0.025, -0.035, 0.02, -0.03]))
    out = yen_vol_ratio(daily(np.concatenate([calm, shocks])))
    assert out.iloc[-1] > 0.5
    assert yen_vol_ratio(daily(calm)).iloc[-1] < 0.5


def test_flat_history_has_no_vol_ratio():
    out = yen_vol_ratio(daily(np.full(70, 150.0)))
    assert out.isna().all()


def test_nan_rows_are_skipped_by_the_window_and_stay_nan():
    out = yen_rally(daily([100.0, np.nan, 110.0, 121.0]), window=1)
    expected = [np.nan, np.nan, -100 * np.log(1.1), -100 * np.log(1.1)]
    np.testing.assert_allclose(out.to_numpy(), expected)


# --- shape, warm-up, invariants, past-only -----------------------------------------------

@pytest.mark.parametrize(("func", "kwargs", "warmup"), [
    (yen_rally, {}, 5), (yen_rally, {"window": 20}, 20),
    (usdjpy_drawdown, {}, 59), (usdjpy_drawdown, {"window": 10}, 9),
    (yen_vol_ratio, {}, 60), (yen_vol_ratio, {"short": 5, "long": 20}, 20),
])
def test_output_contract_and_warmup(func, kwargs, warmup):
    usdjpy = random_usdjpy()
    before = usdjpy.copy()
    out = func(usdjpy, **kwargs)
    pd.testing.assert_series_equal(usdjpy, before)  # input untouched
    assert out.name == func.__name__
    assert out.dtype == "float64"
    assert out.index.equals(usdjpy.index)
    assert out.iloc[:warmup].isna().all()
    assert out.iloc[warmup:].notna().all()


@pytest.mark.parametrize("func", FUNCTIONS)
def test_scaling_usdjpy_changes_nothing(func):
    usdjpy = random_usdjpy()
    pd.testing.assert_series_equal(func(usdjpy), func(usdjpy * 1.5))


@pytest.mark.parametrize("func", FUNCTIONS)
def test_past_only(func):
    usdjpy = random_usdjpy()
    full = func(usdjpy)
    pd.testing.assert_series_equal(func(usdjpy.iloc[:150]), full.iloc[:150])
    changed = usdjpy.copy()
    changed.iloc[150:] *= 0.8
    pd.testing.assert_series_equal(func(changed).iloc[:150], full.iloc[:150])


def test_drawdown_is_never_negative():
    assert (usdjpy_drawdown(random_usdjpy(1000, seed=3)).dropna() >= 0).all()


def test_integer_input_gives_float64():
    out = yen_rally(daily([150, 151, 149, 148, 152, 150]).astype("int64"))
    assert out.dtype == "float64"
    assert out.iloc[-1] == pytest.approx(0.0)


# --- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("func", FUNCTIONS)
def test_tz_naive_index_is_refused(func):
    with pytest.raises(DataContractError, match="usdjpy index must be tz-aware UTC"):
        func(random_usdjpy().tz_localize(None))


def test_non_utc_index_is_refused():
    with pytest.raises(DataContractError, match="must be UTC; got tz=Asia/Tokyo"):
        yen_rally(random_usdjpy().tz_convert("Asia/Tokyo"))


@pytest.mark.parametrize("func", FUNCTIONS)
def test_unsorted_index_is_refused(func):
    with pytest.raises(DataContractError, match="usdjpy index is not sorted"):
        func(random_usdjpy().iloc[::-1])


@pytest.mark.parametrize("func", FUNCTIONS)
def test_usd_per_jpy_is_refused(func):
    with pytest.raises(DataContractError, match=r"usdjpy has values outside 50\.\.400 JPY per USD"):
        func(1.0 / random_usdjpy())


@pytest.mark.parametrize(("func", "kwargs", "needed"), [
    (yen_rally, {"window": 5}, 6), (usdjpy_drawdown, {"window": 60}, 60),
    (yen_vol_ratio, {"short": 10, "long": 60}, 61),
])
def test_too_short_is_refused(func, kwargs, needed):
    with pytest.raises(DataContractError, match=f"needs at least {needed}"):
        func(random_usdjpy(needed - 1), **kwargs)


@pytest.mark.parametrize(("func", "kwargs", "message"), [
    (yen_rally, {"window": 0}, "window must be a whole number of observations >= 1"),
    (yen_rally, {"window": -5}, "window must be"),  # shift(-5) would read the future
    (yen_rally, {"window": 2.5}, "window must be"),
    (usdjpy_drawdown, {"window": True}, "window must be"),
    (yen_vol_ratio, {"short": 1}, "short must be a whole number of observations >= 2"),
    (yen_vol_ratio, {"short": 20, "long": 20}, "long must be a whole number of observations >= 21"),
])
def test_bad_windows_are_refused(func, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        func(random_usdjpy(), **kwargs)


# --- real history (bundled FRED DEXJPUS, noon New York rates) ----------------------------

@pytest.fixture(scope="module")
def usdjpy_history(tmp_path_factory):
    """USD/JPY with its observation dates, so that episodes can be looked up by date."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        macro = signals.load_macro(series=["usdjpy"], store=tmp_path_factory.mktemp("store"))
    dates = pd.DatetimeIndex(macro.frame("usdjpy")["date"])
    return macro["usdjpy"], dates


def by_date(out: pd.Series, dates: pd.DatetimeIndex) -> pd.Series:
    return out.set_axis(dates)


def test_golden_boj_band_change_2022_12_20(usdjpy_history):
    usdjpy, dates = usdjpy_history
    # noon rates 136.87 on 19 Dec, 131.08 on 20 Dec: the largest one-day yen rally of 2022
    day = by_date(yen_rally(usdjpy, window=1), dates)
    assert day["2022-12-20"] == pytest.approx(-100 * np.log(131.08 / 136.87), abs=1e-9)
    assert day["2022"].idxmax() == pd.Timestamp("2022-12-20")
    assert by_date(yen_rally(usdjpy), dates)["2022-12-20"] > 2.5
    # the 60-day high was 149.82 (20 Oct 2022)
    drawdown = by_date(usdjpy_drawdown(usdjpy), dates)
    assert drawdown["2022-12-20"] == pytest.approx(100 * (1 - 131.08 / 149.82), abs=1e-9)
    assert by_date(yen_vol_ratio(usdjpy), dates)["2022-12-20"] > 0.4


@pytest.mark.parametrize(("date", "before", "after"), [
    ("2022-09-22", 144.14, 142.16),  # first MOF intervention
    ("2022-10-21", 149.82, 146.35),  # second MOF intervention, from the 32-year high
])
def test_golden_mof_interventions(usdjpy_history, date, before, after):
    usdjpy, dates = usdjpy_history
    day = by_date(yen_rally(usdjpy, window=1), dates)
    assert day[date] == pytest.approx(100 * np.log(before / after), abs=1e-9)
    assert day[date] > 1.0


def test_golden_intervention_drawdown_2022_10_21(usdjpy_history):
    usdjpy, dates = usdjpy_history
    drawdown = by_date(usdjpy_drawdown(usdjpy), dates)
    assert drawdown["2022-10-20"] == 0.0  # a new 60-day high the day before
    assert drawdown["2022-10-21"] == pytest.approx(100 * (1 - 146.35 / 149.82), abs=1e-9)


def test_golden_early_2016_yen_rally(usdjpy_history):
    usdjpy, dates = usdjpy_history
    rally = by_date(yen_rally(usdjpy), dates)
    # 116.75 on 4 Feb to 111.72 on 11 Feb 2016
    assert rally["2016-02-11"] == pytest.approx(100 * np.log(116.75 / 111.72), abs=1e-9)
    assert rally["2016-02-11"] > rally.quantile(0.98)
    assert by_date(usdjpy_drawdown(usdjpy), dates)["2016-02-11"] > 8.0


def test_golden_march_2020_volatility(usdjpy_history):
    usdjpy, dates = usdjpy_history
    ratio = by_date(yen_vol_ratio(usdjpy), dates)
    assert ratio["2020-03-09":"2020-03-20"].min() > 0.5  # 10-day vol at least 1.5x the 60-day
    assert ratio["2020-03-20"] > ratio.quantile(0.95)
    assert (by_date(usdjpy_drawdown(usdjpy), dates).dropna() >= 0).all()
