"""The report's charts, as matplotlib figures (no pyplot: they render anywhere, headless too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["contributions_chart", "equity_chart", "events_chart", "heatmap_chart",
           "hover_chart", "score_chart"]

REGIME_COLOURS = {"calm": "#ffffff", "watch": "#fdf2c7", "stress": "#fad7a0",
                  "unwind": "#f5b7b1"}
FAMILY_COLOURS = {"jgb": "#1f77b4", "yen": "#d62728", "treasuries": "#2ca02c",
                  "carry": "#9467bd", "cross_asset": "#8c564b", "holdings": "#e377c2"}


def _figure(rows: int = 1, height: float = 3.2, **kwargs) -> tuple[Figure, np.ndarray]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, height * rows), layout="constrained")
    axes = figure.subplots(rows, 1, squeeze=False, **kwargs)[:, 0]
    return figure, axes


def _shade_regimes(ax, scores: pd.DataFrame) -> None:
    """Colour the background of `ax` by the regime in force at each time."""
    regime = scores["regime"].astype(object)
    change = regime.ne(regime.shift())
    starts = scores.index[change.to_numpy()]
    ends = [*starts[1:], scores.index[-1]]
    for start, end, name in zip(starts, ends, regime[change].tolist(), strict=True):
        if isinstance(name, str) and name != "calm":
            ax.axvspan(start, end, color=REGIME_COLOURS[name], lw=0, zorder=0)


def score_chart(scores: pd.DataFrame, prices: dict[str, pd.DataFrame]) -> Figure:
    """The score with its regimes shaded, above the assets' prices (log scale)."""
    start = min(frame.index[0] for frame in prices.values()) if prices else scores.index[0]
    shown = scores[scores.index >= start]
    figure, (top, bottom) = _figure(2, 2.6, sharex=True)
    _shade_regimes(top, shown)
    top.plot(shown.index, shown["score"], color="#4a235a", lw=0.9)
    top.set_ylim(0, 100)
    top.set_ylabel("risk-off score")
    top.set_title("The risk-off score (background: watch, stress, unwind) and the prices")
    for symbol, frame in prices.items():
        bottom.plot(frame.index, frame["close"], lw=0.9, label=symbol)
    bottom.set_yscale("log")
    bottom.set_ylabel("close, USD")
    bottom.legend(loc="upper left", frameon=False)
    return figure


def contributions_chart(scores: pd.DataFrame, families: dict[str, str],
                        start=None) -> Figure:
    """Contributions to the score, summed by family and stacked (points above or below 50)."""
    shown = scores if start is None else scores[scores.index >= start]
    by_family = pd.DataFrame({
        family: shown[[c for c, f in families.items() if f == family and c in shown]]
        .sum(axis=1, min_count=1)
        for family in dict.fromkeys(families.values())}).fillna(0.0)
    daily = by_family.resample("1D").last().ffill()
    figure, (ax,) = _figure(1, 3.4)
    positive, negative = daily.clip(lower=0), daily.clip(upper=0)
    colours = [FAMILY_COLOURS.get(f, "#7f7f7f") for f in daily.columns]
    ax.stackplot(daily.index, positive.T.to_numpy(), colors=colours, labels=daily.columns,
                 alpha=0.85)
    ax.stackplot(daily.index, negative.T.to_numpy(), colors=colours, alpha=0.85)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("score points vs 50")
    ax.set_title("Why: each family's contribution to the score")
    ax.legend(loc="upper left", ncols=len(colours), frameon=False, fontsize="small")
    return figure


def equity_chart(equity: dict[str, pd.DataFrame], rule: str) -> Figure:
    """Equity (log) and drawdown of the rule against buy-and-hold, per asset or combined."""
    figure, (top, bottom) = _figure(2, 2.6, sharex=True)
    for (name, curves), colour in zip(equity.items(), ["#2c3e50", "#c0392b", "#16a085"],
                                      strict=False):
        top.plot(curves.index, curves["strategy"], color=colour, lw=1.2,
                 label=f"{name}: rule {rule}")
        top.plot(curves.index, curves["buy_and_hold"], color=colour, lw=0.8, ls="--",
                 alpha=0.7, label=f"{name}: buy and hold")
        for column, style in (("strategy", "-"), ("buy_and_hold", "--")):
            curve = curves[column]
            bottom.plot(curve.index, 100 * (curve / curve.cummax() - 1), color=colour,
                        ls=style, lw=0.9)
    top.set_yscale("log")
    top.set_ylabel("equity, USD")
    top.set_title("Equity and drawdown: the rule (solid) against buy-and-hold (dashed)")
    top.legend(loc="upper left", frameon=False, fontsize="small")
    bottom.set_ylabel("drawdown, %")
    return figure


