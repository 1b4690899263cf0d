"""freqtrade: the risk-off score on a strategy's candles, at the path strategies import.

This is the import path freqtrade strategies use; the helper itself lives with the other
bot-facing code in :mod:`signals.bots.freqtrade`.
"""

from __future__ import annotations

from signals.bots.freqtrade import add_risk_off

__all__ = ["add_risk_off"]
