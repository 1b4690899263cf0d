"""The research protocol's rules 1 to 5, run on the choice period only.

docs/research_protocol.md fixes, before any result was seen, how the score's defaults are
chosen. :func:`run_choice` applies its rules in order to the bundled data cut at the end
of the choice period (2020-12-31), so that nothing later can reach a choice:

1. each component's standardisation, by construct validity on its family's channel;
2. whether the repatriation family enters the default weights;
3. the aggregation method, by the primary criterion;
4. the regime levels, from the weekday scores of each method's choice-period history;
5. the default backtest rule, from those levels.

:func:`to_toml` writes the picks to ``signals/defaults.toml``, which the package's
defaults read (:mod:`signals.defaults`), and :func:`render_markdown` the figures behind
each pick (docs/choice.md)::

    riskoff study --choose

Nothing here looks at the confirmation period; :mod:`backtests.research.study` reports it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from backtests.research.evidence import criterion
from backtests.research.study import (
    CANDIDATES,
    COMMAND_CHOOSE,
    SYMBOLS,
    asset_targets,
    candidate_scores,
    criterion_frames,
    load_bundled,
    on_bars,
)
from backtests.research.validity import construct_validity, event_flags, weekday_scores
from signals.defaults import LEVEL_NAMES, family_entry_weights, threshold_rule
from signals.families.registry import STANDARDIZATIONS

__all__ = ["CHANNELS", "Choice", "render_markdown", "run_choice", "to_toml"]

PROTOCOL_VERSION = 4
#: The last day of the choice period; data available after it are cut before any rule runs.
CHOICE_END = "2020-12-31"
#: Construct validity's choice period starts here (every Japan-channel input exists).
VALIDITY_START = "2005-01-01"
#: Regime levels read the score from here (or its first row).
LEVELS_START = "1995-01-01"
#: Rule 1: each family's channel (protocol v4).
CHANNELS = {"jgb": "jgb_surge", "repatriation": "jgb_surge", "yen": "yen_surge",
            "carry": "yen_surge", "treasuries": "ust_spike", "holdings": "ust_spike",
            "cross_asset": "nikkei_crash"}
#: Rule 1: fewest channel event days with a reading for a ratio to count.
MIN_EVENT_DAYS = 20
#: Rule 1: a ratio within this of the best goes to the two-year z-score.
RATIO_TIE = 0.05
#: Rule 2: the repatriation family's weight when it enters.
REPATRIATION_WEIGHT = 0.15
#: Rule 3: a primary criterion within this of the best goes to the simpler method.
PRIMARY_TIE = 0.01
#: Rule 4: the quantile of the choice-period weekday scores where each regime starts.
LEVEL_QUANTILES = {"watch": 0.80, "stress": 0.95, "unwind": 0.99}


@dataclass
class Choice:
    """What each rule picked, and the figures it picked from.

    Attributes
    ----------
    standardize : pd.DataFrame
        Rule 1, one row per component: ``family``, ``channel``, ``event_days``, the ratio of
        each standardisation (``ratio_<name>``), ``chosen`` and ``why``.
    component_set : pd.DataFrame
        Rule 2, rows ``without`` and ``with`` the repatriation family: ``jgb_surge_share``,
        ``primary``, ``primary_se``; ``attrs["enters"]`` and ``attrs["why"]``.
    methods : pd.DataFrame
        Rule 3, one row per candidate: ``primary``, ``primary_low``, ``primary_high``,
        ``informative``; ``attrs["chosen"]`` and ``attrs["why"]``.
    levels : pd.DataFrame
        Rule 4, one row per candidate: ``watch``, ``stress``, ``unwind``, ``days``, ``first``.
    method : str
        The chosen method.
    rule : str
        Rule 5, the default backtest rule.
    data : dict
        What the rules ran on.
    """

    standardize: pd.DataFrame
    component_set: pd.DataFrame
    methods: pd.DataFrame
    levels: pd.DataFrame
    method: str
    rule: str
    data: dict = field(default_factory=dict)

    @property
    def standardizations(self) -> dict[str, str]:
        """``{component: standardisation}`` picked by rule 1."""
        return self.standardize["chosen"].to_dict()

    @property
    def repatriation_weight(self) -> float:
        """The repatriation family's weight after rule 2 (0 when it stays out)."""
        return REPATRIATION_WEIGHT if self.component_set.attrs["enters"] else 0.0


