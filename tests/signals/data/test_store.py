import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from signals.data.store import HOME_ENV, Store, default_store_path
from signals.errors import ConfigError


def make_obs(series, dates, values, lag_hours=24):
    dates = pd.DatetimeIndex(dates)
    return pd.DataFrame({
        "series": series,
        "date": dates,
        "value": np.asarray(values, dtype="float64"),
        "available_at": (dates + pd.Timedelta(hours=lag_hours)).tz_localize("UTC"),
    })


def test_default_path_follows_the_environment(riskoff_home):
    assert default_store_path() == riskoff_home / "riskoff.sqlite"
    assert Store().path == riskoff_home / "riskoff.sqlite"


def test_argument_overrides_the_environment(tmp_path):
    store = Store(tmp_path / "elsewhere")
    assert store.path == tmp_path / "elsewhere" / "riskoff.sqlite"
    assert store.path.exists()
    assert os.environ[HOME_ENV] not in str(store.path)


def test_round_trip_keeps_dates_values_and_availability(tmp_path):
    store = Store(tmp_path)
    obs = make_obs("fred:DGS10", ["2023-12-27", "2023-12-28", "2023-12-29"], [3.79, 3.84, 3.88])
    assert store.write_observations(obs, origin="network") == 3
    frame = store.read_observations()["fred:DGS10"]
    assert frame["date"].tolist() == list(pd.DatetimeIndex(obs["date"]))
    assert frame["value"].tolist() == [3.79, 3.84, 3.88]
    assert frame["available_at"].tolist() == obs["available_at"].tolist()
    assert str(frame["available_at"].dt.tz) == "UTC"
    assert frame.attrs["tag"] == "network"


def test_upsert_revises_values_and_counts_only_changes(tmp_path):
    store = Store(tmp_path)
    store.write_observations(make_obs("s:a", ["2024-01-01", "2024-01-02"], [1.0, 2.0]),
                             origin="network")
    changed = store.write_observations(
        make_obs("s:a", ["2024-01-02", "2024-01-03"], [2.5, 3.0]), origin="network")
    assert changed == 2
    again = store.write_observations(make_obs("s:a", ["2024-01-03"], [3.0]), origin="network")
    assert again == 0
    assert store.read_observations()["s:a"]["value"].tolist() == [1.0, 2.5, 3.0]


def test_fill_only_never_overwrites(tmp_path):
    store = Store(tmp_path)
    store.write_observations(make_obs("s:a", ["2024-01-01"], [1.0]), origin="network")
    store.write_observations(make_obs("s:a", ["2024-01-01", "2024-01-02"], [9.0, 2.0]),
                             origin="file", replace=False)
    assert store.read_observations()["s:a"]["value"].tolist() == [1.0, 2.0]


def test_bundled_layer_is_separate_and_replaced_whole(tmp_path):
    store = Store(tmp_path)
    store.write_bundled(make_obs("s:a", ["2020-01-01", "2020-01-02"], [1.0, 2.0]), "v1")
    assert store.bundled_tag() == "v1"
    assert "s:a" not in store.read_observations()
    store.write_bundled(make_obs("s:b", ["2020-01-01"], [5.0]), "v2")
    bundled = store.read_observations(layer="bundled")
    assert list(bundled) == ["s:b"]
    assert store.bundled_tag() == "v2"


def test_status_and_last_dates(tmp_path):
    store = Store(tmp_path)
    store.write_observations(make_obs("s:a", ["2024-01-01", "2024-02-01"], [1.0, 2.0]),
                             origin="network")
    assert store.last_dates() == {"s:a": pd.Timestamp("2024-02-01")}
    status = store.observation_status().loc["s:a"]
    assert status["rows"] == 2
    assert status["first_date"] == pd.Timestamp("2024-01-01")
    assert status["last_available_at"] == pd.Timestamp("2024-02-02", tz="UTC")
    assert status["origins"] == "network"


def test_each_download_outcome_is_recorded_with_its_start_and_end(tmp_path):
    store = Store(tmp_path)
    store.log_fetch("fred", "fred:DGS10", 3, started_at=1_700_000_000.9)
    store.log_fetch("fred", "fred:DGS10", 0, "fred fred:DGS10: HTTP 503",
                    started_at=1_700_000_100)
    store.log_fetch("mof", "mof", 12)
    log = store.last_fetches().set_index("label")
    assert log.loc["fred:DGS10", "started_at"] == pd.Timestamp(1_700_000_100, unit="s", tz="UTC")
    assert not log.loc["fred:DGS10", "ok"] and log.loc["fred:DGS10", "rows"] == 0
    assert log.loc["mof", "ok"] and pd.isna(log.loc["mof", "started_at"])
    assert list(log.columns) == ["source", "started_at", "finished_at", "ok", "rows", "error"]


