"""The read statements, built once over the tables with bound parameters.

Each is shaped for an index (see ``tables``); the query-plan test explains
the lists on PostgreSQL. The functions below run them on a connection and
turn rows into entities, by position: the statements' column order is the
entities' field order.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Connection, Integer, Select, and_, bindparam, func, or_, select, tuple_

from adapters.sql.tables import UtcDateTime, chat_members, chats, messages, users
from chat_domain import rules
from chat_domain.model import Chat, ChatKey, Message, User
from chat_domain.pages import Window

MESSAGE_LIST = (
    select(
        messages.c.id,
        messages.c.chat_id,
        messages.c.author_id,
        messages.c.text,
        messages.c.created_at,
        messages.c.client_msg_id,
    )
    .where(messages.c.chat_id == bindparam("chat_id"))
    .order_by(messages.c.created_at, messages.c.id)  # model.message_list_key
)
"""A chat's messages in the contract's order (``:chat_id``)."""

_MESSAGE_KEY = tuple_(messages.c.created_at, messages.c.id)


def _place(name: str) -> Any:
    """The place in the chat's order of the message ``:<name>`` (its id): its time,
    found in the chat by the page's own statement (one index probe, planned before
    the range it bounds), then its id. An id that names no message of the chat
    places nothing, and the page is empty."""
    cursor = messages.alias(f"{name}_cursor")
    message_id = bindparam(name, type_=messages.c.id.type)
    at = (
        select(cursor.c.created_at)
        .where(cursor.c.id == message_id, cursor.c.chat_id == bindparam("chat_id"))
        .scalar_subquery()
    )
    return tuple_(at, message_id)


_AFTER = _place("after_id") < _MESSAGE_KEY
_BEFORE = _place("before_id") > _MESSAGE_KEY
_FIND = MESSAGE_LIST.where(messages.c.id == bindparam("message_id"))


@functools.cache
def message_page(*, after: bool, before: bool, limit: bool, newest_first: bool) -> Select[Any]:
    """One keyset walk's page of ``MESSAGE_LIST``: one range of its index, read forward,
    or backward (newest first) for a walk toward older messages."""
    page = MESSAGE_LIST
    if after:
        page = page.where(_AFTER)
    if before:
        page = page.where(_BEFORE)
    if newest_first:
        page = page.order_by(None).order_by(messages.c.created_at.desc(), messages.c.id.desc())
    return page.limit(bindparam("limit", type_=Integer)) if limit else page


CHAT_COLUMNS = (chats.c.id, chats.c.name, chats.c.created_at, chats.c.last_message_at)
_CHAT = select(chats.c.id).where(chats.c.id == bindparam("chat_id"))
_USER_COLUMNS = (users.c.id, users.c.username, users.c.created_at)
_USERS = select(*_USER_COLUMNS).where(users.c.id.in_(bindparam("user_ids", expanding=True)))
_KNOWN = select(users.c.id).where(users.c.id.in_(bindparam("user_ids", expanding=True)))
_NAMED = select(*_USER_COLUMNS).where(users.c.username_key == bindparam("username_key"))

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
"""A user's chats in the contract's order (``:user_id``): a walk over their memberships."""

_PLACE = tuple_(
    bindparam("after_at", type_=UtcDateTime), bindparam("after_id", type_=chats.c.id.type)
)
# After a place among the chats with messages: the older ones, then every chat without.
_AFTER_ACTIVE = or_(
    chats.c.last_message_at.is_(None), tuple_(chats.c.last_message_at, chats.c.id) < _PLACE
)
# After a place among the chats without messages: the older ones of those.
_AFTER_QUIET = and_(
    chats.c.last_message_at.is_(None), tuple_(chats.c.created_at, chats.c.id) < _PLACE
)


@functools.cache
def chat_page(*, after: bool | None, limit: bool) -> Select[Any]:
    """``CHAT_LIST`` after a place (``after``: whether the place's chat has messages;
    ``None``: from the start), at most ``:limit`` chats."""
    page = CHAT_LIST if after is None else CHAT_LIST.where(_AFTER_ACTIVE if after else _AFTER_QUIET)
    return page.limit(bindparam("limit", type_=Integer)) if limit else page


class ChatPageShape(TypedDict):
    after: bool | None
    limit: bool


def chat_page_shape(after: ChatKey | None, limit: int | None) -> ChatPageShape:
    """The arguments of ``chat_page`` that read the page after ``after``, of ``limit``."""
    return {"after": None if after is None else after[0], "limit": limit is not None}


def chat_page_params(user_id: str, after: ChatKey | None, limit: int | None) -> dict[str, object]:
    params: dict[str, object] = {"user_id": user_id, "limit": limit}
    if after is not None:
        params.update(after_at=after[1], after_id=after[2])
    return params


CHAT_MEMBERS = (
    select(chat_members.c.chat_id, chat_members.c.user_id)
    .where(chat_members.c.chat_id.in_(bindparam("chat_ids", expanding=True)))
    .order_by(chat_members.c.chat_id, chat_members.c.position)
)
"""The members of the chats ``:chat_ids``, in each chat's order."""

