"""What happened after each bar: forward returns and drawdowns, crossings, event studies.

Every bar is labelled by its UTC **open** time, as :func:`backtests.load_prices` returns
candles, and a bar's decision happens at its close (open + timeframe). The score at a bar
is the score available at that close (:func:`signals.align_to_bars`), and everything here
measured "after" a bar starts from the same close. Crypto trades 24/7, so a horizon of
``h`` days is ``h * bars_per_day`` bars, with no business-day calendar.

These functions look at **future prices by design**: they are the outcomes a score is
judged against, never inputs to a decision. Every one takes ``start`` and ``end``
(inclusive bar open times, naive means UTC) and then behaves as if the data began at
``start`` and ended at ``end``: prices after ``end`` are not used, so the outcomes of the
last bars of a period are NaN rather than borrowed from the next period (a training
period never peeks into the test period that follows it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from signals.errors import ConfigError, DataContractError
from signals.times import timeframe_to_timedelta, to_utc

__all__ = ["EventStudy", "drawdown_warnings", "event_study", "forward_max_drawdown",
           "forward_returns", "hit_rate", "threshold_crossings", "threshold_sweep"]

_DAY = pd.Timedelta(days=1)


# ---------------------------------------------------------------- checks shared with evaluate
def check_index(index, argument: str) -> pd.DatetimeIndex:
    """`index` as a sorted, unique, tz-aware UTC DatetimeIndex, or a DataContractError."""
    if not isinstance(index, pd.DatetimeIndex):
        raise DataContractError(f"{argument} must be indexed by bar open time (a "
                                f"DatetimeIndex); got {type(index).__name__}. Use "
                                f"backtests.load_prices() candles or signals.align_to_bars()")
    if index.tz is None:
        raise DataContractError(f"{argument} index must be tz-aware UTC; got tz=None. Use "
                                f"{argument}.tz_localize('UTC')")
    if not index.is_unique:
        raise DataContractError(f"{argument} index has repeated open times; drop them with "
                                f"{argument}[~{argument}.index.duplicated()]")
    if not index.is_monotonic_increasing:
        raise DataContractError(f"{argument} index is not sorted. Use {argument}.sort_index()")
    return index.tz_convert("UTC")


def window(obj, start, end):
    """Rows of `obj` whose index (bar open time) is within [start, end]."""
    if start is not None:
        obj = obj[obj.index >= to_utc(start, "start")]
    if end is not None:
        obj = obj[obj.index <= to_utc(end, "end")]
    return obj


def bar_count(days, timeframe: str, argument: str, *, allow_zero: bool = False) -> int:
    """`days` as a whole number of `timeframe` bars (24/7), or a ConfigError."""
    length = timeframe_to_timedelta(timeframe)
    try:
        bars = pd.Timedelta(days=float(days)) / length
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{argument}={days!r} is not a number of days; use e.g. 7") from exc
    if bars < 0 or (bars == 0 and not allow_zero) or abs(bars - round(bars)) > 1e-9:
        sign = "non-negative" if allow_zero else "positive"
        raise ConfigError(f"{argument}={days!r} days is not a {sign} whole number of "
                          f"{timeframe} bars; use a multiple of {length / _DAY:g} days")
    return round(bars)


def closes(prices, timeframe: str) -> pd.Series:
    """The validated close prices of `prices` (candles or a Series of closes)."""
    length = timeframe_to_timedelta(timeframe)
    if isinstance(prices, pd.DataFrame):
        if "close" not in prices:
            raise DataContractError(f"prices must have a 'close' column; got columns "
                                    f"{list(prices.columns)}. Use backtests.load_prices()")
        close = prices["close"]
    elif isinstance(prices, pd.Series):
        close = prices
    else:
        raise DataContractError(f"prices must be candles (a DataFrame with 'close') or a Series "
                                f"of closes; got {type(prices).__name__}")
    index = check_index(close.index, "prices")
    try:
        values = close.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataContractError("prices close must be numeric; convert it with "
                                "pd.to_numeric(prices['close'])") from exc
    if np.any(values[~np.isnan(values)] <= 0) or np.isinf(values).any():
        raise DataContractError("prices close must be positive and finite; remove or repair "
                                "the bad candles first")
    if len(index) > 1:
        steps = np.diff(index.as_unit("ns").asi8)
        if np.any(steps % length.value) or steps.min() != length.value:
            raise DataContractError(
                f"prices are not {timeframe} candles (open times {pd.Timedelta(int(steps.min()))} "
                f"apart at the closest); pass the timeframe the candles were loaded with")
    return pd.Series(values, index=pd.DatetimeIndex(index, name="open_time"), name="close")


def score_series(score, argument: str = "score") -> pd.Series:
    """`score` (a Series, or a frame with a ``score`` column) checked and as float64."""
    if isinstance(score, pd.DataFrame) and "score" in score:
        score = score["score"]
    if not isinstance(score, pd.Series):
        raise DataContractError(f"{argument} must be a Series of scores indexed by bar open "
                                f"time; got {type(score).__name__}")
    index = check_index(score.index, argument)
    try:
        values = score.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataContractError(f"{argument} must be numeric") from exc
    return pd.Series(values, index=index, name=score.name)


def on_bars(score: pd.Series, index: pd.DatetimeIndex, argument: str = "score") -> pd.Series:
    """`score` on the bars `index`, NaN where it has no value; an error if none match."""
    if len(index) and len(score) and not index.isin(score.index).any():
        raise DataContractError(
            f"{argument} and the prices share no bar open times; put the score on the bars "
            f"first with signals.align_to_bars(scores, prices, timeframe)['score']")
    return score.reindex(index)


def _grid(close: pd.Series, length: pd.Timedelta) -> tuple[np.ndarray, np.ndarray]:
    """Closes on a gap-free grid of bars (NaN for missing candles), and each bar's slot."""
    if close.empty:
        return np.empty(0), np.empty(0, dtype=np.int64)
    offsets = close.index.as_unit("ns").asi8 - close.index[0].as_unit("ns").value
    slots = offsets // length.value
    values = np.full(int(slots[-1]) + 1, np.nan)
    values[slots] = close.to_numpy()
    return values, slots


