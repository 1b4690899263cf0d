"""Backtest speed against peers, measured in one run on this machine.

Run in an environment with the peers: ``pip install -e ".[bench,test]"`` (freqtrade is in
``test``) then ``python benchmarks/bench_backtest.py [--parts ...] [--quick]`` (``--parts``
picks tables, ``--quick`` skips backtesting.py's optimizer, which takes minutes). Prints
Markdown tables, each headed by the command that measures it alone.

Peers are timed in interleaved rounds (each round calls every implementation once), so a
change in the machine's load falls on all of them alike; the line above the tables gives
the load average when the run started.

Every implementation backtests the same long/flat rule on the same candles: flat from the
candle after the score reaches 70 (fill at the next open), long again when it falls below,
costs 15 bp of traded notional, starting with 10,000 USD. Where the peer's fill and cost
model can match riskoff's exactly (the hand loop, numpy, pandas, vectorbt), final equity
is cross-checked to 1e-10; backtesting.py and bt are checked to the tolerance their models
allow (stated in the table).

Measured:

1. one backtest of 70,080 hourly candles: riskoff's public ``backtests.run`` (rule, fees,
   equity, trades, stats) and its compiled core, against a hand-written numba loop, numpy,
   pandas, vectorbt (``Portfolio.from_signals`` with and without ``stats()``, on a tz-naive
   index, its fast path; the tz-aware slow path as a pitfall row), backtesting.py, bt and
   freqtrade;
2. the same on the real BTC/USDT 4h candles (2017-2023) with the real score;
3. a 1,000-combination sweep (50 thresholds x 20 smoothing windows): riskoff's ``sweep``
   against a hand-written numba loop, numpy, vectorbt's broadcast ``from_signals`` and
   backtesting.py's ``optimize`` (with peak memory);
4. the first call in a fresh process: once with numba's cache empty (what follows an
   install), then with it warm;
5. how cost grows with candles (10k, 100k, 1M): ``backtests.run`` against the hand loop,
   against the hand loop that also finds what the stats table needs (both curves' returns,
   their sums and deepest falls, the exposure time and trades, in one straightforward
   pass), and against vectorbt with ``stats()`` at each size; and a 100-combination sweep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit
from timing import interleaved_medians, machine, median_time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
COST = 15 / 10_000
CASH = 10_000.0
EXIT = 70.0


def synthetic(n: int, seed: int = 7):
    """Hourly candles and a slowly moving score published at each candle's close."""
    rng = np.random.default_rng(seed)
    close = 20_000 * np.exp(np.cumsum(rng.normal(0, 0.006, n)))
    open_ = np.concatenate([[close[0]], close[:-1]]) * np.exp(rng.normal(0, 0.0005, n))
    index = pd.date_range("2016-01-01", periods=n, freq="1h", tz="UTC", name="open_time")
    prices = pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.002,
                           "low": np.minimum(open_, close) * 0.998, "close": close,
                           "volume": 1.0}, index=index)
    wobble = np.empty(n)  # a persistent AR(1) wobble, like a macro score's
    wobble[0] = 0.0
    shocks = rng.normal(0, 1.0, n)
    for t in range(1, n):
        wobble[t] = 0.995 * wobble[t - 1] + shocks[t]
    score = 50 + 20 * np.sin(np.arange(n) / 900) + wobble
    scores = pd.Series(np.clip(score, 0, 100), index=index + pd.Timedelta("1h"), name="score")
    return prices, scores


def long_flat_target(score: np.ndarray) -> np.ndarray:
    """1 while the score is below EXIT at a candle's close, else 0 (NaN keeps the state)."""
    out = np.empty(len(score))
    state = 1.0
    for t, s in enumerate(score):
        if s == s:
            state = 0.0 if s >= EXIT else 1.0
        out[t] = state
    return out


@njit(cache=True)
def hand_loop(open_, close, target, cost, cash):
    """The practical single-core limit: one pass, long/flat, fill at the next open."""
    units = 0.0
    held = 0.0
    for t in range(1, close.shape[0]):
        want = target[t - 1]
        if want != held:
            if want > 0:
                units = cash / (open_[t] * (1 + cost))
                cash = 0.0
            else:
                cash = units * open_[t] * (1 - cost)
                units = 0.0
            held = want
    return cash + units * close[-1]


