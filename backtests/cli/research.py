"""``riskoff evaluate``, ``riskoff sweep`` and ``riskoff walkforward``."""

from __future__ import annotations

import click

from backtests.cli.backtest import (
    REPORT_OPTION,
    _print_stats,
    check_candles,
    common_options,
    load_inputs,
    save_report,
)
from backtests.cli.common import Context, console, print_csv, print_json


def parse_grid(text: str, option: str, *, integers: bool = False) -> list:
    """``"50:100:5"`` (start:stop:step, stop excluded) or ``"55,62.5,70"`` as a list."""
    import numpy as np

    try:
        if ":" in text:
            start, stop, *step = (float(p) for p in text.split(":"))
            values = list(np.arange(start, stop, step[0] if step else 1.0))
        else:
            values = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r}: write start:stop:step (e.g. 50:100:5) or a list "
                                 "(e.g. 55,62.5,70)", param_hint=option) from None
    if not values:
        raise click.BadParameter(f"{text!r} gives no values", param_hint=option)
    return [int(v) for v in values] if integers else [float(v) for v in values]


def _print_frame(frame, title: str, *, by_row: str | None = None) -> None:
    """A result table, formatted as in the HTML report (:mod:`backtests.report.formats`).

    Headers are words that wrap rather than being cut; `by_row` names a column that gives
    each row's metric (and so its unit).
    """
    from rich import box
    from rich.table import Table

    from backtests.report.formats import label, min_width, table_text

    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for column in frame.columns:
        table.add_column(label(column), justify="right", min_width=min_width(label(column)))
    for row in table_text(frame, by_row=by_row).itertuples(index=False):
        table.add_row(*row)
    console().print(table)


def _records(frame):
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _one_symbol(prices: dict, command: str):
    if len(prices) > 1:
        raise click.UsageError(f"{command} takes one --symbol at a time")
    return next(iter(prices.values()))


@click.command()
@common_options
@click.option("--threshold", default=70.0, show_default=True,
              help="Score level for the event study and drawdown warnings.")
@click.option("--depth", default=0.20, show_default=True,
              help="Drawdown depth that counts as an event (0.20 = 20%).")
@click.option("--horizons", default="1,3,7,30", show_default=True,
              help="Forward-return horizons in days.")
@REPORT_OPTION
@click.pass_obj
def evaluate(ctx: Context, symbols, exchange, timeframe, since, until, data_dir, weights_file,
             refresh, fmt, threshold, depth, horizons, report) -> None:
    """Does the score carry information about BTC/ETH? IC, quantiles, events, warnings.

    The score is risk-off, so information shows as a *negative* rank IC with forward
    returns; intervals respect overlapping windows (Newey-West).

    \b
    Examples:
      riskoff evaluate
      riskoff evaluate --symbol ETH/USDT --since 2020-01-01 --horizons 1,7,30
      riskoff evaluate --until 2021-12-31 --format json     # in-sample only
    """
    from backtests.research.evaluate import evaluate as run_evaluation

    _, scores, prices, notes = load_inputs(ctx, symbols, timeframe, exchange, data_dir,
                                           refresh, weights_file)
    check_candles(prices, since, until)
    days = tuple(int(d) for d in parse_grid(horizons, "--horizons", integers=True))
    result = run_evaluation(scores, _one_symbol(prices, "evaluate"), timeframe, horizons=days,
                            start=since, end=until, threshold=threshold, depth=depth)
    if report:
        save_report(report, scores, prices, notes, evaluation=result)
    if fmt == "json":
        print_json({"summary": result.summary(), "ic": _records(result.ic),
                    "quantiles": _records(result.quantiles.reset_index()),
                    "regimes": _records(result.regimes.reset_index()),
                    "threshold_sweep": _records(result.threshold_sweep),
                    "warnings": _records(result.warnings), "notes": notes})
        return
    if fmt == "csv":
        print_csv(result.ic)
        return
    _print_frame(result.ic, "rank IC of the score with forward returns (negative = informative)")
    shown = [c for c in result.quantiles.columns if not c.startswith("median_")]
    _print_frame(result.quantiles[shown].reset_index(), "mean forward returns by score "
                 "quantile (1 = lowest score; medians in --format json)")
    shown = [c for c in result.regimes.columns if not c.startswith("median_")]
    _print_frame(result.regimes[shown].reset_index(), "mean forward returns by regime")
    _print_frame(result.threshold_sweep, f"risk-off calls (score >= threshold) against "
                 f"{depth:.0%} drawdowns")
    warned = result.warnings
    console().print(f"{int(warned['warned'].sum()) if len(warned) else 0} of {len(warned)} "
                    f"drawdowns deeper than {depth:.0%} were preceded by a score >= {threshold:g}",
                    highlight=False)