def level(threshold, argument: str = "threshold") -> float:
    """`threshold` as a finite float score level, or a ConfigError."""
    try:
        value = float(threshold)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{argument}={threshold!r} is not a score level; use e.g. 70") from exc
    if not np.isfinite(value):
        raise ConfigError(f"{argument} must be finite; got {threshold!r}. Use e.g. 70")
    return value


def _label(days) -> str:
    return f"{float(days):g}d"


# ---------------------------------------------------------------- outcomes
def forward_returns(prices, timeframe: str, horizons=(1, 3, 7, 30), *, start=None,
                    end=None) -> pd.DataFrame:
    """Simple return from each bar's close to the close `h` days later.

    These use **future prices by design**: they are the outcome a score is judged on. Row
    ``t`` holds ``close[t + h * bars_per_day] / close[t] - 1``, both closes, so the score
    available at bar ``t``'s close (:func:`signals.align_to_bars`) predicts row ``t``; the
    same convention as alphalens' ``compute_forward_returns``. Days are calendar days
    (crypto trades 24/7).

    Parameters
    ----------
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column (:func:`backtests.load_prices`) or closes, indexed
        by UTC bar open time; missing candles are allowed.
    timeframe : str
        The candles' length, e.g. ``"1d"`` or ``"4h"``.
    horizons : sequence of float
        Horizons in days; each must be a whole number of bars.
    start, end : str or Timestamp, optional
        Evaluation period by bar open time (inclusive); closes after `end` are not used.

    Returns
    -------
    pd.DataFrame
        Fractions (0.05 = +5 %), one float64 column per horizon named ``"1d"``, ``"3d"``...,
        on the prices' index (within the period); NaN where the future close is not in the
        data (the last ``h`` days, and around missing candles). ``attrs["horizon_bars"]``
        maps each column to its length in bars.
    """
    close = window(closes(prices, timeframe), start, end)
    horizons = tuple(horizons) if np.ndim(horizons) else (horizons,)
    if not horizons:
        raise ConfigError("horizons is empty; pass e.g. horizons=(1, 3, 7, 30)")
    labels = [_label(h) for h in horizons]
    if len(set(labels)) < len(labels):
        raise ConfigError(f"horizons {horizons} repeat a horizon; pass each once")
    values, slots = _grid(close, timeframe_to_timedelta(timeframe))
    out, bars = {}, {}
    for label, days in zip(labels, horizons, strict=True):
        k = bar_count(days, timeframe, "horizons")
        future = np.full(len(values), np.nan)
        future[:max(len(values) - k, 0)] = values[k:]
        out[label] = (future / values - 1.0)[slots]
        bars[label] = k
    frame = pd.DataFrame(out, index=close.index)
    frame.attrs = {"timeframe": timeframe, "horizon_bars": bars}
    return frame


