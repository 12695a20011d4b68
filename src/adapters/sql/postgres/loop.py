"""PostgreSQL on the event loop: psycopg2 connections in asynchronous mode.

A page of a list is one prepared statement. Sent from a thread, it cost more
in the hand-offs around it (to the thread, back to the loop, the GIL between
them) than the database spends answering it. Here it is sent and waited for
on the event loop itself: libpq's socket is watched by the loop
(``add_reader``), and the request holds a task, not a thread.

The pool is small and bounded like the engine's, connects on first use, and
keeps the engine's limits: the deadlines of ``deadline`` on connecting and on
the database's silence, and a refused checkout after ``POOL_TIMEOUT_S``. A
read is safe to send twice: an idle connection found lost (a restarted
server) is replaced and the read sent again. Any error or cancellation
mid-statement discards the connection: its state is unknown.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Mapping
from typing import Any

import psycopg2
import psycopg2.extensions as pg
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.engine import URL

from adapters.sql.postgres.deadline import CONNECT_DEADLINE_S, ROUND_TRIP_DEADLINE_S
from adapters.sql.postgres.engine import POOL_TIMEOUT_S
from adapters.sql.postgres.prepared import PreparedStatement, Row
from chat_domain.errors import Unavailable

LOOP_POOL_SIZE = 8
"""Connections a server process keeps for the awaited pages. A page holds one for
a round trip only: at 32 concurrent pages, 8 answered as many as 16 with half
the p99 (6.6 vs 12.4 ms), and 4 a tenth fewer (docs/performance.md)."""

_LOST = "the database cannot be reached; try again shortly"
_BUSY = "the database is too busy to answer; try again shortly"


class _Connection:
    """An open connection, its socket watched by one event loop while it is open.

    Watching it anew for each round trip (``_wait``) cost two ``epoll_ctl``
    calls a page, a tenth of the server's time on one (docs/performance.md).
    """

    def __init__(self, raw: pg.connection) -> None:
        self.raw = raw
        self.prepared: set[str] = set()
        self.used = False  # has answered a statement: lost since, if it fails now
        self._fd = raw.fileno()  # kept: libpq forgets it when the connection is lost
        self._loop: asyncio.AbstractEventLoop | None = None
        self._answer: asyncio.Future[bool] | None = None

    async def round_trip(self, limit: float) -> None:
        """``_wait``, on the socket this connection's loop watches."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._unwatch()
            loop.add_reader(self._fd, self._readable)
            self._loop = loop
        while (state := self.raw.poll()) != pg.POLL_OK:
            if state != pg.POLL_READ:  # a statement larger than the socket's buffer
                await _wait(self.raw, limit)
                return
            self._answer = answer = loop.create_future()
            silence = loop.call_later(limit, _settle, answer, False)
            try:
                answered = await answer
            finally:
                silence.cancel()
                self._answer = None
            if not answered:
                raise psycopg2.OperationalError(_silent(limit))

    def _readable(self) -> None:
        if self._answer is not None:
            _settle(self._answer, True)
        else:
            # Readable while idle: the server closed it or ended its session.
            # Unwatched, so the loop does not spin; its next statement fails
            # and is sent again on a new connection.
            self._unwatch()

    def _unwatch(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(OSError, ValueError):  # libpq may have closed it
                loop.remove_reader(self._fd)

    def close(self) -> None:
        """Close it, on its loop's thread (``remove_reader`` is not thread-safe)."""
        loop = self._loop
        if loop is None or loop.is_closed() or _running_loop() is loop:
            self._unwatch()
            with contextlib.suppress(psycopg2.Error):
                self.raw.close()
        else:
            loop.call_soon_threadsafe(self.close)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _silent(limit: float) -> str:
    return f"the database did not answer within {limit} s; the connection was dropped"


async def _wait(connection: pg.connection, limit: float) -> None:
    """Poll ``connection`` until its round trip is done, waiting on the event loop;
    at most ``limit`` seconds of the database's silence at a time."""
    loop = asyncio.get_running_loop()
    while True:
        state = connection.poll()
        if state == pg.POLL_OK:
            return
        ready: asyncio.Future[bool] = loop.create_future()
        fd = connection.fileno()
        watch, unwatch = (
            (loop.add_reader, loop.remove_reader)
            if state == pg.POLL_READ
            else (loop.add_writer, loop.remove_writer)
        )
        watch(fd, _settle, ready, True)
        # A timer rather than asyncio.timeout: no task cancellation to undo.
        silence = loop.call_later(limit, _settle, ready, False)
        try:
            answered = await ready
        finally:
            silence.cancel()
            unwatch(fd)
        if not answered:
            raise psycopg2.OperationalError(_silent(limit))


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():  # the socket may be ready again before the task has run
        future.set_result(value)


class LoopPool:
    """At most ``size`` connections to the database at ``url``, used on an event loop."""

    def __init__(self, url: URL, size: int = LOOP_POOL_SIZE) -> None:
        _, kwargs = PGDialect_psycopg2().create_connect_args(url)  # type: ignore[no-untyped-call]
        self._connect_args: dict[str, Any] = {**kwargs, "application_name": "chat-server"}
        self._size = size
        self._open = 0
        self._idle: list[_Connection] = []
        self._waiting: collections.deque[asyncio.Future[_Connection | None]] = collections.deque()

    async def fetch(self, statement: PreparedStatement, params: Mapping[str, Any]) -> list[Row]:
        """``statement``'s rows (prepared on the connection at its first use there).

        A read is safe to send again: when a connection that lay idle turns out
        lost (the server restarted or ended it, its goodbye not yet arrived), it
        is sent once more, on a new connection.
        """
        values = statement.bind(params)
        connection = await self._checkout()
        try:
            return await self._fetch(connection, statement, values)
        except Unavailable:
            if connection.used:
                return await self._fetch(await self._checkout(fresh=True), statement, values)
            raise

    async def _fetch(
        self, connection: _Connection, statement: PreparedStatement, values: dict[str, Any]
    ) -> list[Row]:
        try:
            rows = await self._run(connection, statement, values)
        except BaseException as error:
            self._discard(connection)
            if isinstance(error, psycopg2.OperationalError | psycopg2.InterfaceError):
                raise Unavailable(_LOST) from error
            raise
        connection.used = True
        self._checkin(connection)
        return rows

    @property
    def in_use(self) -> int:
        return self._open - len(self._idle)

    def close(self) -> None:
        """Close the idle connections (at shutdown, once nothing is read any more)."""
        while self._idle:
            self._idle.pop().close()
            self._open -= 1

    async def _run(
        self, connection: _Connection, statement: PreparedStatement, values: dict[str, Any]
    ) -> list[Row]:
        sql = statement.execute
        if statement.name not in connection.prepared:
            # PREPARE is not transactional and outlives an error of the EXECUTE after it.
            sql = f"{statement.prepare}; {sql}"
        cursor = connection.raw.cursor()
        try:
            cursor.execute(sql, values)
            await connection.round_trip(ROUND_TRIP_DEADLINE_S)
            connection.prepared.add(statement.name)
            return list(cursor.fetchall())
        finally:
            with contextlib.suppress(psycopg2.Error):
                cursor.close()

    async def _checkout(self, *, fresh: bool = False) -> _Connection:
        if self._idle and not fresh:
            # Not checked first (a select each time): a lost one fails its
            # statement at once, and ``fetch`` sends it again on a new one.
            return self._idle.pop()
        if self._open < self._size:
            self._open += 1  # taken now, so that no other task takes it while this connects
        else:
            handed = await self._wait_for_turn()
            if handed is not None:
                return handed
        try:
            return await self._connect()
        except BaseException:
            self._free_place()
            raise

    async def _wait_for_turn(self) -> _Connection | None:
        """A connection handed on by another task, or None for a place to connect in."""
        waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            async with asyncio.timeout(POOL_TIMEOUT_S):
                return await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():  # handed on just as the wait ended
                handed = waiter.result()
                if handed is None:
                    self._free_place()
                else:
                    self._checkin(handed)
            if isinstance(error, TimeoutError):
                raise Unavailable(_BUSY) from None
            raise
        # A waiter that gave up stays in the queue, done, and is passed over (``_hand_on``).

    async def _connect(self) -> _Connection:
        try:
            raw = psycopg2.connect(**self._connect_args, async_=True)
        except psycopg2.Error as error:
            raise Unavailable(_LOST) from error
        try:
            await _wait(raw, CONNECT_DEADLINE_S)
        except BaseException as error:
            raw.close()
            if isinstance(error, psycopg2.Error):
                raise Unavailable(_LOST) from error
            raise
        return _Connection(raw)

    def _checkin(self, connection: _Connection) -> None:
        if not self._hand_on(connection):
            self._idle.append(connection)

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._free_place()

    def _free_place(self) -> None:
        """A connection's place is free: a waiting task connects in it, if any."""
        self._open -= 1
        if self._hand_on(None):
            self._open += 1

    def _hand_on(self, connection: _Connection | None) -> bool:
        """Give ``connection`` (or, with None, a place) to the longest waiting task."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return True
        return False
