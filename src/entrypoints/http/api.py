"""The endpoints: one per API method from the method table, and the operator ones.

Each API endpoint reads its body (asynchronously, so the size limit holds
while the body streams in). A read then does everything else in one trip to
the API's threads: parse, call one use case, serialise; a long list streams,
a page per trip. A write is prepared on the event loop (its body is small)
and stored by its pipeline's writer with the writes of other requests
(group commit). The event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from chat_domain.batches import Pipeline
from chat_domain.errors import Unavailable
from chat_domain.model import Chat, Sent, User
from chat_domain.service import Chats
from entrypoints.http.body import parse_request, read_body
from entrypoints.http.methods import REPLAYED, Method
from entrypoints.http.serialize import JsonArray, dumps

JSON = "application/json"
Endpoint = Callable[[Request], Awaitable[Response]]
R = TypeVar("R")

# As many as Starlette's own thread pool (anyio's default limit): more than
# the database pool, so a request waiting for a connection waits in the pool.
API_THREADS = 40


class Threads:
    """The threads the API endpoints hand their blocking work to.

    The event loop's own executor rather than anyio's ``to_thread`` (behind
    Starlette's ``run_in_threadpool``), whose capacity limiter, task group and
    context copy cost more per hand-off (docs/performance.md). Made on first
    use; ``close`` waits for its work and lets it be made anew.
    """

    def __init__(self, size: int = API_THREADS) -> None:
        self.size = size
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, function: Callable[..., R], *arguments: object) -> R:
        executor = self._executor
        if executor is None:
            executor = ThreadPoolExecutor(self.size, thread_name_prefix="chat-api")
            self._executor = executor
        return await asyncio.get_running_loop().run_in_executor(executor, function, *arguments)

    async def iterate(self, chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
        """``chunks``, each made on these threads when the one before has been sent."""
        while (chunk := await self.run(next, chunks, None)) is not None:
            yield chunk

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def api_endpoint(
    method: Method,
    chats: Chats,
    max_body_bytes: int,
    threads: Threads,
) -> Endpoint:
    """A method that reads (a list, a look-up): parsed, run and encoded on a thread."""

    def handle(raw: bytes) -> bytes | Iterator[bytes]:
        result = method.run(chats, parse_request(raw, method))
        if isinstance(result, JsonArray):
            return result.chunks() if result.streams else result.whole()
        return result if isinstance(result, bytes) else dumps(result)

    async def endpoint(request: Request) -> Response:
        raw = await read_body(request, max_body_bytes)
        body = await threads.run(handle, raw)
        if isinstance(body, bytes):
            return Response(body, method.status, media_type=JSON)
        return StreamingResponse(threads.iterate(body), method.status, media_type=JSON)

    return endpoint


PARSED_ON_LOOP = 64 * 1024
"""Bodies up to this size are parsed on the event loop: a write's body (a send is at
most about 17 KB of text and ids) parses faster than a hand-off to a thread takes;
a chat with thousands of members goes to a thread."""


def batched_endpoint(
    method: Method,
    chats: Chats,
    max_body_bytes: int,
    threads: Threads,
    *,
    pipeline: Pipeline[Any, R],
    created: Callable[[R], tuple[str, Mapping[str, str] | None]],
) -> Endpoint:
    """A method that prepares what it writes and hands it to a pipeline, which
    stores it with the writes of other requests; the request waits on the event
    loop, holding no thread and no connection. ``created`` tells the new id
    and any headers from what was stored."""

    def prepare(raw: bytes) -> object:
        return method.run(chats, parse_request(raw, method))

    async def endpoint(request: Request) -> Response:
        raw = await read_body(request, max_body_bytes)
        item = prepare(raw) if len(raw) <= PARSED_ON_LOOP else await threads.run(prepare, raw)
        new_id, headers = created(await pipeline.send(item))
        return Response(dumps({"id": new_id}), method.status, headers=headers, media_type=JSON)

    return endpoint


def sent_message(sent: Sent) -> tuple[str, Mapping[str, str] | None]:
    """A send's answer: the message's id, and whether it replayed an earlier send."""
    return sent.message.id, {REPLAYED: "true"} if sent.replayed else None


def new_entity(entity: User | Chat) -> tuple[str, Mapping[str, str] | None]:
    return entity.id, None


def always_ready() -> bool:
    return True


def readiness_endpoint(ready: Callable[[], bool]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            current = await run_in_threadpool(ready)
        except Unavailable:
            raise Unavailable("the database does not answer") from None
        except Exception as error:
            raise Unavailable(f"the database does not answer ({type(error).__name__})") from error
        if not current:
            raise Unavailable("the database schema is not current; run `chat-server migrate`")
        return Response(b'{"status":"ready"}', media_type=JSON)

    return endpoint


async def live(request: Request) -> Response:
    return Response(b'{"status":"live"}', media_type=JSON)


def document_endpoint(document: bytes) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return Response(document, media_type=JSON)

    return endpoint
