"""A risk gate for any Python bot: may it hold crypto right now.

Call ``gate.update()`` on the bot's schedule and ``gate.allow_long()`` before opening or
holding a position. The gate reads the latest risk-off score (refreshing from the network
when it can, never blocking longer than the timeout, falling back to the store), applies
hysteresis (out from the stress level, back below watch: the levels the default backtest
rule uses, docs/choice.md), keeps its state in a file across restarts, and logs
every regime change. Run as a script, it prints the decision for a past day and for now.
"""

import logging
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd

import signals


def main(state_folder: Path) -> None:
    """Print the gate's decision on 2022-12-28 and now."""
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stdout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        for label, when in (("2022-12-28", pd.Timestamp("2022-12-28", tz="UTC")),
                            ("now", None)):
            gate = signals.RiskGate(state_file=state_folder / f"gate-{label}.json")
            reading = gate.update(signals.latest(now=when))
            verdict = "hold" if gate.allow_long() else "stay out"
            print(f"{label}: {verdict} (exposure {gate.exposure():g}): {reading.decision}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        main(Path(folder))
