"""The stats table of a backtest, in the style of backtesting.py, strategy beside buy-and-hold.

Its keys (:data:`STATS_KEYS`) are documented, with units and formulas, in
``docs/backtests_stats.md``; a test keeps the two in step.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numba import njit

from backtests.engine.metrics import (
    _EXPOSURE_ATOL,
    _FLAT_RTOL,
    Drawdown,
    _as_float_series,
    _cagr,
    _calmar,
    _check_equity,
    _check_exposure,
    _check_rate,
    periods_per_year,
)
from signals.errors import ConfigError, DataContractError
from signals.times import timeframe_to_timedelta

__all__ = ["STATS_KEYS", "stats_table"]

STATS_KEYS: tuple[str, ...] = (
    "Start", "End", "Duration", "Exposure Time [%]", "Equity Final [$]", "Equity Peak [$]",
    "Return [%]", "Return (Ann.) [%]", "Volatility (Ann.) [%]", "Sharpe Ratio",
    "Sortino Ratio", "Calmar Ratio", "Max. Drawdown [%]", "Max. Drawdown Start",
    "Max. Drawdown End", "Max. Drawdown Duration", "Turnover (Ann.)", "# Trades",
    "Win Rate [%]", "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]", "Fees Paid [$]",
)
"""Row labels of :func:`stats_table`, in order (units in brackets, percent as e.g. -23.4)."""

_TRADE_COLUMNS = ("entry_time", "exit_time", "return")


def _check_same_index(series: pd.Series, argument: str, index: pd.Index) -> None:
    if not series.index.equals(index):
        raise DataContractError(f"{argument} must be on the same bars as equity ({len(index)} "
                                f"bars from {index[0]} to {index[-1]}); got {len(series)} "
                                f"values. Use {argument}.reindex(equity.index)")


def _check_trades(trades: pd.DataFrame) -> np.ndarray:
    if not isinstance(trades, pd.DataFrame):
        raise DataContractError(f"trades must be a DataFrame with columns "
                                f"{', '.join(_TRADE_COLUMNS)}; got {type(trades).__name__}")
    missing = [column for column in _TRADE_COLUMNS if column not in trades.columns]
    if missing:
        raise DataContractError(f"trades lacks column(s) {', '.join(missing)}; it needs "
                                f"{', '.join(_TRADE_COLUMNS)} (return = round-trip return as "
                                "a fraction)")
    try:
        returns = trades["return"].to_numpy(dtype="float64")
    except (TypeError, ValueError) as exc:
        raise DataContractError("trades['return'] must hold numbers (round-trip returns as "
                                "fractions, 0.05 = +5%)") from exc
    if np.isinf(returns).any():
        raise DataContractError("trades['return'] has infinite values; round-trip returns "
                                "are finite fractions")
    return returns[~np.isnan(returns)]


RING = 256
"""Candles a streaming pass keeps (a power of 2): a pairwise block reads at most 129."""
_MASK = RING - 1
# what a streaming pass keeps for each curve (rows of its float and int state)
_PREV, _HIGH, _DEPTH, _LEVEL, _LARGEST = range(5)
_TOP_AT, _TROUGH, _PEAK, _RECOVERY, _SEARCHING = range(5)
# rows of its ring and of its pairwise block sums
_RETURNS, _BENCH_RETURNS, _EXPOSURE, _FEES = range(4)
_MEAN, _DOWN, _BENCH_MEAN, _BENCH_DOWN, _TRADED, _PAID, _SQUARES, _BENCH_SQUARES = range(8)


@njit(cache=True, inline="always")
def _term(values, i, kind, centre, mask):  # pragma: no cover
    """Term `i` of a sum over `values` (read at ``i & mask``: a ring or, mask -1, an array).

    kind 0 the value, 1 its squared distance from `centre`, 2 its square when negative
    (a downside return), 3 its absolute change from the one before (0 before the first).
    """
    if kind == 3:
        return abs(values[i & mask] - (values[(i - 1) & mask] if i > 0 else 0.0))
    x = values[i & mask]
    if kind == 0:
        return x
    if kind == 1:
        return (x - centre) * (x - centre)
    return min(x, 0.0) * min(x, 0.0)


@njit(cache=True, inline="always")
def _block(values, lo, n, kind, centre, mask):  # pragma: no cover
    """Sum of up to 128 terms as numpy adds them: eight running sums, then the rest."""
    if n < 8:
        total = 0.0
        for i in range(lo, lo + n):
            total += _term(values, i, kind, centre, mask)
        return total
    r0 = _term(values, lo, kind, centre, mask)
    r1 = _term(values, lo + 1, kind, centre, mask)
    r2 = _term(values, lo + 2, kind, centre, mask)
    r3 = _term(values, lo + 3, kind, centre, mask)
    r4 = _term(values, lo + 4, kind, centre, mask)
    r5 = _term(values, lo + 5, kind, centre, mask)
    r6 = _term(values, lo + 6, kind, centre, mask)
    r7 = _term(values, lo + 7, kind, centre, mask)
    i = 8
    while i < n - n % 8:
        r0 += _term(values, lo + i, kind, centre, mask)
        r1 += _term(values, lo + i + 1, kind, centre, mask)
        r2 += _term(values, lo + i + 2, kind, centre, mask)
        r3 += _term(values, lo + i + 3, kind, centre, mask)
        r4 += _term(values, lo + i + 4, kind, centre, mask)
        r5 += _term(values, lo + i + 5, kind, centre, mask)
        r6 += _term(values, lo + i + 6, kind, centre, mask)
        r7 += _term(values, lo + i + 7, kind, centre, mask)
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += _term(values, lo + i, kind, centre, mask)
        i += 1
    return total


@njit(cache=True)
def _plan(n):  # pragma: no cover
    """The blocks of numpy's pairwise sum of `n` terms, in order, and how it adds them up.

    numpy halves a sum (at a multiple of 8) until a part has at most 128 terms. Returns
    the blocks' starts and sizes, and a program for :func:`_tree_sum`: ``k >= 0`` takes
    block ``k``'s sum, ``-1`` adds the last two sums (left + right). Walked with a stack
    (numba's cache does not keep recursive functions).
    """
    cap = n // 32 + 2  # blocks of a sum over 128 terms have at least 57
    starts = np.empty(cap, np.int64)
    sizes = np.empty(cap, np.int64)
    program = np.empty(2 * cap, np.int64)
    part_start = np.empty(64, np.int64)
    part_size = np.empty(64, np.int64)
    stage = np.zeros(64, np.int64)
    depth, blocks, steps = 0, 0, 0
    part_start[0], part_size[0] = 0, n
    while depth >= 0:
        size = part_size[depth]
        half = size // 2
        half -= half % 8
        if size <= 128:
            starts[blocks], sizes[blocks] = part_start[depth], size
            program[steps] = blocks
            blocks += 1
            steps += 1
            depth -= 1
        elif stage[depth] < 2:  # visit the left part, then the right part
            child = depth + 1
            part_start[child] = part_start[depth] + (0 if stage[depth] == 0 else half)
            part_size[child] = half if stage[depth] == 0 else size - half
            stage[child] = 0
            stage[depth] += 1
            depth = child
        else:  # both parts summed: left + right
            program[steps] = -1
            steps += 1
            depth -= 1
    return starts[:blocks], sizes[:blocks], program[:steps]


@njit(cache=True)
def _tree_sum(sums, program):  # pragma: no cover
    """The blocks' `sums` added up as :func:`_plan`'s `program` says."""
    stack = np.empty(64)
    top = 0
    for step in program:
        if step >= 0:
            stack[top] = sums[step]
            top += 1
        else:
            top -= 1
            stack[top - 1] = stack[top - 1] + stack[top]
    return stack[0]


@njit(cache=True)
def _pairwise(values, kind, centre):  # pragma: no cover
    """Sum of all terms of `values` (see :func:`_term`) in numpy's order: ``np.sum``'s."""
    starts, sizes, program = _plan(values.shape[0])
    sums = np.empty(starts.shape[0])
    for k in range(starts.shape[0]):
        sums[k] = _block(values, starts[k], sizes[k], kind, centre, -1)
    return _tree_sum(sums, program)


@njit(cache=True)
def _stream_start(n):  # pragma: no cover
    """The state of a streaming pass over `n` candles (see :func:`_stream_candle`)."""
    returns = _plan(n - 1)
    candles = _plan(n)
    curves = np.zeros((2, 5))
    marks = np.zeros((2, 5), np.int64)
    ring = np.empty((4, RING))
    sums = np.empty((8, max(returns[0].shape[0], candles[0].shape[0])))
    counts = np.zeros(3, np.int64)  # blocks of returns done, blocks of candles done, exposed
    return returns, candles, curves, marks, ring, sums, counts


@njit(cache=True, inline="always")
def _track(curves, marks, ring, c, t, value):  # pragma: no cover
    """Curve `c`'s value at candle `t`: its return into the ring, its high and deepest fall.

    The fall's peak is the last candle at the high it started from, its recovery the first
    candle after the trough back at that high, as :func:`.metrics.max_drawdown` has them.
    """
    state, mark = curves[c], marks[c]
    if t > 0:
        r = value / state[_PREV] - 1.0
        ring[c, (t - 1) & _MASK] = r
        state[_LARGEST] = max(state[_LARGEST], abs(r))
    else:
        state[_HIGH] = value
    state[_PREV] = value
    if value >= state[_HIGH]:
        state[_HIGH] = value
        mark[_TOP_AT] = t
    else:
        fall = value / state[_HIGH] - 1.0
        if fall < state[_DEPTH]:
            state[_DEPTH] = fall
            state[_LEVEL] = state[_HIGH]
            mark[_TROUGH] = t
            mark[_PEAK] = mark[_TOP_AT]
            mark[_SEARCHING] = 1
            return
    if mark[_SEARCHING] and value >= state[_LEVEL]:
        mark[_RECOVERY] = t
        mark[_SEARCHING] = 0


@njit(cache=True, inline="always")
def _stream_candle(t, value, bench_value, exposure, fee, atol, state):  # pragma: no cover
    """Feed candle `t` (both curves' values, the exposure held, the fee) to a first pass.

    Each sum is kept as numpy's pairwise sum over the whole curve would add it: a block's
    terms are summed from the ring once the block's last candle is in.
    """
    returns, candles, curves, marks, ring, sums, counts = state
    _track(curves, marks, ring, 0, t, value)
    _track(curves, marks, ring, 1, t, bench_value)
    ring[_EXPOSURE, t & _MASK] = exposure
    ring[_FEES, t & _MASK] = fee
    if abs(exposure) > atol:
        counts[2] += 1
    k = counts[0]
    if k < returns[0].shape[0] and t == returns[0][k] + returns[1][k]:
        lo, size = returns[0][k], returns[1][k]
        sums[_MEAN, k] = _block(ring[_RETURNS], lo, size, 0, 0.0, _MASK)
        sums[_DOWN, k] = _block(ring[_RETURNS], lo, size, 2, 0.0, _MASK)
        sums[_BENCH_MEAN, k] = _block(ring[_BENCH_RETURNS], lo, size, 0, 0.0, _MASK)
        sums[_BENCH_DOWN, k] = _block(ring[_BENCH_RETURNS], lo, size, 2, 0.0, _MASK)
        counts[0] = k + 1
    k = counts[1]
    if k < candles[0].shape[0] and t == candles[0][k] + candles[1][k] - 1:
        lo, size = candles[0][k], candles[1][k]
        sums[_TRADED, k] = _block(ring[_EXPOSURE], lo, size, 3, 0.0, _MASK)
        sums[_PAID, k] = _block(ring[_FEES], lo, size, 0, 0.0, _MASK)
        counts[1] = k + 1


@njit(cache=True, inline="always")
def _stream_squares(t, value, bench_value, means, state):  # pragma: no cover
    """Feed candle `t` to the second pass: the returns' squared distances from their means."""
    returns, _, curves, _, ring, sums, counts = state
    if t == 0:
        counts[0] = 0
    else:
        ring[0, (t - 1) & _MASK] = value / curves[0, _PREV] - 1.0
        ring[1, (t - 1) & _MASK] = bench_value / curves[1, _PREV] - 1.0
    curves[0, _PREV] = value
    curves[1, _PREV] = bench_value
    k = counts[0]
    if k < returns[0].shape[0] and t == returns[0][k] + returns[1][k]:
        lo, size = returns[0][k], returns[1][k]
        sums[_SQUARES, k] = _block(ring[_RETURNS], lo, size, 1, means[0], _MASK)
        sums[_BENCH_SQUARES, k] = _block(ring[_BENCH_RETURNS], lo, size, 1, means[1], _MASK)
        counts[0] = k + 1


@njit(cache=True)
def _means(state):  # pragma: no cover
    """Both curves' mean return after the first pass."""
    returns, sums = state[0], state[5]
    bars = returns[0][-1] + returns[1][-1]  # the returns summed
    means = np.empty(2)
    means[0] = _tree_sum(sums[_MEAN], returns[2]) / bars
    means[1] = _tree_sum(sums[_BENCH_MEAN], returns[2]) / bars
    return means


@njit(cache=True)
def _stream_numbers(state, means):  # pragma: no cover
    """What the table needs, after both passes: see :func:`_column` and :func:`_table`.

    Returns a (2, 6) float array, one row per curve (strategy, buy-and-hold): mean return,
    sum of squared distances from it, sum of squared downside returns, largest |return|,
    high, deepest fall, and a (2, 3) int array: the fall's peak, trough and recovery (-1
    none); then the candles exposed, the summed |change of exposure| and the fees.
    """
    returns, candles, curves, marks, _, sums, counts = state
    numbers = np.empty((2, 6))
    when = np.empty((2, 3), np.int64)
    rows = ((_DOWN, _SQUARES), (_BENCH_DOWN, _BENCH_SQUARES))
    for c in range(2):
        numbers[c, 0] = means[c]
        numbers[c, 1] = _tree_sum(sums[rows[c][1]], returns[2])
        numbers[c, 2] = _tree_sum(sums[rows[c][0]], returns[2])
        numbers[c, 3] = curves[c, _LARGEST]
        numbers[c, 4] = curves[c, _HIGH]
        numbers[c, 5] = curves[c, _DEPTH]
        when[c, 0] = marks[c, _PEAK]
        when[c, 1] = marks[c, _TROUGH]
        when[c, 2] = marks[c, _RECOVERY] if curves[c, _DEPTH] < 0.0 and \
            not marks[c, _SEARCHING] else -1
    return (numbers, when, counts[2], _tree_sum(sums[_TRADED], candles[2]),
            _tree_sum(sums[_PAID], candles[2]))


@njit(cache=True)
def _stored_numbers(values, bench_values, exposure, fees, atol):  # pragma: no cover
    """:func:`_stream_numbers` of stored curves: two passes over the arrays."""
    state = _stream_start(values.shape[0])
    for t in range(values.shape[0]):
        _stream_candle(t, values[t], bench_values[t], exposure[t], fees[t], atol, state)
    means = _means(state)
    for t in range(values.shape[0]):
        _stream_squares(t, values[t], bench_values[t], means, state)
    return _stream_numbers(state, means)


@njit(cache=True)
def _spacing_range(stamps):  # pragma: no cover
    """Smallest and largest gap between consecutive times (int64 ns)."""
    low = stamps[1] - stamps[0]
    high = low
    for t in range(2, stamps.shape[0]):
        gap = stamps[t] - stamps[t - 1]
        low = min(low, gap)
        high = max(high, gap)
    return low, high


def _column(index: pd.DatetimeIndex, ppy: float, first: float, last: float,
            numbers: np.ndarray, when: np.ndarray, *, exposed_share: float, turnover: float,
            trade_returns: np.ndarray, fees_paid: float) -> list:
    """One column of the table from a curve's numbers (a row of :func:`_stream_numbers`)."""
    mean, squares, downside_squares, largest_return, high, depth = numbers
    peak, trough, recovery = (int(i) for i in when)
    bars = len(index) - 1
    std = math.sqrt(squares / (bars - 1)) if bars >= 2 else math.nan
    flat = std <= _FLAT_RTOL * largest_return if bars >= 2 else True
    downside = math.sqrt(downside_squares / bars)
    cagr = _cagr(first, last, bars, ppy)
    if depth < 0.0:
        end = index[recovery] if recovery >= 0 else index[-1]
        drawdown = Drawdown(depth=depth, peak=index[peak], trough=index[trough],
                            recovery=index[recovery] if recovery >= 0 else None,
                            duration=end - index[peak])
    else:
        drawdown = Drawdown(depth=0.0, duration=pd.Timedelta(0))
    n_trades = int(trade_returns.size)
    has_trades = n_trades > 0

    def percent(value: float) -> float:
        return float(value) * 100.0

    def when_(stamp):
        return pd.NaT if stamp is None else stamp

    return [
        index[0],
        index[-1],
        index[-1] - index[0],
        percent(exposed_share),
        float(last),
        float(high),
        percent(last / first - 1.0),
        percent(cagr),
        percent(std * math.sqrt(ppy)),
        math.nan if flat else float(mean / std * math.sqrt(ppy)),
        math.nan if bars < 2 or downside <= _FLAT_RTOL * largest_return
        else float(mean / downside * math.sqrt(ppy)),
        _calmar(cagr, drawdown.depth),
        percent(drawdown.depth),
        when_(drawdown.peak),
        when_(drawdown.trough),
        when_(drawdown.duration),
        turnover,
        n_trades,
        percent(np.mean(trade_returns > 0)) if has_trades else math.nan,
        percent(np.max(trade_returns)) if has_trades else math.nan,
        percent(np.min(trade_returns)) if has_trades else math.nan,
        percent(np.mean(trade_returns)) if has_trades else math.nan,
        float(fees_paid),
    ]


def _table(index: pd.DatetimeIndex, timeframe: str, ends: np.ndarray, numbers, *,
           trade_returns: np.ndarray, benchmark_fees: float) -> pd.DataFrame:
    """The table from :func:`_stream_numbers`' `numbers` and the curves' `ends`.

    `ends` holds each curve's first and last value (row 0 the strategy's, 1 buy-and-hold's).
    """
    ppy = periods_per_year(timeframe)
    curve, when, exposed, traded, paid = numbers
    bars = len(index) - 1
    strategy = _column(index, ppy, ends[0, 0], ends[0, 1], curve[0], when[0],
                       exposed_share=exposed / len(index), turnover=traded * ppy / bars,
                       trade_returns=trade_returns, fees_paid=paid)
    benchmark_total = ends[1, 1] / ends[1, 0] - 1.0
    buy_and_hold = _column(index, ppy, ends[1, 0], ends[1, 1], curve[1], when[1],
                           exposed_share=1.0, turnover=1.0 * ppy / bars,
                           trade_returns=np.array([benchmark_total]), fees_paid=benchmark_fees)
    return pd.DataFrame({"strategy": strategy, "buy_and_hold": buy_and_hold},
                        index=pd.Index(STATS_KEYS), dtype=object)


def _check_cash(initial_cash: float) -> float:
    cash = _check_rate(initial_cash, "initial_cash")
    if cash <= 0:
        raise ConfigError(f"initial_cash must be a positive amount in USD; got {initial_cash!r}")
    return cash


def _check_spacing(index: pd.DatetimeIndex, timeframe: str) -> None:
    """Bars spaced like `timeframe` (median gap within 10%), or a clear error."""
    bar = timeframe_to_timedelta(timeframe)

    def off(gap) -> bool:  # 10% slack: calendar-month candles ("1M") are 28 to 31 days
        return abs(gap / bar - 1.0) > 0.1

    # the median gap lies between the smallest and the largest: when both are close to
    # the timeframe, so is the median, and it need not be computed
    gaps = _spacing_range(index.asi8) if len(index) >= 3 else None
    per = pd.Timedelta(1, unit=index.unit)
    spacing = None if gaps is None or not any(off(int(g) * per) for g in gaps) else \
        pd.Series(index).diff().median()
    if spacing is not None and off(spacing):
        raise DataContractError(f"equity bars are {spacing} apart (median) but timeframe is "
                                f"{timeframe!r} ({bar}); pass the timeframe of the bars, "
                                "or annualised figures would be wrong")


def stats_table(
    equity: pd.Series,
    benchmark_equity: pd.Series,
    *,
    exposure: pd.Series,
    trades: pd.DataFrame,
    fees: pd.Series,
    timeframe: str,
    initial_cash: float,
    benchmark_fees: float = 0.0,
) -> pd.DataFrame:
    """The strategy's statistics next to buy-and-hold's, one row per :data:`STATS_KEYS`.

    Parameters
    ----------
    equity : pd.Series
        The strategy's account value in USD at every bar, strictly positive, on a sorted,
        unique DatetimeIndex; the first value is the starting cash.
    benchmark_equity : pd.Series
        Buy-and-hold's account value in USD on the same bars, also starting at
        `initial_cash`.
    exposure : pd.Series
        The strategy's per-bar fraction of equity held (1 long, 0 flat, negative short) on
        the same bars, no NaN.
    trades : pd.DataFrame
        One row per trade with at least ``entry_time``, ``exit_time`` and ``return`` (the
        round trip's return as a fraction, 0.05 = +5%); rows with a NaN return are not
        counted.
    fees : pd.Series
        Fees paid by the strategy in USD at every bar, on the same bars.
    timeframe : str
        The bars' ccxt timeframe (e.g. ``"1d"``), for annualising over a 365-day year.
    initial_cash : float
        Starting account value in USD; both curves must start at it (relative tolerance
        1e-9), so that the two columns compare the same money.
    benchmark_fees : float
        Fees buy-and-hold paid in USD (its one buy), since its equity curve does not say.

    Returns
    -------
    pd.DataFrame
        object dtype, index :data:`STATS_KEYS` in order, columns ``"strategy"`` and
        ``"buy_and_hold"``. Times are Timestamps, durations Timedeltas (NaT when
        undefined), ``# Trades`` an int, everything else floats (NaN when undefined).
        Percentages are in percent (-23.4 = -23.4%); Max. Drawdown [%] is <= 0. Buy-and-hold
        counts as always exposed (exposure 1 at every bar) and as one trade whose return is
        its total return. See ``docs/backtests_stats.md`` for every row.

    Raises
    ------
    DataContractError
        An input breaks its contract: not on the same bars as `equity`, NaN, non-positive
        equity, a curve not starting at `initial_cash`, bars spaced unlike `timeframe`
        (median spacing more than 10% off), `trades` without the needed columns.
    ConfigError
        `timeframe` is not a ccxt timeframe; `initial_cash` or `benchmark_fees` is not a
        valid number.
    """
    periods_per_year(timeframe)  # a bad timeframe is reported first
    values = _check_equity(equity, need_times=True)
    benchmark_values = _check_equity(benchmark_equity, "benchmark_equity", need_times=True)
    index = equity.index
    if len(index) < 2:
        raise DataContractError(f"equity has {len(index)} value(s); the stats table needs at "
                                "least 2 bars. Run the backtest over a longer period")
    _check_same_index(benchmark_equity, "benchmark_equity", index)
    _check_same_index(_as_float_series(exposure, "exposure"), "exposure", index)
    exposure_values = _check_exposure(exposure)
    fee_values = _as_float_series(fees, "fees")
    _check_same_index(fee_values, "fees", index)
    if not np.isfinite(fee_values.to_numpy()).all():
        raise DataContractError("fees has NaN or infinite values; give the USD fees paid at "
                                "every bar. Use fees.fillna(0.0) for bars without trades")
    trade_returns = _check_trades(trades)

    cash = _check_cash(initial_cash)
    for argument, curve in (("equity", values), ("benchmark_equity", benchmark_values)):
        first = float(curve[0])
        if not math.isclose(first, cash, rel_tol=1e-9):
            raise DataContractError(
                f"{argument} must start at initial_cash={cash:g} USD; its first value is "
                f"{first:g}. Begin the curve with the starting cash, before the first trade")
    bench_fees = _check_rate(benchmark_fees, "benchmark_fees")
    _check_spacing(index, timeframe)
    numbers = _stored_numbers(values, benchmark_values, exposure_values,
                              fee_values.to_numpy(dtype="float64"), _EXPOSURE_ATOL)
    ends = np.array([[values[0], values[-1]], [benchmark_values[0], benchmark_values[-1]]])
    return _table(index, timeframe, ends, numbers, trade_returns=trade_returns,
                  benchmark_fees=bench_fees)
