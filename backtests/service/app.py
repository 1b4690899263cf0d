"""The riskoff HTTP API: the live reading and its history for bots, dashboards and monitoring.

Endpoints (all JSON unless said otherwise; times are ISO 8601 UTC):

=========================  ===================================================================
``GET /``                  the dashboard (:mod:`backtests.service.dashboard`), HTML
``GET /v1/score``          the live reading, the object of :func:`signals.latest` (score,
                           regime, coverage, contributions, each input's age, stale/degraded,
                           the policy's decision)
``GET /v1/score/history``  score rows by availability time; ``since``, ``until`` (times,
                           UTC, both included; a date is its 00:00), ``format=json|csv``
``GET /v1/components``     each component: family, inputs, weight, last contribution
``GET /v1/inputs``         each macro input: last date, availability, age, stale
``GET /v1/health``         liveness and readiness: 200 when a usable score from fresh data
                           exists, 503 with the reason otherwise (for container probes)
``GET /metrics``           Prometheus text exposition: score, coverage, input ages, refresh
                           outcomes per publisher, request counts and latencies
``POST /v1/refresh``       start a download of what is new (202; 409 while one runs); needs
                           ``Authorization: Bearer <token>`` when the service has a token
``GET /v1/events``         Server-Sent Events: ``reading`` on connect, ``regime_change``
                           each time the regime changes
=========================  ===================================================================

FastAPI describes the API at ``/openapi.json`` (and documents it at ``/docs``), the way
freqtrade's REST API does; the answers' shapes are the models of
:mod:`backtests.service.schemas`. The scores are computed from the store only when something
was written to it (:func:`signals.latest` and :func:`signals.bots.live.stored_scores` keep
them in memory, and the history's table and the dashboard's chart are kept with them), so
serving a reading costs well under a millisecond of server time.

Each client address has a rate limit (:mod:`backtests.service.limits`): ``429`` with
``Retry-After`` once it is spent; ``/v1/health`` and ``/metrics`` have buckets of their own.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import io
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pandas as pd
from fastapi import FastAPI, Query, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic.json_schema import models_json_schema

from backtests.service import schemas
from backtests.service.dashboard import dashboard_html, score_chart
from backtests.service.limits import DEFAULT_LIMIT, RateLimit, RateLimiter
from backtests.service.schedule import Scheduler
from signals.bots.gate import RiskGate
from signals.bots.live import stored_scores
from signals.data.store import Store, store_file
from signals.errors import ConfigError, RiskoffError
from signals.sources.registry import SOURCE_NAMES
from signals.times import to_utc

__all__ = ["GATE_FILE", "KEEPALIVE_S", "MONITORING", "SHUTDOWN_WAIT_S", "Downloads",
           "RegimeEvents", "ServiceSettings", "create_app"]

#: The service's gate state, beside the store: the last regime announced.
GATE_FILE = "serve-gate.json"
#: Seconds between keep-alive comments on an idle event stream.
KEEPALIVE_S = 15.0

#: Longest wait at shutdown for a running refresh to finish its write, in seconds (each
#: download is its own transaction, so one cut short by a kill loses only itself).
SHUTDOWN_WAIT_S = 30.0
#: Paths with a rate-limit bucket of their own: container probes and Prometheus scrapes.
MONITORING = frozenset({"/v1/health", "/metrics"})
#: A 429's description, and its entry for the routes whose other answers are not JSON (HTML,
#: text, events), which FastAPI would otherwise describe in their media type.
_LIMITED = "Over the client's rate limit; come back after Retry-After seconds"
_LIMITED_JSON = {429: {"description": _LIMITED, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/RateLimited"}}}}}
#: Histogram buckets of request latency, in seconds.
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)


@dataclass(frozen=True)
class ServiceSettings:
    """How the service behaves; ``[serve]`` in ``riskoff.toml`` sets the same fields.

    Attributes
    ----------
    store : str or None
        The store's path; ``None`` for the default store.
    token : str or None
        Bearer token required for anything that changes state (``POST /v1/refresh``);
        ``None`` leaves it open, which is safe only on the loopback address.
    policy : str
        The bot policy of the live reading (see :func:`signals.latest`).
    cors_origins : tuple of str
        Origins allowed to call the API from a browser; empty (the default) = CORS off.
    max_body_bytes : int
        Largest request body accepted (requests carry no body today: a guard).
    webhook : str or None
        URL that each regime change is POSTed to (see :class:`signals.RiskGate`).
    watch_seconds : float
        How often the service reads the score to find regime changes.
    rate_limit : RateLimit or None
        Requests per client address (:mod:`backtests.service.limits`); ``None``: no limit.
    """

    store: str | None = None
    token: str | None = None
    policy: str = "hold_last"
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 4096
    webhook: str | None = None
    watch_seconds: float = 60.0
    rate_limit: RateLimit | None = DEFAULT_LIMIT


class Downloads:
    """Every download of the service: never two of one publisher at once, each one counted.

    Parameters
    ----------
    store : str or None
        The store's path.
    refresh : callable
        ``refresh(store, source) -> list of FetchResult``: one download of a publisher.
    counter : prometheus_client.Counter
        ``riskoff_refresh_total{source, outcome}``.
    """

    def __init__(self, store: str | None, refresh, counter) -> None:
        self.store, self.refresh, self.counter = store, refresh, counter
        self.locks = {name: threading.Lock() for name in SOURCE_NAMES}
        self.thread: threading.Thread | None = None  # the manual refresh, if one runs
        self.guard = threading.Lock()

    def source(self, name: str) -> bool:
        """Download one publisher now; ``False`` (nothing done) if it is already running."""
        lock = self.locks[name]
        if not lock.acquire(blocking=False):
            return False
        try:
            results = self.refresh(Store(self.store), name)
        except Exception:  # counted, never raised in a thread; the store keeps what it had
            self.counter.labels(name, "error").inc()
        else:
            for result in results:
                self.counter.labels(result.source, "ok" if result.ok else "error").inc()
        finally:
            lock.release()
        return True

    def every_source(self) -> None:
        """Download every publisher in turn (one that is already running is skipped)."""
        for name in SOURCE_NAMES:
            self.source(name)

    def start_all(self) -> bool:
        """Start a download of every publisher in a thread; ``False`` if one is running."""
        with self.guard:
            if self.thread is not None and self.thread.is_alive():
                return False
            self.thread = threading.Thread(target=self.every_source, name="riskoff-refresh",
                                           daemon=True)
            self.thread.start()
            return True


def _metrics(registry: CollectorRegistry) -> dict:
    return {
        "score": Gauge("riskoff_score", "Risk-off score of the live reading (0-100; NaN "
                       "when none)", registry=registry),
        "coverage": Gauge("riskoff_coverage", "Share of the component weight with fresh data "
                          "(0-1)", registry=registry),
        "allow": Gauge("riskoff_allow_risk", "1 when the policy allows risk, else 0",
                       registry=registry),
        "stale": Gauge("riskoff_stale", "1 when the live reading is not from fresh data",
                       registry=registry),
        "age": Gauge("riskoff_input_age_days", "Age of each macro input's latest value, in "
                     "days", ["input"], registry=registry),
        "refresh": Counter("riskoff_refresh", "Downloads per publisher and outcome",
                           ["source", "outcome"], registry=registry),
        "requests": Counter("riskoff_http_requests", "HTTP requests by path and status",
                            ["path", "status"], registry=registry),
        "latency": Histogram("riskoff_http_request_seconds", "Server time per request",
                             ["path"], buckets=_LATENCY_BUCKETS, registry=registry),
    }


def create_app(settings: ServiceSettings | None = None, *,
               now: Callable[[], pd.Timestamp] | None = None,
               refresh: Callable[[Store, str], list] | None = None, schedule: bool = False):
    """The FastAPI application of ``riskoff serve``.

    Parameters
    ----------
    settings : ServiceSettings, optional
        Store, token, policy, CORS; defaults as documented there.
    now : callable, optional
        The clock (returns a UTC Timestamp); default the system clock. Tests and replays
        pass a fixed time.
    refresh : callable, optional
        ``refresh(store, source)`` downloads what is new from one publisher into a store and
        returns the :class:`~signals.data.update.FetchResult` list; default
        :func:`signals.data.update.refresh_macro` for that source.
    schedule : bool
        Keep the data current on each publisher's release calendar
        (:class:`backtests.service.schedule.Scheduler`) while the app runs.

    Returns
    -------
    fastapi.FastAPI
    """
    import signals
    from signals.bots.live import check_policy

    settings = settings or ServiceSettings()
    check_policy(settings.policy)
    store = settings.store  # opened per use, so a broken store is reported, never fatal
    clock = now or (lambda: pd.Timestamp.now(tz="UTC"))
    if refresh is None:
        from signals.data.update import refresh_macro
        from signals.sources.registry import get_source

        def refresh(target: Store, source: str) -> list:
            return list(refresh_macro(target, sources=[get_source(source)]))

    registry = CollectorRegistry()
    metric = _metrics(registry)
    downloads = Downloads(store, refresh, metric["refresh"])

    events = RegimeEvents(RiskGate(policy=settings.policy, webhook=settings.webhook,
                                   state_file=store_file(store).parent / GATE_FILE))

    @asynccontextmanager
    async def lifespan(app):
        scheduler = None
        if schedule:
            scheduler = Scheduler(SOURCE_NAMES, downloads.source, clock=clock)
            scheduler.start()
        watcher = asyncio.create_task(events.watch(reading, settings.watch_seconds))
        yield
        watcher.cancel()
        if scheduler is not None:  # shutting down: let a download finish its write
            scheduler.stop(SHUTDOWN_WAIT_S)
        if downloads.thread is not None:
            downloads.thread.join(SHUTDOWN_WAIT_S)

    app = FastAPI(lifespan=lifespan, title="riskoff", version=signals.__version__,
                  description="Risk-off scores for crypto from JGB yields, the yen, US "
                              "Treasuries and the yen carry trade.",
                  responses={429: {"model": schemas.RateLimited, "description": _LIMITED}})
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET"], allow_headers=["Authorization"])

    opened: list[Store] = []  # the store, opened once it opens: opening writes its schema
    cache = _ReadingCache()
    limiter = None if settings.rate_limit is None else RateLimiter(settings.rate_limit)

    def open_store() -> Store:
        if not opened:
            opened.append(Store(store))
        return opened[0]

    def reading():
        now = clock()
        cached = cache.get(now)
        if cached is not None:
            return cached
        try:
            target = open_store()
        except Exception:  # a broken store: latest() reports it, never raises
            target = store
        return cache.put(now, signals.latest(store=target, policy=settings.policy, now=now))

    views = _ScoreViews(lambda: stored_scores(open_store()))

    @app.exception_handler(RiskoffError)
    async def user_error(request: Request, exc: RiskoffError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(sqlite3.DatabaseError)
    @app.exception_handler(_StoreError)
    async def store_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": f"store unreadable: {exc}"}, status_code=503)

    def refused(request: Request) -> JSONResponse | None:
        """The answer to a request over its client's rate limit or too big, else None."""
        if limiter is not None:
            group = "monitoring" if request.scope["path"] in MONITORING else "api"
            client = request.client.host if request.client else "unknown"
            wait = limiter.take(group, client)
            if wait:
                limit, after = settings.rate_limit, limiter.retry_after(wait)
                return JSONResponse(
                    {"error": f"rate limit exceeded: {limit}; retry in {after} s",
                     "limit": limit.text, "burst": limit.burst, "retry_after_s": after},
                    status_code=429, headers={"Retry-After": str(after)})
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit()
                                   or int(length) > settings.max_body_bytes):
            return JSONResponse({"error": f"request body over {settings.max_body_bytes} "
                                          f"bytes"}, status_code=413)
        return None

    paths: set[str] = set()  # the app's own paths; any other is counted as "other"

    @app.middleware("http")
    async def guard(request: Request, call_next):
        started = time.perf_counter()
        response = refused(request) or await call_next(request)
        if not paths:
            paths.update(route.path for route in app.routes)
        route = request.scope["path"] if request.scope["path"] in paths else "other"
        metric["latency"].labels(route).observe(time.perf_counter() - started)
        metric["requests"].labels(route, str(response.status_code)).inc()
        return response

    @app.get("/", summary="The dashboard", response_class=HTMLResponse,
             responses=_LIMITED_JSON)
    def dashboard() -> HTMLResponse:
        try:
            chart = views.current().chart()
        except _StoreError as exc:
            chart = f"<p>No score history: {html.escape(str(exc))}</p>"
        return HTMLResponse(dashboard_html(reading().to_dict(), chart))

    @app.get("/v1/score", summary="The live reading", response_model=schemas.Reading)
    async def score() -> Response:
        # in the event loop, not the thread pool: from memory, or at most one new reading
        # (about 2 ms) a second
        reading()
        return Response(cache.body, media_type="application/json")

    @app.get("/v1/score/history", summary="Score rows by availability time",
             response_model=schemas.History, responses={
                 200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                       "description": "JSON rows, or CSV with format=csv"},
                 400: {"model": schemas.Error, "description": "since is after until, or a "
                                                             "time is not valid"},
                 503: {"model": schemas.Error, "description": "the store cannot be read"}})
    def history(since: str | None = Query(None, description="first time, UTC"),
                until: str | None = Query(None, description="last time, UTC"),
                fmt: str = Query("json", alias="format", pattern="^(json|csv)$")) -> Response:
        start = None if since is None else to_utc(since, "since")
        end = None if until is None else to_utc(until, "until")
        if start is not None and end is not None and start > end:
            raise ConfigError(f"since={since} is after until={until}; swap them")
        table = views.current().table
        rows = table.iloc[table.index.slice_indexer(start, end)][["score", "regime", "coverage"]]
        if fmt == "csv":
            buffer = io.StringIO()
            rows.to_csv(buffer)
            return PlainTextResponse(buffer.getvalue(), media_type="text/csv")
        records = rows.reset_index()
        records["available_at"] = records["available_at"].map(lambda t: t.isoformat())
        return JSONResponse({"rows": records.astype(object).where(records.notna(), None)
                             .to_dict(orient="records")})

    @app.get("/v1/components", summary="Each component: inputs, weight, last contribution",
             response_model=schemas.Components)
    def components() -> JSONResponse:
        live = reading()
        registered = signals.components()
        return JSONResponse({"as_of": live.as_of.isoformat(), "components": [
            {**part, "inputs": sorted({*registered[part["name"]].inputs.values(),
                                       *registered[part["name"]].optional.values()})}
            for part in live.components]})

    @app.get("/v1/inputs", summary="Each macro input: last date, availability, age",
             response_model=schemas.Inputs)
    def inputs() -> JSONResponse:
        live = reading()
        return JSONResponse({"as_of": live.as_of.isoformat(), "inputs": live.inputs})

    @app.get("/v1/health", summary="Liveness and readiness", response_model=schemas.Health,
             responses={503: {"model": schemas.Health,
                              "description": "Not ready; the reason says why"}})
    def health() -> JSONResponse:
        live = reading()
        ready = live.score is not None and not live.stale and live.error is None
        if ready:
            reason = "a usable score from fresh data"
        elif live.error is not None:
            reason = live.error
        elif live.held_as_of is None:
            reason = "no score: the store holds no usable data (riskoff data update)"
        else:
            days = (clock() - live.held_as_of).total_seconds() / 86400
            reason = (f"the data are stale: the last score from fresh data is from "
                      f"{live.held_as_of:%Y-%m-%d %H:%M} UTC, {days:.1f} days ago")
        return JSONResponse({"live": True, "ready": ready, "reason": reason,
                             "as_of": live.as_of.isoformat(), "age_days": live.age_days},
                            status_code=200 if ready else 503)

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse,
             responses=_LIMITED_JSON)
    def metrics() -> Response:
        live = reading()
        metric["score"].set(float("nan") if live.score is None else live.score)
        metric["coverage"].set(live.coverage)
        metric["allow"].set(1.0 if live.allow_risk else 0.0)
        metric["stale"].set(1.0 if live.stale else 0.0)
        for item in live.inputs:
            if item["age_days"] is not None:
                metric["age"].labels(item["name"]).set(item["age_days"])
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/refresh", summary="Download what is new (needs the token if one is set)",
              status_code=202, response_model=schemas.RefreshStarted, responses={
                  401: {"model": schemas.Error, "description": "Missing or wrong token"},
                  409: {"model": schemas.RefreshRefused, "description": "A refresh runs"},
                  413: {"model": schemas.Error, "description": "A request body too big"}})
    def start_refresh(request: Request) -> JSONResponse:
        if settings.token is not None and not _authorised(request, settings.token):
            return JSONResponse({"error": "missing or wrong bearer token"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        if not downloads.start_all():
            return JSONResponse({"started": False, "reason": "a refresh is running"},
                                status_code=409)
        return JSONResponse({"started": True}, status_code=202)

    @app.get("/v1/events", summary="Server-Sent Events of regime changes",
             response_class=_EventStream, responses=_LIMITED_JSON, openapi_extra={"x-events": {
                 "reading": {"$ref": "#/components/schemas/GateState"},
                 "regime_change": {"$ref": "#/components/schemas/RegimeChange"}}})
    async def stream(request: Request) -> StreamingResponse:
        queue = events.subscribe()

        async def messages():
            try:
                yield _sse("reading", events.state())
                while not await request.is_disconnected():
                    try:
                        event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                    else:
                        yield _sse("regime_change", event)
            finally:
                events.unsubscribe(queue)

        return _EventStream(messages(), headers={"Cache-Control": "no-cache"})

    build_openapi = app.openapi

    def openapi() -> dict:
        """FastAPI's description, with the event stream's payloads among the schemas."""
        if app.openapi_schema is None:
            spec = build_openapi()
            _, extra = models_json_schema(
                [(schemas.GateState, "serialization"), (schemas.RegimeChange, "serialization")],
                ref_template="#/components/schemas/{model}")
            spec["components"]["schemas"].update(extra["$defs"])
        return app.openapi_schema

    app.openapi = openapi
    app.state.downloads = downloads
    app.state.events = events
    return app


class _ReadingCache:
    """The live reading of the current second, and its JSON, served from memory.

    :func:`signals.latest` recomputes nothing when the store has not changed, but still
    builds a reading (about 2 ms); within one second of the clock the same reading is
    served again, so ``GET /v1/score`` costs only the lookup.
    """

    def __init__(self) -> None:
        self.second: int | None = None
        self.reading = None
        self.body = b"null"
        self.lock = threading.Lock()

    def get(self, now: pd.Timestamp):
        with self.lock:
            return self.reading if self.second == now.value // 10**9 else None

    def put(self, now: pd.Timestamp, live):
        body = json.dumps(live.to_dict(), default=str).encode()
        with self.lock:
            self.second, self.reading, self.body = now.value // 10**9, live, body
        return live


class RegimeEvents:
    """The regime as the service last saw it, and the clients to tell when it changes.

    A :class:`signals.RiskGate` with its state in the store's folder (:data:`GATE_FILE`)
    does the remembering: it posts the webhook on a change and keeps the last regime on
    disk, so a restart does not announce a regime again that was already announced.

    Parameters
    ----------
    gate : signals.RiskGate
        The gate that holds the regime and posts the webhook.
    """

    def __init__(self, gate) -> None:
        self.gate = gate
        self.queues: set[asyncio.Queue] = set()

    def state(self) -> dict:
        """The gate's state, as plain values."""
        return self.gate.to_dict()

    def subscribe(self) -> asyncio.Queue:
        """A queue that receives every regime change from now on."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=100)
        self.queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        """Stop sending to `queue`."""
        self.queues.discard(queue)

    def check(self, live) -> dict | None:
        """Move the gate with reading `live`; the event when the regime changed, else None."""
        before = self.gate.regime
        self.gate.update(live, now=live.as_of)
        if before is None or self.gate.regime == before:
            return None
        event = {"from": before, **self.state()}
        for queue in list(self.queues):
            if not queue.full():  # a client that stopped reading loses events, not memory
                queue.put_nowait(event)
        return event

    async def watch(self, read, every: float) -> None:
        """Read the score every `every` seconds and announce regime changes, until cancelled."""
        while True:
            await asyncio.get_running_loop().run_in_executor(None, lambda: self.check(read()))
            await asyncio.sleep(every)


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


def _authorised(request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


class _StoreError(Exception):
    """The store's scores cannot be had (answered with 503)."""


class _EventStream(StreamingResponse):
    """A Server-Sent Events stream."""

    media_type = "text/event-stream"


class _ScoreViews:
    """The score rows as the history and the dashboard serve them, until the store changes.

    :func:`signals.bots.live.stored_scores` returns the same frame until something is
    written to the store; the table and the chart made from it are made again only when it
    returns another one.

    Parameters
    ----------
    scores : callable
        ``scores()`` returns the store's score rows (:func:`~signals.bots.live.stored_scores`).
    """

    def __init__(self, scores: Callable[[], pd.DataFrame]) -> None:
        self.scores = scores
        self.source: pd.DataFrame | None = None
        self.table = pd.DataFrame()
        self.svg: str | None = None
        self.lock = threading.Lock()

    def current(self) -> _ScoreViews:
        """Self, holding the store's current scores; :class:`_StoreError` when there are none."""
        try:
            scores = self.scores()
        except (RiskoffError, sqlite3.DatabaseError) as exc:
            raise _StoreError(str(exc)) from exc
        with self.lock:
            if scores is not self.source:
                table = scores.copy(deep=False)
                table.attrs = {}  # pandas copies attrs at every step: a whole history's are slow
                self.source, self.table, self.svg = scores, table, None
        return self

    def chart(self) -> str:
        """The dashboard's chart of the current scores (:func:`score_chart`)."""
        with self.lock:
            if self.svg is None:
                self.svg = score_chart(self.table)
            return self.svg
