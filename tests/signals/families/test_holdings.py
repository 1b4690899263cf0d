import numpy as np
import pandas as pd
import pytest

import signals
from signals import ConfigError, DataContractError
from signals.families.holdings import japan_treasury_selling

bundled = pytest.mark.filterwarnings("ignore::signals.data.macro.BundledDataWarning")


def holdings(values, start="2020-02-18 21:00"):
    # monthly TIC releases, about seven weeks after each month-end
    index = pd.date_range(start, periods=len(values), freq="MS", tz="UTC",
                          name="available_at") + pd.Timedelta(days=17, hours=21)
    return pd.Series(np.asarray(values, dtype="float64"), index=index, name="tic_japan")


def test_a_10_percent_fall_over_three_months_reads_10():
    out = japan_treasury_selling(holdings([1000, 1000, 1000, 900, 900, 990]))
    assert out.name == "japan_treasury_selling" and out.dtype == "float64"
    assert out.iloc[:3].isna().all()
    # 900 vs 1000; 900 vs 1000; 990 vs 1000 (three months back)
    assert out.iloc[3:].tolist() == pytest.approx([10.0, 10.0, 1.0])


def test_buying_reads_negative_and_the_scale_does_not_matter():
    path = holdings(np.linspace(1000, 1300, 24))
    out = japan_treasury_selling(path, window=1)
    assert out.index.equals(path.index)
    assert (out.dropna() < 0).all() and out.iloc[1:].notna().all()
    pd.testing.assert_series_equal(japan_treasury_selling(path * 1.5, window=1), out)


def test_missing_months_are_skipped_and_give_nan_at_their_row():
    out = japan_treasury_selling(holdings([1000, 800, np.nan, 1000]), window=1)
    assert np.isnan(out.iloc[2])
    assert out.iloc[3] == pytest.approx(-25.0)  # 1000 vs 800, the previous value


def test_the_input_is_not_mutated():
    path = holdings([1000, 1010, 990, 1005, 980])
    before = path.copy()
    japan_treasury_selling(path)
    pd.testing.assert_series_equal(path, before)


def test_tz_naive_index_is_refused():
    with pytest.raises(DataContractError, match="tic_japan index must be tz-aware UTC"):
        japan_treasury_selling(holdings([1000] * 6).tz_localize(None))


def test_unsorted_index_is_refused():
    with pytest.raises(DataContractError, match="tic_japan index is not sorted"):
        japan_treasury_selling(holdings([1000, 990, 980, 970, 960]).iloc[::-1])


def test_usd_millions_instead_of_billions_are_refused():
    with pytest.raises(DataContractError, match=r"tic_japan has values outside 0\.\.5000 USD bn"):
        japan_treasury_selling(holdings([1_100_000.0] * 6))


def test_zero_holdings_are_refused():
    with pytest.raises(DataContractError, match="tic_japan must be positive USD bn"):
        japan_treasury_selling(holdings([1000, 0, 1000, 1000, 1000]))


def test_too_short_a_history_is_refused():
    with pytest.raises(DataContractError, match=r"tic_japan has 3 value.*at least 4"):
        japan_treasury_selling(holdings([1000, 990, 980]))


@pytest.mark.parametrize("window", [0, -1, 3.0, True])
def test_a_bad_window_is_a_config_error(window):
    with pytest.raises(ConfigError, match="window must be a whole number"):
        japan_treasury_selling(holdings([1000] * 12), window=window)


# Golden checks on the bundled history (TIC, released about seven weeks after month-end).

@pytest.fixture(scope="module")
def tic(tmp_path_factory):
    return signals.load_macro(store=tmp_path_factory.mktemp("store"))["tic_japan"]


@bundled
def test_2022_yen_intervention_shows_as_japan_selling(tic):
    selling = japan_treasury_selling(tic)
    # October 2022 (released 19 Dec 2022): 1064.4 vs 1230.7 at the end of July
    release = pd.Timestamp("2022-12-19 16:15", tz="America/New_York").tz_convert("UTC")
    known = selling[release]
    assert known == pytest.approx(-100 * (1064.4 / 1230.7 - 1))
    assert known == selling.max()  # the largest three-month fall in the bundled history
    # not known before its release: the row before is September's (1116.4 vs 1232.7 in June)
    assert selling[selling.index < release].iloc[-1] == pytest.approx(-100 * (1116.4 / 1232.7 - 1))


@bundled
def test_no_lookahead_on_the_bundled_history(tic):
    assert signals.check_lookahead(japan_treasury_selling, tic, cutoffs=20).ok
