"""The protocol's rules 1-5 (backtests.research.choice) and the defaults they wrote."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import signals
from backtests.research.choice import (
    CHOICE_END,
    REPATRIATION_WEIGHT,
    _cut,
    entry_weights,
    run_choice,
    to_toml,
)
from backtests.research.study import load_bundled
from signals.defaults import DEFAULTS, LEVEL_NAMES, PATH, family_entry_weights, load_defaults
from signals.errors import ConfigError
from tests import ROOT


@pytest.fixture(scope="module")
def choice():
    return run_choice()


def test_the_committed_defaults_are_what_the_rules_pick_today(choice):
    """signals/defaults.toml and docs/choice.md are the rules' output, not hand edits."""
    from backtests.research.choice import render_markdown

    assert to_toml(choice) == PATH.read_text(encoding="utf-8")
    assert render_markdown(choice) == (ROOT / "docs" / "choice.md").read_text(encoding="utf-8")


def test_the_package_defaults_follow_the_recorded_choice(choice):
    assert DEFAULTS.method == choice.method
    assert signals.REGIMES[1:] == tuple(zip(LEVEL_NAMES, DEFAULTS.levels_of(), strict=True))
    assert DEFAULTS.backtest_rule() == choice.rule
    components = signals.components()
    for name, how in choice.standardizations.items():
        assert components[name].standardize == how
    scores = signals.risk_off_score(load_bundled()[0], start="2023-12-01")
    assert scores.attrs["method"] == choice.method


def test_the_choice_reads_nothing_after_the_choice_period():
    macro, prices, _ = load_bundled()
    cut_macro, cut_prices = _cut(macro, prices, CHOICE_END)
    end = pd.Timestamp(CHOICE_END, tz="UTC") + pd.Timedelta(days=1)
    assert all(series.index.max() < end for series in cut_macro.values() if len(series))
    for candles in cut_prices.values():
        assert candles.index.max() + pd.Timedelta(days=1) <= end  # the last close is in 2020
    assert len(cut_macro["jgb_10y"]) < len(macro["jgb_10y"])


def table_row(text: str, first: str) -> list[str]:
    """The cells of the one Markdown table row of `text` that starts with `first`."""
    rows = [line for line in text.splitlines() if line.startswith(f"| {first}")]
    assert len(rows) == 1, f"{len(rows)} rows start with {first!r}"
    return [cell.strip() for cell in rows[0].strip().strip("|").split("|")]


def test_the_documented_figures_are_the_recorded_ones():
    """The levels and the rule quoted in the docs come from signals/defaults.toml, and the
    README's trust table (the default method and the trailing-volatility baseline) from
    docs/evidence.md."""
    text = (ROOT / "docs" / "signals.md").read_text(encoding="utf-8")
    watch, stress, unwind = DEFAULTS.levels_of()
    assert f"**watch** from {watch:g}" in text and f"**stress** from\n   {stress:g}" in text
    assert f"**unwind** from {unwind:g}" in text and f"`{DEFAULTS.backtest_rule()}`" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    evidence = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    method = table_row(evidence, f"`{DEFAULTS.method}` | method")
    trailing = table_row(evidence, "`trailing_vol_30d` | baseline")
    # evidence.md: predictor, kind, then primary, incremental, informative per period
    for period, at in (("choice, ", 2), ("confirmation, 2021-2023", 5)):
        trust = table_row(readme, period)  # period, the default, informative, trailing vol
        assert trust[1:] == [method[at], method[at + 2], trailing[at]], period
    if method[7] == "no":
        assert "**The score has not shown information about forward crypto risk in 2021-2023.**" \
            in readme


def test_entering_a_family_keeps_the_total_and_gives_it_its_share():
    weights = {"a": ("x", 0.6), "b": ("y", 0.4), "c": ("new", 0.0), "d": ("new", 0.0)}
    out = family_entry_weights(weights, "new", 0.2)
    assert sum(out.values()) == pytest.approx(1.0)
    assert out["c"] == out["d"] == pytest.approx(0.1)
    assert out["a"] / out["b"] == pytest.approx(1.5)
    assert family_entry_weights(weights, "new", 0.0) == {"a": 0.6, "b": 0.4, "c": 0.0, "d": 0.0}
    with pytest.raises(ConfigError, match="share must be in"):
        family_entry_weights(weights, "new", 1.0)
    with pytest.raises(ConfigError, match="no component of family 'none'"):
        family_entry_weights(weights, "none", 0.1)


def test_entry_weights_do_not_depend_on_an_earlier_choice():
    """Scaling every weight alike changes no score: a rerun sees the same comparison."""
    out, none = entry_weights(), entry_weights(0.0)
    repatriation = [n for n, c in signals.components().items() if c.family == "repatriation"]
    total = sum(out.values())
    assert sum(out[n] for n in repatriation) / total == pytest.approx(REPATRIATION_WEIGHT)
    others = [n for n in out if n not in repatriation]
    np.testing.assert_allclose([out[n] / none[n] for n in others if none[n]],
                               1 - REPATRIATION_WEIGHT)


def test_a_broken_defaults_file_says_what_to_do(tmp_path):
    bad = tmp_path / "defaults.toml"
    bad.write_text('method = "family"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="rerun the command"):
        load_defaults(bad)
    text = PATH.read_text(encoding="utf-8")
    bad.write_text(text.replace(f"[levels.{DEFAULTS.method}]", "[levels.other]"),
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="no regime levels for its method"):
        load_defaults(bad)
    with pytest.raises(ConfigError, match="no regime levels for method 'nope'"):
        DEFAULTS.levels_of("nope")


def test_the_record_lines_of_the_defaults_file_change_no_default(tmp_path):
    """The protocol version, the bundle and rule 3's verdict are for a reader, not read."""
    text = PATH.read_text(encoding="utf-8")
    record = ("protocol_version = ", "bundle = ", "carries_information = ")
    picks = "\n".join(line for line in text.splitlines() if not line.startswith(record))
    assert all(f"\n{key}" in text for key in record) and len(picks) < len(text)
    path = tmp_path / "defaults.toml"
    path.write_text(picks, encoding="utf-8")
    assert load_defaults(path) == DEFAULTS
