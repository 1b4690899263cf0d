"""Refreshing the store: from the publishers, or from a folder of saved files.

Each :class:`~signals.sources.base.Fetch` is downloaded and written on its own, in its own
transaction: one failed source never costs the others, a failed download never touches
stored data, and an interrupted refresh keeps everything finished before it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from signals.data.store import Store
from signals.errors import DataSourceError
from signals.sources.base import Fetch, Source

__all__ = ["FetchResult", "import_data_dir", "refresh_macro"]


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
        The error message when it failed.
    """

    source: str
    label: str
    rows: int
    error: str | None = None

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


def refresh_macro(
    store: Store,
    *,
    sources: Iterable[Source] | None = None,
    session=None,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Download what is new from each source into `store`.

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

    Returns
    -------
    list of FetchResult
        One per fetch, in order; failures carry their error message.
    """
    from signals.sources.registry import all_sources

    last = _last_dates(store)
    results = []
    for source in all_sources() if sources is None else sources:
        unreachable: DataSourceError | None = None
        for fetch in source.fetches:
            since = _since(fetch, last, source.revision_days)
            started = time.time()
            try:
                if unreachable is not None:
                    raise unreachable
                obs = fetch.run(session, since)
                rows = store.write_observations(obs, origin="network")
                result = FetchResult(source.name, fetch.label, rows)
            except DataSourceError as exc:
                if exc.unreachable:
                    unreachable = exc  # the others would wait out the same retries
                result = FetchResult(source.name, fetch.label, 0, str(exc))
            except Exception as exc:  # a loader bug must not stop the other sources
                result = FetchResult(source.name, fetch.label, 0,
                                     f"{source.name} {fetch.label}: unexpected "
                                     f"{type(exc).__name__}: {exc}")
            store.log_fetch(source.name, fetch.label, result.rows, result.error,
                            started_at=started)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


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
    for name, paths in scan.macro.items():
        for path in paths:
            try:
                obs = get_source(name).read_file(path)
                rows = store.write_observations(obs, origin="file")
                results.append(FetchResult(name, path.name, rows))
            except DataSourceError as exc:
                results.append(FetchResult(name, path.name, 0, str(exc)))
    return results
