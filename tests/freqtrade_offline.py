"""Run the real freqtrade command with the exchange's market list from a recorded file.

freqtrade loads the exchange's markets before any backtest; offline there is no exchange,
so this launcher answers that one call with markets recorded from binance (built by ccxt
from the recorded ``exchangeInfo`` fixture) and then runs freqtrade's own ``main``.

Usage: ``python tests/freqtrade_offline.py MARKETS.json <freqtrade arguments>``.
"""

import json
import sys
from pathlib import Path

# This file's folder holds the test packages tests/signals and tests/backtests, which
# would hide the real ones: take it off the path before anything is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]


def write_recorded_markets(path: Path, symbols=("BTC/USDT", "ETH/USDT")) -> None:
    """binance's unified markets for `symbols`, built by ccxt from the recorded exchangeInfo."""
    import ccxt

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.replay import ReplayAdapter

    fixture = Path(__file__).parent / "fixtures" / "ccxt" / "binance_exchangeInfo_spot.json"
    exchange = ccxt.binance({"enableRateLimit": False,
                             "options": {"fetchMarkets": {"types": ["spot"]}}})
    exchange.session.mount("https://", ReplayAdapter({"/api/v3/exchangeInfo": (
        200, json.loads(fixture.read_text()))}))
    exchange.load_markets()
    path.write_text(json.dumps({s: exchange.markets[s] for s in symbols}))


def main() -> None:
    markets_file, *argv = sys.argv[1:]
    with open(markets_file, encoding="utf-8") as handle:
        markets = json.load(handle)

    from freqtrade.exchange.exchange import Exchange

    async def recorded_markets(self, reload=False):
        self._api_async.set_markets(list(markets.values()))
        return self._api_async.markets

    Exchange._api_reload_markets = recorded_markets
    from freqtrade.main import main as freqtrade_main

    freqtrade_main(argv)


if __name__ == "__main__":
    main()
