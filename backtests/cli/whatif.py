"""``riskoff whatif``: the score under imagined market moves, and past days that looked alike."""

from __future__ import annotations

import click

from backtests.cli.backtest import load_inputs, past_date
from backtests.cli.common import Context, console, print_csv, print_json
from backtests.cli.research import _print_frame, _records, parse_grid

# (option, shock name, unit, example) — the names and units of backtests.research.shocks.SHOCK_UNITS
SHOCK_OPTIONS = (
    ("--usdjpy", "usdjpy", "%", "-8%"), ("--ust10y", "ust10y", "bp", "+60bp"),
    ("--ust2y", "ust2y", "bp", "+25bp"), ("--jgb10y", "jgb10y", "bp", "+30bp"),
    ("--jgb30y", "jgb30y", "bp", "+40bp or record"), ("--jgb40y", "jgb40y", "bp", "record"),
    ("--jgb2y", "jgb2y", "bp", "+15bp"),
    ("--japan-holdings", "japan_holdings", "%", "-3%"), ("--vix", "vix", "%", "+50%"),
    ("--nikkei", "nikkei", "%", "-10%"),
)


def shock_options(func):
    """One option per market a shock can move."""
    for option, name, unit, example in reversed(SHOCK_OPTIONS):
        func = click.option(option, name, metavar=unit.upper(),
                            help=f"Move of {name} in {unit}, e.g. {example}.")(func)
    return func


@click.command()
@shock_options
@click.option("--symbol", "symbols", multiple=True, default=("BTC/USDT", "ETH/USDT"),
              show_default=True, help="Assets whose past reactions are shown (repeatable).")
@click.option("--exchange", default="binance", show_default=True)
@click.option("--at", "as_of", metavar="DATE", callback=past_date,
              help="Imagine the moves as of DATE (default: the latest reading).")
@click.option("--k", default=20, show_default=True, help="How many past analog days.")
@click.option("--horizons", default="7,30,90", show_default=True, help="Days after each analog.")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False))
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True,
              help="table for people; json or csv (the analog days) for programs.")
@click.pass_obj
def whatif(ctx: Context, symbols, exchange, as_of, k, horizons, data_dir, weights_file, fmt,
           **moves) -> None:
    """The score under imagined market moves, and what BTC/ETH did on days that looked alike.

    If Japan sold Treasuries and the yen jumped, what would the score say, and what did
    BTC/ETH do the last times the world looked like that?

    \b
    Examples:
      riskoff whatif --usdjpy -8% --ust10y +60bp --japan-holdings -3%
      riskoff whatif --jgb10y +30bp --jgb30y +40bp --symbol BTC/USDT --k 10
      riskoff whatif --jgb40y record --jgb10y +50bp --japan-holdings -5% --usdjpy -8%
    """
    from backtests.research.shocks import Shocks
    from backtests.research.whatif import find_analogs

    items = [f"{name}={value}" for name, value in moves.items() if value is not None]
    if not items:
        raise click.UsageError("name at least one move, e.g. --usdjpy -8% --ust10y +60bp")
    shocks = Shocks.parse(items)
    macro, _, prices, notes = load_inputs(ctx, symbols, "1d", exchange, data_dir, False,
                                          weights_file)
    analogs = find_analogs(macro, shocks, prices, "1d", k=k,
                           horizons_days=tuple(parse_grid(horizons, "--horizons", integers=True)),
                           as_of=as_of,
                           weights=weights_file)
    reading = analogs.reading
    if fmt == "json":
        print_json({"shocks": reading.shocks.given(), "as_of": reading.as_of.isoformat(),
                    "base_score": reading.base_score, "shocked_score": reading.shocked_score,
                    "base_regime": reading.base_regime, "regime": reading.regime,
                    "components": _records(reading.table.reset_index()),
                    "analogs": _records(analogs.table.reset_index()),
                    "summary": _records(analogs.summary.reset_index()), "notes": notes})
        return
    if fmt == "csv":
        print_csv(analogs.table.reset_index())
        return
    console().print(f"if {reading.shocks.describe()} as of {reading.as_of:%Y-%m-%d %H:%M} UTC: "
                    f"score {reading.base_score:.1f} ({reading.base_regime}) -> "
                    f"[bold]{reading.shocked_score:.1f} ({reading.regime})[/bold]",
                    highlight=False, markup=True)
    moved = reading.table[reading.table["shocked_by"].astype(bool)]
    _print_frame(moved.reset_index()[["component", "raw_now", "raw_shocked", "z_now",
                                      "z_shocked", "contribution_shocked"]],
                 "components the moves change")
    _print_frame(analogs.summary.reset_index(), f"what followed the {len(analogs.table)} "
                 "nearest past days")
    _print_frame(analogs.table.reset_index().iloc[:, :5], "the analog days (judge them)")
