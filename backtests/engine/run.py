"""``backtests.run``: would listening to the risk-off score have protected a position."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import numpy as np
import pandas as pd

from backtests.engine.kernel import candle_gaps, simulate_with_benchmark
from backtests.engine.result import BacktestResult, MultiBacktestResult
from backtests.engine.rules import Custom, parse_rule
from signals.defaults import DEFAULTS
from signals.errors import ConfigError, DataContractError
from signals.times import to_utc

__all__ = ["infer_timeframe", "run"]


def infer_timeframe(index: pd.DatetimeIndex) -> str:
    """The candles' timeframe from their most common spacing, e.g. ``"4h"``."""
    if len(index) < 2:
        raise DataContractError("cannot tell the timeframe from fewer than 2 candles; pass "
                                "timeframe=")
    step = pd.Series(index).diff().mode().iloc[0]
    seconds = int(step.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _scores_frame(scores) -> pd.DataFrame:
    """`scores` as a frame with a ``score`` column, a snapshot of their data without attrs.

    pandas deep-copies a frame's ``attrs`` at every step, and a backtest needs none of
    them (it reads the method before this).
    """
    if isinstance(scores, pd.Series):
        return pd.DataFrame({"score": scores}, copy=False)
    if isinstance(scores, pd.DataFrame) and "score" in scores:
        return pd.DataFrame(scores, copy=False)
    raise DataContractError("scores must be signals.risk_off_score()'s frame or a Series of "
                            "scores indexed by UTC time")


def check_scores(scores) -> pd.DataFrame:
    """`scores` as a frame, refused when its values cannot be risk-off scores (0-100).

    Raises
    ------
    DataContractError
        No score at all (every rule would hold buy-and-hold), scores on a 0-1 scale, or
        scores outside 0-100.
    """
    frame = _scores_frame(scores)
    column = frame["score"]
    values = column.to_numpy("float64") if pd.api.types.is_float_dtype(column) else \
        pd.to_numeric(column, errors="coerce").to_numpy("float64")
    # NaN-skipping extremes in one pass each; only missing or infinite ones need a closer look
    low, high = (float(np.fmin.reduce(values)), float(np.fmax.reduce(values))) if \
        len(values) else (np.nan, np.nan)
    if not (np.isfinite(low) and np.isfinite(high)):
        finite = values[np.isfinite(values)]
        if not len(finite):
            raise DataContractError(
                f"scores has no value ({len(values)} rows, all NaN): the backtest would be "
                "buy-and-hold. Score data that reach the candles (signals.risk_off_score() "
                "on fresh data: `riskoff data update`)")
        low, high = float(finite.min()), float(finite.max())
    if high <= 1.0 and low >= 0.0:
        raise DataContractError(
            f"scores look like a 0-1 scale (from {low:g} to {high:g}); the rules read 0-100 "
            "(higher = more risk-off): pass scores * 100")
    if low < 0.0 or high > 100.0:
        raise DataContractError(
            f"scores must be on the 0-100 scale; got values from {low:g} to {high:g}. "
            "Rescale them to 0-100 (higher = more risk-off)")
    return frame


def _window(prices: pd.DataFrame, start, end) -> pd.DataFrame:
    if start is not None:
        prices = prices[prices.index >= to_utc(start, "start")]
    if end is not None:
        prices = prices[prices.index <= to_utc(end, "end")]
    return prices


def _run_one(prices, scores, rule, *, symbol, timeframe, fee_bps, slippage_bps, execution,
             initial_cash, allow_short, max_age, start, end) -> BacktestResult:
    from backtests.engine.summary import backtest_numbers
    from signals.score.align import align_to_bars, column_at_bars

    prices = _window(prices, start, end)
    gaps = candle_gaps(prices, symbol)
    # a snapshot (copy-on-write: nothing is copied unless the caller changes the candles),
    # since the result makes its curves from it later
    prices = prices.copy(deep=False)
    timeframe = timeframe or prices.attrs.get("timeframe") or infer_timeframe(prices.index)
    make_aligned = partial(align_to_bars, scores, prices, timeframe, max_age=max_age)
    if isinstance(rule, Custom):  # the user's function may read every aligned column
        aligned = make_aligned()
        target = rule.exposure(aligned)
        make_aligned = partial(aligned.copy, deep=False)
    else:  # the score alone: the frame is made if the result's `aligned` is read
        target = rule.exposure_of(column_at_bars(scores, prices, timeframe, max_age=max_age))
    lowest, highest = float(np.min(target)), float(np.max(target))  # rules give no NaN
    if not allow_short and lowest < 0:
        raise ConfigError("the rule asks for a short position; pass allow_short=True "
                          "(--allow-short) to backtest a hedge")
    if max(-lowest, highest) > 1 + 1e-12:
        raise ConfigError("the rule asks for more than 100% exposure; riskoff does not "
                          "backtest leverage")
    costs = {"fee_bps": fee_bps, "slippage_bps": slippage_bps, "execution": execution,
             "initial_cash": initial_cash}
    stats, trades = backtest_numbers(prices, target, timeframe=timeframe, gaps=gaps, **costs)
    index = prices.index
    settings = {"rule": str(rule), "timeframe": timeframe, **costs, "allow_short": allow_short,
                "start": index[0], "end": index[-1]}
    return BacktestResult(symbol, timeframe,
                          pd.Series(target, index=index, name="target", copy=False), trades,
                          stats, settings, partial(_curves, prices, target, costs),
                          make_aligned)


def _curves(prices: pd.DataFrame, target: np.ndarray,
            costs: dict) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """A backtest's equity (strategy and buy-and-hold), exposure and fees at each candle."""
    curves, held, fees, _ = simulate_with_benchmark(prices["open"].to_numpy(),
                                                    prices["close"].to_numpy(), target, **costs)
    index = prices.index
    # the arrays become the frames' blocks as they are: no copies of a million rows
    return (pd.DataFrame(curves.T, index=index, columns=["strategy", "buy_and_hold"],
                         copy=False),
            pd.Series(held, index=index, name="exposure", copy=False),
            pd.Series(fees, index=index, name="fees", copy=False))


def _combine(results: dict[str, BacktestResult], initial_cash: float) -> MultiBacktestResult:
    """One portfolio: each asset's share is cash before its first candle, then its equity."""
    from backtests.engine.stats import stats_table

    share = initial_cash / len(results)
    index = pd.DatetimeIndex(sorted(set().union(*(r.equity.index for r in results.values()))),
                             name="open_time")
    curves = {k: r.equity.reindex(index).ffill().fillna(share) for k, r in results.items()}
    combined = sum(curves.values())
    held = sum((r.exposure * r.equity["strategy"]).reindex(index).ffill().fillna(0.0)
               for r in results.values())
    exposure = held / combined["strategy"]
    fees = sum(r.fees.reindex(index).fillna(0.0) for r in results.values())
    trades = pd.concat([r.trades.assign(symbol=k) for k, r in results.items()],
                       ignore_index=True)
    timeframe = next(iter(results.values())).timeframe
    combined_stats = stats_table(
        combined["strategy"], combined["buy_and_hold"], exposure=exposure, trades=trades,
        fees=fees, timeframe=timeframe,
        initial_cash=initial_cash,
        benchmark_fees=float(sum(r.stats.loc["Fees Paid [$]", "buy_and_hold"]
                                 for r in results.values())))
    stats = pd.concat({**{k: r.stats for k, r in results.items()}, "combined": combined_stats},
                      axis=1)
    return MultiBacktestResult(results, combined, stats)


def run(
    prices,
    scores,
    *,
    rule=None,
    fee_bps: float = 10.0,
    slippage_bps: float = 5.0,
    execution: str = "open",
    initial_cash: float = 10_000.0,
    allow_short: bool = False,
    start=None,
    end=None,
    timeframe: str | None = None,
    max_age="10D",
) -> BacktestResult | MultiBacktestResult:
    """Backtest a rule on the risk-off score against BTC/ETH (or any) candles.

    Decisions are taken at each candle's close on the score available then, and fill on
    the next candle (see :mod:`backtests.engine.kernel`); buy-and-hold is simulated the same way,
    with the same costs, for a like-for-like comparison.

    Parameters
    ----------
    prices : pd.DataFrame or dict of them
        Candles from :func:`backtests.load_prices` (UTC open-time index, ``open``,
        ``close``); a dict ``{symbol: candles}`` backtests each with an equal share of
        the capital and combines them.
    scores : pd.DataFrame or pd.Series
        ``signals.risk_off_score()``, or any Series of scores (0-100, higher = more
        risk-off) indexed by UTC availability time.
    rule : str, rule object or callable
        See :mod:`backtests.engine.rules`: ``"threshold:70"``, ``"threshold:70:55"``,
        ``"linear:50:80"``, ``"regime:calm=1,watch=1,stress=0.5,unwind=0"``, a
        :class:`~backtests.engine.rules.Threshold`/``Linear``/``ByRegime``, or
        ``func(aligned) -> exposures``. Default: the research protocol's rule for the
        scores' method (``scores.attrs["method"]``, else the default method), flat from
        its stress level and long again below its watch level (docs/choice.md).
    fee_bps, slippage_bps : float
        Costs in basis points of traded notional (10 = 0.10%).
    execution : {"open", "close"}
        Fill on the next candle's open (default) or close.
    initial_cash : float
        Starting equity, USD (split equally across assets).
    allow_short : bool
        Allow negative exposure (a hedge); long-only otherwise.
    start, end : str or Timestamp, optional
        Candles to backtest, by open time (naive means UTC); default every candle given.
        ``riskoff backtest`` has the same default, so both give the same numbers.
    timeframe : str, optional
        Candle length; default from ``prices.attrs`` or the candles' spacing.
    max_age : str or Timedelta
        A score older than this at a candle's close is not used (the rule holds).

    Returns
    -------
    BacktestResult or MultiBacktestResult
        ``.stats``, ``.equity``, ``.trades``, ``.exposure``, ``_repr_html_``, ``.plot()``.

    Raises
    ------
    DataContractError
        Scores with no value at all, on a 0-1 scale, or outside 0-100; bad candles.
    """
    if rule is None:
        rule = DEFAULTS.backtest_rule(getattr(scores, "attrs", {}).get("method"))
    rule = parse_rule(rule)
    scores = check_scores(scores)
    options = {"timeframe": timeframe, "fee_bps": fee_bps, "slippage_bps": slippage_bps,
               "execution": execution, "allow_short": allow_short, "max_age": max_age,
               "start": start, "end": end}
    if isinstance(prices, Mapping):
        if not prices:
            raise DataContractError("prices is an empty dict; pass {symbol: candles}")
        share = initial_cash / len(prices)
        results = {symbol: _run_one(frame, scores, rule, symbol=symbol, initial_cash=share,
                                    **options) for symbol, frame in prices.items()}
        return _combine(results, initial_cash)
    symbol = prices.attrs.get("symbol", "asset") if isinstance(prices, pd.DataFrame) else "asset"
    return _run_one(prices, scores, rule, symbol=symbol, initial_cash=initial_cash, **options)
