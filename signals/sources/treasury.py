"""US Treasury daily par yield curve: 3M, 2Y, 5Y, 10Y and 30Y yields, posted the same day.

Fetched as one CSV per calendar year (docs/data_sources.md section 4.2), 1990 to date:
``{URL}`` with ``{year}`` filled in and the query :func:`params` gives.

Format: a header ``Date,"1 Mo","2 Mo","3 Mo",...,"30 Yr"``, dates ``MM/DD/YYYY``, the
newest row first, blank cells where a tenor has no value. The columns vary by year (``2 Mo``
since October 2018, ``4 Mo`` since October 2022, ``1.5 Month`` since 2025; no ``1 Mo``
before 2001 nor ``20 Yr`` in 1990-93), so columns are selected by name. ``3 Mo``, ``2 Yr``,
``5 Yr`` and ``10 Yr`` are in every year's file. ``30 Yr`` may be missing from files of the
years when the 30-year bond was suspended (2002-2006; third-party code reports the column
absent in 2003-2005, unverified); it has been quoted continuously since 2006-02-09, so a
later file without it is an error rather than a silent gap.

Values are percent per annum, the same numbers as the Federal Reserve's H.15 ``DGS*``
series (FRED), which publishes them only the next business day.

Availability (docs/data_sources.md section 6): the par yields come from indicative bid-side
quotes the New York Fed collects at about 3:30 p.m. New York time on ``D``, and the Treasury
posts the curve the same evening; the exact posting hour is **unverified**. A value dated
``D`` is taken as available at ``D 18:00 America/New_York`` (22:00 UTC in summer, 23:00 UTC
in winter). Refreshes record ``Last-Modified`` (see :mod:`signals.sources.http`) to check it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from signals.errors import DataSourceError
from signals.sources.base import Fetch, Source, check_wide, empty_observations, observations
from signals.sources.catalog import bounds_for
from signals.sources.http import download, make_session
from signals.sources.release import at_local_time

__all__ = [
    "COLUMNS",
    "FIRST_YEAR",
    "SERIES",
    "SOURCE",
    "URL",
    "available_at",
    "fetch_par_curve",
    "params",
    "parse_par_curve",
    "read_file",
]

URL = ("https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
       "daily-treasury-rates.csv/{year}/all")
FIRST_YEAR = 1990
COLUMNS = {"3 Mo": "treasury:3M", "2 Yr": "treasury:2Y", "5 Yr": "treasury:5Y",
           "10 Yr": "treasury:10Y", "30 Yr": "treasury:30Y"}
SERIES = tuple(COLUMNS.values())
_ALL = "treasury:3M..30Y"
_ALWAYS = ("3 Mo", "2 Yr", "5 Yr", "10 Yr")
_THIRTY_BACK = pd.Timestamp("2006-02-09")
_CLOCK, _TZ = "18:00", "America/New_York"


def params(year: int) -> dict[str, str]:
    """The query string of one year's file."""
    return {"type": "daily_treasury_yield_curve", "field_tdr_date_value": str(year),
            "page": "", "_format": "csv"}


def _read_table(raw: bytes, url: str | None) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False,
                            na_values=[""], skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"not a par yield curve CSV: {exc}", source="treasury",
                              series=_ALL, url=url) from exc
    frame.columns = frame.columns.str.strip()
    missing = [name for name in ("Date", *_ALWAYS) if name not in frame.columns]
    if missing:
        raise DataSourceError(
            f"the header lacks {', '.join(missing)} (got {','.join(frame.columns)}); the "
            "Treasury renamed its columns or this is not a par yield curve file",
            source="treasury", series=_ALL, url=url)
    return frame


