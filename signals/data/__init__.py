"""The data room: publishers' observations kept, merged and handed on with their times.

``store`` (the local SQLite store), ``update`` (downloads from the sources into the store),
``datadir`` (a user's saved publisher files), ``bundled`` (the package's offline files),
``restamp`` (stored stamps kept on the current availability rules),
``macro`` (:func:`signals.load_macro`: bundled, stored and file layers merged into one
``MacroData``) and ``validate`` (the input checks every component runs).

May import: :mod:`signals.sources` and the foundation (``signals.errors``, ``signals.times``).
"""
