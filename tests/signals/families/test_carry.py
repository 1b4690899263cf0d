"""Carry-unwind signals: hand-checked values, calendars, invariants, errors, real episodes."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import signals
from signals.errors import ConfigError, DataContractError
from signals.families.carry import (
    carry_compression,
    carry_to_risk_drop,
    cftc_crowded_short,
    cftc_short_covering,
)
from tests.signals import macro_series as series


def ust(values):
    """US yields: business days at 21:00 UTC."""
    return series(values, "2024-01-01 21:00", name="ust_2y")


def jgb(values):
    """JGB yields: business days at 00:00 UTC, before the same day's US close."""
    return series(values, "2024-01-01 00:00", name="jgb_2y")


def fx(values):
    return series(values, "2024-01-01 21:00", name="usdjpy")


def random_rates(n=200, seed=0):
    """A US 2Y around 4.5 % and a JGB 2Y around 0.2 %, with realistic daily moves."""
    rng = np.random.default_rng(seed)
    return (ust(4.5 + np.cumsum(0.05 * rng.standard_normal(n))),
            jgb(0.2 + np.cumsum(0.01 * rng.standard_normal(n))))


def random_usdjpy(n=200, seed=1):
    rng = np.random.default_rng(seed)
    return fx(150.0 * np.exp(np.cumsum(0.006 * rng.standard_normal(n))))


def alternating_usdjpy(amplitudes):
    """Log returns +a, -a, +a, ... so that any even window's volatility is known exactly."""
    signs = np.where(np.arange(len(amplitudes)) % 2 == 0, 1.0, -1.0)
    return fx(150.0 * np.exp(np.concatenate([[0.0], np.cumsum(signs * amplitudes)])))


def annual_vol(amplitude):
    """Annualised % volatility of an even window of alternating +-amplitude returns."""
    return 100 * np.sqrt(252) * amplitude * np.sqrt(4 / 3)


def cftc(long, short, oi, start="2024-01-05 20:30"):
    return (series(long, start, freq="W-FRI", name="long"),
            series(short, start, freq="W-FRI", name="short"),
            series(oi, start, freq="W-FRI", name="oi"))


# --- carry_compression -------------------------------------------------------------------

def test_carry_compression_by_hand_on_two_calendars():
    u, j = ust([2.0, 2.5, 1.9]), jgb([0.0, 0.1, 0.3])
    out = carry_compression(u, j, window=1)
    # rows: jgb d1, ust d1, jgb d2, ust d2, jgb d3, ust d3 (each leg vs its own previous)
    assert out.index.equals(u.index.union(j.index))
    np.testing.assert_allclose(out.to_numpy(), [np.nan] * 3 + [-40.0, -30.0, 80.0])


def test_carry_compression_on_one_calendar_is_minus_the_spread_change():
    u, j = random_rates()
    j = j.set_axis(u.index)
    spread = u - j
    expected = -100 * (spread - spread.shift(20))
    pd.testing.assert_series_equal(carry_compression(u, j), expected, check_names=False)


def test_window_counts_each_inputs_own_observations():
    u = random_rates()[0]
    hourly_jgb = series(np.full(24 * 300, 0.1), "2024-01-01 00:30", freq="h", name="jgb_2y")
    out = carry_compression(u, hourly_jgb, window=5)
    expected = -100 * (u - u.shift(5))
    pd.testing.assert_series_equal(out.reindex(u.index), expected, check_names=False)


def test_carry_compression_signs():
    flat = ust(np.full(30, 4.0))
    boj_hikes = jgb(np.linspace(0.0, 0.5, 30))
    assert (carry_compression(flat, boj_hikes).dropna() > 0).all()
    fed_hikes = ust(np.linspace(4.0, 5.0, 30))
    assert (carry_compression(fed_hikes, jgb(np.zeros(30))).dropna() < 0).all()


def test_adding_a_constant_to_both_legs_changes_nothing():
    u, j = random_rates()
    pd.testing.assert_series_equal(carry_compression(u, j), carry_compression(u + 1.5, j + 1.5))
    usdjpy = random_usdjpy()
    pd.testing.assert_series_equal(carry_to_risk_drop(u, j, usdjpy),
                                   carry_to_risk_drop(u + 1.5, j + 1.5, usdjpy))


# --- carry_to_risk_drop ------------------------------------------------------------------

def test_carry_to_risk_drop_by_hand():
    u, j = ust([4.0] * 6 + [3.5] * 2), jgb(np.zeros(8))
    usdjpy = alternating_usdjpy(np.full(7, 0.01))
    out = carry_to_risk_drop(u, j, usdjpy, window=1, vol_window=4)
    vol = annual_vol(0.01)
    # the ust row before each jgb row: the jgb leg is flat, so rows pair up by day
    at_ust = out.reindex(u.index)
    np.testing.assert_allclose(at_ust.to_numpy(), [np.nan] * 5 + [0.0, 0.5 / vol, 0.0],
                               atol=1e-12)


