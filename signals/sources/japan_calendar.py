"""Japanese public holidays and Tokyo business days, computed offline from the law's rules.

pandas has no Japanese calendar, so the rules of the Act on National Holidays (国民の祝日に
関する法律, as amended) are written out here for 1989 to 2099:

* **fixed dates**: New Year's Day (Jan 1), National Foundation Day (Feb 11), the
  Emperor's Birthday (Dec 23 from 1989 to 2018, none in 2019, Feb 23 from 2020), Showa Day
  (Apr 29; Greenery Day until 2006), Constitution Memorial Day (May 3), Greenery Day (May 4,
  from 2007), Children's Day (May 5), Mountain Day (Aug 11, from 2016), Culture Day (Nov 3),
  Labour Thanksgiving Day (Nov 23);
* **Happy Monday rules**: Coming of Age Day (Jan 15, the second Monday of January from
  2000), Marine Day (Jul 20 from 1996, the third Monday of July from 2003), Respect for the
  Aged Day (Sep 15, the third Monday of September from 2003), Sports Day (Oct 10, the
  second Monday of October from 2000);
* **equinoxes**: Vernal and Autumnal Equinox Days by the usual approximation (valid for
  1980-2099; the Cabinet fixes each year's dates in the February before, from the National
  Astronomical Observatory's ephemeris);
* **moves and one-off days**: the Tokyo 2020 Olympics moved Marine, Sports and Mountain Day
  in 2020 (Jul 23, Jul 24, Aug 10) and 2021 (Jul 22, Jul 23, Aug 8); the Showa Emperor's
  funeral (1989-02-24), the enthronement ceremonies (1990-11-12, 2019-10-22), the Crown
  Prince's wedding (1993-06-09) and the 2019 accession (May 1);
* **substitute holidays** (振替休日): a holiday on a Sunday moves to the next day (until
  2006) or to the next day that is not a holiday (from 2007: May 3 on a Sunday gives May 6);
* **citizens' holidays** (国民の休日): a day between two holidays is a holiday unless it is
  a Sunday (May 4 until 2006; 2009-09-22, 2015-09-22, 2019-04-30 and 2019-05-02).

On top of the holidays, two **year-end closures**:

* banks and the Tokyo Stock Exchange close from Dec 31 to Jan 3 (``calendar="bank"``);
* government offices, the Ministry of Finance among them, close from Dec 29 to Jan 3 (Act on
  Holidays of Administrative Organs, 行政機関の休日に関する法律, article 1)
  (``calendar="government"``).

Later amendments of the law are not foreseen; a holiday wrongly missed can make a computed
release day one business day early, so release rules add a margin (see the source modules).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from signals.sources.release import as_dates

__all__ = [
    "CALENDARS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "japan_holidays",
    "shift_tokyo_business_days",
    "tokyo_closed_days",
]

FIRST_YEAR, LAST_YEAR = 1989, 2099

#: Year-end closure of each calendar: (first closed day in December, last in January).
CALENDARS: dict[str, tuple[int, int]] = {"bank": (31, 3), "government": (29, 3)}

#: Days fixed by special laws (funerals, ceremonies, the 2019 accession).
_ONE_OFF = ("1989-02-24", "1990-11-12", "1993-06-09", "2019-05-01", "2019-10-22")
#: The Olympic years' moved days: (year, Marine Day, Sports Day, Mountain Day).
_OLYMPIC_MOVES = {2020: ("07-23", "07-24", "08-10"), 2021: ("07-22", "07-23", "08-08")}


def _nth_monday(year: int, month: int, n: int) -> pd.Timestamp:
    first = pd.Timestamp(year, month, 1)
    return first + pd.Timedelta(days=(7 - first.day_of_week) % 7 + 7 * (n - 1))


def _equinox_day(year: int, base: float) -> int:
    years = year - 1980
    return int(base + 0.242194 * years - years // 4)


def _national_days(year: int) -> list[pd.Timestamp]:
    """The named holidays (祝日) of one year, before substitute and citizens' holidays."""
    def day(month: int, dom: int) -> pd.Timestamp:
        return pd.Timestamp(year, month, dom)

    days = [day(1, 1), day(2, 11), day(4, 29), day(5, 3), day(5, 5), day(11, 3), day(11, 23),
            day(3, _equinox_day(year, 20.8431)), day(9, _equinox_day(year, 23.2488))]
    days.append(day(1, 15) if year < 2000 else _nth_monday(year, 1, 2))
    if year <= 2018:
        days.append(day(12, 23))
    if year >= 2020:
        days.append(day(2, 23))
    if year >= 2007:
        days.append(day(5, 4))
    if year >= 1996:
        days.append(day(7, 20) if year < 2003 else _nth_monday(year, 7, 3))
    days.append(day(9, 15) if year < 2003 else _nth_monday(year, 9, 3))
    days.append(day(10, 10) if year < 2000 else _nth_monday(year, 10, 2))
    if year >= 2016:
        days.append(day(8, 11))
    if year in _OLYMPIC_MOVES:
        moved = {_nth_monday(year, 7, 3), _nth_monday(year, 10, 2), day(8, 11)}
        days = [d for d in days if d not in moved]
        days += [pd.Timestamp(f"{year}-{md}") for md in _OLYMPIC_MOVES[year]]
    days += [pd.Timestamp(d) for d in _ONE_OFF if d.startswith(str(year))]
    return days


