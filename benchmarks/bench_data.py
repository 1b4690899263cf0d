"""Data-layer speed: import time, first load from the bundled files, warm load from the store.

Targets: ``import signals`` < 0.3 s; ``riskoff --help`` < 0.5 s; first ``load_macro()`` from
the bundled files < 1 s; warm ``load_macro()`` (all series, 1990 to date) < 150 ms. The peer,
measured in the same run, is plain ``pandas.read_csv`` of the same bundled files with no
availability stamps, no checks and no store: the floor a hand-rolled loader starts from.

Run: ``.venv/bin/python benchmarks/bench_data.py`` (prints a Markdown table).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from timing import median_time

REPEATS = 7
#: Files whose publisher writes them in another encoding than UTF-8 (the MOF's weekly
#: flows are Shift JIS); the peer reads each as its publisher wrote it.
ENCODINGS = {"mof_week.csv": "cp932"}


def in_fresh_process(code: str, env: dict | None = None) -> float:
    """Median wall time of `code` in new interpreters, less the bare interpreter's start."""
    def run(snippet: str) -> float:
        out = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter();"
                              + snippet + "; print(time.perf_counter()-t)"],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, **(env or {})})
        return float(out.stdout.strip().splitlines()[-1])
    return statistics.median(run(code) for _ in range(REPEATS))


def command_time(argv: list[str]) -> float:
    """Median wall time of a whole command, start-up included."""
    def once() -> float:
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        return time.perf_counter() - start
    return statistics.median(once() for _ in range(REPEATS))


def main() -> None:
    from signals.data.bundled import BUNDLED_DIR

    files = sorted((BUNDLED_DIR / "macro").iterdir())
    rows = []
    rows.append(("import signals", in_fresh_process("import signals"),
                 in_fresh_process("import pandas"), "import pandas", 0.3))
    riskoff = str(Path(sys.executable).parent / "riskoff")
    rows.append(("riskoff --help (the whole command)", command_time([riskoff, "--help"]),
                 command_time([sys.executable, "-c", "pass"]), "python -c pass", 0.5))
    with tempfile.TemporaryDirectory() as home:
        env = {"RISKOFF_HOME": home}
        first = in_fresh_process(
            "import warnings, shutil, os; warnings.simplefilter('ignore');"
            "import signals; p=os.environ['RISKOFF_HOME'];"
            "[os.remove(os.path.join(p, f)) for f in os.listdir(p)];"
            "signals.load_macro()", env)
        peer_first = in_fresh_process(
            "import pandas as pd, os;"
            f"[pd.read_csv(f, sep=None, engine='python', on_bad_lines='skip', "
            f"encoding={ENCODINGS!r}.get(os.path.basename(f))) "
            f"for f in {[str(f) for f in files if f.suffix == '.csv']!r}]")
        rows.append(("first load_macro() (bundled files, new process)", first, peer_first,
                     "pandas.read_csv of the same CSVs", 1.0))
        os.environ["RISKOFF_HOME"] = home
        import pandas as pd

        import signals

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            signals.load_macro()
            warm = median_time(lambda: signals.load_macro(start="1990-01-01"))
            macro = signals.load_macro(start="1990-01-01")
        csvs = [f for f in files if f.suffix == ".csv"]
        peer_warm = median_time(lambda: [pd.read_csv(f, skiprows=1 if f.name.startswith("mof")
                                                 else 0, encoding=ENCODINGS.get(f.name))
                                     for f in csvs])
        rows.append((f"warm load_macro() ({len(macro)} series, "
                     f"{sum(len(s) for s in macro.values()):,} values, 1990-)", warm,
                     peer_warm, "pandas.read_csv of the same CSVs", 0.15))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, pandas {pd.__version__}; "
          f"{time.strftime('%Y-%m-%d')}\n")
    print("| measure | riskoff | peer | peer measured | ratio (peer / riskoff) | target |")
    print("|---|---|---|---|---|---|")
    for name, ours, peer, peer_name, target in rows:
        verdict = "met" if ours < target else "MISSED"
        print(f"| {name} | {ours * 1000:.0f} ms | {peer * 1000:.0f} ms | {peer_name} | "
              f"{peer / ours:.2f} | < {target * 1000:.0f} ms ({verdict}) |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
