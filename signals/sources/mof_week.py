"""Ministry of Finance Japan: weekly International Transactions in Securities, since 2005.

The most direct published answer to "is Japan selling foreign bonds?": designated major
investors' (banks, securities firms, insurers, investment trust and asset managers) weekly
acquisitions and dispositions of foreign securities (*outward*, portfolio investment
assets) and non-residents' of Japanese securities (*inward*, portfolio investment
liabilities), by instrument, in **100 million yen** (億円; 10,000 = ¥1 trillion). One file,
:data:`URL` (``week.csv``, all weeks since 2005-01-02); docs/data_sources.md section 5b.

Stored series (column numbers are 1-based in the file; **+ = net acquisition** (net buying)
by the investors named, **- = net disposition** (net selling), as the file's Note 3 says):

============================== === =======================================================
store id                       col meaning
============================== === =======================================================
``mof_week:out_equity_net``      4 residents' net purchases of foreign equity and
                                   investment fund shares
``mof_week:out_lt_debt_acq``     5 residents' acquisitions of foreign long-term debt
                                   securities (bonds and notes), gross, >= 0
``mof_week:out_lt_debt_disp``    6 residents' dispositions (sales and redemptions) of
                                   foreign long-term debt, gross, >= 0
``mof_week:out_lt_debt_net``     7 residents' net purchases of foreign long-term debt:
                                   column 5 - column 6 (to within rounding, Note 2);
                                   negative = Japan selling foreign bonds
``mof_week:out_st_debt_net``    11 residents' net purchases of foreign short-term debt
                                   (bills, maturity up to one year)
``mof_week:in_lt_debt_net``     18 non-residents' net purchases of Japanese long-term
                                   debt (mostly JGBs)
============================== === =======================================================

:func:`parse_week_table` reads all 22 columns (:data:`COLUMNS`); the ones not stored are
there for checks and later use. Third-party calendars often print the balance-of-payments
sign instead (net purchases abroad negative); riskoff keeps the MOF's.

Format: cp932 (Shift_JIS), CRLF, no BOM; rows 1-2 the Japanese and English titles (the
update date in column 20), rows 4-5 the unit (``Unit: 100 million Yen``), rows 8-9 the two
blocks (column 2 ``1. Portfolio Investment Assets``, column 13 ``2. Portfolio Investment
Liabilities``), rows 11-14 instrument and measure headers in both languages (cell A11 holds
a line break inside quotes), then one row a week, a row of commas, and notes. The period
cell reads ``YYYY．M．D～M．D`` with full-width ``．`` and ``～``: a space follows ``～``
until the week of 2013-12-22, a week that crosses a year writes the end year
(``2025．12．28～2026．1．3``), and some 2017-18 labels end with a space; all are read by
:data:`PERIOD` on the stripped cell. Numbers are text with thousands commas and a trailing
space, quoted when they hold a comma (``"1,689 "``, ``270 ``, ``"-2,729 "``). The observation
``date`` is the week's last day, a Saturday (weeks run Sunday to Saturday, contiguous).

**Series break** (Note 1): from January 2014 transactions in investment funds, until then
part of long-term debt (contractual-type open-end investment trusts included), are recorded
under "equity and investment fund shares". Levels of the equity and long-term debt columns
are not comparable across :data:`BREAK_2014`; weeks dated on or after it (the first is
2013-12-29..2014-01-04, dated 2014-01-04, which the MOF does not split) are on the new
basis. Components should not standardise across it without care.

**Provisional latest week**: the last row of each release is provisional and revised at the
next release (one observed case: outward long-term debt net 16,294 -> 15,408); the
revision window is one week. A refresh fetches the file again from one week before the last
stored date (:attr:`Source.revision_days` = 7) and the store upserts by date, so the revised
value simply replaces the provisional one. The stored value is the latest vintage, stamped
with its week's first release time: a revision is not point-in-time.

Availability (data_sources.md sections 5b and 6): the MOF FAQ says the week is published
"the following week"; the release dates observed in the research notes fall on the **4th
Tokyo business day after the Saturday** that ends the week, normally Thursday, later when
holidays intervene. Government offices close from Dec 29 to Jan 3 (the Act on Holidays of
Administrative Organs), wider than the banks' Dec 31 - Jan 3, so the MOF's calendar is the
government one (:mod:`signals.sources.japan_calendar`); using the wider closure can only
make a release later. The hour is **not confirmed** on a MOF page: third-party parsers use
08:50 JST [UNVERIFIED]. The rule is therefore conservative: that business day at 08:50 JST
plus :data:`RELEASE_MARGIN` (70 minutes), i.e. **10:00 JST = 01:00 UTC**. It is never
exactly a UTC midnight: the daily candle that closes at 00:00 UTC does not count on the
figures; the next one does. Holiday weeks rest on the rule, not on observed dates; the
``Last-Modified`` of each fetch is kept to check the rule against live releases.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from signals.errors import DataSourceError
from signals.sources.base import Fetch, Source, check_wide, observations
from signals.sources.catalog import bounds_for
from signals.sources.http import download, make_session
from signals.sources.japan_calendar import shift_tokyo_business_days
from signals.sources.release import at_local_time

__all__ = [
    "BREAK_2014",
    "COLUMNS",
    "PERIOD",
    "RELEASE_BUSINESS_DAYS",
    "RELEASE_CLOCK",
    "RELEASE_MARGIN",
    "RELEASE_TZ",
    "SERIES",
    "SOURCE",
    "URL",
    "available_at",
    "fetch_week",
    "parse_week",
    "parse_week_table",
    "read_file",
]

URL = ("https://www.mof.go.jp/policy/international_policy/reference/"
       "itn_transactions_in_securities/week.csv")

#: First day of the new basis (Note 1): investment funds moved from long-term debt to
#: equity and investment fund shares. Compare with the observation ``date`` (week end).
BREAK_2014 = pd.Timestamp("2014-01-01")

#: The 22 value columns in file order (file columns 2-23): ``out_`` residents' transactions
#: in foreign securities, ``in_`` non-residents' in Japanese ones; ``acq`` acquisitions,
#: ``disp`` dispositions (both gross), ``net`` their difference, + = net buying.
COLUMNS = (
    "out_equity_acq", "out_equity_disp", "out_equity_net",
    "out_lt_debt_acq", "out_lt_debt_disp", "out_lt_debt_net",
    "out_subtotal_net",
    "out_st_debt_acq", "out_st_debt_disp", "out_st_debt_net",
    "out_total_net",
    "in_equity_acq", "in_equity_disp", "in_equity_net",
    "in_lt_debt_acq", "in_lt_debt_disp", "in_lt_debt_net",
    "in_subtotal_net",
    "in_st_debt_acq", "in_st_debt_disp", "in_st_debt_net",
    "in_total_net",
)
_STORED = ("out_equity_net", "out_lt_debt_acq", "out_lt_debt_disp", "out_lt_debt_net",
           "out_st_debt_net", "in_lt_debt_net")
SERIES = tuple(f"mof_week:{code}" for code in _STORED)
_ALL = "mof_week:*"

#: The period cell, stripped: start year, month, day; optional end year; end month, day.
PERIOD = re.compile(r"^(\d{4})．(\d{1,2})．(\d{1,2})～\s*(?:(\d{4})．)?(\d{1,2})．(\d{1,2})$")
_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)$")

#: What the English header rows must say (whitespace collapsed), by 0-based column.
_BLOCKS = {1: "1. Portfolio Investment Assets", 12: "2. Portfolio Investment Liabilities"}
_INSTRUMENTS = {
    offset + i: name
    for offset in (1, 12)
    for i, name in enumerate(("Equity and investment fund shares", "", "",
                              "Long-term debt securities", "", "", "Subtotal",
                              "Short-term debt securities", "", "", "Total"))
    if name
}
_MEASURES = ("Acquisition", "Disposition", "Net", "Acquisition", "Disposition", "Net", "Net",
             "Acquisition", "Disposition", "Net", "Net") * 2
_UNIT = "unit: 100 million yen"
_WIDTH = 1 + len(COLUMNS)

RELEASE_BUSINESS_DAYS = 4
RELEASE_CLOCK, RELEASE_TZ = "08:50", "Asia/Tokyo"
#: Added to the third parties' 08:50 JST because the hour is unconfirmed (module docstring).
RELEASE_MARGIN = pd.Timedelta(minutes=70)


def _error(message: str, url: str | None, series: str = _ALL) -> DataSourceError:
    return DataSourceError(message, source="mof_week", series=series, url=url)


def _squash(cell: str) -> str:
    return " ".join(cell.split())


def _rows(raw: bytes, url: str | None) -> list[list[str]]:
    """The file as CSV rows of raw cells (cp932, or UTF-8 when saved so)."""
    if not raw.strip():
        raise _error("empty file", url)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp932")
        except UnicodeDecodeError as exc:
            raise _error(f"not a text file in cp932 (Shift_JIS) or UTF-8 (byte "
                         f"{exc.start}); this is not the MOF's week.csv", url) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _error(f"unreadable CSV: {exc}", url) from None


def _header_line(rows: list[list[str]], url: str | None) -> int:
    """The index of the English measure row, after checking the header rows above it."""
    squashed = [[_squash(c) for c in row] for row in rows]
    found = [i for i, row in enumerate(squashed) if tuple(row[1:_WIDTH]) == _MEASURES]
    if not found:
        raise _error("no header row 'Acquisition,Disposition,Net,...' with the 22 measures "
                     "of the weekly table; this is not the MOF's week.csv or the MOF changed "
                     "its layout", url)
    line = found[0]
    above = squashed[:line]

    def has(column: int, text: str) -> bool:
        return any(len(row) > column and row[column].lower() == text.lower() for row in above)

    if not any(_UNIT in cell.lower() for row in above for cell in row):
        raise _error("the header does not say 'Unit: 100 million Yen'; the unit may have "
                     "changed, check the file", url)
    for columns, what in ((_BLOCKS, "block"), (_INSTRUMENTS, "instrument")):
        for column, text in columns.items():
            if not has(column, text):
                raise _error(f"the {what} header lacks {text!r} in column {column + 1}; the "
                             "MOF changed the layout of week.csv", url)
    return line


def _week_ends(cells: pd.Series, lines: np.ndarray, url: str | None) -> pd.DatetimeIndex:
    """Each period cell's last day (a Saturday), checking it is a Sunday-to-Saturday week."""
    parts = cells.str.strip().str.extract(PERIOD)
    bad = parts[0].isna().to_numpy()
    if bad.any():
        first = int(np.argmax(bad))
        raise _error(f"line {lines[first]}: unreadable week {cells.iloc[first]!r}; expected "
                     "'YYYY．M．D～M．D'", url)
    start = pd.to_datetime(
        pd.DataFrame({"year": parts[0], "month": parts[1], "day": parts[2]}).astype(int),
        errors="coerce")
    end = pd.to_datetime(
        pd.DataFrame({"year": parts[3].fillna(parts[0]), "month": parts[4],
                      "day": parts[5]}).astype(int), errors="coerce")
    wrong = (start.isna() | end.isna() | (start.dt.day_of_week != 6)
             | (end - start != pd.Timedelta(days=6))).to_numpy()
    if wrong.any():
        first = int(np.argmax(wrong))
        raise _error(f"line {lines[first]}: {cells.iloc[first].strip()!r} is not a "
                     "Sunday-to-Saturday week", url)
    return pd.DatetimeIndex(end, name="date").astype("datetime64[ns]")


