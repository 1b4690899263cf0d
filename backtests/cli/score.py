"""``riskoff score`` and ``riskoff check-lookahead``."""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING

import click
from rich.text import Text

from backtests.cli.backtest import past_date
from backtests.cli.common import FORMAT_OPTION, Context, console, print_csv, print_json

if TYPE_CHECKING:
    import pandas as pd

EXIT_LOOKAHEAD = 3
FORMATS = click.Choice(["table", "csv", "json"])


def _load(ctx: Context, data_dir, refresh: bool):
    """The macro data, the warnings as notes, and the refresh failures among them."""
    from signals.data.macro import RefreshFailedWarning, load_macro

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        macro = load_macro(data_dir=data_dir, refresh=refresh, store=ctx.store())
    notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    failed = [str(w.message) for w in caught if issubclass(w.category, RefreshFailedWarning)]
    return macro, notes, failed


def reading(scores: pd.DataFrame, macro, at: pd.Timestamp | None = None) -> dict:
    """The reading of ``riskoff score --format json`` (see :func:`signals.bots.live.reading`)."""
    from signals.bots.live import reading as live_reading
    from signals.errors import ConfigError

    try:
        return live_reading(scores, macro, at)
    except ConfigError as exc:
        raise click.BadParameter("no score is available that early; try a later --at date",
                                 param_hint="--at") from exc


@click.command()
@click.option("--at", "at", metavar="DATE", callback=past_date,
              help="One past reading, as of DATE (UTC).")
@click.option("--since", metavar="DATE", help="Every reading from DATE, one row per "
              "availability time (a batch published together: its last row).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False),
              help="Saved publisher files to use on top of the store.")
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False),
              help="TOML file with a [weights] table.")
@click.option("--refresh", is_flag=True, help="Download what is new first.")
@click.pass_obj
def score(ctx: Context, at, since, fmt, data_dir, weights_file, refresh) -> None:
    """The risk-off score: 0-100, its regime, why, and how fresh each input is.

    \b
    Examples:
      riskoff score
      riskoff score --at 2022-12-21
      riskoff score --since 2022-09-01 --format csv > scores.csv
      riskoff score --weights my_weights.toml --format json
    """
    import pandas as pd

    from signals.score.composite import risk_off_score
    from signals.times import to_utc

    if at and since:
        raise click.UsageError("use --at or --since, not both")
    macro, notes, failed = _load(ctx, data_dir, refresh)
    scores = risk_off_score(macro, weights=weights_file)
    if since:
        _print_series(by_instant(scores[scores.index >= to_utc(since, "--since")]), fmt)
        return
    result = reading(scores, macro, at)
    result.update(notes=notes, degraded=bool(failed), failed_sources=failed)
    if fmt == "json":
        print_json(result)
    elif fmt == "csv":
        frame = pd.DataFrame(result["components"])
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        _print_reading(result, ctx.quiet, asked=at is not None)


