"""What if the yen jumped 8% and 10Y Treasury yields rose 60 bp? Past days that looked alike.

:func:`find_analogs` takes the shocked reading of :func:`backtests.research.shocks.shocked_reading`
and asks which past days had component z-scores nearest to it, and what BTC/ETH did after
them. Each day's z-scores are those known at its candle's close
(:func:`signals.align_to_bars`, each component with its own staleness limit); the distance
is the weighted root-mean-square difference over the components both have; the `k` nearest
days at least `min_gap_days` apart, whose longest horizon ended by `as_of`, are listed with
their forward returns and drawdowns (:mod:`backtests.research.events`) and summarised per horizon.

Analogs are few, they overlap in market regimes, and crypto's history is short (the bundled
prices start in August 2017): the summary describes `k` past episodes for a person to judge
(their dates are in the table), it is not a forecast.
"""


from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtests.research.shocks import (
    MIN_OVERLAP,
    Reading,
    WhatIfWarning,
    _as_shocks,
    _fmt,
    _html_table,
    _reading,
    _resolve_as_of,
    resolve_records,
)
from signals.errors import ConfigError, DataContractError
from signals.families.registry import get_component
from signals.score.align import align_to_bars
from signals.score.composite import _as_macro, _as_weights, component_readings, risk_off_score
from signals.times import timeframe_to_timedelta

__all__ = ["Analogs", "find_analogs"]


@dataclass(frozen=True, eq=False, repr=False)
class Analogs:
    """The past days nearest to a shocked reading, and what the assets did after them.

    Attributes
    ----------
    reading : Reading
        The shocked reading the days are compared with.
    table : pd.DataFrame
        One row per analog, nearest first (index ``rank`` from 1): ``date`` (the daily
        candle's UTC open time; readings and returns are as of its close), ``distance``
        (weighted root-mean-square difference of z-scores over the components both have;
        0 = identical), ``overlap`` (share of the total weight both have), ``score`` and
        ``regime`` then, and per asset and horizon ``"<symbol> return <h>d"`` (simple
        return from the close, 0.05 = +5 %) and ``"<symbol> drawdown <h>d"`` (worst close
        over the horizon against that close, 0 or negative).
    summary : pd.DataFrame
        Per asset and horizon (MultiIndex ``symbol``, ``horizon``): ``count``, ``mean``,
        ``median``, ``p10``, ``p90`` of the forward return, ``share_negative``, and
        ``mean_drawdown``, ``worst_drawdown`` (fractions). ``summary.loc["BTC/USDT"]`` is
        one asset's.
    zscores : pd.DataFrame
        The analogs' component z-scores (rows as in `table`), to compare with
        ``reading.table["z_shocked"]``.
    symbols : tuple of str
        The assets, in the order given.
    timeframe : str
        The candles' length.
    horizons_days : tuple of float
        The forward horizons, in days.
    min_gap_days : float
        Least distance between two analogs, in days.
    """

    reading: Reading
    table: pd.DataFrame
    summary: pd.DataFrame
    zscores: pd.DataFrame
    symbols: tuple[str, ...]
    timeframe: str
    horizons_days: tuple[float, ...]
    min_gap_days: float

    @property
    def symbol(self) -> str:
        """The asset's symbol (the first one when there are several)."""
        return self.symbols[0]

    def __repr__(self) -> str:
        return (f"<Analogs {', '.join(self.symbols)} {self.timeframe}: {len(self.table)} days "
                f"nearest to {self.reading.shocks.describe()} (score "
                f"{_fmt(self.reading.shocked_score)})>")

    def _repr_html_(self) -> str:
        table = self.table.copy()
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        return "\n".join([
            self.reading._repr_html_(),
            f"<h4>{len(self.table)} nearest past days ({', '.join(self.symbols)}, "
            f"{self.timeframe} candles, at least {self.min_gap_days:g} days apart)</h4>",
            "<p>Returns and drawdowns are fractions from each day's close. These are a few "
            "past episodes to judge, with their dates below; not a forecast.</p>",
            _html_table(self.summary),
            _html_table(table),
        ])


def _days_label(days: float) -> str:
    return f"{float(days):g}d"


def _check_horizons(horizons_days, step: pd.Timedelta, timeframe: str) -> list[tuple]:
    values = list(horizons_days) if np.ndim(horizons_days) else [horizons_days]
    if not values:
        raise ConfigError("horizons_days is empty; pass e.g. horizons_days=(7, 30, 90)")
    out = []
    for days in values:
        if isinstance(days, bool) or not isinstance(days, numbers.Real) \
                or not math.isfinite(days) or days <= 0:
            raise ConfigError(f"horizons_days holds {days!r}; each horizon must be a positive "
                              f"number of days, e.g. horizons_days=(7, 30, 90)")
        bars = pd.Timedelta(days=float(days)) / step
        if abs(bars - round(bars)) > 1e-9:
            raise ConfigError(f"horizons_days holds {days!r}, not a whole number of {timeframe} "
                              f"candles; use a multiple of {step / pd.Timedelta(days=1):g} days")
        out.append((_days_label(days), float(days), round(bars)))
    if len({label for label, _, _ in out}) < len(out):
        raise ConfigError(f"horizons_days={tuple(values)} repeats a horizon; pass each once")
    return out


