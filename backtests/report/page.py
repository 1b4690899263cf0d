"""One self-contained HTML report: the score, why, the backtest, the evaluation, the data.

Charts are matplotlib figures embedded as inline SVG, and the page has no script and no
external file, so it opens offline anywhere and prints well. Each chart can also be saved
as a PNG for slides (:meth:`Report.save_pngs`).
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from backtests.report import charts
from backtests.report.formats import label, table_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Report", "Section", "build_report"]

_STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;
border-bottom:1px solid #ddd;padding-bottom:.2em}
.meta{color:#666;font-size:.9em}.note{background:#fdf2c7;padding:.5em .8em;margin:.4em 0;
border-radius:4px;font-size:.9em}
figure.chart{margin:1em 0}figure.chart svg{width:100%;height:auto}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border-bottom:1px solid #eee;padding:.25em .6em;text-align:right}
th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}
.reading{font-size:1.3em}.calm{color:#1e8449}.watch{color:#b7950b}.stress{color:#ca6f1e}
.unwind{color:#c0392b}
"""


@dataclass
class Section:
    """One part of the report: a heading, an optional chart, optional HTML (tables, text)."""

    id: str
    title: str
    figure: Figure | None = None
    body: str = ""

    def to_html(self) -> str:
        """The section as HTML, the chart as inline SVG."""
        parts = [f'<section id="{self.id}"><h2>{html.escape(self.title)}</h2>']
        if self.figure is not None:
            buffer = io.StringIO()
            self.figure.savefig(buffer, format="svg")
            svg = buffer.getvalue()
            svg = svg[svg.index("<svg"):]
            parts.append(f'<figure class="chart" id="chart-{self.id}">{svg}</figure>')
        parts.append(self.body)
        parts.append("</section>")
        return "\n".join(parts)


@dataclass
class Report:
    """A report: a title, notes (e.g. "bundled data, ends 2023-12-31") and sections."""

    title: str
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    generated: pd.Timestamp = field(default_factory=lambda: pd.Timestamp.now(tz="UTC"))

    def to_html(self) -> str:
        """The whole report as one HTML document."""
        notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in self.notes)
        body = "\n".join(section.to_html() for section in self.sections)
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f'<meta name="generator" content="riskoff">'
                f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head>"
                f"<body><h1>{html.escape(self.title)}</h1><p class=\"meta\">riskoff report, "
                f"generated {self.generated:%Y-%m-%d %H:%M} UTC</p>{notes}{body}</body></html>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def save(self, path: str | Path) -> Path:
        """Write the report to `path` (UTF-8 HTML); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    def save_pngs(self, folder: str | Path, dpi: int = 150) -> list[Path]:
        """Save each chart as ``<section>.png`` in `folder`; returns the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for section in self.sections:
            if section.figure is not None:
                path = folder / f"{section.id}.png"
                section.figure.savefig(path, dpi=dpi, metadata={"Software": "riskoff"})
                saved.append(path)
        return saved


def _table(frame: pd.DataFrame, *, index: bool = True, stats: bool = False) -> str:
    """`frame` as an HTML table, formatted as in the terminal (:mod:`.formats`)."""
    shown = table_text(frame, stats=stats)
    shown.columns = [label(c) for c in frame.columns]
    return shown.to_html(index=index, border=0)


def _reading(scores: pd.DataFrame) -> str:
    """The current reading (:func:`signals.current_score`), as ``riskoff score`` gives it."""
    from signals.errors import ConfigError
    from signals.score.composite import current_score

    try:
        row = current_score(scores)
    except ConfigError:
        return "<p>No score: too little fresh data.</p>"
    regime, age = str(row["regime"]), row.attrs["age_days"]
    old = f" ({age:,.0f} days old: the data end there)" if age > 3 else ""
    return (f'<p class="reading">Latest score <b class="{regime}">{row["score"]:.1f} '
            f"({regime})</b> as of {row.name:%Y-%m-%d %H:%M} UTC{old}, with "
            f"{row['coverage']:.0%} of the weight on fresh data.</p>")


def _data_section(macro) -> Section:
    from signals.data.bundled import BUNDLED_DIR
    from signals.sources.registry import all_sources

    info = macro.info()[["first_date", "last_date", "last_available_at", "rows", "origin",
                         "age_days"]]
    credits = "".join(f"<li><b>{html.escape(s.title)}</b>: {html.escape(s.attribution)}</li>"
                      for s in all_sources())
    credits += ("<li><b>Binance</b>: spot candles, public market data (bundled daily "
                "BTC/USDT and ETH/USDT; others through ccxt at run time)</li>")
    notice = (BUNDLED_DIR / "NOTICE").read_text(encoding="utf-8")
    body = (_table(info) + f"<h3>Sources and attribution</h3><ul>{credits}</ul>"
            f"<details><summary>Bundled data notice</summary><pre>{html.escape(notice)}"
            "</pre></details>")
    return Section("data", "Data: freshness of every series, and where it came from",
                   body=body)