def _cut(macro, prices, end):
    """The macro series and candles as they stood at the end of `end` (UTC)."""
    cutoff = pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
    macro = {name: series[series.index < cutoff] for name, series in macro.items()}
    prices = {symbol: candles[candles.index + pd.Timedelta(days=1) <= cutoff]
              for symbol, candles in prices.items()}
    return macro, prices


def choose_standardizations(macro, *, start=VALIDITY_START, end=CHOICE_END) -> pd.DataFrame:
    """Rule 1: per component, the standardisation that responds most to its channel.

    For each standardisation, the share of the channel's event days with the component in
    its own upper quintile over the share on calm days (2005-2020 by default). The highest
    ratio wins; one within :data:`RATIO_TIE` of it goes to the two-year z-score.

    Parameters
    ----------
    macro : mapping
        Macro series indexed by availability time, cut at the end of the choice period.
    start, end : str
        The period of the event days.

    Returns
    -------
    pd.DataFrame
        See :attr:`Choice.standardize`.
    """
    from signals.families.registry import components
    from signals.score.standardize import standardize

    days = pd.bdate_range(pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC"))
    flags, calm_days = event_flags(macro, days)
    rows = []
    for name, component in components().items():
        channel = CHANNELS.get(component.family)
        row = {"component": name, "family": component.family, "channel": channel,
               "event_days": 0}
        raw = component.compute(macro)
        if raw is None or channel not in flags:
            why = ("no bundled data" if raw is None else "no channel for its family"
                   if channel is None else f"{channel} events are not in the bundled data")
            rows.append(row | {"chosen": component.standardize, "why": why})
            continue
        ratios = {}
        for how in STANDARDIZATIONS:
            z = standardize(raw, how, component.frequency).dropna()
            if z.empty:
                ratios[how] = math.nan
                continue
            _, daily, top, _ = weekday_scores(z, start=start, end=end)
            known = ~np.isnan(daily)
            events, calm = flags[channel] & known, calm_days & known
            row["event_days"] = max(row["event_days"], int(events.sum()))
            calm_share = top[calm].mean() if calm.any() else math.nan
            ratios[how] = (top[events].mean() / calm_share
                           if events.sum() >= MIN_EVENT_DAYS and calm_share > 0 else math.nan)
        row |= {f"ratio_{how}": ratio for how, ratio in ratios.items()}
        valid = {how: r for how, r in ratios.items() if not math.isnan(r)}
        if not valid:
            rows.append(row | {"chosen": component.standardize,
                               "why": f"fewer than {MIN_EVENT_DAYS} {channel} days with a "
                                      "reading"})
            continue
        best = max(valid, key=valid.get)
        if "zscore" in valid and valid["zscore"] >= valid[best] - RATIO_TIE:
            chosen = "zscore"
            why = "highest ratio" if best == "zscore" else \
                f"within {RATIO_TIE} of {best}'s: tie to the two-year z-score"
        else:
            chosen, why = best, "highest ratio"
        rows.append(row | {"chosen": chosen, "why": why})
    return pd.DataFrame(rows).set_index("component")


def _primary(score, prices, *, n_boot, seed) -> dict:
    """:func:`criterion` of a score on every asset's candles, all of them."""
    per_asset, control = asset_targets(prices)
    x = {symbol: on_bars(score, targets.index) for symbol, (targets, _) in per_asset.items()}
    return criterion(criterion_frames(x, per_asset, control), n_boot=n_boot, seed=seed)


def choose_component_set(macro, prices, standardizations, *, n_boot=2000,
                         seed=0) -> pd.DataFrame:
    """Rule 2: does the repatriation family enter the default weights.

    It enters when the ``mean`` score with it stands in its upper quintile on a larger
    share of JGB-surge days (2005-2020) and its primary criterion is no lower than without
    it minus one bootstrap standard error.

    Returns
    -------
    pd.DataFrame
        See :attr:`Choice.component_set`.
    """
    from signals.score.composite import risk_off_score

    weights = {"without": entry_weights(0.0), "with": entry_weights()}
    rows = {}
    for label, w in weights.items():
        score = risk_off_score(macro, method="mean", weights=w,
                               standardize_as=standardizations)
        validity = construct_validity(score, macro, start=VALIDITY_START, end=CHOICE_END,
                                      n_boot=2, seed=seed)
        result = _primary(score, prices, n_boot=n_boot, seed=seed)
        rows[label] = {"jgb_surge_share": validity.loc["jgb_surge", "share_top"],
                       "calm_share": validity.loc["calm", "share_top"],
                       "primary": result["primary"], "primary_se": result["primary_se"]}
    out = pd.DataFrame.from_dict(rows, orient="index")
    more_surge = out.loc["with", "jgb_surge_share"] > out.loc["without", "jgb_surge_share"]
    floor = out.loc["without", "primary"] - out.loc["without", "primary_se"]
    keeps_primary = out.loc["with", "primary"] >= floor
    out.attrs["enters"] = bool(more_surge and keeps_primary)
    out.attrs["why"] = (
        f"JGB-surge share {out.loc['with', 'jgb_surge_share']:.3f} with against "
        f"{out.loc['without', 'jgb_surge_share']:.3f} without "
        f"({'higher' if more_surge else 'not higher'}); primary "
        f"{out.loc['with', 'primary']:+.3f} with against the floor {floor:+.3f} (without "
        f"minus one standard error: {'kept' if keeps_primary else 'not kept'})")
    return out


def entry_weights(share: float = REPATRIATION_WEIGHT) -> dict[str, float]:
    """The registered weights with the repatriation family at `share` of the total (0: out).

    Scaling every weight alike changes no score, so the result is the same whether or not
    the registry already holds an earlier choice's weights.
    """
    from signals.families.registry import components

    return family_entry_weights({name: (c.family, c.weight) for name, c in components().items()},
                                "repatriation", share)


def _scores(macro, prices, weights, standardizations):
    from signals.score.learned import tail_event_labels

    labels = tail_event_labels(prices[SYMBOLS[0]])
    return candidate_scores(macro, CANDIDATES, labels=labels, weights=weights,
                            standardize_as=standardizations)


def choose_method(scores, status, prices, *, n_boot=2000, seed=0) -> pd.DataFrame:
    """Rule 3: the candidate with the highest primary criterion whose interval is above 0.

    Returns
    -------
    pd.DataFrame
        See :attr:`Choice.methods`.
    """
    rows = {}
    for method in CANDIDATES:
        if method not in scores:
            rows[method] = {"primary": math.nan, "primary_low": math.nan,
                            "primary_high": math.nan, "informative": False,
                            "status": status[method]}
            continue
        result = _primary(scores[method], prices, n_boot=n_boot, seed=seed)
        rows[method] = {"primary": result["primary"], "primary_low": result["primary_low"],
                        "primary_high": result["primary_high"],
                        "informative": bool(result["carries_information"]),
                        "status": "available"}
    out = pd.DataFrame.from_dict(rows, orient="index")
    informative = out[out["informative"]]
    if informative.empty:
        out.attrs["chosen"], out.attrs["carries_information"] = "mean", False
        out.attrs["why"] = ("no candidate carries information in the choice period: the "
                            "default stays mean")
        return out
    best = informative["primary"].max()
    chosen = next(m for m in CANDIDATES if m in informative.index
                  and informative.loc[m, "primary"] >= best - PRIMARY_TIE)
    out.attrs["chosen"], out.attrs["carries_information"] = chosen, True
    top = informative["primary"].idxmax()
    out.attrs["why"] = ("highest primary criterion with its interval above 0"
                        if chosen == top else
                        f"within {PRIMARY_TIE} of {top}'s: the simpler method")
    return out


def regime_levels(scores, *, start=LEVELS_START, end=CHOICE_END) -> pd.DataFrame:
    """Rule 4: each method's watch, stress and unwind levels from its weekday scores.

    Returns
    -------
    pd.DataFrame
        See :attr:`Choice.levels`.
    """
    rows = {}
    for method, score in scores.items():
        first = max(pd.Timestamp(start, tz="UTC"), score["score"].dropna().index[0])
        _, daily, _, _ = weekday_scores(score, start=first.normalize(), end=end)
        known = daily[~np.isnan(daily)]
        rows[method] = {name: round(float(np.quantile(known, LEVEL_QUANTILES[name])), 1)
                        for name in LEVEL_NAMES} | {"days": len(known),
                                                    "first": f"{first:%Y-%m-%d}"}
    return pd.DataFrame.from_dict(rows, orient="index")


def run_choice(*, macro=None, prices=None, n_boot: int = 2000, seed: int = 0) -> Choice:
    """Run rules 1 to 5 of docs/research_protocol.md on the choice period.

    Parameters
    ----------
    macro, prices : optional
        Data already loaded (``{symbol: daily candles}``); default the bundled data read
        through an empty store with no network. Both are cut at the end of 2020-12-31
        before any rule runs.
    n_boot, seed : int
        Moving-block bootstrap draws and seed (protocol: 2,000 and 0).

    Returns
    -------
    Choice
    """
    tag = None
    if macro is None or prices is None:
        macro, prices, _ = load_bundled()
        from signals.data.bundled import bundle_tag

        tag = bundle_tag()
    macro, prices = _cut(macro, prices, CHOICE_END)
    standardize = choose_standardizations(macro)
    chosen = standardize["chosen"].to_dict()
    component_set = choose_component_set(macro, prices, chosen, n_boot=n_boot, seed=seed)
    weights = entry_weights(REPATRIATION_WEIGHT if component_set.attrs["enters"] else 0.0)
    scores, status = _scores(macro, prices, weights, chosen)
    methods = choose_method(scores, status, prices, n_boot=n_boot, seed=seed)
    levels = regime_levels(scores)
    method = methods.attrs["chosen"]
    rule = threshold_rule(levels.loc[method, "watch"], levels.loc[method, "stress"])
    data = {"bundle_tag": tag, "choice_end": CHOICE_END, "n_boot": n_boot, "seed": seed,
            "candles": {s: (f"{c.index[0]:%Y-%m-%d}", f"{c.index[-1]:%Y-%m-%d}")
                        for s, c in prices.items()}}
    return Choice(standardize=standardize, component_set=component_set, methods=methods,
                  levels=levels, method=method, rule=rule, data=data)


def to_toml(choice: Choice) -> str:
    """``signals/defaults.toml``: the picks, read by :mod:`signals.defaults`, and a record.

    The record lines (protocol version, data bundle, rule 3's verdict) say how the picks
    were made; the package does not read them.
    """
    lines = ["# The defaults chosen by docs/research_protocol.md's rules 1-5 on the choice",
             "# period (data to 2020-12-31). Written by `riskoff study --choose`; do not edit by",
             "# hand. The figures behind each pick are in docs/choice.md.",
             f"protocol_version = {PROTOCOL_VERSION}",
             f'bundle = "{choice.data.get("bundle_tag") or "not the bundled data"}"',
             f'method = "{choice.method}"',
             f"carries_information = {str(choice.methods.attrs['carries_information']).lower()}",
             f"repatriation_weight = {choice.repatriation_weight:g}", "", "[standardize]"]
    lines += [f'{name} = "{how}"' for name, how in choice.standardizations.items()]
    for method, row in choice.levels.iterrows():
        lines += ["", f"[levels.{method}]"]
        lines += [f"{name} = {row[name]:g}" for name in LEVEL_NAMES]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- markdown
def _f(value, fmt="{:.3f}") -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else fmt.format(value)


def _table(header, rows) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows)]