@njit(cache=True)
def hand_loop_with_stats(open_, close, target, cost, cash):
    """The hand loop, also finding what the stats table needs, in one straightforward pass.

    Both curves (the strategy's and buy-and-hold's) at every close, their returns' sum,
    sum of squares and downside squares, their deepest fall and its candle, the exposure
    time and the trades, as a user would add them to the loop above.
    """
    n = close.shape[0]
    units = held = 0.0
    hold_units = cash / (open_[1] * (1 + cost))
    prev, bench_prev = cash, cash
    high = bench_high = cash
    sums = np.zeros(6)
    depth = bench_depth = 0.0
    trough = bench_trough = exposed = trades = 0
    for t in range(1, n):
        want = target[t - 1]
        if want != held:
            if want > 0:
                units = cash / (open_[t] * (1 + cost))
                cash = 0.0
                trades += 1
            else:
                cash = units * open_[t] * (1 - cost)
                units = 0.0
            held = want
        value = cash + units * close[t]
        bench = hold_units * close[t]
        exposed += units > 0
        for k, (now, before) in enumerate(((value, prev), (bench, bench_prev))):
            r = now / before - 1.0
            sums[3 * k] += r
            sums[3 * k + 1] += r * r
            sums[3 * k + 2] += min(r, 0.0) ** 2
        prev, bench_prev = value, bench
        high, bench_high = max(high, value), max(bench_high, bench)
        if value / high - 1.0 < depth:
            depth, trough = value / high - 1.0, t
        if bench / bench_high - 1.0 < bench_depth:
            bench_depth, bench_trough = bench / bench_high - 1.0, t
    return sums, depth, trough, bench_depth, bench_trough, exposed, trades


@njit(cache=True)
def hand_sweep(open_, close, scores, thresholds, cost):
    """Final equity for every (smoothed score row, threshold) with the hand loop."""
    out = np.empty((scores.shape[0], thresholds.shape[0]))
    for i in range(scores.shape[0]):
        for j in range(thresholds.shape[0]):
            cash, units, held, want = 1.0, 0.0, 0.0, 1.0
            for t in range(1, close.shape[0]):
                if want != held:
                    if want > 0:
                        units = cash / (open_[t] * (1 + cost))
                        cash = 0.0
                    else:
                        cash = units * open_[t] * (1 - cost)
                        units = 0.0
                    held = want
                s = scores[i, t]
                if s == s:
                    want = 0.0 if s >= thresholds[j] else 1.0
            out[i, j] = cash + units * close[-1]
    return out


def numpy_equity(open_, close, target):
    e_now = np.concatenate([[0.0], target[:-1]])
    e_prev = np.concatenate([[0.0], e_now[:-1]])
    prev_close = np.concatenate([[close[0]], close[:-1]])
    gap = 1 + e_prev * (open_ / prev_close - 1)
    trade = np.where(e_now > e_prev, 1 / (1 + COST), np.where(e_now < e_prev, 1 - COST, 1.0))
    growth = gap * trade * (1 + e_now * (close / open_ - 1))
    growth[0] = 1.0
    return CASH * np.cumprod(growth)


def pandas_equity(prices: pd.DataFrame, target: pd.Series) -> pd.Series:
    e_now = target.shift(1, fill_value=0.0)
    e_prev = e_now.shift(1, fill_value=0.0)
    gap = 1 + e_prev * (prices["open"] / prices["close"].shift(1) - 1).fillna(0.0)
    change = e_now - e_prev
    trade = pd.Series(1.0, index=prices.index).mask(change > 0, 1 / (1 + COST)).mask(
        change < 0, 1 - COST)
    growth = gap * trade * (1 + e_now * (prices["close"] / prices["open"] - 1))
    growth.iloc[0] = 1.0
    return CASH * growth.cumprod()


def vectorbt_run(prices, target, *, stats: bool = True):
    """vectorbt's ``from_signals`` on the same fills; its ``stats()`` when `stats`.

    Pass candles with a tz-naive index for vectorbt's fast path (as its users run it): on
    a tz-aware index, vectorbt's shape checks under pandas 3 turn every timestamp into an
    object, which is many times slower (measured as a pitfall row).
    """
    import vectorbt as vbt

    held = pd.Series(target, index=prices.index).shift(1, fill_value=0.0)
    entries = (held > 0) & (held.shift(1, fill_value=0.0) == 0)
    exits = (held == 0) & (held.shift(1, fill_value=0.0) > 0)
    portfolio = vbt.Portfolio.from_signals(prices["close"], entries, exits,
                                           price=prices["open"], fees=COST, init_cash=CASH,
                                           freq="1h")
    value = float(portfolio.value().iloc[-1])
    if stats:
        portfolio.stats(silence_warnings=True)
    return value


