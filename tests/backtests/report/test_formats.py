"""One presentation layer: the terminal and the HTML report read the same numbers the same way."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from backtests.report import formats
from backtests.report.charts import hover_chart


@pytest.mark.parametrize(("value", "name", "text"), [
    (0.17368, "total_return", "+17.37%"),
    (-0.8318705, "max_drawdown", "-83.19%"),
    (0.0123, "oos_annualized_return", "+1.23%"),
    (-0.1093, "mean_max_drawdown_30d", "-10.93%"),
    (1.9061, "is_sharpe", "1.906"),
    (12870.787, "annual_turnover", "12,870.79"),
    (-0.065, "ic", "-0.065"),
    (134.0, "trades", "134"),
    (2327, "n", "2,327"),
    (62.5, "threshold", "62.5"),
    (34.6043, "score_low", "34.6"),
    (np.float64(70.0), "threshold", "70"),
    (np.nan, "total_return", ""),
    (None, "ic", ""),
    (pd.NaT, "peak", ""),
    (True, "warned", "yes"),
    (pd.Timestamp("2018-01-01", tz="UTC"), "start", "2018-01-01"),
    (pd.Timestamp("2022-09-06 20:30", tz="UTC"), "when", "2022-09-06 20:30"),
    (pd.Timedelta(days=2190), "duration", "2,190 days"),
    (pd.Timedelta(days=1), "duration", "1 day"),
    (pd.Timedelta(days=2, hours=4), "duration", "2 days 4 h"),
    (pd.Timedelta(hours=4, minutes=30), "duration", "4 h 30 min"),
    (pd.Timedelta(minutes=15), "duration", "15 min"),
])
def test_cells_read_by_type_and_column(value, name, text):
    assert formats.cell(value, name) == text


@pytest.mark.parametrize(("key", "value", "text"), [
    ("Return [%]", 1736.7612, "1,736.76%"),
    ("Max. Drawdown [%]", -83.187054, "-83.19%"),
    ("Equity Final [$]", 80390.062957, "80,390.06"),
    ("Sharpe Ratio", 0.818443, "0.818"),
    ("# Trades", 7, "7"),
    ("Start", pd.Timestamp("2017-08-17", tz="UTC"), "2017-08-17"),
    ("Max. Drawdown Duration", pd.Timedelta(days=1097), "1,097 days"),
])
def test_stats_take_their_unit_from_the_key(key, value, text):
    assert formats.stat(key, value) == text


def test_a_walk_forward_summary_takes_its_unit_from_each_row():
    summary = pd.DataFrame({"metric": ["total_return", "sharpe"], "in_sample": [6.9972, 1.906],
                            "out_of_sample": [0.5353, 1.043]})
    text = formats.table_text(summary, by_row="metric")
    assert text.to_dict("list") == {"metric": ["total_return", "sharpe"],
                                    "in_sample": ["+699.72%", "1.906"],
                                    "out_of_sample": ["+53.53%", "1.043"]}


def test_headers_are_words():
    assert formats.label("total_return") == "total return"
    assert formats.label(("BTC/USDT", "buy_and_hold")) == "BTC/USDT buy & hold"
    assert formats.min_width("annualized return") == len("annualized")


def test_the_sweep_reads_the_same_in_the_terminal_and_in_the_report(tmp_path):
    from backtests.cli import riskoff

    argv = ["sweep", "--thresholds", "60,70", "--smoothing", "1"]
    terminal = CliRunner().invoke(riskoff, [*argv, "--quiet"]).stdout
    raw = CliRunner().invoke(riskoff, [*argv, "--format", "json"]).stdout
    rows = json.loads(raw)["rows"]
    page = tmp_path / "sweep.html"
    result = CliRunner().invoke(riskoff, [*argv, "--report", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    for row in rows:
        shown = f"{row['total_return']:+.2%}"  # a fraction in JSON, percent for people
        assert shown in terminal and f"<td>{shown}</td>" in html
    assert "annualized" in terminal and "…" not in terminal  # headers wrap, never cut
    assert "00:00:00" not in html and "days 00" not in html


def test_the_hover_chart_has_a_y_axis_and_year_ticks():
    index = pd.date_range("2019-06-01", "2022-03-01", freq="D", tz="UTC")
    scores = pd.DataFrame({"score": np.linspace(30, 80, len(index)), "regime": "calm"},
                          index=index)
    svg = hover_chart(scores)
    assert "risk-off score" in svg
    years = re.findall(r'text-anchor="middle">(\d{4})</text>', svg)
    assert years == ["2020", "2021", "2022"]
    assert '>0</text>' in svg and '>100</text>' in svg
