"""freqtrade: the risk-off score on a strategy's candles, with no lookahead.

Use it in ``populate_indicators``::

    def populate_indicators(self, dataframe, metadata):
        return add_risk_off(dataframe, self.riskoff_scores, self.timeframe)

The columns come from :func:`signals.align_to_bars`: each candle (freqtrade keys candles by
their open time in the ``date`` column) sees the score row available at its close, so a
signal on a candle never uses a value published after it. The frame keeps its length, its
order and its last row, which freqtrade checks.
"""

from __future__ import annotations

import pandas as pd

from signals.errors import DataContractError
from signals.score.align import align_to_bars

__all__ = ["add_risk_off"]


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
