"""Your own risk-off component, checked for lookahead and weighed into the score.

A component is a pure function of macro series indexed by availability time, positive =
risk-off. Register it, and it takes part in the composite like the built-in ones.
"""

import warnings

import pandas as pd

import signals
from signals.registry import Component, register


def jgb_2s10s_steepening(jgb_2y: pd.Series, jgb_10y: pd.Series, *, window: int = 20) -> pd.Series:
    """Steepening of the JGB 2s10s curve over `window` observations, bp; positive = risk-off.

    Long JGB yields rising faster than short ones mean investors demand more to hold Japan's
    duration: the kind of repricing that pulls Japanese money home.
    """
    curve = signals.asof_frame(two=jgb_2y, ten=jgb_10y)
    spread = 100.0 * (curve["ten"] - curve["two"])
    return spread.diff(window).rename("jgb_2s10s_steepening")


def main() -> None:
    """Check the new component for lookahead, register it and score with it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        macro = signals.load_macro(start="2010-01-01")

    def on_macro(data):
        return jgb_2s10s_steepening(data["jgb_2y"], data["jgb_10y"])

    report = signals.check_lookahead(on_macro, {k: macro[k] for k in ("jgb_2y", "jgb_10y")})
    print("lookahead check:", "ok" if report.ok else report)

    register(Component("jgb_2s10s_steepening", "jgb", jgb_2s10s_steepening,
                       {"jgb_2y": "jgb_2y", "jgb_10y": "jgb_10y"}, weight=0.05,
                       description="JGB 2s10s curve steepening (bp over 20 days)"))
    scores = signals.risk_off_score(macro)
    row = scores.loc[:"2022-12-21 01:00"].iloc[-1]
    print(f"2022-12-21: score {row['score']:.1f}, of which the new component "
          f"{row['jgb_2s10s_steepening']:+.1f} points")


if __name__ == "__main__":
    main()
