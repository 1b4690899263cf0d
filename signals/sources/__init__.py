"""One module per publisher: fetch raw bytes, parse them, stamp each value's availability.

Every source module exposes ``SOURCE``, a :class:`signals.sources.base.Source` that the
store, ``load_macro`` and ``riskoff data update`` drive the same way. Parsers are pure
functions of the raw bytes, so the live loaders, the bundled files and a user's
``--data-dir`` all go through one code path.

``catalog`` lists every series the publishers provide, with its unit and plausible range,
and the macro names users see. May import: the foundation only (``signals.errors``,
``signals.times``).
"""
