"""The component panel: every component's z-score on one timeline, with staleness that fades.

Every aggregation method (:mod:`signals.score.methods`) reads the same panel: one row per
time at which something changes (a component's new z-score, a component going stale, a
step of its fade), one column per component.

How staleness works (no jump from reweighting alone):

* A component is **fresh** while its last z-score is younger than its ``max_age`` (10
  days for daily series, 21 for weekly, 75 for monthly). ``coverage`` is the share of the
  weight that is fresh.
* When it goes stale, its last z-score is held and **faded** towards 0 (an ordinary
  reading) in :data:`FADE_STEPS` equal daily steps: the factor is 1 at the expiry itself,
  ``1 - k / FADE_STEPS`` ``k`` days later, and 0 after :data:`FADE_STEPS` days. Each
  step is a row, so the score never moves by more than one step's share at a row that
  records no new data.
* The **normalisation is held**: a component that has started (has had a z-score) keeps
  its weight in the denominator when it goes stale, so the others are never reweighted
  because one fell silent. A component with no data at all never enters it (it is listed
  in ``attrs["missing"]``). Only a new value (a component's first) changes the
  normalisation.

A row at expiry therefore changes nothing but ``coverage``; the score moves only through
the fade, at most ``50 · share / FADE_STEPS`` points per step for a component at its cap
(``share`` its weight over the started weight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from signals.families.registry import Component

__all__ = ["FADE_STEPS", "Panel", "build_panel", "row_times", "sorted_union"]

#: Daily steps over which a stale component's last z-score fades to 0.
FADE_STEPS = 30
_DAY = pd.Timedelta(days=1).value


@dataclass(frozen=True)
class Panel:
    """Components' z-scores on one timeline.

    Attributes
    ----------
    times : np.ndarray
        int64 nanoseconds since the epoch (UTC), increasing: the rows.
    names : list of str
        Components, in column order.
    z : np.ndarray
        ``(rows, components)``: the last z-score known at each row (held through staleness),
        NaN before the component's first value or when it has no data.
    fade : np.ndarray
        ``(rows, components)``: 1 while fresh and at the expiry itself, then falling in
        daily steps to 0; NaN where ``z`` is NaN.
    fresh : np.ndarray
        ``(rows, components)`` bool: the last z-score is younger than ``max_age``.
    arrivals : np.ndarray
        ``(rows,)`` bool: a new z-score arrived at this row (False for rows that only
        record an expiry or a fade step).
    """

    times: np.ndarray
    names: list[str]
    z: np.ndarray
    fade: np.ndarray
    fresh: np.ndarray
    arrivals: np.ndarray

    @property
    def started(self) -> np.ndarray:
        """``(rows, components)`` bool: the component has had a z-score."""
        return ~np.isnan(self.z)

    @property
    def effective(self) -> np.ndarray:
        """``z · fade``, with 0 before a component starts: what a row's score reads."""
        return np.nan_to_num(self.z * self.fade, nan=0.0)

    @property
    def index(self) -> pd.DatetimeIndex:
        """The rows as a UTC ``DatetimeIndex`` named ``available_at``."""
        return pd.DatetimeIndex(self.times.view("datetime64[ns]"),
                                name="available_at").tz_localize("UTC")


def _expiries(times: np.ndarray, max_age: int) -> np.ndarray:
    """When readings go stale with no newer one before: after gaps, and after the last."""
    gaps = np.flatnonzero(np.diff(times) >= max_age)
    return np.append(times[gaps], times[-1]) + max_age


def sorted_union(arrays) -> np.ndarray:
    """The distinct values of some int64 arrays (times), sorted.

    ``np.unique`` of their concatenation, by one sort: numpy's hashing unique is several
    times slower on times.
    """
    values = np.sort(np.concatenate(arrays))
    keep = np.empty(len(values), dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def row_times(component: Component, z: pd.Series) -> np.ndarray:
    """Times (int64 ns, sorted, unique) at which `component` changes a score row.

    Its new z-scores, its expiries and each daily step of their fades: between two of these
    times nothing about the component changes.
    """
    expiries = _expiries(z.index.asi8, component.max_age.value)
    steps = [expiries + k * _DAY for k in range(FADE_STEPS + 1)]
    return sorted_union([z.index.asi8, *steps])


def _asof(z: pd.Series, times: np.ndarray,
          max_age: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last z as of each time (int64 ns), its fade factor and whether it is fresh."""
    own = z.index.asi8
    pos = np.searchsorted(own, times, side="right") - 1
    known = pos >= 0
    values = np.full(len(times), np.nan)
    fade = np.full(len(times), np.nan)
    values[known] = z.to_numpy()[pos[known]]
    age = times[known] - own[pos[known]]
    steps = np.maximum(age - max_age, 0) // _DAY
    fade[known] = np.clip(1.0 - steps / FADE_STEPS, 0.0, 1.0)
    fresh = np.zeros(len(times), dtype=bool)
    fresh[known] = age < max_age
    return values, fade, fresh


def build_panel(zs: dict[str, tuple[Component, pd.Series]], names: list[str]) -> Panel:
    """Put the components' z-scores on one timeline, with expiries and fade steps as rows.

    Parameters
    ----------
    zs : dict
        ``{name: (component, z)}``, each z without NaN, indexed by UTC availability time
        in nanoseconds; components with no data are absent.
    names : list of str
        Every component of the weight set, in column order (absent ones stay NaN).

    Returns
    -------
    Panel
    """
    times = sorted_union([row_times(c, z) for c, z in zs.values()])
    z_matrix = np.full((len(times), len(names)), np.nan)
    fade = np.full((len(times), len(names)), np.nan)
    fresh = np.zeros((len(times), len(names)), dtype=bool)
    arrivals = np.zeros(len(times), dtype=bool)
    for j, name in enumerate(names):
        if name in zs:
            component, z = zs[name]
            z_matrix[:, j], fade[:, j], fresh[:, j] = _asof(z, times, component.max_age.value)
            arrivals[np.searchsorted(times, z.index.asi8)] = True
    return Panel(times, names, z_matrix, fade, fresh, arrivals)
