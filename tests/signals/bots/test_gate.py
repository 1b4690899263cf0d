"""signals.RiskGate: hysteresis, policies, state across restarts, logs and webhook alerts."""

import json
import logging
import socket
from dataclasses import replace

import pandas as pd
import pytest

import signals
from signals.errors import ConfigError
from tests.signals.bots import FRESH, HELD_SCORE, STALE, UNWIND, memory_growth

WATCH, STRESS, UNWIND_LEVEL = (low for _, low in signals.REGIMES[1:])

pytestmark = pytest.mark.filterwarnings("ignore::signals.data.macro.BundledDataWarning")
T0 = pd.Timestamp("2024-06-03 00:00", tz="UTC")


@pytest.fixture(scope="module")
def base():
    """A usable reading to vary: only score, stale and as_of matter to the gate."""
    return signals.LiveReading(as_of=T0, score=50.0, regime="calm", coverage=0.8)


def at(base, score, hour=0, **changes):
    return replace(base, score=score, as_of=T0 + pd.Timedelta(hours=hour), **changes)


def unusable(base, held_score=None):
    return replace(base, score=None, regime=None, stale=True, held_score=held_score,
                   held_as_of=None if held_score is None else T0 - pd.Timedelta(days=9))


def test_hysteresis_out_at_exit_above_back_only_below_reenter_below(base):
    gate = signals.RiskGate(exit_above=70, reenter_below=55, reduced_exposure=0.25)
    path = []
    for hour, score in enumerate([50, 69.9, 70, 60, 55, 54.9, 65]):
        gate.update(at(base, score, hour))
        path.append((gate.allow_long(), gate.exposure()))
    on, off = (True, 1.0), (False, 0.25)
    assert path == [on, on, off, off, off, on, on]


@pytest.mark.parametrize(("score", "state"), [((WATCH + STRESS) / 2, "risk_on"),
                                               (75.0, "risk_off")])
def test_a_new_gate_starts_risk_on_unless_the_score_is_already_high(base, score, state):
    gate = signals.RiskGate()
    reading = gate.update(at(base, score))
    assert gate.state == state
    assert reading.allow_risk is (state == "risk_on")
    assert reading.decision.startswith(f"{'allow' if state == 'risk_on' else 'refuse'}: gate "
                                       f"{state} (score {score:.1f}; risk-off from {STRESS:g}")


@pytest.mark.parametrize(("policy", "before", "after"), [
    ("fail_open", 80.0, "risk_on"), ("fail_closed", 40.0, "risk_off"),
    ("hold_last", 80.0, "risk_off"), ("hold_last", 40.0, "risk_on")])
def test_an_unusable_reading_follows_the_policy(base, policy, before, after):
    gate = signals.RiskGate(policy=policy)
    gate.update(at(base, before))
    reading = gate.update(unusable(base))
    assert gate.state == after and reading.policy == policy
    assert "no usable score" in reading.decision
    assert gate.regime == ("unknown" if policy != "hold_last" else
                           ("unwind" if before >= UNWIND_LEVEL else "calm"))


@pytest.mark.parametrize(("held", "state"), [(72.0, "risk_off"), (40.0, "risk_on"),
                                             (None, "risk_off")])
def test_a_new_hold_last_gate_uses_the_last_good_score_or_fails_closed(base, held, state):
    gate = signals.RiskGate(policy="hold_last")
    assert not gate.allow_long()  # before any update
    gate.update(unusable(base, held))
    assert gate.state == state and gate.score == held


def test_before_any_update_only_fail_open_allows_risk():
    assert signals.RiskGate(policy="fail_open").allow_long()
    assert signals.RiskGate(policy="fail_closed", reduced_exposure=0.5).exposure() == 0.5


def test_the_default_reading_is_the_live_one(store, monkeypatch):
    monkeypatch.setenv("RISKOFF_HOME", str(store.path.parent))
    gate = signals.RiskGate()
    reading = gate.update(now=UNWIND)
    assert reading.as_of == pd.Timestamp(UNWIND, tz="UTC") and reading.score >= UNWIND_LEVEL
    assert gate.state == "risk_off" and gate.regime == "unwind"


