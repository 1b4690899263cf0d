"""Where ``backtests.run``'s time goes: each step of one backtest, timed on its own.

``python benchmarks/profile_run.py [candles]`` (default 1,000,000) prints the median of 9
interleaved rounds of the whole ``backtests.run`` and of each step it takes, on the
synthetic candles of ``bench_backtest.py`` (threshold:70, 15 bp): checking the scores and
the candles, aligning the score, the rule, the simulation with its stats and trades (and
its two compiled parts alone); then what reading a result's per-candle frames costs (they
are made when first read). Then a floor for any design: one compiled pass that only reads
what ``backtests.run`` is given (the candles' times, opens and closes, the scores' times
and values), each value once; and the bare hand loop of ``bench_backtest.py``, which
issue 13's target compares with.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from bench_backtest import CASH, COST, hand_loop, synthetic
from numba import njit
from timing import interleaved_medians, machine


@njit(cache=True, fastmath={"reassoc"})
def read_once(times, open_, close, score_times, scores):
    """Every input value read once.

    Summed in any order, so that nothing is skipped and the processor adds several at once.
    """
    total = 0.0
    for column in (open_, close, scores):
        for value in column:
            total += value
    for stamps in (times, score_times):
        for stamp in stamps:
            total += stamp
    return total


def main() -> None:
    import numba

    import backtests
    from backtests.engine.kernel import _stretches, check_candles, simulate_with_benchmark
    from backtests.engine.metrics import _EXPOSURE_ATOL
    from backtests.engine.passes import _walk
    from backtests.engine.rules import parse_rule
    from backtests.engine.run import check_scores
    from backtests.engine.summary import backtest_numbers
    from signals.score.align import align_to_bars, column_at_bars

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    prices, scores = synthetic(n, seed=3)
    rule = parse_rule("threshold:70")
    score = column_at_bars(scores, prices, "1h")
    target = rule.exposure_of(score)
    o, c = prices["open"].to_numpy(), prices["close"].to_numpy()
    stretches = _stretches(o, c, target, COST, True, CASH)
    inputs = (prices.index.asi8, o, c, scores.index.asi8, scores.to_numpy())

    def whole(read_frames: bool = False):
        result = backtests.run(prices, scores, rule=rule, fee_bps=15, slippage_bps=0,
                               timeframe="1h")
        if read_frames:
            return result.equity, result.aligned
        return result

    steps = {
        "backtests.run (whole: stats and trades)": whole,
        "check the scores": lambda: check_scores(scores),
        "check the candles": lambda: check_candles(prices),
        "align the score (column_at_bars)": lambda: column_at_bars(scores, prices, "1h"),
        "rule": lambda: rule.exposure_of(score),
        "simulation, stats and trades (compiled passes)": lambda: backtest_numbers(
            prices, target, timeframe="1h", fee_bps=15, slippage_bps=0, execution="open",
            initial_cash=10_000.0),
        "  of which: the accounts' stretches (kernel._stretches)": lambda: _stretches(
            o, c, target, COST, True, CASH),
        "  of which: the figures, block by block (passes._walk)": lambda: _walk(
            c, c, *stretches[:3], None, None, _EXPOSURE_ATOL),
        "later, if read: the curves (result.equity)": lambda: simulate_with_benchmark(
            o, c, target, fee_bps=15, slippage_bps=0),
        "later, if read: the aligned frame (result.aligned)": lambda: align_to_bars(
            scores, prices, "1h"),
        "backtests.run, then reading .equity and .aligned": lambda: whole(read_frames=True),
        "floor: reading the inputs once (compiled)": lambda: read_once(*inputs),
        "reference: the bare hand loop (bench_backtest.py), on the same targets": lambda:
            hand_loop(o, c, target, COST, CASH),
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
