"""Financial turbulence (Kritzman and Li 2010): how unusual today's joint reading is.

``d_t = (y_t - μ)' Σ⁻¹ (y_t - μ)``, the squared Mahalanobis distance of the components'
z-scores from their trailing two-year mean, with ``Σ`` the Ledoit-Wolf shrinkage
covariance of the same window (Ledoit and Wolf 2004, "A well-conditioned estimator for
large-dimensional covariance matrices"). It catches unusual *joint* moves, such as a yen
rally while Treasury yields spike, that an average dilutes or cancels.

Kritzman, M. and Li, Y. (2010), "Skulls, Financial Turbulence, and Risk Management",
Financial Analysts Journal 66(5).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from signals.score.aggregate import MethodResult, month_starts, proportional, refit_spans
from signals.score.panel import Panel

__all__ = ["TURBULENCE_WINDOW", "chi2_cdf", "ledoit_wolf", "turbulence"]

#: Trailing window of the mean and covariance.
TURBULENCE_WINDOW = pd.Timedelta(days=730)


def ledoit_wolf(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Ledoit-Wolf covariance of the rows of `x`, shrunk towards a scaled identity.

    Parameters
    ----------
    x : np.ndarray
        ``(observations, variables)``; centred here on its column means.

    Returns
    -------
    covariance : np.ndarray
        ``(1 - s) · S + s · (tr S / p) · I`` with ``S`` the sample covariance (divided by
        n) and ``s`` the shrinkage intensity of Ledoit and Wolf (2004), as scikit-learn's
        ``ledoit_wolf`` computes it.
    shrinkage : float
        ``s``, 0 to 1.
    """
    x = x - x.mean(axis=0)
    n, p = x.shape
    sample = x.T @ x / n
    mu = np.trace(sample) / p
    squares = x ** 2
    beta = (np.sum(squares.T @ squares) / n - np.sum(sample ** 2)) / (p * n)
    delta = (np.sum(sample ** 2) - 2 * mu * np.trace(sample) + p * mu ** 2) / p
    beta = min(beta, delta)
    shrinkage = 0.0 if beta == 0 else beta / delta
    return (1 - shrinkage) * sample + shrinkage * mu * np.eye(p), float(shrinkage)


def chi2_cdf(x: np.ndarray, k: int) -> np.ndarray:
    """Chi-square distribution function with `k` (whole) degrees of freedom, elementwise.

    The regularised lower incomplete gamma ``P(k/2, x/2)``, built up from ``P(1, y) =
    1 - e^-y`` (k even) or ``P(1/2, y) = erf(√y)`` (k odd) by ``P(a+1, y) = P(a, y) -
    y^a e^-y / Γ(a+1)``.
    """
    y = np.maximum(np.asarray(x, dtype="float64"), 0.0) / 2.0
    if k % 2:
        a = 0.5
        out = np.vectorize(math.erf)(np.sqrt(y)) if y.size else y.copy()
    else:
        a = 1.0
        out = -np.expm1(-y)
    with np.errstate(divide="ignore", invalid="ignore"):
        while a < k / 2:
            term = np.exp(a * np.log(y) - y - math.lgamma(a + 1))
            out = out - np.where(y > 0, term, 0.0)
            a += 1
    return np.clip(out, 0.0, 1.0)


def turbulence(panel: Panel, weights: np.ndarray, *, cap: float) -> MethodResult:
    """Turbulence score: ``100 · F_k(d)``, ``F_k`` the chi-square CDF with ``k`` components.

    At the start of each month the mean ``μ`` and Ledoit-Wolf covariance are estimated on
    the rows of the trailing two years (:data:`TURBULENCE_WINDOW`) before it, over the
    components with data through that whole window; they apply to the month's rows. A stale
    component's deviation ``y_i - μ_i`` is scaled by the square root of its fade factor,
    so that its own term of the (quadratic) distance fades linearly, like a contribution
    of the linear methods. 50 is a median day (``d`` at the
    chi-square median), 100 a joint reading never seen under normality.

    Contributions split ``score - 50`` in proportion to the additive terms of the distance,
    ``(y - μ)_i [Σ⁻¹ (y - μ)]_i`` (which sum to ``d``): the components whose joint move is
    unusual carry the score. ``cap`` is unused (the z-scores are already capped). The fits
    record which components entered (1) and the shrinkage intensity.
    """
    del cap
    x = panel.effective
    started = panel.started
    n_rows = len(panel.times)
    first = np.where(started.any(axis=0), np.argmax(started, axis=0), n_rows)
    first_time = np.where(first < n_rows, panel.times[np.minimum(first, n_rows - 1)],
                          np.iinfo(np.int64).max)
    terms = np.full(panel.z.shape, np.nan)
    score = np.full(n_rows, np.nan)
    fits = []
    for date, row, next_row in refit_spans(panel, month_starts(panel)):
        since = date.value - TURBULENCE_WINDOW.value
        cols = (first_time <= since) & (weights > 0)
        if cols.sum() < 2 or row >= n_rows:
            continue
        begin, end = np.searchsorted(panel.times, [since, date.value])
        window = x[begin:end][:, cols]
        if len(window) <= cols.sum():
            continue
        centre = window.mean(axis=0)
        covariance, shrinkage = ledoit_wolf(window)
        precision = np.linalg.inv(covariance)
        fade = np.sqrt(np.nan_to_num(panel.fade[row:next_row][:, cols]))
        held = np.nan_to_num(panel.z[row:next_row][:, cols])
        deviation = fade * (held - centre)
        parts = deviation * (deviation @ precision)
        distance = parts.sum(axis=1)
        terms[row:next_row, cols] = parts
        score[row:next_row] = 100.0 * chi2_cdf(distance, int(cols.sum()))
        fits.append((date, [*np.where(cols, 1.0, 0.0), shrinkage]))
    contributions = proportional(score, terms)
    frame = pd.DataFrame([row for _, row in fits], index=pd.DatetimeIndex(
        [date for date, _ in fits], name="refit"), columns=[*panel.names, "shrinkage"]) \
        if fits else None
    return MethodResult(score, contributions, frame)
