"""The history and the dashboard serve scores kept in memory until the store changes.

The scores are computed where :func:`signals.latest` computes them, once per change of the
store; the count of computations is read from a wrapper around the composite score.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from backtests.service.app import ServiceSettings, create_app
from signals.data.update import FetchResult
from signals.score import composite
from signals.sources.registry import SOURCE_NAMES
from tests.backtests.service import serving
from tests.signals.bots import FRESH

#: A USD/JPY close (FRED H.10, the store id of `usdjpy`) after the bundled data end, and the
#: score row it makes.
NEW_USDJPY = pd.DataFrame({"series": ["fred:DEXJPUS"], "date": [pd.Timestamp("2024-01-02")],
                           "value": [143.5],
                           "available_at": [pd.Timestamp("2024-01-03 21:30", tz="UTC")]})
NEW_ROW = "2024-01-03T21:30:00+00:00"


@pytest.fixture
def computations(monkeypatch):
    """Every computation of the composite score, counted."""
    count = []
    real = composite.risk_off_score

    def counted(*args, **kwargs):
        count.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(composite, "risk_off_score", counted)
    return count


def chart(page: str) -> str:
    return re.search(r'<section id="chart">.*?</section>', page, re.S).group(0)


def test_a_refresh_that_changes_the_store_invalidates_the_cache_and_one_that_does_not_does_not(
        store, computations):
    writes = {"usdjpy": False}

    def refresh(target, source):
        if writes["usdjpy"] and source == SOURCE_NAMES[0]:
            return [FetchResult(source, "usdjpy",
                                target.write_observations(NEW_USDJPY, origin="network"))]
        return [FetchResult(source, source, 0)]  # nothing new: nothing written

    app = create_app(ServiceSettings(store=str(store.path)), refresh=refresh,
                     now=lambda: pd.Timestamp(FRESH, tz="UTC"))

    def refreshed(http) -> None:
        assert http.post("/v1/refresh").status_code == 202
        app.state.downloads.thread.join(30)

    window = {"since": "2024-01-01", "until": "2024-01-05"}
    with serving(app) as http:
        before = http.get("/v1/score/history", params=window).json()["rows"]
        page = http.get("/").text
        http.get("/v1/score")
        assert len(computations) == 1  # the reading, the history and the chart share it

        refreshed(http)
        unchanged = http.get("/v1/score/history", params=window).json()["rows"]
        unchanged_page = http.get("/").text
        assert len(computations) == 1

        writes["usdjpy"] = True
        refreshed(http)
        after = http.get("/v1/score/history", params=window).json()["rows"]
        after_page = http.get("/").text
        http.get("/v1/score/history")
        assert len(computations) == 2  # once for the change, then from memory again

    assert unchanged == before and chart(unchanged_page) == chart(page)
    assert NEW_ROW not in [row["available_at"] for row in before]
    assert NEW_ROW in [row["available_at"] for row in after]
    assert chart(after_page) != chart(page)


def test_scores_that_cannot_be_computed_are_a_503_and_a_note_on_the_dashboard(
        store, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the composite failed")

    monkeypatch.setattr(composite, "risk_off_score", broken)
    with serving(create_app(ServiceSettings(store=str(store.path)))) as http:
        history = http.get("/v1/score/history")
        page = http.get("/")
    assert history.status_code == 503
    assert history.json()["error"] == (f"store unreadable: no scores from the store "
                                       f"{store.path}: RuntimeError: the composite failed")
    assert page.status_code == 200
    assert "<p>No score history: no scores from the store" in page.text
