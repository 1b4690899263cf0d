"""``load_macro``: every macro series with its availability times, in one object.

The data come in three layers, later ones winning date by date: the package's **bundled**
files, the **store** (what ``riskoff data update`` fetched or imported), and a ``data_dir``
of saved **files** when one is given. Each store id is merged across layers, then the store
ids feeding one macro name are spliced in priority order (see :mod:`signals.sources.catalog`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from signals.data.store import Store
from signals.sources.catalog import MACRO, macro_series
from signals.times import to_utc

__all__ = ["BundledDataWarning", "MacroData", "load_macro"]

LAYERS = ("bundled", "store", "file")


class BundledDataWarning(UserWarning):
    """Some series come only from the bundled data, which ends on 2023-12-31."""


class RefreshFailedWarning(UserWarning):
    """A refresh from the network failed for some sources; stored data were used."""


def _merge_layers(frames: list[pd.DataFrame | None]) -> pd.DataFrame | None:
    """Merge one store id's layers; for a date in several layers the later layer wins."""
    parts = [(code, f) for code, f in enumerate(frames) if f is not None and len(f)]
    if not parts:
        return None
    if len(parts) == 1:
        code, frame = parts[0]
        return frame[["date", "value", "available_at"]].assign(layer=np.int8(code))
    parts.reverse()
    dates = np.concatenate([f["date"].to_numpy("datetime64[ns]") for _, f in parts])
    _, first = np.unique(dates, return_index=True)
    merged = pd.concat([f[["date", "value", "available_at"]].assign(layer=np.int8(code))
                        for code, f in parts], ignore_index=True)
    return merged.iloc[first].reset_index(drop=True)


TIE_STEP_NS = 1_000  # 1 microsecond


def strictly_increasing(stamps: np.ndarray) -> np.ndarray:
    """Make int64 nanosecond times strictly increasing by moving times later, never earlier.

    A value dated after another is never usable before it (running maximum), and values
    released together (the weekly H.10 batch) are spread 1 µs apart in date order, so that
    every series has a unique index. A decision at or after the release sees the whole
    batch one microsecond later at most.
    """
    steps = np.arange(len(stamps), dtype="int64") * TIE_STEP_NS
    return np.maximum.accumulate(stamps - steps) + steps


