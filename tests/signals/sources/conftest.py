import pytest


@pytest.fixture
def fresh_yfinance(tmp_path, monkeypatch):
    """A new yfinance state per test: its session singleton, caches and tz fallback counter.

    yfinance keeps one process-wide ``YfData`` (session, cookie, crumb) and on-disk sqlite
    caches; each test gets its own, under tmp_path, and the originals come back afterwards.
    """
    import yfinance as yf
    import yfinance.base
    import yfinance.cache as cache
    import yfinance.data

    monkeypatch.setattr(yfinance.data.SingletonMeta, "_instances", {})
    monkeypatch.setattr(yfinance.base, "_tz_info_fetch_ctr", 0)
    managers = (cache._TzDBManager, cache._CookieDBManager, cache._ISINDBManager)
    for manager in managers:
        monkeypatch.setattr(manager, "_cache_dir", manager._cache_dir)
        monkeypatch.setattr(manager, "_db", None)
    monkeypatch.setattr(cache._TzCacheManager, "_tz_cache", None)
    monkeypatch.setattr(cache._CookieCacheManager, "_Cookie_cache", None)
    monkeypatch.setattr(cache._ISINCacheManager, "_isin_cache", None)
    yf.set_tz_cache_location(str(tmp_path / "yfinance-cache"))
    yield
    for manager in managers:
        manager.close_db()
