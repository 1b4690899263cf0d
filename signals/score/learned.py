"""The learned method: weights refit walk-forward to predict the BTC 30-day tail event.

Each 1 January an L2-regularised logistic regression of the tail event (a fall of more
than 15% from a daily close to any close within the next 30 days) on the components'
z-scores is fitted on every label known by then (expanding window), with a fixed
regularisation strength ``C = 1`` (scikit-learn's convention: ``½‖β‖² + C · Σ log-loss``,
intercept not penalised), as the research protocol fixes it.

Honest time: a label belongs to a decision time (a daily close) but is **known** only
when its horizon has closed, 30 days later. Labels are therefore passed indexed by the
time they became known (:func:`tail_event_labels` builds them from candles); a fit on
1 January uses only labels known by then, with the z-scores as of each label's decision
time. The score room never imports the backtests: the candles come in as an argument.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from signals.errors import ConfigError, DataContractError
from signals.score.aggregate import MethodResult, proportional, refit_spans
from signals.score.panel import Panel

__all__ = ["LEARNED_C", "learned", "logistic_l2", "tail_event_labels"]

#: Regularisation strength of the logistic regression (fixed by the protocol, not tuned).
LEARNED_C = 1.0
#: Labels needed before the first fit.
LEARNED_MIN_HISTORY = pd.Timedelta(days=730)


def tail_event_labels(candles: pd.DataFrame, *, horizon_days: int = 30,
                      depth: float = 0.15) -> pd.Series:
    """The tail event after each daily close, indexed by when it became known.

    Parameters
    ----------
    candles : pd.DataFrame
        Daily candles with a ``close`` column, indexed by UTC open time (as
        ``backtests.load_prices`` returns them); a candle's close is its open + 1 day.
    horizon_days : int
        Days (daily candles) ahead.
    depth : float
        Fall, as a positive fraction, that makes an event.

    Returns
    -------
    pd.Series
        float64 (1.0 event, 0.0 none) named ``tail_event``, indexed by ``known_at``: the
        decision close plus `horizon_days` days, the close of the last candle in its
        window. The label of decision close ``c`` is 1 when ``min(close over the next
        horizon_days days) / close_c - 1 < -depth``; a missing candle (an exchange outage)
        is skipped. The last `horizon_days` closes have no label yet.
    """
    if not isinstance(candles, pd.DataFrame) or "close" not in candles or not isinstance(
            candles.index, pd.DatetimeIndex) or candles.index.tz is None:
        raise DataContractError("candles must be daily candles with a 'close' column and a "
                                "tz-aware UTC open-time index (backtests.load_prices)")
    if not isinstance(horizon_days, int) or horizon_days < 1 or not 0 < depth < 1:
        raise ConfigError(f"horizon_days must be a whole number >= 1 and depth in (0, 1); got "
                          f"{horizon_days!r} and {depth!r}")
    day = pd.Timedelta(days=1)
    if (candles.index != candles.index.floor(day)).any():
        raise DataContractError("tail_event_labels needs daily candles opening at 00:00 UTC")
    full = candles["close"].reindex(pd.date_range(candles.index[0], candles.index[-1],
                                                  freq=day))  # a missing candle is NaN
    close = full.to_numpy(dtype="float64")
    if len(close) <= horizon_days:
        return pd.Series([], dtype="float64", name="tail_event",
                         index=pd.DatetimeIndex([], tz="UTC", name="known_at"))
    windows = np.lib.stride_tricks.sliding_window_view(close[1:], horizon_days)
    with np.errstate(invalid="ignore"):
        ahead = np.nanmin(np.where(np.isnan(windows), np.inf, windows), axis=1)
    events = (ahead / close[: len(ahead)] - 1.0 < -depth).astype("float64")
    decided = ~np.isnan(close[: len(ahead)])
    known = full.index[: len(ahead)][decided] + (1 + horizon_days) * day
    return pd.Series(events[decided], index=known.rename("known_at"), name="tail_event")


def logistic_l2(x: np.ndarray, y: np.ndarray, *, c: float = LEARNED_C,
                tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (IRLS).

    Minimises ``½‖β‖² + c · Σ [log(1 + e^η) - y η]`` with ``η = β₀ + x β``, the intercept
    ``β₀`` not penalised (scikit-learn's ``LogisticRegression(C=c)``).

    Parameters
    ----------
    x : np.ndarray
        ``(observations, features)``.
    y : np.ndarray
        ``(observations,)`` of 0 and 1.

    Returns
    -------
    np.ndarray
        ``(features + 1,)``: the intercept, then the coefficients.
    """
    design = np.column_stack([np.ones(len(x)), x])
    penalty = np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    beta = np.zeros(design.shape[1])
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = c * design.T @ (p - y) + penalty @ beta
        hessian = c * (design.T * (p * (1 - p))) @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < tol:
            break
    return beta


