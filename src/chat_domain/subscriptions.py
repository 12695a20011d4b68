"""One open stream's side of the live stream: its bounded queue, each event once.

The process's reader (``streams.EventHub``) offers events to a stream's
``Subscription``; the stream's task takes them in position order, skipping
any at or before the place its replay ended, and is ended (``StreamEnded``)
when its client falls ``QUEUE_MOST`` events behind or the server stops.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

import attrs

from chat_domain.events import Position

T = TypeVar("T")

QUEUE_MOST = 1000
"""Events a stream may have waiting for its client; past it, the stream is dropped."""


class StreamEnded(Exception):
    """The stream was ended by the server: its client was too slow, or it is stopping."""


@attrs.frozen
class Opened(Generic[T]):
    """A stream just opened: what it replays first, and whether it had to reset."""

    replay: list[T]
    reset: bool


class Subscription(Generic[T]):
    """One open stream's queue of events, in position order, each once."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.last: Position | None = None  # set once opened: nothing at or before it again
        self.ended: str | None = None
        self.dropped: Callable[[], None] | None = None  # called if it ends for being slow
        self._queue: deque[tuple[Position, T]] = deque()
        self._ready = asyncio.Event()

    def offer(self, position: Position, item: T) -> None:
        if self.ended is not None:
            return
        if len(self._queue) >= QUEUE_MOST:
            self.end("the client did not keep up")
            if self.dropped is not None:
                self.dropped()  # its task may be waiting to write: let the connection go
            return
        self._queue.append((position, item))
        self._ready.set()

    def end(self, reason: str) -> None:
        self.ended = reason
        self._ready.set()

    async def next(self) -> T:
        """The next event; waits for one. ``StreamEnded`` once the stream is ended."""
        while True:
            if self.ended is not None:
                raise StreamEnded(self.ended)
            while self._queue:
                position, item = self._queue.popleft()
                if self.last is not None and position <= self.last:
                    continue  # replayed when the stream opened
                self.last = position
                return item
            self._ready.clear()
            await self._ready.wait()

    def ready(self) -> list[T]:
        """Every event waiting now, without waiting for more."""
        items: list[T] = []
        while self._queue and self.ended is None:
            position, item = self._queue.popleft()
            if self.last is None or position > self.last:
                self.last = position
                items.append(item)
        return items
