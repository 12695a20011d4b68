"""PostgreSQL's sends: one prepared statement for a lone send, one for a batch (``batch``).

Each is atomic and durable by itself, outside any transaction. Sends inside
a longer transaction go through the portable ``sql.sends.apply_all``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from adapters.sql import documents
from adapters.sql import sends as portable
from adapters.sql.errors import violates
from adapters.sql.postgres import batch, prepared, turns, views
from adapters.sql.postgres.prepared import PreparedStatement
from adapters.sql.sends import Send
from adapters.sql.tables import (
    UtcDateTime,
    chat_members,
    chats,
    client_msg_id_index,
    messages,
    users,
)
from adapters.sql.writes import Sends
from chat_domain.model import Message

# A lone send: the sender's status and the message its key already names;
# only when the author is a member (membership implies chat and author exist:
# foreign keys) and the key is new, the chat's row is advanced and the message
# inserted with the time the advance decided (and its document written with
# that time). The UPDATE's row lock is the chat's turn: concurrent sends to
# one chat wait for it and then see the row as the one before left it, so the
# time is model.visible_at, strictly after the chat's newest message, in
# commit order. Members are never removed, so the status cannot go stale
# before the insert. It answers one row in the shape of ``batch.settle``'s.
_original = (
    select(messages.c.id, messages.c.text, messages.c.created_at)
    .where(
        messages.c.chat_id == bindparam("message_chat"),
        messages.c.author_id == bindparam("author_id"),
        messages.c.client_msg_id == bindparam("client_msg_id"),
    )
    .cte("original")
)
_status = select(
    exists()
    .where(
        chat_members.c.chat_id == bindparam("message_chat"),
        chat_members.c.user_id == bindparam("author_id"),
    )
    .label("member"),
    exists().where(chats.c.id == bindparam("message_chat")).label("chat"),
    exists().where(users.c.id == bindparam("author_id")).label("author"),
    exists(select(_original.c.id)).label("keyed"),
).cte("status")
_sent_at = bindparam("sent_at", type_=UtcDateTime)
_TICK: ColumnElement[Any] = literal_column("interval '1 microsecond'")  # model.TICK
_advanced = (
    update(chats)
    .where(
        chats.c.id == bindparam("message_chat"),
        _status.c.member,
        ~_status.c.keyed,
        turns.lone_turn(bindparam("message_chat", type_=chats.c.id.type)),
    )
    # GREATEST skips a NULL: a chat's first message keeps the clock's time.
    .values(last_message_at=func.greatest(_sent_at, chats.c.last_message_at + _TICK))
    .returning(chats.c.last_message_at)
    .cte("advanced")
)
_stored = {
    "id": bindparam("message_id", type_=messages.c.id.type),
    "chat": bindparam("message_chat", type_=messages.c.chat_id.type),
    "author": bindparam("author_id", type_=messages.c.author_id.type),
    "text": bindparam("message_text", type_=messages.c.text.type),
    "created_at": _advanced.c.last_message_at,
    "client_msg_id": bindparam("client_msg_id", type_=messages.c.client_msg_id.type),
}
_sent = (
    insert(messages)
    .from_select(
        [
            "id",
            "chat_id",
            "author_id",
            "text",
            "created_at",
            "client_msg_id",
            "stream_tx",
            "document",
        ],
        select(*_stored.values(), turns.TX, documents.message_document(views.FIELDS, **_stored)),
    )
    .returning(messages.c.created_at)
    .cte("sent")
)
_SEND = PreparedStatement(
    "chat_send",
    select(
        _status.c.member,
        _status.c.chat,
        _status.c.author,
        select(cast(_original.c.id, Text)).scalar_subquery(),
        select(_original.c.text).scalar_subquery(),
        select(_original.c.created_at).scalar_subquery(),
        select(_sent.c.created_at).scalar_subquery(),
    ),
)


_TURNS = text(turns.TURNS_SQL.format(cls=turns.TURN_CLASS, chats="unnest(:chat_ids) AS u(c)"))
_TURNS = _TURNS.bindparams(bindparam("chat_ids", type_=ARRAY(chats.c.id.type)))


def _params(message: Message) -> dict[str, object]:
    return {
        "message_id": message.id,
        "message_chat": message.chat,
        "author_id": message.author,
        "message_text": message.text,
        "sent_at": message.created_at,
        "client_msg_id": message.client_msg_id,
    }


def apply(connection: Connection, write: Sends, *, begin: bool) -> None:
    """Apply the sends; ``begin`` opens a transaction with them."""
    if begin:
        connection.exec_driver_sql("BEGIN")
        chat_ids = sorted({send.message.chat for send in write.sends})
        connection.execute(_TURNS, {"chat_ids": chat_ids})
        portable.apply_all(connection, write.sends, turns.TX)
    elif len(write.sends) == 1:
        _send_alone(connection, write.sends[0])
    else:
        # A key that commits elsewhere while the batch waits for its chats fails
        # it whole (the unique index): ``sends.deliver`` sends each alone then.
        batch.send_all(connection, write.sends)


def _send_alone(connection: Connection, send: Send) -> None:
    params = _params(send.message)
    try:
        [row] = prepared.run(connection, _SEND, params, begin=False)
    except IntegrityError as error:
        if not violates(error, client_msg_id_index):
            raise
        # A send with this key committed after this statement's snapshot, while
        # it waited for the chat's row: it stored nothing, and run again it
        # sees the original.
        [row] = prepared.run(connection, _SEND, params, begin=False)
    batch.settle(send, row, {})
