"""US Treasury TIC: Major Foreign Holders of Treasury Securities, Japan and mainland China.

Two series, in USD billions at the end of each month, dated on the month's last day:
``tic:japan`` and ``tic:china`` (the row ``"China, Mainland"``). Falling holdings by the two
largest official holders mean selling pressure on Treasuries (and, for Japan, repatriation).

Files (URLs unverified, kept as constants):

* :data:`HISTORY_URL`, ``mfhhis01.txt``: one tab-separated block per year, newest first.
  Each block has a month row (an empty cell, then ``Dec``, ``Nov`` ... ``Jan``) and under
  it a ``Country`` row with the year of each column, then one row per holder (names may be
  quoted). A **series break** repeats a month inside a block (June 2002-2011, March 2000):
  the first of the two columns is the new series, the second the old one "shown for
  comparison only" (footnotes 6 to 16); the first is kept. Footnotes and revision notes
  follow the last block.
* :data:`CURRENT_URL`, the last ~13 months. Until the March 2023 release this was
  ``mfh.txt``, same two-row header, columns spanning two years; from the April 2023
  release the TIC archive notes (``arcdatadesc.txt``) say ``slt_table5`` replaces the
  ``mfh`` file, with a single ``Country`` row of ``YYYY-MM`` columns (a public client
  reported ``mfh.txt`` still served January 2023 data in 2026). Both layouts are read by
  :func:`parse_mfh`. On months both files hold, the current table wins (it is the newer
  vintage).

Availability (docs/data_sources.md; shared data README): data for month ``M`` are released
at 4:00 p.m. New York around the 15th-18th of month ``M+2`` (2023: Jan 18, Feb 15, Mar 15,
Apr 18, May 16, Jun 15, Jul 18, Aug 15, Sep 18, Oct 18, Nov 15, Dec 18; 2022 had Sep 19 and
Dec 19 when the 18th was a Sunday; 2009-2010 releases were at 9:00 a.m., before the 18th).
Rule, conservative: the 18th of ``M+2`` at 16:15 New York (the 4:00 p.m. release plus 15
minutes, the margin of the H.15 rule in :mod:`signals.sources.fred`; 16:00 New York is
20:00 UTC in summer, exactly a 4-hour candle's close), rolled forward to the next US
business day. TIC data are not updated while federal offices are shut: the months whose
release fell in the 2013, 2018-19 and 2025 shutdowns are instead stamped with the rule's
time for a later month whose table certainly carried them (:data:`SHUTDOWN_DELAYS`, an
UNVERIFIED conservative bound). Values are the latest vintage: annual-survey revisions are
stamped at the first release time (revisions are not point-in-time), and a refresh fetches
400 days again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from signals.errors import DataSourceError
from signals.sources.base import Fetch, Source, check_wide, observations
from signals.sources.catalog import bounds_for
from signals.sources.http import download, make_session
from signals.sources.release import as_dates, at_local_time, us_holidays

__all__ = [
    "CURRENT_URL",
    "HISTORY_URL",
    "SERIES",
    "SHUTDOWN_DELAYS",
    "SOURCE",
    "available_at",
    "fetch_tic",
    "parse_mfh",
    "read_file",
]

_BASE = "https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/"
HISTORY_URL = _BASE + "mfhhis01.txt"
CURRENT_URL = _BASE + "slt_table5.txt"
#: Row label in the file -> store id.
_ROWS = {"Japan": "tic:japan", "China, Mainland": "tic:china"}
SERIES = tuple(_ROWS.values())
_ALL = "tic:japan,tic:china"
_MONTHS = {name: f"{number:02d}" for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    start=1)}
_CLOCK, _TZ, _RELEASE_DAY = "16:15", "America/New_York", 18

#: Month whose scheduled release fell in a shutdown -> a later month whose release (rule
#: time) certainly included it, the current table showing the last 13 months. UNVERIFIED:
#: the actual catch-up dates were not found; these are conservative bounds.
SHUTDOWN_DELAYS: dict[str, str] = {
    "2013-08": "2013-09",  # due Oct 18 2013; shutdown Oct 1-16
    "2018-11": "2018-12",  # due Jan 18 2019; shutdown Dec 22 2018 - Jan 25 2019
    "2025-08": "2025-10",  # due Oct 20 2025; shutdown Oct 1 - Nov 12 2025
    "2025-09": "2025-10",  # due Nov 18 2025, days after the shutdown ended
}


def _error(message: str, url: str | None, series: str = _ALL) -> DataSourceError:
    return DataSourceError(message, source="tic", series=series, url=url)


def _cells(raw: bytes, url: str | None) -> pd.DataFrame:
    """The file as a table of stripped, unquoted strings; one row per line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if not text.strip():
        raise _error("empty file", url)
    if "\t" not in text:
        raise _error("not tab-separated; the TIC changed the layout of the table", url)
    table = pd.Series(text.splitlines(), dtype=object).str.split("\t", expand=True)
    return table.fillna("").apply(lambda col: col.str.strip().str.strip('"').str.strip())


