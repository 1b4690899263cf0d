"""matplotlib charts of backtests (imported only when a chart is asked for)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["plot_backtest"]

_REGIME_COLOURS = {"watch": "#f6d55c", "stress": "#f39c12", "unwind": "#e74c3c"}


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        from signals.errors import ConfigError

        raise ConfigError("charts need matplotlib: pip install 'riskoff[plot]'") from None
    return plt


def plot_backtest(equity: pd.DataFrame, score: pd.Series, *, title: str, rule: str, ax=None):
    """Equity (log scale) and drawdown against buy-and-hold, and the score with its regimes.

    Parameters
    ----------
    equity : pd.DataFrame
        ``strategy`` and ``buy_and_hold`` account values (USD), as in a backtest result.
    score : pd.Series
        The score (0-100) each candle acted on.
    title : str
        The chart's title.
    rule : str
        The rule, for the legend.
    ax : sequence of 3 Axes, optional
        Where to draw; a new 3-panel figure when ``None``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    if ax is None:
        figure, ax = plt.subplots(3, 1, figsize=(11, 8), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1.2, 1.5]})
    else:
        figure = ax[0].figure
    ax[0].plot(equity.index, equity["buy_and_hold"], color="#95a5a6", lw=1, label="buy and hold")
    ax[0].plot(equity.index, equity["strategy"], color="#2c3e50", lw=1.3,
               label=f"rule {rule}")
    ax[0].set_yscale("log")
    ax[0].set_ylabel("equity, USD")
    ax[0].legend(loc="upper left", frameon=False)
    ax[0].set_title(title)
    for column, colour in (("buy_and_hold", "#95a5a6"), ("strategy", "#2c3e50")):
        curve = equity[column]
        ax[1].plot(curve.index, 100 * (curve / curve.cummax() - 1), color=colour, lw=1)
    ax[1].set_ylabel("drawdown, %")
    ax[2].plot(score.index, score, color="#8e44ad", lw=1)
    from signals.score.composite import REGIMES

    edges = [low for _, low in REGIMES[1:]] + [100.0]
    for (name, low), high in zip(REGIMES[1:], edges[1:], strict=True):
        ax[2].axhspan(low, high, color=_REGIME_COLOURS[name], alpha=0.15, lw=0)
    ax[2].set_ylim(0, 100)
    ax[2].set_ylabel("risk-off score")
    figure.tight_layout()
    return figure
