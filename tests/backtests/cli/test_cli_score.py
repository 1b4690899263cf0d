import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from backtests.cli import main, riskoff
from tests import ROOT
from tests.signals.bots import LEAKY_STRATEGY_CLASS


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


@pytest.mark.parametrize(("name", "exit_code", "says"), [("RiskOffStrategy", 0, "ok"),
                                                          ("LeakyRiskOffStrategy", 3,
                                                           "riskoff_jgb_10y_rise")])
def test_check_lookahead_on_a_freqtrade_strategys_macro_side(tmp_path, name, exit_code, says):
    pytest.importorskip("freqtrade", reason="freqtrade is in the test extras")
    path = tmp_path / "strategy.py"
    path.write_text((ROOT / "examples" / "freqtrade_strategy.py").read_text() + "\n"
                    + LEAKY_STRATEGY_CLASS)
    result = CliRunner().invoke(riskoff, ["check-lookahead", f"{path}:{name}", "--cutoffs", "8",
                                          "--since", "2012-01-01", "--pair", "BTC/USDT"])
    assert result.exit_code == exit_code, result.output
    assert says in result.stdout


@pytest.mark.filterwarnings("ignore::signals.data.macro.BundledDataWarning")
def test_every_command_reads_the_same_now():
    import signals

    score = json.loads(run("score", "--format", "json").stdout)
    whatif = json.loads(run("whatif", "--usdjpy", "-8%", "--format", "json").stdout)
    current = signals.current_score(signals.risk_off_score(signals.load_macro()))
    assert score["row_available_at"] == whatif["as_of"] == current.name.isoformat()
    assert score["score"] == pytest.approx(whatif["base_score"], abs=1e-3)
    assert score["score"] == pytest.approx(current["score"], abs=1e-3)
    assert not current.name.isoformat().startswith("2024-01-09")  # JGB inputs expiring
    from backtests.report.page import _reading

    page = _reading(signals.risk_off_score(signals.load_macro()))
    assert f"{current['score']:.1f} ({current['regime']})</b> as of " \
        f"{current.name:%Y-%m-%d %H:%M} UTC" in page


def test_a_reading_asked_for_a_past_date_is_never_called_old():
    result = run("score", "--at", "2022-12-21")
    assert "days old" not in result.stdout
    assert "(the reading at 2022-12-21 00:00 UTC)" in result.stdout
    reading = json.loads(run("score", "--at", "2022-12-21 12:00", "--format", "json").stdout)
    assert reading["row_available_at"] == "2022-12-21T01:30:00+00:00"  # MOF's 20 December
    assert reading["age_days"] == pytest.approx(10.5 / 24, abs=0.01)  # from the time asked


@pytest.mark.filterwarnings("ignore::signals.data.macro.BundledDataWarning")
def test_the_series_shows_one_row_per_batch_published_together():
    import signals

    result = run("score", "--since", "2022-09-06", "--format", "csv")
    frame = pd.read_csv(io.StringIO(result.stdout), parse_dates=["available_at"])
    assert frame["available_at"].is_unique
    assert (frame["available_at"].dt.microsecond == 0).all()
    scores = signals.risk_off_score(signals.load_macro(), start="2022-09-06")
    batch = scores[scores.index.floor("s") == pd.Timestamp("2022-09-06 20:30", tz="UTC")]
    assert len(batch) > 1  # the weekly FRED batch, a microsecond apart
    shown = frame.set_index("available_at").loc[pd.Timestamp("2022-09-06 20:30", tz="UTC")]
    assert shown["score"] == pytest.approx(batch["score"].iloc[-1], abs=1e-4)
    table = run("score", "--since", "2022-09-06")
    stamps = [line.split()[0] + " " + line.split()[1] for line in table.stdout.splitlines()
              if line.strip().startswith("2022-")]
    assert len(stamps) == len(set(stamps)) > 10


def test_a_store_that_is_not_a_database_is_one_line(tmp_path, capsys):
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database " * 100)
    with pytest.raises(SystemExit) as exit_info:
        main(["--store", str(garbage), "score"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert "garbage.sqlite is not a riskoff store or is damaged" in " ".join(err.split())
    assert "riskoff data update" in err and "Traceback" not in err
