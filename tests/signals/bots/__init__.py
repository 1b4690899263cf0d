"""Shared helpers for the bot-facing tests: stores of real (bundled) data, reading times."""

from __future__ import annotations

import gc
import shutil
import tracemalloc
import warnings
from pathlib import Path

import signals

#: Reading times on the bundled data (which end on 2023-12-31).
FRESH = "2023-12-21 12:00"  # score 57.2, watch: below the stress level, risk allowed
UNWIND = "2022-12-28 12:00"  # score 68.3, unwind
#: No fresh score since 2024-01-12 21:30 (coverage falls below half). The current reading
#: is the last row scored when data arrived, 59.723 at 2024-01-04 01:30 (the MOF's yields of
#: Friday 29 December, after the year-end closure); later rows only record inputs fading
#: or expiring.
STALE = "2024-03-01"
HELD_SCORE = 59.723
HELD_AT = "2024-01-04 01:30"
UNUSABLE_SINCE = "2024-01-12 21:30:00.000003"  # the last of a weekly batch

#: The planted macro leak: examples/freqtrade_strategy.py's RiskOffStrategy with the JGB
#: 10Y stamped available a day before its release (needs ``pd`` and ``RiskOffStrategy``).
LEAKY_STRATEGY_CLASS = """
class LeakyRiskOffStrategy(RiskOffStrategy):
    def use_macro(self, macro):
        leaked = dict(macro)
        jgb = macro["jgb_10y"]
        leaked["jgb_10y"] = jgb.set_axis(jgb.index - pd.Timedelta(days=1))
        super().use_macro(leaked)
"""


def build_template(folder: Path) -> Path:
    """A store holding the bundled data, built once per session."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        store = signals.Store(folder)
        signals.load_macro(store=store)
    return store.path


def copy_store(template: Path, folder: Path) -> signals.Store:
    """A private copy of the template store."""
    folder.mkdir(parents=True)
    for suffix in ("", "-wal"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, folder / source.name)
    return signals.Store(folder)


def memory_growth(step, *, warmup: int = 300, n: int = 2000) -> int:
    """Bytes still allocated after `n` calls of ``step(i)``, counted after a warm-up.

    Tracing starts before the warm-up, so that memory allocated untraced and freed later
    does not hide growth; whatever a call leaks adds up over `n` calls.
    """
    step(0)
    tracemalloc.start()
    try:
        for i in range(warmup):
            step(i)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(warmup, warmup + n):
            step(i)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