@click.command("sweep")
@common_options
@click.option("--thresholds", default="50:100:1", show_default=True,
              help="Exit thresholds: start:stop:step or a list.")
@click.option("--smoothing", default="1,3,5,7,10,14,21,30", show_default=True,
              help="Score smoothing windows in candles.")
@click.option("--band", default=0.0, show_default=True, help="Hysteresis band, score points.")
@click.option("--sort", "sort_by", default="sharpe", show_default=True,
              type=click.Choice(["sharpe", "calmar", "total_return", "annualized_return",
                                 "max_drawdown"]))
@click.option("--top", default=15, show_default=True, help="Rows to show in the table.")
@click.option("--fee-bps", default=10.0, show_default=True)
@click.option("--slippage-bps", default=5.0, show_default=True)
@REPORT_OPTION
@click.pass_obj
def sweep_command(ctx: Context, symbols, exchange, timeframe, since, until, data_dir,
                  weights_file, refresh, fmt, thresholds, smoothing, band, sort_by, top,
                  fee_bps, slippage_bps, report) -> None:
    """Every threshold x smoothing of the threshold rule in one compiled pass.

    \b
    Examples:
      riskoff sweep
      riskoff sweep --thresholds 55:90:2.5 --smoothing 1,7,30 --sort calmar
      riskoff sweep --format json > sweep.json
    """
    from backtests.research.sweep import sweep

    _, scores, prices, notes = load_inputs(ctx, symbols, timeframe, exchange, data_dir,
                                           refresh, weights_file)
    check_candles(prices, since, until)
    table = sweep(_one_symbol(prices, "sweep"), scores,
                  thresholds=parse_grid(thresholds, "--thresholds"),
                  smoothing=parse_grid(smoothing, "--smoothing", integers=True), band=band,
                  fee_bps=fee_bps, slippage_bps=slippage_bps, start=since, end=until,
                  timeframe=timeframe)
    table = table.sort_values(sort_by, ascending=False, ignore_index=True)
    if report:
        save_report(report, scores, prices, notes, sweep=table)
    if fmt == "json":
        print_json({"rows": _records(table)})
        return
    if fmt == "csv":
        print_csv(table)
        return
    _print_frame(table.head(top), f"{len(table)} combinations, best {top} by {sort_by}")


@click.command()
@common_options
@click.option("--train", default="730D", show_default=True, help="In-sample length.")
@click.option("--test", "test_length", default="182D", show_default=True,
              help="Out-of-sample length.")
@click.option("--anchored", is_flag=True, help="Grow the in-sample from the first candle.")
@click.option("--objective", default="sharpe", show_default=True,
              type=click.Choice(["sharpe", "calmar", "total_return", "annualized_return",
                                 "max_drawdown"]))
@click.option("--thresholds", default="50:100:2", show_default=True)
@click.option("--smoothing", default="1,3,7,14", show_default=True)
@click.pass_obj
def walkforward(ctx: Context, symbols, exchange, timeframe, since, until, data_dir,
                weights_file, refresh, fmt, train, test_length, anchored, objective,
                thresholds, smoothing) -> None:
    """Choose the rule in-sample, judge it out-of-sample, window after window.

    \b
    Examples:
      riskoff walkforward
      riskoff walkforward --train 365D --test 90D --anchored --objective calmar
    """
    from backtests.research.walkforward import walk_forward

    _, scores, prices, _ = load_inputs(ctx, symbols, timeframe, exchange, data_dir, refresh,
                                       weights_file)
    check_candles(prices, since, until)
    result = walk_forward(_one_symbol(prices, "walkforward"), scores, train=train,
                          test=test_length, anchored=anchored, objective=objective,
                          thresholds=parse_grid(thresholds, "--thresholds"),
                          smoothing=parse_grid(smoothing, "--smoothing", integers=True),
                          timeframe=timeframe, start=since, end=until)
    if fmt == "json":
        print_json({"splits": _records(result.splits),
                    "summary": _records(result.summary().reset_index()),
                    "stats": {k: dict(v) for k, v in result.stats.iterrows()}})
        return
    if fmt == "csv":
        print_csv(result.splits)
        return
    columns = ["oos_start", "oos_end", "threshold", "smoothing", f"is_{objective}",
               f"oos_{objective}"]
    _print_frame(result.splits[columns], "windows: chosen in-sample, judged out-of-sample")
    _print_frame(result.summary().reset_index(), "mean in-sample against out-of-sample "
                 "(returns, drawdowns and exposure in %; sharpe, calmar and turnover as "
                 "ratios)", by_row="metric")
    _print_stats(result.stats, "the chained out-of-sample equity against buy-and-hold")
