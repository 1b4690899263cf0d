"""CFTC Commitments of Traders: Japanese yen futures positioning (CME, code ``097741``).

Legacy futures-only report, three series, all in contracts (of JPY 12.5 million):

* ``cftc:097741:open_interest``: open interest;
* ``cftc:097741:noncomm_long`` / ``cftc:097741:noncomm_short``: non-commercial (speculative)
  long and short positions. Net short = speculators short the yen, the carry-trade side;
  fast short-covering is an unwind.

The observation date is the **report date**, the Tuesday (Monday or Wednesday in a short
week) whose closing positions the report holds, not the day it was published.

Layouts read (one normalisation after each reader; the market is picked by its code read as
a string, because ``097741`` read as a number becomes ``97741``; names change over the
years, codes do not):

* Public Reporting (Socrata) API, dataset ``6dca-aqww``, JSON: a list of records whose
  values are all strings and whose ``report_date_as_yyyy_mm_dd`` is a floating timestamp
  ``2026-07-21T00:00:00.000`` (:func:`parse_socrata_json`);
* the same dataset as CSV, e.g. the bundled ``cftc_jpy_legacy_futures.csv``
  (:func:`parse_socrata_csv`);
* the yearly history zip ``deacot{YYYY}.zip`` (member ``annual.txt``), whose header names
  carry spaces (``"As of Date in Form YYYY-MM-DD"``, ``"Open Interest (All)"``, one with a
  leading space) and whose values are space-padded, and the headerless current-week
  ``deafut.txt`` in the same column order (:func:`parse_legacy`, :func:`parse_annual_zip`).
  Rows in those files run newest first per market; the parsers return them sorted.

Fetch: the Socrata API, ``$order`` by report date, pages of ``$limit`` rows (``$offset``),
until a page is shorter than the limit; ``$where`` restricts to report dates from `since`.

Availability (docs/data_sources.md sections 5 and 6): the CFTC's release calendar, 15:30
America/New_York on the Friday after the report date, later in holiday weeks, and the
publication dates of the reports delayed by the 2013, 2018-19 and 2025 shutdowns; see
:mod:`signals.sources.cftc_calendar` for the rules, the exception table and the evidence
level of each block. The CFTC rarely revises a published report; a refresh fetches the last
three weeks again.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from signals.errors import DataSourceError
from signals.sources.base import Fetch, Source, check_wide, empty_observations, observations
from signals.sources.catalog import bounds_for
from signals.sources.cftc_calendar import release_times
from signals.sources.http import download, make_session

__all__ = [
    "API_URL",
    "CODE",
    "PAGE_LIMIT",
    "SERIES",
    "SOURCE",
    "available_at",
    "fetch_cot",
    "parse_annual_zip",
    "parse_legacy",
    "parse_socrata_csv",
    "parse_socrata_json",
    "read_file",
]

API_URL = "https://publicreporting.cftc.gov/resource/6dca-aqww.json"
CODE = "097741"
PAGE_LIMIT = 5000
_FIELDS = ("open_interest", "noncomm_long", "noncomm_short")
SERIES = tuple(f"cftc:{CODE}:{field}" for field in _FIELDS)
_ALL = f"cftc:{CODE}"

#: Column names per layout: report date, contract code, then the three fields in _FIELDS.
_SOCRATA = ("report_date_as_yyyy_mm_dd", "cftc_contract_market_code", "open_interest_all",
            "noncomm_positions_long_all", "noncomm_positions_short_all")
_LEGACY = ("As of Date in Form YYYY-MM-DD", "CFTC Contract Market Code", "Open Interest (All)",
           "Noncommercial Positions-Long (All)", "Noncommercial Positions-Short (All)")
#: Their positions in the legacy layout (``deafut.txt`` has no header).
_LEGACY_POSITIONS = (2, 3, 7, 8, 9)
_ANNUAL_MEMBER = "annual.txt"


def _error(message: str, url: str | None) -> DataSourceError:
    return DataSourceError(message, source="cftc", series=_ALL, url=url)


def _tidy(table: pd.DataFrame, columns: tuple[str, ...], url: str | None) -> pd.DataFrame:
    """Pick the yen rows of a string table and return the wide frame.

    Parameters
    ----------
    table : DataFrame
        All cells as strings (or missing), columns named as the layout names them.
    columns : tuple of str
        The layout's names for date, code and the three fields.
    url : str or None
        For messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive report dates, sorted), float64 columns :data:`SERIES`.
    """
    missing = [name for name in columns if name not in table.columns]
    if missing:
        raise _error(f"no column {', '.join(map(repr, missing))}; the CFTC changed its layout "
                     f"or this is another report (columns: {', '.join(map(str, table.columns))})",
                     url)
    date_col, code_col, *value_cols = columns
    if table.empty:
        return pd.DataFrame({sid: pd.Series([], dtype="float64") for sid in SERIES},
                            index=pd.DatetimeIndex([], name="date"))
    rows = table[table[code_col].astype(str).str.strip() == CODE]
    if rows.empty:
        raise _error(f"no rows for contract market code {CODE} among {len(table)} row(s); "
                     "is this the legacy futures-only report?", url)
    text_dates = rows[date_col].astype(str).str.strip().str.slice(0, 10)
    dates = pd.to_datetime(text_dates, format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        raise _error(f"unreadable report date {text_dates[dates.isna()].iloc[0]!r} in "
                     f"{date_col!r}; expected YYYY-MM-DD", url)
    cells = rows[value_cols].apply(lambda col: col.astype("string").str.strip())
    values = cells.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & cells.notna() & cells.ne("")
    if bad.any(axis=None):
        row, column = bad.stack().loc[lambda flags: flags].index[0]
        raise _error(f"non-numeric {column!r} {cells.loc[row, column]!r} on "
                     f"{text_dates.loc[row]}", url)
    wide = pd.DataFrame(values.to_numpy(dtype="float64", na_value=np.nan), columns=list(SERIES),
                        index=pd.DatetimeIndex(dates, name="date").astype("datetime64[ns]"))
    return wide.sort_index(kind="stable")


def parse_socrata_json(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse one page of the Socrata API (``6dca-aqww.json``).

    Parameters
    ----------
    raw : bytes
        The body as served: a JSON list of records, every value a string.
    url : str, optional
        For messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive report dates), float64 columns :data:`SERIES` in contracts;
        empty for an empty page (``[]``).
    """
    return _tidy(_socrata_records(raw, url), _SOCRATA, url)


