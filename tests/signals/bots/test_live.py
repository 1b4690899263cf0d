"""signals.latest: the live reading never raises on bad data and says what went wrong."""

import json
import os
import threading
import time
from dataclasses import replace

import pandas as pd
import pytest

import signals
from signals.bots.live import RISK_OFF_ABOVE, reading
from signals.data.update import FetchResult
from signals.errors import ConfigError
from tests.backtests.cli.test_cli_schema import documented
from tests.signals.bots import (
    FRESH,
    HELD_AT,
    HELD_SCORE,
    STALE,
    UNUSABLE_SINCE,
    UNWIND,
    copy_store,
    memory_growth,
)

pytestmark = pytest.mark.filterwarnings("ignore::signals.data.macro.BundledDataWarning")


def stub_refresh(monkeypatch, func):
    monkeypatch.setattr("signals.data.update.refresh_macro", func)


def scored_from_data_cut_at(store, now):
    """The score row as of `now` from data cut at `now`: what a bot had then."""
    macro = signals.load_macro(store=store, end=now)
    scores = signals.risk_off_score(macro)
    return scores[scores.index <= pd.Timestamp(now, tz="UTC")].iloc[-1]


def test_a_reading_as_of_now_explains_itself(store):
    live = signals.latest(store=store, now=FRESH)
    assert live.as_of == pd.Timestamp(FRESH, tz="UTC")
    assert live.row_available_at <= live.as_of
    assert live.score == pytest.approx(57.24, abs=0.01) and live.regime == "watch"
    points = [p for p in live.contributions.values() if p is not None]
    assert live.score == pytest.approx(50 + sum(points), abs=0.01)
    assert not live.stale and not live.degraded and live.failed_sources == []
    assert live.allow_risk and live.decision == f"allow: score 57.2 < {RISK_OFF_ABOVE:g}"
    inputs = {item["name"]: item for item in live.inputs}
    assert inputs["jgb_10y"]["last_date"] == "2023-12-20" and not inputs["jgb_10y"]["stale"]
    assert inputs["jgb_10y"]["available_at"] <= live.as_of.isoformat()
    assert inputs["vix"]["stale"] and inputs["vix"]["available_at"] is None
    assert any("bundled data" in note for note in live.notes)


def test_the_reading_has_the_keys_of_riskoff_score_json(store):
    data = signals.latest(store=store, now=FRESH).to_dict()
    assert list(data) == documented()["score"]
    assert json.loads(json.dumps(data)) == data
    live = signals.latest(store=store, now=UNWIND)
    assert "\n" not in repr(live) and "score 68.3 (unwind)" in repr(live)
    assert "<table" in live._repr_html_() and \
        f"refuse: score 68.3 &gt;= {RISK_OFF_ABOVE:g}" in live._repr_html_()


@pytest.mark.parametrize("now", [UNWIND, "2023-06-30 13:00", FRESH])
def test_the_reading_is_what_a_bot_had_at_that_time(store, now):
    row = scored_from_data_cut_at(store, now)
    live = signals.latest(store=store, now=now)
    assert live.score == pytest.approx(row["score"], abs=1e-3)
    assert live.row_available_at == row.name
    assert live.allow_risk == (row["score"] < RISK_OFF_ABOVE)


def test_a_clock_that_jumps_backwards_reads_what_was_available_then(store):
    later = signals.latest(store=store, now=FRESH)
    earlier = signals.latest(store=store, now=UNWIND)
    assert earlier.as_of < later.as_of
    assert earlier.score == pytest.approx(scored_from_data_cut_at(store, UNWIND)["score"], abs=1e-3)
    assert all(item["available_at"] is None or item["available_at"] <= earlier.as_of.isoformat()
               for item in earlier.inputs)
    assert not earlier.allow_risk


@pytest.mark.parametrize(("policy", "allow", "says"), [
    ("fail_open", True, "allow: no usable score (fail_open)"),
    ("fail_closed", False, "refuse: no usable score (fail_closed)"),
    ("hold_last", False, "refuse: no usable score for 48.1 days, longer than max_hold 3.0 "
                         "days; the last good score 59.7 of 2024-01-04 01:30 UTC is no longer "
                         "held (hold_last)"),
])
def test_the_policy_judges_a_stale_reading(store, policy, allow, says):
    live = signals.latest(store=store, now=STALE, policy=policy)
    assert live.stale and not live.degraded
    assert live.held_score == live.score == pytest.approx(HELD_SCORE, abs=1e-3)
    assert (live.policy, live.allow_risk, live.decision) == (policy, allow, says)


