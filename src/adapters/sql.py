"""The SQL unit of work: one session, one transaction, per use case.

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

On SQLite the database takes one writer at a time. Within this process
writers queue on a lock (no polling on the file lock); the first statement
that writes (``write=True``) takes it and begins ``BEGIN IMMEDIATE``. If the
unit of work has only read until then, that read transaction is ended first:
what it read (that users, chats and memberships exist) never changes once
written, so the answers still hold inside the write transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import CursorResult, Engine, Executable
from sqlalchemy.orm import Session, sessionmaker

from adapters.sql_engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    WRITE_TRANSACTION,
    create_engine_for,
    outages_as_unavailable,
)
from adapters.sql_messages import SqlMessageRepository
from adapters.sql_repositories import SqlChatRepository, SqlUserRepository
from adapters.sql_statements import Params
from chat_domain.errors import Unavailable
from chat_domain.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["SqlUnitOfWork", "create_engine_for", "sql_unit_of_work_factory"]


class SqlUnitOfWork(UnitOfWork):
    def __init__(
        self, sessions: sessionmaker[Session], dialect_name: str, writer: threading.Lock | None
    ) -> None:
        self._session = sessions()
        self._writer = writer  # SQLite only: this process's queue for the write lock
        self._writing = False
        self.dialect_name = dialect_name
        self.users = SqlUserRepository(self)
        self.chats = SqlChatRepository(self)
        self.messages = SqlMessageRepository(self)

    def execute(
        self, statement: Executable, params: Params | None = None, *, write: bool = False
    ) -> CursorResult[Any]:
        with outages_as_unavailable():
            if write and not self._writing:
                self._begin_write()
            return self._session.connection().execute(statement, params)

    def _begin_write(self) -> None:
        if self._writer is None:
            self._writing = True
            return
        self._session.rollback()  # only reads so far: see the module's docstring
        if not self._writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise Unavailable("the database is busy; try again shortly")
        self._writing = True
        self._session.connection(execution_options={WRITE_TRANSACTION: True})

    def commit(self) -> None:
        self._finish(self._session.commit)

    def rollback(self) -> None:
        self._finish(self._session.rollback)

    def _finish(self, end_transaction: Callable[[], None]) -> None:
        try:
            with outages_as_unavailable():
                end_transaction()
        finally:
            if self._writing and self._writer is not None:
                self._writer.release()
            self._writing = False


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    """Units of work over ``engine``, each with its own session and transaction."""
    # Core statements only, so nothing is loaded that commit could expire.
    sessions = sessionmaker(engine, expire_on_commit=False)
    dialect_name = engine.dialect.name
    writer = threading.Lock() if dialect_name == "sqlite" else None

    def unit_of_work() -> UnitOfWork:
        return SqlUnitOfWork(sessions, dialect_name, writer)

    return unit_of_work
