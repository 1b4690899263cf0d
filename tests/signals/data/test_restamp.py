"""A changed availability rule reaches existing stores: the bundled layer and the stored rows.

Stores "made by an older riskoff" are built here the way such stores look: rows stamped by
the rule MOF yields had before December 2026 (``D+1 00:00 UTC``, exactly on a daily
candle's close), no record of rule versions, a bundled layer tagged by its files alone.
"""

import signal

import pandas as pd
import pytest
from click.testing import CliRunner

from backtests.cli import riskoff
from signals import Store, load_macro
from signals.data.bundled import bundle_tag, ensure_bundled
from signals.data.restamp import ensure_current_rules, restamp, stale_stamps
from signals.sources import fred, mof
from signals.sources.rule_versions import RULE_VERSIONS, rules_text
from tests import FIXTURES
from tests.signals.data.test_store import _python

#: The tag an older riskoff gave the same bundled files: their hash, without the rules.
OLD_TAG = bundle_tag().partition("+")[0]
#: Friday 5 January 2024, then Tuesday 9 after Coming of Age Day, and Wednesday 10
DATES = pd.DatetimeIndex(["2024-01-05", "2024-01-09", "2024-01-10"])

pytestmark = pytest.mark.filterwarnings("ignore::signals.BundledDataWarning")