def backtesting_run(prices, target):
    from backtesting import Strategy
    from backtesting.lib import FractionalBacktest

    data = prices.rename(columns=str.title)

    class Follow(Strategy):
        def init(self):
            self.target = self.I(lambda: target, name="target", plot=False)

        def next(self):
            if self.target[-1] > 0 and not self.position:
                self.buy()
            elif self.target[-1] == 0 and self.position:
                self.position.close()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = FractionalBacktest(data.tz_localize(None), Follow, cash=CASH, commission=COST,
                                   fractional_unit=1e-8, finalize_trades=True).run()
    return float(stats["Equity Final [$]"])


FREQTRADE_STRATEGY = """
import os

import pandas as pd
from freqtrade.strategy import IStrategy

TARGET = pd.read_pickle(os.environ["BENCH_TARGET"])  # exposure decided at each candle's close


class Follow(IStrategy):
    INTERFACE_VERSION = 3
    timeframe = os.environ["BENCH_TIMEFRAME"]
    minimal_roi = {"0": 1000.0}
    stoploss = -0.999
    startup_candle_count = 0

    def populate_indicators(self, dataframe, metadata):
        dataframe["target"] = TARGET.reindex(pd.DatetimeIndex(dataframe["date"])).to_numpy()
        return dataframe

    def populate_entry_trend(self, dataframe, metadata):
        dataframe.loc[dataframe["target"] > 0, "enter_long"] = 1
        return dataframe

    def populate_exit_trend(self, dataframe, metadata):
        dataframe.loc[dataframe["target"] == 0, "exit_long"] = 1
        return dataframe
"""


def freqtrade_setup(prices, target, timeframe: str) -> Path:
    """A freqtrade user folder with the candles, the Follow strategy and the config."""
    import json
    import tempfile

    from tests.freqtrade_offline import write_recorded_markets

    root = Path(tempfile.mkdtemp(prefix="bench-freqtrade-"))
    (root / "user_data" / "strategies").mkdir(parents=True)
    (root / "user_data" / "data" / "binance").mkdir(parents=True)
    (root / "results").mkdir()
    (root / "user_data" / "strategies" / "follow.py").write_text(FREQTRADE_STRATEGY)
    rows = np.column_stack([prices.index.as_unit("ms").asi8,
                            prices[["open", "high", "low", "close", "volume"]].to_numpy()])
    (root / "user_data" / "data" / "binance" / f"BTC_USDT-{timeframe}.json").write_text(
        json.dumps([[int(r[0]), *r[1:]] for r in rows.tolist()]))
    pd.Series(target, index=prices.index).to_pickle(root / "target.pkl")
    write_recorded_markets(root / "markets.json", ("BTC/USDT",))
    (root / "config.json").write_text(json.dumps({
        "max_open_trades": 1, "stake_currency": "USDT", "stake_amount": "unlimited",
        "tradable_balance_ratio": 1.0, "dry_run": True, "dry_run_wallet": CASH,
        "timeframe": timeframe, "trading_mode": "spot", "dataformat_ohlcv": "json",
        "exchange": {"name": "binance", "pair_whitelist": ["BTC/USDT"]},
        "pairlists": [{"method": "StaticPairList"}],
        "entry_pricing": {"price_side": "same"}, "exit_pricing": {"price_side": "same"}}))
    return root


def freqtrade_run(root: Path, timeframe: str) -> float:
    """``freqtrade backtesting`` as users run it (a fresh process); the final balance."""
    from freqtrade.data.btanalysis import load_backtest_stats

    subprocess.run([sys.executable, str(ROOT / "tests" / "freqtrade_offline.py"),
                    str(root / "markets.json"), "backtesting", "--config", "config.json",
                    "--userdir", "user_data", "--strategy", "Follow", "--fee", str(COST),
                    "--export", "trades", "--backtest-directory", "results"],
                   cwd=root, check=True, capture_output=True,
                   env={**os.environ, "BENCH_TARGET": str(root / "target.pkl"),
                        "BENCH_TIMEFRAME": timeframe})
    stats = load_backtest_stats(root / "results")
    for old in (root / "results").iterdir():  # one result per run
        old.unlink()
    return float(stats["strategy"]["Follow"]["final_balance"])


