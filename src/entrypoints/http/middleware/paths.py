"""Paths are matched as sent: an escaped character in the path reaches no route.

Starlette routes on the decoded path, where ``/users%2Fadd`` is
``/users/add``; a proxy rule written for ``/users/add`` would not see it.
Every route's path is plain ASCII letters and slashes, so a path sent with
any ``%`` escape names none of them and is answered ``404 not_found``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from chat_domain.errors import NotFound
from entrypoints.http.problems import problem_response


class ExactPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path")
        if scope["type"] == "http" and raw is not None and b"%" in raw:
            sent = raw.decode("latin-1")
            await problem_response(NotFound(f"no such path: {sent}"))(scope, receive, send)
            return
        await self.app(scope, receive, send)
