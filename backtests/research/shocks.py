"""Market shocks and the risk-off score they would give now.

:func:`shocked_reading` answers "what would the risk-off score be now if these market moves
happened?" Each shock (:class:`Shocks`, in market terms: percent for prices and holdings,
basis points for yields) sets the raw reading of the components it moves, by the table
below; every other component keeps its latest reading. A shocked raw reading is then
standardised against the component's own trailing history exactly as the composite does it:
:func:`signals.score.standardize.standardize` (a trailing z-score, or a level's long-history
percentile) over its history up to `as_of`, the shocked value in place of the latest one,
capped at ±3. The score is the
composite's default method on that row, ``50 + Σ 50 · (w_i / Σ w_active) · z_i / 3`` over
the components that count at `as_of` (with ``family``, ``w_i`` is the family's weight shared
among its components), so with no shock the reading *is* :func:`signals.risk_off_score` at
`as_of`.
:mod:`backtests.research.whatif` finds the past days that looked like the shocked reading.

How a shock becomes a raw reading
---------------------------------
A shock is read as the move over each component's own window (5 observations for the yen
rally, 20 for the 10Y JGB rise, 3 months for Japan's holdings...) and replaces the move the
component reads now. A drawdown (a level below a recent high) compounds the current one with
the move. A shock says nothing about the path it took, so no volatility is derived from it.

=================  ======================  ================================================
shock (unit)       component               shocked raw reading (component's unit)
=================  ======================  ================================================
usdjpy (Δ, %)      yen_rally               ``-100 ln(1 + Δ/100)`` (%): -8 % gives 8.34
usdjpy (Δ, %)      usdjpy_drawdown         ``max(0, 100 (1 - (1 - d/100)(1 + Δ/100)))``,
                                           ``d`` the current drawdown (%)
usdjpy (Δ, %)      audjpy_drop             ``-100 ln(1 + Δ/100)``: AUD/JPY = AUD/USD ×
                                           USD/JPY with AUD/USD held unchanged
ust10y (Δ, bp)     ust_yield_spike         ``Δ`` (the 30Y assumed to move alike)
ust2y, jgb2y (bp)  carry_compression       ``-(Δust2y - Δjgb2y)``, a leg not given is 0
jgb2y (Δ, bp)      boj_hike_pricing        ``Δ``
jgb10y (Δ, bp)     jgb_10y_rise            ``Δ``
jgb30y, jgb40y     jgb_superlong_jump      the larger of ``Δjgb30y`` and ``Δjgb40y`` (a tenor
(Δ, bp)                                    not given is assumed to move like the other)
jgb10y, jgb30y     jgb_curve_steepening    ``Δjgb30y - Δjgb10y``, a leg not given is 0
jgb10y (Δ, bp)     jgb_10y_level           ``x + Δ/100`` (pp)
jgb10y, ust10y     rate_differential_low,  ``x + (Δjgb10y - Δust10y)/100`` (pp), a leg not
                   hedged_pickup_drop      given is 0; short rates held unchanged
jgb30y, jgb40y     jgb_superlong_high      ``min(0, x + max(Δjgb30y, Δjgb40y))`` (bp below
                                           the five-year high of the closer tenor)
japan_holdings %   japan_treasury_selling  ``-Δ``
vix (Δ, %)         vix_jump                ``100 ln(1 + Δ/100)``
nikkei (Δ, %)      nikkei_drawdown         compounded like ``usdjpy_drawdown``
(none)             yen_vol_ratio,          kept at the current reading: a move of a given
                   carry_to_risk_drop,     size implies no volatility without its path,
                   ust_realized_vol,       and the CFTC positions and MOVE are not
                   move_level, cftc_*,     market moves a shock names
                   plug-in components
=================  ======================  ================================================

``jgb30y=record`` or ``jgb40y=record`` moves that yield to its five-year high as of
`as_of` (the shock becomes the bp distance to it; 0 when it is at its high already): the
seeds' scenario "the 40Y at a record" in market terms.

Only components that count at `as_of` can be moved; the others (no data, e.g. the Yahoo
series offline; warming up; stale) show their status in :attr:`Reading.table`. A shock that
moves none of its components (``vix`` or ``nikkei`` offline) is ignored with a
:class:`WhatIfWarning` and listed in :attr:`Reading.ignored`.
"""

