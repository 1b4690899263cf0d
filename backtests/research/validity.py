"""Construct validity: does the score stand high when the Japan channel is visibly at work.

Event days come from market data alone, never from the score, each on the day the move
became available (docs/research_protocol.md, "Construct validity"):

===================  ==================================================================
event                definition (on the series' own trading days)
===================  ==================================================================
``yen_surge``        USD/JPY down 4 % or more over 10 trading days
``jgb_surge``        10Y JGB up 20 bp or more over 20 trading days, or the 30Y or 40Y
                     above its highest value of the previous five years
``nikkei_crash``     Nikkei 225 down 8 % or more over 5 trading days
``ust_spike``        10Y Treasury up 30 bp or more over 5 trading days
``yen_short_cover``  speculators' net yen position (non-commercial long minus short, % of
                     open interest) up 10 points or more over 3 reports
===================  ==================================================================

The days are weekdays (UTC). An event belongs to the first weekday on or after the date
of its availability time, and the score of a day is the last row available by that day's
end. Calm days have no event of any kind within 20 weekdays either side. Per kind, the
report gives the share of event days with the score in its own upper quintile (above the 80th
percentile of the same period's days) against the share on calm days, and a moving-block
bootstrap interval of the difference (blocks of 21 weekdays, about the protocol's 30
calendar days). An event whose inputs are not in the data is reported as unavailable.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from backtests.research.intervals import block_counts
from signals.errors import DataContractError
from signals.times import to_utc

__all__ = ["EVENTS", "construct_validity", "event_days", "event_flags", "weekday_scores"]

#: Event kinds, their macro inputs and one line for people.
EVENTS = {
    "yen_surge": (("usdjpy",), "USD/JPY -4% or more over 10 trading days"),
    "jgb_surge": (("jgb_10y",), "10Y JGB +20bp over 20 days, or 30Y/40Y at a 5-year high"),
    "nikkei_crash": (("nikkei",), "Nikkei 225 -8% or more over 5 trading days"),
    "ust_spike": (("ust_10y",), "10Y Treasury +30bp or more over 5 trading days"),
    "yen_short_cover": (("cftc_jpy_noncomm_long", "cftc_jpy_noncomm_short",
                         "cftc_jpy_open_interest"),
                        "speculators' net yen position +10pp of open interest, 3 reports"),
}
CALM_MARGIN = 20
BLOCK = 21


def _clean(series: pd.Series) -> pd.Series:
    series = series.dropna()
    return series[~series.index.duplicated(keep="last")].sort_index()


def _five_year_high(series: pd.Series) -> pd.Series:
    """True where a value exceeds every value of the previous five years (needs 5 years)."""
    series = _clean(series)
    prior = series.shift(1).rolling("1826D", min_periods=1).max()
    enough = series.index >= series.index[0] + pd.Timedelta(days=1826) if len(series) else []
    return (series > prior) & enough


def event_days(macro) -> dict:
    """Availability times of each kind of event, from the macro series alone.

    Parameters
    ----------
    macro : MacroData or mapping
        Macro series indexed by UTC availability time (yields in percent, USD/JPY in JPY).

    Returns
    -------
    dict
        ``{kind: pd.DatetimeIndex}`` for the kinds whose inputs are in `macro`; the others
        map to ``None``.
    """
    def has(*names):
        return all(n in macro and len(macro[n].dropna()) for n in names)

    out: dict = {kind: None for kind in EVENTS}
    if has("usdjpy"):
        fx = _clean(macro["usdjpy"])
        out["yen_surge"] = fx.index[(fx / fx.shift(10) - 1 <= -0.04).to_numpy()]
    if has("jgb_10y"):
        ten = _clean(macro["jgb_10y"])
        hit = ten.index[(ten - ten.shift(20) >= 0.20 - 1e-9).to_numpy()]
        for name in ("jgb_30y", "jgb_40y"):
            if has(name):
                high = _five_year_high(macro[name])
                hit = hit.union(high.index[high.to_numpy()])
        out["jgb_surge"] = hit
    if has("nikkei"):
        nk = _clean(macro["nikkei"])
        out["nikkei_crash"] = nk.index[(nk / nk.shift(5) - 1 <= -0.08).to_numpy()]
    if has("ust_10y"):
        us = _clean(macro["ust_10y"])
        out["ust_spike"] = us.index[(us - us.shift(5) >= 0.30 - 1e-9).to_numpy()]
    if has(*EVENTS["yen_short_cover"][0]):
        long_, short, oi = (_clean(macro[n]) for n in EVENTS["yen_short_cover"][0])
        net = ((long_ - short) / oi * 100.0).dropna()
        out["yen_short_cover"] = net.index[(net - net.shift(3) >= 10.0 - 1e-9).to_numpy()]
    return out


def _to_weekdays(times: pd.DatetimeIndex, days: pd.DatetimeIndex) -> np.ndarray:
    """Position in `days` (weekday midnights) of the first weekday on or after each date."""
    dates = times.tz_convert("UTC").normalize()
    pos = np.searchsorted(days.asi8, dates.as_unit(days.unit).asi8, side="left")
    return np.unique(pos[pos < len(days)])


def weekday_scores(scores, *, start="2005-01-01", end=None):
    """The score in force at the end of each weekday (UTC), and its upper quintile.

    Parameters
    ----------
    scores : pd.DataFrame or pd.Series
        :func:`signals.risk_off_score` (a ``score`` column) or a Series, indexed by UTC
        availability time.
    start, end : str or Timestamp
        Period (inclusive, by date); default `end` is the last row's date.

    Returns
    -------
    days : pd.DatetimeIndex
        The weekdays (UTC midnights).
    daily : np.ndarray
        float64, the last score available by each day's end (NaN before the first).
    top : np.ndarray
        bool, the score above the 80th percentile of the period's days (a tie at the edge
        stays out).
    edge : float
        That 80th percentile.
    """
    score = scores["score"] if isinstance(scores, pd.DataFrame) else scores
    if not isinstance(score, pd.Series) or not isinstance(score.index, pd.DatetimeIndex) \
            or score.index.tz is None:
        raise DataContractError("scores must be signals.risk_off_score() or a Series indexed "
                                "by tz-aware UTC availability time")
    first = to_utc(start, "start").normalize()
    last = to_utc(end, "end").normalize() if end is not None else \
        score.index[-1].tz_convert("UTC").normalize()
    days = pd.bdate_range(first, last, tz="UTC")
    ends = (days + pd.Timedelta(days=1)).as_unit("ns").asi8
    available = score.dropna()
    pos = np.searchsorted(available.index.as_unit("ns").asi8, ends, side="left") - 1
    daily = np.where(pos >= 0, available.to_numpy()[np.maximum(pos, 0)], np.nan)
    known = ~np.isnan(daily)
    edge = float(np.quantile(daily[known], 0.8)) if known.any() else math.nan
    return days, daily, (daily > edge) & known, edge


def event_flags(macro, days: pd.DatetimeIndex) -> tuple[dict, np.ndarray]:
    """Which of `days` carry each kind of event, and which are calm.

    Parameters
    ----------
    macro : MacroData or mapping
        Macro series indexed by availability time (:func:`event_days`).
    days : pd.DatetimeIndex
        Weekdays (UTC midnights), as :func:`weekday_scores` gives them.

    Returns
    -------
    flags : dict
        ``{kind: bool array over days}`` for the kinds whose inputs are in `macro`.
    calm : np.ndarray
        bool, no event of any kind within :data:`CALM_MARGIN` weekdays either side.
    """
    flags = {}
    near = np.zeros(len(days), dtype=bool)
    for kind, times in event_days(macro).items():
        if times is None:
            continue
        flag = np.zeros(len(days), dtype=bool)
        flag[_to_weekdays(times, days)] = True
        flags[kind] = flag
        near |= np.convolve(flag, np.ones(2 * CALM_MARGIN + 1), mode="same") > 0
    return flags, ~near


def construct_validity(scores, macro, *, start="2005-01-01", end=None,
                       confidence: float = 0.90, n_boot: int = 2000,
                       seed: int = 0) -> pd.DataFrame:
    """Share of event days with the score in its upper quintile, against calm days.

    Parameters
    ----------
    scores : pd.DataFrame or pd.Series
        :func:`signals.risk_off_score` (a ``score`` column) or a Series, indexed by UTC
        availability time.
    macro : MacroData or mapping
        Macro series indexed by availability time; the events' only source.
    start, end : str or Timestamp
        Period (inclusive, by date); quintiles are those of this period's days.
    confidence : float
        Coverage of the bootstrap interval of the difference.
    n_boot, seed : int
        Bootstrap draws and seed (blocks of 21 weekdays).

    Returns
    -------
    pd.DataFrame
        Index ``event`` (every kind of :data:`EVENTS`, then ``calm``), columns
        ``available`` (bool), ``definition``, ``days`` (event days with a score),
        ``share_top`` (fraction of them in the score's upper quintile), ``calm_share``,
        ``difference``, ``ci_low``, ``ci_high`` and ``responds`` (the difference and its
        whole interval above 0). ``attrs`` hold the period, the quintile edge and settings.
    """
    days, daily, top, edge = weekday_scores(scores, start=start, end=end)
    known = ~np.isnan(daily)
    flags, calm = event_flags(macro, days)
    calm &= known
    counts = np.vstack([np.ones((1, len(days)), dtype=np.int64),
                        block_counts(len(days), BLOCK, n_boot, seed)]) if len(days) else None
    q = [(1 - confidence) / 2, (1 + confidence) / 2]

    def shares(mask):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (counts[:, mask] * top[mask]).sum(axis=1) / counts[:, mask].sum(axis=1)

    calm_draws = shares(calm) if counts is not None else np.array([math.nan])
    rows = []
    for kind, (_, definition) in EVENTS.items():
        row = {"event": kind, "available": kind in flags, "definition": definition,
               "days": 0, "share_top": math.nan, "calm_share": float(calm_draws[0]),
               "difference": math.nan, "ci_low": math.nan, "ci_high": math.nan,
               "responds": False}
        if kind in flags:
            mask = flags[kind] & known
            row["days"] = int(mask.sum())
            if mask.any():
                diff = shares(mask) - calm_draws
                row.update(share_top=float(shares(mask)[0]), difference=float(diff[0]))
                row["ci_low"], row["ci_high"] = map(float, np.nanquantile(diff[1:], q))
                row["responds"] = bool(row["difference"] > 0 and row["ci_low"] > 0)
        else:
            row["definition"] += " (unavailable: input not in the data)"
        rows.append(row)
    rows.append({"event": "calm", "available": True,
                 "definition": f"no event within {CALM_MARGIN} weekdays either side",
                 "days": int(calm.sum()), "share_top": float(calm_draws[0]),
                 "calm_share": float(calm_draws[0]), "difference": 0.0, "ci_low": math.nan,
                 "ci_high": math.nan, "responds": False})
    out = pd.DataFrame(rows).set_index("event")
    out.attrs.update(start=days[0] if len(days) else None,
                     end=days[-1] if len(days) else None, top_edge=edge,
                     confidence=confidence, n_boot=n_boot, block=BLOCK, seed=seed)
    return out
