"""riskoff backtests: risk-off scores against BTC/ETH prices.

Names are imported on first use, like :mod:`signals`, so that importing is instant.

Data
    :func:`load_prices` (OHLCV from the store, an exchange through ccxt, or saved files).
Backtests
    :func:`run` (a rule on the score against candles, with buy-and-hold beside it),
    :class:`BacktestResult`, :class:`MultiBacktestResult`; rules :class:`Threshold`,
    :class:`Linear`, :class:`ByRegime`, :func:`parse_rule`.
Does the score carry information?
    :func:`evaluate` (rank IC with overlap-aware intervals, quantile and regime tables,
    event study, drawdown warnings, threshold precision and recall), :func:`rank_ic`.
Sweeps
    :func:`sweep` (thresholds x smoothing in one compiled pass), :func:`grid_sweep`
    (weights and component parameters, on local processes or a Dask cluster),
    :func:`walk_forward` (choose in-sample, judge out-of-sample, rolling or anchored).
What if?
    :func:`shocked_reading` (the score under imagined moves, :class:`Shocks`) and
    :func:`find_analogs` (past days that looked alike, and what BTC/ETH did next).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signals.lazy import lazy_exports

_EXPORTS = {
    "run": "backtests.backtest",
    "evaluate": "backtests.evaluate",
    "Evaluation": "backtests.evaluate",
    "rank_ic": "backtests.evaluate",
    "sweep": "backtests.sweep",
    "grid_sweep": "backtests.sweep",
    "walk_forward": "backtests.walkforward",
    "Shocks": "backtests.shocks",
    "shocked_reading": "backtests.shocks",
    "find_analogs": "backtests.whatif",
    "WalkForward": "backtests.walkforward",
    "BacktestResult": "backtests.result",
    "MultiBacktestResult": "backtests.result",
    "Threshold": "backtests.rules",
    "Linear": "backtests.rules",
    "ByRegime": "backtests.rules",
    "parse_rule": "backtests.rules",
    "load_prices": "backtests.prices",
    "StaleCandlesWarning": "backtests.prices",
    "FallbackExchangeWarning": "backtests.prices",
}

__all__ = [
    "BacktestResult",
    "ByRegime",
    "Evaluation",
    "FallbackExchangeWarning",
    "Linear",
    "MultiBacktestResult",
    "Shocks",
    "StaleCandlesWarning",
    "Threshold",
    "WalkForward",
    "evaluate",
    "find_analogs",
    "grid_sweep",
    "load_prices",
    "parse_rule",
    "rank_ic",
    "run",
    "shocked_reading",
    "sweep",
    "walk_forward",
]

if TYPE_CHECKING:
    from backtests.backtest import run
    from backtests.evaluate import Evaluation, evaluate, rank_ic
    from backtests.prices import FallbackExchangeWarning, StaleCandlesWarning, load_prices
    from backtests.result import BacktestResult, MultiBacktestResult
    from backtests.rules import ByRegime, Linear, Threshold, parse_rule
    from backtests.shocks import Shocks, shocked_reading
    from backtests.sweep import grid_sweep, sweep
    from backtests.walkforward import WalkForward, walk_forward
    from backtests.whatif import find_analogs


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
