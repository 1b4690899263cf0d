import pandas as pd
import pytest

from signals.errors import DataSourceError
from signals.sources import fred
from signals.sources.base import DataRepairWarning
from tests.replay import replay_session

UTC = "UTC"


def test_parses_the_new_header_and_blank_values(fixtures):
    wide = fred.parse_fredgraph((fixtures / "fred/fredgraph_DGS10_new_header.csv").read_bytes())
    assert list(wide.columns) == ["fred:DGS10"]
    assert wide.loc["2023-12-29", "fred:DGS10"] == 3.88
    assert pd.isna(wide.loc["2023-12-25", "fred:DGS10"])


def test_parses_the_old_header_and_dots(fixtures):
    wide = fred.parse_fredgraph((fixtures / "fred/fredgraph_DEXJPUS_old_header.csv").read_bytes())
    assert list(wide.columns) == ["fred:DEXJPUS"]
    assert wide.loc["2023-12-29", "fred:DEXJPUS"] == 140.92
    assert pd.isna(wide.loc["2023-12-25", "fred:DEXJPUS"])


def test_h15_values_are_available_the_next_business_day_after_the_release():
    dates = pd.DatetimeIndex(["2023-12-22", "2023-12-29", "2023-07-03", "2023-03-10"])
    got = fred.available_at("DGS10", dates)
    assert list(got) == [
        pd.Timestamp("2023-12-26 16:30", tz="America/New_York").tz_convert(UTC),  # Christmas
        pd.Timestamp("2024-01-02 16:30", tz="America/New_York").tz_convert(UTC),  # New Year
        pd.Timestamp("2023-07-05 16:30", tz="America/New_York").tz_convert(UTC),  # July 4th
        pd.Timestamp("2023-03-13 16:30", tz="America/New_York").tz_convert(UTC),  # DST starts
    ]


def test_dexjpus_is_published_weekly_on_monday():
    dates = pd.DatetimeIndex(["2023-12-11", "2023-12-15", "2024-01-08", "2024-01-12"])
    got = fred.available_at("DEXJPUS", dates).tz_convert("America/New_York")
    # 2023-12-18 is a Monday; 2024-01-15 is Martin Luther King Day, so Tuesday
    assert [t.strftime("%Y-%m-%d %H:%M") for t in got] == [
        "2023-12-18 16:30", "2023-12-18 16:30", "2024-01-16 16:30", "2024-01-16 16:30"]


def test_monthly_oecd_average_is_available_after_the_month_after_next_begins():
    got = fred.available_at("IR3TIB01JPM156N", pd.DatetimeIndex(["2023-11-01"]))
    assert got[0] == pd.Timestamp("2024-01-01 16:30", tz="America/New_York")  # 21:30 UTC


def test_nothing_is_available_before_its_date_ends(bundled):
    for code in fred.SERIES:
        obs = fred.read_file(bundled / "macro" / f"fred_{code}.csv")
        end_of_day = (obs["date"] + pd.Timedelta(days=1)).dt.tz_localize(UTC)
        assert (obs["available_at"] >= end_of_day).all(), code


def test_golden_value_from_the_bundled_file(bundled):
    obs = fred.read_file(bundled / "macro/fred_DGS10.csv")
    row = obs[obs["date"] == "2023-12-29"].iloc[0]
    assert row["series"] == "fred:DGS10" and row["value"] == 3.88


def test_fetch_asks_for_one_series_from_since(fixtures):
    body = (fixtures / "fred/fredgraph_DGS10_new_header.csv").read_bytes()
    session = replay_session({"/graph/fredgraph.csv": (200, body)}, content_type="text/csv")
    obs = fred.fetch_series("DGS10", session, pd.Timestamp("2023-12-18"))
    assert obs["series"].unique().tolist() == ["fred:DGS10"]
    assert len(obs) == 9  # the holiday's blank is not an observation
    (url,) = session.adapter.calls
    assert "id=DGS10" in url and "cosd=2023-12-18" in url


def test_fetch_retries_a_429_then_succeeds(fixtures):
    body = (fixtures / "fred/fredgraph_DGS10_new_header.csv").read_bytes()
    session = replay_session({"/graph/fredgraph.csv": [(429, "slow down"), (503, ""),
                                                       (200, body)]})
    assert len(fred.fetch_series("DGS10", session)) == 9
    assert len(session.adapter.calls) == 3


def test_fetch_gives_up_after_repeated_5xx_naming_source_series_and_url():
    session = replay_session({"/graph/fredgraph.csv": (502, "bad gateway")})
    with pytest.raises(DataSourceError, match=r"fred fred:DGS2: HTTP 502 after 4 attempt.*"
                                              r"url: https://fred.stlouisfed.org"):
        fred.fetch_series("DGS2", session)


def test_an_html_error_page_is_refused():
    page = b"<!DOCTYPE html><html><body>Service unavailable</body></html>"
    session = replay_session({"/graph/fredgraph.csv": (200, page)})
    with pytest.raises(DataSourceError, match="HTML page instead of data"):
        fred.fetch_series("DGS10", session)


def test_an_empty_body_is_refused():
    session = replay_session({"/graph/fredgraph.csv": (200, b"")})
    with pytest.raises(DataSourceError, match="empty body"):
        fred.fetch_series("DGS10", session)


def test_a_timeout_is_a_hard_failure_at_once_not_retried():
    import requests

    from signals.sources.http import PublisherDownError

    session = replay_session({"/graph/fredgraph.csv": requests.Timeout("slow")})
    with pytest.raises(PublisherDownError, match="no answer within 15 s"):
        fred.fetch_series("DGS10", session)
    assert len(session.adapter.calls) == 1


def test_a_404_is_final_and_says_why():
    session = replay_session({"/graph/fredgraph.csv": (404, "no such series")})
    with pytest.raises(DataSourceError, match="HTTP 404, not found"):
        fred.fetch_series("DGS10", session)
    assert len(session.adapter.calls) == 1


def test_a_yield_in_the_wrong_unit_is_an_error():
    body = b"observation_date,DGS10\n2024-01-02,3.95\n2024-01-03,391\n"
    session = replay_session({"/graph/fredgraph.csv": (200, body)})
    with pytest.raises(DataSourceError, match=r"fred:DGS10: 1 value\(s\) outside .* first 391 "
                                              r"on 2024-01-03"):
        fred.fetch_series("DGS10", session)


def test_a_changed_layout_is_an_error():
    body = b"observation_date,DGS10,EXTRA\n2024-01-02,3.95,1\n"
    with pytest.raises(DataSourceError, match="expected two columns"):
        fred.parse_fredgraph(body)


def test_the_wrong_series_in_the_answer_is_an_error():
    session = replay_session({"/graph/fredgraph.csv": (200, b"DATE,DGS2\n2024-01-02,4.3\n")})
    with pytest.raises(DataSourceError, match="asked for DGS10 but the file holds fred:DGS2"):
        fred.fetch_series("DGS10", session)


def test_duplicated_and_unsorted_dates_are_repaired_with_a_warning(tmp_path):
    path = tmp_path / "fred_DGS10.csv"
    path.write_text("observation_date,DGS10\n2024-01-03,4.0\n2024-01-02,3.9\n2024-01-03,4.1\n")
    with pytest.warns(DataRepairWarning) as record:
        obs = fred.read_file(path)
    assert {"duplicated" in str(w.message) or "out of order" in str(w.message)
            for w in record} == {True}
    assert obs["value"].tolist() == [3.9, 4.1]