_ID_BATCH = 1000
"""Ids per ``IN (...)`` list: a chat's members are unlimited, bound parameters are not."""


def batches(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _ID_BATCH):
        yield ids[start : start + _ID_BATCH]


def missing_users(connection: Connection, user_ids: Sequence[str]) -> list[str]:
    # Ids only: a new chat's members and an empty list's user need no more.
    known: set[str] = set()
    for batch in batches(user_ids):
        known.update(connection.execute(_KNOWN, {"user_ids": batch}).scalars())
    return [user_id for user_id in user_ids if user_id not in known]


def get_users(connection: Connection, user_ids: Sequence[str]) -> list[User]:
    found: list[User] = []
    for batch in batches(user_ids):
        rows = connection.execute(_USERS, {"user_ids": batch})
        found.extend(User(*row) for row in cast("Iterable[tuple[str, str, datetime]]", rows))
    return found


def named_user(connection: Connection, username: str) -> User | None:
    row = connection.execute(_NAMED, {"username_key": rules.name_key(username)}).first()
    return None if row is None else User(row.id, row.username, row.created_at)


def chat_exists(connection: Connection, chat_id: str) -> bool:
    return connection.execute(_CHAT, {"chat_id": chat_id}).first() is not None


def list_chats(
    connection: Connection, user_id: str, after: ChatKey | None, limit: int | None
) -> list[Chat]:
    """The page of the user's chats, then their members in a second statement."""
    statement = chat_page(**chat_page_shape(after, limit))
    rows = connection.execute(statement, chat_page_params(user_id, after, limit)).all()
    members = chat_members_of(connection, [row.id for row in rows])
    return [Chat(id, name, members[id], at, last) for id, name, at, last in rows]


def chat_members_of(connection: Connection, chat_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The members of each of the chats ``chat_ids`` that exists, in its order."""
    members: dict[str, list[str]] = {}
    for batch in batches(chat_ids):
        for member in connection.execute(CHAT_MEMBERS, {"chat_ids": batch}):
            members.setdefault(member.chat_id, []).append(member.user_id)
    return {chat_id: tuple(users) for chat_id, users in members.items()}


def messages_of(rows: object) -> list[Message]:
    typed = cast("Iterable[tuple[str, str, str, str, datetime, str | None]]", rows)
    return [Message(*row) for row in typed]


def find_message(connection: Connection, chat_id: str, message_id: str) -> Message | None:
    found = messages_of(connection.execute(_FIND, {"chat_id": chat_id, "message_id": message_id}))
    return found[0] if found else None


def message_page_params(chat_id: str, window: Window) -> dict[str, object]:
    params: dict[str, object] = {"chat_id": chat_id, "limit": window.limit}
    if window.after is not None:
        params["after_id"] = window.after
    if window.before is not None:
        params["before_id"] = window.before
    return params


def page_shape(window: Window) -> dict[str, bool]:
    """The arguments of ``message_page`` that read ``window``."""
    return {
        "after": window.after is not None,
        "before": window.before is not None,
        "limit": window.limit is not None,
        "newest_first": window.newest_first,
    }


def list_messages(connection: Connection, chat_id: str, window: Window) -> list[Message]:
    statement = message_page(**page_shape(window))
    return messages_of(connection.execute(statement, message_page_params(chat_id, window)))
