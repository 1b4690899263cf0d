"""The research loop: many weight sets backtested from cached z-scores, against one by one.

Run from the repository: ``python benchmarks/bench_research.py [--sets 1000]``. Prints a
Markdown table for benchmarks/RESULTS.md.

Every weight set is backtested on the bundled Binance BTC/USDT daily candles, 2018-01-01
to 2023-12-31, with the default rule (``threshold:70``) and costs, on the bundled macro
data. Measured on one core (BLAS and numba limited to one thread before they load):

1. the vectorised pass alone: every set's score from the cached component panel (one
   matrix product, :func:`backtests.research.sweep.weight_set_scores`) and one compiled
   loop over the sets;
2. ``backtests.grid_sweep`` end to end on the fast path (component readings computed once,
   then the pass above);
3. ``grid_sweep(..., fast=False, executor="serial")``, today's path: one score and one
   ``backtests.run`` per set, timed on a sample of the sets and scaled to all of them.

The fast and the slow path's rows on that sample are compared (largest difference shown).
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "NUMBA_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import backtests  # noqa: E402
import signals  # noqa: E402
from backtests.engine.metrics import periods_per_year  # noqa: E402
from backtests.research.sweep import _batch, grid_sweep, weight_set_scores  # noqa: E402
from benchmarks.timing import median_time  # noqa: E402
from signals.score.composite import component_readings, score_panel  # noqa: E402

START, END = "2018-01-01", "2023-12-31"


def weight_sets(count: int, seed: int = 7) -> list[dict[str, float]]:
    """`count` random weight sets over the default components (Dirichlet, fixed seed)."""
    names = list(signals.Weights.default())
    draws = np.random.default_rng(seed).dirichlet(np.ones(len(names)), size=count)
    return [dict(zip(names, row, strict=True)) for row in draws]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=20, help="sets timed on the slow path")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        macro = signals.load_macro()
        prices = backtests.load_prices("BTC/USDT", "1d")
    sets = weight_sets(args.sets)
    candles = prices.loc[START:END]
    names = list(signals.Weights.default())
    readings = component_readings(macro, components=names)
    panel, zs = score_panel(components=names, readings=readings)
    matrix = np.array([[w[name] for w in sets] for name in names])
    closes = (candles.index + pd.Timedelta(days=1)).as_unit("ns").asi8
    opens_, closes_ = (candles[c].to_numpy(np.float64) for c in ("open", "close"))

    def vectorised():
        scores = weight_set_scores(panel, zs, matrix, closes)
        return _batch(opens_, closes_, scores, 70.0, 70.0, 0.0015, True,
                      periods_per_year("1d"))

    vectorised()  # compile
    options = {"rule": "threshold:70", "start": START, "end": END}
    grid_sweep(prices, macro, weights=sets[:2], **options)
    pass_time = median_time(vectorised, repeats=7)
    fast_time = median_time(lambda: grid_sweep(prices, macro, weights=sets, **options),
                            repeats=3)
    sample = sets[: args.sample]
    start = time.perf_counter()
    slow = grid_sweep(prices, macro, weights=sample, executor="serial", fast=False, **options)
    per_set = (time.perf_counter() - start) / len(sample)
    fast = grid_sweep(prices, macro, weights=sample, **options)
    metrics = ["return", "sharpe", "max_drawdown", "calmar", "trades", "exposure_time"]
    difference = np.nanmax(np.abs(fast[metrics].to_numpy(float) - slow[metrics].to_numpy(float)))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    print(f"{args.sets:,} weight sets, BTC/USDT 1d {START} to {END} ({len(candles):,} candles)\n")
    print("| path | time for all sets | per set |")
    print("|---|---|---|")
    print(f"| vectorised pass from cached z-scores | {pass_time * 1e3:,.0f} ms | "
          f"{pass_time / args.sets * 1e3:.3f} ms |")
    print(f"| `grid_sweep` fast path (readings included) | {fast_time * 1e3:,.0f} ms | "
          f"{fast_time / args.sets * 1e3:.3f} ms |")
    print(f"| `grid_sweep(fast=False, executor='serial')` ({args.sample} sets, scaled) | "
          f"{per_set * args.sets:,.1f} s | {per_set * 1e3:,.1f} ms |")
    print(f"\nfast against slow on the {args.sample} sampled sets: largest difference "
          f"{difference:.1e}; speed-up of the grid_sweep call "
          f"{per_set * args.sets / fast_time:,.0f}x")


if __name__ == "__main__":
    main()
