import numpy as np
import pandas as pd
import pytest

import signals
from signals import ConfigError, DataContractError
from signals.families.jgb import (
    boj_hike_pricing,
    jgb_10y_rise,
    jgb_curve_steepening,
    jgb_superlong_jump,
)
from tests.signals import macro_series as yields

bundled = pytest.mark.filterwarnings("ignore::signals.data.macro.BundledDataWarning")


def walk(n=300, seed=0, level=1.0):
    rng = np.random.default_rng(seed)
    return yields(level + np.cumsum(rng.normal(0.0, 0.03, n)))


SINGLE = [(jgb_10y_rise, 20), (boj_hike_pricing, 20)]


@pytest.mark.parametrize("func", [jgb_10y_rise, boj_hike_pricing])
def test_a_25bp_jump_in_a_day_reads_25bp_for_window_days(func):
    path = yields([0.25] * 5 + [0.50] * 5)
    out = func(path, window=3)
    assert out.iloc[5:8].tolist() == pytest.approx([25.0, 25.0, 25.0])
    assert out.iloc[3:5].tolist() == pytest.approx([0.0, 0.0])
    assert out.iloc[8:].tolist() == pytest.approx([0.0, 0.0])


@pytest.mark.parametrize(("func", "window"), SINGLE)
def test_output_contract_name_dtype_index_and_warm_up(func, window):
    path = walk()
    out = func(path)
    assert out.name == func.__name__ and out.dtype == "float64"
    assert out.index.equals(path.index)
    assert out.iloc[:window].isna().all() and out.iloc[window:].notna().all()
    expected = (path - path.shift(window)) * 100
    pd.testing.assert_series_equal(out, expected.rename(func.__name__))


@pytest.mark.parametrize("func", [jgb_10y_rise, boj_hike_pricing])
def test_falling_yields_read_negative_and_a_constant_level_does_not_matter(func):
    path = yields(np.linspace(1.0, 0.5, 30))
    out = func(path, window=10)
    assert (out.dropna() < 0).all()
    pd.testing.assert_series_equal(func(path + 2.0, window=10), out)


def test_missing_values_are_skipped_and_give_nan_at_their_row():
    path = yields([0.1, 0.2, np.nan, 0.4, 0.5])
    out = jgb_10y_rise(path, window=2)
    assert np.isnan(out.iloc[2])
    assert out.iloc[3] == pytest.approx(30.0)  # 0.4 vs 0.1, two observations back
    assert out.iloc[4] == pytest.approx(30.0)  # 0.5 vs 0.2
    assert out.isna().sum() == 3


def test_inputs_are_not_mutated():
    ten, thirty, forty = walk(seed=1), walk(seed=2, level=1.5), walk(seed=3, level=1.7)
    copies = [s.copy() for s in (ten, thirty, forty)]
    jgb_10y_rise(ten)
    boj_hike_pricing(ten)
    jgb_superlong_jump(thirty, forty)
    jgb_curve_steepening(ten, thirty)
    for before, after in zip(copies, (ten, thirty, forty), strict=True):
        pd.testing.assert_series_equal(before, after)


def test_superlong_jump_takes_the_larger_of_the_30y_and_40y_changes():
    thirty = yields([1.0, 1.0, 1.10, 1.10, 1.05])
    forty = yields([1.2, 1.2, 1.25, 1.40, 1.40])
    out = jgb_superlong_jump(thirty, forty, window=1)
    assert out.name == "jgb_superlong_jump" and out.dtype == "float64"
    assert np.isnan(out.iloc[0])
    assert out.iloc[1:].tolist() == pytest.approx([0.0, 10.0, 15.0, 0.0])


def test_superlong_jump_without_40y_is_the_30y_change():
    thirty = walk(seed=4, level=1.5)
    alone = jgb_superlong_jump(thirty)
    pd.testing.assert_series_equal(alone, jgb_superlong_jump(thirty, thirty.iloc[:0]))
    pd.testing.assert_series_equal(
        alone, ((thirty - thirty.shift(5)) * 100).rename("jgb_superlong_jump"))
    assert alone.iloc[:5].isna().all() and alone.iloc[5:].notna().all()