def _socrata_records(raw: bytes, url: str | None) -> pd.DataFrame:
    try:
        records = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _error(f"not JSON: {exc}", url) from exc
    if isinstance(records, dict):  # Socrata's error shape: {"message": ..., "errorCode": ...}
        raise _error(f"the API answered with an error: {records.get('message', records)}", url)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise _error("expected a JSON list of records", url)
    return pd.DataFrame.from_records(records, columns=list(_SOCRATA) if not records else None)


def parse_socrata_csv(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse the dataset's CSV layout (Socrata field names as the header).

    Parameters
    ----------
    raw : bytes
        CSV text, e.g. the bundled ``cftc_jpy_legacy_futures.csv``.
    url : str, optional
        Where it came from, for messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive report dates), float64 columns :data:`SERIES` in contracts.
    """
    return _tidy(_read_csv(raw, url, header=0), _SOCRATA, url)


def parse_legacy(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse legacy futures-only text: ``annual.txt`` (with header) or ``deafut.txt`` (without).

    Parameters
    ----------
    raw : bytes
        Comma-separated text, quoted market names, space-padded values (latin-1).
    url : str, optional
        For messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive report dates, sorted), float64 columns :data:`SERIES` in
        contracts, the rows of contract market code ``097741`` only.
    """
    table = _read_csv(raw, url, header=None)
    first = table.iloc[0].astype(str).str.strip()
    if table.shape[1] <= max(_LEGACY_POSITIONS):
        raise _error(f"only {table.shape[1]} column(s); expected the legacy futures-only "
                     "layout (annual.txt / deafut.txt)", url)
    if pd.isna(pd.to_datetime(first.iloc[_LEGACY_POSITIONS[0]], format="%Y-%m-%d",
                              errors="coerce")):  # a header line, not a report
        table = table.iloc[1:].set_axis(first.to_list(), axis=1)
    else:
        table = table.rename(columns=dict(zip(_LEGACY_POSITIONS, _LEGACY, strict=True)))
    return _tidy(table, _LEGACY, url)