def test_a_clock_that_jumps_backwards_does_not_break_the_gate(store):
    gate = signals.RiskGate()
    gate.update(signals.latest(store=store, now=FRESH), now=FRESH)
    reading = gate.update(signals.latest(store=store, now=UNWIND), now=UNWIND)
    assert reading.as_of == pd.Timestamp(UNWIND, tz="UTC") and gate.state == "risk_off"
    unwind_row = gate.as_of
    assert unwind_row == reading.row_available_at <= pd.Timestamp(UNWIND, tz="UTC")
    held = signals.RiskGate(max_hold="60D")
    held.update(signals.latest(store=store, now=UNWIND), now=UNWIND)
    held.update(signals.latest(store=store, now=STALE, max_hold="60D"), now=STALE)
    assert held.state == "risk_off" and held.as_of == unwind_row  # stale: hold the state
    gate.update(signals.latest(store=store, now=STALE), now=STALE)  # held too long
    assert gate.state == "risk_off" and gate.regime == "unknown"


def test_a_held_state_expires_after_max_hold(base, caplog):
    gate = signals.RiskGate(policy="hold_last")
    gate.update(at(base, 40.0), now=T0)
    with caplog.at_level(logging.INFO, logger="riskoff.gate"):
        kept = gate.update(unusable(base), now=T0 + pd.Timedelta(days=1))
        assert gate.state == "risk_on" and "holding the gate's state" in kept.decision
        still = gate.update(unusable(base), now=T0 + pd.Timedelta(days=3))
        assert gate.state == "risk_on" and still.allow_risk
        gone = gate.update(unusable(base), now=T0 + pd.Timedelta(days=3, minutes=1))
    assert gate.state == "risk_off" and gate.regime == "unknown" and not gone.allow_risk
    assert gone.decision == ("refuse: gate risk_off (no usable score for 3.0 days, longer than "
                             "max_hold 3 days (hold_last))")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "calm -> unknown" in warnings[0].getMessage()
    gate.update(at(base, 40.0), now=T0 + pd.Timedelta(days=4))  # usable again: risk on
    assert gate.state == "risk_on"


@pytest.mark.parametrize(("policy", "max_hold", "state"), [
    ("hold_last", "3D", "risk_off"), ("fail_closed", "3D", "risk_off"),
    # within 60 days the gate holds the last good score, 59.7: at or above the stress level
    ("hold_last", "60D", "risk_off" if HELD_SCORE >= STRESS else "risk_on"),
    ("fail_open", "3D", "risk_on")])
def test_a_new_gate_on_stale_data_starts_as_its_policy_says_and_warns(store, caplog, policy,
                                                                      max_hold, state):
    gate = signals.RiskGate(policy=policy, max_hold=max_hold)
    with caplog.at_level(logging.INFO, logger="riskoff.gate"):
        gate.update(signals.latest(store=store, now=STALE, policy=policy, max_hold=max_hold),
                    now=STALE)
    assert gate.state == state and gate.exposure() == (1.0 if state == "risk_on" else 0.0)
    [record] = [r for r in caplog.records if r.name == "riskoff.gate"]
    assert record.levelno == logging.WARNING and "no usable score" in record.getMessage()
    assert record.getMessage().startswith(f"risk gate starts {state}")


