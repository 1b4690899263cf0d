"""Does the risk-off score carry information about BTC/ETH? IC, quantile tables, a report.

The score is **risk-off**: higher means more danger, so a score that carries information
shows as a *negative* rank IC with forward returns, lower mean returns in its top quantile
and deeper forward drawdowns. The score at a bar is the one available at the bar's close
(:func:`signals.align_to_bars`); forward returns start from that same close
(:mod:`backtests.research.events`), which is what makes the comparison honest.

Overlapping windows: a 30-day return is measured every day, so neighbouring observations
share 29 of their 30 days and the sample holds far fewer independent outcomes than bars.
:func:`rank_ic` therefore gives Newey-West (Bartlett kernel, lags = horizon in bars) or
moving-block-bootstrap confidence intervals, never iid ones (``method="iid"`` exists only to
show how much narrower the naive interval is).

Every function takes ``start`` and ``end`` (inclusive bar open times): an evaluation
period uses only the prices inside it, so a period's results never borrow from the next one.
The tables are descriptive statistics over a period (quantile edges are computed over the
whole period), not a tradable rule.
"""

from __future__ import annotations

import html
import math
import re
import warnings
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from backtests.research.events import (
    EventStudy,
    check_index,
    closes,
    drawdown_warnings,
    event_study,
    forward_max_drawdown,
    forward_returns,
    hit_rate,
    level,
    on_bars,
    score_series,
    threshold_crossings,
    threshold_sweep,
    window,
)
from backtests.research.evidence import EvidenceWarning, evidence_tables
from backtests.research.intervals import hac_ic, ranks, standardise
from signals.errors import ConfigError, DataContractError
from signals.score.align import align_to_bars
from signals.score.composite import REGIMES, regime_of, regimes

__all__ = ["Evaluation", "EventStudy", "EvidenceWarning", "drawdown_warnings", "evaluate",
           "event_study", "forward_max_drawdown", "forward_returns", "hit_rate",
           "quantile_table", "rank_ic", "regime_table", "threshold_crossings",
           "threshold_sweep"]

METHODS = ("newey_west", "block_bootstrap", "iid")
DEFAULT_THRESHOLDS = (50.0, 55.0, 60.0, 62.5, 65.0, 70.0, 75.0, 80.0)


def _forward(forward, argument: str = "forward") -> pd.DataFrame:
    if isinstance(forward, pd.Series):
        forward = forward.to_frame()
    if not isinstance(forward, pd.DataFrame):
        raise DataContractError(f"{argument} must be a DataFrame of forward returns (see "
                                f"forward_returns()); got {type(forward).__name__}")
    check_index(forward.index, argument)
    return forward


def _horizon_bars(forward: pd.DataFrame) -> dict:
    """Each column's horizon in bars: from ``attrs`` or its ``"<days>d"`` label."""
    known = dict(forward.attrs.get("horizon_bars", {}))
    steps = np.diff(forward.index.as_unit("ns").asi8)
    bar = pd.Timedelta(int(steps.min())) if len(steps) else pd.Timedelta(days=1)
    out = {}
    for column in forward.columns:
        if column in known:
            out[column] = int(known[column])
            continue
        match = re.fullmatch(r"(\d+(?:\.\d+)?)d", str(column))
        if match is None:
            raise ConfigError(f"forward column {column!r} is not a horizon like '7d'; build "
                              f"forward with forward_returns()")
        out[column] = max(1, round(pd.Timedelta(days=float(match[1])) / bar))
    return out