def parse_annual_zip(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse a yearly history zip ``deacot{YYYY}.zip`` (member ``annual.txt``).

    Parameters
    ----------
    raw : bytes
        The zip as served.
    url : str, optional
        For messages.

    Returns
    -------
    DataFrame
        As :func:`parse_legacy`.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = {name.lower(): name for name in archive.namelist()}
            if _ANNUAL_MEMBER not in names:
                raise _error(f"the zip holds {sorted(names.values())}, not {_ANNUAL_MEMBER}",
                             url)
            text = archive.read(names[_ANNUAL_MEMBER])
    except zipfile.BadZipFile as exc:
        raise _error(f"not a zip file: {exc}", url) from exc
    return parse_legacy(text, url=url)


def _read_csv(raw: bytes, url: str | None, *, header: int | None) -> pd.DataFrame:
    """All cells as strings, so that codes keep their leading zeros."""
    if not raw.strip():
        raise _error("empty file", url)
    try:
        table = pd.read_csv(io.BytesIO(raw), dtype=str, header=header, keep_default_na=False,
                            skipinitialspace=True, encoding="latin-1")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _error(f"unreadable CSV: {exc}", url) from exc
    if header is not None:
        table.columns = table.columns.str.strip()
    return table


def available_at(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When each report was published (UTC), from the CFTC release calendar.

    Parameters
    ----------
    dates : DatetimeIndex
        Report dates as the CFTC names them.

    Returns
    -------
    pd.DatetimeIndex
        UTC instants, 15:30 New York on the release date
        (:func:`signals.sources.cftc_calendar.release_times`).
    """
    return release_times(dates)


def _to_observations(wide: pd.DataFrame, url: str | None) -> pd.DataFrame:
    wide = check_wide(wide, source="cftc", url=url, bounds=bounds_for(SERIES))
    return observations(wide, available_at)


def fetch_cot(session=None, since: pd.Timestamp | None = None, *,
              limit: int = PAGE_LIMIT) -> pd.DataFrame:
    """Download the yen rows of the legacy futures-only report from the Socrata API.

    Parameters
    ----------
    session : requests.Session, optional
        The session to use; a new one when ``None``.
    since : Timestamp, optional
        First report date wanted; all history when ``None``.
    limit : int
        Rows per page (``$limit``); paging stops at the first shorter page.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`).
    """
    session = session or make_session()
    params = {"cftc_contract_market_code": CODE, "$order": _SOCRATA[0], "$limit": str(limit)}
    if since is not None:
        params["$where"] = f"{_SOCRATA[0]} >= '{pd.Timestamp(since):%Y-%m-%d}'"
    pages: list[pd.DataFrame] = []
    url = API_URL
    while True:
        got = download(session, API_URL, source="cftc", series=_ALL, is_json=True,
                       params={**params, "$offset": str(limit * len(pages))})
        url = got.url
        records = _socrata_records(got.body, url)
        page = _tidy(records, _SOCRATA, url)
        if pages and not page.empty and not pages[-1].empty \
                and page.index[0] <= pages[-1].index[-1]:
            raise _error(f"page {len(pages) + 1} does not advance (starts "
                         f"{page.index[0].date()}); the API ignored $offset", url)
        pages.append(page)
        if len(records) < limit:
            break
    wide = pd.concat(pages)
    if wide.empty:
        return empty_observations()
    return _to_observations(wide, url)


def read_file(path: Path) -> pd.DataFrame:
    """Parse a saved file: ``deacot{YYYY}.zip``, ``annual.txt``, ``deafut.txt`` or the CSV.

    Parameters
    ----------
    path : Path
        The file; its name picks the layout.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`).
    """
    path = Path(path)
    raw, name = path.read_bytes(), path.name.lower()
    if name.endswith(".zip"):
        wide = parse_annual_zip(raw, url=str(path))
    elif name.endswith(".txt"):
        wide = parse_legacy(raw, url=str(path))
    else:
        wide = parse_socrata_csv(raw, url=str(path))
    return _to_observations(wide, str(path))


SOURCE = Source(
    name="cftc",
    title="CFTC Commitments of Traders: Japanese yen futures (CME 097741), legacy futures-only",
    attribution="U.S. Commodity Futures Trading Commission, Commitments of Traders "
                "(public domain)",
    files=(r"cftc_jpy_legacy_futures\.csv", r"deacot\d{4}\.zip", r"annual\.txt",
           r"deafut\.txt"),
    fetches=(Fetch("cftc", SERIES, lambda session, since: fetch_cot(session, since)),),
    read_file=read_file,
    revision_days=21,
    bundled=("cftc_jpy_legacy_futures.csv",),
    stamp=lambda series, dates: available_at(dates),
)
