"""What the command prints is printed as it is: no markup, no emoji codes."""

import pytest

from backtests.cli import main


def test_config_show_prints_a_grid_with_colons_as_written(capsys):
    main(["config", "show", "sweep"])
    out = capsys.readouterr().out
    assert "'50:100:1'" in out and "\N{HUNDRED POINTS SYMBOL}" not in out


def test_an_error_keeps_the_bracketed_table_name_that_is_the_fix(tmp_path, capsys):
    weights = tmp_path / "weights.toml"
    weights.write_text("[wrong]\nyen_rally = 1\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["score", "--weights", str(weights)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "no [weights] table" in err and err.startswith("error: ")


def _leaf_commands(command, path=()):
    import click

    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _leaf_commands(sub, (*path, name))
    else:
        yield path, command


def test_every_command_takes_quiet_and_debug_after_its_name_and_format_if_it_prints():
    from backtests.cli import riskoff

    for path, command in _leaf_commands(riskoff):
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert {"--quiet", "-q", "--debug"} <= options, path
        if path != ("serve",):  # a server: its results go over HTTP, as JSON or CSV
            assert "--format" in options, path


def test_quiet_after_the_subcommand_drops_the_notes_as_before_it(capsys):
    main(["score"])
    loud = capsys.readouterr()
    main(["score", "--quiet"])
    after = capsys.readouterr()
    main(["--quiet", "score"])
    before = capsys.readouterr()
    assert "note:" in loud.err and "note:" not in after.err
    assert after.out == before.out and after.err == before.err
    assert len(after.out.splitlines()) < len(loud.out.splitlines())


MY_SIGNAL = """
def broken(macro):
    return macro["no_such_series"]
"""


def test_a_user_function_that_raises_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_signal.py").write_text(MY_SIGNAL)
    with pytest.raises(SystemExit) as exit_info:
        main(["check-lookahead", "my_signal.py:broken", "--cutoffs", "2", "--since",
              "2023-01-01"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: my_signal.py:broken raised KeyError: 'no_such_series'")
    assert len(err.strip().splitlines()) == 1 and "--debug" in err
    from signals.errors import RiskoffError

    with pytest.raises(RiskoffError) as debugged:  # --debug: the traceback, down to the cause
        main(["check-lookahead", "my_signal.py:broken", "--cutoffs", "2", "--since",
              "2023-01-01", "--debug"])
    assert isinstance(debugged.value.__cause__, KeyError)


def test_an_unknown_symbol_offline_names_the_file_to_save_and_data_dir(capsys, monkeypatch):
    monkeypatch.setattr("backtests.candles.exchanges.time.sleep", lambda seconds: None)
    with pytest.raises(SystemExit) as exit_info:
        main(["backtest", "--symbol", "XRP/USDT"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "no exchange is reachable for XRP/USDT 1d" in err
    assert "binance_XRPUSDT_1d.csv" in err and "--data-dir" in err
    assert "http" not in err and len(err) < 400


@pytest.mark.parametrize(("argv", "words"), [
    (["walkforward", "--since", "2023-01-01", "--until", "2022-01-01"],
     "--since 2023-01-01 is not before --until 2022-01-01"),
    (["backtest", "--since", "2023-01-01", "--until", "2023-01-01"], "swap them"),
    (["backtest", "--rule", "threshold:170"], "outside the score's 0-100 range"),
    (["report", "--rule", "linear:50:180"], "outside the score's 0-100 range"),
    (["score", "--at", "2999-01-01"], "2999-01-01 is in the future"),
    (["whatif", "--usdjpy", "-8%", "--at", "2999-01-01"], "2999-01-01 is in the future"),
    (["backtest", "--since", "2025-01-01"], "no BTC/USDT candle between 2025-01-01 and the "
     "last: the candles run 2017-08-17 to 2023-12-31"),
    (["sweep", "--until", "2010-01-01"], "no BTC/USDT candle between the first and 2010-01-01"),
])
def test_usage_errors_name_the_fix(argv, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 1
    assert words in capsys.readouterr().err
