"""SQLite: a unit of work reads in the readers' turn, and writes in the writers' turn
holding the file's write lock.

A unit of work takes the readers' turn (``writer``) with its first
statement; its reads run in a deferred transaction. The first write ends
that read transaction (what it read, that users, chats and memberships
exist, never changes once written, so the answers still hold), gives the
readers' turn back, takes the writers' turn and begins ``BEGIN IMMEDIATE``,
which may wait for another process's write. The identity of the file a
connection opened is kept in its ``info`` (``files``), and checked before
every unit of work and after every commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, event, func, literal, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from adapters.sql.dialect import Dialect
from adapters.sql.sqlite import views
from adapters.sql.sqlite.changes import DataVersionWatch
from adapters.sql.sqlite.engine import BUSY_TIMEOUT_MS, WRITE_TRANSACTION, sqlite_engine
from adapters.sql.sqlite.files import DatabaseFiles
from adapters.sql.sqlite.writer import Turn
from adapters.sql.tables import chats, messages
from chat_domain.errors import Unavailable
from chat_domain.ports import Wakeups

_READS = "reads"
_WRITES = "writes"
_FILE = "chat_file"

# SQLite's errors that mean a connection can no longer use its file as it
# should (opened read-only, the file gone or damaged): it is not reused.
_BROKEN = ("SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_CORRUPT", "SQLITE_NOTADB")


_NEWEST_PLACE = select(
    func.max(
        select(func.coalesce(func.max(messages.c.stream_tx), 0)).scalar_subquery(),
        select(func.coalesce(func.max(chats.c.stream_tx), 0)).scalar_subquery(),
    )
)


def _newest_place(connection: Connection) -> int:
    return int(connection.execute(_NEWEST_PLACE).scalar_one())


class SqliteDialect(Dialect):
    alters_by_copy = True
    views = views

    def __init__(self, url: URL) -> None:
        self.engine = sqlite_engine(url.set(drivername="sqlite+pysqlite"))
        self.files = DatabaseFiles(Path(url.database or "").expanduser())
        self._reads = Turn(timeout_s=BUSY_TIMEOUT_MS / 1000)
        self._writes = Turn(timeout_s=BUSY_TIMEOUT_MS / 1000)
        self._held: dict[int, str] = {}  # the turn each connection's unit of work holds
        event.listen(self.engine, "connect", self._opened)

    def _opened(self, _dbapi_connection: Any, record: Any) -> None:
        record.info[_FILE] = self.files.identity()

    def connect(self) -> Connection:
        self._reads.take()
        try:
            connection = self._connect_checked()
        except BaseException:
            self._reads.give()
            raise
        self._held[id(connection)] = _READS
        return connection

    def _connect_checked(self) -> Connection:
        current = self._require_files()
        connection = self.engine.connect()
        if connection.info.get(_FILE) != current:
            # The path names another file than the pool's connections opened
            # (restored from a backup, say): start over on the one there now.
            connection.invalidate()
            connection.close()
            self.engine.dispose()
            connection = self.engine.connect()
        return connection

    def _require_files(self) -> tuple[int, int]:
        current = self.files.identity()
        if current is None:
            self.engine.dispose()  # their file is gone: closing them writes nothing
            raise Unavailable("the database file is missing; try again shortly")
        # The pooled connections are kept: closing the last connection to an
        # unwritable file would checkpoint it, which is as fatal as a write.
        self.files.require_writable()
        return current

    def disconnect(self, connection: Connection) -> None:
        held = self._held.pop(id(connection), None)
        try:
            connection.close()
        finally:
            if held == _READS:
                self._reads.give()

    def forget(self, connection: Connection, error: BaseException) -> None:
        cause = error.__cause__
        if not isinstance(cause, DBAPIError):
            return
        if not getattr(cause.orig, "sqlite_errorname", "").startswith(_BROKEN):
            return
        if self.files.identity() == connection.info.get(_FILE):
            try:
                self.files.require_writable()  # see _require_files
            except Unavailable:
                return
        connection.invalidate()
        self.engine.dispose()

    def begin_writes(self, connection: Connection) -> None:
        connection.rollback()  # only reads so far: see the module's docstring
        if self._held.pop(id(connection), None) == _READS:
            self._reads.give()
        self._writes.take()  # given back when the write transaction ends
        try:
            self._require_files()
        except Unavailable:
            self._writes.give()
            raise
        self._held[id(connection)] = _WRITES
        connection.execution_options(**{WRITE_TRANSACTION: True})

    def end(self, connection: Connection, *, commit: bool, writing: bool) -> None:
        held = self._held.pop(id(connection), None) if writing else None
        try:
            if commit:
                connection.commit()
                if writing and connection.info.get(_FILE) != self.files.identity():
                    # Committed to a file that is no longer at the path, so
                    # no later start would find the write: do not acknowledge it.
                    connection.invalidate()
                    self.engine.dispose()
                    raise Unavailable("the database file was removed or replaced")
            else:
                connection.rollback()
        finally:
            if held == _WRITES:
                self._writes.give()

    def stream_tx(self, connection: Connection) -> ColumnElement[int]:
        # One writer at a time holds the file: one past the newest place is
        # larger than that of every transaction that committed before.
        return literal(_newest_place(connection) + 1, BigInteger)

    def stream_horizon(self, connection: Connection) -> int:
        # Whatever another writer has open commits after this read, at a larger place.
        return _newest_place(connection) + 1

    def wakeups(self) -> Wakeups:
        return DataVersionWatch(self.files)

    def exists(self) -> bool:
        return self.files.identity() is not None

    @contextmanager
    def migrating(self) -> Iterator[Connection]:
        if self.exists():  # else a new file is made here, writable
            self._require_files()
        # BEGIN IMMEDIATE: migrations from several processes queue on the write lock.
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_TRANSACTION: True})
            with connection.begin():
                yield connection