def _evidence_html(evaluation) -> str:
    """The research protocol's evidence of an Evaluation: forward risk, checks, validity."""
    parts = []
    checks = getattr(evaluation, "checks", None)
    if checks is not None and len(checks):
        fired = checks.loc[checks["fired"], "message"]
        parts.append("<h3>Checks: evidence against the risk-off reading</h3>")
        parts.append("".join(f'<p class="note">{html.escape(m)}</p>' for m in fired)
                     or "<p>No check fired.</p>")
    crit = getattr(evaluation, "criterion", None) or {}
    if crit:
        parts.append(f"<p>Primary criterion (mean rank IC with 30-day volatility and "
                     f"drawdown depth): <b>{crit['primary']:+.3f}</b>, "
                     f"{crit['confidence']:.0%} interval [{crit['primary_low']:+.3f}, "
                     f"{crit['primary_high']:+.3f}]; after trailing volatility "
                     f"{crit['incremental']:+.3f} [{crit['incremental_low']:+.3f}, "
                     f"{crit['incremental_high']:+.3f}] (moving-block bootstrap, "
                     f"{crit['n']} days).</p>")
    ics = getattr(evaluation, "target_ic", None)
    if ics is not None:
        parts.append("<h3>Rank IC with forward risk, baselines beside (risk targets: "
                     "positive = the score warns; returns: negative)</h3>")
        parts.append(_table(ics, index=False))
    risk = getattr(evaluation, "risk_quantiles", None)
    if risk is not None:
        parts.append("<h3>Forward risk by score quintile (all = always-long)</h3>")
        parts.append(_table(risk))  # fractions in percent, as everywhere (formats.is_fraction)
    validity = getattr(evaluation, "validity", None)
    if validity is not None:
        parts.append("<h3>Construct validity: the score's upper quintile on Japan-channel "
                     "event days, against calm days</h3>")
        parts.append(_table(validity))
    missing = (getattr(evaluation, "settings", None) or {}).get("unavailable", {})
    parts += [f'<p class="note">Unavailable: {html.escape(k)}: {html.escape(v)}</p>'
              for k, v in missing.items()]
    return "".join(parts)


def build_report(
    scores: pd.DataFrame,
    prices: dict[str, pd.DataFrame],
    *,
    macro=None,
    backtest=None,
    evaluation=None,
    sweep: pd.DataFrame | None = None,
    title: str = "riskoff: is the Japan carry machine turning against crypto?",
    notes: list[str] | tuple[str, ...] = (),
) -> Report:
    """Assemble a report from whatever pieces are given.

    Parameters
    ----------
    scores : pd.DataFrame
        ``signals.risk_off_score()``.
    prices : dict
        ``{symbol: candles}`` to draw the score against.
    macro : MacroData, optional
        For the data freshness table and the attributions.
    backtest : BacktestResult or MultiBacktestResult, optional
        For the equity chart and the stats table.
    evaluation : Evaluation, optional
        For the IC, quantile and regime tables, the event study and the threshold sweep.
    sweep : pd.DataFrame, optional
        :func:`backtests.sweep` output, for the heatmap.
    title : str
        The report's title.
    notes : sequence of str
        Shown at the top (e.g. that the data are the bundled ones).

    Returns
    -------
    Report
    """
    from signals.families.registry import components

    families = {name: c.family for name, c in components().items()}
    start = min((f.index[0] for f in prices.values()), default=None)
    sections = [
        Section("score", "The score and the price", charts.score_chart(scores, prices),
                _reading(scores)),
        Section("contributions", "Why: contributions to the score",
                charts.contributions_chart(scores, families, start)),
        Section("hover", "Each day, explained: hover over the score",
                body=f'<div id="hover-score">{charts.hover_chart(scores, start)}</div>'),
    ]
    if backtest is not None:
        results = getattr(backtest, "results", None)
        curves = ({k: r.equity for k, r in results.items()} if results
                  else {backtest.symbol: backtest.equity})
        rule = next(iter(results.values())).settings["rule"] if results \
            else backtest.settings["rule"]
        sections.append(Section("backtest", f"Backtest: rule {rule} against buy-and-hold",
                                charts.equity_chart(curves, rule),
                                _table(backtest.stats, stats=True)))
    if evaluation is not None:
        study = evaluation.event_study
        body = ("<h3>Rank IC with forward returns (negative = the score warns)</h3>" +
                _table(evaluation.ic, index=False) +
                "<h3>Forward returns by score quantile</h3>" +
                _table(evaluation.quantiles) +
                "<h3>Forward returns by regime</h3>" +
                _table(evaluation.regimes) +
                "<h3>Risk-off calls against drawdowns</h3>" +
                _table(evaluation.threshold_sweep, index=False) + _evidence_html(evaluation))
        sections.append(Section("evaluation", "Does the score carry information?",
                                charts.events_chart(study.paths, study.mean_path,
                                                    evaluation.settings.get("threshold",
                                                                            70.0)), body))
    if sweep is not None and len(sweep):
        best = sweep.sort_values("sharpe", ascending=False).head(10)
        sections.append(Section("sweep", "Sweep of the threshold rule",
                                charts.heatmap_chart(sweep, "sharpe"),
                                _table(best, index=False)))
    if macro is not None:
        sections.append(_data_section(macro))
    return Report(title, sections, list(notes))
