"""``riskoff backtest``."""

from __future__ import annotations

import warnings

import click
from rich.text import Text

from backtests.cli.common import (
    FORCE_OPTION,
    Context,
    check_output,
    console,
    print_csv,
    print_json,
)
from signals.defaults import DEFAULTS


def REPORT_OPTION(func):  # noqa: N802 - used as a decorator, like click's
    """``--report FILE`` and ``--force`` (see :func:`backtests.cli.common.check_output`)."""
    return FORCE_OPTION(click.option(
        "--report", type=click.Path(dir_okay=False),
        help="Also write a self-contained HTML report to this file.")(func))


def save_report(path: str, scores, prices: dict, notes, **pieces) -> None:
    """Write the HTML report of a command's results and say where."""
    from backtests.report.page import build_report

    check_output("report", [path])
    report = build_report(scores, prices, notes=notes, **pieces)
    console(stderr=True).print(f"report: {report.save(path)}", highlight=False)


def load_inputs(ctx: Context, symbols, timeframe, exchange, data_dir, refresh, weights_file):
    """Data for a command: (macro, scores, {symbol: candles}, notes)."""
    from backtests.candles.prices import load_prices
    from signals.data.macro import load_macro
    from signals.score.composite import risk_off_score

    store = ctx.store()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        macro = load_macro(data_dir=data_dir, refresh=refresh, store=store)
        scores = risk_off_score(macro, weights=weights_file)
        prices = {symbol: load_prices(symbol, timeframe, exchange=exchange, data_dir=data_dir,
                                      refresh=refresh, store=store) for symbol in symbols}
    notes = list(dict.fromkeys(str(w.message) for w in caught
                               if issubclass(w.category, UserWarning)))
    return macro, scores, prices, notes


def _date(ctx: click.Context, param: click.Parameter, value):
    """A --since/--until value as a UTC Timestamp, or a usage error naming the option."""
    if value is None:
        return None
    from signals.errors import ConfigError
    from signals.times import to_utc

    try:
        return to_utc(value, param.opts[0])
    except ConfigError as exc:
        raise click.BadParameter(f"{value!r} is not a date; use e.g. 2022-12-20") from exc


def past_date(ctx: click.Context, param: click.Parameter, value):
    """A date option that must not lie in the future (``--at``), as a UTC Timestamp."""
    when = _date(ctx, param, value)
    if when is not None:
        import pandas as pd

        if when > pd.Timestamp.now(tz="UTC"):
            raise click.BadParameter(f"{value} is in the future; leave {param.opts[0]} out "
                                     "for the latest reading")
    return when


def check_candles(prices: dict, since, until) -> None:
    """A usage error when the --since/--until window holds no candle of some symbol."""
    for symbol, frame in prices.items():
        inside = frame
        if since is not None:
            inside = inside[inside.index >= since]
        if until is not None:
            inside = inside[inside.index <= until]
        if len(frame) and inside.empty:
            first = "the first" if since is None else f"{since:%Y-%m-%d}"
            last = "the last" if until is None else f"{until:%Y-%m-%d}"
            raise click.BadParameter(
                f"no {symbol} candle between {first} and {last}: the candles run "
                f"{frame.index[0]:%Y-%m-%d} to {frame.index[-1]:%Y-%m-%d}; pick dates inside, "
                "or get newer candles with riskoff data update or --data-dir",
                param_hint="--since/--until")


