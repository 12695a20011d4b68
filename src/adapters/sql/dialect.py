"""What the two databases do differently, behind one object chosen when a database opens.

The unit of work, the repositories and the migrations are written once
against ``Dialect``; ``postgres`` and ``sqlite`` each subclass it with their
engine, their transactions and any statement they run their own way. The
defaults here are the portable ones.
"""

from __future__ import annotations

import abc
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import ColumnElement, Connection, Engine, QueuePool

from adapters.sql import queries, writes
from adapters.sql.writes import Write
from chat_domain.model import Chat, ChatKey
from chat_domain.pages import Window
from chat_domain.ports import Wakeups
from chat_domain.views import PageViews

POOL_SIZE = 20
"""Connections each server process keeps: as many as its thread pool uses at once.

There is no overflow beyond it: an overflow connection is closed when it is
returned, so under load every request past the pool would connect anew.
Requests past the pool wait for a connection instead, within its timeout.
"""


class ViewStatements(Protocol):
    """The read views' statements, which write each listed row's document in SQL."""

    def chat_documents(
        self, connection: Connection, user_id: str, after: ChatKey | None, limit: int | None
    ) -> list[str]:
        """``queries.list_chats``, each chat as its JSON document."""
        ...

    def message_documents(self, connection: Connection, chat_id: str, window: Window) -> list[str]:
        """``queries.list_messages``, each message as its JSON document."""
        ...


class Dialect(abc.ABC):
    engine: Engine
    views: ViewStatements  # the dialect's ``views`` module

    alters_by_copy: bool = False
    """Whether migrations must rebuild a table to alter it (Alembic's batch mode)."""

    def connect(self) -> Connection:
        """A connection for one unit of work; nothing is begun on it yet."""
        return self.engine.connect()

    def disconnect(self, connection: Connection) -> None:
        """Give back the connection of a unit of work that has ended."""
        connection.close()

    def forget(self, connection: Connection, error: BaseException) -> None:
        """After a unit of work failed with ``error``, drop what must not be reused
        (before ``disconnect``). Lost connections are already dropped by the pool."""
        return

    @abc.abstractmethod
    def begin_writes(self, connection: Connection) -> None:
        """Make the next statement open the unit of work's write transaction."""

    def write(self, connection: Connection, write: Write, *, begins: bool) -> None:
        """Apply one staged write in the write transaction; ``begins`` if it is the
        transaction's first statement. Refused writes raise the domain's error."""
        writes.apply(connection, write, lambda: self.stream_tx(connection))

    @abc.abstractmethod
    def stream_tx(self, connection: Connection) -> ColumnElement[int]:
        """The live stream's place of the open write transaction (``stream_tx``),
        as SQL: larger for any transaction that could commit after it."""

    @abc.abstractmethod
    def stream_horizon(self, connection: Connection) -> int:
        """A place below which every write transaction has ended: the stream may
        hand out everything under it, and nothing under it can still appear."""

    def write_alone(self, connection: Connection, write: Write) -> bool:
        """Apply a unit of work's only write, atomic and durable by itself, when this
        database can do so without a transaction; whether it did."""
        return False

    @abc.abstractmethod
    def end(self, connection: Connection, *, commit: bool, writing: bool) -> None:
        """Commit or roll back what the unit of work has open (``writing``: a write
        transaction). A failed commit keeps none of it."""

    def list_chats(
        self, connection: Connection, user_id: str, after: ChatKey | None, limit: int | None
    ) -> list[Chat]:
        return queries.list_chats(connection, user_id, after, limit)

    def wakeups(self) -> Wakeups | None:
        """How the server processes on this database tell each other they wrote."""
        return None

    def page_views(self) -> PageViews | None:
        """The lists' pages awaited without a thread, where the driver can (``PageViews``)."""
        return None

    def exists(self) -> bool:
        """Whether the database is there to connect to (a file may be missing)."""
        return True

    @abc.abstractmethod
    def migrating(self) -> AbstractContextManager[Connection]:
        """A connection in a transaction that holds the database's migration lock."""

    def connections_in_use(self) -> int:
        pool = self.engine.pool
        return pool.checkedout() if isinstance(pool, QueuePool) else 0

    def dispose(self) -> None:
        self.engine.dispose()
