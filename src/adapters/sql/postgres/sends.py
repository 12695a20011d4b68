"""PostgreSQL's sends: one prepared statement for a lone send, one for a batch (``batch``).

Each is atomic and durable by itself, outside any transaction. Sends inside
a longer transaction go through the portable ``sql.sends.apply_all``.
"""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from adapters.sql import queries
from adapters.sql import sends as portable
from adapters.sql.errors import violates
from adapters.sql.postgres import batch, prepared
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
from adapters.sql.writes import Sends, message_params
from chat_domain.errors import sender_refusal
from chat_domain.model import SenderStatus, Sent
from chat_domain.sends import replay

# A send: the sender's status; only when the author is a member (membership
# implies chat and author exist: foreign keys), the chat's row is advanced and
# the message inserted with the time the advance decided. The UPDATE's row
# lock is the chat's turn: concurrent sends to one chat wait for it and then
# see the row as the one before left it, so the time is model.visible_at,
# strictly after the chat's newest message, in commit order. Members are
# never removed, so the status cannot go stale before the insert. A send whose
# key its author has used in the chat stores nothing: it is a replay, read
# back after. One that commits with that key while this one waits for the
# chat's row is found by the unique index instead (``_send_alone``).
_keyed = (
    select(messages.c.id)
    .where(
        messages.c.chat_id == bindparam("message_chat"),
        messages.c.author_id == bindparam("author_id"),
        messages.c.client_msg_id == bindparam("client_msg_id"),
    )
    .exists()
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
    _keyed.label("keyed"),
).cte("status")
_sent_at = bindparam("sent_at", type_=UtcDateTime)
_TICK: ColumnElement[Any] = literal_column("interval '1 microsecond'")  # model.TICK
_advanced = (
    update(chats)
    .where(chats.c.id == bindparam("message_chat"), _status.c.member, ~_status.c.keyed)
    # GREATEST skips a NULL: a chat's first message keeps the clock's time.
    .values(last_message_at=func.greatest(_sent_at, chats.c.last_message_at + _TICK))
    .returning(chats.c.last_message_at)
    .cte("advanced")
)
_sent = (
    insert(messages)
    .from_select(
        ["id", "chat_id", "author_id", "text", "created_at", "client_msg_id"],
        select(
            bindparam("message_id", type_=messages.c.id.type),
            bindparam("message_chat", type_=messages.c.chat_id.type),
            bindparam("author_id", type_=messages.c.author_id.type),
            bindparam("message_text", type_=messages.c.text.type),
            _advanced.c.last_message_at,
            bindparam("client_msg_id", type_=messages.c.client_msg_id.type),
        ),
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
        _status.c.keyed,
        select(_sent.c.created_at).scalar_subquery(),
    ),
)


def apply(connection: Connection, write: Sends, *, begin: bool) -> None:
    """Apply the sends; ``begin`` opens a transaction with them."""
    if begin:
        connection.exec_driver_sql("BEGIN")
        portable.apply_all(connection, write.sends)
    elif len(write.sends) == 1:
        _send_alone(connection, write.sends[0])
    else:
        try:
            batch.send_all(connection, write.sends)
        except IntegrityError as error:
            if not violates(error, client_msg_id_index):
                raise
            # A key committed elsewhere while the batch waited for its chats: the
            # statement stored nothing, and each send alone finds what it must.
            for send in write.sends:
                _send_alone(connection, send)


def _send_alone(connection: Connection, send: Send) -> None:
    message = send.message
    try:
        [(member, chat, author, keyed, sent_at)] = prepared.run(
            connection, _SEND, message_params(message), begin=False
        )
    except IntegrityError as error:
        if not violates(error, client_msg_id_index):
            raise
        member = chat = author = keyed = True  # the original's author was a member
    status = SenderStatus.of(chat=chat, author=author, member=member)
    refusal = sender_refusal(status, message.chat, message.author)
    if refusal is not None:
        send.stored.fail(refusal)
    elif keyed:
        original = queries.keyed_message(connection, message)
        if original is None:  # pragma: no cover - keys are never removed
            raise LookupError(f"the message keyed {message.client_msg_id!r} has gone")
        send.stored.settle(replay(original, message))
    else:
        send.stored.set(Sent(attrs.evolve(message, created_at=prepared.as_utc(sent_at))))
