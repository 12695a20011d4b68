"""Errors raised while answering a request, answered as problem+json.

A ``ChatError`` from an endpoint (the domain's refusals, and the HTTP
layer's own: a body too large, not JSON...) and the router's unknown path
or wrong method are answered here through ``problems``, the one place that
maps them. Innermost, just outside the router: the answer passes every
other layer (its headers, the CORS ones included, and its measurement)
like any other. Anything else goes on to ``Exchange``'s last-resort 500.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_domain.errors import ChatError, NotFound
from entrypoints.http.problems import MethodNotAllowed, problem_response


def _refusal(scope: Scope, error: HTTPException) -> ChatError:
    path = scope["path"]
    if error.status_code == 405:
        # Starlette keeps a route's methods in a set; answer them in a stable order.
        allow = ", ".join(sorted((error.headers or {}).get("Allow", "").split(", ")))
        return MethodNotAllowed(f"{scope['method']} is not allowed on {path}", allow=allow)
    return NotFound(f"no such path: {path}")


class Refusals:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except (ChatError, HTTPException) as error:
            if started:  # too late to answer otherwise: the connection is dropped
                raise
            refusal = error if isinstance(error, ChatError) else _refusal(scope, error)
            await problem_response(refusal)(scope, receive, send)
