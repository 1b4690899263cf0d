"""``align_to_bars`` and ``column_at_bars`` against ``pandas.merge_asof`` on random inputs.

The as-of join is done by a merge pass (candles in time order, numba loaded) or by a
binary search (otherwise); both must give what ``merge_asof(direction="backward")`` gives,
with the staleness limit applied after it: ties exactly at the close, rows whose values
are NaN, repeated availability times, other time zones and time units included.
"""

import sys

import numba  # noqa: F401  (loaded: the merge pass is used for candles in order)
import numpy as np
import pandas as pd
import pytest

from signals.score.align import align_to_bars, column_at_bars


def random_case(seed: int, *, score_unit: str, bar_unit: str, tz: str, in_order: bool):
    """Scores on a half-hour grid (so many fall exactly on an hourly close), some NaN."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(0, 60))
    half_hours = np.sort(rng.integers(0, 400, size))  # repeats allowed
    available = (pd.Timestamp("2024-01-01", tz="UTC")
                 + pd.to_timedelta(half_hours * 30, unit="min")).as_unit(score_unit)
    score = rng.uniform(0, 100, size)
    score[rng.random(size) < 0.2] = np.nan
    scores = pd.DataFrame({"score": score, "coverage": rng.uniform(0, 1, size)},
                          index=pd.DatetimeIndex(available).tz_convert(tz))
    candles = int(rng.integers(1, 300))
    hours = rng.integers(-5, 210, candles)
    hours = np.sort(hours) if in_order else hours
    bars = (pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(hours, unit="h")).as_unit(bar_unit)
    return scores, pd.DatetimeIndex(bars, name="open_time")


def merge_asof_reference(scores: pd.DataFrame, bars: pd.DatetimeIndex, timeframe: str,
                         max_age) -> pd.DataFrame:
    closes = (bars + pd.Timedelta(timeframe)).as_unit("ns")
    left = pd.DataFrame({"close": closes, "order": np.arange(len(bars))}).sort_values("close")
    right = scores.tz_convert("UTC").rename_axis("available_at").reset_index()
    right["available_at"] = right["available_at"].dt.as_unit("ns")
    merged = pd.merge_asof(left, right, left_on="close", right_on="available_at",
                           direction="backward").sort_values("order")
    if max_age is not None:
        stale = merged["close"] - merged["available_at"] >= pd.Timedelta(max_age)
        merged.loc[stale, ["score", "coverage"]] = np.nan
        merged.loc[stale, "available_at"] = pd.NaT
    return merged.set_index(pd.DatetimeIndex(bars, name="open_time"))[
        ["score", "coverage", "available_at"]]


CASES = [(seed, units, tz, max_age)
         for seed, (units, tz, max_age) in enumerate(
             [(("us", "us"), "UTC", "10D"), (("ns", "us"), "UTC", "3h"),
              (("us", "s"), "Asia/Tokyo", "2h"), (("s", "ns"), "UTC", None),
              (("ms", "us"), "America/New_York", "90min")] * 8)]


@pytest.mark.parametrize("path", ["merge pass", "binary search", "candles out of order"])
@pytest.mark.parametrize(("seed", "units", "tz", "max_age"), CASES)
def test_the_join_is_merge_asof_backward_with_a_staleness_limit(path, seed, units, tz, max_age,
                                                                monkeypatch):
    if path == "binary search":  # what signals alone uses, before numba is loaded
        monkeypatch.delitem(sys.modules, "numba")
    scores, bars = random_case(seed, score_unit=units[0], bar_unit=units[1], tz=tz,
                               in_order=path != "candles out of order")
    expected = merge_asof_reference(scores, bars, "1h", max_age)
    out = align_to_bars(scores, bars, "1h", max_age=max_age)
    pd.testing.assert_frame_equal(out, expected, check_exact=True)
    np.testing.assert_array_equal(column_at_bars(scores, bars, "1h", max_age=max_age),
                                  expected["score"].to_numpy())
    np.testing.assert_array_equal(
        column_at_bars(scores["coverage"], bars, "1h", max_age=max_age),
        expected["coverage"].to_numpy())


def test_a_missing_column_is_named():
    scores, bars = random_case(1, score_unit="us", bar_unit="us", tz="UTC", in_order=True)
    with pytest.raises(Exception, match="no column 'regime'"):
        column_at_bars(scores, bars, "1h", "regime")