def test_the_state_survives_a_restart(base, tmp_path):
    path = tmp_path / "state" / "gate.json"
    first = signals.RiskGate(state_file=path)
    first.update(at(base, 72.0), now=T0)
    first.update(at(base, 57.0, 1), now=T0 + pd.Timedelta(hours=1))  # watch
    saved = json.loads(path.read_text())
    assert saved == {"state": "risk_off", "regime": "watch", "score": 57.0,
                     "as_of": "2024-06-03T01:00:00+00:00",
                     "updated_at": "2024-06-03T01:00:00+00:00"}
    assert [p.name for p in path.parent.iterdir()] == ["gate.json"]  # no temporary file left
    second = signals.RiskGate(state_file=path)
    assert (second.state, second.regime, second.score) == ("risk_off", "watch", 57.0)
    assert second.as_of == T0 + pd.Timedelta(hours=1) and not second.allow_long()
    second.update(at(base, 56.0, 2))  # still above the watch level: the resumed state holds
    assert second.state == "risk_off"


@pytest.mark.parametrize("content", [b"", b"{", b"null", b'{"state": "maybe"}',
                                     b'{"state": "risk_on", "regime": "calm", "score": "x", '
                                     b'"as_of": null, "updated_at": null}',
                                     b'{"state": "risk_off", "regime": "unwind", "sc',
                                     b"\xff\xfe\x00garbage"])
def test_a_corrupt_state_file_is_reported_and_ignored(base, tmp_path, caplog, content):
    path = tmp_path / "gate.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="riskoff.gate"):
        gate = signals.RiskGate(state_file=path, policy="fail_closed")
    assert gate.state is None and not gate.allow_long()
    assert "ignores its state file" in caplog.text
    gate.update(at(base, 40.0))
    assert json.loads(path.read_text())["state"] == "risk_on"


def test_a_failed_write_keeps_the_old_state_file_whole(base, tmp_path, monkeypatch, caplog):
    path = tmp_path / "gate.json"
    gate = signals.RiskGate(state_file=path)
    gate.update(at(base, 40.0))
    before = path.read_text()

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("signals.bots.gate.os.replace", full_disk)
    with caplog.at_level(logging.ERROR, logger="riskoff.gate"):
        gate.update(at(base, 80.0, 1))
    assert gate.state == "risk_off"  # the gate itself moved on
    assert path.read_text() == before and "could not write its state" in caplog.text
    assert [p.name for p in tmp_path.iterdir()] == ["gate.json"]


def test_every_regime_change_is_logged(base, caplog):
    gate = signals.RiskGate()
    with caplog.at_level(logging.INFO, logger="riskoff.gate"):
        gate.update(at(base, 50.0))
        gate.update(at(base, 51.0, 1))
        gate.update(at(base, 72.5, 2))
    messages = [r.getMessage() for r in caplog.records if r.name == "riskoff.gate"]
    assert messages == [
        "risk gate starts risk_on in regime calm, score 50.0, as of 2024-06-03T00:00:00+00:00",
        "risk gate regime calm -> unwind, state risk_on -> risk_off, score 72.5, as of "
        "2024-06-03T02:00:00+00:00"]


def url(server):
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


def test_regime_changes_are_posted_to_the_webhook(base, receiver):
    gate = signals.RiskGate(webhook=url(receiver))
    for hour, score in enumerate([50.0, 52.0, 72.0, 57.0, 40.0]):
        gate.update(at(base, score, hour))
    assert [body for _, body in receiver.received] == [
        {"event": "regime_change", "from": "calm", "to": "unwind", "score": 72.0,
         "as_of": "2024-06-03T02:00:00+00:00", "state": "risk_off"},
        {"event": "regime_change", "from": "unwind", "to": "watch", "score": 57.0,
         "as_of": "2024-06-03T03:00:00+00:00", "state": "risk_off"},
        {"event": "regime_change", "from": "watch", "to": "calm", "score": 40.0,
         "as_of": "2024-06-03T04:00:00+00:00", "state": "risk_on"}]
    assert {kind for kind, _ in receiver.received} == {"application/json"}


def test_a_webhook_that_fails_is_logged_never_raised(base, receiver, caplog):
    receiver.status = 500
    gate = signals.RiskGate(webhook=url(receiver))
    with caplog.at_level(logging.WARNING, logger="riskoff.gate"):
        gate.update(at(base, 50.0))
        gate.update(at(base, 80.0, 1))
    assert len(receiver.received) == 1 and gate.state == "risk_off"
    assert "webhook" in caplog.text and "500" in caplog.text


