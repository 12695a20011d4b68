"""Server processes on one PostgreSQL database wake each other with LISTEN and NOTIFY.

Each process keeps one connection of its own for it, outside the pool and
outside the statement deadlines, driven on the event loop (psycopg2's
asynchronous mode): waiting costs no thread. It sends ``NOTIFY`` after this
process wrote, once for any number of writes announced while it was busy,
and never inside a write's transaction (a NOTIFY there takes a lock that
every committing transaction of the database then queues for). It checks
the connection every ``PING_S``; a connection that is lost or silent is
replaced, and the hub is woken to catch up on what it may have missed.

A process alone on its database sends no NOTIFY: nobody would hear it, and
at one connection it cost a fifth of a send's rate. Each listener says hello
(a NOTIFY of its own) once it listens, so the others learn of it at once, and
counts the listeners of its database when it connects and at every check.
A process that starts while another is sending may miss a wake-up in the
milliseconds before its hello arrives; its reader's timer still reads those
messages within seconds, and none is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extensions

from chat_domain.ports import Wakeups

CHANNEL = "chat_events"
APPLICATION = "chat-server-listen"
# The other processes listening on this database (this one is counted too).
_PEERS = (
    "SELECT count(*) - 1 FROM pg_stat_activity"
    f" WHERE application_name = '{APPLICATION}' AND datname = current_database()"
)
PING_S = 10.0
"""Silence after which the connection is checked with a round trip."""
ANSWER_S = 5.0
"""How long the server may take to answer on it before it counts as lost."""
RECONNECT_S = (0.2, 5.0)
"""The first wait before connecting again, and the longest."""

log = logging.getLogger("chat.events")


class PostgresWakeups(Wakeups):
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._announce = asyncio.Event()
        self.connections = 0  # made so far, for the tests
        self.peers = 0  # other processes listening on this database, as last seen

    def announce(self) -> None:
        self._announce.set()

    async def run(self, wake: Callable[[], None]) -> None:
        pause = RECONNECT_S[0]
        while True:
            connection: Any = None
            try:
                connection = psycopg2.connect(
                    self._dsn,
                    async_=1,
                    application_name=APPLICATION,
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=2,
                )
                await _answer(connection)
                await _run(connection, f"LISTEN {CHANNEL}")
                await _run(connection, f"NOTIFY {CHANNEL}, 'hello'")
                self.peers = await _peers(connection)
                self.connections += 1
                pause = RECONNECT_S[0]
                wake()  # whatever was written while this process was not listening
                await self._listen(connection, wake)
            except (psycopg2.Error, OSError, TimeoutError) as error:
                log.warning("the stream's wake-up connection was lost (%s); reconnecting", error)
            finally:
                if connection is not None:
                    connection.close()
            await asyncio.sleep(pause)
            pause = min(pause * 2, RECONNECT_S[1])

    async def _listen(self, connection: Any, wake: Callable[[], None]) -> None:
        own = connection.get_backend_pid()
        loop = asyncio.get_running_loop()
        while True:
            readable = loop.create_future()
            loop.add_reader(connection.fileno(), _set, readable)
            announced = asyncio.ensure_future(self._announce.wait())
            try:
                await asyncio.wait(
                    [readable, announced], timeout=PING_S, return_when="FIRST_COMPLETED"
                )
            finally:
                loop.remove_reader(connection.fileno())
                announced.cancel()
            quiet = not readable.done() and not self._announce.is_set()
            connection.poll()  # takes in what arrived; raises once the connection is gone
            if self._announce.is_set():
                self._announce.clear()
                if self.peers:
                    await _run(connection, f"NOTIFY {CHANNEL}")
            elif quiet:
                self.peers = await _peers(connection)  # the check, and a recount
            if any(notify.pid != own for notify in connection.notifies):
                self.peers = max(self.peers, 1)
                wake()
            connection.notifies.clear()


def _set(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _run(connection: Any, statement: str) -> Any:
    """Run ``statement``; its first row, if it returns rows."""
    cursor = connection.cursor()  # kept until answered: psycopg2 needs it meanwhile
    cursor.execute(statement)
    await _answer(connection)
    row = cursor.fetchone() if cursor.description is not None else None
    cursor.close()
    return row


async def _peers(connection: Any) -> int:
    (count,) = await _run(connection, _PEERS)
    return int(count)


async def _answer(connection: Any) -> None:
    """Wait, on the event loop, until the connection has done what it was asked."""
    async with asyncio.timeout(ANSWER_S):
        loop = asyncio.get_running_loop()
        fd = connection.fileno()
        while (state := connection.poll()) != psycopg2.extensions.POLL_OK:
            ready = loop.create_future()
            if state == psycopg2.extensions.POLL_READ:
                loop.add_reader(fd, _set, ready)
                try:
                    await ready
                finally:
                    loop.remove_reader(fd)
            else:
                loop.add_writer(fd, _set, ready)
                try:
                    await ready
                finally:
                    loop.remove_writer(fd)
