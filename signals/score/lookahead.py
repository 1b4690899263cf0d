"""``check_lookahead``: find the rows of a signal that change when the future is cut off.

The test freqtrade's lookahead analysis and every honest backtest rely on: compute the
signal on all the data, then again on the data truncated at many cut-off times; a signal
that never looks ahead gives, at every time up to each cut-off, exactly what it gave on
the full data. Any row that differs used something published after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

from signals.errors import DataContractError

__all__ = ["LookaheadReport", "check_lookahead", "truncate"]


@dataclass(frozen=True)
class LookaheadReport:
    """The outcome of :func:`check_lookahead`.

    Attributes
    ----------
    cutoffs : tuple of Timestamp
        The cut-off times tried.
    violations : pd.DataFrame
        One row per (cut-off, time, column) whose value differs: ``cutoff``, ``time``,
        ``column``, ``full`` (value on all data), ``truncated`` (value on data to the
        cut-off; for a text or categorical column, codes shared by both runs). Empty when
        the signal is honest.
    """

    cutoffs: tuple[pd.Timestamp, ...]
    violations: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no row changed at any cut-off."""
        return self.violations.empty

    def __repr__(self) -> str:
        if self.ok:
            return f"<LookaheadReport: ok, {len(self.cutoffs)} cut-offs, no row changed>"
        first = self.violations.iloc[0]
        return (f"<LookaheadReport: LOOKAHEAD, {len(self.violations)} changed value(s) over "
                f"{self.violations['cutoff'].nunique()} of {len(self.cutoffs)} cut-offs; first "
                f"at {first['time']} ({first['column']}) when cut at {first['cutoff']}>")


def truncate(data, cutoff: pd.Timestamp):
    """`data` with only the values available at or before `cutoff`.

    Parameters
    ----------
    data : Series, DataFrame or mapping of Series
        Indexed by availability time.
    cutoff : Timestamp
        tz-aware.

    Returns
    -------
    Same kind as `data` (a mapping comes back as a plain dict).
    """
    if isinstance(data, (pd.Series, pd.DataFrame)):
        return data.loc[data.index <= cutoff]
    if isinstance(data, Mapping):
        return {name: series.loc[series.index <= cutoff] for name, series in data.items()}
    raise DataContractError("data must be a Series, a DataFrame or a mapping of Series "
                            f"indexed by availability time; got {type(data).__name__}")


def _as_frame(result) -> pd.DataFrame:
    if isinstance(result, pd.Series):
        return result.to_frame()
    if isinstance(result, pd.DataFrame):
        return result
    raise DataContractError(f"the function must return a Series or a DataFrame; got "
                            f"{type(result).__name__}")


def _comparable(expected: pd.DataFrame, got: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Both frames as float arrays, with text and categories as codes shared by both.

    Numbers and times compare as numbers; any other column (a regime label, a tag) as codes
    taken over both frames together, so that a changed label counts too.
    """
    a = np.empty(expected.shape, dtype="float64")
    b = np.empty(got.shape, dtype="float64")
    for j, name in enumerate(expected.columns):
        left, right = expected[name], got[name]
        if is_numeric_dtype(left) or is_datetime64_any_dtype(left):
            a[:, j] = pd.to_numeric(left, errors="coerce").to_numpy(dtype="float64")
            b[:, j] = pd.to_numeric(right, errors="coerce").to_numpy(dtype="float64")
        else:
            codes, _ = pd.factorize(pd.concat([left.astype(object), right.astype(object)]))
            codes = np.where(codes < 0, np.nan, codes)
            a[:, j], b[:, j] = codes[:len(left)], codes[len(left):]
    return a, b


def _differences(full: pd.DataFrame, part: pd.DataFrame, cutoff, rtol, atol) -> pd.DataFrame:
    expected = full.loc[full.index <= cutoff]
    got = part.reindex(index=expected.index, columns=expected.columns)
    a, b = _comparable(expected, got)
    same = (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=rtol, atol=atol)
    rows, cols = np.nonzero(~same)
    return pd.DataFrame({"cutoff": cutoff, "time": expected.index[rows],
                         "column": expected.columns[cols], "full": a[rows, cols],
                         "truncated": b[rows, cols]})


def check_lookahead(
    func: Callable,
    data,
    *,
    cutoffs: int | list = 25,
    rtol: float = 1e-9,
    atol: float = 1e-12,
) -> LookaheadReport:
    """Report every output row that changes when the input is cut off after it.

    Parameters
    ----------
    func : callable
        ``func(data) -> Series or DataFrame`` indexed by time.
    data : Series, DataFrame or mapping of Series (e.g. ``signals.load_macro()``)
        Indexed by availability time.
    cutoffs : int or list of Timestamp
        How many cut-off times, spread evenly over the times where the full output has
        values, or the times themselves.
    rtol, atol : float
        Tolerances for "the same value" (floating-point noise is not lookahead).

    Returns
    -------
    LookaheadReport
        ``.ok`` is True when no row changed.
    """
    full = _as_frame(func(data))
    if isinstance(cutoffs, int):
        valid = full.index[full.notna().any(axis=1)]
        if len(valid) < 2:
            raise DataContractError("the function's output has fewer than two rows with "
                                    "values; pass a longer history")
        picks = np.linspace(0, len(valid) - 1, num=min(cutoffs, len(valid)) + 1)[:-1]
        chosen = [valid[int(i)] for i in picks]
    else:
        chosen = [pd.Timestamp(c) for c in cutoffs]
    found = [_differences(full, _as_frame(func(truncate(data, cut))), cut, rtol, atol)
             for cut in chosen]
    violations = pd.concat(found, ignore_index=True) if found else pd.DataFrame(
        columns=["cutoff", "time", "column", "full", "truncated"])
    return LookaheadReport(tuple(chosen), violations)
