"""The download fault matrix: every publisher loader, Yahoo and ccxt against every fault.

Shared by the test suite (``tests/signals/sources/test_faults.py``,
``tests/backtests/candles/test_faults.py``) and ``benchmarks/fault_matrix.py``, which runs
the same scenarios and writes the table in docs/data.md.

A scenario serves a loader's recorded files from a :class:`~tests.faultserver.FaultServer`
on 127.0.0.1, reached through a session whose every request goes to that server (the real
``requests``/``urllib3`` path; yfinance and ccxt run their own code on it). Publisher
loaders run through :func:`signals.data.update.refresh_macro` into a store that already
holds the clean download, so a bad download shows as a changed store.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from signals.data.store import Store
from signals.data.update import FetchResult, refresh_macro
from signals.sources import cboe, cftc, fred, mof, tic, treasury, yahoo
from signals.sources.base import Fetch, Source
from signals.sources.http import Deadline
from tests.faultserver import FAULTS, FaultServer, redirected_session

FIXTURES = Path(__file__).parent / "fixtures"

#: Seconds each scenario may take, counted on a clock that also counts the backoff waits
#: the scenario skips (so the 1 + 2 + 4 s of three retries count without being slept).
DEADLINE = 20.0
#: Read timeout in the scenarios (the real default is 15 s; a hang costs this much).
HANG_SECONDS = 0.5


def _read(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


@dataclasses.dataclass(frozen=True)
class Loader:
    """One loader as the matrix drives it: its recorded files and one fetch of them."""

    name: str
    routes: Callable[[], dict[str, bytes]]
    run: Callable  # run(session) -> observations


def _yahoo_run(session):
    return yahoo.fetch_ticker("JPY=X", session, pd.Timestamp("2023-12-27"))


LOADERS = (
    Loader("mof", lambda: {
        "/english/policy/jgbs/reference/interest_rate/jgbcme.csv": _read("mof", "jgbcme.csv"),
        "/english/policy/jgbs/reference/interest_rate/historical/jgbcme_all.csv":
            _read("mof", "jgbcme_all.csv")},
        lambda session: mof.fetch_jgb(session, None)),
    Loader("treasury", lambda: {
        "/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv/2023/all":
            _read("treasury", "treasury_par_yield_curve_2023.csv")},
        lambda session: treasury.fetch_par_curve(session, pd.Timestamp("2023-01-01"),
                                                 end_year=2023)),
    Loader("fred", lambda: {"/graph/fredgraph.csv": _read("fred",
                                                          "fredgraph_DGS10_new_header.csv")},
           lambda session: fred.fetch_series("DGS10", session, pd.Timestamp("2024-01-01"))),
    Loader("cftc", lambda: {"/resource/6dca-aqww.json": _read("cftc", "socrata_page1.json")},
           lambda session: cftc.fetch_cot(session, None)),
    Loader("tic", lambda: {
        "/resource-center/data-chart-center/tic/Documents/mfhhis01.txt":
            _read("tic", "mfhhis01.txt"),
        "/resource-center/data-chart-center/tic/Documents/slt_table5.txt":
            _read("tic", "slt_table5.txt")},
        lambda session: tic.fetch_tic(session, None)),
    Loader("cboe", lambda: {"/api/global/us_indices/daily_prices/VIX_History.csv":
                            _read("cboe", "VIX_History.csv")},
           lambda session: cboe.fetch_vix(session, pd.Timestamp("2023-12-01"))),
    Loader("yahoo", lambda: {"/": b"", "/v1/test/getcrumb": b"recorded-crumb",
                             "/v8/finance/chart/JPY=X": _read("yahoo", "chart_JPYX.json")},
           _yahoo_run),
)


def _only_data(path: str) -> bool:
    """The fault hits the data files, not yfinance's cookie and crumb requests."""
    return path not in ("/", "/v1/test/getcrumb")


@dataclasses.dataclass
class Outcome:
    """What one scenario gave.

    Attributes
    ----------
    loader, fault : str
    error : str or None
        What the user sees (the result's error, or its note when it stored with a warning).
    ok : bool
        The download was stored.
    elapsed : float
        Seconds on the deadline's clock (backoff waits included, not slept).
    deadline : float
        The deadline, seconds.
    wrong_values : int
        Stored (series, date) values that differ from the clean download, plus rows that
        should not be there.
    store_unchanged : bool
        The store holds exactly what it held before the scenario.
    requests : int
        HTTP requests the server saw.
    """

    loader: str
    fault: str
    error: str | None
    ok: bool
    elapsed: float
    deadline: float
    wrong_values: int
    store_unchanged: bool
    requests: int


def _values(store: Store) -> dict[tuple[str, pd.Timestamp], float]:
    return {(sid, date): value for sid, frame in store.read_observations().items()
            for date, value in zip(frame["date"], frame["value"], strict=True)}


def _source(loader: Loader) -> Source:
    fetch = Fetch(loader.name, (), lambda session, since: loader.run(session))
    return Source(loader.name, loader.name, "", (), (fetch,), read_file=lambda path: None)


