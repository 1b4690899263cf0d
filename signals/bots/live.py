"""The live reading: the risk-off score as of now, how fresh it is, and what a bot should do.

:func:`latest` never raises because a publisher is down, the store is half-written or the
computation fails: it returns a :class:`LiveReading` with ``degraded=True`` and the error
named (``score=None`` when nothing at all can be computed). Only bad arguments raise
(:class:`~signals.errors.ConfigError`).

A reading is **usable** when it has a score as of its time from fresh data. It is not when
too little weight is fresh (``stale=True``: every input older than its component's
``max_age`` drops out of the score) or nothing could be computed. Then the **policy** says
what the bot should do:

``fail_open``
    allow risk.
``fail_closed``
    refuse risk.
``hold_last``
    keep the verdict of the last good score (the current reading, see below) for at most
    ``max_hold`` (default :data:`MAX_HOLD`, 3 days) after the score became unusable, then
    refuse; refuse when there is none. Three days ride out a weekend or a publisher's
    outage of a day or two; longer, the held verdict rests on a market that has moved on.

The reading rests on one row, the **current reading** of
:func:`signals.score.composite.current_score`: the last row, at or before the time asked,
scored when new data arrived (a row that only records inputs expiring is never used).
``row_available_at`` and ``age_days`` describe that row, also when it is held.

A usable score allows risk below :data:`RISK_OFF_ABOVE` (where ``stress`` starts, the level
at which the default backtest rule exits: docs/choice.md) and refuses it from there,
whatever the policy. A degraded reading whose stored data are still
fresh (a refresh failed, but the stored values are within ``max_age``) is usable. ``decision``
starts with ``allow:`` or ``refuse:`` and says why in a few words.

A bot may call :func:`latest` every minute: the scores of a store are kept in memory and
computed again only when something has been written to it, so a call costs well under a
millisecond when nothing changed.
"""

from __future__ import annotations

import html
import os
import sqlite3
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from signals.data.store import Store
from signals.errors import ConfigError, DataContractError
from signals.families.registry import get_component
from signals.score.composite import REGIMES, scored_rows
from signals.times import to_utc

__all__ = ["MAX_HOLD", "POLICIES", "RISK_OFF_ABOVE", "LiveReading", "latest", "reading",
           "stored_scores"]

POLICIES = ("fail_open", "fail_closed", "hold_last")
RISK_OFF_ABOVE = dict(REGIMES)["stress"]  # the default backtest rule's exit
_KEYS = ("as_of", "row_available_at", "age_days", "score", "regime", "coverage", "components",
         "inputs", "notes", "degraded", "failed_sources", "stale", "policy", "allow_risk",
         "decision")
_DAY_NS = 86_400 * 10**9
#: How long ``hold_last`` keeps a held verdict after the score became unusable.
MAX_HOLD = pd.Timedelta(days=3)
_CACHED = 4  # (store, weights) pairs whose scores stay in memory


