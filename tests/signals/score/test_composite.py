import copy

import numpy as np
import pandas as pd
import pytest

import signals
from signals import ConfigError, DataContractError, Weights
from signals.score.composite import regime_of
from tests.signals.conftest import synthetic_close


def test_contributions_explain_every_score(full_macro):
    scores = signals.risk_off_score(full_macro, start="2015-01-01")
    parts = scores[list(signals.Weights.default())]
    explained = 50 + parts.sum(axis=1, min_count=1)
    valid = scores["score"].notna()
    np.testing.assert_allclose(scores.loc[valid, "score"], explained[valid], atol=1e-9)
    assert scores.loc[valid, "score"].between(0, 100).all()


def test_missing_components_drop_out_and_the_rest_are_reweighted(bundled_macro):
    scores = signals.risk_off_score(bundled_macro, start="2015-01-01")
    assert set(scores.attrs["missing"]) == {"nikkei_drawdown", "vix_jump", "audjpy_drop",
                                            "move_level"}
    assert scores[["vix_jump", "move_level"]].isna().all().all()
    coverage = scores["coverage"].dropna()
    assert coverage.max() == pytest.approx(0.82)  # 0.18 of the weight has no data offline
    valid = scores.loc[:"2023-12-31", "score"].notna()  # after, the readings fade out
    assert valid.mean() > 0.99


def test_below_the_minimum_coverage_the_score_is_nan(bundled_macro):
    scores = signals.risk_off_score(bundled_macro, start="2015-01-01", min_coverage=0.8)
    thin = scores["coverage"] < 0.8
    assert thin.any() and scores.loc[thin, "score"].isna().all()
    assert scores.loc[thin, list(Weights.default())].isna().all().all()
    assert scores.loc[~thin, "score"].notna().all()


def test_no_score_at_any_time_is_an_error_naming_what_is_missing(bundled_macro):
    # offline, 18% of the default weight (Yahoo's series) never has data
    with pytest.raises(DataContractError, match=r"no score at any time: at most 82% of the "
                       r"weight is ever fresh, below min_coverage=0.9\. Components with no "
                       r"data: move_level, nikkei_drawdown, vix_jump, audjpy_drop \(inputs not "
                       r"in the data: audjpy, move, nikkei, vix\)\. Load them with `riskoff "
                       r"data update`, or pass data_dir="):
        signals.risk_off_score(bundled_macro, min_coverage=0.9)
    no_jgb = {name: series for name, series in bundled_macro.items()
              if not name.startswith("jgb_")}
    with pytest.raises(DataContractError, match=r"Components with no data: jgb_10y_rise, "
                       r"jgb_superlong_jump, jgb_curve_steepening, boj_hike_pricing, .*inputs "
                       r"not in the data: .*jgb_10y, jgb_2y, jgb_30y"):
        signals.risk_off_score(no_jgb)


def test_the_expiry_times_are_a_tuple_of_timestamps_pandas_need_not_copy(bundled_macro):
    """pandas deep-copies attrs at every step: the expiry times copy as themselves."""
    scores = signals.risk_off_score(bundled_macro)
    expired = scores.attrs["expiry_only"]
    assert isinstance(expired, tuple) and len(expired) > 100
    assert all(isinstance(t, pd.Timestamp) and str(t.tz) == "UTC" for t in expired)
    assert copy.deepcopy(scores.attrs)["expiry_only"] is expired
    assert scores["score"].attrs["expiry_only"] is expired
    # attrs still compare as values, so frames of one score can be put together
    both = pd.concat([scores.iloc[:10], scores.iloc[10:20]])
    assert both.attrs["expiry_only"] == expired


def test_current_score_is_the_last_row_scored_when_data_arrived(bundled_macro):
    scores = signals.risk_off_score(bundled_macro)
    expired = set(scores.attrs["expiry_only"])
    # the JGB inputs (last available 2024-01-04 01:30) expire 10 days later
    assert pd.Timestamp("2024-01-14 01:30", tz="UTC") in expired
    now = signals.current_score(scores, at="2024-01-10")
    assert now.name == pd.Timestamp("2024-01-04 01:30", tz="UTC")
    assert now["score"] == scores.loc[now.name, "score"]
    assert now.attrs["age_days"] == pytest.approx(5 + 22.5 / 24, abs=1e-6)
    at_a_row = signals.current_score(scores, at="2022-12-21 01:30")
    assert at_a_row.name == pd.Timestamp("2022-12-21 01:30", tz="UTC")
    assert at_a_row.attrs["age_days"] == 0.0
    with pytest.raises(ConfigError, match="at: no score was available at or before 1950"):
        signals.current_score(scores, at="1950-01-01")


