"""The 0-100 risk-off score: standardised components, weighted, with every row explained.

How a score is made, at every time something changes:

1. Each component's raw reading (see :mod:`signals.families.registry`) is standardised on
   its own calendar by the component's rule (:func:`signals.score.standardize.standardize`:
   a trailing z-score, or a level's long-history percentile in z-score units), capped at
   ``±cap``.
2. A component counts while its last z-score is younger than its ``max_age`` (10 days for
   daily series, 21 for weekly, 75 for monthly); a missing or stale one drops out and the
   others are reweighted. When the weight still counting (``coverage``) falls below
   ``min_coverage`` of all the weight, the score is NaN: never a made-up number.
3. ``score = 50 + Σ contribution`` with ``contribution_i = 50 · (w_i / Σ w_active) ·
   z_i / cap``: 50 is an ordinary day, 100 every component at its cap on the risk-off side,
   0 all at the risk-on cap. Contributions are in score points, so a row reads as
   "50 + 12 from the yen rally + 9 from the 10Y JGB + ...".
4. Regimes by score (:data:`REGIMES`): ``calm`` below 55, ``watch`` from 55, ``stress``
   from 62.5, ``unwind`` from 70. 50 is an ordinary day by construction; on the bundled
   history 1995-2023 these levels mark about the top 18%, 3.5% and 0.7% of readings
   (calm 82%, watch 15%, stress 3%, unwind 0.7%). They were set from that distribution,
   not fitted to any episode.

Rows are indexed by availability time (UTC): the score at a time uses only values that
were available then. Rows are added when a component's last reading expires, so a row's
score is valid until the next row.

**The current reading** ("now") is one thing everywhere (``riskoff score``, ``whatif``,
``report``, :func:`signals.latest` and :func:`current_score`): the last row, at or before
the time asked, that was scored when new data arrived. A row that only records inputs
expiring (``attrs["expiry_only"]``) re-weights old values and is never the current reading;
its age is counted from the row's availability time to the time asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from signals.errors import ConfigError, DataContractError
from signals.families.registry import Component, get_component
from signals.score.standardize import standardize
from signals.score.weights import Weights
from signals.times import to_utc

__all__ = ["REGIMES", "component_readings", "current_score", "regime_of", "risk_off_score"]

#: (regime, lowest score) in increasing order.
REGIMES: tuple[tuple[str, float], ...] = (("calm", 0.0), ("watch", 55.0), ("stress", 62.5),
                                          ("unwind", 70.0))


def regime_of(score: pd.Series) -> pd.Series:
    """Name the regime of each score (ordered categorical; NaN score gives NaN).

    Parameters
    ----------
    score : pd.Series
        Scores, 0 to 100.

    Returns
    -------
    pd.Series
        Ordered categorical over ``calm < watch < stress < unwind``.
    """
    names = [name for name, _ in REGIMES]
    edges = [low for _, low in REGIMES[1:]]
    codes = np.searchsorted(edges, score.to_numpy(dtype="float64"), side="right")
    codes = np.where(np.isnan(score.to_numpy(dtype="float64")), -1, codes)
    categorical = pd.Categorical.from_codes(codes, categories=names, ordered=True)
    return pd.Series(categorical, index=score.index, name="regime")


def _as_weights(weights) -> Weights:
    if weights is None:
        return Weights.default()
    if isinstance(weights, Weights):
        return weights
    if isinstance(weights, (str, Path)):
        return Weights.from_toml(weights)
    if isinstance(weights, Mapping):
        return Weights(weights)
    raise ConfigError(f"weights must be a Weights, a mapping or a TOML path; got "
                      f"{type(weights).__name__}")


def _as_macro(macro):
    if macro is None:
        from signals.data.macro import load_macro

        return load_macro()
    if not isinstance(macro, Mapping):
        raise DataContractError(f"macro must be MacroData (signals.load_macro()) or a mapping "
                                f"of name -> Series; got {type(macro).__name__}")
    return macro


def component_readings(
    macro=None,
    *,
    components: list[str] | None = None,
    params: Mapping[str, Mapping] | None = None,
    cap: float = 3.0,
) -> dict[str, pd.DataFrame]:
    """Each component's raw reading and trailing z-score, on its own calendar.

    Parameters
    ----------
    macro : MacroData or mapping, optional
        Macro series; default :func:`signals.load_macro`.
    components : list of str, optional
        Component names; default every registered one.
    params : mapping, optional
        ``{component: {parameter: value}}``, e.g. ``{"yen_rally": {"window": 10}}``.
    cap : float
        Cap of the z-scores.

    Returns
    -------
    dict
        ``{name: DataFrame(raw, z)}`` indexed by availability time; components whose
        inputs have no data are absent.
    """
    from signals.families.registry import components as registered

    macro = _as_macro(macro)
    names = list(registered()) if components is None else components
    params = dict(params or {})
    for name in params:
        get_component(name)
    out = {}
    for name in names:
        component = get_component(name)
        raw = component.compute(macro, **params.get(name, {}))
        if raw is None:
            continue
        z = standardize(raw, component.standardize, component.frequency, cap=cap)
        out[name] = pd.DataFrame({"raw": raw, "z": z})
    return out


def _expiries(times: np.ndarray, max_age: int) -> np.ndarray:
    """When readings go stale with no newer one before: after gaps, and after the last."""
    gaps = np.flatnonzero(np.diff(times) >= max_age)
    return np.append(times[gaps], times[-1]) + max_age


def _asof_fresh(z: pd.Series, times: np.ndarray, max_age: pd.Timedelta) -> np.ndarray:
    """Z as of each time (int64 ns), NaN where its last value is `max_age` old or more."""
    own = z.index.asi8
    pos = np.searchsorted(own, times, side="right") - 1
    known = pos >= 0
    values = np.full(len(times), np.nan)
    age = times[known] - own[pos[known]]
    fresh = age < max_age.value
    idx = np.flatnonzero(known)[fresh]
    values[idx] = z.to_numpy()[pos[idx]]
    return values


def _absent_inputs(missing: list[str], macro) -> list[str]:
    """The inputs of the `missing` components that `macro` does not hold at all."""
    return sorted({series for name in missing for series in get_component(name).inputs.values()
                   if series not in macro})


def _absent(missing: list[str], macro) -> str:
    """What to say about components with no data: their inputs absent from `macro`, the fix."""
    if not missing:
        return ""
    absent = _absent_inputs(missing, macro)
    needs = f" (inputs not in the data: {', '.join(absent)})" if absent else ""
    return (f". Components with no data: {', '.join(missing)}{needs}. Load them with "
            "`riskoff data update`, or pass data_dir= to signals.load_macro() with the "
            "publishers' files; or lower min_coverage")


def risk_off_score(
    macro=None,
    *,
    weights=None,
    params: Mapping[str, Mapping] | None = None,
    cap: float = 3.0,
    min_coverage: float = 0.5,
    start=None,
    end=None,
) -> pd.DataFrame:
    """The 0-100 risk-off score, its regime, and each component's contribution.

    Parameters
    ----------
    macro : MacroData or mapping, optional
        Macro series (``signals.load_macro()``, or any mapping of macro name to a Series
        indexed by UTC availability time); default :func:`signals.load_macro`.
    weights : Weights, mapping or path, optional
        Component weights (:class:`signals.score.weights.Weights`), a mapping overriding the
        defaults, or a TOML file; default the documented defaults.
    params : mapping, optional
        Component parameters, e.g. ``{"yen_rally": {"window": 10}}``.
    cap : float
        z-scores are capped at ``±cap``; a component at its cap contributes its full share.
    min_coverage : float
        Fewest share of the total weight that must be fresh for a score (0 to 1).
    start, end : str or Timestamp, optional
        Rows to return, by availability time (naive means UTC). The z-scores always use
        the whole trailing history, so trimming never changes a value.

    Returns
    -------
    pd.DataFrame
        Indexed by ``available_at`` (UTC), columns ``score`` (0-100, higher = more risk-off),
        ``regime``, ``coverage`` (share of weight counting), then one column per weighted
        component: its contribution in score points (NaN when it does not count). ``attrs``
        holds ``weights``, ``missing`` (components with no data), ``expiry_only`` (rows
        that only record inputs expiring) and the settings.

    Raises
    ------
    DataContractError
        No component has enough history, or no row has a score because inputs are
        absent from `macro` (e.g. no JGB series at all): the message names them and the fix.
    """
    if not 0 < min_coverage <= 1:
        raise ConfigError(f"min_coverage must be in (0, 1]; got {min_coverage}")
    weights = _as_weights(weights)
    macro = _as_macro(macro)
    readings = component_readings(macro, components=list(weights), params=params, cap=cap)
    zs: dict[str, tuple[Component, pd.Series]] = {}
    for name, frame in readings.items():
        z = frame["z"].dropna()
        z.index = z.index.as_unit("ns")  # compared as int64 nanoseconds below
        if len(z):
            zs[name] = (get_component(name), z)
    missing = [name for name in weights if name not in zs]
    if not zs:
        raise DataContractError("no component has enough history for a score; pass longer "
                                "series (daily components need about a year)"
                                + _absent(missing, macro))
    updates = np.unique(np.concatenate([z.index.asi8 for _, z in zs.values()]))
    expiries = np.concatenate([_expiries(z.index.asi8, c.max_age.value)
                               for c, z in zs.values()])
    times = np.union1d(updates, expiries)
    names = list(weights)
    z_matrix = np.full((len(times), len(names)), np.nan)
    for j, name in enumerate(names):
        if name in zs:
            component, z = zs[name]
            z_matrix[:, j] = _asof_fresh(z, times, component.max_age)
    w = np.array([weights[name] for name in names])
    active = ~np.isnan(z_matrix)
    active_weight = active @ w
    coverage = active_weight / w.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        contributions = 50.0 * (w / active_weight[:, None]) * z_matrix / cap
    enough = coverage >= min_coverage
    contributions[~enough] = np.nan
    score = np.where(enough, 50.0 + np.nansum(contributions, axis=1), np.nan)
    if not enough.any() and _absent_inputs(missing, macro):  # no data at all, not too short
        raise DataContractError(
            f"no score at any time: at most {coverage.max():.0%} of the weight is ever fresh, "
            f"below min_coverage={min_coverage:g}" + _absent(missing, macro))
    index = pd.DatetimeIndex(times.view("datetime64[ns]"), name="available_at").tz_localize("UTC")
    regime = regime_of(pd.Series(score, index=index))
    out = pd.DataFrame({"score": score, "regime": regime, "coverage": coverage,
                        **{name: contributions[:, j] for j, name in enumerate(names)}},
                       index=index)
    if start is not None:
        out = out[out.index >= to_utc(start, "start")]
    if end is not None:
        out = out[out.index <= to_utc(end, "end")]
    expiry_only = np.setdiff1d(expiries, updates)  # a few hundred: attrs are copied often
    out.attrs.update(weights=dict(weights), missing=missing, cap=cap,
                     min_coverage=min_coverage,
                     expiry_only=tuple(pd.DatetimeIndex(expiry_only.view("datetime64[ns]"),
                                                        tz="UTC")))
    return out


def scored_rows(scores: pd.DataFrame) -> np.ndarray:
    """Positions of the rows scored when new data arrived (the candidates for "now")."""
    expired = pd.DatetimeIndex(list(scores.attrs.get("expiry_only", ())),
                               dtype="datetime64[ns, UTC]")
    keep = scores["score"].notna().to_numpy() & ~scores.index.as_unit("ns").isin(expired)
    return np.flatnonzero(keep)


def current_score(scores: pd.DataFrame, at=None) -> pd.Series:
    """The current reading of a scores frame: the last row scored from fresh data.

    Parameters
    ----------
    scores : DataFrame
        From :func:`risk_off_score`.
    at : str or Timestamp, optional
        The time of the reading (naive means UTC); default the clock. Only rows available
        at or before it are read.

    Returns
    -------
    pd.Series
        The row (``score``, ``regime``, ``coverage``, each component's contribution in score
        points), named by its availability time; ``attrs["age_days"]`` is the time from it
        to `at`, in days (for a past `at`, the age then, not today).

    Raises
    ------
    ConfigError
        When no row was scored at or before `at`.

    Examples
    --------
    >>> now = signals.current_score(scores)              # doctest: +SKIP
    >>> now["score"], now.name, now.attrs["age_days"]    # doctest: +SKIP
    """
    when = pd.Timestamp.now(tz="UTC") if at is None else to_utc(at, "at")
    rows = scored_rows(scores)
    rows = rows[scores.index[rows] <= when]
    if not len(rows):
        raise ConfigError(f"at: no score was available at or before {when:%Y-%m-%d %H:%M} UTC; "
                          "try a later time, or longer data (riskoff data update)")
    row = scores.iloc[rows[-1]].copy()
    row.attrs = {"age_days": (when - row.name) / pd.Timedelta(days=1)}
    return row

