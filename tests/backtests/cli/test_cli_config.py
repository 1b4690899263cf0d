import json

import pytest

from backtests.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    return tmp_path


def test_a_project_file_sets_defaults_and_flags_override_it(project, capsys):
    (project / "riskoff.toml").write_text(
        '[backtest]\nrule = "threshold:70:55"\nfee-bps = 8\n\n[score]\nformat = "json"\n')
    main(["backtest", "--format", "json"])
    first = json.loads(capsys.readouterr().out)
    assert first["rule"] == "threshold:70:55" and first["fee_bps"] == 8
    main(["backtest", "--format", "json", "--rule", "threshold:80"])
    assert json.loads(capsys.readouterr().out)["rule"] == "threshold:80"
    main(["score"])
    assert "score" in json.loads(capsys.readouterr().out)


def test_the_project_file_wins_over_the_users(project, capsys):
    user = project / "user-config" / "riskoff"
    user.mkdir(parents=True)
    (user / "riskoff.toml").write_text('[backtest]\nrule = "linear:50:80"\nfee-bps = 3\n')
    (project / "riskoff.toml").write_text('[backtest]\nrule = "threshold:65"\n')
    main(["config", "show", "backtest"])
    out = capsys.readouterr().out
    rows = {line.split()[1]: line for line in out.splitlines() if line.strip().startswith(
        "backtest ")}
    assert "'threshold:65'" in rows["--rule"] and "./riskoff.toml" in rows["--rule"]
    assert " 3 " in rows["--fee-bps"] and "built-in" in rows["--exchange"]
    from backtests.cli import riskoff
    from backtests.cli.config import load_config

    defaults, sources = load_config(riskoff)
    assert defaults["backtest"] == {"rule": "threshold:65", "fee_bps": 3}
    assert sources[("backtest", "rule")] == "./riskoff.toml"
    assert sources[("backtest", "fee_bps")].endswith("user-config/riskoff/riskoff.toml")


def test_an_unknown_key_names_the_file_the_command_and_the_closest_option(project, capsys):
    (project / "riskoff.toml").write_text('[backtest]\nfee_bsp = 8\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["backtest"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "'fee_bsp' is not an option of backtest. Did you mean 'fee-bps'?" in err


def test_a_broken_file_is_one_line(project, capsys):
    (project / "riskoff.toml").write_text("[backtest\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["score"])
    assert exit_info.value.code == 1 and "not valid TOML" in capsys.readouterr().err


def test_an_output_path_from_the_config_never_overwrites_a_file_riskoff_did_not_write(
        project, capsys):
    victim = project / "notes.txt"
    victim.write_text("my notes")
    (project / "riskoff.toml").write_text('[backtest]\nreport = "notes.txt"\n')
    with pytest.raises(SystemExit) as refused:
        main(["backtest", "--format", "json"])
    err = capsys.readouterr().err
    assert refused.value.code == 1 and victim.read_text() == "my notes"
    assert ("--report notes.txt comes from riskoff.toml and would overwrite a file riskoff "
            "did not write; give --report on the command line, or add --force") in \
        " ".join(err.split())
    (project / "riskoff.toml").write_text('[backtest]\nreport = "bt.html"\n')
    main(["backtest", "--format", "json"])  # a new file, then riskoff's own: both written
    main(["backtest", "--format", "json"])
    assert '<meta name="generator" content="riskoff">' in (project / "bt.html").read_text()
    (project / "link.html").symlink_to(project / "elsewhere.txt")  # dangling: would create it
    (project / "riskoff.toml").write_text('[backtest]\nreport = "link.html"\n')
    with pytest.raises(SystemExit):
        main(["backtest", "--format", "json"])
    assert not (project / "elsewhere.txt").exists()
    capsys.readouterr()
    main(["backtest", "--format", "json", "--report", "notes.txt"])  # the user's own choice
    assert "riskoff" in victim.read_text()
    victim.write_text("my notes")
    (project / "riskoff.toml").write_text('[backtest]\nreport = "notes.txt"\n')
    main(["backtest", "--format", "json", "--force"])
    assert "riskoff" in victim.read_text()


def test_only_riskoffs_own_reports_and_charts_are_recognised(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from backtests.cli.common import written_by_riskoff

    ours, theirs = tmp_path / "ours.png", tmp_path / "theirs.png"
    Figure().savefig(ours, metadata={"Software": "riskoff"})
    Figure().savefig(theirs)
    (tmp_path / "page.html").write_text("<html><head><title>riskoff</title></head></html>")
    assert written_by_riskoff(ours) and not written_by_riskoff(theirs)
    assert not written_by_riskoff(tmp_path / "page.html")
    assert not written_by_riskoff(tmp_path / "missing.html")


def test_config_show_hides_the_token_and_the_webhooks_secrets(project, capsys):
    token = "riskoff-token-0123456789WXYZ"
    webhook = "https://bot:pa55word@hooks.example/services/T0123ABC/B0456DEF/s3cretPathToken?key=v4lue"
    (project / "riskoff.toml").write_text(f'[serve]\ntoken = "{token}"\nwebhook = "{webhook}"\n')
    main(["config", "show", "serve", "--format", "json"])
    rows = {row["option"]: row for row in json.loads(capsys.readouterr().out)["options"]}
    assert rows["--token"]["value"] == "****WXYZ"
    assert rows["--token"]["from"] == "./riskoff.toml"
    assert rows["--webhook"]["value"] == "https://***@hooks.example/services/***/***/***?key=***"
    for fmt in ("table", "csv"):
        main(["config", "show", "serve", "--format", fmt])
        out = capsys.readouterr().out
        assert "****WXYZ" in out and "hooks.example" in out
        for secret in ("0123456789", "pa55word", "T0123ABC", "s3cretPathToken", "v4lue"):
            assert secret not in out, (fmt, secret)
    from backtests.cli import riskoff
    from backtests.cli.config import load_config

    assert load_config(riskoff)[0]["serve"] == {"token": token, "webhook": webhook}


def test_a_short_token_shows_none_of_its_characters(project, capsys):
    (project / "riskoff.toml").write_text('[serve]\ntoken = "s3cret"\n')
    main(["config", "show", "serve", "--format", "json"])
    rows = {row["option"]: row for row in json.loads(capsys.readouterr().out)["options"]}
    assert rows["--token"]["value"] == "****" and rows["--webhook"]["value"] is None
