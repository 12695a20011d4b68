"""The server's HTTP/1 protocol: uvicorn's httptools one, with three things it lacks.

- **HTTP/1.0 clients** get answers they can read. uvicorn frames every
  answer without a ``Content-Length`` as chunked, which HTTP/1.0 does not
  know (RFC 9112 section 6.1); a 1.0 client's streamed answer is sent
  close-delimited instead: no framing header, the end of the body is the
  end of the connection (1.0 connections close after one answer anyway).
- **A deadline on the request head.** uvicorn waits without limit for a
  head that dribbles in (slowloris); the head of every request must arrive
  within ``HEAD_TIMEOUT_S`` of its first byte, or of the connection's start,
  or the connection is closed.
- **A handle on the connection** for a long answer (the live stream), in
  the request's scope (``chat.connection``): the server stopping ends the
  stream cleanly (``on_shutdown``), and a client too slow to read it can be
  let go (``abort``).
- **Framing errors as problem+json.** A request the HTTP parser cannot read
  (two ``Content-Length`` headers, a bad chunk size, a garbage request line)
  is answered ``400`` ``application/problem+json`` like every other error,
  where uvicorn writes plain text.

The hooks lean on uvicorn's internals (``RequestResponseCycle``'s framing
attributes); ``tests/integration/live/test_http_protocol.py`` holds them to
what they promise, so an upgrade of uvicorn that moves them fails there.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

CONNECTION = "chat.connection"

HEAD_TIMEOUT_S = 10.0
"""Seconds a request's head (request line and headers) may take to arrive."""

_NO_BODY_STATUSES = (204, 304)


class _CloseDelimitedCycle(RequestResponseCycle):
    """One request-answer exchange with an HTTP/1.0 client."""

    _close_delimited = False

    async def send(self, message: Any) -> None:
        if message["type"] == "http.response.start" and not self.response_started:
            names = {name.lower() for name, _ in message.get("headers", ())}
            if (
                b"content-length" not in names
                and self.scope["method"] != "HEAD"
                and message["status"] not in _NO_BODY_STATUSES
            ):
                # Framed by neither header: uvicorn then adds no chunked encoding,
                # and counts each piece as its own length (below).
                self.chunked_encoding = False
                self._close_delimited = True
        elif message["type"] == "http.response.body" and self._close_delimited:
            self.expected_content_length = len(message.get("body", b""))
        await super().send(message)


def _problem(status: int, title: str, code: str, detail: str) -> bytes:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "code": code, "detail": detail}
    ).encode()
    return b"".join(
        [
            f"HTTP/1.1 {status} {title}\r\n".encode(),
            b"content-type: application/problem+json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"x-content-type-options: nosniff\r\n",
            b"cache-control: no-store\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class Connection:
    """What an app may ask of the connection a request came on."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self.on_shutdown: Callable[[], None] | None = None  # set by a long answer

    def abort(self) -> None:
        """Drop the connection at once, with whatever it has not sent yet."""
        self._transport.abort()


class ChatHttpProtocol(HttpToolsProtocol):
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._handle = Connection(transport)  # one per connection, handed to each request
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # Between requests the keep-alive timeout runs; from a head's first byte, this.
        if self._head_deadline is None:
            self._arm_head_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_head_deadline()
        self._handle.on_shutdown = None  # a stream earlier on this connection has ended
        self.scope[CONNECTION] = self._handle  # type: ignore[literal-required]
        super().on_headers_complete()
        if self.scope.get("http_version") == "1.0" and type(self.cycle) is RequestResponseCycle:
            # The cycle was just made and has not run yet (its task starts on
            # the loop's next turn): it becomes the 1.0 kind, with no new state.
            self.cycle.__class__ = _CloseDelimitedCycle

    def shutdown(self) -> None:
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            connection = cycle.scope.get(CONNECTION)
            if isinstance(connection, Connection) and connection.on_shutdown is not None:
                connection.on_shutdown()
        super().shutdown()

    def send_400_response(self, msg: str) -> None:
        detail = "the request is not valid HTTP/1.1: its request line, headers or framing"
        detail += " could not be read"
        self.transport.write(_problem(400, "Bad Request", "invalid_http", detail))
        self.transport.close()

    def _arm_head_deadline(self) -> None:
        self._head_deadline = self.loop.call_later(HEAD_TIMEOUT_S, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
