"""What a backtest returns: equity against buy-and-hold, exposure, trades and stats."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numba import njit

__all__ = ["BacktestResult", "MultiBacktestResult", "extract_trades"]


@njit(cache=True)
def _stretches(target, fees):  # pragma: no cover
    """Start and stop candles of each stretch with a position, and fees paid before each.

    The position in force on candle ``t`` is ``target[t - 1]`` (none on the first). Fees
    are summed in time order as ``np.cumsum`` does, so the totals match it exactly.
    """
    n = target.shape[0]
    count = 0
    active = False
    for t in range(n):
        now = t > 0 and target[t - 1] != 0.0
        if now and not active:
            count += 1
        active = now
    starts = np.empty(count, np.int64)
    stops = np.empty(count, np.int64)
    paid_before_start = np.empty(count)
    paid_through_last = np.empty(count)
    k = -1
    active = False
    paid = 0.0  # fees of the candles before t
    for t in range(n):
        now = t > 0 and target[t - 1] != 0.0
        if now and not active:
            k += 1
            starts[k] = t
            paid_before_start[k] = paid
        paid += fees[t]
        if active and not now:
            stops[k] = t
            paid_through_last[k] = paid  # the exit candle's fee included
        active = now
    if active:
        stops[k] = n
        paid_through_last[k] = paid
    return starts, stops, paid_before_start, paid_through_last


def extract_trades(prices: pd.DataFrame, target: np.ndarray, fees: np.ndarray,
                   execution: str) -> pd.DataFrame:
    """Round trips: each stretch of candles with a non-zero position.

    Changes of size within a stretch (a linear rule moving from 70% to 50%) stay inside
    one trade.

    Parameters
    ----------
    prices : pd.DataFrame
        The candles simulated.
    target : np.ndarray
        Exposure decided at each close (filled on the next candle).
    fees : np.ndarray
        Costs paid per candle, USD.
    execution : {"open", "close"}
        Where fills happen on the next candle.

    Returns
    -------
    pd.DataFrame
        ``entry_time, exit_time`` (open times of the fill candles; exit NaT while still
        open), ``entry_price, exit_price`` (fill prices; the last close while open),
        ``exposure`` (at entry), ``return`` (price return of the position as a fraction,
        sign-adjusted for shorts, before costs), ``fees`` (USD over the trade), ``candles``.
    """
    target = np.ascontiguousarray(target, dtype=np.float64)
    starts, stops, paid_before, paid_through = _stretches(
        target, np.ascontiguousarray(fees, dtype=np.float64))
    n = len(prices)
    fill = prices["open" if execution == "open" else "close"].to_numpy(dtype="float64")
    still_open = stops >= n
    last = np.minimum(stops, n - 1)
    exit_price = np.where(still_open, prices["close"].to_numpy(dtype="float64")[-1], fill[last])
    exposure = target[starts - 1]  # the decision filled on the entry candle
    index = prices.index
    exit_time = pd.DatetimeIndex(index[last]).where(~still_open)
    return pd.DataFrame({
        "entry_time": index[starts], "exit_time": exit_time, "entry_price": fill[starts],
        "exit_price": exit_price, "exposure": exposure,
        "return": np.sign(exposure) * (exit_price / fill[starts] - 1.0),
        "fees": paid_through - paid_before,
        "candles": (stops - starts).astype(int),
    })


@dataclass
class BacktestResult:
    """One asset's backtest.

    Attributes
    ----------
    symbol, timeframe : str
        What was traded.
    equity : pd.DataFrame
        ``strategy`` and ``buy_and_hold`` account values (USD) at each candle's close,
        indexed by candle open time.
    exposure : pd.Series
        Fraction of equity held at each close (after drift): 1 long, 0 flat, < 0 short.
    target : pd.Series
        Exposure the rule decided at each close (filled on the next candle).
    fees : pd.Series
        Costs paid per candle, USD.
    trades : pd.DataFrame
        Round trips (see :func:`extract_trades`).
    stats : pd.DataFrame
        The stats table (``backtests.engine.stats.STATS_KEYS``), strategy beside buy-and-hold.
    aligned : pd.DataFrame
        The score each candle saw at its close.
    settings : dict
        Rule, costs, execution and period used.
    """

    symbol: str
    timeframe: str
    equity: pd.DataFrame
    exposure: pd.Series
    target: pd.Series
    fees: pd.Series
    trades: pd.DataFrame
    stats: pd.DataFrame
    aligned: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        s = self.stats["strategy"]
        b = self.stats["buy_and_hold"]
        return (f"<BacktestResult {self.symbol} {self.timeframe} {s['Start']:%Y-%m-%d}.."
                f"{s['End']:%Y-%m-%d}: return {s['Return [%]']:.1f}% (buy-and-hold "
                f"{b['Return [%]']:.1f}%), max drawdown {s['Max. Drawdown [%]']:.1f}% "
                f"({b['Max. Drawdown [%]']:.1f}%), {s['# Trades']} trades>")

    def _repr_html_(self) -> str:
        from backtests.report.charts import equity_chart
        from backtests.report.page import Section

        rule = self.settings.get("rule")
        chart = Section("backtest", f"riskoff backtest: {self.symbol} {self.timeframe}, "
                        f"rule {rule}", equity_chart({self.symbol: self.equity}, str(rule)),
                        self.stats.to_html())
        return chart.to_html()

    def plot(self, ax=None):
        """Equity and drawdown against buy-and-hold, with the score, in matplotlib.

        Parameters
        ----------
        ax : sequence of 3 matplotlib Axes, optional
            Where to draw; new figure when ``None``.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from backtests.report.plotting import plot_backtest

        return plot_backtest(
            self.equity, self.aligned["score"], rule=str(self.settings.get("rule")), ax=ax,
            title=f"{self.symbol} {self.timeframe}: risk-off rule against buy-and-hold")


@dataclass
class MultiBacktestResult:
    """Several assets under the same rule, each with an equal share of the capital.

    Attributes
    ----------
    results : dict
        ``{symbol: BacktestResult}``.
    combined : pd.DataFrame
        ``strategy`` and ``buy_and_hold`` account values of the whole portfolio (USD).
    stats : pd.DataFrame
        Columns ``(symbol or "combined", "strategy" | "buy_and_hold")``.
    """

    results: dict[str, BacktestResult]
    combined: pd.DataFrame
    stats: pd.DataFrame

    def __getitem__(self, symbol: str) -> BacktestResult:
        return self.results[symbol]

    def __repr__(self) -> str:
        ret = self.stats.loc["Return [%]"]
        parts = ", ".join(f"{k} {ret[(k, 'strategy')]:.1f}% (b&h {ret[(k, 'buy_and_hold')]:.1f}%)"
                          for k in [*self.results, "combined"])
        return f"<MultiBacktestResult: {parts}>"

    def _repr_html_(self) -> str:
        from backtests.report.charts import equity_chart
        from backtests.report.page import Section

        rule = next(iter(self.results.values())).settings.get("rule")
        curves = {k: r.equity for k, r in self.results.items()}
        return Section("backtest", f"riskoff backtest, several assets, rule {rule}",
                       equity_chart(curves, str(rule)), self.stats.to_html()).to_html()
