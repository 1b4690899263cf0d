"""``riskoff data update``, ``riskoff data status`` and ``riskoff data verify``."""

from __future__ import annotations

import sys
import warnings

import click
from rich.text import Text

from backtests.cli.common import (
    EXIT_NOTHING,
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


def _price_results(ctx: Context, store, symbols, timeframe, exchange, data_dir, on_result,
                   limit, skip: str | None):
    from backtests.candles.prices import StaleCandlesWarning, load_prices
    from signals.data.update import FetchResult
    from signals.errors import RiskoffError
    from signals.sources.http import deadline

    results = []
    for symbol in symbols:
        label = f"{exchange} {symbol} {timeframe}"
        reason = skip or (f"skipped: the update's deadline of {limit.seconds:g} s was reached"
                          if limit.expired() else None)
        if reason is not None:
            result = FetchResult("prices", label, 0, reason, skipped=True)
            results.append(result)
            on_result(result)
            continue
        before = len(store.read_candles(exchange, symbol, timeframe))
        try:
            with warnings.catch_warnings(record=True) as caught, deadline(limit):
                warnings.simplefilter("always")
                warnings.simplefilter("error", StaleCandlesWarning)
                if data_dir is not None:
                    frame = load_prices(symbol, timeframe, exchange=exchange, data_dir=data_dir)
                    store.write_candles(exchange, symbol, timeframe, frame, origin="file")
                    rows = len(frame)
                else:
                    frame = load_prices(symbol, timeframe, exchange=exchange, refresh=True,
                                        store=store)
                    rows = len(frame) - before
            notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
            result = FetchResult("prices", label, max(rows, 0), note="; ".join(notes) or None)
        except (RiskoffError, StaleCandlesWarning) as exc:
            result = FetchResult("prices", label, 0, str(exc))
        results.append(result)
        on_result(result)
    return results


def _offline(results) -> bool:
    """Nothing succeeded and every download tried could not connect at all."""
    tried = [r for r in results if not r.skipped]
    return bool(tried) and all(not r.ok and r.unreachable for r in tried)


def _offline_line(store) -> str:
    """One line: the network is unreachable, and what still works."""
    from backtests.candles.files import parse_candle_file_name
    from signals.data.bundled import BUNDLED_DIR, BUNDLED_END
    from signals.sources.registry import all_sources

    names = ", ".join(s.name for s in all_sources() if s.bundled)
    files = [parse_candle_file_name(p.name) for p in sorted((BUNDLED_DIR / "crypto").glob("*.csv"))]
    candles = ", ".join(f"{m.exchange} {m.symbol} {m.timeframe}" for m in files)
    return (f"network unreachable: nothing was downloaded, the store is unchanged. What still "
            f"works: every command on the bundled data ({names}; candles {candles}) to "
            f"{BUNDLED_END:%Y-%m-%d}, plus what {store.path} already holds; or import saved "
            "files with --data-dir")


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
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS",
              help="Longest time the whole update may take; downloads not finished by then "
                   "are reported and skipped [default: 45].")