def _bootstrap_ics(x: np.ndarray, y: np.ndarray, block: int, n_boot: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Spearman IC of `n_boot` moving-block resamples of the pairs (x, y)."""
    n = len(x)
    block = min(max(block, 1), n)
    blocks = -(-n // block)
    out = np.empty(n_boot)
    chunk = max(1, 2_000_000 // n)
    for first in range(0, n_boot, chunk):
        size = min(chunk, n_boot - first)
        starts = rng.integers(0, n - block + 1, size=(size, blocks))
        index = (starts[:, :, None] + np.arange(block)).reshape(size, -1)[:, :n].T
        zx, zy = standardise(ranks(x[index])), standardise(ranks(y[index]))
        out[first:first + size] = (zx * zy).mean(axis=0)
    return out


def rank_ic(score, forward, *, method: str = "newey_west", confidence: float = 0.95,
            n_boot: int = 1000, seed: int = 0, start=None, end=None) -> pd.DataFrame:
    """Spearman rank correlation of the score with each forward return, with honest CIs.

    The score is risk-off, so **information shows as a negative IC**. The IC is the slope
    of the standardised rank of the forward return on the standardised rank of the score.
    Forward returns of ``h`` bars overlap, so the interval accounts for serial correlation:

    ``"newey_west"``
        Bartlett-kernel HAC standard error of that slope with ``lags = h`` bars (at least
        the ``h - 1`` bars of overlap), no small-sample correction; normal quantile.
    ``"block_bootstrap"``
        Moving-block bootstrap of the (score, return) pairs in time order, block length
        ``h`` bars, ``n_boot`` resamples re-ranked each time; percentile interval, seeded.
        ``t_stat`` is the IC over the bootstrap standard deviation.
    ``"iid"``
        The HAC error with 0 lags (heteroskedasticity-robust only): ignores the overlap and
        is too narrow for long horizons. For comparison only.

    Parameters
    ----------
    score : pd.Series
        Score on bars (``signals.align_to_bars(scores, prices, timeframe)["score"]``),
        indexed by UTC bar open time.
    forward : pd.DataFrame
        :func:`forward_returns`; columns named ``"<days>d"``.
    method : {"newey_west", "block_bootstrap", "iid"}
        How the confidence interval is computed.
    confidence : float
        Two-sided coverage, in (0, 1).
    n_boot : int
        Bootstrap resamples (``"block_bootstrap"`` only).
    seed : int
        Seed of the bootstrap's generator (the same for every horizon).
    start, end : str or Timestamp, optional
        Evaluation period by bar open time (inclusive).

    Returns
    -------
    pd.DataFrame
        One row per horizon: ``horizon`` (the column name), ``ic`` (-1 to 1), ``ci_low``,
        ``ci_high`` (clipped to [-1, 1]), ``t_stat``, ``n`` (bars with both values). NaN
        when fewer than 3 pairs or either side is constant.
    """
    if method not in METHODS:
        raise ConfigError(f"method={method!r} is not known; use one of {', '.join(METHODS)}")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must be in (0, 1); got {confidence}. Use e.g. 0.95")
    if method == "block_bootstrap" and (not isinstance(n_boot, (int, np.integer)) or n_boot < 2):
        raise ConfigError(f"n_boot must be an integer >= 2; got {n_boot!r}")
    forward = _forward(forward)
    bars = _horizon_bars(forward)
    forward = window(forward, start, end)
    s = on_bars(window(score_series(score), start, end), forward.index).to_numpy()
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    rows = []
    for column in forward.columns:
        y = forward[column].to_numpy(dtype="float64", na_value=np.nan)
        lags = 0 if method == "iid" else bars[column]
        ic, se, n = hac_ic(s, y, lags)
        low = high = t = math.nan
        if method == "block_bootstrap" and not math.isnan(ic):
            valid = ~np.isnan(s) & ~np.isnan(y)
            boot = _bootstrap_ics(s[valid], y[valid], bars[column], int(n_boot),
                                  np.random.default_rng(seed))
            low, high = np.nanquantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2])
            spread = np.nanstd(boot, ddof=1)
            t = ic / spread if spread > 0 else math.nan
        elif not math.isnan(ic):
            low, high = ic - z * se, ic + z * se
            t = ic / se if se > 0 else math.nan
        rows.append({"horizon": str(column), "ic": ic, "ci_low": max(float(low), -1.0),
                     "ci_high": min(float(high), 1.0), "t_stat": t, "n": n})
    out = pd.DataFrame(rows, columns=["horizon", "ic", "ci_low", "ci_high", "t_stat", "n"])
    out = out.astype({"ic": "float64", "ci_low": "float64", "ci_high": "float64",
                      "t_stat": "float64", "n": "int64"})
    out.attrs.update(method=method, confidence=confidence)
    return out


def _outcomes(forward, drawdowns, start, end) -> pd.DataFrame:
    """Forward returns and drawdowns side by side on the forward returns' bars."""
    frame = window(_forward(forward), start, end).copy()
    frame.attrs = {}
    if drawdowns is not None:
        extra = _forward(drawdowns, "drawdowns")
        if not frame.index.isin(extra.index).any() and len(frame):
            raise DataContractError("drawdowns and forward share no bars; build both from the "
                                    "same prices (forward_max_drawdown, forward_returns)")
        for column in extra.columns:
            frame[f"mean_{column}"] = extra[column].reindex(frame.index)
    return frame


def _table(keys: pd.Series, outcomes: pd.DataFrame, returns) -> pd.DataFrame:
    groups = outcomes.groupby(keys, observed=False, sort=True)
    out = pd.DataFrame({"count": groups.size()})
    for column in returns:
        out[f"mean_{column}"] = groups[column].mean()
        out[f"median_{column}"] = groups[column].median()
    for column in outcomes.columns.difference(returns, sort=False):
        out[column] = groups[column].mean()
    return out.astype({"count": "int64"})


def quantile_table(score, forward, drawdowns=None, quantiles: int = 5, *, start=None,
                   end=None) -> pd.DataFrame:
    """Forward returns and drawdowns by score quantile over the period.

    Descriptive, not a tradable rule: the quantile edges come from the whole period
    (``pd.qcut``), so they use scores that were not known at the earlier bars.

    Parameters
    ----------
    score : pd.Series
        Score on bars, indexed by UTC bar open time.
    forward : pd.DataFrame
        :func:`forward_returns`.
    drawdowns : pd.Series or pd.DataFrame, optional
        :func:`forward_max_drawdown` for one or more horizons, on the same bars.
    quantiles : int
        Number of buckets (>= 2); fewer when tied scores make edges repeat.
    start, end : str or Timestamp, optional
        Evaluation period by bar open time (inclusive).

    Returns
    -------
    pd.DataFrame
        Index ``quantile`` (1 = lowest score), columns ``score_low``, ``score_high``,
        ``count`` (bars with a score), ``mean_<h>`` and ``median_<h>`` per horizon
        (fractions, missing outcomes skipped), ``mean_<drawdown name>`` (negative
        fraction).
    """
    if isinstance(quantiles, bool) or not isinstance(quantiles, (int, np.integer)) \
            or quantiles < 2:
        raise ConfigError(f"quantiles must be an integer >= 2; got {quantiles!r}")
    outcomes = _outcomes(forward, drawdowns, start, end)
    returns = list(_forward(forward).columns)
    s = on_bars(window(score_series(score), start, end), outcomes.index)
    known = s.dropna()
    if known.empty:
        raise DataContractError("score has no value in the period; check start/end and the "
                                "score's coverage")
    keys = pd.Series(pd.qcut(known, quantiles, labels=False, duplicates="drop") + 1,
                     index=known.index).reindex(outcomes.index).rename("quantile")
    by_bucket = s.groupby(keys)
    table = _table(keys, outcomes, returns)
    table.insert(0, "score_high", by_bucket.max())
    table.insert(0, "score_low", by_bucket.min())
    table.index = table.index.astype("int64").rename("quantile")
    return table


def regime_table(regime, forward, drawdowns=None, *, start=None, end=None) -> pd.DataFrame:
    """Forward returns and drawdowns by score regime (calm < watch < stress < unwind).

    Descriptive statistics over the period, like :func:`quantile_table`.

    Parameters
    ----------
    regime : pd.Series
        Regime on bars (``signals.align_to_bars(...)["regime"]``); an ordered categorical,
        or labels among the regime names.
    forward : pd.DataFrame
        :func:`forward_returns`.
    drawdowns : pd.Series or pd.DataFrame, optional
        :func:`forward_max_drawdown` on the same bars.
    start, end : str or Timestamp, optional
        Evaluation period by bar open time (inclusive).

    Returns
    -------
    pd.DataFrame
        Index ``regime`` (every category, in order, count 0 when absent), columns
        ``count``, ``mean_<h>``, ``median_<h>``, ``mean_<drawdown name>``.
    """
    if not isinstance(regime, pd.Series):
        raise DataContractError(f"regime must be a Series of regimes on bars; got "
                                f"{type(regime).__name__}")
    check_index(regime.index, "regime")
    if not isinstance(regime.dtype, pd.CategoricalDtype):
        names = [name for name, _ in REGIMES]
        seen = set(regime.dropna().unique())
        order = names if seen <= set(names) else sorted(map(str, seen))
        regime = regime.astype(pd.CategoricalDtype(order, ordered=True))
    outcomes = _outcomes(forward, drawdowns, start, end)
    returns = list(_forward(forward).columns)
    if len(outcomes) and not outcomes.index.isin(regime.index).any():
        raise DataContractError("regime and forward share no bars; align the scores with "
                                "signals.align_to_bars(scores, prices, timeframe) first")
    keys = regime.reindex(outcomes.index).rename("regime")
    table = _table(keys, outcomes, returns)
    table.index.name = "regime"
    return table


@dataclass(frozen=True)
class Evaluation:
    """Everything :func:`evaluate` found, as tables.

    Attributes
    ----------
    ic : pd.DataFrame
        :func:`rank_ic` (Newey-West) per horizon; negative = informative.
    quantiles : pd.DataFrame
        :func:`quantile_table`.
    regimes : pd.DataFrame
        :func:`regime_table`.
    event_study : EventStudy
        Paths around the threshold crossings.
    warnings : pd.DataFrame
        :func:`drawdown_warnings`.
    threshold_sweep : pd.DataFrame
        :func:`threshold_sweep`.
    period : tuple of pd.Timestamp
        First and last bar open time evaluated.
    settings : dict
        Symbol, timeframe, horizons, threshold, depth, bar counts.
    target_ic : pd.DataFrame
        :func:`backtests.research.evidence.target_ics`: the score, the baselines and
        (with ``by=``) each component or family against every protocol target; positive
        with risk targets = informative.
    risk_quantiles, risk_regimes : pd.DataFrame
        :func:`backtests.research.evidence.risk_table` by score quintile and by regime,
        with the ``all`` row (always-long on the same bars).
    criterion : dict
        :func:`backtests.research.evidence.criterion`: the protocol's primary and
        incremental criteria for the score, with bootstrap intervals.
    checks : pd.DataFrame
        :func:`backtests.research.evidence.evidence_checks`; ``fired`` rows contradict the
        risk-off reading (each also raised as an :class:`EvidenceWarning`).
    validity : pd.DataFrame or None
        :func:`backtests.research.validity.construct_validity` (needs ``macro``).
    """

    ic: pd.DataFrame
    quantiles: pd.DataFrame
    regimes: pd.DataFrame
    event_study: EventStudy
    warnings: pd.DataFrame
    threshold_sweep: pd.DataFrame
    period: tuple
    settings: dict = field(default_factory=dict)
    target_ic: pd.DataFrame | None = None
    risk_quantiles: pd.DataFrame | None = None
    risk_regimes: pd.DataFrame | None = None
    criterion: dict = field(default_factory=dict)
    checks: pd.DataFrame | None = None
    validity: pd.DataFrame | None = None

    def summary(self) -> dict:
        """A short, JSON-friendly digest for a command line.

        Returns
        -------
        dict
            ``start``/``end`` (ISO dates), bar counts, ``ic`` and ``ic_ci`` per horizon,
            ``informative`` per horizon (the whole interval below 0), the event count and
            the mean return at the end of the event window, drawdown episodes, how many
            were warned and the hit rate, median lead days, and the settings used.
        """
        ic = self.ic.set_index("horizon")
        mean_path = self.event_study.mean_path.dropna()
        warned = self.warnings[self.warnings["warned"]]
        return {
            "symbol": self.settings.get("symbol"),
            "timeframe": self.settings.get("timeframe"),
            "start": self.period[0].isoformat(),
            "end": self.period[1].isoformat(),
            "bars": self.settings.get("bars"),
            "scored_bars": self.settings.get("scored_bars"),
            "ic": {h: float(v) for h, v in ic["ic"].items()},
            "ic_ci": {h: (float(row.ci_low), float(row.ci_high)) for h, row in ic.iterrows()},
            "informative": {h: bool(row.ci_high < 0) for h, row in ic.iterrows()},
            "threshold": self.settings.get("threshold"),
            "events": len(self.event_study.events),
            "mean_return_after_event": float(mean_path.iloc[-1]) if len(mean_path)
            else math.nan,
            "depth": self.settings.get("depth"),
            "drawdowns": len(self.warnings),
            "warned": len(warned),
            "hit_rate": hit_rate(self.warnings),
            "median_lead_days": float(warned["lead_days"].median()) if len(warned)
            else math.nan,
            "criterion": dict(self.criterion),
            "contradictions": [] if self.checks is None
            else list(self.checks.loc[self.checks["fired"], "message"]),
        }

    def _repr_html_(self) -> str:
        def table(frame: pd.DataFrame) -> str:
            return frame.to_html(float_format=lambda v: f"{v:.4g}", na_rep="-", border=0)

        settings = self.settings
        title = (f"riskoff evaluation: {settings.get('symbol') or 'prices'} "
                 f"{settings.get('timeframe', '')}, {self.period[0]:%Y-%m-%d} to "
                 f"{self.period[1]:%Y-%m-%d}")
        path = self.event_study.mean_path
        marks = [o for o in (path.index.min(), -1, 0, 1, 3, 7, 14, 30, path.index.max())
                 if o in path.index]
        events = pd.DataFrame([path.loc[sorted(set(marks))].to_numpy()],
                              columns=[f"{o:+g}d" for o in sorted(set(marks))],
                              index=["mean path"])
        threshold, depth = settings.get("threshold"), settings.get("depth")
        parts = [
            f"<h3>{html.escape(title)}</h3>",
            "<p>The score is risk-off: information shows as a negative IC, lower returns "
            "and deeper drawdowns at high scores. Tables are descriptive over the period.</p>",
            "<h4>Rank IC (Newey-West CI)</h4>", table(self.ic),
            "<h4>By score quantile</h4>", table(self.quantiles),
            "<h4>By regime</h4>", table(self.regimes),
            f"<h4>After the score crosses {threshold:g} "
            f"({len(self.event_study.events)} events)</h4>", table(events),
            f"<h4>Drawdowns deeper than {depth:.0%} (hit rate "
            f"{hit_rate(self.warnings):.0%})</h4>", table(self.warnings),
            "<h4>Threshold sweep</h4>", table(self.threshold_sweep),
        ]
        if self.target_ic is not None:
            parts += ["<h4>Rank IC with forward risk (positive = informative for risk "
                      "targets), baselines beside</h4>", table(self.target_ic),
                      "<h4>Forward risk by score quintile</h4>", table(self.risk_quantiles),
                      "<h4>Checks</h4>", table(self.checks)]
        if self.validity is not None:
            parts += ["<h4>Construct validity</h4>", table(self.validity)]
        return "\n".join(parts)


def evaluate(scores, prices, timeframe: str, *, horizons=(1, 3, 7, 30), start=None,
             end=None, threshold: float | None = None, depth: float = 0.20,
             thresholds=DEFAULT_THRESHOLDS, macro=None, by: str | None = None,
             control=None, interval: str = "newey_west", confidence: float = 0.90,
             n_boot: int = 2000, seed: int = 0, validity: bool = True,
             validity_start="2005-01-01", warn: bool = True) -> Evaluation:
    """Put the scores on the candles and build every table of this module.

    Beside the return tables it builds the research protocol's evidence
    (docs/research_protocol.md): rank ICs with forward volatility, drawdown depth and tail
    events, the baselines on the same rows, the primary and incremental criteria, the
    checks that fire when the evidence contradicts the score, and (with `macro`) the
    construct-validity table.

    Parameters
    ----------
    scores : pd.DataFrame or pd.Series
        :func:`signals.risk_off_score` (indexed by UTC availability time), or a Series of
        scores on the same clock. Each candle gets the row available at its close.
    prices : pd.DataFrame
        Candles (:func:`backtests.load_prices`) indexed by UTC open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    horizons : sequence of float
        Forward-return horizons in days. The longest is also the drawdown window of the
        quantile tables and the sweep, and the length of the event paths.
    start, end : str or Timestamp, optional
        Evaluation period by bar open time (inclusive); no price outside it is used.
    threshold : float, optional
        Score level of the event study and the drawdown warnings; default the stress level
        of the scores' method (``scores.attrs["method"]``; docs/choice.md), where the
        default backtest rule exits.
    depth : float
        Drawdown depth (fraction) of the warning episodes and of the sweep's events.
    thresholds : sequence of float
        Score levels of the threshold sweep.
    macro : MacroData or mapping, optional
        The macro data behind `scores`: for the VIX and USD/JPY baselines, ``by=`` and the
        construct-validity table. Without it those are left out (said in ``settings``).
    by : {"component", "family"}, optional
        Also rank each component's (or family's) z-score against the targets.
    control : pd.DataFrame or pd.Series, optional
        Candles (or closes) whose trailing 30-day volatility is the incremental criterion's
        control; default the evaluated asset's own.
    interval : {"newey_west", "block_bootstrap"}
        Interval of the per-target ICs (the criteria always use the block bootstrap).
    confidence : float
        Coverage of the evidence intervals; the protocol's 0.90.
    n_boot, seed : int
        Moving-block bootstrap draws and seed (blocks of 30 days).
    validity : bool
        Build the construct-validity table (needs `macro`).
    validity_start : str or Timestamp
        First day of the construct-validity period (the protocol's 2005); it ends at
        `end`.
    warn : bool
        Raise each fired check as an :class:`EvidenceWarning`.

    Returns
    -------
    Evaluation
        The tables, the period and the settings; ``summary()`` for a digest.
    """
    close = closes(prices, timeframe)
    method = getattr(scores, "attrs", {}).get("method")
    threshold = level(dict(regimes(method))["stress"] if threshold is None else threshold)
    if not 0 < depth < 1:
        raise ConfigError(f"depth must be a fraction in (0, 1); got {depth}. Use e.g. 0.2")
    if isinstance(scores, pd.Series):
        scores = scores.rename("score")
    elif not isinstance(scores, pd.DataFrame) or "score" not in scores:
        raise DataContractError("scores must be signals.risk_off_score() (a 'score' column) or "
                                "a Series of scores indexed by availability time")
    horizons = tuple(horizons) if np.ndim(horizons) else (horizons,)
    if not horizons:
        raise ConfigError("horizons is empty; pass e.g. horizons=(1, 3, 7, 30)")
    aligned = align_to_bars(scores, close.index, timeframe)
    score = aligned["score"].astype("float64")
    regime = aligned["regime"] if "regime" in aligned else regime_of(score, method)
    close, score, regime = (window(x, start, end) for x in (close, score, regime))
    if close.empty:
        raise DataContractError(f"no candles between start={start} and end={end}; widen the "
                                f"period")
    longest = max(horizons)
    forward = forward_returns(close, timeframe, horizons)
    drawdown = forward_max_drawdown(close, timeframe, longest)
    sweep = threshold_sweep(score, close, timeframe, thresholds, horizon_days=longest,
                            depth=depth)
    settings = {
        "symbol": prices.attrs.get("symbol") if isinstance(prices, pd.DataFrame) else None,
        "timeframe": timeframe, "horizons": horizons, "threshold": float(threshold),
        "depth": float(depth), "bars": len(close), "scored_bars": int(score.notna().sum()),
        "base_rate": sweep.attrs["base_rate"],
    }
    pieces = evidence_tables(scores, score, regime, close, timeframe, start, end,
                             macro=macro, by=by, control=control, interval=interval,
                             confidence=confidence, n_boot=n_boot, seed=seed,
                             validity=validity, validity_start=validity_start,
                             settings=settings)
    if warn:
        for message in pieces["checks"].loc[pieces["checks"]["fired"], "message"]:
            warnings.warn(f"evaluation: {message}", EvidenceWarning, stacklevel=2)
    return Evaluation(
        ic=rank_ic(score, forward),
        quantiles=quantile_table(score, forward, drawdown),
        regimes=regime_table(regime, forward, drawdown),
        event_study=event_study(score, close, timeframe, threshold, after_days=longest),
        warnings=drawdown_warnings(score, close, timeframe, threshold, depth=depth),
        threshold_sweep=sweep,
        period=(close.index[0], close.index[-1]),
        settings=settings,
        **pieces,
    )

