"""What-if: shock parsing, the shock -> reading mapping, the composite's maths, analogs.

The analog tests run on a synthetic history with known answers: four planted episodes in
which USD/JPY falls 8 % in a day and the 10Y Treasury yield jumps 60 bp, each followed by a
20 % fall of the price; the shocked reading looks like them, so they must come first.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import backtests
import signals
from backtests.research.shocks import (
    RECORD_WINDOW,
    SHOCK_TARGETS,
    SHOCK_UNITS,
    Reading,
    Shocks,
    WhatIfWarning,
    resolve_records,
    shocked_reading,
)
from backtests.research.whatif import Analogs, find_analogs
from signals.errors import ConfigError, DataContractError
from signals.score.standardize import standardize

START = pd.Timestamp("2012-01-02", tz="UTC")
N_DAYS = 1500
EPISODES = (400, 700, 1000, 1300)  # day numbers of the planted shocks
WEIGHTS = signals.Weights({"yen_rally": 0.4, "usdjpy_drawdown": 0.2, "ust_yield_spike": 0.4},
                          base=None)
SHOCK = Shocks(usdjpy=-8, ust10y=60)


def day(n: float) -> pd.Timestamp:
    return START + pd.Timedelta(days=n)


def _decay(days: np.ndarray, start: int, length: int = 60) -> np.ndarray:
    after = days - start
    return np.where((after >= 0) & (after < length), 1.0 - after / length, 0.0)


@pytest.fixture(scope="module")
def synthetic_macro() -> dict[str, pd.Series]:
    """USD/JPY and the 10Y yield, one value a day at 21:00 UTC, noise plus the episodes."""
    rng = np.random.default_rng(20240805)
    days = np.arange(N_DAYS)
    log_fx = rng.normal(0.0, 0.003, N_DAYS)
    ust = 3.0 + rng.normal(0.0, 0.03, N_DAYS)
    for start in EPISODES:
        log_fx += math.log(0.92) * _decay(days, start)   # -8 % in a day, back in 60 days
        ust += 0.60 * _decay(days, start)                # +60 bp in a day, back in 60 days
    index = pd.DatetimeIndex([day(n) + pd.Timedelta(hours=21) for n in days])
    return {"usdjpy": pd.Series(110.0 * np.exp(log_fx), index=index, name="usdjpy"),
            "ust_10y": pd.Series(ust, index=index, name="ust_10y")}


def _price_path(days: np.ndarray, wiggle: float = 0.01, period: float = 17.0) -> np.ndarray:
    """Flat with a small wiggle; after each episode: flat 5 days, -20 % over 20, back later."""
    factor = np.ones(len(days))
    for start in EPISODES:
        after = days - start
        fall = np.clip((after - 5) / 20.0, 0.0, 1.0)
        rise = np.clip((after - 60) / 20.0, 0.0, 1.0)
        factor *= 1.0 - 0.2 * fall + 0.2 * rise
    return 100.0 * (1.0 + wiggle * np.sin(2 * np.pi * days / period)) * factor


def candles(first: int = 0, scale: float = 1.0, symbol: str = "BTC/USDT",
            period: float = 17.0) -> pd.DataFrame:
    days = np.arange(first, N_DAYS)
    close = scale * _price_path(days, period=period)
    index = pd.DatetimeIndex([day(n) for n in days], name="open_time")
    frame = pd.DataFrame({"open": close, "high": close, "low": close, "close": close,
                          "volume": 1.0}, index=index)
    frame.attrs["symbol"] = symbol
    return frame


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return candles()


def _episode_of(date: pd.Timestamp) -> int | None:
    """The planted episode whose first five days contain `date`, else None."""
    n = (date - START) / pd.Timedelta(days=1)
    for start in EPISODES:
        if start <= n <= start + 4:
            return start
    return None


# ---------------------------------------------------------------------------- parsing
def test_parse_reads_units_and_plain_numbers():
    shocks = Shocks.parse(["usdjpy=-8%", "ust10y=+60bp", "japan_holdings=-3",
                           "JGB-30Y = 25 bps", "vix=+50pct"])
    assert shocks == Shocks(usdjpy=-8.0, ust10y=60.0, japan_holdings=-3.0, jgb30y=25.0,
                            vix=50.0)
    assert Shocks.parse("usdjpy=-8%, jgb_2y=+10bp") == Shocks(usdjpy=-8, jgb2y=10)
    assert Shocks.parse([]) == Shocks()
    assert shocks.describe() == ("usdjpy -8%, ust10y +60bp, jgb30y +25bp, japan_holdings -3%, "
                                 "vix +50%")
    assert Shocks().describe() == "no shock"


@pytest.mark.parametrize(("item", "match"), [
    ("usdjpy", r"'usdjpy' is not name=value; write e\.g\. usdjpy=-8%"),
    ("=5", "is not name=value"),
    ("yen=-8%", r"shock 'yen=-8%': unknown market 'yen'.*Known: usdjpy \(%\)"),
    ("ust10=+60bp", "Did you mean 'ust10y'"),
    ("usdjpy=abc", r"'abc' is not a number; usdjpy is a percent change, write e\.g\. "
                   r"usdjpy=-8%"),
    ("usdjpy=-8bp", r"'usdjpy=-8bp': usdjpy is a percent change \(%\), not bp; write e\.g\. "
                    r"usdjpy=-8%"),
    ("ust10y=0.6%", r"ust10y is a change in basis points \(bp\), not %; write e\.g\. "
                    r"ust10y=\+60bp"),
    ("usdjpy=-100%", r"usdjpy=-100%: a price or holding cannot fall 100% or more"),
])
def test_parse_errors_name_the_item_and_the_unit(item, match):
    with pytest.raises(ConfigError, match=match):
        Shocks.parse([item])


def test_parse_refuses_a_market_given_twice():
    with pytest.raises(ConfigError, match="usdjpy is given twice"):
        Shocks.parse(["usdjpy=-8%", "USDJPY=-2"])


@pytest.mark.parametrize("value", [True, "8", float("nan"), float("inf")])
def test_shocks_refuse_non_numbers(value):
    with pytest.raises(ConfigError, match=r"shock vix must be a finite number \(a percent"):
        Shocks(vix=value)


def test_every_shock_has_a_unit_and_targets():
    assert set(SHOCK_UNITS) == set(SHOCK_TARGETS) == set(Shocks().__dataclass_fields__)
    known = set(signals.components())
    assert all(set(targets) <= known for targets in SHOCK_TARGETS.values())


# ---------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def real_macro(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        return signals.load_macro(store=tmp_path_factory.mktemp("whatif-macro"))


@pytest.fixture(scope="module")
def real_scores(real_macro):
    return signals.risk_off_score(real_macro)


def test_unshocked_reading_is_the_composite_score(real_macro, real_scores):
    reading = shocked_reading(real_macro, Shocks())
    expected = real_scores.loc[reading.as_of]
    assert reading.base_score == pytest.approx(expected["score"], abs=1e-6)
    assert reading.shocked_score == pytest.approx(expected["score"], abs=1e-6)
    assert reading.base_regime == reading.regime == expected["regime"]
    table = reading.table
    counted = table["status"] == "counts"
    assert reading.coverage == pytest.approx(expected["coverage"])
    np.testing.assert_allclose(table.loc[counted, "contribution_now"],
                               expected[table.index[counted]].astype(float), atol=1e-9)
    assert (table.loc[~counted, "contribution_now"].isna()).all()
    assert 50 + table["contribution_now"].sum() == pytest.approx(reading.base_score)
    # the default "now" is the current reading: the last row scored when data arrived
    assert reading.as_of == signals.current_score(real_scores).name


@pytest.mark.parametrize("as_of", ["2016-02-16", "2020-03-18 12:00", "2022-12-21 01:00"])
def test_unshocked_reading_matches_the_composite_at_any_time(real_macro, real_scores, as_of):
    reading = shocked_reading(real_macro, None, as_of=as_of)
    expected = real_scores.loc[:pd.Timestamp(as_of, tz="UTC"), "score"].iloc[-1]
    assert reading.base_score == pytest.approx(expected, abs=1e-6)
    assert reading.as_of == pd.Timestamp(as_of, tz="UTC")


def test_shock_mapping_follows_the_documented_table(real_macro):
    shocks = Shocks(usdjpy=-8, ust10y=60, ust2y=10, jgb2y=30, jgb10y=20, jgb30y=50,
                    japan_holdings=-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", WhatIfWarning)  # every shock moves something
        reading = shocked_reading(real_macro, shocks, as_of="2022-12-28")
    t = reading.table
    raw = t["raw_shocked"]
    assert raw["yen_rally"] == pytest.approx(-100 * math.log(0.92))
    drawdown = t.at["usdjpy_drawdown", "raw_now"]
    assert raw["usdjpy_drawdown"] == pytest.approx(100 * (1 - (1 - drawdown / 100) * 0.92))
    assert raw["ust_yield_spike"] == 60
    assert raw["carry_compression"] == pytest.approx(-(10 - 30))
    assert raw["boj_hike_pricing"] == 30
    assert raw["jgb_10y_rise"] == 20
    assert raw["jgb_superlong_jump"] == 50
    assert raw["jgb_curve_steepening"] == pytest.approx(50 - 20)
    assert raw["japan_treasury_selling"] == 3
    assert t.at["carry_compression", "shocked_by"] == "ust2y, jgb2y"
    assert t.at["jgb_curve_steepening", "shocked_by"] == "jgb10y, jgb30y"
    # untouched components keep their readings exactly
    kept = ["yen_vol_ratio", "carry_to_risk_drop", "ust_realized_vol", "cftc_short_covering",
            "cftc_crowded_short"]
    assert (t.loc[kept, "raw_shocked"] == t.loc[kept, "raw_now"]).all()
    assert (t.loc[kept, "z_shocked"] == t.loc[kept, "z_now"]).all()
    assert (t.loc[kept, "shocked_by"] == "").all()
    assert 50 + t["contribution_shocked"].sum() == pytest.approx(reading.shocked_score)


def test_a_missing_leg_counts_as_unchanged(real_macro):
    reading = shocked_reading(real_macro, {"jgb10y": 20}, as_of="2022-12-28")
    t = reading.table
    assert t.at["jgb_curve_steepening", "raw_shocked"] == -20  # the curve flattens
    assert t.at["jgb_superlong_jump", "raw_shocked"] == t.at["jgb_superlong_jump", "raw_now"]


def test_shocked_z_is_the_standardised_reading_with_the_shocked_value(real_macro):
    reading = shocked_reading(real_macro, ["ust10y=+60bp"], as_of="2022-12-28")
    component = signals.components()["ust_yield_spike"]
    raw = signals.component_readings(real_macro, components=["ust_yield_spike"])[
        "ust_yield_spike"]["raw"]
    at = reading.table.at["ust_yield_spike", "reading_at"]
    history = raw.loc[:at].dropna().copy()
    history.iloc[-1] = 60.0
    expected = standardize(history, component.standardize, component.frequency).iloc[-1]
    assert reading.table.at["ust_yield_spike", "z_shocked"] == pytest.approx(expected, abs=1e-9)


def test_a_bigger_yen_shock_never_lowers_the_score(real_macro):
    scores = [shocked_reading(real_macro, Shocks(usdjpy=move), as_of="2023-06-30").shocked_score
              for move in (10, 5, 0, -2, -4, -8, -12, -20, -30, -50)]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(scores))
    assert scores[-1] > scores[0]


def test_a_shock_with_nothing_to_move_is_ignored_with_a_warning(real_macro):
    with pytest.warns(WhatIfWarning, match=r"shock vix \+50% is ignored: it moves vix_jump "
                                           r"\(no data\)"):
        reading = shocked_reading(real_macro, ["vix=+50%"], as_of="2022-12-28")
    assert reading.ignored == ("vix +50%",)
    assert reading.shocked_score == pytest.approx(reading.base_score)
    assert reading.table.at["vix_jump", "status"] == "no data"


def test_the_reading_uses_nothing_after_as_of(real_macro):
    as_of = pd.Timestamp("2022-12-20 12:00", tz="UTC")
    cut = {name: series[series.index <= as_of] for name, series in real_macro.items()}
    full = shocked_reading(real_macro, SHOCK, as_of=as_of)
    past = shocked_reading(cut, SHOCK, as_of=as_of)
    pd.testing.assert_frame_equal(full.table, past.table, rtol=1e-12)
    assert full.shocked_score == pytest.approx(past.shocked_score, rel=1e-12)


def test_as_of_without_a_score_is_refused(real_macro):
    with pytest.raises(DataContractError, match=r"as_of=1972.*of the weight has a fresh "
                                                r"reading.*pick a later as_of"):
        shocked_reading(real_macro, SHOCK, as_of="1972-01-01")
    with pytest.raises(ConfigError, match="as_of='soon' is not a date"):
        shocked_reading(real_macro, SHOCK, as_of="soon")


def test_the_issue_example_on_real_data(real_macro, tmp_path):
    btc = backtests.load_prices("BTC/USDT", store=tmp_path)
    shocks = Shocks.parse(["usdjpy=-8%", "ust10y=+60bp", "japan_holdings=-3%"])
    analogs = find_analogs(real_macro, shocks, btc)
    reading = analogs.reading
    assert reading.shocked_score > reading.base_score
    assert reading.ignored == ()
    assert analogs.symbols == ("BTC/USDT",)
    assert len(analogs.table) == 20
    assert np.isfinite(analogs.summary.to_numpy()).all()
    assert (analogs.summary["count"] == 20).all()
    dates = analogs.table["date"]
    assert (dates + pd.Timedelta(days=91) <= reading.as_of).all()
    assert dates.sort_values().diff().dropna().min() >= pd.Timedelta(days=30)
    assert (analogs.table["overlap"] >= 0.5).all()
    assert analogs.table["distance"].is_monotonic_increasing
    text = analogs._repr_html_()
    assert "usdjpy -8%, ust10y +60bp, japan_holdings -3%" in text
    assert f"{dates.iloc[0]:%Y-%m-%d}" in text


# ---------------------------------------------------------------------- synthetic
def test_synthetic_unshocked_reading_matches_the_composite(two_year_zscores, synthetic_macro):
    scores = signals.risk_off_score(synthetic_macro, weights=WEIGHTS)
    reading = shocked_reading(synthetic_macro, Shocks(), weights=WEIGHTS)
    assert reading.base_score == pytest.approx(scores.loc[reading.as_of, "score"], abs=1e-6)
    assert reading.as_of == day(N_DAYS - 1) + pd.Timedelta(hours=21)


def test_planted_episodes_come_first_and_the_summary_shows_their_fall(two_year_zscores,
                                                                      synthetic_macro, btc):
    analogs = find_analogs(synthetic_macro, SHOCK, btc, k=8, weights=WEIGHTS)
    assert isinstance(analogs, Analogs) and isinstance(analogs.reading, Reading)
    table = analogs.table
    first = [_episode_of(date) for date in table["date"].iloc[:4]]
    assert sorted(first) == list(EPISODES)
    assert all(_episode_of(date) is None for date in table["date"].iloc[4:])
    assert table["distance"].iloc[:4].max() < table["distance"].iloc[4:].min()
    assert analogs.reading.shocked_score > analogs.reading.base_score

    four = find_analogs(synthetic_macro, SHOCK, btc, k=4, weights=WEIGHTS)
    summary = four.summary.loc["BTC/USDT"]
    assert list(summary.index) == ["7d", "30d", "90d"]
    assert summary.at["30d", "count"] == 4
    assert -0.23 < summary.at["30d", "mean"] < -0.17
    assert -0.23 < summary.at["30d", "p90"] < -0.17
    assert summary.at["30d", "share_negative"] == 1.0
    assert summary.at["30d", "worst_drawdown"] < -0.17
    assert summary.at["90d", "mean_drawdown"] < -0.17


def test_forward_returns_and_drawdowns_are_from_the_close(two_year_zscores, synthetic_macro, btc):
    analogs = find_analogs(synthetic_macro, SHOCK, btc, k=6, weights=WEIGHTS)
    close = btc["close"]
    for _, row in analogs.table.iterrows():
        start = close.loc[row["date"]]
        for h in (7, 30, 90):
            later = close.loc[row["date"] + pd.Timedelta(days=1):
                              row["date"] + pd.Timedelta(days=h)]
            assert row[f"BTC/USDT return {h}d"] == pytest.approx(later.iloc[-1] / start - 1)
            assert row[f"BTC/USDT drawdown {h}d"] == pytest.approx(
                min(later.min() / start - 1, 0.0))


def test_min_gap_keeps_one_episode_from_filling_the_list(two_year_zscores, synthetic_macro, btc):
    crowded = find_analogs(synthetic_macro, SHOCK, btc, k=10, min_gap_days=0,
                           weights=WEIGHTS)
    gaps = crowded.table["date"].sort_values().diff().dropna()
    assert gaps.min() == pd.Timedelta(days=1)  # neighbours of the same episode
    for gap in (30, 400):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WhatIfWarning)
            spread = find_analogs(synthetic_macro, SHOCK, btc, k=10, min_gap_days=gap,
                                  weights=WEIGHTS)
        dates = spread.table["date"].to_numpy()
        apart = np.abs(dates[:, None] - dates[None, :])[~np.eye(len(dates), dtype=bool)]
        assert apart.min() >= np.timedelta64(gap, "D")


def test_fewer_analogs_than_asked_warn(two_year_zscores, synthetic_macro, btc):
    with pytest.warns(WhatIfWarning, match=r"only \d+ past candles qualify as analogs \(k=20\) "
                                           r"with min_gap_days=365"):
        analogs = find_analogs(synthetic_macro, SHOCK, btc, k=20, min_gap_days=365,
                               weights=WEIGHTS)
    assert 1 <= len(analogs.table) < 20


def test_no_analog_horizon_reaches_past_as_of(two_year_zscores, synthetic_macro, btc):
    last = EPISODES[-1]
    as_of = day(last + 60)
    analogs = find_analogs(synthetic_macro, SHOCK, btc, k=4, as_of=as_of, weights=WEIGHTS)
    closes = analogs.table["date"] + pd.Timedelta(days=1)
    assert (closes + pd.Timedelta(days=90) <= as_of).all()
    assert last not in {_episode_of(d) for d in analogs.table["date"]}
    assert analogs.reading.as_of == as_of
    # with a 30-day longest horizon the last episode's outcome is known by then
    short = find_analogs(synthetic_macro, SHOCK, btc, k=4, as_of=as_of, horizons_days=(7, 30),
                         weights=WEIGHTS)
    assert last in {_episode_of(d) for d in short.table["date"]}
    assert (short.table["date"] + pd.Timedelta(days=31) <= as_of).all()


def test_analogs_use_nothing_after_as_of(two_year_zscores, synthetic_macro, btc):
    as_of = day(1200)
    cut_macro = {name: s[s.index <= as_of] for name, s in synthetic_macro.items()}
    full = find_analogs(synthetic_macro, SHOCK, btc, k=5, as_of=as_of, weights=WEIGHTS)
    past = find_analogs(cut_macro, SHOCK, btc[btc.index <= as_of], k=5, as_of=as_of,
                        weights=WEIGHTS)
    pd.testing.assert_frame_equal(full.table, past.table, rtol=1e-12)
    pd.testing.assert_frame_equal(full.summary, past.summary, rtol=1e-12)


def test_several_assets_share_the_analog_days(two_year_zscores, synthetic_macro, btc):
    eth = candles(first=200, scale=0.05, symbol="ETH/USDT", period=23.0)
    analogs = find_analogs(synthetic_macro, SHOCK, {"BTC/USDT": btc, "ETH/USDT": eth}, k=6,
                           weights=WEIGHTS)
    assert analogs.symbols == ("BTC/USDT", "ETH/USDT")
    assert list(analogs.summary.index.get_level_values("symbol").unique()) == list(
        analogs.symbols)
    assert {"BTC/USDT return 30d", "ETH/USDT drawdown 90d"} <= set(analogs.table.columns)
    assert (analogs.table["date"] >= eth.index[0]).all()  # both assets have the day
    assert analogs.table[[c for c in analogs.table if "ETH" in c]].notna().all().all()
    alone = find_analogs(synthetic_macro, SHOCK, btc, k=6, weights=WEIGHTS)
    pd.testing.assert_series_equal(alone.summary.loc["BTC/USDT", "count"],
                                   analogs.summary.loc["BTC/USDT", "count"])
    assert list(analogs.zscores.columns) == list(WEIGHTS)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"k": 0}, ConfigError, "k must be a whole number of analogs >= 1"),
    ({"k": 2.5}, ConfigError, "k must be"),
    ({"min_gap_days": -1}, ConfigError, "min_gap_days must be a number of days >= 0"),
    ({"horizons_days": ()}, ConfigError, "horizons_days is empty"),
    ({"horizons_days": (0.3,)}, ConfigError, "not a whole number of 1d candles"),
    ({"horizons_days": (7, 7)}, ConfigError, "repeats a horizon"),
    ({"horizons_days": (-7,)}, ConfigError, "each horizon must be a positive number"),
    ({"timeframe": "1x"}, ConfigError, "timeframe '1x' is not valid"),
    ({"as_of": day(100)}, DataContractError, "fresh reading"),
])
def test_find_analogs_argument_errors(two_year_zscores, synthetic_macro, btc, kwargs, error, match):
    with pytest.raises(error, match=match):
        find_analogs(synthetic_macro, SHOCK, btc, weights=WEIGHTS, **kwargs)


def test_find_analogs_price_errors(two_year_zscores, synthetic_macro, btc):
    with pytest.raises(DataContractError, match="must have a 'close' column"):
        find_analogs(synthetic_macro, SHOCK, btc[["open"]], weights=WEIGHTS)
    with pytest.raises(DataContractError, match="tz-aware UTC"):
        find_analogs(synthetic_macro, SHOCK, btc.tz_localize(None), weights=WEIGHTS)
    late = btc.set_axis(btc.index[:-1].append(btc.index[-1:] + pd.Timedelta(hours=1)))
    with pytest.raises(DataContractError, match="prices are not 1d candles"):
        find_analogs(synthetic_macro, SHOCK, late, weights=WEIGHTS)
    with pytest.raises(DataContractError, match="not sorted"):
        find_analogs(synthetic_macro, SHOCK, btc.iloc[::-1], weights=WEIGHTS)
    with pytest.raises(DataContractError, match="no past candle before as_of"):
        find_analogs(synthetic_macro, SHOCK, btc.iloc[-80:], weights=WEIGHTS)


def test_reprs_show_the_shock_and_the_scores(two_year_zscores, synthetic_macro, btc):
    analogs = find_analogs(synthetic_macro, SHOCK, btc, k=3, weights=WEIGHTS)
    assert "usdjpy -8%, ust10y +60bp" in repr(analogs.reading)
    assert "3 days nearest" in repr(analogs)
    html = analogs.reading._repr_html_()
    assert "z_shocked" in html and "yen_rally" in html


# ------------------------------------------------------- the seeds' scenario: levels, records
REPATRIATION = {"jgb_10y_level": 0.05, "jgb_superlong_high": 0.05,
                "rate_differential_low": 0.05, "hedged_pickup_drop": 0.05}


def test_record_is_the_move_to_the_five_year_high_by_hand():
    index = pd.date_range("2018-01-01", periods=RECORD_WINDOW + 3, freq="B", tz="UTC")
    forty = pd.Series(1.0, index=index)
    forty.iloc[0] = 9.0            # a peak more than five years (of rows) before either date
    forty.iloc[-3] = 1.40          # the high inside the window
    forty.iloc[-1] = 1.23          # now: 17 bp below it
    resolved = resolve_records(Shocks.parse("jgb40y=record, jgb10y=+50bp"),
                               {"jgb_40y": forty}, index[-1])
    assert resolved.jgb40y == pytest.approx(17.0) and resolved.jgb10y == 50.0
    earlier = resolve_records(Shocks(jgb40y="record"), {"jgb_40y": forty}, index[-3])
    assert earlier.jgb40y == 0.0   # at its high already
    with pytest.raises(DataContractError, match="jgb40y=record: no jgb_40y value"):
        resolve_records(Shocks(jgb40y="record"), {}, index[-1])


def test_record_is_only_for_the_super_long_yields():
    assert Shocks.parse("jgb30y=RECORD").jgb30y == "record"
    with pytest.raises(ConfigError, match="'record' is not a number"):
        Shocks.parse("jgb10y=record")


def test_level_shocks_move_the_repatriation_readings_as_documented(real_macro):
    shocks = Shocks(jgb10y=50, ust10y=-20, jgb40y=30)
    reading = shocked_reading(real_macro, shocks, as_of="2023-12-29", weights=REPATRIATION)
    t = reading.table
    now, shocked = t["raw_now"], t["raw_shocked"]
    assert shocked["jgb_10y_level"] == pytest.approx(now["jgb_10y_level"] + 0.50)
    for spread in ("rate_differential_low", "hedged_pickup_drop"):
        assert shocked[spread] == pytest.approx(now[spread] + 0.50 + 0.20)
    assert shocked["jgb_superlong_high"] == min(0.0, now["jgb_superlong_high"] + 30)
    # each is re-standardised by its own rule over its history, like the composite does
    raw = signals.component_readings(real_macro, components=["jgb_10y_level"])[
        "jgb_10y_level"]["raw"]
    history = raw.loc[:t.at["jgb_10y_level", "reading_at"]].dropna().copy()
    history.iloc[-1] = shocked["jgb_10y_level"]
    level = signals.components()["jgb_10y_level"]
    expected = standardize(history, level.standardize, level.frequency).iloc[-1]
    assert t.at["jgb_10y_level", "z_shocked"] == pytest.approx(expected, abs=1e-12)
    assert reading.shocked_score > reading.base_score


def test_the_seeds_scenario_on_the_command_line():
    from click.testing import CliRunner

    from backtests.cli import riskoff

    result = CliRunner().invoke(riskoff, ["whatif", "--jgb40y", "record", "--jgb10y", "+50bp",
                                       "--japan-holdings", "-5%", "--usdjpy", "-8%",
                                       "--symbol", "BTC/USDT", "--format", "json"])
    assert result.exit_code == 0, result.output
    shocks = json.loads(result.output)["shocks"]
    assert shocks["jgb10y"] == 50.0 and shocks["usdjpy"] == -8.0
    assert isinstance(shocks["jgb40y"], float) and shocks["jgb40y"] >= 0  # resolved to bp
