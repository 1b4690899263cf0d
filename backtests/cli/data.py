"""``riskoff data update`` and ``riskoff data status``."""

from __future__ import annotations

import sys
import warnings

import click
from rich.text import Text

from backtests.cli.common import (
    EXIT_PARTIAL,
    FORMAT_OPTION,
    Context,
    console,
    print_csv,
    print_json,
)

DEFAULT_SYMBOLS = ("BTC/USDT", "ETH/USDT")


@click.group()
def data() -> None:
    """Download, import and inspect the data riskoff uses."""


def _price_results(ctx: Context, store, symbols, timeframe, exchange, data_dir, on_result):
    from backtests.candles.prices import StaleCandlesWarning, load_prices
    from signals.data.update import FetchResult
    from signals.errors import RiskoffError

    results = []
    for symbol in symbols:
        label = f"{exchange} {symbol} {timeframe}"
        before = len(store.read_candles(exchange, symbol, timeframe))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", StaleCandlesWarning)
                if data_dir is not None:
                    frame = load_prices(symbol, timeframe, exchange=exchange, data_dir=data_dir)
                    store.write_candles(exchange, symbol, timeframe, frame, origin="file")
                    rows = len(frame)
                else:
                    frame = load_prices(symbol, timeframe, exchange=exchange, refresh=True,
                                        store=store)
                    rows = len(frame) - before
            result = FetchResult("prices", label, max(rows, 0))
        except (RiskoffError, StaleCandlesWarning) as exc:
            result = FetchResult("prices", label, 0, str(exc))
        results.append(result)
        on_result(result)
    return results


@data.command()
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Only this source (repeatable): mof, mof_week, treasury, fred, yahoo, "
                   "cboe, cftc, tic.")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False),
              help="Import saved publisher files from this folder instead of the network.")
@click.option("--symbol", "symbols", multiple=True, default=DEFAULT_SYMBOLS, show_default=True,
              help="Crypto symbols to update (repeatable).")
