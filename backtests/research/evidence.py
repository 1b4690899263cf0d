"""Does the score warn of crypto risk better than what a user already has? ICs, baselines, checks.

The research protocol (docs/research_protocol.md) asks a risk-off score to rank the *risk*
that follows each close: forward realised volatility, drawdown depth and tail events
(:mod:`backtests.research.targets`), beside forward returns. A risk-off score that carries
information has a **positive** rank IC with the risk targets and a negative one with
returns. Every table puts baselines on the same rows:

* ``trailing_vol_30d``: the asset's own realised volatility over the last 30 days, known at
  the close (volatility clusters, so this is the bar to clear);
* ``vix``: the VIX level, when the macro data hold it (never bundled);
* ``usdjpy_z``: a USD/JPY-only score, the trailing two-year z-score of the 5-day yen rally
  (:func:`signals.families.yen.yen_rally`), uncapped, on the same availability times;
* always-long: the unconditional rows (``all`` in the quantile tables), what a holder who
  ignores every signal lives through.

Per component and per family the readings are the components' **z-scores**
(:func:`signals.component_readings`), not their contributions: a contribution is the
z-score times the weight share among the components fresh at that time, so it changes with
the weights and with other components going stale, and a component of weight 0 has none.
The z-score is the component's own reading, which is what should be judged before any
weight is chosen. A family's reading is the mean z-score of its fresh components.

Checks (:func:`evidence_checks`) turn the tables into plain warnings when the evidence
contradicts the claim.
"""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd

from backtests.research.events import bar_count
from backtests.research.intervals import (
    block_counts,
    hac_ic,
    partial_spearman,
    resampled_ranks,
    weighted_corr,
)
from backtests.research.targets import RISK_SIGN, risk_targets, trailing_volatility
from backtests.research.validity import construct_validity
from signals.errors import ConfigError, DataContractError
from signals.score.align import align_to_bars
from signals.score.standardize import trailing_zscore

__all__ = [
    "BASELINES",
    "PRIMARY_TARGETS",
    "EvidenceWarning",
    "baselines",
    "component_predictors",
    "criterion",
    "evidence_checks",
    "evidence_tables",
    "risk_table",
    "target_ics",
]

#: The two targets of the protocol's primary criterion.
PRIMARY_TARGETS = ("vol_30d", "drawdown_30d")
#: Baseline predictors, in the order tables show them.
BASELINES = ("trailing_vol_30d", "vix", "usdjpy_z")
#: A daily macro value older than this at a candle's close is not used (as the score).
_MAX_AGE = pd.Timedelta(days=10)


class EvidenceWarning(UserWarning):
    """The evaluation found evidence that contradicts the score's risk-off reading."""


def _on_bars(series: pd.Series, index: pd.DatetimeIndex, timeframe: str,
             max_age=_MAX_AGE) -> pd.Series:
    """A series indexed by availability time, as each candle saw it at its close."""
    series = series.dropna()
    if series.empty:
        return pd.Series(np.nan, index=index)
    return align_to_bars(series.rename("value").to_frame(), index, timeframe,
                         max_age=max_age)["value"]


def baselines(prices, timeframe: str, macro=None) -> pd.DataFrame:
    """The protocol's baseline predictors on the candles' bars.

    Parameters
    ----------
    prices : pd.DataFrame or pd.Series
        Candles (or closes) indexed by UTC bar open time.
    timeframe : str
        The candles' length, e.g. ``"1d"``.
    macro : MacroData or mapping, optional
        Macro series indexed by availability time; without it only the trailing volatility
        is available.

    Returns
    -------
    pd.DataFrame
        Columns among :data:`BASELINES` (higher = more risk-off): ``trailing_vol_30d``
        (fraction a year), ``vix`` (index points), ``usdjpy_z`` (z-score).
        ``attrs["unavailable"]`` maps each missing baseline to the reason.
    """
    close = prices["close"] if isinstance(prices, pd.DataFrame) else prices
    out = pd.DataFrame({"trailing_vol_30d": trailing_volatility(prices, timeframe, 30)},
                       index=close.index)
    missing = {}
    if macro is not None and "vix" in macro and len(macro["vix"].dropna()):
        out["vix"] = _on_bars(macro["vix"], out.index, timeframe)
    else:
        missing["vix"] = "not in the data (Cboe's VIX is never bundled; pass a data folder)"
    if macro is not None and "usdjpy" in macro and len(macro["usdjpy"].dropna()) > 260:
        from signals.families.yen import yen_rally

        z = trailing_zscore(yen_rally(macro["usdjpy"].dropna(), window=5), lookback=504,
                            min_periods=252, cap=math.inf)
        out["usdjpy_z"] = _on_bars(z, out.index, timeframe)
    else:
        missing["usdjpy_z"] = "no USD/JPY history in the data"
    out.attrs["unavailable"] = missing
    return out


