"""The ``Host`` header: exactly one, well formed, and (with ``ALLOWED_HOSTS``) listed.

Our own rather than Starlette's ``TrustedHostMiddleware``: that one splits the
port off at the last ``:``, matches wildcards with ``endswith`` and reads the
last of two ``Host`` headers, so ``evil.com/.api.example.com`` passed for
``*.api.example.com``. Here the header is parsed first (RFC 3986: a
reg-name or IPv4 address, or a bracketed IPv6 one, then an optional
all-digit port), and a wildcard matches whole labels only.
"""

from __future__ import annotations

import ipaddress
import re

from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.problems import InvalidHost, problem_response

# RFC 3986 reg-name without percent-escapes: unreserved and sub-delims. An
# IPv4 address is one too. None holds a ":", "/", "?", "#", "@" or "[".
_REG_NAME = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=]+")
_PORT = re.compile(r":[0-9]{1,5}")


def parse_host(value: str) -> str | None:
    """The host named by a ``Host`` header, lowercased; ``None`` if it is not well formed."""
    if value.startswith("["):
        end = value.find("]")
        try:
            ipaddress.IPv6Address(value[1:end] if end > 0 else "")
        except ValueError:
            return None
        host, rest = value[: end + 1], value[end + 1 :]
    else:
        host, colon, port = value.partition(":")
        rest = colon + port
        if _REG_NAME.fullmatch(host) is None:
            return None
    if rest and _PORT.fullmatch(rest) is None:
        return None
    return host.lower()


def host_allowed(host: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``host`` is listed; ``*.example.com`` stands for any name of whole labels
    before ``.example.com``, never for ``example.com`` itself."""
    for pattern in patterns:
        if pattern.startswith("*."):
            suffix = pattern[1:]
            labels = host[: -len(suffix)] if host.endswith(suffix) else ""
            if labels and all(labels.split(".")):
                return True
        elif host == pattern:
            return True
    return False


class TrustedHosts:
    """Refuses, as ``400 invalid_host``, a request with two ``Host`` headers (or an
    HTTP/1.1 one with none) and, when hosts are listed, one whose ``Host`` is
    malformed or not listed.

    Health checks and metrics are exempt from the list: probes and scrapers
    call them by address, not by name.
    """

    def __init__(self, app: ASGIApp, *, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = None if "*" in allowed else tuple(p.lower() for p in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        error = self._refusal(scope)
        if error is None:
            await self.app(scope, receive, send)
        else:
            await problem_response(error)(scope, receive, send)

    def _refusal(self, scope: Scope) -> InvalidHost | None:
        hosts = [value for name, value in scope["headers"] if name == b"host"]
        if len(hosts) > 1 or (not hosts and scope.get("http_version") != "1.0"):
            return InvalidHost("a request carries exactly one Host header", field=None)
        path = scope.get("path", "")
        if self.allowed is None or path.startswith("/health/") or path == "/metrics":
            return None
        sent = hosts[0].decode("latin-1") if hosts else ""
        host = parse_host(sent)
        if host is None:
            return InvalidHost(f"the Host header {sent!r} is not a host name", field=None)
        if not host_allowed(host, self.allowed):
            return InvalidHost(f"the host {host!r} is not served here", field=None)
        return None
