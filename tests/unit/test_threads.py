"""The API's threads and its answers over ASGI: hand-offs, overload, a client leaving."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator

import pytest
from starlette.types import Message

from chat_domain.errors import Unavailable
from entrypoints.http.answers import answer_in_chunks
from entrypoints.http.threads import Threads


def test_work_runs_on_another_thread_and_its_error_comes_back() -> None:
    threads = Threads(2)

    def fail() -> None:
        raise ValueError("refused")

    async def main() -> str:
        with pytest.raises(ValueError, match="refused"):
            await threads.run(fail)
        return await threads.run(lambda: threading.current_thread().name)

    try:
        assert asyncio.run(main()).startswith("chat-api-")
    finally:
        threads.close()


def test_work_that_waited_too_long_for_a_thread_is_refused_as_unavailable() -> None:
    threads = Threads(1, most_wait_s=0.05)

    async def main() -> tuple[object, ...]:
        busy = asyncio.ensure_future(threads.run(time.sleep, 0.3))
        await asyncio.sleep(0.01)  # the one thread is taken
        late = threads.run(lambda: "ran")
        return tuple(await asyncio.gather(busy, late, return_exceptions=True))

    try:
        busy, late = asyncio.run(main())
    finally:
        threads.close()
    assert busy is None
    assert isinstance(late, Unavailable)


def test_a_request_cancelled_while_its_work_runs_leaves_the_pool_working() -> None:
    threads = Threads(1)

    async def main() -> int:
        slow = asyncio.ensure_future(threads.run(time.sleep, 0.1))
        await asyncio.sleep(0.01)
        slow.cancel()
        return await threads.run(lambda: 42)

    try:
        assert asyncio.run(main()) == 42
    finally:
        threads.close()


def test_closed_threads_start_again_when_used() -> None:
    threads = Threads(1)

    async def main() -> int:
        return await threads.run(lambda: 1)

    assert asyncio.run(main()) == 1
    threads.close()
    assert asyncio.run(main()) == 1
    threads.close()


def test_a_streamed_answer_stops_making_chunks_once_the_client_has_left() -> None:
    made: list[int] = []
    sent: list[Message] = []
    left = asyncio.Event()

    async def chunks() -> AsyncGenerator[bytes, None]:
        for n in range(100):
            made.append(n)
            if n == 2:
                left.set()
                await asyncio.sleep(0)  # the watcher hears the client leave
            yield b"x"

    async def receive() -> Message:
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(answer_in_chunks(receive, send, 200, chunks()))
    assert len(made) <= 4
    assert sent[0]["type"] == "http.response.start"
    assert all(message.get("more_body") for message in sent[1:])  # never ended as complete
