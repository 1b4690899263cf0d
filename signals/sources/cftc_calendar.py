"""When each CFTC Commitments of Traders report was (or will be) published.

A report holds positions as of the close of its *report date*, normally a Tuesday (a Monday
or a Wednesday when a holiday or a closure shortens the week). The CFTC publishes it at
3:30 p.m. New York time on the Friday after (cftc.gov release schedule). Three layers decide
the release time of a report date, the first that applies winning:

1. **Exception table** (:data:`EXCEPTIONS`): reports delayed by a lapse in appropriations.
   Each block carries a note and an evidence level: ``"doc"`` (the CFTC's own announcement),
   ``"derived"`` (individual dates derived from an announced pattern, unverified one by one)
   or ``"estimate"`` (no schedule found; conservative late guesses).
2. **Holiday rule**: when a US federal holiday or a closure of federal offices
   (:data:`EXTRA_CLOSURES`) falls on the Wednesday, Thursday or Friday before the release
   Friday, or the report date is later than a Tuesday (fewer working days), the release
   moves to the next business day after that Friday. This reproduces the CFTC's starred
   2024 dates: reports of 2024-06-18, 07-02, 11-26 and 12-24 released on Jun 24, Jul 8,
   Dec 2 and Dec 30, and its original 2025 dates of 12-01 (Thanksgiving), 12-29 (Dec 24-26
   closed) and 2026-01-05 (New Year). For a Monday report date the rule is conservative:
   the CFTC sometimes released those before the Friday.
3. **Default**: the first Friday after the report date, 15:30 America/New_York.

The closures by executive order (Christmas Eves, days of mourning) are not in pandas'
federal calendar; they only ever delay a release, so a wrong entry costs a few days of
availability, never lookahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from signals.sources.release import as_dates, at_local_time, next_weekday, us_holidays

__all__ = [
    "EXCEPTIONS",
    "EXTRA_CLOSURES",
    "RELEASE_CLOCK",
    "RELEASE_TZ",
    "ScheduleException",
    "exception_table",
    "release_dates",
    "release_times",
    "scheduled_dates",
]

RELEASE_CLOCK, RELEASE_TZ = "15:30", "America/New_York"

#: Federal offices closed by executive order (not federal holidays): Christmas Eves and days
#: after Christmas, and national days of mourning (Reagan 2004-06-11, Ford 2007-01-02,
#: G. H. W. Bush 2018-12-05, Carter 2025-01-09). From the executive orders as remembered,
#: unverified one by one; each entry can only make a release later.
EXTRA_CLOSURES: tuple[str, ...] = (
    "2001-12-24", "2004-06-11", "2007-01-02", "2007-12-24", "2008-12-26", "2012-12-24",
    "2014-12-26", "2015-12-24", "2018-12-05", "2018-12-24", "2019-12-24", "2020-12-24",
    "2024-12-24", "2025-01-09", "2025-12-24", "2025-12-26",
)


@dataclass(frozen=True)
class ScheduleException:
    """A block of reports published off the normal schedule.

    Attributes
    ----------
    note : str
        What happened and where the dates come from.
    evidence : {"doc", "derived", "estimate"}
        ``"doc"``: dates announced by the CFTC; ``"derived"``: derived from an announced
        pattern; ``"estimate"``: conservative guesses, no schedule found.
    releases : tuple of (str, str)
        ``(report_date, release_date)`` pairs, ISO dates; the release is at 15:30 New York.
    """

    note: str
    evidence: str
    releases: tuple[tuple[str, str], ...]


EXCEPTIONS: tuple[ScheduleException, ...] = (
    ScheduleException(
        note=(
            "October 2013 shutdown (Oct 1-16). On Oct 17 the CFTC said the week's report "
            "would not be published and a revised schedule would follow (Reuters, "
            "2013-10-17); that schedule was not found. Estimate: as after the 2018-19 and "
            "2025 shutdowns, catch-up reports on Tuesdays and Fridays, starting one slot "
            "after the first Friday a week past the shutdown (Oct 25), i.e. on Oct 29; back "
            "on schedule with the 2013-11-19 report. Conservative but UNVERIFIED."
        ),
        evidence="estimate",
        releases=(
            ("2013-10-01", "2013-10-29"), ("2013-10-08", "2013-11-01"),
            ("2013-10-15", "2013-11-05"), ("2013-10-22", "2013-11-08"),
            ("2013-10-29", "2013-11-12"), ("2013-11-05", "2013-11-15"),
            ("2013-11-12", "2013-11-19"),
        ),
    ),
    ScheduleException(
        note=(
            "2018-19 shutdown: the last normal release was 2018-12-21; the report of "
            "Monday 2018-12-24 was published on Friday 2019-02-01 (CFTC announcement, "
            "reported by The Hagstrom Report)."
        ),
        evidence="doc",
        releases=(("2018-12-24", "2019-02-01"),),
    ),
    ScheduleException(
        note=(
            "2018-19 shutdown catch-up: the CFTC announced 'one report on Tuesday and "
            "another on Friday of each week until the reports are current'; the per-report "
            "dates below follow that pattern in chronological order and are UNVERIFIED one "
            "by one. Current again with the 2019-03-05 report on Friday 2019-03-08."
        ),
        evidence="derived",
        releases=(
            ("2018-12-31", "2019-02-05"), ("2019-01-08", "2019-02-08"),
            ("2019-01-15", "2019-02-12"), ("2019-01-22", "2019-02-15"),
            ("2019-01-29", "2019-02-19"), ("2019-02-05", "2019-02-22"),
            ("2019-02-12", "2019-02-26"), ("2019-02-19", "2019-03-01"),
            ("2019-02-26", "2019-03-05"),
        ),
    ),
    ScheduleException(
        note=(
            "2025 shutdown (Oct 1 - Nov 12): the CFTC's revised publication schedule "
            "(CFTC, via mondovisione.com 2025-11-18; catch-up publications at 3:30 p.m. ET, "
            "first on Wednesday Nov 19; normal again with the 2026-01-20 report)."
        ),
        evidence="doc",
        releases=(
            ("2025-09-30", "2025-11-19"), ("2025-10-07", "2025-11-21"),
            ("2025-10-14", "2025-11-25"), ("2025-10-21", "2025-12-02"),
            ("2025-10-28", "2025-12-05"), ("2025-11-04", "2025-12-09"),
            ("2025-11-10", "2025-12-12"), ("2025-11-18", "2025-12-16"),
            ("2025-11-25", "2025-12-19"), ("2025-12-02", "2025-12-23"),
            ("2025-12-09", "2025-12-30"), ("2025-12-16", "2026-01-06"),
            ("2025-12-23", "2026-01-09"), ("2025-12-30", "2026-01-13"),
            ("2026-01-06", "2026-01-16"), ("2026-01-13", "2026-01-20"),
            ("2026-01-20", "2026-01-23"),
        ),
    ),
)


@cache
def exception_table() -> pd.Series:
    """Every exception as one Series: naive report date -> naive release date."""
    pairs = [pair for block in EXCEPTIONS for pair in block.releases]
    reports, releases = zip(*pairs, strict=True)
    return pd.Series(pd.DatetimeIndex(releases).astype("datetime64[ns]"),
                     index=pd.DatetimeIndex(reports).astype("datetime64[ns]"),
                     name="release_date")


@cache
def _closures() -> np.ndarray:
    extra = np.array(EXTRA_CLOSURES, dtype="datetime64[D]")
    return np.union1d(us_holidays(), extra)


def scheduled_dates(report_dates: pd.DatetimeIndex | pd.Series | list) -> pd.DatetimeIndex:
    """The release date the normal calendar gives each report date, before exceptions.

    Parameters
    ----------
    report_dates : DatetimeIndex, Series or list
        Report dates (naive).

    Returns
    -------
    pd.DatetimeIndex
        Naive dates: the Friday after, or the next business day after that Friday in a
        holiday week (layers 2 and 3 of the module docstring).
    """
    dates = as_dates(report_dates)
    closures = _closures()
    friday = next_weekday(dates, 4).to_numpy().astype("datetime64[D]")
    wed_to_fri = friday[:, None] - np.arange(3).astype("timedelta64[D]")
    short_week = np.isin(wed_to_fri, closures).any(axis=1) | (dates.day_of_week > 1)
    after = np.busday_offset(friday, 1, roll="backward", holidays=closures)
    return pd.DatetimeIndex(np.where(short_week, after, friday).astype("datetime64[ns]"))


def release_dates(report_dates: pd.DatetimeIndex | pd.Series | list) -> pd.DatetimeIndex:
    """The publication date of each report date (naive), exceptions applied.

    Parameters
    ----------
    report_dates : DatetimeIndex, Series or list
        Report dates (the Tuesday, or the Monday/Wednesday of a short week, of the positions).

    Returns
    -------
    pd.DatetimeIndex
        Naive release dates, same length and order.
    """
    dates = as_dates(report_dates).astype("datetime64[ns]")
    override = pd.Series(dates).map(exception_table())
    rule = pd.Series(scheduled_dates(dates))
    return pd.DatetimeIndex(override.fillna(rule))


def release_times(report_dates: pd.DatetimeIndex | pd.Series | list) -> pd.DatetimeIndex:
    """When each report was (or will be) published: 15:30 New York on its release date, in UTC.

    Parameters
    ----------
    report_dates : DatetimeIndex, Series or list
        Report dates as the CFTC names them (naive).

    Returns
    -------
    pd.DatetimeIndex
        tz-aware UTC release instants, same length and order (see the module docstring).
    """
    return at_local_time(release_dates(report_dates), RELEASE_CLOCK, RELEASE_TZ)
