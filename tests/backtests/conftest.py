import warnings

import pytest

import backtests
import signals


@pytest.fixture(scope="session")
def real_scores(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        macro = signals.load_macro(store=tmp_path_factory.mktemp("macro"))
    return signals.risk_off_score(macro)


@pytest.fixture(scope="session")
def bundled_prices(tmp_path_factory):
    store = signals.Store(tmp_path_factory.mktemp("candles"))
    return {symbol: backtests.load_prices(symbol, "1d", store=store)
            for symbol in ("BTC/USDT", "ETH/USDT")}
