"""Cboe: the VIX index's daily history, the fallback when Yahoo rate-limits ``^VIX``.

Fetched as one file with the whole history since 1990:
``https://cdn.cboe.com/api/global/us_indices/daily_prices/VIX_History.csv``.

Format: ``DATE,OPEN,HIGH,LOW,CLOSE``, dates ``MM/DD/YYYY`` on the live file; saved copies
such as ``cboe_vix_daily.csv`` may carry ISO ``YYYY-MM-DD`` dates, and both are read. Some
early rows have 0 placeholders for open, high and low; only the close is kept, as store id
``cboe:VIX`` (index points). The file is fetched at run time and never bundled (Cboe's
terms).

Availability (docs/data_sources.md section 6): a close dated ``D`` is available at
``D 16:15 America/New_York`` plus 30 minutes. 16:15 is Cboe's official VIX close; the value
is public from then on (Cboe's own index feed, and Yahoo's ``^VIX``). UNVERIFIED: the hour
at which Cboe appends ``D`` to this CSV file; a live refresh simply gets ``D`` on the first
fetch after that. A fetch drops rows whose availability time is later than the fetch
time, in case the file ever carries the day in progress.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from signals.errors import DataSourceError
from signals.sources.base import Fetch, Source, check_wide, observations
from signals.sources.catalog import bounds_for
from signals.sources.http import download, make_session
from signals.sources.release import at_local_time

__all__ = ["SERIES", "SOURCE", "URL", "available_at", "fetch_vix", "parse_vix_history",
           "read_file"]

URL = "https://cdn.cboe.com/api/global/us_indices/daily_prices/VIX_History.csv"
SERIES = "cboe:VIX"
_CLOCK, _TZ = "16:45", "America/New_York"  # the 16:15 close plus 30 minutes


def parse_vix_history(raw: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Parse Cboe's ``VIX_History.csv`` (``MM/DD/YYYY`` or ISO dates).

    Parameters
    ----------
    raw : bytes
        The body as served, or a saved copy.
    url : str, optional
        For error messages.

    Returns
    -------
    DataFrame
        ``date`` index (naive New York dates), one float column ``"cboe:VIX"`` (index
        points).
    """
    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"not a CSV file: {exc}", source="cboe", series=SERIES,
                              url=url) from exc
    frame.columns = [str(column).strip().upper() for column in frame.columns]
    if "DATE" not in frame or "CLOSE" not in frame:
        raise DataSourceError(
            f"expected the columns DATE,OPEN,HIGH,LOW,CLOSE, got {list(frame.columns)}; "
            "Cboe changed its format or this is not VIX_History.csv",
            source="cboe", series=SERIES, url=url)
    if frame.empty:
        raise DataSourceError("the file has a header but no rows; try again later",
                              source="cboe", series=SERIES, url=url)
    text = frame["DATE"].str.strip()
    dates = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce").fillna(
        pd.to_datetime(text, format="%Y-%m-%d", errors="coerce"))
    if dates.isna().any():
        raise DataSourceError(
            f"{int(dates.isna().sum())} row(s) with an unreadable DATE, first "
            f"{text[dates.isna()].iloc[0]!r}; expected MM/DD/YYYY or YYYY-MM-DD",
            source="cboe", series=SERIES, url=url)
    try:
        values = pd.to_numeric(frame["CLOSE"].str.strip(), errors="raise")
    except ValueError as exc:
        raise DataSourceError(f"a CLOSE value is not a number: {exc}", source="cboe",
                              series=SERIES, url=url) from exc
    return pd.DataFrame({SERIES: values.to_numpy(dtype="float64")},
                        index=pd.DatetimeIndex(dates.astype("datetime64[ns]"), name="date"))


def available_at(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When a live bot could first have had each VIX close: ``D`` 16:45 New York, in UTC.

    Parameters
    ----------
    dates : DatetimeIndex
        Observation dates (New York).

    Returns
    -------
    pd.DatetimeIndex
        UTC availability times (see the module docstring for the evidence).
    """
    return at_local_time(dates, _CLOCK, _TZ)


def _to_observations(wide: pd.DataFrame, url: str | None) -> pd.DataFrame:
    wide = check_wide(wide, source="cboe", url=url, bounds=bounds_for([SERIES]))
    return observations(wide, available_at)


def fetch_vix(
    session=None, since: pd.Timestamp | None = None, *, now: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Download the VIX history and keep the closes from `since` on.

    Parameters
    ----------
    session : requests.Session, optional
        The session to use; a new one when ``None``.
    since : Timestamp, optional
        First date wanted; ``None`` for all history. Cboe serves one file either way.
    now : Timestamp, optional
        The fetch time, tz-aware; when the download arrived if ``None``. Rows whose
        availability time is later are dropped.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`).
    """
    got = download(session or make_session(), URL, source="cboe", series=SERIES)
    wide = parse_vix_history(got.body, url=got.url)
    if since is not None:
        wide = wide[wide.index >= pd.Timestamp(since)]
    obs = _to_observations(wide, got.url)
    now = got.fetched_at if now is None else pd.Timestamp(now).tz_convert("UTC")
    return obs[obs["available_at"] <= now].reset_index(drop=True)


def read_file(path: Path) -> pd.DataFrame:
    """Parse a saved ``VIX_History.csv`` or ``cboe_vix_daily.csv``."""
    return _to_observations(parse_vix_history(Path(path).read_bytes(), url=str(path)),
                            str(path))


SOURCE = Source(
    name="cboe",
    title="Cboe Global Markets: VIX index daily history",
    attribution="VIX index values: Cboe Global Markets, Inc. (fetched at run time)",
    files=(r"cboe_vix_daily\.csv", r"VIX_History\.csv"),
    fetches=(Fetch(SERIES, (SERIES,), lambda session, since: fetch_vix(session, since)),),
    read_file=read_file,
    revision_days=5,
    bundled=(),
    stamp=lambda series, dates: available_at(dates),
)
