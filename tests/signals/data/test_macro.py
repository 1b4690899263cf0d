import shutil

import numpy as np
import pandas as pd
import pytest

from signals import BundledDataWarning, ConfigError, MacroData, Store, load_macro
from signals.data.datadir import UnknownFilesWarning
from signals.data.macro import LAYERS


def obs(series, dates, values, lag="1D"):
    dates = pd.DatetimeIndex(dates)
    return pd.DataFrame({"series": series, "date": dates, "value": np.asarray(values, float),
                         "available_at": (dates + pd.Timedelta(lag)).tz_localize("UTC")})


def test_empty_store_and_no_network_uses_the_bundled_data_and_says_so():
    with pytest.warns(BundledDataWarning, match="bundled data, ends 2023-12-31"):
        macro = load_macro()
    assert isinstance(macro, MacroData)
    jgb = macro.frame("jgb_10y").set_index("date")
    assert jgb.loc["2023-12-29", "value"] == 0.647  # MOF's own file
    # Friday 29 December: after the Dec 31 - Jan 3 closure, on Thursday 4 January
    assert jgb.loc["2023-12-29", "available_at"] == pd.Timestamp("2024-01-04 01:30", tz="UTC")
    assert set(jgb["origin"]) == {"bundled"}


def test_every_series_is_indexed_by_non_decreasing_utc_availability():
    with pytest.warns(BundledDataWarning):
        macro = load_macro()
    assert {"jgb_10y", "jgb_40y", "ust_2y", "ust_10y", "usdjpy", "cftc_jpy_noncomm_short",
            "tic_japan", "jpy_3m_rate"} <= set(macro)
    for name, series in macro.items():
        assert str(series.index.tz) == "UTC", name
        assert series.index.is_monotonic_increasing and series.index.is_unique, name
        assert series.dtype == "float64" and series.name == name
        frame = macro.frame(name)
        assert (frame["available_at"] > frame["date"].dt.tz_localize("UTC")).all(), name


def test_series_not_bundled_are_missing_with_a_way_to_get_them():
    with pytest.warns(BundledDataWarning):
        macro = load_macro()
    assert {"nikkei", "vix", "move", "audjpy"} <= set(macro.missing)
    with pytest.raises(KeyError, match=r"nikkei.*has no data.*riskoff data update"):
        macro["nikkei"]


def test_unknown_names_get_a_close_name_hint():
    with pytest.warns(BundledDataWarning):
        macro = load_macro()
    with pytest.raises(ConfigError, match="Did you mean 'jgb_10y'"):
        macro["jgb10y"]
    with pytest.raises(ConfigError, match="Did you mean 'usdjpy'"):
        load_macro(series=["usdjpi"])


def test_the_second_load_reads_the_store_and_gives_the_same_data():
    with pytest.warns(BundledDataWarning):
        first = load_macro()
    assert Store().bundled_tag() is not None
    with pytest.warns(BundledDataWarning):
        second = load_macro()
    for name in first:
        pd.testing.assert_series_equal(first[name], second[name])


def test_stored_values_override_bundled_ones_date_by_date():
    store = Store()
    store.write_observations(obs("fred:DGS10", ["2023-12-29", "2024-01-02"], [3.9, 3.95]),
                             origin="network")
    macro = load_macro(series=["ust_10y"])
    frame = macro.frame("ust_10y").set_index("date")
    assert frame.loc["2023-12-28", "value"] == 3.84
    assert frame.loc["2023-12-28", "origin"] == "bundled"
    assert frame.loc["2023-12-29", "value"] == 3.9
    assert frame.loc["2024-01-02", "origin"] == "store"
    assert macro.info().loc["ust_10y", "origin"] == "bundled+store"


def test_the_timelier_source_wins_where_it_has_data_and_history_fills_the_rest():
    store = Store()
    store.write_observations(
        obs("treasury:10Y", ["2023-12-27", "2023-12-28", "2023-12-29"], [3.8, 3.85, 3.86],
            lag="22h"), origin="network")
    frame = load_macro(series=["ust_10y"]).frame("ust_10y").set_index("date")
    assert frame.loc["2023-12-28", "value"] == 3.85          # Treasury's own figure
    assert frame.loc["2023-12-28", "available_at"] == pd.Timestamp("2023-12-28 22:00", tz="UTC")
    assert frame.loc["2023-12-22", "value"] == 3.90          # FRED history before it
    assert frame["available_at"].is_monotonic_increasing


