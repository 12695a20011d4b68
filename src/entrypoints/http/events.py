"""``GET /events``: a user's live stream, as server-sent events.

The framing is written here rather than with sse-starlette: that library
runs four tasks per stream (sender, pinger, disconnect and exit listeners)
and patches uvicorn's signal handling to end them. A stream here is its
request's task plus one that waits for the client to leave, and the server's
protocol (``entrypoints.protocol``) ends it cleanly when the server stops.
Every event is encoded once, whatever number of streams it goes to.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from chat_domain.documents import chat_json, message_json
from chat_domain.events import Event
from chat_domain.streams import EventHub
from chat_domain.subscriptions import Opened, StreamEnded, Subscription
from entrypoints.http.problems import MissingField
from entrypoints.metrics import Metrics
from entrypoints.protocol import CONNECTION

KEEP_ALIVE_S = 15.0
"""Longest silence on a stream: a comment line then keeps proxies from closing it."""
RETRY_MS = 2000

_RETRY = f"retry: {RETRY_MS}\n\n".encode()
_KEEP_ALIVE = b": keep-alive\n\n"
_STOPPING = b": the server is stopping; reconnect with Last-Event-ID\n\n"
_RESET = (
    b'event: reset\ndata: {"reason":"more than 1000 events were missed; read the lists again"}\n\n'
)
_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),  # no-store: http.middleware
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on as it comes
]


def encode(event: Event) -> bytes:
    """One event as its server-sent-events frame."""
    if event.message is not None:
        data = message_json(event.message)
    else:
        assert event.chat is not None
        data = chat_json(event.chat)
    return f"id: {event.position.token()}\nevent: {event.kind}\ndata: {data}\n\n".encode()


class EventStream:
    """The open stream's answer: replay first, then each event as the hub offers it."""

    def __init__(
        self,
        hub: EventHub[bytes],
        sub: Subscription[bytes],
        opened: Opened[bytes],
        metrics: Metrics | None,
    ) -> None:
        self._hub, self._sub, self._opened, self._metrics = hub, sub, opened, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sub = self._sub
        connection: Any = scope.get(CONNECTION)
        if connection is not None:
            connection.on_shutdown = lambda: sub.end("the server is stopping")
            sub.dropped = connection.abort  # a client too slow to read is let go
        watcher = asyncio.create_task(_watch(receive, sub))
        if self._metrics is not None:
            self._metrics.streams.inc()
        try:
            await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
            first = [_RETRY, _RESET if self._opened.reset else b"", *self._opened.replay]
            await self._send(send, b"".join(first), len(self._opened.replay))
            loop = asyncio.get_running_loop()
            comment_due = loop.time() + KEEP_ALIVE_S  # a comment at least this often
            while True:
                try:
                    async with asyncio.timeout_at(comment_due):
                        frames = [await sub.next()]
                    frames += sub.ready()  # everything else already waiting, in one write
                except TimeoutError:
                    await self._send(send, _KEEP_ALIVE, 0)
                    comment_due = loop.time() + KEEP_ALIVE_S
                    continue
                except StreamEnded:
                    break
                await self._send(send, b"".join(frames), len(frames))
            await send({"type": "http.response.body", "body": _STOPPING, "more_body": False})
        finally:
            watcher.cancel()
            self._hub.leave(sub)
            if self._metrics is not None:
                self._metrics.streams.dec()

    async def _send(self, send: Send, body: bytes, events: int) -> None:
        await send({"type": "http.response.body", "body": body, "more_body": True})
        if events and self._metrics is not None:
            self._metrics.stream_events.inc(events)


async def _watch(receive: Receive, sub: Subscription[bytes]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    sub.end("the client left")


def events_endpoint(hub: EventHub[bytes], metrics: Metrics | None) -> Any:
    async def endpoint(request: Request) -> EventStream:
        # A reconnecting browser sends the last id it saw; it wins over the URL's.
        after = request.headers.get("last-event-id") or request.query_params.get("after")
        user = request.query_params.get("user")
        if user is None:
            raise MissingField("user", detail="the stream needs its user: /events?user=<user id>")
        sub, opened = await hub.open(user, after)
        return EventStream(hub, sub, opened, metrics)

    return endpoint
