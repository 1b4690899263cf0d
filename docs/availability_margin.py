"""How much the default daily backtest moves with the availability margins.

Run from the repository: ``python docs/availability_margin.py``. Prints the Markdown table
of docs/signals.md ("Availability at the daily close").

The default score (``signals.risk_off_score()``) and the default backtest
(``backtests.run`` of the bundled BTC/USDT daily candles with the protocol's default rule,
15 bp of costs, the same as ``riskoff backtest``) are computed on the bundled data three times:

* **before**: the availability rules before the margins were added (MOF ``D+1 00:00 UTC``,
  the OECD rate on the first day of ``M+2`` at 00:00 UTC, TIC at 16:00 New York);
* **before, one hour later**: the same scores with every row one hour later (the check
  of issue 9: how much the result hangs on the timing at the candle's close);
* **now**: the package's rules (MOF on the next Tokyo business day at 01:30 UTC, the OECD rate at
  16:30 New York, TIC at 16:15 New York; see the source modules).
"""

from __future__ import annotations

import tempfile
import warnings
from unittest import mock

import pandas as pd

import backtests
import signals
from signals.sources import fred, mof, tic
from signals.sources.release import as_dates


def mof_before(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The MOF rule before the margin: ``D+1 00:00 UTC``."""
    return (as_dates(dates) + pd.Timedelta(days=1)).tz_localize("UTC")


def fred_before(code: str, dates: pd.DatetimeIndex, *, rule=fred.available_at):
    """The FRED rules, with the OECD rate at 00:00 UTC as before the margin."""
    if code == "IR3TIB01JPM156N":
        month_start = as_dates(dates).to_period("M").to_timestamp()
        return (month_start + pd.DateOffset(months=2)).tz_localize("UTC")
    return rule(code, dates)


def load(before: bool) -> signals.MacroData:
    """The bundled macro data, stamped by today's rules or by the rules before the margins."""
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        if not before:
            return signals.load_macro(store=folder)
        with mock.patch.object(mof, "available_at", mof_before), \
                mock.patch.object(fred, "available_at", fred_before), \
                mock.patch.object(tic, "_CLOCK", "16:00"):
            return signals.load_macro(store=folder)


def at_midnight(index: pd.DatetimeIndex) -> float:
    """Share of the times that fall exactly on 00:00 UTC, a daily candle's close."""
    return float((index == index.normalize()).mean())


def main() -> None:
    """Print the table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        prices = backtests.load_prices("BTC/USDT", "1d")
    rows = []
    for label, before, shift in (("before the margins", True, None),
                                 ("before, every score row 1 h later", True, "1h"),
                                 ("now (with the margins)", False, None)):
        scores = signals.risk_off_score(load(before))
        if shift:
            scores = scores.set_axis(scores.index + pd.Timedelta(shift))
        result = backtests.run(prices, scores)
        stats = result.stats
        rows.append((label, at_midnight(scores.index), stats.loc["Return [%]", "strategy"],
                     stats.loc["Max. Drawdown [%]", "strategy"], stats.loc["# Trades", "strategy"],
                     stats.loc["Return [%]", "buy_and_hold"]))
    first = rows[0][2]
    print(f"BTC/USDT 1d, {prices.index[0]:%Y-%m-%d} to {prices.index[-1]:%Y-%m-%d}, "
          f"rule {result.settings['rule']}, 15 bp costs, bundled data\n")
    print("| availability rules | score rows at 00:00 UTC | return | change against before "
          "| max drawdown | trades | buy-and-hold |")
    print("|---|---|---|---|---|---|---|")
    for label, midnight, ret, drawdown, trades, hold in rows:
        change = (1 + ret / 100) / (1 + first / 100) - 1
        print(f"| {label} | {midnight:.0%} | {ret:.1f}% | {change:+.1%} of final equity | "
              f"{drawdown:.1f}% | {trades} | {hold:.1f}% |")


if __name__ == "__main__":
    main()
