"""Refreshing the store: from the publishers, or from a folder of saved files.

Each :class:`~signals.sources.base.Fetch` is downloaded and written on its own, in its own
transaction: one failed source never costs the others, a failed download never touches
stored data, and an interrupted refresh keeps everything finished before it.

A refresh is bounded for a bot that runs unattended (see :mod:`signals.sources.http`):

* **deadline**: the whole refresh ends within ``deadline`` seconds
  (:data:`DEFAULT_DEADLINE`); downloads not started by then are reported as skipped;
* **circuit breaker**: after a hard failure (a timeout, a refused connection, 429/5xx
  after its retries, a ``Retry-After`` too far away) the publisher's other downloads are
  skipped in that run and reported as skipped, with the download that failed;
* **revision guard**: a stored value is not overwritten by a "revision" that looks like a
  cut-short or wrong file (see :func:`suspect_revisions`); the stored value is kept and a
  :class:`SuspectRevisionWarning` says which.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from signals.data.restamp import ensure_current_rules
from signals.data.store import Store
from signals.errors import DataSourceError
from signals.sources import http
from signals.sources.base import Fetch, Source

__all__ = ["DEFAULT_DEADLINE", "MAX_REVISIONS", "FetchResult", "SuspectRevisionWarning",
           "import_data_dir", "refresh_macro", "suspect_revisions"]

#: Seconds a whole refresh may take by default: long enough for an incremental refresh of
#: every publisher (a few seconds each), short enough that a bot offline or facing hung
#: publishers hears so within a minute.
DEFAULT_DEADLINE = 45.0

#: A download that rewrites more stored values of one series than this (and more than a
#: quarter of the stored dates it covers) is suspect: publishers revise a few recent values.
MAX_REVISIONS = 5


class SuspectRevisionWarning(UserWarning):
    """A download would have changed stored values in an implausible way; they were kept."""


@dataclass(frozen=True)
class FetchResult:
    """What one download (or one imported file) gave.

    Attributes
    ----------
    source : str
        Source name, e.g. ``"fred"``.
    label : str
        The fetch's label or the file's name.
    rows : int
        Rows inserted or changed in the store.
    error : str or None
        The error message when it failed or was skipped.
    skipped : bool
        Not attempted: its publisher failed hard earlier in the run, or the deadline passed.
    note : str or None
        A warning about what was stored, e.g. suspect revisions kept out.
    unreachable : bool
        It failed because the publisher could not be reached at all (no network, DNS,
        connection refused).
    """

    source: str
    label: str
    rows: int
    error: str | None = None
    skipped: bool = False
    note: str | None = None
    unreachable: bool = False

    @property
    def ok(self) -> bool:
        """Whether it succeeded."""
        return self.error is None


def _since(fetch: Fetch, last: dict[str, pd.Timestamp], revision_days: int):
    """First date to ask for: the oldest last date among its series, less the revision window."""
    dates = [last.get(sid) for sid in fetch.series]
    if not dates or any(d is None for d in dates):
        return None
    return min(dates) - pd.Timedelta(days=revision_days)


def _last_dates(store: Store) -> dict[str, pd.Timestamp]:
    from signals.data.bundled import ensure_bundled

    last = {sid: frame["date"].iloc[-1] for sid, frame in ensure_bundled(store).items()
            if len(frame)}
    for sid, date in store.last_dates().items():
        last[sid] = max(date, last.get(sid, date))
    return last


def _decimals(value: float) -> int:
    """Decimal places of `value` as written in shortest form (``3.88`` -> 2, ``3.0`` -> 0)."""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1].rstrip("0"))


def _truncates(old: float, new: float) -> bool:
    """Whether `new` is `old` with its last digits cut off (3.88 -> 3.8 or 3.0)."""
    places = _decimals(new)
    if places >= _decimals(old):
        return False
    scale = 10.0**places
    return math.isclose(math.trunc(old * scale) / scale, new, rel_tol=0, abs_tol=1e-12)


def suspect_revisions(stored: pd.DataFrame, incoming: pd.DataFrame) -> tuple[pd.Index, str]:
    """Which revisions of one series to keep out of the store, and why.

    A revision is a value for a date already stored that differs from the stored one. Two
    kinds are suspect, because a body cut short or a wrong file makes them and publishers
    do not: a value that is the stored one with digits cut off (3.88 -> 3.0, 19.059245 ->
    19.0592: a number cut mid-way); and more than :data:`MAX_REVISIONS` revisions at once
    that are also more than a quarter of the stored dates the download covers (then every
    revision of the download is suspect).

    Parameters
    ----------
    stored : DataFrame
        The stored ``date, value`` rows of the series.
    incoming : DataFrame
        The downloaded observations of the same series.

    Returns
    -------
    (pd.Index, str)
        The labels of `incoming` rows to drop, and a message ("" when none).
    """
    if stored.empty or incoming.empty:
        return incoming.index[:0], ""
    old = pd.Series(stored["value"].to_numpy(), index=pd.DatetimeIndex(stored["date"]))
    old = old[~old.index.duplicated(keep="last")]
    dates = pd.DatetimeIndex(incoming["date"])
    before = old.reindex(dates).to_numpy()
    after = incoming["value"].to_numpy(dtype="float64")
    overlap = ~np.isnan(before)
    revised = overlap & ~np.isclose(before, after, rtol=0, atol=1e-12)
    if not revised.any():
        return incoming.index[:0], ""
    series = str(incoming["series"].iloc[0])
    if revised.sum() > MAX_REVISIONS and revised.sum() > 0.25 * overlap.sum():
        first = int(np.flatnonzero(revised)[0])
        return incoming.index[revised], (
            f"{series}: the download would rewrite {int(revised.sum())} of the "
            f"{int(overlap.sum())} stored values it covers (first {dates[first].date()}: "
            f"{before[first]:g} -> {after[first]:g}); kept the stored values. If the "
            "publisher really revised its history, delete the series from the store and "
            "update again")
    cut = np.array([r and _truncates(b, a) for r, b, a in zip(revised, before, after,
                                                              strict=True)])
    if not cut.any():
        return incoming.index[:0], ""
    first = int(np.flatnonzero(cut)[0])
    return incoming.index[cut], (
        f"{series}: {int(cut.sum())} value(s) arrived with digits cut off (first "
        f"{dates[first].date()}: stored {before[first]:g}, downloaded {after[first]:g}), as "
        "a body cut short gives; kept the stored values")


def _guarded(store: Store, obs: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """`obs` without its suspect revisions, each series' reason warned and returned."""
    if obs.empty:
        return obs, None
    stored = store.read_observations(obs["series"].unique())
    drop, notes = [], []
    for series, rows in obs.groupby("series", sort=False):
        if series not in stored:
            continue
        labels, message = suspect_revisions(stored[series], rows)
        if message:
            drop.extend(labels)
            notes.append(message)
            warnings.warn(message, SuspectRevisionWarning, stacklevel=3)
    return obs.drop(index=drop), "; ".join(notes) or None


