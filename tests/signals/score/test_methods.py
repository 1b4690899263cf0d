"""The aggregation methods: each explains its score, and each is what its definition says."""

import numpy as np
import pandas as pd
import pytest

import signals
from signals import ConfigError, DataContractError, Weights
from signals.data.bundled import BUNDLED_DIR
from signals.score import METHODS
from signals.score.learned import logistic_l2, tail_event_labels
from signals.score.turbulence import chi2_cdf, ledoit_wolf


@pytest.fixture(scope="module")
def btc_labels():
    raw = pd.read_csv(BUNDLED_DIR / "crypto" / "binance_BTCUSDT_1d.csv")
    return tail_event_labels(raw.set_index(pd.to_datetime(raw["open_time"], unit="ms",
                                                          utc=True)))


@pytest.fixture(scope="module")
def every_method(bundled_macro, btc_labels):
    return {m: signals.risk_off_score(bundled_macro, method=m, **(
        {"labels": btc_labels} if m == "learned" else {})) for m in METHODS}


@pytest.mark.parametrize("method", METHODS)
def test_contributions_add_up_to_the_score_minus_50(method, every_method):
    scores = every_method[method]
    parts = scores.drop(columns=["score", "regime", "coverage"])
    valid = scores["score"].notna()
    assert valid.sum() > 2000
    assert list(parts.columns) == list(Weights.default())  # the same frame for every method
    np.testing.assert_allclose(scores.loc[valid, "score"] - 50,
                               parts[valid].sum(axis=1), atol=1e-9)
    assert scores.loc[valid, "score"].between(0, 100).all()
    assert scores.attrs["method"] == method


def test_family_members_share_their_family_weight_equally(every_method, bundled_macro):
    scores = every_method["family"]
    yen = ["yen_rally", "usdjpy_drawdown", "yen_vol_ratio"]
    valid = scores[yen].notna().all(axis=1)
    row = scores[valid].iloc[-1]
    # yen family weight 0.23 shared equally by its three started components, so each
    # contribution is 50 · (0.23 / 3) · z / 3 over the started weight: equal z, equal parts
    readings = signals.component_readings(bundled_macro, components=yen)
    z = {n: readings[n]["z"].dropna().asof(row.name) for n in yen}
    ratios = [row[n] / z[n] for n in yen]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert scores.attrs["family_weights"]["yen"] == pytest.approx(0.23)


def test_family_weights_are_validated(bundled_macro):
    with pytest.raises(ConfigError, match="family_weights names 'rates'"):
        signals.risk_off_score(bundled_macro, method="family", family_weights={"rates": 1})
    with pytest.raises(ConfigError, match="family weight of 'yen' must be a number >= 0"):
        signals.risk_off_score(bundled_macro, method="family", family_weights={"yen": -1})
    with pytest.raises(ConfigError, match="family_weights applies to method='family'"):
        signals.risk_off_score(bundled_macro, method="mean", family_weights={"yen": 1})


def test_unknown_method_and_missing_labels_are_clear(bundled_macro):
    with pytest.raises(ConfigError, match="method must be one of mean, family, pca"):
        signals.risk_off_score(bundled_macro, method="median")
    with pytest.raises(ConfigError, match="method='learned' needs labels="):
        signals.risk_off_score(bundled_macro, method="learned")
    with pytest.raises(DataContractError, match="labels must be 0 or 1"):
        bad = pd.Series([0.5], index=pd.DatetimeIndex(["2020-01-01"], tz="UTC"))
        signals.risk_off_score(bundled_macro, method="learned", labels=bad)


def test_pca_loadings_are_unit_vectors_summing_positive(every_method):
    scores = every_method["pca"]
    fits = scores.attrs["fits"]
    assert fits.index[0] >= scores.index[0] + pd.Timedelta(days=3 * 365)  # three years first
    assert (fits.index.day == 1).all() and fits.index.is_unique  # monthly refits
    np.testing.assert_allclose(np.linalg.norm(fits.to_numpy(), axis=1), 1.0)
    assert (fits.sum(axis=1) > 0).all()


def test_learned_fits_yearly_only_on_labels_already_known(every_method, btc_labels):
    fits = every_method["learned"].attrs["fits"]
    assert (fits.index.month == 1).all() and (fits.index.day == 1).all()
    # BTC labels are known from 2017-09-16; two years of them first
    assert fits.index[0] == pd.Timestamp("2020-01-01", tz="UTC")
    scores = every_method["learned"]
    assert scores.loc[:"2020-01-01", "score"].isna().all()


def test_tail_event_labels_by_hand():
    days = pd.date_range("2021-01-01", periods=6, freq="D", tz="UTC")
    candles = pd.DataFrame({"close": [100.0, 95.0, 89.0, 100.0, 100.0, 80.0]}, index=days)
    labels = tail_event_labels(candles, horizon_days=2, depth=0.1)
    # close 100 (opened 1 Jan, closes 2 Jan): next two 95, 89 -> -11%: event, known 4 Jan
    # close 95: 89, 100 -> -6.3%: no; close 89: 100, 100: no; close 100: 100, 80: event
    assert labels.tolist() == [1.0, 0.0, 0.0, 1.0]
    assert labels.index[0] == pd.Timestamp("2021-01-04", tz="UTC")
    assert labels.index.name == "known_at"


