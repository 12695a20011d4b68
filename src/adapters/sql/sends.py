"""Sends applied together in the open write transaction: one batch, a few statements.

Each chat of the batch is locked once, before anything about it is read (on
PostgreSQL its row, ``FOR NO KEY UPDATE``, in id order so that two batches
never deadlock; on SQLite the write transaction already holds the file).
Every later statement then sees every send to those chats that committed
before, and none can commit until this one does: the sender checks, the
keys and the times read below cannot go stale. Then the messages go in with
one multi-row insert, each with its document, and each chat's
``last_message_at`` moves once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs
from sqlalchemy import ColumnElement, Connection, bindparam, insert, select, update

from adapters.sql import queries
from adapters.sql.tables import UtcDateTime, chat_members, chats, messages
from chat_domain.documents import message_json
from chat_domain.errors import sender_refusal
from chat_domain.model import Message, SenderStatus, SendKey, Sent, send_key, visible_at
from chat_domain.ports import Stored
from chat_domain.sends import replay

_LOCK_CHATS = (
    select(chats.c.id, chats.c.last_message_at)
    .where(chats.c.id.in_(bindparam("chat_ids", expanding=True)))
    .order_by(chats.c.id)
    .with_for_update(key_share=True)  # FOR NO KEY UPDATE: new rows may still refer to it
)
_MEMBERS = select(chat_members.c.chat_id, chat_members.c.user_id).where(
    chat_members.c.chat_id.in_(bindparam("chat_ids", expanding=True)),
    chat_members.c.user_id.in_(bindparam("user_ids", expanding=True)),
)
_KEYED = select(*queries.MESSAGE_LIST.selected_columns).where(
    messages.c.chat_id.in_(bindparam("chat_ids", expanding=True)),
    messages.c.author_id.in_(bindparam("user_ids", expanding=True)),
    messages.c.client_msg_id.in_(bindparam("keys", expanding=True)),
)
_INSERT = insert(messages)
_ADVANCE = (
    update(chats)
    .where(chats.c.id == bindparam("advanced_id"))
    .values(last_message_at=bindparam("advanced_to", type_=UtcDateTime))
)


@attrs.frozen
class Send:
    """One message of a batch, and where what became of it is told."""

    message: Message
    stored: Stored[Sent] = attrs.field(factory=Stored)


def apply_all(connection: Connection, sends: Sequence[Send], tx: ColumnElement[int]) -> None:
    """Apply ``sends`` in the open write transaction, at the live stream's place ``tx``;
    each one's outcome in its ``stored``."""
    chat_ids = sorted({send.message.chat for send in sends})
    author_ids = sorted({send.message.author for send in sends})
    ids = {"chat_ids": chat_ids, "user_ids": author_ids}
    newest: dict[str, datetime | None] = {
        row.id: row.last_message_at for row in connection.execute(_LOCK_CHATS, ids)
    }
    members = {(row.chat_id, row.user_id) for row in connection.execute(_MEMBERS, ids)}
    missing: set[str] | None = None  # the authors that name nobody, read only for a refusal
    keyed = _keyed(connection, sends, chat_ids, author_ids)
    rows: list[dict[str, object]] = []
    for send in sends:
        message = send.message
        member = (message.chat, message.author) in members
        if not member and missing is None:
            missing = set(queries.missing_users(connection, author_ids))
        status = SenderStatus.of(
            chat=message.chat in newest,
            author=member or message.author not in (missing or ()),
            member=member,
        )
        refusal = sender_refusal(status, message.chat, message.author)
        if refusal is not None:
            send.stored.fail(refusal)
            continue
        key = send_key(message)
        original = None if key is None else keyed.get(key)
        if original is not None:
            send.stored.settle(replay(original, message))
            continue
        sent = attrs.evolve(
            message, created_at=visible_at(message.created_at, newest[message.chat])
        )
        newest[message.chat] = sent.created_at
        if key is not None:
            keyed[key] = sent
        rows.append(_row(sent))
        send.stored.set(Sent(sent))
    if not rows:
        return
    connection.execute(_INSERT.values(stream_tx=tx), rows)
    advanced = {row["chat_id"]: row["created_at"] for row in rows}
    connection.execute(
        _ADVANCE, [{"advanced_id": id, "advanced_to": at} for id, at in advanced.items()]
    )


def _keyed(
    connection: Connection, sends: Sequence[Send], chat_ids: list[str], author_ids: list[str]
) -> dict[SendKey, Message]:
    keys = sorted({k for send in sends if (k := send.message.client_msg_id) is not None})
    if not keys:
        return {}
    params = {"chat_ids": chat_ids, "user_ids": author_ids, "keys": keys}
    found = queries.messages_of(connection.execute(_KEYED, params))
    return {key: message for message in found if (key := send_key(message)) is not None}


def _row(message: Message) -> dict[str, object]:
    return {
        "id": message.id,
        "chat_id": message.chat,
        "author_id": message.author,
        "text": message.text,
        "created_at": message.created_at,
        "client_msg_id": message.client_msg_id,
        "document": message_json(message),  # as the read views list it (tables)
    }
