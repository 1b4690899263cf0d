import json

import pytest
from click.testing import CliRunner

from backtests.cli import main, riskoff
from tests import ROOT


def run(*args):
    return CliRunner().invoke(riskoff, list(args), catch_exceptions=False)


def test_the_latest_score_as_json_explains_itself():
    result = run("score", "--format", "json")
    assert result.exit_code == 0, result.output
    reading = json.loads(result.stdout)
    assert 0 <= reading["score"] <= 100
    assert reading["regime"] in ("calm", "watch", "stress", "unwind")
    parts = [p["contribution"] for p in reading["components"] if p["contribution"] is not None]
    assert reading["score"] == pytest.approx(50 + sum(parts), abs=0.01)
    inputs = {i["name"]: i for i in reading["inputs"]}
    assert inputs["jgb_10y"]["last_date"] == "2023-12-29"
    assert inputs["vix"]["stale"] is True and inputs["vix"]["last_date"] is None
    assert any("bundled data" in note for note in reading["notes"])


def test_a_past_reading_uses_only_what_was_known_then():
    reading = json.loads(run("score", "--at", "2022-12-21", "--format", "json").stdout)
    assert reading["as_of"].startswith("2022-12-21T00:00")
    inputs = {i["name"]: i for i in reading["inputs"]}
    assert inputs["jgb_10y"]["last_date"] == "2022-12-19"  # 12-20 is available 12-21 01:30 UTC
    assert inputs["ust_10y"]["last_date"] <= "2022-12-19"  # H.15: next day 16:30 New York


def test_the_series_since_a_date_as_csv():
    result = run("score", "--since", "2023-12-01", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("available_at,score,regime,coverage,")
    assert len(lines) > 20 and lines[1].startswith("2023-12-0")


def test_the_table_names_the_regime_and_the_components():
    result = run("score")
    assert "risk-off score" in result.stdout and "yen_rally" in result.stdout
    assert "inputs" in result.stdout


def test_custom_weights_from_a_file(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text('base = "none"\n[weights]\nyen_rally = 1\njgb_10y_rise = 1\n')
    reading = json.loads(run("score", "--weights", str(path), "--format", "json").stdout)
    assert {p["name"] for p in reading["components"]} == {"yen_rally", "jgb_10y_rise"}


def test_a_bad_weights_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "w.toml"
    path.write_text("[weights]\nyen_raly = 1\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["score", "--weights", str(path)])
    assert exit_info.value.code == 1
    assert "Did you mean 'yen_rally'" in capsys.readouterr().err


HONEST = """
def steep_jgb(macro):
    return (macro["jgb_30y"] - macro["jgb_30y"].rolling(20).mean()).rename("steep")
"""
LEAKY = """
def steep_jgb(macro):
    s = macro["jgb_30y"]
    return (s - s.mean()).rename("steep")
"""


@pytest.mark.parametrize(("code", "exit_code", "says"), [(HONEST, 0, "ok"),
                                                          (LEAKY, 3, "lookahead")])
def test_check_lookahead_on_a_users_own_signal(tmp_path, code, exit_code, says):
    path = tmp_path / "my_signals.py"
    path.write_text(code)
    result = CliRunner().invoke(riskoff, ["check-lookahead", f"{path}:steep_jgb",
                                          "--cutoffs", "8", "--since", "2018-01-01"])
    assert result.exit_code == exit_code, result.output
    assert says in result.stdout


def test_check_lookahead_with_a_bad_target(tmp_path):
    result = CliRunner().invoke(riskoff, ["check-lookahead", "nowhere.py:f"])
    assert result.exit_code == 2 and "cannot import" in result.output


LEAK_JGB = """

class LeakyRiskOffStrategy(RiskOffStrategy):
    def use_macro(self, macro):
        leaked = dict(macro)
        jgb = macro["jgb_10y"]
        leaked["jgb_10y"] = jgb.set_axis(jgb.index - pd.Timedelta(days=1))
        super().use_macro(leaked)
"""


@pytest.mark.parametrize(("name", "exit_code", "says"), [("RiskOffStrategy", 0, "ok"),
                                                          ("LeakyRiskOffStrategy", 3,
                                                           "riskoff_jgb_10y_rise")])
def test_check_lookahead_on_a_freqtrade_strategys_macro_side(tmp_path, name, exit_code, says):
    pytest.importorskip("freqtrade", reason="freqtrade is in the test extras")
    path = tmp_path / "strategy.py"
    path.write_text((ROOT / "examples" / "freqtrade_strategy.py").read_text() + LEAK_JGB)
    result = CliRunner().invoke(riskoff, ["check-lookahead", f"{path}:{name}", "--cutoffs", "8",
                                          "--since", "2012-01-01", "--pair", "BTC/USDT"])
    assert result.exit_code == exit_code, result.output
    assert says in result.stdout
