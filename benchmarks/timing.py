"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def median_time(fn, repeats: int = 7) -> float:
    """Median wall time of `repeats` calls of ``fn()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median wall time of each function, in seconds, timed in interleaved rounds.

    Each round calls every function once, in order, so a change in the machine's load
    during the run falls on all of them alike and the ratios between them stay fair.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def machine(**versions: str) -> str:
    """One line naming the machine, the versions measured, the date and the load."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            model = next((line.split(":", 1)[1].strip() for line in info
                          if line.startswith("model name")), model)
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    parts = ", ".join(f"{name} {version}" for name, version in versions.items())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (f"{platform.machine()}, {os.cpu_count()} cores ({model}), Python "
            f"{platform.python_version()}, {parts}; {when}; "
            f"load average {load} (1, 5, 15 min) at the start")
