"""CFTC yen positioning: every layout, Socrata paging, the release calendar, every error path."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest

from signals.errors import DataSourceError
from signals.sources import cftc, cftc_calendar
from signals.sources.base import DataRepairWarning
from signals.sources.release import at_local_time, us_holidays
from tests.replay import paths, replay_session

API_PATH = "/resource/6dca-aqww.json"
OI, LONG, SHORT = cftc.SERIES


@pytest.fixture
def csv_excerpt(fixtures) -> bytes:
    return (fixtures / "cftc" / "cftc_jpy_legacy_futures.csv").read_bytes()


@pytest.fixture
def page1(fixtures) -> bytes:
    return (fixtures / "cftc" / "socrata_page1.json").read_bytes()


@pytest.fixture
def page2(fixtures) -> bytes:
    return (fixtures / "cftc" / "socrata_page2.json").read_bytes()


@pytest.fixture
def annual_zip(fixtures) -> bytes:
    return (fixtures / "cftc" / "deacot2023.zip").read_bytes()


def _annual_text(annual_zip: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(annual_zip)) as archive:
        return archive.read("annual.txt")


def _zip(member: str, body: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, body)
    return buffer.getvalue()


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def _ny(day: str, clock: str = "15:30") -> pd.Timestamp:
    return at_local_time(pd.DatetimeIndex([day]), clock, "America/New_York")[0]


# ---------------------------------------------------------------- parsing


def test_bundled_file_golden_values(bundled):
    obs = cftc.read_file(bundled / "macro" / "cftc_jpy_legacy_futures.csv")
    wide = obs.pivot(index="date", columns="series", values="value")
    assert list(wide.columns) == sorted(cftc.SERIES)
    assert len(wide) == 991 and wide.index[0] == pd.Timestamp("2005-01-04")
    last = wide.loc["2023-12-26"]
    assert (last[OI], last[LONG], last[SHORT]) == (188540, 37321, 92889)
    assert wide.loc["2005-01-04", OI] == 155870
    assert obs["available_at"].dt.tz is not None and str(obs["available_at"].dt.tz) == "UTC"


def test_codes_are_read_as_strings(csv_excerpt):
    naive = pd.read_csv(io.BytesIO(csv_excerpt))
    assert naive["cftc_contract_market_code"].iloc[0] == 97741  # the trap the parser avoids
    wide = cftc.parse_socrata_csv(csv_excerpt)
    assert len(wide) == 29
    assert wide.loc["2019-02-26", OI] > 0


def test_socrata_json_page(page1):
    wide = cftc.parse_socrata_json(page1)
    assert list(wide.columns) == list(cftc.SERIES)
    assert wide.index.name == "date" and wide.index.tz is None
    assert list(wide.index) == [pd.Timestamp("2023-12-12"), pd.Timestamp("2023-12-19")]
    assert wide.loc["2023-12-12"].tolist() == [257581.0, 28226.0, 109357.0]


def test_annual_zip_keeps_the_yen_rows_only_sorted(annual_zip):
    assert b"CANADIAN DOLLAR" in _annual_text(annual_zip)  # really there, and dropped
    assert b'" Total Reportable Positions-Long (All)"' in _annual_text(annual_zip)
    wide = cftc.parse_annual_zip(annual_zip)
    assert list(wide.index) == list(pd.to_datetime(["2023-12-12", "2023-12-19", "2023-12-26"]))
    assert wide.loc["2023-12-26"].tolist() == [188540.0, 37321.0, 92889.0]
    assert 111111.0 not in wide.to_numpy()


def test_every_layout_gives_the_same_numbers(csv_excerpt, page1, page2, annual_zip, fixtures):
    from_csv = cftc.parse_socrata_csv(csv_excerpt).loc["2023-12-12":]
    from_api = pd.concat([cftc.parse_socrata_json(page1), cftc.parse_socrata_json(page2)])
    from_zip = cftc.parse_annual_zip(annual_zip)
    pd.testing.assert_frame_equal(from_api, from_csv)
    pd.testing.assert_frame_equal(from_zip, from_csv)
    deafut = cftc.parse_legacy((fixtures / "cftc" / "deafut.txt").read_bytes())
    pd.testing.assert_frame_equal(deafut, from_csv.loc[["2023-12-26"]])


def test_empty_api_page_is_an_empty_frame():
    wide = cftc.parse_socrata_json(b"[]")
    assert wide.empty and list(wide.columns) == list(cftc.SERIES)


def test_read_file_picks_the_layout_by_name(tmp_path, annual_zip, fixtures):
    (tmp_path / "deacot2023.zip").write_bytes(annual_zip)
    (tmp_path / "annual.txt").write_bytes(_annual_text(annual_zip))
    (tmp_path / "deafut.txt").write_bytes((fixtures / "cftc" / "deafut.txt").read_bytes())
    zipped = cftc.read_file(tmp_path / "deacot2023.zip")
    pd.testing.assert_frame_equal(zipped, cftc.read_file(tmp_path / "annual.txt"))
    assert len(zipped) == 9 and set(zipped["series"]) == set(cftc.SERIES)
    assert len(cftc.read_file(tmp_path / "deafut.txt")) == 3


def test_duplicated_report_is_repaired_with_a_warning(tmp_path, csv_excerpt):
    last_line = csv_excerpt.rstrip().splitlines()[-1]
    path = tmp_path / "cftc_jpy_legacy_futures.csv"
    path.write_bytes(csv_excerpt + last_line + b"\n")
    with pytest.warns(DataRepairWarning, match="duplicated"):
        obs = cftc.read_file(path)
    assert len(obs) == 29 * 3 and not obs.duplicated(["series", "date"]).any()


# ---------------------------------------------------------------- fetching


def test_fetch_pages_until_a_short_page(page1, page2):
    session = replay_session({API_PATH: [(200, page1), (200, page2)]})
    obs = cftc.fetch_cot(session, pd.Timestamp("2023-12-01"), limit=2)
    calls = session.adapter.calls
    assert paths(calls) == [API_PATH, API_PATH]
    first, second = _query(calls[0]), _query(calls[1])
    assert first == {
        "cftc_contract_market_code": "097741",
        "$order": "report_date_as_yyyy_mm_dd",
        "$limit": "2",
        "$offset": "0",
        "$where": "report_date_as_yyyy_mm_dd >= '2023-12-01'",
    }
    assert second["$offset"] == "2" and second["$where"] == first["$where"]
    assert len(obs) == 9
    row = obs[(obs["series"] == LONG) & (obs["date"] == "2023-12-26")].iloc[0]
    assert row["value"] == 37321
    assert row["available_at"] == pd.Timestamp("2023-12-29 20:30", tz="UTC")


def test_fetch_without_since_asks_for_all_history(page2):
    session = replay_session({API_PATH: (200, page2)})
    obs = cftc.fetch_cot(session)
    (call,) = session.adapter.calls
    assert "$where" not in _query(call) and _query(call)["$limit"] == str(cftc.PAGE_LIMIT)
    assert len(obs) == 3


def test_full_last_page_then_empty_page(page1):
    session = replay_session({API_PATH: [(200, page1), (200, "[]")]})
    obs = cftc.fetch_cot(session, limit=2)
    assert len(session.adapter.calls) == 2 and len(obs) == 6


def test_no_new_report_gives_empty_observations():
    session = replay_session({API_PATH: (200, "[]")})
    obs = cftc.fetch_cot(session, pd.Timestamp("2030-01-01"))
    assert obs.empty and list(obs.columns) == ["series", "date", "value", "available_at"]


def test_fetch_retries_a_rate_limit(page2):
    session = replay_session({API_PATH: [(429, ""), (200, page2)]})
    assert len(cftc.fetch_cot(session)) == 3
    assert len(session.adapter.calls) == 2


def test_the_source_object():
    source = cftc.SOURCE
    assert source.name == "cftc" and source.revision_days == 21
    assert source.bundled == ("cftc_jpy_legacy_futures.csv",)
    (fetch,) = source.fetches
    assert fetch.label == "cftc" and fetch.series == cftc.SERIES
    for name in ("cftc_jpy_legacy_futures.csv", "deacot2019.zip", "annual.txt", "deafut.txt"):
        assert source.handles(name)
    assert not source.handles("fut_fin_txt_2019.zip")


# ---------------------------------------------------------------- errors


def test_html_page_is_an_error():
    session = replay_session({API_PATH: (200, "<!DOCTYPE html><html>Maintenance</html>")})
    with pytest.raises(DataSourceError, match="HTML page") as caught:
        cftc.fetch_cot(session)
    assert caught.value.source == "cftc" and caught.value.series == "cftc:097741"
    assert caught.value.url.startswith(cftc.API_URL)


def test_empty_body_is_an_error():
    session = replay_session({API_PATH: (200, "")})
    with pytest.raises(DataSourceError, match="empty body"):
        cftc.fetch_cot(session)


def test_api_error_object_is_an_error():
    body = {"code": "query.soql.no-such-column", "error": True,
            "message": "No such column: report_date"}
    session = replay_session({API_PATH: (400, body)})
    with pytest.raises(DataSourceError, match="HTTP 400"):
        cftc.fetch_cot(session)
    with pytest.raises(DataSourceError, match="No such column: report_date") as caught:
        cftc.parse_socrata_json(json.dumps(body).encode(), url="u")
    assert caught.value.url == "u"


def test_not_json_is_an_error():
    with pytest.raises(DataSourceError, match="not JSON"):
        cftc.parse_socrata_json(b"report_date,code\n")


def test_api_ignoring_offset_is_an_error(page1):
    session = replay_session({API_PATH: (200, page1)})
    with pytest.raises(DataSourceError, match="does not advance"):
        cftc.fetch_cot(session, limit=2)


def test_code_column_missing_is_an_error(page1):
    records = json.loads(page1)
    for record in records:
        del record["cftc_contract_market_code"]
    with pytest.raises(DataSourceError, match="no column 'cftc_contract_market_code'"):
        cftc.parse_socrata_json(json.dumps(records).encode())


def test_annual_header_without_code_column_is_an_error(annual_zip):
    text = _annual_text(annual_zip).replace(b'"CFTC Contract Market Code"', b'"Code"', 1)
    with pytest.raises(DataSourceError, match="no column 'CFTC Contract Market Code'"):
        cftc.parse_legacy(text)


def test_no_yen_rows_is_an_error(annual_zip):
    text = _annual_text(annual_zip).replace(b",097741,", b",096742,")
    with pytest.raises(DataSourceError, match="no rows for contract market code 097741"):
        cftc.parse_annual_zip(_zip("annual.txt", text))


def test_zip_without_annual_txt_is_an_error(annual_zip):
    with pytest.raises(DataSourceError, match=r"not annual\.txt"):
        cftc.parse_annual_zip(_zip("FinFutYY.txt", _annual_text(annual_zip)))
    with pytest.raises(DataSourceError, match="not a zip"):
        cftc.parse_annual_zip(b"PK but not really a zip")


def test_empty_and_narrow_files_are_errors():
    with pytest.raises(DataSourceError, match="empty file"):
        cftc.parse_legacy(b"  \r\n")
    with pytest.raises(DataSourceError, match="only 4 column"):
        cftc.parse_legacy(b'"JAPANESE YEN",231226,2023-12-26,097741\n')


def test_bad_date_and_bad_value_are_errors(csv_excerpt):
    bad_date = csv_excerpt.replace(b"2023-12-26T00", b"2023-13-26T00")
    with pytest.raises(DataSourceError, match="unreadable report date '2023-13-26'"):
        cftc.parse_socrata_csv(bad_date)
    bad_value = csv_excerpt.replace(b",188540,", b",18854O,")
    with pytest.raises(DataSourceError, match="non-numeric 'open_interest_all' '18854O'"):
        cftc.parse_socrata_csv(bad_value)


def test_implausible_units_are_an_error(tmp_path, csv_excerpt):
    path = tmp_path / "cftc_jpy_legacy_futures.csv"
    path.write_bytes(csv_excerpt.replace(b",188540,", b",18854000000,"))
    with pytest.raises(DataSourceError, match="plausible range") as caught:
        cftc.read_file(path)
    assert caught.value.series == OI and caught.value.url == str(path)


# ---------------------------------------------------------------- release calendar


def test_normal_weeks_release_on_friday_1530_new_york():
    times = cftc_calendar.release_times(["2023-12-26", "2023-07-11"])
    assert times[0] == pd.Timestamp("2023-12-29 20:30", tz="UTC")  # EST
    assert times[1] == pd.Timestamp("2023-07-14 19:30", tz="UTC")  # EDT
    assert cftc.available_at(pd.DatetimeIndex(["2023-12-26"]))[0] == times[0]


@pytest.mark.parametrize(
    ("report", "release"),
    [
        ("2024-06-18", "2024-06-24"),  # Juneteenth on the Wednesday
        ("2024-07-02", "2024-07-08"),  # Independence Day on the Thursday
        ("2024-11-26", "2024-12-02"),  # Thanksgiving
        ("2024-12-24", "2024-12-30"),  # Christmas on the Wednesday
        ("2024-12-31", "2025-01-06"),  # New Year on the Wednesday
        ("2025-01-07", "2025-01-13"),  # Carter day of mourning, Thursday 2025-01-09
        ("2007-01-03", "2007-01-08"),  # a Wednesday report date: a short week
        ("2023-07-03", "2023-07-07"),  # Monday report, Tuesday holiday: the usual Friday
    ],
)
def test_holiday_weeks(report, release):
    assert cftc_calendar.release_times([report])[0] == _ny(release)


@pytest.mark.parametrize(
    ("report", "original"),
    [("2025-11-10", "2025-11-14"), ("2025-11-25", "2025-12-01"),
     ("2025-12-23", "2025-12-29"), ("2025-12-30", "2026-01-05")],
)
def test_rule_reproduces_the_cftc_original_2025_dates(report, original):
    assert cftc_calendar.scheduled_dates([report])[0] == pd.Timestamp(original)


def test_2025_shutdown_table():
    (block,) = [b for b in cftc_calendar.EXCEPTIONS if b.releases[0][0] == "2025-09-30"]
    assert block.evidence == "doc" and len(block.releases) == 17
    reports = [report for report, _ in block.releases]
    times = cftc_calendar.release_times(reports)
    expected = [_ny(release) for _, release in block.releases]
    assert list(times) == expected
    assert times[0] == pd.Timestamp("2025-11-19 20:30", tz="UTC")
    assert cftc_calendar.release_dates(["2025-11-25"])[0] == pd.Timestamp("2025-12-19")
    # the last row is where the normal schedule resumes
    assert cftc_calendar.scheduled_dates(["2026-01-20"])[0] == pd.Timestamp("2026-01-23")


def test_2018_19_shutdown():
    dates = cftc_calendar.release_dates(["2018-12-18", "2018-12-24", "2019-01-08", "2019-03-05"])
    assert list(dates) == list(pd.to_datetime(
        ["2018-12-21", "2019-02-01", "2019-02-08", "2019-03-08"]))
    levels = {b.releases[0][0]: b.evidence for b in cftc_calendar.EXCEPTIONS}
    assert levels["2018-12-24"] == "doc" and levels["2018-12-31"] == "derived"


def test_2013_shutdown_estimates_are_marked_and_late():
    (block,) = [b for b in cftc_calendar.EXCEPTIONS if b.releases[0][0] == "2013-10-01"]
    assert block.evidence == "estimate" and "UNVERIFIED" in block.note
    released = cftc_calendar.release_dates([report for report, _ in block.releases])
    # nothing before the week after the CFTC's 2013-10-17 notice, all in autumn 2013
    assert released.min() >= pd.Timestamp("2013-10-25")
    assert released.max() <= pd.Timestamp("2013-11-30")
    assert cftc_calendar.release_dates(["2013-11-19"])[0] == pd.Timestamp("2013-11-22")


def test_exception_table_is_consistent():
    table = cftc_calendar.exception_table()
    assert table.index.is_unique and table.index.is_monotonic_increasing
    assert (table.to_numpy() > table.index.to_numpy()).all()
    days = table.to_numpy().astype("datetime64[D]")
    assert np.is_busday(days, holidays=us_holidays()).all()
    assert {b.evidence for b in cftc_calendar.EXCEPTIONS} <= {"doc", "derived", "estimate"}


def test_every_release_follows_the_positions_and_keeps_their_order(bundled):
    raw = (bundled / "macro" / "cftc_jpy_legacy_futures.csv").read_bytes()
    dates = cftc.parse_socrata_csv(raw).index
    times = cftc_calendar.release_times(dates)
    close = at_local_time(dates, "17:00", "America/New_York")  # after the Tuesday close
    assert (times > close + pd.Timedelta(days=2)).all()
    assert times.is_monotonic_increasing
    days = times.tz_convert("America/New_York").normalize().tz_localize(None)
    assert np.is_busday(days.to_numpy().astype("datetime64[D]"), holidays=us_holidays()).all()
    assert (times.tz_convert("America/New_York").strftime("%H:%M") == "15:30").all()
