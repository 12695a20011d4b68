"""The least work a server could do: three hand-written Starlette apps.

The product's methods are reported as ratios to these, measured in the same
run, on the same machine, under the same uvicorn settings and worker count:

- ``http_app``: answers a constant JSON body to any POST (the HTTP ceiling);
- ``write_app``: one raw psycopg2 INSERT of the posted message per request
  (the single-write ceiling);
- ``read_app``: the raw psycopg2 SELECT of ``/messages/get`` and
  ``/chats/get``, serialised with the stdlib ``json`` (the read ceilings).

Like the product, they parse the body on the event loop and run the
blocking database call in Starlette's thread pool, on a pool of connections
sized like the product's. They validate nothing: they are ceilings, not
alternatives. Served as uvicorn factories: ``bench.baselines:write_app``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any

from psycopg2.extensions import connection
from psycopg2.pool import ThreadedConnectionPool
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench import schema

_JSON = "application/json"


class BlockingPool:
    """A psycopg2 pool that waits for a free connection, as SQLAlchemy's QueuePool
    does, instead of raising when all are out, and opens connections as needed.

    It keeps every connection it opens, like the product's pool: psycopg2
    closes a returned connection when it already holds ``minconn`` idle
    ones, so ``minconn`` is raised to the size once the (empty) pool exists.
    """

    def __init__(self, dsn: str, size: int) -> None:
        self._pool = ThreadedConnectionPool(0, size, dsn, options="-c timezone=UTC")
        self._pool.minconn = size
        self._free = threading.BoundedSemaphore(size)

    @contextlib.contextmanager
    def connection(self) -> Iterator[connection]:
        with self._free:
            conn = self._pool.getconn()
            try:
                conn.autocommit = True
                yield conn
            finally:
                self._pool.putconn(conn)

    def close(self) -> None:
        self._pool.closeall()


def _live(request: Request) -> Response:
    return Response(b'{"status":"live"}', media_type=_JSON)


@contextlib.asynccontextmanager
async def _with_pool(app: Starlette) -> AsyncIterator[None]:
    pool = BlockingPool(os.environ["BENCH_DSN"], int(os.environ["BENCH_POOL_SIZE"]))
    app.state.pool = pool
    try:
        yield
    finally:
        pool.close()


def _app(routes: list[Route], *, database: bool) -> Starlette:
    health = Route("/health/live", _live, methods=["GET"])
    return Starlette(routes=[health, *routes], lifespan=_with_pool if database else None)


async def _body(request: Request) -> dict[str, Any]:
    data = json.loads(await request.body())
    if not isinstance(data, dict):
        raise TypeError("the bench only posts JSON objects")
    return data


def http_app() -> Starlette:
    async def constant(request: Request) -> Response:
        await request.body()
        return Response(b'{"id":"01936b2e-0000-7000-8000-000000000000"}', 201, media_type=_JSON)

    return _app([Route("/{method:path}", constant, methods=["POST"])], database=False)


def _insert(pool: BlockingPool, chat: str, author: str, text: str) -> str:
    message_id = str(uuid.uuid4())
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute(schema.INSERT_MESSAGE, (message_id, chat, author, text))
    return message_id


async def _add_message(request: Request) -> Response:
    data = await _body(request)
    pool = request.app.state.pool
    message_id = await run_in_threadpool(_insert, pool, data["chat"], data["author"], data["text"])
    return Response(json.dumps({"id": message_id}), 201, media_type=_JSON)


def write_app() -> Starlette:
    return _app([Route("/messages/add", _add_message, methods=["POST"])], database=True)


def _time(value: datetime) -> str:
    # The session's time zone is UTC, so the offset is always +00:00.
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _message(row: tuple[str, str, str, str, datetime]) -> dict[str, Any]:
    return {
        "id": row[0],
        "chat": row[1],
        "author": row[2],
        "text": row[3],
        "created_at": _time(row[4]),
    }


def _chat(row: tuple[str, str, datetime, datetime | None, list[str]]) -> dict[str, Any]:
    last = row[3]
    return {
        "id": row[0],
        "name": row[1],
        "users": row[4],
        "created_at": _time(row[2]),
        "last_message_at": None if last is None else _time(last),
    }


def _select(
    pool: BlockingPool, sql: str, key: str, shape: Callable[[Any], dict[str, Any]]
) -> bytes:
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute(sql, (key,))
        rows = cur.fetchall()
    return json.dumps([shape(row) for row in rows]).encode()


def _reader(path: str, field: str, sql: str, shape: Callable[[Any], dict[str, Any]]) -> Route:
    async def read(request: Request) -> Response:
        key = (await _body(request))[field]
        body = await run_in_threadpool(_select, request.app.state.pool, sql, key, shape)
        return Response(body, media_type=_JSON)

    return Route(path, read, methods=["POST"])


def read_app() -> Starlette:
    routes = [
        _reader("/messages/get", "chat", schema.SELECT_MESSAGES, _message),
        _reader("/chats/get", "user", schema.SELECT_CHATS, _chat),
    ]
    return _app(routes, database=True)