def parse_week_table(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse ``week.csv`` into all 22 columns.

    Parameters
    ----------
    raw : bytes
        The body as served (cp932, CRLF).
    url : str, optional
        Where it came from, for messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive, the week's Saturday, file order), float64 columns
        :data:`COLUMNS` in 100 million yen, + = net buying. Raises
        :class:`~signals.errors.DataSourceError` on a changed header, a cut file, an
        unreadable week or number.
    """
    rows = _rows(raw, url)
    header = _header_line(rows, url)
    data: list[list[str]] = []
    lines: list[int] = []
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        if not any(cell.strip() for cell in row):
            break  # the row of commas: notes follow
        if len(row) != _WIDTH:
            raise _error(f"line {number}: {len(row)} cells, expected {_WIDTH}; the file looks "
                         "cut or changed", url)
        data.append(row)
        lines.append(number)
    else:
        raise _error("the file ends inside the table, without the row of commas and the "
                     "notes; the download looks cut", url)
    if not data:
        raise _error("no weekly rows between the header and the notes", url)
    table = pd.DataFrame(data, dtype=object)
    dates = _week_ends(table[0], np.asarray(lines), url)
    cells = table.iloc[:, 1:].apply(lambda col: col.str.strip())
    readable = cells.apply(lambda col: col.str.fullmatch(_NUMBER) | col.eq(""))
    if not readable.all(axis=None):
        row, column = readable.stack().loc[lambda ok: ~ok].index[0]
        raise _error(f"line {lines[row]}: unreadable number {table.at[row, column]!r} in "
                     f"column {column + 1}; expected digits with thousands commas",
                     url, f"mof_week:{COLUMNS[column - 1]}")
    values = cells.apply(lambda col: pd.to_numeric(col.str.replace(",", ""), errors="coerce"))
    return values.set_axis(list(COLUMNS), axis=1).set_axis(dates).astype("float64")


def parse_week(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse ``week.csv`` into the stored series.

    Parameters
    ----------
    raw : bytes
        The body as served.
    url : str, optional
        Where it came from, for messages.

    Returns
    -------
    DataFrame
        ``date`` index (the week's Saturday), float64 columns :data:`SERIES`
        (``"mof_week:out_lt_debt_net"`` ...) in 100 million yen, + = net buying.
    """
    table = parse_week_table(raw, url=url)
    return table[list(_STORED)].set_axis(list(SERIES), axis=1)


def available_at(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When each week's figures were first published (UTC).

    Parameters
    ----------
    dates : DatetimeIndex
        The weeks' last days (Saturdays), naive.

    Returns
    -------
    pd.DatetimeIndex
        The 4th Tokyo government business day after each date, at 08:50 JST plus
        :data:`RELEASE_MARGIN` (10:00 JST, 01:00 UTC); evidence in the module docstring.
    """
    release = shift_tokyo_business_days(dates, RELEASE_BUSINESS_DAYS, calendar="government")
    return at_local_time(release, RELEASE_CLOCK, RELEASE_TZ) + RELEASE_MARGIN


def _to_observations(wide: pd.DataFrame, url: str | None) -> pd.DataFrame:
    wide = check_wide(wide, source="mof_week", url=url, bounds=bounds_for(SERIES))
    return observations(wide, available_at)


def fetch_week(session=None, since: pd.Timestamp | None = None) -> pd.DataFrame:
    """Download ``week.csv`` and return the weeks ending on or after `since`.

    Parameters
    ----------
    session : requests.Session, optional
        The session to use; a new one when ``None``.
    since : Timestamp, optional
        First week-end date wanted (naive); all history when ``None``. The file always
        holds every week since 2005, so `since` only trims what is stored.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`) of :data:`SERIES`.
    """
    session = session or make_session()
    got = download(session, URL, source="mof_week", series=_ALL)
    wide = parse_week(got.body, url=got.url)
    if since is not None:
        wide = wide[wide.index >= pd.Timestamp(since)]
    return _to_observations(wide, got.url)


def read_file(path: Path) -> pd.DataFrame:
    """Parse a saved ``week.csv`` (saved as ``mof_week.csv``) into observations."""
    url = str(path)
    return _to_observations(parse_week(Path(path).read_bytes(), url=url), url)


SOURCE = Source(
    name="mof_week",
    title="Ministry of Finance Japan: weekly international transactions in securities "
          "(Japan's net purchases of foreign bonds, ...), since 2005",
    attribution=("Source: Ministry of Finance Japan, International Transactions in "
                 "Securities (weekly), https://www.mof.go.jp (Government of Japan Standard "
                 "Terms of Use 2.0)"),
    files=(r"mof_week\.csv",),
    fetches=(Fetch("mof_week", SERIES, lambda session, since: fetch_week(session, since)),),
    read_file=read_file,
    revision_days=7,
    bundled=("mof_week.csv",),
    stamp=lambda series, dates: available_at(dates),
)