def check_policy(policy: str) -> str:
    """`policy` if it is one of :data:`POLICIES`, else a :class:`ConfigError`."""
    if policy not in POLICIES:
        raise ConfigError(f"policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    return policy


def check_max_hold(max_hold) -> pd.Timedelta:
    """`max_hold` as a Timedelta (a number is days), else a :class:`ConfigError`."""
    try:
        hold = pd.Timedelta(days=max_hold) if isinstance(max_hold, int | float) else \
            pd.Timedelta(max_hold)
    except (TypeError, ValueError):
        hold = pd.NaT
    if hold is pd.NaT or hold < pd.Timedelta(0):
        raise ConfigError(f"max_hold must be a duration >= 0 (days as a number, or e.g. "
                          f"'3D', '12h'); got {max_hold!r}")
    return hold


def _stamp(when: pd.Timestamp | None) -> str:
    return "none" if when is None else f"{when:%Y-%m-%d %H:%M} UTC"


def _days(span: pd.Timedelta) -> str:
    return f"{span / pd.Timedelta(days=1):,.1f} days"


def _decide(score, held_score, held_as_of, policy: str, unusable_for: pd.Timedelta | None,
            max_hold: pd.Timedelta) -> tuple[bool, str]:
    """``allow_risk`` and ``decision`` for a usable `score` (or ``None``): the module's rules.

    `unusable_for` is how long the score has been unusable (``None``: unknown, taken as
    within `max_hold`).
    """
    if score is not None:
        allow = score < RISK_OFF_ABOVE
        return allow, (f"{'allow' if allow else 'refuse'}: score {score:.1f} "
                       f"{'<' if allow else '>='} {RISK_OFF_ABOVE:g}")
    if policy == "fail_open":
        return True, "allow: no usable score (fail_open)"
    if policy == "fail_closed":
        return False, "refuse: no usable score (fail_closed)"
    if held_score is None:
        return False, "refuse: no usable score to hold (hold_last)"
    if unusable_for is not None and unusable_for > max_hold:
        return False, (f"refuse: no usable score for {_days(unusable_for)}, longer than "
                       f"max_hold {_days(max_hold)}; the last good score {held_score:.1f} of "
                       f"{_stamp(held_as_of)} is no longer held (hold_last)")
    allow = held_score < RISK_OFF_ABOVE
    return allow, (f"{'allow' if allow else 'refuse'}: no usable score; holding the last good "
                   f"score {held_score:.1f} of {_stamp(held_as_of)} (hold_last)")


@dataclass(frozen=True)
class LiveReading:
    """One reading of the risk-off score, with its freshness and a verdict for a bot.

    Attributes
    ----------
    as_of, row_available_at : Timestamp
        When the reading is taken (UTC: now, or the time asked), and the availability time
        of the score row it rests on: the current reading, also when it is held (``None``
        when there is none).
    age_days : float
        Age of that row at `as_of`, in days (for a reading of a past time, its age then).
    score, regime, coverage : float, str, float
        The score of that row (0-100, higher = more risk-off; ``None`` when there is none;
        when `stale` it is the last good one, not usable), its regime (``calm``, ``watch``,
        ``stress``, ``unwind``), the share of the weight on fresh data at `as_of`.
    components, inputs : list of dict
        ``{name, family, weight, contribution, description}`` of the row used, largest first
        (see :attr:`contributions`); each input's freshness at `as_of`:
        ``{name, last_date, available_at, age_days, stale}``.
    notes, failed_sources : list of str
        Warnings and the error; each source whose last download failed, and why (when a
        refresh runs past the timeout: the outcome each source recorded in the store, or
        that it has not answered yet).
    degraded, stale : bool
        A refresh or the store failed; there is no score at `as_of` from fresh data (the
        `score` shown is the last good one, judged by the policy).
    policy, allow_risk, decision : str, bool, str
        How an unusable reading is judged (:data:`POLICIES`), the verdict, and why
        (``allow: ...`` or ``refuse: ...``); left empty, both are worked out by the rules.
    held_score, held_as_of, error : float, Timestamp, str or None
        The last good score at or before `as_of` and its time (for ``hold_last``); why the
        data could not be read or scored.
    unusable_since, max_hold : Timestamp or None, Timedelta
        When the score stopped being usable (``None`` when it is usable or unknown), and
        how long ``hold_last`` holds after that.
    """

    as_of: pd.Timestamp
    row_available_at: pd.Timestamp | None = None
    age_days: float | None = None
    score: float | None = None
    regime: str | None = None
    coverage: float = 0.0
    components: list[dict] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    degraded: bool = False
    failed_sources: list[str] = field(default_factory=list)
    stale: bool = False
    policy: str = "hold_last"
    allow_risk: bool = False
    decision: str = ""
    held_score: float | None = None
    held_as_of: pd.Timestamp | None = None
    error: str | None = None
    unusable_since: pd.Timestamp | None = None
    max_hold: pd.Timedelta = MAX_HOLD

    def __post_init__(self) -> None:
        if not self.decision:  # made by hand: judge it by the rules
            usable = None if self.stale else self.score
            since = self.unusable_since
            verdict = _decide(usable, self.held_score, self.held_as_of, self.policy,
                              None if since is None else self.as_of - since, self.max_hold)
            object.__setattr__(self, "allow_risk", verdict[0])
            object.__setattr__(self, "decision", verdict[1])

    @property
    def contributions(self) -> dict[str, float | None]:
        """Component name -> score points (``None`` when it does not count)."""
        return {part["name"]: part["contribution"] for part in self.components}

    def to_dict(self) -> dict:
        """The JSON schema of ``riskoff score --format json`` (docs/cli.md), as plain values."""
        out = {key: getattr(self, key) for key in _KEYS}
        for key in ("as_of", "row_available_at"):
            out[key] = None if out[key] is None else out[key].isoformat()
        for key in ("components", "inputs", "notes", "failed_sources"):
            out[key] = [dict(item) if isinstance(item, dict) else item for item in out[key]]
        return out

    def __repr__(self) -> str:
        score = "no score" if self.score is None else f"score {self.score:.1f} ({self.regime})"
        flags = "".join(f", {flag}" for flag in ("stale", "degraded") if getattr(self, flag))
        return (f"<LiveReading {_stamp(self.as_of)}: {score}, coverage {self.coverage:.0%}"
                f"{flags}; {self.decision}>")

    def _repr_html_(self) -> str:
        parts = pd.DataFrame(self.components, columns=["name", "family", "contribution"])
        inputs = pd.DataFrame(self.inputs, columns=["name", "last_date", "age_days", "stale"])
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes + self.failed_sources)
        return (f"<p><b>{html.escape(repr(self))}</b></p><ul>{notes}</ul>"
                f"{parts.to_html(index=False, na_rep='')}{inputs.to_html(index=False)}")


