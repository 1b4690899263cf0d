"""The local store: an embedded SQLite database of observations and candles.

Why SQLite: it ships with Python, keeps one file, and in WAL mode lets a trading bot write
while a notebook reads (readers see the last committed state, never a half-written one).
Every refresh writes each download in one transaction, so a process killed in the middle
of a refresh loses only the download it was writing, never what was stored before.

Tables
------
``observations``
    The truth: one row per (series, date) with value, ``available_at``, ``fetched_at``
    (when that value first arrived) and ``origin`` (``bundled``, ``network`` or ``file``).
``snapshots``
    Per series, the whole history packed as arrays, in two layers: ``store``, rebuilt from
    ``observations`` in the same transaction as every write to that series, and
    ``bundled``, the package's offline data parsed once and kept read-only (stored rows
    override it date by date, and a new package version replaces it). Reads come from
    here, which keeps a warm ``load_macro()`` fast: a few dozen blobs instead of a quarter
    of a million rows.
``candles``
    OHLCV by exchange, symbol, timeframe and open time (ms UTC), written page by page.
``meta``
    ``schema_version``, and ``rules``: the availability rules' versions that every row of
    ``observations`` is stamped by (:mod:`signals.data.restamp`): those of the riskoff
    that made the store, then of the last restamp; absent in a store made before they
    were recorded.
``fetch_log``
    Every download attempted: when it started and finished, what, how many rows, and the
    error if it failed (``error`` NULL: it succeeded). A bot reads each source's last
    outcome from here (:meth:`Store.last_fetches`), also when its own refresh is still
    running.

Location: ``$RISKOFF_HOME/riskoff.sqlite`` when ``RISKOFF_HOME`` is set, else the user cache
folder (``platformdirs.user_cache_dir("riskoff")``); ``Store(path)`` overrides both.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from signals.errors import ConfigError
from signals.sources.rule_versions import rules_text

__all__ = ["HOME_ENV", "Store", "default_store_path", "store_file"]

HOME_ENV = "RISKOFF_HOME"
SCHEMA_VERSION = 1
_NS_PER_S = 1_000_000_000
_DAY_S = 86_400

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS observations (
    series TEXT NOT NULL,
    date INTEGER NOT NULL,          -- days since 1970-01-01
    value REAL NOT NULL,
    available_at INTEGER NOT NULL,  -- seconds since the epoch, UTC
    fetched_at INTEGER NOT NULL,    -- seconds since the epoch, UTC
    origin TEXT NOT NULL,
    PRIMARY KEY (series, date)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    layer TEXT NOT NULL,            -- 'store' (from observations) or 'bundled'
    series TEXT NOT NULL,
    tag TEXT NOT NULL,              -- origins present ('store'), or the bundle's hash
    n INTEGER NOT NULL,
    dates BLOB NOT NULL,            -- int32 days
    vals BLOB NOT NULL,             -- float64
    available BLOB NOT NULL,        -- int64 seconds
    PRIMARY KEY (layer, series)
);
CREATE TABLE IF NOT EXISTS candles (
    exchange TEXT NOT NULL,
    symbol TEXT NOT NULL,
    timeframe TEXT NOT NULL,
    open_time INTEGER NOT NULL,     -- ms since the epoch, UTC, candle open
    open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
    volume REAL NOT NULL,
    fetched_at INTEGER NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (exchange, symbol, timeframe, open_time)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fetch_log (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    label TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    error TEXT,
    started_at INTEGER              -- NULL in rows written before it was recorded
);
"""