def component_predictors(macro, index: pd.DatetimeIndex, timeframe: str, *,
                         by: str = "component") -> pd.DataFrame:
    """Each component's (or family's) z-score as every candle saw it at its close.

    Parameters
    ----------
    macro : MacroData or mapping
        Macro series indexed by availability time.
    index : pd.DatetimeIndex
        Candle open times (UTC).
    timeframe : str
        The candles' length.
    by : {"component", "family"}
        One column per component (its capped trailing z-score, dropped once older than
        the component's ``max_age``), or per family (the mean of its fresh components).

    Returns
    -------
    pd.DataFrame
        float64 z-scores, positive = risk-off; components without data are absent.
    """
    from signals.families.registry import get_component
    from signals.score.composite import component_readings

    if by not in ("component", "family"):
        raise ConfigError(f"by={by!r} is not known; use 'component' or 'family'")
    if macro is None:
        raise ConfigError(f"by={by!r} needs the macro data; pass macro=signals.load_macro()")
    readings = component_readings(macro)
    columns = {name: _on_bars(frame["z"], index, timeframe, get_component(name).max_age)
               for name, frame in readings.items()}
    frame = pd.DataFrame(columns, index=index, dtype="float64")
    if by == "family":
        families = {name: get_component(name).family for name in frame.columns}
        frame = frame.T.groupby(families).mean().T  # mean of the fresh ones (NaN skipped)
    return frame


