"""How component z-scores become one score: the aggregation methods of ``risk_off_score``.

Each method takes the component panel (:mod:`signals.score.panel`) and returns, for every
row, a score from 0 to 100 and each component's contribution in score points, with
``score = 50 + Σ contributions`` on every row that has a score. The candidates and their
settings are fixed by the research protocol (docs/research_protocol.md):

``mean``
    The weighted mean of the capped z-scores (the default).
``family``
    Components averaged within their family, families weighted, so several views of one
    input (four of USD/JPY) count once.
``pca``
    The first principal component of the z-scores on an expanding, past-only window,
    refit monthly once three years of rows exist; sign fixed so that the loadings sum to
    a positive number (risk-off positive), as the St. Louis Fed's STLFSI is built.
``turbulence``
    The Mahalanobis distance of today's z-scores from their trailing two-year mean with a
    Ledoit-Wolf covariance (Kritzman and Li 2010), mapped to 0-100 by its chi-square
    distribution (:mod:`signals.score.turbulence`).
``learned``
    An L2 logistic regression of the BTC 30-day tail event on the z-scores, refit each
    1 January (:mod:`signals.score.learned`).

A refit takes effect at the first row with new data at or after its date, so a row that
records only an expiry or a fade step never carries a change of model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from signals.errors import ConfigError
from signals.score.aggregate import MethodResult, linear, month_starts, refit_spans
from signals.score.learned import learned
from signals.score.panel import Panel
from signals.score.turbulence import turbulence
from signals.score.weights import weight_value

__all__ = ["METHODS", "MethodResult", "family", "family_shares", "family_weights", "get_method",
           "mean", "pca"]

#: Years of rows before the first principal-component fit.
PCA_MIN_YEARS = 3


def mean(panel: Panel, weights: np.ndarray, *, cap: float) -> MethodResult:
    """The weighted mean of capped z-scores: ``contribution_i = 50 · w_i z_i / (cap Σ w)``."""
    return linear(panel, weights, cap)


def family_weights(names: list[str], weights: np.ndarray,
                   families: Mapping[str, float] | None) -> dict[str, float]:
    """Validated family weights; default the sum of the components' weights per family.

    Raises
    ------
    ConfigError
        An unknown family (one with no component in the weight set), a negative or
        non-numeric weight, or no positive family weight.
    """
    from signals.families.registry import get_component

    own = [get_component(name).family for name in names]
    sums: dict[str, float] = {}
    for fam, w in zip(own, weights, strict=True):
        sums[fam] = sums.get(fam, 0.0) + float(w)
    if families is None:
        return sums
    if not isinstance(families, Mapping):
        raise ConfigError(f"family_weights must be a mapping of family -> weight; got "
                          f"{type(families).__name__}")
    out = {fam: 0.0 for fam in sums}
    for fam, w in families.items():
        if fam not in sums:
            raise ConfigError(f"family_weights names {fam!r}, which has no component in the "
                              f"weight set; families: {', '.join(sums)}. Give its components "
                              "a weight (weights={...}) to use it")
        out[fam] = weight_value(w, f"family weight of {fam!r}")
    if not any(w > 0 for w in out.values()):
        raise ConfigError("at least one family weight must be positive")
    return out


def family(panel: Panel, weights: np.ndarray, *, cap: float,
           families: Mapping[str, float] | None = None) -> MethodResult:
    """Components averaged within their family, the families weighted.

    A family's reading is the plain mean of its started components' z-scores; its weight
    is ``families[family]`` (default: the sum of its components' weights). Each component
    thus weighs ``W_family / n_started_in_family``; the started count changes only when a
    component gets its first value, never when one goes stale.
    """
    return linear(panel, family_shares(panel.names, weights, panel.started, families), cap)


def family_shares(names: list[str], weights: np.ndarray, started: np.ndarray,
                  families: Mapping[str, float] | None = None) -> np.ndarray:
    """Each component's weight under :func:`family`, row by row.

    Parameters
    ----------
    names : list of str
        Component names (columns).
    weights : np.ndarray
        Component weights, one per name.
    started : np.ndarray
        bool, rows x names: the component has had a value by that row.
    families : mapping, optional
        ``{family: weight}``; default each family's sum of component weights.

    Returns
    -------
    np.ndarray
        float64, the shape of `started`: ``W_family / n_started_in_family`` where the
        component's family has started, else 0.
    """
    from signals.families.registry import get_component

    table = family_weights(names, weights, families)
    own = np.array([get_component(name).family for name in names])
    per_row = np.zeros(started.shape)
    for fam, w in table.items():
        members = own == fam
        count = started[:, members].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(count > 0, w / count, 0.0)
        per_row[:, members] = share[:, None]
    return per_row


def pca(panel: Panel, weights: np.ndarray, *, cap: float) -> MethodResult:
    """First principal component of the z-scores, expanding window, refit monthly.

    At the start of each month the covariance of the faded z-scores (:attr:`Panel.effective`)
    of the rows before it is decomposed; components with at least :data:`PCA_MIN_YEARS`
    years of history enter, each row of the window counting once. The loadings ``l`` (unit
    length, sign so that ``Σ l > 0``) score a row as ``50 + 50 · Σ l_i z_i / (cap Σ|l|)``:
    a row with every component at its cap in the direction of its loading scores 100.
    Components of the weight set count; their weight values do not.
    """
    x = panel.effective
    started = panel.started
    first = np.where(started.any(axis=0), np.argmax(started, axis=0), len(panel.times))
    first_time = np.where(first < len(panel.times), panel.times[np.minimum(
        first, len(panel.times) - 1)], np.iinfo(np.int64).max)
    loadings = np.full(panel.z.shape, np.nan)
    fits = []
    min_age = pd.Timedelta(days=round(365.25 * PCA_MIN_YEARS)).value
    for date, row, next_row in refit_spans(panel, month_starts(panel)):
        cols = (first_time <= date.value - min_age) & (weights > 0)
        if not cols.any() or row >= len(panel.times):
            continue
        end = np.searchsorted(panel.times, date.value)
        begin = np.searchsorted(panel.times, first_time[cols].max())
        window = x[begin:end][:, cols]
        if len(window) < 2:
            continue
        covariance = np.atleast_2d(np.cov(window, rowvar=False))
        vector = np.linalg.eigh(covariance)[1][:, -1]  # eigenvalues ascend
        vector = vector if vector.sum() >= 0 else -vector
        full = np.zeros(len(panel.names))
        full[cols] = vector
        loadings[row:next_row] = full
        fits.append((date, full))
    result = linear(panel, np.nan_to_num(loadings), cap)  # no loadings yet: no score
    frame = pd.DataFrame([row for _, row in fits], index=pd.DatetimeIndex(
        [date for date, _ in fits], name="refit"), columns=panel.names) if fits else None
    return MethodResult(result.score, result.contributions, frame)


_FUNCTIONS = {"mean": mean, "family": family, "pca": pca, "turbulence": turbulence,
              "learned": learned}

#: The aggregation methods, in the protocol's order of simplicity.
METHODS: tuple[str, ...] = tuple(_FUNCTIONS)


def get_method(name: str):
    """The method function named `name`, or a ConfigError listing the known ones."""
    if name not in _FUNCTIONS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}; got {name!r}")
    return _FUNCTIONS[name]
