"""The research room: does the score carry information, and which settings hold up.

``evaluate`` and ``events`` (IC, quantiles, regimes, event studies against forward returns),
``sweep`` and ``serial`` (many parameter sets in one pass, locally or on Dask),
``walkforward`` (choose in-sample, judge out-of-sample), ``shocks`` and ``whatif`` (the score
under imagined moves, and historical analogs).

May import: :mod:`backtests.engine`, :mod:`backtests.candles`, :mod:`backtests.report` and
:mod:`signals`.
"""
