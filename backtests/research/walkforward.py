"""Walk-forward: choose the rule in-sample, judge it out-of-sample, stitch the out-of-sample.

The candles are cut into consecutive windows. In each, the threshold rule's parameters
(exit threshold x score smoothing) are chosen on the in-sample part by a named objective
with :func:`backtests.research.sweep.sweep`, then backtested unseen on the out-of-sample part that
follows. ``rolling`` windows keep a fixed in-sample length; ``anchored`` ones grow from the
first candle. The out-of-sample pieces are chained into one equity curve: the only record
of how choosing parameters this way would have done.

Each out-of-sample piece starts from cash (its first decision fills on its second candle)
and its smoothing has no memory of the in-sample scores; both make it slightly more
conservative than trading through.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtests.research.sweep import SWEEP_METRICS, sweep
from signals.errors import ConfigError

__all__ = ["OBJECTIVES", "WalkForward", "walk_forward"]

#: Objectives to maximise in-sample (``max_drawdown`` is negative: closer to 0 is better).
OBJECTIVES = ("sharpe", "calmar", "total_return", "annualized_return", "max_drawdown")


@dataclass
class WalkForward:
    """What :func:`walk_forward` found.

    Attributes
    ----------
    splits : pd.DataFrame
        One row per window: in- and out-of-sample start and end, the chosen ``threshold``
        and ``smoothing``, and each metric in-sample (``is_*``) and out-of-sample (``oos_*``).
    equity : pd.DataFrame
        The chained out-of-sample ``strategy`` and ``buy_and_hold`` equity, USD.
    stats : pd.DataFrame
        The stats table of the chained out-of-sample curve against buy-and-hold.
    settings : dict
        Window lengths, objective, grid and costs.
    """

    splits: pd.DataFrame
    equity: pd.DataFrame
    stats: pd.DataFrame
    settings: dict

    def summary(self) -> pd.DataFrame:
        """Mean of each metric in-sample and out-of-sample, side by side."""
        rows = {metric: {"in_sample": self.splits[f"is_{metric}"].mean(),
                         "out_of_sample": self.splits[f"oos_{metric}"].mean()}
                for metric in SWEEP_METRICS}
        return pd.DataFrame(rows).T.rename_axis("metric")

    def _repr_html_(self) -> str:
        return ("<h4>riskoff walk-forward</h4>" + self.summary().to_html() +
                self.splits.to_html(index=False) + self.stats.to_html())


def _windows(index: pd.DatetimeIndex, train: pd.Timedelta, test: pd.Timedelta,
             anchored: bool) -> list[tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]]:
    first, last = index[0], index[-1]
    out = []
    split = first + train
    while split + test <= last + pd.Timedelta(1):
        start = first if anchored else split - train
        out.append((start, split, split + test))
        split += test
    return out


def _stitch(pieces: list, initial_cash: float):
    """Chain out-of-sample results so each starts where the previous ended.

    Returns the chained equity, exposure, fees (rescaled like the equity) and trades.
    """
    equity, exposure, fees, trades = [], [], [], []
    level = {"strategy": initial_cash, "buy_and_hold": initial_cash}
    for piece in pieces:
        scale = pd.Series(level) / piece.equity.iloc[0]
        scaled = piece.equity * scale
        keep = slice(None) if not equity else slice(1, None)
        equity.append(scaled.iloc[keep])
        exposure.append(piece.exposure.iloc[keep])
        fees.append((piece.fees * scale["strategy"]).iloc[keep])
        trades.append(piece.trades)
        level = scaled.iloc[-1].to_dict()
    return (pd.concat(equity), pd.concat(exposure), pd.concat(fees),
            pd.concat(trades, ignore_index=True))


def walk_forward(
    prices: pd.DataFrame,
    scores,
    *,
    train="730D",
    test="182D",
    anchored: bool = False,
    objective: str = "sharpe",
    thresholds=range(50, 100, 2),
    smoothing=(1, 3, 7, 14),
    band: float = 0.0,
    fee_bps: float = 10.0,
    slippage_bps: float = 5.0,
    execution: str = "open",
    initial_cash: float = 10_000.0,
    timeframe: str | None = None,
    start=None,
    end=None,
) -> WalkForward:
    """Choose threshold and smoothing in-sample, apply them out-of-sample, window by window.

    Parameters
    ----------
    prices : pd.DataFrame
        Candles (``backtests.load_prices``).
    scores : pd.DataFrame or pd.Series
        ``signals.risk_off_score()`` or scores indexed by availability time.
    train, test : str or Timedelta
        In-sample and out-of-sample lengths (e.g. ``"730D"``, ``"182D"``).
    anchored : bool
        Grow the in-sample from the first candle instead of rolling it.
    objective : str
        What to maximise in-sample: one of :data:`OBJECTIVES`.
    thresholds, smoothing, band
        The grid (see :func:`backtests.research.sweep.sweep`).
    fee_bps, slippage_bps, execution, initial_cash, timeframe, start, end
        As in :func:`backtests.run`.

    Returns
    -------
    WalkForward
    """
    from backtests.engine.rules import Threshold
    from backtests.engine.run import _window, infer_timeframe, run
    from backtests.engine.stats import stats_table

    if objective not in OBJECTIVES:
        raise ConfigError(f"objective must be one of {', '.join(OBJECTIVES)}; got {objective!r}")
    prices = _window(prices, start, end)
    timeframe = timeframe or prices.attrs.get("timeframe") or infer_timeframe(prices.index)
    train, test = pd.Timedelta(train), pd.Timedelta(test)
    windows = _windows(prices.index, train, test, anchored)
    if not windows:
        raise ConfigError(f"the candles span {prices.index[-1] - prices.index[0]}, less than "
                          f"one in-sample ({train}) plus one out-of-sample ({test}) window; "
                          "shorten --train/--test or use more history")
    costs = {"fee_bps": fee_bps, "slippage_bps": slippage_bps, "execution": execution}
    rows, pieces = [], []
    for is_start, split, oos_end in windows:
        inside = prices[(prices.index >= is_start) & (prices.index < split)]
        outside = prices[(prices.index >= split) & (prices.index < oos_end)]
        grid = sweep(inside, scores, thresholds=thresholds, smoothing=smoothing, band=band,
                     timeframe=timeframe, **costs)
        ranked = grid[objective].fillna(-np.inf)
        best = grid.loc[ranked.idxmax()]
        oos = sweep(outside, scores, thresholds=[best["threshold"]],
                    smoothing=[int(best["smoothing"])], band=band, timeframe=timeframe,
                    **costs).iloc[0]
        rule = Threshold(float(best["threshold"]), float(best["threshold"]) - band,
                         smoothing=int(best["smoothing"]))
        pieces.append(run(outside, scores, rule=rule, timeframe=timeframe,
                          initial_cash=initial_cash, **costs))
        rows.append({"is_start": is_start, "is_end": split, "oos_start": split,
                     "oos_end": oos_end, "threshold": best["threshold"],
                     "smoothing": int(best["smoothing"]),
                     **{f"is_{m}": best[m] for m in SWEEP_METRICS},
                     **{f"oos_{m}": oos[m] for m in SWEEP_METRICS}})
    equity, exposure, fees, trades = _stitch(pieces, initial_cash)
    hold_fees = sum(p.stats.loc["Fees Paid [$]", "buy_and_hold"] for p in pieces)
    stats = stats_table(equity["strategy"], equity["buy_and_hold"], exposure=exposure,
                        trades=trades, fees=fees, timeframe=timeframe,
                        initial_cash=initial_cash, benchmark_fees=float(hold_fees))
    settings = {"train": train, "test": test, "anchored": anchored, "objective": objective,
                "thresholds": list(thresholds), "smoothing": list(smoothing), "band": band,
                **costs}
    return WalkForward(pd.DataFrame(rows), equity, stats, settings)