def parse_par_curve(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse one Treasury daily par yield curve CSV.

    Parameters
    ----------
    raw : bytes
        The body as served (one year, newest row first).
    url : str, optional
        Where it came from, for messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive, oldest first), float64 columns ``"treasury:3M"``,
        ``"treasury:2Y"``, ``"treasury:5Y"``, ``"treasury:10Y"``, ``"treasury:30Y"`` in
        percent; NaN where the cell is blank or the file has no ``30 Yr`` column.
    """
    frame = _read_table(raw, url)
    dates = pd.to_datetime(frame["Date"].astype(str).str.strip(), format="%m/%d/%Y",
                           errors="coerce")
    if dates.isna().any():
        first = frame["Date"][dates.isna()].iloc[0]
        raise DataSourceError(f"unreadable date {first!r}; expected MM/DD/YYYY",
                              source="treasury", series=_ALL, url=url)
    if "30 Yr" not in frame.columns and (dates >= _THIRTY_BACK).any():
        raise DataSourceError(
            f"the header lacks 30 Yr (got {','.join(frame.columns)}), quoted every day since "
            f"{_THIRTY_BACK.date()}; the Treasury renamed its columns",
            source="treasury", series="treasury:30Y", url=url)
    cells = frame.reindex(columns=list(COLUMNS))
    values = cells.apply(pd.to_numeric, errors="coerce")  # a no-op on clean float columns
    bad = values.isna() & cells.notna()
    if bad.any(axis=None):
        row, column = bad.stack().loc[lambda flags: flags].index[0]
        raise DataSourceError(
            f"unreadable value {cells.at[row, column]!r} on {dates[row].date()}; expected "
            "a number or a blank", source="treasury", series=COLUMNS[column], url=url)
    wide = values.set_axis(list(SERIES), axis=1).astype("float64")
    wide = wide.set_axis(pd.DatetimeIndex(dates.astype("datetime64[ns]"), name="date"))
    return wide.iloc[::-1] if wide.index.is_monotonic_decreasing else wide


def available_at(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When a live bot could first have had each day's curve: ``D 18:00 New York`` in UTC.

    Parameters
    ----------
    dates : DatetimeIndex
        Observation dates as the Treasury names them (New York calendar).

    Returns
    -------
    pd.DatetimeIndex
        UTC availability times (the evidence is in the module docstring).
    """
    return at_local_time(dates, _CLOCK, _TZ)


def _checked(wide: pd.DataFrame, url: str | None) -> pd.DataFrame:
    return check_wide(wide, source="treasury", url=url, bounds=bounds_for(SERIES))


def fetch_par_curve(session=None, since: pd.Timestamp | None = None, *,
                    end_year: int | None = None) -> pd.DataFrame:
    """Download the par yield curve from `since` (1990 on when ``None``), one file a year.

    Parameters
    ----------
    session : requests.Session, optional
        The session to use; a new one when ``None``.
    since : Timestamp, optional
        First date wanted (naive); its year is the first file fetched.
    end_year : int, optional
        Last year fetched; the current UTC year when ``None``.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`) for the five store ids.
    """
    session = session or make_session()
    first = FIRST_YEAR if since is None else max(FIRST_YEAR, pd.Timestamp(since).year)
    last = pd.Timestamp.now(tz="UTC").year if end_year is None else end_year
    years = []
    for year in range(first, last + 1):
        got = download(session, URL.format(year=year), source="treasury", series=_ALL,
                       params=params(year))
        wide = parse_par_curve(got.body, url=got.url)
        if (wide.index.year != year).any():
            raise DataSourceError(
                f"asked for {year} but the file holds dates from {wide.index.min().date()} to "
                f"{wide.index.max().date()}; the Treasury changed its URL scheme",
                source="treasury", series=_ALL, url=got.url)
        years.append(_checked(wide, got.url))
    if not years:
        return empty_observations()
    wide = pd.concat(years)  # each year checked, sorted and within its year
    if since is not None:
        wide = wide[wide.index >= pd.Timestamp(since)]
    return observations(wide, available_at)


def read_file(path: Path) -> pd.DataFrame:
    """Parse a saved par yield curve CSV (one year as downloaded) into observations."""
    url = str(path)
    return observations(_checked(parse_par_curve(Path(path).read_bytes(), url=url), url),
                        available_at)


SOURCE = Source(
    name="treasury",
    title="US Treasury daily par yield curve: 3M, 2Y, 5Y, 10Y, 30Y, posted the same evening",
    attribution="U.S. Department of the Treasury, Daily Treasury Par Yield Curve Rates "
                "(public domain)",
    files=(r"treasury_par_yield_curve(_\d{4})?\.csv", r"daily-treasury-rates.*\.csv"),
    fetches=(Fetch("treasury", SERIES,
                   lambda session, since: fetch_par_curve(session, since)),),
    read_file=read_file,
    revision_days=7,
    stamp=lambda series, dates: available_at(dates),
)
