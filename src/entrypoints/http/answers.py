"""Reading a request's body and sending an answer, straight over ASGI.

The API methods take no Starlette ``Request`` and build no ``Response``:
each request's body is read from ``receive`` and its answer written with
``send`` (a head and one body, or a head and a chunk per page), which is all
those objects would do here, without what they cost per request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Sequence

from starlette.types import Receive, Scope, Send

from entrypoints.http.problems import BodyTooLarge, InvalidJson

JSON = (b"content-type", b"application/json")
Headers = Sequence[tuple[bytes, bytes]]


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body; ``BodyTooLarge`` as soon as it is known to pass ``limit``
    (from its Content-Length, or counting the chunks as they come)."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InvalidJson("the client went away before the body ended")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def answer(send: Send, status: int, body: bytes, headers: Headers = ()) -> None:
    """A JSON answer with its Content-Length."""
    length = (b"content-length", str(len(body)).encode())
    await send(
        {"type": "http.response.start", "status": status, "headers": [JSON, length, *headers]}
    )
    await send({"type": "http.response.body", "body": body})


async def answer_in_chunks(
    receive: Receive, send: Send, status: int, chunks: AsyncGenerator[bytes, None]
) -> None:
    """A JSON answer of unknown length, a chunk at a time: each chunk is made only
    once the one before has been sent, and none once the client has left."""
    left = asyncio.ensure_future(_client_left(receive))
    try:
        await send({"type": "http.response.start", "status": status, "headers": [JSON]})
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                if left.done():
                    return  # nobody is left to read the rest
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        left.cancel()


async def _client_left(receive: Receive) -> None:
    # The body has been read: what comes next is the client leaving.
    while (await receive())["type"] != "http.disconnect":
        pass
