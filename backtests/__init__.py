"""riskoff backtests: risk-off scores against BTC/ETH prices.

Names are imported on first use, like :mod:`signals`, so that importing is instant.

The code sits in rooms, each importing only the ones before it: :mod:`backtests.candles`
(OHLCV through ccxt and files), :mod:`backtests.report` (charts and HTML),
:mod:`backtests.engine` (the simulation, rules, results, stats), :mod:`backtests.research`
(evaluation, sweeps, walk-forward, what-if) and :mod:`backtests.cli` (the command).

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

import os
import sys
from typing import TYPE_CHECKING

from signals.lazy import lazy_exports

_EXPORTS = {
    "run": "backtests.engine.run",
    "evaluate": "backtests.research.evaluate",
    "Evaluation": "backtests.research.evaluate",
    "rank_ic": "backtests.research.evaluate",
    "sweep": "backtests.research.sweep",
    "grid_sweep": "backtests.research.sweep",
    "walk_forward": "backtests.research.walkforward",
    "Shocks": "backtests.research.shocks",
    "shocked_reading": "backtests.research.shocks",
    "find_analogs": "backtests.research.whatif",
    "WalkForward": "backtests.research.walkforward",
    "BacktestResult": "backtests.engine.result",
    "MultiBacktestResult": "backtests.engine.result",
    "Threshold": "backtests.engine.rules",
    "Linear": "backtests.engine.rules",
    "ByRegime": "backtests.engine.rules",
    "parse_rule": "backtests.engine.rules",
    "load_prices": "backtests.candles.prices",
    "StaleCandlesWarning": "backtests.candles.prices",
    "FallbackExchangeWarning": "backtests.candles.prices",
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
    from backtests.candles.prices import FallbackExchangeWarning, StaleCandlesWarning, load_prices
    from backtests.engine.result import BacktestResult, MultiBacktestResult
    from backtests.engine.rules import ByRegime, Linear, Threshold, parse_rule
    from backtests.engine.run import run
    from backtests.research.evaluate import Evaluation, evaluate, rank_ic
    from backtests.research.shocks import Shocks, shocked_reading
    from backtests.research.sweep import grid_sweep, sweep
    from backtests.research.walkforward import WalkForward, walk_forward
    from backtests.research.whatif import find_analogs


def _numba_cache_in_user_cache() -> None:
    """Keep numba's compiled-code cache in the user cache folder, not beside the source.

    numba writes ``cache=True`` files next to the module when it can, which for a
    non-editable install is ``site-packages/backtests/__pycache__``; pip leaves them behind on
    uninstall and the folder then imports as an empty namespace package. A
    ``NUMBA_CACHE_DIR`` the user set wins.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    from platformdirs import user_cache_dir

    os.environ["NUMBA_CACHE_DIR"] = os.path.join(user_cache_dir("riskoff"), "numba")
    numba = sys.modules.get("numba")
    if numba is not None:  # imported before us: its config has read the environment already
        numba.config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]


_numba_cache_in_user_cache()

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
