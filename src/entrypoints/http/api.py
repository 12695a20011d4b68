"""The endpoints: one per API method from the method table, and the operator ones.

The API methods are pure ASGI apps (``answers``). Each reads its body
(asynchronously, so the size limit holds while the body streams in). A page of
a list whose store can be awaited (``PageViews``) is read on the event loop
itself. Any other read does everything else in one trip to the API's
threads: parse, call one use case, serialise; a long list streams, a page
per trip. A write is prepared on the event loop (its body is small) and
stored by its pipeline's writer with the writes of other requests (group
commit). The event loop never blocks on the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from chat_domain.batches import Pipeline
from chat_domain.errors import Unavailable
from chat_domain.model import Chat, Sent, User
from chat_domain.service import Chats
from entrypoints.http.answers import Headers, answer, answer_in_chunks, read_body
from entrypoints.http.body import parse_request
from entrypoints.http.methods import REPLAYED, Method
from entrypoints.http.serialize import JsonArray, dumps
from entrypoints.http.threads import Threads

JSON = "application/json"
Endpoint = Callable[[Request], Awaitable[Response]]  # the operator ones, seldom called
R = TypeVar("R")


class ReadEndpoint:
    """A method that reads (a list, a look-up): parsed, run and encoded on a thread."""

    def __init__(self, method: Method, chats: Chats, max_body_bytes: int, threads: Threads):
        self.method = method
        self.chats = chats
        self.limit = max_body_bytes
        self.threads = threads
        # Only where the store has awaited pages (not SQLite's) is the body parsed here.
        self.awaited = method.awaited if chats.awaits_pages else None

    def _handle(self, raw: bytes) -> bytes | Iterator[bytes]:
        result = self.method.run(self.chats, parse_request(raw, self.method))
        if isinstance(result, JsonArray):
            return result.chunks() if result.streams else result.whole()
        assert isinstance(result, bytes), result  # a read answers a list or one document
        return result

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = await read_body(scope, receive, self.limit)
        awaited = self.awaited
        if awaited is not None and len(raw) <= PARSED_ON_LOOP:
            # A page the store can read without a thread is answered here, as
            # the database answers it; any other read goes to a thread.
            page = await awaited(self.chats, parse_request(raw, self.method))
            if page is not None:
                await answer(send, self.method.status, page.whole())
                return
        body = await self.threads.run(self._handle, raw)
        if isinstance(body, bytes):
            await answer(send, self.method.status, body)
        else:
            await answer_in_chunks(receive, send, self.method.status, self.threads.iterate(body))


PARSED_ON_LOOP = 64 * 1024
"""Bodies up to this size are parsed on the event loop: a write's body (a send is at
most about 17 KB of text and ids) parses faster than a hand-off to a thread takes;
a chat with thousands of members goes to a thread."""

Created = Callable[[R], tuple[str, Headers]]


class BatchedEndpoint(Generic[R]):
    """A method that prepares what it writes and hands it to a pipeline, which
    stores it with the writes of other requests; the request waits on the event
    loop, holding no thread and no connection. ``created`` tells the new id
    and any headers from what was stored."""

    def __init__(
        self,
        method: Method,
        chats: Chats,
        max_body_bytes: int,
        threads: Threads,
        *,
        pipeline: Pipeline[Any, R],
        created: Created[R],
    ) -> None:
        self.method = method
        self.chats = chats
        self.limit = max_body_bytes
        self.threads = threads
        self.pipeline = pipeline
        self.created = created

    def _prepare(self, raw: bytes) -> object:
        return self.method.run(self.chats, parse_request(raw, self.method))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = await read_body(scope, receive, self.limit)
        small = len(raw) <= PARSED_ON_LOOP
        item = self._prepare(raw) if small else await self.threads.run(self._prepare, raw)
        new_id, headers = self.created(await self.pipeline.send(item))
        await answer(send, self.method.status, dumps({"id": new_id}), headers)


_REPLAYED = ((REPLAYED.lower().encode(), b"true"),)


def sent_message(sent: Sent) -> tuple[str, Headers]:
    """A send's answer: the message's id, and whether it replayed an earlier send."""
    return sent.message.id, _REPLAYED if sent.replayed else ()


def new_entity(entity: User | Chat) -> tuple[str, Headers]:
    return entity.id, ()


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
