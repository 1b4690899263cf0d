"""Rate limits per client address: token buckets, 429 with Retry-After, memory bounded."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from backtests.service.limits import RateLimiter, parse_rate
from signals.errors import ConfigError
from tests.backtests.service import app_at, serving
from tests.signals.bots import FRESH


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_gives_its_burst_then_refills_at_the_rate():
    clock = Clock()
    limiter = RateLimiter(parse_rate("60/minute", 3), clock=clock)
    assert [limiter.take("api", "a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("api", "a") == pytest.approx(1.0)  # one token a second
    clock.now += 0.25
    assert limiter.take("api", "a") == pytest.approx(0.75)  # a refusal takes nothing
    clock.now += 0.75
    assert limiter.take("api", "a") == 0.0
    assert limiter.take("api", "a") == pytest.approx(1.0)
    clock.now += 3600  # idle: back to the burst, never above it
    assert [limiter.take("api", "a") for _ in range(4)][-1] == pytest.approx(1.0)


def test_clients_and_groups_have_their_own_buckets():
    limiter = RateLimiter(parse_rate("1/hour", 1), clock=Clock())
    assert limiter.take("api", "a") == 0.0
    assert limiter.take("api", "a") == pytest.approx(3600)
    assert limiter.take("api", "b") == 0.0
    assert limiter.take("monitoring", "a") == 0.0


def test_memory_is_bounded_by_evicting_the_least_recently_seen_client():
    limiter = RateLimiter(parse_rate("1/hour", 1), max_clients=3, clock=Clock())
    for client in "abcde":
        limiter.take("api", client)
    assert list(limiter.buckets) == [("api", "c"), ("api", "d"), ("api", "e")]
    limiter.take("api", "c")  # seen again: now the most recent
    limiter.take("api", "f")
    assert list(limiter.buckets) == [("api", "e"), ("api", "c"), ("api", "f")]
    assert limiter.take("api", "a") == 0.0  # evicted: starts again with a full bucket


@pytest.mark.parametrize(("text", "requests", "seconds"), [
    ("300/minute", 300, 60.0), ("5/s", 5, 1.0), ("1000/hour", 1000, 3600.0),
    (" 10 / min ", 10, 60.0)])
def test_rates_are_read_from_text(text, requests, seconds):
    limit = parse_rate(text, 7)
    assert (limit.requests, limit.per_seconds, limit.burst) == (requests, seconds, 7)


def test_off_is_no_limit_and_bad_rates_say_how_to_write_them():
    assert parse_rate("off") is None and parse_rate("0") is None
    for bad in ("300", "300/fortnight", "-5/minute", "0/second", "fast"):
        with pytest.raises(ConfigError, match="N/second, N/minute or N/hour"):
            parse_rate(bad)
    with pytest.raises(ConfigError, match="burst must be a whole number > 0"):
        parse_rate("5/second", 0)


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_over_http_a_client_over_its_limit_gets_429_and_others_do_not(store):
    limit = parse_rate("1/hour", 3)
    with serving(app_at(store, FRESH, rate_limit=limit)) as http:
        first = [http.get(path).status_code for path in ("/v1/score", "/v1/inputs", "/nowhere")]
        refused = http.get("/v1/score")
        health = http.get("/v1/health")
        metrics = http.get("/metrics").text
        other_address = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=http.base_url, transport=other_address) as neighbour:
            theirs = neighbour.get("/v1/score")
    assert first == [200, 200, 404]  # an unknown path still takes a token
    assert refused.status_code == 429
    assert 3500 < int(refused.headers["retry-after"]) <= 3600
    body = refused.json()
    assert body["limit"] == "1/hour" and body["burst"] == 3
    assert body["retry_after_s"] == int(refused.headers["retry-after"])
    assert "rate limit exceeded: 1/hour per client address, bursts of 3" in body["error"]
    assert health.status_code == 200  # probes and scrapes have their own bucket
    assert theirs.status_code == 200  # another address, another bucket
    counted = samples(metrics)
    assert counted[("riskoff_http_requests_total", (("path", "/v1/score"), ("status", "429")))] == 1
    assert counted[("riskoff_http_requests_total", (("path", "other"), ("status", "404")))] == 1
    assert not any(dict(labels).get("path") == "/nowhere" for _, labels in counted)


def test_no_limit_when_it_is_off(store):
    with serving(app_at(store, FRESH, rate_limit=None)) as http:
        answers = {http.get("/v1/health").status_code for _ in range(100)}
    assert answers == {200}