def old_rule(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The MOF rule before December 2026: the next day at 00:00 UTC."""
    return (dates + pd.Timedelta(days=1)).tz_localize("UTC")


def forget_rules(store: Store) -> None:
    """Make `store` look made before rule versions were recorded."""
    with store._write() as con:
        con.execute("DELETE FROM meta WHERE key = 'rules'")


def rows(store: Store) -> pd.DataFrame:
    """The observations table as it is on disk, times as integer seconds."""
    with store._connect() as con:
        return pd.read_sql("SELECT * FROM observations ORDER BY series, date", con)


def old_jgb_store(store: Store) -> Store:
    """`store` holding three 10-year JGB yields fetched under the old rule, no record."""
    store.write_observations(pd.DataFrame({
        "series": "mof:10Y", "date": DATES, "value": [0.62, 0.59, 0.60],
        "available_at": old_rule(DATES)}), origin="network")
    forget_rules(store)
    return store


def test_rows_fetched_under_an_old_rule_are_restamped_on_the_next_load(store):
    old_jgb_store(store)
    before = rows(store)
    frame = load_macro(store=store, start="2024-01-01").frame("jgb_10y").set_index("date")
    assert frame["available_at"].tolist() == list(mof.available_at(DATES))
    assert frame["available_at"].iloc[0] == pd.Timestamp("2024-01-09 01:30", tz="UTC")
    assert store.rules() == rules_text()
    after = rows(store)
    # only the stamps move: values, fetch times and origins stay as stored
    for column in ("series", "date", "value", "fetched_at", "origin"):
        assert after[column].tolist() == before[column].tolist(), column
    assert (after["available_at"] > before["available_at"]).all()
    # the leak is gone: at Saturday's 00:00 close, Friday's yields are not known yet
    saturday = load_macro(store=store, start="2024-01-01", end="2024-01-06 00:00")
    assert "jgb_10y" not in saturday


def test_a_store_on_the_current_rules_is_left_alone(store):
    store.write_observations(pd.DataFrame({
        "series": "mof:10Y", "date": DATES, "value": 0.6,
        "available_at": old_rule(DATES)}), origin="network")  # recorded as current
    assert ensure_current_rules(store) == 0
    assert rows(store)["available_at"].tolist() == [int(t.timestamp()) for t in old_rule(DATES)]
    # the record is trusted on load; verify compares every stamp with the rule
    (stale,) = stale_stamps(store)
    assert stale.what == "mof:10Y" and stale.problem.endswith(
        f"recorded as the current mof rule {RULE_VERSIONS['mof']}: written by a process "
        "running an older riskoff (restart it), or the rule changed without its version")


def test_a_rule_moving_stamps_earlier_restamps_history_as_a_fresh_download_would(tmp_path):
    fresh = fred.SOURCE.read_file(FIXTURES / "fred" / "fredgraph_DGS10_new_header.csv")
    cautious = fresh.assign(available_at=fresh["available_at"] + pd.Timedelta(hours=2))
    upgraded, new = Store(tmp_path / "upgraded"), Store(tmp_path / "new")
    upgraded.write_observations(cautious, origin="network")
    forget_rules(upgraded)
    new.write_observations(fresh, origin="network")
    fetched = rows(upgraded)["fetched_at"]

    assert restamp(upgraded) == len(fresh)
    after, expected = rows(upgraded), rows(new)
    # the publisher's rule governs: the same stamps as a download made today...
    assert after["available_at"].tolist() == expected["available_at"].tolist()
    # ...though every row was fetched after them, and the fetch times are kept
    assert after["fetched_at"].tolist() == fetched.tolist()
    assert (after["available_at"] < after["fetched_at"]).all()


def test_a_changed_rule_reseeds_the_bundled_layer_on_the_next_load(store, monkeypatch):
    def bundled_jgb():
        load_macro(store=store)
        return store.read_observations(["mof:10Y"], layer="bundled")["mof:10Y"]

    rule = mof.available_at
    monkeypatch.setattr(mof, "available_at", lambda dates: rule(dates) + pd.Timedelta(hours=1))
    unchanged = bundled_jgb()
    # a rule changed without its version: the store keeps what it has (tests/signals/
    # sources/test_rule_versions.py stops such a change)
    assert (unchanged["available_at"] == rule(unchanged["date"])).all()

    monkeypatch.setitem(RULE_VERSIONS, "mof", RULE_VERSIONS["mof"] + 1)
    reseeded = bundled_jgb()
    assert (reseeded["available_at"] == mof.available_at(reseeded["date"])).all()
    assert reseeded["value"].tolist() == unchanged["value"].tolist()
    assert store.bundled_tag() == bundle_tag() and f"mof={RULE_VERSIONS['mof']}" in bundle_tag()


def run(*args):
    return CliRunner().invoke(riskoff, list(args), catch_exceptions=False)


def test_verify_reports_stamps_from_old_rules_and_repair_restamps_them(store):
    old_jgb_store(store)
    with store._write() as con:
        con.execute("UPDATE snapshots SET tag = ? WHERE layer = 'bundled'", (OLD_TAG,))
    where = str(store.path)
    result = run("--store", where, "data", "verify")
    assert result.exit_code == 4
    assert ("problem: rules mof:10Y: 3 of 3 stamps are not the current rule's, first "
            "2024-01-05: stored 2024-01-06 00:00, rule 2024-01-09 01:30 UTC; the store records "
            "no rule versions (made before they were); current mof rule "
            f"{RULE_VERSIONS['mof']}") in result.stdout
    assert ("problem: rules bundled data: it was stamped before rule versions were recorded; "
            "the next load parses the bundled files again, --repair does it now") in result.stdout
    assert rows(store)["available_at"].tolist() == [int(t.timestamp()) for t in old_rule(DATES)]

    result = run("--store", where, "data", "verify", "--repair")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("repaired: rules") == 2
    assert stale_stamps(store) == [] and store.bundled_tag() == bundle_tag()
    assert run("--store", where, "data", "verify").exit_code == 0


def test_verify_names_the_versions_a_store_was_stamped_under(store):
    old_jgb_store(store)
    version = RULE_VERSIONS["mof"]
    older = rules_text({**RULE_VERSIONS, "mof": version - 1})
    with store._write() as con:  # recorded by a riskoff whose mof rule was one version older
        con.execute("INSERT INTO meta VALUES ('rules', ?)", (older,))
        con.execute("UPDATE snapshots SET tag = ? WHERE layer = 'bundled'",
                    (f"{'0' * 16}+{older}",))
    rows_stale, bundle_stale = stale_stamps(store)
    assert rows_stale.what == "mof:10Y"
    assert rows_stale.problem.endswith(f"stamped under mof rule {version - 1}, current {version}")
    assert bundle_stale == ("bundled data", (
        "its files come from another riskoff release; it was stamped under other rules (mof "
        f"{version - 1} -> {version}); the next load parses the bundled files again, --repair "
        "does it now"))


KILLED_RESEED = """
    import time
    import signals.data.store as store_module
    from signals.data.bundled import ensure_bundled
    put, written = store_module._put_snapshot, []
    def stall(con, *args):                     # inside the transaction that replaces the layer
        put(con, *args)
        written.append(args[1])
        if len(written) == 5:
            print("mid-reseed", flush=True)
            time.sleep(600)
    store_module._put_snapshot = stall
    ensure_bundled(store_module.Store())       # killed in here
"""

KILLED_RESTAMP = """
    import time
    from signals.data.restamp import ensure_current_rules
    from signals.data.store import Store
    rebuild = Store._rebuild_snapshot
    def stall(con, series):                    # after the first series' rows were changed
        rebuild(con, series)
        print("mid-restamp", flush=True)
        time.sleep(600)
    Store._rebuild_snapshot = staticmethod(stall)
    ensure_current_rules(Store())              # killed in here
"""


def kill_when(code: str, line: str, home) -> None:
    proc = _python(code, home)
    assert proc.stdout.readline().strip() == line, proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_a_reseed_killed_midway_leaves_the_old_bundled_layer_whole(
        store_template, riskoff_home):
    from tests.signals.bots import copy_store

    store = copy_store(store_template, riskoff_home)
    layer = store.read_observations(layer="bundled")
    old = pd.concat([frame.assign(series=sid) for sid, frame in layer.items()])
    old["available_at"] -= pd.Timedelta(minutes=90)   # the old rules' stamps
    store.write_bundled(old, OLD_TAG)
    before = store.read_observations(layer="bundled")

    kill_when(KILLED_RESEED, "mid-reseed", riskoff_home)
    store = Store()
    assert store.integrity_problems() == []
    with store._connect() as con:
        tags = {t for (t,) in con.execute("SELECT tag FROM snapshots WHERE layer = 'bundled'")}
    assert tags == {OLD_TAG}
    after = store.read_observations(layer="bundled")
    assert after.keys() == before.keys()
    for sid in before:
        pd.testing.assert_frame_equal(after[sid], before[sid])

    reseeded = ensure_bundled(store)
    assert store.bundled_tag() == bundle_tag()
    for sid in before:
        assert (reseeded[sid]["available_at"] - before[sid]["available_at"]
                == pd.Timedelta(minutes=90)).all(), sid


def test_a_restamp_killed_midway_leaves_every_old_stamp(riskoff_home):
    store = Store()
    for series in ("mof:10Y", "mof:20Y", "mof:30Y"):
        store.write_observations(pd.DataFrame({
            "series": series, "date": DATES, "value": 1.0,
            "available_at": old_rule(DATES)}), origin="network")
    forget_rules(store)
    before = rows(store)

    kill_when(KILLED_RESTAMP, "mid-restamp", riskoff_home)
    store = Store()
    assert store.integrity_problems() == [] and store.rules() is None
    pd.testing.assert_frame_equal(rows(store), before)
    assert len(stale_stamps(store)) == 3

    assert ensure_current_rules(store) == 9
    assert stale_stamps(store) == [] and store.rules() == rules_text()


def test_a_new_store_records_the_current_rules(tmp_path):
    assert Store(tmp_path).rules() == rules_text()  # no row yet, so none from older rules
