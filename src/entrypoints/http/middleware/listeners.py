"""Which listener a request came in on: the public one, or the operators' own.

With ``METRICS_PORT`` set the server listens on a second address for
operators (``METRICS_HOST``, the loopback one by default), and ``/metrics``
is served there only: it shows the traffic, and need not face the clients.
The health checks answer on both, for a load balancer probing either; the
API answers on the public listener only. A request's listener is told by
the local port it arrived at (``scope["server"]``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from chat_domain.errors import NotFound
from entrypoints.http.problems import problem_response

OPERATOR_ONLY = frozenset({"/metrics"})
BOTH = frozenset({"/health/live", "/health/ready"})


class Listeners:
    def __init__(self, app: ASGIApp, operator_port: int) -> None:
        self.app = app
        self.operator_port = operator_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            server = scope.get("server")
            on_operator = server is not None and server[1] == self.operator_port
            path = scope["path"]
            served = path in BOTH or ((path in OPERATOR_ONLY) == on_operator)
            if not served:
                await problem_response(NotFound(f"no such path: {path}"))(scope, receive, send)
                return
        await self.app(scope, receive, send)