def default_store_path() -> Path:
    """Where the store lives unless told otherwise (see the module docstring)."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "riskoff.sqlite"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("riskoff")) / "riskoff.sqlite"


def store_file(path: str | os.PathLike | None = None) -> Path:
    """The database file that `path` names: the file itself, or ``riskoff.sqlite`` in a folder.

    Parameters
    ----------
    path : str or Path, optional
        A ``.sqlite`` file or a folder; default :func:`default_store_path`.

    Returns
    -------
    Path
    """
    path = Path(path).expanduser() if path is not None else default_store_path()
    return path / "riskoff.sqlite" if path.is_dir() or path.suffix == "" else path


def _now_s() -> int:
    return int(time.time())


def _to_seconds(stamps: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    index = pd.DatetimeIndex(stamps)
    if index.tz is None:
        raise TypeError("times written to the store must be tz-aware UTC")
    return index.as_unit("ns").asi8 // _NS_PER_S


def _to_days(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return pd.DatetimeIndex(dates).as_unit("ns").asi8 // (_NS_PER_S * _DAY_S)


def _put_snapshot(con: sqlite3.Connection, layer: str, series: str, tag: str,
                  days: np.ndarray, values: np.ndarray, seconds: np.ndarray) -> None:
    con.execute(
        "INSERT OR REPLACE INTO snapshots VALUES (?,?,?,?,?,?,?)",
        (layer, series, tag, len(days), np.asarray(days).astype("int32").tobytes(),
         np.asarray(values, dtype="float64").tobytes(),
         np.asarray(seconds).astype("int64").tobytes()))


class Store:
    """The local SQLite store.

    Parameters
    ----------
    path : str or Path, optional
        The database file, or a folder to hold ``riskoff.sqlite``. Default:
        :func:`default_store_path`.
    timeout : float
        Seconds a writer waits for another process's write to finish.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 60.0) -> None:
        path = store_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the store folder {path.parent}: {exc.strerror}; set "
                f"{HOME_ENV} to a writable folder"
            ) from exc
        self.path = path
        self.timeout = timeout
        try:
            with self._connect() as con:
                new = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'observations'"
                                  ).fetchone() is None
                con.executescript(_SCHEMA)
                con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                            (str(SCHEMA_VERSION),))
                if new:  # no row yet: every row will be stamped by the current rules
                    con.execute("INSERT OR IGNORE INTO meta VALUES ('rules', ?)",
                                (rules_text(),))
                columns = {row[1] for row in con.execute("PRAGMA table_info(fetch_log)")}
                if "started_at" not in columns:  # a store made before it was recorded
                    con.execute("ALTER TABLE fetch_log ADD COLUMN started_at INTEGER")
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
            raise ConfigError(
                f"store {path} is not a riskoff store or is damaged ({exc}); move it away "
                f"and run `riskoff data update` to build a new one, or pass another --store"
            ) from exc

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextmanager
    def _connect(self):
        con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            yield con
        finally:
            con.close()

    @contextmanager
    def _write(self):
        """One write transaction: all of it is stored, or none of it."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- observations -------------------------------------------------------------------

    def write_observations(self, obs: pd.DataFrame, *, origin: str,
                           replace: bool = True) -> int:
        """Upsert observations by (series, date) in one transaction.

        Parameters
        ----------
        obs : DataFrame
            Observations (``series, date, value, available_at``; see
            :mod:`signals.sources.base`).
        origin : str
            ``"network"``, ``"file"`` or ``"bundled"``.
        replace : bool
            ``True``: a new value replaces a stored one for the same date (publishers'
            revisions). ``False``: only fill dates not stored yet (used for bundled data,
            which must never overwrite fresher values).

        Returns
        -------
        int
            Rows inserted or changed.
        """
        if obs.empty:
            return 0
        now = _now_s()
        rows = zip(obs["series"].astype(str).tolist(), _to_days(obs["date"]).tolist(),
                   obs["value"].astype("float64").tolist(),
                   _to_seconds(obs["available_at"]).tolist(), [now] * len(obs),
                   [origin] * len(obs), strict=True)
        if replace:
            sql = ("INSERT INTO observations VALUES (?,?,?,?,?,?) "
                   "ON CONFLICT (series, date) DO UPDATE SET value = excluded.value, "
                   "available_at = excluded.available_at, fetched_at = excluded.fetched_at, "
                   "origin = excluded.origin "
                   "WHERE value != excluded.value OR available_at != excluded.available_at")
        else:
            sql = "INSERT OR IGNORE INTO observations VALUES (?,?,?,?,?,?)"
        with self._write() as con:
            before = con.total_changes
            con.executemany(sql, rows)
            changed = con.total_changes - before
            for series in obs["series"].unique():
                self._rebuild_snapshot(con, str(series))
        return changed

    @staticmethod
    def _rebuild_snapshot(con: sqlite3.Connection, series: str) -> None:
        rows = con.execute(
            "SELECT date, value, available_at FROM observations WHERE series = ? ORDER BY date",
            (series,)).fetchall()
        origins = ",".join(sorted(r[0] for r in con.execute(
            "SELECT DISTINCT origin FROM observations WHERE series = ?", (series,))))
        table = np.array(rows, dtype="float64").reshape(-1, 3)
        _put_snapshot(con, "store", series, origins, table[:, 0], table[:, 1], table[:, 2])

    def read_observations(self, series: Iterable[str] | None = None, *,
                          layer: str = "store") -> dict[str, pd.DataFrame]:
        """Stored series, as frames of ``date, value, available_at``.

        Parameters
        ----------
        series : iterable of str, optional
            Store ids wanted; all when ``None``.
        layer : {"store", "bundled"}
            What was fetched or imported, or the package's bundled data.

        Returns
        -------
        dict
            ``{store_id: DataFrame}`` sorted by date; ``date`` naive, ``available_at`` UTC.
            ``frame.attrs["tag"]`` holds the origins present (``store``) or the bundle's
            hash (``bundled``).
        """
        wanted = None if series is None else set(series)
        with self._connect() as con:
            rows = con.execute("SELECT series, tag, dates, vals, available FROM snapshots "
                               "WHERE layer = ?", (layer,)).fetchall()
        out: dict[str, pd.DataFrame] = {}
        for sid, tag, dates, vals, available in rows:
            if wanted is not None and sid not in wanted:
                continue
            days = np.frombuffer(dates, dtype="int32").astype("int64")
            frame = pd.DataFrame({
                "date": pd.DatetimeIndex((days * _DAY_S * _NS_PER_S).view("datetime64[ns]")),
                "value": np.frombuffer(vals, dtype="float64"),
                "available_at": pd.DatetimeIndex(
                    (np.frombuffer(available, dtype="int64") * _NS_PER_S).view("datetime64[ns]")
                ).tz_localize("UTC"),
            })
            frame.attrs["tag"] = tag
            out[sid] = frame
        return out

    def rules(self) -> str | None:
        """The availability rules the stored rows are stamped by, ``None`` if not recorded.

        Returns
        -------
        str or None
            As :func:`signals.sources.rule_versions.rules_text` writes them.
        """
        with self._connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'rules'").fetchone()
        return row[0] if row else None

    def restamp(self, stamps: Mapping[str, pd.DataFrame], rules: str) -> int:
        """Give stored rows new availability times and record the rules, in one transaction.

        Values, ``fetched_at`` and ``origin`` are left as they are: only ``available_at``
        changes. A process killed in the middle leaves every row as it was.

        Parameters
        ----------
        stamps : mapping
            ``{store_id: DataFrame(date, available_at)}``: the rows to change (naive dates,
            UTC times); dates not stored are ignored.
        rules : str
            The rules every stored row is stamped by afterwards (:meth:`rules`).

        Returns
        -------
        int
            Rows changed.
        """
        changed = 0
        with self._write() as con:
            for series, frame in stamps.items():
                rows = zip(_to_seconds(frame["available_at"]).tolist(),
                           [series] * len(frame), _to_days(frame["date"]).tolist(),
                           strict=True)
                changed += con.executemany("UPDATE observations SET available_at = ? "
                                           "WHERE series = ? AND date = ?", rows).rowcount
                self._rebuild_snapshot(con, series)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('rules', ?)", (rules,))
        return changed

    def write_bundled(self, obs: pd.DataFrame, tag: str) -> None:
        """Replace the bundled layer with `obs` in one transaction.

        Parameters
        ----------
        obs : DataFrame
            Observations parsed from the package's bundled files.
        tag : str
            Identifies the bundle (its files and the rules that stamped them), so that a new
            package version or a changed availability rule is seen.
        """
        with self._write() as con:
            con.execute("DELETE FROM snapshots WHERE layer = 'bundled'")
            for sid, frame in obs.groupby("series", sort=False):
                frame = frame.sort_values("date")
                _put_snapshot(con, "bundled", str(sid), tag, _to_days(frame["date"]),
                              frame["value"].to_numpy(), _to_seconds(frame["available_at"]))

    def bundled_tag(self) -> str | None:
        """The tag of the bundled layer in the store, ``None`` when there is none."""
        with self._connect() as con:
            row = con.execute("SELECT tag FROM snapshots WHERE layer = 'bundled' "
                              "LIMIT 1").fetchone()
        return row[0] if row else None

    def last_dates(self) -> dict[str, pd.Timestamp]:
        """The last stored date of each series (naive)."""
        with self._connect() as con:
            rows = con.execute("SELECT series, MAX(date) FROM observations GROUP BY series")
            return {sid: pd.Timestamp(int(day) * _DAY_S, unit="s") for sid, day in rows}

    def observation_status(self) -> pd.DataFrame:
        """Per series: first and last date, last ``available_at``, rows, origins, last fetch.

        Returns
        -------
        DataFrame
            Indexed by store id.
        """
        with self._connect() as con:
            rows = con.execute(
                "SELECT series, MIN(date), MAX(date), MAX(available_at), COUNT(*), "
                "GROUP_CONCAT(DISTINCT origin), MAX(fetched_at) FROM observations "
                "GROUP BY series ORDER BY series").fetchall()
        frame = pd.DataFrame(rows, columns=["series", "first_date", "last_date",
                                            "last_available_at", "rows", "origins",
                                            "last_fetched_at"])
        for column in ("first_date", "last_date"):
            frame[column] = pd.to_datetime(frame[column] * _DAY_S, unit="s")
        for column in ("last_available_at", "last_fetched_at"):
            frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
        return frame.set_index("series")

    # -- candles ------------------------------------------------------------------------

    def write_candles(self, exchange: str, symbol: str, timeframe: str, frame: pd.DataFrame,
                      *, origin: str = "network") -> int:
        """Upsert OHLCV candles in one transaction.

        Parameters
        ----------
        exchange, symbol, timeframe : str
            E.g. ``"binance"``, ``"BTC/USDT"``, ``"1d"``.
        frame : DataFrame
            UTC ``open_time`` index; ``open, high, low, close, volume`` columns.
        origin : str
            ``"network"``, ``"file"`` or ``"bundled"``.

        Returns
        -------
        int
            Rows written.
        """
        if frame.empty:
            return 0
        open_ms = pd.DatetimeIndex(frame.index).as_unit("ms").asi8.tolist()
        now = _now_s()
        cols = [frame[c].astype("float64").tolist()
                for c in ("open", "high", "low", "close", "volume")]
        rows = [(exchange, symbol, timeframe, t, *vals, now, origin)
                for t, *vals in zip(open_ms, *cols, strict=True)]
        verb = "INSERT OR REPLACE" if origin != "bundled" else "INSERT OR IGNORE"
        with self._write() as con:
            before = con.total_changes
            con.executemany(f"{verb} INTO candles VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            return con.total_changes - before

    def read_candles(self, exchange: str, symbol: str, timeframe: str) -> pd.DataFrame:
        """Stored candles, UTC ``open_time`` index, float OHLCV columns, sorted."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT open_time, open, high, low, close, volume FROM candles "
                "WHERE exchange = ? AND symbol = ? AND timeframe = ? ORDER BY open_time",
                (exchange, symbol, timeframe)).fetchall()
        table = np.array(rows, dtype="float64").reshape(-1, 6)
        index = pd.DatetimeIndex(pd.to_datetime(table[:, 0].astype("int64"), unit="ms",
                                                utc=True), name="open_time")
        return pd.DataFrame(table[:, 1:], index=index,
                            columns=["open", "high", "low", "close", "volume"])

    def candle_status(self) -> pd.DataFrame:
        """Per (exchange, symbol, timeframe): first and last open, rows, origins."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT exchange, symbol, timeframe, MIN(open_time), MAX(open_time), "
                "COUNT(*), GROUP_CONCAT(DISTINCT origin), MAX(fetched_at) FROM candles "
                "GROUP BY exchange, symbol, timeframe").fetchall()
        frame = pd.DataFrame(rows, columns=["exchange", "symbol", "timeframe", "first_open",
                                            "last_open", "rows", "origins", "last_fetched_at"])
        for column in ("first_open", "last_open"):
            frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
        frame["last_fetched_at"] = pd.to_datetime(frame["last_fetched_at"], unit="s", utc=True)
        return frame

    def drop_candles_from(self, exchange: str, symbol: str, timeframe: str,
                          open_time: pd.Timestamp) -> int:
        """Delete the candles opening at or after `open_time`, so a refresh fetches them again.

        Returns
        -------
        int
            Candles deleted.
        """
        ms = int(pd.Timestamp(open_time).value // 1_000_000)
        with self._write() as con:
            return con.execute("DELETE FROM candles WHERE exchange = ? AND symbol = ? AND "
                               "timeframe = ? AND open_time >= ?",
                               (exchange, symbol, timeframe, ms)).rowcount

    def integrity_problems(self) -> list[str]:
        """SQLite's ``PRAGMA integrity_check``: an empty list when the file is sound."""
        with self._connect() as con:
            rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        return [] if rows == ["ok"] else rows

    # -- fetch log ----------------------------------------------------------------------

    def log_fetch(self, source: str, label: str, rows: int, error: str | None = None, *,
                  started_at: float | None = None) -> None:
        """Record one download attempt.

        Parameters
        ----------
        source, label : str
            The source (``"fred"``) and the fetch (``"DGS10"``).
        rows : int
            Rows inserted or changed.
        error : str, optional
            Why it failed; ``None`` when it succeeded.
        started_at : float, optional
            When the download started, in seconds since the epoch (:func:`time.time`).
        """
        started = None if started_at is None else int(started_at)
        with self._write() as con:
            con.execute("INSERT INTO fetch_log (source, label, started_at, finished_at, rows, "
                        "error) VALUES (?,?,?,?,?,?)",
                        (source, label, started, _now_s(), rows, error))

    def last_fetches(self) -> pd.DataFrame:
        """The latest attempt per fetch label.

        Returns
        -------
        DataFrame
            ``source, label, started_at, finished_at`` (UTC, to the second), ``ok``,
            ``rows``, ``error``; sorted by source and label.
        """
        with self._connect() as con:
            rows = con.execute(
                "SELECT source, label, started_at, finished_at, rows, error FROM fetch_log "
                "WHERE id IN (SELECT MAX(id) FROM fetch_log GROUP BY label) "  # the last written
                "ORDER BY source, label").fetchall()
        frame = pd.DataFrame(rows, columns=["source", "label", "started_at", "finished_at",
                                            "rows", "error"])
        for column in ("started_at", "finished_at"):
            frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
        frame.insert(4, "ok", frame["error"].isna())
        return frame