@cache
def japan_holidays() -> np.ndarray:
    """Japanese public holidays 1989-2099 as sorted ``datetime64[D]``.

    Named holidays, substitute holidays and citizens' holidays (module docstring); the
    year-end closures are not holidays (see :func:`tokyo_closed_days`).
    """
    named = {d for year in range(FIRST_YEAR, LAST_YEAR + 1) for d in _national_days(year)}
    holidays = set(named)
    for day in sorted(named):
        if day.day_of_week != 6:
            continue
        substitute = day + pd.Timedelta(days=1)
        while day.year >= 2007 and substitute in named:
            substitute += pd.Timedelta(days=1)
        holidays.add(substitute)
    for day in sorted(named):
        between = day + pd.Timedelta(days=1)
        if (between + pd.Timedelta(days=1) in named and between not in holidays
                and between.day_of_week != 6):
            holidays.add(between)
    return np.array(sorted(holidays), dtype="datetime64[D]")


@cache
def tokyo_closed_days(calendar: str = "bank") -> np.ndarray:
    """Holidays plus the year-end closure of `calendar`, as sorted ``datetime64[D]``.

    Parameters
    ----------
    calendar : {"bank", "government"}
        ``"bank"``: Dec 31 to Jan 3 closed (banks, the Tokyo Stock Exchange);
        ``"government"``: Dec 29 to Jan 3 closed (ministries, the Ministry of Finance).

    Returns
    -------
    np.ndarray
        Weekdays and weekend days alike; weekends are closed anyway.
    """
    if calendar not in CALENDARS:
        raise ValueError(f"calendar must be one of {', '.join(CALENDARS)}; got {calendar!r}")
    first_december, last_january = CALENDARS[calendar]
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    closure = [np.datetime64(f"{y}-12-{d:02d}") for y in years for d in range(first_december, 32)]
    closure += [np.datetime64(f"{y}-01-{d:02d}") for y in years
                for d in range(1, last_january + 1)]
    days = np.concatenate([japan_holidays(), np.array(closure, dtype="datetime64[D]")])
    return np.unique(days)


def shift_tokyo_business_days(dates: pd.DatetimeIndex, n: int, *,
                              calendar: str = "bank") -> pd.DatetimeIndex:
    """Move each date by `n` Tokyo business days (``n=1``: the next business day after it).

    A date that is not a business day counts from the business day before it, so ``n=4``
    from a Saturday is the fourth business day after that Saturday (normally Thursday).

    Parameters
    ----------
    dates : DatetimeIndex
        Naive calendar dates (1989-2099).
    n : int
        Number of business days, positive forward.
    calendar : {"bank", "government"}
        Which year-end closure applies (:func:`tokyo_closed_days`).

    Returns
    -------
    pd.DatetimeIndex
        Naive dates.
    """
    days = as_dates(dates).to_numpy().astype("datetime64[D]")
    shifted = np.busday_offset(days, n, roll="backward", holidays=tokyo_closed_days(calendar))
    return pd.DatetimeIndex(shifted.astype("datetime64[ns]"))
