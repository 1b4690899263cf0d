import math

import numpy as np
import pandas as pd
import pytest

import signals
from signals import ConfigError, DataContractError
from signals.families.treasuries import move_level, ust_realized_vol, ust_yield_spike
from tests.signals import macro_series as series

bundled = pytest.mark.filterwarnings("ignore::signals.data.macro.BundledDataWarning")


def walk(n=300, seed=0, level=4.0):
    rng = np.random.default_rng(seed)
    return series(level + np.cumsum(rng.normal(0.0, 0.06, n)))


def test_yield_spike_reads_a_25bp_day_as_25bp():
    out = ust_yield_spike(series([4.00] * 6 + [4.25] * 6), window=5)
    assert out.name == "ust_yield_spike" and out.dtype == "float64"
    assert out.iloc[:5].isna().all()
    assert out.iloc[5:].tolist() == pytest.approx([0.0] + [25.0] * 5 + [0.0])


def test_yield_spike_with_the_30y_is_the_mean_of_the_two_changes():
    ten = series([4.0, 4.2, 4.1])
    thirty = series([4.5, 4.8, 4.8])
    out = ust_yield_spike(ten, thirty, window=1)
    assert out.iloc[1:].tolist() == pytest.approx([25.0, -5.0])  # (20+30)/2, (-10+0)/2


def test_yield_spike_uses_the_10y_alone_where_the_30y_change_is_unknown():
    ten = walk(n=40, seed=1)
    thirty = ten.iloc[20:] + 0.3
    out = ust_yield_spike(ten, thirty, window=5)
    alone = ust_yield_spike(ten, window=5)
    assert out.index.equals(ten.index)
    # the 30Y moved exactly like the 10Y, so the mean is the 10Y change everywhere
    pd.testing.assert_series_equal(out, alone, atol=1e-9)
    pd.testing.assert_series_equal(ust_yield_spike(ten, thirty.iloc[:0], window=5), alone)
    pd.testing.assert_series_equal(
        alone, ((ten - ten.shift(5)) * 100).rename("ust_yield_spike"))


def test_yield_spike_ignores_a_constant_added_to_the_levels():
    ten, thirty = walk(seed=2), walk(seed=3, level=4.5)
    pd.testing.assert_series_equal(ust_yield_spike(ten + 1.0, thirty - 0.5),
                                   ust_yield_spike(ten, thirty), atol=1e-9)


def test_realized_vol_of_alternating_1bp_moves_by_hand():
    out = ust_realized_vol(series([4.00, 4.01] * 5), window=2)
    assert out.name == "ust_realized_vol" and out.dtype == "float64"
    assert out.iloc[:2].isna().all()
    # changes +1, -1 bp: sample std sqrt(2) bp a day, times sqrt(252)
    assert out.iloc[2:].tolist() == pytest.approx([math.sqrt(2 * 252)] * 8)


def test_realized_vol_invariants():
    path = walk(seed=4)
    out = ust_realized_vol(path)
    assert out.index.equals(path.index)
    assert out.iloc[:20].isna().all() and out.iloc[20:].notna().all() and (out.dropna() >= 0).all()
    pd.testing.assert_series_equal(ust_realized_vol(path + 2.0), out, atol=1e-9)
    doubled = ust_realized_vol(2 * path - path.iloc[0])  # twice the daily moves
    pd.testing.assert_series_equal(doubled, 2 * out, atol=1e-9)
    trend = series(np.linspace(3.0, 4.0, 60))  # the same move every day: no volatility
    assert ust_realized_vol(trend).dropna().abs().max() < 1e-6


def test_realized_vol_needs_at_least_two_changes_in_its_window():
    with pytest.raises(ConfigError, match=">= 2; got 1"):
        ust_realized_vol(walk(), window=1)


def test_move_level_is_the_index_as_float64():
    move = pd.Series([98, 105, 180], name="move",
                     index=pd.date_range("2024-01-01", periods=3, tz="UTC"))
    out = move_level(move)
    assert out.name == "move_level" and out.dtype == "float64"
    assert out.index.equals(move.index)
    assert out.tolist() == [98.0, 105.0, 180.0]
    assert move_level(move.iloc[:1]).tolist() == [98.0]  # no warm-up
    assert move.dtype == "int64" and move.name == "move"  # input untouched


