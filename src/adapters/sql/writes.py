"""The staged writes, and how a transaction applies each with its checks.

A unit of work stages the entity a use case stores (a new ``User`` or
``Chat``, or a ``NewMessage``) and applies it when it commits, or before it
next reads.
These are the portable statements: each check reads under the write
transaction's lock, then inserts. A dialect may apply a write its own way
(``postgres.writes`` does each in one statement); its parameters stay these.
"""

from __future__ import annotations

import attrs
from sqlalchemy import Connection, bindparam, insert, select, update

from adapters.sql import queries
from adapters.sql.errors import conflicts_as
from adapters.sql.tables import (
    UtcDateTime,
    chat_members,
    chat_name_key_index,
    chats,
    messages,
    username_key_index,
    users,
)
from chat_domain import rules
from chat_domain.errors import ChatNameTaken, UsernameTaken, members_not_found, sender_refusal
from chat_domain.model import Chat, Message, User, visible_at
from chat_domain.ports import Stored


@attrs.frozen
class NewMessage:
    """A message to append, and where the message as stored is reported."""

    message: Message
    stored: Stored[Message] = attrs.field(factory=Stored)


Write = User | Chat | NewMessage


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
    }


def message_params(message: Message) -> dict[str, object]:
    return {
        "message_id": message.id,
        "message_chat": message.chat,
        "author_id": message.author,
        "message_text": message.text,
        "sent_at": message.created_at,
    }


NEW_MESSAGE = insert(messages).values(
    id=bindparam("message_id"),
    chat_id=bindparam("message_chat"),
    author_id=bindparam("author_id"),
    text=bindparam("message_text"),
    created_at=bindparam("sent_at", type_=UtcDateTime),
)
_NEWEST = select(chats.c.last_message_at).where(chats.c.id == bindparam("message_chat"))
_ADVANCE = (
    update(chats)
    .where(chats.c.id == bindparam("message_chat"))
    .values(last_message_at=bindparam("sent_at", type_=UtcDateTime))
)


def apply(connection: Connection, write: Write) -> None:
    """Apply one staged write inside the open write transaction, or refuse it."""
    if isinstance(write, User):
        with conflicts_as(UsernameTaken(write.username), username_key_index):
            connection.execute(insert(users), user_row(write))
    elif isinstance(write, Chat):
        missing = queries.missing_users(connection, write.users)
        if missing:
            raise members_not_found(write.users, missing)
        with conflicts_as(ChatNameTaken(write.name), chat_name_key_index):
            connection.execute(insert(chats), chat_row(write))
        members = [
            {"chat_id": write.id, "user_id": user_id, "position": position}
            for position, user_id in enumerate(write.users)
        ]
        connection.execute(insert(chat_members), members)
    else:
        message = write.message
        status = queries.sender_status(connection, message.chat, message.author)
        refusal = sender_refusal(status, message.chat, message.author)
        if refusal is not None:
            raise refusal
        # The write transaction holds the database's write lock: the chat's turn.
        newest = connection.execute(_NEWEST, {"message_chat": message.chat}).scalar_one()
        sent = attrs.evolve(message, created_at=visible_at(message.created_at, newest))
        params = message_params(sent)
        connection.execute(NEW_MESSAGE, params)
        connection.execute(_ADVANCE, params)
        write.stored.set(sent)
