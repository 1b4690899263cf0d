"""Contract tests for every public signal and for the composite.

For each registered component (the built-in ones and any plug-in) and for
``risk_off_score`` with every aggregation method: cutting the input at many times leaves
all earlier outputs identical; changing the future leaves the past identical; warm-up is
NaN and then values stay defined; inputs are not mutated; dtype, name and index are as
documented.
"""

import numpy as np
import pandas as pd
import pytest

import signals
from signals.data.bundled import BUNDLED_DIR
from signals.families.registry import components
from signals.score import METHODS
from signals.score.learned import tail_event_labels

NAMES = list(components())


@pytest.fixture(scope="module")
def btc_labels() -> pd.Series:
    """The BTC 30-day tail event from the bundled daily candles, indexed by when known."""
    raw = pd.read_csv(BUNDLED_DIR / "crypto" / "binance_BTCUSDT_1d.csv")
    candles = raw.set_index(pd.to_datetime(raw["open_time"], unit="ms", utc=True))
    return tail_event_labels(candles)


def scorer(method):
    """``risk_off_score`` by `method` as a function of one mapping (labels under "labels")."""
    def score(data):
        macro = {name: series for name, series in data.items() if name != "labels"}
        extra = {"labels": data["labels"]} if method == "learned" else {}
        return signals.risk_off_score(macro, method=method, **extra)
    return score


def with_labels(macro, labels, method):
    return {**macro, "labels": labels} if method == "learned" else dict(macro)


def inputs_of(component, macro):
    names = {*component.inputs.values(), *component.optional.values()}
    return {name: macro[name] for name in names if name in macro}


def perturbed_after(data, when):
    """Every series changed after `when`, each by a different factor (ratios move too)."""
    out = {}
    for power, (name, series) in enumerate(sorted(data.items()), start=1):
        later = series.index > when
        noise = 1 + 0.005 * power * np.sin(np.arange(int(later.sum())) + power)  # within 15%
        values = series.to_numpy().copy()
        values[later] = values[later] * noise
        out[name] = pd.Series(values, index=series.index, name=series.name)
    return out


def test_every_component_is_exported_and_every_export_exists():
    for name in NAMES:
        assert name in signals.__all__, name
        assert getattr(signals, name) is components()[name].func
    for name in signals.__all__:
        assert getattr(signals, name) is not None
    assert sorted(signals.__all__) == sorted(set(signals.__all__))


@pytest.mark.parametrize("name", NAMES)
def test_cutting_the_future_never_changes_the_past(name, recent_macro):
    component = components()[name]
    data = inputs_of(component, recent_macro)
    report = signals.check_lookahead(component.compute, data, cutoffs=12)
    assert report.ok, report


@pytest.mark.parametrize("name", NAMES)
def test_changing_the_future_never_changes_the_past(name, recent_macro):
    component = components()[name]
    data = inputs_of(component, recent_macro)
    when = pd.Timestamp("2020-06-30", tz="UTC")
    before = component.compute(data)
    after = component.compute(perturbed_after(data, when))
    past = before.index <= when
    pd.testing.assert_series_equal(before[past], after[after.index <= when])
    assert not np.allclose(before[~past].dropna(), after[~past].dropna())  # the future moved


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_warm_up_and_inputs_untouched(name, recent_macro):
    component = components()[name]
    data = inputs_of(component, recent_macro)
    copies = {k: v.copy(deep=True) for k, v in data.items()}
    out = component.compute(data)
    for key, series in data.items():
        pd.testing.assert_series_equal(series, copies[key])
    assert isinstance(out, pd.Series) and out.dtype == "float64" and out.name == name
    assert str(out.index.tz) == "UTC"
    assert out.index.is_monotonic_increasing and out.index.is_unique
    union = data[next(iter(component.inputs.values()))].index
    for series in data.values():
        union = union.union(series.index)
    assert out.index.isin(union).all()
    valid = out.notna().to_numpy()
    assert valid.any(), "no output at all after warm-up"
    first = int(np.argmax(valid))
    assert valid[first:].all(), "values must stay defined after the warm-up"


@pytest.mark.parametrize("method", METHODS)
def test_the_composite_never_looks_ahead(method, recent_macro, btc_labels):
    data = with_labels(recent_macro, btc_labels, method)
    report = signals.check_lookahead(scorer(method), data, cutoffs=8)
    assert report.ok, report


@pytest.mark.parametrize("method", METHODS)
def test_the_composite_past_ignores_a_changed_future(method, recent_macro, btc_labels):
    when = pd.Timestamp("2021-03-31", tz="UTC")
    before = scorer(method)(with_labels(recent_macro, btc_labels, method))
    changed = perturbed_after(recent_macro, when)
    flipped = btc_labels.where(btc_labels.index <= when, 1.0 - btc_labels)  # every later label
    after = scorer(method)(with_labels(changed, flipped, method))
    assert before["score"][before.index <= when].notna().sum() > 100
    pd.testing.assert_frame_equal(before[before.index <= when], after[after.index <= when])
    later = before.index[before.index > when + pd.Timedelta(days=400)]
    old, new = before["score"].reindex(later), after["score"].reindex(later)
    both = old.notna() & new.notna()
    assert both.sum() > 100 and not np.allclose(old[both], new[both])  # the future moved


def test_the_composite_shape(full_macro):
    copies = {k: v.copy(deep=True) for k, v in full_macro.items()}
    scores = signals.risk_off_score(full_macro)
    for key in full_macro:
        pd.testing.assert_series_equal(full_macro[key], copies[key])
    assert list(scores.columns[:3]) == ["score", "regime", "coverage"]
    assert list(scores.columns[3:]) == list(signals.Weights.default())
    assert scores.index.name == "available_at" and str(scores.index.tz) == "UTC"
    assert scores.index.is_monotonic_increasing and scores.index.is_unique
    assert scores["score"].dtype == "float64"
    valid = scores["score"].dropna()
    assert valid.between(0, 100).all() and len(valid) > 5000


def on_candle_close(times: pd.DatetimeIndex, hours: int) -> np.ndarray:
    """Whether each time is exactly the close of a candle of `hours` hours (UTC)."""
    return (times.as_unit("ns").asi8 % pd.Timedelta(hours=hours).value) == 0


def test_no_bundled_macro_value_becomes_available_at_a_4h_or_daily_candle_close(bundled_macro):
    for name, series in bundled_macro.items():
        hits = series.index[on_candle_close(series.index, 4)]
        assert hits.empty, f"{name}: {len(hits)} values at a 4h close, first {hits[:1]}"


def test_no_availability_rule_lands_on_a_4h_or_daily_candle_close():
    from signals.sources import cboe, cftc, fred, mof, tic, treasury, yahoo

    days = pd.date_range("2000-01-01", "2025-12-31", freq="D")  # every weekday and DST rule
    rules = {"mof": mof.available_at, "treasury": treasury.available_at,
             "cboe": cboe.available_at, "tic": tic.available_at}
    rules |= {f"fred {code}": (lambda d, c=code: fred.available_at(c, d))
              for code in fred.SERIES}
    rules |= {f"yahoo {symbol}": (lambda d, s=symbol: yahoo.available_at(s, d))
              for symbol in yahoo.TICKERS}
    tuesdays = days[days.day_of_week == 1]
    rules["cftc"] = lambda _: cftc.available_at(tuesdays[tuesdays >= "2006-01-01"])
    for name, rule in rules.items():
        stamps = rule(days)
        assert not on_candle_close(stamps, 4).any(), name
