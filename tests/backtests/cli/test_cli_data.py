import json

import pandas as pd
import pytest
from click.testing import CliRunner

from backtests.cli import main, riskoff


def run(*args):
    return CliRunner().invoke(riskoff, list(args), catch_exceptions=False)


def test_status_as_json_has_a_row_per_series_and_notes_the_bundled_data():
    result = run("data", "status", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    series = {row["series"]: row for row in payload["series"]}
    assert series["jgb_10y"]["last_date"].startswith("2023-12-29")
    assert series["jgb_10y"]["origin"] == "bundled"
    assert series["nikkei"]["origin"] == "missing"
    assert any("bundled data, ends 2023-12-31" in note for note in payload["notes"])


def test_status_table_names_every_series(tmp_path):
    result = run("--store", str(tmp_path), "data", "status")
    assert result.exit_code == 0
    for name in ("jgb_10y", "ust_10y", "usdjpy", "tic_japan", "cftc_jpy_noncomm_short"):
        assert name in result.stdout


def test_update_with_no_network_tries_each_publisher_once_and_exits_4():
    result = run("data", "update", "--source", "fred", "--no-prices", "--format", "json")
    assert result.exit_code == 4  # nothing succeeded
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["offline"] is True
    first, *others = payload["results"]
    assert first["source"] == "fred" and "cannot connect" in first["error"]
    assert all(r["skipped"] and r["error"] == "skipped: fred:DGS3MO failed hard earlier in "
               "this run" for r in others)


def test_update_offline_says_so_in_one_line_and_names_what_still_works():
    result = run("data", "update", "--source", "fred", "--source", "mof")
    assert result.exit_code == 4
    assert result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line
    assert line.startswith("network unreachable: nothing was downloaded, the store is unchanged")
    assert "bundled data (mof, mof_week, fred, cftc, tic; candles binance BTC/USDT 1d, " \
           "binance ETH/USDT 1d) to 2023-12-31" in line
    assert "urllib3" not in line and "HTTPSConnectionPool" not in line


def test_update_from_a_data_dir_imports_the_files(tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "fred_DGS2.csv").write_text("observation_date,DGS2\n2025-01-02,4.25\n")
    result = run("data", "update", "--data-dir", str(folder), "--no-prices")
    assert result.exit_code == 0, result.output
    status = json.loads(run("data", "status", "--format", "json").stdout)
    ust2 = {row["series"]: row for row in status["series"]}["ust_2y"]
    assert ust2["last_date"].startswith("2025-01-02")
    assert ust2["origin"] == "bundled+store"


def test_an_unknown_source_is_one_line_with_a_hint_and_exit_1(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "update", "--source", "frd"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "unknown source 'frd'. Did you mean 'fred'?" in err


def test_status_lists_bundled_candles_and_data_dir_candle_files(shared_data, tmp_path):
    import shutil

    shutil.copy(shared_data / "crypto" / "kucoin_ETH_USDT_1h.csv", tmp_path)
    result = run("data", "status", "--data-dir", str(tmp_path), "--format", "json")
    candles = {(c["exchange"], c["symbol"], c["timeframe"], c["origins"]): c
               for c in json.loads(result.stdout)["candles"]}
    assert candles[("binance", "BTC/USDT", "1d", "bundled")]["rows"] == 2328
    kucoin = candles[("kucoin", "ETH/USDT", "1h", "file kucoin_ETH_USDT_1h.csv")]
    assert kucoin["last_open"].startswith("2023-12-31T23:00")


def test_a_mistyped_command_or_option_suggests_the_closest_and_exits_1(capsys):
    for argv, hint in ((["backtst"], "Did you mean 'backtest'"),
                       (["backtest", "--symbl", "BTC/USDT"], "Did you mean '--symbol'")):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 1
        assert hint in capsys.readouterr().err


def test_ctrl_c_during_an_update_keeps_the_store_and_says_so(capsys, monkeypatch):
    from signals.sources import fred

    calls = []

    def interrupted(code, session=None, since=None):
        calls.append(code)
        raise KeyboardInterrupt

    monkeypatch.setattr(fred, "fetch_series", interrupted)
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "update", "--source", "fred", "--no-prices"])
    assert exit_info.value.code == 130 and calls == ["DGS3MO"]
    assert "interrupted; everything stored before was kept" in capsys.readouterr().err
    from signals import Store

    assert Store().bundled_tag() is not None  # the store is still readable


def _candles(closes):
    index = pd.date_range("2024-01-01", periods=len(closes), freq="D", tz="UTC",
                          name="open_time")
    return pd.DataFrame({"open": 100.0, "high": 110.0, "low": 1e-9, "close": closes,
                         "volume": 5.0}, index=index)


def test_verify_finds_a_bad_candle_and_repair_drops_it_for_the_next_update(tmp_path):
    from signals import Store

    store = Store(tmp_path)
    store.write_candles("binance", "BTC/USDT", "1d", _candles([101.0, 0.0, 102.0, 103.0]))
    result = run("--store", str(tmp_path), "data", "verify")
    assert result.exit_code == 4
    assert ("problem: candle binance BTC/USDT 1d: 1 implausible candle(s), first "
            "2024-01-02 00:00: close 0 is not a positive price") in result.stdout
    assert len(store.read_candles("binance", "BTC/USDT", "1d")) == 4  # only looked

    result = run("--store", str(tmp_path), "data", "verify", "--repair", "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["ok"] and payload["dropped_candles"] == 3
    # the bad candle and those after it go, so that a refresh starts there again
    kept = store.read_candles("binance", "BTC/USDT", "1d")
    assert kept.index.strftime("%Y-%m-%d").tolist() == ["2024-01-01"]
    assert run("--store", str(tmp_path), "data", "verify").exit_code == 0


def test_verify_reports_values_outside_the_catalog_bounds(tmp_path):
    from signals import Store

    Store(tmp_path).write_observations(pd.DataFrame({
        "series": "fred:DGS10", "date": pd.DatetimeIndex(["2024-01-02"]), "value": [388.0],
        "available_at": pd.DatetimeIndex(["2024-01-03 21:30"], tz="UTC")}), origin="network")
    result = run("--store", str(tmp_path), "data", "verify", "--repair")
    assert result.exit_code == 4  # a value is not something verify can fetch again
    assert "problem: value fred:DGS10: 1 value(s) outside -5..30, first 388 on 2024-01-02" \
        in result.stdout

