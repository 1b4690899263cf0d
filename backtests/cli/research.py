"""``riskoff evaluate``, ``riskoff study``, ``riskoff sweep`` and ``riskoff walkforward``."""

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
from backtests.cli.common import FORMAT_OPTION, Context, console, print_csv, print_json


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
@click.option("--threshold", type=float,
              help="Score level for the event study and drawdown warnings (default: where "
                   "the stress regime starts, the default backtest rule's exit).")
@click.option("--depth", default=0.20, show_default=True,
              help="Drawdown depth that counts as an event (0.20 = 20%).")
@click.option("--horizons", default="1,3,7,30", show_default=True,
              help="Forward-return horizons in days.")
@click.option("--by", type=click.Choice(["component", "family"]),
              help="Also rank each component's (or family's) z-score against the targets.")
@click.option("--validity/--no-validity", default=True, show_default=True,
              help="Construct validity on Japan-channel event days (macro history from "
                   "2005 to --until).")
@click.option("--n-boot", default=2000, show_default=True,
              help="Moving-block bootstrap draws of the protocol's criteria.")
@REPORT_OPTION
@click.pass_obj
def evaluate(ctx: Context, symbols, exchange, timeframe, since, until, data_dir, weights_file,
             refresh, fmt, threshold, depth, horizons, by, validity, n_boot, report) -> None:
    """Does the score warn of BTC/ETH risk? Forward risk, baselines, checks, validity.

    The score is risk-off: information shows as a *positive* rank IC with forward
    volatility, drawdown depth and tail events and a *negative* one with forward returns,
    beside the baselines (trailing volatility, VIX when present, a USD/JPY-only score).
    Intervals respect overlapping windows (Newey-West; the protocol's criteria use a
    moving-block bootstrap). Checks that fire are printed as warnings.

    \b
    Examples:
      riskoff evaluate
      riskoff evaluate --symbol ETH/USDT --since 2020-01-01 --horizons 1,7,30
      riskoff evaluate --by family --until 2020-12-31     # the protocol's choice period
      riskoff evaluate --until 2021-12-31 --format json
    """
    from backtests.research.evaluate import evaluate as run_evaluation

    macro, scores, prices, notes = load_inputs(ctx, symbols, timeframe, exchange, data_dir,
                                               refresh, weights_file)
    check_candles(prices, since, until)
    days = tuple(int(d) for d in parse_grid(horizons, "--horizons", integers=True))
    if n_boot < 2:
        raise click.BadParameter(f"{n_boot} is too few; use e.g. 2000", param_hint="--n-boot")
    result = run_evaluation(scores, _one_symbol(prices, "evaluate"), timeframe, horizons=days,
                            start=since, end=until, threshold=threshold, depth=depth,
                            macro=macro, by=by, validity=validity, n_boot=n_boot, warn=False)
    if report:
        save_report(report, scores, prices, notes, evaluation=result)
    validity_table = None if result.validity is None else result.validity.reset_index()
    if fmt == "json":
        print_json({"summary": result.summary(), "ic": _records(result.ic),
                    "quantiles": _records(result.quantiles.reset_index()),
                    "regimes": _records(result.regimes.reset_index()),
                    "threshold_sweep": _records(result.threshold_sweep),
                    "warnings": _records(result.warnings),
                    "target_ic": _records(result.target_ic),
                    "risk_quantiles": _records(result.risk_quantiles.reset_index()),
                    "risk_regimes": _records(result.risk_regimes.reset_index()),
                    "criterion": result.criterion,
                    "checks": _records(result.checks),
                    "construct_validity": None if validity_table is None
                    else _records(validity_table),
                    "unavailable": result.settings.get("unavailable", {}),
                    "notes": notes})
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
                    f"drawdowns deeper than {depth:.0%} were preceded by a score >= "
                    f"{result.settings['threshold']:g}",
                    highlight=False)
    _print_evidence(result, validity_table)


def _print_evidence(result, validity_table) -> None:
    """The protocol's evidence of `result` (an Evaluation) as tables and warnings."""
    _print_frame(result.target_ic, "rank IC with forward risk (risk targets: positive = "
                 "informative; returns: negative), baselines beside, Newey-West intervals")
    table = result.risk_quantiles
    longest = [c for c in table.columns if c == "count" or c.endswith("_30d")]
    _print_frame(table[longest or list(table.columns)].reset_index(), "forward risk by score "
                 "quintile (all = always-long on the same days; every horizon in --format json)")
    crit = result.criterion
    if crit:
        console().print(
            f"primary criterion {crit['primary']:+.3f} [{crit['primary_low']:+.3f}, "
            f"{crit['primary_high']:+.3f}], after trailing volatility {crit['incremental']:+.3f} "
            f"[{crit['incremental_low']:+.3f}, {crit['incremental_high']:+.3f}] "
            f"({crit['confidence']:.0%} block bootstrap, {crit['n']} days)", highlight=False)
    if validity_table is not None:
        shown = validity_table.drop(columns=["definition"])
        _print_frame(shown, "construct validity: share of event days with the score in its "
                     "upper quintile, against calm days")
    for key, reason in result.settings.get("unavailable", {}).items():
        console().print(f"unavailable: {key}: {reason}", highlight=False)
    err = console(stderr=True)
    for message in result.checks.loc[result.checks["fired"], "message"]:
        err.print(f"[yellow]warning:[/yellow] {message}", highlight=False)


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


