"""Each availability rule against its recorded stamps: a changed rule needs a new version.

``rule_stamps.csv`` beside this file holds, for every store id of every source, the stamp
its rule gave on :data:`DATES` (year ends, US and Tokyo holidays, Golden Week, daylight
saving changes, shutdowns, the Nikkei's new close), with the rule version then in force.
A rule that now gives another stamp while its version in
:data:`signals.sources.rule_versions.RULE_VERSIONS` is unchanged fails here: stores and
bundled layers stamped by the old rule would keep the old timing. After bumping the
version, record the new stamps with::

    python -m tests.signals.sources.test_rule_versions

which refuses to record the stamps of a rule whose version was not bumped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from signals.sources import rule_versions
from signals.sources.registry import SOURCE_NAMES, get_source, source_for_file
from signals.sources.rule_versions import RULE_VERSIONS, parse_rules, rules_text
from tests import FIXTURES

TABLE = Path(__file__).with_name("rule_stamps.csv")
RECORD = "`python -m tests.signals.sources.test_rule_versions`"
DATES = pd.DatetimeIndex([
    "2008-12-26", "2008-12-27", "2008-12-30", "2008-12-31", "2009-01-02",   # year end
    "2013-09-30", "2013-10-01", "2013-10-08",                               # US shutdown
    "2016-03-11", "2016-03-14", "2016-03-25", "2016-03-28",                 # clocks forward
    "2016-10-28", "2016-10-31", "2016-11-04", "2016-11-07",                 # clocks back
    "2018-12-04", "2018-12-21", "2018-12-24", "2018-12-31",                 # mourning, shutdown
    "2019-04-26", "2019-04-30", "2019-05-07",                               # Golden Week 2019
    "2020-03-16", "2020-03-20", "2022-12-20", "2022-12-23",
    "2024-01-12", "2024-01-15", "2024-02-29",                               # MLK day, leap day
    "2024-06-18", "2024-07-02", "2024-11-01", "2024-11-04", "2024-11-05",   # CFTC stars, N225
    "2024-11-26", "2025-01-09", "2025-09-30", "2025-10-07", "2025-12-29",   # Carter, shutdown
])


def store_ids(name: str) -> list[str]:
    """Every store id source `name` yields."""
    return [sid for fetch in get_source(name).fetches for sid in fetch.series]


def current_stamps(name: str) -> pd.DataFrame:
    """What source `name`'s rule gives now on :data:`DATES`, in the table's layout."""
    stamp = get_source(name).stamp
    rows = [pd.DataFrame({"source": name, "version": RULE_VERSIONS[name], "series": sid,
                          "date": DATES.strftime("%Y-%m-%d"),
                          "available_at": stamp(sid, DATES).strftime("%Y-%m-%d %H:%M:%S")})
            for sid in store_ids(name)]
    return pd.concat(rows, ignore_index=True)


def recorded_stamps(name: str) -> pd.DataFrame:
    table = pd.read_csv(TABLE, dtype=str)
    return table[table["source"] == name].astype({"version": int}).reset_index(drop=True)


def differences(name: str) -> tuple[int | None, pd.DataFrame]:
    """The recorded version of `name`'s stamps, and the rows where now and then differ."""
    then, now = recorded_stamps(name), current_stamps(name)
    version = int(then["version"].iloc[0]) if len(then) else None
    both = then.merge(now, on=["series", "date"], how="outer", suffixes=("_then", "_now"))
    return version, both[both["available_at_then"] != both["available_at_now"]]


def rule_problem(name: str) -> str | None:
    """Why the recorded stamps of source `name` do not hold any more, or ``None``."""
    version, diff = differences(name)
    current = RULE_VERSIONS[name]
    if version is None:
        return f"no stamps are recorded for {name}: record them with {RECORD}"
    if version != current:
        return (f"RULE_VERSIONS[{name!r}] is {current} and the stamps recorded are of version "
                f"{version}: record them with {RECORD}")
    if len(diff):
        first = diff.iloc[0]
        return (f"the availability rule of signals/sources/{name}.py gives other stamps than "
                f"version {version} gave ({len(diff)} of {len(DATES) * len(store_ids(name))}, "
                f"first {first['series']} on {first['date']}: recorded "
                f"{first['available_at_then']}, now {first['available_at_now']}): bump "
                f"RULE_VERSIONS[{name!r}] in signals/sources/rule_versions.py, then record the "
                f"new stamps with {RECORD}")
    return None


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_a_rule_gives_the_stamps_recorded_for_its_version(name):
    assert rule_problem(name) is None, rule_problem(name)