def test_chi2_cdf_matches_textbook_values():
    np.testing.assert_allclose(chi2_cdf(np.array([3.841459]), 1), [0.95], atol=1e-6)
    np.testing.assert_allclose(chi2_cdf(np.array([7.814728]), 3), [0.95], atol=1e-6)
    x = np.array([0.0, 1.0, 5.0])
    np.testing.assert_allclose(chi2_cdf(x, 2), 1 - np.exp(-x / 2))
    np.testing.assert_allclose(chi2_cdf(np.array([13.27670]), 4), [0.99], atol=1e-6)


def test_ledoit_wolf_shrinks_between_sample_and_scaled_identity():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8)) @ np.diag(np.linspace(1, 3, 8))
    covariance, shrinkage = ledoit_wolf(x)
    sample = np.cov(x, rowvar=False, bias=True)
    target = np.trace(sample) / 8 * np.eye(8)
    assert 0 < shrinkage < 1
    np.testing.assert_allclose(covariance, (1 - shrinkage) * sample + shrinkage * target)
    assert np.trace(covariance) == pytest.approx(np.trace(sample))


def test_logistic_l2_solves_its_own_first_order_conditions():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 3))
    y = (x @ [1.0, -0.5, 0.0] + rng.normal(size=300) > 0).astype(float)
    beta = logistic_l2(x, y, c=1.0)
    p = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    design = np.column_stack([np.ones(300), x])
    gradient = design.T @ (p - y) + np.r_[0.0, beta[1:]]
    np.testing.assert_allclose(gradient, 0.0, atol=1e-8)
    assert beta[1] > 0 > beta[2]


def synthetic_panel():
    """Two daily components with correlated z-scores, every day for four years."""
    from signals.families.registry import get_component
    from signals.score.panel import build_panel

    days = pd.date_range("2010-01-01 22:00", periods=4 * 365, freq="D", tz="UTC").as_unit("ns")
    rng = np.random.default_rng(5)
    common = rng.normal(size=len(days))
    a = pd.Series(np.clip(common + 0.5 * rng.normal(size=len(days)), -3, 3), index=days)
    b = pd.Series(np.clip(0.6 * common + rng.normal(size=len(days)), -3, 3), index=days)
    zs = {"yen_rally": (get_component("yen_rally"), a),
          "jgb_10y_rise": (get_component("jgb_10y_rise"), b)}
    return build_panel(zs, ["yen_rally", "jgb_10y_rise"]), a, b


def test_turbulence_of_a_row_by_hand():
    from signals.score.turbulence import turbulence

    panel, a, b = synthetic_panel()
    result = turbulence(panel, np.array([1.0, 1.0]), cap=3.0)
    when = pd.Timestamp("2013-06-15 22:00", tz="UTC")
    row = int(np.searchsorted(panel.times, when.value))
    month = pd.Timestamp("2013-06-01", tz="UTC")
    window = (a.index >= month - pd.Timedelta(days=730)) & (a.index < month)  # two years
    x = np.column_stack([a[window], b[window]])
    covariance, _ = ledoit_wolf(x)
    deviation = np.array([a[when], b[when]]) - x.mean(axis=0)
    distance = deviation @ np.linalg.solve(covariance, deviation)
    assert result.score[row] == pytest.approx(100 * (1 - np.exp(-distance / 2)))  # k = 2
    terms = deviation * np.linalg.solve(covariance, deviation)
    np.testing.assert_allclose(result.contributions[row],
                               (result.score[row] - 50) * terms / distance)


def test_pca_loadings_by_hand():
    from signals.score.methods import pca

    panel, a, b = synthetic_panel()
    result = pca(panel, np.array([1.0, 1.0]), cap=3.0)
    month = pd.Timestamp("2013-06-01", tz="UTC")
    x = np.column_stack([a[a.index < month], b[b.index < month]])
    vector = np.linalg.eigh(np.cov(x, rowvar=False))[1][:, -1]
    vector = vector if vector.sum() > 0 else -vector
    np.testing.assert_allclose(result.fits.loc[month], vector)
    when = pd.Timestamp("2013-06-15 22:00", tz="UTC")
    row = int(np.searchsorted(panel.times, when.value))
    expected = 50 + 50 * (vector @ [a[when], b[when]]) / (3 * np.abs(vector).sum())
    assert result.score[row] == pytest.approx(expected)


def test_learned_fits_on_labels_known_by_each_first_of_january():
    from signals.score.learned import learned

    panel, a, b = synthetic_panel()
    decisions = pd.date_range("2010-02-01", "2013-11-30", freq="D", tz="UTC")
    rng = np.random.default_rng(9)
    events = (a.asof(decisions).to_numpy() + rng.normal(size=len(decisions)) > 1).astype(float)
    horizon = pd.Timedelta(days=30)
    labels = pd.Series(events, index=decisions + horizon)
    result = learned(panel, np.array([1.0, 1.0]), cap=3.0, labels=labels, horizon=horizon)
    refit = pd.Timestamp("2013-01-01", tz="UTC")
    known = labels.index <= refit  # labels decided up to 2012-12-02 only
    x = np.column_stack([a.asof(decisions[known]), b.asof(decisions[known])])
    beta = logistic_l2(x, events[known])
    np.testing.assert_allclose(result.fits.loc[refit].to_numpy(), beta)
    # the first label is known on 2010-03-03: on 2012-01-01 that is not yet two years
    assert result.fits.index[0] == refit
    when = pd.Timestamp("2013-06-15 22:00", tz="UTC")
    row = int(np.searchsorted(panel.times, when.value))
    assert result.score[row] == pytest.approx(
        100 / (1 + np.exp(-(beta[1] * a[when] + beta[2] * b[when]))))
