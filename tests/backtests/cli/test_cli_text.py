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
