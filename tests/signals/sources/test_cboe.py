"""The Cboe VIX loader, on a recorded excerpt of VIX_History.csv in both date layouts."""

from __future__ import annotations

import pandas as pd
import pytest
import requests

from signals.errors import DataSourceError
from signals.sources import cboe
from tests.replay import replay_session

PATH = "/api/global/us_indices/daily_prices/VIX_History.csv"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr("signals.sources.http.time.sleep", lambda seconds: None)


@pytest.fixture
def live_file(fixtures) -> bytes:
    return (fixtures / "cboe" / "VIX_History.csv").read_bytes()


def cboe_session(reply) -> requests.Session:
    return replay_session({PATH: reply}, content_type="text/csv")


def test_both_date_layouts_parse_the_same(fixtures, live_file):
    us = cboe.parse_vix_history(live_file)
    iso = cboe.parse_vix_history((fixtures / "cboe" / "cboe_vix_daily.csv").read_bytes())
    pd.testing.assert_frame_equal(us, iso)
    assert us.index[0] == pd.Timestamp("1990-01-02")
    assert us.loc["2023-12-29", "cboe:VIX"] == 12.45     # golden value, by hand


def test_available_at_is_the_close_plus_30_minutes():
    got = cboe.available_at(pd.DatetimeIndex(["2023-12-29", "2024-08-02"]))
    assert got.tolist() == [pd.Timestamp("2023-12-29 21:45", tz="UTC"),    # EST
                            pd.Timestamp("2024-08-02 20:45", tz="UTC")]    # EDT


def test_fetch_through_replay(live_file):
    session = cboe_session((200, live_file))
    obs = cboe.fetch_vix(session, pd.Timestamp("2023-12-27"))
    assert session.adapter.calls == [cboe.URL]
    assert obs["series"].unique().tolist() == ["cboe:VIX"]
    assert obs["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-12-27", "2023-12-28",
                                                            "2023-12-29"]
    assert obs["value"].tolist() == [12.43, 12.47, 12.45]
    assert obs["available_at"].iloc[-1] == pd.Timestamp("2023-12-29 21:45", tz="UTC")


def test_fetch_without_since_keeps_all_history(live_file):
    obs = cboe.fetch_vix(cboe_session((200, live_file)), None)
    assert len(obs) == 7
    assert obs["date"].iloc[0] == pd.Timestamp("1990-01-02")


def test_fetch_drops_rows_not_yet_available(live_file):
    obs = cboe.fetch_vix(cboe_session((200, live_file)), pd.Timestamp("2023-12-27"),
                         now=pd.Timestamp("2023-12-29 21:44", tz="UTC"))
    assert obs["date"].max() == pd.Timestamp("2023-12-28")


def test_fetch_run_through_source_retries_a_5xx(live_file):
    session = cboe_session([(503, "busy"), (200, live_file)])
    obs = cboe.SOURCE.fetches[0].run(session, pd.Timestamp("2023-12-29"))
    assert obs["value"].tolist() == [12.45]
    assert len(session.adapter.calls) == 2


@pytest.mark.parametrize(("reply", "match"), [
    ((200, "<!DOCTYPE html><html>maintenance</html>"), "HTML page"),
    ((404, "not here"), "HTTP 404"),
    ((200, "Date,Value\n12/29/2023,12.45\n"), "expected the columns DATE,OPEN"),
    ((200, "DATE,OPEN,HIGH,LOW,CLOSE\n"), "header but no rows"),
    ((200, "DATE,OPEN,HIGH,LOW,CLOSE\n2023/12/29,1,1,1,12.45\n"), "unreadable DATE"),
    ((200, "DATE,OPEN,HIGH,LOW,CLOSE\n12/29/2023,1,1,1,n/a\n"), "CLOSE value is not a number"),
    ((200, "DATE,OPEN,HIGH,LOW,CLOSE\n12/29/2023,1,1,1,1245\n"), "plausible range"),
])
def test_fetch_errors(reply, match):
    with pytest.raises(DataSourceError, match=match) as err:
        cboe.fetch_vix(cboe_session(reply), None)
    assert err.value.source == "cboe"
    assert err.value.series == "cboe:VIX"
    assert err.value.url.endswith("VIX_History.csv")


def test_not_a_csv():
    with pytest.raises(DataSourceError, match="not a CSV file"):
        cboe.parse_vix_history(b"\xff\xfe\x00", url="x.csv")


@pytest.mark.parametrize("name", ["VIX_History.csv", "cboe_vix_daily.csv"])
def test_read_file(fixtures, name):
    obs = cboe.read_file(fixtures / "cboe" / name)
    assert obs["value"].iloc[-1] == 12.45
    assert obs["available_at"].iloc[-1] == pd.Timestamp("2023-12-29 21:45", tz="UTC")


def test_source_contract():
    source = cboe.SOURCE
    assert [f.label for f in source.fetches] == ["cboe:VIX"]
    assert source.handles("VIX_History.csv")
    assert source.handles("cboe_vix_daily.csv")
    assert not source.handles("yahoo_^VIX.csv")
    assert source.bundled == ()
    assert source.revision_days == 5


def test_read_the_whole_shared_file(shared_data, recwarn):
    obs = cboe.read_file(shared_data / "macro" / "cboe_vix_daily.csv")
    assert obs["date"].iloc[0] == pd.Timestamp("1990-01-02")
    assert obs.set_index("date").loc["2023-12-29", "value"] == 12.45
    assert obs["date"].is_unique
    assert not recwarn.list     # no repairs needed on the real file
