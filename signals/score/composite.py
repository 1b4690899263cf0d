"""The 0-100 risk-off score: standardised components, weighted, with every row explained.

How a score is made, at every time something changes:

1. Each component's raw reading (see :mod:`signals.families.registry`) is standardised on
   its own calendar by the component's rule (:func:`signals.score.standardize.standardize`:
   a trailing z-score, or a level's long-history percentile in z-score units), capped at
   ``±cap``.
2. A component is fresh while its last z-score is younger than its ``max_age`` (10 days
   for daily series, 21 for weekly, 75 for monthly). A stale one is not dropped and the
   others are not reweighted: its last reading fades to 0 in daily steps over 30 days
   while its weight is held (:mod:`signals.score.panel`), so a reading going stale never
   jumps the score. ``coverage`` is the share of all the weight whose reading is fresh;
   below ``min_coverage`` the score is NaN: never a made-up number.
3. The z-scores are combined by the chosen ``method`` (:mod:`signals.score.methods`; the
   default is the research protocol's pick, :data:`signals.defaults.DEFAULTS`). ``mean``:
   ``score = 50 + Σ contribution`` with ``contribution_i = 50 · (w_i / Σ w_started) ·
   fade_i · z_i / cap``: 50 is an ordinary day, 100 every component at its cap on the
   risk-off side, 0 all at the risk-on cap. Contributions are in score points
   for every method, so a row reads as "50 + 12 from the yen rally + 9 from the 10Y JGB
   + ...".
4. Regimes by score (:data:`REGIMES`, :func:`regimes` per method): ``watch``, ``stress`` and
   ``unwind`` start at the 80th, 95th and 99th percentiles of the method's weekday scores
   from 1995 to 2020, the research protocol's choice period (rule 4; the figures are in
   ``signals/defaults.toml`` and docs/choice.md), never fitted to an episode. The default
   method and each component's standardisation are the protocol's picks too
   (:mod:`signals.defaults`).

Rows are indexed by availability time (UTC): the score at a time uses only values that
were available then. Rows are added when a component's last reading expires and at each
step of its fade, so a row's score is valid until the next row.

**The current reading** ("now") is one thing everywhere (``riskoff score``, ``whatif``,
``report``, :func:`signals.latest` and :func:`current_score`): the last row, at or before
the time asked, that was scored when new data arrived. A row that only records inputs
expiring or fading (``attrs["expiry_only"]``) moves old values and is never the current
reading; its age is counted from the row's availability time to the time asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from signals.defaults import DEFAULTS, LEVEL_NAMES
from signals.errors import ConfigError, DataContractError
from signals.families.registry import Component, get_component
from signals.score.methods import METHODS, get_method
from signals.score.methods import family_weights as family_weights_of
from signals.score.panel import Panel, build_panel, sorted_union
from signals.score.standardize import standardize
from signals.score.weights import Weights
from signals.times import to_utc

__all__ = ["METHODS", "REGIMES", "component_readings", "current_score", "regime_of",
           "regimes", "risk_off_score", "score_panel"]

def regimes(method: str | None = None) -> tuple[tuple[str, float], ...]:
    """``((regime, lowest score), ...)`` of a method, in increasing order.

    Parameters
    ----------
    method : str, optional
        An aggregation method (:data:`METHODS`); default the default method. Each method's
        levels are the research protocol's rule 4 on its own choice-period scores
        (docs/choice.md).
    """
    return (("calm", 0.0), *zip(LEVEL_NAMES, DEFAULTS.levels_of(method), strict=True))


#: (regime, lowest score) of the default method, in increasing order (docs/choice.md).
REGIMES: tuple[tuple[str, float], ...] = regimes()


def regime_of(score: pd.Series, method: str | None = None) -> pd.Series:
    """Name the regime of each score (ordered categorical; NaN score gives NaN).

    Parameters
    ----------
    score : pd.Series
        Scores, 0 to 100.
    method : str, optional
        The method that made them, whose levels apply (:func:`regimes`); default the
        default method.

    Returns
    -------
    pd.Series
        Ordered categorical over ``calm < watch < stress < unwind``.
    """
    levels = regimes(method)
    names = [name for name, _ in levels]
    edges = [low for _, low in levels[1:]]
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
    standardize_as: Mapping[str, str] | None = None,
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
    standardize_as : mapping, optional
        ``{component: standardisation}`` overriding a component's own (one of
        :data:`signals.families.registry.STANDARDIZATIONS`), e.g.
        ``{"jgb_10y_rise": "zscore_5y"}``.
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
    standardize_as = dict(standardize_as or {})
    for name in (*params, *standardize_as):
        get_component(name)
    out = {}
    for name in names:
        component = get_component(name)
        raw = component.compute(macro, **params.get(name, {}))
        if raw is None:
            continue
        how = standardize_as.get(name, component.standardize)
        z = standardize(raw, how, component.frequency, cap=cap)
        out[name] = pd.DataFrame({"raw": raw, "z": z})
    return out


def score_panel(
    macro=None,
    *,
    components: list[str],
    params: Mapping[str, Mapping] | None = None,
    standardize_as: Mapping[str, str] | None = None,
    cap: float = 3.0,
    readings: Mapping[str, pd.DataFrame] | None = None,
) -> tuple[Panel, dict[str, tuple[Component, pd.Series]]]:
    """The components' z-scores on one timeline (:class:`signals.score.panel.Panel`).

    Parameters
    ----------
    macro, params, standardize_as, cap
        As in :func:`risk_off_score`.
    components : list of str
        The panel's columns, in order.
    readings : mapping, optional
        ``{name: DataFrame(raw, z)}`` already computed (:func:`component_readings`), e.g.
        shared by the combinations of a sweep; `macro` and `params` are then not read.

    Returns
    -------
    panel : Panel
    zs : dict
        ``{name: (component, z)}`` of the components with data.
    """
    if readings is None:
        readings = component_readings(macro, components=components, params=params,
                                      standardize_as=standardize_as, cap=cap)
    zs: dict[str, tuple[Component, pd.Series]] = {}
    for name in components:
        if name not in readings:
            continue
        z = readings[name]["z"].dropna()
        z.index = z.index.as_unit("ns")  # compared as int64 nanoseconds
        if len(z):
            zs[name] = (get_component(name), z)
    if not zs:
        raise DataContractError("no component has enough history for a score; pass longer "
                                "series (daily components need about a year)")
    return build_panel(zs, components), zs


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
    method: str | None = None,
    weights=None,
    family_weights: Mapping[str, float] | None = None,
    labels: pd.Series | None = None,
    label_horizon="30D",
    params: Mapping[str, Mapping] | None = None,
    standardize_as: Mapping[str, str] | None = None,
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
    method : str, optional
        How the components' z-scores are combined (:data:`METHODS`, see
        :mod:`signals.score.methods`); default the research protocol's pick
        (``signals.defaults.DEFAULTS.method``, docs/choice.md): ``"mean"`` (weighted mean),
        ``"family"`` (mean within families, families weighted), ``"pca"`` (first principal
        component, expanding window), ``"turbulence"`` (Mahalanobis distance from the
        trailing two years) or ``"learned"`` (logistic model of the BTC tail event, needs
        `labels`).
    weights : Weights, mapping or path, optional
        Component weights (:class:`signals.score.weights.Weights`), a mapping overriding the
        defaults, or a TOML file; default the documented defaults. For ``pca``,
        ``turbulence`` and ``learned`` they only choose the components (weight > 0).
    family_weights : mapping, optional
        ``method="family"`` only: ``{family: weight}``; default each family's sum of
        component weights.
    labels : pd.Series, optional
        ``method="learned"`` only: 0/1 tail events indexed by the time each became known
        (:func:`signals.score.learned.tail_event_labels`).
    label_horizon : str or Timedelta
        ``method="learned"`` only: how long after its decision time a label is known.
    params : mapping, optional
        Component parameters, e.g. ``{"yen_rally": {"window": 10}}``.
    standardize_as : mapping, optional
        ``{component: standardisation}`` overriding the component's default (see
        :func:`component_readings`).
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
        ``regime``, ``coverage`` (share of weight whose reading is fresh), then one column
        per weighted component: its contribution in score points, adding up to ``score -
        50`` (NaN when it does not count). A stale component's reading fades to 0 over
        :data:`signals.score.panel.FADE_STEPS` days while its weight is held, so going
        stale never jumps the score (:mod:`signals.score.panel`). ``attrs`` holds
        ``method``, ``weights``, ``missing`` (components with no data), the settings, and
        for fitted methods ``fits`` (one row per refit), and ``expiry_only`` (the times of
        rows that only record inputs expiring or fading).

    Raises
    ------
    DataContractError
        No component has enough history, or no row has a score because inputs are
        absent from `macro` (e.g. no JGB series at all): the message names them and the fix.
    """
    if not 0 < min_coverage <= 1:
        raise ConfigError(f"min_coverage must be in (0, 1]; got {min_coverage}")
    method = DEFAULTS.method if method is None else method
    function = get_method(method)
    options: dict = {}
    if family_weights is not None and method != "family":
        raise ConfigError(f"family_weights applies to method='family' only; got "
                          f"method={method!r}")
    if labels is not None and method != "learned":
        raise ConfigError(f"labels applies to method='learned' only; got method={method!r}")
    if method == "family":
        options["families"] = family_weights
    if method == "learned":
        from signals.score.learned import check_labels

        options["labels"] = check_labels(labels)
        options["horizon"] = pd.Timedelta(label_horizon)
    weights = _as_weights(weights)
    macro = _as_macro(macro)
    names = list(weights)
    panel, zs = score_panel(macro, components=names, params=params,
                            standardize_as=standardize_as, cap=cap)
    missing = [name for name in weights if name not in zs]
    w = np.array([weights[name] for name in names])
    coverage = (panel.fresh @ w) / w.sum()
    result = function(panel, w, cap=cap, **options)
    enough = (coverage >= min_coverage) & ~np.isnan(result.score)
    contributions = np.where(enough[:, None], result.contributions, np.nan)
    score = np.where(enough, result.score, np.nan)
    index = panel.index
    if not enough.any() and _absent_inputs(missing, macro):  # no data at all, not too short
        raise DataContractError(
            f"no score at any time: at most {np.nanmax(coverage, initial=0):.0%} of the weight "
            f"is ever fresh, below min_coverage={min_coverage:g}" + _absent(missing, macro))
    regime = regime_of(pd.Series(score, index=index), method)
    out = pd.DataFrame({"score": score, "regime": regime, "coverage": coverage,
                        **{name: contributions[:, j] for j, name in enumerate(names)}},
                       index=index)
    if start is not None:
        out = out[out.index >= to_utc(start, "start")]
    if end is not None:
        out = out[out.index <= to_utc(end, "end")]
    updates = sorted_union([z.index.asi8 for _, z in zs.values()])
    expiry_only = np.setdiff1d(out.index.as_unit("ns").asi8, updates, assume_unique=True)
    out.attrs.update(method=method, weights=dict(weights), missing=missing, cap=cap,
                     min_coverage=min_coverage,
                     expiry_only=_Immutable(pd.DatetimeIndex(
                         expiry_only.view("datetime64[ns]"), tz="UTC")))
    if method == "family":
        out.attrs["family_weights"] = family_weights_of(names, w, family_weights)
    if result.fits is not None:
        out.attrs["fits"] = result.fits
    return out


class _Immutable(tuple):
    """A tuple of immutable values (Timestamps) that deep-copies as itself.

    pandas deep-copies a frame's ``attrs`` at every step; a tuple of a few hundred
    Timestamps made each of those steps cost about a millisecond.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> _Immutable:
        return self


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

