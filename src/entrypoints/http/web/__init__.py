"""The service's own web client: three static files served at ``/``.

The page is plain HTML, one ES module and one stylesheet, with no build step
and nothing fetched from elsewhere. It calls only the public API, as any
client would. The files are read once, when the app is built, and answered
from memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Scripts only from our own files (no inline script, no eval), calls only to
# this origin, and the page never framed: user text that slipped into markup
# still could not run.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
    " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# path -> (file in this package, media type)
FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/web/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/web/style.css": ("style.css", "text/css; charset=utf-8"),
}
PATHS = frozenset(FILES)


def routes() -> list[Route]:
    """A ``GET`` route for each file, its bytes read now."""
    package = files(__name__)
    return [
        Route(path, _endpoint(package.joinpath(name).read_bytes(), media_type), methods=["GET"])
        for path, (name, media_type) in FILES.items()
    ]


def _endpoint(body: bytes, media_type: str) -> Callable[[Request], Awaitable[Response]]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        # A new release's files are seen at once; an unchanged one costs a 200
        # of a few KB, which is all the page is.
        "Cache-Control": "no-cache",
        "Referrer-Policy": "no-referrer",
    }

    async def endpoint(request: Request) -> Response:
        return Response(body, media_type=media_type, headers=headers)

    return endpoint