def bt_run(prices, target):
    """bt trades and values at one price series: here the opens (compared accordingly)."""
    import bt

    weights = pd.DataFrame({"asset": target}, index=prices.index.tz_localize(None)).shift(1)
    data = pd.DataFrame({"asset": prices["open"].to_numpy()}, index=weights.index)
    strategy = bt.Strategy("follow", [bt.algos.WeighTarget(weights.fillna(0.0)),
                                      bt.algos.Rebalance()])
    test = bt.Backtest(strategy, data, initial_capital=CASH,
                       commissions=lambda quantity, price: abs(quantity * price) * COST,
                       integer_positions=False, progress_bar=False)
    result = bt.run(test)
    return float(result.prices.iloc[-1, 0] / 100 * CASH)


EXACT = "same model, checked to 1e-10"


def one_backtest(prices, scores, label: str, repeats: int, slow_repeats: int) -> list[tuple]:
    """Every implementation on one set of candles: (name, median seconds, error, model).

    The fast implementations are timed in `repeats` interleaved rounds, the slow ones
    (seconds a call) in `slow_repeats` rounds of their own.
    """
    import backtests
    from backtests.engine.kernel import simulate
    from signals.score.align import align_to_bars

    timeframe = "1h" if label == "synthetic" else "4h"
    aligned = align_to_bars(scores.rename("score"), prices, timeframe)["score"].to_numpy()
    target = long_flat_target(aligned)
    o, c = prices["open"].to_numpy(), prices["close"].to_numpy()
    naive = prices.tz_localize(None)  # vectorbt's fast path, as its users run it

    def riskoff_run():
        return backtests.run(prices, scores, rule="threshold:70", fee_bps=15, slippage_bps=0,
                             timeframe=timeframe).equity["strategy"].iloc[-1]

    reference = float(hand_loop(o, c, target, COST, CASH))
    at_open = float(hand_loop(o, o, target, COST, CASH))  # bt's view: everything at the open
    fast = [
        ("riskoff backtests.run (rule, fees, equity, trades, stats)", riskoff_run, EXACT),
        ("riskoff simulation core", lambda: simulate(o, c, target, fee_bps=15,
                                                     slippage_bps=0)[0][-1], EXACT),
        ("hand-written numba loop", lambda: hand_loop(o, c, target, COST, CASH), EXACT),
        ("numpy", lambda: numpy_equity(o, c, target)[-1], EXACT),
        ("pandas", lambda: pandas_equity(prices, pd.Series(target, index=prices.index))
         .iloc[-1], EXACT),
        ("vectorbt from_signals + value() (tz-naive index)",
         lambda: vectorbt_run(naive, target, stats=False), EXACT),
        ("vectorbt from_signals + value() + stats() (tz-naive index)",
         lambda: vectorbt_run(naive, target), EXACT),
    ]
    folder = freqtrade_setup(prices, target, timeframe)
    slow = [
        ("pitfall: vectorbt + stats() on a tz-aware index", lambda: vectorbt_run(prices, target),
         EXACT),
        ("backtesting.py (FractionalBacktest)", lambda: backtesting_run(prices, target),
         "buys 99.99% of equity (a size must be < 1) and rounds units to 1e-8"),
        ("bt", lambda: bt_run(prices, target),
         "fills and values at one series (the opens): compared with the loop valued there"),
        ("freqtrade backtesting (command, fresh process)",
         lambda: freqtrade_run(folder, timeframe),
         "sizes each entry from its balance; its fee on both legs"),
    ]
    errors = {}
    for name, fn, model in fast + slow:
        value = float(fn())  # warm-up (JIT), and the cross-check
        errors[name] = abs(value / (at_open if name == "bt" else reference) - 1)
        if model == EXACT and errors[name] > 1e-10:
            raise AssertionError(f"{name}: final equity differs by {errors[name]:.1e} from "
                                 "the loop")
    medians = interleaved_medians({name: fn for name, fn, _ in fast}, repeats)
    medians |= interleaved_medians({name: fn for name, fn, _ in slow}, slow_repeats)
    return [(name, medians[name], errors[name], model) for name, _, model in fast + slow]


