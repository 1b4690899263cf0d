"""Print what the score does under the seeds' scenario: JGB yields at records, Japan selling.

The scenario, in market terms: the 40Y JGB at its five-year high, the 10Y up 50 bp,
Japan's Treasury holdings down 5% and the yen 8% stronger. Shown as of the latest reading
of the bundled data, with the default weights and with the repatriation family weighted
as the research protocol's rule 2 would weigh it (0.15 for the family, the other families
scaled down pro rata).

Run: ``python examples/seeds_scenario.py`` (uses the bundled data, prints Markdown).
"""

import warnings

import signals
from backtests.research.shocks import Shocks, shocked_reading

SCENARIO = "jgb40y=record, jgb10y=+50bp, japan_holdings=-5%, usdjpy=-8%"
FAMILY_WEIGHT = 0.15


def with_repatriation() -> dict[str, float]:
    """Default weights scaled to 0.85, the repatriation family sharing 0.15 equally."""
    default = signals.Weights.default().normalized()
    family = [n for n, c in signals.components().items() if c.family == "repatriation"]
    weights = {name: (1 - FAMILY_WEIGHT) * w for name, w in default.items()}
    weights.update({name: FAMILY_WEIGHT / len(family) for name in family})
    return weights


def main() -> None:
    """Print the two readings and the components that moved most."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        macro = signals.load_macro()
        default = shocked_reading(macro, SCENARIO)
        weighted = shocked_reading(macro, SCENARIO, as_of=default.as_of,  # the same "now"
                                   weights=with_repatriation())
    readings = [("default weights", default), ("with the repatriation family", weighted)]
    print(f"Scenario: {Shocks.parse(SCENARIO).describe()}; as of "
          f"{readings[0][1].as_of:%Y-%m-%d %H:%M} UTC, the 40Y record is "
          f"{readings[0][1].shocks.jgb40y:+.1f} bp from the latest 40Y yield.\n")
    print("| weights | score now | score under the scenario | regime | largest moves (points) |")
    print("|---|---|---|---|---|")
    for label, reading in readings:
        table = reading.table
        moves = (table["contribution_shocked"] - table["contribution_now"]).dropna()
        top = moves.reindex(moves.abs().sort_values(ascending=False).index).head(4)
        tops = ", ".join(f"{name} {value:+.1f}" for name, value in top.items())
        print(f"| {label} | {reading.base_score:.1f} ({reading.base_regime}) | "
              f"{reading.shocked_score:.1f} | {reading.regime} | {tops} |")


if __name__ == "__main__":
    main()