from __future__ import annotations

import html
import math
import numbers
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from signals.defaults import DEFAULTS
from signals.errors import ConfigError, DataContractError
from signals.families.registry import get_component
from signals.score.composite import (
    _as_macro,
    _as_weights,
    component_readings,
    regime_of,
    risk_off_score,
)
from signals.score.methods import family_shares
from signals.score.standardize import standardize
from signals.times import to_utc

__all__ = ["RECORD_SHOCKS", "SHOCK_TARGETS", "SHOCK_UNITS", "Reading", "Shocks", "WhatIfWarning",
           "resolve_records", "shocked_reading"]

#: Unit of each shock: ``%`` (percent change) or ``bp`` (change in basis points).
SHOCK_UNITS: Mapping[str, str] = MappingProxyType({
    "usdjpy": "%", "ust10y": "bp", "ust2y": "bp", "jgb10y": "bp", "jgb30y": "bp",
    "jgb40y": "bp", "jgb2y": "bp", "japan_holdings": "%", "vix": "%", "nikkei": "%",
})

#: Shocks that also take the word ``record``: the yield moves to its five-year high.
RECORD_SHOCKS = ("jgb30y", "jgb40y")
#: The look-back of a "record", in observations of the yield (five years of market days).
RECORD_WINDOW = 5 * 252

#: The components each shock moves (see the module's table for how).
SHOCK_TARGETS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "usdjpy": ("yen_rally", "usdjpy_drawdown", "audjpy_drop"),
    "ust10y": ("ust_yield_spike", "rate_differential_low", "hedged_pickup_drop"),
    "ust2y": ("carry_compression",),
    "jgb2y": ("carry_compression", "boj_hike_pricing"),
    "jgb10y": ("jgb_10y_rise", "jgb_curve_steepening", "jgb_10y_level",
               "rate_differential_low", "hedged_pickup_drop"),
    "jgb30y": ("jgb_superlong_jump", "jgb_curve_steepening", "jgb_superlong_high"),
    "jgb40y": ("jgb_superlong_jump", "jgb_superlong_high"),
    "japan_holdings": ("japan_treasury_selling",),
    "vix": ("vix_jump",),
    "nikkei": ("nikkei_drawdown",),
})

#: Share of the total weight a past day must share with the shocked reading to be compared.
MIN_OVERLAP = 0.5

_EXAMPLE = {"%": "-8%", "bp": "+60bp"}
_UNIT_WORDS = {"%": "a percent change", "bp": "a change in basis points"}
_UNITS = {  # raw units of the built-in components, for the reading's table
    "jgb_10y_rise": "bp", "jgb_superlong_jump": "bp", "jgb_curve_steepening": "bp",
    "boj_hike_pricing": "bp", "yen_rally": "%", "usdjpy_drawdown": "%",
    "yen_vol_ratio": "ratio", "ust_yield_spike": "bp", "ust_realized_vol": "bp a year",
    "move_level": "index points", "carry_compression": "bp", "carry_to_risk_drop": "ratio",
    "cftc_short_covering": "pp of OI", "cftc_crowded_short": "% of OI",
    "nikkei_drawdown": "%", "vix_jump": "%", "audjpy_drop": "%",
    "japan_treasury_selling": "%", "jgb_10y_level": "%", "jgb_superlong_high": "bp",
    "rate_differential_low": "pp", "hedged_pickup_drop": "pp",
}
_NUMBER = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(%|bps?|pct)?", re.I)


class WhatIfWarning(UserWarning):
    """A shock moved nothing that counts, or fewer analogs than asked for were found."""


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


_KEYS = {_key(name): name for name in SHOCK_UNITS}


def _known() -> str:
    return ", ".join(f"{name} ({unit})" for name, unit in SHOCK_UNITS.items())


