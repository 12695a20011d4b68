"""Web pages on other origins (``CORS_ORIGINS``): Starlette's own CORS middleware.

A page may call every method and open the stream. The browser may send the
headers the API reads (``Content-Type``, ``X-Request-ID``, and the stream's
``Last-Event-ID`` on a reconnect) and may read the ones it answers with
beyond the safelisted few. No cookies or credentials are involved: the API
has none. A refused preflight is answered as problem+json like every other
refusal, naming what was refused.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from entrypoints.http.problems import CorsRefused, problem_response

ALLOWED_METHODS = ("GET", "POST")
ALLOWED_HEADERS = ("Content-Type", "Last-Event-ID", "X-Request-ID")
EXPOSED_HEADERS = ("X-Request-ID", "Idempotent-Replayed", "Retry-After", "Allow")


class Cors(CORSMiddleware):
    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...]) -> None:
        super().__init__(
            app,
            allow_origins=list(origins),
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            # A browser asks once per method and origin for ten minutes, not per call.
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code == 200:
            return answer
        return problem_response(CorsRefused(_refusal(self, request_headers)))


def _refusal(cors: Cors, headers: Headers) -> str:
    origin = headers["origin"]
    if not cors.is_allowed_origin(origin):
        return f"pages on {origin} may not call this API (it is not in CORS_ORIGINS)"
    method = headers["access-control-request-method"]
    if method not in ALLOWED_METHODS:
        return f"{method} is not a method of this API; it takes {', '.join(ALLOWED_METHODS)}"
    asked = [h.strip() for h in headers.get("access-control-request-headers", "").split(",")]
    refused = [h for h in asked if h and h.lower() not in cors.allow_headers]
    return f"the header {refused[0] if refused else '?'} may not be sent; allowed: " + ", ".join(
        ALLOWED_HEADERS
    )
