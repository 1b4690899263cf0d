"""The compiled passes over a backtest's candles behind the stats table; no curve stored.

A backtest's curves (both equities, the exposure, the fees) are 32 MB at a million
candles, and writing them to fresh memory costs more than simulating them again. So each
pass walks either the stored curves (``stats_table``) or the simulation itself, one step
of :mod:`.kernel` at a time, and keeps only running figures: :func:`_sums` the returns'
and the exposure's sums, :func:`_falls` both curves' deepest fall and the trades'
stretches (:func:`_candle` gives each candle); :func:`curve_numbers` runs both for
:func:`.stats._table`.

Two short loops run faster than one long one, whose running figures no longer fit the
processor's registers. The sums are running sums in time order. Their rounding error grows
with the square root of the candles in practice, where numpy's pairwise sums grow with its
logarithm; the figures agree with the plain metric functions to 1e-10 relative, tested up
to a million candles (``tests/backtests/engine/test_passes.py``). The returns' squared
deviations come in the same pass as their mean: they are summed about the first return (a
shift, so that a steady curve gives exactly 0) and centred at the end, which loses a
factor of ``1 + (mean - first return)**2 / variance`` in precision.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from backtests.engine.kernel import _begin, _step
from backtests.engine.metrics import _EXPOSURE_ATOL

__all__ = ["curve_numbers"]

GUARD = 1e-9
"""How close to the deepest fall (as a fraction) a value must come to be divided out."""


@njit(cache=True, inline="always")
def _candle(t, values, bench_values, exposure, fees, open_, close, target, cost_rate,
            at_open, account):  # pragma: no cover
    """Candle `t`, simulated or read from the stored curves.

    The simulation's step (:func:`.kernel._step`) when `values` is ``None``: numba then
    compiles the pass apart from the one over stored curves, so that neither tests which
    it is at every candle. Returns the account after the candle, both values, the
    exposure and the fee.
    """
    if values is None:
        return _step(t, open_, close, target, cost_rate, at_open, account)
    return account, values[t], bench_values[t], exposure[t], fees[t]


@njit(cache=True, error_model="numpy")
def _sums(n, values, bench_values, exposure, fees, open_, close, target, cost_rate,
          at_open, initial_cash, atol):  # pragma: no cover
    """The sums of both curves' returns and of the exposure over `n` candles, in one pass.

    Returns
    -------
    sums : np.ndarray
        8 sums: per curve (strategy, buy-and-hold) the returns, the squares of their
        distances from the first return, the squared negative returns; then the |changes
        of exposure| (from 0 before the first candle) and the fees.
    figures : np.ndarray
        Per curve: the first return (the shift), the largest |return|, the first and the
        last value.
    exposed : int
        Candles with ``|exposure| > atol``.
    usable : bool
        Whether every value was a finite positive number and every exposure finite.
    """
    account = _begin(initial_cash)
    first = bench_first = prev = bench_prev = last_held = 0.0
    shift = bench_shift = largest = bench_largest = 0.0
    a = b = c = d = e = f = traded = paid = 0.0
    lowest = np.inf
    exposed = 0
    for t in range(n):
        account, value, bench, held, fee = _candle(t, values, bench_values, exposure, fees,
                                                   open_, close, target, cost_rate,
                                                   at_open, account)
        lowest = min(lowest, value, bench)
        if t > 0:
            r = value / prev - 1.0
            bench_r = bench / bench_prev - 1.0
            if t == 1:
                shift, bench_shift = r, bench_r
            largest = max(largest, abs(r))
            bench_largest = max(bench_largest, abs(bench_r))
            a += r
            b += (r - shift) * (r - shift)
            c += min(r, 0.0) * min(r, 0.0)
            d += bench_r
            e += (bench_r - bench_shift) * (bench_r - bench_shift)
            f += min(bench_r, 0.0) * min(bench_r, 0.0)
        else:
            first, bench_first = value, bench
        prev, bench_prev = value, bench
        traded += abs(held - last_held)
        last_held = held
        paid += fee
        if abs(held) > atol:
            exposed += 1
    sums = np.array([a, b, c, d, e, f, traded, paid])
    figures = np.array([[shift, largest, first, prev],
                        [bench_shift, bench_largest, bench_first, bench_prev]])
    # NaN or infinite values and exposures make the sums so
    return sums, figures, exposed, lowest > 0.0 and np.isfinite(sums).all()


@njit(cache=True, inline="always")
def _track(t, value, state, when):  # pragma: no cover
    """A curve's value at candle `t` into its deepest fall so far; the new state and when.

    `state` holds the high, the deepest fall (<= 0), the high it fell from and the value
    below which a fall may be deeper (:data:`GUARD` above it), so that a fall is divided
    out only near a new deepest one; `when` the last candle at the high, the fall's peak
    (the last candle at its high), its trough (the first, if several are as deep), its
    recovery (the first candle after the trough back at that high; -1 none) and whether
    it is still looked for (1), as :func:`.metrics.max_drawdown` has them.
    """
    high, depth, level, floor = state
    top, peak, trough, recovery, searching = when
    if value >= high:
        high, top = value, t
        floor = value * (1.0 + depth + GUARD)
        # the first candle back at the fall's high is at a high: either no higher high
        # came since, or one did and was the recovery
        if searching and value >= level:
            recovery, searching = t, 0
    elif value < floor:
        fall = value / high - 1.0
        if fall < depth:
            depth, level, peak, trough, searching = fall, high, top, t, 1
            floor = high * (1.0 + fall + GUARD)
    return (high, depth, level, floor), (top, peak, trough, recovery, searching)


@njit(cache=True, error_model="numpy")
def _falls(n, values, bench_values, exposure, fees, open_, close, target, cost_rate,
           at_open, initial_cash, starts, stops, paid_before,
           paid_through):  # pragma: no cover
    """Both curves' deepest falls over `n` candles; simulating, each trade's stretch.

    A trade is a stretch of candles with a position in force (``target[t - 1] != 0`` on
    candle ``t``): its first candle (`starts`), the candle after its last (`stops`; ``n``
    while open), and the fees paid before it and through its exit candle (`paid_before`,
    `paid_through`, USD, added in time order as ``np.cumsum`` adds).

    Returns
    -------
    falls : np.ndarray
        Shape (2, 2), per curve (strategy, buy-and-hold): high, deepest fall (<= 0).
    times : np.ndarray
        Shape (2, 3), int: per curve the fall's peak, trough and recovery (-1 none).
    trades, bench_fee : int, float
        Trades written, and buy-and-hold's fee (simulating; else 0).
    """
    state = bench_state = (0.0, 0.0, 0.0, 0.0)
    when = bench_when = (0, -1, -1, -1, 0)
    account = _begin(initial_cash)
    count = 0
    active = False
    spent = 0.0
    for t in range(n):
        account, value, bench, _, fee = _candle(t, values, bench_values, exposure, fees,
                                                open_, close, target, cost_rate, at_open,
                                                account)
        if t == 0:  # the first high
            state = (value, 0.0, 0.0, value * (1.0 + GUARD))
            bench_state = (bench, 0.0, 0.0, bench * (1.0 + GUARD))
        state, when = _track(t, value, state, when)
        bench_state, bench_when = _track(t, bench, bench_state, bench_when)
        if values is None:
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
    if active:
        stops[count - 1] = n
        paid_through[count - 1] = spent
    falls = np.array([state[:2], bench_state[:2]])
    # peak, trough, recovery (-1 while never recovered)
    times = np.empty((2, 3), np.int64)
    for row, w in enumerate((when, bench_when)):
        times[row, 0], times[row, 1], times[row, 2] = w[1], w[2], w[3] if not w[4] else -1
    return falls, times, count, account[5]


def curve_numbers(curves: tuple, simulation: tuple, initial_cash: float,
                  stretches: tuple) -> tuple:
    """What :func:`.stats._table` reads, from :func:`_sums` and :func:`_falls`.

    Parameters
    ----------
    curves : tuple of np.ndarray
        The stored strategy equity, buy-and-hold equity, exposure and fees (USD), or four
        ``None`` to simulate.
    simulation : tuple
        ``(open_, close, target, cost_rate, at_open)`` to simulate (:func:`.kernel._step`),
        or three empty arrays, 0.0 and True for stored curves.
    initial_cash : float
        Starting equity, USD.
    stretches : tuple of np.ndarray
        Where the trades' stretches go (see :func:`_falls`): room for every trade when
        simulating, else empty.

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
    trades, bench_fee : int, float
        Trades written to `stretches` and buy-and-hold's fee (simulating; else 0).
    usable : bool
        Whether both curves stayed finite positive numbers and the exposure finite; the
        other figures mean nothing otherwise.
    """
    n = len(simulation[1] if curves[0] is None else curves[0])
    sums, figures, exposed, usable = _sums(n, *curves, *simulation, initial_cash,
                                           _EXPOSURE_ATOL)
    state, when, trades, bench_fee = _falls(n, *curves, *simulation, initial_cash,
                                            *stretches)
    bars = n - 1
    numbers = np.empty((2, 6))
    for row in range(2):
        total, squares, downside = sums[3 * row:3 * row + 3]
        mean = total / bars
        off = mean - figures[row, 0]  # the mean's distance from the shift
        numbers[row] = (mean, max(squares - bars * off * off, 0.0), downside,
                        figures[row, 1], state[row, 0], state[row, 1])
    return (numbers, when, figures[:, 2:4], exposed, sums[6], sums[7], trades,
            bench_fee, usable)