def test_a_stale_reading_describes_the_row_it_holds(store):
    live = signals.latest(store=store, now=STALE)
    held = pd.Timestamp(HELD_AT, tz="UTC")
    assert live.row_available_at == held == live.held_as_of
    # 2024-01-04 01:30 to 2024-03-01 00:00: 27 days - 1.5 h in January, 29 in February
    assert live.age_days == pytest.approx(56 + 22.5 / 24, abs=0.01)
    assert live.unusable_since == pd.Timestamp(UNUSABLE_SINCE, tz="UTC")
    assert live.coverage < 0.5  # the share fresh now, the reason it is stale


@pytest.mark.parametrize(("now", "allow", "says"), [
    ("2024-01-15 21:30", False, "refuse: no usable score; holding the last good score 59.7 "
                                "of 2024-01-04 01:30 UTC (hold_last)"),
    ("2024-01-15 21:31", False, "refuse: no usable score for 3.0 days, longer than max_hold "
                                "3.0 days"),
])
def test_hold_last_holds_for_max_hold_after_the_score_became_unusable(store, now, allow, says):
    live = signals.latest(store=store, now=now)
    assert live.stale and live.allow_risk is allow and live.decision.startswith(says)


def test_max_hold_is_a_setting(store):
    held = "no usable score; holding the last good score"
    assert held in signals.latest(store=store, now=STALE, max_hold=60).decision
    assert held in signals.latest(store=store, now=STALE, max_hold="60D").decision
    assert not signals.latest(store=store, now="2024-01-13", max_hold=0).allow_risk
    with pytest.raises(ConfigError, match="max_hold must be a duration >= 0"):
        signals.latest(store=store, max_hold="soon")
    with pytest.raises(ConfigError, match="max_hold must be a duration >= 0"):
        signals.latest(store=store, max_hold=-1)


@pytest.mark.parametrize("now", [FRESH, UNWIND, "2024-01-10", STALE])
def test_the_reading_rests_on_the_current_score_of_the_frame(store, now):
    scores = signals.risk_off_score(signals.load_macro(store=store))
    current = signals.current_score(scores, at=now)
    live = signals.latest(store=store, now=now)
    assert live.row_available_at == current.name
    assert live.held_score == pytest.approx(current["score"], abs=1e-3)
    assert live.age_days == pytest.approx(current.attrs["age_days"], abs=0.01)


def test_hold_last_with_nothing_to_hold_fails_closed(store):
    live = signals.latest(store=store, now="1950-01-02")
    assert live.score is None and live.row_available_at is None and live.held_score is None
    assert not live.allow_risk and live.decision == "refuse: no usable score to hold (hold_last)"


def test_a_reading_made_by_hand_is_judged_by_the_same_rules():
    when = pd.Timestamp(FRESH, tz="UTC")
    high = signals.LiveReading(as_of=when, score=75.0)
    assert not high.allow_risk and high.decision == f"refuse: score 75.0 >= {RISK_OFF_ABOVE:g}"
    held = signals.LiveReading(as_of=when, stale=True, held_score=40.0, held_as_of=when)
    assert held.allow_risk and "holding the last good score 40.0" in held.decision
    expired = replace(held, decision="", unusable_since=when - pd.Timedelta(days=4))
    assert not expired.allow_risk and "longer than max_hold 3.0 days" in expired.decision
    assert not signals.LiveReading(as_of=when, stale=True, policy="fail_closed").allow_risk


def test_readings_from_several_threads_at_once(store):
    results, errors = [], []

    def read(now):
        try:
            results.append(signals.latest(store=store, now=now).score)
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(now,)) for now in [FRESH, UNWIND] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and sorted(set(results)) == [pytest.approx(57.238, abs=1e-3),
                                                     pytest.approx(68.291, abs=1e-3)]


