"""The bots room: what a live trading bot reads.

``live`` (:func:`signals.latest`: the reading as of now, its age and a policy's verdict),
``gate`` (:class:`signals.RiskGate`: risk on or off with hysteresis, state on disk, alerts)
and ``freqtrade`` (the score on a freqtrade strategy's candles).

May import every other room of :mod:`signals`; nothing in :mod:`signals` imports it.
"""