def _as_assets(prices, timeframe: str) -> dict[str, pd.Series]:
    """``{symbol: validated closes}`` (:func:`backtests.research.events.closes`), ns UTC index."""
    from backtests.research.events import closes

    def checked(frame, symbol: str) -> pd.Series:
        close = closes(frame, timeframe).rename(symbol)
        return close.set_axis(close.index.tz_convert("UTC").as_unit("ns"))  # compared as int64

    if isinstance(prices, Mapping):
        if not prices:
            raise ConfigError("prices is an empty mapping; pass e.g. {'BTC/USDT': candles}")
        return {str(symbol): checked(frame, str(symbol)) for symbol, frame in prices.items()}
    symbol = str(getattr(prices, "attrs", {}).get("symbol") or "asset")
    return {symbol: checked(prices, symbol)}


def _outcomes(close: pd.Series, timeframe: str, horizons: list[tuple],
              calendar: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forward returns and drawdowns from each candle's close, on the analog calendar."""
    from backtests.research.events import forward_max_drawdown, forward_returns

    frame = close.to_frame("close")
    days = [d for _, d, _ in horizons]
    returns = forward_returns(frame, timeframe, days)
    returns.columns = [label for label, _, _ in horizons]
    drawdowns = pd.DataFrame({label: forward_max_drawdown(frame, timeframe, d)
                              for label, d, _ in horizons})
    return returns.reindex(calendar), drawdowns.reindex(calendar)


def _pick(times: np.ndarray, k: int, gap: int) -> list[int]:
    """Greedily the first `k` of `times` (in preference order) at least `gap` apart."""
    chosen: list[int] = []
    for i, t in enumerate(times):
        if not chosen or np.all(np.abs(times[chosen] - t) >= gap):
            chosen.append(i)
            if len(chosen) == k:
                break
    return chosen


def _summary(table: pd.DataFrame, symbols, horizons) -> pd.DataFrame:
    rows, keys = [], []
    for symbol in symbols:
        for label, _, _ in horizons:
            r = table[f"{symbol} return {label}"].to_numpy(dtype="float64")
            d = table[f"{symbol} drawdown {label}"].to_numpy(dtype="float64")
            r, d = r[np.isfinite(r)], d[np.isfinite(d)]
            some = len(r) > 0
            rows.append({
                "count": len(r),
                "mean": r.mean() if some else np.nan,
                "median": np.median(r) if some else np.nan,
                "p10": np.percentile(r, 10) if some else np.nan,
                "p90": np.percentile(r, 90) if some else np.nan,
                "share_negative": (r < 0).mean() if some else np.nan,
                "mean_drawdown": d.mean() if len(d) else np.nan,
                "worst_drawdown": d.min() if len(d) else np.nan,
            })
            keys.append((symbol, label))
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(keys, names=["symbol", "horizon"]))