@click.option("--timeframe", default="1d", show_default=True, help="Candle timeframe.")
@click.option("--exchange", default="binance", show_default=True, help="ccxt exchange id.")
@click.option("--no-prices", is_flag=True, help="Update macro data only.")
@FORMAT_OPTION
@click.pass_obj
def update(ctx: Context, sources, data_dir, symbols, timeframe, exchange, no_prices,
           fmt) -> None:
    """Download what is new from every publisher and exchange into the store.

    Each download is stored on its own: a failed source keeps its old data and the others
    still update. Exit code 2 when any source failed.

    \b
    Examples:
      riskoff data update
      riskoff data update --source fred --source mof --no-prices
      riskoff data update --data-dir ~/saved --symbol BTC/USDT --timeframe 4h
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from signals.data.update import import_data_dir, refresh_macro
    from signals.sources.registry import all_sources, get_source

    store = ctx.store()
    chosen = [get_source(name) for name in sources] if sources else all_sources()
    total = (0 if data_dir else sum(len(s.fetches) for s in chosen)) + \
        (0 if no_prices else len(symbols))
    err = console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=ctx.quiet or fmt == "json") as progress:
        task = progress.add_task("updating", total=total)

        def advance(result) -> None:
            progress.update(task, advance=1, description=result.label)

        if data_dir:
            results = import_data_dir(store, data_dir)
        else:
            results = refresh_macro(store, sources=chosen, on_result=advance)
        if not no_prices:
            results += _price_results(ctx, store, symbols, timeframe, exchange, data_dir,
                                      advance)
    failed = [r for r in results if not r.ok]
    if fmt == "json":
        print_json({"store": str(store.path), "ok": not failed,
                    "results": [{"source": r.source, "label": r.label, "rows": r.rows,
                                 "ok": r.ok, "error": r.error} for r in results]})
    elif fmt == "csv":
        import pandas as pd

        print_csv(pd.DataFrame([{"source": r.source, "label": r.label, "rows": r.rows,
                                 "ok": r.ok, "error": r.error} for r in results]))
    else:
        _print_update_table(results, ctx.quiet)
        if not ctx.quiet:
            err.print(f"{len(results) - len(failed)} of {len(results)} downloads succeeded, "
                      f"{sum(r.rows for r in results)} rows new or changed; "
                      f"store {store.path}", highlight=False)
    if failed:
        sys.exit(EXIT_PARTIAL)


def _print_update_table(results, quiet: bool) -> None:
    from rich.table import Table

    table = Table(title=None if quiet else "riskoff data update")
    for column in ("source", "download", "new rows", "result"):
        table.add_column(column, justify="right" if column == "new rows" else "left")
    for r in results:
        if quiet and r.ok:
            continue
        table.add_row(r.source, r.label, str(r.rows),
                      Text("ok", "green") if r.ok else
                      Text.assemble(("failed:", "red"), f" {r.error}"))
    if table.row_count:
        console().print(table)


@data.command()
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False),
              help="Also read saved publisher files from this folder.")
@FORMAT_OPTION
@click.pass_obj
def status(ctx: Context, data_dir, fmt) -> None:
    """Each series' first and last date, last availability, rows, origin and age.

    \b
    Examples:
      riskoff data status
      riskoff data status --data-dir ~/saved --format json
    """
    import pandas as pd

    from backtests.candles.prices import ensure_bundled_candles
    from signals.data.macro import load_macro

    store = ctx.store()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        info = load_macro(data_dir=data_dir, store=store).info()
        ensure_bundled_candles(store)
        candles = store.candle_status()
        if data_dir is not None:
            candles = pd.concat([candles, _candle_files_status(data_dir)], ignore_index=True)
    notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if fmt == "json":
        series = info.reset_index().to_dict(orient="records")
        print_json({"store": str(store.path), "series": series,
                    "candles": candles.to_dict(orient="records"), "notes": notes})
        return
    if fmt == "csv":
        print_csv(info.reset_index())
        return
    _print_status(info, candles)
    if not ctx.quiet:
        for note in notes:
            console(stderr=True).print(Text.assemble(("note:", "yellow"), f" {note}"),
                                       highlight=False)


def _candle_files_status(data_dir):
    """The candle files of a data_dir, in the shape of ``Store.candle_status``."""
    import pandas as pd

    from backtests.candles.files import read_candle_file
    from signals.data.datadir import scan_data_dir

    rows = []
    for path in scan_data_dir(data_dir).candles:
        frame, meta = read_candle_file(path)
        rows.append({"exchange": meta.exchange, "symbol": meta.symbol,
                     "timeframe": meta.timeframe, "first_open": frame.index[0],
                     "last_open": frame.index[-1], "rows": len(frame),
                     "origins": f"file {path.name}", "last_fetched_at": pd.NaT})
    return pd.DataFrame(rows)


def _print_status(info, candles) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title="macro series", box=box.SIMPLE_HEAD)
    for column in ("series", "first", "last", "available (UTC)", "rows", "origin",
                   "age (days)"):
        table.add_column(column, no_wrap=True,
                         justify="right" if column in ("rows", "age (days)") else "left")
    for name, row in info.iterrows():
        if row["rows"] == 0:
            table.add_row(name, "", "", "", "0", Text("missing", "red"), "")
            continue
        age = row["age_days"]
        colour = "green" if age < 7 else "yellow" if age < 45 else "red"
        table.add_row(name, f"{row['first_date']:%Y-%m-%d}", f"{row['last_date']:%Y-%m-%d}",
                      f"{row['last_available_at']:%Y-%m-%d %H:%M}", f"{int(row['rows']):,}",
                      row["origin"], Text(f"{age:,.0f}", colour))
    out = console()
    out.print(table)
    if len(candles):
        ctable = Table(title="candles", box=box.SIMPLE_HEAD)
        for column in ("exchange", "symbol", "timeframe", "first open", "last open", "rows",
                       "origin"):
            ctable.add_column(column)
        for _, row in candles.iterrows():
            ctable.add_row(row["exchange"], row["symbol"], row["timeframe"],
                           f"{row['first_open']:%Y-%m-%d %H:%M}",
                           f"{row['last_open']:%Y-%m-%d %H:%M}", str(row["rows"]),
                           str(row["origins"]))
        out.print(ctable)
