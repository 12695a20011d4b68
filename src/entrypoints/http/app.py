"""The HTTP API: a Starlette app built from the use cases by ``create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from chat_domain.batches import Pipeline
from chat_domain.errors import ChatError, NotFound
from chat_domain.ports import Wakeups
from chat_domain.sends import SendPipeline
from chat_domain.service import Chats
from chat_domain.streams import EventHub
from entrypoints.http import api, events, web
from entrypoints.http.methods import METHODS, Method
from entrypoints.http.middleware.cors import Cors
from entrypoints.http.middleware.hosts import TrustedHosts
from entrypoints.http.middleware.listeners import Listeners
from entrypoints.http.middleware.metrics import MetricsMiddleware
from entrypoints.http.middleware.paths import ExactPaths
from entrypoints.http.middleware.request_log import RequestLog
from entrypoints.http.openapi import openapi_document
from entrypoints.http.problems import MethodNotAllowed, problem_response
from entrypoints.http.serialize import dumps
from entrypoints.metrics import Metrics
from entrypoints.settings import Settings


async def _chat_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ChatError)
    return problem_response(error)


async def _http_error(request: Request, error: Exception) -> Response:
    # Starlette's router raises these for unknown paths and wrong methods.
    assert isinstance(error, HTTPException)
    path = request.url.path
    if error.status_code == 405:
        # Starlette keeps a route's methods in a set; answer them in a stable order.
        allow = ", ".join(sorted((error.headers or {}).get("Allow", "").split(", ")))
        return problem_response(
            MethodNotAllowed(f"{request.method} is not allowed on {path}", allow=allow)
        )
    return problem_response(NotFound(f"no such path: {path}"))


def create_app(
    chats: Chats,
    *,
    settings: Settings,
    ready: Callable[[], bool] = api.always_ready,
    shutdown: Callable[[], None] | None = None,
    metrics: Metrics | None = None,
    wakeups: Wakeups | None = None,
) -> Starlette:
    """The ASGI app serving ``chats``.

    ``ready`` answers whether the database is reachable and its schema
    current (it may raise when it is not reachable); ``shutdown`` runs once
    when the server stops, to release the database. With ``metrics``, every
    request is measured and ``GET /metrics`` serves the measurements.
    ``wakeups`` tell the live stream of the other server processes' writes.
    """
    threads = api.Threads()
    hub = EventHub(chats.uow, threads.run, events.encode, wakeups=wakeups)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hub.start()
        try:
            yield
        finally:
            await hub.close()
            # The requests' work ends before the database is let go.
            await run_in_threadpool(threads.close)
            if shutdown is not None:
                await run_in_threadpool(shutdown)
            if metrics is not None:
                metrics.close()

    def delivered(size: int) -> None:
        hub.wrote()
        if metrics is not None:
            metrics.send_batches.observe(size)

    sends = SendPipeline(chats.send_message.deliver, threads.run, delivered=delivered)
    users = Pipeline(chats.add_user.deliver, threads.run)
    # A new chat is an event of the live stream: the reader is told of each batch.
    new_chats = Pipeline(chats.create_chat.deliver, threads.run, delivered=lambda _: hub.wrote())
    limit = settings.max_body_bytes

    def endpoint(m: Method) -> api.Endpoint:
        if not m.batched:
            return api.api_endpoint(m, chats, limit, threads)
        if m.sends:
            return api.batched_endpoint(
                m, chats, limit, threads, pipeline=sends, created=api.sent_message
            )
        if m.path == "/users/add":
            return api.batched_endpoint(
                m, chats, limit, threads, pipeline=users, created=api.new_entity
            )
        return api.batched_endpoint(
            m, chats, limit, threads, pipeline=new_chats, created=api.new_entity
        )

    routes = [Route(m.path, endpoint(m), methods=["POST"]) for m in METHODS]
    routes += [
        Route("/events", events.events_endpoint(hub, metrics), methods=["GET"]),
        Route("/health/live", api.live, methods=["GET"]),
        Route("/health/ready", api.readiness_endpoint(ready), methods=["GET"]),
        Route("/openapi.json", api.document_endpoint(dumps(openapi_document())), methods=["GET"]),
        *web.routes(),
    ]
    public = web.PATHS | {"/openapi.json"}
    middleware = [
        Middleware(RequestLog, debug=settings.debug, public=public),
        Middleware(ExactPaths),
    ]
    if settings.metrics_port is not None:
        middleware.append(Middleware(Listeners, operator_port=settings.metrics_port))
    if metrics is not None:
        routes.append(metrics.route())
        # Outermost, so it sees every answer, the last-resort 500 included.
        known = [*(m.path for m in METHODS), "/events"]
        middleware.insert(0, Middleware(MetricsMiddleware, metrics=metrics, known_paths=known))
    middleware.append(Middleware(TrustedHosts, allowed=settings.allowed_hosts))
    if settings.cors_origins:
        # Inside the host check, so a refused Host is refused for every origin.
        middleware.append(Middleware(Cors, origins=settings.cors_origins))
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=middleware,
        exception_handlers={ChatError: _chat_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    # The contract's paths are exact: "/users/add/" is an unknown path, not a redirect.
    app.router.redirect_slashes = False
    return app
