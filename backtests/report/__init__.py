"""The report room: frames drawn as charts and HTML (matplotlib, inline SVG, no script).

``charts`` (one figure per view), ``page`` (the self-contained HTML report and its
sections) and ``plotting`` (``result.plot()``). They take results as arguments and import
no other room of :mod:`backtests`, so that results can show themselves with them.

May import: :mod:`signals`.
"""