def _header_periods(cells: pd.DataFrame, url: str | None) -> pd.DataFrame:
    """``YYYY-MM`` (or NaN) of each column under each ``Country`` row, indexed by its line.

    Two layouts: a month row (empty first cell, month names) above a ``Country`` row of
    years (``mfhhis01.txt``, ``mfh.txt``), or a ``Country`` row of ``YYYY-MM`` (``slt_table5``).
    A header cell that reads as neither is an error, so that no column is dropped unseen.
    """
    label = cells[0]
    rows = np.flatnonzero(label.eq("Country").to_numpy())
    if not len(rows):
        raise _error("no 'Country' header row; this is not a Major Foreign Holders table",
                     url)
    years = cells.iloc[rows, 1:].reset_index(drop=True)
    above = cells.iloc[np.maximum(rows - 1, 0), 1:].reset_index(drop=True)
    months = above.apply(lambda col: col.map(_MONTHS))
    two_row = ((rows > 0) & label.iloc[rows - 1].eq("").to_numpy()
               & months.notna().any(axis=1).to_numpy())[:, None]
    is_year = years.apply(lambda col: col.str.fullmatch(r"\d{4}")).to_numpy(dtype=bool)
    is_month = years.apply(lambda col: col.str.fullmatch(r"\d{4}-\d{2}")).to_numpy(dtype=bool)
    periods = pd.DataFrame(np.where(two_row, years + "-" + months, years.where(is_month)),
                           index=rows, columns=years.columns)
    problems = {
        "a cell of the month row is not a month name":
            two_row & (above.ne("") & months.isna()).to_numpy(),
        "a month without a year under it": two_row & months.notna().to_numpy() & ~is_year,
        "a column header is not YYYY-MM": ~two_row & years.ne("").to_numpy() & ~is_month,
        "a 'Country' row with neither a month row above it nor YYYY-MM columns":
            periods.isna().all(axis=1).to_numpy()[:, None],
    }
    for text, flags in problems.items():
        hits = flags.any(axis=1)
        if hits.any():
            line = rows[np.argmax(hits)] + 1
            raise _error(f"line {line}: {text}; the TIC changed the layout of the table", url)
    return periods


