"""The composition root: the one place that wires adapters into use cases.

In memory (tests, embedding)::

    chats = bootstrap()

Over a database (the server; migrate first with ``adapters.migrate.upgrade_to_head``)::

    database = open_database("sqlite:///var/chat.db")  # or postgresql://...
    chats = bootstrap(database.uow)
    ...
    database.dispose()
"""

from __future__ import annotations

import attrs
from sqlalchemy import Engine

from adapters.memory import MemoryStore
from adapters.sql import create_engine_for, sql_unit_of_work_factory
from adapters.system import SystemClock, Uuid7Generator
from chat_domain.ports import Clock, IdGenerator, UnitOfWorkFactory
from chat_domain.use_cases import AddUser, CreateChat, ListChats, ListMessages, SendMessage


@attrs.frozen
class Chats:
    """The service's five use cases, ready to call."""

    add_user: AddUser
    create_chat: CreateChat
    send_message: SendMessage
    list_chats: ListChats
    list_messages: ListMessages


@attrs.frozen
class Database:
    """An open database: its engine and the units of work over it."""

    engine: Engine
    uow: UnitOfWorkFactory

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown)."""
        self.engine.dispose()


def open_database(url: str) -> Database:
    """A ``postgresql://`` or ``sqlite:///path`` database; connects on first use, not here."""
    engine = create_engine_for(url)
    return Database(engine=engine, uow=sql_unit_of_work_factory(engine))


def bootstrap(
    uow: UnitOfWorkFactory | None = None,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
) -> Chats:
    """Build the use cases; with no unit of work, everything lives in memory."""
    uow = uow if uow is not None else MemoryStore().unit_of_work
    clock = clock if clock is not None else SystemClock()
    ids = ids if ids is not None else Uuid7Generator()
    return Chats(
        add_user=AddUser(uow, ids, clock),
        create_chat=CreateChat(uow, ids, clock),
        send_message=SendMessage(uow, ids, clock),
        list_chats=ListChats(uow),
        list_messages=ListMessages(uow),
    )
