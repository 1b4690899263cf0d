import pandas as pd

from signals.sources.release import at_local_time, next_weekday, shift_us_business_days


def test_local_time_follows_daylight_saving():
    got = at_local_time(pd.DatetimeIndex(["2024-01-15", "2024-07-15"]), "16:15",
                        "America/New_York")
    assert list(got.strftime("%H:%M")) == ["21:15", "20:15"]


def test_an_hour_that_happens_twice_is_the_later_instant():
    got = at_local_time(pd.DatetimeIndex(["2023-10-29"]), "01:30", "Europe/London")
    assert got[0] == pd.Timestamp("2023-10-29 01:30", tz="UTC")  # GMT, not the BST 00:30


def test_an_hour_that_does_not_happen_moves_forward():
    got = at_local_time(pd.DatetimeIndex(["2023-03-26"]), "01:30", "Europe/London")
    assert got[0] == pd.Timestamp("2023-03-26 01:00", tz="UTC")  # 02:00 BST


def test_business_days_skip_weekends_and_federal_holidays():
    got = shift_us_business_days(pd.DatetimeIndex(["2023-12-22", "2023-12-23", "2024-01-12"]), 1)
    assert list(got.strftime("%Y-%m-%d")) == ["2023-12-26", "2023-12-26", "2024-01-16"]


def test_next_weekday_is_strictly_after():
    got = next_weekday(pd.DatetimeIndex(["2024-01-01", "2024-01-05"]), 0)  # Mon, Fri
    assert list(got.strftime("%Y-%m-%d")) == ["2024-01-08", "2024-01-08"]
