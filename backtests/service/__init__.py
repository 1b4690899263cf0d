"""The service room: the score as a local HTTP service for bots in any language.

``app`` (the FastAPI application: the live reading, its history, components, inputs,
health, Prometheus metrics and a manual refresh) and ``server`` (running it with uvicorn).
It reads the same SQLite store as notebooks and bots, concurrently.

May import: :mod:`backtests.report`, :mod:`backtests.candles` and :mod:`signals`.
"""
