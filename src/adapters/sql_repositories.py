"""The user and chat ports over SQLAlchemy Core: rows become entities here, explicitly.

Statements are built once, with bound parameters, and each port method is one
statement where the databases allow it (see ``orm`` for the indexes each one
walks). Every statement runs through a ``Statements`` (the unit of work),
which owns the transaction, turns lost connections into ``Unavailable`` and is
told which statements write. Messages are in ``sql_messages``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select

from adapters.orm import chat_members, chat_name_key_index, chats, username_key_index, users
from adapters.sql_statements import Statements, batches, insert_unique
from chat_domain import rules
from chat_domain.errors import ChatNameTaken, UsernameTaken
from chat_domain.model import Chat, User
from chat_domain.ports import ChatRepository, SenderStatus, UserRepository

_USER = select(users.c.id, users.c.username, users.c.created_at).where(
    users.c.id == bindparam("user_id")
)
_KNOWN_USERS = select(users.c.id).where(users.c.id.in_(bindparam("user_ids", expanding=True)))


class SqlUserRepository(UserRepository):
    def __init__(self, db: Statements) -> None:
        self._db = db

    def add(self, user: User) -> None:
        row = {
            "id": user.id,
            "username": user.username,
            "username_key": rules.username_key(user.username),
            "created_at": user.created_at,
        }
        insert_unique(self._db, users, row, username_key_index, UsernameTaken(user.username))

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


def _chat(row: Row[Any], members: Sequence[str]) -> Chat:
    return Chat(row.id, row.name, tuple(members), row.created_at, row.last_message_at)


class SqlChatRepository(ChatRepository):
    def __init__(self, db: Statements) -> None:
        self._db = db

    def add(self, chat: Chat) -> None:
        row = {
            "id": chat.id,
            "name": chat.name,
            "name_key": rules.chat_name_key(chat.name),
            "created_at": chat.created_at,
            "last_message_at": chat.last_message_at,
        }
        insert_unique(self._db, chats, row, chat_name_key_index, ChatNameTaken(chat.name))
        members = [
            {"chat_id": chat.id, "user_id": user_id, "position": position}
            for position, user_id in enumerate(chat.users)
        ]
        self._db.execute(insert(chat_members), members, write=True)

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
        rows = self._db.execute(CHAT_LIST, params).all()
        members: dict[str, list[str]] = {}
        for member in self._db.execute(CHAT_LIST_MEMBERS, params):
            members.setdefault(member.chat_id, []).append(member.user_id)
        return [_chat(row, members[row.id]) for row in rows]