def faster(ratio: float) -> str:
    """Who wins a comparison whose ratio is peer time / riskoff time."""
    return f"riskoff, {ratio:.1f}x" if ratio >= 1 else f"**peer**, {1 / ratio:.1f}x"


def sweep_rows(prices, scores, quick: bool) -> list[tuple]:
    from backtests.research.sweep import _smoothed, sweep
    from signals.score.align import align_to_bars

    thresholds = np.linspace(50, 99, 50)
    windows = np.arange(1, 21)
    aligned = align_to_bars(scores.rename("score"), prices, "1h")["score"].to_numpy()
    smoothed = np.stack([aligned if w == 1 else _smoothed(aligned, w) for w in windows])
    o, c = prices["open"].to_numpy(), prices["close"].to_numpy()
    naive = prices.tz_localize(None)  # vectorbt's fast path

    def riskoff_sweep():
        return sweep(prices, scores, thresholds=thresholds, smoothing=windows, fee_bps=15,
                     slippage_bps=0, timeframe="1h")

    def numpy_sweep():
        out = np.empty((len(windows), len(thresholds)))
        for i in range(len(windows)):
            for j, level in enumerate(thresholds):
                state = np.where(np.isnan(smoothed[i]), np.nan,
                                 (smoothed[i] < level).astype(float))
                target = pd.Series(state).ffill().fillna(1.0).to_numpy()
                out[i, j] = numpy_equity(o, c, target)[-1] / CASH
        return out

    def vectorbt_sweep():
        import vectorbt as vbt

        columns = pd.MultiIndex.from_product([windows, thresholds], names=["w", "t"])
        frame = pd.DataFrame(np.repeat(smoothed.T, len(thresholds), axis=1), index=naive.index,
                             columns=columns)
        level = np.tile(thresholds, len(windows))
        target = (frame.ffill().fillna(0) < level).astype(float)
        held = target.shift(1, fill_value=0.0)
        entries = (held > 0) & (held.shift(1, fill_value=0.0) == 0)
        exits = (held == 0) & (held.shift(1, fill_value=0.0) > 0)
        portfolio = vbt.Portfolio.from_signals(naive["close"], entries, exits,
                                               price=naive["open"], fees=COST, init_cash=1.0,
                                               freq="1h")
        return portfolio.total_return()

    rows = []
    hand = lambda: hand_sweep(o, c, smoothed, thresholds, COST)  # noqa: E731
    for name, fn, repeats in [("riskoff sweep", riskoff_sweep, 3),
                              ("hand-written numba loop", hand, 3),
                              ("numpy", numpy_sweep, 1),
                              ("vectorbt broadcast from_signals", vectorbt_sweep, 1)]:
        fn()
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append((name, median_time(fn, repeats), peak))
    if not quick:
        rows.append(("backtesting.py optimize (100 of the 1,000, x10)",
                     10 * median_time(lambda: backtesting_optimize(prices, aligned), 1), np.nan))
    return rows


_OPTIMIZE_SCORE: np.ndarray = np.empty(0)  # module level: backtesting.py pickles strategies


def _sweep_strategy():
    from backtesting import Strategy

    class SweepStrategy(Strategy):
        level = 70
        window = 1

        def init(self):
            smooth = pd.Series(_OPTIMIZE_SCORE).rolling(self.window, min_periods=1).mean()
            self.score = self.I(lambda: smooth.to_numpy(), plot=False)

        def next(self):
            if self.score[-1] < self.level and not self.position:
                self.buy()
            elif self.score[-1] >= self.level and self.position:
                self.position.close()

    return SweepStrategy


SweepStrategy = None  # built on first use, importable by backtesting.py's worker processes


