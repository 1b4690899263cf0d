"""Print what the risk-off score read around real yen and rates episodes (offline).

Run: ``python examples/score_episodes.py`` (uses the bundled data, prints Markdown).
"""

import warnings

import pandas as pd

import signals

EPISODES = [
    ("2016-01-28", "BoJ meeting before negative rates (calm before)"),
    ("2016-02-16", "yen rallies from 121 to 113 as BoJ goes negative"),
    ("2017-06-01", "a calm year"),
    ("2020-03-02", "COVID sell-off begins"),
    ("2020-03-18", "dash for cash: US-Japan differential collapses"),
    ("2022-09-21", "eve of the first yen intervention since 1998"),
    ("2022-09-27", "the intervention week published"),
    ("2022-12-20 12:00", "BoJ widens the 10Y band (before MOF publishes)"),
    ("2022-12-21 02:00", "MOF's 10Y jump available"),
    ("2022-12-28", "the yen's week published (H.10)"),
]


def main() -> None:
    """Print the table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        scores = signals.risk_off_score(signals.load_macro())
    parts = list(signals.Weights.default())
    print("| as of (UTC) | what happened | score | regime | top contributions (points) |")
    print("|---|---|---|---|---|")
    for when, what in EPISODES:
        row = scores[scores.index <= pd.Timestamp(when, tz="UTC")].iloc[-1]
        top = row[parts].dropna().astype(float).sort_values(ascending=False).head(3)
        tops = ", ".join(f"{name} {value:+.1f}" for name, value in top.items())
        print(f"| {when} | {what} | {row['score']:.1f} | {row['regime']} | {tops} |")


if __name__ == "__main__":
    main()
