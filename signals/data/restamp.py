"""Stamps made under older availability rules: found, and made again with the current rules.

Every row of the store carries the ``available_at`` its source's rule gave when it was
written, and the store records the rule versions its rows come from (``meta.rules``,
:mod:`signals.sources.rule_versions`). When riskoff is upgraded and a rule's version
changed, :func:`ensure_current_rules` (run by every ``load_macro``, refresh and import
before it reads or writes) stamps every stored row again from its stored date with the
current rule, in one transaction; the bundled layer is parsed again in the same way
(:func:`signals.data.bundled.ensure_bundled`). ``riskoff data verify`` compares every stored
stamp with the current rule (:func:`stale_stamps`) and ``--repair`` runs :func:`restamp`.

Why the stored date and the publisher's rule, not the time the row was fetched
------------------------------------------------------------------------------
``available_at`` answers "when could a bot following the publisher first have had this
value?". It is a function of the publisher and the date alone: that is what makes a
backtest on one store equal a backtest on another, and a restamped store equal a store
filled by a fresh download today (whose rows are stamped by the rule, whatever the time
of the download). The time this store downloaded a value is a different fact, about this
store: it is kept in ``fetched_at`` and the fetch log, and a restamp never changes it.

"A value cannot have been available before it was downloaded" is true of this store, and
false of the publisher. Clamping the new stamp to ``fetched_at`` would stamp every
history row with the day of the store's first ``riskoff data update`` (a backtest would
see nothing before it), would make the stamps depend on the refresh schedule, and would
make an upgraded store differ from a fresh one. So the publisher's rule governs:

* a rule that moves stamps later (the margins of December 2026, so that no value lands
  on a daily candle's close) removes lookahead from every stored row, history included;
* a rule that moves them earlier follows new evidence on when the publisher posts, and
  moves stored rows earlier exactly as far as a fresh download stamps them, even before
  their ``fetched_at``. Past decisions of a live bot are not rewritten by this: they were
  taken at their time, and what the store held then is in ``fetched_at`` and the log.

Neither kind changes a value, ``fetched_at`` or ``origin``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pandas as pd

from signals.data.store import Store
from signals.sources.rule_versions import RULE_VERSIONS, parse_rules, rules_text

__all__ = ["Stale", "ensure_current_rules", "repair_rules", "restamp", "stale_stamps"]


class Stale(NamedTuple):
    """Stamps of a store that are not the current rules': what, and one line on it."""

    what: str
    problem: str


def _differences(store: Store) -> Iterator[tuple[str, int, pd.DataFrame]]:
    """Per stored series of a known source: its row count and the rows whose stamp differs.

    The differing rows come as ``date, stored, current`` (``current``: the current rule's).
    """
    from signals.sources.registry import get_source

    for series, frame in store.read_observations().items():
        name = series.partition(":")[0]
        rule = get_source(name).stamp if name in RULE_VERSIONS else None
        if rule is None or not len(frame):
            continue
        current = pd.DatetimeIndex(rule(series, pd.DatetimeIndex(frame["date"])))
        differ = current != pd.DatetimeIndex(frame["available_at"])
        yield series, len(frame), pd.DataFrame({
            "date": frame["date"][differ], "stored": frame["available_at"][differ],
            "current": current[differ]}).reset_index(drop=True)


def restamp(store: Store) -> int:
    """Stamp every stored row again from its date with its source's current rule.

    One transaction (:meth:`Store.restamp`): rows whose stamp changes get the new one, and
    the store records the current rule versions. Values, ``fetched_at`` and ``origin``
    stay as they are; the module docstring says why the rule, not the download time,
    decides the new stamp.

    Parameters
    ----------
    store : Store
        The store.

    Returns
    -------
    int
        Rows whose ``available_at`` changed.
    """
    stamps = {series: diff[["date", "current"]].rename(columns={"current": "available_at"})
              for series, _, diff in _differences(store) if len(diff)}
    return store.restamp(stamps, rules_text())


def ensure_current_rules(store: Store) -> int:
    """:func:`restamp` the store when it records other rule versions than the current ones.

    Cheap when nothing changed (one read of the store's record).

    Parameters
    ----------
    store : Store
        The store.

    Returns
    -------
    int
        Rows whose ``available_at`` changed (0 when the store was current).
    """
    if store.rules() == rules_text():
        return 0
    return restamp(store)


def _note(name: str, recorded: str | None) -> str:
    """Which rule version a source's rows were recorded under, against the current one."""
    current = RULE_VERSIONS[name]
    if recorded is None:
        return f"the store records no rule versions (made before they were); current {name} " \
               f"rule {current}"
    old = parse_rules(recorded).get(name)
    if old != current:
        return f"stamped under {name} rule {old}, current {current}"
    return (f"recorded as the current {name} rule {current}: written by a process running an "
            "older riskoff (restart it), or the rule changed without its version")


def _bundle_problem(store: Store) -> Stale | None:
    from signals.data.bundled import bundle_tag

    stored, current = store.bundled_tag(), bundle_tag()
    if stored is None or stored == current:
        return None
    files, _, rules = stored.partition("+")
    old, new = parse_rules(rules), parse_rules(current.partition("+")[2])
    changed = [f"{name} {old.get(name, '-')} -> {version}" for name, version in new.items()
               if old.get(name) != version]
    reasons = []
    if files != current.partition("+")[0]:
        reasons.append("its files come from another riskoff release")
    if not old:
        reasons.append("it was stamped before rule versions were recorded")
    elif changed:
        reasons.append(f"it was stamped under other rules ({', '.join(changed)})")
    return Stale("bundled data", "; ".join(reasons) + "; the next load parses the bundled "
                 "files again, --repair does it now")


def stale_stamps(store: Store) -> list[Stale]:
    """Every stamp of `store` that is not the current rules', per series and for the bundle.

    Parameters
    ----------
    store : Store
        The store; only read.

    Returns
    -------
    list of Stale
        One per stored series with such stamps (how many, the first, and the rule version
        the store records for it), and one for the bundled layer when it was parsed by
        another release or under other rules. Empty when every stamp is current.
    """
    recorded = store.rules()
    out = []
    for series, rows, diff in _differences(store):
        if not len(diff):
            continue
        first = diff.iloc[0]
        out.append(Stale(series, (
            f"{len(diff):,} of {rows:,} stamps are not the current rule's, first "
            f"{first['date']:%Y-%m-%d}: stored {first['stored']:%Y-%m-%d %H:%M}, rule "
            f"{first['current']:%Y-%m-%d %H:%M} UTC; "
            f"{_note(series.partition(':')[0], recorded)}")))
    bundle = _bundle_problem(store)
    return out if bundle is None else [*out, bundle]


def repair_rules(store: Store) -> None:
    """Make every stamp of `store` the current rules': :func:`restamp`, then the bundled layer.

    Parameters
    ----------
    store : Store
        The store.
    """
    from signals.data.bundled import ensure_bundled

    restamp(store)
    ensure_bundled(store)
