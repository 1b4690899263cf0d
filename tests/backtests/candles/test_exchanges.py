"""fetch_ohlcv_range through the real ccxt request/parse/error path on recorded raw replies."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import ccxt
import pandas as pd
import pytest
import requests

from backtests.candles.exchanges import (
    EARLIEST_START,
    HistoryUnavailableWarning,
    OHLCVFetch,
    fetch_ohlcv_range,
    make_client,
)
from backtests.candles.files import OHLCV_COLUMNS
from signals.errors import DataContractError, DataSourceError
from tests import FIXTURES
from tests.replay import ReplayAdapter, paths

FIX = FIXTURES / "ccxt"
DAY = 86_400_000
NEW_YEAR_2024 = 1_704_067_200_000  # 2024-01-01 00:00 UTC, ms
KLINES = "/api/v3/klines"
OKX_CANDLES = "/api/v5/market/candles"  # okx's endpoint for its latest 1440 candles
RESTRICTED = {
    "code": 0,
    "msg": "Service unavailable from a restricted location according to 'b. Eligibility' in "
    "https://www.binance.com/en/terms. Please contact customer service if you believe you "
    "received this message in error.",
}


def load(name: str):
    return json.loads((FIX / name).read_text())


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def kline_calls(adapter: ReplayAdapter) -> list[dict[str, str]]:
    return [query(u) for u in adapter.calls if urlparse(u).path == KLINES]


class Clients:
    """A client factory over real ccxt instances, each answering from a ReplayAdapter."""

    def __init__(self) -> None:
        self.adapters: dict[str, ReplayAdapter] = {}
        self.routes: dict[str, dict] = {}
        self.built: list[str] = []

    def add(self, exchange_id: str, routes: dict) -> Clients:
        self.routes[exchange_id] = routes
        return self

    def __call__(self, exchange_id: str) -> ccxt.Exchange:
        self.built.append(exchange_id)
        options = {"fetchMarkets": {"types": ["spot"]}} if exchange_id != "kraken" else {}
        client = getattr(ccxt, exchange_id)({"enableRateLimit": False, "options": options})
        client.milliseconds = lambda: NEW_YEAR_2024  # okx picks its endpoint by the clock
        adapter = ReplayAdapter(self.routes.get(exchange_id, {}))
        client.session.mount("https://", adapter)
        self.adapters[exchange_id] = adapter
        return client


def binance_routes(klines) -> dict:
    return {"/api/v3/exchangeInfo": (200, load("binance_exchangeInfo_spot.json")), KLINES: klines}


def okx_routes(candles) -> dict:
    instruments = load("okx_instruments_spot.json")
    return {"/api/v5/public/instruments": (200, instruments), OKX_CANDLES: candles}


def four_days() -> list[list]:
    """2023-12-28 .. 2023-12-31 BTC/USDT daily klines, binance's raw shape."""
    return load("binance_klines_BTCUSDT_1d_2023-12-28.json")


