"""The compiled passes over a backtest's candles behind the stats table; no curve stored.

A backtest's curves (both equities, the exposure, the fees) are 32 MB at a million
candles, and writing them to fresh memory costs more than simulating them again. Between
two trades, though, an account holds the same cash and units, so its value at a close is
``cash + units * price``: a *stretch*. :func:`.kernel._stretches` walks the targets once
and trades where they change. :func:`_walk` then makes the values of a block of candles at
a time (:func:`.kernel._values`, as ``simulate_with_benchmark`` makes the curves) into
small buffers that stay in the processor's cache, and short loops over each block find both curves'
returns' sums and largest return, the exposure's sums and both curves' deepest fall.
Stored curves (``stats_table``) are copied into the same buffers and go through the same
loops, so :func:`simulated_numbers` and :func:`stored_numbers` give the same figures from
the same values, bit for bit.

Every value, return, exposure, high and fall is exactly what the stored curves give.
The sums are added in whatever order lets the processor add several candles at once
(``fastmath={"reassoc"}`` on those loops only), so the volatility, Sharpe, Sortino,
turnover and fees agree with the plain metric functions to 1e-10 relative, tested up to a
million candles (``tests/backtests/engine/test_passes.py``), not bit for bit. The
returns' squared deviations come in the same pass as their mean: they are summed about
the first return (a shift, so that a steady curve gives exactly 0) and centred at the
end, which loses a factor of ``1 + (mean - first return)**2 / variance`` in precision.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from backtests.engine.kernel import _stretches, _values
from backtests.engine.metrics import _EXPOSURE_ATOL

__all__ = ["simulated_numbers", "stored_numbers"]

GUARD = 1e-9
"""How close to the deepest fall (as a fraction) a value must come to be divided out."""

BLOCK = 512
"""Candles whose values are made at once, in buffers that stay in the processor's cache."""

CHUNK = 32
"""Candles looked at together for a new high or a deeper fall."""


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


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def _return_sums(values, returns, shift, total, squares, downside):  # pragma: no cover
    """The returns of ``values[1:]`` over ``values[:-1]`` into `returns`, and into the sums.

    The sums (see :func:`_walk`) may be added in any order (``reassoc``), so that the
    processor adds several candles at once; the returns themselves are exact.
    """
    for j in range(returns.shape[0]):
        r = values[j + 1] / values[j] - 1.0
        returns[j] = r
        total += r
        squares += (r - shift) * (r - shift)
        downside += min(r, 0.0) * min(r, 0.0)
    return total, squares, downside


@njit(cache=True, error_model="numpy")
def _largest(returns, largest):  # pragma: no cover
    """The largest of `largest` and the |returns|, in four running maxima at once."""
    a = b = c = d = largest
    m = returns.shape[0]
    j = 0
    while j + 4 <= m:
        a = max(a, abs(returns[j]))
        b = max(b, abs(returns[j + 1]))
        c = max(c, abs(returns[j + 2]))
        d = max(d, abs(returns[j + 3]))
        j += 4
    for i in range(j, m):
        a = max(a, abs(returns[i]))
    return max(max(a, b), max(c, d))


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def _exposure_sums(held, fees, atol, traded, exposed, paid):  # pragma: no cover
    """The exposure's |changes| and time above `atol`, and the fees, over some candles.

    ``held`` leads with the exposure before the candles; the sums may be added in any
    order (``reassoc``).
    """
    for j in range(fees.shape[0]):
        traded += abs(held[j + 1] - held[j])
        exposed += abs(held[j + 1]) > atol
        paid += fees[j]
    return traded, exposed, paid


@njit(cache=True, error_model="numpy")
def _curve_falls(values, first, state, when):  # pragma: no cover
    """Candles `first`, `first + 1`, ... with these `values` into the deepest fall.

    Chunks of candles that neither reach the high nor go below the floor (most of them)
    change nothing, so only the others go through :func:`_track` one by one.
    """
    for lo in range(0, values.shape[0], CHUNK):
        chunk = values[lo:lo + CHUNK]
        high, floor = state[0], state[3]
        busy = False
        for j in range(chunk.shape[0]):
            busy |= (chunk[j] >= high) | (chunk[j] < floor)
        if busy:
            for j in range(chunk.shape[0]):
                state, when = _track(first + lo + j, chunk[j], state, when)
    return state, when


