import numpy as np
import pandas as pd
import pytest

from signals import DataContractError, align_to_bars


def scores():
    index = pd.DatetimeIndex(["2024-01-01 21:30", "2024-01-02 21:30", "2024-01-05 00:00"],
                             tz="UTC", name="available_at")
    return pd.DataFrame({"score": [10.0, 20.0, 30.0]}, index=index)


def test_a_candle_sees_only_values_available_by_its_close():
    bars = pd.date_range("2024-01-01", periods=6, freq="1D", tz="UTC")
    out = align_to_bars(scores(), bars, "1d", max_age="2D")
    assert out["score"].tolist()[:5] == [10.0, 20.0, 20.0, 30.0, 30.0]
    assert np.isnan(out["score"].iloc[5])  # two days old at the close: stale
    closes = bars + pd.Timedelta(days=1)
    used = out["available_at"].dropna()
    assert (used.to_numpy() <= closes[: len(used)].to_numpy()).all()


def test_a_value_published_exactly_at_the_close_is_used_one_microsecond_later_is_not():
    s = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01 04:00",
                                                       "2024-01-01 08:00:00.000001"], tz="UTC"))
    out = align_to_bars(s.rename("x"), pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 04:00"],
                                                         tz="UTC"), "4h")
    assert out["x"].tolist() == [1.0, 1.0]


def test_intraday_candles_keep_their_order_length_and_repeats():
    bars = pd.DatetimeIndex(["2024-01-03 00:00", "2024-01-01 23:00", "2024-01-03 00:00"],
                            tz="UTC")
    out = align_to_bars(scores(), bars, "1h")
    assert list(out.index) == list(bars) and len(out) == 3
    assert out["score"].tolist() == [20.0, 10.0, 20.0]


def test_a_freqtrade_frame_with_a_date_column():
    frame = pd.DataFrame({"date": pd.date_range("2024-01-02", periods=2, freq="1D", tz="UTC"),
                          "close": [1.0, 2.0]})
    out = align_to_bars(scores(), frame, "1d")
    assert out["score"].tolist() == [20.0, 20.0]


def test_before_the_first_value_there_is_nothing():
    out = align_to_bars(scores(), pd.DatetimeIndex(["2023-12-31"], tz="UTC"), "1d")
    assert np.isnan(out["score"].iloc[0]) and pd.isna(out["available_at"].iloc[0])


def test_bad_inputs_name_the_fix():
    naive = pd.date_range("2024-01-01", periods=2, freq="1D")
    with pytest.raises(DataContractError, match="tz_localize"):
        align_to_bars(scores(), naive, "1d")
    with pytest.raises(DataContractError, match="sort_index"):
        align_to_bars(scores().iloc[::-1], naive.tz_localize("UTC"), "1d")
    with pytest.raises(Exception, match="timeframe '1x' is not valid"):
        align_to_bars(scores(), naive.tz_localize("UTC"), "1x")


def test_the_freqtrade_helper_keeps_length_order_and_last_row():
    from signals.bots.freqtrade import add_risk_off

    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=6, freq="1D", tz="UTC"),
                          "close": np.arange(6.0)})
    table = scores().assign(regime=pd.Categorical(["calm", "watch", "stress"]),
                            yen_rally=[1.0, 2.0, 3.0])
    before = frame.copy()
    out = add_risk_off(frame, table, "1d", components=("yen_rally",), max_age="2D")
    assert len(out) == 6 and out["date"].equals(before["date"])
    assert out["close"].equals(before["close"])  # the last row and the candles are untouched
    assert out["riskoff_score"].tolist()[:5] == [10.0, 20.0, 20.0, 30.0, 30.0]
    assert out["riskoff_regime"].tolist()[:2] == ["calm", "watch"]
    assert pd.isna(out["riskoff_regime"].iloc[5]) and np.isnan(out["riskoff_score"].iloc[5])
    closes = out["date"] + pd.Timedelta(days=1)
    known = out["riskoff_available_at"].notna()
    assert (out.loc[known, "riskoff_available_at"] <= closes[known]).all()
    with pytest.raises(DataContractError, match="'date' column"):
        add_risk_off(frame.drop(columns="date"), table, "1d")