def raw_klines(bundled: Path) -> list[list]:
    """Every BTC/USDT daily kline of the real file, as binance serves them (strings kept)."""
    with open(bundled / "crypto" / "binance_BTCUSDT_1d.csv", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [[int(r[0]), *r[1:6], int(r[6]), r[7], int(r[8]), *r[9:12]] for r in rows]


def expected_frame(klines: list[list]) -> pd.DataFrame:
    index = pd.to_datetime([k[0] for k in klines], unit="ms", utc=True).as_unit("ns")
    values = [[float(v) for v in k[1:6]] for k in klines]
    return pd.DataFrame(values, index=index.rename("open_time"), columns=list(OHLCV_COLUMNS))


def fetch(clients: Clients, **kwargs) -> OHLCVFetch:
    kwargs.setdefault("fallbacks", ())
    kwargs.setdefault("now", NEW_YEAR_2024)
    kwargs.setdefault("sleep", lambda seconds: pytest.fail(f"unexpected sleep({seconds})"))
    return fetch_ohlcv_range("BTC/USDT", kwargs.pop("timeframe", "1d"), client_factory=clients,
                             **kwargs)


# --- pagination -----------------------------------------------------------------------------


def test_three_pages_of_1000_rebuild_the_whole_daily_file(bundled):
    klines = raw_klines(bundled)
    assert len(klines) == 2328
    pages = [klines[:1000], klines[1000:2000], klines[2000:]]
    clients = Clients().add("binance", binance_routes([(200, p) for p in pages]))
    handed: list[pd.DataFrame] = []

    result = fetch(clients, on_page=handed.append)

    calls = kline_calls(clients.adapters["binance"])
    assert [int(c["startTime"]) for c in calls] == [
        int(EARLIEST_START.value // 1_000_000),
        klines[1000][0],
        klines[2000][0],
    ]
    assert {c["limit"] for c in calls} == {"1000"}
    assert {c["endTime"] for c in calls} == {str(NEW_YEAR_2024 - 1)}
    assert result.exchange == "binance" and result.pages == 3 and result.complete
    assert [len(p) for p in handed] == [1000, 1000, 328]
    pd.testing.assert_frame_equal(result.frame, expected_frame(klines))
    assert result.frame.index[0] == pd.Timestamp("2017-08-17", tz="UTC")
    assert result.frame["open"].iloc[0] == 4261.48
    assert result.frame["close"].iloc[-1] == 42283.58


def test_page_size_is_read_from_the_exchange_features():
    days = four_days()
    clients = Clients().add("binance", binance_routes([(200, days[:2]), (200, days[2:])]))

    def small_pages(exchange_id):
        client = clients(exchange_id)
        client.features["spot"]["fetchOHLCV"]["limit"] = 2
        return client

    result = fetch_ohlcv_range("BTC/USDT", "1d", fallbacks=(), start="2023-12-28",
                               client_factory=small_pages, now=NEW_YEAR_2024)

    calls = kline_calls(clients.adapters["binance"])
    assert [c["limit"] for c in calls] == ["2", "2"]
    assert [int(c["startTime"]) for c in calls] == [days[0][0], days[2][0]]
    assert result.pages == 2 and len(result.frame) == 4


@pytest.mark.parametrize(
    "now", [pd.Timestamp("2023-12-31 12:00", tz="UTC"), NEW_YEAR_2024 - 12 * 3_600_000]
)
def test_the_still_forming_candle_is_dropped(now):
    clients = Clients().add("binance", binance_routes((200, four_days())))
    handed: list[pd.DataFrame] = []

    result = fetch(clients, start="2023-12-28", now=now, on_page=handed.append)

    assert result.frame.index[-1] == pd.Timestamp("2023-12-30", tz="UTC")
    assert len(result.frame) == 3 and len(handed[0]) == 3
    calls = kline_calls(clients.adapters["binance"])
    assert len(calls) == 1
    assert calls[0]["endTime"] == str(int(pd.Timestamp("2023-12-31 12:00", tz="UTC").value
                                          // 1_000_000) - 1)


def test_frame_meets_the_ohlcv_contract():
    clients = Clients().add("binance", binance_routes((200, four_days())))

    frame = fetch(clients, start="2023-12-28").frame

    assert frame.index.name == "open_time"
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert list(frame.columns) == list(OHLCV_COLUMNS)
    assert (frame.dtypes == "float64").all()
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    pd.testing.assert_frame_equal(frame, expected_frame(four_days()))


def test_nothing_closed_yet_returns_an_empty_frame_without_a_request():
    clients = Clients().add("binance", binance_routes((200, four_days())))

    result = fetch(clients, start=NEW_YEAR_2024 - 3_600_000)

    assert result.frame.empty and result.pages == 0 and result.complete
    assert list(result.frame.columns) == list(OHLCV_COLUMNS)
    assert clients.adapters["binance"].calls == []


def test_an_exchange_that_repeats_old_candles_is_stopped():
    clients = Clients().add("binance", binance_routes((200, four_days())))

    def stuck(exchange_id):
        client = clients(exchange_id)
        client.fetch_ohlcv = lambda *args, **kwargs: [[1703721600000, 1.0, 1.0, 1.0, 1.0, 1.0]]
        return client

    result = fetch_ohlcv_range("BTC/USDT", "1d", fallbacks=(), start="2023-12-30",
                               client_factory=stuck, now=NEW_YEAR_2024)

    assert not result.complete and result.frame.empty
    assert "kept answering candles before 2023-12-30" in result.note


def test_windowed_exchange_skips_an_empty_window_before_the_listing():
    start = pd.Timestamp("2023-12-28", tz="UTC") - pd.Timedelta(days=400)
    empty = {"code": "0", "msg": "", "data": []}
    clients = Clients().add(
        "okx", okx_routes([(200, empty), (200, load("okx_candles_BTCUSDT_1d_2023-12-28.json"))])
    )

    result = fetch_ohlcv_range("BTC/USDT", "1d", exchange="okx", fallbacks=(), start=start,
                               client_factory=clients, now=NEW_YEAR_2024)

    calls = [query(u) for u in clients.adapters["okx"].calls if OKX_CANDLES in u]
    first_since = int(start.value // 1_000_000)
    second_since = first_since + 300 * DAY
    assert [int(c["before"]) for c in calls] == [first_since - 1, second_since - 1]
    assert [int(c["after"]) for c in calls] == [second_since - 1, NEW_YEAR_2024 - 1]
    pd.testing.assert_frame_equal(result.frame, expected_frame(four_days()))
    assert result.exchange == "okx"


def test_kraken_serving_only_recent_candles_warns_and_marks_incomplete(bundled):
    latest = raw_klines(bundled)[-720:]
    ohlc = [[k[0] // 1000, k[1], k[2], k[3], k[4], k[4], k[5], k[8]] for k in latest]
    clients = Clients().add("kraken", {
        "/0/public/Assets": (200, load("kraken_Assets.json")),
        "/0/public/AssetPairs": (200, load("kraken_AssetPairs.json")),
        "/0/public/OHLC": (200, {"error": [], "result": {"XBTUSDT": ohlc, "last": ohlc[-1][0]}}),
    })

    capped = "kraken served BTC/USDT only from 2022-01-11"
    with pytest.warns(HistoryUnavailableWarning, match=capped):
        result = fetch(clients, exchange="kraken", start="2020-01-01")

    assert not result.complete and "most recent candles" in result.note
    assert len(result.frame) == 720
    assert result.frame.index[0] == pd.Timestamp("2022-01-11", tz="UTC")


# --- retries and fallbacks -----------------------------------------------------------------


def test_http_429_is_retried_with_backoff():
    too_much = (429, {"code": -1003, "msg": "Too much request weight used"})
    clients = Clients().add("binance", binance_routes([too_much, (200, four_days())]))
    waits: list[float] = []

    result = fetch(clients, start="2023-12-28", sleep=waits.append)

    assert waits == [1.0]
    assert len(kline_calls(clients.adapters["binance"])) == 2
    assert len(result.frame) == 4


def test_backoff_doubles_then_an_unreachable_exchange_hands_over_to_the_next():
    timeout = requests.exceptions.ReadTimeout("Read timed out")
    clients = (
        Clients()
        .add("binance", binance_routes([(503, ""), (503, ""), timeout]))
        .add("okx", okx_routes((200, load("okx_candles_BTCUSDT_1d_2023-12-28.json"))))
    )
    waits: list[float] = []

    result = fetch(clients, start="2023-12-28", fallbacks=("okx",), max_retries=2,
                   sleep=waits.append)

    assert waits == [1.0, 2.0]
    assert result.exchange == "okx"
    assert result.skipped[0][0] == "binance"
    assert "no answer in time: RequestTimeout" in result.skipped[0][1]


def test_a_timeout_is_not_retried():
    timeout = requests.exceptions.ReadTimeout("Read timed out")
    clients = Clients().add("binance", binance_routes(timeout))
    with pytest.raises(DataSourceError, match="binance: no answer in time: RequestTimeout"):
        fetch(clients, start="2023-12-28")
    assert len(kline_calls(clients.adapters["binance"])) == 1


@pytest.mark.parametrize(("body", "named"), [
    (b"<!DOCTYPE html><html>maintenance</html>", "an HTML page instead of JSON"),
    (b"", "an empty body instead of JSON"),
    (b'[[1703721600000,"42514.0","43', "a body that is not whole JSON"),
])
def test_a_reply_that_is_not_json_is_named_not_called_no_candles(body, named):
    clients = Clients().add("binance", binance_routes((200, body)))
    with pytest.raises(DataSourceError, match=f"binance: answered {named}"):
        fetch(clients, start="2023-12-28")


@pytest.mark.parametrize(("field", "value", "reason"), [
    (4, "0.00", "close 0 is not a positive price"),
    (2, "1.0", "high 1 is below max"),
    (3, "99999999", "low 1e[+]08 is above min"),
    (5, "-3", "volume -3 is negative"),
])
def test_an_implausible_candle_is_not_handed_over(field, value, reason):
    from backtests.candles.checks import BadCandleWarning

    klines = four_days()
    klines[2] = [*klines[2][:field], value, *klines[2][field + 1:]]
    clients = Clients().add("binance", binance_routes((200, klines)))
    pages = []
    with pytest.warns(BadCandleWarning, match=reason):
        result = fetch(clients, start="2023-12-28", on_page=pages.append)
    # the two candles before it are kept; it and those after it are fetched next time
    assert list(result.frame.index) == list(expected_frame(four_days()[:2]).index)
    assert not result.complete and "the next refresh fetches it again" in result.note
    assert sum(len(p) for p in pages) == 2


def test_a_candle_off_the_grid_is_implausible():
    from backtests.candles.checks import candle_problems

    frame = expected_frame(four_days())
    frame.index = frame.index[:3].append(frame.index[3:] + pd.Timedelta(hours=1))
    problems = candle_problems(frame, 86_400_000)
    assert problems.tolist() == ["opens off the 1440-minute grid"]


def test_http_451_moves_to_the_fallback_at_once():
    clients = (
        Clients()
        .add("binance", {"/api/v3/exchangeInfo": (451, RESTRICTED)})
        .add("okx", okx_routes((200, load("okx_candles_BTCUSDT_1d_2023-12-28.json"))))
    )

    handed: list[pd.DataFrame] = []

    result = fetch(clients, start="2023-12-28", fallbacks=("okx",), on_page=handed.append)

    assert result.exchange == "okx"
    assert handed[0].attrs == {"exchange": "okx", "symbol": "BTC/USDT", "timeframe": "1d"}
    assert clients.built == ["binance", "okx"]
    assert paths(clients.adapters["binance"].calls) == ["/api/v3/exchangeInfo"]
    assert "refuses this region" in result.skipped[0][1]
    okx_call = query(clients.adapters["okx"].calls[-1])
    assert okx_call["instId"] == "BTC-USDT" and okx_call["bar"] == "1Dutc"
    pd.testing.assert_frame_equal(result.frame, expected_frame(four_days()))


def test_failure_after_pages_were_handed_over_raises_and_never_splices():
    days = four_days()
    clients = (
        Clients()
        .add("binance", binance_routes([(200, days[:1]), (200, days[1:2]), (503, "")]))
        .add("okx", okx_routes((200, load("okx_candles_BTCUSDT_1d_2023-12-28.json"))))
    )
    handed: list[pd.DataFrame] = []

    def one_per_page(exchange_id):
        client = clients(exchange_id)
        client.features["spot"]["fetchOHLCV"]["limit"] = 1
        return client

    with pytest.raises(DataSourceError, match=r"ccxt:binance BTC/USDT: page 3 failed .*"
                       r"after 2 page\(s\) with 2 candles.*resume with "
                       r"start=2023-12-30T00:00:00\+00:00") as caught:
        fetch_ohlcv_range("BTC/USDT", "1d", fallbacks=("okx",), start="2023-12-28",
                          client_factory=one_per_page, on_page=handed.append,
                          now=NEW_YEAR_2024, max_retries=1, sleep=lambda s: None)

    assert [f.index[0].day for f in handed] == [28, 29]
    assert "startTime=1703894400000" in caught.value.url
    assert "okx" not in clients.built


def test_other_exchange_errors_are_final():
    illegal = (400, {"code": -1100, "msg": "Illegal characters found in parameter 'symbol'."})
    clients = Clients().add("binance", binance_routes(illegal))

    with pytest.raises(DataSourceError, match=r"ccxt:binance BTC/USDT: BadRequest.*-1100"):
        fetch(clients, start="2023-12-28", fallbacks=("okx",))

    assert clients.built == ["binance"]


def test_symbol_unknown_everywhere_names_the_format_and_close_symbols():
    clients = (
        Clients()
        .add("binance", binance_routes((200, four_days())))
        .add("okx", okx_routes((200, {"code": "0", "msg": "", "data": []})))
    )

    with pytest.raises(DataSourceError, match=r"binance: unknown symbol .*close: BTC/USDT.*"
                       r"okx: unknown symbol.*unified format BASE/QUOTE, e\.g\. 'BTC/USDT'"):
        fetch_ohlcv_range("BTC/USD", "1d", fallbacks=("okx",), client_factory=clients,
                          now=NEW_YEAR_2024)


def test_binance_invalid_symbol_answer_is_a_bad_symbol():
    invalid = (400, {"code": -1121, "msg": "Invalid symbol."})
    clients = Clients().add("binance", binance_routes(invalid))

    with pytest.raises(DataSourceError, match=r"binance: unknown symbol .*Invalid symbol"):
        fetch(clients, start="2023-12-28")


def test_empty_first_page_is_no_candles():
    clients = Clients().add("binance", binance_routes((200, [])))

    with pytest.raises(DataSourceError, match=r"binance: no candles between "
                       r"2017-01-01T00:00:00.*and 2017-06-01"):
        fetch(clients, start="2017-01-01", end="2017-06-01")


# --- arguments -----------------------------------------------------------------------------


def test_unknown_exchange_suggests_a_close_id():
    clients = Clients()

    with pytest.raises(DataContractError, match="unknown exchange 'binanse'; did you mean binance"):
        fetch(clients, exchange="binanse")

    assert clients.built == []


def test_timeframe_not_offered_lists_the_valid_ones():
    with pytest.raises(DataContractError, match=r"'4hours' is not offered by binance; "
                       r"valid: 1s, 1m, 3m.*1d, 3d, 1w, 1M"):
        fetch(Clients(), timeframe="4hours")


def test_a_fallback_without_the_timeframe_is_skipped():
    clients = Clients().add("binance", {"/api/v3/exchangeInfo": (451, RESTRICTED)})

    with pytest.raises(DataSourceError, match="coinbase: does not offer the 4h timeframe"):
        fetch(clients, timeframe="4h", fallbacks=("coinbase",))


def test_start_must_be_before_end():
    with pytest.raises(DataContractError, match=r"start .* must be before end"):
        fetch(Clients(), start="2023-01-02", end="2023-01-01")


def test_a_start_that_is_not_a_time_is_rejected():
    with pytest.raises(DataContractError, match="start='last tuesday' is not a time"):
        fetch(Clients(), start="last tuesday")


def test_default_client_loads_spot_markets_only_and_throttles():
    binance = make_client("binance")
    kraken = make_client("kraken")

    assert binance.enableRateLimit and kraken.enableRateLimit
    assert binance.options["fetchMarkets"]["types"] == ["spot"]
    assert kraken.options.get("fetchMarkets") is None


@pytest.mark.live
def test_live_binance_daily_candles():
    end = pd.Timestamp.now(tz="UTC").normalize()
    result = fetch_ohlcv_range("BTC/USDT", "1d", start=end - pd.Timedelta(days=5), end=end)

    assert 1 <= len(result.frame) <= 5
    assert (result.frame["close"] > 0).all()


def test_no_network_at_all_is_retried_once_per_exchange_not_five_times():
    waits: list[float] = []
    clients = Clients().add("binance", {"/api/v3/exchangeInfo":
                                        requests.ConnectionError("Name or service not known")})
    with pytest.raises(DataSourceError, match="binance"):
        fetch(clients, sleep=waits.append)
    assert waits == [1.0]
