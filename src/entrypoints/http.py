"""The HTTP API: a Starlette app built from the use cases by ``create_app``.

Each API endpoint reads its body (asynchronously, so the size limit holds
while the body streams in), then does everything else in one trip to the
thread pool: parse, call one use case, serialise. The event loop never waits
on the database or on parsing a large body.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from chat_domain.errors import ChatError, NotFound, Unavailable
from entrypoints.body import parse_request, read_body
from entrypoints.bootstrap import Chats
from entrypoints.methods import METHODS, Method
from entrypoints.metrics import Metrics
from entrypoints.metrics_middleware import MetricsMiddleware
from entrypoints.middleware import RequestLog, TrustedHosts
from entrypoints.openapi import openapi_document
from entrypoints.problems import MethodNotAllowed, problem_response
from entrypoints.serialize import JsonPages, dumps
from entrypoints.settings import Settings

JSON = "application/json"
Endpoint = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")
R = TypeVar("R")

# As many as Starlette's own thread pool (anyio's default limit): more than
# the database pool, so a request waiting for a connection waits in the pool.
API_THREADS = 40


class _Threads:
    """The threads the API endpoints hand their blocking work to.

    The event loop's own executor, not anyio's ``to_thread`` (which Starlette's
    ``run_in_threadpool`` uses): its capacity limiter, task group and context
    copy made each hand-off cost ~50 µs of the worker's time against ~35.
    Made on first use; ``close`` waits for its work and lets it be made anew.
    """

    def __init__(self, size: int = API_THREADS) -> None:
        self.size = size
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, function: Callable[[T], R], argument: T) -> R:
        executor = self._executor
        if executor is None:
            executor = ThreadPoolExecutor(self.size, thread_name_prefix="chat-api")
            self._executor = executor
        return await asyncio.get_running_loop().run_in_executor(executor, function, argument)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def always_ready() -> bool:
    return True


def _api_endpoint(method: Method, chats: Chats, max_body_bytes: int, threads: _Threads) -> Endpoint:
    def handle(raw: bytes) -> bytes | Iterator[bytes]:
        result = method.run(chats, parse_request(raw, method))
        if not isinstance(result, JsonPages):
            return dumps(result)
        # An answer of one page goes whole; a longer one streams, a page per
        # trip to the thread pool, each read only when the one before is sent.
        chunks = result.chunks()
        first = next(chunks)
        second = next(chunks, None)
        return first if second is None else itertools.chain((first, second), chunks)

    async def endpoint(request: Request) -> Response:
        raw = await read_body(request, max_body_bytes)
        body = await threads.run(handle, raw)
        if isinstance(body, bytes):
            return Response(body, method.status, media_type=JSON)
        return StreamingResponse(body, method.status, media_type=JSON)

    return endpoint


def _readiness_endpoint(ready: Callable[[], bool]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            current = await run_in_threadpool(ready)
        except Unavailable:
            raise Unavailable("the database does not answer") from None
        except Exception as error:
            raise Unavailable(f"the database does not answer ({type(error).__name__})") from error
        if not current:
            raise Unavailable("the database schema is not current; run `chat-server migrate`")
        return Response(b'{"status":"ready"}', media_type=JSON)

    return endpoint


async def _live(request: Request) -> Response:
    return Response(b'{"status":"live"}', media_type=JSON)


def _openapi_endpoint(document: bytes) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return Response(document, media_type=JSON)

    return endpoint


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
    ready: Callable[[], bool] = always_ready,
    shutdown: Callable[[], None] | None = None,
    metrics: Metrics | None = None,
) -> Starlette:
    """The ASGI app serving ``chats``.

    ``ready`` answers whether the database is reachable and its schema
    current (it may raise when it is not reachable); ``shutdown`` runs once
    when the server stops, to release the database. With ``metrics``, every
    request is measured and ``GET /metrics`` serves the measurements.
    """

    threads = _Threads()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # The requests' work ends before the database is let go.
            await run_in_threadpool(threads.close)
            if shutdown is not None:
                await run_in_threadpool(shutdown)
            if metrics is not None:
                metrics.close()

    routes = [
        Route(m.path, _api_endpoint(m, chats, settings.max_body_bytes, threads), methods=["POST"])
        for m in METHODS
    ]
    routes += [
        Route("/health/live", _live, methods=["GET"]),
        Route("/health/ready", _readiness_endpoint(ready), methods=["GET"]),
        Route("/openapi.json", _openapi_endpoint(dumps(openapi_document())), methods=["GET"]),
    ]
    middleware = [Middleware(RequestLog, debug=settings.debug)]
    if metrics is not None:
        routes.append(metrics.route())
        # Outermost, so it sees every answer, the last-resort 500 included.
        known = [m.path for m in METHODS]
        middleware.insert(0, Middleware(MetricsMiddleware, metrics=metrics, known_paths=known))
    if "*" not in settings.allowed_hosts:
        middleware.append(Middleware(TrustedHosts, allowed=settings.allowed_hosts))
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