def test_rising_yen_volatility_lowers_carry_to_risk():
    u, j = ust(np.full(41, 4.0)), jgb(np.zeros(41))
    usdjpy = alternating_usdjpy(np.r_[np.full(20, 0.005), np.full(20, 0.01)])
    at_ust = carry_to_risk_drop(u, j, usdjpy, window=10, vol_window=4).reindex(u.index)
    # 4 returns after the switch vs 10 observations earlier: carry-to-risk halves
    expected = 4.0 / annual_vol(0.005) - 4.0 / annual_vol(0.01)
    assert at_ust.iloc[24] == pytest.approx(expected)
    assert at_ust.dropna().min() >= -1e-12


def test_volatility_uses_usdjpy_own_calendar():
    hourly = pd.date_range("2023-12-25", periods=24 * 400, freq="h", tz="UTC")
    u = pd.Series(4.0, index=hourly, name="ust_2y")
    j = pd.Series(0.5, index=hourly + pd.Timedelta(minutes=30), name="jgb_2y")
    usdjpy = random_usdjpy()
    returns = np.log(usdjpy).diff()
    vol = 100 * np.sqrt(252) * returns.rolling(60).std()
    expected = -(3.5 / vol - 3.5 / vol.shift(20))
    out = carry_to_risk_drop(u, j, usdjpy)
    pd.testing.assert_series_equal(out.reindex(usdjpy.index), expected, check_names=False)


def test_scaling_usdjpy_changes_nothing():
    u, j = random_rates()
    usdjpy = random_usdjpy()
    pd.testing.assert_series_equal(carry_to_risk_drop(u, j, usdjpy),
                                   carry_to_risk_drop(u, j, usdjpy * 1.5))


def test_carry_to_risk_warmup():
    u, j = random_rates(120)
    usdjpy = random_usdjpy(120).set_axis(u.index)
    j = j.set_axis(u.index)
    out = carry_to_risk_drop(u, j, usdjpy, window=20, vol_window=60)
    assert out.iloc[:80].isna().all()
    assert out.iloc[80:].notna().all()


# --- CFTC --------------------------------------------------------------------------------

def test_cftc_by_hand():
    legs = cftc([100, 150, 300], [300, 250, 100], [1000, 1000, 1000])
    # net position: -20 %, -10 %, +20 % of open interest
    np.testing.assert_allclose(cftc_crowded_short(*legs).to_numpy(), [20.0, 10.0, -20.0])
    np.testing.assert_allclose(cftc_short_covering(*legs, window=1).to_numpy(),
                               [np.nan, 10.0, 30.0])
    np.testing.assert_allclose(cftc_short_covering(*legs, window=2).to_numpy(),
                               [np.nan, np.nan, 40.0])


@pytest.mark.parametrize("func", [cftc_short_covering, cftc_crowded_short])
def test_cftc_scale_invariance_and_zero_open_interest(func):
    rng = np.random.default_rng(4)
    long, short = rng.integers(20_000, 90_000, (2, 30))
    legs = cftc(long, short, np.full(30, 200_000))
    pd.testing.assert_series_equal(func(*legs), func(*(leg * 3 for leg in legs)))
    no_interest = cftc(long, short, np.r_[np.full(29, 200_000), 0])
    assert np.isnan(func(*no_interest).iloc[-1])


def test_cftc_on_different_release_times():
    long, short, oi = cftc([100, 150, 300], [300, 250, 100], [1000, 1000, 1000])
    oi = oi.set_axis(oi.index + pd.Timedelta(hours=1))
    out = cftc_crowded_short(long, short, oi)
    assert out.index.equals(long.index.union(oi.index))
    np.testing.assert_allclose(out.to_numpy(), [np.nan, 20.0, 10.0, 10.0, -20.0, -20.0])


# --- contract: names, inputs untouched, past-only ----------------------------------------

def _cases():
    u, j = random_rates(300)
    usdjpy = random_usdjpy(300)
    rng = np.random.default_rng(5)
    long, short = rng.integers(20_000, 90_000, (2, 300))
    legs = cftc(long, short, rng.integers(200_000, 250_000, 300))
    return [(carry_compression, (u, j)), (carry_to_risk_drop, (u, j, usdjpy)),
            (cftc_short_covering, legs), (cftc_crowded_short, legs)]