def forward_max_drawdown(prices, timeframe: str, horizon_days, *, start=None,
                         end=None) -> pd.Series:
    """Worst fall of the close over the next `horizon_days`, from each bar's close.

    ``min(close[t+k] / close[t] - 1 for k in 1..H)`` with ``H = horizon_days *
    bars_per_day``, capped at 0 from above (a path that only rises has drawdown 0). Like
    :func:`forward_returns` this looks at future prices by design.

    Parameters
    ----------
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column, or closes, indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    horizon_days : float
        Window length in days; a whole number of bars.
    start, end : str or Timestamp, optional
        Evaluation period by bar open time (inclusive); closes after `end` are not used.

    Returns
    -------
    pd.Series
        float64 fractions, 0 or negative (-0.2 = a 20 % fall), named
        ``"max_drawdown_<h>d"``; NaN where the window's last bar is beyond the data
        (missing candles inside the window are skipped).
    """
    close = window(closes(prices, timeframe), start, end)
    k = bar_count(horizon_days, timeframe, "horizon_days")
    values, slots = _grid(close, timeframe_to_timedelta(timeframe))
    lowest = np.full(len(values), np.nan)
    if len(values) > k:
        windows = np.lib.stride_tricks.sliding_window_view(values[1:], k)
        lowest[:len(windows)] = np.fmin.reduce(windows, axis=1)
    drawdown = np.minimum(lowest / values - 1.0, 0.0)
    return pd.Series(drawdown[slots], index=close.index,
                     name=f"max_drawdown_{_label(horizon_days)}")


# ---------------------------------------------------------------- events
def threshold_crossings(score, threshold: float, *, start=None, end=None) -> pd.DatetimeIndex:
    """Bars where the score crosses from below `threshold` to at or above it.

    Parameters
    ----------
    score : pd.Series
        Risk-off score (0-100) on bars, indexed by UTC bar open time.
    threshold : float
        Score level, e.g. 70.
    start, end : str or Timestamp, optional
        Period by bar open time (inclusive).

    Returns
    -------
    pd.DatetimeIndex
        Open times of bars whose score is ``>= threshold`` while the previous row's was
        ``< threshold``; a bar after a missing score is not a crossing (the level before is
        unknown).
    """
    threshold = level(threshold)
    s = window(score_series(score), start, end)
    previous = s.shift(1)
    crossing = (s >= threshold) & (previous < threshold)
    return pd.DatetimeIndex(s.index[crossing.to_numpy()], name="open_time")


@dataclass(frozen=True)
class EventStudy:
    """Price paths around the bars where the score crossed a threshold.

    Attributes
    ----------
    events : pd.DatetimeIndex
        Open times of the crossing bars.
    paths : pd.DataFrame
        One column per event, index ``offset_days`` (float, days from the event bar's
        close); ``close / close at the event - 1`` (fraction), NaN outside the data.
    mean_path : pd.Series
        Mean of `paths` across events at each offset (missing values skipped).
    """

    events: pd.DatetimeIndex
    paths: pd.DataFrame
    mean_path: pd.Series


