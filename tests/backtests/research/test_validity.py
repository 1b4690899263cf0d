"""Construct validity: event days from market data, the score's upper quintile on them."""

import numpy as np
import pandas as pd
import pytest

from backtests.research.validity import EVENTS, construct_validity, event_days
from signals import DataContractError


def weekdays(n, start="2010-01-04"):
    """Weekday availability times at 21:30 UTC (as FRED's daily series)."""
    return pd.bdate_range(start, periods=n, tz="UTC") + pd.Timedelta(hours=21, minutes=30)


def flat_macro(n=600):
    """Every Japan-channel input, flat (no event) on weekdays; CFTC weekly."""
    index = weekdays(n)
    weekly = index[::5]
    return {
        "usdjpy": pd.Series(110.0, index=index),
        "jgb_10y": pd.Series(0.5, index=index - pd.Timedelta(hours=21, minutes=30)),
        "ust_10y": pd.Series(2.0, index=index),
        "cftc_jpy_noncomm_long": pd.Series(50_000.0, index=weekly),
        "cftc_jpy_noncomm_short": pd.Series(50_000.0, index=weekly),
        "cftc_jpy_open_interest": pd.Series(200_000.0, index=weekly),
    }


def four_yen_surges():
    """:func:`flat_macro` on 1,200 weekdays, the yen 5% stronger on days 200, 500, 800, 1,100."""
    macro = flat_macro(1200)
    fx = macro["usdjpy"].copy()
    for day in (200, 500, 800, 1100):
        fx.iloc[day:] = fx.iloc[day] * 0.95
    macro["usdjpy"] = fx
    return macro


def test_each_kind_of_event_is_found_on_its_day_and_nowhere_else():
    macro = flat_macro()
    fx = macro["usdjpy"].copy()
    fx.iloc[100:] = 110.0 * 0.95  # -5% on day 100: within 10 days for days 100..109
    macro["usdjpy"] = fx
    ust = macro["ust_10y"].copy()
    ust.iloc[300:] = 2.29  # +29bp: not a spike
    ust.iloc[400:] = 2.60  # +31bp over 5 days on day 400
    macro["ust_10y"] = ust
    jgb = macro["jgb_10y"].copy()
    jgb.iloc[200:] = 0.70  # +20bp on day 200
    macro["jgb_10y"] = jgb
    short = macro["cftc_jpy_noncomm_short"].copy()
    short.iloc[60:] = 25_000.0  # net +12.5pp of open interest on report 60
    macro["cftc_jpy_noncomm_short"] = short
    found = event_days(macro)
    index = macro["usdjpy"].index
    assert list(found["yen_surge"]) == list(index[100:110])
    assert list(found["ust_spike"]) == list(index[400:405])
    assert list(found["jgb_surge"]) == list(macro["jgb_10y"].index[200:220])
    assert list(found["yen_short_cover"]) == list(short.index[60:63])
    assert found["nikkei_crash"] is None  # no Nikkei in the data: unavailable


def test_a_new_five_year_high_of_the_30y_is_a_jgb_surge():
    macro = flat_macro(1600)
    thirty = pd.Series(1.0, index=macro["jgb_10y"].index)
    thirty.iloc[50] = 1.5  # an early peak
    thirty.iloc[1400] = 1.4  # below the peak, but the peak is more than 5 years old
    thirty.iloc[1500] = 1.3  # below the day-1400 high of the last 5 years
    macro["jgb_30y"] = thirty
    surge = event_days(macro)["jgb_surge"]
    assert list(surge) == [thirty.index[1400]]


def test_the_score_in_its_top_quintile_on_event_days_responds():
    macro = four_yen_surges()
    index = macro["usdjpy"].index
    days = event_days(macro)["yen_surge"]
    score = pd.Series(40.0, index=index)
    score[days] = 90.0  # high exactly on the event days (10 per surge)
    table = construct_validity(score, macro, start="2010-01-01", n_boot=300, seed=1)
    row = table.loc["yen_surge"]
    assert row["available"] and row["days"] == 40
    assert row["share_top"] == 1.0 and table.loc["calm", "share_top"] == 0.0
    assert row["responds"] and row["ci_low"] > 0.5
    assert not table.loc["nikkei_crash", "available"]
    assert "unavailable" in table.loc["nikkei_crash", "definition"]
    assert list(table.index) == [*EVENTS, "calm"]
    # calm days: nothing within 20 weekdays of any event
    last = index[-1].normalize().tz_localize(None)
    assert table.loc["calm", "days"] == len(pd.bdate_range("2010-01-04", last)) \
        - 4 * (10 + 2 * 20)


def test_a_score_unrelated_to_the_events_does_not_respond_and_the_seed_reproduces():
    macro = four_yen_surges()
    rng = np.random.default_rng(0)
    score = pd.Series(rng.normal(50, 5, 1200), index=macro["usdjpy"].index)
    first = construct_validity(score, macro, start="2010-01-01", n_boot=300, seed=4)
    again = construct_validity(score, macro, start="2010-01-01", n_boot=300, seed=4)
    pd.testing.assert_frame_equal(first, again)
    row = first.loc["yen_surge"]
    assert row["ci_low"] < row["difference"] < row["ci_high"]
    assert not row["responds"]


def test_scores_must_be_on_a_utc_clock():
    with pytest.raises(DataContractError, match="tz-aware UTC"):
        construct_validity(pd.Series([1.0, 2.0]), flat_macro())