def _points(values: np.ndarray, row: int) -> float | None:
    return None if row < 0 or np.isnan(values[row]) else round(float(values[row]), 3)


class _Snapshot:
    """Scores and each input's availability, ready to be read at any time."""

    def __init__(self, scores: pd.DataFrame, macro, notes: list[str] = ()) -> None:
        self.scores = scores  # the whole frame, for stored_scores
        self.times = scores.index.as_unit("ns").asi8
        self.index = scores.index
        self.score = scores["score"].to_numpy("float64")
        self.scored = scored_rows(scores)  # the candidates for the current reading
        self.unscored = np.flatnonzero(np.isnan(self.score))
        self.regime = scores["regime"].astype(object).to_numpy()
        self.coverage = scores["coverage"].to_numpy("float64")
        self.notes = list(notes)
        self.parts, max_ages = [], {}
        for name, weight in scores.attrs["weights"].items():
            component = get_component(name)
            self.parts.append((name, component, weight, scores[name].to_numpy("float64")))
            for series in {*component.inputs.values(), *component.optional.values()}:
                max_ages[series] = min(max_ages.get(series, component.max_age),
                                       component.max_age)
        self.inputs = []
        for name, max_age in sorted(max_ages.items()):
            frame = macro.frame(name) if name in macro else None
            self.inputs.append((name, max_age.value, None if frame is None else (
                pd.DatetimeIndex(frame["available_at"]).as_unit("ns"),
                pd.DatetimeIndex(frame["date"]))))

    def _row(self, when: pd.Timestamp) -> int:
        return int(np.searchsorted(self.times, when.value, side="right")) - 1

    def _held(self, row: int) -> int:
        k = int(np.searchsorted(self.scored, row, side="right")) - 1
        return int(self.scored[k]) if k >= 0 else -1

    def read(self, at: pd.Timestamp, policy: str,
             max_hold: pd.Timedelta = MAX_HOLD) -> LiveReading:
        """The reading at `at`: the current reading then, its age and the verdict."""
        at_row = self._row(at)
        row = self._held(at_row)
        stale = at_row < 0 or np.isnan(self.score[at_row])
        since = None
        if stale and row >= 0:  # the first unscored row after the one held
            k = int(np.searchsorted(self.unscored, row, side="right"))
            since = self.index[self.unscored[k]] if k < len(self.unscored) else None
        parts = [{"name": name, "family": c.family, "weight": weight,
                  "contribution": _points(v, row),
                  "description": c.description} for name, c, weight, v in self.parts]
        inputs = []
        for name, max_age, known in self.inputs:
            j = -1 if known is None else int(known[0].searchsorted(at, side="right")) - 1
            age = None if j < 0 else at.value - int(known[0].asi8[j])
            inputs.append({
                "name": name, "last_date": None if j < 0 else known[1][j].date().isoformat(),
                "available_at": None if j < 0 else known[0][j].isoformat(),
                "age_days": None if age is None else round(age / _DAY_NS, 2),
                "stale": age is None or age >= max_age})
        held_score = _points(self.score, row)
        held_as_of = None if row < 0 else self.index[row]
        allow, decision = _decide(None if stale else held_score, held_score, held_as_of, policy,
                                  None if since is None else at - since, max_hold)
        return LiveReading(
            as_of=at, row_available_at=held_as_of,
            age_days=None if row < 0 else round((at.value - self.times[row]) / _DAY_NS, 2),
            score=held_score,
            regime=None if row < 0 or not isinstance(self.regime[row], str) else self.regime[row],
            coverage=0.0 if at_row < 0 else round(float(self.coverage[at_row]), 4),
            components=sorted(parts, key=lambda p: -abs(p["contribution"] or 0)),
            inputs=inputs, notes=list(self.notes), stale=bool(stale), policy=policy,
            allow_risk=allow, decision=decision, held_score=held_score, held_as_of=held_as_of,
            unusable_since=since, max_hold=max_hold)


