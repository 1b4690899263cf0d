import json

from click.testing import CliRunner

from backtests.cli import riskoff


def run(*args):
    result = CliRunner().invoke(riskoff, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_evaluate_json_has_ic_per_horizon_and_the_tables():
    payload = json.loads(run("evaluate", "--horizons", "1,7", "--format", "json"))
    assert [row["horizon"] for row in payload["ic"]] == ["1d", "7d"]
    assert all(-1 <= row["ic"] <= 1 for row in payload["ic"])
    assert len(payload["quantiles"]) == 5 and payload["threshold_sweep"]


def test_evaluate_table_reads_for_people():
    out = run("evaluate", "--since", "2020-01-01")
    assert "rank IC" in out and "by regime" in out and "drawdowns deeper than 20%" in out


def test_sweep_sorts_by_the_chosen_metric():
    rows = json.loads(run("sweep", "--thresholds", "60,70,80", "--smoothing", "1,7",
                          "--sort", "calmar", "--format", "json"))["rows"]
    assert len(rows) == 6
    calmars = [r["calmar"] for r in rows if r["calmar"] is not None]
    assert calmars == sorted(calmars, reverse=True)


def test_a_bad_grid_names_the_option():
    result = CliRunner().invoke(riskoff, ["sweep", "--thresholds", "sixty"])
    assert result.exit_code == 2 and "--thresholds" in result.output


def test_walkforward_json():
    payload = json.loads(run("walkforward", "--train", "365D", "--test", "180D",
                             "--thresholds", "55,70,85", "--smoothing", "1", "--format", "json"))
    assert len(payload["splits"]) >= 6
    assert {row["metric"] for row in payload["summary"]} >= {"sharpe", "total_return"}


def test_whatif_with_the_issues_example():
    payload = json.loads(run("whatif", "--usdjpy", "-8%", "--ust10y", "+60bp",
                             "--japan-holdings", "-3%", "--symbol", "BTC/USDT", "--k", "10",
                             "--format", "json"))
    assert payload["shocks"] == {"usdjpy": -8.0, "ust10y": 60.0, "japan_holdings": -3.0}
    assert payload["shocked_score"] > payload["base_score"]
    assert len(payload["analogs"]) == 10
    assert {row["horizon"] for row in payload["summary"]} == {"7d", "30d", "90d"}


def test_whatif_needs_a_move_and_a_known_unit():
    result = CliRunner().invoke(riskoff, ["whatif"])
    assert result.exit_code == 2 and "name at least one move" in result.output
    result = CliRunner().invoke(riskoff, ["whatif", "--usdjpy", "-8bp"])
    assert result.exit_code != 0
    assert "usdjpy" in str(result.exception)
