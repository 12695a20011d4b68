"""The staged writes, and how a transaction applies each with its checks.

A unit of work stages the entity a use case stores (a new ``User`` or
``Chat``; ``Sends`` and ``NewChats``: messages, or chats, staged one after
another and applied together)
and applies it when it commits, or before it next reads.
These are the portable statements: each check reads under the write
transaction's lock, then inserts. A dialect may apply a write its own way
(``postgres.writes`` does each in one statement); its rows stay these.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from sqlalchemy import ColumnElement, Connection, insert

from adapters.sql import queries, sends
from adapters.sql.errors import conflicts_as
from adapters.sql.sends import Send
from adapters.sql.tables import (
    chat_members,
    chat_name_key_index,
    chats,
    username_key_index,
    users,
)
from chat_domain import rules
from chat_domain.documents import chat_head_json, members_json
from chat_domain.errors import ChatNameTaken, UsernameTaken, members_not_found
from chat_domain.model import Chat, User


@attrs.frozen
class Sends:
    """Messages staged one after another, applied together (``sends.apply_all``)."""

    sends: list[Send] = attrs.field(factory=list)


@attrs.frozen
class NewChats:
    """Chats staged one after another, applied together where a dialect can
    (``postgres.new_chats``), else one after another."""

    chats: list[Chat] = attrs.field(factory=list)


Write = User | Chat | Sends | NewChats


def user_row(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "username_key": rules.name_key(user.username),
        "created_at": user.created_at,
    }


def chat_row(chat: Chat) -> dict[str, object]:
    return {
        "id": chat.id,
        "name": chat.name,
        "name_key": rules.name_key(chat.name),
        "created_at": chat.created_at,
        "last_message_at": chat.last_message_at,
        # For the chat list's read view: its members, and its document but for
        # last_message_at (that part never changes).
        "users_json": members_json(chat.users),
        "document_head": chat_head_json(chat),
    }


def apply(connection: Connection, write: Write, tx: Callable[[], ColumnElement[int]]) -> None:
    """Apply one staged write inside the open write transaction, or refuse it;
    ``tx`` gives the transaction's place in the live stream."""
    if isinstance(write, User):
        with conflicts_as(UsernameTaken(write.username), username_key_index):
            connection.execute(insert(users), user_row(write))
    elif isinstance(write, NewChats):
        for chat in write.chats:
            apply(connection, chat, tx)
    elif isinstance(write, Chat):
        missing = queries.missing_users(connection, write.users)
        if missing:
            raise members_not_found(write.users, missing)
        with conflicts_as(ChatNameTaken(write.name), chat_name_key_index):
            connection.execute(insert(chats).values(stream_tx=tx()), chat_row(write))
        members = [
            {"chat_id": write.id, "user_id": user_id, "position": position}
            for position, user_id in enumerate(write.users)
        ]
        connection.execute(insert(chat_members), members)
    else:
        sends.apply_all(connection, write.sends, tx())
