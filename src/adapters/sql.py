"""The SQL unit of work: one connection, and at most one transaction, per use case.

Usage, from the composition root::

    engine = create_engine_for("sqlite:///var/chat.db")
    uow = sql_unit_of_work_factory(engine)
    with uow() as work:
        work.users.add(user)
        work.commit()

Leaving the ``with`` block rolls back whatever was not committed, so a use
case commits whole or leaves nothing. A lost or unreachable database surfaces
as the domain's ``Unavailable``; unique-key races surface from the
repositories as ``UsernameTaken`` / ``ChatNameTaken``.

On PostgreSQL a unit of work reads outside any transaction (each statement
is atomic and, under READ COMMITTED, sees the same data it would inside one)
and opens a transaction with its first write: an explicit ``BEGIN``, sent in
that write's own round trip, then ``COMMIT`` or ``ROLLBACK``. The three
write use cases are one statement each on PostgreSQL (``add_user``,
``create_chat``, ``send``), which needs no transaction around it: atomic and
durable by itself, each is one round trip after the pool's ping, as a bare
INSERT is, where it used to be four to six.

On SQLite a unit of work takes this process's turn at the database (a lock,
re-entrant for a thread that opens a second one) with its first statement
and gives it back when it ends. Reads take their turn too: Python's sqlite3
hands the GIL back and forth for every row it steps, so threads of one
process reading at once slowed each other down (the benchmark measured a
2-3x gain for reads under 32 connections from taking turns); other processes
still read beside a writer, as WAL allows. The database takes one writer at
a time, so within this process writers queue on that lock (no polling on
the file lock); the first statement
that writes (``write=True``) takes it and begins ``BEGIN IMMEDIATE``. If the
unit of work has only read until then, that read transaction is ended first:
what it read (that users, chats and memberships exist) never changes once
written, so the answers still hold inside the write transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Executable

from adapters import sql_driver
from adapters.sql_driver import DriverStatement, Row
from adapters.sql_engine import (
    BEGIN_FIRST,
    SQLITE_BUSY_TIMEOUT_MS,
    WRITE_TRANSACTION,
    create_engine_for,
    outages_as_unavailable,
)
from adapters.sql_messages import SqlMessageRepository
from adapters.sql_repositories import SqlChatRepository, SqlUserRepository
from adapters.sql_statements import Params
from chat_domain.errors import Unavailable
from chat_domain.model import Chat, Message, User
from chat_domain.ports import SenderStatus, UnitOfWork, UnitOfWorkFactory

__all__ = ["SqlUnitOfWork", "create_engine_for", "sql_unit_of_work_factory"]


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, engine: Engine, writer: threading.RLock | None) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._writer = writer  # SQLite only: this process's turn at the database
        self._writing = False
        self.dialect_name = engine.dialect.name
        self._users = SqlUserRepository(self)
        self.users = self._users
        self._chats = SqlChatRepository(self)
        self.chats = self._chats
        self._messages = SqlMessageRepository(self)
        self.messages = self._messages

    @property
    def _postgres(self) -> bool:
        return self.dialect_name == "postgresql"

    def _connected(self) -> Connection:
        # PostgreSQL connections come in autocommit: transactions are begun
        # and ended explicitly (see the module's docstring and sql_engine).
        if self._connection is None:
            self._take_turn()
            try:
                self._connection = self._engine.connect()
            except BaseException:
                self._give_turn()
                raise
        return self._connection

    def _take_turn(self) -> None:
        if self._writer is not None and not self._writer.acquire(
            timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
        ):
            raise Unavailable("the database is busy; try again shortly")

    def _give_turn(self) -> None:
        if self._writer is not None:
            self._writer.release()

    def execute(
        self, statement: Executable, params: Params | None = None, *, write: bool = False
    ) -> CursorResult[Any]:
        with outages_as_unavailable():
            options = self._begin_write() if write and not self._writing else None
            return self._connected().execute(statement, params, execution_options=options)

    def execute_driver(
        self, statement: DriverStatement, params: Mapping[str, Any], *, write: bool = False
    ) -> list[Row]:
        with outages_as_unavailable():
            begin = write and not self._writing
            connection = self._connected()
            self._writing = self._writing or begin
            return sql_driver.run(connection, statement, params, begin=begin)

    def send(self, message: Message) -> SenderStatus:
        if not self._postgres:
            return super().send(message)
        # One statement checks, stores and advances the chat; with nothing
        # written before it, outside any transaction (see the module's docstring).
        status = self._messages.send(message, in_transaction=self._writing)
        if status is SenderStatus.MEMBER:
            self.commit()
        return status

    def add_user(self, user: User) -> None:
        if not self._postgres:
            super().add_user(user)
            return
        # A single insert needs no transaction around it (see the module's docstring).
        self._users.add(user, in_transaction=self._writing)
        self.commit()

    def create_chat(self, chat: Chat) -> list[str]:
        if not self._postgres:
            return super().create_chat(chat)
        # One statement checks the members and stores the chat and them.
        missing = self._chats.create(chat, in_transaction=self._writing)
        if not missing:
            self.commit()
        return missing

    def _begin_write(self) -> dict[str, bool] | None:
        """Open the write transaction; the options for the statement that writes first."""
        connection = self._connected()
        if self._postgres:
            # BEGIN travels in the first write's round trip (see sql_engine).
            self._writing = True
            return {BEGIN_FIRST: True}
        connection.rollback()  # only reads so far: see the module's docstring
        self._take_turn()  # again: the write's own turn, given back when it ends
        self._writing = True
        connection.execution_options(**{WRITE_TRANSACTION: True})
        return None

    def commit(self) -> None:
        self._end("COMMIT")

    def rollback(self) -> None:
        self._end("ROLLBACK")

    def _end(self, verb: str) -> None:
        connection = self._connection
        try:
            if connection is not None:
                with outages_as_unavailable():
                    if self._postgres:
                        if self._writing:
                            connection.exec_driver_sql(verb)
                    elif verb == "COMMIT":
                        connection.commit()
                    else:
                        connection.rollback()
        except BaseException as error:
            if connection is not None and self._postgres and self._writing:
                # The transaction's fate is unknown: never let the pool reuse it.
                connection.invalidate()
                # A lost connection's transaction is rolled back by the server:
                # a ROLLBACK that cannot reach it has nothing left to do, and
                # must not hide the error that led to it.
                if verb == "ROLLBACK" and isinstance(error, Unavailable):
                    return
            raise
        finally:
            if self._writing:
                self._give_turn()
            self._writing = False

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            if self._connection is not None:
                try:
                    self._connection.close()
                finally:
                    self._connection = None
                    self._give_turn()


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    """Units of work over ``engine``, each with its own session and transaction."""
    # Core connections, not ORM sessions: every statement is Core, and a
    # session's bookkeeping was a tenth of a loaded server's time.
    writer = threading.RLock() if engine.dialect.name == "sqlite" else None

    def unit_of_work() -> UnitOfWork:
        return SqlUnitOfWork(engine, writer)

    return unit_of_work