def test_inputs_are_not_mutated():
    ten, thirty, move = walk(seed=5), walk(seed=6, level=4.5), walk(seed=7, level=100.0)
    copies = [s.copy() for s in (ten, thirty, move)]
    ust_yield_spike(ten, thirty)
    ust_realized_vol(ten)
    move_level(move)
    for before, after in zip(copies, (ten, thirty, move), strict=True):
        pd.testing.assert_series_equal(before, after)


def test_tz_naive_index_is_refused():
    with pytest.raises(DataContractError, match="ust_10y index must be tz-aware UTC"):
        ust_realized_vol(walk().tz_localize(None))
    with pytest.raises(DataContractError, match="move index must be tz-aware UTC"):
        move_level(walk(level=100.0).tz_localize(None))


def test_unsorted_index_is_refused():
    with pytest.raises(DataContractError, match="ust_30y index is not sorted"):
        ust_yield_spike(walk(), walk().iloc[::-1])


def test_wrong_units_are_refused():
    with pytest.raises(DataContractError, match=r"ust_10y has values outside -5\.\.30 %"):
        ust_yield_spike(walk() * 100)  # basis points
    with pytest.raises(DataContractError, match=r"move has values outside 10\.\.500 index"):
        move_level(walk(level=1.0))  # a fraction, not index points


def test_too_short_a_history_is_refused():
    with pytest.raises(DataContractError, match=r"ust_10y has 20 value.*at least 21"):
        ust_realized_vol(walk(n=20))
    with pytest.raises(DataContractError, match=r"ust_10y has 5 value.*at least 6"):
        ust_yield_spike(walk(n=5))


@pytest.mark.parametrize("func", [ust_yield_spike, ust_realized_vol])
@pytest.mark.parametrize("window", [0, -3, 1.5, False])
def test_a_bad_window_is_a_config_error(func, window):
    with pytest.raises(ConfigError, match="window must be a whole number"):
        func(walk(), window=window)


def test_no_lookahead_on_synthetic_data():
    data = {"ust_10y": walk(seed=8), "ust_30y": walk(seed=9, level=4.5).iloc[50:]}
    for func in (lambda d: ust_yield_spike(d["ust_10y"], d["ust_30y"]),
                 lambda d: ust_realized_vol(d["ust_10y"])):
        assert signals.check_lookahead(func, data, cutoffs=30).ok


# Golden checks on the bundled history (Treasury/FRED yields, available the next evening).

@pytest.fixture(scope="module")
def macro(tmp_path_factory):
    return signals.load_macro(store=tmp_path_factory.mktemp("store"))


@bundled
def test_march_2020_dash_for_cash_sent_long_yields_up(macro):
    spike = ust_yield_spike(macro["ust_10y"], macro["ust_30y"])
    # 18 Mar 2020 vs 11 Mar: 10Y 0.82 -> 1.18 (+36 bp), 30Y 1.30 -> 1.77 (+47 bp)
    assert spike[pd.Timestamp("2020-03-19 20:30", tz="UTC")] == pytest.approx(41.5)
    assert (spike["2020-03-17":"2020-03-21"] > 25.0).all()


@bundled
def test_march_2020_treasury_volatility_was_far_above_2019(macro):
    vol = ust_realized_vol(macro["ust_10y"])
    calm = vol["2019-01-01":"2019-12-31"].median()
    assert 40.0 < calm < 100.0  # a normal year: tens of bp a year
    assert vol["2020-03-01":"2020-04-15"].max() > 3 * calm


@bundled
def test_no_lookahead_on_the_bundled_history(macro):
    report = signals.check_lookahead(
        lambda d: ust_yield_spike(d["ust_10y"], d.get("ust_30y")),
        {"ust_10y": macro["ust_10y"], "ust_30y": macro["ust_30y"]}, cutoffs=10)
    assert report.ok, report
