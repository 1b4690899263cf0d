"""The score room: component readings in, the 0-100 risk-off score out, onto candles.

``standardize`` (trailing z-scores), ``weights`` (validated weight sets), ``panel`` (the
components on one timeline, with staleness that fades), ``methods``, ``turbulence`` and
``learned`` (the aggregation methods, listed in :data:`METHODS`), ``composite``
(:func:`signals.risk_off_score`: the score, its regime, coverage and contributions),
``align`` (:func:`signals.align_to_bars`, the one place slow data meets candles) and
``lookahead`` (:func:`signals.check_lookahead`).

May import: :mod:`signals.families`, :mod:`signals.data`, :mod:`signals.sources` and the
foundation.
"""

from signals.score.methods import METHODS

__all__ = ["METHODS"]
