"""The pages' PostgreSQL connections on the event loop (``postgres.loop``): bounded,
queued in turn, refused after the pool's wait, and replaced when lost."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg2
import pytest
from sqlalchemy import Float, bindparam, func, literal, select
from sqlalchemy.engine import URL, make_url

from adapters.sql.postgres import loop
from adapters.sql.postgres.loop import LoopPool
from adapters.sql.postgres.prepared import PreparedStatement
from chat_domain.errors import Unavailable

pytestmark = pytest.mark.postgres

SLEEP = PreparedStatement("loop_test_sleep", select(func.pg_sleep(bindparam("s", type_=Float))))
ANSWER = PreparedStatement("loop_test_answer", select(literal(42)))


@pytest.fixture
def url(postgresql_database_url: str) -> URL:
    return make_url(postgresql_database_url).set(drivername="postgresql+psycopg2")


@pytest.fixture
def pool(url: URL) -> Iterator[LoopPool]:
    pool = LoopPool(url, size=1)
    yield pool
    pool.close()


def _backends(url: URL) -> int:
    """The pool's connections the server sees (its application name)."""
    conn = psycopg2.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = 'chat-server' AND datname = %s",
                (url.database,),
            )
            (count,) = cur.fetchone() or (0,)
            return int(count)
    finally:
        conn.close()


def _terminate(url: URL) -> None:
    conn = psycopg2.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'chat-server' AND datname = %s",
                (url.database,),
            )
    finally:
        conn.close()


def test_pages_beyond_the_pool_wait_their_turn_on_its_connections(pool: LoopPool, url: URL) -> None:
    others = _backends(url)  # the test database\'s own engine

    async def many() -> list[list[tuple[object, ...]]]:
        return await asyncio.gather(*(pool.fetch(ANSWER, {}) for _ in range(20)))

    assert asyncio.run(many()) == [[(42,)]] * 20
    assert _backends(url) == others + 1
    assert pool.in_use == 0


def test_a_page_that_waits_longer_than_the_pool_allows_is_refused_as_unavailable(
    pool: LoopPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loop, "POOL_TIMEOUT_S", 0.05)

    async def crowded() -> list[object]:
        slow = asyncio.ensure_future(pool.fetch(SLEEP, {"s": 0.4}))
        await asyncio.sleep(0.01)
        waiting = await asyncio.gather(pool.fetch(ANSWER, {}), return_exceptions=True)
        return [await slow, *waiting]

    _, refused = asyncio.run(crowded())
    assert isinstance(refused, Unavailable)
    assert "too busy" in refused.detail
    # The connection was kept, and the next page has it.
    assert asyncio.run(pool.fetch(ANSWER, {})) == [(42,)]


def test_a_connection_the_server_closed_is_replaced_and_the_page_read_on_a_new_one(
    pool: LoopPool, url: URL
) -> None:
    assert asyncio.run(pool.fetch(ANSWER, {})) == [(42,)]
    _terminate(url)  # the pool's connection, and the test database engine's
    assert asyncio.run(pool.fetch(ANSWER, {})) == [(42,)]
    assert pool.in_use == 0


def test_a_page_cancelled_mid_statement_gives_its_place_back(pool: LoopPool, url: URL) -> None:
    async def cancelled() -> None:
        slow = asyncio.ensure_future(pool.fetch(SLEEP, {"s": 5}))
        await asyncio.sleep(0.1)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow

    asyncio.run(cancelled())
    # Its connection, in the middle of a statement, was closed rather than reused.
    assert pool.in_use == 0
    assert asyncio.run(pool.fetch(ANSWER, {})) == [(42,)]


def test_an_unreachable_database_is_reported_as_unavailable(url: URL) -> None:
    nowhere = LoopPool(url.set(port=1), size=1)
    with pytest.raises(Unavailable, match="cannot be reached"):
        asyncio.run(nowhere.fetch(ANSWER, {}))
    assert nowhere.in_use == 0