def events_chart(paths: pd.DataFrame, mean_path: pd.Series, threshold: float) -> Figure:
    """Price paths around each time the score crossed the threshold, and their mean."""
    figure, (ax,) = _figure(1, 3.2)
    if paths.shape[1]:
        ax.plot(paths.index, 100 * paths.to_numpy(), color="#95a5a6", lw=0.6, alpha=0.6)
    ax.plot(mean_path.index, 100 * mean_path.to_numpy(), color="#c0392b", lw=2,
            label=f"mean of {paths.shape[1]} crossings")
    ax.axvline(0, color="black", lw=0.6)
    ax.axhline(0, color="black", lw=0.4)
    ax.set_xlabel("days from the score crossing " + f"{threshold:g}")
    ax.set_ylabel("price change, %")
    ax.set_title("Event study: what the price did around each crossing")
    ax.legend(loc="upper left", frameon=False)
    return figure


def heatmap_chart(table: pd.DataFrame, metric: str = "sharpe") -> Figure:
    """A sweep's `metric` by exit threshold (x) and score smoothing (y)."""
    grid = table.pivot_table(index="smoothing", columns="threshold", values=metric)
    figure, (ax,) = _figure(1, 3.6)
    image = ax.imshow(grid.to_numpy(), aspect="auto", origin="lower", cmap="RdYlGn")
    ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns],
                  fontsize="x-small", rotation=90)
    ax.set_yticks(range(len(grid.index)), [str(v) for v in grid.index], fontsize="small")
    ax.set_xlabel("exit threshold (score)")
    ax.set_ylabel("smoothing, candles")
    ax.set_title(f"Sweep: {metric} of the threshold rule (in-sample over the whole period)")
    figure.colorbar(image, ax=ax, label=metric)
    return figure


def hover_chart(scores: pd.DataFrame, start=None, *, width: int = 1000,
                height: int = 240) -> str:
    """The score as an SVG whose daily points explain themselves on hover (no script).

    Each day's point carries a tooltip (an SVG ``<title>``): the date, the score, the regime
    and the three largest contributions. It works offline, in the report and in Jupyter.

    Parameters
    ----------
    scores : pd.DataFrame
        :func:`signals.risk_off_score`.
    start : Timestamp, optional
        First day shown.
    width, height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    import html

    from signals.families.registry import components
    from signals.score.composite import REGIMES

    scores = scores.copy(deep=False)
    scores.attrs = {}  # pandas copies attrs at every step: a whole history's made this 10x slower
    shown = scores if start is None else scores[scores.index >= start]
    daily = shown.resample("1D").last().dropna(subset=["score"])
    if daily.empty:
        return "<p>No score to show.</p>"
    parts = [c for c in components() if c in daily]
    left, right, top, bottom = 52, 10, 10, 25
    span = (daily.index[-1] - daily.index[0]) / pd.Timedelta(days=1) or 1.0
    days = (daily.index - daily.index[0]) / pd.Timedelta(days=1)
    xs = left + np.asarray(days) / span * (width - left - right)
    ys = top + (1 - daily["score"].to_numpy() / 100) * (height - top - bottom)
    base = height - bottom
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" class="hover-chart">',
           # the axes: score 0-100 upwards, time to the right
           f'<line x1="{left}" x2="{left}" y1="{top}" y2="{base}" stroke="#666"/>'
           f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" stroke="#666"/>'
           f'<text x="12" y="{(top + base) / 2:.1f}" font-size="10" text-anchor="middle" '
           f'transform="rotate(-90 12 {(top + base) / 2:.1f})">risk-off score</text>']
    for level in (0, 100):
        y = top + (1 - level / 100) * (base - top)
        svg.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" '
                   f'text-anchor="end">{level}</text>')
    for regime, level in REGIMES[1:]:
        colour = REGIME_COLOURS[regime]
        y = top + (1 - level / 100) * (base - top)
        svg.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{colour}" stroke-width="2"/><text x="{left - 4}" '
                   f'y="{y + 4:.1f}" font-size="10" text-anchor="end">{level:g}</text>')
    first = daily.index[0]
    for year in range(first.year + 1, daily.index[-1].year + 1):  # a tick on each 1 January
        x = left + (pd.Timestamp(year=year, month=1, day=1, tz=first.tz) - first) \
            / pd.Timedelta(days=1) / span * (width - left - right)
        svg.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}" '
                   f'stroke="#666"/><text x="{x:.1f}" y="{height - 6}" font-size="10" '
                   f'text-anchor="middle">{year}</text>')
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    svg.append(f'<polyline points="{points}" fill="none" stroke="#4a235a" '
               'stroke-width="1"/>')
    for (when, row), x, y in zip(daily.iterrows(), xs, ys, strict=True):
        top_three = row[parts].dropna().astype(float).sort_values(key=abs, ascending=False)
        why = ", ".join(f"{name} {value:+.1f}" for name, value in top_three.head(3).items())
        tip = f"{when:%Y-%m-%d}: score {row['score']:.1f} ({row['regime']}); {why}"
        svg.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="transparent">'
                   f"<title>{html.escape(tip)}</title></circle>")
    svg.append("</svg>")
    return "".join(svg)
