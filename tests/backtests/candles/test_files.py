"""Saved candle files: golden values from the real files, every layout, names, errors."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from backtests.candles.files import (
    CANDLE_FILE_PATTERN,
    CandleFileMeta,
    candle_file_name,
    find_candle_file,
    find_gaps,
    parse_candle_file_name,
    read_candle_file,
)
from signals.errors import DataContractError
from signals.sources.base import DataRepairWarning

# Real rows (the first three daily BTC/USDT klines of binance_BTCUSDT_1d.csv).
KLINES = """\
open_time,open,high,low,close,volume,close_time,quote_volume,trades,taker_buy_base,taker_buy_quote,ignore
1502928000000,4261.48,4485.39,4200.74,4285.08,795.150377,1503014399999,3454770.05073206,3427,0,0,0
1503014400000,4285.08,4371.52,3938.77,4108.37,1199.888264,1503100799999,5086958.30617151,5233,0,0,0
1503100800000,4108.37,4184.69,3850.0,4139.98,381.309763,1503187199999,1549483.73542151,2153,0,0,0
"""
# Real rows (the first three 4h candles of binance_BTCUSDT_4h.csv).
FOUR_HOURS = """\
timestamp,open,high,low,close,volume
2017-08-17 04:00:00,4261.48,4349.99,4261.32,4349.99,82.088865
2017-08-17 08:00:00,4333.32,4485.39,4333.32,4427.3,63.619882
2017-08-17 12:00:00,4436.06,4485.39,4333.42,4352.34,174.562001
"""
OPEN = pd.Timestamp("2017-08-17 04:00", tz="UTC")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def with_rows(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return text


# --- the real files ------------------------------------------------------------------------


def test_binance_daily_golden_values(bundled):
    frame, meta = read_candle_file(bundled / "crypto" / "binance_BTCUSDT_1d.csv")

    assert meta == CandleFileMeta("binance", "BTC/USDT", "1d", "binance_klines")
    assert len(frame) == 2328
    assert frame.index[0] == pd.Timestamp("2017-08-17 00:00", tz="UTC")
    assert frame["open"].iloc[0] == 4261.48
    assert frame.index[-1] == pd.Timestamp("2023-12-31 00:00", tz="UTC")
    assert frame["close"].iloc[-1] == 42283.58
    assert find_gaps(frame, "1d").empty


def test_binance_4h_file_has_16_missing_bars_in_8_runs(shared_data):
    frame, meta = read_candle_file(shared_data / "crypto" / "binance_BTCUSDT_4h.csv")
    gaps = find_gaps(frame, meta.timeframe)

    assert meta.layout == "timestamp_text" and meta.timeframe == "4h"
    assert frame.index[0] == OPEN and frame["open"].iloc[0] == 4261.48
    assert frame["close"].iloc[-1] == 42283.58
    assert gaps["missing"].sum() == 16 and len(gaps) == 8
    first = gaps.iloc[0]
    assert first["start"] == pd.Timestamp("2018-02-08 04:00", tz="UTC")
    assert first["end"] == pd.Timestamp("2018-02-09 04:00", tz="UTC")
    assert first["missing"] == 7
    assert len(frame) + 16 == len(pd.date_range(frame.index[0], frame.index[-1], freq="4h"))


def test_kucoin_hourly_file(shared_data):
    frame, meta = read_candle_file(shared_data / "crypto" / "kucoin_BTC_USDT_1h.csv")

    assert meta == CandleFileMeta("kucoin", "BTC/USDT", "1h", "datetime_text")
    assert len(frame) == 17520
    assert frame.index[0] == pd.Timestamp("2022-01-01", tz="UTC")
    assert frame.iloc[0].tolist() == [46216.4, 46767.3, 46210.4, 46649.2, 341.08253092]
    assert find_gaps(frame, "1h").empty


def test_find_candle_file_searches_subfolders_of_the_shared_data(shared_data):
    found = find_candle_file(shared_data, "binance", "ETH/USDT", "4h")

    assert found == shared_data / "crypto" / "binance_ETHUSDT_4h.csv"


# --- layouts and the frame contract -------------------------------------------------------


def test_every_layout_reads_the_same_candles(tmp_path):
    ms = with_rows(FOUR_HOURS, ("timestamp,", "timestamp,"),
                   ("2017-08-17 04:00:00", "1502942400000"),
                   ("2017-08-17 08:00:00", "1502956800000"),
                   ("2017-08-17 12:00:00", "1502971200000"))
    files = {
        "timestamp_text": write(tmp_path, "binance_BTCUSDT_4h.csv", FOUR_HOURS),
        "datetime_text": write(tmp_path, "kucoin_BTC_USDT_4h.csv",
                               FOUR_HOURS.replace("timestamp,", "datetime,")),
        "timestamp_ms": write(tmp_path, "bitstamp_BTCUSDT_4h.csv", ms),
    }
    frames = {}
    for layout, path in files.items():
        frame, meta = read_candle_file(path)
        assert meta.layout == layout and meta.symbol == "BTC/USDT"
        frames[layout] = frame

    reference = frames["timestamp_text"]
    for frame in frames.values():
        pd.testing.assert_frame_equal(frame, reference)
    assert reference.index.name == "open_time"
    assert str(reference.index.dtype) == "datetime64[ns, UTC]"
    assert list(reference.columns) == ["open", "high", "low", "close", "volume"]
    assert (reference.dtypes == "float64").all()
    assert reference.loc[OPEN].tolist() == [4261.48, 4349.99, 4261.32, 4349.99, 82.088865]


def test_binance_klines_keep_only_ohlcv(tmp_path):
    frame, meta = read_candle_file(write(tmp_path, "binance_BTCUSDT_1d.csv", KLINES))

    assert meta.layout == "binance_klines"
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert frame.index[1] == pd.Timestamp("2017-08-18", tz="UTC")
    assert frame["volume"].iloc[1] == 1199.888264


def test_iso_times_with_an_offset_are_converted_to_utc(tmp_path):
    text = with_rows(FOUR_HOURS, ("2017-08-17 04:00:00", "2017-08-17T13:00:00+09:00"))

    frame, _ = read_candle_file(write(tmp_path, "binance_BTCUSDT_4h.csv", text))

    assert frame.index[0] == OPEN


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("binance_BTCUSDT_1d.csv", ("binance", "BTC/USDT", "1d")),
        ("binance_BTCUSDT_4h.csv", ("binance", "BTC/USDT", "4h")),
        ("kucoin_BTC_USDT_1h.csv", ("kucoin", "BTC/USDT", "1h")),
        ("binance_ETHBTC_1d.csv", ("binance", "ETH/BTC", "1d")),
        ("coinbase_BTCUSD_15m.csv", ("coinbase", "BTC/USD", "15m")),
        ("binance_WBTCUSDT_1w.csv", ("binance", "WBTC/USDT", "1w")),
        ("binance_BTCBUSD_1M.csv", ("binance", "BTC/BUSD", "1M")),
        ("kraken_XBT_EUR_1d.csv", ("kraken", "XBT/EUR", "1d")),
        ("bitflyer_BTCJPY_1m.csv", ("bitflyer", "BTC/JPY", "1m")),
    ],
)
def test_name_parser(name, expected):
    meta = parse_candle_file_name(Path("some") / "folder" / name)

    assert (meta.exchange, meta.symbol, meta.timeframe) == expected
    assert meta.layout is None
    assert CANDLE_FILE_PATTERN.match(name)


@pytest.mark.parametrize(
    "name",
    ["btc.csv", "binance_BTCXYZ_1d.csv", "binance_BTCUSDT_1day.csv", "Binance_BTCUSDT_1d.csv",
     "binance_BTCUSDT_1d.parquet", "yahoo_JPY=X.csv", "fred_DGS10.csv", "binance_BTCUSDT_0h.csv"],
)
def test_names_that_are_not_candle_files(name):
    assert CANDLE_FILE_PATTERN.match(name) is None
    with pytest.raises(DataContractError, match=r"is not a candle file name; rename it "
                       r"<exchange>_<SYMBOL>_<timeframe>\.csv"):
        parse_candle_file_name(name)


def test_find_candle_file_prefers_the_top_folder_and_matches_either_symbol_form(tmp_path):
    (tmp_path / "crypto").mkdir()
    nested = write(tmp_path / "crypto", "kucoin_BTC_USDT_1h.csv", FOUR_HOURS)
    top = write(tmp_path, "binance_BTCUSDT_4h.csv", FOUR_HOURS)
    write(tmp_path / "crypto", "binance_BTC_USDT_4h.csv", FOUR_HOURS)
    write(tmp_path, "notes.csv", "a,b\n")

    assert find_candle_file(tmp_path, "binance", "BTC/USDT", "4h") == top
    assert find_candle_file(tmp_path, "KuCoin", "BTCUSDT", "1h") == nested
    assert find_candle_file(tmp_path, "binance", "ETH/USDT", "4h") is None
    assert find_candle_file(tmp_path, "binance", "BTC/USDT", "1h") is None


def test_find_candle_file_needs_a_folder(tmp_path):
    with pytest.raises(DataContractError, match="is not a folder; pass an existing one"):
        find_candle_file(tmp_path / "missing", "binance", "BTC/USDT", "1d")


# --- repairs -------------------------------------------------------------------------------


def test_unsorted_rows_are_sorted_with_a_warning(tmp_path):
    header, first, second, third = FOUR_HOURS.splitlines()
    path = write(tmp_path, "binance_BTCUSDT_4h.csv", "\n".join([header, third, first, second]))

    with pytest.warns(DataRepairWarning, match="not in time order; sorted them"):
        frame, _ = read_candle_file(path)

    assert frame.index.is_monotonic_increasing
    assert frame["open"].iloc[0] == 4261.48


def test_duplicate_candles_keep_the_last_row_with_a_warning(tmp_path):
    header, first, second, _ = FOUR_HOURS.splitlines()
    again = first.replace("82.088865", "90.0")
    path = write(tmp_path, "binance_BTCUSDT_4h.csv", "\n".join([header, first, again, second]))

    with pytest.warns(DataRepairWarning, match=r"1 candle\(s\) appeared twice, e\.g\. "
                      r"2017-08-17T04:00:00\+00:00; kept the last row"):
        frame, _ = read_candle_file(path)

    assert len(frame) == 2 and frame.index.is_unique
    assert frame.loc[OPEN, "volume"] == 90.0


def test_a_clean_file_reads_without_warnings(tmp_path):
    path = write(tmp_path, "binance_BTCUSDT_4h.csv", FOUR_HOURS)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_candle_file(path)


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (FOUR_HOURS.replace(",close,", ",last,"),
         r"line 1 \(header\) lacks column\(s\) close; the header must name"),
        (FOUR_HOURS.replace("timestamp,", "time,"),
         r"line 1 \(header\) lacks column\(s\) open_time\|timestamp\|datetime;"),
        (with_rows(FOUR_HOURS, ("4333.32,4485.39", ",4485.39")),
         r"line 3: open is missing, zero or negative \(''\); fix or delete the row"),
        (with_rows(FOUR_HOURS, ("4427.3,", "0,"), ("4352.34,", "-1,")),
         r"line 3: close is missing, zero or negative \('0'\) \(and 1 more row\(s\)\)"),
        (with_rows(FOUR_HOURS, ("174.562001", "-3")),
         r"line 4: volume is missing or negative \('-3'\)"),
        (with_rows(FOUR_HOURS, ("2017-08-17 08:00:00", "17/08/2017 8am")),
         r"line 3: timestamp is not a date and time \('17/08/2017 8am'\); write UTC candle "
         r"opens as YYYY-MM-DD HH:MM:SS"),
        (with_rows(FOUR_HOURS, ("2017-08-17 12:00:00", "2017-08-17 12:30:00")),
         r"line 4: candle open is off the 4h grid \('2017-08-17 12:30:00\+00:00'\); check "
         r"the timeframe in the file name"),
    ],
)
def test_bad_4h_files(tmp_path, text, pattern):
    path = write(tmp_path, "binance_BTCUSDT_4h.csv", text)

    with pytest.raises(DataContractError, match=re.escape(str(path)) + ": " + pattern):
        read_candle_file(path)


def test_daily_candles_in_a_file_named_4h(tmp_path):
    path = write(tmp_path, "binance_BTCUSDT_4h.csv", KLINES)

    with pytest.raises(DataContractError, match="mostly 1 days 00:00:00 apart, not 4h as the "
                       "name says; rename the file"):
        read_candle_file(path)


def test_seconds_instead_of_milliseconds(tmp_path):
    text = KLINES.replace("1502928000000,", "1502928000,")

    with pytest.raises(DataContractError, match=r"line 2: open_time is not in milliseconds "
                       r"\('1502928000'\); multiply seconds by 1000"):
        read_candle_file(write(tmp_path, "binance_BTCUSDT_1d.csv", text))


def test_a_header_without_candles(tmp_path):
    path = write(tmp_path, "binance_BTCUSDT_4h.csv", FOUR_HOURS.splitlines()[0] + "\n")

    with pytest.raises(DataContractError, match="has a header but no candles"):
        read_candle_file(path)


def test_a_badly_named_file_is_refused_before_reading(tmp_path):
    path = write(tmp_path, "btc_daily.csv", FOUR_HOURS)

    with pytest.raises(DataContractError, match=r"'btc_daily\.csv' is not a candle file name"):
        read_candle_file(path)


# --- gaps ----------------------------------------------------------------------------------


def test_find_gaps_reports_runs():
    opens = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-07"], tz="UTC")
    frame = pd.DataFrame({"close": 1.0}, index=opens.as_unit("ns").rename("open_time"))

    gaps = find_gaps(frame, "1d")

    assert gaps["start"].tolist() == [pd.Timestamp("2024-01-03", tz="UTC"),
                                      pd.Timestamp("2024-01-06", tz="UTC")]
    assert gaps["end"].tolist() == [pd.Timestamp("2024-01-04", tz="UTC"),
                                     pd.Timestamp("2024-01-06", tz="UTC")]
    assert gaps["missing"].tolist() == [2, 1]
    assert str(gaps["missing"].dtype) == "int64"


def test_find_gaps_of_monthly_candles_and_of_a_single_candle():
    opens = pd.DatetimeIndex(["2024-01-01", "2024-04-01"], tz="UTC").rename("open_time")
    frame = pd.DataFrame({"close": [1.0, 2.0]}, index=opens)

    gaps = find_gaps(frame, "1M")

    assert gaps["missing"].tolist() == [2]
    assert gaps["end"].iloc[0] == pd.Timestamp("2024-03-01", tz="UTC")
    assert find_gaps(frame.iloc[:1], "1M").empty


def test_find_gaps_rejects_a_timeframe_it_cannot_read():
    opens = pd.DatetimeIndex(["2024-01-01", "2024-01-03"], tz="UTC")
    frame = pd.DataFrame({"close": [1.0, 2.0]}, index=opens)

    with pytest.raises(DataContractError, match="'4hours' is not a ccxt timeframe"):
        find_gaps(frame, "4hours")


def test_the_name_to_save_candles_under_is_read_back_as_the_same_candles():
    assert candle_file_name("Binance", "XRP/USDT", "1d") == "binance_XRPUSDT_1d.csv"
    meta = parse_candle_file_name(candle_file_name("kucoin", "ETH/USDT", "4h"))
    assert (meta.exchange, meta.symbol, meta.timeframe) == ("kucoin", "ETH/USDT", "4h")
