import json

import pytest
from click.testing import CliRunner

from backtests.cli import main, riskoff
from signals.defaults import DEFAULTS


def run(*args):
    return CliRunner().invoke(riskoff, list(args), catch_exceptions=False)


def test_plain_backtest_runs_btc_daily_offline():
    result = run("backtest")
    assert result.exit_code == 0, result.output
    assert f"BTC/USDT 1d, rule {DEFAULTS.backtest_rule()}" in result.stdout
    assert "Sharpe Ratio" in result.stdout and "buy & hold" in result.stdout
    assert "vs buy-and-hold" in result.stdout


def test_backtest_json_for_btc_and_eth():
    result = run("backtest", "--symbol", "BTC/USDT", "--symbol", "ETH/USDT", "--rule",
                 "threshold:70:55", "--format", "json")
    payload = json.loads(result.stdout)
    stats = payload["stats"]
    # no --since: every candle, from the first of the bundled files (open_time 1502928000000)
    assert stats["Start"]["combined/strategy"].startswith("2017-08-17")
    assert set(stats["Return [%]"]) == {f"{a}/{b}" for a in ("BTC/USDT", "ETH/USDT", "combined")
                                        for b in ("strategy", "buy_and_hold")}
    assert payload["rule"] == "threshold:70:55"


def test_a_bad_rule_is_one_line_with_an_example(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["backtest", "--rule", "treshold:70"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "rule 'treshold:70' is not understood; use threshold:70" in err


def test_a_missing_symbol_offline_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setattr("backtests.candles.exchanges.time.sleep", lambda seconds: None)
    with pytest.raises(SystemExit) as exit_info:
        main(["backtest", "--symbol", "SOL/USDT"])
    assert exit_info.value.code == 1
    assert "SOL/USDT" in capsys.readouterr().err


def test_backtest_writes_an_html_report_when_asked(tmp_path):
    path = tmp_path / "bt.html"
    result = run("backtest", "--report", str(path))
    assert result.exit_code == 0
    page = path.read_text(encoding="utf-8")
    assert 'id="chart-backtest"' in page and "Sharpe Ratio" in page


def test_the_command_and_the_library_start_at_the_same_candle_and_agree():
    import backtests
    import signals

    payload = json.loads(run("backtest", "--format", "json").stdout)
    result = backtests.run(backtests.load_prices("BTC/USDT", "1d"),
                           signals.risk_off_score(signals.load_macro()))
    assert payload["stats"]["Start"]["strategy"] == result.stats.loc["Start", "strategy"]\
        .isoformat()
    assert payload["stats"]["Return [%]"]["strategy"] == pytest.approx(
        result.stats.loc["Return [%]", "strategy"], rel=1e-12)
