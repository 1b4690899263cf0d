"""``riskoff report``: everything in one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from backtests.cli.backtest import check_candles, check_rule, common_options, load_inputs
from backtests.cli.common import (
    FORCE_OPTION,
    Context,
    check_output,
    console,
    print_csv,
    print_json,
)
from signals.defaults import DEFAULTS


@click.command()
@common_options(symbols=("BTC/USDT", "ETH/USDT"))
@click.option("--rule", default=DEFAULTS.backtest_rule(), show_default=True,
              callback=check_rule,
              help="Rule to backtest (default: the research protocol's, docs/choice.md).")
@click.option("--output", "-o", default="riskoff-report.html", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the HTML file.")
@click.option("--png-dir", type=click.Path(file_okay=False),
              help="Also save every chart as a PNG in this folder (for slides).")
@FORCE_OPTION
@click.pass_obj
def report(ctx: Context, symbols, exchange, timeframe, since, until, data_dir, weights_file,
           refresh, fmt, rule, output, png_dir) -> None:
    """One HTML file: the score and why, the backtest, the evaluation, the sweep, the data.

    It opens offline in any browser: charts are inline SVG, with no script or download.
    An --output or --png-dir from riskoff.toml never overwrites a file riskoff did not write
    (unless --force).

    \b
    Examples:
      riskoff report
      riskoff report --symbol BTC/USDT --rule threshold:70:55 -o btc.html --png-dir charts
    """
    from backtests.engine.run import run
    from backtests.report.page import build_report
    from backtests.research.evaluate import evaluate
    from backtests.research.sweep import sweep

    check_output("output", [output])  # before the work, not after
    macro, scores, prices, notes = load_inputs(ctx, symbols, timeframe, exchange, data_dir,
                                               refresh, weights_file)
    check_candles(prices, since, until)
    first = next(iter(prices.values()))
    window = {"start": since, "end": until}
    result = run(prices if len(prices) > 1 else first, scores, rule=rule, timeframe=timeframe,
                 **window)
    evaluation = evaluate(scores, first, timeframe, macro=macro, warn=False, **window)
    grid = sweep(first, scores, thresholds=range(50, 100, 2), smoothing=(1, 3, 7, 14, 30),
                 timeframe=timeframe, **window)
    shown = {symbol: frame if since is None else frame[frame.index >= since]
             for symbol, frame in prices.items()}
    built = build_report(scores, shown, macro=macro, backtest=result, evaluation=evaluation,
                         sweep=grid, notes=notes)
    if png_dir:
        check_output("png_dir", [Path(png_dir) / f"{section.id}.png"
                                 for section in built.sections if section.figure is not None])
    path = built.save(output)
    pngs = built.save_pngs(png_dir) if png_dir else []
    if fmt == "json":  # the page itself is HTML; json and csv describe what was written
        print_json({"path": str(path.resolve()), "pngs": [str(p) for p in pngs],
                    "sections": [{"id": s.id, "title": s.title, "chart": s.figure is not None}
                                 for s in built.sections], "notes": notes})
        return
    if fmt == "csv":
        import pandas as pd

        print_csv(pd.DataFrame([{"id": s.id, "title": s.title, "chart": s.figure is not None}
                                for s in built.sections]))
        return
    out = console(stderr=True)
    out.print(f"report: {path}", highlight=False)
    if png_dir:
        out.print(f"charts: {len(pngs)} PNG files in {png_dir}", highlight=False)
