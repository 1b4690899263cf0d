"""The download fault matrix: every loader against every fault, written into docs/data.md.

Runs the scenarios of the test suite (tests/faultmatrix.py: a real HTTP server on
127.0.0.1, the real requests/urllib3, yfinance and ccxt paths) and replaces the table
between the ``fault-matrix`` markers in docs/data.md with what happened: per fault, the
loaders that failed cleanly, the wrong values stored, and the worst time on the deadline's
clock (real time plus the backoff waits the run would have slept, which it skips).

Run: ``.venv/bin/python benchmarks/fault_matrix.py`` (about a minute; no network).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "data.md"
BEGIN, END = "<!-- fault-matrix:begin -->", "<!-- fault-matrix:end -->"


def run_all():
    """Every outcome, loader by loader."""
    import yfinance as yf

    from tests.faultmatrix import FAULTS, HANG_SECONDS, LOADERS, CcxtMatrix, Matrix

    yf.set_tz_cache_location(tempfile.mkdtemp(prefix="riskoff-yf-"))
    outcomes = []
    skipped: list[float] = []
    with mock.patch("signals.sources.http.READ_TIMEOUT", HANG_SECONDS), \
            mock.patch("signals.sources.http.time.sleep", skipped.append):
        for matrix in [*(Matrix(loader) for loader in LOADERS), CcxtMatrix()]:
            with matrix:
                for fault in FAULTS:
                    outcome = matrix.run(fault, skipped)
                    outcomes.append(outcome)
                    print(f"{outcome.loader:9} {fault:28} {'ok' if outcome.ok else 'failed':6} "
                          f"{outcome.elapsed:6.2f} s  {(outcome.error or '')[:90]}",
                          file=sys.stderr)
    return outcomes


def table(outcomes) -> str:
    """The Markdown table of the matrix."""
    from tests.faultmatrix import DEADLINE, FAULTS, HANG_SECONDS

    loaders = list(dict.fromkeys(o.loader for o in outcomes))
    lines = [
        f"Loaders: {', '.join(loaders)}; {len(FAULTS)} faults, {len(outcomes)} scenarios; "
        f"deadline {DEADLINE:g} s per scenario, read timeout {HANG_SECONDS:g} s (the default "
        "is 15 s: a hang costs that much). Time: the worst scenario on the deadline's clock, "
        "backoff waits included. Accepted: the download passed every check (for "
        "`cut_mid_number_newline_kept`, the revision guard kept the stored values where the "
        "cut changed one).",
        "",
        "| fault | accepted | refused | wrong values stored | store changed by a bad download "
        "| worst time (s) |",
        "|---|---|---|---|---|---|",
    ]
    for fault in FAULTS:
        rows = [o for o in outcomes if o.fault == fault]
        stored = [o.loader for o in rows if o.ok]
        refused = [o.loader for o in rows if not o.ok]
        changed = sum(1 for o in rows if not o.ok and not o.store_unchanged)
        lines.append(f"| `{fault}` | {', '.join(stored) or '-'} | {', '.join(refused) or '-'} "
                     f"| {sum(o.wrong_values for o in rows)} | {changed} "
                     f"| {max(o.elapsed for o in rows):.1f} |")
    worst = max(outcomes, key=lambda o: o.elapsed)
    lines += ["", f"Total wrong values stored: {sum(o.wrong_values for o in outcomes)}. "
              f"Worst case: {worst.loader} `{worst.fault}`, {worst.elapsed:.1f} s "
              f"(deadline {worst.deadline:g} s)."]
    return "\n".join(lines)


def main() -> None:
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{DOC} has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{table(run_all())}\n{END}{tail}")
    print(f"wrote the fault matrix into {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
