"""freqtrade: the risk-off score on a strategy's candles, and the check that it cannot leak.

Use :func:`add_risk_off` in ``populate_indicators``::

    def populate_indicators(self, dataframe, metadata):
        return add_risk_off(dataframe, self.riskoff_scores, self.timeframe)

The columns come from :func:`signals.align_to_bars`: each candle (freqtrade keys candles by
their open time in the ``date`` column) sees the score row available at its close, so a
signal on a candle never uses a value published after it. Each candle's columns depend only
on its own ``date``, so it does not matter how freqtrade slices the frame (startup candles,
``--timerange``, an informative frame merged with ``merge_informative_pair``). The frame
keeps its length, its order and its last row, which freqtrade checks.

A strategy has two sides that can look ahead, and each needs its own check:

- **the candle side**, indicators computed from the candles: freqtrade's
  ``freqtrade lookahead-analysis`` cuts the candles at each signal and compares;
- **the macro side**, the score columns: the score is computed once (in ``bot_start``) from
  the whole macro history, which freqtrade's analysis never cuts, so it cannot see a macro
  leak (a series stamped available before its release, a score normalised over the whole
  sample). :func:`check_macro_lookahead` cuts the macro data instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from signals.errors import ConfigError, DataContractError
from signals.score.align import align_to_bars
from signals.score.lookahead import LookaheadReport, check_lookahead
from signals.times import timeframe_to_timedelta

__all__ = ["add_risk_off", "check_macro_lookahead"]


def add_risk_off(
    dataframe: pd.DataFrame,
    scores: pd.DataFrame,
    timeframe: str,
    *,
    components: tuple[str, ...] = (),
    prefix: str = "riskoff_",
    max_age="10D",
) -> pd.DataFrame:
    """Add the score, regime, chosen components and their availability to candles.

    Parameters
    ----------
    dataframe : pd.DataFrame
        freqtrade's candle frame, with a tz-aware UTC ``date`` column of open times.
    scores : pd.DataFrame
        :func:`signals.risk_off_score` (loaded in ``bot_start``, refreshed in
        ``bot_loop_start``).
    timeframe : str
        The strategy's timeframe, e.g. ``"1h"``.
    components : tuple of str
        Contribution columns to add as well (score points), e.g. ``("yen_rally",)``.
    prefix : str
        Column name prefix.
    max_age : str or Timedelta
        A score row older than this at a candle's close is not used (NaN).

    Returns
    -------
    pd.DataFrame
        `dataframe` with ``<prefix>score`` (0-100, higher = more risk-off), ``<prefix>regime``
        (text), one ``<prefix><component>`` per requested component, and
        ``<prefix>available_at`` (when the row used became available, never after the
        candle's close).
    """
    if "date" not in dataframe:
        raise DataContractError("dataframe must be freqtrade's candle frame with a 'date' "
                                "column of open times")
    missing = [c for c in ("score", "regime", *components) if c not in scores]
    if missing:
        raise DataContractError(f"scores lacks {missing}; pass signals.risk_off_score()'s frame "
                                "(components: any of its contribution columns)")
    aligned = align_to_bars(scores[["score", "regime", *components]], dataframe, timeframe,
                            max_age=max_age)
    dataframe[f"{prefix}score"] = aligned["score"].to_numpy()
    dataframe[f"{prefix}regime"] = aligned["regime"].astype(object).to_numpy()  # text
    for name in components:
        dataframe[f"{prefix}{name}"] = aligned[name].to_numpy()
    dataframe[f"{prefix}available_at"] = aligned["available_at"].to_numpy()
    return dataframe


def check_macro_lookahead(
    strategy,
    candles: pd.DataFrame,
    macro: Mapping[str, pd.Series] | None = None,
    *,
    timeframe: str | None = None,
    pair: str = "BTC/USDT",
    cutoffs: int | list = 25,
    rtol: float = 1e-9,
    atol: float = 1e-12,
) -> LookaheadReport:
    """Report every candle whose columns change when the macro data are cut after its close.

    The macro side's counterpart of ``freqtrade lookahead-analysis`` (which cuts only the
    candles). The strategy runs once on the full macro data, then once per cut-off time on
    the macro data as a live bot would have had them then (each series cut at its
    availability times, series with nothing left dropped, the score recomputed from what
    is left), always on the same candles. Every column of every candle that closed at or
    before the cut-off must come out the same; one that differs used a macro value
    published after the candle's close.

    Parameters
    ----------
    strategy : freqtrade strategy or callable
        A strategy instance with a ``use_macro(macro)`` method, the one way its macro data
        come in (``bot_start`` calls it with ``signals.load_macro()``, see
        ``examples/freqtrade_strategy.py``): the check calls ``use_macro`` with the cut
        data, then freqtrade's ``advise_indicators``, ``advise_entry`` and
        ``advise_exit``, and finally ``use_macro`` with the full data again. Or a callable
        ``populate(dataframe, macro) -> DataFrame``.
    candles : pd.DataFrame
        freqtrade's candle frame for one pair: a ``date`` column of unique, tz-aware UTC
        open times and the OHLCV columns. Never modified.
    macro : mapping of str to Series, optional
        The macro data, each series indexed by UTC availability time; default
        ``signals.load_macro()``.
    timeframe : str, optional
        The candles' length, e.g. ``"1h"``; default the strategy's ``timeframe``.
    pair : str
        ``metadata["pair"]`` for the strategy.
    cutoffs : int or list of Timestamp
        How many cut-off times, spread evenly over the candles' closes, or the times.
    rtol, atol : float
        Tolerances for "the same value".

    Returns
    -------
    LookaheadReport
        ``.ok`` is True when no candle changed. ``violations`` has one row per (cut-off,
        candle, column) that changed; its ``time`` is the candle's ``date`` (open time).

    Raises
    ------
    ConfigError
        When `strategy` has no ``use_macro`` and is not callable, or the timeframe is
        unknown.
    DataContractError
        When `candles` has no unique, tz-aware ``date`` column.
    """
    populate = _populate(strategy)
    timeframe = timeframe or getattr(strategy, "timeframe", None)
    if not isinstance(timeframe, str):
        raise ConfigError("timeframe is needed with a callable; pass timeframe='1h' (the "
                          "candles' length)")
    length = timeframe_to_timedelta(timeframe)
    if "date" not in candles:
        raise DataContractError("candles must be freqtrade's candle frame with a 'date' column "
                                "of open times")
    opens = pd.DatetimeIndex(candles["date"])
    if opens.tz is None or not opens.is_unique:
        raise DataContractError("candles' 'date' column must be unique, tz-aware UTC open "
                                "times; use one pair's frame as freqtrade loads it")
    closes = pd.DatetimeIndex(opens + length, name="close")
    if macro is None:
        from signals.data.macro import load_macro

        macro = load_macro()
    if isinstance(cutoffs, int):
        ordered = closes.sort_values()
        picks = np.unique(np.linspace(0, len(ordered) - 1, num=max(cutoffs, 1)).round())
        cutoffs = [ordered[int(i)] for i in picks]

    def run(data: Mapping[str, pd.Series]) -> pd.DataFrame:
        present = {name: series for name, series in data.items() if len(series)}
        out = populate(candles.copy(), present, {"pair": pair})
        if len(out) != len(closes):
            raise DataContractError(f"the strategy returned {len(out)} candles for the "
                                    f"{len(closes)} it was given; freqtrade needs the frame "
                                    "to keep its length")
        return out.set_axis(closes)

    try:
        report = check_lookahead(run, dict(macro.items()), cutoffs=cutoffs, rtol=rtol,
                                 atol=atol)
    finally:
        if hasattr(strategy, "use_macro"):
            strategy.use_macro(macro)
    violations = report.violations.assign(time=report.violations["time"] - length)
    return LookaheadReport(report.cutoffs, violations)


def _populate(strategy) -> Callable:
    """``populate(dataframe, macro, metadata)`` for a strategy or a callable."""
    if hasattr(strategy, "use_macro") and hasattr(strategy, "advise_indicators"):
        def populate(dataframe, macro, metadata):
            strategy.use_macro(macro)
            dataframe = strategy.advise_indicators(dataframe, metadata)
            dataframe = strategy.advise_entry(dataframe, metadata)
            return strategy.advise_exit(dataframe, metadata)

        return populate
    if callable(strategy):
        return lambda dataframe, macro, metadata: strategy(dataframe, macro)
    raise ConfigError(f"strategy must be a freqtrade strategy with a use_macro(macro) method "
                      f"or a callable populate(dataframe, macro); got {type(strategy).__name__}."
                      " Add use_macro to the strategy: see examples/freqtrade_strategy.py")