def _shock_name(name: str, item: str) -> str:
    """The field named `name` (any case, ``_``/``-`` optional), or a ConfigError."""
    found = _KEYS.get(_key(name))
    if found is None:
        import difflib

        close = difflib.get_close_matches(_key(name), list(_KEYS), n=1)
        hint = f" Did you mean {_KEYS[close[0]]!r}?" if close else ""
        raise ConfigError(f"shock {item!r}: unknown market {name!r}.{hint} Known: {_known()}")
    return found


@dataclass(frozen=True)
class Shocks:
    """Market moves to imagine, in market terms; ``None`` (the default) = no shock.

    Attributes
    ----------
    usdjpy : float, optional
        Percent change of USD/JPY; -8 = the yen 8 % stronger.
    ust10y, ust2y : float, optional
        Change of the 10Y / 2Y Treasury yield, in basis points (+60 = yields up 0.60 pp).
    jgb10y, jgb30y, jgb40y, jgb2y : float, optional
        Change of the 10Y / 30Y / 40Y / 2Y JGB yield, in basis points. ``jgb30y`` and
        ``jgb40y`` also take ``"record"``: the move to the yield's five-year high, resolved
        against the data as of the reading (:func:`resolve_records`).
    japan_holdings : float, optional
        Percent change of Japan's holdings of US Treasuries (TIC); -3 = 3 % fewer.
    vix : float, optional
        Percent change of the VIX; +50 = the VIX half as high again.
    nikkei : float, optional
        Percent change of the Nikkei 225; -10 = a 10 % fall.

    Raises
    ------
    ConfigError
        A value that is not a finite number, or a percent change of -100 or below.
    """

    usdjpy: float | None = None
    ust10y: float | None = None
    ust2y: float | None = None
    jgb10y: float | None = None
    jgb30y: float | str | None = None
    jgb40y: float | str | None = None
    jgb2y: float | None = None
    japan_holdings: float | None = None
    vix: float | None = None
    nikkei: float | None = None

    def __post_init__(self) -> None:
        for name, unit in SHOCK_UNITS.items():
            value = getattr(self, name)
            if value is None or (value == "record" and name in RECORD_SHOCKS):
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                    or not math.isfinite(value):
                raise ConfigError(f"shock {name} must be a finite number ({_UNIT_WORDS[unit]}, "
                                  f"e.g. {name}={_EXAMPLE[unit]}); got {value!r}")
            if unit == "%" and value <= -100:
                raise ConfigError(f"shock {name}={value:g}%: a price or holding cannot fall "
                                  f"100% or more; pass a change above -100%")
            object.__setattr__(self, name, float(value))

    @classmethod
    def parse(cls, items: str | Iterable[str]) -> Shocks:
        """Shocks from text such as ``["usdjpy=-8%", "ust10y=+60bp"]`` (the command line).

        Parameters
        ----------
        items : str or iterable of str
            ``name=value`` items; a string may hold several separated by commas. The value
            is a number with its unit (``%`` for prices and holdings; ``bp`` or ``bps`` for
            yields) or a plain number in that unit. Names ignore case, ``_`` and ``-``.

        Returns
        -------
        Shocks

        Raises
        ------
        ConfigError
            An item without ``=``, an unknown name, a value that is not a number, a unit
            that does not fit the market (``usdjpy=-8bp``, ``ust10y=0.6%``), or a name
            given twice; the message names the item and the expected unit.
        """
        texts = [items] if isinstance(items, str) else list(items)
        values: dict[str, float] = {}
        for text in texts:
            if not isinstance(text, str):
                raise ConfigError(f"shock {text!r} is not text; write e.g. usdjpy=-8%")
            for item in (part.strip() for part in text.split(",")):
                if not item:
                    continue
                name, sep, value = item.partition("=")
                if not sep or not name.strip():
                    raise ConfigError(f"shock {item!r} is not name=value; write e.g. "
                                      f"usdjpy=-8% or ust10y=+60bp")
                field_name = _shock_name(name.strip(), item)
                unit = SHOCK_UNITS[field_name]
                if field_name in values:
                    raise ConfigError(f"shock {item!r}: {field_name} is given twice; pass each "
                                      f"market once")
                if value.strip().lower() == "record" and field_name in RECORD_SHOCKS:
                    values[field_name] = "record"
                    continue
                match = _NUMBER.fullmatch(value.strip())
                if match is None:
                    raise ConfigError(f"shock {item!r}: {value.strip()!r} is not a number; "
                                      f"{field_name} is {_UNIT_WORDS[unit]}, write e.g. "
                                      f"{field_name}={_EXAMPLE[unit]}")
                given = (match[2] or "").lower()
                given = {"pct": "%", "bps": "bp"}.get(given, given)
                if given and given != unit:
                    raise ConfigError(f"shock {item!r}: {field_name} is {_UNIT_WORDS[unit]} "
                                      f"({unit}), not {given}; write e.g. "
                                      f"{field_name}={_EXAMPLE[unit]}")
                values[field_name] = float(match[1])
        return cls(**values)

    def given(self) -> dict[str, float]:
        """The shocks that are set, ``{name: value}`` in the fields' order."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}

    def describe(self) -> str:
        """The shocks in one line, e.g. ``"usdjpy -8%, ust10y +60bp"``."""
        parts = [f"{name} {value}" if isinstance(value, str)
                 else f"{name} {value:+g}{SHOCK_UNITS[name]}"
                 for name, value in self.given().items()]
        return ", ".join(parts) or "no shock"


def _as_shocks(shocks) -> Shocks:
    if shocks is None:
        return Shocks()
    if isinstance(shocks, Shocks):
        return shocks
    if isinstance(shocks, Mapping):
        return Shocks(**{_shock_name(name, f"{name}={value}"): value
                         for name, value in shocks.items()})
    if isinstance(shocks, str) or (isinstance(shocks, Iterable)
                                   and not isinstance(shocks, (bytes, pd.Series))):
        return Shocks.parse(shocks)
    raise ConfigError(f"shocks must be a Shocks, a mapping such as {{'usdjpy': -8}} or items "
                      f"such as ['usdjpy=-8%']; got {type(shocks).__name__}")


def resolve_records(shocks: Shocks, macro, as_of: pd.Timestamp) -> Shocks:
    """`shocks` with each ``"record"`` replaced by the bp move to that yield's five-year high.

    Parameters
    ----------
    shocks : Shocks
        The shocks; only ``jgb30y`` and ``jgb40y`` may hold ``"record"``.
    macro : mapping
        Macro series by name (``jgb_30y``, ``jgb_40y``), indexed by availability time.
    as_of : Timestamp
        "Now": the high and the latest yield are those available then.

    Returns
    -------
    Shocks
        Numbers only: the distance in bp from the latest yield to the highest of its last
        :data:`RECORD_WINDOW` observations (0 at a high).

    Raises
    ------
    DataContractError
        The yield has no value by `as_of`.
    """
    moves = {}
    for name in RECORD_SHOCKS:
        if getattr(shocks, name) != "record":
            continue
        series = f"jgb_{name[3:]}"
        known = macro[series].loc[:as_of].dropna() if series in macro else pd.Series(dtype=float)
        if known.empty:
            raise DataContractError(f"shock {name}=record: no {series} value by {as_of}; load "
                                    f"the JGB yields (riskoff data update) or give a move in bp")
        window = known.iloc[-RECORD_WINDOW:]
        moves[name] = round(100.0 * (float(window.max()) - float(window.iloc[-1])), 6)
    return replace(shocks, **moves) if moves else shocks


def _log_move(percent: float) -> float:
    """A percent change as a log change in percent: ``100 ln(1 + p/100)``."""
    return 100.0 * math.log1p(percent / 100.0)


def _compound_drawdown(drawdown: float, percent: float) -> float:
    """Percent below the high after the level moves by `percent` from `drawdown` below it."""
    return max(0.0, 100.0 * (1.0 - (1.0 - drawdown / 100.0) * (1.0 + percent / 100.0)))


def _shock_raw(component: str, raw_now: float, shocks: Shocks) -> float | None:
    """The shocked raw reading of `component` (the module's table), ``None`` if untouched."""
    s = shocks

    def leg(name: str) -> float:
        value = getattr(s, name)
        return 0.0 if value is None else value

    if component in ("yen_rally", "audjpy_drop") and s.usdjpy is not None:
        return -_log_move(s.usdjpy)
    if component == "usdjpy_drawdown" and s.usdjpy is not None:
        return _compound_drawdown(raw_now, s.usdjpy)
    if component == "ust_yield_spike" and s.ust10y is not None:
        return s.ust10y
    if component == "carry_compression" and (s.ust2y is not None or s.jgb2y is not None):
        return -(leg("ust2y") - leg("jgb2y"))
    if component == "boj_hike_pricing" and s.jgb2y is not None:
        return s.jgb2y
    if component == "jgb_10y_rise" and s.jgb10y is not None:
        return s.jgb10y
    superlong = [v for v in (s.jgb30y, s.jgb40y) if v is not None]
    if component == "jgb_superlong_jump" and superlong:
        return max(superlong)
    if component == "jgb_superlong_high" and superlong:
        return min(0.0, raw_now + max(superlong))
    if component == "jgb_10y_level" and s.jgb10y is not None:
        return raw_now + s.jgb10y / 100.0
    if component in ("rate_differential_low", "hedged_pickup_drop") and (
            s.jgb10y is not None or s.ust10y is not None):
        return raw_now + (leg("jgb10y") - leg("ust10y")) / 100.0
    if component == "jgb_curve_steepening" and (s.jgb10y is not None or s.jgb30y is not None):
        return leg("jgb30y") - leg("jgb10y")
    if component == "japan_treasury_selling" and s.japan_holdings is not None:
        return -s.japan_holdings
    if component == "vix_jump" and s.vix is not None:
        return _log_move(s.vix)
    if component == "nikkei_drawdown" and s.nikkei is not None:
        return _compound_drawdown(raw_now, s.nikkei)
    return None


def _regime(score: float) -> str | None:
    value = regime_of(pd.Series([score], dtype="float64")).iloc[0]
    return None if pd.isna(value) else str(value)


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _html_table(frame: pd.DataFrame, digits: int = 3) -> str:
    return frame.to_html(float_format=lambda v: f"{v:.{digits}g}", na_rep="-", border=0)


@dataclass(frozen=True, eq=False, repr=False)
class Reading:
    """The risk-off score now and under the shocks, component by component.

    Attributes
    ----------
    as_of : pd.Timestamp
        The time (UTC) the readings are taken at; nothing published later is used.
    shocks : Shocks
        The shocks applied.
    base_score, shocked_score : float
        The score (0-100, higher = more risk-off) without and with the shocks.
    base_regime, regime : str
        Regimes of the two scores (``calm``, ``watch``, ``stress``, ``unwind``).
    coverage : float
        Share of the total weight that counts at `as_of` (0 to 1).
    table : pd.DataFrame
        One row per weighted component (index ``component``): ``family``, ``unit`` (of the
        raw readings), ``weight``, ``status`` (``counts``, ``no data``, ``warming up`` or
        ``stale``), ``reading_at`` (availability time of the reading used), ``raw_now``,
        ``raw_shocked``, ``z_now``, ``z_shocked`` (capped z-scores), ``contribution_now``,
        ``contribution_shocked`` (score points; they add up to the score minus 50) and
        ``shocked_by`` (the shocks that set ``raw_shocked``; empty when it is the current
        reading).
    ignored : tuple of str
        Shocks that moved no component that counts (their targets have no data or are
        stale at `as_of`).
    """

    as_of: pd.Timestamp
    shocks: Shocks
    base_score: float
    shocked_score: float
    base_regime: str | None
    regime: str | None
    coverage: float
    table: pd.DataFrame
    ignored: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"<Reading as of {self.as_of:%Y-%m-%d %H:%M} UTC, {self.shocks.describe()}: "
                f"score {_fmt(self.base_score)} ({self.base_regime}) -> "
                f"{_fmt(self.shocked_score)} ({self.regime})>")

    def _repr_html_(self) -> str:
        shown = self.table.drop(columns=["family"]).copy()
        shown["reading_at"] = shown["reading_at"].dt.strftime("%Y-%m-%d %H:%M")
        note = (f"<p>Ignored (nothing that counts to move): {html.escape(', '.join(self.ignored))}"
                f"</p>" if self.ignored else "")
        return (f"<h4>What if {html.escape(self.shocks.describe())}: as of "
                f"{self.as_of:%Y-%m-%d %H:%M} UTC the risk-off score goes from "
                f"{_fmt(self.base_score)} ({self.base_regime}) to {_fmt(self.shocked_score)} "
                f"({self.regime})</h4>{note}" + _html_table(shown))