def test_a_rule_changed_without_its_version_is_caught_and_names_the_version_to_bump(
        monkeypatch):
    from signals.sources import mof

    rule = mof.available_at
    monkeypatch.setattr(mof, "available_at", lambda dates: rule(dates) + pd.Timedelta(minutes=1))
    problem = rule_problem("mof")
    assert problem is not None
    assert problem.startswith("the availability rule of signals/sources/mof.py gives other "
                              f"stamps than version {RULE_VERSIONS['mof']} gave (600 of 600")
    assert "bump RULE_VERSIONS['mof'] in signals/sources/rule_versions.py" in problem
    monkeypatch.setitem(RULE_VERSIONS, "mof", RULE_VERSIONS["mof"] + 1)
    assert "record them with" in rule_problem("mof")


def test_the_recorded_table_holds_stamps_worked_out_by_hand():
    table = pd.read_csv(TABLE, dtype=str).set_index(["series", "date"])["available_at"]
    by_hand = {
        # Friday before Golden Week 2019 (27 April - 6 May closed): Tuesday 7 May, 01:30 UTC
        ("mof:10Y", "2019-04-26"): "2019-05-07 01:30:00",
        # 18:00 New York: EST (UTC-5) on the Friday, EDT (UTC-4) after the clocks went forward
        ("treasury:10Y", "2016-03-11"): "2016-03-11 23:00:00",
        ("treasury:10Y", "2016-03-14"): "2016-03-14 22:00:00",
        # H.15 on the next business day, Martin Luther King Day skipped: Tuesday 16:30 EST
        ("fred:DGS10", "2024-01-12"): "2024-01-16 21:30:00",
        # H.10 on the Monday after the week, here a holiday: Tuesday 16:30 EST
        ("fred:DEXJPUS", "2024-01-12"): "2024-01-16 21:30:00",
        # Nikkei closes 15:00 JST until 4 November 2024, 15:30 after, plus 30 minutes
        ("yahoo:^N225", "2024-11-01"): "2024-11-01 06:30:00",
        ("yahoo:^N225", "2024-11-05"): "2024-11-05 07:00:00",
        # the CFTC's starred 2024 date: report of Tuesday 18 June out Monday 24 June 15:30 EDT
        ("cftc:097741:open_interest", "2024-06-18"): "2024-06-24 19:30:00",
    }
    assert {key: table[key] for key in by_hand} == by_hand


def test_every_source_has_a_version_and_a_rule():
    assert list(RULE_VERSIONS) == list(SOURCE_NAMES)
    assert all(isinstance(v, int) and v >= 1 for v in RULE_VERSIONS.values())
    assert all(get_source(name).stamp is not None for name in SOURCE_NAMES)


def test_the_versions_text_reads_back_and_older_records_read_as_none():
    text = rules_text()
    assert text.startswith("cboe=") and parse_rules(text) == RULE_VERSIONS
    assert parse_rules(None) == {} and parse_rules("02efa91caba94247") == {}
    assert rule_versions.__all__ == ["RULE_VERSIONS", "parse_rules", "rules_text"]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_sources_rule_gives_the_stamps_its_parsers_give(bundled):
    """Restamping a stored row gives what reading its file gives, for every source."""
    seen = set()
    for path in sorted([*FIXTURES.rglob("*"), *(bundled / "macro").iterdir()]):
        source = source_for_file(path.name) if path.is_file() else None
        if source is None:
            continue
        obs = source.read_file(path)
        for sid, frame in obs.groupby("series"):
            stamps = source.stamp(sid, pd.DatetimeIndex(frame["date"]))
            assert (stamps == pd.DatetimeIndex(frame["available_at"])).all(), (path, sid)
            seen.add(source.name)
    assert seen == set(SOURCE_NAMES)


def record() -> None:
    """Write the table anew, refusing a source whose stamps changed under the same version."""
    for name in SOURCE_NAMES:
        version, diff = differences(name)
        changed = diff.dropna(subset=["available_at_then", "available_at_now"])
        if version == RULE_VERSIONS[name] and len(changed):
            sys.exit(rule_problem(name))
    table = pd.concat([current_stamps(name) for name in SOURCE_NAMES], ignore_index=True)
    table.to_csv(TABLE, index=False, lineterminator="\n")


if __name__ == "__main__":
    record()
