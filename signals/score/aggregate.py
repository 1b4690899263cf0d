"""What the aggregation methods share: their result, the linear score, refit schedules.

See :mod:`signals.score.methods` for the methods themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from signals.score.panel import Panel

__all__ = ["MethodResult", "linear", "month_starts", "proportional", "refit_rows",
           "refit_spans"]


@dataclass(frozen=True)
class MethodResult:
    """What a method returns.

    Attributes
    ----------
    score : np.ndarray
        ``(rows,)``, 0 to 100, NaN where the method has no score yet (before a first fit).
    contributions : np.ndarray
        ``(rows, components)`` in score points, NaN where a component does not count;
        they add up to ``score - 50``.
    fits : pd.DataFrame or None
        For fitted methods, one row per refit (indexed by the refit date) with the model's
        loadings or coefficients per component; ``None`` otherwise.
    """

    score: np.ndarray
    contributions: np.ndarray
    fits: pd.DataFrame | None = field(default=None)


def linear(panel: Panel, weights: np.ndarray, cap: float) -> MethodResult:
    """Score of fixed (row by row) weights: ``50 + 50 · Σ w_i · z_i · fade_i / (cap Σ|w|)``.

    ``weights`` is ``(components,)`` or ``(rows, components)``; the denominator is the
    absolute weight of the components that have started, so a stale one fades out without
    reweighting the others.
    """
    weights = np.broadcast_to(weights, panel.z.shape)
    started = panel.started
    total = np.where(started, np.abs(weights), 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        parts = 50.0 * weights * panel.effective / (cap * total[:, None])
    counts = started & (panel.fade > 0) & (weights != 0)
    parts = np.where(counts, parts, np.nan)
    score = np.where(total > 0, 50.0 + np.nansum(parts, axis=1), np.nan)
    return MethodResult(score, parts)


def proportional(score: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Split ``score - 50`` over components in proportion to additive `terms` of a model.

    For methods that are additive on another scale (log-odds, a quadratic form), each
    component gets ``(score - 50) · term_i / Σ term`` (equal shares when the terms sum to
    0); NaN terms do not count.
    """
    total = np.nansum(terms, axis=1)
    count = (~np.isnan(terms)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total[:, None] != 0, terms / total[:, None], 1.0 / count[:, None])
    return np.where(np.isnan(terms), np.nan, (score - 50.0)[:, None] * share)


def refit_rows(panel: Panel, dates: pd.DatetimeIndex) -> np.ndarray:
    """Row where each refit takes effect: the first row with new data at or after its date."""
    with_data = panel.times[panel.arrivals]
    pos = np.searchsorted(with_data, dates.asi8, side="left")
    rows = np.full(len(dates), len(panel.times))
    inside = pos < len(with_data)
    rows[inside] = np.searchsorted(panel.times, with_data[pos[inside]])
    return rows


def refit_spans(panel: Panel, dates: pd.DatetimeIndex) -> list[tuple[pd.Timestamp, int, int]]:
    """``(date, first row, end row)`` of each refit: the rows its model scores."""
    rows = refit_rows(panel, dates)
    ends = np.append(rows[1:], len(panel.times))[: len(rows)]
    return list(zip(dates, rows, ends, strict=True))


def month_starts(panel: Panel) -> pd.DatetimeIndex:
    """The first instant of every calendar month (UTC) from the panel's first row on."""
    index = panel.index
    return pd.date_range(index[0].normalize().replace(day=1), index[-1], freq="MS",
                         tz="UTC").as_unit("ns")