def test_a_webhook_that_hangs_is_cut_off_by_its_timeout(base, receiver, caplog):
    receiver.release.clear()
    gate = signals.RiskGate(webhook=url(receiver), webhook_timeout=0.05)
    with caplog.at_level(logging.WARNING, logger="riskoff.gate"):
        gate.update(at(base, 50.0))
        gate.update(at(base, 80.0, 1))
    receiver.release.set()
    assert gate.state == "risk_off" and "timed out" in caplog.text


def test_a_failing_webhook_never_logs_its_secrets(base, receiver, caplog):
    receiver.status = 500
    port = receiver.server_address[1]
    hook = (f"http://bot:pa55-w0rd@127.0.0.1:{port}/services/T0AB12CD/B0XY34ZW/"
            "s3cr3tTokenValue123?token=q-s3cret&channel=alerts")
    gate = signals.RiskGate(webhook=hook)
    with caplog.at_level(logging.WARNING, logger="riskoff.gate"):
        gate.update(at(base, 50.0))
        gate.update(at(base, 80.0, 1))
    text = caplog.text
    assert "webhook" in text and "failed" in text
    for secret in ("bot", "pa55-w0rd", "T0AB12CD", "B0XY34ZW", "s3cr3tTokenValue123", "q-s3cret",
                   "alerts"):
        assert secret not in text.replace("riskoff.gate", ""), secret
    assert f"http://***@127.0.0.1:{port}/services/***/***/***?token=***&channel=***" in text
    with pytest.raises(ConfigError) as error:
        signals.RiskGate(webhook="ftp://bot:pa55-w0rd@example.com/x?token=q-s3cret")
    assert "pa55-w0rd" not in str(error.value) and "q-s3cret" not in str(error.value)


@pytest.mark.parametrize(("url", "shown"), [
    ("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
     "https://hooks.slack.com/services/***/***/***"),
    ("https://discord.com/api/webhooks/123456789012345678/abcDEF-token_xyz",
     "https://discord.com/api/webhooks/***/***"),
    ("https://hooks.example/riskoff", "https://hooks.example/riskoff"),
])
def test_webhook_urls_are_redacted(url, shown):
    from signals.bots.gate import redact_url

    assert redact_url(url) == shown


def test_an_unreachable_webhook_is_logged(base, caplog, monkeypatch):
    monkeypatch.delenv("http_proxy", raising=False)
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gate = signals.RiskGate(webhook=f"http://127.0.0.1:{port}/hook")
    with caplog.at_level(logging.WARNING, logger="riskoff.gate"):
        gate.update(at(base, 50.0))
        gate.update(at(base, 80.0, 1))
    assert gate.state == "risk_off" and "webhook" in caplog.text


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"exit_above": 50, "reenter_below": 60}, "must not be above exit_above"),
    ({"reduced_exposure": 1.5}, "reduced_exposure must be between 0 and 1"),
    ({"webhook": "file:///etc/passwd"}, "webhook must be an http"),
    ({"policy": "maybe"}, "policy must be one of")])
def test_bad_settings_raise(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        signals.RiskGate(**kwargs)


def test_no_memory_growth_over_thousands_of_updates(base, tmp_path):
    quiet = logging.getLogger("tests.signals.bots.quiet")
    quiet.propagate, quiet.level = False, logging.INFO
    gate = signals.RiskGate(state_file=tmp_path / "gate.json", logger=quiet)
    cycle = [at(base, score) for score in (40.0, 58.0, 75.0, 64.0, 50.0)] + [unusable(base)]

    def step(i):
        gate.update(cycle[i % len(cycle)], now=T0 + pd.Timedelta(minutes=i))

    growth = memory_growth(step)
    assert json.loads((tmp_path / "gate.json").read_text())["updated_at"] is not None
    assert growth < 32 * 1024, f"{growth} bytes more after 2000 updates"
