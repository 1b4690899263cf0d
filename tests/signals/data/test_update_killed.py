"""``riskoff data update`` killed (SIGKILL) at random points of a refresh: the store stays whole.

The refresh runs in a subprocess against a real HTTP server on 127.0.0.1 serving recorded
publisher files; the server kills the process right after its N-th answer (N drawn at
random), while the process is reading, checking or writing that download.
"""

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from signals.data.store import Store
from signals.data.update import refresh_macro
from signals.sources.registry import get_source
from tests import ROOT
from tests.faultmatrix import LOADERS
from tests.faultserver import FaultServer, redirected_session

SOURCES = ("mof", "fred", "cftc", "tic", "cboe")
UPDATE = """
    import functools, sys
    from signals.data import update
    from tests.faultserver import redirected_session
    update.refresh_macro = functools.partial(update.refresh_macro,
                                             session=redirected_session(sys.argv[1]))
    from backtests.cli import main
    main(["data", "update", "--no-prices", *sum((["--source", s] for s in sys.argv[2:]), [])])
"""


def _routes() -> dict[str, bytes]:
    routes: dict[str, bytes] = {}
    for loader in LOADERS:
        if loader.name in SOURCES:
            routes.update(loader.routes())
    return routes


def _observations(store: Store) -> dict:
    with store._connect() as con:
        rows = con.execute("SELECT series, date, value, available_at FROM observations "
                           "WHERE origin = 'network'").fetchall()
    return {(s, d): (v, a) for s, d, v, a in rows}


def _snapshots_match_observations(store: Store) -> bool:
    snapshots = store.read_observations()
    with store._connect() as con:
        counts = dict(con.execute("SELECT series, COUNT(*) FROM observations GROUP BY series"))
    return all(len(snapshots.get(series, ())) == n for series, n in counts.items())


@pytest.fixture(scope="module")
def server():
    with FaultServer(_routes()) as running:
        yield running


@pytest.fixture(scope="module")
def clean(server, tmp_path_factory):
    """What a whole refresh stores, and how many answers it takes."""
    store = Store(tmp_path_factory.mktemp("clean"))
    before = len(server.requests)
    results = refresh_macro(store, sources=[get_source(name) for name in SOURCES],
                            session=redirected_session(server.url))
    assert {r.source for r in results if r.ok and r.rows} == set(SOURCES)
    return _observations(store), len(server.requests) - before


@pytest.mark.parametrize("seed", range(6))
def test_a_refresh_killed_at_a_random_answer_leaves_a_whole_consistent_store(
        server, clean, seed, tmp_path):
    expected, answers = clean
    kill_after = random.Random(seed).randint(1, answers)
    env = {**os.environ, "RISKOFF_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    Store(tmp_path)  # created (and bundled data seeded) by the child otherwise
    killed = threading.Event()
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(UPDATE), server.url,
                             *SOURCES], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = server._answers

    def kill(count: int) -> None:
        if count - start == kill_after and not killed.is_set():
            killed.set()
            proc.send_signal(signal.SIGKILL)

    server.on_answer = kill
    try:
        proc.wait(timeout=300)
    finally:
        server.on_answer = None
    store = Store(tmp_path)
    assert store.integrity_problems() == []
    stored = _observations(store)
    # whatever was stored is exactly what a whole refresh stores, never a part of a value
    assert all(expected.get(key) == value for key, value in stored.items())
    assert _snapshots_match_observations(store)
    assert killed.is_set() and proc.returncode == -signal.SIGKILL
