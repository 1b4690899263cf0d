"""The registry of risk-off components: what each reads, how it is standardised, its weight.

A :class:`Component` ties a pure signal function to the macro series it reads and to how
the composite treats its output: the trailing window that standardises it, how old its
last reading may be before it drops out, and its default weight. The built-in components
are listed in :func:`builtin_components`. Third parties add theirs without forking, in
two ways:

* the :func:`component` decorator on a signal function (or :func:`register`);
* an installed package declaring an entry point in the ``riskoff.signals`` group that
  names a module (its decorators register on import) or a :class:`Component`::

      [project.entry-points."riskoff.signals"]
      jgb_2s10s = "riskoff_custom_signal"

A registered component takes part in everything the built-in ones do: default weights,
weights files, ``riskoff score``, reports and the lookahead checks. Plug-ins are found
when the registry is first used; :func:`refresh_plugins` looks again (after installing one
in a running notebook).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import pandas as pd

from signals.errors import ConfigError

__all__ = ["ENTRY_POINT_GROUP", "FREQUENCIES", "STANDARDIZATIONS", "Component", "PluginWarning",
           "component", "components", "get_component", "refresh_plugins", "register"]

ENTRY_POINT_GROUP = "riskoff.signals"


class PluginWarning(UserWarning):
    """A plug-in component could not be loaded or clashes with one already registered."""

#: Per observation frequency: z-score lookback and warm-up (observations), and the age
#: after which a component's last reading is too stale to use.
FREQUENCIES: Mapping[str, tuple[int, int, pd.Timedelta]] = MappingProxyType({
    "daily": (504, 252, pd.Timedelta(days=10)),     # 2 years; holidays such as Golden Week
    "weekly": (104, 52, pd.Timedelta(days=21)),     # CFTC: 2 years; a late holiday release
    "monthly": (60, 24, pd.Timedelta(days=75)),     # TIC: 5 years; one release missed
})

#: How a raw reading becomes comparable (see :func:`signals.score.standardize.standardize`):
#: a trailing z-score of the frequency's window (speed), a five-year z-score, or the
#: level's percentile over ten years or all history (regime).
STANDARDIZATIONS = ("zscore", "zscore_5y", "percentile_10y", "percentile_all")


@dataclass(frozen=True)
class Component:
    """One risk-off component.

    Attributes
    ----------
    name : str
        Unique name; also the name of the function's output and of its score column.
    family : str
        Group for people: ``jgb``, ``yen``, ``treasuries``, ``carry``, ``cross_asset``,
        ``holdings``, or a plug-in's own.
    func : callable
        The pure signal function (raw output, positive = risk-off).
    inputs : mapping
        Function parameter -> macro name, all required.
    optional : mapping
        Function parameter -> macro name, passed when that series has data.
    weight : float
        Default weight in the composite (relative; they need not sum to one).
    frequency : str
        ``daily``, ``weekly`` or ``monthly``: sets `lookback`, `min_periods`, `max_age`.
    description : str
        One line for people.
    standardize : str
        One of :data:`STANDARDIZATIONS`; ``"zscore"`` (the frequency's trailing window)
        unless the component reads a level against its long history.
    """

    name: str
    family: str
    func: Callable[..., pd.Series]
    inputs: Mapping[str, str]
    weight: float
    description: str
    frequency: str = "daily"
    optional: Mapping[str, str] = field(default_factory=dict)
    standardize: str = "zscore"

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ConfigError(f"component {self.name!r}: frequency must be one of "
                              f"{', '.join(FREQUENCIES)}; got {self.frequency!r}")
        if self.standardize not in STANDARDIZATIONS:
            raise ConfigError(f"component {self.name!r}: standardize must be one of "
                              f"{', '.join(STANDARDIZATIONS)}; got {self.standardize!r}")
        if not (self.weight >= 0):
            raise ConfigError(f"component {self.name!r}: weight must be >= 0")

    @property
    def lookback(self) -> int:
        """Observations in the trailing z-score window."""
        return FREQUENCIES[self.frequency][0]

    @property
    def min_periods(self) -> int:
        """Observations before the first z-score (warm-up)."""
        return FREQUENCIES[self.frequency][1]

    @property
    def max_age(self) -> pd.Timedelta:
        """How old the last reading may be before the component drops out."""
        return FREQUENCIES[self.frequency][2]

    def compute(self, macro: Mapping[str, pd.Series], **params) -> pd.Series | None:
        """The raw reading from `macro`, or ``None`` when a required input has no data."""
        if any(name not in macro for name in self.inputs.values()):
            return None
        kwargs = {param: macro[name] for param, name in self.inputs.items()}
        kwargs.update({param: macro[name] for param, name in self.optional.items()
                       if name in macro})
        try:
            return self.func(**kwargs, **params)
        except TypeError as exc:
            if params and "unexpected keyword" in str(exc):
                raise ConfigError(f"component {self.name!r} does not take {exc}; its "
                                  "parameters are in its docstring") from exc
            raise


_REGISTRY: dict[str, Component] = {}
_PLUGINS_LOADED = False


def builtin_components() -> list[Component]:
    """The components shipped with riskoff, as the research protocol configured them.

    Each is written below with its designed weight (they sum to 1.0) and standardisation;
    the protocol's picks (:data:`signals.defaults.DEFAULTS`, docs/choice.md) then replace
    the standardisation per component (rule 1) and give the repatriation family, designed
    at weight 0, its share of the total when rule 2 lets it in (the others scaled down pro
    rata). Give any component a weight to use it
    (``risk_off_score(weights={"jgb_10y_level": 0.05})``).
    """
    from signals.defaults import DEFAULTS, family_entry_weights

    designed = _designed_components()
    weights = family_entry_weights({c.name: (c.family, c.weight) for c in designed},
                                   "repatriation", DEFAULTS.repatriation_weight)
    return [replace(c, weight=weights[c.name],
                    standardize=DEFAULTS.standardize.get(c.name, c.standardize))
            for c in designed]


def _designed_components() -> list[Component]:
    """The built-in components with their designed weights and standardisations."""
    from signals.families import carry, cross_asset, holdings, jgb, repatriation, treasuries, yen

    def c(func, family, weight, description, frequency="daily", optional=None,
          standardize="zscore", **inputs):
        return Component(func.__name__, family, func, inputs, weight, description,
                         frequency, optional or {}, standardize)

    return [
        c(jgb.jgb_10y_rise, "jgb", 0.08, "10Y JGB yield rising (bp over 20 days)",
          jgb_10y="jgb_10y"),
        c(jgb.jgb_superlong_jump, "jgb", 0.06, "30Y/40Y JGB yields jumping (bp over 5 days)",
          optional={"jgb_40y": "jgb_40y"}, jgb_30y="jgb_30y"),
        c(jgb.jgb_curve_steepening, "jgb", 0.04, "JGB 10s30s curve steepening (bp, 20 days)",
          jgb_10y="jgb_10y", jgb_30y="jgb_30y"),
        c(jgb.boj_hike_pricing, "jgb", 0.05, "2Y JGB pricing BoJ hikes (bp over 20 days)",
          jgb_2y="jgb_2y"),
        c(yen.yen_rally, "yen", 0.10, "yen appreciating (% over 5 days)", usdjpy="usdjpy"),
        c(yen.usdjpy_drawdown, "yen", 0.07, "USD/JPY below its 60-day high (%)",
          usdjpy="usdjpy"),
        c(yen.yen_vol_ratio, "yen", 0.06, "USD/JPY volatility, 10-day vs 60-day",
          usdjpy="usdjpy"),
        c(treasuries.ust_yield_spike, "treasuries", 0.07,
          "10Y/30Y Treasury yields spiking (bp over 5 days)",
          optional={"ust_30y": "ust_30y"}, ust_10y="ust_10y"),
        c(treasuries.ust_realized_vol, "treasuries", 0.05,
          "10Y Treasury yield volatility (bp a year, 20 days)", ust_10y="ust_10y"),
        c(treasuries.move_level, "treasuries", 0.03, "MOVE implied Treasury volatility",
          move="move"),
        c(carry.carry_compression, "carry", 0.07,
          "US-Japan 2Y differential compressing (bp over 20 days)",
          ust_2y="ust_2y", jgb_2y="jgb_2y"),
        c(carry.carry_to_risk_drop, "carry", 0.06, "carry-to-risk falling (20 days)",
          ust_2y="ust_2y", jgb_2y="jgb_2y", usdjpy="usdjpy"),
        c(carry.cftc_short_covering, "carry", 0.05,
          "speculators covering yen shorts (pp of open interest, 3 weeks)", "weekly",
          noncomm_long="cftc_jpy_noncomm_long", noncomm_short="cftc_jpy_noncomm_short",
          open_interest="cftc_jpy_open_interest"),
        c(carry.cftc_crowded_short, "carry", 0.02,
          "speculators crowded short the yen (% of open interest)", "weekly",
          noncomm_long="cftc_jpy_noncomm_long", noncomm_short="cftc_jpy_noncomm_short",
          open_interest="cftc_jpy_open_interest"),
        c(cross_asset.nikkei_drawdown, "cross_asset", 0.05, "Nikkei below its 60-day high (%)",
          nikkei="nikkei"),
        c(cross_asset.vix_jump, "cross_asset", 0.06, "VIX jumping (% over 5 days)", vix="vix"),
        c(cross_asset.audjpy_drop, "cross_asset", 0.04, "AUD/JPY falling (% over 5 days)",
          audjpy="audjpy"),
        c(holdings.japan_treasury_selling, "holdings", 0.04,
          "Japan's Treasury holdings falling (% over 3 months)", "monthly",
          tic_japan="tic_japan"),
        c(repatriation.jgb_10y_level, "repatriation", 0.0,
          "10Y JGB yield against its ten-year history (%)", standardize="percentile_10y",
          jgb_10y="jgb_10y"),
        c(repatriation.jgb_superlong_high, "repatriation", 0.0,
          "30Y/40Y JGB yield below its five-year high (bp, 0 at a high)",
          optional={"jgb_40y": "jgb_40y"}, standardize="percentile_10y", jgb_30y="jgb_30y"),
        c(repatriation.rate_differential_low, "repatriation", 0.0,
          "US-Japan 10Y differential narrow against its ten-year history (pp, negated)",
          standardize="percentile_10y", ust_10y="ust_10y", jgb_10y="jgb_10y"),
        c(repatriation.hedged_pickup_drop, "repatriation", 0.0,
          "JGB 10Y minus the FX-hedged Treasury 10Y yield (pp)", standardize="percentile_10y",
          ust_10y="ust_10y", jgb_10y="jgb_10y", ust_3m="ust_3m", jgb_1y="jgb_1y"),
        c(repatriation.japan_foreign_bond_selling, "repatriation", 0.0,
          "Japan's net selling of foreign bonds over 4 weeks (100 million JPY, MOF weekly)",
          "weekly", japan_foreign_bond_net="japan_foreign_bond_net"),
    ]


def register(component: Component) -> Component:
    """Add a component to the registry (plug-ins); its name must be new.

    Registering the very same component again (a module imported twice) does nothing.
    """
    _load()
    known = _REGISTRY.get(component.name)
    if known is not None and known.func is not component.func:
        raise ConfigError(f"a component named {component.name!r} is already registered "
                          f"(from {known.func.__module__}); choose another name")
    _REGISTRY[component.name] = component
    return component


def component(*, inputs: Mapping[str, str], weight: float = 0.05, family: str = "plugin",
              description: str | None = None, frequency: str = "daily",
              optional: Mapping[str, str] | None = None, name: str | None = None):
    """Register the decorated signal function as a component.

    Parameters
    ----------
    inputs : mapping
        Function parameter -> macro name, e.g. ``{"jgb_2y": "jgb_2y"}``.
    weight : float
        Default weight (the built-in weights sum to 1).
    family : str
        Group shown in reports.
    description : str, optional
        One line; default the first line of the function's docstring.
    frequency : {"daily", "weekly", "monthly"}
        Sets the z-score window and how old a reading may get.
    optional : mapping, optional
        Parameters passed only when their series has data.
    name : str, optional
        Default the function's name.

    Returns
    -------
    callable
        The decorator; the function itself is returned unchanged.
    """
    def decorate(func: Callable[..., pd.Series]) -> Callable[..., pd.Series]:
        line = description or (func.__doc__ or func.__name__).strip().splitlines()[0]
        register(Component(name or func.__name__, family, func, dict(inputs), weight, line,
                           frequency, dict(optional or {})))
        return func

    return decorate


def _load() -> None:
    global _PLUGINS_LOADED
    if not _REGISTRY:
        for built_in in builtin_components():
            _REGISTRY[built_in.name] = built_in
    if not _PLUGINS_LOADED:
        _PLUGINS_LOADED = True  # before loading: plug-ins call register() while importing
        _load_plugins()


def _load_plugins() -> None:
    """Import every ``riskoff.signals`` entry point; a broken one warns and is skipped."""
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = point.load()
            for item in loaded if isinstance(loaded, list | tuple) else [loaded]:
                if isinstance(item, Component):
                    register(item)
        except Exception as exc:  # a third party's bug must not stop riskoff
            warnings.warn(f"plug-in {point.name!r} ({point.value}) was not loaded: "
                          f"{type(exc).__name__}: {exc}", PluginWarning, stacklevel=3)


def refresh_plugins() -> None:
    """Look for ``riskoff.signals`` entry points again (e.g. after ``pip install``)."""
    global _PLUGINS_LOADED
    import importlib

    importlib.invalidate_caches()
    _PLUGINS_LOADED = False
    _load()


def components() -> dict[str, Component]:
    """Every registered component by name, built-in first."""
    _load()
    return dict(_REGISTRY)


def get_component(name: str) -> Component:
    """The component named `name`, with a close-name hint when it is unknown."""
    known = components()
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown component {name!r}.{hint} Known: {', '.join(known)}")
    return known[name]
