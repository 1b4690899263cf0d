"""Parameter sweeps: many rules in one compiled pass, and grids of weights and windows.

:func:`sweep` runs every combination of exit threshold and score smoothing window of the
threshold rule in one numba loop that keeps each combination's metrics, not its equity
curve, so memory grows with the candles, not with candles × combinations. Its numbers
equal :func:`backtests.run` with the same settings (a test holds them to 1e-10).

:func:`grid_sweep` varies what the score is made of (component weights, component
parameters); each combination recomputes the score, so it runs on an executor: local
processes by default, or a Dask cluster when given its scheduler address.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd
from numba import njit

from backtests.engine.kernel import EXECUTIONS, check_candles, trade
from signals.errors import ConfigError

__all__ = ["SWEEP_METRICS", "grid_sweep", "make_executor", "sweep"]

#: Columns of a sweep's result besides its parameters.
SWEEP_METRICS = ("total_return", "annualized_return", "sharpe", "max_drawdown", "calmar",
                 "trades", "exposure_time", "annual_turnover", "fees")


@njit(cache=True)
def _smoothed(score, window):  # pragma: no cover
    """Trailing mean over `window` candles, NaN skipped (NaN where all are NaN)."""
    n = score.shape[0]
    out = np.empty(n)
    total = 0.0
    count = 0
    for t in range(n):
        if score[t] == score[t]:
            total += score[t]
            count += 1
        if t >= window and score[t - window] == score[t - window]:
            total -= score[t - window]
            count -= 1
        out[t] = total / count if count > 0 else np.nan
    return out


@njit(cache=True)
def _one(open_, close, score, exit_above, reenter_below, cost, at_open, ppy,
         out):  # pragma: no cover
    n = close.shape[0]
    cash = 1.0
    units = 0.0
    current = 0.0
    off = False
    prev = 1.0
    peak = 1.0
    worst = 0.0
    total = 0.0
    squares = 0.0
    trades = 0
    exposed = 0
    turnover = 0.0
    fees = 0.0
    wanted = 1.0
    for t in range(n):
        if t > 0 and wanted != current:
            price = open_[t] if at_open else close[t]
            cash, units, fee = trade(cash, units, price, wanted, cost)
            fees += fee
            turnover += abs(wanted - current)
            if current == 0.0:
                trades += 1
            current = wanted
        equity = cash + units * close[t]
        if t > 0:
            r = equity / prev - 1.0
            total += r
            squares += r * r
        if abs(units * close[t]) > 1e-9 * abs(equity):
            exposed += 1
        prev = equity
        if equity > peak:
            peak = equity
        elif equity / peak - 1.0 < worst:
            worst = equity / peak - 1.0
        s = score[t]
        if s == s:
            if off:
                if s < reenter_below:
                    off = False
            elif s >= exit_above:
                off = True
        wanted = 0.0 if off else 1.0
    m = n - 1
    mean = total / m
    var = (squares - m * mean * mean) / (m - 1) if m > 1 else np.nan
    growth = prev  # equity started at 1
    out[0] = growth - 1.0
    out[1] = growth ** (ppy / m) - 1.0 if m > 0 else np.nan
    out[2] = mean / math.sqrt(var) * math.sqrt(ppy) if var > 0 else np.nan
    out[3] = worst
    out[4] = out[1] / -worst if worst < 0 else np.nan
    out[5] = trades
    out[6] = exposed / n
    out[7] = (turnover + 0.0) * ppy / m if m > 0 else np.nan
    out[8] = fees


@njit(cache=True)
def _grid(open_, close, score, windows, thresholds, band, cost, at_open,
          ppy):  # pragma: no cover
    out = np.empty((windows.shape[0], thresholds.shape[0], 9))
    for i in range(windows.shape[0]):
        smooth = score if windows[i] == 1 else _smoothed(score, windows[i])
        for j in range(thresholds.shape[0]):
            _one(open_, close, smooth, thresholds[j], thresholds[j] - band, cost, at_open, ppy,
                 out[i, j])
    return out


def sweep(
    prices: pd.DataFrame,
    scores,
    *,
    thresholds: Iterable[float] = range(50, 100),
    smoothing: Iterable[int] = (1,),
    band: float = 0.0,
    fee_bps: float = 10.0,
    slippage_bps: float = 5.0,
    execution: str = "open",
    start=None,
    end=None,
    timeframe: str | None = None,
    max_age="10D",
) -> pd.DataFrame:
    """Every (threshold, smoothing) of the long/flat threshold rule, in one compiled pass.

    Parameters
    ----------
    prices : pd.DataFrame
        Candles (``backtests.load_prices``).
    scores : pd.DataFrame or pd.Series
        ``signals.risk_off_score()`` or any scores indexed by availability time.
    thresholds : iterable of float
        Exit levels: flat from this score (long again below ``threshold - band``).
    smoothing : iterable of int
        Trailing mean windows of the score, in candles (1 = none).
    band : float
        Hysteresis: re-enter only below ``threshold - band``.
    fee_bps, slippage_bps, execution, start, end, timeframe, max_age
        As in :func:`backtests.run`.

    Returns
    -------
    pd.DataFrame
        One row per combination: ``threshold``, ``smoothing``, then :data:`SWEEP_METRICS`
        (``total_return``, ``annualized_return`` and ``max_drawdown`` as fractions,
        ``sharpe`` and ``calmar`` annualised over 365 days, ``trades`` entries,
        ``exposure_time`` a fraction, ``annual_turnover``, ``fees`` as a fraction of the
        starting equity).
    """
    from backtests.engine.metrics import periods_per_year
    from backtests.engine.run import _scores_frame, _window, infer_timeframe
    from signals.score.align import align_to_bars

    if execution not in EXECUTIONS:
        raise ConfigError(f"execution must be 'open' or 'close'; got {execution!r}")
    prices = check_candles(_window(prices, start, end))
    timeframe = timeframe or prices.attrs.get("timeframe") or infer_timeframe(prices.index)
    windows = np.asarray(list(smoothing), dtype=np.int64)
    levels = np.asarray(list(thresholds), dtype=np.float64)
    if len(windows) == 0 or len(levels) == 0 or (windows < 1).any():
        raise ConfigError("sweep needs at least one threshold and smoothing windows >= 1")
    aligned = align_to_bars(_scores_frame(scores), prices, timeframe, max_age=max_age)
    result = _grid(prices["open"].to_numpy(np.float64), prices["close"].to_numpy(np.float64),
                   aligned["score"].to_numpy(np.float64), windows, levels, float(band),
                   (fee_bps + slippage_bps) / 10_000.0, execution == "open",
                   periods_per_year(timeframe))
    grid = pd.MultiIndex.from_product([windows, levels], names=["smoothing", "threshold"])
    frame = pd.DataFrame(result.reshape(-1, len(SWEEP_METRICS)), index=grid,
                         columns=list(SWEEP_METRICS)).reset_index()
    frame["trades"] = frame["trades"].astype(int)
    return frame[["threshold", "smoothing", *SWEEP_METRICS]]


def make_executor(executor=None) -> tuple[Executor, Callable[[], None]]:
    """An executor from a name, a Dask scheduler address, or an executor as given.

    Parameters
    ----------
    executor : None, "processes", "serial", str or Executor
        ``None``/``"processes"``: local processes, one per core; ``"serial"``: in this
        process; ``"tcp://host:8786"`` (any other string): a Dask distributed scheduler;
        an :class:`concurrent.futures.Executor` (or a Dask ``Client``) is used as is.

    Returns
    -------
    executor : Executor
    close : callable
        Releases what this function created (nothing for an executor passed in).
    """
    if executor is None or executor == "processes":
        pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 1)
        return pool, pool.shutdown
    if executor == "serial":
        from backtests.research.serial import SerialExecutor

        return SerialExecutor(), lambda: None
    if isinstance(executor, str):
        try:
            from dask.distributed import Client
        except ImportError:
            raise ConfigError("a Dask scheduler address needs dask: pip install "
                              "'riskoff[dask]'") from None
        client = Client(executor)
        return client.get_executor(), client.close
    if hasattr(executor, "get_executor"):  # a dask.distributed.Client
        return executor.get_executor(), lambda: None
    if isinstance(executor, Executor):
        return executor, lambda: None
    raise ConfigError(f"executor must be None, 'processes', 'serial', a Dask scheduler address "
                      f"or a concurrent.futures.Executor; got {executor!r}")


def _run_chunk(prices, macro, rule, combos, run_options) -> list[dict]:
    """Score and backtest each (weights, params) combination of a chunk (runs in a worker)."""
    from backtests.engine.run import run
    from signals.score.composite import risk_off_score

    rows = []
    for number, weights, params in combos:
        scores = risk_off_score(macro, weights=weights, params=params)
        stats = run(prices, scores, rule=rule, **run_options).stats["strategy"]
        rows.append({"combination": number, "return": stats["Return [%]"] / 100,
                     "sharpe": stats["Sharpe Ratio"],
                     "max_drawdown": stats["Max. Drawdown [%]"] / 100,
                     "calmar": stats["Calmar Ratio"], "trades": stats["# Trades"],
                     "exposure_time": stats["Exposure Time [%]"] / 100})
    return rows


def grid_sweep(
    prices: pd.DataFrame,
    macro,
    *,
    weights: Sequence[Mapping[str, float] | None] = (None,),
    params: Sequence[Mapping[str, Mapping] | None] = (None,),
    rule="threshold:70",
    executor=None,
    progress: bool = False,
    chunks: int | None = None,
    **run_options,
) -> pd.DataFrame:
    """Backtest every combination of score weights and component parameters.

    Parameters
    ----------
    prices : pd.DataFrame
        Candles.
    macro : MacroData or mapping
        The macro data the scores are computed from.
    weights : sequence of mappings
        Weight sets (each overrides the defaults, see :class:`signals.Weights`); ``None``
        for the defaults.
    params : sequence of mappings
        Component parameters, e.g. ``{"yen_rally": {"window": 10}}``; ``None`` for none.
    rule : str or rule
        The rule every combination is backtested with.
    executor : None, str or Executor
        See :func:`make_executor`: local processes by default, ``"serial"``, or a Dask
        scheduler address such as ``"tcp://10.0.0.5:8786"``.
    progress : bool
        Show a progress bar (rich).
    chunks : int, optional
        How many tasks to split the combinations into (default: 4 per worker core).
    **run_options
        Passed to :func:`backtests.run` (fees, execution, start, end, ...).

    Returns
    -------
    pd.DataFrame
        One row per combination: ``combination``, ``weights``, ``params`` and the metrics.
    """
    combos = [(i, w, p) for i, (w, p) in enumerate(itertools.product(weights, params))]
    if not combos:
        raise ConfigError("grid_sweep needs at least one weights and one params entry")
    pool, close = make_executor(executor)
    size = chunks or 4 * (os.cpu_count() or 1)
    parts = [combos[k::size] for k in range(min(size, len(combos)))]
    rows: list[dict] = []
    try:
        futures = [pool.submit(_run_chunk, prices, macro, rule, part, run_options)
                   for part in parts]
        if progress:
            from rich.progress import track

            done = track(as_completed(futures), total=len(futures), description="sweeping")
        else:
            done = as_completed(futures)
        for future in done:
            rows.extend(future.result())
    finally:
        close()
    frame = pd.DataFrame(rows).sort_values("combination", ignore_index=True)
    frame.insert(1, "weights", [combos[i][1] for i in frame["combination"]])
    frame.insert(2, "params", [combos[i][2] for i in frame["combination"]])
    return frame