def reading(scores: pd.DataFrame, macro, at: pd.Timestamp | None = None, *, now=None,
            policy: str = "hold_last") -> dict:
    """One score row as a plain dict: the score, regime, contributions and input freshness.

    Parameters
    ----------
    scores : DataFrame
        From :func:`signals.risk_off_score`.
    macro : MacroData
        The data the scores came from (for each input's freshness).
    at : Timestamp, optional
        Time of the reading (UTC); default `now`. The reading is the current one then
        (:func:`signals.score.composite.current_score`), aged from `at`.
    now : Timestamp, optional
        The present (default: the clock).
    policy : str
        How an unusable reading is judged (:data:`POLICIES`).

    Returns
    -------
    dict
        The JSON schema of ``riskoff score --format json`` (docs/cli.md).
    """
    now = pd.Timestamp.now(tz="UTC") if now is None else to_utc(now, "now")
    when = now if at is None else at
    live = _Snapshot(scores, macro).read(when, check_policy(policy))
    if live.row_available_at is None:
        raise ConfigError(f"at: no score is available at {_stamp(when)}; try a later time")
    return live.to_dict()


_LOCK, _REFRESH_LOCK = threading.Lock(), threading.Lock()
_CACHE: OrderedDict[tuple, _Cached] = OrderedDict()  # (store path, weights), newest last
_REFRESHES: dict[str, _Refresh] = {}  # store path -> the refresh running on it


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Cached:
    """A store's last snapshot, and the open connection that tells when it changed."""

    __slots__ = ("conn", "inode", "snap", "token")

    def __init__(self) -> None:
        self.conn = self.inode = self.token = self.snap = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = self.token = None


