"""The pure ASGI middleware that feeds ``entrypoints.metrics`` from every HTTP request.

Label values are bounded whatever clients send: the path label is the
matched route's template (or ``other``), the verb one of a fixed set, and the
error code the one our problem answer recorded (``problems.PROBLEM_CODE``).
"""

from __future__ import annotations

import time
from collections.abc import Collection

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.problems import PROBLEM_CODE
from entrypoints.metrics import Metrics

OTHER = "other"
_VERBS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(scope: Scope, known_paths: Collection[str] = ()) -> str:
    """The matched route's template; a request that matched none counts as ``other``."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    path = scope.get("path")
    return path if isinstance(path, str) and path in known_paths else OTHER


class _Exchange:
    """The status of one request's answer, learnt while passing the answer on."""

    __slots__ = ("_send", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        await self._send(message)


class MetricsMiddleware:
    """Pure ASGI middleware: counts, times and classifies every HTTP request.

    Put it outermost among the app's middleware so it sees the final answer.
    ``known_paths`` names routes that may answer before routing (a size
    limit refusing a body, say), so their answers keep their path label.
    """

    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, known_paths: Collection[str] = ()
    ) -> None:
        self.app = app
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
        metrics = self.metrics
        exchange = _Exchange(send)
        state = scope.setdefault("state", {})
        metrics.in_flight.inc()
        metrics.sample_pool()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, exchange.send)
        except BaseException:
            exchange.status = 500
            state.setdefault(PROBLEM_CODE, "internal")
            raise
        finally:
            elapsed = time.perf_counter() - started
            verb = scope.get("method", "")
            verb = verb if verb in _VERBS else OTHER
            path = route_label(scope, self.known_paths)
            status = exchange.status
            counted = self._counted.get((path, verb, status))
            if counted is None:
                counted = metrics.requests.labels(path, verb, str(status))
                self._counted[path, verb, status] = counted
            counted.inc()
            timed = self._timed.get((path, verb))
            if timed is None:
                timed = self._timed[path, verb] = metrics.latency.labels(path, verb)
            timed.observe(elapsed)
            code = state.get(PROBLEM_CODE)
            if code is not None:
                metrics.errors.labels(code).inc()
            metrics.in_flight.dec()
            metrics.sample_pool()
