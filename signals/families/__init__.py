"""The families room: the components, one module per family of risk-off readings.

The families read the macro series and return one reading each, positive = risk-off, in raw
units: ``jgb``, ``yen``, ``treasuries``, ``carry``, ``cross_asset``, ``holdings``. Beside them:
``registry`` (every component with its inputs, family and default weight, plus plug-ins),
``transforms`` (changes, drawdowns, realised volatility) and ``asof`` (several series on one
availability calendar). Components do no I/O.

May import: :mod:`signals.data` (input checks), :mod:`signals.sources` (the catalog) and the
foundation (``signals.errors``, ``signals.times``).
"""
