import os
import shutil
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


CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through selenium; skipped where absent, never under CI."""
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium and chromium-driver (.ci/run installs "
                        "them)")
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()
