import dataclasses

import pandas as pd
import pytest
import requests

from signals import Store
from signals.data.update import import_data_dir, refresh_macro
from signals.sources.fred import available_at as fred_available_at
from signals.sources.registry import get_source
from tests.replay import replay_session


def fredgraph(code, rows):
    return "observation_date," + code + "\n" + "".join(f"{d},{v}\n" for d, v in rows)


def test_refresh_asks_only_for_what_is_new_and_keeps_going_past_a_failure():
    store = Store()
    routes = {"/graph/fredgraph.csv": [
        (200, fredgraph("DGS3MO", [("2024-01-02", 5.46)])),
        (404, "no such series"),  # DGS2 fails, but not hard: the others are still tried
        (200, fredgraph("DGS5", [("2024-01-02", 3.93)])),
    ]}
    session = replay_session(routes, content_type="text/csv")
    fred = get_source("fred")
    results = refresh_macro(store, sources=[fred], session=session)
    by_label = {r.label: r for r in results}
    assert by_label["fred:DGS3MO"].ok and by_label["fred:DGS3MO"].rows == 1
    assert not by_label["fred:DGS2"].ok and "HTTP 404" in by_label["fred:DGS2"].error
    assert by_label["fred:DGS5"].ok
    # incremental: the bundled data end on 2023-12-29, less FRED's 14-day revision window
    assert "cosd=2023-12-15" in session.adapter.calls[0]
    stored = store.read_observations()
    assert stored["fred:DGS3MO"]["value"].tolist() == [5.46]
    assert "fred:DGS2" not in stored  # the failure wrote nothing
    log = store.last_fetches().set_index("label")
    assert log.loc["fred:DGS2", "error"].startswith("fred fred:DGS2: HTTP 404")
    assert not log.loc["fred:DGS2", "ok"] and log.loc["fred:DGS3MO", "ok"]
    assert log.loc["fred:DGS3MO", "rows"] == 1
    assert (log["started_at"] <= log["finished_at"]).all()


def test_a_failed_refresh_never_damages_stored_data():
    store = Store()
    store.write_observations(pd.DataFrame({
        "series": "fred:DGS10", "date": pd.DatetimeIndex(["2024-01-02"]), "value": [3.95],
        "available_at": pd.DatetimeIndex(["2024-01-03 21:30"], tz="UTC")}), origin="network")
    session = replay_session({"/graph/fredgraph.csv": (200, b"<html>maintenance</html>")})
    results = refresh_macro(store, sources=[get_source("fred")], session=session)
    assert not any(r.ok for r in results)
    assert store.read_observations()["fred:DGS10"]["value"].tolist() == [3.95]


def test_an_unreachable_publisher_is_tried_once_not_for_every_series():
    session = replay_session({"/graph/fredgraph.csv": requests.ConnectionError("no route")})
    results = refresh_macro(Store(), sources=[get_source("fred")], session=session)
    assert len(results) == len(get_source("fred").fetches)
    first, *others = results
    assert "cannot connect" in first.error and not first.skipped
    assert all(r.skipped and r.error == "skipped: fred:DGS3MO failed hard earlier in this run"
               for r in others)  # named once, not repeated on every row
    assert len(session.adapter.calls) == 1  # one request, not nine series' worth


def test_repeated_5xx_opens_the_circuit_for_the_publishers_other_series():
    routes = {"/graph/fredgraph.csv": [(503, "busy")] * 4 + [(200, fredgraph("DGS2", []))]}
    session = replay_session(routes, content_type="text/csv")
    results = refresh_macro(Store(), sources=[get_source("fred")], session=session)
    assert "HTTP 503 after 4 attempt(s)" in results[0].error
    assert all(r.skipped for r in results[1:])
    assert len(session.adapter.calls) == 4


