"""Every example runs offline on the bundled data."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, tmp_path) -> str:
    env = {"RISKOFF_HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_score_episodes_prints_its_table(tmp_path):
    lines = run_example("score_episodes.py", tmp_path).splitlines()
    assert lines[0].startswith("| as of (UTC) | what happened | score | regime |")
    rows = [line.split(" | ") for line in lines[2:]]
    assert len(rows) == 10
    assert all(0 <= float(row[2]) <= 100 for row in rows)
    assert {row[3] for row in rows} <= {"calm", "watch", "stress", "unwind"}
