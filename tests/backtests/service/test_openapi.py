"""Every JSON answer of the service, validated against the OpenAPI description it publishes.

The validator is ``jsonschema`` (Draft 2020-12: OpenAPI 3.1's schema objects are that
dialect, so nothing needs translating); see :class:`tests.backtests.service.OpenAPI`.
"""

from __future__ import annotations

import copy
import threading

import pandas as pd
import pytest
from jsonschema import ValidationError

from backtests.service.app import ServiceSettings, create_app
from backtests.service.limits import parse_rate
from signals.data.update import FetchResult
from tests.backtests.service import OpenAPI, app_at, read_events, serving
from tests.signals.bots import FRESH, STALE


def test_every_json_answer_of_every_endpoint_matches_the_description(store, tmp_path):
    release = threading.Event()

    def hanging_refresh(target, source):
        release.wait(10)
        return [FetchResult(source, source, 0)]

    app = create_app(ServiceSettings(store=str(store.path), token="s3cret"),
                     now=lambda: pd.Timestamp(FRESH, tz="UTC"), refresh=hanging_refresh)
    token = {"Authorization": "Bearer s3cret"}
    with serving(app) as http:
        api = OpenAPI(http.get("/openapi.json").json())
        reading = api.check(http.get("/v1/score"))
        rows = api.check(http.get("/v1/score/history", params={"since": "2023-12-01"}))["rows"]
        api.check(http.get("/v1/score/history", params={"since": "2023-12-02",
                                                         "until": "2023-12-01"}))
        api.check(http.get("/v1/score/history", params={"format": "xml"}))
        api.check(http.get("/v1/components"))
        api.check(http.get("/v1/inputs"))
        api.check(http.get("/v1/health"))
        api.check(http.post("/v1/refresh"))
        api.check(http.post("/v1/refresh", headers=token, content=b"x" * 10_000))
        api.check(http.post("/v1/refresh", headers=token))
        api.check(http.post("/v1/refresh", headers=token))  # one is running
        release.set()
        app.state.downloads.thread.join(10)
        with http.stream("GET", "/v1/events") as stream:
            [(name, state)] = read_events(stream.iter_lines(), 1)
        api.check_event(name, state)
    assert reading["regime"] == "watch" and len(rows) > 10  # real content was checked

    with serving(app_at(store, STALE)) as http:
        assert api.check(http.get("/v1/health"))["ready"] is False

    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    with serving(create_app(ServiceSettings(store=str(broken)))) as http:
        api.check(http.get("/v1/score/history"))

    one_an_hour = parse_rate("1/hour", 1)
    with serving(app_at(store, FRESH, rate_limit=one_an_hour)) as http:
        api.check(http.get("/v1/score"))
        api.check(http.get("/v1/health"))  # monitoring has its own bucket
        for path in ("/", "/v1/score", "/v1/score/history", "/v1/components", "/v1/inputs",
                     "/v1/events", "/v1/health", "/metrics"):
            assert api.check(http.get(path))["retry_after_s"] >= 1
        api.check(http.post("/v1/refresh"))

    assert api.checked == api.json_answers()


@pytest.fixture(scope="module")
def described(tmp_path_factory, store_template):
    """The description, a real reading, a real history row and the gate's state."""
    from tests.signals.bots import copy_store

    store = copy_store(store_template, tmp_path_factory.mktemp("described") / "store")
    with serving(app_at(store, FRESH)) as http:
        api = OpenAPI(http.get("/openapi.json").json())
        reading = api.check(http.get("/v1/score"))
        row = api.check(http.get("/v1/score/history", params={"since": "2023-12-20"}))["rows"][0]
    return api, reading, row


def wrong(body: dict, change) -> dict:
    wrong_body = copy.deepcopy(body)
    change(wrong_body)
    return wrong_body


@pytest.mark.parametrize("change", [
    lambda b: b.update(regime="panic"),
    lambda b: b.update(score=101.0),
    lambda b: b.update(score="58.0"),
    lambda b: b.pop("decision"),
    lambda b: b.update(decision="maybe: who knows"),
    lambda b: b.update(verdict="allow"),
    lambda b: b.update(as_of="2023-12-29T12:00:00"),  # no UTC offset
    lambda b: b.update(coverage=1.5),
    lambda b: b.update(policy="yolo"),
    lambda b: b["inputs"][0].update(stale="no"),
    lambda b: b["inputs"][0].update(last_date="29/12/2023"),
    lambda b: b["components"][0].pop("family"),
], ids=["regime", "score-range", "score-type", "missing", "decision", "extra", "as-of",
        "coverage", "policy", "input-stale", "input-date", "part-family"])
def test_a_wrong_reading_fails_the_validation(described, change):
    api, reading, _ = described
    schema = api.spec["paths"]["/v1/score"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    api.validator(schema).validate(reading)  # the real one passes
    with pytest.raises(ValidationError):
        api.validator(schema).validate(wrong(reading, change))


def test_a_wrong_history_row_or_event_fails_the_validation(described):
    api, _, row = described
    schema = api.spec["paths"]["/v1/score/history"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    api.validator(schema).validate({"rows": [row]})
    with pytest.raises(ValidationError):
        api.validator(schema).validate({"rows": [{**row, "regime": "panic"}]})
    with pytest.raises(ValidationError):
        api.validator(schema).validate({"rows": [{**row, "available_at": "yesterday"}]})
    with pytest.raises(ValidationError):
        api.check_event("regime_change", {"state": "risk_off", "regime": "unwind",
                                          "score": 71.0, "as_of": None, "updated_at": None})
