"""MOF JGB yields: both layouts, the merge of the two files, availability, every error path."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import requests

from signals.errors import DataSourceError
from signals.sources import mof
from signals.sources.base import DataRepairWarning
from tests.replay import paths, replace_bytes, replay_session

HISTORY_PATH = "/english/policy/jgbs/reference/interest_rate/historical/jgbcme_all.csv"
CURRENT_PATH = "/english/policy/jgbs/reference/interest_rate/jgbcme.csv"


@pytest.fixture
def history(fixtures) -> bytes:
    return (fixtures / "mof" / "jgbcme_all.csv").read_bytes()


@pytest.fixture
def current(fixtures) -> bytes:
    return (fixtures / "mof" / "jgbcme.csv").read_bytes()


# ---------------------------------------------------------------- parsing


def test_english_history_golden_values(history):
    wide = mof.parse_jgbcm(history)
    assert list(wide.columns) == list(mof.SERIES)
    assert wide.index.name == "date" and wide.index.tz is None
    assert len(wide) == 19
    assert wide.index[0] == pd.Timestamp("1974-09-24")
    assert wide.loc["1974-09-24", "mof:1Y"] == 10.327
    assert np.isnan(wide.loc["1974-09-24", "mof:10Y"])  # '-': not yet issued
    assert wide.loc["2023-11-30", "mof:10Y"] == 0.691
    assert wide.loc["2019-04-26", "mof:1Y"] == -0.157  # negative yields are real


def test_forty_year_starts_on_2007_11_06(history):
    forty = mof.parse_jgbcm(history)["mof:40Y"]
    assert forty.first_valid_index() == pd.Timestamp("2007-11-06")
    assert forty.loc["2007-11-06"] == 2.439


def test_japanese_layout_gives_the_english_numbers(fixtures, history):
    japanese = (fixtures / "mof" / "jgbcm_all.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        japanese.decode("utf-8")  # really cp932 on the wire
    wide = mof.parse_jgbcm(japanese)
    pd.testing.assert_frame_equal(wide, mof.parse_jgbcm(history))
    # S64.1.6 -> H1.1.9 and H31.4.26 -> R1.5.7 land on the right western dates
    for day in ("1989-01-06", "1989-01-09", "2019-04-26", "2019-05-07"):
        assert pd.Timestamp(day) in wide.index
    assert wide.loc["2019-05-07", "mof:10Y"] == -0.049


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M45.7.29", "1912-07-29"),
        ("T15.12.24", "1926-12-24"),
        ("S49.9.24", "1974-09-24"),
        ("H31.4.30", "2019-04-30"),
        ("R1.5.7", "2019-05-07"),
        ("R6.8.5", "2024-08-05"),
        ("2024/8/5", "2024-08-05"),
        ("2023/12/29", "2023-12-29"),
    ],
)
def test_dates_in_both_calendars(text, expected):
    assert mof._parse_dates(pd.Series([text]))[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["note", "", "X1.1.1", "R1.13.1", "2024-08-05"])
def test_unreadable_dates_are_nat(text):
    assert pd.isna(mof._parse_dates(pd.Series([text]))[0])


def test_real_history_golden(bundled):
    obs = mof.read_file(bundled / "macro" / "mof_jgbcme_all.csv")
    ten = obs[obs["series"] == "mof:10Y"].set_index("date")["value"]
    assert ten.loc["2023-12-29"] == 0.647
    assert ten.index[0] == pd.Timestamp("1986-07-05")  # the 10Y column is '-' before
    assert obs["date"].min() == pd.Timestamp("1974-09-24")
    forty = obs[obs["series"] == "mof:40Y"]
    assert forty["date"].min() == pd.Timestamp("2007-11-06")
    assert obs["date"].max() == pd.Timestamp("2023-12-29")
    assert set(obs["series"]) == set(mof.SERIES)


def test_footnote_in_cp932_is_dropped_quietly(current):
    footnote = "※ 2023年12月29日時点,,,,,,,,,,,,,,,\r\n".encode("cp932")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wide = mof.parse_jgbcm(current + footnote)
    pd.testing.assert_frame_equal(wide, mof.parse_jgbcm(current))


def test_header_only_file_is_empty(current):
    head = b"\r\n".join(current.split(b"\r\n")[:2]) + b"\r\n"
    wide = mof.parse_jgbcm(head)
    assert wide.empty and list(wide.columns) == list(mof.SERIES)


def test_row_with_values_but_bad_date_warns(current):
    body = replace_bytes(current, "2023/12/29,", "2023-12-29,")
    with pytest.warns(DataRepairWarning, match=r"skipped 1 row.*'2023-12-29'"):
        wide = mof.parse_jgbcm(body)
    assert wide.index[-1] == pd.Timestamp("2023-12-28")


def test_no_readable_date_at_all_is_an_error():
    body = b"Date,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,15Y,20Y,25Y,30Y,40Y\r\n" \
           b"2023-12-29,-0.026,0.048,0.056,0.134,0.233,0.265,0.36,0.472,0.562,0.647," \
           b"1.083,1.404,1.574,1.662,1.793\r\n"
    with pytest.raises(DataSourceError, match=r"^mof .*no row has a date.*'2023-12-29'"):
        mof.parse_jgbcm(body, url="x.csv")


def test_unreadable_value_names_tenor_and_date(current):
    body = replace_bytes(current, "0.562,0.647,", "0.562,0.6x7,")
    with pytest.raises(DataSourceError, match=r"mof:10Y: unreadable value '0.6x7' on 2023-12-29"):
        mof.parse_jgbcm(body, url="u")


@pytest.mark.parametrize("header", ["Day,1Y,2Y", "日付,1年,2年"])
def test_renamed_date_header_is_an_error(current, header):
    body = replace_bytes(current, "Date,1Y,2Y", header)
    with pytest.raises(DataSourceError, match=r"no header line starting with 'Date,'.*url: f"):
        mof.parse_jgbcm(body, url="f")


def test_missing_tenor_is_an_error(current):
    body = replace_bytes(current, ",40Y", ",50Y")
    with pytest.raises(DataSourceError, match=r"the header lacks 40Y"):
        mof.parse_jgbcm(body, url="f")


def test_ragged_rows_are_an_error(current):
    body = replace_bytes(current, "1.662,1.793\r\n", "1.662,1.793,9,9\r\n")
    with pytest.raises(DataSourceError, match=r"unreadable CSV"):
        mof.parse_jgbcm(body, url="f")


def test_not_csv_at_all_is_an_error():
    with pytest.raises(DataSourceError, match=r"no header line"):
        mof.parse_jgbcm(b"\x89PNG\r\n\x1a\n\x00\x00")


# ---------------------------------------------------------------- availability, read_file


def test_available_the_next_tokyo_business_day_at_01_30_utc():
    got = mof.available_at(pd.DatetimeIndex(["2023-12-27", "2023-12-29", "2024-03-31",
                                             "2023-05-02", "2023-07-14"]))
    assert list(got) == [pd.Timestamp("2023-12-28 01:30", tz="UTC"),  # Wednesday -> Thursday
                         pd.Timestamp("2024-01-04 01:30", tz="UTC"),  # year-end closure
                         pd.Timestamp("2024-04-01 01:30", tz="UTC"),  # Sunday -> Monday
                         pd.Timestamp("2023-05-08 01:30", tz="UTC"),  # Golden Week, May 3-5
                         pd.Timestamp("2023-07-18 01:30", tz="UTC")]  # Marine Day, July 17


def test_read_file_observations(fixtures):
    obs = mof.read_file(fixtures / "mof" / "jgbcm_all.csv")
    assert list(obs.columns) == ["series", "date", "value", "available_at"]
    assert str(obs["available_at"].dt.tz) == "UTC"
    wait = obs["available_at"] - obs["date"].dt.tz_localize("UTC")
    assert wait.between(pd.Timedelta(hours=25.5), pd.Timedelta(days=11, hours=1.5)).all()
    assert wait.max() == pd.Timedelta(days=11, hours=1.5)  # 2019-04-26: the ten-day Golden Week
    assert (obs["available_at"].dt.day_of_week < 5).all()  # a weekday
    assert (obs["available_at"].dt.strftime("%H:%M") == "01:30").all()
    # never before the 15:00 JST quotes of the same day
    quotes = (obs["date"] + pd.Timedelta(hours=15)).dt.tz_localize("Asia/Tokyo")
    assert (obs["available_at"] > quotes).all()
    assert obs["value"].notna().all()  # '-' cells are left out, not stored as NaN
    assert (obs["series"] == "mof:40Y").sum() == 10


def test_read_file_warns_on_duplicates(tmp_path, current):
    last = current.split(b"\r\n")[-2]
    path = tmp_path / "jgbcme.csv"
    path.write_bytes(current + last + b"\r\n")
    with pytest.warns(DataRepairWarning, match="1 duplicated date"):
        obs = mof.read_file(path)
    assert (obs["series"] == "mof:10Y").sum() == 21


def test_yield_of_380_is_a_unit_error(tmp_path, current):
    path = tmp_path / "mof_jgbcme.csv"
    path.write_bytes(replace_bytes(current, "0.562,0.647,", "0.562,380,"))
    with pytest.raises(DataSourceError, match=r"mof mof:10Y: 1 value\(s\) outside .*380 on "
                                              r"2023-12-29"):
        mof.read_file(path)


# ---------------------------------------------------------------- fetching


def test_fetch_merges_history_and_current_month(history, current):
    overlap = "2023/11/30,-0.036,0.049,0.081,0.165,0.271,0.324,0.428,0.528,0.608,0.7,1.116," \
              "1.445,1.601,1.683,1.811\r\n"
    title, header, rest = current.split(b"\r\n", 2)
    current = b"\r\n".join([title, header, overlap.encode() + rest])
    session = replay_session({HISTORY_PATH: (200, history), CURRENT_PATH: (200, current)})
    obs = mof.SOURCE.fetches[0].run(session, None)
    assert paths(session.adapter.calls) == [CURRENT_PATH, HISTORY_PATH]
    ten = obs[obs["series"] == "mof:10Y"].set_index("date")["value"]
    assert ten.index.is_unique and ten.index.is_monotonic_increasing
    assert len(ten) == 19 - 3 + 21  # 10Y is '-' in 1974; 2023-11-30 is in both files
    assert ten.loc["2023-11-30"] == 0.7  # the current-month file wins
    assert ten.loc["2023-12-29"] == 0.647
    assert ten.loc["2023-11-29"] == 0.695


def test_fetch_since_in_current_month_skips_history(current):
    session = replay_session({CURRENT_PATH: (200, current)})
    obs = mof.fetch_jgb(session, pd.Timestamp("2023-12-20"))
    assert paths(session.adapter.calls) == [CURRENT_PATH]
    assert obs["date"].min() == pd.Timestamp("2023-12-20")
    assert obs["date"].max() == pd.Timestamp("2023-12-29")


def test_fetch_since_before_current_month_reads_history(history, current):
    session = replay_session({HISTORY_PATH: (200, history), CURRENT_PATH: (200, current)})
    obs = mof.fetch_jgb(session, pd.Timestamp("2023-11-29"))
    assert paths(session.adapter.calls) == [CURRENT_PATH, HISTORY_PATH]
    assert sorted(obs["date"].unique())[:3] == [pd.Timestamp("2023-11-29"),
                                                 pd.Timestamp("2023-11-30"),
                                                 pd.Timestamp("2023-12-01")]


def test_fetch_empty_current_month_falls_back_to_history(history, current):
    head = b"\r\n".join(current.split(b"\r\n")[:2]) + b"\r\n"
    session = replay_session({HISTORY_PATH: (200, history), CURRENT_PATH: (200, head)})
    obs = mof.fetch_jgb(session, pd.Timestamp("2023-11-28"))
    assert paths(session.adapter.calls) == [CURRENT_PATH, HISTORY_PATH]
    assert obs["date"].max() == pd.Timestamp("2023-11-30")


def test_fetch_retries_a_503(history, current):
    session = replay_session({HISTORY_PATH: (200, history),
                              CURRENT_PATH: [(503, ""), (200, current)]})
    obs = mof.fetch_jgb(session, pd.Timestamp("2023-12-01"))
    assert paths(session.adapter.calls) == [CURRENT_PATH, CURRENT_PATH]
    assert obs["date"].nunique() == 21


def test_fetch_html_page_is_an_error(current):
    page = b"<!DOCTYPE html><html><body>Maintenance</body></html>"
    session = replay_session({CURRENT_PATH: (200, current), HISTORY_PATH: (200, page)})
    with pytest.raises(DataSourceError, match=r"^mof mof:1Y..40Y: .*HTML page.*"
                                              r"url: https://www.mof.go.jp/.*jgbcme_all.csv"):
        mof.fetch_jgb(session)


def test_fetch_empty_body_is_an_error():
    session = replay_session({CURRENT_PATH: (200, b"")})
    with pytest.raises(DataSourceError, match=r"empty body.*jgbcme.csv"):
        mof.fetch_jgb(session)


def test_fetch_network_failure_is_an_error():
    session = replay_session({CURRENT_PATH: requests.ConnectionError("reset")})
    with pytest.raises(DataSourceError, match=r"cannot connect: reset"):
        mof.fetch_jgb(session)
    assert len(session.adapter.calls) == 1  # a refused connection is not retried


# ---------------------------------------------------------------- the Source


def test_source_contract():
    source = mof.SOURCE
    assert source.name == "mof" and source.revision_days == 7
    assert source.bundled == ("mof_jgbcme_all.csv",)
    (fetch,) = source.fetches
    assert fetch.label == "mof" and fetch.series == mof.SERIES
    for name in ("mof_jgbcme_all.csv", "mof_jgbcme.csv", "jgbcme_all.csv", "jgbcme.csv",
                 "jgbcm_all.csv", "jgbcm.csv", "mof_jgbcm_all.csv", "MOF_JGBCM.CSV"):
        assert source.handles(name), name
    for name in ("fred_DGS10.csv", "jgbcme_2010.csv", "mof_jgbcme_all.csv.bak"):
        assert not source.handles(name), name