def event_study(score, prices, timeframe: str, threshold: float, *, before_days=10,
                after_days=30, start=None, end=None) -> EventStudy:
    """The close path from `before_days` before to `after_days` after each crossing.

    Parameters
    ----------
    score : pd.Series
        Risk-off score on bars (e.g. ``signals.align_to_bars(...)["score"]``).
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column, or closes, indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    threshold : float
        Events are :func:`threshold_crossings` of this level.
    before_days, after_days : float
        Path length before and after each event, in days (whole numbers of bars).
    start, end : str or Timestamp, optional
        Period by bar open time (inclusive); events and prices outside are not used.

    Returns
    -------
    EventStudy
        Events, their paths (relative to the event bar's close: offset 0 is 0) and the mean
        path. The path after an event uses future prices by design.
    """
    close = window(closes(prices, timeframe), start, end)
    s = on_bars(window(score_series(score), start, end), close.index)
    before = bar_count(before_days, timeframe, "before_days", allow_zero=True)
    after = bar_count(after_days, timeframe, "after_days", allow_zero=True)
    events = threshold_crossings(s, threshold)
    events = events[~np.isnan(close.reindex(events).to_numpy())]
    length = timeframe_to_timedelta(timeframe)
    values, _ = _grid(close, length)
    steps = np.arange(-before, after + 1)
    offsets = pd.Index(steps / (_DAY / length), name="offset_days", dtype="float64")
    paths = {}
    for event in events:
        slot = (event - close.index[0]) // length
        where = slot + steps
        inside = (where >= 0) & (where < len(values))
        path = np.full(len(steps), np.nan)
        path[inside] = values[where[inside]] / values[slot] - 1.0
        paths[event] = path
    frame = pd.DataFrame(paths, index=offsets, columns=events, dtype="float64")
    mean = frame.mean(axis=1) if len(events) else pd.Series(np.nan, index=offsets)
    return EventStudy(events=events, paths=frame, mean_path=mean.rename("mean_path"))


def drawdown_warnings(score, prices, timeframe: str, threshold: float, *, depth=0.20,
                      lookback_days=30, start=None, end=None) -> pd.DataFrame:
    """Whether the score reached `threshold` before each drawdown deeper than `depth`.

    An episode is a stretch below the running peak of the close (from a peak to the next
    close at or above it) in which the close falls at least `depth` below the peak. Its
    breach is the first bar where it does; its trough the lowest close of the stretch. It
    was warned when the score was ``>= threshold`` at some bar in ``[peak - lookback_days,
    breach]``; the lead time runs from the first such bar to the breach. A warning on the
    breach bar itself (lead 0) came at the same close as the breach: no useful warning.

    Parameters
    ----------
    score : pd.Series
        Risk-off score on bars (e.g. ``signals.align_to_bars(...)["score"]``).
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column, or closes, indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    threshold : float
        Score level that counts as a warning.
    depth : float
        Smallest fall from the peak that makes an episode, a fraction in (0, 1).
    lookback_days : float
        How long before the peak a warning still counts, in days (>= 0).
    start, end : str or Timestamp, optional
        Period by bar open time (inclusive); peaks are found within it.

    Returns
    -------
    pd.DataFrame
        One row per episode: ``peak``, ``breach``, ``trough`` (bar open times, UTC),
        ``depth`` (trough / peak - 1, negative fraction), ``warned`` (bool), ``lead_days``
        (float days, NaN when not warned). ``attrs["hit_rate"]`` is the share warned (see
        :func:`hit_rate`).
    """
    if not 0 < depth < 1:
        raise ConfigError(f"depth must be a fraction in (0, 1); got {depth}. Use e.g. 0.2")
    if not lookback_days >= 0:
        raise ConfigError(f"lookback_days must be >= 0; got {lookback_days}")
    threshold = level(threshold)
    close = window(closes(prices, timeframe), start, end).dropna()
    s = on_bars(window(score_series(score), start, end), close.index)
    c = close.to_numpy()
    peak_value = np.maximum.accumulate(c)
    starts = np.flatnonzero(c >= peak_value)  # each stretch starts at a (new or equal) peak
    stops = np.append(starts[1:], len(c))
    fall = c / peak_value - 1.0
    warn_at = s.index[(s >= threshold).to_numpy()]
    rows = []
    for first, stop in zip(starts, stops, strict=True):
        deep = np.flatnonzero(fall[first:stop] <= -depth)
        if not len(deep):
            continue
        breach = close.index[first + deep[0]]
        trough = first + int(np.argmin(c[first:stop]))
        peak = close.index[first]
        seen = warn_at[(warn_at >= peak - pd.Timedelta(days=lookback_days)) & (warn_at <= breach)]
        rows.append({"peak": peak, "breach": breach, "trough": close.index[trough],
                     "depth": c[trough] / c[first] - 1.0, "warned": bool(len(seen)),
                     "lead_days": (breach - seen[0]) / _DAY if len(seen) else np.nan})
    out = pd.DataFrame({
        **{key: pd.DatetimeIndex([row[key] for row in rows], dtype="datetime64[ns, UTC]")
           for key in ("peak", "breach", "trough")},
        "depth": np.array([row["depth"] for row in rows], dtype="float64"),
        "warned": np.array([row["warned"] for row in rows], dtype="bool"),
        "lead_days": np.array([row["lead_days"] for row in rows], dtype="float64")})
    out.attrs["hit_rate"] = hit_rate(out)
    return out