def find_analogs(macro, shocks, prices, timeframe: str = "1d", *, k: int = 20,
                 horizons_days=(7, 30, 90), min_gap_days: float = 30, as_of=None,
                 weights=None) -> Analogs:
    """The `k` past days whose component readings were nearest to the shocked ones.

    Each candle's component z-scores are those known at its close (each component through
    :func:`signals.align_to_bars` with its own staleness limit, so a stale one is absent).
    The distance to the shocked z-scores (:func:`shocked_reading`) is
    ``sqrt(Σ w_i (z_i - z*_i)² / Σ w_i)`` over the components both have, which must carry
    at least half of the total weight. Days are taken nearest first (ties: earlier first),
    skipping any within `min_gap_days` of one already taken so that one episode does not
    fill the list; a day qualifies only if its close plus the longest horizon is at or
    before `as_of` (its outcome was known then) and every asset has that close.

    Parameters
    ----------
    macro : MacroData or mapping
        Macro series, as for :func:`shocked_reading`; ``None`` loads the default.
    shocks : Shocks, mapping or str items
        The moves to imagine (see :func:`shocked_reading`).
    prices : pd.DataFrame, pd.Series or mapping
        Candles with a ``close`` column indexed by UTC open time
        (:func:`backtests.load_prices`), closes, or ``{symbol: candles}`` for several
        assets (they share the analog days). A single frame is named by its
        ``attrs["symbol"]``.
    timeframe : str
        The candles' length, e.g. ``"1d"``; analogs are candles, so ``"1d"`` gives days.
    k : int
        Number of analogs wanted (fewer, with a warning, when fewer qualify).
    horizons_days : sequence of float
        Forward horizons in calendar days, each a whole number of candles.
    min_gap_days : float
        Least time between two analogs' candles, in days (0 = no gap rule).
    as_of : str or Timestamp, optional
        "Now" (naive means UTC), as for :func:`shocked_reading`.
    weights : Weights, mapping or path, optional
        Component weights, for the score and the distance.

    Returns
    -------
    Analogs
        The shocked reading, the analogs' table (dates, distances, scores, forward returns
        and drawdowns), their summary per asset and horizon, and their z-scores.

    Raises
    ------
    ConfigError
        Bad `k`, `horizons_days`, `min_gap_days`, shocks, weights or `as_of`.
    DataContractError
        Bad prices or macro series, no score at `as_of`, or no past day qualifies.

    Warns
    -----
    WhatIfWarning
        A shock moves nothing that counts, or fewer than `k` days qualify.
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ConfigError(f"k must be a whole number of analogs >= 1, e.g. k=20; got {k!r}")
    if isinstance(min_gap_days, bool) or not isinstance(min_gap_days, numbers.Real) \
            or not math.isfinite(min_gap_days) or min_gap_days < 0:
        raise ConfigError(f"min_gap_days must be a number of days >= 0, e.g. 30; got "
                          f"{min_gap_days!r}")
    step = timeframe_to_timedelta(timeframe)
    horizons = _check_horizons(horizons_days, step, timeframe)
    shocks = _as_shocks(shocks)
    assets = _as_assets(prices, timeframe)
    macro = _as_macro(macro)
    weights = _as_weights(weights)

    readings = component_readings(macro, components=list(weights))
    scores = risk_off_score(macro, weights=weights)
    as_of = _resolve_as_of(as_of, readings, scores, weights)
    shocks = resolve_records(shocks, macro, as_of)
    reading = _reading(readings, weights, shocks, as_of, cap=3.0, min_coverage=0.5,
                       stacklevel=2)

    calendar = pd.DatetimeIndex(np.unique(np.concatenate(
        [close.index.asi8 for close in assets.values()])).view("datetime64[ns]"),
        name="open_time").tz_localize("UTC")
    opens = calendar.asi8
    names = list(weights)
    history = np.full((len(calendar), len(names)), np.nan)
    for j, name in enumerate(names):
        frame = readings.get(name)
        if frame is None:
            continue
        z = frame["z"].dropna().rename(name)
        if len(z):
            aligned = align_to_bars(z, calendar, timeframe, max_age=get_component(name).max_age)
            history[:, j] = aligned[name].to_numpy()

    target = reading.table["z_shocked"].to_numpy(dtype="float64")
    w = reading.table["weight"].to_numpy(dtype="float64")
    common = np.isfinite(history) & np.isfinite(target)
    shared = common @ w
    overlap = shared / w.sum()
    squared = np.where(common, (history - target) ** 2, 0.0) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.sqrt(squared / shared)

    longest_label, longest_days, _ = max(horizons, key=lambda h: h[1])
    outcomes = {symbol: _outcomes(close, timeframe, horizons, calendar)
                for symbol, close in assets.items()}
    known = (opens + step.value + pd.Timedelta(days=longest_days).value) <= as_of.value
    eligible = known & (overlap >= MIN_OVERLAP) & np.isfinite(distance)
    for returns, _ in outcomes.values():
        eligible &= np.isfinite(returns[longest_label].to_numpy())
    candidates = np.flatnonzero(eligible)
    if len(candidates) == 0:
        raise DataContractError(
            f"no past candle before as_of={as_of} minus {longest_label} shares half the "
            f"weight with the shocked reading and has prices for {', '.join(assets)}; pass "
            f"longer prices or macro data, a later as_of or shorter horizons_days")
    order = candidates[np.lexsort((opens[candidates], distance[candidates]))]
    picked = order[_pick(opens[order], k, pd.Timedelta(days=float(min_gap_days)).value)]
    if len(picked) < k:
        warnings.warn(f"only {len(picked)} past candles qualify as analogs (k={k}) with "
                      f"min_gap_days={min_gap_days:g} before as_of={as_of} minus "
                      f"{longest_label}; the summary rests on them", WhatIfWarning,
                      stacklevel=2)

    then = align_to_bars(scores[["score", "regime"]], calendar[picked], timeframe,
                         max_age=None)
    table = pd.DataFrame({"date": calendar[picked], "distance": distance[picked],
                          "overlap": overlap[picked], "score": then["score"].to_numpy(),
                          "regime": then["regime"].to_numpy()},
                         index=pd.RangeIndex(1, len(picked) + 1, name="rank"))
    for symbol, (returns, drawdowns) in outcomes.items():
        for label, _, _ in horizons:
            table[f"{symbol} return {label}"] = returns[label].to_numpy()[picked]
        for label, _, _ in horizons:
            table[f"{symbol} drawdown {label}"] = drawdowns[label].to_numpy()[picked]
    zscores = pd.DataFrame(history[picked], columns=pd.Index(names, name="component"),
                           index=table.index)
    return Analogs(reading=reading, table=table,
                   summary=_summary(table, list(assets), horizons), zscores=zscores,
                   symbols=tuple(assets), timeframe=timeframe,
                   horizons_days=tuple(h[1] for h in horizons),
                   min_gap_days=float(min_gap_days))