def parse_mfh(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse a Major Foreign Holders table: ``mfhhis01.txt``, ``mfh.txt`` or ``slt_table5.txt``.

    Parameters
    ----------
    raw : bytes
        The body as served (tab-separated text).
    url : str, optional
        Where it came from, for messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive month ends, sorted), float64 columns ``tic:japan`` and
        ``tic:china`` in USD billions. Where a month appears twice in a block (a series
        break) the first column, the new series, is kept; footnotes are ignored.
    """
    cells = _cells(raw, url)
    periods = _header_periods(cells, url)
    label = cells[0]
    block = pd.Series(np.where(label.eq("Country"), cells.index, np.nan)).ffill()
    for name, sid in _ROWS.items():
        if not (label.eq(name) & block.notna()).any():
            raise _error(f"no {name!r} row under a 'Country' header", url, sid)
    wanted = label.isin(list(_ROWS)) & block.notna()
    values = (cells.loc[wanted, periods.columns]
              .assign(block=block[wanted].astype(int), series=label[wanted].map(_ROWS))
              .melt(id_vars=["block", "series"], var_name="column", value_name="text"))
    headers = (periods.rename_axis("block").reset_index()
               .melt(id_vars="block", var_name="column", value_name="period").dropna())
    long = (values.merge(headers, on=["block", "column"])
            .sort_values(["block", "series", "column"], kind="stable")
            .drop_duplicates(["block", "series", "period"], keep="first"))
    long["value"] = pd.to_numeric(long["text"], errors="coerce")
    bad = long[long["value"].isna() & long["text"].ne("")]
    if not bad.empty:
        first = bad.iloc[0]
        raise _error(f"non-numeric value {first['text']!r} for {first['period']}", url,
                     first["series"])
    long["date"] = pd.PeriodIndex(long["period"], freq="M").end_time.normalize()
    wide = long.pivot(index=["block", "date"], columns="series", values="value")
    wide = wide.reindex(columns=list(SERIES)).droplevel("block").sort_index(kind="stable")
    wide.index = pd.DatetimeIndex(wide.index, name="date").astype("datetime64[ns]")
    wide.columns.name = None
    return wide.astype("float64")


def available_at(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When each month's holdings were released (UTC).

    Parameters
    ----------
    dates : DatetimeIndex
        Month-end dates (any day of the month gives the same result).

    Returns
    -------
    pd.DatetimeIndex
        16:15 New York on the 18th of the second month after, or the next US business day,
        in UTC; shutdown months per :data:`SHUTDOWN_DELAYS` (module docstring).
    """
    months = as_dates(dates).to_period("M")
    released_with = pd.PeriodIndex(
        months.strftime("%Y-%m").map(lambda m: SHUTDOWN_DELAYS.get(m, m)), freq="M")
    day = (released_with + 2).to_timestamp() + pd.Timedelta(days=_RELEASE_DAY - 1)
    rolled = np.busday_offset(day.to_numpy().astype("datetime64[D]"), 0, roll="forward",
                              holidays=us_holidays())
    return at_local_time(pd.DatetimeIndex(rolled.astype("datetime64[ns]")), _CLOCK, _TZ)


def _to_observations(wide: pd.DataFrame, url: str | None) -> pd.DataFrame:
    wide = check_wide(wide, source="tic", url=url, bounds=bounds_for(SERIES))
    return observations(wide, available_at)


def fetch_tic(session=None, since: pd.Timestamp | None = None) -> pd.DataFrame:
    """Download the history and the current table; the current table wins where both hold.

    Parameters
    ----------
    session : requests.Session, optional
        The session to use; a new one when ``None``.
    since : Timestamp, optional
        First month-end date wanted; all history when ``None``.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`).
    """
    session = session or make_session()
    # the history file ends with tab-padded footnote lines and no final line break
    history = download(session, HISTORY_URL, source="tic", series=_ALL,
                       ends_with=(b"\n", b"\t"))
    current = download(session, CURRENT_URL, source="tic", series=_ALL)
    old = check_wide(parse_mfh(history.body, url=history.url), source="tic", url=history.url)
    new = check_wide(parse_mfh(current.body, url=current.url), source="tic", url=current.url)
    wide = new.combine_first(old)[list(SERIES)]
    if since is not None:
        wide = wide[wide.index >= pd.Timestamp(since)]
    return _to_observations(wide, f"{history.url} + {current.url}")


def read_file(path: Path) -> pd.DataFrame:
    """Parse a saved ``mfhhis01.txt``, ``mfh.txt`` or ``slt_table5.txt`` (any ``tic_`` prefix)."""
    return _to_observations(parse_mfh(Path(path).read_bytes(), url=str(path)), str(path))


SOURCE = Source(
    name="tic",
    title="US Treasury TIC: Major Foreign Holders of Treasury Securities (Japan, China)",
    attribution="U.S. Department of the Treasury, Treasury International Capital (TIC) "
                "System (public domain)",
    files=(r"tic_mfhhis01\.txt", r"mfhhis01\.txt", r"tic_mfh\.txt", r"mfh\.txt",
           r"(tic_)?slt_table5\.txt"),
    fetches=(Fetch("tic", SERIES, lambda session, since: fetch_tic(session, since)),),
    read_file=read_file,
    revision_days=400,
    bundled=("tic_mfhhis01.txt",),
    stamp=lambda series, dates: available_at(dates),
)
