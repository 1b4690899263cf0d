"""JGB 2s10s curve steepening, registered as a riskoff component."""

import pandas as pd

import signals

__all__ = ["jgb_2s10s_steepening", "on_macro"]


@signals.component(inputs={"jgb_2y": "jgb_2y", "jgb_10y": "jgb_10y"}, weight=0.05,
                   family="jgb", description="JGB 2s10s curve steepening (bp over 20 days)")
def jgb_2s10s_steepening(jgb_2y: pd.Series, jgb_10y: pd.Series, *, window: int = 20) -> pd.Series:
    """Steepening of the JGB 2s10s curve over `window` observations, bp; positive = risk-off.

    Long JGB yields rising faster than short ones mean investors demand more to hold Japan's
    duration: the kind of repricing that pulls Japanese money home.

    Parameters
    ----------
    jgb_2y, jgb_10y : pd.Series
        2Y and 10Y JGB yields, percent, indexed by UTC availability time.
    window : int
        Horizon in observations of the combined calendar.

    Returns
    -------
    pd.Series
        float64 named "jgb_2s10s_steepening", bp; the first `window` values are NaN.
    """
    two = signals.check_series(jgb_2y, "jgb_2y", bounds=(-5, 30), unit="%")
    ten = signals.check_series(jgb_10y, "jgb_10y", bounds=(-5, 30), unit="%")
    curve = signals.asof_frame(two=two, ten=ten)
    spread = 100.0 * (curve["ten"] - curve["two"])
    return spread.diff(window).astype("float64").rename("jgb_2s10s_steepening")


def on_macro(macro) -> pd.Series:
    """The component on ``signals.load_macro()`` data (for ``riskoff check-lookahead``)."""
    return jgb_2s10s_steepening(macro["jgb_2y"], macro["jgb_10y"])
