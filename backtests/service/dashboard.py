"""The service's dashboard at ``/``: the score, why, and how fresh each input is, live.

One self-contained page (inline style and script, no external file): the reading's
headline, the report's hover chart of the score (:func:`backtests.report.charts.hover_chart`),
the contributions and the freshness table. A small inline script reads ``/v1/score``
every minute and rewrites the headline and the tables, and reloads the page (chart
included) when ``/v1/events`` announces a regime change.
"""

from __future__ import annotations

import html

import pandas as pd

from backtests.report.charts import hover_chart

__all__ = ["CHART_DAYS", "dashboard_html", "score_chart"]

#: Days of score history the chart shows.
CHART_DAYS = 730

_STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em auto;
max-width:1100px;color:#222}h1{font-size:1.4em;margin:0 0 .3em}
.reading{font-size:1.6em;margin:.2em 0}.meta{color:#666;font-size:.9em}
.calm{color:#1e8449}.watch{color:#b7950b}.stress{color:#ca6f1e}.unwind{color:#c0392b}
table{border-collapse:collapse;font-size:.85em;margin:.6em 1.5em .6em 0;float:left}
th,td{border-bottom:1px solid #eee;padding:.2em .6em;text-align:right}
th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}.stale{color:#c0392b}
section{clear:both;padding-top:.5em}svg{width:100%;height:auto}
"""

_SCRIPT = """
const fmt = (v, d) => v === null || v === undefined ? "n/a" : Number(v).toFixed(d);
function cell(row, text, cls) {
  const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls;
}
async function refresh() {
  const r = await fetch("/v1/score", {cache: "no-store"});
  if (!r.ok) return;
  const s = await r.json();
  const head = document.getElementById("score");
  head.textContent = `${fmt(s.score, 1)} (${s.regime ?? "no score"})`;
  head.className = "reading " + (s.regime ?? "");
  document.getElementById("decision").textContent = s.decision;
  document.getElementById("as-of").textContent = `${s.as_of}, ${fmt(s.age_days, 1)} days old`;
  const parts = document.getElementById("parts").tBodies[0];
  parts.replaceChildren();
  for (const p of s.components) {
    const row = parts.insertRow();
    cell(row, p.name); cell(row, p.family); cell(row, fmt(p.contribution, 2));
  }
  const inputs = document.getElementById("inputs").tBodies[0];
  inputs.replaceChildren();
  for (const i of s.inputs) {
    const row = inputs.insertRow();
    cell(row, i.name, i.stale ? "stale" : ""); cell(row, i.last_date ?? "none");
    cell(row, fmt(i.age_days, 1), i.stale ? "stale" : "");
  }
  document.body.dataset.updated = new Date().toISOString();
}
refresh(); setInterval(refresh, 60000);
const events = new EventSource("/v1/events");
events.addEventListener("regime_change", () => location.reload());
"""


def _table(table_id: str, headers: tuple[str, ...], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _number(value, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def score_chart(scores: pd.DataFrame) -> str:
    """The dashboard's chart: the last :data:`CHART_DAYS` days of `scores`, as inline SVG.

    Parameters
    ----------
    scores : pd.DataFrame
        Score rows (:func:`signals.risk_off_score`), any ``attrs`` stripped: pandas copies
        them at every step.

    Returns
    -------
    str
        An HTML fragment; a short note when there are no rows.
    """
    if not len(scores):
        return "<p>No score history yet.</p>"
    return hover_chart(scores, scores.index[-1] - pd.Timedelta(days=CHART_DAYS))


def dashboard_html(reading: dict, chart: str) -> str:
    """The dashboard page.

    Parameters
    ----------
    reading : dict
        The live reading, as ``GET /v1/score`` serves it (:meth:`signals.LiveReading.to_dict`).
    chart : str
        The score's chart (:func:`score_chart`).

    Returns
    -------
    str
        A whole HTML document.
    """
    regime = reading["regime"] or ""
    parts = [(p["name"], p["family"], _number(p["contribution"], 2))
             for p in reading["components"]]
    inputs = [(i["name"], i["last_date"] or "none", _number(i["age_days"], 1))
              for i in reading["inputs"]]
    score = f"{_number(reading['score'], 1)} ({regime or 'no score'})"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>riskoff: live risk-off score</title><link rel=\"icon\" href=\"data:,\">"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>riskoff: is Japan's money machine turning against crypto?</h1>"
        f'<p id="score" class="reading {html.escape(regime)}">{html.escape(score)}</p>'
        f'<p id="decision">{html.escape(reading["decision"])}</p>'
        f'<p class="meta">as of <span id="as-of">{html.escape(reading["as_of"])}, '
        f'{_number(reading["age_days"], 1)} days old</span>; updates every minute</p>'
        f'<section id="chart">{chart}</section><section>'
        + _table("parts", ("component", "family", "points"), parts)
        + _table("inputs", ("input", "last date", "age, days"), inputs)
        + f"</section><script>{_SCRIPT}</script></body></html>")
