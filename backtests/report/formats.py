"""How numbers, dates and durations read, the same in the terminal and in the HTML report.

One set of rules for people, used by the ``riskoff`` command and :mod:`backtests.report.page`
(the JSON and CSV outputs keep raw numbers; docs/cli.md gives their units):

===================== ======================================================================
fractions             percent with a sign and two decimals: ``0.1737`` -> ``+17.37%``; a
                      column is a fraction by its name (:func:`is_fraction`)
values already in %   keys ending ``[%]`` (the stats table): ``1736.76%``
money                 keys ending ``[$]``: ``12,870.79``
counts                whole numbers with thousands separators: ``1,234``
score levels          to a tenth of a point: ``70``, ``62.5``
other numbers         ``-0.052`` below 10 in size (ratios, IC), ``12.35`` above
times                 ``2018-01-01`` at midnight UTC, ``2018-01-01 04:00`` otherwise
durations             ``2190 days``, ``2 days 4 h``, ``4 h``, ``15 min``
missing               an empty cell
===================== ======================================================================
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["COUNTS", "FRACTIONS", "LEVELS", "cell", "duration", "is_fraction", "label",
           "min_width", "number", "stat", "table_text", "when"]

#: Columns and metrics that hold fractions (0.05 = 5%); also their ``is_`` / ``oos_`` forms
#: (walk-forward) and every ``mean_`` / ``median_`` column (forward returns, drawdowns).
FRACTIONS = frozenset({
    "total_return", "annualized_return", "max_drawdown", "precision", "recall",
    "exposure_time", "mean", "median", "p10", "p90", "share_negative", "mean_drawdown",
    "worst_drawdown", "overlap", "depth", "share_top", "calm_share",
})
#: Columns that hold score levels (0-100), shown as written: ``70``, ``62.5``.
LEVELS = frozenset({"threshold", "score_low", "score_high", "score", "exit_above"})
#: Columns that hold counts, whatever their dtype.
COUNTS = frozenset({"count", "signals", "events", "hits", "n", "trades", "smoothing", "rows",
                    "lead_days", "quantile", "is_trades", "oos_trades"})


def is_fraction(name) -> bool:
    """Whether a column or metric called `name` holds a fraction (shown in percent)."""
    name = str(name)
    if name.startswith(("mean_", "median_")):
        return True
    return name.removeprefix("is_").removeprefix("oos_") in FRACTIONS


def when(value: pd.Timestamp) -> str:
    """A time: the date alone at midnight, else date and minutes (UTC, as given)."""
    if value.hour == value.minute == value.second == 0 and value.microsecond == 0:
        return f"{value:%Y-%m-%d}"
    return f"{value:%Y-%m-%d %H:%M}"


def duration(value: pd.Timedelta) -> str:
    """A duration in days and hours, or hours and minutes when shorter than a day."""
    days, rest = value.days, value - pd.Timedelta(days=value.days)
    hours, minutes = rest.seconds // 3600, rest.seconds % 3600 // 60
    if days and not (hours or minutes):
        return f"{days:,} day" + ("s" if days != 1 else "")
    if days:
        return f"{days:,} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


def number(value: float) -> str:
    """A plain number: three decimals below 10 in size, two above, thousands separated."""
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.2f}"


def _missing(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def cell(value, name=None) -> str:
    """`value` as text for people, by its type and the column or metric `name` it is in."""
    if _missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return when(value)
    if isinstance(value, pd.Timedelta):
        return duration(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
        if isinstance(value, bool):
            return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and str(name) in COUNTS
                                  and value.is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float) and str(name) in LEVELS:
        return f"{round(value, 1):g}"
    if isinstance(value, float):
        if name is not None and is_fraction(name):
            return f"{value:+.2%}"
        return number(value)
    return str(value)


def stat(key: str, value) -> str:
    """A value of the stats table, whose key carries the unit (``[%]``, ``[$]``)."""
    if _missing(value):
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if key.endswith("[%]"):
            return f"{value:,.2f}%"
        if key.endswith("[$]"):
            return f"{value:,.2f}"
    return cell(value, key)


def min_width(header: str) -> int:
    """The width that keeps a header's longest word whole when the header wraps."""
    return max((len(word) for word in header.split()), default=0)


def label(name) -> str:
    """A column name as a header: words, not identifiers (``total return``)."""
    if isinstance(name, tuple):
        name = " ".join(str(part) for part in name)
    return str(name).replace("buy_and_hold", "buy & hold").replace("_", " ")


def table_text(frame: pd.DataFrame, *, by_row: str | None = None,
               stats: bool = False) -> pd.DataFrame:
    """Every cell of `frame` as text by the rules above; the index is formatted too.

    Parameters
    ----------
    frame : pd.DataFrame
        Any result table.
    by_row : str, optional
        A column naming each row's metric (e.g. ``"metric"`` in a walk-forward summary):
        the unit then comes from the row, not the column.
    stats : bool
        The frame is a stats table (keys as the index, units in the keys).
    """
    out = pd.DataFrame(index=frame.index, columns=frame.columns, dtype=object)
    for position, key in enumerate(frame.index):
        row = frame.iloc[position]
        for column in frame.columns:
            value = row[column]
            if stats:
                out.iloc[position, frame.columns.get_loc(column)] = stat(str(key), value)
            elif by_row is not None and column != by_row:
                out.iloc[position, frame.columns.get_loc(column)] = cell(value, row[by_row])
            else:
                out.iloc[position, frame.columns.get_loc(column)] = cell(value, column)
    out.index = [cell(v) if not isinstance(v, tuple) else label(v) for v in frame.index]
    out.index.name = frame.index.name
    return out
