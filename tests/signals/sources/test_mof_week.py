"""MOF weekly securities transactions: the real layout, the 2014 break, availability, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import requests

import signals
from signals import Store
from signals.data.bundled import BUNDLED_DIR
from signals.data.datadir import read_macro_files, scan_data_dir
from signals.data.update import refresh_macro
from signals.errors import DataSourceError
from signals.sources import mof_week
from signals.sources.catalog import MACRO
from signals.sources.japan_calendar import tokyo_closed_days
from signals.sources.registry import get_source, source_for_file
from tests.replay import paths, replace_bytes, replay_session

PATH = "/policy/international_policy/reference/itn_transactions_in_securities/week.csv"
BUNDLED = BUNDLED_DIR / "macro" / "mof_week.csv"
NET, ACQ, DISP = ("mof_week:out_lt_debt_net", "mof_week:out_lt_debt_acq",
                  "mof_week:out_lt_debt_disp")
CRLF = b"\r\n"


@pytest.fixture
def week(fixtures) -> bytes:
    return (fixtures / "mof_week" / "week.csv").read_bytes()


def lines(body: bytes) -> list[bytes]:
    """The CRLF-terminated lines of `body` (the quoted LF in cell A11 stays inside one)."""
    assert body.endswith(CRLF)
    return [line + CRLF for line in body.split(CRLF)[:-1]]


def at_utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# ---------------------------------------------------------------- parsing the excerpt


def test_the_fixture_is_the_publishers_bytes(week):
    with pytest.raises(UnicodeDecodeError):
        week.decode("utf-8")  # cp932 on the wire
    assert week.count(CRLF) == 37 and b'"\x8a\xfa\x8a\xd4\nPeriod"' in week  # 期間, LF inside
    bundled = BUNDLED.read_bytes()
    assert all(line in bundled for line in lines(week))


def test_golden_values_by_hand(week):
    wide = mof_week.parse_week(week)
    assert list(wide.columns) == list(mof_week.SERIES)
    assert wide.index.name == "date" and wide.index.tz is None
    assert wide.dtypes.eq("float64").all()
    assert len(wide) == 16
    first = wide.loc["2005-01-08"]  # 2005．1．2～ 1．8
    assert first[ACQ] == 23929 and first[DISP] == 15051 and first[NET] == 8878
    assert first["mof_week:out_equity_net"] == 270
    assert first["mof_week:out_st_debt_net"] == 662
    assert first["mof_week:in_lt_debt_net"] == 4192
    assert wide.loc["2005-01-22", NET] == -2729  # quoted negative: "-2,729 "
    assert wide.loc["2005-01-15", "mof_week:out_st_debt_net"] == -671  # unquoted: -671
    last = wide.loc["2023-12-30"]
    assert last[ACQ] == 29347 and last[DISP] == 31396 and last[NET] == -2048
    assert last["mof_week:in_lt_debt_net"] == 4607
    assert wide.loc["2023-12-16", ACQ] == 107505  # six digits: "107,505 "


def test_every_label_style_gives_the_weeks_saturday(week):
    dates = mof_week.parse_week(week).index
    assert (dates.day_of_week == 5).all()
    expected = ["2005-01-08", "2005-01-15", "2005-01-22",
                "2006-12-30", "2007-01-06",                  # '2006．12．31～ 2007．1．6'
                "2013-12-21", "2013-12-28", "2014-01-04",    # space until 2013-12-22
                "2014-01-11", "2014-01-18",
                "2017-12-30", "2018-01-06", "2018-01-13",    # trailing spaces
                "2023-12-16", "2023-12-23", "2023-12-30"]
    assert list(dates.strftime("%Y-%m-%d")) == expected


@pytest.mark.parametrize(("cell", "end"), [
    ("2005．1．2～ 1．8", "2005-01-08"),
    ("2013．12．29～2014．1．4", "2014-01-04"),
    ("2006．12．31～ 2007．1．6", "2007-01-06"),
    ("2017．12．31～2018．1．6 ", "2018-01-06"),
    ("2025．12．28～2026．1．3", "2026-01-03"),
])
def test_the_period_pattern(cell, end):
    match = mof_week.PERIOD.fullmatch(cell.strip())
    assert match is not None
    year = match[4] or match[1]
    assert pd.Timestamp(int(year), int(match[5]), int(match[6])) == pd.Timestamp(end)


def test_the_table_has_all_22_columns_with_the_stored_ones_among_them(week):
    table = mof_week.parse_week_table(week)
    assert list(table.columns) == list(mof_week.COLUMNS) and len(table.columns) == 22
    row = table.loc["2005-01-08"]
    assert row["out_subtotal_net"] == 9149 and row["out_total_net"] == 9811
    assert row["in_equity_net"] == 2278 and row["in_total_net"] == 10363
    wide = mof_week.parse_week(week)
    for sid in mof_week.SERIES:
        code = sid.split(":", 1)[1]
        pd.testing.assert_series_equal(wide[sid], table[code], check_names=False)


def test_the_2014_break_is_exposed(week):
    assert pd.Timestamp("2014-01-01") == mof_week.BREAK_2014
    dates = mof_week.parse_week(week).index
    after = dates[dates >= mof_week.BREAK_2014]
    assert after[0] == pd.Timestamp("2014-01-04")  # the week 2013-12-29..2014-01-04


# ---------------------------------------------------------------- the whole real file


@pytest.fixture(scope="module")
def bundled_table() -> pd.DataFrame:
    return mof_week.parse_week_table(BUNDLED.read_bytes(), url=str(BUNDLED))


def test_bundled_copy_is_the_shared_file_byte_for_byte(shared_data):
    assert BUNDLED.read_bytes() == (shared_data / "macro" / "mof_week.csv").read_bytes()


def test_bundled_weeks_are_contiguous_since_2005_01_02(bundled_table):
    dates = bundled_table.index
    assert dates[0] == pd.Timestamp("2005-01-08")  # the week 2005-01-02..08
    assert dates[-1] == pd.Timestamp("2023-12-30")
    assert (np.diff(dates.to_numpy()) == np.timedelta64(7, "D")).all()
    assert len(dates) == 991 and (dates.day_of_week == 5).all()
    assert not bundled_table.isna().any(axis=None)


@pytest.mark.parametrize("side", ["out", "in"])
@pytest.mark.parametrize("instrument", ["equity", "lt_debt", "st_debt"])
def test_net_is_acquisition_less_disposition_on_every_row(bundled_table, side, instrument):
    t = bundled_table
    gap = t[f"{side}_{instrument}_acq"] - t[f"{side}_{instrument}_disp"] \
        - t[f"{side}_{instrument}_net"]
    assert gap.abs().max() <= 1  # Note 2: totals may not add due to rounding
    assert (t[f"{side}_{instrument}_acq"] >= 0).all()
    assert (t[f"{side}_{instrument}_disp"] >= 0).all()


@pytest.mark.parametrize("side", ["out", "in"])
def test_subtotal_and_total_add_up(bundled_table, side):
    t = bundled_table
    subtotal = t[f"{side}_equity_net"] + t[f"{side}_lt_debt_net"] - t[f"{side}_subtotal_net"]
    total = t[f"{side}_subtotal_net"] + t[f"{side}_st_debt_net"] - t[f"{side}_total_net"]
    assert subtotal.abs().max() <= 1 and total.abs().max() <= 1


def test_the_2014_break_shows_in_the_data(bundled_table):
    """Investment funds moved into equity: its gross purchases jump, more than doubling."""
    buys = bundled_table["out_equity_acq"]
    year = buys.index.year
    assert buys[year == 2014].median() > 2 * buys[year == 2013].median()


def test_bundled_observations_are_in_bounds_and_stamped_after_the_week(tmp_path):
    obs = mof_week.read_file(BUNDLED)
    assert set(obs["series"]) == set(mof_week.SERIES)
    assert len(obs) == 6 * 991
    week_end = (obs["date"] + pd.Timedelta(days=1)).dt.tz_localize("Asia/Tokyo")
    assert (obs["available_at"] > week_end).all()
    lag = obs["available_at"] - obs["date"].dt.tz_localize("UTC")
    assert lag.min() >= pd.Timedelta(days=5, hours=1)  # Thursday 01:00 UTC at the soonest
    assert lag.max() <= pd.Timedelta(days=14)


# ---------------------------------------------------------------- availability


@pytest.mark.parametrize(("week_end", "released"), [
    ("2011-09-03", "2011-09-08"),  # an ordinary week: Thursday
    ("2023-11-25", "2023-11-30"),  # an ordinary week: Thursday
    ("2011-12-24", "2012-01-04"),  # Dec 26, 27, 28, then Jan 4: offices shut Dec 29 - Jan 3
    ("2022-12-24", "2023-01-04"),  # Dec 26, 27, 28, then Jan 4 (the banks' calendar: Dec 29)
    ("2023-12-30", "2024-01-10"),  # Jan 4, 5, (8: Coming of Age Day), 9, 10
    ("2023-07-15", "2023-07-21"),  # Monday 17: Marine Day -> Friday
    ("2019-04-27", "2019-05-10"),  # the 2019 ten-day Golden Week, Apr 27 - May 6
    ("2024-04-27", "2024-05-07"),  # 29 Showa Day; 30, 1, 2; 3-6 shut (6: substitute)
    ("2024-05-04", "2024-05-10"),
    ("2015-09-19", "2015-09-29"),  # Silver Week: 21, 22 (citizens' holiday), 23 equinox
])
def test_released_on_the_fourth_tokyo_business_day_at_10_jst(week_end, released):
    got = mof_week.available_at(pd.DatetimeIndex([week_end]))[0]
    assert got == at_utc(f"{released} 01:00")
    assert got == pd.Timestamp(f"{released} 10:00", tz="Asia/Tokyo")


def test_availability_is_never_a_utc_midnight_nor_before_0850_jst():
    weeks = pd.date_range("2005-01-08", "2030-12-28", freq="W-SAT")
    got = mof_week.available_at(weeks)
    assert str(got.tz) == "UTC"
    assert ((got - got.normalize()) == pd.Timedelta(hours=1)).all()
    tokyo = got.tz_convert("Asia/Tokyo")
    assert (tokyo.day_of_week < 5).all()
    assert ((tokyo - tokyo.normalize()) > pd.Timedelta(hours=8, minutes=50)).all()
    # Thursday, unless a holiday or the year-end closure falls on Monday to Thursday
    closed = set(pd.DatetimeIndex(tokyo_closed_days("government")))
    for saturday, release in zip(weeks, tokyo.tz_localize(None).normalize(), strict=True):
        monday_to_thursday = pd.date_range(saturday + pd.Timedelta(days=2), periods=4)
        thursday = monday_to_thursday[-1]
        assert (release == thursday) == closed.isdisjoint(monday_to_thursday), saturday
        assert release >= thursday
    assert (tokyo.day_of_week == 3).mean() > 0.75


# ---------------------------------------------------------------- revisions, fetching


def test_fetch_through_requests_reads_the_file(week):
    session = replay_session({PATH: (200, week)}, content_type="text/csv")
    obs = mof_week.SOURCE.fetches[0].run(session, None)
    assert paths(session.adapter.calls) == [PATH]
    assert list(obs.columns) == ["series", "date", "value", "available_at"]
    net = obs[obs["series"] == NET].set_index("date")
    assert net.loc["2023-12-30", "value"] == -2048
    assert net.loc["2023-12-30", "available_at"] == at_utc("2024-01-10 01:00")
    assert len(obs) == 6 * 16


def test_fetch_since_keeps_later_weeks(week):
    session = replay_session({PATH: (200, week)})
    obs = mof_week.fetch_week(session, pd.Timestamp("2023-12-17"))
    assert sorted(obs["date"].unique()) == [pd.Timestamp("2023-12-23"),
                                            pd.Timestamp("2023-12-30")]


def test_a_revised_week_replaces_the_provisional_one(week):
    """The last row is provisional; the next release revises it and the store upserts."""
    rows = lines(week)
    last_week = rows.index(next(r for r in rows if r.startswith("2023．12．24".encode("cp932"))))
    first_release = b"".join(rows[:last_week] + rows[last_week + 1:])
    first_release = replace_bytes(first_release, '"55,226 ","56,873 ","-1,648 "',
                                  '"55,226 ","56,000 ",-774 ')
    store = Store()
    session = replay_session({PATH: [(200, first_release), (200, week)]})
    (result,) = refresh_macro(store, sources=[mof_week.SOURCE], session=session)
    assert result.ok, result.error
    provisional = store.read_observations()[NET].set_index("date")
    assert provisional.loc["2023-12-23", "value"] == -774
    (result,) = refresh_macro(store, sources=[mof_week.SOURCE], session=session)
    assert result.ok, result.error
    revised = store.read_observations()[NET].set_index("date")
    assert revised.loc["2023-12-23", "value"] == -1648
    assert revised.loc["2023-12-23", "available_at"] == at_utc("2023-12-28 01:00")
    assert revised.loc["2023-12-30", "value"] == -2048
    assert mof_week.SOURCE.revision_days == 7


def test_fetch_retries_a_503(week):
    session = replay_session({PATH: [(503, ""), (200, week)]})
    obs = mof_week.fetch_week(session)
    assert paths(session.adapter.calls) == [PATH, PATH] and len(obs) == 6 * 16


def test_fetch_html_page_is_an_error():
    session = replay_session({PATH: (200, b"<!DOCTYPE html><html><body>Not found</body></html>")})
    with pytest.raises(DataSourceError, match=r"^mof_week .*HTML page.*url: https://www.mof"
                                              r".go.jp/.*week.csv") as caught:
        mof_week.fetch_week(session)
    assert caught.value.source == "mof_week"


def test_fetch_empty_body_is_an_error():
    session = replay_session({PATH: (200, b"")})
    with pytest.raises(DataSourceError, match=r"empty body.*week.csv"):
        mof_week.fetch_week(session)


def test_fetch_network_failure_is_an_error():
    session = replay_session({PATH: requests.ConnectionError("reset")})
    with pytest.raises(DataSourceError, match=r"cannot connect: reset"):  # at once, no retry
        mof_week.fetch_week(session)


# ---------------------------------------------------------------- every error path


def test_wrong_measure_header_is_an_error(week):
    body = replace_bytes(week, ",Acquisition,Disposition,Net,Acquisition",
                         ",Purchases,Sales,Net,Acquisition")
    with pytest.raises(DataSourceError, match=r"^mof_week .*no header row 'Acquisition,"
                                              r"Disposition,Net,\.\.\.'.*url: f"):
        mof_week.parse_week(body, url="f")


def test_changed_unit_is_an_error(week):
    body = replace_bytes(week, "Unit: 100 million Yen", "Unit: billion Yen")
    with pytest.raises(DataSourceError, match=r"does not say 'Unit: 100 million Yen'"):
        mof_week.parse_week(body)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("2. Portfolio Investment Liabilities", "2. Other",
     r"block header lacks '2\. Portfolio Investment Liabilities' in column 13"),
    (" Long-term debt securities", " Debt securities",
     r"instrument header lacks 'Long-term debt securities' in column 5"),
    (",Subtotal,Short-term debt securities", ",Short-term debt securities,Subtotal",
     r"instrument header lacks 'Subtotal' in column 8"),
])
def test_moved_header_columns_are_errors(week, old, new, message):
    with pytest.raises(DataSourceError, match=message):
        mof_week.parse_week(replace_bytes(week, old, new))


def test_a_file_cut_inside_a_row_is_an_error(week):
    row = "2023．12．24～12．30,".encode("cp932")
    cut = week[:week.index(row) + len(row) + len(b'"10,687 ","10,285 ",403 ,')]
    with pytest.raises(DataSourceError, match=r"line 30: 5 cells, expected 23; the file "
                                              r"looks cut"):
        mof_week.parse_week(cut)


def test_a_file_cut_at_a_line_end_is_an_error(week):
    cut = b"".join(lines(week)[:30])
    with pytest.raises(DataSourceError, match=r"ends inside the table, without the row of "
                                              r"commas.*looks cut"):
        mof_week.parse_week(cut)


def test_a_header_without_rows_is_an_error(week):
    rows = lines(week)
    with pytest.raises(DataSourceError, match=r"no weekly rows"):
        mof_week.parse_week(b"".join(rows[:14] + rows[30:]))


@pytest.mark.parametrize(("body", "message"), [
    (b"", r"empty file"),
    (b"\x81\x7f\xff\xfe\x00\x01", r"not a text file in cp932 \(Shift_JIS\) or UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"no header row 'Acquisition"),
    (b'"' + b"x" * 200_000, r"unreadable CSV: field larger than field limit"),
    (b"Date,1Y,2Y\r\n2023/12/29,-0.026,0.048\r\n", r"no header row 'Acquisition"),
])
def test_garbage_is_an_error(body, message):
    with pytest.raises(DataSourceError, match=message):
        mof_week.parse_week(body)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("2014．1．12～1．18", "2014/1/12-1/18", r"line 24: unreadable week '2014/1/12-1/18'"),
    ("2014．1．5～1．11", "2014．1．5～1．12", r"line 23: '2014．1．5～1．12' is not a "
                                            r"Sunday-to-Saturday week"),
    ("2013．12．29～2014．1．4", "2013．12．29～1．4", r"line 22: .* is not a Sunday-to-"),
    ("2005．1．9～ 1．15", "2005．13．9～ 1．15", r"line 16: .* is not a Sunday-to-"),
])
def test_unreadable_weeks_are_errors(week, old, new, message):
    body = week.replace(old.encode("cp932"), new.encode("cp932"))
    assert body != week
    with pytest.raises(DataSourceError, match=message):
        mof_week.parse_week(body)


@pytest.mark.parametrize(("old", "new", "message"), [
    ('"55,226 ","56,873 ","-1,648 "', '"55,226 ","56,873 ","-1,6x8 "',
     r"mof_week:out_lt_debt_net: line 29: unreadable number '-1,6x8 ' in column 7"),
    ('"55,226 ","56,873 "', '"55,226 ","5,68,73 "',
     r"mof_week:out_lt_debt_disp: line 29: unreadable number '5,68,73 ' in column 6"),
    ('403 ,"29,347 "', '403 ,"29.347 "', r"line 30: unreadable number '29.347 ' in column 5"),
])
def test_unreadable_numbers_are_errors(week, old, new, message):
    with pytest.raises(DataSourceError, match=message):
        mof_week.parse_week(replace_bytes(week, old, new))


def test_a_value_in_yen_not_oku_is_a_unit_error(tmp_path, week):
    path = tmp_path / "mof_week.csv"
    path.write_bytes(replace_bytes(week, '"-2,048 "', '"-204,800,000 "'))
    with pytest.raises(DataSourceError, match=r"mof_week mof_week:out_lt_debt_net: 1 value\(s\)"
                                              r" outside .*-2.048e\+08 on 2023-12-30"):
        mof_week.read_file(path)


# ---------------------------------------------------------------- registration


def test_source_contract():
    source = get_source("mof_week")
    assert source is mof_week.SOURCE and source.name == "mof_week"
    assert source.revision_days == 7 and source.bundled == ("mof_week.csv",)
    (fetch,) = source.fetches
    assert fetch.label == "mof_week" and fetch.series == mof_week.SERIES
    assert source.handles("mof_week.csv") and source.handles("MOF_WEEK.CSV")
    assert not source.handles("week.csv") and not source.handles("mof_weekly.csv")
    assert source_for_file("mof_week.csv") is source
    assert "Ministry of Finance Japan" in source.attribution


def test_catalog_names_every_stored_series_with_unit_and_bounds():
    fed = {sid: name for name, spec in MACRO.items() for sid in spec.sources}
    assert {sid for sid in fed if sid.startswith("mof_week:")} == set(mof_week.SERIES)
    spec = MACRO["japan_foreign_bond_net"]
    assert spec.sources == (NET,) and spec.frequency == "weekly"
    assert spec.unit == "100 million JPY"
    assert spec.bounds[0] < -57528 and spec.bounds[1] > 43271  # the 2005-2023 extremes
    assert MACRO["foreign_japan_bond_net"].sources == ("mof_week:in_lt_debt_net",)


def test_notice_credits_the_mof_for_the_bundled_file():
    notice = (BUNDLED_DIR / "NOTICE").read_text(encoding="utf-8")
    entry = notice.split("macro/mof_week.csv", 1)[1].split("\n\n", 1)[0]
    assert "Ministry of Finance Japan" in entry
    assert "Government of Japan Standard Terms of Use" in entry


def test_a_data_dir_file_is_read(tmp_path, week):
    (tmp_path / "macro").mkdir()
    (tmp_path / "macro" / "mof_week.csv").write_bytes(week)
    scan = scan_data_dir(tmp_path)
    assert list(scan.macro) == ["mof_week"]
    obs = read_macro_files(scan)
    assert set(obs["series"]) == set(mof_week.SERIES) and len(obs) == 6 * 16


def test_load_macro_offline_carries_the_weekly_flows():
    with pytest.warns(signals.BundledDataWarning):
        macro = signals.load_macro()
    for name in ("japan_foreign_bond_net", "japan_foreign_bond_acquisition",
                 "japan_foreign_bond_disposition", "japan_foreign_equity_net",
                 "japan_foreign_bill_net", "foreign_japan_bond_net"):
        assert name in macro, name
    frame = macro.frame("japan_foreign_bond_net").set_index("date")
    assert set(frame["origin"]) == {"bundled"}
    assert len(frame) == 991
    assert frame.loc["2023-12-30", "value"] == -2048
    assert frame.loc["2023-12-30", "available_at"] == at_utc("2024-01-10 01:00")
    week_over = (frame.index + pd.Timedelta(days=1)).tz_localize("Asia/Tokyo")
    assert (frame["available_at"] > week_over).all()
    series = macro["japan_foreign_bond_net"]
    assert series.index.is_monotonic_increasing and str(series.index.tz) == "UTC"