def backtesting_optimize(prices, aligned):
    """backtesting.py's grid optimizer (its own multiprocessing, on both cores)."""
    global _OPTIMIZE_SCORE, SweepStrategy
    from backtesting.lib import FractionalBacktest

    _OPTIMIZE_SCORE = aligned
    if SweepStrategy is None:
        SweepStrategy = _sweep_strategy()
        SweepStrategy.__qualname__ = "SweepStrategy"
        SweepStrategy.__module__ = __name__
    data = prices.rename(columns=str.title).tz_localize(None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        FractionalBacktest(data, SweepStrategy, cash=CASH, commission=COST,
                           fractional_unit=1e-8).optimize(level=list(range(50, 100, 5)),
                                                          window=list(range(1, 21, 2)),
                                                          maximize="Equity Final [$]")


def first_call(python: str = sys.executable) -> tuple[float, float]:
    """Seconds to the first backtest in a fresh process: numba's cache empty, then warm.

    The empty cache is what a user meets once after installing (every kernel compiled);
    the warm figure is the median of 5 processes after that.
    """
    import tempfile

    code = ("import time; t=time.perf_counter(); import numpy as np, pandas as pd, backtests;"
            "i=pd.date_range('2020',periods=500,freq='1D',tz='UTC');"
            "p=pd.DataFrame({'open':np.linspace(1,2,500),'close':np.linspace(1,2,500)},index=i);"
            "s=pd.Series(np.linspace(0,100,500),index=i+pd.Timedelta('1D'));"
            "backtests.run(p,s); print(time.perf_counter()-t)")

    def seconds(env: dict) -> float:
        return float(subprocess.run([python, "-c", code], check=True, capture_output=True,
                                    text=True, env=env).stdout)

    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold = seconds(env)
        warm = statistics.median(seconds(env) for _ in range(5))
    return cold, warm


SIZES = (10_000, 100_000, 1_000_000)


def scaling(repeats: int) -> list[tuple]:
    """Per size: medians of backtests.run, both hand loops, vectorbt + stats(), a sweep."""
    import backtests
    from backtests.research.sweep import sweep
    from signals.score.align import align_to_bars

    rows = []
    for n in SIZES:
        prices, scores = synthetic(n, seed=3)
        naive = prices.tz_localize(None)
        target = long_flat_target(align_to_bars(scores.rename("score"), prices, "1h")["score"]
                                  .to_numpy())
        o, c = prices["open"].to_numpy(), prices["close"].to_numpy()
        fns = {
            "run": lambda p=prices, s=scores: backtests.run(p, s, rule=f"threshold:{EXIT:g}",
                                                            fee_bps=15, slippage_bps=0,
                                                            timeframe="1h"),
            "hand": lambda o=o, c=c, t=target: hand_loop(o, c, t, COST, CASH),
            "hand_stats": lambda o=o, c=c, t=target: hand_loop_with_stats(o, c, t, COST, CASH),
            "vectorbt": lambda p=naive, t=target: vectorbt_run(p, t),
            "sweep": lambda p=prices, s=scores: sweep(
                p, s, thresholds=np.linspace(50, 99, 10), smoothing=range(1, 11),
                timeframe="1h"),
        }
        for fn in fns.values():
            fn()  # warm-up
        stats = fns["run"]().stats["strategy"]
        _, depth, _, _, _, exposed, trades = fns["hand_stats"]()
        if not (abs(depth * 100 - stats["Max. Drawdown [%]"]) < 1e-7
                and trades == stats["# Trades"]
                and abs(exposed / n * 100 - stats["Exposure Time [%]"]) < 1e-9):
            raise SystemExit("the hand loop with stats disagrees with backtests.run")
        medians = interleaved_medians(fns, repeats)
        rows.append((n, medians["run"], medians["hand"], medians["hand_stats"],
                     medians["vectorbt"], medians["sweep"]))
    return rows


def real_4h():
    import signals
    from backtests.candles.files import read_candle_file

    path = ROOT.parent / "shared" / "data" / "crypto" / "binance_BTCUSDT_4h.csv"
    if not path.exists():
        return None
    prices, _ = read_candle_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = signals.risk_off_score(signals.load_macro())["score"]
    return prices, scores


PARTS = ("synthetic", "real", "sweep", "first-call", "scaling")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS),
                        help="tables to measure (default: all)")
    parser.add_argument("--quick", action="store_true", help="skip backtesting.py's optimizer")
    parser.add_argument("--repeats", type=int, default=21,
                        help="interleaved rounds for the fast implementations")
    parser.add_argument("--slow-repeats", type=int, default=3,
                        help="rounds for implementations taking seconds a call")
    parser.add_argument("--first-call-python",
                        help="interpreter of a fresh environment with riskoff alone "
                             "(pip install .), for the first-call time users see")
    args = parser.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")  # peers' progress bars
    import numba
    import vectorbt

    prices, scores = synthetic(70_080)
    versions = {"numpy": np.__version__, "pandas": pd.__version__, "numba": numba.__version__,
                "vectorbt": vectorbt.__version__}
    print(f"machine: {machine(**versions)}; numba single-threaded\n")
    command = "python benchmarks/bench_backtest.py"
    for label, part, data in (("synthetic", "synthetic", (prices, scores)),
                              ("real BTC/USDT 4h", "real", real_4h() if "real" in args.parts
                               else None)):
        if part not in args.parts or data is None:
            continue
        rows = one_backtest(*data, label, args.repeats, args.slow_repeats)
        ours = rows[0][1]
        print(f"### One backtest, {label} ({len(data[0]):,} candles)\n")
        print(f"`{command} --parts {part}`: medians of {args.repeats} interleaved rounds "
              f"({args.slow_repeats} for the last four rows)\n")
        print("| implementation | time | peer / riskoff run | faster | final equity vs hand "
              "loop | model |")
        print("|---|---|---|---|---|---|")
        for name, seconds, error, model in rows:
            who = "" if name.startswith("riskoff backtests.run") else faster(seconds / ours)
            print(f"| {name} | {seconds * 1000:,.2f} ms | {seconds / ours:.2f}x | {who} "
                  f"| {error:.1e} | {model} |")
        print()
    if "sweep" in args.parts:
        print("### 1,000-combination sweep (50 thresholds x 20 smoothing windows, 70,080 "
              "candles)\n")
        print(f"`{command} --parts sweep{' --quick' if args.quick else ''}`: medians of 3 "
              "(1 for numpy, vectorbt and backtesting.py)\n")
        rows = sweep_rows(prices, scores, args.quick)
        ours = rows[0][1]
        print("| implementation | time | peer / riskoff sweep | faster | peak memory |")
        print("|---|---|---|---|---|")
        for name, seconds, peak in rows:
            memory = "" if peak != peak else f"{peak / 1e6:,.0f} MB"
            who = "" if name == "riskoff sweep" else faster(seconds / ours)
            print(f"| {name} | {seconds * 1000:,.0f} ms | {seconds / ours:.2f}x | {who} "
                  f"| {memory} |")
        print()
    if "first-call" in args.parts:
        print("### First call in a fresh process (imports and JIT)\n")
        print(f"`{command} --parts first-call --first-call-python <fresh venv>/bin/python`: "
              "one process with an empty numba cache, then the median of 5\n")
        print("| environment | first run after installing (numba's cache empty) "
              "| later runs (cache warm) | target (warm) |\n|---|---|---|---|")
        for label, python in (("this one (riskoff and the peers)", sys.executable),
                              ("riskoff alone (a fresh `pip install .`)",
                               args.first_call_python)):
            if python and Path(python).exists():
                cold, warm = first_call(python)
                print(f"| {label} | {cold * 1000:,.0f} ms | {warm * 1000:,.0f} ms "
                      "| < 500 ms |")
        print()
    if "scaling" in args.parts:
        print_scaling(scaling(args.repeats), f"`{command} --parts scaling`: medians of "
                      f"{args.repeats} interleaved rounds at each size")


