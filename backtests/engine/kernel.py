"""The simulation: decisions at each candle's close, fills on the next candle.

For each candle ``t`` the rule sets a target exposure at ``t``'s close, using only the
score available then (:func:`signals.align_to_bars`). The order fills on candle ``t + 1``:
at its open by default (``execution="open"``) or at its close. The account holds *units*
of the asset, so between decisions the exposure drifts with the price like a real
position; it trades only when the target changes. Every trade pays ``fee_bps +
slippage_bps`` basis points of the traded notional, and is sized so that the exposure
equals the target *after* that cost (entering from flat with cost ``c`` leaves
``1 / (1 + c)`` of the equity, all invested; leaving leaves ``1 - c``). A short position
(negative exposure) holds negative units and its proceeds as cash.

The core is one compiled loop (numba, cached on disk), so a backtest of 70,000 hourly
candles takes well under a millisecond; a sweep calls it once per combination.
:func:`simulate_with_benchmark` and ``backtests.run``'s passes (:mod:`.passes`) get the
same values another way: the accounts change only where the strategy trades
(:func:`_stretches`), and between trades a value is ``cash + units * close``
(:func:`_values`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from signals.errors import ConfigError, DataContractError

__all__ = ["EXECUTIONS", "candle_gaps", "check_candles", "simulate", "simulate_with_benchmark",
           "trade"]

EXECUTIONS = ("open", "close")


@njit(cache=True, inline="always")
def trade(cash, units, price, wanted, cost_rate):  # pragma: no cover
    """Move to `wanted` exposure at `price`: the new (cash, units) and the fee paid.

    The new position equals `wanted` of the equity *after* the fee, so a buy from flat
    keeps ``1 / (1 + cost_rate)`` of the equity, all invested, and a sale keeps
    ``1 - cost_rate``. Shared by the engine and the sweep, so both use one cost model.
    """
    value = cash + units * price
    old = units * price
    new = wanted * (value + cost_rate * old) / (1.0 + wanted * cost_rate)
    if new < old:
        new = wanted * (value - cost_rate * old) / (1.0 - wanted * cost_rate)
    fee = abs(new - old) * cost_rate
    return cash - (new - old + fee), new / price, fee


@njit(cache=True)
def _simulate(open_, close, target, cost_rate, at_open, initial_cash):  # pragma: no cover
    n = close.shape[0]
    equity = np.empty(n)
    held = np.empty(n)
    fees = np.zeros(n)
    cash = initial_cash
    units = 0.0
    current = 0.0
    for t in range(n):
        if t > 0:
            wanted = target[t - 1]
            if wanted != current:
                price = open_[t] if at_open else close[t]
                cash, units, fees[t] = trade(cash, units, price, wanted, cost_rate)
                current = wanted
        equity[t] = cash + units * close[t]
        held[t] = units * close[t] / equity[t] if equity[t] != 0.0 else 0.0
    return equity, held, fees


def simulate(
    open_: np.ndarray,
    close: np.ndarray,
    target: np.ndarray,
    *,
    fee_bps: float = 10.0,
    slippage_bps: float = 5.0,
    execution: str = "open",
    initial_cash: float = 10_000.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the compiled loop on plain arrays.

    Parameters
    ----------
    open_, close : np.ndarray
        Candle open and close prices, float64, positive, in time order.
    target : np.ndarray
        Exposure decided at each candle's close (fraction of equity; 1 long, 0 flat,
        negative short). The last candle's decision is never filled.
    fee_bps, slippage_bps : float
        Costs per unit of turnover, in basis points of the traded notional.
    execution : {"open", "close"}
        Fill on the next candle's open or on its close.
    initial_cash : float
        Starting equity, USD.

    Returns
    -------
    equity : np.ndarray
        Account value at each candle's close, USD.
    held : np.ndarray
        Exposure held at each candle's close (after drift), fraction of equity.
    fees : np.ndarray
        Fees and slippage paid on each candle, USD.
    """
    cost_rate = _cost_rate(execution, fee_bps, slippage_bps)
    return _simulate(np.ascontiguousarray(open_, dtype=np.float64),
                     np.ascontiguousarray(close, dtype=np.float64),
                     np.ascontiguousarray(target, dtype=np.float64), cost_rate,
                     execution == "open", float(initial_cash))


