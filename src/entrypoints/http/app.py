"""The HTTP API: the ASGI app built from the use cases by ``create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from chat_domain.batches import Pipeline
from chat_domain.ports import Wakeups
from chat_domain.sends import SendPipeline
from chat_domain.service import Chats
from chat_domain.streams import EventHub
from entrypoints.http import api, events, web
from entrypoints.http.methods import METHODS, Method
from entrypoints.http.middleware.cors import Cors
from entrypoints.http.middleware.exchange import Exchange
from entrypoints.http.middleware.hosts import TrustedHosts
from entrypoints.http.middleware.listeners import Listeners
from entrypoints.http.middleware.paths import ExactPaths
from entrypoints.http.middleware.refusals import Refusals
from entrypoints.http.openapi import openapi_document
from entrypoints.http.serialize import dumps
from entrypoints.http.threads import Threads
from entrypoints.metrics import Metrics
from entrypoints.settings import Settings


class ChatApp:
    """The ASGI app: Starlette's router inside our own middleware.

    Not Starlette's application class, whose two error layers would wrap
    every answer again: errors are answered by ``Refusals`` and, as a last
    resort, ``Exchange``. As Starlette's app does, it names itself in the
    scope, so that the router raises its 404 and 405 for ``Refusals`` to
    answer as problems.
    """

    def __init__(self, router: Router, middleware: list[Middleware]) -> None:
        self.router = router
        app: ASGIApp = router
        for cls, args, kwargs in reversed(middleware):
            app = cls(app, *args, **kwargs)
        self._stack = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        await self._stack(scope, receive, send)


def create_app(
    chats: Chats,
    *,
    settings: Settings,
    ready: Callable[[], bool] = api.always_ready,
    shutdown: Callable[[], None] | None = None,
    metrics: Metrics | None = None,
    wakeups: Wakeups | None = None,
) -> ChatApp:
    """The ASGI app serving ``chats``.

    ``ready`` answers whether the database is reachable and its schema
    current (it may raise when it is not reachable); ``shutdown`` runs once
    when the server stops, to release the database. With ``metrics``, every
    request is measured and ``GET /metrics`` serves the measurements.
    ``wakeups`` tell the live stream of the other server processes' writes.
    """
    threads = Threads()
    hub = EventHub(chats.uow, threads.run, events.encode, wakeups=wakeups)

    @asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[None]:
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

    def endpoint(m: Method) -> ASGIApp:
        if not m.batched:
            return api.ReadEndpoint(m, chats, limit, threads)
        if m.sends:
            return api.BatchedEndpoint(
                m, chats, limit, threads, pipeline=sends, created=api.sent_message
            )
        if m.path == "/users/add":
            return api.BatchedEndpoint(
                m, chats, limit, threads, pipeline=users, created=api.new_entity
            )
        return api.BatchedEndpoint(
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
    if metrics is not None:
        routes.append(metrics.route())
    # Outermost, so it sees every answer, the last-resort 500 included.
    middleware = [
        Middleware(
            Exchange,
            debug=settings.debug,
            public=public,
            metrics=metrics,
            # Answered before routing (a size limit refusing a body, say): keep their label.
            known_paths=[*(m.path for m in METHODS), "/events"],
        ),
        Middleware(ExactPaths),
    ]
    if settings.metrics_port is not None:
        middleware.append(Middleware(Listeners, operator_port=settings.metrics_port))
    middleware.append(Middleware(TrustedHosts, allowed=settings.allowed_hosts))
    if settings.cors_origins:
        # Inside the host check, so a refused Host is refused for every origin.
        middleware.append(Middleware(Cors, origins=settings.cors_origins))
    middleware.append(Middleware(Refusals))
    # The contract's paths are exact: "/users/add/" is an unknown path, not a redirect.
    router = Router(routes, redirect_slashes=False, lifespan=lifespan)
    return ChatApp(router, middleware)
