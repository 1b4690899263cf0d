"""freqtrade: the risk-off score on a strategy's candles, at the path strategies import.

This is the import path freqtrade strategies use; the helpers live with the other
bot-facing code in :mod:`signals.bots.freqtrade`: :func:`add_risk_off` (the score as of each
candle's close, for ``populate_indicators``) and :func:`check_macro_lookahead` (does the
strategy's macro side look ahead? the counterpart of ``freqtrade lookahead-analysis``,
which checks the candle side).
"""

from __future__ import annotations

from signals.bots.freqtrade import add_risk_off, check_macro_lookahead

__all__ = ["add_risk_off", "check_macro_lookahead"]
