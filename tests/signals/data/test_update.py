import pandas as pd
import requests

from signals import Store
from signals.data.update import import_data_dir, refresh_macro
from signals.sources.registry import get_source
from tests.replay import replay_session


def fredgraph(code, rows):
    return "observation_date," + code + "\n" + "".join(f"{d},{v}\n" for d, v in rows)


def test_refresh_asks_only_for_what_is_new_and_keeps_going_past_a_failure():
    store = Store()
    routes = {"/graph/fredgraph.csv": [
        (200, fredgraph("DGS3MO", [("2024-01-02", 5.46)])),
        (500, "down"), (500, "down"), (500, "down"), (500, "down"),  # DGS2 fails 4 times
        (200, fredgraph("DGS5", [("2024-01-02", 3.93)])),
    ]}
    session = replay_session(routes, content_type="text/csv")
    fred = get_source("fred")
    results = refresh_macro(store, sources=[fred], session=session)
    by_label = {r.label: r for r in results}
    assert by_label["fred:DGS3MO"].ok and by_label["fred:DGS3MO"].rows == 1
    assert not by_label["fred:DGS2"].ok and "HTTP 500" in by_label["fred:DGS2"].error
    assert by_label["fred:DGS5"].ok
    # incremental: the bundled data end on 2023-12-29, less FRED's 14-day revision window
    assert "cosd=2023-12-15" in session.adapter.calls[0]
    stored = store.read_observations()
    assert stored["fred:DGS3MO"]["value"].tolist() == [5.46]
    assert "fred:DGS2" not in stored  # the failure wrote nothing
    log = store.last_fetches().set_index("label")
    assert log.loc["fred:DGS2", "error"].startswith("fred fred:DGS2: HTTP 500")
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
    assert all("cannot connect" in r.error for r in results)
    assert len(session.adapter.calls) == 4  # one series' attempts, not nine series' worth


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
