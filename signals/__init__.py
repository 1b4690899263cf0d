"""riskoff signals: macro data in, risk-off scores out.

The public surface is listed in ``__all__``. Names are imported on first use, so that
``import signals`` is instant and pandas, ccxt and yfinance load only when needed.

Data
    :func:`load_macro` (every macro series with its availability times, as
    :class:`MacroData`), :class:`Store` (the local SQLite store).
Scores
    :func:`risk_off_score` (the 0-100 score, its regime and every component's
    contribution), :class:`Weights`, :func:`components`, :func:`component_readings`,
    :data:`REGIMES`.
Components (each positive = risk-off, raw units; see :mod:`signals.registry`)
    JGB: :func:`jgb_10y_rise`, :func:`jgb_superlong_jump`, :func:`jgb_curve_steepening`,
    :func:`boj_hike_pricing`. Yen: :func:`yen_rally`, :func:`usdjpy_drawdown`,
    :func:`yen_vol_ratio`. Treasuries: :func:`ust_yield_spike`, :func:`ust_realized_vol`,
    :func:`move_level`. Carry: :func:`carry_compression`, :func:`carry_to_risk_drop`,
    :func:`cftc_short_covering`, :func:`cftc_crowded_short`. Cross-asset:
    :func:`nikkei_drawdown`, :func:`vix_jump`, :func:`audjpy_drop`. Holdings:
    :func:`japan_treasury_selling`.
Live
    :func:`latest` (the reading as of now for a bot: score, freshness, a verdict; never
    raises on bad data), :class:`LiveReading`, :class:`RiskGate` (risk on or off with
    hysteresis, state kept on disk, alerts on regime change).
Honest time
    :func:`align_to_bars` (scores onto candles at their close), :func:`check_lookahead`
    (does a signal change its past when the future is cut off?).
Writing your own component
    :func:`component` (the decorator that registers one; packages can also declare a
    ``riskoff.signals`` entry point), :func:`refresh_plugins`, :func:`asof_frame` (several
    series side by side, each as known at every time), :func:`check_series` (the input
    checks every signal runs).
Errors
    :class:`RiskoffError` and its children :class:`DataSourceError`,
    :class:`DataContractError`, :class:`ConfigError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signals.lazy import lazy_exports

__version__ = "0.1.0"

_COMPONENTS = {
    "jgb": ("jgb_10y_rise", "jgb_superlong_jump", "jgb_curve_steepening", "boj_hike_pricing"),
    "yen": ("yen_rally", "usdjpy_drawdown", "yen_vol_ratio"),
    "treasuries": ("ust_yield_spike", "ust_realized_vol", "move_level"),
    "carry": ("carry_compression", "carry_to_risk_drop", "cftc_short_covering",
              "cftc_crowded_short"),
    "cross_asset": ("nikkei_drawdown", "vix_jump", "audjpy_drop"),
    "holdings": ("japan_treasury_selling",),
}

_EXPORTS = {
    **{name: f"signals.{module}" for module, names in _COMPONENTS.items() for name in names},
    "risk_off_score": "signals.composite",
    "component_readings": "signals.composite",
    "REGIMES": "signals.composite",
    "Weights": "signals.weights",
    "components": "signals.registry",
    "component": "signals.registry",
    "refresh_plugins": "signals.registry",
    "Component": "signals.registry",
    "align_to_bars": "signals.align",
    "asof_frame": "signals.combine",
    "check_series": "signals.validate",
    "check_lookahead": "signals.lookahead",
    "LookaheadReport": "signals.lookahead",
    "latest": "signals.live",
    "LiveReading": "signals.live",
    "RiskGate": "signals.gate",
    "load_macro": "signals.macro",
    "MacroData": "signals.macro",
    "BundledDataWarning": "signals.macro",
    "Store": "signals.store",
    "RiskoffError": "signals.errors",
    "DataSourceError": "signals.errors",
    "DataContractError": "signals.errors",
    "ConfigError": "signals.errors",
}

__all__ = [
    "REGIMES",
    "BundledDataWarning",
    "Component",
    "ConfigError",
    "DataContractError",
    "DataSourceError",
    "LiveReading",
    "LookaheadReport",
    "MacroData",
    "RiskGate",
    "RiskoffError",
    "Store",
    "Weights",
    "align_to_bars",
    "asof_frame",
    "audjpy_drop",
    "boj_hike_pricing",
    "carry_compression",
    "carry_to_risk_drop",
    "cftc_crowded_short",
    "cftc_short_covering",
    "check_lookahead",
    "check_series",
    "component",
    "component_readings",
    "components",
    "japan_treasury_selling",
    "jgb_10y_rise",
    "jgb_curve_steepening",
    "jgb_superlong_jump",
    "latest",
    "load_macro",
    "move_level",
    "nikkei_drawdown",
    "refresh_plugins",
    "risk_off_score",
    "usdjpy_drawdown",
    "ust_realized_vol",
    "ust_yield_spike",
    "vix_jump",
    "yen_rally",
    "yen_vol_ratio",
]

if TYPE_CHECKING:
    from signals.align import align_to_bars
    from signals.carry import (
        carry_compression,
        carry_to_risk_drop,
        cftc_crowded_short,
        cftc_short_covering,
    )
    from signals.combine import asof_frame
    from signals.composite import REGIMES, component_readings, risk_off_score
    from signals.cross_asset import audjpy_drop, nikkei_drawdown, vix_jump
    from signals.errors import ConfigError, DataContractError, DataSourceError, RiskoffError
    from signals.gate import RiskGate
    from signals.holdings import japan_treasury_selling
    from signals.jgb import (
        boj_hike_pricing,
        jgb_10y_rise,
        jgb_curve_steepening,
        jgb_superlong_jump,
    )
    from signals.live import LiveReading, latest
    from signals.lookahead import LookaheadReport, check_lookahead
    from signals.macro import BundledDataWarning, MacroData, load_macro
    from signals.registry import Component, component, components, refresh_plugins
    from signals.store import Store
    from signals.treasuries import move_level, ust_realized_vol, ust_yield_spike
    from signals.validate import check_series
    from signals.weights import Weights
    from signals.yen import usdjpy_drawdown, yen_rally, yen_vol_ratio


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
