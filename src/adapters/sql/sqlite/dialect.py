"""SQLite: units of work take turns in this process, a write holds the file's write lock.

A unit of work takes the readers' turn (``writer.Turn``) with its first
statement and gives it back when it ends; its reads run in a deferred
transaction. The first write ends that read transaction (what it read, that
users, chats and memberships exist, never changes once written, so the
answers still hold), trades the readers' turn for the writers' and begins
``BEGIN IMMEDIATE``; when it ends it takes the readers' turn back. So one
reader and one writer of this process run at a time, and a write waiting
for another process's lock holds up no read.
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
        self._reads = Turn(timeout_s=BUSY_TIMEOUT_MS / 1000)
        self._writes = Turn(timeout_s=BUSY_TIMEOUT_MS / 1000)

    def connect(self) -> Connection:
        self._reads.take()
        try:
            return self.engine.connect()
        except BaseException:
            self._reads.give()
            raise

    def disconnect(self, connection: Connection) -> None:
        try:
            connection.close()
        finally:
            self._reads.give()

    def begin_writes(self, connection: Connection) -> None:
        connection.rollback()  # only reads so far: see the module's docstring
        # The reads' turn is let go while this waits for the writers' turn and
        # then for the file's write lock, which another process may hold for
        # seconds: reads need not wait behind a write in WAL mode.
        self._reads.give()
        try:
            self._writes.take()
        except BaseException:
            self._reads.take(wait=True)
            raise
        connection.execution_options(**{WRITE_TRANSACTION: True})

    def end(self, connection: Connection, *, commit: bool, writing: bool) -> None:
        try:
            if commit:
                connection.commit()
            else:
                connection.rollback()
        finally:
            if writing:
                self._writes.give()
                self._reads.take(wait=True)  # the unit of work's, given back as it ends

    @contextmanager
    def migrating(self) -> Iterator[Connection]:
        # BEGIN IMMEDIATE: migrations from several processes queue on the write lock.
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_TRANSACTION: True})
            with connection.begin():
                yield connection
