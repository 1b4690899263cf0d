"""The research protocol's study, rerun from the bundled data, and its evidence tables.

:func:`run_study` follows docs/research_protocol.md: the choice period (first candle to
2020-12-31) and the confirmation period (2021-2023) side by side, for every candidate
aggregation that :func:`signals.risk_off_score` offers today, the baselines, every family
and component, on the bundled Binance daily candles of BTC/USDT and ETH/USDT and the macro
data a new user has (an empty store, no network). :func:`render_markdown` writes the tables
that docs/evidence.md holds, so that no number there is copied by hand::

    riskoff study --write docs/evidence.md

Candidates are asked for by name (:data:`CANDIDATES`); one that ``risk_off_score`` does not
know yet (it raises a :class:`signals.ConfigError`) is listed as not available, with the
message, so a method added later is picked up by the next run with no change here.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from backtests.research.evidence import (
    baselines,
    component_predictors,
    criterion,
    evidence_checks,
    risk_table,
    target_ics,
)
from backtests.research.targets import risk_targets
from backtests.research.validity import construct_validity
from signals.errors import ConfigError

__all__ = ["CANDIDATES", "PERIODS", "Study", "render_markdown", "run_study"]

#: The protocol's candidate aggregations, in order of simplicity.
CANDIDATES = ("mean", "family", "pca", "turbulence", "learned")
#: (first, last) candle open date of each period; None = the first candle.
PERIODS = {"choice": (None, "2020-12-31"), "confirmation": ("2021-01-01", "2023-12-31")}
#: Construct validity uses the macro history only, from 2005.
VALIDITY_PERIODS = {"choice": ("2005-01-01", "2020-12-31"),
                    "confirmation": ("2021-01-01", "2023-12-31")}
SYMBOLS = ("BTC/USDT", "ETH/USDT")
#: Crypto-only crashes with no Japan or rates channel (protocol rule 6), by their first day.
CRYPTO_ONLY = {"May 2021 sell-off": "2021-05-12", "Terra collapse": "2022-05-07",
               "FTX collapse": "2022-11-06"}
COMMAND = "riskoff study --write docs/evidence.md"
COMMAND_CHOOSE = "riskoff study --choose --write docs/choice.md --defaults signals/defaults.toml"


@dataclass
class Study:
    """Everything :func:`run_study` measured.

    Attributes
    ----------
    criteria : pd.DataFrame
        One row per (period, predictor): the primary and incremental criteria over BTC and
        ETH together (:func:`backtests.research.evidence.criterion`), with ``kind``
        (``method``, ``baseline``, ``family``, ``component``).
    ics : pd.DataFrame
        Per (period, symbol): :func:`target_ics` of the methods and baselines.
    quantiles : pd.DataFrame
        Per (period, symbol, method): :func:`risk_table` by score quintile and ``all``
        (always-long on the same rows).
    validity : pd.DataFrame
        Per (period, method): :func:`construct_validity`.
    checks : pd.DataFrame
        Per (period, symbol, method): :func:`evidence_checks`.
    methods : dict
        Candidate -> ``"available"`` or why it is not.
    crypto_only : pd.DataFrame
        Per :data:`CRYPTO_ONLY` episode and symbol: the default method's score and regime
        at the close before it, and the 30-day drawdown depth that followed.
    data : dict
        What the study ran on (bundle tag, periods, candle ranges, unavailable inputs).
    """

    criteria: pd.DataFrame
    ics: pd.DataFrame
    quantiles: pd.DataFrame
    validity: pd.DataFrame
    checks: pd.DataFrame
    methods: dict
    crypto_only: pd.DataFrame
    data: dict = field(default_factory=dict)


def candidate_scores(macro, candidates=CANDIDATES, *, labels=None,
                     **options) -> tuple[dict, dict]:
    """The score of every candidate method ``risk_off_score`` knows, and why others are not.

    Parameters
    ----------
    macro : MacroData or mapping
        The macro data.
    candidates : sequence of str
        Method names, ``"mean"`` first.
    labels : pd.Series, optional
        The tail-event labels of the ``learned`` method, indexed by when each became known
        (:func:`signals.score.learned.tail_event_labels`); without them it is not available.
    **options
        Passed to :func:`signals.risk_off_score` for every method (``weights``,
        ``standardize_as``).

    Returns
    -------
    tuple of dict
        ``({method: scores}, {method: "available" or the reason it is not})``.
    """
    from signals.score.composite import risk_off_score

    scores, status = {}, {}
    for method in candidates:
        extra = {"labels": labels} if method == "learned" and labels is not None else {}
        try:
            scores[method] = risk_off_score(macro, method=method, **options, **extra)
            status[method] = "available"
        except ConfigError as exc:
            status[method] = f"not available: {exc}"
    return scores, status


def load_bundled(data_dir=None):
    """Bundled macro data and candles, read through an empty store, never the network."""
    from backtests.candles.prices import load_prices
    from signals.data.macro import load_macro
    from signals.data.store import Store

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        store = Store(Path(folder) / "study.sqlite")
        macro = load_macro(data_dir=data_dir, store=store)
        prices = {s: load_prices(s, "1d", store=store) for s in SYMBOLS}
    notes = list(dict.fromkeys(str(w.message) for w in seen
                               if issubclass(w.category, UserWarning)))
    return macro, prices, notes


def on_bars(scores: pd.DataFrame, index, timeframe="1d") -> pd.Series:
    """The score each candle saw at its close (:func:`signals.align_to_bars`), float64."""
    from signals.score.align import align_to_bars

    return align_to_bars(scores[["score"]], index, timeframe)["score"].astype("float64")


def asset_targets(prices, macro=None, *, start=None, end=None) -> tuple[dict, pd.Series]:
    """Per asset, the protocol's targets and baselines over a period, and the control.

    Parameters
    ----------
    prices : mapping
        ``{symbol: daily candles}``.
    macro : MacroData or mapping, optional
        For the macro baselines (:func:`backtests.research.evidence.baselines`); without
        it only the trailing volatility is there.
    start, end : str, optional
        The period by candle open date (inclusive); None = the candles' own ends.

    Returns
    -------
    tuple
        ``({symbol: (targets, baselines)}, control)``: :func:`risk_targets` and the
        baselines on the period's bars, and the control of the incremental criterion,
        BTC/USDT's trailing 30-day volatility (a fraction a year; the first asset's when
        BTC is absent), which the protocol uses for every asset.
    """
    per_asset = {}
    for symbol, candles in prices.items():
        targets = risk_targets(candles, "1d", start=start, end=end)
        per_asset[symbol] = (targets, baselines(candles, "1d", macro).reindex(targets.index))
    first = SYMBOLS[0] if SYMBOLS[0] in per_asset else next(iter(per_asset))
    return per_asset, per_asset[first][1]["trailing_vol_30d"]


def criterion_frames(predictor, per_asset, control) -> dict[str, pd.DataFrame]:
    """Per asset, the frame :func:`backtests.research.evidence.criterion` reads.

    Parameters
    ----------
    predictor : mapping of str to pd.Series
        Per asset, the predictor by candle open time (higher = more risk-off).
    per_asset, control
        :func:`asset_targets`.

    Returns
    -------
    dict of str to pd.DataFrame
        Per asset, on its targets' bars: ``x`` (the predictor), ``vol_30d`` and
        ``drawdown_30d`` (the primary targets) and ``control``.
    """
    return {symbol: pd.DataFrame({"x": predictor[symbol].reindex(targets.index),
                                  "vol_30d": targets["vol_30d"],
                                  "drawdown_30d": targets["drawdown_30d"],
                                  "control": control.reindex(targets.index)})
            for symbol, (targets, _) in per_asset.items()}


def crypto_only_table(scores: pd.DataFrame, prices) -> pd.DataFrame:
    """The score before each crypto-only crash (:data:`CRYPTO_ONLY`) and what followed.

    Parameters
    ----------
    scores : pd.DataFrame
        :func:`signals.risk_off_score` of the default method.
    prices : mapping
        ``{symbol: daily candles}``.

    Returns
    -------
    pd.DataFrame
        Columns ``episode``, ``symbol``, ``day`` (the candle opening that day), ``score``
        and ``regime`` (what the candle before it saw at its close), ``drawdown_30d`` (the
        deepest fall within 30 days from that close, a positive fraction).
    """
    from signals.score.composite import regime_of

    rows = []
    for symbol, candles in prices.items():
        targets = risk_targets(candles, "1d")
        seen = on_bars(scores, targets.index)
        for episode, day in CRYPTO_ONLY.items():
            before = pd.Timestamp(day, tz="UTC") - pd.Timedelta(days=1)
            if before not in targets.index:
                continue
            score = float(seen.loc[before])
            rows.append({"episode": episode, "symbol": symbol, "day": day, "score": score,
                         "regime": str(regime_of(pd.Series([score]),
                                                 scores.attrs.get("method")).iloc[0]),
                         "drawdown_30d": float(targets.loc[before, "drawdown_30d"])})
    return pd.DataFrame(rows)


def run_study(*, data_dir=None, candidates=CANDIDATES, n_boot: int = 2000, seed: int = 0,
              components: bool = True, macro=None, prices=None) -> Study:
    """Rerun the protocol's study: every available method, the baselines, both periods.

    Parameters
    ----------
    data_dir : str or Path, optional
        A folder of saved publisher files read on top of the bundled macro data (for the
        VIX baseline); the candles are always the bundled ones.
    candidates : sequence of str
        Aggregation methods to try (:data:`CANDIDATES`).
    n_boot, seed : int
        Moving-block bootstrap draws and seed (protocol: 2,000 and 0; blocks of 30 days,
        90 % intervals).
    components : bool
        Also judge every family and component (their z-scores) on the criteria.
    macro, prices : optional
        Data already loaded (``{symbol: daily candles}``); default the bundled data.

    Returns
    -------
    Study
    """
    notes: list[str] = []
    if macro is None or prices is None:
        macro, prices, notes = load_bundled(data_dir)
    from signals.score.learned import tail_event_labels

    labels = tail_event_labels(prices["BTC/USDT"]) if "BTC/USDT" in prices else None
    scores, status = candidate_scores(macro, candidates, labels=labels)
    extra = {}
    if components:
        for by in ("family", "component"):
            for symbol, candles in prices.items():
                extra.setdefault(by, {})[symbol] = component_predictors(macro, candles.index,
                                                                        "1d", by=by)
    criteria, ics, quantiles, validity, checks = [], [], [], [], []
    unavailable: dict = {}
    for period, (first, last) in PERIODS.items():
        per_asset, control = asset_targets(prices, macro, start=first, end=last)
        predictors = {}
        for symbol, (targets, base) in per_asset.items():
            unavailable.update(base.attrs.get("unavailable", {}))
            predictors[symbol] = pd.concat({m: on_bars(s, targets.index)
                                            for m, s in scores.items()}, axis=1).join(base)
        names = {m: "method" for m in scores} | {b: "baseline" for b in
                                                 next(iter(predictors.values())).columns
                                                 if b not in scores}
        for by in ("family", "component"):
            for name in (next(iter(extra[by].values())).columns if by in extra else []):
                names[f"{by}:{name}"] = by
        for name, kind in names.items():
            by, _, short = name.rpartition(":")
            x = {symbol: extra[by][symbol][short] if by else predictors[symbol][name]
                 for symbol in per_asset}
            result = criterion(criterion_frames(x, per_asset, control), n_boot=n_boot,
                               seed=seed)
            criteria.append({"period": period, "predictor": short,
                             "kind": kind, **{k: v for k, v in result.items()
                                              if k not in ("assets", "confidence", "n_boot",
                                                           "block", "seed")}})
        for symbol, (targets, base) in per_asset.items():
            table = target_ics(predictors[symbol], targets, control=base["trailing_vol_30d"])
            ics.append(table.assign(period=period, symbol=symbol))
            for method in scores:
                score = predictors[symbol][method].dropna()
                keys = pd.Series(pd.qcut(score, 5, labels=False, duplicates="drop") + 1,
                                 index=score.index, name="quantile")
                by_quantile = risk_table(keys, targets)
                quantiles.append(by_quantile.reset_index().assign(period=period,
                                                                  symbol=symbol, method=method))
                found = evidence_checks(by_quantile, None, table.assign(
                    predictor=table["predictor"].replace({method: "score"})))
                checks.append(found.assign(period=period, symbol=symbol, method=method))
        v_first, v_last = VALIDITY_PERIODS[period]
        for method, s in scores.items():
            table = construct_validity(s, macro, start=v_first, end=v_last, n_boot=n_boot,
                                       seed=seed)
            validity.append(table.reset_index().assign(period=period, method=method))
    data = {"notes": notes, "unavailable": unavailable,
            "candles": {s: (f"{c.index[0]:%Y-%m-%d}", f"{c.index[-1]:%Y-%m-%d}")
                        for s, c in prices.items()},
            "n_boot": n_boot, "seed": seed, "block_days": 30, "confidence": 0.90}
    try:
        from signals.data.bundled import bundle_tag

        data["bundle_tag"] = bundle_tag()
    except ImportError:  # pragma: no cover - the bundle ships with the package
        data["bundle_tag"] = "unknown"
    from signals.score.composite import risk_off_score

    crypto_only = crypto_only_table(risk_off_score(macro), prices)
    return Study(criteria=pd.DataFrame(criteria), ics=pd.concat(ics, ignore_index=True),
                 quantiles=pd.concat(quantiles, ignore_index=True),
                 validity=pd.concat(validity, ignore_index=True),
                 checks=pd.concat(checks, ignore_index=True), methods=status,
                 crypto_only=crypto_only, data=data)


# ---------------------------------------------------------------- markdown
def _num(value, fmt="{:+.3f}") -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else fmt.format(value)


def _interval(low, high) -> str:
    return "n/a" if math.isnan(low) or math.isnan(high) else f"[{low:+.3f}, {high:+.3f}]"


def _md(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(study: Study, *, command: str = COMMAND) -> str:
    """docs/evidence.md: the study's tables, both periods side by side.

    Parameters
    ----------
    study : Study
        :func:`run_study`.
    command : str
        The command that made it, written in the header.

    Returns
    -------
    str
        Markdown.
    """
    data = study.data
    candles = ", ".join(f"{s} {a} to {b}" for s, (a, b) in data.get("candles", {}).items())
    missing = "; ".join(f"`{k}`: {v}" for k, v in data.get("unavailable", {}).items())
    out = [
        "# Evidence: does the risk-off score warn of crypto risk?",
        "",
        f"Generated by `{command}` from the package's bundled data (bundle "
        f"`{data.get('bundle_tag', 'unknown')}`; daily Binance candles: {candles}), following "
        "[research_protocol.md](research_protocol.md). Do not edit by hand: rerun the command.",
        "",
        f"Offline there is no Nikkei, VIX, MOVE or AUD/JPY, and USD/JPY is the weekly-published "
        f"H.10 rate. Not in the data: {missing or 'nothing'}. Intervals: {data['confidence']:.0%}, "
        f"moving-block bootstrap of the daily rows (blocks of {data['block_days']} days, "
        f"{data['n_boot']:,} draws, seed {data['seed']}). Periods by candle open date: choice = "
        "first candle to 2020-12-31 (no target window crosses into 2021), confirmation = "
        "2021-01-01 to 2023-12-31.",
        "",
        "## Candidate methods",
        "",
        _md(["method", "status"], [[f"`{m}`", s] for m, s in study.methods.items()]),
        "",
        "## Primary and incremental criteria (BTC and ETH together)",
        "",
        "Primary: mean rank IC of the predictor with 30-day forward realised volatility and "
        "with 30-day forward drawdown depth, averaged over BTC and ETH; it *carries "
        "information* when the lower end of its interval is above 0. Incremental: the same "
        "after removing what trailing 30-day BTC volatility explains (rank partial "
        "correlation). Family and component rows use their z-scores.",
        "",
    ]
    crit = study.criteria
    rows = []
    for (predictor, kind), group in crit.groupby(["predictor", "kind"], sort=False):
        cells = [f"`{predictor}`", kind]
        for period in PERIODS:
            row = group[group["period"] == period]
            if row.empty:
                cells += ["n/a"] * 3
                continue
            r = row.iloc[0]
            cells += [f"{_num(r['primary'])} {_interval(r['primary_low'], r['primary_high'])}",
                      f"{_num(r['incremental'])} "
                      f"{_interval(r['incremental_low'], r['incremental_high'])}",
                      "yes" if r["carries_information"] else "no"]
        rows.append(cells)
    out += [_md(["predictor", "kind", "choice: primary", "choice: incremental",
                 "choice: informative", "confirmation: primary", "confirmation: incremental",
                 "confirmation: informative"], rows), ""]
    out += ["## Rank IC with every target, per asset", "",
            "Risk targets (vol, drawdown, tail): positive = the predictor warns. Returns: "
            "negative = the predictor warns. Newey-West intervals (lags = the horizon).", ""]
    ics = study.ics
    for symbol in ics["symbol"].unique():
        rows = []
        mine = ics[ics["symbol"] == symbol]
        for (predictor, target), group in mine.groupby(["predictor", "target"], sort=False):
            cells = [f"`{predictor}`", target]
            for period in PERIODS:
                row = group[group["period"] == period]
                cells.append("n/a" if row.empty else
                             f"{_num(row.iloc[0]['ic'])} "
                             f"{_interval(row.iloc[0]['ci_low'], row.iloc[0]['ci_high'])} "
                             f"{row.iloc[0]['verdict']}")
            rows.append(cells)
        out += [f"### {symbol}", "", _md(["predictor", "target", "choice", "confirmation"],
                                          rows), ""]
    out += ["## Forward risk by score quintile (always-long = `all`)", ""]
    q = study.quantiles
    for (symbol, method), group in q.groupby(["symbol", "method"], sort=False):
        rows = []
        for _, r in group.iterrows():
            rows.append([r["period"], str(r["quantile"]), str(int(r["count"])),
                         _num(r["mean_return_30d"], "{:+.1%}"),
                         _num(r["mean_vol_30d"], "{:.0%}"),
                         _num(r["mean_drawdown_30d"], "{:.1%}"),
                         _num(r["mean_tail15_30d"], "{:.0%}")])
        out += [f"### {symbol}, `{method}`", "",
                _md(["period", "quintile", "days", "30d return", "30d vol", "30d drawdown",
                     "30d tail (>15%)"], rows), ""]
    out += ["## Construct validity: the score's upper quintile on Japan-channel event days", "",
            "Share of event days with the score in its own upper quintile (quintiles of the "
            "period's weekdays) against calm days (no event within 20 weekdays); the score "
            "*responds* when the difference and its whole interval are above 0 (blocks of 21 "
            "weekdays). Choice period from 2005-01-01.", ""]
    rows = []
    for _, r in study.validity.iterrows():
        if r["event"] == "calm":
            rows.append([f"`{r['method']}`", r["period"], "calm", "", str(int(r["days"])),
                         _num(r["share_top"], "{:.0%}"), "", "", ""])
            continue
        rows.append([f"`{r['method']}`", r["period"], r["event"],
                     "yes" if r["available"] else "**unavailable**", str(int(r["days"])),
                     _num(r["share_top"], "{:.0%}"), _num(r["calm_share"], "{:.0%}"),
                     f"{_num(r['difference'])} {_interval(r['ci_low'], r['ci_high'])}",
                     "yes" if r["responds"] else "no"])
    out += [_md(["method", "period", "event", "in the data", "event days", "in top quintile",
                 "calm days in top quintile", "difference", "responds"], rows), ""]
    out += ["## Checks that fired (evidence against the risk-off reading)", ""]
    fired = study.checks[study.checks["fired"]]
    rows = [[r["period"], r["symbol"], f"`{r['method']}`", r["check"], r["message"]]
            for _, r in fired.iterrows()]
    out += [_md(["period", "symbol", "method", "check", "what the evidence says"], rows)
            if rows else "None.", ""]
    if len(study.crypto_only):
        from signals.defaults import DEFAULTS

        out += ["## Crypto-only crashes: where the score does not help", "",
                f"Falls with no Japan or rates channel. The default method's (`{DEFAULTS.method}`) "
                "score the candle before saw at its close, against the deepest fall within "
                "30 days from that close. A risk-off score has no reason to stand high "
                "before these, and a user should not expect it to.", ""]
        rows = [[r["episode"], r["day"], r["symbol"], f"{r['score']:.1f}", r["regime"],
                 f"{r['drawdown_30d']:.1%}"] for _, r in study.crypto_only.iterrows()]
        out += [_md(["episode", "first day", "symbol", "score the day before", "regime",
                     "30-day drawdown"], rows), ""]
    if data.get("notes"):
        out += ["## Data notes", ""] + [f"- {n}" for n in data["notes"]] + [""]
    return "\n".join(out)