def test_a_component_whose_data_stop_fades_out_after_its_max_age(full_macro):
    macro = dict(full_macro)
    stop = pd.Timestamp("2019-06-28", tz="UTC")
    macro["vix"] = macro["vix"][macro["vix"].index <= stop]
    weights = Weights({"vix_jump": 1.0, "yen_rally": 1.0}, base=None)
    scores = signals.risk_off_score(macro, weights=weights, min_coverage=0.4)
    last_vix = macro["vix"].index[-1]
    expiry = last_vix + pd.Timedelta(days=10)
    assert expiry in scores.index  # a row marks the moment it goes stale
    held = scores.loc[scores.index < expiry, "vix_jump"].iloc[-1]
    assert scores.loc[expiry, "vix_jump"] == pytest.approx(held)  # not dropped at once
    assert scores.loc[expiry, "coverage"] == pytest.approx(0.5)
    halfway = expiry + pd.Timedelta(days=15)
    assert scores.loc[halfway, "vix_jump"] == pytest.approx(held * 0.5)  # 1 - 15/30
    gone = expiry + pd.Timedelta(days=30)
    assert np.isnan(scores.loc[gone, "vix_jump"])
    # the yen rally keeps its half share: 50 · 0.5 · z / 3 with z at most 3
    assert scores.loc[gone:, "yen_rally"].abs().max() <= 25 + 1e-9


def test_one_component_at_its_cap_moves_the_score_by_its_full_share():
    index = (pd.bdate_range("2010-01-01", periods=800) + pd.Timedelta(hours=22)).tz_localize(
        "UTC")
    rng = np.random.default_rng(0)
    calm = 140 * np.exp(np.cumsum(rng.normal(0, 0.003, 800)))
    calm[-1] = calm[-6] * 0.85  # a 15% yen rally in five days
    macro = {"usdjpy": pd.Series(calm, index=index)}
    weights = Weights({"yen_rally": 1.0}, base=None)
    scores = signals.risk_off_score(macro, method="mean", weights=weights,
                                    standardize_as={"yen_rally": "zscore"})  # 3 years of data
    reading = scores.loc[index[-1]]  # the last row is its expiry, 10 days later
    assert reading["score"] == pytest.approx(100.0)
    assert reading["regime"] == "unwind"
    assert np.isnan(scores["score"].iloc[-1])


def test_regimes_at_their_thresholds():
    watch, stress, unwind = (low for _, low in signals.REGIMES[1:])
    assert 50 < watch < stress < unwind < 100  # 50 is an ordinary day
    got = regime_of(pd.Series([0.0, watch - 0.01, watch, stress, unwind - 0.01, unwind, 100.0,
                               np.nan]))
    assert got.tolist()[:7] == ["calm", "calm", "watch", "stress", "stress", "unwind", "unwind"]
    assert pd.isna(got.iloc[7]) and got.cat.ordered


def test_each_method_has_its_own_levels():
    from signals.score.composite import METHODS, regimes

    for method in METHODS:
        levels = [low for _, low in regimes(method)]
        assert levels[0] == 0.0 and levels == sorted(levels)
    assert regimes() == signals.REGIMES
    wide = pd.Series([dict(regimes("pca"))["stress"]])
    assert regime_of(wide, "pca").iloc[0] == "stress"


def test_params_change_a_component_and_unknown_ones_are_clear(bundled_macro):
    base = signals.component_readings(bundled_macro, components=["yen_rally"])
    longer = signals.component_readings(bundled_macro, components=["yen_rally"],
                                        params={"yen_rally": {"window": 20}})
    assert not base["yen_rally"]["raw"].equals(longer["yen_rally"]["raw"])
    with pytest.raises(ConfigError, match="does not take"):
        signals.component_readings(bundled_macro, components=["yen_rally"],
                                   params={"yen_rally": {"windw": 20}})
    with pytest.raises(ConfigError, match="Did you mean 'yen_rally'"):
        signals.component_readings(bundled_macro, params={"yen_raly": {"window": 20}})