@click.command()
@click.option("--write", "path", type=click.Path(dir_okay=False),
              help="Write the evidence tables (Markdown) to this file, e.g. docs/evidence.md.")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False),
              help="Saved publisher files read on top of the bundled macro data (e.g. the "
                   "VIX); the candles stay the bundled ones.")
@click.option("--n-boot", default=2000, show_default=True, help="Bootstrap draws.")
@click.option("--seed", default=0, show_default=True, help="Bootstrap seed.")
@click.option("--no-components", is_flag=True, help="Skip the family and component rows.")
@click.option("--choose", is_flag=True,
              help="Run the protocol's rules 1-5 on the choice period instead: print what "
                   "they pick; --write the figures (docs/choice.md), --defaults the picks.")
@click.option("--defaults", "defaults_path", type=click.Path(dir_okay=False),
              help="With --choose: write the picks to this TOML file (the package reads "
                   "signals/defaults.toml).")
@FORMAT_OPTION
@click.pass_obj
def study(ctx: Context, path, data_dir, n_boot, seed, no_components, choose, defaults_path,
          fmt) -> None:
    """Rerun the research protocol's study from the bundled data; regenerate the evidence.

    Every candidate method that ``risk_off_score`` offers, the baselines, each family and
    component, BTC and ETH daily, the choice period (to 2020-12-31) and the confirmation
    period (2021-2023) side by side (docs/research_protocol.md). With ``--choose``, the
    protocol's rules pick the defaults from the choice period alone.

    \b
    Examples:
      riskoff study --write docs/evidence.md
      riskoff study --format json > study.json
      riskoff study --choose --write docs/choice.md --defaults signals/defaults.toml
    """
    from backtests.research.study import COMMAND, render_markdown, run_study

    if n_boot < 2:
        raise click.BadParameter(f"{n_boot} is too few; use e.g. 2000", param_hint="--n-boot")
    if choose:
        _choose(path, data_dir, n_boot, seed, defaults_path, fmt)
        return
    if defaults_path:
        raise click.UsageError("--defaults needs --choose")
    result = run_study(data_dir=data_dir, n_boot=n_boot, seed=seed,
                       components=not no_components)
    if path:
        from pathlib import Path

        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_markdown(result, command=COMMAND) + "\n", encoding="utf-8")
        console(stderr=True).print(f"evidence: {target}", highlight=False)
    if fmt == "json":
        print_json({"methods": result.methods, "criteria": _records(result.criteria),
                    "ics": _records(result.ics), "quantiles": _records(result.quantiles),
                    "validity": _records(result.validity), "checks": _records(result.checks),
                    "crypto_only": _records(result.crypto_only), "data": result.data})
        return
    if fmt == "csv":
        print_csv(result.criteria)
        return
    shown = result.criteria[["period", "predictor", "kind", "primary", "primary_low",
                             "primary_high", "incremental", "carries_information"]]
    _print_frame(shown, "the protocol's primary criterion, BTC and ETH together "
                 "(choice period, then confirmation)")


def _choose(path, data_dir, n_boot, seed, defaults_path, fmt) -> None:
    """``riskoff study --choose``: the protocol's rules on the bundled choice period."""
    from pathlib import Path

    from backtests.research.choice import render_markdown, run_choice, to_toml

    if data_dir:
        raise click.UsageError("--choose runs on the bundled data only (the protocol's "
                               "data); drop --data-dir")
    choice = run_choice(n_boot=n_boot, seed=seed)
    for target, text, what in ((path, render_markdown(choice), "choice"),
                               (defaults_path, to_toml(choice), "defaults")):
        if target:
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
            console(stderr=True).print(f"{what}: {target}", highlight=False)
    if fmt == "json":
        print_json({"method": choice.method, "rule": choice.rule,
                    "repatriation_weight": choice.repatriation_weight,
                    "standardize": _records(choice.standardize.reset_index()),
                    "component_set": _records(choice.component_set.reset_index()),
                    "methods": _records(choice.methods.reset_index()),
                    "levels": _records(choice.levels.reset_index()), "data": choice.data})
        return
    if fmt == "csv":
        print_csv(choice.methods)
        return
    print(to_toml(choice), end="")
