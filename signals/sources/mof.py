"""Ministry of Finance Japan: JGB constant-maturity yields, 1Y to 40Y, daily since 1974.

Fetched as two English CSV files (docs/data_sources.md section 3):

* history, 1974-09-24 to the end of the previous month: :data:`URL_HISTORY`;
* current month: :data:`URL_CURRENT`.

They are merged row by row, the current-month file winning on dates both hold.

Format: a title line, then the header ``Date,1Y,...,10Y,15Y,20Y,25Y,30Y,40Y``, dates
``YYYY/M/D`` without zero padding, ``-`` where a tenor was not yet issued (40Y starts on
2007-11-06), CRLF line ends, ASCII. The Japanese files (``jgbcm_all.csv``, ``jgbcm.csv``)
hold the same numbers in Shift_JIS (cp932) under the header ``基準日,1年,...,40年`` with era
dates: ``S49.9.24`` is 1974-09-24, ``H31.4.26`` is 2019-04-26, ``R1.5.7`` is 2019-05-07
(year = era base + era year, bases M 1867, T 1911, S 1925, H 1988, R 2018). One parser reads
both layouts: it decodes defensively (UTF-8, else cp932; a Shift_JIS footnote in the English
current-month file is reported but unverified), finds the header line by its first cell and
drops rows whose date does not parse (footnotes).

Values are percent per annum; negative yields are real (2016-2024).

Availability (docs/data_sources.md section 6): the yields are computed from JSDA reference
quotes taken at 15:00 JST on ``D``; the files carry no time stamp and the MOF's pages do not
state a posting hour. The only evidence found, [UNVERIFIED] (a third-party service that
watches MOF pages, not re-checked here): the Japanese file ``jgbcm.csv`` logged as updated
"at 00:30" on the next business day, three times in 2025, each time for a Friday's data on
the Monday, the clock's time zone not stated. Both readings put the posting at or before
**00:30 UTC on the next
Tokyo business day**, and neither on the evening of ``D`` for a Friday. Rule: a value
dated ``D`` is available on the first Tokyo business day after ``D`` (Japanese public
holidays and the Dec 31 - Jan 3 closure skipped, :mod:`signals.sources.japan_calendar`)
at **01:30 UTC** (10:30 JST), one hour after the later reading; Friday's values on
Monday. The earlier rule (``D+1 00:00 UTC``) put every value exactly on a daily candle's
close and Friday's on Saturday; docs/signals.md shows how much the default backtest moves.
Refreshes record ``Last-Modified`` (see :mod:`signals.sources.http`) so that the rule can be
tightened from evidence later.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pandas as pd

from signals.errors import DataSourceError
from signals.sources.base import DataRepairWarning, Fetch, Source, check_wide, observations
from signals.sources.catalog import bounds_for
from signals.sources.http import download, make_session
from signals.sources.japan_calendar import shift_tokyo_business_days

__all__ = [
    "SERIES",
    "SOURCE",
    "TENORS",
    "URL_CURRENT",
    "URL_HISTORY",
    "available_at",
    "fetch_jgb",
    "parse_jgbcm",
    "read_file",
]

URL_CURRENT = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/jgbcme.csv"
URL_HISTORY = (
    "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/historical/jgbcme_all.csv"
)
TENORS = ("1Y", "2Y", "3Y", "4Y", "5Y", "6Y", "7Y", "8Y", "9Y", "10Y",
          "15Y", "20Y", "25Y", "30Y", "40Y")
SERIES = tuple(f"mof:{tenor}" for tenor in TENORS)
_ALL = "mof:1Y..40Y"
_ERA_BASE = {"M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018}
_HEADER = re.compile(r"^[ \t]*(?:Date|基準日)[ \t]*,", re.MULTILINE)
_ERA_DATE = r"^([MTSHR])(\d{1,2})\.(\d{1,2})\.(\d{1,2})$"
_MISSING = ("-", "")
#: Time of day (UTC) at which a value is taken as posted, on the next Tokyo business day.
_POSTED = pd.Timedelta(hours=1, minutes=30)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp932", errors="replace")


def _parse_dates(text: pd.Series) -> pd.Series:
    """Western ``YYYY/M/D`` or era ``S49.9.24`` dates to naive timestamps; NaT otherwise."""
    western = pd.to_datetime(text, format="%Y/%m/%d", errors="coerce")
    era = text.str.extract(_ERA_DATE)
    parts = pd.DataFrame({
        # numeric even when empty: with pyarrow, an empty text column stays text after map
        "year": era[0].map(_ERA_BASE).astype("float64") + pd.to_numeric(era[1]),
        "month": pd.to_numeric(era[2]),
        "day": pd.to_numeric(era[3]),
    })
    era_dates = pd.to_datetime(parts, errors="coerce")
    return western.astype("datetime64[ns]").fillna(era_dates.astype("datetime64[ns]"))


def _read_table(raw: bytes, url: str | None) -> pd.DataFrame:
    """The CSV from the header line on: tenors named ``1Y``, ``-`` and blanks as NaN."""
    text = _decode(raw)
    header = _HEADER.search(text)
    if header is None:
        raise DataSourceError(
            "no header line starting with 'Date,' or '基準日,'; this is not a MOF JGB "
            "yield file or the MOF changed its layout", source="mof", series=_ALL, url=url)
    try:
        frame = pd.read_csv(io.StringIO(text[header.start():]), na_values=list(_MISSING),
                            keep_default_na=False, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise DataSourceError(f"unreadable CSV: {exc}", source="mof", series=_ALL,
                              url=url) from exc
    frame.columns = frame.columns.str.strip().str.replace("年", "Y")
    missing = [tenor for tenor in TENORS if tenor not in frame.columns]
    if missing:
        raise DataSourceError(
            f"the header lacks {', '.join(missing)}; expected Date,{','.join(TENORS)} "
            f"(got {','.join(frame.columns)})", source="mof", series=_ALL, url=url)
    return frame


def parse_jgbcm(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse any MOF JGB yield file: English or Japanese, history or current month.

    Parameters
    ----------
    raw : bytes
        The body as served (ASCII, UTF-8 or cp932).
    url : str, optional
        Where it came from, for messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive, as the MOF names the day), one float64 column per store id
        ``"mof:1Y"`` ... ``"mof:40Y"``, in percent; NaN where the MOF writes ``-``. A file
        with a header and no rows gives an empty frame.
    """
    frame = _read_table(raw, url)
    dates = _parse_dates(frame.iloc[:, 0].astype(str).str.strip())
    cells = frame[list(TENORS)]
    values = cells.apply(pd.to_numeric, errors="coerce")  # a no-op on clean float columns
    numeric_rows = values.notna().any(axis=1)
    undated = dates.isna() & numeric_rows
    if undated.any():
        first = frame.iloc[:, 0][undated].iloc[0]
        if undated.sum() == numeric_rows.sum():
            raise DataSourceError(
                f"no row has a date in YYYY/M/D or era (R6.8.5) form; first {first!r}",
                source="mof", series=_ALL, url=url)
        warnings.warn(f"mof: skipped {int(undated.sum())} row(s) with values but an "
                      f"unreadable date in {url}, first {first!r}", DataRepairWarning,
                      stacklevel=2)
    dated = dates.notna().to_numpy()
    bad = (values.isna() & cells.notna())[dated]
    if bad.any(axis=None):
        row, tenor = bad.stack().loc[lambda flags: flags].index[0]
        raise DataSourceError(
            f"unreadable value {cells.at[row, tenor]!r} on {dates[row].date()}; expected a "
            "number or '-'", source="mof", series=f"mof:{tenor}", url=url)
    wide = values[dated].set_axis(list(SERIES), axis=1).astype("float64")
    return wide.set_axis(pd.DatetimeIndex(dates[dated], name="date"))