def check_labels(labels) -> pd.Series:
    """Labels as documented in :func:`learned`, or one clear error."""
    if labels is None:
        raise ConfigError("method='learned' needs labels=: the tail event indexed by when it "
                          "became known, e.g. signals.score.learned.tail_event_labels("
                          "backtests.load_prices(...))")
    if not isinstance(labels, pd.Series) or not isinstance(labels.index, pd.DatetimeIndex) \
            or labels.index.tz is None:
        raise DataContractError("labels must be a Series indexed by tz-aware UTC times (when "
                                "each label became known); see tail_event_labels")
    values = labels.dropna()
    if not values.isin([0.0, 1.0]).all():
        raise DataContractError("labels must be 0 or 1 (tail event or not)")
    return values.sort_index()


def learned(panel: Panel, weights: np.ndarray, *, cap: float, labels: pd.Series,
            horizon: pd.Timedelta) -> MethodResult:
    """Score ``100 · σ(Σ β_i z_i)`` from a logistic model refit each 1 January.

    The fit on 1 January of year Y uses every label known by then (index <= the date) and
    the faded z-scores as of each label's decision time (known time minus `horizon`);
    the first fit waits for two years of labels, a year whose labels hold only one class
    keeps the previous model. Without the intercept, a row with every z-score at 0 scores
    50, and the score is the model's odds of a tail event against an ordinary day's, on a
    0-100 scale. Contributions split ``score - 50`` in proportion to the log-odds terms
    ``β_i z_i``. Components of the weight set count; their weight values do not.
    """
    del cap
    x = panel.effective
    n_rows = len(panel.times)
    decisions = (labels.index - horizon).as_unit("ns").asi8
    known = labels.index.as_unit("ns").asi8
    asof = np.searchsorted(panel.times, decisions, side="right") - 1
    y = labels.to_numpy(dtype="float64")
    start = panel.index[0].year + 1
    dates = pd.DatetimeIndex([pd.Timestamp(year=year, month=1, day=1, tz="UTC") for year in
                              range(start, panel.index[-1].year + 1)]).as_unit("ns")
    coefficients = np.full(panel.z.shape, np.nan)
    fits = []
    beta = None
    started_by = panel.started
    for date, row, next_row in refit_spans(panel, dates):
        usable = (known <= date.value) & (asof >= 0)
        if usable.any() and known[usable][0] <= date.value - LEARNED_MIN_HISTORY.value:
            before = np.searchsorted(panel.times, date.value, side="right") - 1
            cols = (weights > 0) & (started_by[before] if before >= 0 else False)
            if 0 < y[usable].mean() < 1 and cols.any():
                fitted = logistic_l2(x[asof[usable]][:, cols], y[usable])
                beta = np.zeros(len(panel.names))
                beta[cols] = fitted[1:]
                fits.append((date, [fitted[0], *beta]))
        if beta is not None and row < n_rows:
            coefficients[row:next_row] = beta
    log_odds = np.where(np.isnan(coefficients), np.nan, coefficients * x)
    with np.errstate(invalid="ignore"):
        score = 100.0 / (1.0 + np.exp(-np.nansum(log_odds, axis=1)))
    score[np.isnan(coefficients).all(axis=1)] = np.nan
    terms = np.where((coefficients != 0) & ~np.isnan(coefficients), log_odds, np.nan)
    contributions = proportional(score, terms)
    frame = pd.DataFrame([row for _, row in fits], index=pd.DatetimeIndex(
        [date for date, _ in fits], name="refit"), columns=["intercept", *panel.names]) \
        if fits else None
    return MethodResult(score, contributions, frame)
