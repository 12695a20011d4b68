"""PostgreSQL: reads outside any transaction, writes in one statement where they can.

Connections are in autocommit. A unit of work reads outside any transaction
(each statement is atomic and, under READ COMMITTED, sees what it would see
inside one). Its only write runs alone, atomic and durable by itself; with
more, ``BEGIN`` travels in the first write's round trip and ``COMMIT`` or
``ROLLBACK`` ends them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy.engine import URL

from adapters.sql.dialect import Dialect
from adapters.sql.errors import outages_as_unavailable
from adapters.sql.postgres import new_chats, reads, turns, views, writes
from adapters.sql.postgres.deadline import without_deadlines
from adapters.sql.postgres.engine import postgres_engine
from adapters.sql.postgres.listen import PostgresWakeups
from adapters.sql.postgres.loop import LoopPool
from adapters.sql.writes import NewChats, Write
from chat_domain.errors import Unavailable
from chat_domain.model import Chat, ChatKey
from chat_domain.ports import Wakeups
from chat_domain.views import PageViews

_MIGRATION_LOCK = 0x63686174  # "chat": the advisory lock key held while migrating


class PostgresDialect(Dialect):
    views = views

    def __init__(self, url: URL) -> None:
        self.engine = postgres_engine(url.set(drivername="postgresql+psycopg2"))
        self._loop_pool = LoopPool(self.engine.url)
        self._pages = views.LoopPageViews(self._loop_pool)

    def begin_writes(self, connection: Connection) -> None:
        pass  # BEGIN goes in front of the first write (``write``'s ``begins``)

    def write(self, connection: Connection, write: Write, *, begins: bool) -> None:
        writes.apply(connection, write, begin=begins)

    def stream_tx(self, connection: Connection) -> ColumnElement[int]:
        return turns.TX

    def stream_horizon(self, connection: Connection) -> int:
        return int(connection.execute(turns.HORIZON).scalar_one())

    def page_views(self) -> PageViews:
        return self._pages

    def connections_in_use(self) -> int:
        return super().connections_in_use() + self._loop_pool.in_use

    def dispose(self) -> None:
        self._loop_pool.close()
        super().dispose()

    def wakeups(self) -> Wakeups:
        url = self.engine.url.set(drivername="postgresql")
        return PostgresWakeups(url.render_as_string(hide_password=False))

    def write_alone(self, connection: Connection, write: Write) -> bool:
        if isinstance(write, NewChats):
            # All in one statement, or (a chat refused) none, and then one after another.
            return new_chats.create_all(connection, write.chats)
        writes.apply(connection, write, begin=False)
        return True

    def end(self, connection: Connection, *, commit: bool, writing: bool) -> None:
        if not writing:
            return  # nothing is open on an autocommit connection
        try:
            with outages_as_unavailable():
                connection.exec_driver_sql("COMMIT" if commit else "ROLLBACK")
        except BaseException as error:
            # The transaction's fate is unknown: never let the pool reuse it.
            connection.invalidate()
            # A lost connection's transaction is rolled back by the server: a
            # ROLLBACK that cannot reach it has nothing left to do, and must
            # not hide the error that led to it.
            if not commit and isinstance(error, Unavailable):
                return
            raise

    def list_chats(
        self, connection: Connection, user_id: str, after: ChatKey | None, limit: int | None
    ) -> list[Chat]:
        return reads.list_chats(connection, user_id, after, limit)

    @contextmanager
    def migrating(self) -> Iterator[Connection]:
        # A migration may rebuild a large table or wait for another's lock.
        with without_deadlines(), self.engine.connect() as connection:
            connection.execution_options(isolation_level="READ COMMITTED")
            with connection.begin():
                # Migrations from several processes queue here, each finding
                # the work done by the one before it.
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
                yield connection
