"""When the service downloads: soon after each publisher's releases, from their own rules.

Every source module states when a value dated ``D`` becomes available (its ``available_at``
rule: the MOF the next morning Tokyo time, FRED's H.15 the next US business day, H.10 on
Mondays, the CFTC on its release calendar with holidays and shutdowns, TIC around the
18th, the MOF's weekly flows on the 4th Tokyo business day). The schedule asks those
rules for every calendar day around now, so it needs no calendar of its own: a release
time is a time at which some value would first be available. A download is planned at each
release time plus a random delay (:data:`JITTER`, so that many services do not knock at
once), and again :data:`RETRIES` later in case the publisher is late. Yahoo's series are
on their markets' closes by the same rules.

The :class:`Scheduler` runs the plan in a thread: one refresh of a publisher at a time,
each one through :func:`signals.data.update.refresh_macro` with the retry limits of the
data layer, and never two refreshes of the same publisher at once.
"""

from __future__ import annotations

import importlib
import random
import threading
from collections.abc import Callable

import pandas as pd

__all__ = ["JITTER", "LOOKAROUND", "RETRIES", "Scheduler", "next_download", "release_times"]

#: Largest random delay after a release before downloading.
JITTER = pd.Timedelta(minutes=5)
#: Further attempts after a release, for publishers that post late.
RETRIES = (pd.Timedelta(hours=1), pd.Timedelta(hours=4))
#: How far back observation dates are tried (monthly series are released ~7 weeks late).
LOOKAROUND = pd.Timedelta(days=70)


def release_times(source: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Times in ``(start, end]`` at which `source` makes some value available (UTC).

    Parameters
    ----------
    source : str
        A source name of :data:`signals.sources.registry.SOURCE_NAMES`.
    start, end : Timestamp
        UTC bounds.

    Returns
    -------
    pd.DatetimeIndex
        Sorted unique UTC times, from the source module's own ``available_at`` rule applied
        to every calendar day from ``start - LOOKAROUND`` to `end`.
    """
    module = importlib.import_module(f"signals.sources.{source}")
    days = pd.date_range((start - LOOKAROUND).tz_convert(None).normalize(),
                         end.tz_convert(None).normalize(), freq="D")
    if source == "fred":
        parts = [module.available_at(code, days) for code in module.SERIES]
    elif source == "yahoo":
        parts = [module.available_at(ticker, days) for ticker in module.TICKERS]
    else:
        parts = [module.available_at(days)]
    times = pd.DatetimeIndex(sorted(set().union(*(p.tz_convert("UTC") for p in parts))))
    return times[(times > start) & (times <= end)]


def next_download(source: str, after: pd.Timestamp, *,
                  rng: random.Random | None = None) -> pd.Timestamp:
    """The first planned download of `source` after `after`: a release (or a retry) + jitter.

    Parameters
    ----------
    source : str
        Source name.
    after : Timestamp
        UTC time.
    rng : random.Random, optional
        Source of the jitter (tests pass a seeded one).

    Returns
    -------
    Timestamp
        UTC.
    """
    rng = rng or random.Random()
    horizon = after + pd.Timedelta(days=40)
    releases = release_times(source, after - max(RETRIES), horizon)
    planned = releases.append([releases + delay for delay in RETRIES])
    planned = planned[planned > after].sort_values()
    when = planned[0] if len(planned) else horizon
    return when + JITTER * rng.random()


class Scheduler(threading.Thread):
    """Downloads each publisher soon after its releases, one refresh of a publisher at a time.

    Parameters
    ----------
    sources : sequence of str
        Source names to keep current.
    refresh : callable
        ``refresh(source_name)`` runs one download of that publisher (and returns its
        results); exceptions are handed to `on_error`, never raised in the thread.
    clock : callable
        Returns the current UTC time.
    on_error : callable, optional
        ``on_error(source_name, exception)``.
    rng : random.Random, optional
        Source of the jitter.
    """

    def __init__(self, sources, refresh: Callable[[str], object], *,
                 clock: Callable[[], pd.Timestamp], on_error=None,
                 rng: random.Random | None = None) -> None:
        super().__init__(name="riskoff-scheduler", daemon=True)
        self.refresh, self.clock, self.on_error = refresh, clock, on_error
        self.rng = rng or random.Random()
        now = clock()
        self.plan = {name: next_download(name, now, rng=self.rng) for name in sources}
        self.stopping = threading.Event()
        self.busy: set[str] = set()
        self.lock = threading.Lock()

    def due(self, now: pd.Timestamp) -> list[str]:
        """The sources whose planned download has come, and that are not running now."""
        with self.lock:
            return [name for name, when in self.plan.items()
                    if when <= now and name not in self.busy]

    def run_due(self, now: pd.Timestamp) -> list[str]:
        """Download every due source once (in this thread), then plan its next download."""
        started = self.due(now)
        for name in started:
            with self.lock:
                self.busy.add(name)
            try:
                self.refresh(name)
            except Exception as exc:  # reported, never raised: the next release is planned
                if self.on_error is not None:
                    self.on_error(name, exc)
            finally:
                with self.lock:
                    self.busy.discard(name)
                    self.plan[name] = next_download(name, self.clock(), rng=self.rng)
        return started

    def run(self) -> None:
        """The loop: download what is due, sleep until the next plan (a minute at most)."""
        while not self.stopping.is_set():
            now = self.clock()
            self.run_due(now)
            with self.lock:
                wake = min(self.plan.values(), default=now + pd.Timedelta(hours=1))
            wait = max(1.0, min((wake - self.clock()).total_seconds(), 60.0))
            self.stopping.wait(wait)

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to stop, and wait for a running download to finish its write."""
        self.stopping.set()
        self.join(timeout)
