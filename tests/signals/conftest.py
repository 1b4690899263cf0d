"""Macro data every signal test can share: the bundled history plus synthetic market series.

The bundled data lack the run-time-only Yahoo series (Nikkei, VIX, MOVE, AUD/JPY), so
seeded random walks with realistic levels stand in for them, stamped like the real ones
(after each market's close, business days only).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import signals


def synthetic_close(start: str, periods: int, level: float, vol: float, seed: int,
                    hour_utc: int) -> pd.Series:
    """A positive random walk on business days, stamped at `hour_utc` on each day."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range(start, periods=periods)
    values = level * np.exp(np.cumsum(rng.normal(0.0, vol, periods)))
    return pd.Series(values, index=(days + pd.Timedelta(hours=hour_utc)).tz_localize("UTC"))


@pytest.fixture(scope="session")
def bundled_macro(tmp_path_factory) -> signals.MacroData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        return signals.load_macro(store=tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="session")
def full_macro(bundled_macro) -> dict[str, pd.Series]:
    """Every macro series a component reads: bundled ones, plus synthetic market series."""
    macro = dict(bundled_macro.items())
    macro["nikkei"] = synthetic_close("2000-01-03", 6300, 15000.0, 0.013, 1, 7)
    macro["vix"] = synthetic_close("2000-01-03", 6300, 18.0, 0.06, 2, 21).clip(9, 80)
    macro["move"] = synthetic_close("2010-01-04", 3600, 90.0, 0.04, 3, 23).clip(40, 250)
    macro["audjpy"] = synthetic_close("2005-01-03", 5000, 85.0, 0.008, 4, 23)
    return macro


@pytest.fixture(scope="session")
def recent_macro(full_macro) -> dict[str, pd.Series]:
    """The same from 2014 (enough for every warm-up, small enough to cut many times)."""
    start = pd.Timestamp("2014-01-01", tz="UTC")
    return {name: series[series.index >= start] for name, series in full_macro.items()}
