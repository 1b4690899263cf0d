import pandas as pd

from signals import check_lookahead


def series():
    index = pd.date_range("2020-01-01", periods=300, freq="1D", tz="UTC")
    return pd.Series(range(300), index=index, dtype="float64")


def test_an_honest_signal_passes():
    report = check_lookahead(lambda s: s.rolling(10).mean(), series(), cutoffs=20)
    assert report.ok and len(report.cutoffs) == 20
    assert "ok" in repr(report)


def test_a_planted_lookahead_is_caught_and_located():
    report = check_lookahead(lambda s: s.shift(-1), series(), cutoffs=5)
    assert not report.ok
    first = report.violations.iloc[0]
    assert first["time"] == first["cutoff"]  # the last row before each cut looked ahead
    assert "LOOKAHEAD" in repr(report)


def test_whole_sample_normalisation_is_caught():
    report = check_lookahead(lambda s: (s - s.mean()) / s.std(), series(), cutoffs=5)
    assert not report.ok


def test_mappings_of_series_are_cut_together():
    data = {"a": series(), "b": series() * 2}
    report = check_lookahead(lambda d: d["a"] + d["b"].rolling(3).max(), data)
    assert report.ok


def test_a_changed_text_label_counts_as_lookahead():
    def labelled(s):
        return pd.DataFrame({"value": s, "label": (s.shift(-1) > 150).map({True: "high",
                                                                          False: "low"})})

    report = check_lookahead(labelled, series(), cutoffs=[pd.Timestamp("2020-05-30", tz="UTC")])
    # 30 May holds 150: only the next value, 151 (cut off), makes it "high"
    assert list(report.violations["column"]) == ["label"]
    assert report.violations["time"].iloc[0] == pd.Timestamp("2020-05-30", tz="UTC")
