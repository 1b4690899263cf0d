"""Staleness without jumps: a row that only records an expiry barely moves the score.

The rule (``signals.score.panel``): a stale component keeps its weight and its last
reading fades to 0 in 30 daily steps, so a row with no new data moves the score by at most
one step of a fade, never by reweighting the rest.
"""

import numpy as np
import pandas as pd
import pytest

import signals
from signals import Weights
from signals.score import METHODS
from signals.score.panel import FADE_STEPS
from tests.signals.conftest import synthetic_close


def arrival_times(macro, **options) -> pd.DatetimeIndex:
    """Every time at which some component's z-score arrived (rows with new data)."""
    times = pd.DatetimeIndex([], tz="UTC")
    for frame in signals.component_readings(macro, **options).values():
        times = times.union(frame["z"].dropna().index)
    return times


def moves_without_data(scores, arrivals) -> pd.Series:
    """Absolute score change at each row where no new value arrived (both rows scored)."""
    change = scores["score"].diff().abs()
    quiet = ~scores.index.isin(arrivals) & scores["score"].notna() \
        & scores["score"].shift().notna()
    return change[quiet]


@pytest.fixture(scope="module")
def bundled_arrivals(bundled_macro):
    return arrival_times(bundled_macro)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "learned"])
def test_no_row_without_new_data_moves_any_score_by_a_point(method, bundled_macro,
                                                             bundled_arrivals):
    scores = signals.risk_off_score(bundled_macro, method=method)
    moves = moves_without_data(scores, bundled_arrivals)
    assert len(moves) > 20  # the bundled history has expiries, and they are tested
    assert moves.max() < 1.0, moves.idxmax()


def test_the_end_of_the_bundled_data_fades_instead_of_jumping(bundled_macro, bundled_arrivals):
    scores = signals.risk_off_score(bundled_macro)
    scored = scores["score"].dropna()
    last = scored.index[-1]  # after it too little of the weight is fresh for a score
    assert last.year == 2024 and last.month == 1
    # every input going stale before then moved the score by less than a point
    window = scores.loc[pd.Timestamp("2024-01-01", tz="UTC"):last]
    moves = moves_without_data(window, bundled_arrivals)
    assert len(moves) >= 1 and moves.max() < 1.0
    assert scores.loc[last, "coverage"] < scores.loc[pd.Timestamp("2024-01-04 01:30", tz="UTC"),
                                                     "coverage"]
    fading = scores.loc[last + pd.Timedelta(days=FADE_STEPS):]
    assert fading["score"].isna().all()  # below min_coverage: no score, never a made-up one


def two_components(stop: str):
    """USD/JPY (yen rally) through 2012, and the 10Y JGB (10Y rise) stopping at `stop`."""
    usdjpy = synthetic_close("2008-01-01", 1300, 100.0, 0.006, 11, 22)
    jgb = synthetic_close("2008-01-01", 1300, 1.0, 0.02, 12, 6)
    return {"usdjpy": usdjpy, "jgb_10y": jgb[jgb.index <= pd.Timestamp(stop, tz="UTC")]}


#: Both read as two-year z-scores, which five years of synthetic data can warm up.
ZSCORES = {"yen_rally": "zscore", "jgb_10y_rise": "zscore"}


@pytest.mark.parametrize("method", ["mean", "family"])
def test_a_synthetic_expiry_never_reweights(method):
    macro = two_components("2011-06-30")
    weights = Weights({"yen_rally": 0.5, "jgb_10y_rise": 0.5}, base=None)
    scores = signals.risk_off_score(macro, method=method, weights=weights, min_coverage=0.3,
                                    standardize_as=ZSCORES)
    readings = signals.component_readings(macro, components=list(weights),
                                          standardize_as=ZSCORES)
    last = readings["jgb_10y_rise"]["z"].dropna().index[-1]
    expiry = last + pd.Timedelta(days=10)
    assert scores.loc[expiry, "coverage"] == pytest.approx(0.5)
    after = scores.loc[expiry:].dropna(subset=["score"])
    assert len(after) > 300
    z_yen = readings["yen_rally"]["z"].reindex(after.index, method="ffill")
    # yen keeps half the weight: 50 · 0.5 · z / 3, never reweighted to its full share
    np.testing.assert_allclose(after["yen_rally"], 50 * 0.5 * z_yen / 3, atol=1e-9)
    moves = moves_without_data(scores, arrival_times(macro, standardize_as=ZSCORES))
    assert len(moves) >= FADE_STEPS and moves.max() < 1.0


def test_today_s_reweighting_would_have_jumped_on_the_same_data():
    """The synthetic case is a fair test: dropping the JGB share at once moves the score."""
    macro = two_components("2011-06-30")
    weights = Weights({"yen_rally": 0.5, "jgb_10y_rise": 0.5}, base=None)
    scores = signals.risk_off_score(macro, method="mean", weights=weights, min_coverage=0.3,
                                    standardize_as=ZSCORES)
    readings = signals.component_readings(macro, components=list(weights),
                                          standardize_as=ZSCORES)
    last = readings["jgb_10y_rise"]["z"].dropna().index[-1]
    expiry = last + pd.Timedelta(days=10)
    row = scores.loc[expiry]
    reweighted = 50 + 2 * row["yen_rally"]  # what dropping and reweighting would give
    assert abs(reweighted - row["score"]) > 1.0
