"""The service room: the score as a local HTTP service for bots in any language.

``app`` (the FastAPI application: the live reading, its history, components, inputs,
health, Prometheus metrics, a manual refresh and the event stream), ``schemas`` (the shapes
of its answers, as its OpenAPI description publishes them), ``limits`` (rate limits per
client address), ``schedule`` (downloads on each publisher's release calendar) and
``dashboard`` (the page at ``/``). ``riskoff serve`` runs the app with uvicorn. It reads
the same SQLite store as notebooks and bots, concurrently.

May import: :mod:`backtests.report`, :mod:`backtests.candles` and :mod:`signals`.
"""
