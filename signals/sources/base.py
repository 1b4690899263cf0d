"""The contract every source module meets, and the checks all of them share.

A source turns a publisher's raw file into *observations*: a long ``DataFrame`` with

============== ===================== ====================================================
column         dtype                 meaning
============== ===================== ====================================================
series         str                   store id, ``"<source>:<code>"``, e.g. ``"fred:DGS10"``
date           datetime64 (naive)    the observation's date as the publisher names it
value          float64               the value, in the unit the catalog names
available_at   datetime64, UTC       when a live bot could first have had it
============== ===================== ====================================================

Parsers return a *wide* frame (``date`` index, one column per store id); :func:`observations`
stamps it with a source's availability rule and :func:`check_wide` applies the checks every
source shares: sorted unique dates (repaired, with a warning) and plausible units (an error).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from signals.errors import DataSourceError

if TYPE_CHECKING:
    import requests

__all__ = [
    "OBS_COLUMNS",
    "DataRepairWarning",
    "Fetch",
    "Source",
    "check_wide",
    "empty_observations",
    "observations",
]

OBS_COLUMNS = ("series", "date", "value", "available_at")


class DataRepairWarning(UserWarning):
    """The data layer repaired something in a publisher's file (duplicates, order)."""


AvailabilityRule = Callable[[pd.DatetimeIndex], pd.DatetimeIndex]
SeriesRule = Callable[[str, pd.DatetimeIndex], pd.DatetimeIndex]
FetchFunction = Callable[["requests.Session | None", "pd.Timestamp | None"], pd.DataFrame]


@dataclass(frozen=True)
class Fetch:
    """One download that the updater runs, stores and reports on its own.

    A source splits its work into fetches so that one failed series does not cost the
    others (FRED has one fetch per series; the MOF has one for both of its files).

    Parameters
    ----------
    label : str
        What the progress bar and the summary show, e.g. ``"fred:DGS10"``.
    series : tuple of str
        The store ids it yields.
    run : callable
        ``run(session, since) -> observations``. `session` is a ``requests.Session`` or
        ``None`` (make one); `since` is the first naive date wanted, ``None`` for all
        history. It raises :class:`~signals.errors.DataSourceError` on failure.
    """

    label: str
    series: tuple[str, ...]
    run: FetchFunction


@dataclass(frozen=True)
class Source:
    """A publisher, as the store and the command line drive it.

    Parameters
    ----------
    name : str
        Short name and store-id prefix, e.g. ``"mof"``.
    title : str
        One line for people: publisher and what it gives.
    attribution : str
        The credit line its terms ask for.
    files : tuple of str
        Regular expressions (full match, case-insensitive) for the file names this source
        reads from a ``data_dir``, e.g. ``"mof_jgbcme(_all)?[.]csv"``.
    fetches : tuple of Fetch
        The downloads a refresh runs.
    read_file : callable
        ``read_file(path) -> observations``: parse one saved file.
    revision_days : int
        Days before the last stored date that a refresh fetches again, because the
        publisher revises recent values.
    bundled : tuple of str
        File names shipped in ``signals/data/bundled`` for this source.
    stamp : callable, optional
        ``stamp(store_id, dates) -> DatetimeIndex``: the source's availability rule for one
        of its store ids, the UTC time at which the value of each naive date became
        available; the same times its parsers stamp. A store's rows are stamped again with
        it when the rule's version changes (:mod:`signals.sources.rule_versions`).
        ``None`` for a source with no rule of its own.
    """

    name: str
    title: str
    attribution: str
    files: tuple[str, ...]
    fetches: tuple[Fetch, ...]
    read_file: Callable[[Path], pd.DataFrame]
    revision_days: int = 0
    bundled: tuple[str, ...] = field(default=())
    stamp: SeriesRule | None = None

    def handles(self, filename: str) -> bool:
        """Whether this source reads a file of this name from a ``data_dir``."""
        return any(re.fullmatch(p, filename, flags=re.IGNORECASE) for p in self.files)


def empty_observations() -> pd.DataFrame:
    """An observations frame with no rows and the documented dtypes."""
    return pd.DataFrame(
        {
            "series": pd.Series([], dtype=object),
            "date": pd.Series([], dtype="datetime64[ns]"),
            "value": pd.Series([], dtype="float64"),
            "available_at": pd.Series([], dtype="datetime64[ns, UTC]"),
        }
    )


def observations(wide: pd.DataFrame, rule: AvailabilityRule) -> pd.DataFrame:
    """Stamp a wide frame with availability times and return long observations.

    Parameters
    ----------
    wide : DataFrame
        ``date`` index (naive), one float column per store id; NaN means no value.
    rule : callable
        Maps the naive dates to their UTC availability times.

    Returns
    -------
    DataFrame
        Observations (see the module docstring), NaN values dropped, sorted by series then date.
    """
    if wide.empty:
        return empty_observations()
    dates = pd.DatetimeIndex(wide.index).normalize()
    available = pd.DatetimeIndex(rule(dates))
    if available.tz is None or str(available.tz) != "UTC":
        raise TypeError("an availability rule must return UTC times")
    frames = []
    for column in wide.columns:
        values = wide[column].to_numpy(dtype="float64")
        keep = ~np.isnan(values)
        frames.append(
            pd.DataFrame(
                {
                    "series": column,
                    "date": dates[keep],
                    "value": values[keep],
                    "available_at": available[keep],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["date"] = out["date"].astype("datetime64[ns]")
    out["available_at"] = out["available_at"].astype("datetime64[ns, UTC]")
    return out.sort_values(["series", "date"], ignore_index=True)


def check_wide(
    wide: pd.DataFrame,
    *,
    source: str,
    url: str | None,
    bounds: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Apply the checks every source shares to a parsed wide frame.

    Unsorted dates are sorted and duplicated dates keep their last row, each with a
    :class:`DataRepairWarning`. A value outside its series' plausible range (e.g. a yield
    of 380 where percent is expected) is a :class:`~signals.errors.DataSourceError`.

    Parameters
    ----------
    wide : DataFrame
        Parsed frame, ``date`` index, one column per store id.
    source : str
        Source name for messages.
    url : str or None
        Where the data came from (a URL or a file path), for messages.
    bounds : dict, optional
        ``{store_id: (low, high)}`` plausible ranges, in the series' unit.

    Returns
    -------
    DataFrame
        Sorted, with unique dates.
    """
    if wide.index.has_duplicates:
        count = int(wide.index.duplicated().sum())
        warnings.warn(
            f"{source}: {count} duplicated date(s) in {url}; kept the last row of each",
            DataRepairWarning,
            stacklevel=3,
        )
        wide = wide[~wide.index.duplicated(keep="last")]
    if not wide.index.is_monotonic_increasing:
        warnings.warn(f"{source}: dates out of order in {url}; sorted them",
                      DataRepairWarning, stacklevel=3)
        wide = wide.sort_index()
    for column, (low, high) in (bounds or {}).items():
        if column not in wide:
            continue
        values = wide[column]
        bad = values[(values < low) | (values > high)]
        if not bad.empty:
            first_date, first_value = bad.index[0], bad.iloc[0]
            raise DataSourceError(
                f"{len(bad)} value(s) outside the plausible range {low}..{high}, first "
                f"{first_value:g} on {pd.Timestamp(first_date).date()}; the unit looks wrong "
                "(percent expected?). Check the file, or report the publisher's format change",
                source=source, series=column, url=url,
            )
    return wide
