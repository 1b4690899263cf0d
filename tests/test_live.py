"""Real publishers and exchanges. Skipped by default; run with ``pytest --live -m live``."""

import pandas as pd
import pytest

from signals.sources.registry import get_source

pytestmark = pytest.mark.live

RECENT = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize() - pd.Timedelta(days=45)


@pytest.mark.parametrize("name", ["mof", "mof_week", "treasury", "fred", "yahoo", "cboe", "cftc",
                                  "tic"])
def test_each_source_serves_recent_values_in_its_documented_shape(name):
    source = get_source(name)
    since = RECENT - pd.Timedelta(days=120) if name == "tic" else RECENT
    fetch = source.fetches[0]
    obs = fetch.run(None, since)
    assert len(obs) > 0, f"{fetch.label} returned nothing since {since.date()}"
    assert set(obs["series"]) <= set(fetch.series)
    assert (obs["available_at"] > obs["date"].dt.tz_localize("UTC")).all()
    assert obs["available_at"].max() <= pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)


def test_the_exchange_serves_closed_daily_candles():
    from backtests.candles.exchanges import fetch_ohlcv_range

    result = fetch_ohlcv_range("BTC/USDT", "1d", start=pd.Timestamp.now(tz="UTC")
                               - pd.Timedelta(days=10))
    frame = result.frame
    assert 5 <= len(frame) <= 10
    assert (frame.index + pd.Timedelta(days=1) <= pd.Timestamp.now(tz="UTC")).all()
