"""Signal speed: the full risk-off score, and the score aligned onto 100,000 hourly candles.

Targets (issue "Signals"): the full score with every component, 1990 to date, daily, under
100 ms on one core; ``align_to_bars`` onto 100,000 hourly candles under 50 ms. Peers,
measured in the same run on the same data:

* score: a plain-pandas composite of the same component z-scores (outer-join them with
  ``pd.concat``, forward-fill, weight, sum), without staleness, reweighting or regimes;
* alignment: ``pandas.merge_asof(direction="backward")`` on the candles' close times.

Run: ``.venv/bin/python benchmarks/bench_signals.py`` (prints a Markdown table).
"""

from __future__ import annotations

import os
import platform
import time
import warnings

from timing import median_time

REPEATS = 9


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import pandas as pd

    import signals

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        macro = signals.load_macro(start="1988-01-01")  # two years of warm-up for 1990
    weights = signals.Weights.default()
    ours = median_time(lambda: signals.risk_off_score(macro), REPEATS)
    scores = signals.risk_off_score(macro)

    def plain_pandas():
        readings = signals.component_readings(macro, components=list(weights))
        z = pd.concat({k: v["z"] for k, v in readings.items()}, axis=1, sort=True).ffill()
        w = pd.Series({k: weights[k] for k in z.columns})
        return 50 + 50 / 3 * (z * w).sum(axis=1) / w.sum()

    peer = median_time(plain_pandas, REPEATS)

    bars = pd.date_range("2012-08-01", periods=100_000, freq="1h", tz="UTC")
    align = median_time(lambda: signals.align_to_bars(scores, bars, "1h"), REPEATS)
    left = pd.DataFrame({"close": (bars + pd.Timedelta("1h")).as_unit("ns")})
    right = scores.reset_index()
    merge = median_time(lambda: pd.merge_asof(left, right, left_on="close",
                                              right_on="available_at"), REPEATS)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (one used), Python "
          f"{platform.python_version()}, pandas {pd.__version__}; {time.strftime('%Y-%m-%d')}\n")
    print("| measure | riskoff | peer | peer measured | ratio (peer / riskoff) | target |")
    print("|---|---|---|---|---|---|")
    rows = [
        (f"risk_off_score, 18 components, 1990- ({len(scores):,} rows)", ours, peer,
         "plain-pandas composite of the same z-scores", 0.100),
        ("align_to_bars, 100,000 hourly candles", align, merge, "pandas.merge_asof", 0.050),
    ]
    for name, mine, other, other_name, target in rows:
        verdict = "met" if mine < target else "MISSED"
        print(f"| {name} | {mine * 1000:.1f} ms | {other * 1000:.1f} ms | {other_name} | "
              f"{other / mine:.2f} | < {target * 1000:.0f} ms ({verdict}) |")


if __name__ == "__main__":
    main()
