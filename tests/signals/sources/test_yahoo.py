"""The Yahoo loader, run through the real yfinance on recorded chart responses."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests

from signals.errors import DataSourceError
from signals.sources import yahoo
from signals.sources.base import DataRepairWarning
from tests.replay import replay_session

NOW = pd.Timestamp("2024-01-02 12:00", tz="UTC")
JPY_PATH = "/v8/finance/chart/JPY=X"
N225_PATH = "/v8/finance/chart/%5EN225"  # requests percent-encodes the caret


pytestmark = pytest.mark.usefixtures("fresh_yfinance")  # tests/signals/sources/conftest.py


def chart(fixtures, name: str) -> dict:
    return json.loads((fixtures / "yahoo" / name).read_text())


def yahoo_session(path: str, reply) -> requests.Session:
    """Cookie, crumb and chart endpoints as yfinance calls them (data_sources.md 2.5)."""
    return replay_session({
        "fc.yahoo.com/": (404, b""),
        "/v1/test/getcrumb": (200, "recorded-crumb"),
        path: reply,
    })


def chart_queries(session: requests.Session, path: str) -> list[dict]:
    return [parse_qs(urlparse(url).query) for url in session.adapter.calls
            if urlparse(url).path == path]


# -- availability rules -------------------------------------------------------------------

@pytest.mark.parametrize(("symbol", "date", "expected_utc"), [
    ("JPY=X", "2023-12-29", "2023-12-30 01:05"),      # GMT: London midnight + 65 min
    ("JPY=X", "2024-08-02", "2024-08-03 00:05"),      # BST: 23:00 UTC + 65 min
    ("AUDJPY=X", "2024-08-02", "2024-08-03 00:05"),
    ("^N225", "2024-11-01", "2024-11-01 06:30"),      # 15:00 JST close + 30 min
    ("^N225", "2024-11-05", "2024-11-05 07:00"),      # 15:30 JST close from 2024-11-05
    ("^VIX", "2023-12-29", "2023-12-29 21:45"),       # 16:15 EST + 30 min
    ("^VIX", "2024-08-02", "2024-08-02 20:45"),       # 16:15 EDT + 30 min
    ("^MOVE", "2023-12-29", "2023-12-29 23:00"),      # 18:00 EST
])
def test_available_at_rules(symbol, date, expected_utc):
    got = yahoo.available_at(symbol, pd.DatetimeIndex([date]))
    assert got[0] == pd.Timestamp(expected_utc, tz="UTC")


def test_available_at_unknown_symbol():
    with pytest.raises(KeyError, match="no availability rule"):
        yahoo.available_at("EURUSD=X", pd.DatetimeIndex(["2024-01-02"]))


# -- the yfinance path --------------------------------------------------------------------

def test_fetch_usdjpy_through_yfinance(fixtures):
    session = yahoo_session(JPY_PATH, (200, chart(fixtures, "chart_JPYX.json")))
    obs = yahoo.fetch_ticker("JPY=X", session, pd.Timestamp("2023-12-27"), now=NOW)

    assert obs["series"].unique().tolist() == ["yahoo:JPY=X"]
    assert obs["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-12-27", "2023-12-28",
                                                            "2023-12-29"]
    assert obs["value"].tolist() == [142.62, 140.88, 141.48]
    assert obs["available_at"].iloc[-1] == pd.Timestamp("2023-12-30 01:05", tz="UTC")
    # the tz probe, then the history request with our start and end
    probe, history = chart_queries(session, JPY_PATH)
    assert probe["range"] == ["1d"]
    assert history["interval"] == ["1d"]
    assert history["period1"] == [str(int(pd.Timestamp("2023-12-27", tz="Europe/London")
                                          .timestamp()))]
    assert history["period2"] == [str(int((NOW + pd.Timedelta(days=1)).timestamp()))]
    assert session.adapter.calls[-1].startswith(yahoo.CHART_URL.format(symbol="JPY=X"))


def test_fetch_without_since_asks_for_history_from_1990(fixtures):
    session = yahoo_session(JPY_PATH, (200, chart(fixtures, "chart_JPYX.json")))
    yahoo.fetch_ticker("JPY=X", session, None, now=NOW)
    history = chart_queries(session, JPY_PATH)[-1]
    assert history["period1"] == [str(int(pd.Timestamp("1990-01-01", tz="Europe/London")
                                          .timestamp()))]


def test_nikkei_dates_are_tokyo_dates(fixtures):
    session = yahoo_session(N225_PATH, (200, chart(fixtures, "chart_N225.json")))
    obs = yahoo.fetch_ticker("^N225", session, pd.Timestamp("2023-12-26"), now=NOW)
    # yfinance stamps 2023-12-26 00:00+09:00 (= 12-25 15:00 UTC); the date stays the 26th
    assert obs["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-12-26", "2023-12-27",
                                                            "2023-12-28", "2023-12-29"]
    assert obs["value"].iloc[-1] == pytest.approx(33464.171875)
    assert obs["available_at"].iloc[0] == pd.Timestamp("2023-12-26 06:30", tz="UTC")


@pytest.mark.parametrize(("now", "last_date"), [
    ("2023-12-29 06:29", "2023-12-28"),   # Tokyo has not closed the 29th (+30 min) yet
    ("2023-12-29 06:30", "2023-12-29"),   # the 29th is final at 15:30 JST
])
def test_rows_still_forming_at_fetch_time_are_dropped(fixtures, now, last_date):
    session = yahoo_session(N225_PATH, (200, chart(fixtures, "chart_N225.json")))
    obs = yahoo.fetch_ticker("^N225", session, pd.Timestamp("2023-12-26"),
                             now=pd.Timestamp(now, tz="UTC"))
    assert obs["date"].max() == pd.Timestamp(last_date)
    assert (obs["available_at"] <= pd.Timestamp(now, tz="UTC")).all()


def test_fetch_run_through_source(fixtures):
    session = yahoo_session(JPY_PATH, (200, chart(fixtures, "chart_JPYX.json")))
    fetch = next(f for f in yahoo.SOURCE.fetches if f.label == "yahoo:JPY=X")
    obs = fetch.run(session, pd.Timestamp("2023-12-27"))
    assert obs["value"].tolist() == [142.62, 140.88, 141.48]


# -- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize(("info_fallbacks_used", "cause"), [(0, "HTTPError"),
                                                            (2, "YFTzMissingError")])
def test_unknown_symbol(fixtures, monkeypatch, info_fallbacks_used, cause):
    # yfinance tries Ticker.info for the time zone twice per process (HTTP 404 there), then
    # raises YFTzMissingError: both read the same
    import yfinance.base

    monkeypatch.setattr(yfinance.base, "_tz_info_fetch_ctr", info_fallbacks_used)
    session = yahoo_session("/v8/finance/chart/%5EMOVE",
                            (404, chart(fixtures, "chart_not_found.json")))
    with pytest.raises(DataSourceError, match=r"yahoo yahoo:\^MOVE: .*unknown to Yahoo") as err:
        yahoo.fetch_ticker("^MOVE", session, None, now=NOW)
    assert err.value.url == "https://query2.finance.yahoo.com/v8/finance/chart/^MOVE"
    assert type(err.value.__cause__).__name__ == cause


def test_rate_limited(fixtures):
    import yfinance as yf

    hidden = yf.config.debug.hide_exceptions
    # the tz probe succeeds, then the history request is refused
    session = yahoo_session(JPY_PATH, [(200, chart(fixtures, "chart_JPYX.json")),
                                       (429, "Too Many Requests")])
    with pytest.raises(DataSourceError, match="rate limited by Yahoo") as err:
        yahoo.fetch_ticker("JPY=X", session, None, now=NOW)
    assert err.value.source == "yahoo"
    assert err.value.series == "yahoo:JPY=X"
    assert "period1" in session.adapter.calls[-1]
    assert yf.config.debug.hide_exceptions == hidden   # restored after the failure


def test_no_prices(fixtures):
    body = chart(fixtures, "chart_JPYX.json")
    result = body["chart"]["result"][0]
    del result["timestamp"]
    result["indicators"] = {"quote": [{}]}
    session = yahoo_session(JPY_PATH, (200, body))
    with pytest.raises(DataSourceError, match="no prices for the range"):
        yahoo.fetch_ticker("JPY=X", session, None, now=NOW)


def test_empty_frame(fixtures):
    body = chart(fixtures, "chart_JPYX.json")
    result = body["chart"]["result"][0]
    result["timestamp"] = []
    columns = ("open", "high", "low", "close", "volume")
    result["indicators"] = {"quote": [{column: [] for column in columns}],
                            "adjclose": [{"adjclose": []}]}
    session = yahoo_session(JPY_PATH, (200, body))
    with pytest.raises(DataSourceError, match="empty frame"):
        yahoo.fetch_ticker("JPY=X", session, None, now=NOW)


def test_network_error(fixtures):
    session = yahoo_session(JPY_PATH, requests.ConnectionError("connection reset"))
    with pytest.raises(DataSourceError, match="ConnectionError: connection reset"):
        yahoo.fetch_ticker("JPY=X", session, None, now=NOW)


def test_fetch_refuses_a_ticker_riskoff_does_not_use():
    with pytest.raises(DataSourceError, match="not one riskoff uses"):
        yahoo.fetch_ticker("EURUSD=X", None, None, now=NOW)


# -- saved files --------------------------------------------------------------------------

def test_read_file_excerpt(fixtures):
    obs = yahoo.read_file(fixtures / "yahoo" / "yahoo_JPY=X.csv")
    assert obs["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-12-21", "2023-12-22", "2023-12-27", "2023-12-28", "2023-12-29"]
    assert obs["value"].iloc[-1] == 141.48
    assert obs["available_at"].iloc[-1] == pd.Timestamp("2023-12-30 01:05", tz="UTC")


def test_read_file_yf_download_layout(fixtures):
    obs = yahoo.read_file(fixtures / "yahoo" / "download" / "yahoo_^N225.csv")
    assert obs["series"].unique().tolist() == ["yahoo:^N225"]
    assert obs["date"].iloc[0] == pd.Timestamp("2023-12-26")
    assert obs["value"].iloc[0] == pytest.approx(33305.8515625)


def test_read_file_history_export_with_offsets(tmp_path):
    path = tmp_path / "yahoo_^N225.csv"
    path.write_text("Date,Open,High,Low,Close,Volume\n"
                    "2023-12-28 00:00:00+09:00,1,1,1,33539.62109375,0\n"
                    "2023-12-29 00:00:00+09:00,1,1,1,33464.171875,0\n")
    obs = yahoo.read_file(path)
    assert obs["date"].tolist() == [pd.Timestamp("2023-12-28"), pd.Timestamp("2023-12-29")]


def test_read_file_blank_close_is_missing(tmp_path):
    path = tmp_path / "yahoo_^MOVE.csv"
    path.write_text("Date,Close\n2023-12-28,\n2023-12-29,114.6\n")
    obs = yahoo.read_file(path)
    assert obs["value"].tolist() == [114.6]


def test_read_file_unknown_ticker(tmp_path):
    path = tmp_path / "yahoo_EURUSD=X.csv"
    path.write_text("Date,Close\n2023-12-29,1.10\n")
    with pytest.raises(DataSourceError, match=r"yahoo_EURUSD=X\.csv.*JPY=X, \^N225"):
        yahoo.read_file(path)


@pytest.mark.parametrize(("text", "match"), [
    ("Day,Close\n2023-12-29,141.48\n", "'Date' and 'Close'"),
    ("Date,Close\n2023-12-28 15:00:00+00:00,141.48\n", "not an exchange-local day"),
    ("Date,Close\n29/12/2023,141.48\n", "not an exchange-local day"),
    ("Date,Close\n2023-12-29,n/a\n", "Close value is not a number"),
    ("Date,Close\n2023-12-29,0.007\n", "plausible range"),   # USD per JPY: wrong unit
    (b"\xff\xfe\x00", "not a CSV file"),
])
def test_read_file_errors(tmp_path, text, match):
    path = tmp_path / "yahoo_JPY=X.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(DataSourceError, match=match):
        yahoo.read_file(path)


def test_read_file_repairs_duplicates_with_a_warning(tmp_path):
    path = tmp_path / "yahoo_JPY=X.csv"
    path.write_text("Date,Close\n2023-12-28,140.0\n2023-12-28,140.88\n2023-12-29,141.48\n")
    with pytest.warns(DataRepairWarning, match="duplicated"):
        obs = yahoo.read_file(path)
    assert obs["value"].tolist() == [140.88, 141.48]


# -- the source ---------------------------------------------------------------------------

def test_source_contract():
    source = yahoo.SOURCE
    assert [f.label for f in source.fetches] == [f"yahoo:{t}" for t in yahoo.TICKERS]
    assert all(f.series == (f.label,) for f in source.fetches)
    assert source.bundled == ()
    assert source.revision_days == 5
    assert source.handles("yahoo_JPY=X.csv")
    assert not source.handles("fred_DGS10.csv")


def test_importing_the_module_does_not_import_yfinance():
    code = "import sys, signals.sources.yahoo; print('yfinance' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