def _snapshot(store: Store, weights) -> tuple[_Snapshot | None, str | None]:
    """The scores of `store`, recomputed only when something was written to it.

    SQLite's ``PRAGMA data_version``, asked on a connection kept open, changes whenever
    another connection commits; the file's inode and size catch a store replaced or cut
    short on disk. On failure: the last good snapshot of the same store (or ``None``) and
    the error.
    """
    from signals.data.macro import load_macro
    from signals.score.composite import _as_weights, risk_off_score

    key = (str(store.path), _as_weights(weights))  # a bad weights argument raises here
    with _LOCK:
        cached = _CACHE.pop(key, None) or _Cached()
        _CACHE[key] = cached
        while len(_CACHE) > _CACHED:
            _CACHE.popitem(last=False)[1].close()
        try:
            stat = os.stat(store.path)
            inode = (stat.st_dev, stat.st_ino, stat.st_size)  # size: a file cut short
            if cached.conn is None or cached.inode != inode:
                cached.close()
                cached.conn = sqlite3.connect(store.path, isolation_level=None,
                                              check_same_thread=False)
                cached.inode = inode
            token = cached.conn.execute("PRAGMA data_version").fetchone()[0]
            if token != cached.token:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    macro = load_macro(store=store)
                    scores = risk_off_score(macro, weights=key[1])
                notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
                cached.snap = _Snapshot(scores, macro, list(dict.fromkeys(notes)))
                cached.token = token
        except Exception as exc:  # a half-written store, a failed computation
            cached.token = None
            return cached.snap, _describe(exc)
        return cached.snap, None


def stored_scores(store: Store | str | os.PathLike | None = None, *,
                  weights=None) -> pd.DataFrame:
    """The score rows of a store, from the snapshot :func:`latest` keeps in memory.

    They are computed again only when something was written to the store (the check
    :func:`latest` makes on every call), so a long-lived process can serve the whole
    history on every request for the cost of that check.

    Parameters
    ----------
    store : Store, str or Path, optional
        Default :func:`signals.data.store.default_store_path`.
    weights : Weights, mapping or path, optional
        As for :func:`signals.risk_off_score`.

    Returns
    -------
    pd.DataFrame
        :func:`signals.risk_off_score` of the store's macro data, every row: the same object
        until the store changes (read it, never modify it). When the store cannot be read
        or scored now, the last scores computed from it.

    Raises
    ------
    DataContractError
        The store cannot be read or scored and no earlier scores of it are held; the
        message names the cause.
    """
    store = store if isinstance(store, Store) else Store(store)
    snap, error = _snapshot(store, weights)
    if snap is None:
        raise DataContractError(f"no scores from the store {store.path}: {error}")
    return snap.scores


class _Refresh(threading.Thread):
    """One refresh of a store from the network, in a daemon thread."""

    def __init__(self, store: Store, session) -> None:
        super().__init__(name="riskoff-refresh", daemon=True)
        self.store, self.session = store, session
        self.results, self.error = [], None
        self.started = time.time()

    def run(self) -> None:
        from signals.data import update

        try:
            results = list(update.refresh_macro(self.store, session=self.session))
            self.results = [(r.source, r.rows, r.error) for r in results]
        except BaseException as exc:  # reported by the caller, never raised in a thread
            self.error = _describe(exc)
        finally:
            with _REFRESH_LOCK:
                if _REFRESHES.get(str(self.store.path)) is self:
                    del _REFRESHES[str(self.store.path)]


def _refresh(store: Store, timeout: float, session) -> tuple[list[str], list[str]]:
    """Refresh `store`, waiting at most `timeout` s: (failed sources, notes)."""
    with _REFRESH_LOCK:
        thread = _REFRESHES.get(str(store.path))
        running = thread is not None
        if thread is None:
            thread = _REFRESHES[str(store.path)] = _Refresh(store, session)
            thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return [f"refresh timed out after {timeout:g} s"
                + (" (an earlier refresh is still running)" if running else ""),
                *_outcomes(store, thread.started, timeout)], []
    if thread.error is not None:
        return [f"refresh failed: {thread.error}"], []
    failed = list(dict.fromkeys(error for _, _, error in thread.results if error is not None))
    if failed or sum(rows for _, rows, _ in thread.results):
        return failed, []
    return [], [f"the refresh wrote nothing new ({len(thread.results)} downloads); the "
                "reading uses the stored data"]


