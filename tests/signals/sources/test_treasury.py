"""US Treasury par yield curve: yearly layouts, the yearly fetch, availability, error paths."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest

from signals.errors import DataSourceError
from signals.sources import treasury
from signals.sources.base import DataRepairWarning
from tests.replay import paths, replace_bytes, replay_session

BASE = "/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv"


def path_for(year: int) -> str:
    return f"{BASE}/{year}/all"


@pytest.fixture
def y2021(fixtures) -> bytes:
    return (fixtures / "treasury" / "treasury_par_yield_curve_2021.csv").read_bytes()


@pytest.fixture
def y2023(fixtures) -> bytes:
    return (fixtures / "treasury" / "treasury_par_yield_curve_2023.csv").read_bytes()


# ---------------------------------------------------------------- parsing


def test_golden_values_match_h15(y2023):
    wide = treasury.parse_par_curve(y2023)
    assert list(wide.columns) == list(treasury.SERIES)
    assert wide.index.name == "date" and wide.index.tz is None
    assert wide.index.is_monotonic_increasing  # newest-first file, oldest-first frame
    assert len(wide) == 19
    # fred_DGS*.csv on 2023-12-29: 5.40, 4.23, 3.84, 3.88, 4.03
    assert wide.loc["2023-12-29"].tolist() == [5.40, 4.23, 3.84, 3.88, 4.03]
    assert wide.loc["2023-01-03", "treasury:10Y"] == 3.79


def test_2021_layout_without_4_months(y2021):
    assert b'"4 Mo"' not in y2021
    wide = treasury.parse_par_curve(y2021)
    assert wide.index[0] == pd.Timestamp("2021-01-04")
    assert wide.index[-1] == pd.Timestamp("2021-12-31")
    assert wide.loc["2021-12-31"].tolist() == [0.06, 0.73, 1.26, 1.52, 1.90]


def test_columns_are_selected_by_name(y2023):
    """The 2025 layout adds "1.5 Month" after "1 Mo": positions shift, names do not."""
    lines = y2023.decode().splitlines()
    header = lines[0].replace('"1 Mo",', '"1 Mo","1.5 Month",')
    rows = [line.replace(",", ",5.55,", 2).replace(",5.55,", ",", 1) for line in lines[1:]]
    body = "\n".join([header, *rows]).encode() + b"\n"
    assert body.count(b"5.55") == len(rows)
    pd.testing.assert_frame_equal(treasury.parse_par_curve(body), treasury.parse_par_curve(y2023))


def test_reordered_and_crlf_file_parses_the_same(y2023):
    lines = y2023.decode().splitlines()
    header = lines[0].split(",")
    order = [0, *range(len(header) - 1, 0, -1)]  # Date first, tenors reversed
    flipped = [",".join(line.split(",")[i] for i in order) for line in lines]
    body = "\r\n".join(flipped).encode() + b"\r\n"
    pd.testing.assert_frame_equal(treasury.parse_par_curve(body), treasury.parse_par_curve(y2023))


def test_blank_cell_is_nan(y2023):
    row = "12/28/2023,5.45,5.45,5.45,5.39,5.28,4.94,4.26,4.12,3.83,3.83,{},3.91,3.98"
    body = replace_bytes(y2023, row.format("3.84"), row.format(""))
    wide = treasury.parse_par_curve(body)
    assert np.isnan(wide.loc["2023-12-28", "treasury:10Y"])
    assert wide.loc["2023-12-28", "treasury:30Y"] == 3.98


def test_header_only_file_is_empty(y2023):
    wide = treasury.parse_par_curve(y2023.split(b"\n")[0] + b"\n")
    assert wide.empty and list(wide.columns) == list(treasury.SERIES)


def test_thirty_year_may_be_absent_only_during_the_suspension():
    header = 'Date,"1 Mo","3 Mo","6 Mo","1 Yr","2 Yr","3 Yr","5 Yr","7 Yr","10 Yr","20 Yr"\n'
    body = (header + "12/31/2004,1.89,2.22,2.50,2.75,3.08,3.21,3.63,3.94,4.24,4.85\n").encode()
    wide = treasury.parse_par_curve(body)
    assert wide.loc["2004-12-31", "treasury:10Y"] == 4.24
    assert wide["treasury:30Y"].isna().all()
    later = body.replace(b"12/31/2004", b"02/09/2006")
    with pytest.raises(DataSourceError, match=r"treasury treasury:30Y: the header lacks 30 Yr"):
        treasury.parse_par_curve(later, url="u")


def test_renamed_column_is_an_error(y2023):
    body = replace_bytes(y2023, '"10 Yr"', '"10 Year"')
    with pytest.raises(DataSourceError, match=r"the header lacks 10 Yr .*url: f.csv"):
        treasury.parse_par_curve(body, url="f.csv")


def test_missing_date_column_is_an_error(y2023):
    body = replace_bytes(y2023, "Date,", "Day,")
    with pytest.raises(DataSourceError, match=r"the header lacks Date"):
        treasury.parse_par_curve(body)


def test_unreadable_date_is_an_error(y2023):
    body = replace_bytes(y2023, "12/29/2023", "2023-12-29")
    with pytest.raises(DataSourceError, match=r"unreadable date '2023-12-29'; expected MM/DD"):
        treasury.parse_par_curve(body)


def test_unreadable_value_names_the_series(y2023):
    body = replace_bytes(y2023, "4.10,3.84,3.86", "4.10,3.8x,3.86")
    with pytest.raises(DataSourceError,
                       match=r"treasury treasury:5Y: unreadable value '3.8x' on 2023-12-29"):
        treasury.parse_par_curve(body)


def test_empty_file_is_an_error():
    with pytest.raises(DataSourceError, match=r"not a par yield curve CSV"):
        treasury.parse_par_curve(b"", url="u")


# ---------------------------------------------------------------- availability, read_file


def test_available_at_six_pm_new_york():
    got = treasury.available_at(pd.DatetimeIndex(["2023-12-29", "2023-07-03"]))
    assert list(got) == [pd.Timestamp("2023-12-29 23:00", tz="UTC"),  # EST
                         pd.Timestamp("2023-07-03 22:00", tz="UTC")]  # EDT


def test_read_file_observations(fixtures):
    obs = treasury.read_file(fixtures / "treasury" / "treasury_par_yield_curve_2023.csv")
    assert list(obs.columns) == ["series", "date", "value", "available_at"]
    assert str(obs["available_at"].dt.tz) == "UTC"
    assert len(obs) == 19 * 5
    # after the 3:30 pm quotes, before FRED's next-business-day 16:30 release of the same value
    local = obs["available_at"].dt.tz_convert("America/New_York")
    assert (local.dt.date == obs["date"].dt.date).all()
    assert (local.dt.hour == 18).all()
    row = obs[(obs["series"] == "treasury:3M") & (obs["date"] == "2023-12-29")]
    assert row["value"].item() == 5.40


def test_read_file_warns_on_duplicates(tmp_path, y2023):
    lines = y2023.split(b"\n")
    path = tmp_path / "treasury_par_yield_curve_2023.csv"
    path.write_bytes(b"\n".join([lines[0], lines[1], *lines[1:]]))
    with pytest.warns(DataRepairWarning, match="1 duplicated date"):
        obs = treasury.read_file(path)
    assert len(obs) == 19 * 5


def test_yield_in_basis_points_is_a_unit_error(tmp_path, y2023):
    path = tmp_path / "daily-treasury-rates.csv"
    path.write_bytes(replace_bytes(y2023, "4.10,3.84,3.86,3.88", "4.10,3.84,3.86,388"))
    with pytest.raises(DataSourceError, match=r"treasury treasury:10Y: 1 value\(s\) outside "
                                              r".*388 on 2023-12-29"):
        treasury.read_file(path)


# ---------------------------------------------------------------- fetching


def test_fetch_one_file_per_year_and_concatenates(y2021, y2023):
    routes = {path_for(2021): (200, y2021), path_for(2022): (200, y2021.split(b"\n")[0] + b"\n"),
              path_for(2023): (200, y2023)}
    session = replay_session(routes, content_type="text/csv")
    obs = treasury.fetch_par_curve(session, pd.Timestamp("2021-12-29"), end_year=2023)
    assert paths(session.adapter.calls) == [path_for(2021), path_for(2022), path_for(2023)]
    query = parse_qs(urlparse(session.adapter.calls[2]).query, keep_blank_values=True)
    assert query == {"type": ["daily_treasury_yield_curve"], "field_tdr_date_value": ["2023"],
                     "page": [""], "_format": ["csv"]}
    ten = obs[obs["series"] == "treasury:10Y"].set_index("date")["value"]
    assert ten.index.is_monotonic_increasing and ten.index.is_unique
    assert ten.index[0] == pd.Timestamp("2021-12-29")  # rows before `since` are left out
    assert ten.loc["2021-12-31"] == 1.52
    assert ten.loc["2023-12-29"] == 3.88
    assert len(ten) == 3 + 19


def test_fetch_runs_to_the_current_year(y2023):
    year = pd.Timestamp.now(tz="UTC").year
    header = y2023.split(b"\n")[0] + b"\n"
    session = replay_session({path_for(year - 1): (200, header), path_for(year): (200, header)})
    treasury.SOURCE.fetches[0].run(session, pd.Timestamp(f"{year - 1}-06-01"))
    assert paths(session.adapter.calls) == [path_for(year - 1), path_for(year)]


def test_fetch_everything_starts_in_1990(y2023):
    header = y2023.split(b"\n")[0] + b"\n"
    session = replay_session({path_for(1990): (200, header), path_for(1991): (200, header)})
    treasury.fetch_par_curve(session, None, end_year=1991)
    assert paths(session.adapter.calls) == [path_for(1990), path_for(1991)]


def test_fetch_retries_a_503(y2023):
    session = replay_session({path_for(2023): [(503, ""), (200, y2023)]})
    obs = treasury.fetch_par_curve(session, pd.Timestamp("2023-12-01"), end_year=2023)
    assert len(session.adapter.calls) == 2
    assert obs["date"].max() == pd.Timestamp("2023-12-29")


def test_fetch_html_page_is_an_error(y2021):
    page = b"<!DOCTYPE html>\n<html><head><title>Access Denied</title></head></html>"
    session = replay_session({path_for(2021): (200, y2021), path_for(2022): (200, page)})
    with pytest.raises(DataSourceError, match=r"^treasury treasury:3M..30Y: .*HTML page.*"
                                              r"url: https://home.treasury.gov/.*/2022/all"):
        treasury.fetch_par_curve(session, pd.Timestamp("2021-01-01"), end_year=2022)


def test_fetch_empty_body_is_an_error():
    session = replay_session({path_for(2023): (200, b"")})
    with pytest.raises(DataSourceError, match=r"empty body.*field_tdr_date_value=2023"):
        treasury.fetch_par_curve(session, pd.Timestamp("2023-01-01"), end_year=2023)


def test_fetch_wrong_year_is_an_error(y2023):
    session = replay_session({path_for(2022): (200, y2023)})
    with pytest.raises(DataSourceError, match=r"asked for 2022 but the file holds dates from "
                                              r"2023-01-03 to 2023-12-29.*/2022/all"):
        treasury.fetch_par_curve(session, pd.Timestamp("2022-01-01"), end_year=2022)


def test_fetch_missing_year_is_an_error():
    session = replay_session({})
    with pytest.raises(DataSourceError, match=r"HTTP 404.*/2023/all"):
        treasury.fetch_par_curve(session, pd.Timestamp("2023-01-01"), end_year=2023)


def test_fetch_since_after_end_year_is_empty():
    session = replay_session({})
    obs = treasury.fetch_par_curve(session, pd.Timestamp("2024-01-01"), end_year=2023)
    assert obs.empty and session.adapter.calls == []


# ---------------------------------------------------------------- the Source


def test_source_contract():
    source = treasury.SOURCE
    assert source.name == "treasury" and source.revision_days == 7
    assert source.bundled == ()
    (fetch,) = source.fetches
    assert fetch.label == "treasury" and fetch.series == treasury.SERIES
    for name in ("treasury_par_yield_curve.csv", "treasury_par_yield_curve_2023.csv",
                 "daily-treasury-rates.csv", "daily-treasury-rates (3).csv"):
        assert source.handles(name), name
    for name in ("treasury_par_yield_curve_23.csv", "fred_DGS10.csv", "mof_jgbcme.csv"):
        assert not source.handles(name), name