def test_a_store_made_before_start_times_were_recorded_gains_the_column(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE fetch_log (id INTEGER PRIMARY KEY, source TEXT NOT NULL, "
                    "label TEXT NOT NULL, finished_at INTEGER NOT NULL, rows INTEGER NOT NULL, "
                    "error TEXT)")
        con.execute("INSERT INTO fetch_log (source, label, finished_at, rows) "
                    "VALUES ('mof', 'mof', 1700000000, 5)")
    store = Store(path)
    store.log_fetch("fred", "fred:DFF", 1, started_at=1_700_000_050)
    log = store.last_fetches().set_index("label")
    assert log.loc["mof", "rows"] == 5 and pd.isna(log.loc["mof", "started_at"])
    assert log.loc["fred:DFF", "started_at"] == pd.Timestamp(1_700_000_050, unit="s", tz="UTC")


def test_a_file_that_is_not_a_store_gives_one_clear_error(tmp_path):
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"this is not a database " * 100)
    with pytest.raises(ConfigError, match=r"store .*garbage.sqlite is not a riskoff store or is "
                       r"damaged \(file is not a database\); move it away and run `riskoff "
                       r"data update`"):
        Store(path)
    assert path.read_bytes() == b"this is not a database " * 100  # left as it was


def test_candles_round_trip(tmp_path):
    store = Store(tmp_path)
    index = pd.date_range("2024-01-01", periods=3, freq="1D", tz="UTC", name="open_time")
    frame = pd.DataFrame({"open": [1.0, 2, 3], "high": [2.0, 3, 4], "low": [0.5, 1, 2],
                          "close": [2.0, 3, 4], "volume": [10.0, 11, 12]}, index=index)
    assert store.write_candles("binance", "BTC/USDT", "1d", frame) == 3
    back = store.read_candles("binance", "BTC/USDT", "1d")
    pd.testing.assert_frame_equal(back, frame, check_freq=False)
    assert store.read_candles("binance", "ETH/USDT", "1d").empty
    status = store.candle_status()
    assert status.loc[0, "rows"] == 3 and status.loc[0, "last_open"] == index[-1]


def test_naive_times_are_refused(tmp_path):
    store = Store(tmp_path)
    obs = make_obs("s:a", ["2024-01-01"], [1.0])
    obs["available_at"] = obs["available_at"].dt.tz_localize(None)
    with pytest.raises(TypeError, match="tz-aware UTC"):
        store.write_observations(obs, origin="network")


def _python(code: str, home) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, HOME_ENV: str(home)})


WRITER = """
    import numpy as np, pandas as pd
    from signals.data.store import Store
    store = Store()
    for batch in range({batches}):
        dates = pd.date_range("2000-01-01", periods=200, freq="D") + pd.Timedelta(days=200 * batch)
        frame = pd.concat([pd.DataFrame({{"series": s, "date": dates, "value": float(batch),
                           "available_at": (dates + pd.Timedelta(days=1)).tz_localize("UTC")}})
                           for s in ("{prefix}:a", "{prefix}:b")])
        store.write_observations(frame, origin="network")
    print("done", flush=True)
"""


def test_concurrent_writers_and_a_reader_see_only_whole_transactions(riskoff_home):
    Store()  # create the schema once
    writers = [_python(WRITER.format(batches=15, prefix=p), riskoff_home) for p in ("x", "y")]
    reader = Store()
    while any(w.poll() is None for w in writers):
        frames = reader.read_observations()
        for prefix in ("x", "y"):
            a, b = frames.get(f"{prefix}:a"), frames.get(f"{prefix}:b")
            # a and b are written in one transaction: a reader never sees one without the other
            assert (a is None) == (b is None)
            if a is not None:
                assert len(a) == len(b) and len(a) % 200 == 0
    for w in writers:
        out, err = w.communicate()
        assert w.returncode == 0, err
        assert out.strip() == "done"
    final = reader.read_observations()
    assert all(len(final[f"{p}:{s}"]) == 15 * 200 for p in "xy" for s in "ab")


KILLED = """
    import sys, time, pandas as pd
    from signals.data.store import Store
    store = Store()
    dates = pd.date_range("2000-01-01", periods=100, freq="D")
    def frame(value):
        return pd.DataFrame({"series": "k:a", "date": dates, "value": value,
                             "available_at": (dates + pd.Timedelta(days=1)).tz_localize("UTC")})
    store.write_observations(frame(1.0), origin="network")      # committed
    def stall(con, series):                                      # inside the 2nd transaction
        print("mid-transaction", flush=True)
        time.sleep(600)
    Store._rebuild_snapshot = staticmethod(stall)
    store.write_observations(frame(2.0), origin="network")      # killed in here
"""


def test_a_writer_killed_mid_transaction_loses_nothing_stored_before(riskoff_home):
    proc = _python(KILLED, riskoff_home)
    assert proc.stdout.readline().strip() == "mid-transaction"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    store = Store()
    frame = store.read_observations()["k:a"]
    assert frame["value"].tolist() == [1.0] * 100
    with store._connect() as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        values = {v for (v,) in con.execute("SELECT value FROM observations")}
    assert values == {1.0}
