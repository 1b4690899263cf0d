"""Where ``backtests.run``'s time goes: each step of one backtest, timed on its own.

``python benchmarks/profile_run.py [candles]`` (default 1,000,000) prints the median of 9
interleaved rounds of the whole ``backtests.run`` and of each step it takes, on the
synthetic candles of ``bench_backtest.py`` (threshold:70, 15 bp): checking the candles,
aligning the score, the rule, the simulation kernel, the trades, the stats table.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from bench_backtest import synthetic
from timing import interleaved_medians, machine


def main() -> None:
    import numba

    import backtests
    from backtests.engine.kernel import check_candles, simulate_with_benchmark
    from backtests.engine.result import extract_trades
    from backtests.engine.rules import parse_rule
    from backtests.engine.stats import stats_table
    from signals.score.align import align_to_bars

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    prices, scores = synthetic(n, seed=3)
    rule = parse_rule("threshold:70")
    frame = scores.rename("score").to_frame()
    aligned = align_to_bars(frame, prices, "1h")
    target = rule.exposure(aligned)
    o, c = prices["open"].to_numpy(), prices["close"].to_numpy()
    curves, held, fees, hold_fees = simulate_with_benchmark(o, c, target, fee_bps=15,
                                                            slippage_bps=0)
    trades = extract_trades(prices, target, fees, "open")
    equity = pd.DataFrame(curves.T, index=prices.index, columns=["strategy", "buy_and_hold"])
    exposure, fee_series = pd.Series(held, index=prices.index), pd.Series(fees, prices.index)
    steps = {
        "backtests.run (whole)": lambda: backtests.run(prices, scores, fee_bps=15,
                                                       slippage_bps=0, timeframe="1h"),
        "check candles": lambda: check_candles(prices),
        "align the score": lambda: align_to_bars(frame, prices, "1h"),
        "rule": lambda: rule.exposure(aligned),
        "simulation kernel (strategy and buy-and-hold)": lambda: simulate_with_benchmark(
            o, c, target, fee_bps=15, slippage_bps=0),
        "trades": lambda: extract_trades(prices, target, fees, "open"),
        "stats table": lambda: stats_table(
            equity["strategy"], equity["buy_and_hold"], exposure=exposure, trades=trades,
            fees=fee_series, timeframe="1h", initial_cash=10_000.0, benchmark_fees=hold_fees),
    }
    versions = {"numpy": np.__version__, "pandas": pd.__version__, "numba": numba.__version__}
    print(f"machine: {machine(**versions)}\n")
    print(f"`python benchmarks/profile_run.py {n}`: medians of 9\n")
    print(f"| step ({n:,} candles) | time |\n|---|---|")
    for fn in steps.values():
        fn()  # warm-up
    times = interleaved_medians(steps, 9)
    for name, seconds in times.items():
        print(f"| {name} | {seconds * 1000:,.1f} ms |")
    print("\nSteps timed apart from each other (each on fresh memory), so they need not add "
          "up to the whole.")


if __name__ == "__main__":
    main()