def test_bad_arguments_raise(store):
    with pytest.raises(ConfigError, match="policy must be one of fail_open"):
        signals.latest(store=store, policy="yolo")
    with pytest.raises(ConfigError, match="timeout must be >= 0"):
        signals.latest(store=store, timeout=-1)


def test_a_refresh_that_hangs_returns_at_the_timeout_with_the_stored_reading(store, monkeypatch):
    release, calls = threading.Event(), []

    def hang(store, **kwargs):
        calls.append(store)
        release.wait(timeout=60)
        return []

    stub_refresh(monkeypatch, hang)
    stored = signals.latest(store=store, now=FRESH)
    try:
        live = signals.latest(refresh=True, timeout=0.05, store=store, now=FRESH)
        again = signals.latest(refresh=True, timeout=0.0, store=store, now=FRESH)
    finally:
        release.set()
    assert live.degraded and live.failed_sources[0] == "refresh timed out after 0.05 s"
    assert live.score == stored.score and live.allow_risk
    assert again.failed_sources[0] == ("refresh timed out after 0 s (an earlier refresh is "
                                       "still running)")
    assert len(calls) == 1  # never two refreshes of one store at once


def test_a_refresh_past_its_timeout_names_each_source_and_its_last_outcome(store, monkeypatch):
    from signals.sources.registry import get_source

    fred, mof = get_source("fred"), get_source("mof")
    store.log_fetch("mof", mof.fetches[0].label, 0, "mof jgbcm: HTTP 503 (url: https://m)",
                    started_at=time.time() - 3600)  # an earlier refresh
    written, release = threading.Event(), threading.Event()

    def one_fails_then_hangs(store, **kwargs):
        store.log_fetch("fred", fred.fetches[0].label, 0, "fred fred:DGS10: HTTP 429",
                        started_at=time.time())
        written.set()
        release.wait(timeout=60)
        return []

    stub_refresh(monkeypatch, one_fails_then_hangs)
    try:
        signals.latest(refresh=True, timeout=0, store=store, now=FRESH)
        assert written.wait(timeout=60)
        later = signals.latest(refresh=True, timeout=0, store=store, now=FRESH)
    finally:
        release.set()
    failed = later.failed_sources
    assert failed[0].startswith("refresh timed out after 0 s (an earlier refresh")
    assert "fred fred:DGS10: HTTP 429" in failed
    assert (f"fred: no answer yet after 0 s ({len(fred.fetches) - 1} of {len(fred.fetches)} "
            "downloads to go); it has never been downloaded") in failed
    finished = store.last_fetches().set_index("source").loc["mof", "finished_at"]
    assert (f"mof: no answer yet after 0 s ({len(mof.fetches)} of {len(mof.fetches)} downloads"
            f" to go); its last download, {finished:%Y-%m-%d %H:%M} UTC, failed: mof jgbcm: "
            "HTTP 503 (url: https://m)") in failed


def test_a_refresh_that_raises_gives_a_degraded_reading(store, monkeypatch):
    def down(store, **kwargs):
        raise RuntimeError("publisher down")

    stub_refresh(monkeypatch, down)
    live = signals.latest(refresh=True, store=store, now=FRESH)
    assert live.degraded and live.failed_sources == ["refresh failed: RuntimeError: publisher down"]
    assert live.score == pytest.approx(57.24, abs=0.01) and live.allow_risk


def test_failed_sources_are_named(store, monkeypatch):
    stub_refresh(monkeypatch, lambda store, **kwargs: [
        FetchResult("fred", "DGS10", 0, "fred fred:DGS10: HTTP 503 (url: https://x)"),
        FetchResult("mof", "jgbcm", 0)])
    live = signals.latest(refresh=True, store=store, now=FRESH)
    assert live.degraded and live.failed_sources == ["fred fred:DGS10: HTTP 503 (url: https://x)"]
    assert live.to_dict()["failed_sources"] == live.failed_sources


