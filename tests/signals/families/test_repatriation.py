"""Repatriation family: hand-checked values, invariants, errors, and the score with it."""

from __future__ import annotations

import numpy as np
import pytest

import signals
from signals.errors import DataContractError
from signals.families.repatriation import (
    hedged_pickup_drop,
    japan_foreign_bond_selling,
    jgb_10y_level,
    jgb_superlong_high,
    rate_differential_low,
)
from tests.signals import macro_series as yields

REPATRIATION = {"jgb_10y_level": 0.05, "jgb_superlong_high": 0.05,
                "rate_differential_low": 0.05, "hedged_pickup_drop": 0.05,
                "japan_foreign_bond_selling": 0.05}


def test_levels_and_spreads_by_hand():
    jgb_10y = yields([0.5, 1.0, 1.5])
    ust_10y = yields([4.0, 4.2, 4.1])
    ust_3m = yields([5.0, 5.0, 4.5])
    jgb_1y = yields([0.1, 0.2, 0.3])
    assert jgb_10y_level(jgb_10y).tolist() == [0.5, 1.0, 1.5]
    np.testing.assert_allclose(rate_differential_low(ust_10y, jgb_10y), [-3.5, -3.2, -2.6])
    # hedged Treasury = 4.0 - (5.0 - 0.1) = -0.9; JGB 0.5 - (-0.9) = 1.4; then
    # 4.2 - 4.8 = -0.6 -> 1.6; 4.1 - 4.2 = -0.1 -> 1.6
    np.testing.assert_allclose(hedged_pickup_drop(ust_10y, jgb_10y, ust_3m, jgb_1y),
                               [1.4, 1.6, 1.6])


def test_the_same_move_in_every_yield_changes_no_spread():
    base = [yields([0.5, 1.0, 1.5]), yields([4.0, 4.2, 4.1]), yields([5.0, 5.0, 4.5]),
            yields([0.1, 0.2, 0.3])]
    shifted = [s + 0.75 for s in base]
    np.testing.assert_allclose(hedged_pickup_drop(*shifted), hedged_pickup_drop(*base))
    np.testing.assert_allclose(rate_differential_low(*shifted[:2]),
                               rate_differential_low(*base[:2]))


def test_superlong_high_is_zero_at_a_new_high_and_the_closer_tenor_wins():
    short = yields([1.0, 1.2, 1.1, 1.3, 1.25])
    assert jgb_superlong_high(short, years=1).isna().all()  # less than a year: warm-up
    long = yields(np.r_[np.full(251, 1.0), [1.0, 1.2, 1.1, 1.3, 1.25]])
    long_40 = yields(np.r_[np.full(251, 1.5), [1.5, 1.6, 1.58, 1.55, 1.6]])
    high = jgb_superlong_high(long, years=1)
    np.testing.assert_allclose(high.iloc[-5:], [0.0, 0.0, -10.0, 0.0, -5.0])
    both = jgb_superlong_high(long, long_40, years=1)
    # the 40Y: 0, 0, -2, -5, 0 bp below its high; the closer of the two counts
    np.testing.assert_allclose(both.iloc[-5:], [0.0, 0.0, -2.0, 0.0, 0.0])


def test_foreign_bond_selling_by_hand():
    weekly_net = yields([1000.0, -3000.0, -500.0, 2500.0], freq="W-THU")
    selling = japan_foreign_bond_selling(weekly_net, window=2)
    # minus the sum of each week and the one before: -, 2000, 3500, -2000
    np.testing.assert_allclose(selling, [np.nan, 2000.0, 3500.0, -2000.0])
    assert selling.name == "japan_foreign_bond_selling"


def test_foreign_bond_selling_on_the_bundled_weeks(bundled_macro):
    """Autumn 2022, when Japan sold foreign bonds heavily: the four-week sum, by hand."""
    net = bundled_macro["japan_foreign_bond_net"]
    selling = japan_foreign_bond_selling(net)
    at = net.index[net.index <= "2022-10-14 12:00"][-1]
    last_four = net.loc[:at].iloc[-4:].tolist()
    assert selling.loc[at] == -sum(last_four)
    assert selling.loc[at] > 0  # net selling
    assert (net.index.tz is not None) and at.hour == 1  # released 10:00 JST


def test_a_yield_in_basis_points_is_refused():
    with pytest.raises(DataContractError, match="jgb_10y"):
        jgb_10y_level(yields([150.0, 160.0]))


def test_the_family_weighs_what_the_protocol_chose_and_levels_read_as_percentiles():
    from signals.defaults import DEFAULTS

    components = signals.components()
    total = sum(c.weight for c in components.values())
    for name in REPATRIATION:
        assert components[name].family == "repatriation"
        share = components[name].weight / total
        assert share == pytest.approx(DEFAULTS.repatriation_weight / len(REPATRIATION))
        assert (name in signals.Weights.default()) is (DEFAULTS.repatriation_weight > 0)
        assert components[name].standardize == DEFAULTS.standardize[name]
    levels = set(REPATRIATION) - {"japan_foreign_bond_selling"}  # the flow is a z-score
    assert {components[name].standardize for name in levels} <= {"percentile_10y",
                                                                   "percentile_all"}


def test_late_2023_jgb_yields_read_high_against_their_decade(bundled_macro):
    """The 10Y JGB at 0.6-0.8% in late 2023 was its highest since 2013: near the top decile."""
    readings = signals.component_readings(bundled_macro, components=["jgb_10y_level"],
                                          standardize_as={"jgb_10y_level": "percentile_10y"})
    z = readings["jgb_10y_level"]["z"]
    late_2023 = z.loc["2023-10-01":"2023-12-31"]
    negative_rates = z.loc["2019-08-01":"2019-09-30"]  # the 10Y at about -0.2%
    assert (late_2023 > 1.0).all()
    assert (negative_rates < 0).all()


def test_the_score_with_the_family_weighted_never_looks_ahead(recent_macro):
    def score(macro):
        return signals.risk_off_score(macro, weights=REPATRIATION)

    report = signals.check_lookahead(score, recent_macro, cutoffs=8)
    assert report.ok, report
    scored = score(recent_macro)
    assert set(REPATRIATION) <= set(scored.columns)
    assert scored["hedged_pickup_drop"].notna().any()