def render_markdown(choice: Choice) -> str:
    """docs/choice.md: each rule's figures and pick, from :func:`run_choice`."""
    s, c, m, lv = choice.standardize, choice.component_set, choice.methods, choice.levels
    out = ["# The protocol's choice: rules 1 to 5 on the choice period", "",
           f"Generated by `{COMMAND_CHOOSE}` from the package's bundled data (bundle "
           f"`{choice.data.get('bundle_tag')}`), cut at the end of {CHOICE_END} before any "
           f"rule ran, following [research_protocol.md](research_protocol.md) (version "
           f"{PROTOCOL_VERSION}). The picks are in `signals/defaults.toml`, which the package "
           "reads. Do not edit by hand: rerun the command. The confirmation period "
           "(2021-2023) is in [evidence.md](evidence.md).", "",
           "## Rule 1: each component's standardisation", "",
           f"Ratio: share of the channel's event days ({VALIDITY_START} to {CHOICE_END}) with "
           "the component in its own upper quintile, over its share on calm days. Highest "
           f"wins; within {RATIO_TIE} of it goes to the two-year z-score (`zscore`).", ""]
    out += _table(["component", "family", "channel", "event days",
                   *(f"`{h}`" for h in STANDARDIZATIONS), "chosen", "why"],
                  [[f"`{name}`", r["family"], r["channel"] or "n/a", str(r["event_days"]),
                    *(_f(r[f"ratio_{h}"]) if f"ratio_{h}" in r else "n/a"
                      for h in STANDARDIZATIONS), f"`{r['chosen']}`", r["why"]]
                   for name, r in s.iterrows()])
    out += ["", "## Rule 2: the repatriation family", "",
            f"The `mean` score with rule 1's standardisations, without and with the family at "
            f"weight {REPATRIATION_WEIGHT}.", ""]
    out += _table(["weights", "JGB-surge days in the upper quintile", "calm days",
                   "primary criterion", "bootstrap s.e."],
                  [[label, _f(r["jgb_surge_share"]), _f(r["calm_share"]),
                    _f(r["primary"], "{:+.3f}"), _f(r["primary_se"])]
                   for label, r in c.iterrows()])
    out += ["", f"**{'Enters' if c.attrs['enters'] else 'Stays out (weight 0)'}**: "
            f"{c.attrs['why']}.", "", "## Rule 3: the method", "",
            "Primary criterion (choice period, BTC and ETH): mean rank IC with 30-day forward "
            "volatility and drawdown depth, 90% moving-block bootstrap interval.", ""]
    out += _table(["method", "primary", "interval", "carries information"],
                  [[f"`{name}`", _f(r["primary"], "{:+.3f}"),
                    f"[{_f(r['primary_low'], '{:+.3f}')}, {_f(r['primary_high'], '{:+.3f}')}]",
                    "yes" if r["informative"] else ("no" if r["status"] == "available"
                                                    else r["status"])]
                   for name, r in m.iterrows()])
    out += ["", f"**Chosen: `{choice.method}`** ({m.attrs['why']}).", "",
            "## Rule 4: regime levels", "",
            f"Quantiles of the score in force at the end of each weekday, from {LEVELS_START} "
            f"(or the method's first score) to {CHOICE_END}: watch from the 80th, stress from "
            "the 95th, unwind from the 99th. Every method's are kept, so a user who picks "
            "another method gets levels on its own scale.", ""]
    out += _table(["method", "first day", "weekdays", "watch", "stress", "unwind"],
                  [[f"`{name}`" + (" (default)" if name == choice.method else ""), r["first"],
                    f"{r['days']:,}", f"{r['watch']:g}", f"{r['stress']:g}", f"{r['unwind']:g}"]
                   for name, r in lv.iterrows()])
    out += ["", "## Rule 5: the default backtest rule", "",
            f"`{choice.rule}`: flat from the stress level, long again below the watch level.",
            ""]
    return "\n".join(out)