def test_an_empty_page_keeps_the_last_good_reading_and_says_so(store, monkeypatch):
    def empty(store, **kwargs):
        empty_page = pd.DataFrame(columns=["series", "date", "value", "available_at"])
        return [FetchResult("mof", "jgbcm", store.write_observations(empty_page, origin="network"))]

    before = signals.latest(store=store, now=FRESH)
    stub_refresh(monkeypatch, empty)
    live = signals.latest(refresh=True, store=store, now=FRESH)
    assert not live.degraded and live.score == before.score and live.inputs == before.inputs
    assert "the refresh wrote nothing new (1 downloads); the reading uses the stored data" \
        in live.notes


def test_what_a_refresh_writes_is_in_the_next_reading(store, monkeypatch):
    def one_new_value(store, **kwargs):
        obs = pd.DataFrame({"series": ["mof:10Y"], "date": [pd.Timestamp("2023-12-29")],
                            "value": [0.65],
                            "available_at": [pd.Timestamp("2023-12-29 09:00", tz="UTC")]})
        return [FetchResult("mof", "jgbcm", store.write_observations(obs, origin="network"))]

    late = "2023-12-29 12:00"  # after the planted value became available
    before = signals.latest(store=store, now=late)
    stub_refresh(monkeypatch, one_new_value)
    live = signals.latest(refresh=True, store=store, now=late)
    assert {i["name"]: i["last_date"] for i in before.inputs}["jgb_10y"] == "2023-12-28"
    assert {i["name"]: i["last_date"] for i in live.inputs}["jgb_10y"] == "2023-12-29"
    assert not live.degraded and live.score != before.score


def test_a_truncated_store_file_gives_a_degraded_reading(store_template, tmp_path):
    folder = tmp_path / "cut"
    copy_store(store_template, folder)
    path = folder / "riskoff.sqlite"
    with open(path, "r+b") as file:
        file.truncate(os.path.getsize(path) // 2)
    live = signals.latest(store=folder, now=FRESH)
    assert live.degraded and live.score is None and live.stale and not live.allow_risk
    assert "malformed" in live.error and any("malformed" in note for note in live.notes)
    assert signals.latest(store=folder, now=FRESH, policy="fail_open").allow_risk


def test_a_store_folder_of_garbage_gives_a_degraded_reading(tmp_path):
    folder = tmp_path / "garbage"
    folder.mkdir()
    (folder / "riskoff.sqlite").write_bytes(b"\x00garbage" * 500)
    (folder / "riskoff.sqlite-wal").write_bytes(b"not a wal")
    live = signals.latest(store=folder, now=FRESH)
    assert live.degraded and live.score is None and "not a database" in live.error
    assert live.to_dict()["score"] is None


def test_a_store_broken_after_a_good_reading_keeps_the_last_good_data(store):
    good = signals.latest(store=store, now=FRESH)
    with open(store.path, "r+b") as file:
        file.truncate(os.path.getsize(store.path) // 3)
    live = signals.latest(store=store, now=FRESH)
    assert live.degraded and live.error is not None
    assert live.score == good.score and live.allow_risk


def test_a_computation_that_fails_gives_a_degraded_reading(store):
    only_vix = signals.Weights({"vix_jump": 1.0}, base=None)  # no VIX data offline
    live = signals.latest(store=store, now=FRESH, weights=only_vix, policy="fail_closed")
    assert live.degraded and live.score is None and "DataContractError" in live.error
    assert not live.allow_risk


def test_the_cli_reading_refuses_a_time_before_any_score(store):
    macro = signals.load_macro(store=store)
    scores = signals.risk_off_score(macro)
    with pytest.raises(ConfigError, match="no score is available"):
        reading(scores, macro, pd.Timestamp("1950-01-02", tz="UTC"))
    assert reading(scores, macro, pd.Timestamp(UNWIND, tz="UTC"))["allow_risk"] is False


def test_no_memory_growth_over_thousands_of_refreshes(store, monkeypatch):
    stub_refresh(monkeypatch, lambda store, **kwargs: [FetchResult("mof", "jgbcm", 0)])
    start = pd.Timestamp(FRESH, tz="UTC")
    readings = []

    def step(i):
        live = signals.latest(refresh=True, store=store, now=start + pd.Timedelta(minutes=i))
        readings[:] = [live]

    growth = memory_growth(step)
    assert readings[0].score is not None and not readings[0].degraded
    assert growth < 32 * 1024, f"{growth} bytes more after 2000 readings"
