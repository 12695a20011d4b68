"""The one place where errors become HTTP answers: RFC 9457 problem+json.

Domain errors keep their ``code``, ``title``, ``field`` and ``detail``; this
module only adds the status (chosen by error family) and the headers a
status calls for. Errors that only the HTTP layer can see (a body that is
not JSON, an unknown path, ...) are defined here as ``ChatError`` subclasses
too, so every answer goes through the same rendering.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from chat_domain.errors import (
    ChatError,
    ChatNameTaken,
    ChatNotFound,
    ClientMsgIdReused,
    Conflict,
    DuplicateUser,
    Forbidden,
    Invalid,
    InvalidCursor,
    MessageNotFound,
    NotAMember,
    NotFound,
    Unavailable,
    Unprocessable,
    UsernameTaken,
    UserNotFound,
)

PROBLEM_JSON = "application/problem+json"
# How long a client should wait before retrying while the database is away.
RETRY_AFTER_SECONDS = 2


class InvalidJson(Invalid):
    code = "invalid_json"
    title = "Invalid JSON"


class InvalidBody(Invalid):
    code = "invalid_body"
    title = "Invalid body"


class MissingField(Invalid):
    code = "missing_field"
    title = "Missing field"

    def __init__(self, field: str | None, *, detail: str | None = None) -> None:
        super().__init__(detail or f"the field {field!r} is required", field=field)


class UnknownField(Invalid):
    code = "unknown_field"
    title = "Unknown field"

    def __init__(self, field: str, allowed: tuple[str, ...]) -> None:
        names = ", ".join(allowed)
        super().__init__(f"unknown field {field!r}; this method takes {names}", field=field)


class InvalidHost(Invalid):
    code = "invalid_host"
    title = "Invalid host"


class CorsRefused(Forbidden):
    code = "cors_refused"
    title = "Cross-origin request refused"


class MethodNotAllowed(ChatError):
    code = "method_not_allowed"
    title = "Method not allowed"

    def __init__(self, detail: str, *, allow: str) -> None:
        super().__init__(detail)
        self.allow = allow


class BodyTooLarge(ChatError):
    code = "body_too_large"
    title = "Body too large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is over the limit of {limit} bytes")


class Internal(ChatError):
    code = "internal"
    title = "Internal error"


# Status by error family; a subclass takes its nearest listed ancestor's status.
STATUS_BY_FAMILY: Mapping[type[ChatError], int] = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    MethodNotAllowed: 405,
    Conflict: 409,
    BodyTooLarge: 413,
    Unprocessable: 422,
    Unavailable: 503,
    ChatError: 500,
}

# Every error a client can receive, in the contract's order (for docs and OpenAPI).
ALL_ERRORS: tuple[type[ChatError], ...] = (
    InvalidJson,
    InvalidBody,
    MissingField,
    UnknownField,
    Invalid,
    DuplicateUser,
    InvalidCursor,
    InvalidHost,
    NotAMember,
    CorsRefused,
    UserNotFound,
    ChatNotFound,
    MessageNotFound,
    NotFound,
    MethodNotAllowed,
    UsernameTaken,
    ChatNameTaken,
    BodyTooLarge,
    ClientMsgIdReused,
    Unavailable,
    Internal,
)


def status_of(error: type[ChatError]) -> int:
    for cls in error.__mro__:
        status = STATUS_BY_FAMILY.get(cls)
        if status is not None:
            return status
    return 500  # pragma: no cover - ChatError itself is in the table


def problem_body(error: ChatError) -> dict[str, object]:
    body: dict[str, object] = {
        "status": status_of(type(error)),
        "title": error.title,
        "code": error.code,
        "detail": error.detail,
        "field": error.field,
    }
    if isinstance(error, UserNotFound):
        body["user_ids"] = list(error.user_ids)
    return body


def problem_headers(error: ChatError) -> dict[str, str]:
    if isinstance(error, MethodNotAllowed):
        return {"Allow": error.allow}
    if isinstance(error, Unavailable):
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if isinstance(error, BodyTooLarge):
        # Closing is the only way to stop a client that is still sending;
        # otherwise the server would read the rest to find the next request.
        return {"Connection": "close"}
    return {}


def render(body: Mapping[str, object]) -> bytes:
    # ASCII-only output: a detail or field may echo what a client sent,
    # including lone surrogates that UTF-8 cannot carry.
    return json.dumps(body, separators=(",", ":")).encode("ascii")


PROBLEM_CODE = "chat.problem_code"
"""Key, in a request's ``scope["state"]``, of the code of the problem it was answered with."""


class ProblemResponse(Response):
    """A problem+json answer that leaves its ``code`` in the request's state, for the
    metrics to count without reading the body back."""

    media_type = PROBLEM_JSON

    def __init__(self, error: ChatError, **extra: object) -> None:
        body = problem_body(error)
        body.update(extra)
        self.code = error.code
        super().__init__(render(body), status_of(type(error)), problem_headers(error))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})[PROBLEM_CODE] = self.code
        await super().__call__(scope, receive, send)


def problem_response(error: ChatError, **extra: object) -> Response:
    return ProblemResponse(error, **extra)
