"""The research room: does the score carry information, and which settings hold up.

``evaluate`` and ``events`` (IC, quantiles, regimes, event studies against forward returns),
``targets``, ``intervals``, ``evidence`` and ``validity`` (forward volatility, drawdown and
tail targets, block-bootstrap intervals, baselines and checks, construct validity on
Japan-channel event days), ``study`` (the research protocol's study, rerun end to end),
``sweep`` and ``serial`` (many parameter sets in one pass, locally or on Dask),
``walkforward`` (choose in-sample, judge out-of-sample), ``shocks`` and ``whatif`` (the score
under imagined moves, and historical analogs).

May import: :mod:`backtests.engine`, :mod:`backtests.candles`, :mod:`backtests.report` and
:mod:`signals`.
"""