@njit(cache=True)
def _fill(lo, hi, price, bench_price, bounds, accounts, paid, exposure, fees, stretch,
          values, bench, held, spent):  # pragma: no cover
    """Candles `lo` to `hi - 1` into the buffers' entries 1, 2, ...; the stretch after.

    Simulating (`exposure` and `fees` ``None``), :func:`.kernel._values` makes them
    (`stretch` is the stretch holding `lo`); otherwise the stored values are copied.
    """
    if exposure is None:
        return _values(lo, hi, price, bounds, accounts, paid, stretch, values[1:], bench[1:],
                       held[1:], spent[1:])
    m = hi - lo
    values[1:m + 1] = price[lo:hi]
    bench[1:m + 1] = bench_price[lo:hi]
    held[1:m + 1] = exposure[lo:hi]
    spent[1:m + 1] = fees[lo:hi]
    return stretch


@njit(cache=True, error_model="numpy")
def _walk(price, bench_price, bounds, accounts, paid, exposure, fees,
          atol):  # pragma: no cover
    """Every figure of both curves and the exposure, a block of candles at a time.

    The values of :data:`BLOCK` candles are made (:func:`_fill`) into buffers that stay
    in the processor's cache, each buffer led by the value before the block; short loops
    then each find one kind of figure over the block, most of them several candles at
    once.

    Returns
    -------
    sums : tuple of float
        Per curve (strategy, buy-and-hold) the returns, the squares of their distances
        from the first return, the squared negative returns; then the |changes of
        exposure| (from 0 before the first candle) and the fees.
    figures, bench_figures : tuple of float
        Per curve: the first return (the shift), the largest |return|, the first and the
        last value.
    states, whens : tuple
        Per curve, :func:`_track`'s state and times.
    exposed : int
        Candles with ``|exposure| > atol``.
    """
    n = bounds[-1]
    values, bench, held, spent = (np.empty(BLOCK + 1), np.empty(BLOCK + 1),
                                  np.empty(BLOCK + 1), np.empty(BLOCK + 1))
    returns = np.empty(BLOCK)
    held[0] = 0.0  # no exposure before the first candle
    # numba compiles a function again for each literal type it is called with: the
    # running figures start as plain int64 and float64
    zero, none = np.int64(0), np.int64(-1)
    stretch = exposed = zero
    first = bench_first = shift = bench_shift = largest = bench_largest = 0.0
    a = b = c = d = e = f = traded = spent_total = 0.0
    state = bench_state = (-np.inf, 0.0, 0.0, -np.inf)  # the first value is the first high
    when = bench_when = (zero, none, none, none, zero)
    m = 0  # the last candle's entry in the buffers
    for lo in range(0, n, BLOCK):
        values[0], bench[0], held[0] = values[m], bench[m], held[m]  # the candle before
        hi = min(lo + BLOCK, n)
        m = hi - lo
        stretch = _fill(lo, hi, price, bench_price, bounds, accounts, paid, exposure, fees,
                        stretch, values, bench, held, spent)
        skip = 0
        if lo == 0:  # the first candle has no return; the second's is the shift
            first, bench_first, skip = values[1], bench[1], 1
            if m > 1:
                shift, bench_shift = values[2] / values[1] - 1.0, bench[2] / bench[1] - 1.0
        a, b, c = _return_sums(values[skip:m + 1], returns[:m - skip], shift, a, b, c)
        largest = _largest(returns[:m - skip], largest)
        d, e, f = _return_sums(bench[skip:m + 1], returns[:m - skip], bench_shift, d, e, f)
        bench_largest = _largest(returns[:m - skip], bench_largest)
        traded, exposed, spent_total = _exposure_sums(held[:m + 1], spent[1:m + 1], atol,
                                                      traded, exposed, spent_total)
        state, when = _curve_falls(values[1:m + 1], lo, state, when)
        bench_state, bench_when = _curve_falls(bench[1:m + 1], lo, bench_state, bench_when)
    return ((a, b, c, d, e, f, traded, spent_total), (shift, largest, first, values[m]),
            (bench_shift, bench_largest, bench_first, bench[m]), (state, bench_state),
            (when, bench_when), exposed)