def _z_with(raw: pd.Series, at: pd.Timestamp, value: float, component, cap: float) -> float:
    """The z-score the reading at `at` would have had, were it `value` (same standardisation)."""
    history = raw.loc[:at].dropna().copy()
    history.iloc[-1] = value
    z = standardize(history, component.standardize, component.frequency, cap=cap)
    return float(z.iloc[-1])


def _method_weights(names: list[str], weights: np.ndarray, started: np.ndarray) -> np.ndarray:
    """The weights the default method gives each component on one row.

    ``mean`` uses the component weights; ``family`` gives each component its family's
    weight shared among the family's started components
    (:func:`signals.score.methods.family_shares`). Other methods are not linear in one
    row's z-scores, so a what-if cannot be read with them.
    """
    if DEFAULTS.method == "mean":
        return weights
    if DEFAULTS.method == "family":
        return family_shares(names, weights, started[None, :])[0]
    raise ConfigError(f"what-if readings follow the mean or family method; the default "
                      f"method is {DEFAULTS.method!r}")


def _score(z: np.ndarray, w: np.ndarray, cap: float) -> tuple[float, np.ndarray]:
    """The composite's formula on one row: score and contributions (points)."""
    active = np.isfinite(z)
    active_weight = float(w[active].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        contributions = np.where(active, 50.0 * (w / active_weight) * z / cap, np.nan)
    score = 50.0 + float(np.nansum(contributions)) if active.any() else np.nan
    return score, contributions


def _reading(readings: Mapping[str, pd.DataFrame], weights, shocks: Shocks,
             as_of: pd.Timestamp, *, cap: float, min_coverage: float,
             stacklevel: int) -> Reading:
    names = list(weights)
    rows = []
    for name in names:
        component = get_component(name)
        row = {"family": component.family, "unit": _UNITS.get(name, ""),
               "weight": float(weights[name]), "status": "no data", "reading_at": pd.NaT,
               "raw_now": np.nan, "raw_shocked": np.nan, "z_now": np.nan,
               "z_shocked": np.nan, "shocked_by": ""}
        frame = readings.get(name)
        if frame is not None:
            valid = frame[frame["z"].notna() & (frame.index <= as_of)]
            if valid.empty:
                row["status"] = "warming up"
            elif as_of - valid.index[-1] >= component.max_age:
                row.update(status="stale", reading_at=valid.index[-1])
            else:
                at = valid.index[-1]
                raw_now, z_now = float(valid["raw"].iloc[-1]), float(valid["z"].iloc[-1])
                row.update(status="counts", reading_at=at, raw_now=raw_now, z_now=z_now,
                           raw_shocked=raw_now, z_shocked=z_now)
                target = _shock_raw(name, raw_now, shocks)
                if target is not None:
                    sources = [s for s in shocks.given() if name in SHOCK_TARGETS[s]]
                    row.update(raw_shocked=target, shocked_by=", ".join(sources),
                               z_shocked=_z_with(frame["raw"], at, target, component, cap))
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(names, name="component"))
    table["reading_at"] = pd.to_datetime(table["reading_at"], utc=True)
    w = table["weight"].to_numpy()
    coverage = float(w[np.isfinite(table["z_now"].to_numpy())].sum() / w.sum())
    w = _method_weights(names, w, table["status"].isin(["counts", "stale"]).to_numpy())
    base, contributions_now = _score(table["z_now"].to_numpy(), w, cap)
    if coverage < min_coverage:
        raise DataContractError(
            f"as_of={as_of}: only {coverage:.0%} of the weight has a fresh reading and the "
            f"score needs {min_coverage:.0%}; pick a later as_of or load more data (riskoff "
            f"data update)")
    shocked, contributions_shocked = _score(table["z_shocked"].to_numpy(), w, cap)
    table.insert(table.columns.get_loc("shocked_by"), "contribution_now", contributions_now)
    table.insert(table.columns.get_loc("shocked_by"), "contribution_shocked",
                 contributions_shocked)

    ignored = []
    for name, value in shocks.given().items():
        moved = [t for t in SHOCK_TARGETS[name]
                 if t in table.index and table.at[t, "status"] == "counts"]
        if not moved:
            idle = [f"{t} ({table.at[t, 'status']})" if t in table.index else f"{t} (weight 0)"
                    for t in SHOCK_TARGETS[name]]
            ignored.append(f"{name} {value:+g}{SHOCK_UNITS[name]}")
            warnings.warn(f"shock {ignored[-1]} is ignored: it moves {', '.join(idle)}, which "
                          f"does not count at {as_of}. Load its data (riskoff data update) or "
                          f"give it a weight to use it", WhatIfWarning, stacklevel=stacklevel + 1)
    return Reading(as_of=as_of, shocks=shocks, base_score=base, shocked_score=shocked,
                   base_regime=_regime(base), regime=_regime(shocked), coverage=coverage,
                   table=table, ignored=tuple(ignored))


