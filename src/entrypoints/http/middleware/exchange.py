"""One pass over every request: its id, the headers every answer carries, the
access-log line, the metrics, and the last-resort 500.

One layer that wraps ``send`` once, where there were a request log, a
metrics middleware and Starlette's own error layers each wrapping it
(docs/performance.md measured the difference). Label values stay bounded
whatever clients send: the path label is the matched route's template (or
``other``), the verb one of a fixed set, and the error code the one our
problem answer recorded (``problems.PROBLEM_CODE``).
"""

from __future__ import annotations

import logging
import os
import re
import time
import traceback
from collections.abc import Collection

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.problems import PROBLEM_CODE, Internal, problem_response
from entrypoints.logs import ACCESS_LOGGER
from entrypoints.metrics import Metrics

access_log = logging.getLogger(ACCESS_LOGGER)
error_log = logging.getLogger("chat.errors")

OTHER = "other"
_VERBS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A request id we take from a client must be safe to write into a log line.
_SAFE_REQUEST_ID = re.compile(rb"[!-~]{1,128}")
_NOSNIFF = (b"x-content-type-options", b"nosniff")
# Answers hold private data (a user's chats, a chat's messages): no cache keeps
# them. The public answers (the OpenAPI document, the web client's files) are
# the app's to name.
_NO_STORE = (b"cache-control", b"no-store")


def _request_id(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"x-request-id" and _SAFE_REQUEST_ID.fullmatch(value):
            return bytes(value)
    return os.urandom(16).hex().encode()


def route_label(scope: Scope, known_paths: Collection[str] = ()) -> str:
    """The matched route's template; a request that matched none counts as ``other``."""
    template = getattr(scope.get("route"), "path", None)
    if isinstance(template, str):
        return template
    path = scope.get("path")
    return path if isinstance(path, str) and path in known_paths else OTHER


class _Answer:
    """One request's answer as it passes: our headers added, its status noted."""

    __slots__ = ("_headers", "_send", "status")

    def __init__(self, send: Send, headers: list[tuple[bytes, bytes]]) -> None:
        self._send = send
        self._headers = headers
        self.status = 0  # not begun

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message["headers"] = [*message.get("headers", ()), *self._headers]
        await self._send(message)


class Exchange:
    """Tags each request with an ``X-Request-ID``, adds the headers every answer
    carries (``nosniff``; ``no-store`` but for the ``public`` paths), logs one line
    for it, measures it (with ``metrics``), and turns any exception nothing else
    handled into a 500. Outermost, so it sees every answer."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        debug: bool = False,
        public: frozenset[str] = frozenset(),
        metrics: Metrics | None = None,
        known_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        self.debug = debug
        self.public = public
        self.metrics = metrics
        self.known_paths = frozenset(known_paths)
        # Label children, looked up once per label set: ``labels()`` checks,
        # converts and locks on every call. Their number is bounded, as the
        # label values are (routes x verbs x statuses).
        self._counted: dict[tuple[str, str, int], Counter] = {}
        self._timed: dict[tuple[str, str], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        id_header = _request_id(scope)
        request_id = id_header.decode()
        # Starlette's request.state reads this, for any code that wants the id.
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        ours = [(b"x-request-id", id_header), _NOSNIFF]
        if scope["path"] not in self.public:
            ours.append(_NO_STORE)
        answer = _Answer(send, ours)
        metrics = self.metrics
        if metrics is not None:
            metrics.in_flight.inc()
            metrics.sample_pool()
        try:
            await self.app(scope, receive, answer.send)
        except Exception as error:
            error_log.exception(
                "unhandled error in %s %s (request id %s)",
                scope["method"],
                scope["path"],
                request_id,
            )
            if answer.status:  # the answer has begun; all we can do is drop the connection
                answer.status = 500
                raise
            extra = {"traceback": traceback.format_exception(error)} if self.debug else {}
            detail = f"an unexpected error occurred; it has been logged as {request_id}"
            await problem_response(Internal(detail), **extra)(scope, receive, answer.send)
        except BaseException:  # cancelled: the client or the server went away
            answer.status = 500
            state.setdefault(PROBLEM_CODE, "internal")
            raise
        finally:
            elapsed = time.perf_counter() - start
            if metrics is not None:
                self._measure(metrics, scope, answer.status, elapsed, state.get(PROBLEM_CODE))
            if access_log.isEnabledFor(logging.INFO):
                _log_access(scope, answer.status, elapsed, request_id)

    def _measure(
        self, metrics: Metrics, scope: Scope, status: int, elapsed: float, code: str | None
    ) -> None:
        verb = scope["method"] if scope["method"] in _VERBS else OTHER
        path = route_label(scope, self.known_paths)
        counted = self._counted.get((path, verb, status))
        if counted is None:
            counted = metrics.requests.labels(path, verb, str(status))
            self._counted[path, verb, status] = counted
        counted.inc()
        timed = self._timed.get((path, verb))
        if timed is None:
            timed = self._timed[path, verb] = metrics.latency.labels(path, verb)
        timed.observe(elapsed)
        if code is not None:
            metrics.errors.labels(code).inc()
        metrics.in_flight.dec()
        metrics.sample_pool()


def _log_access(scope: Scope, status: int, seconds: float, request_id: str) -> None:
    method, path, duration_ms = scope["method"], scope["path"], round(seconds * 1000, 3)
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": duration_ms,
        "request_id": request_id,
    }
    access_log.info(
        "%s %s %d %.3fms request_id=%s",
        method,
        path,
        status,
        duration_ms,
        request_id,
        extra=fields,
    )
