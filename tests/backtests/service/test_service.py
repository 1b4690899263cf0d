"""riskoff serve: a real uvicorn server on a random loopback port, talked to over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import re
import threading

import pandas as pd
import pytest

import signals
from backtests.service.app import ServiceSettings, create_app
from signals.data.update import FetchResult
from signals.sources.registry import SOURCE_NAMES
from tests.backtests.service import MovingClock, OpenAPI, app_at, read_events, serving
from tests.signals.bots import FRESH, STALE, UNWIND


def test_score_is_the_live_reading(store):
    expected = signals.latest(store=store, now=FRESH).to_dict()
    with serving(app_at(store, FRESH)) as http:
        response = http.get("/v1/score")
    assert response.status_code == 200
    body = response.json()
    assert body == json.loads(json.dumps(expected))
    assert body["regime"] == "watch" and body["allow_risk"] is True


def test_health_is_ready_on_fresh_data_and_says_why_not_when_stale(store):
    with serving(app_at(store, FRESH)) as http:
        fresh = http.get("/v1/health")
    with serving(app_at(store, STALE)) as http:
        stale = http.get("/v1/health")
    assert fresh.status_code == 200 and fresh.json()["ready"] is True
    assert stale.status_code == 503
    body = stale.json()
    assert body["live"] is True and body["ready"] is False
    assert body["reason"].startswith("the data are stale: the last score from fresh data is "
                                     "from 2024-01-04 01:30 UTC")


def test_health_on_a_broken_store_is_not_ready_and_names_the_error(tmp_path):
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    app = create_app(ServiceSettings(store=str(broken)),
                     now=lambda: pd.Timestamp(FRESH, tz="UTC"))
    with serving(app) as http:
        health = http.get("/v1/health")
        score = http.get("/v1/score")
    assert health.status_code == 503 and health.json()["ready"] is False
    assert "store unreadable" in health.json()["reason"]
    assert score.status_code == 200 and score.json()["score"] is None  # never a 500


@pytest.mark.filterwarnings("ignore::signals.BundledDataWarning")
def test_history_as_json_and_csv_matches_the_composite(store):
    scores = signals.risk_off_score(signals.load_macro(store=store))
    since, until = pd.Timestamp("2022-12-19", tz="UTC"), pd.Timestamp("2022-12-23", tz="UTC")
    window = scores.loc[since:until, ["score", "regime", "coverage"]]
    with serving(app_at(store, FRESH)) as http:
        as_json = http.get("/v1/score/history",
                           params={"since": "2022-12-19", "until": "2022-12-23"}).json()
        as_csv = http.get("/v1/score/history", params={"since": "2022-12-19",
                                                       "until": "2022-12-23", "format": "csv"})
        backwards = http.get("/v1/score/history",
                             params={"since": "2023-01-01", "until": "2022-01-01"})
        bad_format = http.get("/v1/score/history", params={"format": "xml"})
    rows = as_json["rows"]
    assert [r["available_at"] for r in rows] == [t.isoformat() for t in window.index]
    assert [r["score"] for r in rows] == pytest.approx(window["score"].tolist())
    assert as_csv.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(parsed) == len(window)
    assert float(parsed[-1]["score"]) == pytest.approx(window["score"].iloc[-1])
    assert backwards.status_code == 400 and "swap them" in backwards.json()["error"]
    assert bad_format.status_code == 422


def test_components_and_inputs_say_what_each_reads_and_how_old(store):
    with serving(app_at(store, UNWIND)) as http:
        parts = http.get("/v1/components").json()["components"]
        inputs = http.get("/v1/inputs").json()["inputs"]
    by_name = {p["name"]: p for p in parts}
    assert by_name["yen_rally"]["inputs"] == ["usdjpy"]
    assert by_name["jgb_superlong_jump"]["inputs"] == ["jgb_30y", "jgb_40y"]
    assert set(by_name) == set(signals.Weights.default())
    counted = [p["contribution"] for p in parts if p["contribution"] is not None]
    reading = signals.latest(store=store, now=UNWIND)
    assert 50 + sum(counted) == pytest.approx(reading.score, abs=0.01)  # points to 3 places
    jgb = next(i for i in inputs if i["name"] == "jgb_10y")
    assert jgb["last_date"] == "2022-12-27" and jgb["stale"] is False


def test_metrics_in_prometheus_text(store):
    with serving(app_at(store, UNWIND)) as http:
        http.get("/v1/score")
        text = http.get("/metrics").text
    from prometheus_client.parser import text_string_to_metric_families

    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    reading = signals.latest(store=store, now=UNWIND)
    assert samples[("riskoff_score", ())] == pytest.approx(reading.score)
    assert samples[("riskoff_allow_risk", ())] == 0.0  # an unwind refuses risk
    assert samples[("riskoff_input_age_days", (("input", "jgb_10y"),))] == pytest.approx(
        next(i["age_days"] for i in reading.inputs if i["name"] == "jgb_10y"))
    assert samples[("riskoff_http_requests_total",
                    (("path", "/v1/score"), ("status", "200")))] == 1.0


def test_refresh_needs_the_token_and_counts_each_publisher(store):
    calls, release = [], threading.Event()

    def fake_refresh(target, source):
        calls.append((target.path, source))
        release.wait(10)
        return [FetchResult(source, source, 3, None if source != "mof" else "HTTP 503")]

    app = create_app(ServiceSettings(store=str(store.path), token="s3cret"),
                     now=lambda: pd.Timestamp(FRESH, tz="UTC"), refresh=fake_refresh)
    with serving(app) as http:
        assert http.post("/v1/refresh").status_code == 401
        wrong = http.post("/v1/refresh", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        good = {"Authorization": "Bearer s3cret"}
        assert http.post("/v1/refresh", headers=good).status_code == 202
        assert http.post("/v1/refresh", headers=good).status_code == 409  # one at a time
        assert app.state.downloads.source("mof") is False  # the scheduler would skip it too
        release.set()
        app.state.downloads.thread.join(10)
        text = http.get("/metrics").text
    assert calls == [(store.path, name) for name in SOURCE_NAMES]
    assert 'riskoff_refresh_total{outcome="ok",source="fred"} 1.0' in text
    assert 'riskoff_refresh_total{outcome="error",source="mof"} 1.0' in text


def test_big_bodies_are_refused_and_cors_is_off_by_default(store):
    with serving(app_at(store, FRESH)) as http:
        big = http.post("/v1/refresh", content=b"x" * 10_000)
        preflight = http.options("/v1/score", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        plain = http.get("/v1/score", headers={"Origin": "https://evil.example"})
    assert big.status_code == 413
    assert "access-control-allow-origin" not in plain.headers
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_when_configured(store):
    with serving(app_at(store, FRESH, cors_origins=("http://grafana.local",))) as http:
        plain = http.get("/v1/score", headers={"Origin": "http://grafana.local"})
    assert plain.headers["access-control-allow-origin"] == "http://grafana.local"


def test_the_openapi_description_names_every_endpoint(store):
    with serving(app_at(store, FRESH)) as http:
        spec = http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/v1/score", "/v1/score/history", "/v1/components", "/v1/inputs", "/v1/health",
            "/metrics", "/v1/refresh"} <= set(spec["paths"])
    assert spec["paths"]["/v1/refresh"]["post"]
    params = {p["name"] for p in spec["paths"]["/v1/score/history"]["get"]["parameters"]}
    assert params == {"since", "until", "format"}


def test_a_regime_change_is_pushed_once_and_not_again_after_a_restart(store, receiver):
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    received = receiver.received
    clock = MovingClock(FRESH)
    settings = ServiceSettings(store=str(store.path), webhook=url, watch_seconds=0.05)
    app = create_app(settings, now=clock)
    with serving(app) as client:
        api = OpenAPI(client.get("/openapi.json").json())
        with client.stream("GET", "/v1/events") as stream:
            lines = stream.iter_lines()
            first = read_events(lines, 1)
            clock.now = pd.Timestamp(UNWIND, tz="UTC")  # the score crosses into an unwind
            change = read_events(lines, 1)
    assert first[0][0] == "reading"
    name, data = change[0]
    assert name == "regime_change" and data["regime"] == "unwind" and data["state"] == "risk_off"
    for event in (*first, *change):  # as the description's x-events say
        api.check_event(*event)
    assert [body["to"] for _, body in received] == ["unwind"]
    with serving(create_app(settings, now=clock)) as client:  # a restart, same regime
        state = client.get("/v1/score").json()
        app_events = client.get("/v1/health")
    assert state["regime"] == "unwind" and app_events.status_code == 200
    assert [body["to"] for _, body in received] == ["unwind"]  # announced once


def test_the_dashboard_page_has_the_reading_the_chart_and_the_tables(store):
    with serving(app_at(store, UNWIND)) as http:
        page = http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    reading = signals.latest(store=store, now=UNWIND)
    assert f"{reading.score:.1f} (unwind)" in text
    assert '<section id="chart"><svg' in text and 'id="parts"' in text and 'id="inputs"' in text
    assert "<script src" not in text  # self-contained: nothing loaded from elsewhere
    assert not re.search(r'(?:src|href)="(?:https?:)?//', text)


def test_the_dashboard_in_headless_chromium(store, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    with serving(app_at(store, UNWIND)) as http:
        browser.get(str(http.base_url) + "/")
        WebDriverWait(browser, 30).until(
            lambda driver: driver.execute_script("return document.body.dataset.updated"))
        rows = browser.execute_script(
            "return document.getElementById('parts').tBodies[0].rows.length")
        size = browser.execute_script(
            "const r = document.querySelector('#chart svg').getBoundingClientRect();"
            "return [r.width, r.height];")
        headline = browser.find_element("id", "score").text
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert rows == len(signals.Weights.default())
    assert size[0] > 500 and size[1] > 100
    assert headline.endswith("(unwind)")
    assert errors == []
