"""The SQL unit of work: one connection, and at most one write transaction, per use case.

Writes are staged (``stage``) and applied when the unit of work commits, or
before its next read so that it reads what it wrote; leaving the ``with``
block rolls back whatever was not committed, so a use case commits whole or
leaves nothing. A lost or unreachable database surfaces as the domain's
``Unavailable``. How a transaction begins and ends is the dialect's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Connection

from adapters.sql.dialect import Dialect
from adapters.sql.errors import outages_as_unavailable
from adapters.sql.events import SqlEventLog
from adapters.sql.repositories import (
    SqlChatRepository,
    SqlMessageRepository,
    SqlUserRepository,
)
from adapters.sql.sends import Send
from adapters.sql.views import SqlListViews
from adapters.sql.writes import NewChats, Sends, Write
from chat_domain.model import Chat
from chat_domain.ports import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._connection: Connection | None = None
        self._staged: list[Write] = []
        self._writing = False  # a write transaction is open
        self.users = SqlUserRepository(self)
        self.chats = SqlChatRepository(self)
        self.messages = SqlMessageRepository(self)
        self.events = SqlEventLog(self)
        self.views = SqlListViews(self)

    def stage(self, write: Write | Send) -> None:
        # Sends, or new chats, staged one after another are applied together: one batch.
        last = self._staged[-1] if self._staged else None
        if isinstance(write, Send):
            if isinstance(last, Sends):
                last.sends.append(write)
                return
            write = Sends([write])
        elif isinstance(write, Chat) and isinstance(last, Chat | NewChats):
            if isinstance(last, Chat):
                last = self._staged[-1] = NewChats([last])
            last.chats.append(write)
            return
        self._staged.append(write)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """The connection to read on, with every staged write applied first."""
        with outages_as_unavailable():
            self._flush()
            yield self._connected()

    def _connected(self) -> Connection:
        if self._connection is None:
            self._connection = self.dialect.connect()
        return self._connection

    def _flush(self) -> None:
        staged, self._staged = self._staged, []
        for write in staged:
            connection = self._connected()
            begins = not self._writing
            if begins:
                self.dialect.begin_writes(connection)
                self._writing = True
            self.dialect.write(connection, write, begins=begins)

    def commit(self) -> None:
        try:
            with outages_as_unavailable():
                alone = len(self._staged) == 1 and not self._writing
                if alone and self.dialect.write_alone(self._connected(), self._staged[0]):
                    return
                self._flush()
        finally:
            self._staged.clear()
        self._end(commit=True)

    def rollback(self) -> None:
        self._staged.clear()
        self._end(commit=False)

    def _end(self, *, commit: bool) -> None:
        connection, writing = self._connection, self._writing
        self._writing = False
        if connection is not None:
            with outages_as_unavailable():
                self.dialect.end(connection, commit=commit, writing=writing)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            connection, self._connection = self._connection, None
            if connection is not None:
                try:
                    if exc is not None:
                        self.dialect.forget(connection, exc)
                finally:
                    self.dialect.disconnect(connection)