def by_instant(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per availability time to the second: the last of each batch.

    Values published together (a weekly batch) are stored a microsecond apart, in order;
    the last row of the batch is the score once all of it was known.
    """
    instants = scores.index.floor("s")
    out = scores[~instants.duplicated(keep="last")].copy()
    out.index = out.index.floor("s")
    return out


def _print_series(scores: pd.DataFrame, fmt: str) -> None:
    import pandas as pd

    frame = scores.reset_index()
    if fmt == "csv":
        click.echo(frame.to_csv(index=False, float_format="%.4f"), nl=False)
    elif fmt == "json":
        print_json({"rows": frame.astype(object).where(frame.notna(), None)
                   .to_dict(orient="records")})
    else:
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD)
        for column in ("available (UTC)", "score", "regime", "coverage"):
            table.add_column(column, justify="left" if column == "regime" else "right")
        for _, row in frame.iterrows():
            table.add_row(f"{row['available_at']:%Y-%m-%d %H:%M}",
                          "" if pd.isna(row["score"]) else f"{row['score']:.1f}",
                          "" if pd.isna(row["regime"]) else str(row["regime"]),
                          f"{row['coverage']:.0%}")
        console().print(table)


_REGIME_COLOURS = {"calm": "green", "watch": "yellow", "stress": "dark_orange", "unwind": "red"}


def _print_reading(result: dict, quiet: bool, *, asked: bool) -> None:
    """The reading for people; `asked`: a reading of a past time (``--at``), never "old"."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    out = console()
    regime = result["regime"] or "no score"
    colour = _REGIME_COLOURS.get(regime, "white")
    value = "n/a" if result["score"] is None else f"{result['score']:.1f}"
    row = (result["row_available_at"] or result["as_of"])[:16].replace("T", " ")
    asked_at = result["as_of"][:16].replace("T", " ")
    out.print(f"risk-off score [bold {colour}]{value}[/] ({regime}) as of {row} UTC"
              + (f" (the reading at {asked_at} UTC)" if asked else "")
              + f"; {result['coverage']:.0%} of the weight has fresh data", highlight=False,
              markup=True)
    age = result["age_days"]
    if not asked and age is not None and age > 3:
        out.print(f"[yellow]this reading is {age:,.0f} days old: the data end there. Run "
                  "`riskoff data update` for today's score.[/yellow]", highlight=False, markup=True)
    if result["stale"]:
        out.print(f"[yellow]too little of the weight was fresh at {asked_at} UTC for a score; "
                  f"this is the last good one. {escape(result['decision'])}[/yellow]",
                  highlight=False, markup=True)
    if quiet:
        return
    parts = Table(title="why: contributions in score points (50 = an ordinary day)",
                  box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("component", "family", "points", "what it measures"):
        parts.add_column(column, justify="right" if column == "points" else "left")
    for part in result["components"]:
        points = part["contribution"]
        shown = Text("n/a", "dim") if points is None else (
            Text(f"{points:+.1f}", "red" if points > 0 else "green"))
        parts.add_row(part["name"], part["family"], shown, part["description"])
    out.print(parts)
    fresh = Table(title="inputs", box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("series", "last date", "available (UTC)", "age (days)", "fresh"):
        fresh.add_column(column)
    for item in result["inputs"]:
        fresh.add_row(item["name"], item["last_date"] or "", (item["available_at"] or "")[:16]
                      .replace("T", " "), "" if item["age_days"] is None else
                      f"{item['age_days']:.1f}", Text("stale", "red") if item["stale"] else
                      Text("yes", "green"))
    out.print(fresh)
    for note in result.get("notes", []):
        console(stderr=True).print(Text.assemble(("note:", "yellow"), f" {note}"),
                                   highlight=False)


@click.command("check-lookahead")
@click.argument("target", metavar="MODULE:FUNCTION")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False),
              help="Saved publisher files to use on top of the store.")
@click.option("--cutoffs", default=25, show_default=True, help="How many cut-off times.")
@click.option("--since", metavar="DATE", default="2010-01-01", show_default=True,
              help="Use the data from DATE (shorter is faster).")
@click.option("--pair", default="BTC/USDT", show_default=True,
              help="A freqtrade strategy's candles: this pair at its timeframe.")
@FORMAT_OPTION
@click.pass_obj
def check_lookahead(ctx: Context, target, data_dir, cutoffs, since, pair, fmt) -> None:
    """Check that your own signal never uses data published after each row.

    TARGET is ``package.module:function`` or ``path/to/file.py:function``; the function
    takes the macro data (a mapping of name to Series, as ``signals.load_macro()`` gives)
    and returns a Series or DataFrame indexed by time. TARGET can also be a freqtrade
    strategy class with a ``use_macro`` method: its macro side is checked on --pair's
    candles (``signals.freqtrade.check_macro_lookahead``; ``freqtrade lookahead-analysis``
    checks the candle side). Exit code 3 when a row changes.

    \b
    Examples:
      riskoff check-lookahead my_signals.py:steep_jgb
      riskoff check-lookahead mypackage.signals:carry_stress --cutoffs 50
      riskoff check-lookahead user_data/strategies/my_strategy.py:MyStrategy
    """
    from signals.errors import RiskoffError
    from signals.score.lookahead import check_lookahead as check
    from signals.times import to_utc

    func = _import_target(target)
    macro, _, _ = _load(ctx, data_dir, False)
    start = to_utc(since, "--since")
    data = {name: s[s.index >= start] for name, s in macro.items()}
    try:
        if isinstance(func, type) and hasattr(func, "use_macro"):
            report = _check_strategy(ctx, func, data, pair, cutoffs)
        else:
            report = check(func, data, cutoffs=cutoffs)
    except RiskoffError:
        raise
    except Exception as exc:  # the user's function failed: one line, the traceback on --debug
        raise RiskoffError(f"{target} raised {type(exc).__name__}: {exc}; fix the function "
                           "(it gets a dict of name -> Series, as signals.load_macro() "
                           "gives) or add --debug for the traceback") from exc
    if fmt == "json":
        print_json({"target": target, "ok": report.ok, "cutoffs": list(report.cutoffs),
                    "violations": report.violations.astype(object).where(
                        report.violations.notna(), None).to_dict(orient="records")})
    elif fmt == "csv":
        print_csv(report.violations)
    if fmt != "table":
        if not report.ok:
            sys.exit(EXIT_LOOKAHEAD)
        return
    out = console()
    if report.ok:
        out.print(Text.assemble(("ok", "green"), f": {target} gave the same past at all "
                                f"{len(report.cutoffs)} cut-offs"), highlight=False)
        return
    out.print(Text.assemble(("lookahead", "red"), f": {report!r}"), highlight=False)
    out.print(report.violations.head(20).to_string(index=False), highlight=False)
    sys.exit(EXIT_LOOKAHEAD)


def _check_strategy(ctx: Context, strategy_class: type, data, pair: str, cutoffs: int):
    """The macro-side check of a freqtrade strategy class on `pair`'s candles."""
    from backtests.candles.prices import load_prices
    from signals.freqtrade import check_macro_lookahead

    strategy = strategy_class({})
    candles = load_prices(pair, strategy.timeframe, store=ctx.store())
    frame = candles.rename_axis("date").reset_index()
    return check_macro_lookahead(strategy, frame, data, pair=pair, cutoffs=cutoffs)


def _import_target(target: str):
    import importlib
    import importlib.util
    from pathlib import Path

    module_name, _, func_name = target.rpartition(":")
    if not module_name or not func_name:
        raise click.BadParameter("write MODULE:FUNCTION, e.g. my_signals.py:steep_jgb",
                                 param_hint="MODULE:FUNCTION")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            spec = importlib.util.spec_from_file_location(path.stem, path)
            if spec is None or not path.is_file():
                raise FileNotFoundError(module_name)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except Exception as exc:  # a missing file, or any error the module raises on import
        raise click.BadParameter(f"cannot import {module_name!r}: {exc}",
                                 param_hint="MODULE:FUNCTION") from exc
    func = getattr(module, func_name, None)
    if not callable(func):
        raise click.BadParameter(f"{module_name!r} has no function {func_name!r}",
                                 param_hint="MODULE:FUNCTION")
    return func
