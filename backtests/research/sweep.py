"""Parameter sweeps: many rules in one compiled pass, and grids of weights and windows.

:func:`sweep` runs every combination of exit threshold and score smoothing window of the
threshold rule in one numba loop that keeps each combination's metrics, not its equity
curve, so memory grows with the candles, not with candles × combinations. Its numbers
equal :func:`backtests.run` with the same settings (a test holds them to 1e-10).

:func:`grid_sweep` varies what the score is made of (component weights, component
parameters). Changing weights does not change the component z-scores, so with a
long/flat threshold rule every weight set is scored by one matrix product over cached
z-scores (:func:`weight_set_scores`) and backtested by one compiled loop; other rules
recompute each score on an executor: local processes by default, or a Dask cluster when
given its scheduler address.
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

__all__ = ["SWEEP_METRICS", "grid_sweep", "make_executor", "sweep", "weight_set_scores"]

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


@njit(cache=True)
def _batch(open_, close, scores, exit_above, reenter_below, cost, at_open,
           ppy):  # pragma: no cover
    """The threshold rule on each column of `scores` (candles x sets): metrics per set."""
    out = np.empty((scores.shape[1], 9))
    for m in range(scores.shape[1]):
        _one(open_, close, np.ascontiguousarray(scores[:, m]), exit_above, reenter_below,
             cost, at_open, ppy, out[m])
    return out


@njit(cache=True)
def _last_rows(row_times, owners, closes, weights):  # pragma: no cover
    """Time (ns) of each set's last own score row at or before each close (min if none).

    `row_times` are the sorted times of every component's rows, `owners` the component of
    each; a set owns the rows of the components it weighs above 0.
    """
    n_sets = weights.shape[1]
    out = np.full((closes.shape[0], n_sets), np.iinfo(np.int64).min)
    last = np.full(weights.shape[0], np.iinfo(np.int64).min)
    i = 0
    for b in range(closes.shape[0]):
        while i < row_times.shape[0] and row_times[i] <= closes[b]:
            last[owners[i]] = row_times[i]
            i += 1
        for m in range(n_sets):
            best = np.iinfo(np.int64).min
            for k in range(weights.shape[0]):
                if weights[k, m] > 0 and last[k] > best:
                    best = last[k]
            out[b, m] = best
    return out


def weight_set_scores(panel, zs, weights: np.ndarray, closes: np.ndarray, *, cap: float = 3.0,
                      min_coverage: float = 0.5, max_age="10D") -> np.ndarray:
    """The default (``mean``) score of many weight sets at candle closes, from one panel.

    Changing weights does not change the z-scores: each set's score is ``50 + (E w) /
    (S w)`` with ``E`` the panel's ``50 · fade · z / cap`` and ``S`` its started flags, NaN
    where the fresh weight ``(F w) / Σw`` is below `min_coverage`, exactly as
    :func:`signals.risk_off_score` computes it (:mod:`signals.score.panel`). A candle sees
    the set's last own row at its close (a row of a component the set weighs), and nothing
    older than `max_age`, as :func:`signals.align_to_bars` does.

    Parameters
    ----------
    panel : signals.score.panel.Panel
        From :func:`signals.score.composite.score_panel`, over every component any set
        weighs.
    zs : dict
        Its ``{name: (component, z)}``.
    weights : np.ndarray
        ``(components, sets)``, in the panel's column order, >= 0.
    closes : np.ndarray
        Candle close times, int64 nanoseconds, increasing.

    Returns
    -------
    np.ndarray
        ``(candles, sets)`` scores, 0-100 or NaN.
    """
    from signals.score.panel import row_times

    pos = np.searchsorted(panel.times, closes, side="right") - 1
    rows = np.maximum(pos, 0)
    numerator = (50.0 / cap) * panel.effective[rows] @ weights
    started = panel.started[rows].astype("float64") @ weights
    fresh = panel.fresh[rows].astype("float64") @ weights / weights.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where((started > 0) & (fresh >= min_coverage),
                          50.0 + numerator / started, np.nan)
    times = [(row_times(c, z), panel.names.index(name)) for name, (c, z) in zs.items()]
    stamps = np.concatenate([t for t, _ in times])
    owners = np.concatenate([np.full(len(t), k) for t, k in times])
    order = np.argsort(stamps, kind="stable")
    last = _last_rows(stamps[order], owners[order], closes, weights)
    usable = (pos[:, None] >= 0) & (last > np.iinfo(np.int64).min)
    if max_age is not None:
        usable &= closes[:, None] - last < pd.Timedelta(max_age).value
    return np.where(usable, scores, np.nan)


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
        scores = risk_off_score(macro, method="mean", weights=weights, params=params)
        stats = run(prices, scores, rule=rule, **run_options).stats["strategy"]
        rows.append({"combination": number, "return": stats["Return [%]"] / 100,
                     "sharpe": stats["Sharpe Ratio"],
                     "max_drawdown": stats["Max. Drawdown [%]"] / 100,
                     "calmar": stats["Calmar Ratio"], "trades": stats["# Trades"],
                     "exposure_time": stats["Exposure Time [%]"] / 100})
    return rows


#: ``backtests.run`` options the fast path of :func:`grid_sweep` reproduces.
_FAST_OPTIONS = {"fee_bps", "slippage_bps", "execution", "start", "end", "timeframe",
                 "max_age", "initial_cash"}


def _fast_rule(rule, run_options):
    """The (exit, re-enter) levels when `rule` is a plain long/flat threshold, else None."""
    from backtests.engine.rules import Threshold, parse_rule

    rule = parse_rule(rule) if isinstance(rule, str) else rule
    if not isinstance(rule, Threshold) or rule.risk_on != 1.0 or rule.risk_off != 0.0 \
            or rule.smoothing != 1 or not set(run_options) <= _FAST_OPTIONS \
            or isinstance(run_options.get("start"), dict):
        return None
    reenter = rule.exit_above if rule.reenter_below is None else rule.reenter_below
    return rule.exit_above, reenter


def _fast_grid(prices, macro, combos, levels, run_options) -> list[dict]:
    """Every combination from cached z-scores: one panel per parameter set, one batch each.

    Each component's reading is computed once per distinct parameter set of that
    component, and shared by every combination that uses it.
    """
    from backtests.engine.metrics import periods_per_year
    from backtests.engine.run import _window, infer_timeframe
    from signals.families.registry import components as registered
    from signals.score.composite import _as_macro, _as_weights, component_readings, score_panel
    from signals.times import timeframe_to_timedelta

    execution = run_options.get("execution", "open")
    if execution not in EXECUTIONS:
        raise ConfigError(f"execution must be 'open' or 'close'; got {execution!r}")
    candles = check_candles(_window(prices, run_options.get("start"), run_options.get("end")))
    timeframe = run_options.get("timeframe") or candles.attrs.get("timeframe") \
        or infer_timeframe(candles.index)
    closes = (candles.index + timeframe_to_timedelta(timeframe)).as_unit("ns").asi8
    cost = (run_options.get("fee_bps", 10.0) + run_options.get("slippage_bps", 5.0)) / 10_000
    sets = {i: _as_weights(w) for i, w, _ in combos}
    names = [name for name in registered() if any(name in w for w in sets.values())]
    macro = _as_macro(macro)
    cache: dict = {}
    rows: list[dict] = []
    by_params: dict[int, list] = {}
    for number, _, params in combos:
        by_params.setdefault(id(params), []).append((number, params))
    for group in by_params.values():
        params = dict(group[0][1] or {})
        readings = {}
        for name in names:
            key = (name, repr(sorted(params.get(name, {}).items())))
            if key not in cache:
                cache[key] = component_readings(macro, components=[name], params={
                    name: params[name]} if name in params else None).get(name)
            if cache[key] is not None:
                readings[name] = cache[key]
        panel, zs = score_panel(components=names, readings=readings)
        matrix = np.array([[sets[number].get(name, 0.0) for number, _ in group]
                           for name in names])
        scores = weight_set_scores(panel, zs, matrix, closes,
                                   max_age=run_options.get("max_age", "10D"))
        metrics = _batch(candles["open"].to_numpy(np.float64),
                         candles["close"].to_numpy(np.float64), scores, float(levels[0]),
                         float(levels[1]), cost, execution == "open",
                         periods_per_year(timeframe))
        for (number, _), values in zip(group, metrics, strict=True):
            rows.append({"combination": number, "return": values[0], "sharpe": values[2],
                         "max_drawdown": values[3], "calmar": values[4],
                         "trades": int(values[5]), "exposure_time": values[6]})
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
    fast: bool = True,
    **run_options,
) -> pd.DataFrame:
    """Backtest every combination of score weights and component parameters.

    The scores are the ``mean`` method's, the one whose score is a weighted sum of the
    components' z-scores, so that a weight set means what it says (the ``family`` method
    counts only each family's total).

    With a long/flat threshold rule (``"threshold:70"``, ``"threshold:70:55"``) the
    combinations are evaluated in one process from cached z-scores: each component's
    reading is computed once per parameter set, every weight set's score is one matrix
    product, and one compiled loop backtests them all (the results equal one
    :func:`backtests.run` per combination; benchmarks/RESULTS.md has the timing). Other
    rules score and backtest each combination on the executor.

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
    fast : bool
        ``False`` scores and backtests every combination separately on the executor even
        when the fast path applies (to check it, or to spread a huge grid over a cluster).
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
    levels = _fast_rule(rule, run_options) if fast else None
    if levels is not None:
        rows = _fast_grid(prices, macro, combos, levels, run_options)
        return _table(rows, combos)
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
    return _table(rows, combos)


def _table(rows: list[dict], combos: list) -> pd.DataFrame:
    frame = pd.DataFrame(rows).sort_values("combination", ignore_index=True)
    frame.insert(1, "weights", [combos[i][1] for i in frame["combination"]])
    frame.insert(2, "params", [combos[i][2] for i in frame["combination"]])
    return frame