@pytest.mark.parametrize(("func", "inputs"), _cases())
def test_contract(func, inputs):
    before = [s.copy() for s in inputs]
    out = func(*inputs)
    for s, b in zip(inputs, before, strict=True):
        pd.testing.assert_series_equal(s, b)
    assert out.name == func.__name__
    assert out.dtype == "float64"
    union = inputs[0].index
    for s in inputs[1:]:
        union = union.union(s.index)
    assert out.index.equals(union)
    cut = union[len(union) // 2]
    pd.testing.assert_series_equal(func(*(s[s.index <= cut] for s in inputs)), out[:cut])
    changed = [s.where(s.index <= cut, s * 1.1) for s in inputs]
    pd.testing.assert_series_equal(func(*changed)[:cut], out[:cut])


# --- errors ------------------------------------------------------------------------------

def test_yields_in_basis_points_are_refused():
    u, j = random_rates()
    with pytest.raises(DataContractError, match=r"ust_2y has values outside -5\.\.30 %"):
        carry_compression(u * 100, j)


def test_tz_naive_and_unsorted_are_refused():
    u, j = random_rates()
    with pytest.raises(DataContractError, match="jgb_2y index must be tz-aware UTC"):
        carry_compression(u, j.tz_localize(None))
    with pytest.raises(DataContractError, match="usdjpy index is not sorted"):
        carry_to_risk_drop(u, j, random_usdjpy().iloc[::-1])


def test_usd_per_jpy_is_refused():
    u, j = random_rates()
    with pytest.raises(DataContractError, match="usdjpy has values outside"):
        carry_to_risk_drop(u, j, 1 / random_usdjpy())


def test_too_short_is_refused():
    u, j = random_rates()
    with pytest.raises(DataContractError, match=r"jgb_2y has 20 value.*needs at least 21"):
        carry_compression(u, j.iloc[:20])
    with pytest.raises(DataContractError, match=r"usdjpy has 80 value.*needs at least 81"):
        carry_to_risk_drop(u, j, random_usdjpy(80))
    legs = cftc([1, 2, 3], [3, 2, 1], [10, 10, 10])
    with pytest.raises(DataContractError, match=r"noncomm_long has 3 value.*needs at least 4"):
        cftc_short_covering(*legs)


def test_negative_contracts_are_refused():
    long, short, oi = cftc([100, 150, 300], [300, -250, 100], [1000, 1000, 1000])
    with pytest.raises(DataContractError,
                       match=re.escape("noncomm_short has values outside 0..5e+06 contracts")):
        cftc_crowded_short(long, short, oi)
    with pytest.raises(DataContractError, match="open_interest index must be tz-aware UTC"):
        cftc_crowded_short(long, long, oi.tz_localize(None))


@pytest.mark.parametrize(("call", "message"), [
    (lambda u, j, x: carry_compression(u, j, window=0), "window must be"),
    (lambda u, j, x: carry_compression(u, j, window=-20), "window must be"),
    (lambda u, j, x: carry_to_risk_drop(u, j, x, vol_window=1), "vol_window must be"),
    (lambda u, j, x: carry_to_risk_drop(u, j, x, window=1.5), "window must be"),
])
def test_bad_windows_are_refused(call, message):
    with pytest.raises(ConfigError, match=message):
        call(*random_rates(), random_usdjpy())


def test_bad_cftc_window_is_refused():
    with pytest.raises(ConfigError, match="window must be"):
        cftc_short_covering(*cftc([1, 2], [2, 1], [5, 5]), window=0)


# --- real history (bundled MOF, Treasury/FRED and CFTC data) -----------------------------

CFTC = ("cftc_jpy_noncomm_long", "cftc_jpy_noncomm_short", "cftc_jpy_open_interest")


@pytest.fixture(scope="module")
def macro(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        return signals.load_macro(series=["ust_2y", "jgb_2y", "usdjpy", *CFTC],
                                  store=tmp_path_factory.mktemp("store"))


def test_golden_march_2020_carry_compression(macro):
    out = carry_compression(macro["ust_2y"], macro["jgb_2y"])
    # the Fed cut 150 bp in March 2020: the 2Y differential fell by about a percentage point
    march = out["2020-03-09":"2020-03-25"]
    assert march.min() > 70
    assert march.min() > out["2010":"2019"].max()  # more than in any of the ten years before
    # H1 2022: the Fed priced hikes, the differential widened (carry more attractive)
    assert out["2022-02":"2022-06"].mean() < -20


def test_golden_march_2020_carry_to_risk(macro):
    out = carry_to_risk_drop(macro["ust_2y"], macro["jgb_2y"], macro["usdjpy"])
    march = out["2020-03-10":"2020-03-25"]
    assert march.min() > 0.2
    assert march.median() > out["2000":].quantile(0.95)


def test_golden_cftc(macro):
    legs = [macro[name] for name in CFTC]
    by_date = pd.DatetimeIndex(macro.frame(CFTC[0])["date"])
    covering = cftc_short_covering(*legs).set_axis(by_date)
    # summer 2007 unwind: net -126,773 of 303,595 on 17 Jul, -34,493 of 263,905 on 7 Aug
    expected = 100 * ((47110 - 81603) / 263905 - (50431 - 177204) / 303595)
    assert covering["2007-08-07"] == pytest.approx(expected, abs=1e-9)
    assert covering["2007-08-07"] > 25
    assert covering["2016-01-12"] > 20  # early-2016 yen rally
    crowded = cftc_crowded_short(*legs).set_axis(by_date)
    assert crowded["2007-06-26"] == pytest.approx(100 * (237488 - 49411) / 352299, abs=1e-9)
    assert crowded["2007-06-26"] > 50  # the pre-crisis carry-trade peak
    assert crowded["2016-09-27"] < -40  # speculators net long the yen: nothing to unwind
