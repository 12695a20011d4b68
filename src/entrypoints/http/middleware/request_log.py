"""Request ids, one access-log line per request, and the last-resort 500.

Pure ASGI, like every middleware here, rather than ``BaseHTTPMiddleware``:
it adds a few attribute look-ups per request and never buffers a body.
"""

from __future__ import annotations

import logging
import os
import re
import time
import traceback

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.problems import Internal, problem_response
from entrypoints.logs import ACCESS_LOGGER

access_log = logging.getLogger(ACCESS_LOGGER)
error_log = logging.getLogger("chat.errors")

# A request id we take from a client must be safe to write into a log line.
_SAFE_REQUEST_ID = re.compile(rb"[!-~]{1,128}")


def _request_id(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"x-request-id" and _SAFE_REQUEST_ID.fullmatch(value):
            return bytes(value)
    return os.urandom(16).hex().encode()


_NOSNIFF = (b"x-content-type-options", b"nosniff")
# Answers hold private data (a user's chats, a chat's messages): no cache keeps
# them. The public answers (the OpenAPI document, the web client's files) are
# the app's to name.
_NO_STORE = (b"cache-control", b"no-store")


class RequestLog:
    """Tags each request with an ``X-Request-ID``, logs one line for it, adds the
    headers every answer carries (``nosniff``; ``no-store`` but for the
    ``public`` paths), and turns any exception nothing else handled into a 500."""

    def __init__(
        self, app: ASGIApp, *, debug: bool = False, public: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.debug = debug
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        id_header = _request_id(scope)
        request_id = id_header.decode()
        # Starlette's request.state reads this, for any code that wants the id.
        scope.setdefault("state", {})["request_id"] = request_id
        status = 0

        ours = [(b"x-request-id", id_header), _NOSNIFF]
        if scope["path"] not in self.public:
            ours.append(_NO_STORE)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *ours]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            method, path = scope["method"], scope["path"]
            error_log.exception(
                "unhandled error in %s %s (request id %s)", method, path, request_id
            )
            if status:  # the answer has begun; all we can do is drop the connection
                raise
            extra = {"traceback": traceback.format_exception(error)} if self.debug else {}
            detail = f"an unexpected error occurred; it has been logged as {request_id}"
            await problem_response(Internal(detail), **extra)(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                _log_access(scope, status, time.perf_counter() - start, request_id)


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
