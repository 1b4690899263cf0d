"""Cross-asset signals: hand-checked values, invariants, warm-up, errors, real episodes."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import signals
from signals.errors import ConfigError, DataContractError
from signals.families.cross_asset import audjpy_drop, nikkei_drawdown, vix_jump
from tests import SHARED_DATA
from tests.signals import macro_series

EVAL_ONLY = SHARED_DATA / "eval_only"


def daily(values, name, start="2024-07-01 20:15") -> pd.Series:
    return macro_series(values, start, name=name)


def walk(level, vol, n=300, seed=0, name="x") -> pd.Series:
    rng = np.random.default_rng(seed)
    return daily(level * np.exp(np.cumsum(vol * rng.standard_normal(n))), name)


def inputs():
    """Realistic levels: Nikkei ~38,000, VIX ~15 (mean-reverting), AUD/JPY ~100."""
    rng = np.random.default_rng(7)
    log_vix = np.empty(300)
    log_vix[0] = np.log(15.0)
    for t in range(1, 300):
        log_vix[t] = log_vix[t - 1] + 0.1 * (np.log(15.0) - log_vix[t - 1]) \
            + 0.07 * rng.standard_normal()
    return {
        "nikkei": walk(38_000.0, 0.012, seed=1, name="nikkei"),
        "vix": daily(np.exp(log_vix), "vix"),
        "audjpy": walk(100.0, 0.007, seed=2, name="audjpy"),
    }


CASES = [(nikkei_drawdown, "nikkei", 59), (vix_jump, "vix", 5), (audjpy_drop, "audjpy", 5)]


# --- hand-checked values -----------------------------------------------------------------

def test_nikkei_drawdown_by_hand():
    out = nikkei_drawdown(daily([40_000, 42_000, 37_800, 31_500, 44_000], "nikkei"), window=3)
    np.testing.assert_allclose(out.to_numpy(), [np.nan, np.nan, 10.0, 25.0, 0.0])


def test_vix_jump_by_hand():
    # an August-2024-like spike: 16 -> 23 -> 38
    out = vix_jump(daily([16.0, 16.5, 23.0, 38.0], "vix"), window=1)
    np.testing.assert_allclose(out.to_numpy(), [np.nan, 100 * np.log(16.5 / 16),
                                                100 * np.log(23 / 16.5), 100 * np.log(38 / 23)])
    assert out.iloc[-1] > 50  # positive = volatility jumping = risk-off


def test_audjpy_drop_by_hand():
    out = audjpy_drop(daily([110.0, 104.5, 99.0, 110.0], "audjpy"), window=2)
    np.testing.assert_allclose(out.to_numpy(),
                               [np.nan, np.nan, 100 * np.log(110 / 99), 100 * np.log(104.5 / 110)])
    assert out.iloc[2] > 0 > out.iloc[3]


def test_nan_rows_are_skipped_by_the_window_and_stay_nan():
    out = audjpy_drop(daily([100.0, np.nan, 90.0, 81.0], "audjpy"), window=1)
    np.testing.assert_allclose(out.to_numpy(),
                               [np.nan, np.nan, 100 * np.log(10 / 9), 100 * np.log(10 / 9)])


# --- contract, warm-up, invariants -------------------------------------------------------

@pytest.mark.parametrize(("func", "name", "warmup"), CASES)
def test_contract_and_warmup(func, name, warmup):
    values = inputs()[name]
    before = values.copy()
    out = func(values)
    pd.testing.assert_series_equal(values, before)
    assert out.name == func.__name__
    assert out.dtype == "float64"
    assert out.index.equals(values.index)
    assert out.iloc[:warmup].isna().all()
    assert out.iloc[warmup:].notna().all()


@pytest.mark.parametrize(("func", "name", "warmup"), CASES)
def test_scaling_changes_nothing(func, name, warmup):
    values = inputs()[name]
    pd.testing.assert_series_equal(func(values), func(values * 1.2))


@pytest.mark.parametrize(("func", "name", "warmup"), CASES)
def test_past_only(func, name, warmup):
    values = inputs()[name]
    full = func(values)
    pd.testing.assert_series_equal(func(values.iloc[:150]), full.iloc[:150])
    changed = values.copy()
    changed.iloc[150:] *= 0.9
    pd.testing.assert_series_equal(func(changed).iloc[:150], full.iloc[:150])


def test_nikkei_drawdown_is_never_negative():
    assert (nikkei_drawdown(walk(38_000.0, 0.012, n=2000, seed=9)).dropna() >= 0).all()


# --- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize(("func", "name", "warmup"), CASES)
def test_tz_naive_and_unsorted_are_refused(func, name, warmup):
    values = inputs()[name]
    with pytest.raises(DataContractError, match=f"{name} index must be tz-aware UTC"):
        func(values.tz_localize(None))
    with pytest.raises(DataContractError, match=f"{name} index is not sorted"):
        func(values.iloc[::-1])


@pytest.mark.parametrize(("func", "values", "message"), [
    (vix_jump, daily([0.15, 0.16, 0.2, 0.3, 0.25, 0.2], "vix"),
     "vix has values outside 1..200 index points"),  # a fraction, not index points
    (nikkei_drawdown, daily(np.full(60, 380.0), "nikkei"),
     "nikkei has values outside 1000..200000 index points"),  # hundreds of points
    (audjpy_drop, daily(np.full(6, 0.0095), "audjpy"),
     "audjpy has values outside 20..250 JPY per AUD"),  # AUD per JPY
])
def test_wrong_units_are_refused(func, values, message):
    with pytest.raises(DataContractError, match=re.escape(message)):
        func(values)


@pytest.mark.parametrize(("func", "name", "needed"), [
    (nikkei_drawdown, "nikkei", 60), (vix_jump, "vix", 6), (audjpy_drop, "audjpy", 6),
])
def test_too_short_is_refused(func, name, needed):
    short = inputs()[name].iloc[:needed - 1]
    with pytest.raises(DataContractError, match=f"{name} has {needed - 1} value"):
        func(short)


@pytest.mark.parametrize("window", [0, -5, 2.5])
@pytest.mark.parametrize(("func", "name", "warmup"), CASES)
def test_bad_windows_are_refused(func, name, warmup, window):
    with pytest.raises(ConfigError, match="window must be a whole number"):
        func(inputs()[name], window=window)


# --- real history: the Nikkei from the evaluation files, read in the test only -----------

@pytest.fixture(scope="module")
def nikkei(tmp_path_factory):
    """Nikkei 225 closes by observation date, from ../shared/data/eval_only when present."""
    if not (EVAL_ONLY / "yahoo_^N225.csv").is_file():
        pytest.skip("../shared/data/eval_only/yahoo_^N225.csv is not beside the repository")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        macro = signals.load_macro(data_dir=EVAL_ONLY, series=["nikkei"],
                                   store=tmp_path_factory.mktemp("store"))
    return macro["nikkei"], pd.DatetimeIndex(macro.frame("nikkei")["date"])


def test_golden_nikkei_march_2020(nikkei):
    values, dates = nikkei
    out = nikkei_drawdown(values).set_axis(dates)
    # 16,552.83 on 19 Mar 2020 against the 60-day high of 24,083.51 (20 Jan)
    assert out["2020-03-19"] == pytest.approx(100 * (1 - 16552.830078125 / 24083.509765625))
    assert out["2020-03-19"] > 30


def test_golden_nikkei_early_2016(nikkei):
    values, dates = nikkei
    out = nikkei_drawdown(values).set_axis(dates)
    # 14,952.61 on 12 Feb 2016 against the 60-day high of 20,012.40 (1 Dec 2015)
    assert out["2016-02-12"] == pytest.approx(100 * (1 - 14952.6103515625 / 20012.400390625))
    assert out["2016-02-12"] > 20
    assert (out.dropna() >= 0).all()