def _verdict(sign: int, low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    if sign * low > 0 and sign * high > 0:
        return "informative"
    if sign * low < 0 and sign * high < 0:
        return "contradicts"
    return "no evidence"


def target_ics(predictors: pd.DataFrame, targets: pd.DataFrame, *, control=None,
               interval: str = "newey_west", confidence: float = 0.90, n_boot: int = 2000,
               block: int = 30, seed: int = 0) -> pd.DataFrame:
    """Rank IC of every predictor with every target, with overlap-aware intervals.

    Parameters
    ----------
    predictors : pd.DataFrame
        One column per predictor (score, baselines, components), on the targets' bars.
    targets : pd.DataFrame
        :func:`backtests.research.targets.risk_targets`.
    control : pd.Series, optional
        Trailing volatility on the same bars; gives ``partial_ic``, the rank partial
        correlation given it (the protocol's incremental criterion, point estimate).
    interval : {"newey_west", "block_bootstrap"}
        Newey-West (lags = the target's horizon in bars, normal quantile) or a moving-block
        bootstrap (`block` bars, `n_boot` draws, percentile interval, `seed`).
    confidence : float
        Two-sided coverage in (0, 1); the protocol's 0.90 by default.
    n_boot, block, seed : int
        Bootstrap settings (``interval="block_bootstrap"`` only).

    Returns
    -------
    pd.DataFrame
        One row per (predictor, target): ``predictor``, ``target``, ``ic``, ``ci_low``,
        ``ci_high``, ``n``, ``partial_ic`` (NaN without `control`), ``verdict``
        (``informative``: the interval is on the risk-off side, positive for risk targets
        and negative for returns; ``contradicts``: wholly on the other side; ``no
        evidence``: it holds 0).
    """
    if interval not in ("newey_west", "block_bootstrap"):
        raise ConfigError(f"interval={interval!r} is not known; use 'newey_west' or "
                          f"'block_bootstrap'")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must be in (0, 1); got {confidence}. Use e.g. 0.90")
    bars = targets.attrs.get("horizon_bars", {})
    kinds = targets.attrs.get("kind", {})
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    c = None if control is None else control.reindex(targets.index).to_numpy(dtype="float64")
    rows = []
    for predictor in predictors.columns:
        x = predictors[predictor].reindex(targets.index).to_numpy(dtype="float64")
        for target in targets.columns:
            y = targets[target].to_numpy(dtype="float64")
            ic, se, n = hac_ic(x, y, int(bars.get(target, 1)))
            low = high = partial = math.nan
            valid = ~np.isnan(x) & ~np.isnan(y)
            if interval == "block_bootstrap" and not math.isnan(ic):
                counts = block_counts(int(valid.sum()), block, n_boot, seed)
                draws = weighted_corr(resampled_ranks(x[valid], counts),
                                      resampled_ranks(y[valid], counts), counts)
                low, high = np.nanquantile(draws, [(1 - confidence) / 2,
                                                   (1 + confidence) / 2])
            elif not math.isnan(ic):
                low, high = ic - z * se, ic + z * se
            if c is not None:
                both = valid & ~np.isnan(c)
                if both.sum() > 3 and not np.array_equal(x[both], c[both]):
                    partial = float(partial_spearman(x[both], y[both], c[both])[0])
            sign = RISK_SIGN.get(kinds.get(target, "vol"), 1)
            rows.append({"predictor": str(predictor), "target": str(target), "ic": ic,
                         "ci_low": max(float(low), -1.0), "ci_high": min(float(high), 1.0),
                         "n": n, "partial_ic": partial,
                         "verdict": _verdict(sign, float(low), float(high))})
    columns = ["predictor", "target", "ic", "ci_low", "ci_high", "n", "partial_ic", "verdict"]
    out = pd.DataFrame(rows, columns=columns).astype({"n": "int64"})
    out.attrs.update(interval=interval, confidence=confidence)
    return out


def criterion(assets, *, confidence: float = 0.90, n_boot: int = 2000, block: int = 30,
              seed: int = 0) -> dict:
    """The protocol's primary and incremental criteria, with moving-block bootstrap intervals.

    Primary: the mean of the rank ICs of the predictor with ``vol_30d`` and with
    ``drawdown_30d``, averaged over the assets. Incremental: the same with rank partial
    correlations given the trailing volatility. The assets are resampled together (the
    same blocks of dates), on the dates where every asset has every value.

    Parameters
    ----------
    assets : mapping of str to pd.DataFrame
        Per asset, a frame on its daily bars with columns ``x`` (the predictor),
        ``vol_30d``, ``drawdown_30d`` and ``control`` (trailing volatility).
    confidence : float
        Coverage of the percentile intervals.
    n_boot, block, seed : int
        Draws, block length in rows, and the generator's seed.

    Returns
    -------
    dict
        ``primary``, ``primary_low``, ``primary_high``, ``primary_se`` (bootstrap standard
        deviation), ``incremental``, ``incremental_low``, ``incremental_high``, ``n``
        (dates), ``assets``, ``carries_information`` (``primary_low > 0``) and
        ``beats_trailing_vol`` (``incremental_low > 0``). NaN values when fewer than 30
        dates.
    """
    frames = {name: frame[["x", "vol_30d", "drawdown_30d", "control"]]
              for name, frame in dict(assets).items()}
    if not frames:
        raise DataContractError("criterion needs at least one asset's frame")
    common = None
    for frame in frames.values():
        keep = frame.dropna().index
        common = keep if common is None else common.intersection(keep)
    n = len(common)
    out = {"n": n, "assets": list(frames), "primary": math.nan, "primary_low": math.nan,
           "primary_high": math.nan, "primary_se": math.nan, "incremental": math.nan,
           "incremental_low": math.nan, "incremental_high": math.nan}
    if n >= 30:
        counts = np.vstack([np.ones((1, n)), block_counts(n, block, n_boot, seed)])
        primary, incremental = np.zeros(len(counts)), np.zeros(len(counts))
        for frame in frames.values():
            x, vol, dd, ctl = (frame.loc[common, k].to_numpy(dtype="float64")
                               for k in ("x", "vol_30d", "drawdown_30d", "control"))
            rx, rv, rd, rc = (resampled_ranks(v, counts) for v in (x, vol, dd, ctl))
            xv, xd = weighted_corr(rx, rv, counts), weighted_corr(rx, rd, counts)
            xc, vc, dc = (weighted_corr(a, b, counts) for a, b in ((rx, rc), (rv, rc),
                                                                   (rd, rc)))
            primary += (xv + xd) / 2.0
            with np.errstate(invalid="ignore", divide="ignore"):
                pv = (xv - xc * vc) / np.sqrt((1 - xc ** 2) * (1 - vc ** 2))
                pd_ = (xd - xc * dc) / np.sqrt((1 - xc ** 2) * (1 - dc ** 2))
            incremental += (pv + pd_) / 2.0
        primary, incremental = primary / len(frames), incremental / len(frames)
        q = [(1 - confidence) / 2, (1 + confidence) / 2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: the control itself
            out.update(primary=float(primary[0]), primary_se=float(np.nanstd(primary[1:],
                                                                              ddof=1)),
                       incremental=float(incremental[0]))
            out["primary_low"], out["primary_high"] = map(float, np.nanquantile(primary[1:], q))
            out["incremental_low"], out["incremental_high"] = map(
                float, np.nanquantile(incremental[1:], q))
    out["carries_information"] = bool(out["primary_low"] > 0)
    out["beats_trailing_vol"] = bool(out["incremental_low"] > 0)
    out.update(confidence=confidence, n_boot=n_boot, block=block, seed=seed)
    return out


def risk_table(keys: pd.Series, targets: pd.DataFrame) -> pd.DataFrame:
    """Mean of every target by group (quantile or regime), and over all rows.

    Parameters
    ----------
    keys : pd.Series
        Group of each bar (score quantile or regime), on the targets' bars; NaN = no score.
    targets : pd.DataFrame
        :func:`backtests.research.targets.risk_targets`.

    Returns
    -------
    pd.DataFrame
        One row per group, then ``all`` (every bar with a score: always-long's outcomes on
        the same rows). Columns ``count`` and ``mean_<target>`` (a tail column's mean is
        the share of bars followed by the event).
    """
    keys = keys.reindex(targets.index)
    scored = keys.notna().to_numpy()
    groups = targets.groupby(keys, observed=False, sort=True)
    out = groups.mean().add_prefix("mean_")
    out.insert(0, "count", groups.size())
    every = targets[scored].mean().add_prefix("mean_")
    every["count"] = int(scored.sum())
    out.index = out.index.astype(str)
    out.loc["all"] = every
    out.index.name = keys.name
    return out.astype({"count": "int64"})


def _top_against_rest(table: pd.DataFrame, top: str, returns: str, drawdown: str, *,
                      subject: str, others: str, verdict: str) -> tuple[bool, str] | None:
    """Whether group `top` saw higher returns and no deeper drawdowns than the other bars.

    Returns
    -------
    tuple or None
        ``(fired, message)``: the mean return and drawdown of `top` against the
        count-weighted means of the other groups of `table`, in a sentence about `subject`
        (`others` names the rest; `verdict` ends it when fired). None when no other group
        has bars.
    """
    groups = table.drop(index="all")
    rest = groups.drop(index=top)
    weight = rest["count"].sum()
    if weight == 0:
        return None
    r_rest, d_rest = (float((rest[col] * rest["count"]).sum() / weight)
                      for col in (returns, drawdown))
    r_top, d_top = float(groups.loc[top, returns]), float(groups.loc[top, drawdown])
    fired = r_top > r_rest and d_top <= d_rest
    return fired, (f"{subject} was followed by a mean 30-day return of {r_top:+.1%} "
                   f"({others} {r_rest:+.1%}) and drawdowns of {d_top:.1%} (others "
                   f"{d_rest:.1%})" + (verdict if fired else ""))


def evidence_checks(quantiles: pd.DataFrame, regimes: pd.DataFrame | None,
                    ics: pd.DataFrame, crit: dict | None = None, *, predictor: str = "score",
                    returns: str = "mean_return_30d",
                    drawdown: str = "mean_drawdown_30d") -> pd.DataFrame:
    """Plain-language checks that fire when the evidence contradicts a risk-off reading.

    Parameters
    ----------
    quantiles, regimes : pd.DataFrame
        :func:`risk_table` by score quantile and by regime (regimes may be None).
    ics : pd.DataFrame
        :func:`target_ics` with the score and the ``trailing_vol_30d`` baseline.
    crit : dict, optional
        :func:`criterion` for the score.
    predictor : str
        The score's name in `ics`.
    returns, drawdown : str
        Columns of the tables compared between the top group and the rest.

    Returns
    -------
    pd.DataFrame
        ``check``, ``fired`` (bool), ``message`` (what the evidence says, with figures).
    """
    rows = []

    def add(check: str, fired: bool, message: str) -> None:
        rows.append({"check": check, "fired": bool(fired), "message": message})

    top = str(quantiles.drop(index="all").index[-1])
    found = _top_against_rest(
        quantiles, top, returns, drawdown, subject="the top score quantile", others="others",
        verdict=": higher returns and no deeper drawdowns, the opposite of a risk-off warning")
    if found is not None:
        add("top_quintile", *found)
    if regimes is not None:
        seen = regimes.drop(index="all")
        seen = seen[(seen["count"] > 0) & (seen.index != "calm")]
        if len(seen):
            name = str(seen.index[-1])
            found = _top_against_rest(
                regimes, name, returns, drawdown,
                subject=f"the '{name}' regime ({int(seen.loc[name, 'count'])} bars)",
                others="other bars", verdict=": higher returns and no deeper drawdowns")
            if found is not None:
                add("top_regime", *found)
    mine = ics[ics["predictor"] == predictor].set_index("target")
    for target in PRIMARY_TARGETS:
        if target in mine.index:
            row = mine.loc[target]
            add(f"ic_{target}", row["verdict"] != "informative",
                f"rank IC with {target} {row['ic']:+.3f}, interval [{row['ci_low']:+.3f}, "
                f"{row['ci_high']:+.3f}]: {row['verdict']}")
    wrong = mine[mine["verdict"] == "contradicts"]
    add("wrong_sign", len(wrong) > 0,
        "the interval lies on the risk-on side for " + (", ".join(wrong.index) or "no target"))
    base = ics[ics["predictor"] == "trailing_vol_30d"].set_index("target")
    if "vol_30d" in mine.index and "vol_30d" in base.index:
        ours, theirs = float(mine.loc["vol_30d", "ic"]), float(base.loc["vol_30d", "ic"])
        add("beats_trailing_vol", not ours > theirs,
            f"rank IC with 30-day volatility: score {ours:+.3f}, trailing 30-day volatility "
            f"{theirs:+.3f}" + ("; the score does not beat trailing volatility at predicting "
                                "volatility" if not ours > theirs else ""))
    if crit is not None and not math.isnan(crit.get("primary", math.nan)):
        add("primary_criterion", not crit["carries_information"],
            f"primary criterion {crit['primary']:+.3f}, {crit['confidence']:.0%} interval "
            f"[{crit['primary_low']:+.3f}, {crit['primary_high']:+.3f}]"
            + ("; the score has not shown information about forward crypto risk"
               if not crit["carries_information"] else ""))
        add("incremental_criterion", not crit["beats_trailing_vol"],
            f"after trailing volatility {crit['incremental']:+.3f}, interval "
            f"[{crit['incremental_low']:+.3f}, {crit['incremental_high']:+.3f}]"
            + ("; nothing shown beyond what trailing volatility already says"
               if not crit["beats_trailing_vol"] else ""))
    return pd.DataFrame(rows, columns=["check", "fired", "message"])


def evidence_tables(scores, score, regime, close, timeframe, start, end, *, macro, by,
                    control, interval, confidence, n_boot, seed, validity, validity_start,
                    settings) -> dict:
    """Every table of the protocol's evidence, for :func:`backtests.evaluate`.

    Parameters are those of :func:`backtests.evaluate`; `score` and `regime` are already on
    the candles' bars and `close` is cut to the period. `settings` gains ``unavailable``.

    Returns
    -------
    dict
        ``target_ic``, ``risk_quantiles``, ``risk_regimes``, ``criterion``, ``checks``,
        ``validity`` (None without `macro` or with ``validity=False``).
    """
    targets = risk_targets(close, timeframe, start=start, end=end)
    base = baselines(close, timeframe, macro)
    predictors = pd.concat([score.rename("score"), base], axis=1)
    if by is not None:
        predictors = predictors.join(component_predictors(macro, close.index, timeframe,
                                                          by=by))
    own = base["trailing_vol_30d"] if control is None else \
        trailing_volatility(control, timeframe, 30).reindex(close.index)
    ics = target_ics(predictors, targets, control=own, interval=interval,
                     confidence=confidence, n_boot=n_boot,
                     block=bar_count(30, timeframe, "block"), seed=seed)
    frame = pd.DataFrame({"x": score, "vol_30d": targets["vol_30d"],
                          "drawdown_30d": targets["drawdown_30d"], "control": own})
    crit = criterion({settings.get("symbol") or "asset": frame}, confidence=confidence,
                     n_boot=n_boot, block=bar_count(30, timeframe, "block"), seed=seed)
    known = score.dropna()
    keys = pd.Series(pd.qcut(known, 5, labels=False, duplicates="drop") + 1,
                     index=known.index, name="quantile")
    by_quantile = risk_table(keys, targets)
    by_regime = risk_table(regime.rename("regime"), targets)
    checks = evidence_checks(by_quantile, by_regime, ics, crit)
    table = None
    if validity and macro is not None:
        table = construct_validity(scores, macro, start=validity_start, end=end,
                                   confidence=confidence, n_boot=n_boot, seed=seed)
    settings["unavailable"] = dict(base.attrs.get("unavailable", {}))
    if macro is None:
        settings["unavailable"]["construct_validity"] = "needs the macro data (macro=)"
    return {"target_ic": ics, "risk_quantiles": by_quantile, "risk_regimes": by_regime,
            "criterion": crit, "checks": checks, "validity": table}
