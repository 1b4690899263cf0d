"""riskoff signals: macro data in, risk-off scores out.

The public surface is listed in ``__all__``. Names are imported on first use, so that
``import signals`` is instant and pandas, ccxt and yfinance load only when needed.

The code sits in rooms, in the order the data flow: :mod:`signals.sources` (publishers),
:mod:`signals.data` (store, downloads, bundled data, ``load_macro``),
:mod:`signals.families` (the components), :mod:`signals.score` (the composite, alignment,
lookahead checks) and :mod:`signals.bots` (what a live bot reads). Each imports only the
rooms before it; ``errors``, ``times`` and ``lazy`` are the foundation under all of them.

Data
    :func:`load_macro` (every macro series with its availability times, as
    :class:`MacroData`), :class:`Store` (the local SQLite store).
Scores
    :func:`risk_off_score` (the 0-100 score, its regime and every component's
    contribution), :func:`current_score` (the current reading of a scores frame: its last
    row scored from fresh data, with its age), :class:`Weights`, :func:`components`,
    :func:`component_readings`, :data:`REGIMES`.
Components (each positive = risk-off, raw units; see :mod:`signals.families.registry`)
    JGB: :func:`jgb_10y_rise`, :func:`jgb_superlong_jump`, :func:`jgb_curve_steepening`,
    :func:`boj_hike_pricing`. Yen: :func:`yen_rally`, :func:`usdjpy_drawdown`,
    :func:`yen_vol_ratio`. Treasuries: :func:`ust_yield_spike`, :func:`ust_realized_vol`,
    :func:`move_level`. Carry: :func:`carry_compression`, :func:`carry_to_risk_drop`,
    :func:`cftc_short_covering`, :func:`cftc_crowded_short`. Cross-asset:
    :func:`nikkei_drawdown`, :func:`vix_jump`, :func:`audjpy_drop`. Holdings:
    :func:`japan_treasury_selling`. Repatriation (levels against their long history,
    weight 0 until the research protocol decides): :func:`jgb_10y_level`,
    :func:`jgb_superlong_high`, :func:`rate_differential_low`, :func:`hedged_pickup_drop`,
    :func:`japan_foreign_bond_selling` (the MOF's weekly flows).
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
    "repatriation": ("jgb_10y_level", "jgb_superlong_high", "rate_differential_low",
                     "hedged_pickup_drop", "japan_foreign_bond_selling"),
}

_EXPORTS = {
    **{name: f"signals.families.{module}"
       for module, names in _COMPONENTS.items() for name in names},
    "risk_off_score": "signals.score.composite",
    "component_readings": "signals.score.composite",
    "current_score": "signals.score.composite",
    "REGIMES": "signals.score.composite",
    "Weights": "signals.score.weights",
    "components": "signals.families.registry",
    "component": "signals.families.registry",
    "refresh_plugins": "signals.families.registry",
    "Component": "signals.families.registry",
    "align_to_bars": "signals.score.align",
    "asof_frame": "signals.families.asof",
    "check_series": "signals.data.validate",
    "check_lookahead": "signals.score.lookahead",
    "LookaheadReport": "signals.score.lookahead",
    "latest": "signals.bots.live",
    "LiveReading": "signals.bots.live",
    "RiskGate": "signals.bots.gate",
    "load_macro": "signals.data.macro",
    "MacroData": "signals.data.macro",
    "BundledDataWarning": "signals.data.macro",
    "Store": "signals.data.store",
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
    "current_score",
    "hedged_pickup_drop",
    "japan_foreign_bond_selling",
    "japan_treasury_selling",
    "jgb_10y_level",
    "jgb_10y_rise",
    "jgb_curve_steepening",
    "jgb_superlong_high",
    "jgb_superlong_jump",
    "latest",
    "load_macro",
    "move_level",
    "nikkei_drawdown",
    "rate_differential_low",
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
    from signals.bots.gate import RiskGate
    from signals.bots.live import LiveReading, latest
    from signals.data.macro import BundledDataWarning, MacroData, load_macro
    from signals.data.store import Store
    from signals.data.validate import check_series
    from signals.errors import ConfigError, DataContractError, DataSourceError, RiskoffError
    from signals.families.asof import asof_frame
    from signals.families.carry import (
        carry_compression,
        carry_to_risk_drop,
        cftc_crowded_short,
        cftc_short_covering,
    )
    from signals.families.cross_asset import audjpy_drop, nikkei_drawdown, vix_jump
    from signals.families.holdings import japan_treasury_selling
    from signals.families.jgb import (
        boj_hike_pricing,
        jgb_10y_rise,
        jgb_curve_steepening,
        jgb_superlong_jump,
    )
    from signals.families.registry import Component, component, components, refresh_plugins
    from signals.families.repatriation import (
        hedged_pickup_drop,
        japan_foreign_bond_selling,
        jgb_10y_level,
        jgb_superlong_high,
        rate_differential_low,
    )
    from signals.families.treasuries import move_level, ust_realized_vol, ust_yield_spike
    from signals.families.yen import usdjpy_drawdown, yen_rally, yen_vol_ratio
    from signals.score.align import align_to_bars
    from signals.score.composite import (
        REGIMES,
        component_readings,
        current_score,
        risk_off_score,
    )
    from signals.score.lookahead import LookaheadReport, check_lookahead
    from signals.score.weights import Weights


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