def check_rule(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A --rule whose levels lie on the score's 0-100 scale, or a usage error saying so.

    The library accepts any level (``threshold:101`` is a deliberate "never exit"); on the
    command line a level outside 0-100 is taken for a typo, since the rule would never act.
    """
    from backtests.engine.rules import Linear, Threshold, parse_rule
    from signals.errors import ConfigError

    try:
        rule = parse_rule(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from exc
    levels = {Threshold: ("exit_above", "reenter_below"),
              Linear: ("full_below", "zero_above")}.get(type(rule), ())
    for name in levels:
        level = getattr(rule, name)
        if level is not None and not 0 <= level <= 100:
            raise click.BadParameter(f"{value!r}: the level {level:g} is outside the score's "
                                     "0-100 range, so the rule would never act; use e.g. "
                                     "threshold:70 or threshold:70:55")
    return value


def _check_window(func):
    """Wrap a command so that ``--since`` after ``--until`` is a usage error naming both."""
    import functools

    @functools.wraps(func)
    def checked(*args, **kwargs):
        since, until = kwargs.get("since"), kwargs.get("until")
        if since is not None and until is not None and since >= until:
            raise click.BadParameter(f"--since {since:%Y-%m-%d} is not before --until "
                                     f"{until:%Y-%m-%d}; swap them or widen the window",
                                     param_hint="--since/--until")
        return func(*args, **kwargs)

    return checked


def common_options(func=None, *, symbols=("BTC/USDT",)):
    """The data options every backtesting command shares (`symbols`: the default symbols)."""
    if func is None:
        return lambda f: common_options(f, symbols=symbols)
    options = [
        click.option("--symbol", "symbols", multiple=True, default=symbols,
                     show_default=True, help="ccxt symbol (repeatable: BTC/USDT and ETH/USDT)."),
        click.option("--exchange", default="binance", show_default=True, help="ccxt exchange."),
        click.option("--timeframe", default="1d", show_default=True, help="Candle length."),
        click.option("--since", metavar="DATE", callback=_date,
                     help="First candle (default: the first one, as in backtests.run)."),
        click.option("--until", metavar="DATE", callback=_date,
                     help="Last candle (default: the latest)."),
        click.option("--data-dir", type=click.Path(exists=True, file_okay=False),
                     help="Saved publisher and exchange files instead of the store."),
        click.option("--weights", "weights_file", type=click.Path(dir_okay=False),
                     help="TOML file with a [weights] table for the score."),
        click.option("--refresh", is_flag=True, help="Download what is new first."),
        click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
                     default="table", show_default=True,
                     help="table for people; json or csv for programs (docs/cli.md)."),
    ]
    func = _check_window(func)
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@common_options
@click.option("--rule", default=DEFAULTS.backtest_rule(), show_default=True,
              callback=check_rule,
              help="threshold:70, threshold:70:55, threshold:70:55:-0.5, linear:50:80, "
                   "regime:calm=1,watch=1,stress=0.5,unwind=0. The default is the research "
                   "protocol's: flat from the stress level, long again below watch "
                   "(docs/choice.md).")
@click.option("--fee-bps", default=10.0, show_default=True, help="Fees, bp of traded notional.")
@click.option("--slippage-bps", default=5.0, show_default=True, help="Slippage, bp.")
@click.option("--execution", type=click.Choice(["open", "close"]), default="open",
              show_default=True, help="Fill on the next candle's open or close.")
@click.option("--allow-short", is_flag=True, help="Allow a short hedge (negative exposure).")
@REPORT_OPTION
@click.pass_obj
def backtest(ctx: Context, symbols, exchange, timeframe, since, until, data_dir, weights_file,
             refresh, fmt, rule, fee_bps, slippage_bps, execution, allow_short,
             report) -> None:
    """Would the risk-off score have protected a BTC/ETH position? Rule against buy-and-hold.

    \b
    Examples:
      riskoff backtest
      riskoff backtest --symbol BTC/USDT --symbol ETH/USDT --rule threshold:70:55
      riskoff backtest --timeframe 4h --since 2020-01-01 --rule linear:50:80 --format json
    """
    from backtests.engine.run import run

    _, scores, prices, notes = load_inputs(ctx, symbols, timeframe, exchange, data_dir,
                                           refresh, weights_file)
    check_candles(prices, since, until)
    result = run(prices if len(prices) > 1 else next(iter(prices.values())), scores, rule=rule,
                 fee_bps=fee_bps, slippage_bps=slippage_bps, execution=execution,
                 allow_short=allow_short, start=since, end=until, timeframe=timeframe)
    stats = result.stats
    if report:
        save_report(report, scores, prices, notes, backtest=result)
    if fmt == "json":
        print_json({"symbols": list(symbols), "timeframe": timeframe, "exchange": exchange,
                    "rule": rule, "fee_bps": fee_bps, "slippage_bps": slippage_bps,
                    "execution": execution, "stats": _stats_records(stats), "notes": notes})
        return
    if fmt == "csv":
        import pandas as pd

        flat = stats.copy()
        flat.columns = ["/".join(c) if isinstance(c, tuple) else c for c in flat.columns]
        print_csv(pd.DataFrame(flat).rename_axis("key").reset_index())
        return
    _print_stats(stats, f"{', '.join(symbols)} {timeframe}, rule {rule}, costs "
                 f"{fee_bps:g}+{slippage_bps:g} bp")
    if not ctx.quiet:
        err = console(stderr=True)
        for note in notes:
            err.print(Text.assemble(("note:", "yellow"), f" {note}"), highlight=False)
    column = ("combined", "strategy") if len(symbols) > 1 else "strategy"
    hold = ("combined", "buy_and_hold") if len(symbols) > 1 else "buy_and_hold"
    from backtests.report.formats import stat

    ret, drawdown = "Return [%]", "Max. Drawdown [%]"
    console().print(
        f"return {stat(ret, stats.loc[ret, column])} vs buy-and-hold "
        f"{stat(ret, stats.loc[ret, hold])}; max drawdown "
        f"{stat(drawdown, stats.loc[drawdown, column])} vs "
        f"{stat(drawdown, stats.loc[drawdown, hold])}", highlight=False)


def _stats_records(stats) -> dict:
    """``{key: {column: value}}``, columns joined with '/' when they are pairs."""
    out: dict = {}
    for key, row in stats.iterrows():
        out[key] = {("/".join(c) if isinstance(c, tuple) else c): v for c, v in row.items()}
    return out


def _print_stats(stats, title: str) -> None:
    """A stats table, formatted as in the HTML report (:mod:`backtests.report.formats`)."""
    from rich import box
    from rich.table import Table

    from backtests.report.formats import label, min_width, table_text

    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("")
    for column in stats.columns:
        table.add_column(label(column), justify="right", min_width=min_width(label(column)))
    for key, row in zip(stats.index, table_text(stats, stats=True).itertuples(index=False),
                        strict=True):
        table.add_row(str(key), *row)
    console().print(table)
