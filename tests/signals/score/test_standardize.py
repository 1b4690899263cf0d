"""Standardisations: hand-checked percentiles, time windows, warm-up, and no lookahead."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import signals
from signals.errors import ConfigError
from signals.families.registry import STANDARDIZATIONS
from signals.score.panel import sorted_union
from signals.score.standardize import (
    TEN_YEARS,
    _normal_quantile,
    percentile_zscore,
    standardize,
)
from tests.signals import macro_series


def test_expanding_percentile_by_hand():
    values = macro_series([1.0, 2.0, 3.0, 2.0, 5.0], freq="D")
    z = percentile_zscore(values, window=None, min_history=pd.Timedelta(days=1))
    quantile = NormalDist().inv_cdf
    # day 2: 2 is the larger of {1, 2}: mid-rank 2 of 2 -> p = 1.5 / 2
    # day 3: 3 is the largest of three -> p = 2.5 / 3
    # day 4: 2 ties with 2 among {1, 2, 3, 2}: mid-rank 2.5 -> p = 2 / 4, the median
    # day 5: 5 is the largest of five -> p = 4.5 / 5
    expected = [np.nan, quantile(0.75), quantile(2.5 / 3), 0.0, quantile(0.9)]
    np.testing.assert_allclose(z.to_numpy(), expected, atol=1e-12)
    assert z.name == "x" and z.dtype == "float64"


def test_a_record_reads_at_the_cap_and_nan_stays_nan():
    values = macro_series([*range(1, 400), np.nan, 1000.0], freq="D")
    z = percentile_zscore(values, window=None, min_history=pd.Timedelta(days=30), cap=2.0)
    assert z.iloc[-1] == 2.0                      # p = 400.5 / 401 -> 3.0 before the cap
    assert np.isnan(z.iloc[-2])
    assert z.iloc[:30].isna().all() and z.iloc[30:-2].notna().all()


def test_the_ten_year_window_is_time_not_rows():
    """A peak eleven years back is outside the window; one nine years back is inside."""
    index = pd.DatetimeIndex(["2000-01-01", "2014-01-01", "2023-01-01", "2023-01-02"],
                             tz="UTC", name="available_at")
    old_peak = pd.Series([9.0, 1.0, 2.0, 3.0], index=index)
    z = percentile_zscore(old_peak, window=TEN_YEARS, min_history=pd.Timedelta(days=1))
    # 2023-01-02: the window holds 2014 (1.0), 2023-01-01 (2.0) and today (3.0): today tops
    assert z.iloc[-1] == pytest.approx(NormalDist().inv_cdf(2.5 / 3))
    recent_peak = old_peak.set_axis(index.where(index.year != 2000,
                                                pd.Timestamp("2014-06-01", tz="UTC")))
    recent_peak = recent_peak.sort_index()
    z = percentile_zscore(recent_peak, window=TEN_YEARS, min_history=pd.Timedelta(days=1))
    assert z.iloc[-1] == pytest.approx(NormalDist().inv_cdf(2.5 / 4))


def test_a_long_climb_keeps_reading_high_where_a_two_year_zscore_forgets_it():
    """The regime-shift case: ten years flat, then a steady climb for three years."""
    flat = np.full(2520, 1.0) + 0.01 * np.sin(np.arange(2520))
    climb = np.linspace(1.0, 3.0, 756)
    level = macro_series(np.concatenate([flat, climb]))
    z_speed = standardize(level.diff(20), "zscore", "daily")
    z_level = standardize(level, "percentile_10y", "daily")
    assert z_level.iloc[-1] == 3.0                  # a ten-year record, at the cap
    assert abs(z_speed.iloc[-1]) < 1.0              # a steady climb is "normal" speed by now


@pytest.mark.parametrize("how", STANDARDIZATIONS)
def test_no_standardisation_looks_ahead(how, recent_macro):
    series = recent_macro["jgb_10y"]
    report = signals.check_lookahead(lambda s: standardize(s, how, "daily"), series,
                                     cutoffs=8)
    assert report.ok, report


def test_an_unknown_standardisation_names_the_choices():
    with pytest.raises(ConfigError, match="unknown standardisation 'zscore_10y'; use one of "
                                          "zscore, zscore_5y, percentile_10y"):
        standardize(macro_series([1.0, 2.0]), "zscore_10y", "daily")


def test_the_normal_quantile_is_the_standard_librarys_on_whole_arrays():
    """AS241 on arrays gives NormalDist().inv_cdf's values exactly, tails included."""
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.random(20_000), 10.0 ** -rng.uniform(1, 300, 5_000),
                        1.0 - 10.0 ** -rng.uniform(1, 16, 5_000), [0.075, 0.925, 0.5]])
    expected = np.array([NormalDist().inv_cdf(v) for v in p])
    np.testing.assert_array_equal(_normal_quantile(p), expected)
    assert np.isnan(_normal_quantile(np.array([np.nan]))).all()


def test_the_sorted_union_of_times_is_numpys_unique():
    rng = np.random.default_rng(4)
    arrays = [np.sort(rng.integers(0, 10**6, size)) for size in (0, 1, 500, 20_000)]
    np.testing.assert_array_equal(sorted_union(arrays), np.unique(np.concatenate(arrays)))
