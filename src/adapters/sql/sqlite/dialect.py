"""SQLite: a unit of work holds this process's turn, a write holds the file's write lock.

A unit of work takes the turn (``writer``) with its first statement and
gives it back when it ends; its reads run in a deferred transaction. The
first write ends that read transaction (what it read, that users, chats and
memberships exist, never changes once written, so the answers still hold),
takes the turn again for the write, and begins ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.engine import URL

from adapters.sql.dialect import Dialect
from adapters.sql.sqlite.engine import BUSY_TIMEOUT_MS, WRITE_TRANSACTION, sqlite_engine
from adapters.sql.sqlite.writer import Turn


class SqliteDialect(Dialect):
    alters_by_copy = True

    def __init__(self, url: URL) -> None:
        self.engine = sqlite_engine(url.set(drivername="sqlite+pysqlite"))
        self._turn = Turn(timeout_s=BUSY_TIMEOUT_MS / 1000)

    def connect(self) -> Connection:
        self._turn.take()
        try:
            return self.engine.connect()
        except BaseException:
            self._turn.give()
            raise

    def disconnect(self, connection: Connection) -> None:
        try:
            connection.close()
        finally:
            self._turn.give()

    def begin_writes(self, connection: Connection) -> None:
        connection.rollback()  # only reads so far: see the module's docstring
        self._turn.take()  # again: the write's own turn, given back when it ends
        connection.execution_options(**{WRITE_TRANSACTION: True})

    def end(self, connection: Connection, *, commit: bool, writing: bool) -> None:
        try:
            if commit:
                connection.commit()
            else:
                connection.rollback()
        finally:
            if writing:
                self._turn.give()

    @contextmanager
    def migrating(self) -> Iterator[Connection]:
        # BEGIN IMMEDIATE: migrations from several processes queue on the write lock.
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_TRANSACTION: True})
            with connection.begin():
                yield connection
