"""docs/cli.md documents each command's JSON keys; the commands print exactly those."""

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from backtests.cli import riskoff
from tests import ROOT

DOCS = ROOT / "docs" / "cli.md"


def documented() -> dict[str, list[str]]:
    sections = re.split(r"^## `riskoff ([a-z -]+?) --format json`$", DOCS.read_text(),
                        flags=re.MULTILINE)
    return {command: re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE)
            for command, body in zip(sections[1::2], sections[2::2], strict=True)}


ARGS = {"whatif": ["--usdjpy", "-8%", "--symbol", "BTC/USDT", "--k", "5"],
        "sweep": ["--thresholds", "60,70", "--smoothing", "1"],
        "walkforward": ["--thresholds", "60,70", "--smoothing", "1"],
        "data update": ["--source", "fred", "--no-prices"],
        "evaluate": ["--n-boot", "100"],
        "study": ["--n-boot", "20", "--no-components"],
        "report": ["--symbol", "BTC/USDT", "--since", "2023-06-01"],
        "check-lookahead": ["my_signal.py:steep", "--cutoffs", "3", "--since", "2023-01-01"]}

MY_SIGNAL = """
def steep(macro):
    return macro["jgb_10y"] - macro["jgb_2y"]
"""


@pytest.mark.parametrize("command", list(documented()))
def test_json_keys_match_the_docs(command, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the report is written here
    (tmp_path / "my_signal.py").write_text(MY_SIGNAL)
    argv = [*command.split(), *ARGS.get(command, []), "--format", "json"]
    result = CliRunner().invoke(riskoff, argv)
    assert result.exit_code in (0, 4), result.output  # data update fails offline: exit 4
    assert list(json.loads(result.stdout)) == documented()[command]


@pytest.mark.parametrize("command", ["score", "backtest", "evaluate", "sweep", "data status",
                                     "config show"])
def test_csv_is_a_table_with_a_header(command):
    argv = [*command.split(), *ARGS.get(command, []), "--format", "csv"]
    result = CliRunner().invoke(riskoff, argv)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) > 2 and len(rows[0]) >= 3
    assert {len(row) for row in rows} == {len(rows[0])}
