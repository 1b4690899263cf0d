"""The engine room: one backtest of a rule on the score against candles.

``kernel`` (the compiled simulation: decision at a candle's close, fill at the next open or
close, costs), ``rules`` (score -> target exposure), ``run`` (:func:`backtests.run`),
``result`` (what it returns), ``stats`` and ``metrics`` (the stats table and its pure metric
functions).

May import: :mod:`backtests.candles`, :mod:`backtests.report` and :mod:`signals`.
"""