@FORMAT_OPTION
@click.pass_obj
def update(ctx: Context, sources, data_dir, symbols, timeframe, exchange, no_prices, timeout,
           fmt) -> None:
    """Download what is new from every publisher and exchange into the store.

    Each download is stored on its own: a failed source keeps its old data and the others
    still update. The whole update ends within --timeout seconds; a publisher that times
    out, refuses or keeps answering 429/5xx is skipped for the rest of the run. Exit code 2
    when some downloads failed, 4 when none succeeded (offline: one line says what still
    works).

    \b
    Examples:
      riskoff data update
      riskoff data update --source fred --source mof --no-prices --timeout 20
      riskoff data update --data-dir ~/saved --symbol BTC/USDT --timeframe 4h
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from signals.data.update import DEFAULT_DEADLINE, import_data_dir, refresh_macro
    from signals.sources.http import Deadline
    from signals.sources.registry import all_sources, get_source

    store = ctx.store()
    chosen = [get_source(name) for name in sources] if sources else all_sources()
    limit = Deadline(DEFAULT_DEADLINE if timeout is None else timeout)
    total = (0 if data_dir else sum(len(s.fetches) for s in chosen)) + \
        (0 if no_prices else len(symbols))
    err = console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True,
                  disable=ctx.quiet or fmt == "json" or not err.is_terminal) as progress:
        task = progress.add_task("updating", total=total)

        def advance(result) -> None:
            progress.update(task, advance=1, description=result.label)

        if data_dir:
            results = import_data_dir(store, data_dir)
        else:
            results = refresh_macro(store, sources=chosen, on_result=advance, deadline=limit)
        offline = not data_dir and _offline(results)
        if not no_prices:
            skip = "skipped: the network is unreachable" if offline else None
            results += _price_results(ctx, store, symbols, timeframe, exchange, data_dir,
                                      advance, limit, skip)
    failed = [r for r in results if not r.ok]
    rows = [{"source": r.source, "label": r.label, "rows": r.rows, "ok": r.ok,
             "skipped": r.skipped, "error": r.error, "note": r.note} for r in results]
    if fmt == "json":
        print_json({"store": str(store.path), "ok": not failed, "offline": offline,
                    "results": rows})
    elif fmt == "csv":
        import pandas as pd

        print_csv(pd.DataFrame(rows))
    elif offline:
        err.print(_offline_line(store), highlight=False, markup=False)
    else:
        _print_update_table(results, ctx.quiet)
        if not ctx.quiet:
            skipped = sum(r.skipped for r in results)
            err.print(f"{len(results) - len(failed)} of {len(results)} downloads succeeded"
                      + (f" ({skipped} skipped)" if skipped else "")
                      + f", {sum(r.rows for r in results)} rows new or changed; "
                      f"store {store.path}", highlight=False, markup=False)
    if failed:
        sys.exit(EXIT_NOTHING if len(failed) == len(results) else EXIT_PARTIAL)


def _print_update_table(results, quiet: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=None if quiet else "riskoff data update")
    for column in ("source", "download", "new rows", "result"):
        table.add_column(column, justify="right" if column == "new rows" else "left")
    for r in results:
        if quiet and r.ok and r.note is None:
            continue
        if r.ok:
            result = Text("ok", style="green")
            if r.note:
                result.append(f" (warning: {r.note})", style="yellow")
        elif r.skipped:
            result = Text(r.error, style="yellow")
        else:
            result = Text("failed: ", style="red").append(r.error, style="")
        table.add_row(r.source, r.label, str(r.rows), result)
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


def _verify_problems(store, repair: bool) -> tuple[list[dict], int]:
    """Every problem found in `store` (``{kind, what, problem, repaired}``), candles dropped."""
    import pandas as pd

    from backtests.candles.checks import candle_problems
    from signals.data.restamp import repair_rules, stale_stamps
    from signals.sources.catalog import bounds_for
    from signals.times import timeframe_to_timedelta

    problems = [{"kind": "sqlite", "what": str(store.path), "problem": line, "repaired": False}
                for line in store.integrity_problems()]
    if problems:
        return problems, 0
    stale = stale_stamps(store)
    if stale and repair:
        repair_rules(store)
    problems += [{"kind": "rules", "what": what, "problem": problem, "repaired": repair}
                 for what, problem in stale]
    for sid, frame in store.read_observations().items():
        for low, high in bounds_for([sid]).values():
            bad = frame[(frame["value"] < low) | (frame["value"] > high)]
            if len(bad):
                problems.append({"kind": "value", "what": sid, "repaired": False, "problem": (
                    f"{len(bad)} value(s) outside {low:g}..{high:g}, first "
                    f"{bad['value'].iloc[0]:g} on {bad['date'].iloc[0]:%Y-%m-%d}")})
        back = frame["available_at"].diff() < pd.Timedelta(0)
        if back.any():
            first = frame["date"][back].iloc[0]
            problems.append({"kind": "availability", "what": sid, "repaired": False,
                             "problem": f"available_at goes back in time at {first:%Y-%m-%d}"})
    dropped = 0
    for _, row in store.candle_status().iterrows():
        exchange, symbol, timeframe = row["exchange"], row["symbol"], row["timeframe"]
        frame = store.read_candles(exchange, symbol, timeframe)
        step_ms = int(timeframe_to_timedelta(timeframe) / pd.Timedelta(milliseconds=1))
        bad = candle_problems(frame, step_ms)
        if bad.empty:
            continue
        repaired = False
        if repair:
            dropped += store.drop_candles_from(exchange, symbol, timeframe, bad.index[0])
            repaired = True
        problems.append({"kind": "candle", "what": f"{exchange} {symbol} {timeframe}",
                         "repaired": repaired, "problem": (
                             f"{len(bad)} implausible candle(s), first "
                             f"{bad.index[0]:%Y-%m-%d %H:%M}: {bad.iloc[0]}")})
    return problems, dropped


@data.command()
@click.option("--repair", is_flag=True,
              help="Stamp values again with the current availability rules, and drop "
                   "implausible candles (and those after them) so that the next "
                   "`riskoff data update` fetches them again.")
@FORMAT_OPTION
@click.pass_obj
def verify(ctx: Context, repair, fmt) -> None:
    """Check the store: SQLite integrity, availability rules, candles, value ranges, order.

    Every stored value's available_at must be what its source's current availability rule
    gives for its date, and the bundled layer must come from this release's files and rules
    (an upgrade that changed a rule restamps them on the next load; --repair does it now).
    Candles must have positive prices, high >= max(open, close), low <= min(open, close),
    volume >= 0 and open on the timeframe's grid; macro values must lie inside the catalog's
    plausible range; each series' available_at must never go back in time. Exit code 4
    when problems remain (after --repair: those it cannot repair).

    \b
    Examples:
      riskoff data verify
      riskoff data verify --repair && riskoff data update
    """
    store = ctx.store()
    problems, dropped = _verify_problems(store, repair)
    left = [p for p in problems if not p["repaired"]]
    if fmt == "json":
        print_json({"store": str(store.path), "ok": not left, "dropped_candles": dropped,
                    "problems": problems})
    elif fmt == "csv":
        import pandas as pd

        print_csv(pd.DataFrame(problems, columns=["kind", "what", "problem", "repaired"]))
    elif not ctx.quiet or problems:
        out = console()
        for p in problems:
            state = "repaired" if p["repaired"] else "problem"
            out.print(f"{state}: {p['kind']} {p['what']}: {p['problem']}", markup=False,
                      highlight=False)
        summary = (f"{len(problems)} problem(s), {dropped} candle(s) dropped for the next "
                   "update to fetch again" if problems else "no problems")
        console(stderr=True).print(f"{summary}; store {store.path}", markup=False,
                                   highlight=False)
    if left:
        sys.exit(EXIT_NOTHING)
