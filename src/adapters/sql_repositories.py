"""The user and chat ports over SQLAlchemy Core: rows become entities here, explicitly.

Statements are built once, with bound parameters, and each port method is one
statement where the databases allow it (see ``orm`` for the indexes each one
walks). Every statement runs through a ``Statements`` (the unit of work),
which owns the transaction, turns lost connections into ``Unavailable`` and is
told which statements write. Messages are in ``sql_messages``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, bindparam, exists, func, insert, select, true
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

from adapters.orm import chat_members, chat_name_key_index, chats, username_key_index, users
from adapters.sql_driver import DriverStatement
from adapters.sql_statements import Statements, batches, conflicts_as, insert_unique
from chat_domain import rules
from chat_domain.errors import ChatNameTaken, UsernameTaken
from chat_domain.model import Chat, User
from chat_domain.ports import ChatRepository, SenderStatus, UserRepository

_USER = select(users.c.id, users.c.username, users.c.created_at).where(
    users.c.id == bindparam("user_id")
)
_NEW_USER_POSTGRES = DriverStatement("chat_new_user", insert(users))
_KNOWN_USERS = select(users.c.id).where(users.c.id.in_(bindparam("user_ids", expanding=True)))


class SqlUserRepository(UserRepository):
    def __init__(self, db: Statements) -> None:
        self._db = db

    def add(self, user: User, *, in_transaction: bool = True) -> None:
        """``in_transaction=False`` (PostgreSQL, ``UnitOfWork.add_user``): one insert
        outside any transaction, atomic and durable by itself."""
        row = {
            "id": user.id,
            "username": user.username,
            "username_key": rules.username_key(user.username),
            "created_at": user.created_at,
        }
        taken = UsernameTaken(user.username)
        if self._db.dialect_name == "postgresql":
            with conflicts_as(taken, username_key_index):
                self._db.execute_driver(_NEW_USER_POSTGRES, row, write=in_transaction)
            return
        insert_unique(self._db, users, row, username_key_index, taken, write=in_transaction)

    def get(self, user_id: str) -> User | None:
        row = self._db.execute(_USER, {"user_id": user_id}).one_or_none()
        return None if row is None else User(row.id, row.username, row.created_at)

    def missing(self, user_ids: Sequence[str]) -> list[str]:
        known: set[str] = set()
        for batch in batches(user_ids):
            known.update(self._db.execute(_KNOWN_USERS, {"user_ids": batch}).scalars())
        return [user_id for user_id in user_ids if user_id not in known]


_CHAT_COLUMNS = (chats.c.id, chats.c.name, chats.c.created_at, chats.c.last_message_at)
_CHAT = select(*_CHAT_COLUMNS).where(chats.c.id == bindparam("chat_id"))
_MEMBERS = (
    select(chat_members.c.user_id)
    .where(chat_members.c.chat_id == bindparam("chat_id"))
    .order_by(chat_members.c.position)
)
_SENDER_STATUS = select(
    select(chats.c.id).where(chats.c.id == bindparam("chat_id")).exists().label("chat"),
    select(users.c.id).where(users.c.id == bindparam("user_id")).exists().label("user"),
    select(chat_members.c.chat_id)
    .where(
        chat_members.c.chat_id == bindparam("chat_id"),
        chat_members.c.user_id == bindparam("user_id"),
    )
    .exists()
    .label("member"),
)
_CHATS_OF_USER = select(chat_members.c.chat_id).where(
    chat_members.c.user_id == bindparam("user_id")
)
CHAT_LIST = (
    select(*_CHAT_COLUMNS)
    .join(chat_members, chat_members.c.chat_id == chats.c.id)
    .where(chat_members.c.user_id == bindparam("user_id"))
    # model.chat_list_key, reversed: chats with messages first, newest first, larger id first.
    .order_by(
        chats.c.last_message_at.is_(None),
        func.coalesce(chats.c.last_message_at, chats.c.created_at).desc(),
        chats.c.id.desc(),
    )
)
"""A user's chats in the contract's order (``:user_id``); the query-plan test explains it."""
CHAT_LIST_MEMBERS = (
    select(chat_members.c.chat_id, chat_members.c.user_id)
    .where(chat_members.c.chat_id.in_(_CHATS_OF_USER.scalar_subquery()))
    .order_by(chat_members.c.chat_id, chat_members.c.position)
)
"""The members of every chat in ``CHAT_LIST``, in order (``:user_id``)."""


# PostgreSQL: the same list with each chat's members in one statement, an
# index probe per chat on (chat_id, position) rather than a second query.
_members = chat_members.alias("members")
CHAT_LIST_WITH_MEMBERS_POSTGRES = CHAT_LIST.add_columns(
    select(func.array_agg(aggregate_order_by(_members.c.user_id, _members.c.position)))
    .where(_members.c.chat_id == chats.c.id)
    .scalar_subquery()
    .label("users")
)


# PostgreSQL: CreateChat in one statement. The members come unnested from one
# array with their 1-based place; those that name no user are the answer, in
# that order; only when there are none are the chat and its members inserted.
# Users are never removed, so the answer cannot go stale before the insert.
_given = (
    func.unnest(bindparam("member_ids", type_=ARRAY(chat_members.c.user_id.type)))
    .table_valued("user_id", with_ordinality="position")
    .render_derived(name="given")
)
_missing = (
    select(_given.c.user_id, _given.c.position)
    .where(~exists().where(users.c.id == _given.c.user_id))
    .cte("missing")
)
_new_chat = (
    insert(chats)
    .from_select(
        [column.name for column in chats.columns],
        select(*(bindparam(column.name, type_=column.type) for column in chats.columns)).where(
            ~exists(select(_missing.c.user_id))
        ),
    )
    .returning(chats.c.id)
    .cte("new_chat")
)
_new_members = (
    insert(chat_members)
    .from_select(
        ["chat_id", "user_id", "position"],
        select(_new_chat.c.id, _given.c.user_id, _given.c.position - 1).select_from(
            _new_chat.join(_given, true())  # the one new chat beside each member
        ),
    )
    .cte("new_members")
)
_CREATE_CHAT_POSTGRES = DriverStatement(
    "chat_new_chat",
    select(_missing.c.user_id).order_by(_missing.c.position).add_cte(_new_chat, _new_members),
)


def _row(chat: Chat) -> dict[str, object]:
    return {
        "id": chat.id,
        "name": chat.name,
        "name_key": rules.chat_name_key(chat.name),
        "created_at": chat.created_at,
        "last_message_at": chat.last_message_at,
    }


def _chat(row: Row[Any], members: Sequence[str]) -> Chat:
    return Chat(row.id, row.name, tuple(members), row.created_at, row.last_message_at)


class SqlChatRepository(ChatRepository):
    def __init__(self, db: Statements) -> None:
        self._db = db

    def add(self, chat: Chat) -> None:
        insert_unique(self._db, chats, _row(chat), chat_name_key_index, ChatNameTaken(chat.name))
        members = [
            {"chat_id": chat.id, "user_id": user_id, "position": position}
            for position, user_id in enumerate(chat.users)
        ]
        self._db.execute(insert(chat_members), members, write=True)

    def create(self, chat: Chat, *, in_transaction: bool) -> list[str]:
        """PostgreSQL only: ``UnitOfWork.create_chat`` in one statement, outside any
        transaction unless one is open (``write=False`` begins none)."""
        params = {**_row(chat), "member_ids": list(chat.users)}
        with conflicts_as(ChatNameTaken(chat.name), chat_name_key_index):
            missing = self._db.execute_driver(_CREATE_CHAT_POSTGRES, params, write=in_transaction)
        return [user_id for (user_id,) in missing]

    def get(self, chat_id: str) -> Chat | None:
        row = self._db.execute(_CHAT, {"chat_id": chat_id}).one_or_none()
        if row is None:
            return None
        return _chat(row, self._db.execute(_MEMBERS, {"chat_id": chat_id}).scalars().all())

    def exists(self, chat_id: str) -> bool:
        return self._db.execute(_CHAT, {"chat_id": chat_id}).first() is not None

    def sender_status(self, chat_id: str, user_id: str) -> SenderStatus:
        # Asked only on the way to a send, so it opens the write transaction
        # (on SQLite the writer takes the lock before reading, see sql_engine).
        params = {"chat_id": chat_id, "user_id": user_id}
        found = self._db.execute(_SENDER_STATUS, params, write=True).one()
        if not found.chat:
            return SenderStatus.CHAT_MISSING
        if not found.user:
            return SenderStatus.AUTHOR_MISSING
        return SenderStatus.MEMBER if found.member else SenderStatus.NOT_MEMBER

    def list_for_user(self, user_id: str) -> list[Chat]:
        params = {"user_id": user_id}
        if self._db.dialect_name == "postgresql":
            listed = cast(
                "Iterable[tuple[str, str, datetime, datetime | None, list[str]]]",
                self._db.execute(CHAT_LIST_WITH_MEMBERS_POSTGRES, params),
            )
            return [Chat(id, name, tuple(users), at, last) for id, name, at, last, users in listed]
        rows = self._db.execute(CHAT_LIST, params).all()
        members: dict[str, list[str]] = {}
        for member in self._db.execute(CHAT_LIST_MEMBERS, params):
            members.setdefault(member.chat_id, []).append(member.user_id)
        return [_chat(row, members[row.id]) for row in rows]