def _outcomes(store: Store, started: float, timeout: float) -> list[str]:
    """Per source, what a refresh still running has recorded in the store so far.

    A download that failed in this refresh is named with its error; a source with
    downloads still to come is named with the last outcome the store holds for them.
    """
    from signals.sources.registry import all_sources

    try:
        log = store.last_fetches().set_index("label")
    except Exception as exc:  # the outcomes are a courtesy: never fail the reading for them
        return [f"the outcome of each source is unreadable: {_describe(exc)}"]
    since = pd.Timestamp(int(started), unit="s", tz="UTC")
    out = []
    for source in all_sources():
        labels = [fetch.label for fetch in source.fetches]
        rows = log.reindex(labels)
        done = rows["started_at"] >= since
        out += rows.loc[done & ~rows["ok"].astype(bool), "error"].tolist()
        if done.all():
            continue
        before = rows[~done & rows["finished_at"].notna()]
        failed = before[~before["ok"].astype(bool)]
        if before.empty:
            last = "it has never been downloaded"
        elif failed.empty:
            last = f"its last download, {_stamp(before['finished_at'].max())}, was ok"
        else:
            last = (f"its last download, {_stamp(failed['finished_at'].max())}, failed: "
                    f"{failed['error'].iloc[-1]}")
        out.append(f"{source.name}: no answer yet after {timeout:g} s ({int((~done).sum())} of "
                   f"{len(labels)} downloads to go); {last}")
    return out


def latest(*, refresh: bool = False, timeout: float = 10.0, policy: str = "hold_last",
           max_hold=MAX_HOLD, store: Store | str | os.PathLike | None = None, now=None,
           weights=None, session=None) -> LiveReading:
    """The risk-off reading as of now, from the store, for a bot; never raises on bad data.

    Parameters
    ----------
    refresh : bool
        Download what is new first (:func:`signals.data.update.refresh_macro`), in a daemon
        thread, waiting at most `timeout` seconds; a refresh still running is waited for,
        never started twice.
    timeout : float
        Longest wait for the refresh, in seconds (scoring the store comes on top: well
        under a second, and nothing when the store has not changed since the last call).
    policy : str
        What an unusable reading means (see the module docstring): ``hold_last``,
        ``fail_open`` or ``fail_closed``.
    max_hold : Timedelta, str or float
        How long ``hold_last`` keeps the last good verdict after the score became unusable
        (a number is days; default :data:`MAX_HOLD`, 3 days); then it refuses.
    store : Store, str or Path, optional
        Default :func:`signals.data.store.default_store_path`.
    now : str or Timestamp, optional
        The time of the reading (default: the clock); only data available then are used.
    weights : Weights, mapping or path, optional
        As for :func:`signals.risk_off_score`.
    session : requests.Session, optional
        Passed to every download.

    Returns
    -------
    LiveReading
        ``degraded`` with ``failed_sources`` and the error in ``notes`` when something failed;
        ``score=None`` when nothing could be computed.
    """
    policy, max_hold = check_policy(policy), check_max_hold(max_hold)
    if not isinstance(timeout, int | float) or not timeout >= 0:
        raise ConfigError(f"timeout must be >= 0 seconds; got {timeout!r}")
    now = pd.Timestamp.now(tz="UTC") if now is None else to_utc(now, "now")
    failed, notes, snap, error = [], [], None, None
    try:
        store = store if isinstance(store, Store) else Store(store)
    except Exception as exc:  # a store file that is not a database, an unwritable folder
        error = f"store unreadable: {_describe(exc)}"
    if error is None and refresh:
        failed, notes = _refresh(store, timeout, session)
    if error is None:
        snap, error = _snapshot(store, weights)
    live = (LiveReading(as_of=now, stale=True, policy=policy, max_hold=max_hold)
            if snap is None else snap.read(now, policy, max_hold))
    notes = live.notes + notes + ([f"error: {error}"] if error else [])
    return replace(live, notes=notes, degraded=bool(failed or error), failed_sources=failed,
                   error=error)