def test_the_deadline_skips_what_it_cannot_start(monkeypatch):
    from signals.sources.http import Deadline

    clock = [0.0]
    monkeypatch.setattr("signals.sources.http.time.sleep",
                        lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    routes = {"/graph/fredgraph.csv": [(503, "busy"), (503, "busy"),
                                       (200, fredgraph("DGS3MO", [("2024-01-02", 5.46)]))]}
    session = replay_session(routes, content_type="text/csv")
    limit = Deadline(2.5, clock=lambda: clock[0])
    results = refresh_macro(Store(), sources=[get_source("fred")], session=session,
                            deadline=limit)
    # waits of 1 s then 2 s: the second would end past 2.5 s, so it is not started
    assert "the next attempt (in 2 s) would pass the refresh's deadline" in results[0].error
    assert limit.elapsed() <= limit.seconds
    assert all(r.skipped for r in results[1:])


def test_an_unexpected_loader_bug_is_reported_not_raised(monkeypatch):
    from signals.sources.base import Fetch, Source

    def broken(session, since):
        raise ZeroDivisionError("oops")

    source = Source("broken", "t", "a", (), (Fetch("broken:x", ("broken:x",), broken),),
                    read_file=lambda p: None)
    (result,) = refresh_macro(Store(), sources=[source])
    assert result.error == "broken broken:x: unexpected ZeroDivisionError: oops"


def test_import_data_dir_writes_files_with_origin_file(tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "fred_DGS30.csv").write_text("observation_date,DGS30\n2025-01-02,4.79\n")
    store = Store()
    (result,) = import_data_dir(store, folder)
    assert result.ok and result.rows == 1
    assert store.observation_status().loc["fred:DGS30", "origins"] == "file"


def _dgs10_only():
    fred = get_source("fred")
    return dataclasses.replace(fred, fetches=tuple(f for f in fred.fetches
                                                   if f.label == "fred:DGS10"))


def _stored_dgs10(store, values):
    dates = pd.date_range("2024-01-02", periods=len(values), freq="B")
    store.write_observations(pd.DataFrame({
        "series": "fred:DGS10", "date": dates, "value": values,
        "available_at": fred_available_at("DGS10", dates)}), origin="network")
    return [d.strftime("%Y-%m-%d") for d in dates]


def test_a_revision_with_digits_cut_off_keeps_the_stored_value():
    from signals.data.update import SuspectRevisionWarning

    store = Store()
    dates = _stored_dgs10(store, [3.95, 3.88])
    # a body cut mid-number whose line break survived: 3.88 arrives as 3.
    body = fredgraph("DGS10", [(dates[0], 3.95), (dates[1], "3."), ("2024-01-04", 3.99)])
    session = replay_session({"/graph/fredgraph.csv": (200, body)})
    with pytest.warns(SuspectRevisionWarning, match=r"stored 3.88, downloaded 3\b"):
        (result, *_) = refresh_macro(store, sources=[_dgs10_only()], session=session)
    assert result.ok and result.rows == 1 and "digits cut off" in result.note
    assert store.read_observations()["fred:DGS10"]["value"].tolist() == [3.95, 3.88, 3.99]


def test_a_real_revision_is_stored():
    store = Store()
    dates = _stored_dgs10(store, [3.95, 3.88])
    body = fredgraph("DGS10", [(dates[0], 3.95), (dates[1], 3.89)])
    session = replay_session({"/graph/fredgraph.csv": (200, body)})
    (result, *_) = refresh_macro(store, sources=[_dgs10_only()], session=session)
    assert result.ok and result.rows == 1 and result.note is None
    assert store.read_observations()["fred:DGS10"]["value"].tolist() == [3.95, 3.89]


def test_a_download_rewriting_many_recent_values_is_suspect():
    from signals.data.update import SuspectRevisionWarning

    store = Store()
    old = [3.9 + i / 100 for i in range(10)]
    dates = _stored_dgs10(store, old)
    body = fredgraph("DGS10", [(d, round(v + 0.5, 2)) for d, v in zip(dates, old, strict=True)])
    session = replay_session({"/graph/fredgraph.csv": (200, body)})
    with pytest.warns(SuspectRevisionWarning, match="would rewrite 10 of the 10 stored"):
        (result, *_) = refresh_macro(store, sources=[_dgs10_only()], session=session)
    assert result.rows == 0
    assert store.read_observations()["fred:DGS10"]["value"].tolist() == old


@pytest.mark.parametrize(("old", "new", "cut"), [
    (3.88, 3.0, True), (19.059245, 19.0592, True), (140.92, 140.0, True), (1.793, 1.7, True),
    (-0.153, -0.15, True), (3.88, 3.9, False), (3.88, 3.89, False), (3.0, 3.5, False),
])
def test_what_counts_as_digits_cut_off(old, new, cut):
    from signals.data.update import _truncates

    assert _truncates(old, new) is cut