@njit(cache=True, inline="always")
def _account(accounts, row, cash, units, hold_cash, hold_units):  # pragma: no cover
    """Row `row` of :func:`_stretches`' accounts.

    Set element by element: numba takes seconds to compile a row set from a tuple.
    """
    accounts[row, 0], accounts[row, 1] = cash, units
    accounts[row, 2], accounts[row, 3] = hold_cash, hold_units


@njit(cache=True)
def _stretches(open_, close, target, cost_rate, at_open, initial_cash):  # pragma: no cover
    """Where the strategy's and buy-and-hold's accounts change over the candles, and to what.

    Stretch ``k`` covers candles ``bounds[k]`` to ``bounds[k + 1] - 1``: the first candle,
    the second (where buy-and-hold buys) and every candle where the strategy trades begin
    one, as :func:`simulate` trades.

    Returns
    -------
    bounds : np.ndarray
        int, the stretches' first candles, then the number of candles.
    accounts : np.ndarray
        Shape (stretches, 4): the strategy's cash and units through the stretch, then
        buy-and-hold's.
    paid : np.ndarray
        The strategy's fee on each stretch's first candle, USD.
    hold_fee : float
        What buy-and-hold's one buy cost, USD.
    """
    n = close.shape[0]
    bounds = np.empty(n + 1, np.int64)  # pages not written are never touched
    accounts = np.empty((n, 4))
    paid = np.empty(n)
    cash = hold_cash = initial_cash
    units = hold_units = current = hold_fee = 0.0
    bounds[0], paid[0] = 0, 0.0
    _account(accounts, 0, cash, units, hold_cash, hold_units)
    count = 1
    for t in range(1, n):
        wanted = target[t - 1]
        if wanted == current and t > 1:
            continue
        price = open_[t] if at_open else close[t]
        fee = 0.0
        if wanted != current:
            cash, units, fee = trade(cash, units, price, wanted, cost_rate)
            current = wanted
        if t == 1:
            hold_cash, hold_units, hold_fee = trade(hold_cash, hold_units, price, 1.0,
                                                    cost_rate)
        bounds[count], paid[count] = t, fee
        _account(accounts, count, cash, units, hold_cash, hold_units)
        count += 1
    bounds[count] = n
    return bounds[:count + 1], accounts[:count], paid[:count], hold_fee


@njit(cache=True, error_model="numpy")
def _values(lo, hi, close, bounds, accounts, paid, stretch, equity, bench, held,
            fees):  # pragma: no cover
    """Candles `lo` to `hi - 1` of both curves into the arrays' entries 0, 1, ...

    Within a stretch (:func:`_stretches`) a value is ``cash + units * close``; the
    exposure is the units' share of it (0 when it is 0) and the fee is paid on its first
    candle. `stretch` is the stretch holding `lo`; returns the one holding `hi`.
    """
    t = lo
    while t < hi:
        while bounds[stretch + 1] <= t:
            stretch += 1
        stop = min(hi, bounds[stretch + 1])
        cash, units = accounts[stretch, 0], accounts[stretch, 1]
        hold_cash, hold_units = accounts[stretch, 2], accounts[stretch, 3]
        at = t - lo
        # views from the first candle on, so that numba's indices need no wrap-around
        window, worth, hold = close[t:stop], equity[at:], bench[at:]
        share, fee = held[at:], fees[at:]
        for j in range(stop - t):
            part = units * window[j]
            value = cash + part
            worth[j] = value
            hold[j] = hold_cash + hold_units * window[j]
            share[j] = part / value if value != 0.0 else 0.0
            fee[j] = 0.0
        if bounds[stretch] == t:
            fee[0] = paid[stretch]
        t = stop
    return stretch


def _cost_rate(execution: str, fee_bps: float, slippage_bps: float) -> float:
    if execution not in EXECUTIONS:
        raise ConfigError(f"execution must be 'open' or 'close'; got {execution!r}")
    if fee_bps < 0 or slippage_bps < 0:
        raise ConfigError("fee_bps and slippage_bps must be >= 0 (basis points per trade)")
    return (fee_bps + slippage_bps) / 10_000.0


