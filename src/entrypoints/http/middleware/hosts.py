"""The trusted-host check: requests for a ``Host`` not listed are refused as problem+json."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.problems import InvalidHost, problem_response


def host_allowed(host: str, patterns: tuple[str, ...]) -> bool:
    return any(
        host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
        for pattern in patterns
    )


class TrustedHosts:
    """Refuses requests whose ``Host`` is not listed, as problem+json.

    Health checks and metrics are exempt: probes and scrapers call them by
    address, not by name.
    """

    def __init__(self, app: ASGIApp, *, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = tuple(pattern.lower() for pattern in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/health/") or path == "/metrics":
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").lower()
        # Drop a port, but keep a bracketed IPv6 address whole.
        host = host.rsplit(":", 1)[0] if host.rfind(":") > host.rfind("]") else host
        if host_allowed(host, self.allowed):
            await self.app(scope, receive, send)
            return
        error = InvalidHost(f"the host {host!r} is not served here", field=None)
        await problem_response(error)(scope, receive, send)
