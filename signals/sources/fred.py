"""FRED (Federal Reserve Bank of St. Louis): US Treasury yields, USD/JPY history, policy rates.

Fetched as ``fredgraph.csv`` (no API key), one series per request:
``https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS10&cosd=2024-01-01``.

Format: two columns, the first a date whatever its header (``DATE`` before December 2024,
``observation_date`` since), the second the series id; ``.`` and blanks are missing values.

Availability (docs/data_sources.md section 6):

* ``DGS*``, ``T10Y3M``, ``DFF`` come from the Federal Reserve's H.15 release, posted at
  4:15 p.m. New York time each business day with data through the previous business day
  (federalreserve.gov/releases/h15). A value dated ``D`` is available on the next US
  business day after ``D`` at 16:30 New York (15 minutes of margin).
* ``DEXJPUS`` comes from H.10, "updated weekly on Mondays at 4:15 p.m." with the previous
  week's daily rates (federalreserve.gov/releases/H10/About.htm): a value dated ``D`` is
  available on the Monday after ``D``'s week at 16:30 New York, or the next business day
  when that Monday is a holiday. It looks daily but must not be used as a timely signal.
* ``IR3TIB01JPM156N`` (OECD) is a monthly average dated the first of its month: it is
  known at the earliest after the month ends and is published with weeks of lag; it is
  available on the first day of the month after next at 16:30 New York. The OECD's release
  day and FRED's update hour for it are UNVERIFIED; the month of lag is the margin for the
  day, and the H.15 clock (FRED posts during the US business day) the margin for the hour,
  so that no value lands on a daily candle's close (00:00 UTC, as the earlier rule did).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from signals.errors import DataSourceError
from signals.sources.base import Fetch, Source, check_wide, observations
from signals.sources.catalog import bounds_for
from signals.sources.http import download, make_session
from signals.sources.release import (
    as_dates,
    at_local_time,
    next_weekday,
    shift_us_business_days,
)

__all__ = ["SERIES", "SOURCE", "URL", "available_at", "parse_fredgraph"]

URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
SERIES = ("DGS3MO", "DGS2", "DGS5", "DGS10", "DGS30", "DEXJPUS", "DFF", "T10Y3M",
          "IR3TIB01JPM156N")
_H15 = ("DGS3MO", "DGS2", "DGS5", "DGS10", "DGS30", "T10Y3M", "DFF")
_CLOCK, _TZ = "16:30", "America/New_York"


def parse_fredgraph(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse a FRED ``fredgraph.csv`` body.

    Parameters
    ----------
    raw : bytes
        The body as served.
    url : str, optional
        For error messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive), one float column named ``"fred:<SERIES>"``.
    """
    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"not a FRED CSV: {exc}", source="fred", url=url) from exc
    if frame.shape[1] != 2:
        raise DataSourceError(
            f"expected two columns (date, series), got {list(frame.columns)}; FRED changed "
            "its format or this is not a fredgraph.csv", source="fred", url=url)
    date_col, code = frame.columns
    dates = pd.to_datetime(frame[date_col].str.strip(), format="%Y-%m-%d", errors="coerce")
    if dates.isna().all():
        raise DataSourceError(
            f"no dates in the first column {date_col!r}; expected YYYY-MM-DD",
            source="fred", series=f"fred:{code}", url=url)
    values = pd.to_numeric(frame[code].str.strip().replace({".": "", "": None}),
                           errors="coerce")
    wide = pd.DataFrame({f"fred:{code.strip()}": values.to_numpy(dtype="float64")},
                        index=pd.DatetimeIndex(dates, name="date"))
    return wide[wide.index.notna()]


def available_at(code: str, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When a live bot could first have had each value of FRED series `code` (UTC).

    Parameters
    ----------
    code : str
        FRED series id, e.g. ``"DGS10"``.
    dates : DatetimeIndex
        Observation dates as FRED names them.

    Returns
    -------
    pd.DatetimeIndex
        UTC availability times (see the module docstring for the rules and evidence).
    """
    dates = as_dates(dates)
    if code == "DEXJPUS":
        sunday = next_weekday(dates, 0) - pd.Timedelta(days=1)
        return at_local_time(shift_us_business_days(sunday, 1), _CLOCK, _TZ)
    if code == "IR3TIB01JPM156N":
        month_start = dates.to_period("M").to_timestamp()
        return at_local_time(month_start + pd.DateOffset(months=2), _CLOCK, _TZ)
    if code in _H15:
        return at_local_time(shift_us_business_days(dates, 1), _CLOCK, _TZ)
    raise KeyError(f"no availability rule for FRED series {code!r}")


def _to_observations(wide: pd.DataFrame, url: str | None) -> pd.DataFrame:
    wide = check_wide(wide, source="fred", url=url, bounds=bounds_for(list(wide.columns)))
    code = wide.columns[0].removeprefix("fred:")
    if code not in SERIES:
        raise DataSourceError(f"series {code!r} is not one riskoff uses ({', '.join(SERIES)})",
                              source="fred", series=f"fred:{code}", url=url)
    return observations(wide, lambda d: available_at(code, d))


def fetch_series(code: str, session=None, since: pd.Timestamp | None = None) -> pd.DataFrame:
    """Download one FRED series from `since` (all history when ``None``).

    Parameters
    ----------
    code : str
        FRED series id.
    session : requests.Session, optional
        The session to use; a new one when ``None``.
    since : Timestamp, optional
        First date wanted.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`).
    """
    params = {"id": code}
    if since is not None:
        params["cosd"] = pd.Timestamp(since).strftime("%Y-%m-%d")
    got = download(session or make_session(), URL, source="fred", series=f"fred:{code}",
                   params=params)
    wide = parse_fredgraph(got.body, url=got.url)
    if wide.columns[0] != f"fred:{code}":
        raise DataSourceError(f"asked for {code} but the file holds {wide.columns[0]}",
                              source="fred", series=f"fred:{code}", url=got.url)
    return _to_observations(wide, got.url)


def read_file(path: Path) -> pd.DataFrame:
    """Parse a saved ``fred_<SERIES>.csv`` (a ``fredgraph.csv`` as downloaded)."""
    return _to_observations(parse_fredgraph(Path(path).read_bytes(), url=str(path)), str(path))


def _fetch(code: str) -> Fetch:
    return Fetch(f"fred:{code}", (f"fred:{code}",),
                 lambda session, since: fetch_series(code, session, since))


SOURCE = Source(
    name="fred",
    title="FRED, Federal Reserve Bank of St. Louis: H.15 Treasury yields, H.10 USD/JPY, OECD",
    attribution=("Board of Governors of the Federal Reserve System (H.15, H.10), retrieved "
                 "from FRED, Federal Reserve Bank of St. Louis (public domain); Japan 3-month "
                 "interbank rate: OECD, via FRED (CC BY 4.0)"),
    files=(r"fred_[A-Z0-9]+\.csv",),
    fetches=tuple(_fetch(code) for code in SERIES),
    read_file=read_file,
    revision_days=14,
    bundled=tuple(f"fred_{code}.csv" for code in SERIES),
    stamp=lambda series, dates: available_at(series.removeprefix("fred:"), dates),
)
