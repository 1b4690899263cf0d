"""The service's download plan: each publisher's release rule, jitter, retries, one at a time."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from backtests.service.schedule import (
    JITTER,
    RETRIES,
    Scheduler,
    next_download,
    release_times,
)
from signals.sources import cftc, fred, mof, tic


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_the_next_mof_release_is_the_mof_rule_for_today():
    now = utc("2023-06-14 12:00")  # a Wednesday
    expected = mof.available_at(pd.DatetimeIndex(["2023-06-14"]))[0]
    assert release_times("mof", now, now + pd.Timedelta(days=1))[0] == expected


@pytest.mark.parametrize(("day", "weekday"), [("2023-06-07", "Monday"),
                                              ("2023-06-14", "Tuesday")])  # Juneteenth
def test_fred_includes_the_weekly_h10_release(day, weekday):
    now = utc(f"{day} 12:00")
    times = release_times("fred", now, now + pd.Timedelta(days=7))
    h10 = fred.available_at("DEXJPUS", pd.DatetimeIndex([day]))[0]
    assert h10 in times and h10.tz_convert("America/New_York").day_name() == weekday


def test_the_cftc_release_after_the_2025_shutdown_is_planned():
    times = release_times("cftc", utc("2025-11-18"), utc("2025-11-20"))
    expected = cftc.available_at(pd.DatetimeIndex(["2025-09-30"]))[0]
    assert expected in times
    assert expected.tz_convert("America/New_York") == pd.Timestamp(
        "2025-11-19 15:30", tz="America/New_York")


def test_tic_is_planned_weeks_ahead():
    now = utc("2023-06-20")  # after the June release
    planned = next_download("tic", now, rng=random.Random(0))
    monthly = tic.available_at(pd.date_range("2023-04-01", "2023-06-30", freq="D"))
    assert planned - pd.Timestamp(monthly[monthly > now].min()) <= JITTER


def test_a_download_comes_after_the_release_within_the_jitter_then_retries():
    now = utc("2023-06-14 12:00")
    release = release_times("mof", now, now + pd.Timedelta(days=1))[0]
    first = next_download("mof", now, rng=random.Random(7))
    assert release <= first <= release + JITTER
    again = next_download("mof", first, rng=random.Random(7))
    assert again - (release + RETRIES[0]) <= JITTER and again > release + RETRIES[0]


class Clock:
    def __init__(self, start: str) -> None:
        self.now = utc(start)

    def __call__(self) -> pd.Timestamp:
        return self.now


def test_run_due_downloads_each_due_source_once_and_plans_the_next():
    clock, done = Clock("2023-06-14 12:00"), []
    scheduler = Scheduler(["mof", "treasury"], done.append, clock=clock,
                          rng=random.Random(1))
    assert scheduler.run_due(clock()) == []            # nothing due yet
    first = dict(scheduler.plan)
    clock.now = first["mof"] + pd.Timedelta(seconds=1)
    ran = scheduler.run_due(clock())
    assert "mof" in ran and done.count("mof") == 1
    assert scheduler.plan["mof"] > clock.now           # planned again, later
    assert "mof" not in scheduler.run_due(clock())    # not twice for one release


def test_a_publisher_already_downloading_is_not_started_again():
    clock = Clock("2023-06-14 12:00")
    scheduler = Scheduler(["mof"], lambda name: None, clock=clock)
    clock.now = scheduler.plan["mof"] + pd.Timedelta(seconds=1)
    scheduler.busy.add("mof")                          # a manual refresh holds it
    assert scheduler.due(clock()) == []


def test_a_failed_download_is_reported_and_the_next_one_still_planned():
    clock, errors = Clock("2023-06-14 12:00"), []

    def broken(name):
        raise RuntimeError(f"{name} is down")

    scheduler = Scheduler(["mof"], broken, clock=clock,
                          on_error=lambda name, exc: errors.append((name, str(exc))))
    clock.now = scheduler.plan["mof"] + pd.Timedelta(seconds=1)
    scheduler.run_due(clock())
    assert errors == [("mof", "mof is down")]
    assert scheduler.plan["mof"] > clock.now


@pytest.mark.parametrize("name", ["mof", "mof_week", "treasury", "fred", "yahoo", "cboe",
                                  "cftc", "tic"])
def test_every_publisher_has_a_plan_within_forty_days(name):
    now = utc("2023-06-14 12:00")
    assert now < next_download(name, now, rng=random.Random(3)) <= now + pd.Timedelta(days=41)