def test_bad_arguments_are_one_clear_error(bundled_macro):
    with pytest.raises(DataContractError, match="macro must be MacroData"):
        signals.risk_off_score([1, 2, 3])
    with pytest.raises(ConfigError, match="min_coverage"):
        signals.risk_off_score(bundled_macro, min_coverage=0)
    with pytest.raises(ConfigError, match="start='soon' is not a date"):
        signals.risk_off_score(bundled_macro, start="soon")


def test_too_short_a_history_says_so():
    short = {"usdjpy": synthetic_close("2023-01-02", 30, 140.0, 0.005, 5, 22)}
    with pytest.raises(DataContractError, match="no component has enough history"):
        signals.risk_off_score(short, weights=Weights({"yen_rally": 1.0}, base=None))


def test_calling_with_no_data_loads_the_macro_data():
    with pytest.warns(signals.BundledDataWarning):
        scores = signals.risk_off_score(start="2023-01-01")
    assert scores.index[0] >= pd.Timestamp("2023-01-01", tz="UTC")
    assert scores["score"].notna().any()


# --- weights ---------------------------------------------------------------------------------


def test_default_weights_are_documented_and_sum_to_one():
    weights = Weights.default()
    assert sum(weights.values()) == pytest.approx(1.0)
    weighted = {name for name, c in signals.components().items() if c.weight > 0}
    assert set(weights) == weighted
    assert {c.family for name, c in signals.components().items() if name not in weighted} \
        == {"repatriation"}  # weighs 0 until the research protocol decides


def test_weights_override_defaults_and_zero_drops_a_component():
    weights = Weights({"yen_rally": 0.3, "move_level": 0})
    assert weights["yen_rally"] == 0.3 and "move_level" not in weights
    assert weights["jgb_10y_rise"] == Weights.default()["jgb_10y_rise"]
    assert weights.replace(yen_rally=0.1)["yen_rally"] == 0.1
    assert sum(weights.normalized().values()) == pytest.approx(1.0)
    with pytest.raises(TypeError):
        weights["yen_rally"] = 1.0  # immutable


@pytest.mark.parametrize(("values", "message"), [
    ({"yen_raly": 0.1}, "unknown component 'yen_raly' in weights. Did you mean 'yen_rally'"),
    ({"yen_rally": -0.1}, "must be a number >= 0"),
    ({"yen_rally": float("nan")}, "must be a number >= 0"),
    ({"yen_rally": "high"}, "must be a number >= 0"),
])
def test_bad_weights_are_refused_with_the_fix(values, message):
    with pytest.raises(ConfigError, match=message):
        Weights(values)


def test_all_zero_weights_are_refused():
    with pytest.raises(ConfigError, match="at least one weight must be positive"):
        Weights({"yen_rally": 0}, base=None)


def test_weights_from_toml(tmp_path):
    path = tmp_path / "weights.toml"
    path.write_text('[weights]\nyen_rally = 0.5\nvix_jump = 0\n')
    weights = Weights.from_toml(path)
    assert weights["yen_rally"] == 0.5 and "vix_jump" not in weights
    path.write_text('base = "none"\n[weights]\nyen_rally = 1\n')
    assert dict(Weights.from_toml(path)) == {"yen_rally": 1.0}
    path.write_text("[weights\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Weights.from_toml(path)
    path.write_text("yen_rally = 1\n")
    with pytest.raises(ConfigError, match=r"no \[weights\] table"):
        Weights.from_toml(path)
    with pytest.raises(ConfigError, match="does not exist"):
        Weights.from_toml(tmp_path / "nope.toml")


@pytest.mark.parametrize(("breakage", "message"), [
    (lambda s: s.tz_localize(None), "usdjpy index must be tz-aware UTC; got tz=None"),
    (lambda s: s.tz_convert("Asia/Tokyo"), "usdjpy index must be UTC"),
    (lambda s: s.iloc[::-1], r"usdjpy index is not sorted. Use series.sort_index\(\)"),
    (lambda s: pd.concat([s, s.iloc[-1:]]), "usdjpy has duplicated times"),
    (lambda s: s * 100, "usdjpy has values outside 50..400 JPY per USD"),
    (lambda s: s * np.nan, "usdjpy is all NaN"),
])
def test_bad_macro_inputs_name_the_argument_and_the_fix(bundled_macro, breakage, message):
    macro = dict(bundled_macro.items())
    macro["usdjpy"] = breakage(macro["usdjpy"])
    with pytest.raises(DataContractError, match=message):
        signals.risk_off_score(macro)