def test_superlong_jump_uses_the_30y_alone_before_the_40y_exists():
    thirty = walk(n=40, seed=5, level=1.5)
    forty = (thirty.iloc[20:] + 0.2).copy()
    forty.iloc[-1] += 0.5  # a 40Y-only jump on the last day
    out = jgb_superlong_jump(thirty, forty, window=5)
    alone = jgb_superlong_jump(thirty, window=5)
    pd.testing.assert_series_equal(out.iloc[:-1], alone.iloc[:-1])
    assert out.iloc[-1] == pytest.approx(alone.iloc[-1] + 50.0)


def test_superlong_jump_puts_different_calendars_on_their_union():
    thirty = yields([1.0, 1.1, 1.2, 1.3])
    forty = pd.Series([1.5, 1.9], index=thirty.index[[0, 2]] + pd.Timedelta(hours=1))
    out = jgb_superlong_jump(thirty, forty, window=1)
    assert out.index.equals(thirty.index.union(forty.index))
    # rows: 30Y 1.0, 40Y 1.5, 30Y 1.1, 30Y 1.2, 40Y 1.9, 30Y 1.3 (each as known then)
    assert out.iloc[1:].tolist() == pytest.approx([0.0, 10.0, 10.0, 40.0, 10.0])


def test_curve_steepening_hand_value_and_sign():
    ten = yields([0.50, 0.54, 0.54])
    thirty = yields([1.50, 1.60, 1.55])
    out = jgb_curve_steepening(ten, thirty, window=1)
    assert out.name == "jgb_curve_steepening" and out.dtype == "float64"
    assert out.iloc[1:].tolist() == pytest.approx([6.0, -5.0])  # steepen 6 bp, flatten 5 bp


def test_curve_steepening_ignores_a_constant_and_a_parallel_shift_of_both_legs():
    ten, thirty = walk(seed=6, level=0.5), walk(seed=7, level=1.5)
    out = jgb_curve_steepening(ten, thirty)
    pd.testing.assert_series_equal(jgb_curve_steepening(ten + 0.7, thirty + 0.7), out)
    drift = pd.Series(np.linspace(0.0, 2.0, len(ten)), index=ten.index)
    pd.testing.assert_series_equal(jgb_curve_steepening(ten + drift, thirty + drift), out,
                                   atol=1e-9)
    assert out.iloc[:20].isna().all() and out.iloc[20:].notna().all()


def test_curve_steepening_is_nan_until_both_legs_have_a_value():
    ten = yields(np.full(10, 0.5))
    thirty = yields(np.full(6, 1.5), start=ten.index[4])
    out = jgb_curve_steepening(ten, thirty, window=2)
    assert out.index.equals(ten.index)
    assert out.iloc[:6].isna().all()  # 30Y from row 4, then a 2-row warm-up
    assert out.iloc[6:].tolist() == pytest.approx([0.0] * 4)


@pytest.mark.parametrize("func", [jgb_10y_rise, boj_hike_pricing, jgb_superlong_jump])
@pytest.mark.parametrize("window", [0, -1, 2.5, True, "5"])
def test_a_bad_window_is_a_config_error(func, window):
    with pytest.raises(ConfigError, match="window must be a whole number"):
        func(walk(), window=window)


def test_numpy_integer_windows_are_accepted():
    path = walk()
    pd.testing.assert_series_equal(jgb_10y_rise(path, window=np.int64(5)),
                                   jgb_10y_rise(path, window=5))


def test_tz_naive_index_is_refused():
    with pytest.raises(DataContractError, match="jgb_10y index must be tz-aware UTC"):
        jgb_10y_rise(walk().tz_localize(None))


def test_unsorted_index_is_refused():
    with pytest.raises(DataContractError, match="jgb_30y index is not sorted"):
        jgb_curve_steepening(walk(), walk().iloc[::-1])


def test_basis_points_instead_of_percent_are_refused():
    with pytest.raises(DataContractError, match=r"jgb_2y has values outside -5\.\.30 %"):
        boj_hike_pricing(walk() * 100 + 50)
    with pytest.raises(DataContractError, match="jgb_40y has values outside"):
        jgb_superlong_jump(walk(), walk() * 100 + 50)