def simulate_with_benchmark(
    open_: np.ndarray,
    close: np.ndarray,
    target: np.ndarray,
    *,
    fee_bps: float = 10.0,
    slippage_bps: float = 5.0,
    execution: str = "open",
    initial_cash: float = 10_000.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """:func:`simulate` and buy-and-hold under the same costs.

    The accounts change only where the strategy trades (:func:`_stretches`) and where
    buy-and-hold buys; between those the values follow the close (:func:`_values`). Both
    curves are exactly what two calls of :func:`simulate` give.

    Parameters
    ----------
    open_, close, target, fee_bps, slippage_bps, execution, initial_cash
        As for :func:`simulate`.

    Returns
    -------
    equity : np.ndarray
        Shape ``(2, n)``: the strategy's account value at each close (row 0) and
        buy-and-hold's (row 1), USD.
    held : np.ndarray
        The strategy's exposure at each close (after drift), fraction of equity.
    fees : np.ndarray
        The strategy's fees and slippage on each candle, USD.
    benchmark_fees : float
        What buy-and-hold's one buy cost, USD.
    """
    cost_rate = _cost_rate(execution, fee_bps, slippage_bps)
    close = np.ascontiguousarray(close, dtype=np.float64)
    n = len(close)
    bounds, accounts, paid, hold_fee = _stretches(
        np.ascontiguousarray(open_, dtype=np.float64), close,
        np.ascontiguousarray(target, dtype=np.float64), cost_rate, execution == "open",
        float(initial_cash))
    # allocated here, not in the compiled loop: numpy asks the system for huge pages, so
    # a million candles' curves take far fewer page faults
    equity, held, fees = np.empty((2, n)), np.empty(n), np.empty(n)
    _values(0, n, close, bounds, accounts, paid, 0, equity[0], equity[1], held, fees)
    return equity, held, fees, hold_fee


@njit(cache=True)
def _spacing_range(stamps):  # pragma: no cover
    """Smallest and largest gap between consecutive times (int64 counts of one unit)."""
    low = high = stamps[1] - stamps[0]
    # views, so that numba's indices need no wrap-around and the loop runs several at once
    earlier, later = stamps[:-1], stamps[1:]
    for t in range(earlier.shape[0]):
        gap = later[t] - earlier[t]
        low = min(low, gap)
        high = max(high, gap)
    return low, high


def check_candles(prices: pd.DataFrame, name: str = "prices") -> pd.DataFrame:
    """Validate candles for a backtest; one clear error for anything wrong.

    Parameters
    ----------
    prices : pd.DataFrame
        OHLCV with a UTC ``open_time`` index (``backtests.load_prices``).
    name : str
        How to call it in messages (e.g. the symbol).

    Returns
    -------
    pd.DataFrame
        The same candles. Gaps in time are allowed: a position simply carries across them.
    """
    candle_gaps(prices, name)
    return prices


def candle_gaps(prices: pd.DataFrame, name: str = "prices") -> tuple[int, int]:
    """:func:`check_candles`, giving the smallest and largest gap it found on the way.

    Returns
    -------
    tuple of int
        The smallest and largest gap between consecutive candles, in ticks of the index's
        unit (``prices.index.unit``).
    """
    if not isinstance(prices, pd.DataFrame) or not isinstance(prices.index, pd.DatetimeIndex):
        raise DataContractError(f"{name} must be candles indexed by open time, as "
                                "backtests.load_prices returns")
    missing = [c for c in ("open", "close") if c not in prices]
    if missing:
        raise DataContractError(f"{name} lacks column(s) {missing}; candles need open and close")
    if prices.index.tz is None:
        raise DataContractError(f"{name} index must be tz-aware UTC; got tz=None. Use "
                                "prices.tz_localize('UTC')")
    if len(prices) < 2:
        raise DataContractError(f"{name} has {len(prices)} candle(s); a backtest needs at least 2")
    # one pass finds both: sorted if no gap is negative, and then unique if none is zero
    low, high = _spacing_range(prices.index.asi8)
    if low < 0:
        raise DataContractError(f"{name} candles are not in time order. Use prices.sort_index()")
    if low == 0:
        first = prices.index[prices.index.duplicated()][0]
        raise DataContractError(f"{name} has duplicate candles (first at {first}). Keep one: "
                                "prices[~prices.index.duplicated(keep='last')]")
    for column in ("open", "close"):
        values = prices[column].to_numpy(dtype="float64")
        if not np.min(values) > 0:  # NaN makes the minimum NaN
            bad = ~(values > 0)
            when = prices.index[np.argmax(bad)]
            raise DataContractError(f"{name} has a {column} price of {float(values[bad][0])} at "
                                    f"{when}; prices must be positive numbers. Drop or repair "
                                    "that candle")
    return int(low), int(high)
