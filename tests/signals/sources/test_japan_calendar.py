"""Japanese holidays and Tokyo business days on dates known from the official lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signals.sources.japan_calendar import (
    japan_holidays,
    shift_tokyo_business_days,
    tokyo_closed_days,
)


def holidays_of(year: int) -> list[str]:
    days = pd.DatetimeIndex(japan_holidays().astype("datetime64[ns]"))
    return list(days[days.year == year].strftime("%m-%d"))


def test_2024_as_the_cabinet_office_lists_it():
    assert holidays_of(2024) == [
        "01-01", "01-08", "02-11", "02-12", "02-23", "03-20", "04-29", "05-03", "05-04",
        "05-05", "05-06", "07-15", "08-11", "08-12", "09-16", "09-22", "09-23", "10-14",
        "11-03", "11-04", "11-23"]


def test_2019_golden_week_and_the_accession():
    days = holidays_of(2019)
    # Apr 29 to May 6: Showa Day, two citizens' holidays around the accession, a substitute
    assert {"04-29", "04-30", "05-01", "05-02", "05-03", "05-04", "05-05", "05-06"} <= set(days)
    assert "10-22" in days  # enthronement ceremony
    assert "12-23" not in days and "02-23" not in days  # no Emperor's Birthday in 2019


def test_olympic_years_moved_marine_sports_and_mountain_day():
    assert {"07-23", "07-24", "08-10"} <= set(holidays_of(2020))
    assert not {"07-20", "10-12", "08-11"} & set(holidays_of(2020))
    assert {"07-22", "07-23", "08-09"} <= set(holidays_of(2021))  # Aug 8 a Sunday: Aug 9
    assert not {"07-19", "10-11", "08-11"} & set(holidays_of(2021))


@pytest.mark.parametrize("day", [
    "2006-05-04",  # a citizens' holiday before Greenery Day moved to May 4
    "2009-05-06",  # May 3 on a Sunday: the substitute is the next non-holiday (from 2007)
    "2009-09-22", "2015-09-22", "2026-09-22",  # Silver Week citizens' holidays
    "2018-12-24",  # Emperor's Birthday on a Sunday
    "2005-03-21", "2012-03-20", "2023-03-21", "2012-09-22", "2023-09-23",  # equinoxes
    "2005-01-10", "2005-07-18", "2005-09-19", "2005-10-10",  # Happy Monday
    "2025-02-24", "2020-02-24",  # substitutes for Feb 23
])
def test_known_holidays(day):
    assert np.datetime64(day) in set(japan_holidays())


@pytest.mark.parametrize("day", ["2019-12-23", "2020-12-23", "2019-05-07", "2013-12-31",
                                 "2024-12-29", "2005-05-07"])
def test_known_working_or_closure_days_are_not_holidays(day):
    assert np.datetime64(day) not in set(japan_holidays())


def test_year_end_closures_differ_between_banks_and_government():
    bank = set(tokyo_closed_days("bank"))
    government = set(tokyo_closed_days("government"))
    for day in ("2023-12-31", "2024-01-02", "2024-01-03"):
        assert np.datetime64(day) in bank and np.datetime64(day) in government
    for day in ("2023-12-29", "2024-12-30"):
        assert np.datetime64(day) not in bank and np.datetime64(day) in government
    assert np.datetime64("2024-01-04") not in government


@pytest.mark.parametrize(("start", "n", "calendar", "expected"), [
    ("2022-12-24", 4, "bank", "2022-12-29"),
    ("2022-12-24", 4, "government", "2023-01-04"),
    ("2023-12-28", 1, "government", "2024-01-04"),
    ("2023-12-28", 1, "bank", "2023-12-29"),
    ("2024-04-27", 4, "government", "2024-05-07"),  # Golden Week
    ("2024-01-06", 1, "bank", "2024-01-09"),        # Coming of Age Day Monday
])
def test_shift_business_days(start, n, calendar, expected):
    got = shift_tokyo_business_days(pd.DatetimeIndex([start]), n, calendar=calendar)
    assert got[0] == pd.Timestamp(expected)


def test_unknown_calendar_is_an_error():
    with pytest.raises(ValueError, match=r"calendar must be one of bank, government; got 'tse'"):
        tokyo_closed_days("tse")