def _resolve_as_of(as_of, readings: Mapping[str, pd.DataFrame], scores: pd.DataFrame,
                   weights) -> pd.Timestamp:
    """`as_of` in UTC; by default the latest publication at which the score is defined."""
    if as_of is not None:
        return to_utc(as_of, "as_of")
    stamps = [frame.index[frame["z"].notna()].as_unit("ns").asi8
              for name, frame in readings.items() if name in weights]
    updates = np.unique(np.concatenate(stamps)) if stamps else np.array([], dtype="int64")
    finite = scores.index[scores["score"].notna()].as_unit("ns")
    latest = finite[np.isin(finite.asi8, updates)]
    if len(latest) == 0:
        raise DataContractError("the macro data give no score at any time, so there is no "
                                "'now' to shock; pass longer series (daily components need "
                                "about a year)")
    return latest[-1]


def shocked_reading(macro, shocks, *, as_of=None, weights=None) -> Reading:
    """The risk-off score as of `as_of`, without and with `shocks`, component by component.

    Parameters
    ----------
    macro : MacroData or mapping
        Macro series (:func:`signals.load_macro`, or a mapping of macro name to a Series
        indexed by UTC availability time); ``None`` loads the default.
    shocks : Shocks, mapping or str items
        The moves to imagine: a :class:`Shocks`, ``{"usdjpy": -8, "ust10y": 60}`` (in each
        market's unit), or items for :meth:`Shocks.parse` such as ``["usdjpy=-8%"]``.
    as_of : str or Timestamp, optional
        When "now" is (naive means UTC); only readings available then are used. Default:
        the latest time a component reading was published at which the score is defined.
    weights : Weights, mapping or path, optional
        Component weights as for :func:`signals.risk_off_score`; default the documented
        defaults.

    Returns
    -------
    Reading
        ``base_score`` equals :func:`signals.risk_off_score` at `as_of`; ``shocked_score``
        replaces the raw readings the shocks set (module docstring) and re-standardises
        them against each component's trailing history up to `as_of`.

    Raises
    ------
    ConfigError
        Bad shocks, weights or `as_of`.
    DataContractError
        Bad macro series, or less than half of the weight has a fresh reading at `as_of`.

    Warns
    -----
    WhatIfWarning
        A shock moves no component that counts at `as_of` (no data, or stale): ignored.
    """
    shocks = _as_shocks(shocks)
    macro = _as_macro(macro)
    weights = _as_weights(weights)
    readings = component_readings(macro, components=list(weights))
    if as_of is None:
        scores = risk_off_score(macro, weights=weights)
        when = _resolve_as_of(None, readings, scores, weights)
    else:
        when = to_utc(as_of, "as_of")
    shocks = resolve_records(shocks, macro, when)
    return _reading(readings, weights, shocks, when, cap=3.0, min_coverage=0.5,
                    stacklevel=2)