def print_scaling(rows, header: str) -> None:
    print("### Scaling, and backtests.run against its targets\n")
    print(header + "\n")
    print("| candles | backtests.run | per candle | hand-written loop | run / hand loop "
          "| hand loop with stats | run / it | vectorbt + stats() (tz-naive) | vectorbt / run "
          "| 100-combination sweep |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, run, hand, hand_stats, vbt, many in rows:
        print(f"| {n:,} | {run * 1000:,.2f} ms | {run / n * 1e9:.1f} ns | {hand * 1000:,.2f} ms "
              f"| {run / hand:.1f}x | {hand_stats * 1000:,.2f} ms | {run / hand_stats:.1f}x "
              f"| {vbt * 1000:,.1f} ms | {vbt / run:.1f}x | {many * 1000:,.0f} ms |")
    print()
    big = rows[-1]
    per = [run / n for n, run, *_ in rows]
    print(f"- at {big[0]:,} candles backtests.run is {big[1] / big[2]:.1f}x the hand-written "
          f"loop (target: within 10x, {'met' if big[1] / big[2] <= 10 else 'NOT met'});")
    print(f"- per-candle cost {per[0] * 1e9:.1f} / {per[1] * 1e9:.1f} / {per[2] * 1e9:.1f} ns "
          f"at 10k / 100k / 1M candles (1M against 100k: {per[2] / per[1]:.2f}x; 1.0 is "
          "linear).")


if __name__ == "__main__":
    main()