def hit_rate(warnings: pd.DataFrame) -> float:
    """Share of drawdown episodes that were warned (NaN when there are none).

    Parameters
    ----------
    warnings : pd.DataFrame
        The result of :func:`drawdown_warnings`.

    Returns
    -------
    float
        Between 0 and 1.
    """
    if "warned" not in warnings:
        raise DataContractError("warnings must be the result of drawdown_warnings() (a "
                                "'warned' column)")
    return float(warnings["warned"].mean()) if len(warnings) else float("nan")


def threshold_sweep(score, prices, timeframe: str, thresholds, *, horizon_days=30,
                    depth=0.15, start=None, end=None) -> pd.DataFrame:
    """Precision and recall of "score >= threshold" as a call of a coming drawdown.

    At each bar with both a score and a known forward drawdown, the call is ``score >=
    threshold`` and the event is ``forward_max_drawdown(horizon_days) <= -depth``. Bars are
    counted one by one, so one long episode counts many times on both sides; compare
    precision with the base rate ``attrs["base_rate"]`` (events / bars).

    Parameters
    ----------
    score : pd.Series
        Risk-off score on bars.
    prices : pd.DataFrame or pd.Series
        Candles with a ``close`` column, or closes, indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    thresholds : sequence of float
        Score levels to try, in the order given.
    horizon_days : float
        Forward window of the event, in days.
    depth : float
        Fall that counts as an event, a fraction in (0, 1).
    start, end : str or Timestamp, optional
        Period by bar open time (inclusive).

    Returns
    -------
    pd.DataFrame
        ``threshold``, ``signals`` (bars called), ``events`` (bars followed by the fall),
        ``hits`` (both), ``precision`` = hits / signals, ``recall`` = hits / events (NaN
        when the denominator is 0). ``attrs`` holds ``bars`` and ``base_rate``.
    """
    if not 0 < depth < 1:
        raise ConfigError(f"depth must be a fraction in (0, 1); got {depth}. Use e.g. 0.15")
    levels = np.array([level(t, "thresholds") for t in np.atleast_1d(thresholds)])
    if not len(levels):
        raise ConfigError("thresholds is empty; pass e.g. thresholds=(55, 62.5, 70)")
    drawdown = forward_max_drawdown(prices, timeframe, horizon_days, start=start, end=end)
    s = on_bars(window(score_series(score), start, end), drawdown.index).to_numpy()
    dd = drawdown.to_numpy()
    known = ~np.isnan(s) & ~np.isnan(dd)
    s, event = s[known], dd[known] <= -depth
    called = s[None, :] >= levels[:, None]
    signals, hits, events = called.sum(axis=1), (called & event).sum(axis=1), int(event.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(signals > 0, hits / signals, np.nan)
        recall = np.where(events > 0, hits / max(events, 1), np.nan)
    out = pd.DataFrame({"threshold": levels, "signals": signals, "events": events,
                        "hits": hits, "precision": precision, "recall": recall})
    out.attrs.update(bars=int(known.sum()),
                     base_rate=events / known.sum() if known.any() else float("nan"))
    return out
