"""The threads the API hands its blocking work to (the database calls).

A pool of its own rather than the event loop's ``ThreadPoolExecutor`` or
anyio's ``to_thread`` (behind Starlette's ``run_in_threadpool``): each of
those builds a ``concurrent.futures.Future`` with its condition variable,
and the loop's future chained to it, per hand-off; here a worker settles the
loop's own future directly. A hand-off costs about 3 µs of CPU instead of
12 (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from queue import SimpleQueue
from typing import Any, TypeVar

from chat_domain.errors import Unavailable

R = TypeVar("R")

API_THREADS = 20
"""As many as a process's database connections (``adapters.sql.dialect.POOL_SIZE``):
work past them waits in the queue, holding no thread. More threads than
connections only took turns at the GIL: at 40, 50-message pages answered
3,700 req/s against 4,500 at 20 (docs/performance.md)."""

MOST_WAIT_S = 2.0
"""The longest work waits for a thread before it is refused as ``Unavailable`` (503):
past that the server is overloaded, and the client is told to come back."""

_Work = tuple[
    asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...], float
]


def _settle(future: asyncio.Future[Any], value: Any) -> None:
    if not future.cancelled():  # the request was cancelled while its work ran
        future.set_result(value)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.cancelled():
        future.set_exception(error)


def _work(queue: SimpleQueue[_Work | None], most_wait_s: float) -> None:
    while (item := queue.get()) is not None:
        loop, future, function, arguments, queued = item
        try:
            if time.monotonic() - queued > most_wait_s:
                raise Unavailable("the server is too busy to answer; try again shortly")
            value = function(*arguments)
        except BaseException as error:  # handed to the awaiting request, as an executor does
            loop.call_soon_threadsafe(_fail, future, error)
        else:
            loop.call_soon_threadsafe(_settle, future, value)
        del item, future, function, arguments  # hold nothing while idle


class Threads:
    """Runs blocking calls for the event loop. Started on first use; ``close``
    waits for the work in hand and lets the pool start anew."""

    def __init__(self, size: int = API_THREADS, *, most_wait_s: float = MOST_WAIT_S) -> None:
        self.size = size
        self.most_wait_s = most_wait_s
        self._queue: SimpleQueue[_Work | None] | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    async def run(self, function: Callable[..., R], *arguments: object) -> R:
        """``function(*arguments)`` on one of the threads; its result or its error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._started().put((loop, future, function, arguments, time.monotonic()))
        return await future

    async def iterate(self, chunks: Iterator[bytes]) -> AsyncGenerator[bytes, None]:
        """``chunks``, each made on these threads when the one before has been sent."""
        while (chunk := await self.run(next, chunks, None)) is not None:
            yield chunk

    def _started(self) -> SimpleQueue[_Work | None]:
        queue = self._queue
        if queue is not None:
            return queue
        with self._lock:
            if self._queue is None:
                queue = SimpleQueue()
                self._threads = [
                    threading.Thread(
                        target=_work,
                        args=(queue, self.most_wait_s),
                        name=f"chat-api-{n}",
                        daemon=True,
                    )
                    for n in range(self.size)
                ]
                for thread in self._threads:
                    thread.start()
                self._queue = queue
            return self._queue

    def close(self) -> None:
        with self._lock:
            queue, threads = self._queue, self._threads
            self._queue, self._threads = None, []
        if queue is None:
            return
        for _ in threads:
            queue.put(None)  # after the work already queued
        for thread in threads:
            thread.join()
