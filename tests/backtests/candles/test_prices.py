import shutil
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

import backtests.candles.exchanges
from backtests import FallbackExchangeWarning, StaleCandlesWarning, load_prices
from backtests.candles.exchanges import OHLCVFetch
from signals import ConfigError, DataSourceError, Store
from tests.backtests.candles.test_exchanges import Clients, binance_routes, four_days

DAY = 86_400_000
NEW_YEAR_2024 = 1_704_067_200_000


def no_network(exchange_id):
    pytest.fail(f"the network was used ({exchange_id})")


def klines_from(first_ms: int, days: int, close: float = 42000.0) -> list[list]:
    """Binance-shaped daily klines starting at `first_ms`."""
    rows = []
    for i in range(days):
        t = first_ms + i * DAY
        c = close + i
        rows.append([t, f"{c - 5}", f"{c + 50}", f"{c - 60}", f"{c}", "100.0", t + DAY - 1,
                     "4200000.0", 1000, "50.0", "2100000.0", "0"])
    return rows


def test_bundled_daily_btc_works_offline_with_golden_values():
    btc = load_prices("BTC/USDT", client_factory=no_network)
    assert btc.index.name == "open_time" and str(btc.index.tz) == "UTC"
    assert list(btc.columns) == ["open", "high", "low", "close", "volume"]
    assert btc.index[0] == pd.Timestamp("2017-08-17", tz="UTC")
    assert btc.loc["2017-08-17", "open"].item() == 4261.48
    assert btc.loc["2023-12-31", "close"].item() == 42283.58
    assert btc.attrs == {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1d",
                         "origin": "bundled+store"}
    eth = load_prices("ETH/USDT", start="2023-12-01", end="2023-12-31",
                      client_factory=no_network)
    assert len(eth) == 31 and eth.loc["2023-12-31", "close"].item() == 2281.87


def test_a_data_dir_file_is_read_instead_of_the_store(shared_data, tmp_path):
    (tmp_path / "crypto").mkdir()
    shutil.copy(shared_data / "crypto" / "binance_BTCUSDT_4h.csv", tmp_path / "crypto")
    frame = load_prices("BTC/USDT", "4h", data_dir=tmp_path, client_factory=no_network)
    assert len(frame) == 13951 and frame.attrs["origin"] == "file"
    assert frame.index[-1] == pd.Timestamp("2023-12-31 20:00", tz="UTC")


def test_a_missing_data_dir_file_names_the_expected_name(tmp_path):
    with pytest.raises(ConfigError, match=r"expected binance_ETHUSDT_1h\.csv"):
        load_prices("ETH/USDT", "1h", data_dir=tmp_path)


@pytest.mark.parametrize(("symbol", "hint"), [("BTCUSDT", "Did you mean 'BTC/USDT'"),
                                              ("eth-usdt", "Did you mean 'ETH/USDT'")])
def test_a_symbol_without_a_slash_gets_a_hint(symbol, hint):
    with pytest.raises(ConfigError, match=hint):
        load_prices(symbol)


def test_a_bad_timeframe_is_a_clear_error():
    with pytest.raises(ConfigError, match="timeframe '1 day' is not valid"):
        load_prices("BTC/USDT", "1 day")


def test_refresh_downloads_after_the_bundled_data_and_stores_it():
    page = klines_from(NEW_YEAR_2024, 5)
    clients = Clients().add("binance", binance_routes([(200, page), (200, [])]))
    frame = load_prices("BTC/USDT", refresh=True, fallbacks=(), client_factory=clients)
    assert frame.index[-1] == pd.Timestamp("2024-01-05", tz="UTC")
    first_call = parse_qs(urlparse(clients.adapters["binance"].calls[1]).query)
    assert first_call["startTime"] == [str(NEW_YEAR_2024)]  # right after 2023-12-31's candle
    again = load_prices("BTC/USDT", client_factory=no_network)
    assert again.index[-1] == pd.Timestamp("2024-01-05", tz="UTC")


def test_a_download_failing_on_page_two_keeps_page_one_and_resumes_after_it():
    page_one = klines_from(NEW_YEAR_2024, 3)
    invalid = (400, {"code": -1100, "msg": "Illegal characters found in parameter"})
    clients = Clients().add("binance", binance_routes([(200, page_one), invalid]))
    with pytest.warns(StaleCandlesWarning, match="Returning the stored candles"):
        frame = load_prices("BTC/USDT", refresh=True, fallbacks=(), client_factory=clients)
    assert frame.index[-1] == pd.Timestamp("2024-01-03", tz="UTC")  # page one was kept

    page_two = klines_from(NEW_YEAR_2024 + 3 * DAY, 2)
    clients = Clients().add("binance", binance_routes([(200, page_two), (200, [])]))
    frame = load_prices("BTC/USDT", refresh=True, fallbacks=(), client_factory=clients)
    resumed = parse_qs(urlparse(clients.adapters["binance"].calls[1]).query)
    assert resumed["startTime"] == [str(NEW_YEAR_2024 + 3 * DAY)]
    assert frame.index[-1] == pd.Timestamp("2024-01-05", tz="UTC")


def test_with_nothing_stored_a_refusal_is_an_error():
    clients = Clients().add("binance", {"/api/v3/exchangeInfo": (451, {"code": 0, "msg": "x"})})
    with pytest.raises(DataSourceError, match="binance"):
        load_prices("BTC/USDT", "4h", fallbacks=(), client_factory=clients)
    assert Store().read_candles("binance", "BTC/USDT", "4h").empty


def test_candles_from_a_fallback_exchange_are_filed_under_it(monkeypatch):
    days = four_days()
    index = pd.to_datetime([k[0] for k in days], unit="ms", utc=True).rename("open_time")
    page = pd.DataFrame([[float(v) for v in k[1:6]] for k in days], index=index,
                        columns=["open", "high", "low", "close", "volume"])
    page.attrs["exchange"] = "okx"

    def fake_fetch(symbol, timeframe, *, on_page, **kwargs):
        on_page(page)
        return OHLCVFetch(frame=page, exchange="okx", symbol=symbol, timeframe=timeframe,
                          pages=1, complete=True)

    monkeypatch.setattr(backtests.candles.exchanges, "fetch_ohlcv_range", fake_fetch)
    with pytest.warns(FallbackExchangeWarning, match="binance refused BTC/USDT; candles came "
                                                     "from okx"):
        frame = load_prices("BTC/USDT", "1w")
    assert frame.attrs["exchange"] == "okx" and len(frame) == 4
    store = Store()
    assert len(store.read_candles("okx", "BTC/USDT", "1w")) == 4
    assert store.read_candles("binance", "BTC/USDT", "1w").empty