def _splice(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Splice store ids in priority order: a lower one fills dates outside the higher's span.

    Availability times are then made strictly increasing along the dates (see
    :func:`strictly_increasing`).
    """
    out = frames[0]
    for lower in frames[1:]:
        first, last = out["date"].iloc[0], out["date"].iloc[-1]
        outside = lower[(lower["date"] < first) | (lower["date"] > last)]
        out = pd.concat([outside, out], ignore_index=True).sort_values("date", kind="stable")
    stamps = out["available_at"].to_numpy("datetime64[ns]").view("int64")
    fixed = strictly_increasing(stamps)
    if len(stamps) and (fixed != stamps).any():
        out = out.assign(available_at=pd.DatetimeIndex(fixed.view("datetime64[ns]"))
                         .tz_localize("UTC"))
    return out.reset_index(drop=True)


class MacroData(Mapping):
    """The macro series, each stamped with when it became available.

    A read-only mapping from macro name (``"jgb_10y"``, ``"usdjpy"``, ...; see
    :data:`signals.sources.catalog.MACRO`) to a float64 ``pd.Series`` indexed by **availability
    time** (tz-aware UTC, strictly increasing; values a publisher released together, as
    the weekly H.10 does, are 1 µs apart in date order), in observation-date order. This is
    the form every signal takes. Series with no data anywhere are absent (see
    :attr:`missing`).

    Parameters
    ----------
    frames : dict
        ``{name: DataFrame(date, value, available_at, layer)}``.
    """

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self._frames = frames
        self._series: dict[str, pd.Series] = {}

    def __getitem__(self, name: str) -> pd.Series:
        if name not in self._frames:
            if name in MACRO:
                raise KeyError(f"{name!r} has no data: {self.why_missing(name)}")
            macro_series(name)  # raises with a close-name hint
        if name not in self._series:
            frame = self._frames[name]
            self._series[name] = pd.Series(
                frame["value"].to_numpy(), name=name,
                index=pd.DatetimeIndex(frame["available_at"], name="available_at"))
        return self._series[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def missing(self) -> tuple[str, ...]:
        """Macro names riskoff knows but has no data for (e.g. Yahoo series offline)."""
        return tuple(name for name in MACRO if name not in self._frames)

    @staticmethod
    def why_missing(name: str) -> str:
        """One line on how to get a missing series."""
        sources = ", ".join(MACRO[name].sources)
        return (f"no stored or bundled values (from {sources}); run `riskoff data update` "
                "with a network connection, or pass saved files with --data-dir DIR "
                "(data_dir= in Python)")

    def frame(self, name: str) -> pd.DataFrame:
        """One series with both clocks: ``date`` (publisher's), ``value``, ``available_at``.

        Parameters
        ----------
        name : str
            Macro name.

        Returns
        -------
        DataFrame
            Also ``origin``: ``bundled``, ``store`` or ``file`` per row.
        """
        self[name]
        frame = self._frames[name]
        return frame.drop(columns="layer").assign(
            origin=np.asarray(LAYERS, dtype=object)[frame["layer"].to_numpy()])

    def to_long(self) -> pd.DataFrame:
        """Every series stacked: ``series, date, value, available_at, origin``."""
        frames = [self.frame(name).assign(series=name) for name in self]
        columns = ["series", "date", "value", "available_at", "origin"]
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True)[columns]

    def info(self, now: pd.Timestamp | None = None) -> pd.DataFrame:
        """Per series: first and last date, last availability, rows, origin, age.

        Parameters
        ----------
        now : Timestamp, optional
            Reference time for the age (default: now, UTC).

        Returns
        -------
        DataFrame
            Indexed by macro name, in catalog order; ``age_days`` is the time since the
            last value became available, in days.
        """
        now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
        rows = []
        for name, spec in MACRO.items():
            frame = self._frames.get(name)
            if frame is None:
                rows.append({"series": name, "rows": 0, "origin": "missing",
                             "unit": spec.unit})
                continue
            layers = sorted(set(frame["layer"].tolist()))
            last_available = frame["available_at"].iloc[-1]
            rows.append({
                "series": name, "first_date": frame["date"].iloc[0],
                "last_date": frame["date"].iloc[-1], "last_available_at": last_available,
                "rows": len(frame), "origin": "+".join(LAYERS[i] for i in layers),
                "unit": spec.unit,
                "age_days": round((now - last_available) / pd.Timedelta(days=1), 1),
            })
        return pd.DataFrame(rows).set_index("series")

    def __repr__(self) -> str:
        last = max((f["date"].iloc[-1] for f in self._frames.values()), default=None)
        ends = f", last date {last.date()}" if last is not None else ""
        return f"<MacroData: {len(self)} series{ends}; missing: {len(self.missing)}>"

    def _repr_html_(self) -> str:
        return self.info().to_html(na_rep="")


def _open_store(store: Store | str | Path | None) -> Store:
    return store if isinstance(store, Store) else Store(store)


def _layers(store: Store, data_dir) -> list[dict[str, pd.DataFrame]]:
    from signals.data.bundled import ensure_bundled
    from signals.data.restamp import ensure_current_rules

    bundled = ensure_bundled(store)
    ensure_current_rules(store)
    files: dict[str, pd.DataFrame] = {}
    if data_dir is not None:
        from signals.data.datadir import read_macro_files, scan_data_dir

        obs = read_macro_files(scan_data_dir(data_dir))
        files = {sid: f.reset_index(drop=True) for sid, f in obs.groupby("series")}
    return [bundled, store.read_observations(), files]


def _warn_bundled(frames: dict[str, pd.DataFrame]) -> None:
    from signals.data.bundled import BUNDLED_END

    only = [name for name, f in frames.items() if (f["layer"] == 0).all()]
    if only:
        warnings.warn(
            f"bundled data, ends {BUNDLED_END.date()}: {len(only)} series come only from the "
            f"data shipped with riskoff ({', '.join(only[:4])}{', ...' if len(only) > 4 else ''})"
            ". Run `riskoff data update` with a network connection, or pass saved files with "
            "--data-dir DIR (data_dir= in Python)",
            BundledDataWarning, stacklevel=3)


def load_macro(
    start=None,
    end=None,
    *,
    data_dir: str | Path | None = None,
    refresh: bool = False,
    series: list[str] | None = None,
    store: Store | str | Path | None = None,
) -> MacroData:
    """Load every macro series with the time each value became available.

    With no network and an empty store this works on the bundled data (and says so with
    a :class:`BundledDataWarning`).

    Parameters
    ----------
    start : str or Timestamp, optional
        First observation date to keep.
    end : str or Timestamp, optional
        Keep only values available at or before this time (naive means UTC): the data
        as a live bot would have had them then.
    data_dir : str or Path, optional
        A folder of saved publisher files, used on top of the store (see
        :mod:`signals.data.datadir`).
    refresh : bool
        Download what is new from every publisher first. Failures warn
        (:class:`RefreshFailedWarning`) and the stored data are used.
    series : list of str, optional
        Macro names wanted; all by default.
    store : Store, str or Path, optional
        The store to use; default :func:`signals.data.store.default_store_path`.

    Returns
    -------
    MacroData
        A mapping of macro name to a Series indexed by availability time.
    """
    names = list(MACRO) if series is None else [macro_series(n).name for n in series]
    start_at = None if start is None else to_utc(start, "start")
    end_at = None if end is None else to_utc(end, "end")
    store = _open_store(store)
    if refresh:
        from signals.data.update import refresh_macro

        failed = [r for r in refresh_macro(store) if not r.ok]
        if failed:
            warnings.warn("refresh failed for " + "; ".join(r.error or "" for r in failed) +
                          ". Using the stored data for those series", RefreshFailedWarning,
                          stacklevel=2)
    layers = _layers(store, data_dir)
    frames: dict[str, pd.DataFrame] = {}
    for name in names:
        parts = [_merge_layers([layer.get(sid) for layer in layers])
                 for sid in MACRO[name].sources]
        parts = [p for p in parts if p is not None]
        if not parts:
            continue
        frame = _splice(parts)
        if start_at is not None:
            frame = frame[frame["date"] >= start_at.tz_localize(None)]
        if end_at is not None:
            frame = frame[frame["available_at"] <= end_at]
        if len(frame):
            frames[name] = frame.reset_index(drop=True)
    _warn_bundled(frames)
    return MacroData(frames)


