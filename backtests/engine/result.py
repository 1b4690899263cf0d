"""What a backtest returns: equity against buy-and-hold, exposure, trades and stats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

__all__ = ["BacktestResult", "MultiBacktestResult", "trades_frame"]


def trades_frame(prices: pd.DataFrame, target: np.ndarray, starts: np.ndarray,
                 stops: np.ndarray, paid_before: np.ndarray, paid_through: np.ndarray, *,
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
    starts, stops : np.ndarray
        Each stretch's first candle and the candle after its last (``len(prices)`` while
        open), int64.
    paid_before, paid_through : np.ndarray
        Fees paid before each stretch and through its exit candle, USD.
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
    n = len(prices)
    fill = prices["open" if execution == "open" else "close"].to_numpy(dtype="float64")
    still_open = stops >= n
    last = np.minimum(stops, n - 1)
    exit_price = np.where(still_open, prices["close"].to_numpy(dtype="float64")[-1], fill[last])
    exposure = target[starts - 1]  # the decision filled on the entry candle
    index = prices.index
    exit_time = index.array[last]  # a copy; NaT set in place (pandas' `where` is slower)
    exit_time[still_open] = pd.NaT
    return pd.DataFrame({
        "entry_time": index[starts], "exit_time": exit_time, "entry_price": fill[starts],
        "exit_price": exit_price, "exposure": exposure,
        "return": np.sign(exposure) * (exit_price / fill[starts] - 1.0),
        "fees": paid_through - paid_before,
        "candles": (stops - starts).astype(int),
    })


@dataclass(eq=False)
class BacktestResult:
    """One asset's backtest.

    The per-candle frames (``equity``, ``exposure``, ``fees``, ``aligned``) are made when
    first read: at a million candles they cost more than the backtest, and the stats
    and trades do not need them.

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
        Round trips (see :func:`trades_frame`).
    stats : pd.DataFrame
        The stats table (``backtests.engine.stats.STATS_KEYS``), strategy beside buy-and-hold.
    aligned : pd.DataFrame
        The score each candle saw at its close.
    settings : dict
        Rule, costs, execution and period used.
    """

    symbol: str
    timeframe: str
    target: pd.Series
    trades: pd.DataFrame
    stats: pd.DataFrame
    settings: dict
    make_curves: Callable[[], tuple[pd.DataFrame, pd.Series, pd.Series]] = field(repr=False)
    """Makes ``equity``, ``exposure`` and ``fees`` (the simulation, run again)."""
    make_aligned: Callable[[], pd.DataFrame] = field(repr=False)
    """Makes ``aligned``."""

    @cached_property
    def _curves(self) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
        return self.make_curves()

    @property
    def equity(self) -> pd.DataFrame:
        """Both account values at each close, USD (made when first read)."""
        return self._curves[0]

    @property
    def exposure(self) -> pd.Series:
        """Fraction of equity held at each close (made when first read)."""
        return self._curves[1]

    @property
    def fees(self) -> pd.Series:
        """Costs paid per candle, USD (made when first read)."""
        return self._curves[2]

    @cached_property
    def aligned(self) -> pd.DataFrame:
        """The score each candle saw at its close (made when first read)."""
        return self.make_aligned()

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
