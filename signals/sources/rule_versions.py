"""The version of each source's availability rule, and the text a store records of them.

A source's availability rule (``available_at`` in its module, reached through
:attr:`signals.sources.base.Source.stamp`) decides when each value counts as available.
Whenever a change to a rule changes any stamp it gives (a margin, a holiday, a release
clock), that source's version here goes up by one. A store records the versions its stamps
come from: on the next load, rows stamped under other versions are stamped again and the
bundled layer is parsed again (``signals.data.restamp``, ``signals.data.bundled``), so an
upgrade never leaves the old timing in place.

``tests/signals/sources/test_rule_versions.py`` compares every rule's stamps on a fixed set
of dates with a recorded table and fails, naming the version to bump, when they differ.

The versions live here rather than in the source modules so that reading them, which every
``load_macro`` does, does not import the sources and their HTTP stack.

Versions: 1 is each rule as of December 2026 (the MOF's Tokyo business days and every
rule's margin off a daily candle's close); versions were not recorded before.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["RULE_VERSIONS", "parse_rules", "rules_text"]

#: Source name -> version of its availability rule; bump one when its stamps change.
RULE_VERSIONS: dict[str, int] = {
    "mof": 1,
    "mof_week": 1,
    "treasury": 1,
    "fred": 1,
    "yahoo": 1,
    "cboe": 1,
    "cftc": 1,
    "tic": 1,
}


def rules_text(versions: Mapping[str, int] | None = None) -> str:
    """The versions as one short text, e.g. ``"cboe=1,cftc=1,fred=2"`` (sorted by source).

    Parameters
    ----------
    versions : mapping, optional
        Source name -> rule version; default :data:`RULE_VERSIONS`.

    Returns
    -------
    str
    """
    versions = RULE_VERSIONS if versions is None else versions
    return ",".join(f"{name}={versions[name]}" for name in sorted(versions))


def parse_rules(text: str | None) -> dict[str, int]:
    """The versions in a text written by :func:`rules_text`; empty for ``None`` or other text.

    Parameters
    ----------
    text : str or None
        What a store recorded; ``None`` when it recorded nothing.

    Returns
    -------
    dict
        Source name -> rule version.
    """
    out: dict[str, int] = {}
    for item in (text or "").split(","):
        name, _, version = item.partition("=")
        if name and version.isdigit():
            out[name] = int(version)
    return out
