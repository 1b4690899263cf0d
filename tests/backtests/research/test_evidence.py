"""Forward-risk targets, bootstrap intervals, baselines, criteria and the evidence checks."""

import csv
import html
import math
import statistics
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import signals
from backtests.research.evaluate import EvidenceWarning, evaluate
from backtests.research.evidence import (
    baselines,
    component_predictors,
    criterion,
    evidence_checks,
    risk_table,
    target_ics,
)
from backtests.research.intervals import block_counts, partial_spearman, spearman
from backtests.research.targets import (
    forward_drawdown_depth,
    forward_volatility,
    risk_targets,
    trailing_volatility,
)
from signals import ConfigError
from signals.data.bundled import BUNDLED_DIR


# ---------------------------------------------------------------- a real excerpt, by hand
def bundled_btc_closes(first="2020-03-01", last="2020-04-15") -> list[tuple[str, float]]:
    """(date, close) of the bundled Binance BTC/USDT daily candles, read with csv only."""
    rows = []
    with open(BUNDLED_DIR / "crypto" / "binance_BTCUSDT_1d.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            day = pd.Timestamp(int(row["open_time"]), unit="ms").strftime("%Y-%m-%d")
            if first <= day <= last:
                rows.append((day, float(row["close"])))
    return rows


@pytest.fixture(scope="module")
def excerpt():
    rows = bundled_btc_closes()
    index = pd.DatetimeIndex([d for d, _ in rows], tz="UTC", name="open_time")
    return [c for _, c in rows], pd.Series([c for _, c in rows], index=index, name="close")


def test_the_excerpt_is_six_and_a_half_weeks_of_march_2020(excerpt):
    values, series = excerpt
    assert len(values) == 46 and series.index[0] == pd.Timestamp("2020-03-01", tz="UTC")
    assert min(values) < 5_000 < max(values)  # 12 March 2020: BTC under 5,000


def test_forward_volatility_by_hand_on_real_closes(excerpt):
    values, series = excerpt
    got = forward_volatility(series, "1d", 7)
    for t in (0, 10, 20, 38):
        logs = [math.log(values[t + i] / values[t + i - 1]) for i in range(1, 8)]
        assert got.iloc[t] == pytest.approx(statistics.stdev(logs) * math.sqrt(365), rel=1e-12)
    assert got.iloc[39:].isna().all() and got.iloc[:39].notna().all()


def test_trailing_volatility_by_hand_uses_only_the_past(excerpt):
    values, series = excerpt
    got = trailing_volatility(series, "1d", 7)
    for t in (7, 20, 45):
        logs = [math.log(values[t - i] / values[t - i - 1]) for i in range(7)]
        assert got.iloc[t] == pytest.approx(statistics.stdev(logs) * math.sqrt(365), rel=1e-12)
    assert got.iloc[:7].isna().all()
    changed = series.copy()
    changed.iloc[30:] *= 3  # the future moves: nothing up to day 29 changes
    pd.testing.assert_series_equal(trailing_volatility(changed, "1d", 7).iloc[:30],
                                   got.iloc[:30])


def test_drawdown_depth_and_tail_events_by_hand_on_real_closes(excerpt):
    values, series = excerpt
    targets = risk_targets(series, "1d")
    for t in (0, 5, 10, 15):
        depth7 = max(0.0, max(1 - values[t + k] / values[t] for k in range(1, 8)))
        depth30 = max(0.0, max(1 - values[t + k] / values[t] for k in range(1, 31)))
        assert targets["drawdown_7d"].iloc[t] == pytest.approx(depth7, abs=1e-12)
        assert targets["drawdown_30d"].iloc[t] == pytest.approx(depth30, abs=1e-12)
        assert targets["tail10_7d"].iloc[t] == float(depth7 > 0.10)
        assert targets["tail15_30d"].iloc[t] == float(depth30 > 0.15)
        assert targets["return_7d"].iloc[t] == pytest.approx(values[t + 7] / values[t] - 1)
    # 2020-03-05: the 12 March crash lies within 30 days, a fall of over 40%
    assert targets.loc["2020-03-05", "drawdown_30d"] > 0.40
    assert targets.loc["2020-03-05", "tail15_30d"] == 1.0
    assert list(targets.columns) == ["return_1d", "return_7d", "return_30d", "vol_7d",
                                     "vol_30d", "drawdown_7d", "drawdown_30d", "tail10_7d",
                                     "tail15_30d"]
    assert targets.attrs["horizon_bars"]["vol_30d"] == 30
    assert targets["tail15_30d"].iloc[-30:].isna().all()  # no label past the data


def test_end_cuts_every_target_at_the_period(excerpt):
    _, series = excerpt
    cut = risk_targets(series, "1d", end="2020-03-31")
    assert cut.index[-1] == pd.Timestamp("2020-03-31", tz="UTC")
    assert cut["vol_7d"].loc["2020-03-25":].isna().all()
    assert cut["vol_7d"].loc["2020-03-24"] == pytest.approx(
        forward_volatility(series, "1d", 7).loc["2020-03-24"])


def test_target_errors_name_the_argument():
    closes = pd.Series(100.0 + np.arange(40), index=pd.date_range("2021", periods=40,
                                                                    tz="UTC"))
    with pytest.raises(ConfigError, match="horizon_days"):
        forward_volatility(closes, "1d", 1)
    with pytest.raises(ConfigError, match="tail target needs a depth"):
        risk_targets(closes, "1d", targets=(("tail", 7, None),))
    with pytest.raises(ConfigError, match="target kind 'skew'"):
        risk_targets(closes, "1d", targets=(("skew", 7, None),))
    assert (forward_drawdown_depth(closes, "1d", 3).dropna() == 0).all()  # only rises


# ---------------------------------------------------------------- the bootstrap
def test_block_counts_are_reproducible_and_keep_every_resample_whole():
    a, b = block_counts(100, 30, 50, seed=7), block_counts(100, 30, 50, seed=7)
    np.testing.assert_array_equal(a, b)
    assert (a.sum(axis=1) == 100).all() and a.shape == (50, 100)
    assert not np.array_equal(a, block_counts(100, 30, 50, seed=8))
    with pytest.raises(ConfigError, match="n_boot"):
        block_counts(100, 30, 1, seed=0)


def test_resampled_spearman_and_partial_match_scipy_on_the_drawn_rows():
    rng = np.random.default_rng(3)
    x, z = rng.normal(size=300), rng.normal(size=300)
    y = np.round(x + z + rng.normal(size=300))  # ties in y
    counts = block_counts(300, 30, 5, seed=0)
    got = spearman(x, y, counts)
    for i in range(5):
        rows = np.repeat(np.arange(300), counts[i])
        assert got[i] == pytest.approx(stats.spearmanr(x[rows], y[rows])[0], abs=1e-12)
    rx, ry, rz = (stats.rankdata(v) for v in (x, y, z))
    r = np.corrcoef([rx, ry, rz])
    by_hand = (r[0, 1] - r[0, 2] * r[1, 2]) / math.sqrt((1 - r[0, 2] ** 2) * (1 - r[1, 2] ** 2))
    assert partial_spearman(x, y, z)[0] == pytest.approx(by_hand, abs=1e-12)


def risky_frame(seed, n=900, signal=1.0):
    """A slow score and 30-day 'risk' outcomes that follow it with strength `signal`."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2018-01-01", periods=n, tz="UTC", name="open_time")
    x = pd.Series(np.convolve(rng.normal(size=n + 29), np.ones(30), "valid"), index=index)
    noise = pd.Series(np.convolve(rng.normal(size=n + 29), np.ones(30), "valid"), index=index)
    vol = signal * x + noise
    return pd.DataFrame({"x": x, "vol_30d": vol, "drawdown_30d": vol + rng.normal(size=n),
                         "control": pd.Series(rng.normal(size=n), index=index)})


def test_criterion_interval_holds_the_estimate_and_the_seed_reproduces_it():
    frames = {"A": risky_frame(1), "B": risky_frame(2)}
    first = criterion(frames, n_boot=300, seed=5)
    again = criterion(frames, n_boot=300, seed=5)
    assert first == again
    assert first["primary_low"] < first["primary"] < first["primary_high"]
    assert first["incremental_low"] < first["incremental"] < first["incremental_high"]
    assert first["carries_information"] and first["n"] == 900
    other = criterion(frames, n_boot=300, seed=6)
    assert other["primary"] == first["primary"] and other["primary_low"] != first["primary_low"]
    # by hand: the point estimate is the mean of the four Spearman ICs
    ics = [stats.spearmanr(f["x"], f[t])[0] for f in frames.values()
           for t in ("vol_30d", "drawdown_30d")]
    assert first["primary"] == pytest.approx(np.mean(ics), abs=1e-12)


def test_criterion_of_noise_does_not_claim_information():
    frames = {"A": risky_frame(3, signal=0.0), "B": risky_frame(4, signal=0.0)}
    result = criterion(frames, n_boot=300, seed=0)
    assert result["primary_low"] < 0 < result["primary_high"]
    assert not result["carries_information"]


# ---------------------------------------------------------------- planted signals
def planted(sign: float, seed: int = 0, n: int = 1500):
    """Prices with calm and wild spells, and a score that is high before one or the other.

    ``sign=+1``: the score rises before the wild, falling spells (a good risk-off signal).
    ``sign=-1``: the score is high before calm rallies (the contradiction).
    """
    rng = np.random.default_rng(seed)
    spell = np.repeat(rng.random(n // 50 + 1) < 0.3, 50)[:n]  # wild spells of 50 days
    drift = np.where(spell, -0.004, 0.003)
    vol = np.where(spell, 0.06, 0.015)
    index = pd.date_range("2018-01-01", periods=n, tz="UTC", name="open_time")
    close = pd.Series(100 * np.exp(np.cumsum(drift + vol * rng.normal(size=n))), index=index)
    ahead = pd.Series(spell.astype(float), index=index).shift(-10).rolling(20).mean()
    ahead = ahead.shift(-19).ffill()  # the share of wild days in the next month
    score = 50 + sign * 30 * (ahead - 0.3) + rng.normal(0, 2, n)
    return score.rename("score"), pd.DataFrame({"close": close})


def test_checks_fire_on_a_score_that_is_high_before_rallies():
    score, prices = planted(-1.0)
    with pytest.warns(EvidenceWarning) as caught:
        result = evaluate(score, prices, "1d", n_boot=200, validity=False)
    messages = [str(w.message) for w in caught]
    assert any("higher returns and no deeper drawdowns" in m for m in messages)
    assert len(messages) == int(result.checks["fired"].sum())
    fired = set(result.checks.loc[result.checks["fired"], "check"])
    assert {"top_quintile", "ic_vol_30d", "ic_drawdown_30d", "wrong_sign",
            "primary_criterion"} <= fired
    assert result.criterion["primary_high"] < 0
    assert result.summary()["contradictions"]


def test_checks_stay_quiet_on_a_planted_good_signal():
    score, prices = planted(+1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EvidenceWarning)
        result = evaluate(score, prices, "1d", n_boot=200, validity=False)
    checks = result.checks.set_index("check")
    assert not checks.loc[["top_quintile", "ic_vol_30d", "ic_drawdown_30d", "wrong_sign",
                           "primary_criterion", "beats_trailing_vol"], "fired"].any()
    assert result.criterion["carries_information"]
    score_ic = result.target_ic[result.target_ic["predictor"] == "score"].set_index("target")
    assert score_ic.loc["vol_30d", "verdict"] == "informative"
    assert score_ic.loc["return_30d", "ic"] < 0


def test_evidence_checks_read_the_tables_they_are_given():
    index = pd.date_range("2020", periods=10, tz="UTC")
    targets = pd.DataFrame({"return_30d": np.r_[[0.0] * 8, 0.5, 0.5],
                            "drawdown_30d": np.r_[[0.2] * 8, 0.01, 0.01]}, index=index)
    keys = pd.Series([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], index=index, name="quantile")
    table = risk_table(keys, targets)
    assert list(table.index) == ["1", "2", "3", "4", "5", "all"]
    assert table.loc["all", "count"] == 10
    assert table.loc["all", "mean_return_30d"] == pytest.approx(0.1)
    ics = pd.DataFrame(columns=["predictor", "target", "ic", "ci_low", "ci_high", "verdict"])
    checks = evidence_checks(table, None, ics).set_index("check")
    assert checks.loc["top_quintile", "fired"]
    assert "+50.0%" in checks.loc["top_quintile", "message"]
    regimes = risk_table(pd.Series(["calm"] * 8 + ["stress"] * 2, index=index, name="regime"),
                         targets)
    checks = evidence_checks(table, regimes, ics).set_index("check")
    assert checks.loc["top_regime", "fired"]
    assert checks.loc["top_regime", "message"] == (
        "the 'stress' regime (2 bars) was followed by a mean 30-day return of +50.0% (other "
        "bars +0.0%) and drawdowns of 1.0% (others 20.0%): higher returns and no deeper "
        "drawdowns")


# ---------------------------------------------------------------- on the real data
@pytest.fixture(scope="module")
def real_macro(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        return signals.load_macro(store=tmp_path_factory.mktemp("macro"))


def test_baselines_and_components_on_the_bundled_data(real_macro, bundled_prices):
    btc = bundled_prices["BTC/USDT"]
    base = baselines(btc, "1d", real_macro)
    assert list(base.columns) == ["trailing_vol_30d", "usdjpy_z"]
    assert "vix" in base.attrs["unavailable"]  # never bundled
    assert base["usdjpy_z"].loc["2018":].notna().mean() > 0.95
    families = component_predictors(real_macro, btc.index, "1d", by="family")
    assert {"jgb", "yen", "treasuries", "carry", "holdings"} <= set(families.columns)
    components = component_predictors(real_macro, btc.index, "1d")
    yen = components[["yen_rally", "usdjpy_drawdown", "yen_vol_ratio"]].mean(axis=1)
    pd.testing.assert_series_equal(families["yen"], yen, check_names=False)
    table = target_ics(base, risk_targets(btc, "1d"), control=base["trailing_vol_30d"])
    vol = table[(table["predictor"] == "trailing_vol_30d") & (table["target"] == "vol_30d")]
    assert vol["ic"].iloc[0] > 0.2  # volatility clusters: the bar a score has to clear
    assert vol["partial_ic"].isna().all()  # no partial of the control on itself


def test_the_report_shows_the_evidence_and_the_fired_checks(real_scores, bundled_prices):
    from backtests.report.page import build_report

    btc = bundled_prices["BTC/USDT"]
    result = evaluate(real_scores, btc, "1d", start="2018-01-01", n_boot=50, validity=False,
                      warn=False)
    page = build_report(real_scores, {"BTC/USDT": btc}, evaluation=result).to_html()
    section = page[page.index('id="evaluation"'):]
    assert "Rank IC with forward risk, baselines beside" in section
    assert "Forward risk by score quintile (all = always-long)" in section
    fired = result.checks.loc[result.checks["fired"], "message"]
    assert len(fired) and all(html.escape(m) in section for m in fired)
    assert "Unavailable: vix" in section and "Construct validity" not in section