def test_too_short_a_history_is_refused():
    with pytest.raises(DataContractError, match=r"jgb_10y has 20 value.*at least 21"):
        jgb_10y_rise(walk(n=20))
    with pytest.raises(DataContractError, match=r"jgb_30y has 5 value.*at least 6"):
        jgb_superlong_jump(walk(n=5))


def test_no_lookahead_on_synthetic_data():
    data = {"jgb_10y": walk(seed=8, level=0.5), "jgb_30y": walk(seed=9, level=1.5),
            "jgb_40y": walk(seed=10, level=1.7).iloc[100:]}
    funcs = [lambda d: jgb_10y_rise(d["jgb_10y"]),
             lambda d: boj_hike_pricing(d["jgb_10y"]),
             lambda d: jgb_superlong_jump(d["jgb_30y"], d["jgb_40y"]),
             lambda d: jgb_curve_steepening(d["jgb_10y"], d["jgb_30y"])]
    for func in funcs:
        assert signals.check_lookahead(func, data, cutoffs=30).ok


# Golden checks on the bundled history (MOF yields, available the next Tokyo business day at
# 01:30 UTC).

@pytest.fixture(scope="module")
def macro(tmp_path_factory):
    return signals.load_macro(store=tmp_path_factory.mktemp("store"))


DEC_20_2022 = pd.Timestamp("2022-12-21 01:30", tz="UTC")  # the BoJ widened the 10Y band


@bundled
def test_dec_2022_boj_band_widening_lifts_the_10y_15bp_in_a_day(macro):
    # 0.282% on 19 Dec -> 0.432% on 20 Dec
    assert jgb_10y_rise(macro["jgb_10y"], window=1)[DEC_20_2022] == pytest.approx(15.0)
    rise = jgb_10y_rise(macro["jgb_10y"])
    assert rise[DEC_20_2022] == pytest.approx(43.2 - 26.3)  # vs 21 Nov, 20 days back
    before = rise["2022-11-20":"2022-12-20"]
    assert before.abs().max() < 5.0  # the 10Y was pinned under the band before the move


@bundled
def test_dec_2022_super_long_yields_jump_too(macro):
    # 30Y 1.403 -> 1.553 and 40Y 1.537 -> 1.683 from 13 to 20 Dec: the 30Y rose more
    jump = jgb_superlong_jump(macro["jgb_30y"], macro["jgb_40y"])
    assert jump[DEC_20_2022] == pytest.approx(15.0)
    alone = jgb_superlong_jump(macro["jgb_30y"])
    assert jump.index.equals(macro["jgb_30y"].index)
    assert (jump.dropna() >= alone.dropna() - 1e-9).all()
    assert (jump > alone + 1e-9).any()  # the 40Y sometimes rose more
    assert jump[:"2007-11-13"].equals(alone[:"2007-11-13"])  # no 40Y change yet


@bundled
def test_dec_2022_the_move_was_led_by_the_10y_so_the_10s30s_curve_flattened(macro):
    steep = jgb_curve_steepening(macro["jgb_10y"], macro["jgb_30y"], window=1)
    assert steep[DEC_20_2022] == pytest.approx((155.3 - 151.0) - (43.2 - 28.2))


@bundled
def test_early_2016_negative_rates_pushed_jgb_yields_down(macro):
    rise = jgb_10y_rise(macro["jgb_10y"])["2016-02-02":"2016-02-20"]
    hikes = boj_hike_pricing(macro["jgb_2y"])["2016-02-02":"2016-02-20"]
    assert (rise < -10.0).all() and (hikes < -10.0).all()  # risk-on by these measures


@bundled
def test_no_lookahead_on_the_bundled_history(macro):
    report = signals.check_lookahead(
        lambda d: jgb_superlong_jump(d["jgb_30y"], d.get("jgb_40y")),
        {"jgb_30y": macro["jgb_30y"], "jgb_40y": macro["jgb_40y"]}, cutoffs=10)
    assert report.ok, report
