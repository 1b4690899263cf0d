"""A real freqtrade run of examples/freqtrade_strategy.py on the bundled BTC and ETH candles.

Offline: freqtrade's one call to the exchange (its market list) is answered from a recorded
binance ``exchangeInfo`` (see tests/freqtrade_offline.py); everything else is freqtrade's own
backtesting and lookahead analysis.

freqtrade's lookahead analysis cuts the candles, never the macro data behind the score: it
is run here on the strategy and on a copy with a planted macro leak, and reports no bias for
either. The macro side is what ``signals.freqtrade.check_macro_lookahead`` checks; it
catches the same leak.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import signals
from backtests.candles.files import read_candle_file
from signals.freqtrade import check_macro_lookahead
from signals.score.composite import REGIMES
from tests import ROOT
from tests.freqtrade_offline import write_recorded_markets
from tests.signals.bots import LEAKY_STRATEGY_CLASS

pytest.importorskip("freqtrade", reason="freqtrade is in the test extras")
LAUNCHER = ROOT / "tests" / "freqtrade_offline.py"

#: The example strategy with one macro leak: JGB 10Y stamped a day before its release.
LEAKY_STRATEGY = '''"""RiskOffStrategy with JGB 10Y stamped available a day before its release."""

import pandas as pd
from freqtrade_strategy import RiskOffStrategy

''' + LEAKY_STRATEGY_CLASS


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("freqtrade")
    user = root / "user_data"
    (user / "strategies").mkdir(parents=True)
    (user / "data" / "binance").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "freqtrade_strategy.py", user / "strategies")
    (user / "strategies" / "leaky_strategy.py").write_text(LEAKY_STRATEGY)
    for pair in ("BTC", "ETH"):
        frame, _ = read_candle_file(ROOT / f"signals/data/bundled/crypto/binance_{pair}USDT_1d.csv")
        rows = [[int(t.value // 1_000_000), *map(float, values)] for t, values in
                zip(frame.index, frame[["open", "high", "low", "close", "volume"]].to_numpy(),
                    strict=True)]
        (user / "data" / "binance" / f"{pair}_USDT-1d.json").write_text(json.dumps(rows))
    write_recorded_markets(root / "markets.json")
    config = {"max_open_trades": 2, "stake_currency": "USDT", "stake_amount": "unlimited",
              "tradable_balance_ratio": 0.99, "dry_run": True, "dry_run_wallet": 10_000,
              "timeframe": "1d", "trading_mode": "spot", "dataformat_ohlcv": "json",
              "exchange": {"name": "binance", "pair_whitelist": ["BTC/USDT", "ETH/USDT"]},
              "pairlists": [{"method": "StaticPairList"}],
              "entry_pricing": {"price_side": "same"}, "exit_pricing": {"price_side": "same"}}
    (root / "config.json").write_text(json.dumps(config))
    return root


def freqtrade(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    """Run freqtrade in `workspace`; `args` name the strategy (--strategy or --strategy-list)."""
    env = {**os.environ, "RISKOFF_HOME": str(workspace / "home")}
    done = subprocess.run([sys.executable, str(LAUNCHER), str(workspace / "markets.json"), *args,
                           "--config", "config.json", "--userdir", "user_data"],
                          cwd=workspace, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_backtesting_trades_and_the_macro_columns_never_run_ahead(workspace):
    from freqtrade.data.btanalysis import load_backtest_analysis_data, load_backtest_data

    results = workspace / "results"
    results.mkdir()  # freqtrade reads a missing folder as a file-name stem
    freqtrade(workspace, "backtesting", "--strategy", "RiskOffStrategy",
              "--timerange", "20180101-20231231", "--export",
              "signals", "--backtest-directory", str(results))
    trades = load_backtest_data(results)
    assert len(trades) >= 4 and set(trades["pair"]) == {"BTC/USDT", "ETH/USDT"}
    signals = load_backtest_analysis_data(results, "signals")["RiskOffStrategy"]
    for pair, frame in signals.items():
        assert {"riskoff_score", "riskoff_regime", "riskoff_yen_rally",
                "riskoff_available_at"} <= set(frame.columns), pair
        available = pd.to_datetime(frame["riskoff_available_at"], utc=True)
        closes = pd.to_datetime(frame["date"], utc=True) + pd.Timedelta(days=1)
        assert available.notna().all() and (available <= closes).all(), pair
        assert (frame["riskoff_score"] < dict(REGIMES)["watch"]).all()  # entries below watch


def test_freqtrades_lookahead_analysis_guards_the_candle_side_only(workspace):
    report = workspace / "lookahead.csv"
    freqtrade(workspace, "lookahead-analysis", "--strategy-list", "RiskOffStrategy",
              "LeakyRiskOffStrategy", "--timerange", "20180101-20231231",
              "--minimum-trade-amount", "4", "--targeted-trade-amount", "8",
              "--lookahead-analysis-exportfilename", str(report))
    rows = pd.read_csv(report).set_index("strategy")
    assert set(rows.index) == {"RiskOffStrategy", "LeakyRiskOffStrategy"}
    for name, row in rows.iterrows():
        assert row["total_signals"] > 0, name
        # no bias found in either: the candle side is clean, and the macro leak is invisible
        assert not row["has_bias"] and row["biased_entry_signals"] == 0, name
        assert row["biased_exit_signals"] == 0, name


def test_the_macro_check_catches_the_leak_freqtrade_cannot_see(workspace, monkeypatch):
    strategies = workspace / "user_data" / "strategies"
    for name in ("freqtrade_strategy", "leaky_strategy"):
        spec = importlib.util.spec_from_file_location(name, strategies / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)  # the leaky file imports the example
        spec.loader.exec_module(module)
    frame, _ = read_candle_file(ROOT / "signals/data/bundled/crypto/binance_BTCUSDT_1d.csv")
    candles = frame.reset_index(names="date")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        macro = signals.load_macro(start="2012-01-01")
    leaky = sys.modules["leaky_strategy"].LeakyRiskOffStrategy({})
    assert not check_macro_lookahead(leaky, candles, macro, cutoffs=6).ok
    honest = sys.modules["freqtrade_strategy"].RiskOffStrategy({})
    assert check_macro_lookahead(honest, candles, macro, cutoffs=6).ok
