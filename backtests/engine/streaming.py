"""Sums in numpy's pairwise order, and the streaming passes behind the stats table.

A stats figure must equal what the plain numpy computation on the stored curve gives, bit
for bit (``tests/backtests/engine/test_fused_passes.py``), so every sum here adds its
terms as ``np.sum`` does: numpy halves a sum (at a multiple of 8) until a part has at most
128 terms, sums each part with eight running sums, and adds the parts back up.
:func:`_plan` gives those parts, :func:`_block` sums one, :func:`_tree_sum` adds them.

:func:`_passes` walks the candles twice (the returns' variance needs their mean first):
either stored curves (``stats_table``) or the simulation itself, one step of
:mod:`.kernel` at a time, so that ``backtests.run`` never writes the curves of a million
candles to memory. The last 256 candles' terms are kept in rings; a part is summed once
its last candle is in.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from backtests.engine.kernel import _begin, _step

__all__: list[str] = []

RING = 256
"""Candles a streaming pass keeps (a power of 2): a part reads at most 129."""
_MASK = RING - 1
# rows of the parts' sums
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


@njit(cache=True, inline="always")
def _track(t, value, curve):  # pragma: no cover
    """A curve's value at candle `t` into its state (:data:`_NEW_CURVE`); and its return.

    The state: the last value, the high and the last candle at it, the deepest fall and
    the high it fell from, its trough and peak (the last candle at that high), its
    recovery (the first candle after the trough back at that high; -1 none), whether the
    recovery is still looked for, and the largest |return|, as
    :func:`.metrics.max_drawdown` and :mod:`.stats` have them.
    """
    prev, high, top_at, depth, level, trough, peak, recovery, searching, largest = curve
    r = 0.0
    if t > 0:
        r = value / prev - 1.0
        largest = max(largest, abs(r))
    else:
        high = value
    if value >= high:
        high = value
        top_at = t
        # the first candle back at the fall's high is at a high: either no higher high came
        # since, or one did and was the recovery
        if searching and value >= level:
            recovery = t
            searching = False
    else:
        fall = value / high - 1.0
        if fall < depth:
            depth, level, trough, peak, searching = fall, high, t, top_at, True
    return (value, high, top_at, depth, level, trough, peak, recovery, searching, largest), r


_NEW_CURVE = (0.0, 0.0, 0, 0.0, 0.0, 0, 0, -1, False, 0.0)


@njit(cache=True)
def _passes(values, bench_values, exposure, fees, open_, close, target, cost_rate, at_open,
            initial_cash, atol, starts, stops, paid_before, paid_through):  # pragma: no cover
    """Everything the stats table needs from the curves, in two passes over the candles.

    The candles are the stored curves (`values`, `bench_values`: the strategy's and
    buy-and-hold's equity, `exposure`, `fees`) or, when `close` is not empty, the
    simulation of `open_`, `close`, `target` (:func:`.kernel._step`), which also writes
    each trade's stretch to `starts`, `stops` (the candle after its last; ``n`` while
    open), `paid_before` and `paid_through` (fees paid before it and through its exit
    candle, in time order as ``np.cumsum`` adds). A trade is a stretch of candles with a
    position in force (``target[t - 1] != 0`` on candle ``t``).

    Returns
    -------
    numbers : np.ndarray
        Shape (2, 6), a row per curve (strategy, buy-and-hold): mean return, sum of squared
        distances from it, sum of squared negative returns, largest |return|, high,
        deepest fall (<= 0).
    when : np.ndarray
        Shape (2, 3), int: the fall's peak, trough and recovery candles (-1 none).
    ends : np.ndarray
        Shape (2, 2): each curve's first and last value.
    exposed, traded, paid : int, float, float
        Candles with ``|exposure| > atol``, the summed |change of exposure|, the fees.
    trades, bench_fee, bad : int, float, int
        Trades written, buy-and-hold's fee, and the first candle whose equity is not a
        finite positive number or whose exposure is not finite (-1: none); simulation only.
    """
    simulate = close.shape[0] > 0
    n = close.shape[0] if simulate else values.shape[0]
    r_starts, r_sizes, r_program = _plan(n - 1)  # the returns
    c_starts, c_sizes, c_program = _plan(n)  # the candles: exposure changes, fees
    sums = np.empty((8, max(r_starts.shape[0], c_starts.shape[0])))
    ring, bench_ring = np.empty(RING), np.empty(RING)
    held_ring, fee_ring = np.empty(RING), np.empty(RING)
    ends = np.empty((2, 2))
    curve, bench_curve = _NEW_CURVE, _NEW_CURVE
    account = _begin(initial_cash)
    value = bench = held = fee = 0.0
    rk = ck = exposed = count = 0
    bad = -1
    active = False
    spent = 0.0
    for t in range(n):
        if simulate:
            account, value, bench, held, fee = _step(t, open_, close, target, cost_rate,
                                                     at_open, account)
            if bad < 0 and not (0.0 < value < np.inf and 0.0 < bench < np.inf
                                and np.isfinite(held)):
                bad = t
            now = t > 0 and target[t - 1] != 0.0
            if now and not active:
                starts[count] = t
                paid_before[count] = spent
                count += 1
            spent += fee
            if active and not now:
                stops[count - 1] = t
                paid_through[count - 1] = spent  # the exit candle's fee included
            active = now
        else:
            value, bench, held, fee = values[t], bench_values[t], exposure[t], fees[t]
        if t == 0:
            ends[0, 0], ends[1, 0] = value, bench
        curve, r = _track(t, value, curve)
        bench_curve, bench_r = _track(t, bench, bench_curve)
        if t > 0:
            ring[(t - 1) & _MASK] = r
            bench_ring[(t - 1) & _MASK] = bench_r
        held_ring[t & _MASK] = held
        fee_ring[t & _MASK] = fee
        if abs(held) > atol:
            exposed += 1
        if rk < r_starts.shape[0] and t == r_starts[rk] + r_sizes[rk]:
            lo, size = r_starts[rk], r_sizes[rk]
            sums[_MEAN, rk] = _block(ring, lo, size, 0, 0.0, _MASK)
            sums[_DOWN, rk] = _block(ring, lo, size, 2, 0.0, _MASK)
            sums[_BENCH_MEAN, rk] = _block(bench_ring, lo, size, 0, 0.0, _MASK)
            sums[_BENCH_DOWN, rk] = _block(bench_ring, lo, size, 2, 0.0, _MASK)
            rk += 1
        if ck < c_starts.shape[0] and t == c_starts[ck] + c_sizes[ck] - 1:
            lo, size = c_starts[ck], c_sizes[ck]
            sums[_TRADED, ck] = _block(held_ring, lo, size, 3, 0.0, _MASK)
            sums[_PAID, ck] = _block(fee_ring, lo, size, 0, 0.0, _MASK)
            ck += 1
    if active:
        stops[count - 1] = n
        paid_through[count - 1] = spent
    ends[0, 1], ends[1, 1] = value, bench
    mean = _tree_sum(sums[_MEAN], r_program) / (n - 1)
    bench_mean = _tree_sum(sums[_BENCH_MEAN], r_program) / (n - 1)

    account = _begin(initial_cash)
    prev = bench_prev = 0.0
    rk = 0
    for t in range(n):
        if simulate:
            account, value, bench, _, _ = _step(t, open_, close, target, cost_rate, at_open,
                                                account)
        else:
            value, bench = values[t], bench_values[t]
        if t > 0:
            ring[(t - 1) & _MASK] = value / prev - 1.0
            bench_ring[(t - 1) & _MASK] = bench / bench_prev - 1.0
        prev, bench_prev = value, bench
        if rk < r_starts.shape[0] and t == r_starts[rk] + r_sizes[rk]:
            lo, size = r_starts[rk], r_sizes[rk]
            sums[_SQUARES, rk] = _block(ring, lo, size, 1, mean, _MASK)
            sums[_BENCH_SQUARES, rk] = _block(bench_ring, lo, size, 1, bench_mean, _MASK)
            rk += 1

    numbers = np.empty((2, 6))
    when = np.empty((2, 3), np.int64)
    for c, (state, centre, rows) in enumerate(((curve, mean, (_SQUARES, _DOWN)),
                                               (bench_curve, bench_mean,
                                                (_BENCH_SQUARES, _BENCH_DOWN)))):
        numbers[c, 0] = centre
        numbers[c, 1] = _tree_sum(sums[rows[0]], r_program)
        numbers[c, 2] = _tree_sum(sums[rows[1]], r_program)
        numbers[c, 3], numbers[c, 4], numbers[c, 5] = state[9], state[1], state[3]
        when[c, 0], when[c, 1] = state[6], state[5]
        when[c, 2] = state[7] if state[3] < 0.0 and not state[8] else -1
    return (numbers, when, ends, exposed, _tree_sum(sums[_TRADED], c_program),
            _tree_sum(sums[_PAID], c_program), count, account[5], bad)