def available_at(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When a live bot could first have had the yields of each date: next business day 01:30 UTC.

    Parameters
    ----------
    dates : DatetimeIndex
        Observation dates as the MOF names them (Tokyo calendar).

    Returns
    -------
    pd.DatetimeIndex
        UTC availability times: the first Tokyo business day after ``D`` at 01:30 UTC (the
        evidence is in the module docstring).
    """
    following = shift_tokyo_business_days(dates, 1, calendar="bank")
    return (following + _POSTED).tz_localize("UTC")


def _checked(wide: pd.DataFrame, url: str | None) -> pd.DataFrame:
    return check_wide(wide, source="mof", url=url, bounds=bounds_for(SERIES))


def _get(session, url: str) -> pd.DataFrame:
    got = download(session, url, source="mof", series=_ALL)
    return _checked(parse_jgbcm(got.body, url=got.url), got.url)


def fetch_jgb(session=None, since: pd.Timestamp | None = None) -> pd.DataFrame:
    """Download the JGB yields from `since` (all history when ``None``).

    The current-month file is fetched first; the history file only when `since` is
    ``None`` or earlier than the first date of the current month's file.

    Parameters
    ----------
    session : requests.Session, optional
        The session to use; a new one when ``None``.
    since : Timestamp, optional
        First date wanted (naive).

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`) for ``mof:1Y`` ... ``mof:40Y``.
    """
    session = session or make_session()
    wide = _get(session, URL_CURRENT)
    if since is None or wide.empty or pd.Timestamp(since) < wide.index[0]:
        history = _get(session, URL_HISTORY)
        wide = pd.concat([history[~history.index.isin(wide.index)], wide]).sort_index()
    if since is not None:
        wide = wide[wide.index >= pd.Timestamp(since)]
    return observations(wide, available_at)


def read_file(path: Path) -> pd.DataFrame:
    """Parse a saved MOF file in any of the four layouts into observations."""
    url = str(path)
    return observations(_checked(parse_jgbcm(Path(path).read_bytes(), url=url), url),
                        available_at)


SOURCE = Source(
    name="mof",
    title="Ministry of Finance Japan: JGB constant-maturity yields 1Y-40Y, daily since 1974",
    attribution=("Source: Ministry of Finance Japan, Interest Rate (JGB yields), "
                 "https://www.mof.go.jp (Government of Japan Standard Terms of Use 2.0)"),
    files=(r"(mof_)?jgbcme(_all)?\.csv", r"(mof_)?jgbcm(_all)?\.csv"),
    fetches=(Fetch("mof", SERIES, lambda session, since: fetch_jgb(session, since)),),
    read_file=read_file,
    revision_days=7,
    bundled=("mof_jgbcme_all.csv",),
    stamp=lambda series, dates: available_at(dates),
)
