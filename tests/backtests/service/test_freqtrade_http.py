"""examples/freqtrade_http_strategy.py against the real service on a loopback port.

The strategy is freqtrade's own ``IStrategy`` driven through the callbacks freqtrade calls in
dry-run (``bot_start``, ``bot_loop_start``, ``confirm_trade_entry``, ``custom_exit``); it
talks to ``riskoff serve`` over real HTTP, and to nothing else.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta

import pandas as pd
import pytest

from backtests.service.limits import parse_rate
from signals.bots.live import RISK_OFF_ABOVE
from tests import ROOT
from tests.backtests.service import app_at, free_port, serving
from tests.signals.bots import FRESH, STALE, UNWIND

pytest.importorskip("freqtrade", reason="freqtrade is in the test extras")


@pytest.fixture(autouse=True)
def _direct(monkeypatch):
    """The strategy's urllib goes straight to the loopback service, never through a proxy."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location(
        "freqtrade_http_strategy", ROOT / "examples" / "freqtrade_http_strategy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def at(when: str, minutes: float = 0) -> datetime:
    return (pd.Timestamp(when, tz="UTC") + pd.Timedelta(minutes=minutes)).to_pydatetime()


def bot(example, url: str, runmode: str = "dry_run", **settings):
    """The strategy as freqtrade sets it up, pointed at `url`."""
    from freqtrade.data.dataprovider import DataProvider
    from freqtrade.enums import RunMode

    strategy = example.RiskOffHttpStrategy({})
    strategy.dp = DataProvider({"runmode": RunMode(runmode)}, None)
    strategy.service_url = url
    for name, value in settings.items():
        setattr(strategy, name, value)
    strategy.bot_start()
    return strategy


def decide(strategy, now: datetime) -> tuple[bool, str | None]:
    """What freqtrade would get: may it enter, and the exit reason for an open trade."""
    entry = strategy.confirm_trade_entry("BTC/USDT", "market", 0.1, 40_000.0, "GTC", now,
                                         None, "long")
    return entry, strategy.custom_exit("BTC/USDT", None, now, 40_000.0, 0.01)


def test_a_calm_reading_lets_entries_through(example, store):
    with serving(app_at(store, FRESH)) as http:
        strategy = bot(example, str(http.base_url))
        strategy.bot_loop_start(current_time=at(FRESH))
        assert decide(strategy, at(FRESH, 2)) == (True, None)


def test_an_unwind_refuses_entries_and_closes_open_trades(example, store):
    with serving(app_at(store, UNWIND)) as http:
        strategy = bot(example, str(http.base_url))
        strategy.bot_loop_start(current_time=at(UNWIND))
        entry, exit_reason = decide(strategy, at(UNWIND, 1))
    assert entry is False
    assert exit_reason.startswith(f"riskoff: refuse: score 68.3 >= {RISK_OFF_ABOVE:g}")


def test_stale_data_take_no_risk_and_close_nothing(example, store):
    with serving(app_at(store, STALE)) as http:
        strategy = bot(example, str(http.base_url))
        strategy.bot_loop_start(current_time=at(STALE))
    assert decide(strategy, at(STALE, 1)) == (False, None)
    assert strategy.verdict(at(STALE, 1)).reason.startswith(
        "no risk taken: the score rests on old data (stale: True")


def test_a_reading_that_grows_old_is_refused(example, store):
    with serving(app_at(store, FRESH)) as http:
        strategy = bot(example, str(http.base_url))
        strategy.bot_loop_start(current_time=at(FRESH))
    assert decide(strategy, at(FRESH, 9))[0] is True
    assert decide(strategy, at(FRESH, 11)) == (False, None)  # max_reading_lag: 10 minutes
    assert "the reading was taken 0:11:00 ago" in strategy.verdict(at(FRESH, 11)).reason


def test_a_score_row_older_than_the_limit_is_refused(example, store):
    with serving(app_at(store, FRESH)) as http:
        strict = bot(example, str(http.base_url), max_score_age=timedelta(hours=1))
        strict.bot_loop_start(current_time=at(FRESH))
    assert decide(strict, at(FRESH)) == (False, None)  # the row is hours old at FRESH


def test_no_service_no_risk(example, proxy):
    closed = bot(example, f"http://127.0.0.1:{free_port()}")
    closed.bot_loop_start(current_time=at(FRESH))
    hanging = bot(example, f"http://127.0.0.1:{proxy.port}", timeout_s=0.5)
    hanging.bot_loop_start(current_time=at(FRESH))
    never_polled = bot(example, f"http://127.0.0.1:{proxy.port}")
    assert decide(closed, at(FRESH)) == (False, None)
    assert "gave no reading" in closed.verdict(at(FRESH)).reason
    assert decide(hanging, at(FRESH)) == (False, None)
    assert "timed out" in hanging.verdict(at(FRESH)).reason
    assert decide(never_polled, at(FRESH)) == (False, None)


def test_a_refused_request_is_no_reading(example, store):
    with serving(app_at(store, FRESH, rate_limit=parse_rate("1/hour", 1))) as http:
        http.get("/v1/score")  # spends the bucket of 127.0.0.1
        strategy = bot(example, str(http.base_url))
        strategy.bot_loop_start(current_time=at(FRESH))
    assert decide(strategy, at(FRESH)) == (False, None)
    assert "HTTP Error 429" in strategy.verdict(at(FRESH)).reason


def test_it_polls_at_most_every_poll_every_and_never_in_a_backtest(example, store):
    with serving(app_at(store, FRESH)) as http:
        live = bot(example, str(http.base_url))
        backtest = bot(example, str(http.base_url), runmode="backtest")
        for minutes in (0, 0.5, 1, 1.5):
            live.bot_loop_start(current_time=at(FRESH, minutes))
            backtest.bot_loop_start(current_time=at(FRESH, minutes))
        text = http.get("/metrics").text
    assert 'riskoff_http_requests_total{path="/v1/score",status="200"} 2.0' in text
    assert decide(backtest, at(FRESH)) == (False, None)


def test_what_is_not_a_reading_takes_no_risk(example, store):
    with serving(app_at(store, FRESH)) as http:
        good = http.get("/v1/score").json()
    limits = {"max_reading_lag": timedelta(minutes=10), "max_score_age": timedelta(days=3)}
    assert example.judge(good, at(FRESH), **limits).allow is True
    for broken in ({**good, "age_days": "0.6"}, {**good, "as_of": "2023-12-29T12:00:00"},
                   {key: value for key, value in good.items() if key != "stale"}):
        verdict = example.judge(broken, at(FRESH), **limits)
        assert not verdict.allow and not verdict.refuse
        assert verdict.reason.startswith("no risk taken: not a reading")
    text_verdict = example.judge({**good, "allow_risk": "false"}, at(FRESH), **limits)
    assert not text_verdict.allow and not text_verdict.refuse  # only true allows, false refuses
