"""A minimal risk gate for any Python bot: may it hold crypto right now.

Call ``allow_long()`` before opening or holding a position. It reads the latest risk-off
score the store (or the bundled data) can give, refuses when the score is at or above the
exit level, and says how fresh the reading is, so that a bot never acts on a stale "all
clear" without knowing. Run it as a script to print the decision once.
"""

import warnings

import pandas as pd

import signals

EXIT_AT = 70.0
MAX_AGE = pd.Timedelta(days=3)


def allow_long(now: pd.Timestamp | None = None) -> tuple[bool, str]:
    """Whether to hold crypto now, and why, in one line.

    Parameters
    ----------
    now : Timestamp, optional
        The bot's clock (UTC); default the current time.

    Returns
    -------
    allowed : bool
        False when the score is at or above ``EXIT_AT``.
    reason : str
        The reading, its regime and its age.
    """
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        scores = signals.risk_off_score(signals.load_macro(end=now), end=now)
    known = scores[scores["score"].notna()]
    if known.empty:
        return True, "no score (too little fresh data): the gate stays open"
    row, when = known.iloc[-1], known.index[-1]
    age = now - when
    stale = " STALE" if age > MAX_AGE else ""
    reason = (f"score {row['score']:.1f} ({row['regime']}) from {when:%Y-%m-%d %H:%M} UTC, "
              f"{age / pd.Timedelta(hours=1):,.0f} h old{stale}")
    return bool(row["score"] < EXIT_AT), reason


if __name__ == "__main__":
    allowed, why = allow_long(pd.Timestamp("2022-12-28", tz="UTC"))
    print(f"2022-12-28: {'hold' if allowed else 'stay out'}: {why}")
    allowed, why = allow_long()
    print(f"now: {'hold' if allowed else 'stay out'}: {why}")
