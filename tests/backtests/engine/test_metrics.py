"""Metrics: hand-checked values, invariances, NaN on short or flat input, the stats table."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from backtests.engine.metrics import (
    Drawdown,
    annual_turnover,
    annualized_return,
    annualized_volatility,
    calmar_ratio,
    exposure_time,
    max_drawdown,
    periods_per_year,
    sharpe_ratio,
    sortino_ratio,
    total_return,
)
from backtests.engine.stats import STATS_KEYS, stats_table
from signals.errors import ConfigError, DataContractError
from tests import ROOT

DOCS = ROOT / "docs" / "backtests_stats.md"
T0 = pd.Timestamp("2024-01-01", tz="UTC")


def curve(values, freq: str = "1D", start: pd.Timestamp = T0) -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq=freq, name="time")
    return pd.Series(np.asarray(values, dtype="float64"), index=index, name="equity")


def day(n: int) -> pd.Timestamp:
    return T0 + pd.Timedelta(days=n)


# 100 -> 110 -> 99 -> 121: +21% in total, a 10% fall from day 1 to day 2, back above on day 3.
HAND = curve([100.0, 110.0, 99.0, 121.0])


def noisy_curve(n: int = 400, seed: int = 7) -> pd.Series:
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.001, 0.03, n - 1)
    return curve(100.0 * np.cumprod(np.r_[1.0, 1.0 + returns]))


# --------------------------------------------------------------------------- hand values


def test_periods_per_year_uses_a_365_day_year():
    assert periods_per_year("1d") == 365.0
    assert periods_per_year("4h") == 2190.0
    assert periods_per_year("1h") == 8760.0
    assert periods_per_year("1w") == pytest.approx(365 / 7)
    with pytest.raises(ConfigError, match="timeframe"):
        periods_per_year("daily")


def test_total_return_by_hand():
    assert total_return(HAND) == pytest.approx(0.21)
    assert total_return(curve([100.0, 50.0])) == pytest.approx(-0.5)


def test_annualized_return_counts_bars():
    # 3 bars, 3 bars a year: exactly one year, so the CAGR is the total return.
    assert annualized_return(HAND, 3) == pytest.approx(0.21)
    # 3 bars, 6 bars a year: half a year, the growth is compounded twice.
    assert annualized_return(HAND, 6) == pytest.approx(1.21**2 - 1)


def test_daily_growth_is_annualised_over_365_days():
    equity = curve(100.0 * 1.001 ** np.arange(731))
    assert annualized_return(equity, periods_per_year("1d")) == pytest.approx(1.001**365 - 1)
    assert annualized_return(equity, periods_per_year("1d")) != pytest.approx(1.001**252 - 1)


def test_volatility_sharpe_sortino_by_hand():
    returns = pd.Series([0.01, -0.01, 0.02, 0.0])
    # mean 0.005; deviations .005 -.015 .015 -.005 -> sample variance 5e-4 / 3
    std = math.sqrt(5e-4 / 3)
    assert annualized_volatility(returns, 365) == pytest.approx(std * math.sqrt(365))
    assert sharpe_ratio(returns, 365) == pytest.approx(0.005 / std * math.sqrt(365))
    # risk_free 3.65% a year = 0.0001 a day
    assert sharpe_ratio(returns, 365, risk_free=0.0365) == pytest.approx(
        0.0049 / std * math.sqrt(365))
    # downside: only -0.01 falls short of 0 -> sqrt(1e-4 / 4) = 0.005
    assert sortino_ratio(returns, 365) == pytest.approx(0.005 / 0.005 * math.sqrt(365))
    # required 3.65% a year = 0.0001 a bar: shortfalls -0.0101 and -0.0001
    downside = math.sqrt((0.0101**2 + 0.0001**2) / 4)
    assert sortino_ratio(returns, 365, required_return=0.0365) == pytest.approx(
        0.0049 / downside * math.sqrt(365))


def test_returns_ignore_the_leading_nan_of_pct_change():
    equity = noisy_curve()
    returns = equity.pct_change()
    assert math.isnan(returns.iloc[0])
    assert sharpe_ratio(returns, 365) == pytest.approx(sharpe_ratio(returns.iloc[1:], 365))
    assert sharpe_ratio(returns.to_numpy(), 365) == pytest.approx(sharpe_ratio(returns, 365))


def test_max_drawdown_by_hand():
    drawdown = max_drawdown(HAND)
    assert drawdown.depth == pytest.approx(-0.10)
    assert drawdown.peak == day(1)
    assert drawdown.trough == day(2)
    assert drawdown.recovery == day(3)
    assert drawdown.duration == pd.Timedelta(days=2)


def test_max_drawdown_never_recovered_lasts_to_the_end():
    drawdown = max_drawdown(curve([100.0, 120.0, 90.0, 100.0, 110.0]))
    assert drawdown.depth == pytest.approx(-0.25)
    assert (drawdown.peak, drawdown.trough, drawdown.recovery) == (day(1), day(2), None)
    assert drawdown.duration == pd.Timedelta(days=3)


def test_max_drawdown_picks_the_deepest_fall_and_its_own_peak():
    # A 10% fall recovered on day 3 (back to 100 exactly), then a 30% fall from day 4.
    equity = curve([100.0, 90.0, 95.0, 100.0, 130.0, 91.0, 140.0])
    drawdown = max_drawdown(equity)
    assert drawdown.depth == pytest.approx(-0.30)
    assert (drawdown.peak, drawdown.trough, drawdown.recovery) == (day(4), day(5), day(6))
    assert drawdown.duration == pd.Timedelta(days=2)


def test_a_curve_that_never_falls_has_no_drawdown():
    drawdown = max_drawdown(curve([100.0, 100.0, 101.0, 105.0]))
    assert drawdown == Drawdown(depth=0.0, duration=pd.Timedelta(0))
    assert math.isnan(calmar_ratio(curve([100.0, 101.0, 105.0]), 365))


def test_drawdown_is_frozen():
    with pytest.raises(AttributeError):
        max_drawdown(HAND).depth = 0.0


def test_calmar_by_hand():
    assert calmar_ratio(HAND, 3) == pytest.approx(0.21 / 0.10)


def test_exposure_time_and_turnover_by_hand():
    exposure = pd.Series([0.0, 1.0, 1.0, 0.0, 0.0, -0.5], index=curve(range(1, 7)).index)
    assert exposure_time(exposure) == pytest.approx(3 / 6)
    # changes from flat: 0 +1 0 1 0 0.5 = 2.5 over 5 bars, 365 bars a year
    assert annual_turnover(exposure, 365) == pytest.approx(2.5 * 365 / 5)


def test_buy_and_hold_for_a_year_turns_over_once_and_a_round_trip_twice():
    index = curve(np.ones(366)).index
    assert annual_turnover(pd.Series(1.0, index=index), 365) == pytest.approx(1.0)
    round_trip = pd.Series(1.0, index=index)
    round_trip.iloc[-1] = 0.0
    assert annual_turnover(round_trip, 365) == pytest.approx(2.0)
    assert annual_turnover(pd.Series(0.0, index=index), 365) == 0.0


def test_float_dust_is_not_exposure():
    exposure = pd.Series([1.0, 1e-17, 0.0, -1e-12])
    assert exposure_time(exposure) == pytest.approx(0.25)


# --------------------------------------------------------------------------- invariances


@pytest.mark.parametrize("scale", [0.01, 3.0, 1e6])
def test_scaling_equity_changes_no_ratio(scale):
    equity = noisy_curve()
    scaled = equity * scale
    ppy = 365
    assert total_return(scaled) == pytest.approx(total_return(equity))
    assert annualized_return(scaled, ppy) == pytest.approx(annualized_return(equity, ppy))
    for metric in (annualized_volatility, sharpe_ratio, sortino_ratio):
        assert metric(scaled.pct_change(), ppy) == pytest.approx(
            metric(equity.pct_change(), ppy))
    assert calmar_ratio(scaled, ppy) == pytest.approx(calmar_ratio(equity, ppy))
    original, rescaled = max_drawdown(equity), max_drawdown(scaled)
    assert rescaled.depth == pytest.approx(original.depth)
    assert (rescaled.peak, rescaled.trough, rescaled.recovery) == (
        original.peak, original.trough, original.recovery)


def test_sharpe_is_invariant_to_leverage_without_risk_free():
    returns = noisy_curve().pct_change()
    assert sharpe_ratio(2 * returns, 365) == pytest.approx(sharpe_ratio(returns, 365))
    assert sortino_ratio(2 * returns, 365) == pytest.approx(sortino_ratio(returns, 365))
    assert annualized_volatility(2 * returns, 365) == pytest.approx(
        2 * annualized_volatility(returns, 365))


def test_a_risk_free_rate_lowers_sharpe():
    returns = noisy_curve().pct_change()
    assert sharpe_ratio(returns, 365, risk_free=0.05) < sharpe_ratio(returns, 365)


def test_sharpe_grows_with_the_square_root_of_periods_per_year():
    returns = noisy_curve().pct_change()
    assert sharpe_ratio(returns, 8760) == pytest.approx(sharpe_ratio(returns, 365) * math.sqrt(24))


@pytest.mark.parametrize("seed", [1, 7])
def test_adding_flat_bars_moves_the_annualized_return_towards_zero(seed):
    equity = noisy_curve(seed=seed)
    padded = curve(np.r_[equity.to_numpy(), np.full(100, equity.iloc[-1])])
    assert total_return(padded) == pytest.approx(total_return(equity))
    cagr, padded_cagr = annualized_return(equity, 365), annualized_return(padded, 365)
    assert abs(padded_cagr) < abs(cagr)
    assert np.sign(padded_cagr) == np.sign(cagr)


def test_adding_flat_bars_lowers_a_positive_annualized_return():
    padded = curve([*HAND, 121.0, 121.0, 121.0])
    assert annualized_return(padded, 3) == pytest.approx(1.21**0.5 - 1)
    assert annualized_return(padded, 3) < annualized_return(HAND, 3)


def test_inputs_are_not_mutated():
    equity = noisy_curve()
    returns = equity.pct_change()
    before_equity, before_returns = equity.copy(), returns.copy()
    for function in (total_return, max_drawdown):
        function(equity)
    annualized_return(equity, 365)
    calmar_ratio(equity, 365)
    sharpe_ratio(returns, 365)
    sortino_ratio(returns, 365)
    annualized_volatility(returns, 365)
    pd.testing.assert_series_equal(equity, before_equity)
    pd.testing.assert_series_equal(returns, before_returns)


# --------------------------------------------------------------------------- NaN cases


@pytest.mark.parametrize("values", [[], [100.0]])
def test_too_short_equity_gives_nan(values):
    equity = curve(values)
    assert math.isnan(total_return(equity))
    assert math.isnan(annualized_return(equity, 365))
    assert math.isnan(calmar_ratio(equity, 365))
    drawdown = max_drawdown(equity)
    assert math.isnan(drawdown.depth)
    assert drawdown.peak is None and drawdown.duration is None


@pytest.mark.parametrize("returns", [[], [0.01], [np.nan, 0.01]])
def test_fewer_than_two_returns_give_nan(returns):
    for metric in (annualized_volatility, sharpe_ratio, sortino_ratio):
        assert math.isnan(metric(pd.Series(returns, dtype="float64"), 365))


def test_empty_exposure_gives_nan():
    empty = pd.Series([], dtype="float64")
    assert math.isnan(exposure_time(empty))
    assert math.isnan(annual_turnover(empty, 365))
    assert math.isnan(annual_turnover(pd.Series([1.0]), 365))


@pytest.mark.parametrize("returns", [np.zeros(10), np.full(10, 0.002)])
def test_zero_volatility_gives_nan_not_inf(returns):
    assert annualized_volatility(returns, 365) == pytest.approx(0.0)
    assert math.isnan(sharpe_ratio(returns, 365))


def test_constant_growth_has_nan_sharpe_despite_float_noise():
    returns = curve(100.0 * 1.001 ** np.arange(50)).pct_change()
    assert math.isnan(sharpe_ratio(returns, 365))


def test_sortino_without_losing_bars_is_nan():
    assert math.isnan(sortino_ratio([0.01, 0.02, 0.0], 365))
    assert math.isnan(sortino_ratio(np.zeros(5), 365))


# --------------------------------------------------------------------------- errors


def test_equity_errors_name_the_argument_and_the_fix():
    with pytest.raises(DataContractError, match=r"equity must be finite and strictly positive"):
        total_return(curve([100.0, 0.0, 50.0]))
    with pytest.raises(DataContractError, match=r"equity has NaN values .*Drop or fill"):
        total_return(curve([100.0, np.nan, 50.0]))
    with pytest.raises(DataContractError, match=r"equity must be a pandas Series"):
        total_return([100.0, 110.0])
    with pytest.raises(DataContractError, match=r"equity index is not sorted.*sort_index"):
        total_return(HAND.iloc[::-1])
    with pytest.raises(DataContractError, match=r"equity has duplicated times"):
        total_return(HAND.iloc[[0, 0, 1]])
    with pytest.raises(DataContractError, match=r"equity index must be a DatetimeIndex"):
        max_drawdown(HAND.reset_index(drop=True))


def test_setting_errors():
    with pytest.raises(ConfigError, match=r"periods_per_year must be a positive.*365"):
        annualized_return(HAND, 0)
    with pytest.raises(ConfigError, match=r"periods_per_year"):
        sharpe_ratio([0.01, 0.02], float("nan"))
    with pytest.raises(ConfigError, match=r"risk_free must be a finite annual rate"):
        sharpe_ratio([0.01, 0.02], 365, risk_free="4%")
    with pytest.raises(ConfigError, match=r"required_return"):
        sortino_ratio([0.01, 0.02], 365, required_return=float("inf"))


def test_exposure_and_returns_errors():
    with pytest.raises(DataContractError, match=r"exposure has a non-finite value.*fillna"):
        exposure_time(pd.Series([1.0, np.nan]))
    with pytest.raises(DataContractError, match=r"returns has infinite values"):
        sharpe_ratio([0.01, np.inf], 365)
    with pytest.raises(DataContractError, match=r"returns must hold numbers"):
        sharpe_ratio(["a", "b"], 365)


# --------------------------------------------------------------------------- stats table


def table_inputs(equity: pd.Series, **changes) -> dict:
    inputs = {
        "exposure": pd.Series(1.0, index=equity.index),
        "trades": pd.DataFrame({"entry_time": [equity.index[0]],
                                "exit_time": [equity.index[-1]],
                                "return": [total_return(equity)]}),
        "fees": pd.Series(0.0, index=equity.index),
        "timeframe": "1d",
        "initial_cash": float(equity.iloc[0]),
    }
    inputs.update(changes)
    return inputs


def test_stats_table_shape_and_types():
    equity = noisy_curve()
    benchmark = noisy_curve(seed=3)
    exposure = pd.Series(np.where(np.arange(len(equity)) % 10 < 6, 1.0, 0.0),
                         index=equity.index)
    trades = pd.DataFrame({"entry_time": equity.index[:3], "exit_time": equity.index[1:4],
                           "return": [0.05, -0.02, 0.01]})
    fees = pd.Series(0.1, index=equity.index)
    table = stats_table(equity, benchmark, exposure=exposure, trades=trades, fees=fees,
                        timeframe="1d", initial_cash=100.0, benchmark_fees=0.25)

    assert list(table.index) == list(STATS_KEYS)
    assert list(table.columns) == ["strategy", "buy_and_hold"]
    assert all(dtype == np.dtype(object) for dtype in table.dtypes)
    assert table.notna().all().all()

    column = table["strategy"]
    assert column["Start"] == equity.index[0] and column["End"] == equity.index[-1]
    assert column["Duration"] == pd.Timedelta(days=len(equity) - 1)
    assert column["Exposure Time [%]"] == pytest.approx(60.0, abs=0.5)
    assert column["Equity Final [$]"] == pytest.approx(equity.iloc[-1])
    assert column["Equity Peak [$]"] == pytest.approx(equity.max())
    assert column["Return [%]"] == pytest.approx(100 * total_return(equity))
    assert column["Return (Ann.) [%]"] == pytest.approx(100 * annualized_return(equity, 365))
    assert column["Volatility (Ann.) [%]"] == pytest.approx(
        100 * annualized_volatility(equity.pct_change(), 365))
    assert column["Sharpe Ratio"] == pytest.approx(sharpe_ratio(equity.pct_change(), 365))
    assert column["Sortino Ratio"] == pytest.approx(sortino_ratio(equity.pct_change(), 365))
    assert column["Calmar Ratio"] == pytest.approx(calmar_ratio(equity, 365))
    drawdown = max_drawdown(equity)
    assert column["Max. Drawdown [%]"] == pytest.approx(100 * drawdown.depth)
    assert column["Max. Drawdown [%]"] < 0
    assert column["Max. Drawdown Start"] == drawdown.peak
    assert column["Max. Drawdown End"] == drawdown.trough
    assert column["Max. Drawdown Duration"] == drawdown.duration
    assert column["Turnover (Ann.)"] == pytest.approx(annual_turnover(exposure, 365))
    assert column["# Trades"] == 3 and isinstance(column["# Trades"], int)
    assert column["Win Rate [%]"] == pytest.approx(200 / 3)
    assert column["Best Trade [%]"] == pytest.approx(5.0)
    assert column["Worst Trade [%]"] == pytest.approx(-2.0)
    assert column["Avg. Trade [%]"] == pytest.approx(4.0 / 3)
    assert column["Fees Paid [$]"] == pytest.approx(0.1 * len(equity))

    hold = table["buy_and_hold"]
    assert hold["Exposure Time [%]"] == 100.0
    assert hold["Return [%]"] == pytest.approx(100 * total_return(benchmark))
    assert hold["Turnover (Ann.)"] == pytest.approx(365 / (len(benchmark) - 1))
    assert hold["# Trades"] == 1
    assert hold["Win Rate [%]"] == (100.0 if total_return(benchmark) > 0 else 0.0)
    assert hold["Best Trade [%]"] == pytest.approx(hold["Return [%]"])
    assert hold["Worst Trade [%]"] == pytest.approx(hold["Return [%]"])
    assert hold["Fees Paid [$]"] == 0.25


def test_stats_tables_do_not_share_their_labels():
    equity = noisy_curve()
    flat = pd.Series(0.0, index=equity.index)
    trades = pd.DataFrame(columns=["entry_time", "exit_time", "return"])
    first, second = (stats_table(equity, equity, exposure=flat, trades=trades, fees=flat,
                                 timeframe="1d", initial_cash=100.0) for _ in range(2))
    first.index.name, first.columns.name = "figure", "curve"
    assert second.index.name is None and second.columns.name is None


def test_stats_table_for_a_curve_that_never_falls():
    equity = curve(100.0 * 1.001 ** np.arange(30))
    column = stats_table(equity, equity, **table_inputs(equity))["strategy"]
    assert column["Max. Drawdown [%]"] == 0.0
    assert column["Max. Drawdown Start"] is pd.NaT
    assert column["Max. Drawdown End"] is pd.NaT
    assert column["Max. Drawdown Duration"] == pd.Timedelta(0)
    for key in ("Calmar Ratio", "Sharpe Ratio", "Sortino Ratio"):
        assert math.isnan(column[key]), key
    assert column["Return (Ann.) [%]"] == pytest.approx(100 * (1.001**365 - 1))


def test_buy_and_hold_column_equals_a_fully_exposed_strategy():
    equity = noisy_curve()
    table = stats_table(equity, equity.copy(), benchmark_fees=0.0, **table_inputs(equity))
    for key in STATS_KEYS:
        strategy, hold = table.at[key, "strategy"], table.at[key, "buy_and_hold"]
        if isinstance(strategy, float):
            assert hold == pytest.approx(strategy, nan_ok=True), key
        else:
            assert hold == strategy, key


def test_stats_table_without_trades_has_nan_trade_statistics():
    equity = noisy_curve(50)
    no_trades = pd.DataFrame({"entry_time": [], "exit_time": [], "return": []})
    flat = pd.Series(0.0, index=equity.index)
    table = stats_table(equity, equity, **table_inputs(equity, trades=no_trades,
                                                       exposure=flat))
    column = table["strategy"]
    assert column["# Trades"] == 0
    for key in ("Win Rate [%]", "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]"):
        assert math.isnan(column[key]), key
    assert column["Exposure Time [%]"] == 0.0
    assert column["Turnover (Ann.)"] == 0.0


def test_stats_table_annualises_with_the_timeframe():
    monthly = curve(100.0 * 1.01 ** np.arange(13), freq="MS")  # 28 to 31 days apart
    table = stats_table(monthly, monthly, **table_inputs(monthly, timeframe="1M"))
    assert table.at["Return (Ann.) [%]", "strategy"] == pytest.approx(
        100 * (1.01 ** (365 / 30) - 1))
    daily = noisy_curve(100)
    hourly = curve(daily.to_numpy(), freq="1h")
    table_daily = stats_table(daily, daily, **table_inputs(daily))
    table_hourly = stats_table(hourly, hourly, **table_inputs(hourly, timeframe="1h"))
    assert table_hourly.at["Sharpe Ratio", "strategy"] == pytest.approx(
        table_daily.at["Sharpe Ratio", "strategy"] * math.sqrt(24))


def test_stats_table_errors():
    equity = noisy_curve(30)
    shifted = curve(equity.to_numpy(), start=T0 + pd.Timedelta(days=1))
    with pytest.raises(DataContractError, match=r"benchmark_equity must be on the same bars"):
        stats_table(equity, shifted, **table_inputs(equity))
    with pytest.raises(DataContractError, match=r"exposure must be on the same bars.*reindex"):
        stats_table(equity, equity, **table_inputs(equity, exposure=pd.Series(1.0, index=[0])))
    with pytest.raises(DataContractError, match=r"fees has NaN.*fillna"):
        stats_table(equity, equity,
                    **table_inputs(equity, fees=pd.Series(np.nan, index=equity.index)))
    with pytest.raises(DataContractError, match=r"trades lacks column\(s\) exit_time"):
        stats_table(equity, equity, **table_inputs(
            equity, trades=pd.DataFrame({"entry_time": [], "return": []})))
    with pytest.raises(DataContractError, match=r"equity must start at initial_cash=1000"):
        stats_table(equity, equity, **table_inputs(equity, initial_cash=1000.0))
    with pytest.raises(DataContractError, match=r"bars are 1 days .*timeframe is '4h'"):
        stats_table(equity, equity, **table_inputs(equity, timeframe="4h"))
    with pytest.raises(ConfigError, match=r"timeframe"):
        stats_table(equity, equity, **table_inputs(equity, timeframe="day"))
    with pytest.raises(ConfigError, match=r"initial_cash must be a positive"):
        stats_table(equity, equity, **table_inputs(equity, initial_cash=-1.0))
    with pytest.raises(DataContractError, match=r"at least 2 bars"):
        one = equity.iloc[:1]
        stats_table(one, one, **table_inputs(one))


# --------------------------------------------------------------------------- docs


def docs_table_keys(text: str) -> list[str]:
    """First cells of the Markdown table whose header starts with ``| key |``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\|\s*key\s*\|", line))
    assert re.fullmatch(r"\|(\s*-+\s*\|)+", lines[start + 1].replace(":", "")), \
        "the header must be followed by a separator row"
    keys = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 4, f"row {line!r} must have 4 cells (key, unit, meaning, how)"
        assert all(cells), f"row {line!r} has an empty cell"
        keys.append(cells[0])
    return keys


def test_docs_table_lists_every_key_in_order():
    assert docs_table_keys(DOCS.read_text(encoding="utf-8")) == list(STATS_KEYS)
