"""The candles room: BTC/ETH OHLCV from exchanges (ccxt), saved files and the store.

``exchanges`` (ccxt paging, retries and the fallback chain), ``files`` (candle files in the
exchanges' layouts) and ``prices`` (:func:`backtests.load_prices`).

May import: :mod:`signals`. Imports no other room of :mod:`backtests`.
"""