@njit(cache=True)
def _trades(bounds, target, paid):  # pragma: no cover
    """Each trade's stretch of candles, from the accounts' stretches (:func:`_stretches`).

    A trade is a stretch of candles with a position in force (``target[t - 1] != 0`` on
    candle ``t``), which starts and stops only where the strategy trades.

    Returns
    -------
    starts, stops : np.ndarray
        int, each trade's first candle and the candle after its last (the number of
        candles while open).
    paid_before, paid_through : np.ndarray
        The fees paid before the trade and through its exit candle, USD, added in time
        order as ``np.cumsum`` adds.
    """
    room = bounds.shape[0]  # a trade starts only where a stretch does
    starts, stops = np.empty(room, np.int64), np.empty(room, np.int64)
    paid_before, paid_through = np.empty(room), np.empty(room)
    count = 0
    active = False
    spent = 0.0
    for k in range(1, bounds.shape[0] - 1):
        t = bounds[k]
        now = target[t - 1] != 0.0
        if now and not active:
            starts[count], paid_before[count] = t, spent
            count += 1
        spent += paid[k]
        if active and not now:
            stops[count - 1], paid_through[count - 1] = t, spent  # the exit's fee included
        active = now
    if active:
        stops[count - 1], paid_through[count - 1] = bounds[-1], spent
    return starts[:count], stops[:count], paid_before[:count], paid_through[:count]


def _figures(walked: tuple, n: int) -> tuple:
    """:func:`_walk`'s findings over `n` candles, as :func:`.stats._table` reads them."""
    sums, *figures, states, whens, exposed = walked
    bars = n - 1
    numbers = np.empty((2, 6))
    ends = np.empty((2, 2))
    when = np.empty((2, 3), np.int64)
    for row, (shift, largest, first, last) in enumerate(figures):
        total, squares, downside = sums[3 * row:3 * row + 3]
        mean = total / bars
        off = mean - shift  # the mean's distance from the shift
        high, depth = states[row][:2]
        numbers[row] = (mean, max(squares - bars * off * off, 0.0), downside, largest, high,
                        depth)
        ends[row] = first, last
        peak, trough, recovery, searching = whens[row][1:]
        when[row] = peak, trough, -1 if searching else recovery
    # a value at or below 0 is a fall of 100% or more; NaN or infinite values and
    # exposures make the sums so
    usable = bool((ends[:, 0] > 0.0).all() and (numbers[:, 5] > -1.0).all()
                  and np.isfinite(sums).all())
    return numbers, when, ends, exposed, sums[6], sums[7], usable


def stored_numbers(values: np.ndarray, bench_values: np.ndarray, exposure: np.ndarray,
                   fees: np.ndarray) -> tuple:
    """What :func:`.stats._table` reads, from stored curves.

    Parameters
    ----------
    values, bench_values : np.ndarray
        The strategy's and buy-and-hold's equity at each close, USD, float64.
    exposure : np.ndarray
        The strategy's exposure at each close, fraction of equity.
    fees : np.ndarray
        The strategy's fees on each candle, USD.

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
    usable : bool
        Whether both curves stayed finite positive numbers and the exposure finite; the
        other figures mean nothing otherwise.
    """
    # one stretch each: no cash and one unit of the stored value
    walked = _walk(values, bench_values, np.array([0, len(values)]),
                   np.array([[0.0, 1.0, 0.0, 1.0]]), np.zeros(1), exposure, fees,
                   _EXPOSURE_ATOL)
    return _figures(walked, len(values))


def simulated_numbers(open_: np.ndarray, close: np.ndarray, target: np.ndarray,
                      cost_rate: float, at_open: bool, initial_cash: float) -> tuple:
    """What :func:`.stats._table` reads, and the trades, straight from the simulation.

    Parameters
    ----------
    open_, close, target : np.ndarray
        float64, as for :func:`.kernel.simulate`.
    cost_rate : float
        Fees and slippage per unit of traded notional (fraction).
    at_open : bool
        Fill on the next candle's open, else its close.
    initial_cash : float
        Starting equity, USD.

    Returns
    -------
    figures : tuple
        As :func:`stored_numbers` gives them for the simulated curves, bit for bit.
    trades : tuple of np.ndarray
        The trades' stretches (:func:`_trades`).
    hold_fee : float
        What buy-and-hold's one buy cost, USD.
    """
    bounds, accounts, paid, hold_fee = _stretches(open_, close, target, cost_rate, at_open,
                                                  initial_cash)
    walked = _walk(close, close, bounds, accounts, paid, None, None, _EXPOSURE_ATOL)
    return _figures(walked, len(close)), _trades(bounds, target, paid), hold_fee
