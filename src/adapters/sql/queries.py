"""The read statements, built once over the tables with bound parameters.

Each is shaped for an index (see ``tables``); the query-plan test explains
the lists on PostgreSQL. The functions below run them on a connection and
turn rows into entities, by position: the statements' column order is the
entities' field order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Select, bindparam, func, select, tuple_

from adapters.sql.tables import UtcDateTime, chat_members, chats, messages, users
from chat_domain.model import Chat, Message, SenderStatus

MESSAGE_LIST = (
    select(
        messages.c.id,
        messages.c.chat_id,
        messages.c.author_id,
        messages.c.text,
        messages.c.created_at,
    )
    .where(messages.c.chat_id == bindparam("chat_id"))
    .order_by(messages.c.created_at, messages.c.id)  # model.message_list_key
)
"""A chat's messages in the contract's order (``:chat_id``)."""

# One page of it: the same index range, started after a message (keyset) and cut short.
_AFTER = tuple_(messages.c.created_at, messages.c.id) > tuple_(
    bindparam("after_at", type_=UtcDateTime), bindparam("after_id", type_=messages.c.id.type)
)
MESSAGE_PAGE = MESSAGE_LIST.where(_AFTER).limit(bindparam("limit"))
"""The page after a message (``:after_at``, ``:after_id``, ``:limit``)."""
_PAGES: dict[tuple[bool, bool], Select[Any]] = {
    (False, False): MESSAGE_LIST,
    (True, False): MESSAGE_LIST.where(_AFTER),
    (False, True): MESSAGE_LIST.limit(bindparam("limit")),
    (True, True): MESSAGE_PAGE,
}

CHAT_COLUMNS = (chats.c.id, chats.c.name, chats.c.created_at, chats.c.last_message_at)
_CHAT = select(chats.c.id).where(chats.c.id == bindparam("chat_id"))
_KNOWN_USERS = select(users.c.id).where(users.c.id.in_(bindparam("user_ids", expanding=True)))
SENDER_STATUS = select(
    select(chats.c.id).where(chats.c.id == bindparam("message_chat")).exists().label("chat"),
    select(users.c.id).where(users.c.id == bindparam("author_id")).exists().label("author"),
    select(chat_members.c.chat_id)
    .where(
        chat_members.c.chat_id == bindparam("message_chat"),
        chat_members.c.user_id == bindparam("author_id"),
    )
    .exists()
    .label("member"),
)
"""Chat existence, author existence and membership together (``:message_chat``, ``:author_id``)."""

CHAT_LIST = (
    select(*CHAT_COLUMNS)
    .join(chat_members, chat_members.c.chat_id == chats.c.id)
    .where(chat_members.c.user_id == bindparam("user_id"))
    # model.chat_list_key, reversed: chats with messages first, newest first, larger id first.
    .order_by(
        chats.c.last_message_at.is_(None),
        func.coalesce(chats.c.last_message_at, chats.c.created_at).desc(),
        chats.c.id.desc(),
    )
)
"""A user's chats in the contract's order (``:user_id``)."""
_CHATS_OF_USER = select(chat_members.c.chat_id).where(
    chat_members.c.user_id == bindparam("user_id")
)
CHAT_LIST_MEMBERS = (
    select(chat_members.c.chat_id, chat_members.c.user_id)
    .where(chat_members.c.chat_id.in_(_CHATS_OF_USER.scalar_subquery()))
    .order_by(chat_members.c.chat_id, chat_members.c.position)
)
"""The members of every chat in ``CHAT_LIST``, in order (``:user_id``)."""

_ID_BATCH = 500
"""Ids per ``IN (...)`` list: a chat's members are unlimited, bound parameters are not."""


def _batches(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _ID_BATCH):
        yield ids[start : start + _ID_BATCH]


def missing_users(connection: Connection, user_ids: Sequence[str]) -> list[str]:
    known: set[str] = set()
    for batch in _batches(user_ids):
        known.update(connection.execute(_KNOWN_USERS, {"user_ids": batch}).scalars())
    return [user_id for user_id in user_ids if user_id not in known]


def chat_exists(connection: Connection, chat_id: str) -> bool:
    return connection.execute(_CHAT, {"chat_id": chat_id}).first() is not None


def sender_status(connection: Connection, chat_id: str, author_id: str) -> SenderStatus:
    params = {"message_chat": chat_id, "author_id": author_id}
    found = connection.execute(SENDER_STATUS, params).one()
    return SenderStatus.of(chat=found.chat, author=found.author, member=found.member)


def list_chats(connection: Connection, user_id: str) -> list[Chat]:
    """The user's chats, then every chat's members in a second statement."""
    params = {"user_id": user_id}
    rows = connection.execute(CHAT_LIST, params).all()
    members: dict[str, list[str]] = {}
    for member in connection.execute(CHAT_LIST_MEMBERS, params):
        members.setdefault(member.chat_id, []).append(member.user_id)
    return [Chat(id, name, tuple(members[id]), at, last) for id, name, at, last in rows]


def list_messages(
    connection: Connection, chat_id: str, after: Message | None, limit: int | None
) -> list[Message]:
    params: dict[str, object] = {"chat_id": chat_id, "limit": limit}
    if after is not None:
        params.update(after_at=after.created_at, after_id=after.id)
    statement = _PAGES[after is not None, limit is not None]
    rows = cast(
        "Iterable[tuple[str, str, str, str, datetime]]", connection.execute(statement, params)
    )
    return [Message(*row) for row in rows]