def refresh_macro(
    store: Store,
    *,
    sources: Iterable[Source] | None = None,
    session=None,
    on_result: Callable[[FetchResult], None] | None = None,
    deadline: float | http.Deadline | None = DEFAULT_DEADLINE,
) -> list[FetchResult]:
    """Download what is new from each source into `store`, within a deadline.

    Parameters
    ----------
    store : Store
        Where to write.
    sources : iterable of Source, optional
        Default: every source.
    session : requests.Session, optional
        Passed to every fetch (tests pass a replay session); ``None`` lets each loader
        make its own.
    on_result : callable, optional
        Called after each fetch, e.g. to advance a progress bar.
    deadline : float or Deadline, optional
        Seconds the whole refresh may take (default :data:`DEFAULT_DEADLINE`); no request,
        read or retry wait runs past it, and fetches not finished by then are reported as
        failed or skipped. ``None``: no overall limit (each request still times out).

    Returns
    -------
    list of FetchResult
        One per fetch, in order; failures carry their error message, skipped fetches
        ``skipped=True``.

    Warns
    -----
    SuspectRevisionWarning
        A download would have overwritten stored values with digits cut off, or rewritten
        many at once; the stored values were kept (see :func:`suspect_revisions`).
    """
    if deadline is None:
        return _refresh(store, sources, session, on_result, None)
    with http.deadline(deadline) as limit:
        return _refresh(store, sources, session, on_result, limit)


def _refresh(store, sources, session, on_result, limit) -> list[FetchResult]:
    from signals.sources.registry import all_sources

    ensure_current_rules(store)  # rows stamped by older rules are not mixed with new ones
    last = _last_dates(store)
    results = []
    for source in all_sources() if sources is None else sources:
        down: str | None = None  # the label of this publisher's hard failure
        for fetch in source.fetches:
            started = time.time()
            if down is not None:
                result = FetchResult(source.name, fetch.label, 0,
                                     f"skipped: {down} failed hard earlier in this run",
                                     skipped=True)
            elif limit is not None and limit.expired():
                result = FetchResult(source.name, fetch.label, 0,
                                     f"skipped: the refresh's deadline of {limit.seconds:g} s "
                                     "was reached", skipped=True)
            else:
                result, hard = _run(store, source, fetch, session,
                                    _since(fetch, last, source.revision_days))
                down = fetch.label if hard else None
            store.log_fetch(source.name, fetch.label, result.rows, result.error,
                            started_at=started)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


def _run(store: Store, source: Source, fetch: Fetch, session,
         since) -> tuple[FetchResult, bool]:
    """Run one fetch and store it: its result, and whether it failed hard."""
    try:
        obs = fetch.run(session, since)
        obs, note = _guarded(store, obs)
        rows = store.write_observations(obs, origin="network")
        return FetchResult(source.name, fetch.label, rows, note=note), False
    except DataSourceError as exc:
        hard = isinstance(exc, http.PublisherDownError)
        return FetchResult(source.name, fetch.label, 0, str(exc),
                           unreachable=exc.unreachable), hard
    except Exception as exc:  # a loader bug must not stop the other sources
        return FetchResult(source.name, fetch.label, 0,
                           f"{source.name} {fetch.label}: unexpected "
                           f"{type(exc).__name__}: {exc}"), False


def import_data_dir(store: Store, data_dir: str | Path) -> list[FetchResult]:
    """Import a folder of saved publisher files into `store` (origin ``"file"``).

    Parameters
    ----------
    store : Store
        Where to write.
    data_dir : str or Path
        The folder (see :mod:`signals.data.datadir`).

    Returns
    -------
    list of FetchResult
        One per macro file.
    """
    from signals.data.datadir import scan_data_dir
    from signals.sources.registry import get_source

    results = []
    scan = scan_data_dir(data_dir)
    ensure_current_rules(store)
    for name, paths in scan.macro.items():
        for path in paths:
            try:
                obs = get_source(name).read_file(path)
                rows = store.write_observations(obs, origin="file")
                results.append(FetchResult(name, path.name, rows))
            except DataSourceError as exc:
                results.append(FetchResult(name, path.name, 0, str(exc)))
    return results
