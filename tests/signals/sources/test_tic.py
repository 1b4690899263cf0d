"""TIC Major Foreign Holders: history and current layouts, series breaks, availability, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from signals.errors import DataSourceError
from signals.sources import tic
from signals.sources.base import DataRepairWarning
from tests.replay import paths, replace_bytes, replay_session

HISTORY_PATH = "/resource-center/data-chart-center/tic/Documents/mfhhis01.txt"
CURRENT_PATH = "/resource-center/data-chart-center/tic/Documents/slt_table5.txt"
JAPAN, CHINA = tic.SERIES


@pytest.fixture
def history(fixtures) -> bytes:
    return (fixtures / "tic" / "mfhhis01.txt").read_bytes()


@pytest.fixture
def current(fixtures) -> bytes:
    return (fixtures / "tic" / "slt_table5.txt").read_bytes()


def _ny_release(day: str) -> pd.Timestamp:
    return pd.Timestamp(f"{day} 16:15", tz="America/New_York").tz_convert("UTC")


# ---------------------------------------------------------------- parsing


def test_bundled_history_golden_values(bundled):
    wide = tic.parse_mfh((bundled / "macro" / "tic_mfhhis01.txt").read_bytes())
    assert list(wide.columns) == [JAPAN, CHINA]
    assert wide.loc["2023-12-31", JAPAN] == 1115.3
    assert wide.loc["2023-12-31", CHINA] == 816.3
    # June 2011 is a series break: 881.5 (new series XII, first column) is kept, not the
    # old series' 911.1 shown for comparison; 912.4 is May
    assert wide.loc["2011-06-30", JAPAN] == 881.5
    assert wide.loc["2011-05-31", JAPAN] == 912.4
    assert wide.loc["2011-06-30", CHINA] == 1307.0
    # March 2000: series II (307.6) kept over series I (325.8)
    assert wide.loc["2000-03-31", JAPAN] == 307.6
    per_year = wide.groupby(wide.index.year).size()
    assert per_year.loc[2000] == 10 and (per_year.loc[2001:2023] == 12).all()
    assert len(wide) == 286 and not wide.isna().any(axis=None)


def test_fixture_history_dates_and_footnotes(history):
    wide = tic.parse_mfh(history)
    assert wide.index.name == "date" and wide.index.tz is None
    assert wide.index.is_monotonic_increasing and wide.index.is_unique
    assert (wide.index == wide.index + pd.offsets.MonthEnd(0)).all()  # month ends only
    assert list(wide.groupby(wide.index.year).size()) == [10, 12, 12]
    assert b"Less than $50 million" in history and b"Denotes series break" in history
    assert wide.loc["2011-06-30", JAPAN] == 881.5 and wide.loc["2023-01-31", CHINA] == 859.3


def test_current_tables_old_and_new_layouts(fixtures):
    mfh = tic.parse_mfh((fixtures / "tic" / "mfh.txt").read_bytes())
    table5 = tic.parse_mfh((fixtures / "tic" / "slt_table5.txt").read_bytes())
    pd.testing.assert_frame_equal(mfh, table5)
    assert len(mfh) == 13
    assert mfh.index[0] == pd.Timestamp("2022-12-31")  # the year row spans two years
    assert mfh.loc["2022-12-31", JAPAN] == 1075.1 and mfh.loc["2023-12-31", CHINA] == 816.3


def test_read_file(tmp_path, history):
    path = tmp_path / "tic_mfhhis01.txt"
    path.write_bytes(history)
    obs = tic.read_file(path)
    assert len(obs) == 2 * 34
    row = obs[(obs["series"] == JAPAN) & (obs["date"] == "2023-12-31")].iloc[0]
    assert row["value"] == 1115.3
    assert row["available_at"] == pd.Timestamp("2024-02-20 21:15", tz="UTC")


# ---------------------------------------------------------------- availability


@pytest.mark.parametrize(
    ("month_end", "released"),
    # data month -> actual 2022-23 release day (16:00 New York)
    [("2022-11-30", "2023-01-18"), ("2022-12-31", "2023-02-15"), ("2023-01-31", "2023-03-15"),
     ("2023-02-28", "2023-04-18"), ("2023-03-31", "2023-05-16"), ("2023-04-30", "2023-06-15"),
     ("2023-05-31", "2023-07-18"), ("2023-06-30", "2023-08-15"), ("2023-07-31", "2023-09-18"),
     ("2023-08-31", "2023-10-18"), ("2023-09-30", "2023-11-15"), ("2023-10-31", "2023-12-18"),
     ("2022-07-31", "2022-09-19"), ("2022-10-31", "2022-12-19")],
)
def test_availability_is_never_before_the_actual_release(month_end, released):
    stamp = tic.available_at(pd.DatetimeIndex([month_end]))[0]
    assert stamp >= _ny_release(released)
    assert stamp - _ny_release(released) < pd.Timedelta(days=7)  # the price of caution


@pytest.mark.parametrize(
    ("month_end", "expected"),
    [("2023-10-31", "2023-12-18"),  # the 18th, a Monday
     ("2022-07-31", "2022-09-19"),  # the 18th a Sunday
     ("2023-12-31", "2024-02-20"),  # Sunday 18th, then Presidents Day
     ("2009-11-30", "2010-01-19")],  # Martin Luther King Day on the 18th
)
def test_availability_rule(month_end, expected):
    assert tic.available_at(pd.DatetimeIndex([month_end]))[0] == _ny_release(expected)


def test_any_day_of_the_month_gives_the_same_time():
    times = tic.available_at(pd.DatetimeIndex(["2023-06-01", "2023-06-15", "2023-06-30"]))
    assert times.nunique() == 1 and str(times.tz) == "UTC"


def test_shutdown_months_wait_for_a_later_release():
    aug, sep, octo = tic.available_at(pd.DatetimeIndex(["2025-08-31", "2025-09-30",
                                                        "2025-10-31"]))
    assert aug == sep == octo == _ny_release("2025-12-18")
    assert tic.available_at(pd.DatetimeIndex(["2018-11-30"]))[0] == _ny_release("2019-02-19")
    assert set(tic.SHUTDOWN_DELAYS) == {"2013-08", "2018-11", "2025-08", "2025-09"}


# ---------------------------------------------------------------- fetching


def test_fetch_both_files_current_wins(history, current):
    newer = replace_bytes(current, "Japan\t1115.3", "Japan\t1115.9")
    session = replay_session({HISTORY_PATH: (200, history), CURRENT_PATH: (200, newer)},
                             content_type="text/plain")
    obs = tic.fetch_tic(session)
    assert paths(session.adapter.calls) == [HISTORY_PATH, CURRENT_PATH]
    wide = obs.pivot(index="date", columns="series", values="value")
    assert wide.loc["2023-12-31", JAPAN] == 1115.9  # the current table's vintage
    assert wide.loc["2023-11-30", JAPAN] == 1127.5
    assert wide.loc["2011-06-30", JAPAN] == 881.5  # history only
    assert wide.loc["2022-12-31", CHINA] == 867.1  # current table only
    assert len(wide) == 34 + 1


def test_fetch_since(history, current):
    session = replay_session({HISTORY_PATH: (200, history), CURRENT_PATH: (200, current)})
    obs = tic.fetch_tic(session, pd.Timestamp("2023-06-01"))
    assert obs["date"].min() == pd.Timestamp("2023-06-30") and len(obs) == 2 * 7


def test_the_source_object():
    source = tic.SOURCE
    assert source.name == "tic" and source.revision_days == 400
    assert source.bundled == ("tic_mfhhis01.txt",)
    (fetch,) = source.fetches
    assert fetch.label == "tic" and fetch.series == tic.SERIES
    for name in ("tic_mfhhis01.txt", "mfhhis01.txt", "tic_mfh.txt", "mfh.txt",
                 "slt_table5.txt"):
        assert source.handles(name)
    assert not source.handles("mfhhis01.csv")


# ---------------------------------------------------------------- errors


def test_html_page_is_an_error(current):
    session = replay_session({HISTORY_PATH: (200, "<html><body>Page not found</body></html>"),
                              CURRENT_PATH: (200, current)})
    with pytest.raises(DataSourceError, match="HTML page") as caught:
        tic.fetch_tic(session)
    assert caught.value.source == "tic" and caught.value.url == tic.HISTORY_URL


def test_empty_body_is_an_error(history):
    session = replay_session({HISTORY_PATH: (200, history), CURRENT_PATH: (200, b"")})
    with pytest.raises(DataSourceError, match="empty body") as caught:
        tic.fetch_tic(session)
    assert caught.value.url == tic.CURRENT_URL
    with pytest.raises(DataSourceError, match="empty file"):
        tic.parse_mfh(b"\t\n \n")


def test_missing_japan_row_is_an_error(history):
    body = history.replace(b"\nJapan\t", b"\nJapon\t")
    with pytest.raises(DataSourceError, match="no 'Japan' row") as caught:
        tic.parse_mfh(body, url="mfhhis01.txt")
    assert caught.value.series == JAPAN and caught.value.url == "mfhhis01.txt"


def test_missing_china_row_is_an_error(current):
    with pytest.raises(DataSourceError, match="no 'China, Mainland' row") as caught:
        tic.parse_mfh(replace_bytes(current, "China, Mainland", "China"))
    assert caught.value.series == CHINA


def test_layout_changes_are_errors(current, history):
    with pytest.raises(DataSourceError, match="not tab-separated"):
        tic.parse_mfh(current.replace(b"\t", b"  "))
    with pytest.raises(DataSourceError, match="no 'Country' header row"):
        tic.parse_mfh(current.replace(b"Country", b"Holder"))
    with pytest.raises(DataSourceError, match="line 6: a column header is not YYYY-MM"):
        tic.parse_mfh(replace_bytes(current, "Country\t2023-12", "Country\tDec 2023"))
    with pytest.raises(DataSourceError, match="not a month name"):
        tic.parse_mfh(replace_bytes(history, "\tDec\tNov\tOct", "\tDec\tNovember\tOct"))
    with pytest.raises(DataSourceError, match="neither a month row"):
        tic.parse_mfh(b"\t\t\nCountry\t\t\nJapan\t1\t2\n\"China, Mainland\"\t3\t4\n")
    with pytest.raises(DataSourceError, match="a month without a year"):
        tic.parse_mfh(history.replace(b"Country\t2023\t2023", b"Country\t\t2023", 1))


def test_non_numeric_value_is_an_error(history):
    with pytest.raises(DataSourceError, match=r"non-numeric value 'n\.a\.' for 2023-11") as caught:
        tic.parse_mfh(replace_bytes(history, "Japan\t1115.3\t1127.5", "Japan\t1115.3\tn.a."))
    assert caught.value.series == JAPAN


def test_wrong_units_are_an_error(tmp_path, history):
    path = tmp_path / "mfhhis01.txt"
    path.write_bytes(replace_bytes(history, "Japan\t1115.3", "Japan\t1115300"))
    with pytest.raises(DataSourceError, match="plausible range") as caught:
        tic.read_file(path)
    assert caught.value.series == JAPAN


def test_a_month_in_two_blocks_is_repaired_with_a_warning(tmp_path, history):
    path = tmp_path / "mfhhis01.txt"
    path.write_bytes(history.replace(b"Country\t2000", b"Country\t2011", 1))
    with pytest.warns(DataRepairWarning, match="duplicated"):
        obs = tic.read_file(path)
    assert not obs.duplicated(["series", "date"]).any()
    assert pd.Timestamp("2000-12-31") not in set(obs["date"])