class Matrix:
    """Runs scenarios of one loader: a server, a session, and the clean store to compare to.

    Use as a context manager; :meth:`run` runs one fault.
    """

    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.server = FaultServer(loader.routes(), faulty=_only_data)
        self.folder = Path(tempfile.mkdtemp(prefix=f"riskoff-faults-{loader.name}-"))

    def __enter__(self) -> Matrix:
        self.server.__enter__()
        self.session = redirected_session(self.server.url)
        self.clean = Store(self.folder / "clean.sqlite")
        (result,) = self._refresh(self.clean, Deadline(DEADLINE))
        if not result.ok:
            raise RuntimeError(f"the clean download of {self.loader.name} failed: "
                               f"{result.error}")
        self.expected = _values(self.clean)
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _refresh(self, store: Store, limit: Deadline) -> list[FetchResult]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return refresh_macro(store, sources=[_source(self.loader)], session=self.session,
                                 deadline=limit)

    def run(self, fault: str, skipped: list[float]) -> Outcome:
        """Run `fault` on a copy of the clean store.

        Parameters
        ----------
        fault : str
            One of :data:`tests.faultserver.FAULTS`.
        skipped : list of float
            The caller's record of backoff waits skipped (its patched ``time.sleep``
            appends to it); the deadline's clock adds them to real time.
        """
        path = self.folder / f"{fault}.sqlite"
        shutil.copy(self.clean.path, path)
        store = Store(path)
        before = _values(store)
        self.server.fault = fault
        seen = len(self.server.requests)
        start = len(skipped)
        limit = Deadline(DEADLINE, clock=lambda: time.monotonic() + sum(skipped[start:]))
        (result,) = self._refresh(store, limit)
        after = _values(store)
        wrong = sum(1 for key, value in after.items() if self.expected.get(key) != value)
        wrong += sum(1 for key in self.expected if key not in after)
        return Outcome(self.loader.name, fault, result.error or result.note, result.ok,
                       limit.elapsed(), DEADLINE, wrong, after == before,
                       len(self.server.requests) - seen)


class CcxtMatrix:
    """The same faults for ccxt: binance klines through ``exchange.session``, into a store.

    The markets answer normally; the fault hits ``/api/v3/klines``. ``fallbacks=()`` keeps
    the chain on binance, so each fault's own message shows.
    """

    loader = Loader("ccxt", lambda: {}, lambda session: None)

    def __init__(self) -> None:
        self.server = FaultServer({
            "/api/v3/exchangeInfo": _read("ccxt", "binance_exchangeInfo_spot.json"),
            "/api/v3/klines": _read("ccxt", "binance_klines_BTCUSDT_1d_2023-12-28.json")},
            faulty=lambda path: path.endswith("/klines"))
        self.folder = Path(tempfile.mkdtemp(prefix="riskoff-faults-ccxt-"))

    def __enter__(self) -> CcxtMatrix:
        self.server.__enter__()
        self.clean = Store(self.folder / "clean.sqlite")
        error = self._fetch(self.clean, Deadline(DEADLINE), [])
        if error is not None:
            raise RuntimeError(f"the clean ccxt download failed: {error}")
        self.expected = self.clean.read_candles("binance", "BTC/USDT", "1d")
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _client(self, exchange_id: str):
        import ccxt

        from tests.faultserver import RedirectAdapter

        client = ccxt.binance({"enableRateLimit": False, "timeout": int(HANG_SECONDS * 1000),
                               "options": {"fetchMarkets": {"types": ["spot"]}}})
        client.session.mount("https://", RedirectAdapter(self.server.url))
        return client

    def _fetch(self, store: Store, limit: Deadline, skipped: list[float]) -> str | None:
        from backtests.candles.exchanges import fetch_ohlcv_range
        from signals.errors import DataSourceError
        from signals.sources.http import deadline

        def keep(page):
            store.write_candles("binance", "BTC/USDT", "1d", page)

        try:
            with deadline(limit), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = fetch_ohlcv_range(
                    "BTC/USDT", "1d", start="2023-12-28", fallbacks=(),
                    client_factory=self._client, on_page=keep, sleep=skipped.append,
                    now=pd.Timestamp("2024-01-01", tz="UTC"))
        except DataSourceError as exc:
            return str(exc)
        notes = [str(w.message) for w in caught]
        return result.note or ("; ".join(notes) or None)

    def run(self, fault: str, skipped: list[float]) -> Outcome:
        """Run `fault` on a copy of the clean store (see :meth:`Matrix.run`)."""
        path = self.folder / f"{fault}.sqlite"
        shutil.copy(self.clean.path, path)
        store = Store(path)
        before = store.read_candles("binance", "BTC/USDT", "1d")
        self.server.fault = fault
        seen = len(self.server.requests)
        start = len(skipped)
        limit = Deadline(DEADLINE, clock=lambda: time.monotonic() + sum(skipped[start:]))
        error = self._fetch(store, limit, skipped)
        after = store.read_candles("binance", "BTC/USDT", "1d")
        joined = after.join(self.expected, how="outer", suffixes=("", "_clean"))
        wrong = int((joined[list(after.columns)].to_numpy()
                     != joined[[f"{c}_clean" for c in after.columns]].to_numpy())
                    .any(axis=1).sum())
        failed = error is not None and error.startswith("ccxt")
        return Outcome("ccxt", fault, error, not failed, limit.elapsed(), DEADLINE, wrong,
                       after.equals(before), len(self.server.requests) - seen)


__all__ = ["DEADLINE", "FAULTS", "HANG_SECONDS", "LOADERS", "CcxtMatrix", "Matrix", "Outcome"]