def test_end_cuts_by_availability_and_start_by_date():
    with pytest.warns(BundledDataWarning):
        macro = load_macro("2023-12-01", "2023-12-29 21:00", series=["ust_10y", "jgb_10y"])
    ust = macro.frame("ust_10y")
    assert ust["date"].iloc[0] == pd.Timestamp("2023-12-01")
    # DGS10 of 12-28 becomes available 12-29 16:30 New York = 21:30 UTC, after the cut
    assert ust["date"].iloc[-1] == pd.Timestamp("2023-12-27")
    assert macro.frame("jgb_10y")["date"].iloc[-1] == pd.Timestamp("2023-12-28")


def test_a_bad_date_is_one_clear_error():
    with pytest.raises(ConfigError, match="start='yesterday-ish' is not a date"):
        load_macro(start="yesterday-ish")


@pytest.mark.filterwarnings("ignore::signals.data.macro.BundledDataWarning")
def test_data_dir_files_are_used_however_recent_and_unknown_files_are_listed(tmp_path):
    macro_dir = tmp_path / "saved" / "macro"
    macro_dir.mkdir(parents=True)
    (macro_dir / "fred_DGS10.csv").write_text(
        "observation_date,DGS10\n2025-03-03,4.16\n2025-03-04,4.22\n")
    (tmp_path / "saved" / "notes.xlsx").write_bytes(b"binary")
    (tmp_path / "saved" / "README.md").write_text("ignored quietly")
    with pytest.warns(UnknownFilesWarning, match=r"1 file\(s\).*notes\.xlsx"):
        macro = load_macro(data_dir=tmp_path / "saved", series=["ust_10y", "jgb_10y"])
    frame = macro.frame("ust_10y")
    assert frame["date"].iloc[-1] == pd.Timestamp("2025-03-04")
    assert frame["origin"].iloc[-1] == "file"
    assert macro.info().loc["ust_10y", "origin"] == "bundled+file"


def test_a_data_dir_like_the_shared_data_replaces_the_bundle(shared_data, tmp_path):
    folder = tmp_path / "saved"
    shutil.copytree(shared_data / "macro", folder / "macro")
    shutil.copy(shared_data / "eval_only" / "yahoo_JPY=X.csv", folder / "macro")
    macro = load_macro(data_dir=folder)
    assert "vix" in macro and "usdjpy" in macro
    usdjpy = macro.frame("usdjpy").set_index("date")
    assert usdjpy.loc["2023-12-29", "value"] == 141.48  # Yahoo wins over DEXJPUS's 140.92
    assert usdjpy.loc["1990-01-02", "origin"] in ("bundled", "file")


def test_info_and_reprs_describe_each_series():
    with pytest.warns(BundledDataWarning):
        macro = load_macro()
    info = macro.info(now=pd.Timestamp("2024-01-31", tz="UTC"))
    row = info.loc["jgb_10y"]
    assert row["last_date"] == pd.Timestamp("2023-12-29") and row["unit"] == "%"
    assert row["age_days"] == pytest.approx(26.9)  # available 2024-01-04 01:30, 0.1 day steps
    assert info.loc["nikkei", "origin"] == "missing"
    assert "jgb_10y" in macro._repr_html_()
    assert "last date 2023-12-31" in repr(macro)  # TIC dates month-ends
    long = macro.to_long()
    assert set(long["origin"]) <= set(LAYERS)
    assert len(long) == sum(len(macro[name]) for name in macro)


def test_a_weekly_batch_is_spread_one_microsecond_apart_in_date_order():
    with pytest.warns(BundledDataWarning):
        frame = load_macro(series=["usdjpy"]).frame("usdjpy").set_index("date")
    week = frame.loc["2023-12-18":"2023-12-22", "available_at"]
    release = pd.Timestamp("2023-12-26 16:30", tz="America/New_York").tz_convert("UTC")
    assert list(week - release) == [pd.Timedelta(microseconds=i) for i in range(5)]
