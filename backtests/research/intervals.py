"""Overlap-aware intervals of rank correlations: Newey-West and the moving-block bootstrap.

Forward targets of 30 days overlap from one day to the next, so neighbouring rows are not
independent draws. The moving-block bootstrap (Künsch 1989) resamples whole blocks of
consecutive rows: a resample of ``n`` rows is ``ceil(n / block)`` blocks whose first rows
are drawn uniformly among the ``n - block + 1`` possible starts, cut to ``n`` rows.

A resample is stored as the number of times each original row was drawn (a
``(n_boot, n)`` matrix of counts), which is all a rank statistic needs: the rank of a row in
the resample is the number of drawn rows below it plus half its own tie group, so
Spearman's correlation of a resample is a weighted Pearson correlation of those ranks, with
no sort per draw. The same counts applied to several assets on the same dates keep their
dependence (BTC and ETH are resampled together).

:func:`hac_ic` is the cheaper alternative: Spearman's IC as the slope of standardised
ranks, with a Bartlett-kernel (Newey-West) standard error.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from signals.errors import ConfigError

__all__ = [
    "block_counts",
    "hac_ic",
    "partial_spearman",
    "ranks",
    "resampled_ranks",
    "spearman",
    "standardise",
    "weighted_corr",
]


def block_counts(n: int, block: int, n_boot: int, seed: int) -> np.ndarray:
    """How many times each of `n` rows is drawn in `n_boot` moving-block resamples.

    Parameters
    ----------
    n : int
        Rows, in time order.
    block : int
        Block length in rows (cut to `n`).
    n_boot : int
        Resamples (>= 2).
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same counts.

    Returns
    -------
    np.ndarray
        int64, shape ``(n_boot, n)``; every row sums to `n`.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ConfigError(f"n_boot must be an integer >= 2; got {n_boot!r}. Use e.g. 2000")
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise ConfigError(f"block must be a whole number of rows >= 1; got {block!r}")
    if n < 1:
        return np.zeros((n_boot, 0), dtype=np.int64)
    block = min(int(block), n)
    blocks = -(-n // block)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - block + 1, size=(n_boot, blocks))
    rows = (starts[:, :, None] + np.arange(block)).reshape(n_boot, -1)[:, :n]
    flat = rows + (np.arange(n_boot) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=n_boot * n).reshape(n_boot, n)


def resampled_ranks(x: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Average rank of each original row within each resample given by `counts`.

    Parameters
    ----------
    x : np.ndarray
        float64 values, no NaN, shape ``(n,)``.
    counts : np.ndarray
        ``(n_boot, n)`` draw counts (:func:`block_counts`); a row of ones is the sample.

    Returns
    -------
    np.ndarray
        ``(n_boot, n)`` ranks (1-based, ties averaged), as in ``scipy.stats.rankdata`` of
        the resample; rows not drawn get the rank they would tie at (their weight is 0).
    """
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    new_group = np.r_[True, sorted_x[1:] != sorted_x[:-1]]
    ends = np.r_[np.flatnonzero(new_group)[1:], len(x)] - 1
    through = np.cumsum(counts[:, order], axis=1, dtype="float64")[:, ends]
    before = np.zeros_like(through)
    before[:, 1:] = through[:, :-1]
    group_rank = before + (through - before + 1.0) / 2.0
    group_of = np.empty(len(x), dtype=np.int64)
    group_of[order] = np.cumsum(new_group) - 1
    return group_rank[:, group_of]


def weighted_corr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson correlation of `a` and `b` (each ``(n_boot, n)``) with weights `w`, per row."""
    total = w.sum(axis=1)
    wa, wb = w * a, w * b
    ma, mb = wa.sum(axis=1) / total, wb.sum(axis=1) / total
    cov = np.einsum("ij,ij->i", wa, b) - total * ma * mb
    var_a = np.einsum("ij,ij->i", wa, a) - total * ma * ma
    var_b = np.einsum("ij,ij->i", wb, b) - total * mb * mb
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.sqrt(var_a * var_b)


def spearman(x: np.ndarray, y: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """Spearman's rank correlation of the pairs (x, y) in the sample or in each resample.

    Parameters
    ----------
    x, y : np.ndarray
        Paired float64 values in time order, no NaN.
    counts : np.ndarray, optional
        :func:`block_counts`; default the sample itself.

    Returns
    -------
    np.ndarray
        One correlation per resample (one value for the sample); NaN when a side is
        constant.
    """
    counts = np.ones((1, len(x)), dtype=np.int64) if counts is None else counts
    return weighted_corr(resampled_ranks(x, counts), resampled_ranks(y, counts), counts)


def partial_spearman(x: np.ndarray, y: np.ndarray, z: np.ndarray,
                     counts: np.ndarray | None = None) -> np.ndarray:
    """Rank partial correlation of `x` and `y` given `z`, in the sample or each resample.

    ``(r_xy - r_xz r_yz) / sqrt((1 - r_xz²)(1 - r_yz²))`` with Spearman correlations: what
    `x` tells about `y` beyond what `z` already does (Kendall and Stuart's partial
    correlation of ranks).

    Parameters
    ----------
    x, y, z : np.ndarray
        Paired float64 values in time order, no NaN.
    counts : np.ndarray, optional
        :func:`block_counts`; default the sample itself.

    Returns
    -------
    np.ndarray
        One partial correlation per resample.
    """
    counts = np.ones((1, len(x)), dtype=np.int64) if counts is None else counts
    rx, ry, rz = (resampled_ranks(v, counts) for v in (x, y, z))
    xy, xz, yz = (weighted_corr(a, b, counts) for a, b in ((rx, ry), (rx, rz), (ry, rz)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (xy - xz * yz) / np.sqrt((1.0 - xz ** 2) * (1.0 - yz ** 2))


def ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks along axis 0 (ties share their mean rank), as float64."""
    return pd.DataFrame(values).rank(axis=0, method="average").to_numpy()


def standardise(values: np.ndarray) -> np.ndarray:
    """Each column minus its mean, over its standard deviation (ddof=0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (values - values.mean(axis=0)) / values.std(axis=0)


def hac_ic(x: np.ndarray, y: np.ndarray, lags: int) -> tuple[float, float, int]:
    """Spearman IC of `y` on `x` (NaN pairs skipped) and its Bartlett-HAC standard error.

    Parameters
    ----------
    x, y : np.ndarray
        Paired float64 values in time order; NaN where missing.
    lags : int
        Newey-West lags (0: heteroskedasticity-robust only).

    Returns
    -------
    tuple
        ``(ic, standard error, pairs used)``; NaN when fewer than 3 pairs or a side is
        constant.
    """
    valid = ~np.isnan(x) & ~np.isnan(y)
    n = int(valid.sum())
    if n < 3:
        return math.nan, math.nan, n
    both = standardise(ranks(np.column_stack([x[valid], y[valid]])))
    zx, zy = both[:, 0], both[:, 1]
    if not np.isfinite(both).all():  # a constant score or outcome
        return math.nan, math.nan, n
    ic = float(zx @ zy / n)  # slope of the standardised regression = Spearman's rho
    u = np.zeros(len(x))
    u[valid] = zx * (zy - ic * zx)  # kept in time order, zero where a pair is missing
    s = u @ u
    for lag in range(1, min(lags, len(u) - 1) + 1):
        s += 2.0 * (1.0 - lag / (lags + 1.0)) * (u[lag:] @ u[:-lag])
    return ic, math.sqrt(max(s, 0.0)) / n, n
